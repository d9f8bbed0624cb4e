//! Replays the fuzz corpora and every saved crash through the same code as
//! the fuzz targets (`fuzz/fuzz_targets/*.rs` call the same `check`
//! functions), on stable Rust and without a fuzzer.
//!
//! Inputs: `fuzz/corpus/<target>/` (what the fuzzer kept) and
//! `fuzz/regressions/<target>/` (inputs that once crashed). A crash the
//! geometry target found in its copy of the reader's steps is also kept as
//! a real layer file under `fuzz/regressions/reader/` and read here with
//! `io::read::read_polygons` itself. See `fuzz/README.md`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "../fuzz/src/config_case.rs"]
mod config_case;

#[allow(dead_code)]
#[path = "../fuzz/src/geometry_case.rs"]
mod geometry_case;

/// Every file directly under `fuzz/<kind>/<target>/`, sorted; none when the
/// folder does not exist.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.') && name != "README.md"
        })
        .collect();
    files.sort();
    files
}

/// Runs `check` on every input, then fails naming each one that panicked.
fn replay(kind: &str, target: &str, check: fn(&[u8])) -> usize {
    let files = inputs(kind, target);
    let mut failed = Vec::new();
    for path in &files {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} inputs panicked (messages above):\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
    files.len()
}

#[test]
fn config_corpus() {
    let n = replay("corpus", "config", config_case::check);
    assert!(n > 0, "fuzz/corpus/config is empty");
}

#[test]
fn config_regressions() {
    replay("regressions", "config", config_case::check);
}

#[test]
fn geometry_corpus() {
    // The fuzzer ran with BORDERCHANGE_FUZZ_SKIP_KNOWN set, so the corpus may
    // reach a known bug: the regressions test those.
    let n = replay("corpus", "geometry", |data| {
        geometry_case::check_with(data, true)
    });
    assert!(n > 0, "fuzz/corpus/geometry is empty");
}

#[test]
fn geometry_regressions() {
    replay("regressions", "geometry", |data| {
        geometry_case::check_with(data, false)
    });
}

/// Every layer file in `fuzz/regressions/reader/` (holder field `state`) is
/// read with the real reader and checked as `load` checks it: a bad feature
/// may be an error, never a panic.
#[test]
fn reader_regressions() {
    use borderchange::io::read::{read_polygons, LayerSource};
    let files = inputs("regressions", "reader");
    let mut failed = Vec::new();
    for path in &files {
        let source = LayerSource {
            path: path.clone(),
            layer: None,
            assume_crs: Some("EPSG:4326".to_owned()),
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if let Ok(features) = read_polygons(&source, "state") {
                for f in &features {
                    let _ = borderchange::load::geometry_problems(&f.geometry);
                }
            }
        }));
        if outcome.is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "reading panicked (messages above):\n{}",
        failed.join("\n")
    );
}

/// Every folder in `fuzz/regressions/load/` holds an `analysis.toml` and its
/// layers: a crash a fuzz target found, as real files. Each is loaded with
/// `load::load` and, when that succeeds, analysed with `analysis::analyse`
/// (no output is written): errors are fine, panics are not.
#[test]
fn load_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/load");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut cases: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path().join("analysis.toml")))
        .filter(|p| p.is_file())
        .collect();
    cases.sort();
    let mut failed = Vec::new();
    for path in &cases {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let Ok(config) = borderchange::config::Config::load(path) else {
                return;
            };
            if let Ok(inputs) = borderchange::load::load(&config) {
                let _ = borderchange::analysis::analyse(&config, &inputs.snapshots, &inputs.rivers);
            }
        }));
        if outcome.is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} analyses panicked (messages above):\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}
