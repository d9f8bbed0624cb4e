//! Densification: [`densify`] splits long edges with points on their
//! geodesics, so that a lon/lat overlay and geodesic measurement read every
//! edge alike.
//!
//! Reference path: `geo`'s geodesic `Densify`, measuring every edge. Fast
//! path: [`densify`], which measures only the edges whose bound
//! ([`edge_bound_m`], tested first by the cheaper [`edge_over`]) may exceed
//! the longest edge allowed. Held equal by `densify_matches_geo` (every
//! point) and `edge_over_decides_as_the_bound_does` here.

use geo::{Coord, Densify, Geodesic, LineString, MultiPolygon};

/// Splits every edge longer than `max_edge_m` metres with points on the
/// geodesic between its end points.
///
/// Overlays work in lon/lat, where an edge is a straight line on the plate
/// carrée; measurement treats it as a geodesic. After densification the two
/// readings of every edge coincide to well under a metre, so areas no longer
/// depend on where an edge happens to be split.
///
/// The points are those of `geo`'s geodesic `Densify`; only edges that may
/// be longer than `max_edge_m` are measured (most edges of detailed data are
/// far shorter, and a geodesic inverse for each was a tenth of a run).
pub fn densify(mut geometry: MultiPolygon<f64>, max_edge_m: f64) -> MultiPolygon<f64> {
    for p in &mut geometry.0 {
        p.exterior_mut(|r| densify_ring(r, max_edge_m));
        p.interiors_mut(|holes| {
            for r in holes {
                densify_ring(r, max_edge_m);
            }
        });
    }
    geometry
}

/// Largest radius of curvature of the WGS84 ellipsoid, a/√(1 − e²), in
/// metres (meridian and prime vertical, at the poles).
const MAX_RADIUS_M: f64 = 6_399_593.625_758_674;

/// A length no geodesic between `a` and `b` exceeds, in metres: the path
/// along the parallel of the end nearer a pole, then along the meridian,
/// with every radius of curvature taken at its largest.
fn edge_bound_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let d = (b.x - a.x).abs();
    // `%` is a library call; below 360 it changes nothing.
    let mut d_lon = if d < 360.0 { d } else { d % 360.0 };
    if d_lon > 180.0 {
        d_lon = 360.0 - d_lon;
    }
    let cos = a.y.to_radians().cos().min(b.y.to_radians().cos()).max(0.0);
    MAX_RADIUS_M * ((b.y - a.y).abs() + cos * d_lon).to_radians() * (1.0 + 1e-9)
}

/// Whether [`edge_bound_m`] of the edge is over `max_m`, without its
/// cosines when the edge is short whatever its latitude: the bound with the
/// cosine taken as 1 is never smaller (each step of the sum is monotone), so
/// when that is within `max_m` the exact one is too. Most edges of detailed
/// data are that short.
fn edge_over(a: Coord<f64>, b: Coord<f64>, max_m: f64) -> bool {
    let d_lon = (b.x - a.x).abs().min(360.0);
    let loose = MAX_RADIUS_M * ((b.y - a.y).abs() + d_lon).to_radians() * (1.0 + 1e-9);
    loose > max_m && edge_bound_m(a, b) > max_m
}

/// A point an overlay's snapping put a hair past a pole, put back on it: no
/// geodesic is defined beyond (found by the fuzzer: a dissolve of two
/// features touching the South Pole).
fn on_the_globe(c: Coord<f64>) -> Coord<f64> {
    Coord {
        x: c.x,
        y: c.y.clamp(-90.0, 90.0),
    }
}

/// Densifies `ring` in place; a ring with no edge to split keeps its
/// buffer (most rings of detailed data).
fn densify_ring(ring: &mut LineString<f64>, max_edge_m: f64) {
    for c in &mut ring.0 {
        *c = on_the_globe(*c);
    }
    let Some(first) = ring
        .0
        .windows(2)
        .position(|w| edge_over(w[0], w[1], max_edge_m))
    else {
        return;
    };
    let mut out = Vec::with_capacity(ring.0.len() + ring.0.len() / 8);
    out.extend_from_slice(&ring.0[..first]);
    for w in ring.0[first..].windows(2) {
        out.push(w[0]);
        if edge_over(w[0], w[1], max_edge_m) {
            let edge = Geodesic.densify(&LineString::new(vec![w[0], w[1]]), max_edge_m);
            if edge.0.len() > 2 {
                // The points come back in −180…180°: each is put on the
                // side of the edge's start (a point on the meridian −180°,
                // the edge of a polar cap, comes back at +180°; one past
                // 180° in data analysed in 0–360°, below −180°).
                let x0 = w[0].x;
                out.extend(edge.0[1..edge.0.len() - 1].iter().map(|c| {
                    let d = c.x - x0;
                    if d > 180.0 {
                        Coord {
                            x: c.x - 360.0,
                            y: c.y,
                        }
                    } else if d < -180.0 {
                        Coord {
                            x: c.x + 360.0,
                            y: c.y,
                        }
                    } else {
                        *c
                    }
                }));
            }
        }
    }
    out.extend(ring.0.last());
    ring.0 = out;
}

#[cfg(test)]
mod tests {
    use super::super::{area_km2, DENSIFY_MAX_EDGE_M};
    use super::*;
    use approx::assert_relative_eq;
    use geo::{polygon, Polygon};

    /// The quick test of an edge's length bound decides as the exact
    /// bound does: short and long edges, at the equator and near the poles,
    /// across the antimeridian, and longitude steps of 360° and more.
    #[test]
    fn edge_over_decides_as_the_bound_does() {
        let mut uniform = crate::support::testing::Uniform::new(0x2545_f491_4f6c_dd1d);
        let mut next = |scale: f64| uniform.next(scale);
        let mut disagreements = 0;
        let mut over = 0;
        for i in 0..200_000 {
            let a = Coord {
                x: next(720.0) - 360.0,
                y: next(180.0) - 90.0,
            };
            let step = [1e-4, 0.01, 0.1, 1.0, 400.0][i % 5];
            let b = Coord {
                x: a.x + next(2.0 * step) - step,
                y: (a.y + next(2.0 * step) - step).clamp(-90.0, 90.0),
            };
            for max_m in [100.0, 5_000.0, 50_000.0] {
                let exact = edge_bound_m(a, b) > max_m;
                over += usize::from(exact);
                disagreements += usize::from(edge_over(a, b, max_m) != exact);
            }
        }
        assert_eq!(disagreements, 0);
        assert!(over > 100_000, "the cases include long edges: {over}");
    }

    #[test]
    fn densify_keeps_geodesic_area() {
        let cell = MultiPolygon::new(vec![polygon![
            (x: 120.0, y: 50.0),
            (x: 121.0, y: 50.0),
            (x: 121.0, y: 51.0),
            (x: 120.0, y: 51.0),
        ]]);
        let dense = densify(cell.clone(), DENSIFY_MAX_EDGE_M);
        assert!(dense.0[0].exterior().0.len() > 100);
        assert_relative_eq!(area_km2(&dense), area_km2(&cell), max_relative = 1e-9);
    }

    /// The fast path must not change a single point: compare with `geo`'s
    /// own densification on edges of every length, at every latitude.
    #[test]
    fn densify_matches_geo() {
        let mut ring = Vec::new();
        let mut x = 100.0;
        for i in 0..400 {
            let lat = -85.0 + (i as f64) * 0.425;
            // Edge lengths from metres to hundreds of kilometres.
            x += 1e-5 * 1.6_f64.powi(i % 24);
            ring.push((x, lat));
        }
        ring.push((100.0, 85.0));
        ring.push((100.0, -85.0));
        let mp = MultiPolygon::new(vec![Polygon::new(LineString::from(ring), vec![])]);
        for max in [50.0, 2_000.0, 100_000.0] {
            assert_eq!(
                densify(mp.clone(), max),
                Geodesic.densify(&mp, max),
                "max edge {max} m"
            );
        }
    }
}
