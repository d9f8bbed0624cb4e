//! Measurement on the WGS84 ellipsoid: geodesic areas and lengths (Karney
//! 2013, through `geographiclib-rs` as `geo`'s `GeodesicArea` uses it, and
//! `geo`'s `Geodesic` metric space), and the
//! densification that makes a lon/lat overlay agree with geodesic edges.
//!
//! Reference path: [`area_km2`], Karney's area of every ring, edge by edge
//! (this file: the ring area and GeographicLib's reductions, the lengths,
//! the constants). Fast path: [`AreaCache`] in `caches.rs`, which a run
//! measures through (whole polygons remembered by hash, shared runs of
//! edges taken from rings measured before: the ring area here is handed
//! those, `None` on the reference path). Held equal, to the bit, by
//! `cached_areas_are_the_plain_ones` and
//! `shared_edges_are_taken_from_the_earlier_ring` in `caches.rs` and by
//! `tests/reference_paths.rs` on the bundled data.
//!
//! The other files: `densify.rs`, [`densify`] and the bounds on an edge's
//! length that spare most edges a geodesic inverse (held to `geo`'s own
//! densification by `densify_matches_geo`); `nearest.rs`, [`NearestLine`],
//! distances to reference lines.

mod caches;
mod densify;
mod nearest;

use caches::SharedEdges;
pub(crate) use caches::{multi_polygon_hash, polygon_hash};
pub use caches::{AreaCache, ProjectedPoints, SharedRuns};
pub use densify::densify;
pub use nearest::NearestLine;

use geo::{Coord, Geodesic, Length, LineString, MultiLineString, MultiPolygon, Polygon};

/// Square metres in a square kilometre.
const M2_PER_KM2: f64 = 1.0e6;

/// Longest edge, in metres, left in a geometry before it is overlaid or
/// measured. Short enough that a straight edge in lon/lat and the geodesic
/// between the same end points enclose areas that agree to well under 1e-6.
pub const DENSIFY_MAX_EDGE_M: f64 = 2_000.0;

/// Geodesic area of a multipolygon, in km².
///
/// # Units
/// Input in decimal degrees (longitude, latitude) on WGS84; output in km².
///
/// # Assumptions
/// Every edge is a geodesic on the WGS84 ellipsoid (Karney 2013, "Algorithms
/// for geodesics", as implemented by `geographiclib-rs`). Holes are
/// subtracted. Each ring encloses the smaller of the two regions it divides
/// the ellipsoid into, so ring orientation does not matter (a clockwise
/// exterior, as shapefiles store them, is not read as the rest of the globe)
/// and no single ring may enclose more than half the Earth.
pub fn area_km2(geometry: &MultiPolygon<f64>) -> f64 {
    geometry
        .0
        .iter()
        .map(|p| polygon_area_m2(p, None))
        .sum::<f64>()
        / M2_PER_KM2
}

/// One polygon's geodesic area, m²: its exterior less its holes (the
/// terms of edges seen before taken from `shared`).
fn polygon_area_m2(polygon: &Polygon<f64>, shared: Option<&SharedEdges>) -> f64 {
    let ring = |r| ring_area_m2(r, shared);
    ring(polygon.exterior()) - polygon.interiors().iter().map(ring).sum::<f64>()
}

/// WGS84 ellipsoid surface area, m²: 2πa²(1 + (1 − e²)/e · atanh e).
const EARTH_M2: f64 = 510_065_621_724_088.5;

/// The area `geo`'s `geodesic_area_unsigned` gives for a polygon with this
/// ring as its exterior (the same Karney sums, point for point, the ring
/// closed if it is not), without copying the ring into a polygon; the terms
/// of edges an earlier ring had are taken from `shared`.
///
/// GeographicLib's `PolygonArea` sums, edge by edge, Karney's area term
/// `S12` between the edge and the equator, counts the edges that cross the
/// prime meridian, and reduces the sum to the ring's area. The terms are
/// summed here in the same order, with the same crossings and the same
/// reduction (a test holds this to `geo`'s value to the bit); a term depends
/// only on its edge's two end points, so one remembered is the one that
/// would be computed.
fn ring_area_m2(ring: &LineString<f64>, shared: Option<&SharedEdges>) -> f64 {
    let Some(&first) = ring.0.first() else {
        return 0.0;
    };
    let wgs84 = wgs84();
    let term = |a: Coord<f64>, b: Coord<f64>| wgs84._gen_inverse(a.y, a.x, b.y, b.x, AREA).9;
    let closing = (ring.0.last() != Some(&first)).then_some(first);
    // The points summed: the ring, closed. `PolygonArea::compute` then
    // closes it once more, from the last point added (the first) to the
    // first: a last edge of zero length.
    let closed: std::borrow::Cow<[Coord<f64>]> = match closing {
        Some(c) => std::borrow::Cow::Owned(ring.0.iter().copied().chain([c]).collect()),
        None => std::borrow::Cow::Borrowed(&ring.0),
    };
    let points = &closed[..];
    let edges = points.len().saturating_sub(1);
    // The terms are looked up a chunk of edges at a time (a lock held
    // briefly, a buffer of fixed size), and kept only for a ring that may be
    // remembered.
    const CHUNK: usize = 4096;
    let remember = shared.is_some_and(|s| s.has_room(edges));
    let mut kept: Vec<f64> = Vec::with_capacity(if remember { edges } else { 0 });
    let mut known: Vec<f64> = Vec::new();
    let mut cursor = None;
    let mut new_edges = 0;
    let mut sum = 0.0;
    let mut crossings: i64 = 0;
    for start in (0..edges).step_by(CHUNK) {
        let end = (start + CHUNK).min(edges);
        known.clear();
        if let Some(shared) = shared {
            shared.terms_of(&points[start..=end], &mut cursor, &mut known);
        }
        for (k, w) in points[start..=end].windows(2).enumerate() {
            let t = match known.get(k) {
                Some(&t) if !t.is_nan() => t,
                _ => {
                    new_edges += 1;
                    term(w[0], w[1])
                }
            };
            if remember {
                kept.push(t);
            }
            sum += t;
            crossings += transit(w[0].x, w[1].x);
        }
    }
    sum += term(first, first);
    if let Some(shared) = shared.filter(|_| remember && new_edges * 2 >= edges) {
        shared.remember(points, kept);
    }
    let a = reduce_area(sum, crossings, wgs84.area());
    a.min(EARTH_M2 - a).max(0.0)
}

/// What `_gen_inverse` is asked for: the area term only (the term does
/// not depend on what else is asked).
const AREA: u64 = geographiclib_rs::capability::AREA;

fn wgs84() -> &'static geographiclib_rs::Geodesic {
    static WGS84: std::sync::OnceLock<geographiclib_rs::Geodesic> = std::sync::OnceLock::new();
    WGS84.get_or_init(geographiclib_rs::Geodesic::wgs84)
}

/// `PolygonArea::reduce_area` for an unsigned, counter-clockwise area.
fn reduce_area(sum: f64, crossings: i64, earth: f64) -> f64 {
    let mut area = sum % earth;
    if crossings % 2 != 0 {
        area += if area < 0.0 {
            earth / 2.0
        } else {
            -earth / 2.0
        };
    }
    area = -area;
    if area < 0.0 {
        area += earth;
    }
    area
}

/// 1 or −1 where an edge from longitude `lon1` to `lon2` crosses the prime
/// meridian eastward or westward, else 0 (GeographicLib's `transit`).
///
/// Fast path of [`transit_reference`]: two longitudes strictly inside one
/// half of (−180°, 180°) are their own reductions and have one sign, so
/// neither of its two cases can hold, whatever their difference; every
/// bundled edge is such a pair, and the reductions and the error-free
/// difference were about a fifth of the instructions of a ring's walk.
/// Held to the reference by `transit_is_the_reference_one`.
#[inline]
fn transit(lon1: f64, lon2: f64) -> i64 {
    let east = |x: f64| x > 0.0 && x < 180.0;
    let west = |x: f64| x < 0.0 && x > -180.0;
    if (east(lon1) && east(lon2)) || (west(lon1) && west(lon2)) {
        return 0;
    }
    transit_reference(lon1, lon2)
}

/// GeographicLib's `transit` as it computes it: both longitudes reduced
/// and their difference rounded as `AngDiff` rounds it (see [`transit`]).
fn transit_reference(lon1: f64, lon2: f64) -> i64 {
    let lon12 = ang_diff(lon1, lon2);
    let (lon1, lon2) = (ang_normalize(lon1), ang_normalize(lon2));
    if lon12 > 0.0 && ((lon1 < 0.0 && lon2 >= 0.0) || (lon1 > 0.0 && lon2 == 0.0)) {
        1
    } else if lon12 < 0.0 && lon1 >= 0.0 && lon2 < 0.0 {
        -1
    } else {
        0
    }
}

/// An angle in degrees reduced to (−180, 180], as GeographicLib reduces it.
fn ang_normalize(x: f64) -> f64 {
    // `%` is a library call (`fmod`), four to an edge; below 360 in
    // magnitude it returns `x` itself.
    half_turns(if x == 0.0 || (x.is_finite() && x.abs() < 360.0) {
        x
    } else if x.is_finite() {
        x % 360.0
    } else {
        f64::NAN
    })
}

/// An angle in (−360°, 360°) reduced to (−180°, 180°].
fn half_turns(z: f64) -> f64 {
    let y = if z < -180.0 {
        z + 360.0
    } else if z < 180.0 {
        z
    } else {
        z - 360.0
    };
    if y == -180.0 {
        180.0
    } else {
        y
    }
}

/// `lon2 − lon1` reduced to [−180, 180] as GeographicLib's `AngDiff` rounds
/// it (only its sign is used).
fn ang_diff(lon1: f64, lon2: f64) -> f64 {
    let (x, y) = (ang_normalize(-lon1), ang_normalize(lon2));
    // Knuth's error-free sum: s + t == x + y exactly.
    let s = x + y;
    let up = s - y;
    let vpp = s - up;
    let t = -((up - x) + (vpp - y));
    let d = ang_normalize(s);
    if d == 180.0 && t > 0.0 {
        -180.0 + t
    } else {
        d + t
    }
}

/// Geodesic length of a line, in km.
///
/// # Units
/// Input in decimal degrees (longitude, latitude) on WGS84; output in km.
///
/// # Assumptions
/// Every segment is a geodesic on the WGS84 ellipsoid (Karney 2013).
pub fn length_km(line: &LineString<f64>) -> f64 {
    Geodesic.length(line) / 1_000.0
}

/// Geodesic length of a multi-line, in km (the sum of its parts).
pub fn multi_length_km(lines: &MultiLineString<f64>) -> f64 {
    lines.0.iter().map(length_km).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use geo::{polygon, MultiPolygon};

    /// Skipping the remainder below 360° changes no angle's bits.
    #[test]
    fn ang_normalize_without_the_remainder_is_the_same() {
        let with_remainder = |x: f64| half_turns(if x == 0.0 { x } else { x % 360.0 });
        let mut uniform = crate::support::testing::Uniform::new(0x1234_5678_9abc_def1);
        let special = [
            0.0,
            -0.0,
            180.0,
            -180.0,
            359.999_999_999_999_94,
            -360.0,
            360.0,
            540.0,
            -540.0,
            1e-300,
            -1e-300,
        ];
        let random = (0..100_000).map(|_| uniform.next(2000.0) - 1000.0);
        for x in special.into_iter().chain(random) {
            assert_eq!(
                ang_normalize(x).to_bits(),
                with_remainder(x).to_bits(),
                "{x}"
            );
        }
    }

    /// The fast transit counts what the reference counts, for longitudes
    /// on either side of the prime meridian and the antimeridian, at
    /// them, beyond ±180° and at random.
    #[test]
    fn transit_is_the_reference_one() {
        let mut uniform = crate::support::testing::Uniform::new(0x0fed_cba9_8765_4321);
        let special = [
            0.0,
            -0.0,
            1e-300,
            -1e-300,
            179.999_999_999_999_97,
            180.0,
            -180.0,
            -179.999_999_999_999_97,
            190.0,
            -190.0,
            359.0,
            360.0,
            -360.0,
            540.0,
            f64::NAN,
            f64::INFINITY,
        ];
        let random: Vec<f64> = (0..2_000).map(|_| uniform.next(800.0) - 400.0).collect();
        let all: Vec<f64> = special.iter().copied().chain(random).collect();
        for &a in &all {
            for &b in special.iter().chain(&all[..200]) {
                assert_eq!(transit(a, b), transit_reference(a, b), "{a} {b}");
                assert_eq!(transit(b, a), transit_reference(b, a), "{b} {a}");
            }
        }
    }

    /// Ring areas are `geo`'s `GeodesicArea` values to the bit, closed
    /// rings or not, either winding, wherever they lie: across the prime
    /// meridian and the antimeridian (where the crossings count), around a
    /// pole, and in the southern hemisphere.
    #[test]
    fn ring_areas_are_geos() {
        use geo::GeodesicArea;
        let ring = |lon: f64, lat: f64, closed: bool, reverse: bool| {
            let mut points: Vec<Coord<f64>> = (0..50)
                .map(|i| {
                    let t = i as f64 / 50.0 * std::f64::consts::TAU;
                    let x = lon + 3.0 * t.cos() + 0.1 * (7.0 * t).sin();
                    Coord {
                        // Longitudes as data give them: in −180..180.
                        x: if x > 180.0 { x - 360.0 } else { x },
                        y: lat + 2.0 * t.sin(),
                    }
                })
                .collect();
            if reverse {
                points.reverse();
            }
            if closed {
                points.push(points[0]);
            }
            LineString::new(points)
        };
        for (lon, lat) in [(125.0, 48.0), (0.0, 51.0), (179.0, -17.0), (-60.0, 87.5)] {
            for closed in [true, false] {
                for reverse in [false, true] {
                    let r = ring(lon, lat, closed, reverse);
                    // The smaller of the two regions the ring divides the
                    // ellipsoid into.
                    let a = Polygon::new(r.clone(), vec![]).geodesic_area_unsigned();
                    let expected = a.min(EARTH_M2 - a);
                    assert_eq!(
                        ring_area_m2(&r, None).to_bits(),
                        expected.to_bits(),
                        "{lon} {lat}"
                    );
                    assert!((1.0e10..1.0e12).contains(&expected), "{expected}");
                }
            }
        }
        assert_eq!(ring_area_m2(&LineString::new(vec![]), None), 0.0);
    }

    /// A 1°×1° cell between 50° and 51° N, with geodesic edges (the meridians
    /// are geodesics, the two parallels are not). Reference value from
    /// GeographicLib's own `Planimeter` 2.1 (Debian `geographiclib-tools`):
    /// `printf '50 120\n50 121\n51 121\n51 120\n' | Planimeter -p 12`
    /// prints 7,892,061,583.20654 m².
    #[test]
    fn clockwise_rings_give_the_same_area() {
        let ccw = polygon![(x: 120.0, y: 50.0), (x: 121.0, y: 50.0), (x: 121.0, y: 51.0), (x: 120.0, y: 51.0)];
        let mut cw = ccw.clone();
        cw.exterior_mut(|r| r.0.reverse());
        let a = area_km2(&MultiPolygon::new(vec![ccw]));
        let b = area_km2(&MultiPolygon::new(vec![cw]));
        assert_relative_eq!(a, 7_892.061_583_206_54, epsilon = 1e-6);
        assert_relative_eq!(a, b, epsilon = 1e-6);
    }

    #[test]
    fn one_degree_cell_matches_planimeter() {
        let cell = MultiPolygon::new(vec![polygon![
            (x: 120.0, y: 50.0),
            (x: 121.0, y: 50.0),
            (x: 121.0, y: 51.0),
            (x: 120.0, y: 51.0),
        ]]);
        assert_relative_eq!(area_km2(&cell), PLANIMETER_CELL_KM2, max_relative = 1e-9);
    }

    const PLANIMETER_CELL_KM2: f64 = 7_892.061_583_206_54;

    #[test]
    fn equator_degree_length() {
        // One degree of longitude on the equator is a / 180 · π on WGS84.
        let line = LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]);
        let expected = 6_378.137 * std::f64::consts::PI / 180.0;
        assert_relative_eq!(length_km(&line), expected, max_relative = 1e-12);
    }
}
