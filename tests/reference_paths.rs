//! The engine's reference paths against the fast paths a run takes, on the
//! bundled data: the same transfers and areas, whichever way they are made.
//!
//! A run (`analysis::analyse`) makes each transfer from an intersection the
//! `Intersections` plan may share between jobs, and measures through one
//! `AreaCache` for the whole run; the reference is `overlay::transfers` (one
//! overlay per holder pair, its own cache) and `geodesy::area_km2` (no cache).

use std::path::Path;

use approx::assert_relative_eq;
use borderchange::geometry::{geodesy, overlay};
use borderchange::Config;

/// The bundled analysis file and its inputs, read as a run reads them.
fn bundled() -> (Config, borderchange::Inputs) {
    let config = Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("borderchange.toml"))
        .expect("the bundled analysis file");
    let inputs = borderchange::load(&config).expect("the bundled inputs");
    (config, inputs)
}

#[test]
fn a_run_makes_the_transfers_and_areas_the_reference_paths_make() {
    let (config, inputs) = bundled();
    let analysis = borderchange::analyse(&config, &inputs.snapshots, &inputs.rivers)
        .expect("the bundled analysis");

    let mut compared = 0;
    for pair in inputs.snapshots.windows(2) {
        let (earlier, later) = (&pair[0], &pair[1]);
        let (reference, _) = overlay::split_slivers(
            &overlay::transfers(earlier, later),
            config.parameters.sliver_km2,
        );
        let run: Vec<_> = analysis
            .transfers
            .iter()
            .filter(|t| t.from_year == earlier.year && t.to_year == later.year)
            .collect();
        let names = |ts: &mut dyn Iterator<Item = (&str, &str)>| -> Vec<(String, String)> {
            ts.map(|(a, b)| (a.to_owned(), b.to_owned())).collect()
        };
        assert_eq!(
            names(&mut run.iter().map(|t| (&*t.from_state, &*t.to_state))),
            names(&mut reference.iter().map(|t| (&*t.from_state, &*t.to_state))),
            "the transfers of {} -> {}",
            earlier.year,
            later.year
        );
        for (fast, slow) in run.iter().zip(&reference) {
            assert_relative_eq!(fast.area_km2, slow.area_km2, max_relative = 1e-9);
            assert_relative_eq!(
                fast.area_km2,
                geodesy::area_km2(&slow.geometry),
                max_relative = 1e-9
            );
            compared += 1;
        }
    }
    // Kyakhta, Aigun (three transfers), Peking at least.
    assert!(compared >= 5, "only {compared} transfers compared");

    for snapshot in &inputs.snapshots {
        for holding in &snapshot.holdings {
            let row = analysis
                .areas
                .iter()
                .find(|r| r.year == snapshot.year && r.state == holding.state)
                .expect("an area row for every holding");
            assert_relative_eq!(
                row.area_km2,
                geodesy::area_km2(&holding.geometry),
                max_relative = 1e-12
            );
        }
    }
}

/// Every reading of `analysis` against the reference paths: its
/// boundaries are what `boundary::stretches` traces on its own snapshots
/// (a run traces a pair of holders that several snapshots have once), its
/// transfers have the areas `overlay::transfers` gives on its snapshots
/// (within 1e-9: a run may take them from the drawn reading's overlays), and
/// each transfer's `area_min`/`area_max` comes from the band along the
/// uncertain lines measured at every vertex by `NearestLine::distance_m`
/// (a run looks up only the vertices a line comes near, and measures a
/// piece several readings share once). Returns how many stretches and
/// bands were compared.
fn readings_match_the_reference_paths(
    config: &Config,
    inputs: &borderchange::Inputs,
    analysis: &borderchange::Analysis,
) -> (usize, usize) {
    use borderchange::geometry::boundary::{self, BoundaryParams};
    let params = BoundaryParams {
        river_distance_km: config.parameters.river_distance_km,
        min_run_km: config.parameters.min_river_run_km,
    };
    let (mut stretches, mut bands) = (0, 0);
    for (name, figures) in analysis.readings() {
        let changed = name
            .map(|n| {
                &analysis
                    .variants
                    .iter()
                    .find(|v| v.name == n)
                    .expect("the reading")
                    .changed
            })
            .filter(|c| !c.is_empty());
        for drawn in &inputs.snapshots {
            let snapshot = changed
                .and_then(|c| c.iter().find(|s| s.year == drawn.year))
                .unwrap_or(drawn);
            let reference = boundary::stretches(&snapshot.holdings, &inputs.rivers, &params);
            let run: Vec<_> = figures
                .stretches
                .iter()
                .filter(|s| s.year == snapshot.year)
                .map(|s| &s.stretch)
                .collect();
            assert_eq!(run.len(), reference.len(), "{name:?} {}", snapshot.year);
            for (fast, slow) in run.iter().zip(&reference) {
                assert_eq!(
                    (&fast.state_a, &fast.state_b, fast.kind, &fast.river),
                    (&slow.state_a, &slow.state_b, slow.kind, &slow.river)
                );
                assert_eq!(fast.line, slow.line);
                assert_eq!(fast.length_km.to_bits(), slow.length_km.to_bits());
                stretches += 1;
            }
        }
        // The transfers, which a reading that only moves islands takes from
        // the drawn reading's intersections, against one overlay per pair.
        let sequence: Vec<&borderchange::model::Snapshot> = inputs
            .snapshots
            .iter()
            .map(|drawn| {
                changed
                    .and_then(|c| c.iter().find(|s| s.year == drawn.year))
                    .unwrap_or(drawn)
            })
            .collect();
        for pair in sequence.windows(2) {
            let (reference, _) = overlay::split_slivers(
                &overlay::transfers(pair[0], pair[1]),
                config.parameters.sliver_km2,
            );
            let run: Vec<_> = figures
                .transfers
                .iter()
                .filter(|t| t.from_year == pair[0].year && t.to_year == pair[1].year)
                .collect();
            assert_eq!(run.len(), reference.len(), "{name:?} {}", pair[1].year);
            for (fast, slow) in run.iter().zip(&reference) {
                assert_eq!(
                    (&fast.from_state, &fast.to_state),
                    (&slow.from_state, &slow.to_state)
                );
                assert_relative_eq!(fast.area_km2, slow.area_km2, max_relative = 1e-9);
            }
        }
        for t in &figures.transfers {
            let band = reference_band_km2(&t.geometry, &inputs.uncertain);
            let [low, high] = t.area_range_km2.expect("a band for every transfer");
            assert_relative_eq!(high, t.area_km2 + band, max_relative = 1e-12);
            assert_relative_eq!(low, (t.area_km2 - band).max(0.0), max_relative = 1e-12);
            bands += usize::from(band > 0.0);
        }
    }
    (stretches, bands)
}

/// `uncertainty::band_km2` the plain way: for every edge, the widest band
/// of the lines that both its ends lie within `ON_LINE_M` of (within the
/// line's box widened by 0.01°), by the geodesic distance to each line.
fn reference_band_km2(
    geometry: &geo::MultiPolygon<f64>,
    uncertain: &[(Vec<geo::Coord<f64>>, f64)],
) -> f64 {
    use borderchange::geometry::uncertainty::ON_LINE_M;
    use geo::{BoundingRect, Distance, Geodesic, Point};
    let lines: Vec<_> = uncertain
        .iter()
        .map(|(line, km)| {
            let b = geo::LineString::new(line.clone()).bounding_rect().unwrap();
            (geodesy::NearestLine::new([line.as_slice()]), b, *km)
        })
        .collect();
    let on = |c: &geo::Coord<f64>, (near, b, _): &(geodesy::NearestLine, geo::Rect<f64>, f64)| {
        c.x >= b.min().x - 0.01
            && c.x <= b.max().x + 0.01
            && c.y >= b.min().y - 0.01
            && c.y <= b.max().y + 0.01
            && near.distance_m(*c).is_some_and(|d| d <= ON_LINE_M)
    };
    let mut sum = 0.0;
    for ring in geometry
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
    {
        for w in ring.0.windows(2) {
            let km = lines
                .iter()
                .filter(|l| on(&w[0], l) && on(&w[1], l))
                .map(|l| l.2)
                .fold(0.0, f64::max);
            if km > 0.0 {
                sum += Geodesic.distance(Point::from(w[0]), Point::from(w[1])) / 1000.0 * km;
            }
        }
    }
    sum
}

/// The bundled run computes its four readings as the reference paths do.
#[test]
fn the_bundled_readings_are_what_the_reference_paths_make() {
    let (config, inputs) = bundled();
    assert!(inputs.readings.len() >= 4 && !inputs.uncertain.is_empty());
    let analysis = borderchange::analysis::analyse_readings(
        &config,
        &inputs.snapshots,
        &inputs.rivers,
        &inputs.zones,
        &inputs.readings,
        &inputs.uncertain,
    )
    .expect("the bundled analysis");
    let (stretches, bands) = readings_match_the_reference_paths(&config, &inputs, &analysis);
    // Four snapshots under four readings, most with dozens of stretches;
    // the Aigun and Kyakhta pieces along the schematic lines.
    assert!(stretches > 300, "only {stretches} stretches compared");
    assert!(bands >= 6, "only {bands} bands compared");
}

/// The same on a small analysis written here: four holders in 1800, three
/// in 1900; the reading gives A's eastern half to B in 1800, so the
/// boundary of C and D is the same in both readings (traced once) while
/// those of A and B are not; the B–C line of 1800 is uncertain by ±10 km.
#[test]
fn a_small_reading_is_what_the_reference_paths_make() {
    let dir = std::env::temp_dir().join(format!("borderchange-readings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let square =
        |x0: f64, x1: f64| format!("[[[{x0},50],[{x1},50],[{x1},52],[{x0},52],[{x0},50]]]");
    let polygons = |features: &[(&str, String)], field: &str| {
        let features: Vec<String> = features
            .iter()
            .map(|(name, coords)| {
                format!(
                    r#"{{"type":"Feature","properties":{{"{field}":"{name}"}},"geometry":{{"type":"Polygon","coordinates":{coords}}}}}"#
                )
            })
            .collect();
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        )
    };
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    write(
        "a1800.geojson",
        polygons(
            &[
                ("A", square(120.0, 122.0)),
                ("B", square(122.0, 124.0)),
                ("C", square(124.0, 125.0)),
                ("D", square(125.0, 126.0)),
            ],
            "state",
        ),
    );
    write(
        "a1900.geojson",
        polygons(
            &[
                ("B", square(120.0, 122.0)),
                ("C", square(122.0, 125.0)),
                ("D", square(125.0, 126.0)),
            ],
            "state",
        ),
    );
    write(
        "zones.geojson",
        polygons(
            &[(
                "east-a",
                "[[[121,49],[122,49],[122,53],[121,53],[121,49]]]".into(),
            )],
            "zone",
        ),
    );
    write(
        "uncertain.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[124,49.5],[124,52.5]]}}]}"#.into(),
    );
    write(
        "analysis.toml",
        r#"title = "readings"
base_variant = "drawn"

[parameters]
equal_area_crs = "+proj=laea +lat_0=51 +lon_0=123 +datum=WGS84 +units=m +no_defs"

[[snapshot]]
year = 1800
treaty = "first"
path = "a1800.geojson"

[[snapshot]]
year = 1900
treaty = "second"
path = "a1900.geojson"

[[uncertainty]]
path = "uncertain.geojson"
km = 10.0

[zones]
path = "zones.geojson"

[[variant]]
name = "drawn"
title = "as drawn"
source = "a test"

[[variant]]
name = "b-early"
title = "B held A's eastern half already"
source = "a test"

[[variant.assign]]
zone = "east-a"
holder = "B"
years = [1800]
"#
        .into(),
    );
    let config = Config::load(&dir.join("analysis.toml")).expect("the analysis file");
    let inputs = borderchange::load(&config).expect("the inputs");
    let analysis = borderchange::analysis::analyse_readings(
        &config,
        &inputs.snapshots,
        &inputs.rivers,
        &inputs.zones,
        &inputs.readings,
        &inputs.uncertain,
    )
    .expect("the analysis");
    std::fs::remove_dir_all(&dir).ok();
    let (stretches, bands) = readings_match_the_reference_paths(&config, &inputs, &analysis);
    // 1800: A–B, B–C, C–D in each reading; 1900: B–C, C–D.
    assert_eq!(stretches, 10);
    // B → C (1800 → 1900) lies along the line in both readings.
    assert_eq!(bands, 2);
    let variant = analysis.under("b-early");
    let moved = |a: &borderchange::Analysis| {
        a.transfers
            .iter()
            .find(|t| t.from_state == "A" && t.to_state == "B")
            .map(|t| t.area_km2)
            .unwrap()
    };
    assert_relative_eq!(moved(variant), moved(&analysis) / 2.0, max_relative = 1e-2);
}

/// The zones `reading` assigns in `snapshot`, and the holder each goes to,
/// as `variants::apply` takes them.
fn assignments<'a>(
    inputs: &'a borderchange::Inputs,
    reading: &'a borderchange::geometry::variants::Reading,
    snapshot: &borderchange::model::Snapshot,
) -> (
    Vec<&'a borderchange::geometry::variants::Zone>,
    Vec<&'a str>,
) {
    reading
        .assigned_in(snapshot.year.year)
        .into_iter()
        .map(|(zone, holder)| {
            let zone = inputs.zones.iter().find(|x| x.id == zone).expect("a zone");
            (zone, holder)
        })
        .unzip()
}

/// The bundled readings' snapshots as `variants::apply` cuts them (the
/// run's path, which moves Sakhalin's polygons whole) and as
/// `variants::apply_reference` does (every holding the zones reach
/// overlaid): the same holders with the same polygons in the same order.
/// The one allowed difference: a polygon with holes that the reference
/// overlays again may have a hole start at another vertex of the same ring,
/// or run the other way round (the fast path keeps it as drawn), which
/// moves its area by parts in 10^13 at most. A run cuts every pair
/// through one `variants::Cuts` (`apply_sharing`), which takes what an
/// earlier pair made from the same inputs: the same snapshots as `apply`
/// cuts one by one, coordinate for coordinate.
#[test]
fn the_bundled_readings_cut_their_snapshots_as_the_reference_does() {
    use borderchange::geometry::variants;
    let (_, inputs) = bundled();
    let grid = variants::grid_for(&inputs.snapshots);
    let cuts = variants::Cuts::new(&inputs.snapshots);
    let mut shared_pairs = 0;
    // A ring's vertices from its least one, closing point dropped, in
    // whichever direction gives the smaller sequence.
    let rotated = |ring: &geo::LineString<f64>| -> Vec<[u64; 2]> {
        let from_least = |open: &[geo::Coord<f64>]| -> Vec<[u64; 2]> {
            let least = (0..open.len())
                .min_by(|&i, &j| {
                    (open[i].x, open[i].y)
                        .partial_cmp(&(open[j].x, open[j].y))
                        .expect("no NaN")
                })
                .expect("a ring");
            open[least..]
                .iter()
                .chain(&open[..least])
                .map(|c| [c.x.to_bits(), c.y.to_bits()])
                .collect()
        };
        let mut open = ring.0[..ring.0.len() - 1].to_vec();
        let forward = from_least(&open);
        open.reverse();
        forward.min(from_least(&open))
    };
    let (mut compared, mut moved) = (0, 0);
    for reading in inputs.readings.iter().skip(1) {
        for snapshot in &inputs.snapshots {
            let (zones, holders) = assignments(&inputs, reading, snapshot);
            let fast = variants::apply(snapshot, &zones, &holders, &grid);
            let sharing = variants::apply_sharing(snapshot, &zones, &holders, &grid, &cuts);
            let holdings = |s: &Option<borderchange::model::Snapshot>| {
                s.as_ref().map(|s| {
                    s.holdings
                        .iter()
                        .map(|h| (h.state.clone(), h.geometry.clone()))
                        .collect::<Vec<_>>()
                })
            };
            assert_eq!(
                holdings(&sharing),
                holdings(&fast),
                "{} {}",
                reading.name,
                snapshot.year
            );
            shared_pairs += usize::from(fast.is_some());
            let reference = variants::apply_reference(snapshot, &zones, &holders, &grid);
            let (Some(fast), Some(reference)) = (fast, reference) else {
                assert!(zones.is_empty(), "{} {}", reading.name, snapshot.year);
                continue;
            };
            let names = |s: &borderchange::model::Snapshot| -> Vec<String> {
                s.holdings.iter().map(|h| h.state.clone()).collect()
            };
            assert_eq!(names(&fast), names(&reference));
            for (f, r) in fast.holdings.iter().zip(&reference.holdings) {
                let what = format!("{} under '{}' in {}", f.state, reading.name, snapshot.year);
                assert_eq!(f.geometry.0.len(), r.geometry.0.len(), "{what}");
                for (p, q) in f.geometry.0.iter().zip(&r.geometry.0) {
                    assert_eq!(p.exterior(), q.exterior(), "{what}");
                    if p.interiors() != q.interiors() {
                        let holes = |x: &geo::Polygon<f64>| -> Vec<Vec<[u64; 2]>> {
                            x.interiors().iter().map(&rotated).collect()
                        };
                        assert_eq!(holes(p), holes(q), "{what}");
                        moved += 1;
                    }
                }
                assert_relative_eq!(
                    geodesy::area_km2(&f.geometry),
                    geodesy::area_km2(&r.geometry),
                    max_relative = 1e-13
                );
                compared += 1;
            }
        }
    }
    // Two readings: four snapshots under one, two under the other.
    assert!(compared >= 20, "only {compared} holdings compared");
    assert!(moved <= 1, "{moved} polygons with holes started elsewhere");
    assert_eq!(
        shared_pairs, 8,
        "the (reading, snapshot) pairs cut through one store"
    );
    // The Undemarcated land and Russia of 1689 and 1727 are one geometry
    // each: their pieces and cuts were made once for both years, and
    // Sakhalin's land once for every year (12 taken from the store when
    // this was written).
    assert!(cuts.reused() >= 6, "{} taken from the store", cuts.reused());
}

/// The intersections a run overlays on the bundled data (every pair of
/// holdings in a snapshot, every earlier and later holding of a treaty
/// step, and the same in every reading's snapshots), each made with its
/// operands thinned where the other is not (`overlay::thin`), are the
/// intersections of the operands as they are, vertex for vertex.
#[test]
fn thinned_intersections_are_the_intersections_of_the_whole_operands() {
    use borderchange::geometry::overlay::clip;
    use borderchange::geometry::variants;
    use geo::CoordsIter;
    let (_, inputs) = bundled();
    let grid = variants::grid_for(&inputs.snapshots);
    let mut sets = vec![inputs.snapshots.clone()];
    for reading in inputs.readings.iter().skip(1) {
        let set = inputs
            .snapshots
            .iter()
            .map(|snapshot| {
                let (zones, holders) = assignments(&inputs, reading, snapshot);
                variants::apply(snapshot, &zones, &holders, &grid)
                    .unwrap_or_else(|| snapshot.clone())
            })
            .collect();
        sets.push(set);
    }
    let mut pairs: Vec<(&geo::MultiPolygon<f64>, &geo::MultiPolygon<f64>, String)> = Vec::new();
    for set in &sets {
        for s in set {
            for (i, a) in s.holdings.iter().enumerate() {
                for b in &s.holdings[i + 1..] {
                    pairs.push((
                        &a.geometry,
                        &b.geometry,
                        format!("{} {} x {}", s.year, a.state, b.state),
                    ));
                }
            }
        }
        for w in set.windows(2) {
            for a in &w[0].holdings {
                for b in &w[1].holdings {
                    pairs.push((
                        &a.geometry,
                        &b.geometry,
                        format!("{} {} -> {} {}", w[0].year, a.state, w[1].year, b.state),
                    ));
                }
            }
        }
    }
    let mut large = 0;
    for (a, b, what) in &pairs {
        if a.coords_count() + b.coords_count() >= overlay::thin::THIN_FROM {
            large += 1;
        }
        assert_eq!(
            clip::intersection(a, b),
            clip::intersection_reference(a, b),
            "{what}"
        );
    }
    assert!(
        large >= 40,
        "only {large} intersections large enough to thin"
    );
}

/// Every intersection a run asks its plan for on the bundled readings
/// (every pair of holdings in each distinct snapshot, every transfer pair
/// of each distinct step, the drawn snapshots first, as
/// `analysis::analyse_readings` plans them) is, bit for bit, what the plan
/// gives without taking a reading's intersections from the drawn pair's
/// (`Intersections::plan_reference`); and the plan does take some.
#[test]
fn a_readings_intersections_taken_from_the_drawn_pairs_are_its_own() {
    use borderchange::geometry::overlay::intersections::Intersections;
    use borderchange::geometry::variants;
    use borderchange::model::Snapshot;
    let (_, inputs) = bundled();
    let grid = variants::grid_for(&inputs.snapshots);
    let changed: Vec<Vec<Option<Snapshot>>> = inputs
        .readings
        .iter()
        .skip(1)
        .map(|reading| {
            inputs
                .snapshots
                .iter()
                .map(|snapshot| {
                    let (zones, holders) = assignments(&inputs, reading, snapshot);
                    variants::apply(snapshot, &zones, &holders, &grid)
                })
                .collect()
        })
        .collect();
    let sets: Vec<Vec<&Snapshot>> = std::iter::once(inputs.snapshots.iter().collect())
        .chain(changed.iter().map(|c| {
            c.iter()
                .zip(&inputs.snapshots)
                .map(|(c, s)| c.as_ref().unwrap_or(s))
                .collect()
        }))
        .collect();
    let (unique, steps) = variants::distinct(&sets);
    let transfers: Vec<_> = steps
        .iter()
        .flat_map(|(e, l)| overlay::pairs(e, l))
        .collect();
    let fast = Intersections::plan(&unique, transfers.iter().copied());
    let reference = Intersections::plan_reference(&unique, transfers.iter().copied());
    assert!(
        fast.from_drawn() >= 10,
        "only {} intersections taken from the drawn pairs",
        fast.from_drawn()
    );
    assert_eq!(reference.from_drawn(), 0);
    let mut asked = Vec::new();
    for s in &unique {
        for (i, a) in s.holdings.iter().enumerate() {
            for b in &s.holdings[i + 1..] {
                asked.push((a, b, format!("{} {} x {}", s.year, a.state, b.state)));
            }
        }
    }
    for (a, b) in &transfers {
        asked.push((a, b, format!("{} -> {}", a.state, b.state)));
    }
    for (a, b, what) in &asked {
        assert_eq!(fast.of(a, b), reference.of(a, b), "{what}");
    }
}

/// The bundled snapshots' holdings as a shapefile: the `.shp` and `.shx` a
/// run makes itself (`io::shp`) are the bytes GDAL writes, and so are the
/// files GDAL writes beside them.
#[test]
fn a_run_writes_the_shapefile_gdal_writes() {
    use borderchange::io::write::{
        write_dataset, write_shapefile_split, FieldDef, FieldKind, GeometryKind, Layer, OutFeature,
        Shape, Value,
    };
    let (_, inputs) = bundled();
    let layer = Layer {
        name: "states".into(),
        geometry: GeometryKind::MultiPolygon,
        fields: vec![
            FieldDef::new("year", FieldKind::Int),
            FieldDef::new("state", FieldKind::Text),
        ],
        features: inputs
            .snapshots
            .iter()
            .flat_map(|s| {
                s.holdings.iter().map(|h| OutFeature {
                    geometry: Shape::MultiPolygon(&h.geometry),
                    values: vec![Value::Int(s.year.year.into()), Value::Text(h.state.clone())],
                })
            })
            .collect(),
    };
    let dir = tempfile::tempdir().unwrap();
    let (gdal, split) = (dir.path().join("gdal"), dir.path().join("split"));
    std::fs::create_dir(&gdal).unwrap();
    std::fs::create_dir(&split).unwrap();
    write_dataset(
        &gdal.join("states.shp"),
        "ESRI Shapefile",
        std::slice::from_ref(&layer),
        &[],
    )
    .unwrap();
    let made = write_shapefile_split(&split.join("states.shp"), &layer)
        .unwrap()
        .expect("the bundled holdings take the fast path");
    let mut shp = Vec::new();
    made.write_shp(&mut shp).unwrap();
    std::fs::write(split.join("states.shp"), shp).unwrap();
    std::fs::write(split.join("states.shx"), &made.shx).unwrap();
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        let read = |d: &Path| std::fs::read(d.join(format!("states.{ext}"))).unwrap();
        assert!(read(&gdal) == read(&split), "states.{ext} differs");
    }
}

/// The maps' PNGs as a run draws them, the part every map begins with
/// drawn once (`raster::Grounds`), are the PNGs of each thinned map drawn
/// whole (`maps::png`), byte for byte.
#[test]
fn a_run_draws_the_maps_the_reference_path_draws() {
    use borderchange::output::report::maps::{self, raster, Fonts};
    let (config, inputs) = bundled();
    let analysis = borderchange::analyse(&config, &inputs.snapshots, &inputs.rivers)
        .expect("the bundled analysis");
    let fonts = Fonts::system();
    let maps = maps::maps(&config, &inputs, &analysis, &fonts).expect("the maps");
    // Every face the maps' text was measured in.
    let database = fonts.database();
    let grounds = raster::Grounds::of(&maps, &database);
    assert_eq!(grounds.count(), 1, "one shared part for every map");
    // The graticule, rivers, places and labels, parsed once for all maps.
    assert!(
        grounds.repeated() >= 10,
        "only {} repeated parts",
        grounds.repeated()
    );
    assert!(maps.len() >= 7, "only {} maps", maps.len());
    for m in &maps {
        let reference = maps::png(&raster::thinned(&m.svg), &database).expect("drawn whole");
        let fast = grounds
            .png(m, &database)
            .expect("drawn over the shared part");
        assert!(fast == reference, "the PNG of {} differs", m.name);
    }
}

/// The zones' inner points the maps name them at (`zones::inner_point`,
/// each polygon's crossings with the scan line found edge by edge) are
/// geo's `InteriorPoint` of each zone, bit for bit, on the bundled zones
/// and on every transfer of the bundled analysis.
#[test]
fn the_zones_inner_points_are_geos() {
    use borderchange::output::report::maps::zones::inner_point;
    use geo::InteriorPoint;
    let (config, inputs) = bundled();
    assert!(!inputs.zones.is_empty(), "the bundled analysis has zones");
    let analysis = borderchange::analyse(&config, &inputs.snapshots, &inputs.rivers)
        .expect("the bundled analysis");
    let shapes = inputs
        .zones
        .iter()
        .map(|z| (z.id.clone(), &z.geometry))
        .chain(analysis.transfers.iter().map(|t| {
            let name = format!("{} → {} {}", t.from_state, t.to_state, t.to_year);
            (name, &t.geometry)
        }));
    for (name, shape) in shapes {
        let (reference, fast) = (shape.interior_point(), inner_point(shape));
        let bits = |p: Option<geo::Point<f64>>| p.map(|p| (p.x().to_bits(), p.y().to_bits()));
        assert_eq!(bits(fast), bits(reference), "{name}");
    }
}
