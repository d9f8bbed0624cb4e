//! `verify`: checks a run's manifest against the files on disk and a fresh
//! re-run. Inputs are re-hashed, the analysis is run again into a temporary
//! folder, and every output is compared byte for byte; where `report.json`
//! differs, the differing values are listed.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::manifest::{self, FileEntry, Manifest};

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verification {
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
        self.inputs.is_empty() && self.outputs.is_empty() && self.values.is_empty()
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
/// one the manifest names (relative to the current folder) unless `config`
/// is given.
pub fn verify(manifest_path: &Path, config: Option<&Path>) -> Result<Verification> {
    let recorded = read_manifest(manifest_path)?;
    let config_path: PathBuf = config
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from(&recorded.config_path));
    let loaded = Config::load(&config_path)?;
    let mut found = Verification {
        inputs: compare_entries(&recorded.inputs, &manifest::input_entries(&loaded)?),
        ..Verification::default()
    };

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
        let old_report = manifest_path.with_file_name("report.json");
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
