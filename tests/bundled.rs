//! The bundled dataset, measured with the tool itself: the quality targets of
//! the dataset hold, and the analysis' invariants hold on real geography.

mod common;

use std::path::Path;

use borderchange::analysis::Analysis;
use borderchange::checks::computed_value;
use borderchange::config::Quantity;
use borderchange::model::StretchKind;
use common::files;

fn bundled(out: &Path) -> Analysis {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("borderchange.toml");
    borderchange::run::run(&config, Some(out))
        .expect("the bundled analysis runs")
        .analysis
}

fn transfer(a: &Analysis, from: &[&str], to: &[&str], years: [i32; 2]) -> f64 {
    let q = Quantity::Transfer {
        from: from.iter().map(|s| s.to_string()).collect(),
        to: to.iter().map(|s| s.to_string()).collect(),
        from_year: years[0],
        to_year: years[1],
    };
    computed_value(&q, a)
}

fn river_km(a: &Analysis, year: i32, river: &str) -> f64 {
    let q = Quantity::Boundary {
        year,
        states: ["Qing".into(), "Russia".into()],
        river: Some(river.into()),
        kind: Some(StretchKind::River),
        within: None,
    };
    computed_value(&q, a)
}

#[test]
fn bundled_dataset_meets_its_quality_targets() {
    let first = tempfile::tempdir().unwrap();
    let a = bundled(first.path());

    // A second run writes the same bytes, file for file.
    let second = tempfile::tempdir().unwrap();
    bundled(second.path());
    let (x, y) = (files(first.path()), files(second.path()));
    assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>());
    assert!(x.len() >= 20, "{:?}", x.keys());
    for (name, bytes) in &x {
        assert!(bytes == &y[name], "{name} differs between two runs");
    }

    // Aigun: "over 600,000 km²" in the textbooks. The bundled reconstruction
    // (Qing to the Uda, shapefiles/SOURCES.md) gives about 722,000 km²; the
    // ±10 % target of issue 3 is not met and the check is `context`. Guard
    // the reconstruction itself: the DCW pieces it is made of sum to
    // 722,145 km² (Amur Oblast and the Jewish AO alone are 400,794 km²).
    // Above 745,000 km² would mean the Okhotsk coast (96,000 km²) is back.
    let aigun = transfer(&a, &["Qing", "Undemarcated"], &["Russia"], [1727, 1858]);
    assert!(
        (700_000.0..=745_000.0).contains(&aigun),
        "Aigun cession {aigun} km²"
    );

    // Peking: the joint zone passing to Russia, 350,000–460,000 km².
    let peking = transfer(&a, &["Joint"], &["Russia"], [1858, 1860]);
    assert!(
        (350_000.0..=460_000.0).contains(&peking),
        "Peking cession {peking} km²"
    );

    // Border rivers in 1860, classified as river by the analysis. The Amur
    // is within ±10 % of 1,800 km. The Argun's meanders are straightened at
    // 1:1,000,000: the DCW border along it, from where it meets the river to
    // the Shilka, is 760 km, about a fifth short of 944 km. Guard that all
    // of it is classified as river.
    let argun = river_km(&a, 1860, "Argun");
    assert!(
        (750.0..=1_038.4).contains(&argun),
        "Argun stretch {argun} km"
    );
    let amur = river_km(&a, 1860, "Amur");
    assert!(
        (1_620.0..=1_980.0).contains(&amur),
        "Amur stretch {amur} km"
    );

    // Every snapshot covers the same study region.
    for r in &a.regions {
        assert!(
            r.rel_to_first.abs() <= 1e-6,
            "study region of {} differs: {r:?}",
            r.year
        );
        assert!(
            r.overlap_rel.abs() <= 1e-6,
            "holders overlap in {}: {r:?}",
            r.year
        );
    }

    // Area is conserved at every treaty.
    for step in &a.steps {
        for b in &step.balances {
            assert!(
                b.rel_error.abs() <= 1e-6,
                "{}→{}: {} does not balance: {b:?}",
                step.from_year,
                step.to_year,
                b.state
            );
        }
    }
    // The equal-area projection agrees with the geodesic areas.
    for row in &a.areas {
        assert!(row.ea_rel_diff.abs() < 1e-3, "{row:?}");
    }
}

/// The Big Gorbitsa reading gives Russia exactly the `amazar` zone before
/// 1858, so the Aigun cession of Qing land shrinks by the zone's area; and
/// the Amazar line, a geodesic known only by its ends, carries its band
/// into the bounds (shapefiles/SOURCES.md, "Readings").
#[test]
fn big_gorbitsa_reading_moves_the_amazar_zone() {
    let out = tempfile::tempdir().unwrap();
    let a = bundled(out.path());
    let zone = bundled_layer("zones", "zone")
        .into_iter()
        .find(|(id, _)| id == "amazar")
        .map(|(_, m)| m)
        .expect("zones.shp has the amazar zone");
    let zone_km2 = borderchange::geometry::geodesy::area_km2(&zone);
    assert!(
        (5_000.0..8_000.0).contains(&zone_km2),
        "amazar zone {zone_km2} km²"
    );

    let big = a.under("big-gorbitsa");
    assert!(
        !std::ptr::eq(big, &a),
        "the bundled analysis has big-gorbitsa"
    );
    let held = |f: &Analysis, year: i32, state: &str| {
        f.areas
            .iter()
            .find(|r| r.year.year == year && r.state == state)
            .map_or(0.0, |r| r.area_km2)
    };
    for year in [1689, 1727] {
        let gained = held(big, year, "Russia") - held(&a, year, "Russia");
        let lost = held(&a, year, "Qing") - held(big, year, "Qing");
        assert!(
            (gained - zone_km2).abs() < 1.0,
            "{year}: Russia +{gained} km², zone {zone_km2}"
        );
        assert!(
            (lost - zone_km2).abs() < 1.0,
            "{year}: Qing −{lost} km², zone {zone_km2}"
        );
    }
    let qing_base = transfer(&a, &["Qing"], &["Russia"], [1727, 1858]);
    let qing_big = transfer(big, &["Qing"], &["Russia"], [1727, 1858]);
    assert!(
        (qing_base - qing_big - zone_km2).abs() < 1.0,
        "Aigun Qing → Russia {qing_base} vs {qing_big}, zone {zone_km2}"
    );
    // The 168 km geodesic is on the 1727 Qing–Russia line only under this
    // reading, with a band of ±119 km, and so is its 21 km link to the
    // divide (±30 km); the Gorbitsa (62 km) and the divide west of the link
    // (at most its first 85 km waypoint leg) leave the line, ±30 km each.
    let range = |f: &Analysis| {
        f.transfers
            .iter()
            .find(|t| t.from_state == "Qing" && t.to_state == "Russia" && t.from_year.year == 1727)
            .and_then(|t| t.area_range_km2)
            .expect("Aigun Qing → Russia has bounds")
    };
    let (base, wide) = (range(&a), range(big));
    let widened = (wide[1] - wide[0]) / 2.0 - (base[1] - base[0]) / 2.0;
    assert!(
        (168.0 * 119.0 - (62.0 + 85.0) * 30.0..=168.5 * 119.0 + 21.0 * 30.0).contains(&widened),
        "bounds widened by {widened} km² each way ({base:?} → {wide:?})"
    );
}

/// The holders of one bundled snapshot, as read from its shapefile.
fn bundled_holders(year: i32) -> Vec<(String, geo::MultiPolygon<f64>)> {
    bundled_layer(&format!("borders_{year}"), "state")
}

/// The features of a bundled polygon shapefile, by the value of `field`.
fn bundled_layer(name: &str, field: &str) -> Vec<(String, geo::MultiPolygon<f64>)> {
    use gdal::vector::LayerAccess;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("shapefiles")
        .join(format!("{name}.shp"));
    let ds = gdal::Dataset::open(&path).expect("open");
    let mut layer = ds.layer(0).expect("layer");
    layer
        .features()
        .map(|f| {
            let value = f
                .field_as_string(f.field_index(field).expect("field"))
                .expect(field)
                .unwrap_or_default();
            match f.geometry().expect("geometry").to_geo().expect("geo") {
                geo::Geometry::MultiPolygon(m) => (value, m),
                geo::Geometry::Polygon(p) => (value, geo::MultiPolygon::new(vec![p])),
                other => panic!("{name} {value}: not polygons: {other:?}"),
            }
        })
        .collect()
}

/// No part of a bundled holder lies inside another part of the same holder
/// (a nested shell: the GeoPandas benchmark refuses such data as invalid,
/// and a build that filled holes by dropping their rings once made one).
#[test]
fn bundled_parts_are_not_nested() {
    use geo::{BoundingRect, Contains, InteriorPoint, Intersects};
    for year in [1689, 1727, 1858, 1860] {
        for (state, m) in bundled_holders(year) {
            let boxes: Vec<_> = m.0.iter().map(|p| p.bounding_rect()).collect();
            for (i, p) in m.0.iter().enumerate() {
                let Some(at) = p.interior_point() else {
                    continue;
                };
                for (j, q) in m.0.iter().enumerate() {
                    if i != j && boxes[j].is_some_and(|b| b.intersects(&at)) {
                        assert!(
                            !q.contains(&at),
                            "{year} {state}: part {i} lies inside part {j} (at {:?})",
                            at.0
                        );
                    }
                }
            }
        }
    }
}

/// No holder keeps a hole under 1 km² that no other holder fills: the
/// slivers the build's overlays leave between outlines are filled (each
/// would otherwise count twice as border).
#[test]
fn bundled_has_no_sliver_holes() {
    use geo::{Contains, InteriorPoint};
    for year in [1689, 1727, 1858, 1860] {
        let holders = bundled_holders(year);
        for (k, (state, m)) in holders.iter().enumerate() {
            for ring in m.0.iter().flat_map(|p| p.interiors()) {
                let hole = geo::Polygon::new(ring.clone(), vec![]);
                let km2 = borderchange::geometry::geodesy::area_km2(&geo::MultiPolygon::new(vec![
                    hole.clone(),
                ]));
                if km2 >= 1.0 {
                    continue;
                }
                let at = hole.interior_point().expect("a point inside the hole");
                let filled = holders
                    .iter()
                    .enumerate()
                    .any(|(j, (_, o))| j != k && o.contains(&at));
                assert!(
                    filled,
                    "{year} {state}: a sliver hole of {km2} km² at {:?}",
                    at.0
                );
            }
        }
    }
}

/// A line that consecutive bundled snapshots share (the coast, a border
/// that did not move) has the same coordinates, bit for bit, in both: the
/// build runs every overlay on one snapping grid. Copies that drift apart by
/// a few millimetres from one overlay to the next draw the same map but make
/// every transfer overlay cross two nearly equal lines (issue #8).
#[test]
fn bundled_snapshots_share_lines_exactly() {
    use std::collections::HashSet;
    let edges = |year: i32| -> HashSet<[u64; 4]> {
        let mut set = HashSet::new();
        for (_, m) in bundled_holders(year) {
            for p in &m.0 {
                for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                    for w in ring.0.windows(2) {
                        // Undirected: the smaller end first.
                        let (a, b) = if (w[0].x, w[0].y) <= (w[1].x, w[1].y) {
                            (w[0], w[1])
                        } else {
                            (w[1], w[0])
                        };
                        set.insert([a.x.to_bits(), a.y.to_bits(), b.x.to_bits(), b.y.to_bits()]);
                    }
                }
            }
        }
        set
    };
    let years = [1689, 1727, 1858, 1860];
    let all: Vec<HashSet<[u64; 4]>> = years.iter().map(|&y| edges(y)).collect();
    for (i, pair) in all.windows(2).enumerate() {
        let shared = pair[1].intersection(&pair[0]).count();
        let share = shared as f64 / pair[1].len() as f64;
        assert!(
            share > 0.9,
            "{} → {}: only {:.1}% of the later snapshot's edges are in the earlier one exactly",
            years[i],
            years[i + 1],
            share * 100.0
        );
    }
}

/// The 1860 Qing–Russia line lies on the modern Russia–China border
/// (issue 3): GSHHG's national borders (`tests/data/gshhg_borders.txt`, the
/// same data `make data` checks against) are within 5.5 km of every vertex
/// of the line east of the Mongolian tripoint, outside Lake Khanka (GSHHG
/// draws no border across it) and Bolshoy Ussuriysky island (moved by the
/// 2004 agreement); half the line is within 1 km. The target of 5 km is
/// missed by 0.2 km in two braided reaches (shapefiles/SOURCES.md).
#[test]
fn bundled_1860_line_lies_on_the_modern_border() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gshhg_borders.txt"),
    )
    .expect("GSHHG borders");
    let mut lines: Vec<Vec<geo::Coord<f64>>> = Vec::new();
    for row in text.lines().filter(|l| !l.starts_with('#')) {
        if row.starts_with('>') {
            lines.push(Vec::new());
            continue;
        }
        let mut xy = row
            .split_whitespace()
            .map(|v| v.parse::<f64>().expect("number"));
        let (x, y) = (xy.next().expect("x"), xy.next().expect("y"));
        lines
            .last_mut()
            .expect("a '>' line first")
            .push(geo::Coord { x, y });
    }
    let modern = borderchange::geometry::geodesy::NearestLine::new(lines.iter().map(Vec::as_slice));

    let holders = bundled_holders(1860);
    let of = |state: &str| {
        use geo::CoordsIter;
        holders
            .iter()
            .filter(|h| h.0 == state)
            .flat_map(|h| h.1.coords_iter())
            .collect::<Vec<_>>()
    };
    // The snapshots share their lines to the bit: the line is the points
    // both holders have.
    let russia: std::collections::HashSet<(u64, u64)> = of("Russia")
        .iter()
        .map(|c| (c.x.to_bits(), c.y.to_bits()))
        .collect();
    let khanka =
        |c: &geo::Coord<f64>| (44.5..=45.4).contains(&c.y) && (131.9..=132.95).contains(&c.x);
    let ussuriysky =
        |c: &geo::Coord<f64>| (48.1..=48.5).contains(&c.y) && (133.6..=134.8).contains(&c.x);
    let mut offsets: Vec<(f64, geo::Coord<f64>)> = of("Qing")
        .into_iter()
        .filter(|c| c.x > 116.75 && russia.contains(&(c.x.to_bits(), c.y.to_bits())))
        .filter(|c| !khanka(c) && !ussuriysky(c))
        .map(|c| (modern.distance_m(c).expect("border lines"), c))
        .collect();
    assert!(
        offsets.len() > 3_000,
        "{} points on the line",
        offsets.len()
    );
    offsets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (max, at) = offsets[offsets.len() - 1];
    assert!(max <= 5_500.0, "{max:.0} m off the modern border at {at:?}");
    let median = offsets[offsets.len() / 2].0;
    assert!(median <= 1_000.0, "median offset {median:.0} m");
}
