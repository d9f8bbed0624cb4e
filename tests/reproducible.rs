//! Reproducibility: a re-run writes the same bytes, and `verify` re-runs a
//! manifest and notices when an input has changed.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{two_snapshots, Workdir};

/// Every file under `dir`, by name, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("output folder")
        .map(|e| {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

#[test]
fn a_rerun_writes_identical_bytes() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    assert!(w
        .run(&["run", "analysis.toml", "-o", "first"])
        .status
        .success());
    assert!(w
        .run(&["run", "analysis.toml", "-o", "second"])
        .status
        .success());
    let (a, b) = (files(&w.join("first")), files(&w.join("second")));
    assert!(a.contains_key("manifest.json") && a.contains_key("transfers.dbf"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between two runs");
    }
    // No staging folder is left behind.
    assert!(!a.keys().any(|n| n.starts_with(".borderchange-partial")));
}

#[test]
fn verify_passes_then_catches_a_moved_vertex() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    assert!(w.run(&["run", "analysis.toml"]).status.success());
    let ok = w.run(&["verify", "out/manifest.json"]);
    assert!(
        ok.status.success(),
        "verify: {}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // Move one vertex of the 1800 snapshot by a hundredth of a degree.
    let text = w
        .read("b1800.geojson")
        .replacen("[123,51]", "[123.01,51]", 1);
    w.write("b1800.geojson", &text);
    let bad = w.run(&["verify", "out/manifest.json"]);
    assert!(!bad.status.success());
    let msg = format!(
        "{}{}",
        String::from_utf8_lossy(&bad.stdout),
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(msg.contains("b1800.geojson"), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
}
