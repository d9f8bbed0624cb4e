//! A spatial index of line segments in longitude/latitude, answering
//! "how far, in metres, is the nearest segment" for short distances.
//!
//! Reference path: a full scan of every segment with the exact distance.
//! Fast path: the grid, with an early rejection by a bound on the distance.
//! Held equal by `grid_finds_what_a_full_scan_finds` and
//! `early_rejection_keeps_what_the_exact_test_keeps`. Whether a point is
//! within reach at all ([`SegmentIndex::within`], `mid_within`) is first
//! looked up as a vertex or edge of the index in the point's own cell;
//! held equal to `nearest` by `within_is_what_nearest_finds`.

use geo::Coord;

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

/// The segments of borrowed lines (or rings), each with a tag, on a uniform
/// grid of cells in longitude/latitude: every cell lists the segments that
/// pass through it.
///
/// A segment is kept as its line and position (8 bytes) and listed in one
/// or a few cells (4 bytes each), so the index of a holder's outline takes a
/// fraction of the memory of the outline itself, and is built in two linear
/// passes (count, then fill).
pub struct SegmentIndex<'a> {
    lines: Vec<&'a [Coord<f64>]>,
    tags: Vec<usize>,
    /// Whether the lines are open, so that their first and last points are
    /// line ends (rivers), or rings.
    open: bool,
    /// (line, position of the segment's first point), zero-length segments
    /// left out.
    segments: Vec<(u32, u32)>,
    /// Bounds of every segment: min x, min y, max x, max y.
    bounds: [f64; 4],
    /// The fewest metres to a degree of longitude within a degree of
    /// latitude of `bounds`, for rejecting far points before the exact
    /// scale at each point is worked out (see [`SegmentIndex::nearest`]).
    min_m_per_deg_lon: f64,
    cells: Cells,
}

/// No degree of latitude is shorter than this (metres; 110,574 m at the
/// equator on WGS84).
const MIN_M_PER_DEG_LAT: f64 = 110_000.0;

/// The grid: `start[c]..start[c + 1]` are the positions in `items` of the
/// segments passing through cell `c` (row-major, `nx` cells to a row).
struct Cells {
    size: f64,
    nx: usize,
    ny: usize,
    start: Vec<u32>,
    items: Vec<u32>,
}

/// A segment whose bounding box spans more cells than this is listed only
/// in the cells along it (see [`SegmentIndex::cells_of`]).
const BOX_CELLS: usize = 16;

impl<'a> SegmentIndex<'a> {
    /// The edges of rings (untagged).
    pub fn rings(rings: impl Iterator<Item = &'a [Coord<f64>]>) -> Self {
        Self::build(rings.map(|r| (0, r)), false)
    }

    /// The segments of tagged lines.
    pub fn lines(lines: impl Iterator<Item = (usize, &'a [Coord<f64>])>) -> Self {
        Self::build(lines, true)
    }

    fn build(lines: impl Iterator<Item = (usize, &'a [Coord<f64>])>, open: bool) -> Self {
        let mut index = SegmentIndex {
            lines: Vec::new(),
            tags: Vec::new(),
            open,
            segments: Vec::new(),
            bounds: NO_BOX,
            min_m_per_deg_lon: 0.0,
            cells: Cells {
                size: 1.0,
                nx: 0,
                ny: 0,
                start: vec![0],
                items: Vec::new(),
            },
        };
        let too_many = "more than 2^32 segments in one boundary index";
        let mut extent = 0.0;
        for (tag, coords) in lines {
            let line = u32::try_from(index.lines.len()).expect(too_many);
            for (k, w) in coords.windows(2).enumerate() {
                if w[0] == w[1] {
                    continue;
                }
                for c in w {
                    widen(&mut index.bounds, c);
                }
                extent += (w[1].x - w[0].x).abs().max((w[1].y - w[0].y).abs());
                let k = u32::try_from(k).expect(too_many);
                index.segments.push((line, k));
            }
            index.lines.push(coords);
            index.tags.push(tag);
        }
        let n = index.segments.len();
        if n == 0 {
            return index;
        }
        // Cells a few times the mean segment, so a cell on a line lists a
        // handful of segments and a short segment lies in one or two cells;
        // no more cells than about twice the segments.
        let [x0, y0, x1, y1] = index.bounds;
        // A parallel shortens away from the equator: the shortest degree of
        // longitude is at the latitude furthest from it. A little is taken
        // off for rounding, so that the early rejection never rejects a
        // point that the exact test would keep.
        let furthest = (y0.abs().max(y1.abs()) + 1.0).min(90.0);
        index.min_m_per_deg_lon = metres_per_degree(furthest).1 * (1.0 - 1e-9);
        let (width, height) = (x1 - x0, y1 - y0);
        let mut size = (4.0 * extent / n as f64)
            .max((width * height / n as f64).sqrt() / 4.0)
            .max(1e-9);
        while (width / size + 1.0) * (height / size + 1.0) > (2 * n + 64) as f64 {
            size *= 1.5;
        }
        let (nx, ny) = ((width / size) as usize + 1, (height / size) as usize + 1);
        index.cells.size = size;
        (index.cells.nx, index.cells.ny) = (nx, ny);
        // Each segment's cells are worked out once, kept as (cell,
        // segment) in segment order, then counted and placed: every cell
        // lists its segments in the order they were indexed.
        u32::try_from(nx * ny).expect(too_many);
        let mut count = vec![0u32; nx * ny + 1];
        let mut scratch = Vec::new();
        let mut listed: Vec<(u32, u32)> = Vec::with_capacity(n + n / 2);
        // Most segments lie in one cell: listed here without a call to
        // `cells_of`, which gives that one cell for them too (its box).
        let mut s = 0;
        for coords in &index.lines {
            for w in coords.windows(2) {
                let (p, q) = (w[0], w[1]);
                if p == q {
                    continue;
                }
                let (cx0, cy0) = index.cell(p.x.min(q.x), p.y.min(q.y));
                let (cx1, cy1) = index.cell(p.x.max(q.x), p.y.max(q.y));
                if cx0 == cx1 && cy0 == cy1 {
                    let c = cy0 * nx + cx0;
                    count[c + 1] += 1;
                    listed.push((c as u32, s as u32));
                } else {
                    index.cells_of(s, &mut scratch);
                    for &c in &scratch {
                        count[c + 1] += 1;
                        listed.push((c as u32, s as u32));
                    }
                }
                s += 1;
            }
        }
        debug_assert_eq!(s, n);
        for c in 1..count.len() {
            count[c] = count[c].checked_add(count[c - 1]).expect(too_many);
        }
        let mut next = count.clone();
        let mut items = vec![0u32; count[nx * ny] as usize];
        for (c, s) in listed {
            items[next[c as usize] as usize] = s;
            next[c as usize] += 1;
        }
        index.cells.start = count;
        index.cells.items = items;
        index
    }

    /// The segment's first and last points.
    fn ends(&self, s: usize) -> (Coord<f64>, Coord<f64>) {
        let (line, k) = self.segments[s];
        let coords = self.lines[line as usize];
        (coords[k as usize], coords[k as usize + 1])
    }

    fn info(&self, s: usize) -> SegmentInfo {
        let (line, k) = self.segments[s];
        let len = self.lines[line as usize].len();
        SegmentInfo {
            tag: self.tags[line as usize],
            starts_line: self.open && k == 0,
            ends_line: self.open && k as usize + 2 == len,
        }
    }

    /// Cell column and row of a point, clamped to the grid.
    fn cell(&self, x: f64, y: f64) -> (usize, usize) {
        let g = &self.cells;
        let at = |v: f64, lo: f64, n: usize| (((v - lo) / g.size).max(0.0) as usize).min(n - 1);
        (at(x, self.bounds[0], g.nx), at(y, self.bounds[1], g.ny))
    }

    /// The cells segment `s` passes through (into `out`, sorted, without
    /// repeats): those of its bounding box when few, otherwise those around
    /// points along it, spaced at most half a cell apart, with the
    /// neighbouring cells (a point of the segment between two samples is
    /// within a quarter of a cell of one, so in its cell or a neighbour).
    fn cells_of(&self, s: usize, out: &mut Vec<usize>) {
        out.clear();
        let (p, q) = self.ends(s);
        let (cx0, cy0) = self.cell(p.x.min(q.x), p.y.min(q.y));
        let (cx1, cy1) = self.cell(p.x.max(q.x), p.y.max(q.y));
        let nx = self.cells.nx;
        if (cx1 - cx0 + 1) * (cy1 - cy0 + 1) <= BOX_CELLS {
            for cy in cy0..=cy1 {
                out.extend((cx0..=cx1).map(|cx| cy * nx + cx));
            }
            return;
        }
        let span = (q.x - p.x).abs().max((q.y - p.y).abs());
        let steps = (2.0 * span / self.cells.size).ceil() as usize + 1;
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            let (cx, cy) = self.cell(p.x + t * (q.x - p.x), p.y + t * (q.y - p.y));
            for y in cy.saturating_sub(1)..=(cy + 1).min(self.cells.ny - 1) {
                for x in cx.saturating_sub(1)..=(cx + 1).min(nx - 1) {
                    out.push(y * nx + x);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Whether [`SegmentIndex::nearest`] finds nothing within `max_m` of
    /// any point in the box of `points` (or between two of them), as its
    /// first test on the index's box tells; false when that test cannot
    /// tell, or a point has a NaN.
    pub fn beyond_reach(&self, points: &[Coord<f64>], max_m: f64) -> bool {
        if self.segments.is_empty() {
            return true;
        }
        let mut r = NO_BOX;
        for c in points {
            if c.x.is_nan() || c.y.is_nan() {
                return false;
            }
            widen(&mut r, c);
        }
        // As in `nearest`: each point of the box is rejected there.
        let b = &self.bounds;
        let dy_most = max_m / MIN_M_PER_DEG_LAT;
        if r[3] + dy_most < b[1] || r[1] - dy_most > b[3] {
            return true;
        }
        dy_most <= 1.0 && {
            let dx_most = max_m / self.min_m_per_deg_lon;
            r[2] + dx_most < b[0] || r[0] - dx_most > b[2]
        }
    }

    /// Distance in metres from `c` to the nearest segment, if within `max_m`.
    #[cfg(test)]
    pub fn distance_m(&self, c: Coord<f64>, max_m: f64) -> Option<f64> {
        self.nearest(c, max_m).map(|h| h.distance_m)
    }

    /// Whether a segment lies within `max_m` metres of `c`: what
    /// `nearest(c, max_m).is_some()` says (the reference path), held equal
    /// by `within_is_what_nearest_finds`.
    ///
    /// Fast path: a point where two holders' outlines meet is, in data from
    /// one partition, a vertex of both. A segment of `c`'s own cell that
    /// ends at `c` is at distance 0 (its end minus `c` is exactly zero on
    /// the local plane), so `nearest` would find it; that is answered
    /// without the scale at the point (a sine, a cosine and a power) or a
    /// scan of the cells around it. Otherwise `nearest` decides.
    pub fn within(&self, c: Coord<f64>, max_m: f64) -> bool {
        (max_m >= 0.0 && self.in_own_cell(c, |p, q| p == c || q == c))
            || self.nearest(c, max_m).is_some()
    }

    /// Whether a segment lies within `max_m` metres of the midpoint of the
    /// edge from `p` to `q` (as [`SegmentIndex::within`] of that midpoint,
    /// computed as `(p + q) / 2`), the reference path, held equal by
    /// `within_is_what_nearest_finds`.
    ///
    /// Fast path: when the index holds a segment from `p` to `q` (either
    /// way), as two holders' common border does, the midpoint lies on it
    /// up to the rounding of a few operations on the local plane
    /// (nanometres, against `max_m`, at least a metre here), so `nearest`
    /// would find it within `max_m`.
    pub fn mid_within(&self, p: Coord<f64>, q: Coord<f64>, max_m: f64) -> bool {
        let mid = Coord {
            x: (p.x + q.x) / 2.0,
            y: (p.y + q.y) / 2.0,
        };
        (max_m >= 1.0 && self.in_own_cell(mid, |a, b| (a, b) == (p, q) || (a, b) == (q, p)))
            || self.nearest(mid, max_m).is_some()
    }

    /// Whether a segment listed in the cell of `c` (a point within the
    /// index's box) has ends for which `is` holds.
    fn in_own_cell(&self, c: Coord<f64>, is: impl Fn(Coord<f64>, Coord<f64>) -> bool) -> bool {
        let b = &self.bounds;
        // Also false for a NaN, and for an empty index.
        if !(b[0] <= c.x && c.x <= b[2] && b[1] <= c.y && c.y <= b[3]) {
            return false;
        }
        let (cx, cy) = self.cell(c.x, c.y);
        let g = &self.cells;
        let at = cy * g.nx + cx;
        g.items[g.start[at] as usize..g.start[at + 1] as usize]
            .iter()
            .any(|&s| {
                let (p, q) = self.ends(s as usize);
                is(p, q)
            })
    }

    /// The nearest segment within `max_m` metres of `c` (on a tie, the one
    /// with the smaller tag, then the one indexed first).
    pub fn nearest(&self, c: Coord<f64>, max_m: f64) -> Option<Hit> {
        let b = &self.bounds;
        if self.segments.is_empty() {
            return None;
        }
        // Most points asked about (a holder's coast, far from its
        // neighbour) are far outside the box: reject them on bounds for the
        // whole box before working out the scale at the point. Within a
        // degree of latitude of the box, a degree of longitude is at least
        // `min_m_per_deg_lon`.
        let dy_most = max_m / MIN_M_PER_DEG_LAT;
        if c.y + dy_most < b[1] || c.y - dy_most > b[3] {
            return None;
        }
        if dy_most <= 1.0 {
            let dx_most = max_m / self.min_m_per_deg_lon;
            if c.x + dx_most < b[0] || c.x - dx_most > b[2] {
                return None;
            }
            // Within the box, most points asked about are still far from
            // every segment (a holder's coast inside its neighbour's box):
            // the cells within the widest reach, which hold those within
            // the reach at the point, list no segment. Worked out without
            // the scale at the point (a sine, a cosine and a power). A
            // point with a NaN goes on as before (its cells are clamped
            // differently).
            let (cx0, cy0) = self.cell(c.x - dx_most, c.y - dy_most);
            let (cx1, cy1) = self.cell(c.x + dx_most, c.y + dy_most);
            let g = &self.cells;
            let empty =
                (cy0..=cy1).all(|cy| g.start[cy * g.nx + cx0] == g.start[cy * g.nx + cx1 + 1]);
            if empty && !c.x.is_nan() && !c.y.is_nan() {
                return None;
            }
        }
        let (my, mx) = metres_per_degree(c.y);
        let (dy, dx) = (max_m / my, max_m / mx);
        if c.x + dx < b[0] || c.x - dx > b[2] || c.y + dy < b[1] || c.y - dy > b[3] {
            return None;
        }
        let (cx0, cy0) = self.cell(c.x - dx, c.y - dy);
        let (cx1, cy1) = self.cell(c.x + dx, c.y + dy);
        let g = &self.cells;
        let mut best: Option<(f64, usize, usize, Hit)> = None;
        for cy in cy0..=cy1 {
            let row = cy * g.nx;
            let listed = g.start[row + cx0] as usize..g.start[row + cx1 + 1] as usize;
            for &s in &g.items[listed] {
                let s = s as usize;
                let (from, to) = self.ends(s);
                // Local plane centred on c, in metres.
                let p = ((from.x - c.x) * mx, (from.y - c.y) * my);
                let q = ((to.x - c.x) * mx, (to.y - c.y) * my);
                let (d, t) = point_segment_distance(p, q);
                if d > max_m {
                    continue;
                }
                let info = self.info(s);
                let key = (d, info.tag, s);
                if best.is_some_and(|(bd, bt, bi, _)| (bd, bt, bi) <= key) {
                    continue;
                }
                let hit = Hit {
                    distance_m: d,
                    info,
                    direction: (q.0 - p.0, q.1 - p.1),
                    at_line_end: (t == 0.0 && info.starts_line) || (t == 1.0 && info.ends_line),
                };
                best = Some((d, info.tag, s, hit));
            }
        }
        best.map(|b| b.3)
    }
}

/// A box (min x, min y, max x, max y) holding nothing yet.
const NO_BOX: [f64; 4] = [
    f64::INFINITY,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NEG_INFINITY,
];

/// `b` grown to hold `c`.
fn widen(b: &mut [f64; 4], c: &Coord<f64>) {
    (b[0], b[1]) = (b[0].min(c.x), b[1].min(c.y));
    (b[2], b[3]) = (b[2].max(c.x), b[3].max(c.y));
}

/// The bounding box (min x, min y, max x, max y) of the segments of
/// `lines` that [`SegmentIndex`] would index (zero-length ones left out),
/// if there are any: the box an index of them would have, without
/// building it.
///
/// Fast path: the box of every point of each line that has two different
/// points. Each such point ends a segment of non-zero length (a run of
/// repeated points ends beside a different one), so the points are those
/// of the segments, each looked at once rather than once per segment: a
/// run asks for the boxes of every holder of every snapshot it traces
/// (about 830,000 points a snapshot in the bundled data). Reference path:
/// [`segment_bounds_of_each_segment`]; held equal (up to the sign of a
/// zero bound, which no comparison sees) by
/// `segment_bounds_are_those_of_the_segments`.
pub fn segment_bounds<'a>(lines: impl Iterator<Item = &'a [Coord<f64>]>) -> Option<[f64; 4]> {
    let mut b = NO_BOX;
    let mut any = false;
    for line in lines {
        let Some(first) = line.first() else { continue };
        if line.iter().all(|c| c == first) {
            continue;
        }
        any = true;
        for c in line {
            widen(&mut b, c);
        }
    }
    any.then_some(b)
}

/// [`segment_bounds`] segment by segment (the reference path).
#[cfg(test)]
fn segment_bounds_of_each_segment<'a>(
    lines: impl Iterator<Item = &'a [Coord<f64>]>,
) -> Option<[f64; 4]> {
    let mut b = NO_BOX;
    let mut any = false;
    for w in lines.flat_map(|l| l.windows(2)).filter(|w| w[0] != w[1]) {
        any = true;
        for c in w {
            widen(&mut b, c);
        }
    }
    any.then_some(b)
}

/// Whether two boxes (as [`segment_bounds`] gives them) come within about
/// `max_m` metres of each other.
pub fn near(a: &[f64; 4], b: &[f64; 4], max_m: f64) -> bool {
    // Pad generously: a degree is never less than ~1 km of longitude
    // outside the polar caps, so max_m / 1 km degrees covers max_m.
    let pad = max_m / 1000.0 + 1e-9;
    a[0] - pad <= b[2] && b[0] - pad <= a[2] && a[1] - pad <= b[3] && b[1] - pad <= a[3]
}

/// Whether no point in a box of `a` comes within `max_m` metres of a
/// segment in a box of `b` (boxes as [`segment_bounds`] gives them), as
/// [`SegmentIndex::nearest`] measures it: [`near`] with the margin the
/// boxes' latitudes allow instead of one for every latitude (about 150 m
/// rather than 0.1° for 100 m at 55° N), so islands a few kilometres off a
/// coast are apart from it. Only the boxes of `b` near all of `a` are
/// compared with each of `a`.
pub fn apart(a: &[[f64; 4]], b: &[[f64; 4]], max_m: f64) -> bool {
    let hull = |boxes: &[[f64; 4]]| {
        boxes.iter().fold(NO_BOX, |h, x| {
            [
                h[0].min(x[0]),
                h[1].min(x[1]),
                h[2].max(x[2]),
                h[3].max(x[3]),
            ]
        })
    };
    if a.is_empty() || b.is_empty() {
        return true;
    }
    let (ha, hb) = (hull(a), hull(b));
    let dy = max_m / MIN_M_PER_DEG_LAT;
    // A degree of longitude is shortest where the boxes reach furthest
    // from the equator.
    let lat = [ha[1], ha[3], hb[1], hb[3]]
        .iter()
        .fold(0.0_f64, |m, y| m.max(y.abs()))
        + dy;
    let (dx, dy) = if lat >= 89.0 || dy > 1.0 {
        // Near a pole: the margin `near` takes everywhere.
        let pad = max_m / 1000.0 + 1e-9;
        (pad, pad)
    } else {
        (max_m / metres_per_degree(lat).1 + 1e-9, dy + 1e-9)
    };
    let meet = |x: &[f64; 4], y: &[f64; 4]| {
        x[0] - dx <= y[2] && y[0] - dx <= x[2] && x[1] - dy <= y[3] && y[1] - dy <= x[3]
    };
    let near_a: Vec<&[f64; 4]> = b.iter().filter(|y| meet(&ha, y)).collect();
    a.iter().all(|x| !near_a.iter().any(|y| meet(x, y)))
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

    /// The early rejection on the index's box keeps every point the exact
    /// test keeps: points all round a segment, out to beyond the search
    /// distance, near the pole (where a degree of longitude is shortest at
    /// the box's far side) and at the equator, against the distance worked
    /// out directly.
    #[test]
    fn early_rejection_keeps_what_the_exact_test_keeps() {
        // The first runs from 70°N to 85°N: a degree of longitude at its
        // northern end is a quarter of one at its southern end.
        for (x, y, dy) in [(10.0, 70.0, 15.0), (-60.0, -0.2, 0.2), (170.0, 45.0, 0.2)] {
            let line = [
                Coord { x, y },
                Coord {
                    x: x + 0.3,
                    y: y + dy,
                },
            ];
            let idx = SegmentIndex::lines(std::iter::once((0, &line[..])));
            for max_m in [100.0, 5_000.0] {
                let mut found = 0;
                for i in -60..=60 {
                    for j in -60..=60 {
                        // Out to about 3 × max_m around the segment's box.
                        let c = Coord {
                            x: x + 0.15 + f64::from(i) * (0.15 + 3.0 * max_m / 19_000.0) / 60.0,
                            y: y + dy / 2.0
                                + f64::from(j) * (dy / 2.0 + 3.0 * max_m / 110_000.0) / 60.0,
                        };
                        let (my, mx) = metres_per_degree(c.y);
                        let p = ((line[0].x - c.x) * mx, (line[0].y - c.y) * my);
                        let q = ((line[1].x - c.x) * mx, (line[1].y - c.y) * my);
                        let d = point_segment_distance(p, q).0;
                        let got = idx.distance_m(c, max_m);
                        assert_eq!(got, (d <= max_m).then_some(d), "{c:?} {max_m}");
                        found += usize::from(got.is_some());
                    }
                }
                assert!(found > 100, "{found} points within {max_m} m");
            }
        }
    }

    #[test]
    fn distance_to_a_meridian_segment() {
        let line = [Coord { x: 121.0, y: 50.0 }, Coord { x: 121.0, y: 51.0 }];
        let idx = SegmentIndex::rings(std::iter::once(&line[..]));
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

    /// Boxes from every point of the lines with two different points are
    /// the boxes of their segments: lines of repeated points (whole, at
    /// either end, in the middle), single points, empty lines, NaN.
    #[test]
    fn segment_bounds_are_those_of_the_segments() {
        let c = |x: f64, y: f64| Coord { x, y };
        let mut uniform = crate::support::testing::Uniform::new(0x9e37_79b9_7f4a_7c15);
        // A whole number below `n`.
        let mut next = |n: u64| uniform.next(n as f64) as u64;
        let mut cases: Vec<Vec<Vec<Coord<f64>>>> = vec![
            vec![],
            vec![vec![]],
            vec![vec![c(1.0, 2.0)]],
            vec![vec![c(1.0, 2.0), c(1.0, 2.0), c(1.0, 2.0)]],
            vec![vec![c(5.0, 5.0); 3], vec![c(1.0, 2.0), c(3.0, 1.0)]],
            vec![vec![c(-1.0, 2.0), c(-1.0, 2.0), c(3.0, -4.0), c(3.0, -4.0)]],
            vec![vec![c(f64::NAN, 2.0), c(1.0, 2.0)], vec![c(7.0, 7.0)]],
        ];
        for _ in 0..2_000 {
            let lines = (0..next(4))
                .map(|_| {
                    (0..next(7))
                        .map(|_| {
                            // Few distinct values, so that points repeat.
                            c(next(5) as f64 - 2.0, next(3) as f64 * 0.5)
                        })
                        .collect()
                })
                .collect();
            cases.push(lines);
        }
        for lines in &cases {
            let fast = segment_bounds(lines.iter().map(|l| &l[..]));
            let reference = segment_bounds_of_each_segment(lines.iter().map(|l| &l[..]));
            assert_eq!(fast, reference, "{lines:?}");
        }
    }

    /// A ring `beyond_reach` of an index has no point, nor midpoint of an
    /// edge, that `nearest` finds a segment near; and rings just within
    /// the margin are not left out.
    #[test]
    fn rings_beyond_reach_find_nothing() {
        let mut uniform = crate::support::testing::Uniform::new(0x2545_f491_4f6c_dd1d);
        let mut next = || uniform.next(1.0);
        let border: Vec<Coord<f64>> = (0..200)
            .map(|k| Coord {
                x: 120.0 + k as f64 * 0.01,
                y: 50.0 + 0.3 * (k as f64 * 0.1).sin(),
            })
            .collect();
        let index = SegmentIndex::rings(std::iter::once(&border[..]));
        let (mut beyond, mut within) = (0, 0);
        for _ in 0..3_000 {
            let at = Coord {
                x: 119.9 + 2.2 * next(),
                y: 49.6 + 0.8 * next(),
            };
            let ring: Vec<Coord<f64>> = (0..6)
                .map(|_| Coord {
                    x: at.x + 0.002 * next(),
                    y: at.y + 0.002 * next(),
                })
                .collect();
            let max_m = [100.0, 5_000.0][usize::from(next() < 0.5)];
            if !index.beyond_reach(&ring, max_m) {
                within += 1;
                continue;
            }
            beyond += 1;
            for w in ring.windows(2) {
                let mid = Coord {
                    x: (w[0].x + w[1].x) / 2.0,
                    y: (w[0].y + w[1].y) / 2.0,
                };
                for c in [w[0], w[1], mid] {
                    assert!(index.nearest(c, max_m).is_none(), "{c:?} within {max_m} m");
                }
            }
        }
        assert!(
            beyond > 300 && within > 300,
            "{beyond} beyond, {within} within"
        );
        assert!(!index.beyond_reach(
            &[Coord {
                x: f64::NAN,
                y: 0.0
            }],
            100.0
        ));
    }

    /// `within` and `mid_within` answer as `nearest` does: at the vertices
    /// and edge midpoints of rings that share vertices and edges with the
    /// indexed ones (either way round), of rings near them that do not, and
    /// at points scattered around, for short and long segments, repeated
    /// points and a few search distances.
    #[test]
    fn within_is_what_nearest_finds() {
        let mut uniform = crate::support::testing::Uniform::new(0x5851_f42d_4c95_7f2d);
        let mut next = |scale: f64| uniform.next(scale);
        let mut rings: Vec<Vec<Coord<f64>>> = Vec::new();
        for r in 0..30 {
            let (x0, y0) = (120.0 + next(4.0), 45.0 + next(4.0));
            let mut ring: Vec<Coord<f64>> = (0..60)
                .map(|k| {
                    let a = f64::from(k) / 60.0 * std::f64::consts::TAU;
                    let radius = 0.2 + next(0.05);
                    Coord {
                        x: x0 + radius * a.cos(),
                        y: y0 + radius * a.sin(),
                    }
                })
                .collect();
            if r % 7 == 0 {
                let c = ring[5];
                ring.insert(5, c); // a repeated point
            }
            if r % 5 == 0 {
                ring.truncate(8); // long closing edge
            }
            ring.push(ring[0]);
            rings.push(ring);
        }
        let index = SegmentIndex::rings(rings.iter().map(|r| &r[..]));
        let mut probes: Vec<(Coord<f64>, Coord<f64>)> = Vec::new();
        for ring in &rings {
            for w in ring.windows(2) {
                probes.push((w[0], w[1]));
                probes.push((w[1], w[0]));
                // Near the edge, sharing one end or none.
                let off = Coord {
                    x: w[1].x + next(0.002) - 0.001,
                    y: w[1].y + next(0.002) - 0.001,
                };
                probes.push((w[0], off));
                probes.push((off, w[0]));
            }
        }
        for _ in 0..3_000 {
            let a = Coord {
                x: 119.5 + next(5.0),
                y: 44.5 + next(5.0),
            };
            let b = Coord {
                x: a.x + next(0.02) - 0.01,
                y: a.y + next(0.02) - 0.01,
            };
            probes.push((a, b));
        }
        let nan = Coord {
            x: f64::NAN,
            y: 46.0,
        };
        probes.push((nan, rings[1][0]));
        probes.push((rings[1][0], nan));
        let (mut yes, mut fast) = (0, 0);
        for max_m in [1.0, 100.0, 2_000.0] {
            for &(p, q) in &probes {
                let want = index.nearest(p, max_m).is_some();
                assert_eq!(index.within(p, max_m), want, "{p:?} within {max_m} m");
                let mid = Coord {
                    x: (p.x + q.x) / 2.0,
                    y: (p.y + q.y) / 2.0,
                };
                let want_mid = index.nearest(mid, max_m).is_some();
                assert_eq!(
                    index.mid_within(p, q, max_m),
                    want_mid,
                    "midpoint of {p:?}-{q:?} within {max_m} m"
                );
                yes += usize::from(want) + usize::from(want_mid);
                fast += usize::from(index.in_own_cell(p, |a, b| a == p || b == p));
            }
        }
        assert!(
            yes > 10_000 && fast > 5_000,
            "{yes} within, {fast} at a vertex"
        );
    }

    /// The grid finds what a scan of every segment finds, to the segment,
    /// for short and long segments (a long one is listed along its length,
    /// not over its whole bounding box) and points in and around the data.
    #[test]
    fn grid_finds_what_a_full_scan_finds() {
        // A deterministic scatter: short zig-zag lines and a few long ones.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut lines: Vec<Vec<Coord<f64>>> = Vec::new();
        for _ in 0..60 {
            let mut at = Coord {
                x: 120.0 + 5.0 * next(),
                y: 45.0 + 5.0 * next(),
            };
            let mut line = vec![at];
            for _ in 0..40 {
                at.x += 0.02 * (next() - 0.5);
                at.y += 0.02 * (next() - 0.5);
                line.push(at);
            }
            lines.push(line);
        }
        for k in 0..4 {
            let y = 45.0 + k as f64;
            lines.push(vec![
                Coord { x: 119.5, y },
                Coord {
                    x: 125.5,
                    y: y + 1.3,
                },
            ]);
        }
        let index = SegmentIndex::lines(lines.iter().enumerate().map(|(i, l)| (i, &l[..])));
        let scan = |c: Coord<f64>, max_m: f64| {
            let (my, mx) = metres_per_degree(c.y);
            let mut best: Option<(f64, usize)> = None;
            for (tag, line) in lines.iter().enumerate() {
                for w in line.windows(2) {
                    let p = ((w[0].x - c.x) * mx, (w[0].y - c.y) * my);
                    let q = ((w[1].x - c.x) * mx, (w[1].y - c.y) * my);
                    let (d, _) = point_segment_distance(p, q);
                    if d <= max_m && best.is_none_or(|b| (d, tag) < b) {
                        best = Some((d, tag));
                    }
                }
            }
            best
        };
        let mut found = 0;
        for _ in 0..3_000 {
            let c = Coord {
                x: 119.0 + 7.0 * next(),
                y: 44.0 + 7.5 * next(),
            };
            for max_m in [100.0, 2_000.0, 20_000.0] {
                let got = index.nearest(c, max_m).map(|h| (h.distance_m, h.info.tag));
                assert_eq!(got, scan(c, max_m), "at {c:?} within {max_m} m");
                found += usize::from(got.is_some());
            }
        }
        assert!(found > 800, "{found} points near a line");
    }
}
