//! Reproducibility: a re-run writes the same bytes, and `verify` re-runs a
//! manifest and notices when an input has changed.

mod common;

use common::{files, two_snapshots, Workdir};

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
    // The GeoPackage (no timestamps) and the maps are among the files compared.
    assert!(a.contains_key("borderchange.gpkg") && a.contains_key("maps/snapshot-1800.png"));
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

/// The manifest lists every file the run wrote (but itself), in order, with
/// its size and SHA-256, and every input with the hash of its bytes.
#[test]
fn manifest_hashes_are_the_files() {
    use sha2::{Digest, Sha256};
    let w = Workdir::new();
    two_snapshots(&w, "");
    assert!(w.run(&["run", "analysis.toml"]).status.success());
    let manifest: serde_json::Value = serde_json::from_str(&w.read("out/manifest.json")).unwrap();
    let hash = |bytes: &[u8]| format!("{:x}", Sha256::digest(bytes));
    let written = files(&w.join("out"));
    let outputs = manifest["outputs"].as_array().unwrap();
    let listed: Vec<&str> = outputs
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = written
        .keys()
        .map(String::as_str)
        .filter(|n| *n != "manifest.json")
        .collect();
    assert_eq!(listed, expected);
    for e in outputs {
        let bytes = &written[e["path"].as_str().unwrap()];
        assert_eq!(e["bytes"].as_u64().unwrap(), bytes.len() as u64);
        assert_eq!(e["sha256"].as_str().unwrap(), hash(bytes), "{e}");
    }
    let inputs = manifest["inputs"].as_array().unwrap();
    assert!(inputs.len() >= 3, "{inputs:?}");
    for e in inputs {
        let bytes = std::fs::read(w.join(e["path"].as_str().unwrap())).unwrap();
        assert_eq!(e["sha256"].as_str().unwrap(), hash(&bytes), "{e}");
    }
}
