//! One geometry fuzz case: shared by the `geometry` fuzz target and
//! `tests/fuzz_regressions.rs`.
//!
//! The bytes are decoded into two or three snapshots of polygon features
//! (see [`decode`] for the format), then taken through what the loader and
//! the analysis do with them:
//!
//! 1. every polygon is oriented with `io::read::oriented`, as the reader
//!    does (any coordinates, NaN and infinities included);
//! 2. what `load` and `validate` do, through the same code:
//!    `geometry::antimeridian::shift_for` on the whole case (a case that
//!    wraps around the globe is refused, as `load` refuses it), then
//!    `geometry::holdings::holdings` per snapshot (shift, repair when the
//!    case turns it on, check, dissolve, densify), going on past features
//!    with a fatal problem as `validate` does;
//! 3. as `analysis`: `geodesy::area_km2` of every holding, the holders'
//!    overlap by inclusion–exclusion over `clip::intersection`,
//!    `boundary::stretches` of every snapshot (no rivers), and
//!    `overlay::transfers` between consecutive snapshots.
//!
//! `holdings` runs the dissolve and densify under `guard::catching`, which
//! turns a panic into `Error::Geometry`; the target fails on that error, so
//! such a panic is still a finding.
//!
//! Invariants checked: areas and lengths are finite; lengths are ≥ 0;
//! areas of geometries the overlay produced (dissolved holdings, pairwise
//! intersections, transferred pieces) are ≥ 0 (within rounding); a transfer
//! never goes from a holder to itself.

use borderchange::geometry::antimeridian::shift_for;
use borderchange::geometry::boundary::{self, BoundaryParams};
use borderchange::geometry::geodesy;
use borderchange::geometry::holdings::{self, Feature as EngineFeature, Options};
use borderchange::geometry::overlay::{self, clip};
use borderchange::geometry::validity::geometry_problems;
use borderchange::io::read::oriented;
use borderchange::model::Snapshot;
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// Holder names (a feature picks one by index).
const HOLDERS: [&str; 4] = ["A", "B", "C", "D"];

/// Grid origins (lon, lat) a ring's points are offset from: mid-latitudes,
/// the equator, the corners and edges of the lon/lat range, the poles.
const ORIGINS: [(f64, f64); 8] = [
    (120.0, 50.0),
    (0.0, 0.0),
    (-180.0, -90.0),
    (180.0, 90.0),
    (179.9, 0.0),
    (-179.9, 10.0),
    (30.0, 89.9),
    (-60.0, -89.9),
];

/// Grid steps, degrees: from whole degrees down to below `geo`'s overlay
/// grid, and coarse enough to leave the lon/lat range.
const STEPS: [f64; 8] = [1.0, 0.5, 0.1, 1e-3, 1e-6, 1e-10, 3.0, 1e-15];

/// Longest edge before overlay, metres (`densify_km` × 1000), before the
/// vertex cap below.
const MAX_EDGES_M: [f64; 4] = [2_000.0, 20_000.0, 200_000.0, 500.0];

/// At most this many points are added by densification per holding, so one
/// execution stays fast: the edge length is raised to perimeter / this.
const MAX_DENSE_POINTS: f64 = 400.0;

/// (river_distance_km, min_run_km) pairs for `boundary::stretches`.
const BOUNDARY_PARAMS: [(f64, f64); 3] = [(5.0, 10.0), (0.0, 0.0), (1.0, 1e6)];

/// Reads bytes, giving zeros once they run out.
struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn i8(&mut self) -> i8 {
        self.u8() as i8
    }

    fn f64(&mut self) -> f64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        f64::from_le_bytes(b)
    }

    fn done(&self) -> bool {
        self.at >= self.data.len()
    }
}

/// A polygon feature as a reader would hand it over.
pub struct Feature {
    /// Index into [`HOLDERS`].
    pub holder: usize,
    /// The geometry, not yet oriented or checked.
    pub geometry: MultiPolygon<f64>,
}

/// A decoded fuzz case.
pub struct Case {
    /// Longest edge for densification, metres.
    pub max_edge_m: f64,
    /// Parameters for `boundary::stretches`.
    pub params: BoundaryParams,
    /// `parameters.repair` (`run --repair`).
    pub repair: bool,
    /// Features per snapshot (two or three snapshots).
    pub snapshots: Vec<Vec<Feature>>,
}

/// Decodes a case. Format (every read past the end gives 0):
///
/// ```text
/// case     := n_snap:u8 (2 + n % 2 snapshots) densify:u8 params:u8 snapshot*
///     params & 0x03 (% 3)  boundary parameters; params & 0x04  repair on
/// snapshot := n_feat:u8 (1 + n % 4 features) feature*
/// feature  := holder:u8 (% 4) n_poly:u8 (1 + n % 2 polygons) polygon*
/// polygon  := n_holes:u8 (n % 3) ring (exterior) ring* (holes)
/// ring     := head:u8 point*
///     head & 0x0f  number of points written (0..=15)
///     head & 0x10  leave the ring as written (else it is closed by repeating
///                  its first point when that differs from the last)
///     head & 0x20  points are raw: x:f64le y:f64le
///                  else grid: origin:u8 (% 8) step:u8 (% 8), then per
///                  point dx:i8 dy:i8, giving origin + d × step
/// ```
pub fn decode(data: &[u8]) -> Case {
    let mut b = Bytes { data, at: 0 };
    let n_snapshots = 2 + usize::from(b.u8() % 2);
    let max_edge_m = MAX_EDGES_M[usize::from(b.u8()) % MAX_EDGES_M.len()];
    let params = b.u8();
    let (river_distance_km, min_run_km) =
        BOUNDARY_PARAMS[usize::from(params & 0x03) % BOUNDARY_PARAMS.len()];
    let repair = params & 0x04 != 0;
    let mut snapshots = Vec::new();
    for _ in 0..n_snapshots {
        let n_features = 1 + usize::from(b.u8() % 4);
        let mut features = Vec::new();
        for _ in 0..n_features {
            let holder = usize::from(b.u8()) % HOLDERS.len();
            let n_polygons = 1 + usize::from(b.u8() % 2);
            let mut polygons = Vec::new();
            for _ in 0..n_polygons {
                let n_holes = usize::from(b.u8() % 3);
                let exterior = ring(&mut b);
                let holes = (0..n_holes).map(|_| ring(&mut b)).collect();
                polygons.push(Polygon::new(exterior, holes));
            }
            features.push(Feature {
                holder,
                geometry: MultiPolygon::new(polygons),
            });
            if b.done() {
                break;
            }
        }
        snapshots.push(features);
    }
    Case {
        max_edge_m,
        params: BoundaryParams {
            river_distance_km,
            min_run_km,
        },
        repair,
        snapshots,
    }
}

fn ring(b: &mut Bytes) -> LineString<f64> {
    let head = b.u8();
    let n = usize::from(head & 0x0f);
    let as_written = head & 0x10 != 0;
    let raw = head & 0x20 != 0;
    let mut points = Vec::with_capacity(n + 1);
    if raw {
        for _ in 0..n {
            points.push(Coord {
                x: b.f64(),
                y: b.f64(),
            });
        }
    } else {
        let (ox, oy) = ORIGINS[usize::from(b.u8()) % ORIGINS.len()];
        let step = STEPS[usize::from(b.u8()) % STEPS.len()];
        for _ in 0..n {
            let (dx, dy) = (f64::from(b.i8()), f64::from(b.i8()));
            points.push(Coord {
                x: ox + dx * step,
                y: oy + dy * step,
            });
        }
    }
    if !as_written {
        if let (Some(first), Some(last)) = (points.first().copied(), points.last()) {
            // Bitwise, so that a NaN ring is closed like any other.
            let same =
                first.x.to_bits() == last.x.to_bits() && first.y.to_bits() == last.y.to_bits();
            if !same {
                points.push(first);
            }
        }
    }
    // `LineString::new`, not `from`: `from` would close the ring itself.
    LineString::new(points)
}

/// Runs one case through the loader's steps and the analysis. Panics (the
/// fuzzer's finding) if any of them panics or an invariant fails.
pub fn check(data: &[u8]) {
    run(&decode(data), skip_known_bugs());
}

/// As [`check`], saying whether to step around the known bugs (see
/// [`skip_known_bugs`]).
pub fn check_with(data: &[u8], skip_known: bool) {
    run(&decode(data), skip_known);
}

/// True when `BORDERCHANGE_FUZZ_SKIP_KNOWN` is set. The known bugs it used
/// to step around (a point past a pole from the dissolve) are fixed, so it
/// changes nothing now; kept so that the fuzzing commands stay the same.
fn skip_known_bugs() -> bool {
    static SKIP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SKIP.get_or_init(|| std::env::var_os("BORDERCHANGE_FUZZ_SKIP_KNOWN").is_some())
}

/// As [`check`], on a decoded case.
pub fn run(case: &Case, _skip_known: bool) {
    // What `io::read` hands over: every polygon oriented.
    let read: Vec<Vec<EngineFeature>> = case
        .snapshots
        .iter()
        .map(|features| {
            features
                .iter()
                .enumerate()
                .map(|(id, f)| EngineFeature {
                    id: id as u64,
                    holder: HOLDERS[f.holder].to_owned(),
                    geometry: MultiPolygon::new(
                        f.geometry.0.iter().cloned().map(oriented).collect(),
                    ),
                })
                .collect()
        })
        .collect();
    // One longitude range for every snapshot, as `load` decides it.
    let Ok(shift) = shift_for(read.iter().flat_map(|s| s.iter().map(|f| &f.geometry))) else {
        return; // refused with a message by `load`
    };
    let options = Options {
        shift,
        repair: case.repair,
        max_edge_m: case.max_edge_m,
        max_added_points: Some(MAX_DENSE_POINTS),
        stop_at_first: false,
    };
    let mut snapshots = Vec::new();
    for (i, features) in read.into_iter().enumerate() {
        let built = match holdings::holdings(features, &options, "the fuzz case") {
            Ok(built) => built,
            // A panic in the dissolve or the densify, caught.
            Err(e) => panic!("{e}"),
        };
        assert!(built.repairs.iter().all(|r| !r.change.is_empty()));
        // Every problem has a message; fatal ones come first per feature.
        assert!(built.problems.iter().all(|p| !p.problem.message.is_empty()));
        for pair in built.problems.windows(2) {
            if pair[0].feature == pair[1].feature {
                assert!(pair[0].problem.fatal || !pair[1].problem.fatal, "{pair:?}");
            }
        }
        snapshots.push(Snapshot {
            year: (1700 + 50 * i as i32).into(),
            treaty: format!("Treaty {i}"),
            holdings: built.holdings,
        });
    }

    for snapshot in &snapshots {
        for h in &snapshot.holdings {
            let a = geodesy::area_km2(&h.geometry);
            assert!(a.is_finite(), "area of {} is {a}", h.state);
            // The checks run on what the loader produced must not panic
            // either (`validate` does the same on its input).
            let _ = geometry_problems(&h.geometry);
        }
        // `analysis`: the land claimed twice, by inclusion–exclusion.
        let parts: Vec<&MultiPolygon<f64>> =
            snapshot.holdings.iter().map(|h| &h.geometry).collect();
        let overlap = overlap_km2(&parts);
        assert!(overlap.is_finite(), "overlap {overlap}");

        let stretches = boundary::stretches(&snapshot.holdings, &[], &case.params);
        for s in &stretches {
            assert!(s.state_a < s.state_b, "{} / {}", s.state_a, s.state_b);
            assert!(
                s.line.0.len() >= 2,
                "stretch with {} points",
                s.line.0.len()
            );
            assert!(
                s.length_km.is_finite() && s.length_km >= 0.0,
                "stretch length {}",
                s.length_km
            );
        }
    }

    for pair in snapshots.windows(2) {
        let (earlier, later) = (&pair[0], &pair[1]);
        let pieces = overlay::transfers(earlier, later);
        for t in &pieces {
            assert_ne!(t.from_state, t.to_state);
            assert_eq!((t.from_year, t.to_year), (earlier.year, later.year));
            assert_overlay_area(&t.geometry, "transfer");
            assert!(t.area_km2.is_finite());
        }
        let (kept, dropped) = overlay::split_slivers(&pieces, 1.0);
        assert!(kept.iter().all(|t| t.area_km2 >= 1.0));
        assert!(dropped.area_km2.is_finite());
    }
}

/// `analysis::overlap_km2`: Σ pairs − Σ triples + … of the intersections,
/// each through `clip::intersection`.
fn overlap_km2(parts: &[&MultiPolygon<f64>]) -> f64 {
    fn deeper(
        piece: &MultiPolygon<f64>,
        last: usize,
        parts: &[&MultiPolygon<f64>],
        sign: f64,
    ) -> f64 {
        assert_overlay_area(piece, "intersection of holders");
        let mut sum = sign * geodesy::area_km2(piece);
        for (k, part) in parts.iter().enumerate().skip(last + 1) {
            let next = clip::intersection(piece, part);
            if !next.0.is_empty() {
                sum += deeper(&next, k, parts, -sign);
            }
        }
        sum
    }
    let mut sum = 0.0;
    for (i, a) in parts.iter().enumerate() {
        for (j, b) in parts.iter().enumerate().skip(i + 1) {
            let both = clip::intersection(a, b);
            if !both.0.is_empty() {
                sum += deeper(&both, j, parts, 1.0);
            }
        }
    }
    sum
}

/// The area of a geometry `geo`'s overlay produced (holes inside their
/// exteriors, no overlaps) is finite and not negative, up to rounding.
fn assert_overlay_area(geometry: &MultiPolygon<f64>, what: &str) {
    let a = geodesy::area_km2(geometry);
    assert!(a.is_finite(), "{what}: area {a}");
    // Rounding: the rings' areas are each up to ~5e8 km²; allow 1e-9 of
    // the largest ring's area.
    let scale: f64 = geometry
        .0
        .iter()
        .map(|p| {
            geodesy::area_km2(&MultiPolygon::new(vec![Polygon::new(
                p.exterior().clone(),
                vec![],
            )]))
        })
        .fold(0.0, f64::max);
    assert!(
        a >= -1e-9 * scale - 1e-12,
        "{what}: area {a} km² < 0 ({geometry:?})"
    );
}
