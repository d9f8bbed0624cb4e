//! A spatial index of line segments in longitude/latitude, answering
//! "how far, in metres, is the nearest segment" for short distances.

use geo::Coord;
use rstar::{RTree, RTreeObject, AABB};

/// WGS84 semi-major axis (m) and first eccentricity squared.
const A: f64 = 6_378_137.0;
const E2: f64 = 0.006_694_379_990_141_317;

/// Metres per degree of latitude and of longitude at latitude `lat` (degrees).
fn metres_per_degree(lat: f64) -> (f64, f64) {
    let phi = lat.to_radians();
    let w = 1.0 - E2 * phi.sin().powi(2);
    let meridian = A * (1.0 - E2) / w.powf(1.5);
    let normal = A / w.sqrt();
    let rad = std::f64::consts::PI / 180.0;
    (meridian * rad, (normal * phi.cos()).max(1.0) * rad)
}

/// A segment stored as its bounding box, worked out once (building the tree
/// compares boxes many times over, and rstar's own line type recomputes its
/// box at every comparison). The segment runs between two opposite corners
/// of the box; which ones is kept in the top two bits of `packed`, beside
/// the index into the segment information, so a segment takes no more
/// memory than a line would.
#[derive(Debug, Clone, Copy)]
struct Segment {
    bbox: AABB<[f64; 2]>,
    packed: usize,
}

const FLIP_X: usize = 1 << (usize::BITS - 1);
const FLIP_Y: usize = 1 << (usize::BITS - 2);

impl Segment {
    fn new(from: [f64; 2], to: [f64; 2], data: usize) -> Self {
        debug_assert!(data & (FLIP_X | FLIP_Y) == 0);
        let mut packed = data;
        if from[0] > to[0] {
            packed |= FLIP_X;
        }
        if from[1] > to[1] {
            packed |= FLIP_Y;
        }
        Segment {
            bbox: AABB::from_corners(from, to),
            packed,
        }
    }

    /// Index into the segment information.
    fn data(&self) -> usize {
        self.packed & !(FLIP_X | FLIP_Y)
    }

    /// The segment's first and last points.
    fn ends(&self) -> ([f64; 2], [f64; 2]) {
        let (lo, hi) = (self.bbox.lower(), self.bbox.upper());
        let (x0, x1) = if self.packed & FLIP_X == 0 {
            (lo[0], hi[0])
        } else {
            (hi[0], lo[0])
        };
        let (y0, y1) = if self.packed & FLIP_Y == 0 {
            (lo[1], hi[1])
        } else {
            (hi[1], lo[1])
        };
        ([x0, y0], [x1, y1])
    }
}

impl RTreeObject for Segment {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.bbox
    }
}

/// What a segment came from.
#[derive(Debug, Clone, Copy)]
pub struct SegmentInfo {
    /// Which line or river.
    pub tag: usize,
    /// The segment's first point is the first point of its line.
    pub starts_line: bool,
    /// The segment's last point is the last point of its line.
    pub ends_line: bool,
}

/// The nearest segment to a point.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    /// Distance, metres.
    pub distance_m: f64,
    /// The segment's origin.
    pub info: SegmentInfo,
    /// The segment's direction in the local plane around the point (metres
    /// east, metres north).
    pub direction: (f64, f64),
    /// The nearest point is a line's first or last point.
    pub at_line_end: bool,
}

/// Segments, each with a tag (which line or river it came from).
pub struct SegmentIndex {
    tree: RTree<Segment>,
    info: Vec<SegmentInfo>,
}

impl SegmentIndex {
    /// Untagged segments.
    pub fn new(segments: impl Iterator<Item = (Coord<f64>, Coord<f64>)>) -> Self {
        let mut info = Vec::new();
        let items = segments
            .map(|(p, q)| {
                info.push(SegmentInfo {
                    tag: 0,
                    starts_line: false,
                    ends_line: false,
                });
                Segment::new([p.x, p.y], [q.x, q.y], info.len() - 1)
            })
            .collect();
        SegmentIndex {
            tree: RTree::bulk_load(items),
            info,
        }
    }

    /// The segments of tagged lines.
    pub fn lines<'a>(lines: impl Iterator<Item = (usize, &'a [Coord<f64>])>) -> Self {
        let mut info = Vec::new();
        let mut items = Vec::new();
        for (tag, coords) in lines {
            let last = coords.len().saturating_sub(2);
            for (k, w) in coords.windows(2).enumerate() {
                if w[0] == w[1] {
                    continue;
                }
                info.push(SegmentInfo {
                    tag,
                    starts_line: k == 0,
                    ends_line: k == last,
                });
                items.push(Segment::new(
                    [w[0].x, w[0].y],
                    [w[1].x, w[1].y],
                    info.len() - 1,
                ));
            }
        }
        SegmentIndex {
            tree: RTree::bulk_load(items),
            info,
        }
    }

    /// Whether the two sets' bounding boxes come within about `max_m`.
    pub fn near(&self, other: &SegmentIndex, max_m: f64) -> bool {
        if self.tree.size() == 0 || other.tree.size() == 0 {
            return false;
        }
        let a = self.tree.root().envelope();
        let b = other.tree.root().envelope();
        // Pad generously: a degree is never less than ~1 km of longitude
        // outside the polar caps, so max_m / 1 km degrees covers max_m.
        let pad = max_m / 1000.0 + 1e-9;
        a.lower()[0] - pad <= b.upper()[0]
            && b.lower()[0] - pad <= a.upper()[0]
            && a.lower()[1] - pad <= b.upper()[1]
            && b.lower()[1] - pad <= a.upper()[1]
    }

    /// Distance in metres from `c` to the nearest segment, if within `max_m`.
    pub fn distance_m(&self, c: Coord<f64>, max_m: f64) -> Option<f64> {
        self.nearest(c, max_m).map(|h| h.distance_m)
    }

    /// The nearest segment within `max_m` metres of `c` (on a tie, the one
    /// with the smaller tag, then the one indexed first).
    pub fn nearest(&self, c: Coord<f64>, max_m: f64) -> Option<Hit> {
        let (my, mx) = metres_per_degree(c.y);
        let (dy, dx) = (max_m / my, max_m / mx);
        let envelope = AABB::from_corners([c.x - dx, c.y - dy], [c.x + dx, c.y + dy]);
        let mut best: Option<(f64, usize, usize, Hit)> = None;
        for seg in self.tree.locate_in_envelope_intersecting(&envelope) {
            let (from, to) = seg.ends();
            // Local plane centred on c, in metres.
            let p = ((from[0] - c.x) * mx, (from[1] - c.y) * my);
            let q = ((to[0] - c.x) * mx, (to[1] - c.y) * my);
            let (d, t) = point_segment_distance(p, q);
            if d > max_m {
                continue;
            }
            let info = self.info[seg.data()];
            let key = (d, info.tag, seg.data());
            if best.is_some_and(|(bd, bt, bi, _)| (bd, bt, bi) <= key) {
                continue;
            }
            let hit = Hit {
                distance_m: d,
                info,
                direction: (q.0 - p.0, q.1 - p.1),
                at_line_end: (t == 0.0 && info.starts_line) || (t == 1.0 && info.ends_line),
            };
            best = Some((d, info.tag, seg.data(), hit));
        }
        best.map(|b| b.3)
    }
}

/// Metres east and north from `a` to `b`, on the local plane at their mean
/// latitude.
pub fn local_vector(a: Coord<f64>, b: Coord<f64>) -> (f64, f64) {
    let (my, mx) = metres_per_degree((a.y + b.y) / 2.0);
    ((b.x - a.x) * mx, (b.y - a.y) * my)
}

/// Distance from the origin to segment pq in the plane, and the position
/// (0 at p, 1 at q) of the nearest point.
fn point_segment_distance(p: (f64, f64), q: (f64, f64)) -> (f64, f64) {
    let (ux, uy) = (q.0 - p.0, q.1 - p.1);
    let len2 = ux * ux + uy * uy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (-(p.0 * ux + p.1 * uy) / len2).clamp(0.0, 1.0)
    };
    let (x, y) = (p.0 + t * ux, p.1 + t * uy);
    ((x * x + y * y).sqrt(), t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metres_per_degree_matches_wgs84() {
        // The standard series for WGS84 (e.g. Wikipedia, "Latitude", length
        // of a degree) at 45°: 111,131.78 m per degree of latitude and
        // 78,846.8 m per degree of longitude.
        let (lat, lon) = metres_per_degree(45.0);
        assert!((lat - 111_131.78).abs() < 0.1, "{lat}");
        assert!((lon - 78_846.8).abs() < 1.0, "{lon}");
    }

    #[test]
    fn distance_to_a_meridian_segment() {
        let idx = SegmentIndex::new(std::iter::once((
            Coord { x: 121.0, y: 50.0 },
            Coord { x: 121.0, y: 51.0 },
        )));
        // 0.01° of longitude at 50.5°N ≈ 709 m.
        let d = idx
            .distance_m(Coord { x: 121.01, y: 50.5 }, 1000.0)
            .unwrap();
        assert!((d - 709.5).abs() < 1.0, "{d}");
        assert!(idx
            .distance_m(Coord { x: 121.01, y: 50.5 }, 500.0)
            .is_none());
        // Beyond the end: distance to the end point.
        let d = idx
            .distance_m(
                Coord {
                    x: 121.0,
                    y: 51.005,
                },
                1000.0,
            )
            .unwrap();
        assert!((d - 556.0).abs() < 2.0, "{d}");
    }

    #[test]
    fn nearest_tag_prefers_the_closer_line() {
        let a = [Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 1.0 }];
        let b = [Coord { x: 0.02, y: 0.0 }, Coord { x: 0.02, y: 1.0 }];
        let idx = SegmentIndex::lines([(7, &a[..]), (3, &b[..])].into_iter());
        let tag = |x: f64, y: f64| idx.nearest(Coord { x, y }, 5000.0).map(|h| h.info.tag);
        assert_eq!(tag(0.005, 0.5), Some(7));
        assert_eq!(tag(0.015, 0.5), Some(3));
        assert_eq!(tag(0.5, 0.5), None);
        let beyond = idx.nearest(Coord { x: 0.0, y: 1.01 }, 5000.0).unwrap();
        assert!(beyond.at_line_end);
        assert!(
            !idx.nearest(Coord { x: 0.001, y: 0.5 }, 5000.0)
                .unwrap()
                .at_line_end
        );
    }

    #[test]
    fn segment_keeps_its_direction() {
        for (from, to) in [
            ([1.0, 2.0], [3.0, 5.0]),
            ([3.0, 2.0], [1.0, 5.0]),
            ([1.0, 5.0], [3.0, 2.0]),
            ([3.0, 5.0], [1.0, 2.0]),
            ([1.0, 2.0], [1.0, 5.0]),
        ] {
            let s = Segment::new(from, to, 12345);
            assert_eq!(s.ends(), (from, to));
            assert_eq!(s.data(), 12345);
        }
    }
}
