//! The run manifest: what went in (every input file, all its parts, with
//! size and SHA-256), the normalised config and its hash, the versions of the
//! tool, GDAL and PROJ, and what came out (every file with size and SHA-256).
//! Enough for a reviewer to check, years later, that a figure came from
//! these inputs.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::{Error, Result};

/// The manifest's file name in the output folder.
pub const MANIFEST: &str = "manifest.json";

/// Extensions that belong to one shapefile (and its side files).
const SHAPEFILE_PARTS: &[&str] = &["shp", "shx", "dbf", "prj", "cpg", "qix", "sbn", "sbx"];

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// borderchange version.
    pub tool_version: String,
    /// The git commit the binary was built from, or "unknown".
    pub git_commit: String,
    /// GDAL runtime version.
    pub gdal_version: String,
    /// PROJ runtime version.
    pub proj_version: String,
    /// The analysis file, relative to the manifest's folder (absolute where
    /// no relative path leads there), `/`-separated.
    pub config_path: String,
    /// SHA-256 of `config_normalised`.
    pub config_sha256: String,
    /// The analysis file after parsing, with every default filled in (JSON).
    pub config_normalised: serde_json::Value,
    /// Every input file, paths relative to the config file's folder.
    pub inputs: Vec<FileEntry>,
    /// Every output file, paths relative to the output folder, sorted.
    pub outputs: Vec<FileEntry>,
}

/// One file with its size and hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    /// Path (relative, `/`-separated).
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// SHA-256 of a file, lowercase hex, and its size.
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = fs::File::open(path).map_err(io_error)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io_error)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok((bytes, format!("{:x}", hasher.finalize())))
}

/// SHA-256 of a byte string, lowercase hex.
pub fn hash_bytes(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Every file an analysis reads: each layer path and, for a shapefile, all
/// its parts present on disk. Paths as written in the config, resolved
/// against its folder for hashing; sorted and unique.
pub fn input_files(config: &Config) -> Vec<PathBuf> {
    let mut paths: Vec<&Path> = config.snapshots.iter().map(|s| s.path.as_path()).collect();
    paths.extend(config.dated.iter().map(|d| d.path.as_path()));
    if let Some(r) = &config.rivers {
        paths.push(&r.path);
    }
    if let Some(z) = &config.zones {
        paths.push(&z.path);
    }
    for u in &config.uncertainty {
        paths.push(&u.path);
    }
    for c in &config.context {
        paths.push(&c.path);
    }
    // A database is not a file: its tables are not hashed (the manifest
    // records the query in the config instead).
    paths.retain(|p| !crate::io::read::is_connection(p));
    let mut files = Vec::new();
    for path in paths {
        let is_shapefile = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
        if is_shapefile {
            for ext in SHAPEFILE_PARTS {
                let part = path.with_extension(ext);
                if config.resolve(&part).exists() {
                    files.push(part);
                }
            }
        } else {
            files.push(path.to_owned());
        }
    }
    files.sort();
    files.dedup();
    files
}

/// Hashes the inputs of `config`.
pub fn input_entries(config: &Config) -> Result<Vec<FileEntry>> {
    input_files(config)
        .into_iter()
        .map(|path| {
            let (bytes, sha256) = hash_file(&config.resolve(&path))?;
            Ok(FileEntry {
                path: slash_path(&path),
                bytes,
                sha256,
            })
        })
        .collect()
}

/// Hashes `files` (relative to `dir`).
pub fn output_entries(dir: &Path, files: &[PathBuf]) -> Result<Vec<FileEntry>> {
    files
        .iter()
        .map(|file| {
            let (bytes, sha256) = hash_file(&dir.join(file))?;
            Ok(FileEntry {
                path: slash_path(file),
                bytes,
                sha256,
            })
        })
        .collect()
}

/// The config as JSON with every default filled in, and its SHA-256.
pub fn normalised_config(config: &Config) -> (serde_json::Value, String) {
    let value = serde_json::to_value(config).unwrap_or(serde_json::Value::Null);
    let text = serde_json::to_string(&value).unwrap_or_default();
    let hash = hash_bytes(text.as_bytes());
    (value, hash)
}

/// The commit this binary was built from (set by `build.rs`).
pub fn git_commit() -> &'static str {
    option_env!("BORDERCHANGE_GIT_COMMIT").unwrap_or("unknown")
}

/// `path` with `/` between its parts, as the manifest writes paths.
pub(crate) fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_text() {
        // FIPS 180-2 test vector.
        assert_eq!(
            hash_bytes(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn file_hash_and_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        std::fs::write(&path, b"abc").unwrap();
        let (bytes, sha) = hash_file(&path).unwrap();
        assert_eq!(bytes, 3);
        assert_eq!(sha, hash_bytes(b"abc"));
    }
}
