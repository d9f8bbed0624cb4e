//! Positional uncertainty: lines drawn only to within a band (a schematic
//! watershed ±30 km) bound the area of every piece they border.
//!
//! # Method
//! An edge of a piece lies on an uncertain line when both its ends are
//! within [`ON_LINE_M`] of it. If every such line moved anywhere within
//! ±`km` of where it is drawn, the piece could gain or lose at most the
//! band along its edges on the line: Σ (geodesic length of those edges ×
//! `km`), taking the widest band where an edge lies on several lines. So
//! `area_min = max(0, area − Σ)` and `area_max = area + Σ`. The bound is
//! exact for a straight line shifted parallel to itself by `km`; where a
//! line is curved, or moves against a piece's corner, the true change is
//! smaller, so the bounds hold (they are not the tightest).

use geo::{BoundingRect, Coord, Distance, Geodesic, MultiPolygon, Point, Rect};

use super::geodesy::NearestLine;

/// How close (m) both ends of an edge must be to an uncertain line for
/// the edge to lie on it: the holders' outlines follow the line to well
/// within this after densifying and snapping.
pub const ON_LINE_M: f64 = 100.0;

/// Lines drawn only to within ±`km`.
pub struct Band {
    lines: NearestLine,
    /// The lines' box, widened by [`ON_LINE_M`] (in degrees, generously).
    area: Option<Rect<f64>>,
    /// Half-width of the band, km.
    pub km: f64,
}

impl Band {
    /// The band of `km` around `lines` (lon/lat vertices).
    pub fn new(lines: &[Vec<Coord<f64>>], km: f64) -> Band {
        let mut area: Option<Rect<f64>> = None;
        for c in lines.iter().flatten() {
            let r = Rect::new(*c, *c);
            area = Some(match area {
                None => r,
                Some(a) => Rect::new(
                    Coord {
                        x: a.min().x.min(r.min().x),
                        y: a.min().y.min(r.min().y),
                    },
                    Coord {
                        x: a.max().x.max(r.max().x),
                        y: a.max().y.max(r.max().y),
                    },
                ),
            });
        }
        // 0.01° is at least 100 m of latitude, and of longitude below 84°.
        let area = area.map(|a| super::widened(a, 0.01));
        Band {
            lines: NearestLine::new(lines.iter().map(Vec::as_slice)),
            area,
            km,
        }
    }

    fn near(&self, c: Coord<f64>) -> bool {
        let inside = self.area.is_some_and(|a| {
            c.x >= a.min().x && c.x <= a.max().x && c.y >= a.min().y && c.y <= a.max().y
        });
        inside && self.lines.within_m(c, ON_LINE_M)
    }
}

/// The most `geometry`'s area can change (km²) if every band's lines moved
/// anywhere within their bands (see the module notes).
///
/// # Units
/// km², from geodesic edge lengths on WGS84 (Karney 2013) times km.
pub fn band_km2(geometry: &MultiPolygon<f64>, bands: &[Band]) -> f64 {
    let Some(bbox) = geometry.bounding_rect() else {
        return 0.0;
    };
    let relevant: Vec<&Band> = bands
        .iter()
        .filter(|b| {
            b.area.is_some_and(|a| {
                a.min().x <= bbox.max().x
                    && a.max().x >= bbox.min().x
                    && a.min().y <= bbox.max().y
                    && a.max().y >= bbox.min().y
            })
        })
        .collect();
    if relevant.is_empty() {
        return 0.0;
    }
    let mut sum = 0.0;
    for ring in geometry
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
    {
        // Whether each vertex lies on each band's lines, computed once.
        let on: Vec<Vec<bool>> = relevant
            .iter()
            .map(|b| ring.0.iter().map(|c| b.near(*c)).collect())
            .collect();
        for (i, w) in ring.0.windows(2).enumerate() {
            let km = relevant
                .iter()
                .zip(&on)
                .filter(|(_, on)| on[i] && on[i + 1])
                .map(|(b, _)| b.km)
                .fold(0.0, f64::max);
            if km > 0.0 {
                sum += Geodesic.distance(Point::from(w[0]), Point::from(w[1])) / 1000.0 * km;
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::geodesy;
    use geo::polygon;

    /// A strip whose east side is a meridian drawn to within ±u: the
    /// bound is exactly the side's geodesic length times u; the other
    /// sides, off the line, add nothing.
    #[test]
    fn a_straight_border_moved_by_u_bounds_the_area_by_length_times_u() {
        let strip = polygon![
            (x: 121.0, y: 50.0), (x: 122.0, y: 50.0), (x: 122.0, y: 52.0), (x: 121.0, y: 52.0),
        ];
        let strip = geodesy::densify(MultiPolygon::new(vec![strip]), 2000.0);
        let line = vec![Coord { x: 121.0, y: 49.0 }, Coord { x: 121.0, y: 53.0 }];
        let side_km = Geodesic.distance(Point::new(121.0, 50.0), Point::new(121.0, 52.0)) / 1000.0;
        for u in [1.0, 30.0] {
            let got = band_km2(&strip, &[Band::new(std::slice::from_ref(&line), u)]);
            assert!(
                (got - side_km * u).abs() < 1e-9 * side_km * u,
                "{got} vs {}",
                side_km * u
            );
        }
        // A line elsewhere bounds nothing.
        let far = vec![Coord { x: 130.0, y: 49.0 }, Coord { x: 130.0, y: 53.0 }];
        assert_eq!(band_km2(&strip, &[Band::new(&[far], 30.0)]), 0.0);
    }
}
