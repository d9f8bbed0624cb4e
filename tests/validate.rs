//! `borderchange validate`: every problem at once, each with its file,
//! layer, year, feature, holder and place, on stdout and as points in
//! problems.gpkg beside the analysis file; exit 0 when clean, 1 when not, 2
//! when the analysis file itself cannot be used.

mod common;

use common::{cell_ring, lines, nested_parts, polygons, two_snapshots, Workdir};

fn validate(w: &Workdir) -> (Option<i32>, String, String) {
    let out = w.run(&["validate", "analysis.toml"]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Features of the problems layer: (kind, severity, feature id).
fn problem_rows(w: &Workdir) -> Vec<(String, String, i64)> {
    let out = std::process::Command::new("ogr2ogr")
        .args([
            "-f",
            "CSV",
            "-select",
            "feature,kind,severity",
            "/vsistdout/",
        ])
        .arg(w.join("problems.gpkg"))
        .arg("problems")
        .output()
        .expect("ogr2ogr (gdal-bin)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            (
                cols[1].to_owned(),
                cols[2].to_owned(),
                cols[0].trim_matches('"').parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn clean_inputs_pass() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    let (code, stdout, stderr) = validate(&w);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("0 error(s)") && stdout.contains("0 warning(s)"),
        "{stdout}"
    );
    assert!(problem_rows(&w).is_empty());
    // Nothing is written into the output folder, so `run` can follow.
    assert!(!w.join("out").exists());
    let out = w.run(&["run", "analysis.toml", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The rivers layer is checked too: a line in projected metres, read as
/// lon/lat, is an error with its feature.
#[test]
fn river_off_the_globe_is_listed() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    w.write(
        "rivers.geojson",
        &lines(&[
            ("Test", "[[121,50],[121,50.5]]"),
            ("Metres", "[[121,50],[13000000,6000000]]"),
        ]),
    );
    let (code, stdout, stderr) = validate(&w);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "error: rivers.geojson layer 'rivers' feature 1: coordinate: coordinate (13000000, 6000000)"
        ),
        "{stdout}"
    );
}

/// A cross-check projection that does not preserve area is an error of the
/// analysis file, as `run` refuses it.
#[test]
fn equal_area_crs_that_does_not_preserve_area_is_listed() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    let config = w.read("analysis.toml").replace(
        "[parameters]\n",
        "[parameters]\nequal_area_crs = \"EPSG:3857\"\n",
    );
    w.write("analysis.toml", &config);
    let (code, stdout, stderr) = validate(&w);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("error: analysis.toml: equal_area_crs: equal_area_crs 'EPSG:3857' is not an equal-area projection"),
        "{stdout}"
    );
}

#[test]
fn every_problem_is_listed_with_its_place() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // 1700: A's square crosses itself (a bow-tie); C overlaps B by a
    // quarter of a cell; a cell-sized hole is left inside A's other square.
    let bow_tie = "[[120,50],[121,51],[121,50],[120,51],[120,50]]";
    let with_hole = "[[124,50],[127,50],[127,53],[124,53],[124,50]],[[125,51],[126,51],[126,52],[125,52],[125,51]]";
    w.write(
        "a1700.geojson",
        &polygons(&[
            ("A", bow_tie),
            ("B", &cell_ring(122.0, 50.0)),
            (
                "C",
                "[[122.5,50.5],[123.5,50.5],[123.5,51.5],[122.5,51.5],[122.5,50.5]]",
            ),
            ("A", with_hole),
            ("D", ""),
        ])
        .replace(r#"{"type":"Polygon","coordinates":[]}"#, "null"),
    );
    let (code, stdout, stderr) = validate(&w);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    // The bow-tie, named by file, feature and crossing point.
    assert!(
        stdout.contains(
            "error: a1700.geojson layer 'a1700' (1700) feature 0 holder 'A': self-intersection"
        ) && stdout.contains("[at 120.50000, 50.50000]"),
        "{stdout}"
    );
    // The feature without geometry.
    assert!(
        stdout.contains(
            "error: a1700.geojson layer 'a1700' (1700) feature 4 holder 'D': feature: the geometry is missing (null)"
        ),
        "{stdout}"
    );
    // The overlap between B and C, about a quarter of a cell (≈ 1,963 km²):
    // an error, as `run` refuses it.
    assert!(
        stdout.contains(
            "error: a1700.geojson layer 'a1700' (1700) holder 'B': overlap: holders 'B' and 'C' overlap by 19"
        ),
        "{stdout}"
    );
    // The hole in A's square.
    assert!(
        stdout.contains("warning: a1700.geojson layer 'a1700' (1700): gap: a hole of"),
        "{stdout}"
    );
    // 1800's region differs from 1700's (the extra squares), away from
    // the feature left out for its error: a warning of its own.
    assert!(
        stdout.contains(
            "warning: b1800.geojson layer 'b1800' (1800): region: the study region differs from the 1700"
        ),
        "{stdout}"
    );
    let rows = problem_rows(&w);
    let kinds: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    for kind in ["self-intersection", "overlap", "gap", "region"] {
        assert!(
            kinds.contains(&kind),
            "{kind} missing from problems.gpkg: {rows:?}"
        );
    }
    assert!(
        rows.contains(&("self-intersection".into(), "error".into(), 0)),
        "{rows:?}"
    );
}

/// A feature with a part inside another part is listed as such, with the
/// point, among the other problems.
#[test]
fn nested_part_is_listed() {
    let w = Workdir::new();
    nested_parts(&w);
    let (code, stdout, stderr) = validate(&w);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "error: a1700.geojson layer 'a1700' (1700) feature 0 holder 'A': nested-part"
        ) && stdout.contains("[at 121.00000, 51.00000]"),
        "{stdout}"
    );
    assert!(
        problem_rows(&w).contains(&("nested-part".into(), "error".into(), 0)),
        "{:?}",
        problem_rows(&w)
    );
}

#[test]
fn unusable_analysis_file_is_exit_2() {
    let w = Workdir::new();
    w.write("analysis.toml", "title = 3\n");
    let (code, stdout, stderr) = validate(&w);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("analysis.toml:1:"), "{stderr}");
    assert!(
        stdout.is_empty(),
        "errors of the tool go to stderr: {stdout}"
    );
}
