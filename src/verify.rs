//! `verify`: checks a run's manifest against the files on disk and a fresh
//! re-run. First the outputs beside the manifest are checked against it
//! (every one present, with its size and SHA-256, and no output of
//! borderchange that it does not list); then the inputs are re-hashed, the
//! analysis is run again into a temporary folder, and every output is
//! compared byte for byte; where `report.json` differs, the differing values
//! are listed. Paths in the manifest are relative to its own folder, so
//! `verify` works from any folder.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::manifest::{self, FileEntry, Manifest, MANIFEST};

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verification {
    /// Outputs on disk, beside the manifest, that differ from it: missing,
    /// changed, or written by borderchange but not listed (a stray output,
    /// or what an interrupted run left).
    pub on_disk: Vec<String>,
    /// Inputs whose size or hash differs, or that are missing or new.
    pub inputs: Vec<String>,
    /// Outputs of the re-run that differ from the manifest's, or are missing
    /// or new.
    pub outputs: Vec<String>,
    /// Values in `report.json` that differ (JSON path: recorded → now).
    pub values: Vec<String>,
}

impl Verification {
    /// True when nothing differs.
    pub fn identical(&self) -> bool {
        self.on_disk.is_empty()
            && self.inputs.is_empty()
            && self.outputs.is_empty()
            && self.values.is_empty()
    }
}

/// Reads a manifest.
pub fn read_manifest(path: &Path) -> Result<Manifest> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Config {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: format!("not a borderchange manifest: {e}"),
    })
}

/// Verifies the run recorded in `manifest_path`. The analysis file is the
/// one the manifest names (relative to the manifest's folder) unless
/// `config` is given.
pub fn verify(manifest_path: &Path, config: Option<&Path>) -> Result<Verification> {
    verify_with(manifest_path, config, &|_| {})
}

/// As [`verify`]; `notice` is told when `verify` waits for a run writing
/// into the manifest's folder.
pub fn verify_with(
    manifest_path: &Path,
    config: Option<&Path>,
    notice: &dyn Fn(&str),
) -> Result<Verification> {
    let recorded = read_manifest(manifest_path)?;
    let folder = match manifest_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut found = Verification::default();
    {
        // Not while a run is putting its outputs in place.
        let _reading = crate::staging::lock(&folder, crate::staging::Lock::Shared, notice)?;
        found.on_disk = check_on_disk(&folder, &recorded);
    }
    let config_path = match config {
        Some(path) => path.to_owned(),
        None => recorded_config(&folder, &recorded.config_path)?,
    };
    let loaded = Config::load(&config_path)?;
    found.inputs = compare_entries(&recorded.inputs, &manifest::input_entries(&loaded)?);

    let scratch = tempfile::tempdir().map_err(|source| Error::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    // Re-run with the formats the recorded run used (`--format` may have
    // overridden the analysis file's).
    let formats: Option<Vec<String>> = recorded.config_normalised["output"]["formats"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect()
        });
    let outcome = crate::run::run_with(
        &config_path,
        &crate::run::Options {
            output_dir: Some(scratch.path()),
            formats: formats.as_deref(),
            repair: recorded.config_normalised["parameters"]["repair"].as_bool() == Some(true),
            ..crate::run::Options::default()
        },
    )?;
    let fresh = manifest::output_entries(&outcome.output_dir, &outcome.files)?;
    // The fresh run's own manifest differs from the recorded one exactly when
    // something else differs; compare the rest.
    let skip = |e: &&FileEntry| e.path != manifest::MANIFEST;
    let recorded_outputs: Vec<FileEntry> = recorded.outputs.iter().filter(skip).cloned().collect();
    let fresh_outputs: Vec<FileEntry> = fresh.iter().filter(skip).cloned().collect();
    found.outputs = compare_entries(&recorded_outputs, &fresh_outputs);

    if found.outputs.iter().any(|o| o.starts_with("report.json")) {
        let old_report = folder.join("report.json");
        if let (Ok(old), Ok(new)) = (
            std::fs::read_to_string(&old_report),
            std::fs::read_to_string(outcome.output_dir.join("report.json")),
        ) {
            if let (Ok(old), Ok(new)) = (
                serde_json::from_str::<Value>(&old),
                serde_json::from_str::<Value>(&new),
            ) {
                json_differences("", &old, &new, &mut found.values);
            }
        }
    }
    Ok(found)
}

/// The analysis file a manifest names: relative to the manifest's folder
/// (or absolute); manifests of earlier versions named it relative to the
/// folder the run was started in, tried second.
fn recorded_config(folder: &Path, recorded: &str) -> Result<PathBuf> {
    let beside = folder.join(recorded);
    if beside.is_file() {
        return Ok(beside);
    }
    if Path::new(recorded).is_relative() && Path::new(recorded).is_file() {
        return Ok(PathBuf::from(recorded));
    }
    Err(Error::Usage(format!(
        "the analysis file the manifest names, '{recorded}' (from the manifest's folder '{}'), is not there: give it with --config",
        folder.display()
    )))
}

/// Every difference between the outputs in `folder` and the manifest.
fn check_on_disk(folder: &Path, recorded: &Manifest) -> Vec<String> {
    let mut out = Vec::new();
    for entry in &recorded.outputs {
        if !Path::new(&entry.path)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            out.push(format!(
                "{}: not a path inside the output folder",
                entry.path
            ));
            continue;
        }
        match manifest::hash_file(&folder.join(&entry.path)) {
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                out.push(format!("{}: missing", entry.path));
            }
            Err(e) => out.push(format!("{}: cannot be read: {e}", entry.path)),
            Ok((bytes, sha256)) if bytes != entry.bytes || sha256 != entry.sha256 => {
                out.push(format!(
                    "{}: {} bytes sha256 {} in the manifest, {bytes} bytes sha256 {sha256} on disk",
                    entry.path, entry.bytes, entry.sha256
                ));
            }
            Ok(_) => {}
        }
    }
    let listed = |name: &str| name == MANIFEST || recorded.outputs.iter().any(|e| e.path == name);
    for (name, is_dir) in folder_entries(folder, "") {
        if name == crate::staging::STAGING
            || name.starts_with(".borderchange-partial-")
            || name == ".borderchange-discard"
        {
            out.push(format!(
                "{name}: left by an interrupted run (the next run into this folder completes or removes it)"
            ));
        } else if name == "maps" && is_dir {
            for (map, is_dir) in folder_entries(folder, "maps") {
                if !is_dir && !listed(&map) {
                    out.push(format!(
                        "{map}: not in the manifest (a map of another run?)"
                    ));
                }
            }
        } else if !is_dir && is_output_name(&name) && !listed(&name) {
            out.push(format!(
                "{name}: not in the manifest (an output of another run?)"
            ));
        }
    }
    out
}

/// The entries of `folder/sub` as `sub/name` (or `name`), with whether each
/// is a folder, sorted.
fn folder_entries(folder: &Path, sub: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = std::fs::read_dir(folder.join(sub))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let name = if sub.is_empty() {
                        name
                    } else {
                        format!("{sub}/{name}")
                    };
                    (name, e.file_type().is_ok_and(|t| t.is_dir()))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// A name that `run` writes at the top of an output folder.
fn is_output_name(name: &str) -> bool {
    const REPORTS: [&str; 12] = [
        "report.json",
        "report.md",
        "report.html",
        "areas.csv",
        "transfers.csv",
        "boundaries.csv",
        "datapackage.json",
        "sources.bib",
        "sources.json",
        crate::output::report::pdf::REPORT_PDF,
        crate::output::layers::GEOPACKAGE,
        crate::output::layers::QGIS_PROJECT,
    ];
    const LAYERS: [&str; 5] = ["states", "boundaries", "transfers", "rivers", "places"];
    if REPORTS.contains(&name) {
        return true;
    }
    let Some((stem, extension)) = name.split_once('.') else {
        return false;
    };
    let layer_extensions = crate::config::FORMATS
        .iter()
        .map(|(f, _)| f.extension)
        .chain(["shx", "dbf", "prj", "cpg", "qml"]);
    LAYERS.contains(&stem) && layer_extensions.into_iter().any(|e| e == extension)
}

/// Lines naming every path that is missing, new, or different.
fn compare_entries(recorded: &[FileEntry], now: &[FileEntry]) -> Vec<String> {
    let mut out = Vec::new();
    for r in recorded {
        match now.iter().find(|n| n.path == r.path) {
            None => out.push(format!("{}: missing", r.path)),
            Some(n) if n != r => out.push(format!(
                "{}: {} bytes sha256 {} recorded, {} bytes sha256 {} now",
                r.path, r.bytes, r.sha256, n.bytes, n.sha256
            )),
            Some(_) => {}
        }
    }
    for n in now {
        if !recorded.iter().any(|r| r.path == n.path) {
            out.push(format!("{}: not in the manifest", n.path));
        }
    }
    out
}

/// Collects `path: old → new` for every leaf that differs (at most 50).
fn json_differences(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    const MOST: usize = 50;
    if out.len() >= MOST || old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (x, y) = (
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                );
                json_differences(&format!("{path}.{k}"), x, y, out);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                json_differences(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ => out.push(format!("{path}: {old} → {new}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_differing_values_by_path() {
        let old = json!({"transfers": [{"area_km2": 1.0, "to": "B"}], "title": "t"});
        let new = json!({"transfers": [{"area_km2": 1.5, "to": "B"}], "title": "t"});
        let mut out = Vec::new();
        json_differences("", &old, &new, &mut out);
        assert_eq!(out, [".transfers[0].area_km2: 1.0 → 1.5"]);
    }

    #[test]
    fn names_missing_new_and_changed_files() {
        let e = |p: &str, s: &str| FileEntry {
            path: p.into(),
            bytes: 1,
            sha256: s.into(),
        };
        let out = compare_entries(&[e("a", "1"), e("b", "2")], &[e("a", "9"), e("c", "3")]);
        assert_eq!(out.len(), 3);
        assert!(out[0].starts_with("a: 1 bytes sha256 1 recorded"));
        assert_eq!(out[1], "b: missing");
        assert_eq!(out[2], "c: not in the manifest");
    }
}
