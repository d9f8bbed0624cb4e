//! A shapefile's rings into polygons, as GDAL 3.6's shapefile driver
//! assembles them (`OGRGeometryFactory::organizePolygons` with
//! `METHOD=ONLY_CCW`), in time linear in the rings.
//!
//! GDAL sorts the rings by area and, for each counter-clockwise ring (a
//! hole, in a shapefile), walks every larger ring until one holds it: time
//! quadratic in the rings (14,000 lakes in one feature take seconds). Here a
//! box index hands each hole only the clockwise rings whose box holds its
//! box, and a point-in-ring test looks only at the edges in the test point's
//! band of latitude; the tests themselves are GDAL's, in its arithmetic, so
//! the polygons are the ones GDAL makes, rings and vertices in its order.

use geo::{Coord, LineString, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

/// What [`organize`] made of the rings.
pub struct Organized {
    /// The polygons, in the order of their exterior rings in the shape.
    pub polygons: Vec<Polygon<f64>>,
    /// True when a ring has fewer than 4 points: every ring is then a
    /// polygon of its own, as GDAL returns them (with a warning).
    pub mixed_up: bool,
}

/// The polygons GDAL 3.6's shapefile driver makes of the rings of one shape
/// of two or more parts, in the order of the shape's parts.
///
/// A clockwise ring is an exterior; a counter-clockwise one is a hole of the
/// smallest clockwise ring (by planar area) whose box holds its box and that
/// holds its first point (or, that point on the boundary, the first of its
/// points off the boundary, or of its edges' midpoints), and of the largest
/// ring without a test; a hole in no ring is an exterior itself. With one
/// clockwise ring, every other ring is its hole. Rings of equal area are
/// taken in the order of the shape (GDAL's sort leaves their order
/// unspecified; only equal rings lying in each other could tell).
pub fn organize(rings: Vec<LineString<f64>>) -> Organized {
    // A coordinate that is not a number: the rings as they are, one polygon
    // each; the checks after reading refuse the feature, naming it.
    if rings
        .iter()
        .flat_map(|r| &r.0)
        .any(|c| !c.x.is_finite() || !c.y.is_finite())
    {
        return each_alone(rings, false);
    }
    let facts: Vec<Option<Facts>> = rings.iter().map(|r| Facts::of(&r.0)).collect();
    let clockwise: Vec<usize> = (0..rings.len())
        .filter(|&i| facts[i].as_ref().is_some_and(|f| f.clockwise))
        .collect();
    if let [only] = clockwise[..] {
        return one_exterior(rings, only);
    }
    if facts.iter().any(Option::is_none) {
        return each_alone(rings, true);
    }
    let facts: Vec<Facts> = facts.into_iter().flatten().collect();
    let enclosing = enclosing_rings(&rings, &facts, &clockwise);
    let mut holes: Vec<Vec<LineString<f64>>> = vec![Vec::new(); rings.len()];
    let mut exteriors = Vec::new();
    for (i, ring) in rings.into_iter().enumerate() {
        match enclosing[i] {
            Some(j) => holes[j].push(ring),
            None => exteriors.push((i, ring)),
        }
    }
    let polygons = exteriors
        .into_iter()
        .map(|(i, ring)| Polygon::new(ring, std::mem::take(&mut holes[i])))
        .collect();
    Organized {
        polygons,
        mixed_up: false,
    }
}

/// Every ring a polygon of its own, in order.
fn each_alone(rings: Vec<LineString<f64>>, mixed_up: bool) -> Organized {
    let polygons = rings
        .into_iter()
        .map(|r| Polygon::new(r, Vec::new()))
        .collect();
    Organized { polygons, mixed_up }
}

/// GDAL's shortcut for a shape with one clockwise ring: all the others are
/// its holes, in order.
fn one_exterior(rings: Vec<LineString<f64>>, exterior: usize) -> Organized {
    let mut holes = Vec::with_capacity(rings.len() - 1);
    let mut outer = None;
    for (i, ring) in rings.into_iter().enumerate() {
        if i == exterior {
            outer = Some(ring);
        } else {
            holes.push(ring);
        }
    }
    let outer = outer.unwrap_or_else(|| LineString::new(Vec::new()));
    Organized {
        polygons: vec![Polygon::new(outer, holes)],
        mixed_up: false,
    }
}

/// For each ring, the clockwise ring it is a hole of (`None`: an exterior).
fn enclosing_rings(
    rings: &[LineString<f64>],
    facts: &[Facts],
    clockwise: &[usize],
) -> Vec<Option<usize>> {
    // Rank by descending area, as GDAL sorts; the largest ring holds every
    // counter-clockwise ring its box holds, without a test.
    let mut order: Vec<usize> = (0..rings.len()).collect();
    order.sort_by(|&a, &b| facts[b].area.total_cmp(&facts[a].area));
    let mut rank = vec![0; rings.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    let largest = order[0];
    let boxes = RTree::bulk_load(
        clockwise
            .iter()
            .map(|&j| {
                let [x0, y0, x1, y1] = facts[j].bounds;
                GeomWithData::new(Rectangle::from_corners([x0, y0], [x1, y1]), j)
            })
            .collect(),
    );
    let mut bands: Vec<Option<Bands>> = (0..rings.len()).map(|_| None).collect();
    let mut enclosing = vec![None; rings.len()];
    let mut candidates = Vec::new();
    for i in 0..rings.len() {
        if facts[i].clockwise || i == largest {
            continue;
        }
        let [x0, y0, x1, y1] = facts[i].bounds;
        candidates.clear();
        candidates.extend(
            boxes
                .locate_in_envelope_intersecting(&AABB::from_corners([x0, y0], [x1, y1]))
                .map(|c| c.data)
                .filter(|&j| rank[j] < rank[i] && holds_box(&facts[j].bounds, &facts[i].bounds)),
        );
        // The smallest larger ring first, as GDAL walks them.
        candidates.sort_unstable_by(|&a, &b| rank[b].cmp(&rank[a]));
        for &j in &candidates {
            let inside = j == largest || {
                let band = bands[j].get_or_insert_with(|| Bands::new(&rings[j].0));
                ring_in_ring(&rings[i].0, &rings[j].0, band)
            };
            if inside {
                enclosing[i] = Some(j);
                break;
            }
        }
    }
    enclosing
}

/// What GDAL computes of each ring before pairing them.
struct Facts {
    /// Planar area (shoelace), in the layer's units squared.
    area: f64,
    /// Min x, min y, max x, max y.
    bounds: [f64; 4],
    /// Wound clockwise (GDAL's `OGRLinearRing::isClockwise`).
    clockwise: bool,
}

impl Facts {
    /// `None` for a ring of fewer than 4 points, which GDAL does not pair.
    fn of(ring: &[Coord<f64>]) -> Option<Facts> {
        if ring.len() < 4 {
            return None;
        }
        let mut bounds = [ring[0].x, ring[0].y, ring[0].x, ring[0].y];
        for c in ring {
            bounds[0] = bounds[0].min(c.x);
            bounds[1] = bounds[1].min(c.y);
            bounds[2] = bounds[2].max(c.x);
            bounds[3] = bounds[3].max(c.y);
        }
        Some(Facts {
            area: 0.5 * green_sum(ring).abs(),
            bounds,
            clockwise: is_clockwise(ring),
        })
    }
}

/// Twice the signed area, summed as GDAL sums it.
fn green_sum(p: &[Coord<f64>]) -> f64 {
    let n = p.len();
    let mut sum = p[0].x * (p[1].y - p[n - 1].y);
    for i in 1..n - 1 {
        sum += p[i].x * (p[i + 1].y - p[i - 1].y);
    }
    sum + p[n - 1].x * (p[0].y - p[n - 2].y)
}

/// GDAL's `OGRLinearRing::isClockwise`: the turn at the lowest rightmost
/// vertex, or the sign of the area when that vertex is repeated or its
/// neighbours are within 1e-5 of it.
fn is_clockwise(p: &[Coord<f64>]) -> bool {
    const EPSILON: f64 = 1e-5;
    let n = p.len();
    let near =
        |a: Coord<f64>, b: Coord<f64>| (a.x - b.x).abs() < EPSILON && (a.y - b.y).abs() < EPSILON;
    let mut fallback = false;
    let mut v = 0;
    for i in 1..n - 1 {
        if p[i].y < p[v].y || (p[i].y == p[v].y && p[i].x > p[v].x) {
            v = i;
            fallback = false;
        } else if p[i].y == p[v].y && p[i].x == p[v].x {
            fallback = true;
        }
    }
    let before = if v == 0 { n - 2 } else { v - 1 };
    fallback |= near(p[before], p[v]);
    let (dx0, dy0) = (p[before].x - p[v].x, p[before].y - p[v].y);
    let after = if v + 1 >= n - 1 { 0 } else { v + 1 };
    fallback |= near(p[after], p[v]);
    let (dx1, dy1) = (p[after].x - p[v].x, p[after].y - p[v].y);
    let cross = dx1 * dy0 - dx0 * dy1;
    if !fallback && cross > 0.0 {
        return false;
    }
    if !fallback && cross < 0.0 {
        return true;
    }
    green_sum(p) < 0.0
}

/// GDAL's envelope test: `outer` holds `inner`, edges included.
fn holds_box(outer: &[f64; 4], inner: &[f64; 4]) -> bool {
    outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3]
}

/// GDAL's test of whether ring `i` lies in ring `j` (whose box holds its
/// box): its first point strictly inside; or, that point on `j`'s boundary,
/// the first of its points off the boundary inside; or, all its points on
/// the boundary, the first of its edges' midpoints off the boundary inside.
fn ring_in_ring(i: &[Coord<f64>], j: &[Coord<f64>], band: &Bands) -> bool {
    let first = i[0];
    if !band.on_boundary(j, first) {
        return band.inside(j, first);
    }
    let mut previous = first;
    let mut all_on_boundary = true;
    for &point in &i[1..] {
        if point == previous {
            continue;
        }
        if !band.on_boundary(j, point) {
            all_on_boundary = false;
            if band.inside(j, point) {
                return true;
            }
            break;
        }
        previous = point;
    }
    if !all_on_boundary || i.len() <= 2 {
        return false;
    }
    let mut previous = first;
    for &point in &i[1..] {
        if point == previous {
            continue;
        }
        let middle = Coord {
            x: (point.x + previous.x) / 2.0,
            y: (point.y + previous.y) / 2.0,
        };
        if !band.on_boundary(j, middle) {
            return band.inside(j, middle);
        }
        previous = point;
    }
    false
}

/// A ring's edges by band of latitude (y), so that a point test looks only
/// at the edges whose span of y reaches the point's: the others cannot
/// cross its ray nor hold it.
struct Bands {
    y0: f64,
    per_unit: f64,
    /// Edge `k` (from vertex `k - 1` to `k`) of band `b` is in
    /// `edges[start[b]..start[b + 1]]`.
    start: Vec<u32>,
    edges: Vec<u32>,
}

impl Bands {
    fn new(ring: &[Coord<f64>]) -> Bands {
        let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
        for c in ring {
            y0 = y0.min(c.y);
            y1 = y1.max(c.y);
        }
        let span = y1 - y0;
        // An edge goes into the bands of its span of y widened a little, so
        // that a point off its span by a rounding error still meets it.
        let pad = span * 1e-9;
        let mut count = (ring.len() / 8).clamp(1, 1 << 16);
        loop {
            let per_unit = if span > 0.0 && span.is_finite() {
                count as f64 / span
            } else {
                0.0
            };
            let bands = Bands {
                y0,
                per_unit,
                start: vec![0; count + 1],
                edges: Vec::new(),
            };
            let spans: Vec<(usize, usize)> = (1..ring.len())
                .map(|k| {
                    let (a, b) = (ring[k - 1].y, ring[k].y);
                    (bands.band(a.min(b) - pad), bands.band(a.max(b) + pad))
                })
                .collect();
            // Long edges crossing many bands: fewer, wider bands, so that
            // the index stays linear in the ring.
            let entries: usize = spans.iter().map(|(lo, hi)| hi - lo + 1).sum();
            if count > 1 && entries > 4 * ring.len() {
                count /= 4;
                continue;
            }
            return bands.fill(&spans);
        }
    }

    fn fill(mut self, spans: &[(usize, usize)]) -> Bands {
        let count = self.start.len() - 1;
        for &(lo, hi) in spans {
            for b in lo..=hi {
                self.start[b + 1] += 1;
            }
        }
        for b in 0..count {
            self.start[b + 1] += self.start[b];
        }
        let mut next = self.start.clone();
        self.edges = vec![0; self.start[count] as usize];
        for (k, &(lo, hi)) in spans.iter().enumerate() {
            for slot in &mut next[lo..=hi] {
                self.edges[*slot as usize] = k as u32 + 1;
                *slot += 1;
            }
        }
        self
    }

    fn band(&self, y: f64) -> usize {
        let b = (y - self.y0) * self.per_unit;
        let last = self.start.len() - 2;
        if b.is_nan() || b <= 0.0 {
            0
        } else {
            (b as usize).min(last)
        }
    }

    fn edges_near(&self, y: f64) -> &[u32] {
        let b = self.band(y);
        &self.edges[self.start[b] as usize..self.start[b + 1] as usize]
    }

    /// GDAL's `OGRLinearRing::isPointInRing` (strictly inside, by the
    /// parity of the crossings of a ray towards +x).
    fn inside(&self, ring: &[Coord<f64>], p: Coord<f64>) -> bool {
        let mut crossings = 0u32;
        for &k in self.edges_near(p.y) {
            let k = k as usize;
            let (x1, y1) = (ring[k].x - p.x, ring[k].y - p.y);
            let (x2, y2) = (ring[k - 1].x - p.x, ring[k - 1].y - p.y);
            if ((y1 > 0.0) && (y2 <= 0.0)) || ((y2 > 0.0) && (y1 <= 0.0)) {
                let at = (x1 * y2 - x2 * y1) / (y2 - y1);
                if 0.0 < at {
                    crossings += 1;
                }
            }
        }
        crossings % 2 == 1
    }

    /// GDAL's `OGRLinearRing::isPointOnRingBoundary` (exactly on an edge).
    fn on_boundary(&self, ring: &[Coord<f64>], p: Coord<f64>) -> bool {
        self.edges_near(p.y).iter().any(|&k| {
            let k = k as usize;
            let (dx1, dy1) = (p.x - ring[k].x, p.y - ring[k].y);
            let (dx2, dy2) = (p.x - ring[k - 1].x, p.y - ring[k - 1].y);
            if dx1 * dy2 - dx2 * dy1 != 0.0 || (dx1 == dx2 && dy1 == dy2) {
                return false;
            }
            let (sx, sy) = (ring[k].x - ring[k - 1].x, ring[k].y - ring[k - 1].y);
            let along = dx2 * sx + dy2 * sy;
            along >= 0.0 && along <= sx * sx + sy * sy
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> LineString<f64> {
        LineString::from(points.to_vec())
    }

    /// Clockwise squares (exteriors in a shapefile) and counter-clockwise
    /// ones (holes), `size` wide at (x, y).
    fn cw(x: f64, y: f64, size: f64) -> LineString<f64> {
        ring(&[
            (x, y),
            (x, y + size),
            (x + size, y + size),
            (x + size, y),
            (x, y),
        ])
    }

    fn ccw(x: f64, y: f64, size: f64) -> LineString<f64> {
        ring(&[
            (x, y),
            (x + size, y),
            (x + size, y + size),
            (x, y + size),
            (x, y),
        ])
    }

    fn shape(polygons: &[Polygon<f64>]) -> Vec<(LineString<f64>, Vec<LineString<f64>>)> {
        polygons
            .iter()
            .map(|p| (p.exterior().clone(), p.interiors().to_vec()))
            .collect()
    }

    #[test]
    fn holes_go_to_the_smallest_ring_holding_them_in_any_order() {
        // Two islands, a lake in each, an island in the first lake with a
        // pond; the holes come before their shells.
        let rings = vec![
            ccw(2.0, 2.0, 1.0),  // pond, in the island in the lake
            ccw(11.0, 1.0, 8.0), // lake of the second island
            cw(0.0, 0.0, 10.0),  // first island
            ccw(1.0, 1.0, 4.0),  // lake of the first
            cw(10.0, 0.0, 10.0), // second island
            cw(1.5, 1.5, 2.0),   // island in the first lake
        ];
        let out = organize(rings.clone());
        assert!(!out.mixed_up);
        assert_eq!(
            shape(&out.polygons),
            vec![
                (rings[2].clone(), vec![rings[3].clone()]),
                (rings[4].clone(), vec![rings[1].clone()]),
                (rings[5].clone(), vec![rings[0].clone()]),
            ]
        );
    }

    #[test]
    fn a_hole_in_no_ring_is_an_exterior_and_one_clockwise_ring_takes_all() {
        let rings = vec![cw(0.0, 0.0, 10.0), cw(20.0, 0.0, 1.0), ccw(30.0, 0.0, 1.0)];
        let out = organize(rings.clone());
        assert_eq!(out.polygons.len(), 3);
        let rings = vec![ccw(30.0, 0.0, 1.0), cw(0.0, 0.0, 10.0), ccw(1.0, 1.0, 1.0)];
        let out = organize(rings.clone());
        assert_eq!(
            shape(&out.polygons),
            vec![(rings[1].clone(), vec![rings[0].clone(), rings[2].clone()])]
        );
    }

    #[test]
    fn a_hole_starting_on_its_shell_is_placed_by_its_next_point() {
        // The lake starts on the island's east edge, then goes inside it;
        // by its first point alone it would be outside the island and a
        // hole of the largest ring.
        let lake = ring(&[
            (20.0, 2.0),
            (19.0, 2.0),
            (19.0, 1.0),
            (20.0, 1.0),
            (20.0, 2.0),
        ]);
        let pond = ccw(9.0, 9.0, 0.5);
        let rings = vec![
            cw(0.0, 0.0, 30.0),
            pond.clone(),
            cw(10.0, 0.0, 10.0),
            lake.clone(),
        ];
        let out = organize(rings.clone());
        assert_eq!(
            shape(&out.polygons),
            vec![
                (rings[0].clone(), vec![pond]),
                (rings[2].clone(), vec![lake])
            ]
        );
    }

    #[test]
    fn a_ring_of_three_points_leaves_every_ring_a_polygon() {
        let rings = vec![
            cw(0.0, 0.0, 10.0),
            cw(20.0, 0.0, 10.0),
            ring(&[(1.0, 1.0), (2.0, 1.0), (1.0, 1.0)]),
        ];
        let out = organize(rings);
        assert!(out.mixed_up);
        assert_eq!(out.polygons.len(), 3);
    }

    #[test]
    fn a_coordinate_that_is_not_a_number_leaves_every_ring_a_polygon() {
        let mut bad = cw(20.0, 0.0, 10.0);
        bad.0[1].y = f64::NAN;
        let rings = vec![
            cw(0.0, 0.0, 10.0),
            ccw(1.0, 1.0, 1.0),
            bad,
            ccw(21.0, 1.0, 1.0),
        ];
        let out = organize(rings);
        assert!(!out.mixed_up);
        assert_eq!(out.polygons.len(), 4);
    }

    #[test]
    fn point_tests_by_band_agree_with_every_edge() {
        // A comb: many edges, points on, in and out of it.
        let mut points = vec![(0.0, 0.0)];
        for k in 0..200 {
            let x = k as f64;
            points.extend([(x, 10.0), (x + 0.5, 10.0), (x + 0.5, 1.0), (x + 1.0, 1.0)]);
        }
        points.extend([(200.0, 0.0), (0.0, 0.0)]);
        let r: Vec<Coord<f64>> = ring(&points).0;
        let band = Bands::new(&r);
        let all = Bands {
            y0: 0.0,
            per_unit: 0.0,
            start: vec![0, r.len() as u32 - 1],
            edges: (1..r.len() as u32).collect(),
        };
        for k in 0..2000 {
            let p = Coord {
                x: k as f64 * 0.1037 - 1.0,
                y: (k % 23) as f64 * 0.5,
            };
            assert_eq!(band.inside(&r, p), all.inside(&r, p), "{p:?}");
            assert_eq!(band.on_boundary(&r, p), all.on_boundary(&r, p), "{p:?}");
        }
    }
}
