//! Boundaries between holders within one snapshot, split into stretches that
//! follow named rivers and stretches over land.
//!
//! The boundary between holders A and B is the part of A's outline that lies
//! on B's outline: an edge of A's rings whose two ends and midpoint are all
//! within [`SNAP_M`] of B's rings is shared. Runs of shared edges, in ring
//! order, are chained into lines (joining the run that wraps past the ring's
//! start). Holdings from one partition share their vertices exactly; the
//! snap distance absorbs rounding and layers digitised a little apart. Where
//! a line goes out and comes straight back (both sides of a hair-thin slit
//! in an outline, within about 1 m), the excursion is cut out.
//!
//! Each edge of a line is then labelled with the nearest river whose line
//! lies within `river_distance_km` of the edge's midpoint and runs within 60°
//! of the edge's direction or of the boundary's direction around the edge
//! (the chord from `river_distance_km` before its midpoint to as far after
//! it, so a detailed border that meanders about a generalised river still
//! follows it), or land. A river that leaves the border at an angle does
//! not claim the border much beyond the junction. A river does not
//! claim border beyond its own ends. Runs of a
//! river shorter than `min_run_km` become land, and land runs shorter than
//! `min_run_km` between two runs of the same river join that river (a meander
//! bend that wanders a little further away). Distances are measured on a local
//! equirectangular approximation, good to well under 1% at these scales;
//! lengths are geodesic on WGS84.

pub mod alike;
mod index;

use geo::{Coord, LineString, MultiPolygon};

use crate::geometry::geodesy;
use crate::model::{Holding, River, Stretch, StretchKind};
use index::SegmentIndex;

/// Boundary edges of one holder within this distance (metres) of another
/// holder's outline are shared with it.
pub const SNAP_M: f64 = 100.0;

/// Tolerances for boundary extraction and river matching.
#[derive(Debug, Clone, Copy)]
pub struct BoundaryParams {
    /// A boundary point within this distance (km) of a river follows it.
    pub river_distance_km: f64,
    /// River runs shorter than this (km) are counted as land.
    pub min_run_km: f64,
}

/// Every stretch of boundary between every pair of holders in `holdings`,
/// ordered by (state_a, state_b, position along the line).
pub fn stretches(holdings: &[Holding], rivers: &[River], params: &BoundaryParams) -> Vec<Stretch> {
    stretches_with(holdings, &Rivers::new(rivers), params, |_, _, trace| {
        trace()
    })
}

/// The rivers' segments indexed for [`stretches_with`]: the index depends
/// on the rivers only, so a run that traces the boundaries of many
/// snapshots (twelve with the bundled readings) builds it once.
pub struct Rivers<'a>(RiverIndex<'a>);

impl<'a> Rivers<'a> {
    /// The index of `rivers`' segments.
    pub fn new(rivers: &'a [River]) -> Self {
        Rivers(RiverIndex::new(rivers))
    }
}

/// [`stretches`] with the rivers indexed before (see [`Rivers`]), each
/// pair of holders through `pair(a, b, trace)`, which returns `trace()`
/// (the stretches between `a` and `b`) or what an earlier `trace()` of the
/// same two holdings gave: a reading's snapshot shares most pairs of
/// holders with the drawn one, coordinate for coordinate.
pub fn stretches_with(
    holdings: &[Holding],
    rivers: &Rivers,
    params: &BoundaryParams,
    pair: impl Fn(&Holding, &Holding, &mut dyn FnMut() -> Vec<Stretch>) -> Vec<Stretch>,
) -> Vec<Stretch> {
    let mut sorted: Vec<&Holding> = holdings.iter().collect();
    sorted.sort_by(|a, b| a.state.cmp(&b.state));
    let bounds: Vec<Option<[f64; 4]>> = sorted
        .iter()
        .map(|h| index::segment_bounds(outline(h)))
        .collect();
    // A holder's outline is indexed only when another holder's edges are
    // looked up on it (the first holder's never is).
    let outlines: Vec<std::cell::OnceCell<SegmentIndex>> =
        sorted.iter().map(|_| std::cell::OnceCell::new()).collect();
    let river_index = &rivers.0;

    let mut out = Vec::new();
    for (i, a) in sorted.iter().enumerate() {
        for (j, b) in sorted.iter().enumerate().skip(i + 1) {
            let (Some(box_a), Some(box_b)) = (&bounds[i], &bounds[j]) else {
                continue;
            };
            if a.state == b.state || !index::near(box_a, box_b, SNAP_M) {
                continue;
            }
            let mut trace = || {
                let other = outlines[j].get_or_init(|| SegmentIndex::rings(outline(b)));
                let mut found = Vec::new();
                for line in shared_lines(&a.geometry, other) {
                    for (kind, river, part) in label(&line, river_index, params) {
                        let length_km = geodesy::length_km(&part);
                        found.push(Stretch {
                            state_a: a.state.clone(),
                            state_b: b.state.clone(),
                            kind,
                            river,
                            line: part,
                            length_km,
                        });
                    }
                }
                found
            };
            out.extend(pair(a, b, &mut trace));
        }
    }
    out
}

/// The points of every ring of a holding.
fn outline(h: &Holding) -> impl Iterator<Item = &[Coord<f64>]> {
    rings(&h.geometry).map(|r| &r.0[..])
}

/// The points of every ring of one polygon.
fn rings_of(p: &geo::Polygon<f64>) -> impl Iterator<Item = &[Coord<f64>]> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| &r.0[..])
}

/// Exterior and interior rings of every polygon.
fn rings(mp: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

/// The parts of `a`'s rings that lie on `other`, as lines, each oriented to
/// start at its lexicographically smaller end and sorted by that start.
fn shared_lines(a: &MultiPolygon<f64>, other: &SegmentIndex) -> Vec<LineString<f64>> {
    let mut lines = Vec::new();
    for ring in rings(a) {
        // Most of a holder's rings (islands, coasts) are nowhere near its
        // neighbour: left whole, without a look at each point.
        if other.beyond_reach(&ring.0, SNAP_M) {
            continue;
        }
        // Copied only when a point repeats (rarely).
        let coords: std::borrow::Cow<[Coord<f64>]> = if ring.0.windows(2).any(|w| w[0] == w[1]) {
            let mut c = ring.0.clone();
            c.dedup();
            c.into()
        } else {
            ring.0[..].into()
        };
        if coords.len() < 4 {
            continue;
        }
        let n = coords.len() - 1; // closed: last == first

        // Each vertex is looked up once, for both its edges.
        let on_other: Vec<bool> = coords.iter().map(|c| other.within(*c, SNAP_M)).collect();
        let shared: Vec<bool> = (0..n)
            .map(|k| {
                let (p, q) = (coords[k], coords[k + 1]);
                on_other[k] && on_other[k + 1] && other.mid_within(p, q, SNAP_M)
            })
            .collect();
        if shared.iter().all(|s| *s) {
            lines.push(orient_closed(coords.into_owned()));
            continue;
        }
        if !shared.iter().any(|s| *s) {
            continue;
        }
        // Start at an edge that is not shared, so no run wraps past the end.
        let start = shared.iter().position(|s| !s).unwrap_or(0);
        let mut run: Vec<Coord<f64>> = Vec::new();
        for step in 0..n {
            let k = (start + step) % n;
            if shared[k] {
                if run.is_empty() {
                    run.push(coords[k]);
                }
                run.push(coords[k + 1]);
            } else if !run.is_empty() {
                lines.push(orient_open(std::mem::take(&mut run)));
            }
        }
        if !run.is_empty() {
            lines.push(orient_open(run));
        }
    }
    // A run that only went out and back is gone.
    lines.retain(|l| l.0.len() >= 2);
    // Sorted on every point, not only the first and the count, so the
    // order does not depend on the order of the rings (two lines starting
    // at one point with as many points are in the order of their points;
    // see `alike`).
    lines.sort_by(|x, y| {
        cmp_coord(&x.0[0], &y.0[0])
            .then(x.0.len().cmp(&y.0.len()))
            .then_with(|| {
                x.0.iter()
                    .zip(&y.0)
                    .map(|(p, q)| cmp_coord(p, q))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    });
    lines
}

fn cmp_coord(a: &Coord<f64>, b: &Coord<f64>) -> std::cmp::Ordering {
    a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y))
}

/// Points closer than this (degrees, about 1 m) are the same point when
/// looking for a line that doubles back on itself.
const SAME_POINT_DEG: f64 = 1e-5;

/// Removes the parts of a run that go out and come straight back (a ring
/// pinched into a hair-thin slit has both sides of the slit on the
/// neighbour's outline; the slit is not border, twice over).
fn despike(coords: Vec<Coord<f64>>) -> Vec<Coord<f64>> {
    let same = |a: &Coord<f64>, b: &Coord<f64>| {
        (a.x - b.x).abs() < SAME_POINT_DEG && (a.y - b.y).abs() < SAME_POINT_DEG
    };
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(coords.len());
    for c in coords {
        if out.len() >= 2 && same(&c, &out[out.len() - 2]) {
            // c returns to the point before the last: the last was a tip.
            out.pop();
            continue;
        }
        out.push(c);
    }
    out
}

/// An open run, reversed if needed to start at its smaller end.
fn orient_open(coords: Vec<Coord<f64>>) -> LineString<f64> {
    let mut coords = despike(coords);
    if cmp_coord(&coords[coords.len() - 1], &coords[0]).is_lt() {
        coords.reverse();
    }
    LineString::new(coords)
}

/// A whole ring, rotated to start (and end) at its smallest vertex.
fn orient_closed(mut coords: Vec<Coord<f64>>) -> LineString<f64> {
    coords.pop();
    let first = (0..coords.len())
        .min_by(|&i, &j| cmp_coord(&coords[i], &coords[j]))
        .unwrap_or(0);
    coords.rotate_left(first);
    let head = coords[0];
    coords.push(head);
    LineString::new(coords)
}

/// Every river's segments, indexed, with the river each belongs to.
struct RiverIndex<'a> {
    rivers: &'a [River],
    index: SegmentIndex<'a>,
}

impl<'a> RiverIndex<'a> {
    fn new(rivers: &'a [River]) -> Self {
        let lines = rivers
            .iter()
            .enumerate()
            .flat_map(|(r, river)| river.geometry.0.iter().map(move |l| (r, &l.0[..])));
        RiverIndex {
            rivers,
            index: SegmentIndex::lines(lines),
        }
    }

    /// The river that the boundary edge `edge` follows, if any: the nearest
    /// river within `max_m` metres of the edge's midpoint, running within
    /// 60° of the edge's direction or of the boundary's direction around it
    /// (`around`, a chord), and not only past the river's end.
    fn followed(
        &self,
        edge: (Coord<f64>, Coord<f64>),
        around: (Coord<f64>, Coord<f64>),
        max_m: f64,
    ) -> Option<usize> {
        let mid = Coord {
            x: (edge.0.x + edge.1.x) / 2.0,
            y: (edge.0.y + edge.1.y) / 2.0,
        };
        let hit = self.index.nearest(mid, max_m)?;
        if hit.at_line_end && hit.distance_m > SNAP_M {
            return None;
        }
        let (rx, ry) = hit.direction;
        let within_60 = |(p, q): (Coord<f64>, Coord<f64>)| {
            let (ex, ey) = index::local_vector(p, q);
            let norms = (ex * ex + ey * ey).sqrt() * (rx * rx + ry * ry).sqrt();
            norms == 0.0 || (ex * rx + ey * ry).abs() >= 0.5 * norms
        };
        (within_60(edge) || within_60(around)).then_some(hit.info.tag)
    }
}

/// A line's edges grouped into runs by label, after the minimum-run rules.
fn label(
    line: &LineString<f64>,
    rivers: &RiverIndex,
    params: &BoundaryParams,
) -> Vec<(StretchKind, Option<String>, LineString<f64>)> {
    let coords = &line.0;
    let max_m = params.river_distance_km * 1000.0;
    // Edge lengths for the run rules, on the local plane (the stretches'
    // own lengths below are geodesic).
    let lengths: Vec<f64> = coords
        .windows(2)
        .map(|w| {
            let (x, y) = index::local_vector(w[0], w[1]);
            x.hypot(y) / 1000.0
        })
        .collect();
    let mut along = Vec::with_capacity(coords.len());
    along.push(0.0);
    for km in &lengths {
        along.push(along[along.len() - 1] + km);
    }
    // One label per edge: the river it follows, if any. Besides the edge's
    // own direction, the boundary's direction around it (the chord over
    // `river_distance_km` either side) may match the river's, so that
    // meanders within the matching distance (a detailed border along a
    // generalised river) do not break the match.
    let half = params.river_distance_km;
    let edges: Vec<Option<usize>> = coords
        .windows(2)
        .enumerate()
        .map(|(k, w)| {
            let at = along[k] + lengths[k] / 2.0;
            let around = (
                point_at(coords, &along, at - half),
                point_at(coords, &along, at + half),
            );
            rivers.followed((w[0], w[1]), around, max_m)
        })
        .collect();

    // Runs of equal labels: (label, first edge, edge count, km).
    let mut runs: Vec<(Option<usize>, usize, usize, f64)> = Vec::new();
    for (k, (&lab, &km)) in edges.iter().zip(&lengths).enumerate() {
        match runs.last_mut() {
            Some(r) if r.0 == lab => {
                r.2 += 1;
                r.3 += km;
            }
            _ => runs.push((lab, k, 1, km)),
        }
    }
    // Short river runs are land; short land gaps inside one river are river.
    for r in &mut runs {
        if r.0.is_some() && r.3 < params.min_run_km {
            r.0 = None;
        }
    }
    let mut runs = merge(runs);
    for k in 1..runs.len().saturating_sub(1) {
        if runs[k].0.is_none()
            && runs[k].3 < params.min_run_km
            && runs[k - 1].0.is_some()
            && runs[k - 1].0 == runs[k + 1].0
        {
            runs[k].0 = runs[k - 1].0;
        }
    }
    let runs = merge(runs);

    runs.into_iter()
        .map(|(lab, first, count, _)| {
            let part = LineString::new(coords[first..=first + count].to_vec());
            match lab {
                Some(r) => (
                    StretchKind::River,
                    Some(rivers.rivers[r].name.clone()),
                    part,
                ),
                None => (StretchKind::Land, None, part),
            }
        })
        .collect()
}

/// The point `km` along the line (`along`: the distance of each vertex from
/// the start), clamped to the line's ends; straight in longitude/latitude
/// within an edge.
fn point_at(coords: &[Coord<f64>], along: &[f64], km: f64) -> Coord<f64> {
    let last = along.len() - 1;
    if km <= 0.0 {
        return coords[0];
    }
    if km >= along[last] {
        return coords[last];
    }
    // The edge k..k+1 with along[k] <= km < along[k + 1].
    let k = along
        .partition_point(|a| *a <= km)
        .saturating_sub(1)
        .min(last - 1);
    let span = along[k + 1] - along[k];
    let t = if span > 0.0 {
        (km - along[k]) / span
    } else {
        0.0
    };
    Coord {
        x: coords[k].x + t * (coords[k + 1].x - coords[k].x),
        y: coords[k].y + t * (coords[k + 1].y - coords[k].y),
    }
}

/// Joins neighbouring runs with the same label.
fn merge(runs: Vec<(Option<usize>, usize, usize, f64)>) -> Vec<(Option<usize>, usize, usize, f64)> {
    let mut out: Vec<(Option<usize>, usize, usize, f64)> = Vec::with_capacity(runs.len());
    for r in runs {
        match out.last_mut() {
            Some(last) if last.0 == r.0 => {
                last.2 += r.2;
                last.3 += r.3;
            }
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiLineString};

    fn holding(state: &str, poly: geo::Polygon<f64>) -> Holding {
        Holding {
            state: state.to_owned(),
            geometry: geodesy::densify(MultiPolygon::new(vec![poly]), 2000.0),
        }
    }

    fn params() -> BoundaryParams {
        BoundaryParams {
            river_distance_km: 5.0,
            min_run_km: 10.0,
        }
    }

    /// Two 1°×1° squares side by side at 50°N, densified.
    fn neighbours() -> Vec<Holding> {
        let west = polygon![(x: 120.0, y: 50.0), (x: 121.0, y: 50.0), (x: 121.0, y: 51.0), (x: 120.0, y: 51.0), (x: 120.0, y: 50.0)];
        let east = polygon![(x: 121.0, y: 50.0), (x: 122.0, y: 50.0), (x: 122.0, y: 51.0), (x: 121.0, y: 51.0), (x: 121.0, y: 50.0)];
        vec![holding("West", west), holding("East", east)]
    }

    #[test]
    fn shared_edge_between_two_squares() {
        let s = stretches(&neighbours(), &[], &params());
        assert_eq!(s.len(), 1);
        assert_eq!(
            (s[0].state_a.as_str(), s[0].state_b.as_str()),
            ("East", "West")
        );
        assert_eq!(s[0].kind, StretchKind::Land);
        // A meridian degree at 50–51°N is 111.2 km (WGS84).
        assert!((s[0].length_km - 111.25).abs() < 0.1, "{}", s[0].length_km);
        assert!(s[0].line.0.iter().all(|c| (c.x - 121.0).abs() < 1e-9));
        assert_eq!(s[0].line.0[0].y, 50.0);
    }

    /// A border that zig-zags across a straight river, each edge at about
    /// 75° to it (as a detailed border meanders about a generalised river),
    /// follows the river: its direction is taken over 5 km either side.
    #[test]
    fn meandering_border_follows_a_straight_river() {
        let zig: Vec<(f64, f64)> = (0..=500)
            .map(|i| {
                let x = if i % 2 == 1 { 121.012 } else { 121.0 };
                (x, 50.0 + f64::from(i) * 0.002)
            })
            .collect();
        let mut west = vec![(120.0, 50.0)];
        west.extend(zig.iter().copied());
        west.extend([(120.0, 51.0), (120.0, 50.0)]);
        let mut east = vec![(122.0, 50.0), (122.0, 51.0)];
        east.extend(zig.iter().rev().copied());
        east.push((122.0, 50.0));
        let poly = |c: Vec<(f64, f64)>| geo::Polygon::new(LineString::from(c), vec![]);
        let holdings = vec![holding("West", poly(west)), holding("East", poly(east))];
        let river = River {
            name: "Test".to_owned(),
            geometry: MultiLineString::new(vec![LineString::from(vec![
                (121.006, 49.9),
                (121.006, 51.1),
            ])]),
        };
        let s = stretches(&holdings, &[river], &params());
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(
            (s[0].kind, s[0].river.as_deref()),
            (StretchKind::River, Some("Test"))
        );
        // 500 edges of 0.86 km across and 0.22 km along: about 445 km.
        assert!(s[0].length_km > 400.0, "{}", s[0].length_km);
    }

    #[test]
    fn despike_removes_out_and_back() {
        let c = |x: f64, y: f64| Coord { x, y };
        // A hair from (1, 0) out to (1, 1) and back, with a second vertex
        // on the way back a hair's breadth off.
        let run = vec![
            c(0.0, 0.0),
            c(1.0, 0.0),
            c(1.0, 0.5),
            c(1.0, 1.0),
            c(1.0 + 1e-7, 0.5),
            c(1.0, 0.0),
            c(2.0, 0.0),
        ];
        assert_eq!(despike(run), vec![c(0.0, 0.0), c(1.0, 0.0), c(2.0, 0.0)]);
        // A real bend is kept.
        let bend = vec![c(0.0, 0.0), c(1.0, 1.0), c(2.0, 0.0)];
        assert_eq!(despike(bend.clone()), bend);
    }

    #[test]
    fn river_along_part_of_the_border() {
        // A river 1 km east of the border from 50.2°N to 50.7°N.
        let river = River {
            name: "Test".to_owned(),
            geometry: MultiLineString::new(vec![LineString::from(vec![
                (121.014, 50.2),
                (121.014, 50.7),
            ])]),
        };
        let s = stretches(&neighbours(), &[river], &params());
        let kinds: Vec<(StretchKind, Option<&str>)> =
            s.iter().map(|s| (s.kind, s.river.as_deref())).collect();
        assert_eq!(
            kinds,
            vec![
                (StretchKind::Land, None),
                (StretchKind::River, Some("Test")),
                (StretchKind::Land, None)
            ]
        );
        let total: f64 = s.iter().map(|s| s.length_km).sum();
        assert!((total - 111.25).abs() < 0.1);
        // 0.5° of latitude, give or take an edge at each end.
        assert!((s[1].length_km - 55.6).abs() < 5.0, "{}", s[1].length_km);
        // Consecutive stretches meet.
        assert_eq!(s[0].line.0.last(), s[1].line.0.first());
    }

    #[test]
    fn river_that_turns_away_stops_claiming_the_border() {
        // Along the border from 50.2°N to 50.5°N, then due east, away.
        let river = River {
            name: "Bend".to_owned(),
            geometry: MultiLineString::new(vec![LineString::from(vec![
                (121.0, 50.2),
                (121.0, 50.5),
                (121.5, 50.5),
            ])]),
        };
        let s = stretches(&neighbours(), &[river], &params());
        let river: Vec<&Stretch> = s.iter().filter(|s| s.kind == StretchKind::River).collect();
        assert_eq!(river.len(), 1);
        // 0.3° of latitude is 33.4 km; edges are at most 2 km.
        assert!(
            (river[0].length_km - 33.4).abs() < 2.5,
            "{}",
            river[0].length_km
        );
    }

    #[test]
    fn far_or_short_rivers_do_not_count() {
        let far = River {
            name: "Far".to_owned(),
            geometry: MultiLineString::new(vec![LineString::from(vec![
                (121.2, 50.0),
                (121.2, 51.0),
            ])]),
        };
        let short = River {
            name: "Short".to_owned(),
            geometry: MultiLineString::new(vec![LineString::from(vec![
                (121.0, 50.50),
                (121.0, 50.55),
            ])]),
        };
        let s = stretches(&neighbours(), &[far, short], &params());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].kind, StretchKind::Land);
    }

    #[test]
    fn enclave_is_one_closed_stretch() {
        let outer = polygon![
            exterior: [(x: 0.0, y: 0.0), (x: 3.0, y: 0.0), (x: 3.0, y: 3.0), (x: 0.0, y: 3.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 1.0, y: 1.0), (x: 1.0, y: 2.0), (x: 2.0, y: 2.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)]],
        ];
        let inner = polygon![(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 2.0), (x: 1.0, y: 2.0), (x: 1.0, y: 1.0)];
        let h = vec![holding("Outer", outer), holding("Inner", inner)];
        let s = stretches(&h, &[], &params());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].line.0.first(), s[0].line.0.last());
        assert_eq!(s[0].line.0[0], Coord { x: 1.0, y: 1.0 });
        assert!(
            (s[0].length_km - 4.0 * 111.2).abs() < 1.5,
            "{}",
            s[0].length_km
        );
    }

    #[test]
    fn run_across_ring_start_is_one_line() {
        // West's ring starts at (120, 50); East touches West's south-west
        // corner region: the shared edge spans West's ring start.
        let west = polygon![(x: 121.0, y: 50.5), (x: 121.0, y: 51.0), (x: 120.0, y: 51.0), (x: 120.0, y: 50.0), (x: 121.0, y: 50.0), (x: 121.0, y: 50.5)];
        let east = polygon![(x: 121.0, y: 50.0), (x: 122.0, y: 50.0), (x: 122.0, y: 51.0), (x: 121.0, y: 51.0), (x: 121.0, y: 50.0)];
        let h = vec![holding("West", west), holding("East", east)];
        let s = stretches(&h, &[], &params());
        assert_eq!(s.len(), 1, "{s:?}");
        assert!((s[0].length_km - 111.25).abs() < 0.1);
    }

    #[test]
    fn separated_holders_share_nothing() {
        let a = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)];
        let b = polygon![(x: 1.01, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.01, y: 1.0), (x: 1.01, y: 0.0)];
        let s = stretches(&[holding("A", a), holding("B", b)], &[], &params());
        assert!(s.is_empty());
    }
}
