//! Measurement on the WGS84 ellipsoid: geodesic areas and lengths (Karney
//! 2013, through `geo`'s `GeodesicArea` and `Geodesic` metric space), and the
//! densification that makes a lon/lat overlay agree with geodesic edges.

use geo::{
    Densify, Geodesic, GeodesicArea, Length, LineString, MultiLineString, MultiPolygon, Polygon,
};

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
        .map(|polygon| {
            ring_area_m2(polygon.exterior())
                - polygon.interiors().iter().map(ring_area_m2).sum::<f64>()
        })
        .sum::<f64>()
        / M2_PER_KM2
}

/// WGS84 ellipsoid surface area, m²: 2πa²(1 + (1 − e²)/e · atanh e).
const EARTH_M2: f64 = 510_065_621_724_088.5;

fn ring_area_m2(ring: &LineString<f64>) -> f64 {
    let a = Polygon::new(ring.clone(), vec![]).geodesic_area_unsigned();
    a.min(EARTH_M2 - a).max(0.0)
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

/// Splits every edge longer than `max_edge_m` metres with points on the
/// geodesic between its end points.
///
/// Overlays work in lon/lat, where an edge is a straight line on the plate
/// carrée; measurement treats it as a geodesic. After densification the two
/// readings of every edge coincide to well under a metre, so areas no longer
/// depend on where an edge happens to be split.
pub fn densify(geometry: &MultiPolygon<f64>, max_edge_m: f64) -> MultiPolygon<f64> {
    Geodesic.densify(geometry, max_edge_m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use geo::{polygon, MultiPolygon};

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
    fn densify_keeps_geodesic_area() {
        let cell = MultiPolygon::new(vec![polygon![
            (x: 120.0, y: 50.0),
            (x: 121.0, y: 50.0),
            (x: 121.0, y: 51.0),
            (x: 120.0, y: 51.0),
        ]]);
        let dense = densify(&cell, DENSIFY_MAX_EDGE_M);
        assert!(dense.0[0].exterior().0.len() > 100);
        assert_relative_eq!(area_km2(&dense), area_km2(&cell), max_relative = 1e-9);
    }

    #[test]
    fn equator_degree_length() {
        // One degree of longitude on the equator is a / 180 · π on WGS84.
        let line = LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]);
        let expected = 6_378.137 * std::f64::consts::PI / 180.0;
        assert_relative_eq!(length_km(&line), expected, max_relative = 1e-12);
    }
}
