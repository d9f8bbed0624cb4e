//! Shared pieces of the integration tests: a fresh working folder per test,
//! tiny GeoJSON fixtures with known answers, and a way to run the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Geodesic area of a 1°×1° cell between 50° and 51° N (any longitude), km²,
/// from GeographicLib's `Planimeter -p 12`: 7,892,061,583.20654 m².
pub const CELL_50N_KM2: f64 = 7_892.061_583_206_54;

/// A temporary folder for one test; removed when dropped.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, content).expect("write fixture");
        path
    }

    /// Runs `borderchange` with `args` in this folder.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_borderchange"))
            .args(args)
            .current_dir(self.path())
            .output()
            .expect("run borderchange")
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
    }
}

/// A closed ring for the cell [x, x+1] × [y, y+1], as GeoJSON coordinates.
pub fn cell_ring(x: f64, y: f64) -> String {
    format!(
        "[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]",
        x1 = x + 1.0,
        y1 = y + 1.0
    )
}

/// A GeoJSON FeatureCollection of polygons: (holder, list of rings' JSON).
pub fn polygons(features: &[(&str, &str)]) -> String {
    let body: Vec<String> = features
        .iter()
        .map(|(holder, ring)| {
            format!(
                r#"{{"type":"Feature","properties":{{"state":"{holder}"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        body.join(",")
    )
}

/// A GeoJSON FeatureCollection of one multipolygon feature of `holder`,
/// each part given as its rings' JSON.
pub fn multipolygon(holder: &str, parts: &[&str]) -> String {
    let parts: Vec<String> = parts.iter().map(|p| format!("[{p}]")).collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"state":"{holder}"}},"geometry":{{"type":"MultiPolygon","coordinates":[{}]}}}}]}}"#,
        parts.join(",")
    )
}

/// [`two_snapshots`], with the 1700 snapshot one feature of two parts, a
/// cell at (121, 51) inside a 4° × 3° block: a nested part.
pub fn nested_parts(w: &Workdir) -> PathBuf {
    let config = two_snapshots(w, "");
    let outer = "[[120,50],[124,50],[124,53],[120,53],[120,50]]";
    w.write(
        "a1700.geojson",
        &multipolygon("A", &[outer, &cell_ring(121.0, 51.0)]),
    );
    config
}

/// A GeoJSON FeatureCollection of named lines: (name, coordinates JSON).
pub fn lines(features: &[(&str, &str)]) -> String {
    let body: Vec<String> = features
        .iter()
        .map(|(name, coords)| {
            format!(
                r#"{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{{"type":"LineString","coordinates":{coords}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        body.join(",")
    )
}

/// The two-snapshot fixture: in 1700 holder A has the cells at 120° and
/// 121° E and B the cell at 122° E (all 50–51° N); in 1800 the cell at 121° E
/// has passed to B. A river runs along 121° E from 50° to 50.5° N, on the
/// A–B boundary of 1800. Writes `a1700.geojson`, `b1800.geojson`,
/// `rivers.geojson` and `analysis.toml` with `references` appended.
pub fn two_snapshots(w: &Workdir, references: &str) -> PathBuf {
    let joined = "[[120,50],[121,50],[122,50],[122,51],[121,51],[120,51],[120,50]]";
    w.write(
        "a1700.geojson",
        &polygons(&[("A", joined), ("B", &cell_ring(122.0, 50.0))]),
    );
    let b_joined = "[[121,50],[122,50],[123,50],[123,51],[122,51],[121,51],[121,50]]";
    w.write(
        "b1800.geojson",
        &polygons(&[("A", &cell_ring(120.0, 50.0)), ("B", b_joined)]),
    );
    w.write(
        "rivers.geojson",
        &lines(&[("Test", "[[121,50],[121,50.5]]")]),
    );
    w.write(
        "analysis.toml",
        &format!(
            r#"title = "fixture"

[parameters]
river_distance_km = 1.0
min_river_run_km = 5.0

{SNAPSHOT_TABLES}
[rivers]
path = "rivers.geojson"
{references}"#
        ),
    )
}

/// The output folder and the two snapshots of the fixtures' analysis files.
const SNAPSHOT_TABLES: &str = r#"[output]
dir = "out"

[[snapshot]]
year = 1700
treaty = "First"
path = "a1700.geojson"

[[snapshot]]
year = 1800
treaty = "Second"
path = "b1800.geojson"
"#;

/// A minimal `analysis.toml`: snapshots 1700 (`a1700.geojson`) and 1800
/// (`b1800.geojson`), outputs to `out`, no rivers or references.
pub fn plain_config(w: &Workdir, title: &str) -> PathBuf {
    w.write(
        "analysis.toml",
        &format!("title = \"{title}\"\n\n{SNAPSHOT_TABLES}"),
    )
}

/// Every file under `dir` (recursively) with its bytes, by path relative to
/// `dir` with `/` separators.
pub fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("output folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(name, std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Debian's Chromium, headless, with a fresh profile; returns (stdout, stderr).
pub const CHROMIUM: &str = "/usr/bin/chromium";

pub fn chromium(args: &[&str], profile: &Path) -> (String, String) {
    assert!(
        Path::new(CHROMIUM).exists(),
        "Chromium is missing: run `make test` (it installs Debian's chromium)"
    );
    let output = std::process::Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// [`two_snapshots`]' files as three snapshots, two of them in 1800 told
/// apart by their dates (1800-03-01: A holds 120–122° E; 1800-09-01: B
/// holds 121–123° E), then 1801 (a year alone) as in March; GeoPackage
/// and shapefiles to `out`. Writes `analysis.toml`.
pub fn one_year_twice(w: &Workdir) -> PathBuf {
    two_snapshots(w, "");
    w.write(
        "analysis.toml",
        r#"title = "dates"
[output]
dir = "out"
formats = ["GPKG", "ESRI Shapefile"]

[[snapshot]]
year = 1800
date = "1800-03-01"
treaty = "March"
path = "a1700.geojson"

[[snapshot]]
date = 1800-09-01
treaty = "September"
path = "b1800.geojson"

[[snapshot]]
year = 1801
treaty = "Back"
path = "a1700.geojson"
"#,
    )
}

/// The layer paths of an analysis file's table (`[rivers]`, `[zones]`,
/// `[[uncertainty]]`, `[[context]]`) made absolute against `base`, so the
/// file can be written into another folder.
pub fn absolute_layer_paths(table: &mut toml::Table, base: &Path) {
    let absolute = |t: &mut toml::Table| {
        if let Some(toml::Value::String(p)) = t.get("path") {
            let p = base.join(p).display().to_string();
            t.insert("path".into(), toml::Value::String(p));
        }
    };
    for name in ["rivers", "zones"] {
        if let Some(t) = table.get_mut(name).and_then(|t| t.as_table_mut()) {
            absolute(t);
        }
    }
    for name in ["uncertainty", "context"] {
        if let Some(layers) = table.get_mut(name).and_then(|u| u.as_array_mut()) {
            for u in layers.iter_mut().filter_map(|u| u.as_table_mut()) {
                absolute(u);
            }
        }
    }
}

/// Reads the polygon layer `path` (a shapefile) twice, with borderchange's
/// ring pairing and with GDAL's own (`organizePolygons`), and asserts the
/// same features, holders, polygons, rings and vertices (bit for bit) and
/// the same refusals; returns the number of rings read.
pub fn rings_paired_as_gdal_pairs_them(path: &Path, holder_field: &str) -> usize {
    use borderchange::io::read::{
        read_polygons_as_gdal_organizes, read_polygons_with, LayerSource,
    };
    let source = LayerSource {
        path: path.to_owned(),
        layer: None,
        assume_crs: None,
    };
    let mut ours_refused = Vec::new();
    let ours = read_polygons_with(&source, holder_field, &mut |e| {
        ours_refused.push(e.to_string());
        Ok(())
    })
    .expect("read with borderchange's pairing");
    let mut gdal_refused = Vec::new();
    let gdal = read_polygons_as_gdal_organizes(&source, holder_field, &mut |e| {
        gdal_refused.push(e.to_string());
        Ok(())
    })
    .expect("read with GDAL's pairing");
    assert_eq!(ours_refused, gdal_refused);
    assert_eq!(ours.len(), gdal.len());
    let mut rings = 0;
    for (a, b) in ours.iter().zip(&gdal) {
        assert_eq!((a.fid, &a.holder), (b.fid, &b.holder));
        assert_eq!(
            a.geometry,
            b.geometry,
            "feature {} ({}) of {}",
            a.fid,
            a.holder,
            path.display()
        );
        rings += a
            .geometry
            .0
            .iter()
            .map(|p| 1 + p.interiors().len())
            .sum::<usize>();
    }
    rings
}

/// The rings JSON of the box from (`x0`, `y0`) to (`x1`, `y1`), degrees.
pub fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!("[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]")
}

/// A GeoJSON file of polygons at `path`, each with its name in `field`.
pub fn layer(path: &Path, field: &str, features: &[(&str, String)]) {
    let features: Vec<String> = features
        .iter()
        .map(|(name, coords)| {
            format!(
                "{{\"type\":\"Feature\",\"properties\":{{\"{field}\":\"{name}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":{coords}}}}}"
            )
        })
        .collect();
    std::fs::write(
        path,
        format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
            features.join(",")
        ),
    )
    .unwrap();
}
