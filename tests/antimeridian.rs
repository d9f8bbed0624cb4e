//! Polygons across the antimeridian (180°), as Chukotka's are: written the
//! short way round (an edge from 178° E to 178° W) or split at 180°, they
//! must measure and overlay as the land they are, not as the rest of the
//! globe the other way round.

mod common;

use common::{plain_config, polygons, Workdir};

/// Geodesic area of a 2°×1° cell between 60° and 61° N, km², from
/// GeographicLib's `Planimeter -p 12` (Debian `geographiclib-tools`):
/// `printf '60 0\n60 1\n60 2\n61 2\n61 1\n61 0\n' | Planimeter -p 12`
/// prints 12,245,886,326.14282 m² (edges are geodesics, as borderchange reads them).
const CELL_2X1_60N_KM2: f64 = 12_245.886_326_142_82;

/// The band 60–61° N from `west` eastwards by `degrees`, with a vertex at
/// every whole degree (so that every snapshot's edges are the same
/// geodesics), longitudes written in −180…180 as files store them.
fn box_ring(west: f64, degrees: u32) -> String {
    let lon = |x: f64| if x > 180.0 { x - 360.0 } else { x };
    let mut points: Vec<String> = (0..=degrees)
        .map(|i| format!("[{},60]", lon(west + f64::from(i))))
        .collect();
    points.extend(
        (0..=degrees)
            .rev()
            .map(|i| format!("[{},61]", lon(west + f64::from(i)))),
    );
    points.push(points[0].clone());
    format!("[{}]", points.join(","))
}

#[test]
fn land_across_180_degrees_is_measured_and_overlaid_whole() {
    let w = Workdir::new();
    // 1700: A holds 178° E – 178° W, written across 180°; B holds 178° W –
    // 176° W. 1800: A holds 178° E – 180°, B 180° – 176° W, split at 180°
    // the way world datasets store it. A's eastern half, 2°×1°, passed to B.
    w.write(
        "a1700.geojson",
        &polygons(&[("A", &box_ring(178.0, 4)), ("B", &box_ring(182.0, 2))]),
    );
    w.write(
        "b1800.geojson",
        &polygons(&[("A", &box_ring(178.0, 2)), ("B", &box_ring(180.0, 4))]),
    );
    plain_config(&w, "antimeridian");
    // `validate` reads it the same way: no bow-tie, no overlap.
    let checked = w.run(&["validate", "analysis.toml"]);
    let problems = String::from_utf8_lossy(&checked.stdout);
    assert_eq!(checked.status.code(), Some(0), "{problems}");
    assert!(!problems.contains("overlap"), "{problems}");

    // (validate wrote problems.gpkg into the output folder.)
    let out = w.run(&["run", "analysis.toml", "-q", "--force"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&w.read("out/report.json")).unwrap();

    let transfers = report["transfers"].as_array().unwrap();
    assert_eq!(transfers.len(), 1, "{transfers:?}");
    assert_eq!(transfers[0]["from_state"], "A");
    assert_eq!(transfers[0]["to_state"], "B");
    let moved = transfers[0]["area_km2"].as_f64().unwrap();
    assert!(
        (moved - CELL_2X1_60N_KM2).abs() / CELL_2X1_60N_KM2 < 1e-6,
        "moved {moved} km², expected {CELL_2X1_60N_KM2}"
    );
    // Every snapshot is the same 6°×1° band, and each holder's area adds up.
    for region in report["regions"].as_array().unwrap() {
        let area = region["area_km2"].as_f64().unwrap();
        assert!(
            (area - 3.0 * CELL_2X1_60N_KM2).abs() / area < 1e-6,
            "{region}"
        );
    }
    for step in report["steps"].as_array().unwrap() {
        for balance in step["balances"].as_array().unwrap() {
            assert!(
                balance["rel_error"].as_f64().unwrap().abs() < 1e-6,
                "{balance}"
            );
        }
    }
    // A and B share one boundary line in each year: 180° in 1800.
    let boundaries = report["stretches"].as_array().unwrap();
    assert!(
        boundaries.iter().any(|s| s["year"] == 1800),
        "the boundary on 180° is traced: {boundaries:?}"
    );
}

#[test]
fn data_around_the_whole_globe_is_refused_with_a_reason() {
    let w = Workdir::new();
    // One band across 180° and another across 0°.
    let text = polygons(&[("A", &box_ring(178.0, 4)), ("B", &box_ring(-1.0, 2))]);
    w.write("a1700.geojson", &text);
    w.write("b1800.geojson", &text);
    plain_config(&w, "globe");
    let out = w.run(&["run", "analysis.toml", "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("antimeridian"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
