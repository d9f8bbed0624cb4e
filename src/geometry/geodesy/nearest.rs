//! Distances to reference lines: [`NearestLine`], from a point to the
//! nearest point of a set of lines (not just their nearest vertex), in
//! metres on the WGS84 ellipsoid.

use geo::{Coord, Distance, Geodesic, Point};
use rstar::primitives::Line;
use rstar::{PointDistance, RTree};

/// Distances from points to a set of reference lines (a modern border, say),
/// in metres: to the nearest point of the lines, not just their nearest
/// vertex, which on a generalised line can be kilometres further.
///
/// # Assumptions
/// Segments are looked up in a lon/lat frame with longitude scaled by the
/// cosine of the lines' mean latitude; the nearest point on a segment is
/// found in a frame scaled at the query point's own latitude, and the
/// distance to it is the WGS84 geodesic (Karney 2013). Segments are taken
/// as short enough that straight lines in lon/lat and geodesics between
/// their ends are close (as in 1:1,000,000 data).
pub struct NearestLine {
    tree: RTree<Line<[f64; 2]>>,
    /// x scale of the lookup frame.
    scale: f64,
    /// How much further than the nearest in the frame a segment nearer on
    /// the ellipsoid can be: the spread of the cosine of latitude.
    reach: f64,
}

impl NearestLine {
    /// Indexes every segment of `lines` (lon/lat vertices).
    pub fn new<'a>(lines: impl IntoIterator<Item = &'a [Coord<f64>]>) -> Self {
        let lines: Vec<&[Coord<f64>]> = lines.into_iter().collect();
        let cos = |y: f64| y.to_radians().cos().max(0.05);
        let (mut low, mut high, mut sum, mut n) = (f64::INFINITY, 0.0_f64, 0.0, 0.0);
        for c in lines.iter().flat_map(|l| l.iter()) {
            let k = cos(c.y);
            (low, high, sum, n) = (low.min(k), high.max(k), sum + k, n + 1.0);
        }
        let scale = if n > 0.0 { sum / n } else { 1.0 };
        let reach = if n > 0.0 { high / low } else { 1.0 };
        let at = |c: Coord<f64>| [c.x * scale, c.y];
        let segments = lines
            .iter()
            .flat_map(|l| l.windows(2))
            .map(|w| Line::new(at(w[0]), at(w[1])))
            .collect();
        NearestLine {
            tree: RTree::bulk_load(segments),
            scale,
            reach,
        }
    }

    /// Geodesic distance in metres from `p` to the nearest point of the
    /// lines; `None` when there are no segments.
    pub fn distance_m(&self, p: Coord<f64>) -> Option<f64> {
        let here = [p.x * self.scale, p.y];
        let first = self.tree.nearest_neighbor(&here)?;
        let reach = first.distance_2(&here) * self.reach * self.reach;
        self.tree
            .locate_within_distance(here, reach * (1.0 + 1e-9))
            .map(|segment| {
                let q = self.nearest_on(segment, p);
                Geodesic.distance(Point::from(p), Point::from(q))
            })
            .min_by(f64::total_cmp)
    }

    /// Whether the lines come within `max_m` metres of `p`: the same answer
    /// as [`NearestLine::distance_m`] compared with `max_m`, without a
    /// geodesic for a point that no segment comes near in the lookup frame.
    ///
    /// Within `max_m` of `p` on the ellipsoid, a point is within
    /// `max_m / 110 km` degrees of it in a frame whose x is longitude ×
    /// cos(latitude) (a degree of latitude is at least 110.57 km, of
    /// longitude at least 111.3 km × cos(latitude) near `p`); the lookup
    /// frame scales longitude by the lines' mean cosine instead, which
    /// stretches that by at most `mean / cos(latitude of p)`. A segment
    /// farther than ten times that in the frame cannot be within `max_m`.
    pub fn within_m(&self, p: Coord<f64>, max_m: f64) -> bool {
        let here = [p.x * self.scale, p.y];
        // The latitude a point within reach of p may have, rounded up.
        let cos = (p.y.abs() + 0.01).min(90.0).to_radians().cos();
        let stretch = if cos > 0.0 {
            (self.scale / cos).max(1.0)
        } else {
            f64::INFINITY
        };
        let frame = 10.0 * max_m / 110_000.0 * stretch;
        if frame.is_finite()
            && self
                .tree
                .locate_within_distance(here, frame * frame)
                .next()
                .is_none()
        {
            return false;
        }
        self.distance_m(p).is_some_and(|d| d <= max_m)
    }

    /// The point of `segment` nearest to `p`, in a frame scaled at `p`'s
    /// latitude, returned in degrees.
    fn nearest_on(&self, segment: &Line<[f64; 2]>, p: Coord<f64>) -> Coord<f64> {
        let k = p.y.to_radians().cos();
        let (ax, ay) = (segment.from[0] / self.scale, segment.from[1]);
        let (bx, by) = (segment.to[0] / self.scale, segment.to[1]);
        let (dx, dy) = ((bx - ax) * k, by - ay);
        let (px, py) = ((p.x - ax) * k, p.y - ay);
        let length2 = dx * dx + dy * dy;
        let t = if length2 > 0.0 {
            ((px * dx + py * dy) / length2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        Coord {
            x: ax + t * (bx - ax),
            y: ay + t * (by - ay),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// `within_m` answers as `distance_m` does, at every latitude and on
    /// either side of the threshold: points from a few metres to a few
    /// kilometres off lines at 45° and at 75° N, and near their ends.
    #[test]
    fn within_is_the_distance_compared() {
        let low = [Coord { x: 120.0, y: 44.0 }, Coord { x: 121.0, y: 46.0 }];
        let high = [Coord { x: 100.0, y: 75.0 }, Coord { x: 104.0, y: 75.2 }];
        let lines = NearestLine::new([&low[..], &high[..]]);
        let (mut near, mut far) = (0, 0);
        for (a, b) in [(low[0], low[1]), (high[0], high[1])] {
            for i in 0..=40 {
                let t = f64::from(i) / 40.0 * 1.2 - 0.1;
                let on = Coord {
                    x: a.x + t * (b.x - a.x),
                    y: a.y + t * (b.y - a.y),
                };
                for step in [
                    -3e-2, -2e-3, -1e-3, -9e-4, -5e-4, 0.0, 3e-4, 8e-4, 1e-3, 4e-3,
                ] {
                    for p in [
                        Coord {
                            x: on.x + step,
                            y: on.y,
                        },
                        Coord {
                            x: on.x,
                            y: on.y + step,
                        },
                    ] {
                        for max_m in [50.0, 100.0, 1000.0] {
                            let want = lines.distance_m(p).is_some_and(|d| d <= max_m);
                            assert_eq!(lines.within_m(p, max_m), want, "{p:?} {max_m}");
                            if want {
                                near += 1;
                            } else {
                                far += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(near > 100 && far > 100, "{near} near, {far} far");
        assert!(!NearestLine::new([]).within_m(Coord { x: 0.0, y: 0.0 }, 100.0));
    }

    /// Distance to a line is to its nearest point, between vertices too,
    /// and to an end point past the line's end; it matches the geodesic
    /// distance to that point to the millimetre.
    #[test]
    fn distance_to_a_line_is_to_its_nearest_point() {
        let meridian = [Coord { x: 120.0, y: 40.0 }, Coord { x: 120.0, y: 50.0 }];
        let across = [Coord { x: 130.0, y: 45.0 }, Coord { x: 131.0, y: 45.0 }];
        let lines = NearestLine::new([&meridian[..], &across[..]]);
        let geodesic = |a: (f64, f64), b: (f64, f64)| {
            Geodesic.distance(Point::new(a.0, a.1), Point::new(b.0, b.1))
        };
        // Beside the meridian, 5° from either vertex.
        let d = lines.distance_m(Coord { x: 120.1, y: 45.0 }).unwrap();
        assert_relative_eq!(d, geodesic((120.1, 45.0), (120.0, 45.0)), epsilon = 1e-3);
        assert!((7_800.0..8_000.0).contains(&d), "{d}");
        // Past the meridian's northern end.
        let d = lines.distance_m(Coord { x: 120.0, y: 50.5 }).unwrap();
        assert_relative_eq!(d, geodesic((120.0, 50.5), (120.0, 50.0)), epsilon = 1e-3);
        // Nearer the second line than the first.
        let d = lines.distance_m(Coord { x: 130.5, y: 45.01 }).unwrap();
        assert!((1_000.0..1_200.0).contains(&d), "{d}");
        assert!(NearestLine::new([])
            .distance_m(Coord { x: 0.0, y: 0.0 })
            .is_none());
    }
}
