//! The matrices of valid and damaged polygon geometry: every case is
//! checked against GEOS itself (`ST_IsValid` through GDAL's SQLite dialect,
//! SpatiaLite), and borderchange must give GEOS's verdict on each: what
//! GEOS calls valid is accepted (in GeoJSON, shapefile and GeoPackage, by
//! `validate` and `run`), what it calls invalid is refused, naming the
//! feature, or mended by `--repair`.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::Workdir;

/// A ring in the case's own units (a 4 × 4 box), as (x, y) pairs.
type Ring = &'static [(f64, f64)];

/// One case: its name (the holder), GEOS's verdict as we expect it, and its
/// polygons (each a list of rings, the exterior first).
struct Case {
    name: &'static str,
    valid: bool,
    polygons: Vec<Vec<Ring>>,
}

const SQUARE: Ring = &[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)];
const SQUARE_CW: Ring = &[(0.0, 0.0), (0.0, 4.0), (4.0, 4.0), (4.0, 0.0), (0.0, 0.0)];
const LAKE: Ring = &[(1.0, 1.0), (1.0, 3.0), (3.0, 3.0), (3.0, 1.0), (1.0, 1.0)];
const LAKE_CCW: Ring = &[(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0)];

fn cases() -> Vec<Case> {
    let c = |name, valid, polygons: Vec<Vec<Ring>>| Case {
        name,
        valid,
        polygons,
    };
    vec![
        // Valid.
        c("square", true, vec![vec![SQUARE]]),
        c("clockwise", true, vec![vec![SQUARE_CW]]),
        c(
            "triangle",
            true,
            vec![vec![&[(0.0, 0.0), (4.0, 0.0), (2.0, 3.0), (0.0, 0.0)]]],
        ),
        c(
            "concave",
            true,
            vec![vec![&[
                (0.0, 0.0),
                (4.0, 0.0),
                (4.0, 4.0),
                (3.0, 4.0),
                (3.0, 1.0),
                (1.0, 1.0),
                (1.0, 4.0),
                (0.0, 4.0),
                (0.0, 0.0),
            ]]],
        ),
        c("lake", true, vec![vec![SQUARE, LAKE]]),
        c("lake-same-turn", true, vec![vec![SQUARE, LAKE_CCW]]),
        c("all-clockwise", true, vec![vec![SQUARE_CW, LAKE]]),
        c(
            "hole-touches-shell-vertex",
            true,
            vec![vec![
                SQUARE,
                &[(0.0, 0.0), (1.0, 2.0), (2.0, 1.0), (0.0, 0.0)],
            ]],
        ),
        c(
            "hole-touches-shell-edge",
            true,
            vec![vec![
                SQUARE,
                &[(2.0, 0.0), (3.0, 1.0), (1.0, 1.0), (2.0, 0.0)],
            ]],
        ),
        c(
            "holes-touch-at-point",
            true,
            vec![vec![
                SQUARE,
                &[(0.5, 0.5), (2.0, 0.5), (2.0, 2.0), (0.5, 2.0), (0.5, 0.5)],
                &[(2.0, 2.0), (3.5, 2.0), (3.5, 3.5), (2.0, 3.5), (2.0, 2.0)],
            ]],
        ),
        c(
            "hole-chain-without-loop",
            true,
            vec![vec![
                SQUARE,
                &[(0.0, 0.0), (1.0, 0.5), (1.0, 1.0), (0.5, 1.0), (0.0, 0.0)],
                &[(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0), (1.0, 1.0)],
            ]],
        ),
        c(
            "holes-listed-in-reverse",
            true,
            vec![vec![
                SQUARE,
                &[(2.5, 2.5), (3.5, 2.5), (3.5, 3.5), (2.5, 3.5), (2.5, 2.5)],
                &[(0.5, 0.5), (1.5, 0.5), (1.5, 1.5), (0.5, 1.5), (0.5, 0.5)],
            ]],
        ),
        c(
            "island-in-lake",
            true,
            vec![
                vec![SQUARE, LAKE],
                vec![&[(1.5, 1.5), (2.5, 1.5), (2.5, 2.5), (1.5, 2.5), (1.5, 1.5)]],
            ],
        ),
        c(
            "island-touches-lake-vertex",
            true,
            vec![
                vec![SQUARE, LAKE],
                vec![&[(1.0, 1.0), (2.0, 1.5), (2.0, 2.5), (1.5, 2.0), (1.0, 1.0)]],
            ],
        ),
        c(
            "island-touches-lake-vertex-later",
            true,
            vec![
                vec![SQUARE, LAKE],
                vec![&[(2.0, 1.5), (2.0, 2.5), (1.5, 2.0), (1.0, 1.0), (2.0, 1.5)]],
            ],
        ),
        c(
            "island-touches-lake-edge",
            true,
            vec![
                vec![SQUARE, LAKE],
                vec![&[(2.0, 1.0), (2.5, 2.0), (1.5, 2.0), (2.0, 1.0)]],
            ],
        ),
        c(
            "island-touches-lake-twice",
            true,
            vec![
                vec![SQUARE, LAKE],
                vec![&[(1.0, 1.0), (2.0, 1.5), (3.0, 3.0), (1.5, 2.0), (1.0, 1.0)]],
            ],
        ),
        c(
            "island-in-lake-in-island",
            true,
            vec![
                vec![
                    SQUARE,
                    &[(0.5, 0.5), (0.5, 3.5), (3.5, 3.5), (3.5, 0.5), (0.5, 0.5)],
                ],
                vec![
                    &[(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0)],
                    &[(1.5, 1.5), (1.5, 2.5), (2.5, 2.5), (2.5, 1.5), (1.5, 1.5)],
                ],
                vec![&[(1.8, 1.8), (2.2, 1.8), (2.2, 2.2), (1.8, 2.2), (1.8, 1.8)]],
            ],
        ),
        c(
            "parts-apart",
            true,
            vec![
                vec![&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]],
                vec![&[(2.0, 2.0), (3.0, 2.0), (3.0, 3.0), (2.0, 3.0), (2.0, 2.0)]],
            ],
        ),
        c(
            "parts-touch-at-corner",
            true,
            vec![
                vec![&[(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)]],
                vec![&[(2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 4.0), (2.0, 2.0)]],
            ],
        ),
        c(
            "part-touches-edge-at-vertex",
            true,
            vec![
                vec![&[(0.0, 0.0), (2.0, 0.0), (2.0, 4.0), (0.0, 4.0), (0.0, 0.0)]],
                vec![&[(2.0, 2.0), (4.0, 1.0), (4.0, 3.0), (2.0, 2.0)]],
            ],
        ),
        c(
            "parts-touch-at-two-points",
            true,
            vec![
                vec![&[
                    (0.0, 0.0),
                    (2.0, 0.0),
                    (2.0, 1.0),
                    (1.0, 1.0),
                    (1.0, 3.0),
                    (2.0, 3.0),
                    (2.0, 4.0),
                    (0.0, 4.0),
                    (0.0, 0.0),
                ]],
                vec![&[
                    (2.0, 0.0),
                    (4.0, 0.0),
                    (4.0, 4.0),
                    (2.0, 4.0),
                    (3.0, 2.0),
                    (2.0, 0.0),
                ]],
            ],
        ),
        c(
            "duplicate-closing-point",
            true,
            vec![vec![&[
                (0.0, 0.0),
                (4.0, 0.0),
                (4.0, 4.0),
                (0.0, 4.0),
                (0.0, 0.0),
                (0.0, 0.0),
            ]]],
        ),
        c(
            "repeated-points",
            true,
            vec![vec![&[
                (0.0, 0.0),
                (4.0, 0.0),
                (4.0, 0.0),
                (4.0, 4.0),
                (0.0, 4.0),
                (0.0, 4.0),
                (0.0, 0.0),
            ]]],
        ),
        c(
            "many-lakes",
            true,
            vec![vec![
                SQUARE,
                &[(0.5, 0.5), (0.5, 1.0), (1.0, 1.0), (1.0, 0.5), (0.5, 0.5)],
                &[(1.5, 0.5), (1.5, 1.0), (2.0, 1.0), (2.0, 0.5), (1.5, 0.5)],
                &[(2.5, 0.5), (2.5, 1.0), (3.0, 1.0), (3.0, 0.5), (2.5, 0.5)],
                &[(0.5, 2.5), (0.5, 3.0), (1.0, 3.0), (1.0, 2.5), (0.5, 2.5)],
            ]],
        ),
        // Invalid.
        c(
            "bowtie",
            false,
            vec![vec![&[
                (0.0, 0.0),
                (4.0, 4.0),
                (4.0, 0.0),
                (0.0, 4.0),
                (0.0, 0.0),
            ]]],
        ),
        c(
            "figure-of-eight",
            false,
            vec![vec![&[
                (0.0, 0.0),
                (2.0, 2.0),
                (4.0, 0.0),
                (4.0, 4.0),
                (2.0, 2.0),
                (0.0, 4.0),
                (0.0, 0.0),
            ]]],
        ),
        c(
            "inverted-hole",
            false,
            vec![vec![&[
                (0.0, 0.0),
                (4.0, 0.0),
                (4.0, 4.0),
                (2.0, 4.0),
                (3.0, 2.0),
                (1.0, 2.0),
                (2.0, 4.0),
                (0.0, 4.0),
                (0.0, 0.0),
            ]]],
        ),
        c(
            "loop-inside-same-turn",
            false,
            vec![vec![&[
                (0.0, 0.0),
                (4.0, 0.0),
                (4.0, 4.0),
                (2.0, 4.0),
                (1.0, 2.0),
                (3.0, 2.0),
                (2.0, 4.0),
                (0.0, 4.0),
                (0.0, 0.0),
            ]]],
        ),
        c(
            "part-inside-touching-top",
            false,
            vec![
                vec![SQUARE],
                vec![&[(2.0, 4.0), (1.0, 2.0), (3.0, 2.0), (2.0, 4.0)]],
            ],
        ),
        c(
            "spike",
            false,
            vec![vec![&[
                (0.0, 0.0),
                (4.0, 0.0),
                (4.0, 2.0),
                (6.0, 2.0),
                (4.0, 2.0),
                (4.0, 4.0),
                (0.0, 4.0),
                (0.0, 0.0),
            ]]],
        ),
        c(
            "zero-area",
            false,
            vec![vec![&[(0.0, 0.0), (2.0, 0.0), (4.0, 0.0), (0.0, 0.0)]]],
        ),
        c(
            "too-few-points",
            false,
            vec![vec![&[(0.0, 0.0), (4.0, 0.0), (0.0, 0.0)]]],
        ),
        c(
            "hole-outside-shell",
            false,
            vec![vec![
                &[(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)],
                &[(3.0, 3.0), (3.0, 4.0), (4.0, 4.0), (4.0, 3.0), (3.0, 3.0)],
            ]],
        ),
        c(
            "hole-crosses-shell",
            false,
            vec![vec![
                SQUARE,
                &[(3.0, 1.0), (3.0, 2.0), (5.0, 2.0), (5.0, 1.0), (3.0, 1.0)],
            ]],
        ),
        c(
            "nested-holes",
            false,
            vec![vec![
                SQUARE,
                &[(0.5, 0.5), (0.5, 3.5), (3.5, 3.5), (3.5, 0.5), (0.5, 0.5)],
                LAKE,
            ]],
        ),
        c(
            "holes-share-edge",
            false,
            vec![vec![
                SQUARE,
                &[(1.0, 1.0), (1.0, 3.0), (2.0, 3.0), (2.0, 1.0), (1.0, 1.0)],
                &[(2.0, 1.0), (2.0, 3.0), (3.0, 3.0), (3.0, 1.0), (2.0, 1.0)],
            ]],
        ),
        c(
            "hole-shares-shell-edge",
            false,
            vec![vec![
                SQUARE,
                &[(0.0, 1.0), (0.0, 3.0), (2.0, 3.0), (2.0, 1.0), (0.0, 1.0)],
            ]],
        ),
        c("hole-is-shell", false, vec![vec![SQUARE, SQUARE_CW]]),
        c(
            "hole-touches-shell-twice",
            false,
            vec![vec![
                SQUARE,
                &[(0.0, 2.0), (2.0, 3.0), (4.0, 2.0), (2.0, 1.0), (0.0, 2.0)],
            ]],
        ),
        c(
            "holes-cut-interior",
            false,
            vec![vec![
                SQUARE,
                &[(0.0, 2.0), (1.0, 3.0), (2.0, 2.0), (1.0, 1.0), (0.0, 2.0)],
                &[(2.0, 2.0), (3.0, 3.0), (4.0, 2.0), (3.0, 1.0), (2.0, 2.0)],
            ]],
        ),
        c(
            "parts-share-edge",
            false,
            vec![
                vec![&[(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)]],
                vec![&[(2.0, 0.0), (4.0, 0.0), (4.0, 2.0), (2.0, 2.0), (2.0, 0.0)]],
            ],
        ),
        c(
            "parts-overlap",
            false,
            vec![
                vec![&[(0.0, 0.0), (3.0, 0.0), (3.0, 3.0), (0.0, 3.0), (0.0, 0.0)]],
                vec![&[(1.0, 1.0), (4.0, 1.0), (4.0, 4.0), (1.0, 4.0), (1.0, 1.0)]],
            ],
        ),
        c("part-inside-part", false, vec![vec![SQUARE], vec![LAKE]]),
        c(
            "part-inside-touching-corner",
            false,
            vec![
                vec![SQUARE],
                vec![&[(0.0, 0.0), (2.0, 1.0), (1.0, 2.0), (0.0, 0.0)]],
            ],
        ),
        c("same-part-twice", false, vec![vec![SQUARE], vec![SQUARE]]),
        c(
            "island-in-island-not-lake",
            false,
            vec![
                vec![SQUARE, LAKE],
                vec![&[(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8), (0.2, 0.2)]],
            ],
        ),
    ]
}

/// Where case `i` is drawn: cases side by side, 6° apart, so that no two
/// holders meet.
fn origin(i: usize) -> (f64, f64) {
    (
        -170.0 + 6.0 * (i % 50) as f64,
        -50.0 + 8.0 * (i / 50) as f64,
    )
}

fn coords(ring: Ring, (x, y): (f64, f64)) -> String {
    let points: Vec<String> = ring
        .iter()
        .map(|(a, b)| format!("[{},{}]", x + a, y + b))
        .collect();
    format!("[{}]", points.join(","))
}

/// The cases as one GeoJSON layer, a MultiPolygon feature per case, the
/// holder field naming the case.
fn geojson(cases: &[Case]) -> String {
    let features: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let polygons: Vec<String> = c
                .polygons
                .iter()
                .map(|p| {
                    let rings: Vec<String> = p.iter().map(|r| coords(r, origin(i))).collect();
                    format!("[{}]", rings.join(","))
                })
                .collect();
            format!(
                r#"{{"type":"Feature","properties":{{"state":"{}"}},"geometry":{{"type":"MultiPolygon","coordinates":[{}]}}}}"#,
                c.name,
                polygons.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",\n")
    )
}

/// GEOS's verdict on every feature of `layer` in `path`, by holder.
fn geos_verdicts(path: &std::path::Path, layer: &str) -> BTreeMap<String, (bool, String)> {
    let out = Command::new("ogrinfo")
        .args(["-q", "-dialect", "sqlite", "-sql"])
        .arg(format!(
            "SELECT state, ST_IsValid(geometry) AS v, ST_IsValidReason(geometry) AS why FROM \"{layer}\""
        ))
        .arg(path)
        .output()
        .expect("ogrinfo (gdal-bin)");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut verdicts = BTreeMap::new();
    let mut state = String::new();
    let mut valid = false;
    for line in text.lines() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("state (String) = ") {
            state = v.to_owned();
        } else if let Some(v) = line.strip_prefix("v (Integer) = ") {
            valid = v == "1";
        } else if let Some(v) = line.strip_prefix("why (String) = ") {
            verdicts.insert(state.clone(), (valid, v.to_owned()));
        }
    }
    assert!(
        !verdicts.is_empty(),
        "no verdicts from GEOS (is GDAL built with SpatiaLite?): {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    verdicts
}

/// borderchange's verdict on every feature of a layer, read by the real
/// reader: the fatal problem found, if any, by holder.
fn our_verdicts(path: &std::path::Path) -> BTreeMap<String, Option<String>> {
    use borderchange::io::read::{read_polygons, LayerSource};
    let source = LayerSource {
        path: path.to_owned(),
        layer: None,
        assume_crs: None,
    };
    read_polygons(&source, "state")
        .expect("the layer is read")
        .into_iter()
        .map(|f| {
            let fatal = borderchange::geometry::validity::geometry_problems(&f.geometry)
                .into_iter()
                .find(|p| p.fatal)
                .map(|p| format!("{}: {}", p.kind, p.message));
            (f.holder, fatal)
        })
        .collect()
}

fn ogr2ogr(w: &Workdir, args: &[&str]) {
    let status = Command::new("ogr2ogr")
        .args(args)
        .current_dir(w.path())
        .status()
        .expect("ogr2ogr (gdal-bin)");
    assert!(status.success(), "ogr2ogr {args:?}");
}

/// Every case's verdict is GEOS's, and GEOS's is the one the case expects.
#[test]
fn every_case_gets_the_geos_verdict() {
    let w = Workdir::new();
    let cases = cases();
    let path = w.write("cases.geojson", &geojson(&cases));
    let geos = geos_verdicts(&path, "cases");
    let ours = our_verdicts(&path);
    let mut wrong = Vec::new();
    for c in &cases {
        let (geos_valid, why) = &geos[c.name];
        assert_eq!(
            *geos_valid, c.valid,
            "the case '{}' is not what GEOS says: {why}",
            c.name
        );
        let ours = &ours[c.name];
        if ours.is_none() != c.valid {
            wrong.push(format!("{}: GEOS: {why}; borderchange: {ours:?}", c.name));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases differ from GEOS:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

/// An analysis of two snapshots, both the layer `path` (holder field
/// `state`), writing to `out/`.
fn analysis(w: &Workdir, path: &str, layer: Option<&str>, extra: &str) {
    let layer = layer
        .map(|l| format!("layer = \"{l}\"\n"))
        .unwrap_or_default();
    w.write(
        "analysis.toml",
        &format!(
            "title = \"matrix\"\n{extra}\n[output]\ndir = \"out\"\nformats = [\"GeoJSON\"]\n\n[[snapshot]]\nyear = 1900\ntreaty = \"First\"\npath = \"{path}\"\n{layer}\n[[snapshot]]\nyear = 1950\ntreaty = \"Second\"\npath = \"{path}\"\n{layer}"
        ),
    );
}

/// The valid cases, as GeoJSON, a shapefile (rings unordered: GDAL pairs
/// holes with shells) and a GeoPackage, pass `validate` with no error and
/// `run` with exit code 0; GEOS still calls each valid after conversion.
#[test]
fn valid_cases_pass_validate_and_run_in_every_format() {
    let w = Workdir::new();
    let valid: Vec<Case> = cases().into_iter().filter(|c| c.valid).collect();
    w.write("valid.geojson", &geojson(&valid));
    ogr2ogr(&w, &["-f", "ESRI Shapefile", "valid.shp", "valid.geojson"]);
    ogr2ogr(
        &w,
        &[
            "-f",
            "GPKG",
            "valid.gpkg",
            "valid.geojson",
            "-nln",
            "cases",
            "-lco",
            "GEOMETRY_NAME=geometry",
        ],
    );
    for (path, layer) in [
        ("valid.geojson", None),
        ("valid.shp", None),
        ("valid.gpkg", Some("cases")),
    ] {
        let geos = geos_verdicts(&w.join(path), layer.unwrap_or("valid"));
        for (name, (ok, why)) in &geos {
            assert!(
                ok,
                "{path}: GEOS calls '{name}' invalid after conversion: {why}"
            );
        }
        analysis(&w, path, layer, "");
        let out = w.run(&["validate", "analysis.toml"]);
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.lines().any(|l| l.starts_with("0 error(s)")),
            "{path}: {said}"
        );
        assert!(
            !said.contains("error:"),
            "{path}: validate finds errors in valid data:\n{said}"
        );
        let _ = std::fs::remove_dir_all(w.join("out"));
        let out = w.run(&["run", "analysis.toml", "-q"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Each invalid case, alone in a layer, is refused by `run` (exit 2, the
/// file, layer, feature and holder named, nothing written) and listed by
/// `validate` as an error of that feature.
#[test]
fn invalid_cases_are_refused_naming_the_feature() {
    let w = Workdir::new();
    for c in cases().into_iter().filter(|c| !c.valid) {
        let name = c.name;
        w.write("bad.geojson", &geojson(&[c]));
        analysis(&w, "bad.geojson", None, "");
        let _ = std::fs::remove_dir_all(w.join("out"));
        let out = w.run(&["run", "analysis.toml"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("'bad.geojson' layer 'bad' feature 0: holder '")
                && stderr.contains("of the 1900 snapshot: invalid polygon"),
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(!w.join("out/report.json").exists(), "{name}");
        let out = w.run(&["validate", "analysis.toml"]);
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{name}: {said}");
        assert!(
            said.contains(&format!(
                "error: bad.geojson layer 'bad' (1900) feature 0 holder '{name}':"
            )),
            "{name}: {said}"
        );
    }
}

/// What `--repair` mends without changing an area: a ring through one
/// point twice (figure of eight, a hole drawn as a loop of the exterior),
/// parts sharing an edge, holes cutting the interior in two, a spike. Each repair
/// is listed, and GEOS calls the result valid (checked on the states layer
/// the run writes).
#[test]
fn repairable_cases_are_mended_and_listed() {
    let w = Workdir::new();
    for name in [
        "figure-of-eight",
        "inverted-hole",
        "parts-share-edge",
        "hole-touches-shell-twice",
        "holes-cut-interior",
        "holes-share-edge",
        "spike",
    ] {
        let case = cases()
            .into_iter()
            .find(|c| c.name == name)
            .expect("a case");
        w.write("bad.geojson", &geojson(&[case]));
        analysis(&w, "bad.geojson", None, "");
        let _ = std::fs::remove_dir_all(w.join("out"));
        let out = w.run(&["run", "analysis.toml", "--repair"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
        assert!(
            stderr.contains("repaired 'bad.geojson' layer 'bad' feature 0:"),
            "{name}: {stderr}"
        );
        let geos = geos_verdicts(&w.join("out/states.geojson"), "states");
        for (holder, (ok, why)) in geos {
            assert!(
                ok,
                "{name}: the repaired '{holder}' is invalid to GEOS: {why}"
            );
        }
    }
}

/// Every case, valid or not, as a shapefile (rings in the file's order,
/// holes after their shells or not), and the bundled snapshots: the holes
/// are paired with their shells exactly as GDAL's shapefile driver pairs
/// them.
#[test]
fn shapefile_rings_are_paired_as_gdal_pairs_them() {
    let w = Workdir::new();
    let cases = cases();
    w.write("cases.geojson", &geojson(&cases));
    ogr2ogr(&w, &["-f", "ESRI Shapefile", "cases.shp", "cases.geojson"]);
    // The same rings, each written as a polygon of its own, in reverse
    // order: GDAL's writer winds each by whether it lies in another, so
    // holes come before their shells.
    let shuffled: Vec<Case> = cases
        .iter()
        .map(|c| Case {
            name: c.name,
            valid: c.valid,
            polygons: c
                .polygons
                .iter()
                .flatten()
                .rev()
                .map(|r| vec![*r])
                .collect(),
        })
        .collect();
    w.write("shuffled.geojson", &geojson(&shuffled));
    ogr2ogr(
        &w,
        &["-f", "ESRI Shapefile", "shuffled.shp", "shuffled.geojson"],
    );
    let rings = common::rings_paired_as_gdal_pairs_them(&w.join("cases.shp"), "state");
    assert!(rings > cases.len(), "{rings} rings");
    common::rings_paired_as_gdal_pairs_them(&w.join("shuffled.shp"), "state");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for year in [1689, 1727, 1858, 1860] {
        let path = root.join(format!("shapefiles/borders_{year}.shp"));
        common::rings_paired_as_gdal_pairs_them(&path, "state");
    }
}
