//! Validity of polygon geometry beyond single rings, by the OGC rules GEOS
//! applies: rings that cross or touch themselves, rings that cross each
//! other or share an edge, touches that cut a polygon's interior in two,
//! holes outside their exterior or inside each other, and parts that lie
//! inside another part. Used by `run` (which refuses such features) and
//! `validate` (which lists them); see
//! [`crate::geometry::validity::geometry_problems`].
//!
//! Reference path: an R-tree of edge boxes, which finds every pair of
//! edges whose boxes meet. Fast path: a west-to-east sweep over the boxes
//! of chains of consecutive edges, then the edges of overlapping chains
//! pair by pair; the sweep hands over to the R-tree when it runs over its
//! budget. Held equal by `overlapping_pairs_finds_every_pair`,
//! `chained_pairs_are_the_sweeps` and `sweep_and_tree_agree`.

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{Coord, Line, LineString, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{Envelope, RTree};

/// (west, east, south, north) of an edge.
type Bounds = [f64; 4];

fn bounds(l: &Line<f64>) -> Bounds {
    [
        l.start.x.min(l.end.x),
        l.start.x.max(l.end.x),
        l.start.y.min(l.end.y),
        l.start.y.max(l.end.y),
    ]
}

/// Calls `f(i, j)`, `i < j`, for every pair of the `n` boxes (box `i` is
/// `bounds(i)`) that overlap (touching counts), in no set order; a pair may
/// come twice (when the sweep hands over to the R-tree), so `f` must not
/// mind.
///
/// A sweep from west to east: each box is tested against the boxes whose
/// longitude range it overlaps, which for borders and coastlines are the
/// few edges that cross the same meridian. Those are kept in bands of
/// latitude (about √n / 8 of them, up to 256), each box in the bands it
/// spans, and a box is tested only against the boxes in its own bands: of
/// the hundred or so edges of a large holder on one meridian, a short edge
/// meets the few in its band. A pair in several common bands is reported in
/// the band where their overlap begins, so once. Edges stacked over the
/// same longitudes and latitudes (a line drawn along a meridian) would make
/// that quadratic: past a budget of tests the pairs come from an R-tree
/// joined with itself instead.
fn overlapping_pairs(n: usize, bounds: impl Fn(usize) -> Bounds, mut f: impl FnMut(usize, usize)) {
    let order = west_to_east(n, |i| bounds(i)[0]);
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for i in 0..n {
        let b = bounds(i);
        (low, high) = (low.min(b[2]), high.max(b[3]));
    }
    let bands = if n >= 1024 && high > low {
        ((n as f64).sqrt() / 8.0).clamp(1.0, 256.0) as usize
    } else {
        1
    };
    let height = (high - low) / bands as f64;
    // Monotone in `y`, so a box's bands are those of its south and north
    // sides and all between. (Below `low`, and NaN, go to band 0.)
    let band = |y: f64| (((y - low) / height) as usize).min(bands - 1);
    let mut active: Vec<Vec<(usize, Bounds)>> = vec![Vec::new(); bands];
    let mut budget = 64 * n + 1024;
    for &(_, k) in &order {
        let k = k as usize;
        let here = bounds(k);
        let [west, _, south, north] = here;
        let mut tested = 0;
        let (first, last) = (band(south), band(north));
        for (in_band, list) in active.iter_mut().enumerate().take(last + 1).skip(first) {
            // Drop the boxes that end west of this one; test the others.
            let mut kept = 0;
            for i in 0..list.len() {
                let (a, b) = list[i];
                if b[1] < west {
                    continue;
                }
                list[kept] = (a, b);
                kept += 1;
                if b[2] <= north && south <= b[3] && band(b[2].max(south)) == in_band {
                    f(a.min(k), a.max(k));
                }
            }
            list.truncate(kept);
            list.push((k, here));
            tested += kept + 1;
        }
        budget = budget.saturating_sub(tested);
        if budget == 0 {
            drop(order);
            let tree = RTree::bulk_load(
                (0..n)
                    .map(|i| {
                        let b = bounds(i);
                        GeomWithData::new(Rectangle::from_corners([b[0], b[2]], [b[1], b[3]]), i)
                    })
                    .collect(),
            );
            for (a, b) in tree.intersection_candidates_with_other_tree(&tree) {
                if a.data < b.data {
                    f(a.data, b.data);
                }
            }
            return;
        }
    }
}

/// How many consecutive edges [`overlapping_pairs_chained`] puts in one
/// chain: long enough that the sweep sees a fraction of the boxes, short
/// enough that testing two neighbouring chains edge by edge stays cheap.
const CHAIN: usize = 8;

/// As [`overlapping_pairs`] (the same pairs, `i < j`, each once unless the
/// sweep hands over to the R-tree), for boxes in an order where neighbours
/// lie close together, as a ring's edges do.
///
/// Fast path: the boxes are taken [`CHAIN`] at a time, in index order,
/// and the sweep runs over the chains' boxes; within a chain, and between
/// two chains whose boxes overlap, every pair of edges' boxes is tested.
/// Along a ring a chain overlaps little but itself and its two
/// neighbours, so the sweep sorts and scans an eighth of the boxes.
/// Reference paths: [`overlapping_pairs`] and its R-tree, held equal by
/// `chained_pairs_are_the_sweeps`.
fn overlapping_pairs_chained(
    n: usize,
    bounds: impl Fn(usize) -> Bounds,
    mut f: impl FnMut(usize, usize),
) {
    let overlap =
        |a: &Bounds, b: &Bounds| a[0] <= b[1] && b[0] <= a[1] && a[2] <= b[3] && b[2] <= a[3];
    // The chain's first edge and its edges' boxes.
    let load = |c: usize, out: &mut [Bounds; CHAIN]| -> (usize, usize) {
        let start = c * CHAIN;
        let len = CHAIN.min(n - start);
        for (k, b) in out.iter_mut().take(len).enumerate() {
            *b = bounds(start + k);
        }
        (start, len)
    };
    let chains = n.div_ceil(CHAIN);
    let mut boxes: Vec<Bounds> = Vec::with_capacity(chains);
    let mut own = [[0.0; 4]; CHAIN];
    for c in 0..chains {
        let (start, len) = load(c, &mut own);
        let mut all = [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for (a, i) in own[..len].iter().zip(start..) {
            all = [
                all[0].min(a[0]),
                all[1].max(a[1]),
                all[2].min(a[2]),
                all[3].max(a[3]),
            ];
            for (b, j) in own[..len].iter().zip(start..).skip(i - start + 1) {
                if overlap(a, b) {
                    f(i, j);
                }
            }
        }
        boxes.push(all);
    }
    let (mut first, mut second) = ([[0.0; 4]; CHAIN], [[0.0; 4]; CHAIN]);
    overlapping_pairs(
        chains,
        |c| boxes[c],
        |p, q| {
            let (p_start, p_len) = load(p, &mut first);
            let (q_start, q_len) = load(q, &mut second);
            for (a, i) in first[..p_len].iter().zip(p_start..) {
                if !overlap(a, &boxes[q]) {
                    continue;
                }
                for (b, j) in second[..q_len].iter().zip(q_start..) {
                    if overlap(a, b) {
                        f(i, j);
                    }
                }
            }
        },
    );
}

/// The indices `0..n` ordered by `west(i)` (in `f64::total_cmp`'s order),
/// ties in index order, each with its key.
///
/// A least-significant-digit radix sort, a byte at a time, on the keys' bits
/// mapped to integers of the same order: stable, so ties keep the index
/// order they start in, and a few linear passes where a comparison sort of
/// the million edges of a large snapshot took three times as long. Bytes
/// that every key shares (the high ones, for edges in one region) are
/// skipped.
fn west_to_east(n: usize, west: impl Fn(usize) -> f64) -> Vec<(f64, u32)> {
    // `total_cmp`'s own mapping: negative values have all their bits
    // flipped, others only the sign bit, so unsigned order is total order.
    let ordered = |x: f64| {
        let bits = x.to_bits();
        if bits >> 63 == 1 {
            !bits
        } else {
            bits | 1 << 63
        }
    };
    let mut items: Vec<(u64, u32)> = (0..n).map(|i| (ordered(west(i)), i as u32)).collect();
    let mut spare: Vec<(u64, u32)> = vec![(0, 0); n];
    for byte in 0..8 {
        let shift = 8 * byte;
        let mut count = [0usize; 257];
        for &(key, _) in &items {
            count[((key >> shift) & 0xff) as usize + 1] += 1;
        }
        if count.contains(&n) {
            continue; // every key has the same byte here
        }
        for b in 1..257 {
            count[b] += count[b - 1];
        }
        for &item in &items {
            let b = ((item.0 >> shift) & 0xff) as usize;
            spare[count[b]] = item;
            count[b] += 1;
        }
        std::mem::swap(&mut items, &mut spare);
    }
    let key = |ordered: u64| {
        f64::from_bits(if ordered >> 63 == 1 {
            ordered & !(1 << 63)
        } else {
            !ordered
        })
    };
    drop(spare);
    // Collected in place: the pairs are the same size.
    items.into_iter().map(|(k, i)| (key(k), i)).collect()
}

/// Twice the signed planar area of the ring through `points`, closed if it
/// is not: the sum `geo`'s `Area` makes (the determinants of the edges, with
/// every point shifted by the first), without copying the ring.
///
/// Fast path: one plain loop over the points, the closing edge after it.
/// The reference path, `twice_area_reference` (in the tests), chains the
/// closing point onto the points' iterator, and the compiler kept that
/// chain's state on the stack, stored and loaded again at every point. The same terms are
/// added in the same order, so the sum is the same to the last bit
/// (`twice_area_is_the_references`). The writers orient every ring they
/// write with it: the bundled run's GeoPackage job took a quarter less CPU
/// (BENCHMARKS.md, the write stage).
pub fn twice_area(points: &[Coord<f64>]) -> f64 {
    let Some((&first, rest)) = points.split_first() else {
        return 0.0;
    };
    let shift = first;
    let Some((&second, rest)) = rest.split_first() else {
        return 0.0;
    };
    let mut prev = second - shift;
    let mut sum = 0.0;
    for &c in rest {
        let c = c - shift;
        sum += prev.x * c.y - prev.y * c.x;
        prev = c;
    }
    // The closing edge, back to the first point, shifted like the others.
    if points.last() != Some(&first) {
        let c = first - shift;
        sum += prev.x * c.y - prev.y * c.x;
    }
    sum
}

/// Reference path of [`twice_area`]: the points, shifted by the first, as
/// one iterator with the closing point chained on.
#[cfg(test)]
fn twice_area_reference(points: &[Coord<f64>]) -> f64 {
    let Some(&shift) = points.first() else {
        return 0.0;
    };
    let closing = (points.last() != Some(&shift)).then_some(shift);
    let mut shifted = points
        .iter()
        .copied()
        .chain(closing)
        .skip(1)
        .map(|c| c - shift);
    let Some(mut prev) = shifted.next() else {
        return 0.0;
    };
    let mut sum = 0.0;
    for c in shifted {
        sum += prev.x * c.y - prev.y * c.x;
        prev = c;
    }
    sum
}

/// Where the rings of one geometry meet where they should not, found in one
/// sweep over all their edges.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossings {
    /// For each ring, a point where two of its non-adjacent edges meet (of
    /// several, the one on the earliest pair of edges).
    pub within: Vec<Option<Coord<f64>>>,
    /// A point where edges of two different rings properly cross (touching
    /// at a point, or sharing an edge, is not crossing), if any.
    pub between: Option<Coord<f64>>,
    /// A point where two different rings share a stretch of edge (GEOS calls
    /// that a self-intersection of the polygon or multipolygon), if any.
    pub shared: Option<Coord<f64>>,
    /// Every point where two different rings of one polygon (its exterior
    /// and holes, as `polygon_of` groups them) touch: (ring, ring, point),
    /// the first ring the lower, each once.
    pub touches: Vec<(u32, u32, Coord<f64>)>,
}

/// A crossing found so far: the pair of edges and the point.
type Found = Option<((usize, usize), Coord<f64>)>;

/// The [`Crossings`] of `rings` (each closed); `polygon_of[r]` is the
/// polygon ring `r` belongs to (touches are only kept within a polygon).
pub fn crossings(rings: &[&LineString<f64>], polygon_of: &[u32]) -> Crossings {
    // Each edge (zero-length ones left out) as its ring and the position of
    // its first point; each ring's first edge in that list.
    let mut at: Vec<(u32, u32)> = Vec::new();
    let mut first_edge: Vec<usize> = Vec::with_capacity(rings.len() + 1);
    for (r, ring) in rings.iter().enumerate() {
        first_edge.push(at.len());
        at.extend(
            ring.0
                .windows(2)
                .enumerate()
                .filter(|(_, w)| w[0] != w[1])
                .map(|(k, _)| (r as u32, k as u32)),
        );
    }
    first_edge.push(at.len());
    let edge = |i: usize| {
        let (r, k) = at[i];
        let points = &rings[r as usize].0;
        Line::new(points[k as usize], points[k as usize + 1])
    };
    // Ring, position among the ring's edges, and the ring's number of edges.
    let place = |i: usize| {
        let r = at[i].0 as usize;
        (r, i - first_edge[r], first_edge[r + 1] - first_edge[r])
    };
    let mut within: Vec<Found> = vec![None; rings.len()];
    let mut between: Found = None;
    let mut shared: Found = None;
    let mut touches: Vec<(u32, u32, Coord<f64>)> = Vec::new();
    overlapping_pairs_chained(
        at.len(),
        |i| bounds(&edge(i)),
        |i, j| {
            let ((ri, ki, n), (rj, kj, _)) = (place(i), place(j));
            if ri == rj {
                // Neighbours share an end point by construction.
                if kj == ki + 1 || (ki == 0 && kj == n - 1) {
                    return;
                }
                let first = &mut within[ri];
                if first.is_some_and(|(at, _)| at < (i, j)) {
                    return;
                }
                let found = match line_intersection(edge(i), edge(j)) {
                    Some(LineIntersection::SinglePoint { intersection, .. }) => Some(intersection),
                    Some(LineIntersection::Collinear { intersection }) => Some(intersection.start),
                    None => None,
                };
                if let Some(c) = found {
                    *first = Some(((i, j), c));
                }
                return;
            }
            match line_intersection(edge(i), edge(j)) {
                Some(LineIntersection::SinglePoint {
                    intersection,
                    is_proper: true,
                }) if between.is_none_or(|(at, _)| at >= (i, j)) => {
                    between = Some(((i, j), intersection));
                }
                Some(LineIntersection::SinglePoint {
                    is_proper: true, ..
                }) => {}
                Some(LineIntersection::Collinear { intersection })
                    if intersection.start != intersection.end
                        && shared.is_none_or(|(at, _)| at >= (i, j)) =>
                {
                    shared = Some(((i, j), intersection.start));
                }
                Some(LineIntersection::Collinear { intersection })
                    if intersection.start != intersection.end => {}
                Some(LineIntersection::SinglePoint { intersection, .. })
                | Some(LineIntersection::Collinear {
                    intersection:
                        Line {
                            start: intersection,
                            ..
                        },
                }) if polygon_of.get(ri) == polygon_of.get(rj) => {
                    let (a, b) = (ri.min(rj) as u32, ri.max(rj) as u32);
                    touches.push((a, b, intersection));
                }
                _ => {}
            }
        },
    );
    // A touch at a vertex is found on every pair of edges that meet there.
    touches.sort_by(|p, q| {
        (p.0, p.1, p.2.x.to_bits(), p.2.y.to_bits()).cmp(&(
            q.0,
            q.1,
            q.2.x.to_bits(),
            q.2.y.to_bits(),
        ))
    });
    touches.dedup();
    Crossings {
        within: within.into_iter().map(|f| f.map(|(_, c)| c)).collect(),
        between: between.map(|(_, c)| c),
        shared: shared.map(|(_, c)| c),
        touches,
    }
}

/// A point where the touches between the rings of one polygon close a
/// loop, cutting its interior in two (GEOS: "Interior is disconnected"):
/// a hole touching the exterior at two points, or holes touching each other
/// and the exterior in a ring. `touches` as [`Crossings::touches`] gives
/// them; `rings` is the number of rings.
pub fn disconnected_interior(
    rings: usize,
    touches: &[(u32, u32, Coord<f64>)],
) -> Option<Coord<f64>> {
    // Rings are joined at each distinct point where they touch; a point
    // joining two rings already joined through other points closes a loop.
    let mut parent: Vec<u32> = (0..rings as u32).collect();
    fn root(parent: &mut [u32], mut r: u32) -> u32 {
        while parent[r as usize] != r {
            let up = parent[parent[r as usize] as usize];
            parent[r as usize] = up;
            r = up;
        }
        r
    }
    let mut by_point: Vec<(u64, u64, u32, u32)> = touches
        .iter()
        .map(|&(a, b, c)| (c.x.to_bits(), c.y.to_bits(), a, b))
        .collect();
    by_point.sort_unstable();
    let mut k = 0;
    while k < by_point.len() {
        let (x, y) = (by_point[k].0, by_point[k].1);
        let mut at_point: Vec<u32> = Vec::new();
        while k < by_point.len() && (by_point[k].0, by_point[k].1) == (x, y) {
            at_point.push(by_point[k].2);
            at_point.push(by_point[k].3);
            k += 1;
        }
        at_point.sort_unstable();
        at_point.dedup();
        // The rings meeting here become one group; two of them already in
        // one group means a loop.
        let mut roots: Vec<u32> = at_point.iter().map(|&r| root(&mut parent, r)).collect();
        let count = roots.len();
        roots.sort_unstable();
        roots.dedup();
        if roots.len() < count {
            return Some(Coord {
                x: f64::from_bits(x),
                y: f64::from_bits(y),
            });
        }
        for &r in &roots[1..] {
            parent[r as usize] = roots[0];
        }
    }
    None
}

/// What is wrong between the rings of one multipolygon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PartsProblem {
    /// Two rings (of two parts, or a part's exterior and a hole) cross at
    /// this point.
    Cross(Coord<f64>),
    /// Two rings share a stretch of edge starting at this point.
    SharedEdge(Coord<f64>),
    /// A hole lies outside its polygon's exterior; the point is on the hole.
    HoleOutside(Coord<f64>),
    /// A hole lies inside another hole of the same polygon; the point is on
    /// the inner one.
    NestedHoles(Coord<f64>),
    /// A part lies inside another part's exterior, outside its holes (the
    /// land would be counted twice); the point is on the inner part.
    Nested(Coord<f64>),
}

/// Rings of different parts (or of one part) that cross or share an edge,
/// holes outside their exterior or inside each other, and parts that lie
/// inside another, if any: the first found, in a set order, given the
/// crossings between rings (of [`crossings`] over all the rings). Rings that
/// only touch at points are not reported (the land is then counted once).
pub fn parts_problem(geometry: &MultiPolygon<f64>, crossings: &Crossings) -> Option<PartsProblem> {
    if let Some(at) = crossings.between {
        return Some(PartsProblem::Cross(at));
    }
    if let Some(at) = crossings.shared {
        return Some(PartsProblem::SharedEdge(at));
    }
    holes_problem(geometry).or_else(|| nested_part(geometry))
}

/// The points of a ring to decide on which side of another ring it lies:
/// its vertices, then the midpoints of its edges. Rings that neither cross
/// nor share an edge meet in isolated points only, so one of these is off
/// the other ring's line unless the rings are made of their touch points.
fn probes(ring: &LineString<f64>) -> impl Iterator<Item = Coord<f64>> + '_ {
    ring.0.iter().copied().chain(ring.lines().map(|l| Coord {
        x: l.start.x + (l.end.x - l.start.x) / 2.0,
        y: l.start.y + (l.end.y - l.start.y) / 2.0,
    }))
}

/// The box of a ring as an R-tree envelope.
fn envelope(ring: &LineString<f64>) -> Option<rstar::AABB<[f64; 2]>> {
    let b = geo::BoundingRect::bounding_rect(ring)?;
    Some(rstar::AABB::from_corners(
        [b.min().x, b.min().y],
        [b.max().x, b.max().y],
    ))
}

/// An R-tree of the boxes of `rings`, each with its position.
fn box_tree<'a>(
    rings: impl Iterator<Item = &'a LineString<f64>>,
) -> RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> {
    RTree::bulk_load(
        rings
            .enumerate()
            .filter_map(|(k, r)| {
                let e = envelope(r)?;
                Some(GeomWithData::new(
                    Rectangle::from_corners(e.lower(), e.upper()),
                    k,
                ))
            })
            .collect(),
    )
}

/// A hole outside its exterior, or inside another hole of its polygon.
/// The rings are known not to cross or share edges, so each hole is wholly
/// inside or outside each other ring; a point of it off that ring decides.
fn holes_problem(geometry: &MultiPolygon<f64>) -> Option<PartsProblem> {
    for p in &geometry.0 {
        if p.interiors().is_empty() {
            continue;
        }
        let shell = RingIndex::new(p.exterior());
        for h in p.interiors() {
            let side = probes(h)
                .map(|c| (c, shell.side(c)))
                .find(|(_, s)| *s != Side::On);
            if let Some((c, Side::Outside)) = side {
                return Some(PartsProblem::HoleOutside(c));
            }
        }
        if p.interiors().len() < 2 {
            continue;
        }
        let boxes: Vec<_> = p.interiors().iter().map(envelope).collect();
        let tree = box_tree(p.interiors().iter());
        let mut indexes: Vec<Option<RingIndex>> = (0..p.interiors().len()).map(|_| None).collect();
        for (k, h) in p.interiors().iter().enumerate() {
            let Some(inner) = boxes[k] else { continue };
            let mut outers: Vec<usize> = tree
                .locate_in_envelope_intersecting(&inner)
                .map(|o| o.data)
                .filter(|&o| o != k && boxes[o].is_some_and(|e| e.contains_envelope(&inner)))
                .collect();
            outers.sort_unstable();
            for o in outers {
                let index = indexes[o].get_or_insert_with(|| RingIndex::new(&p.interiors()[o]));
                let side = probes(h)
                    .map(|c| (c, index.side(c)))
                    .find(|(_, s)| *s != Side::On);
                if let Some((c, Side::Inside)) = side {
                    return Some(PartsProblem::NestedHoles(c));
                }
            }
        }
    }
    None
}

/// A part inside another part's exterior and outside its holes. The rings
/// are known not to cross or share edges, so each part is wholly inside or
/// outside each other ring; a point of it off the other part's rings (an
/// island touching its lake's shore has vertices on it) decides.
///
/// Near-linear in rings: only parts whose box holds the part's box are
/// tried, and of their holes only those whose box holds the point (an
/// R-tree of each part's holes, built when the part is first tried; each
/// hole's point index built when first needed).
fn nested_part(geometry: &MultiPolygon<f64>) -> Option<PartsProblem> {
    let parts = &geometry.0;
    // Only a part whose box holds another part's box can hold that part.
    let boxes: Vec<_> = parts.iter().map(|p| envelope(p.exterior())).collect();
    let tree = box_tree(parts.iter().map(|p| p.exterior()));
    type HoleTree = RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>;
    let mut exteriors: Vec<Option<RingIndex>> = (0..parts.len()).map(|_| None).collect();
    let mut hole_trees: Vec<Option<HoleTree>> = (0..parts.len()).map(|_| None).collect();
    let mut holes: std::collections::HashMap<(usize, usize), RingIndex> =
        std::collections::HashMap::new();
    for (i, p) in parts.iter().enumerate() {
        let Some(inner) = boxes[i] else {
            continue;
        };
        let mut outers: Vec<usize> = tree
            .locate_in_envelope_intersecting(&inner)
            .map(|o| o.data)
            .filter(|&j| j != i && boxes[j].is_some_and(|e| e.contains_envelope(&inner)))
            .collect();
        outers.sort_unstable();
        for j in outers {
            let q = &parts[j];
            let exterior = exteriors[j].get_or_insert_with(|| RingIndex::new(q.exterior()));
            let hole_tree = hole_trees[j].get_or_insert_with(|| box_tree(q.interiors().iter()));
            for c in probes(p.exterior()) {
                match exterior.side(c) {
                    Side::On => continue,
                    Side::Outside => break,
                    Side::Inside => {}
                }
                let (mut on, mut in_hole) = (false, false);
                for h in hole_tree.locate_all_at_point(&[c.x, c.y]) {
                    let index = holes
                        .entry((j, h.data))
                        .or_insert_with(|| RingIndex::new(&q.interiors()[h.data]));
                    match index.side(c) {
                        Side::On => on = true,
                        Side::Inside => in_hole = true,
                        Side::Outside => {}
                    }
                }
                if on {
                    continue;
                }
                if in_hole {
                    break;
                }
                return Some(PartsProblem::Nested(c));
            }
        }
    }
    None
}

/// Whether `inner` lies inside `outer`, for rings that neither cross nor
/// share an edge: decided by the first point of `inner` off `outer`'s line;
/// `None` when there is none.
pub fn ring_inside(outer: &LineString<f64>, inner: &LineString<f64>) -> Option<bool> {
    let index = RingIndex::new(outer);
    probes(inner)
        .map(|c| index.side(c))
        .find(|s| *s != Side::On)
        .map(|s| s == Side::Inside)
}

/// Where a point lies with respect to a ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Inside,
    Outside,
    On,
}

/// A ring's edges sorted into horizontal bands, for point-in-ring tests in
/// time proportional to the edges of one band.
struct RingIndex {
    edges: Vec<Line<f64>>,
    south: f64,
    band: f64,
    bands: Vec<Vec<u32>>,
}

impl RingIndex {
    fn new(ring: &LineString<f64>) -> RingIndex {
        let edges: Vec<Line<f64>> = ring.lines().filter(|l| l.start != l.end).collect();
        let (mut south, mut north) = (f64::INFINITY, f64::NEG_INFINITY);
        for l in &edges {
            south = south.min(l.start.y.min(l.end.y));
            north = north.max(l.start.y.max(l.end.y));
        }
        // About 64 edges a band on long rings (a country's coast with its
        // lakes is tested at one point per lake), √n on short ones.
        let count = ((edges.len() as f64).sqrt() as usize)
            .max(edges.len() / 64)
            .clamp(1, 1 << 16);
        let band = ((north - south) / count as f64).max(f64::MIN_POSITIVE);
        let mut bands = vec![Vec::new(); count];
        let of = |y: f64| (((y - south) / band) as usize).min(count - 1);
        for (k, l) in edges.iter().enumerate() {
            let (lo, hi) = (l.start.y.min(l.end.y), l.start.y.max(l.end.y));
            for b in &mut bands[of(lo)..=of(hi)] {
                b.push(k as u32);
            }
        }
        RingIndex {
            edges,
            south,
            band,
            bands,
        }
    }

    /// Crossing number of a ray from `p` to the east, with exact
    /// orientation tests; `On` when `p` lies on an edge.
    fn side(&self, p: Coord<f64>) -> Side {
        if self.bands.is_empty() || p.y.is_nan() || p.y < self.south {
            return Side::Outside;
        }
        // A point on the northernmost latitude belongs to the last band
        // (one further north meets no edge there either way).
        let b = (((p.y - self.south) / self.band) as usize).min(self.bands.len() - 1);
        let Some(band) = self.bands.get(b) else {
            return Side::Outside;
        };
        let mut inside = false;
        for &k in band {
            let Line { start: a, end: c } = self.edges[k as usize];
            let o = RobustKernel::orient2d(a, c, p);
            let (lo, hi) = (a.y.min(c.y), a.y.max(c.y));
            if o == Orientation::Collinear
                && lo <= p.y
                && p.y <= hi
                && a.x.min(c.x) <= p.x
                && p.x <= a.x.max(c.x)
            {
                return Side::On;
            }
            // Half-open in y, so a vertex on the ray counts once.
            let upward = a.y <= p.y && p.y < c.y;
            let downward = c.y <= p.y && p.y < a.y;
            if (upward && o == Orientation::CounterClockwise)
                || (downward && o == Orientation::Clockwise)
            {
                inside = !inside;
            }
        }
        if inside {
            Side::Inside
        } else {
            Side::Outside
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every overlapping pair of boxes is found, once unless the sweep
    /// handed over to the R-tree, whatever the boxes: a ring's short edges,
    /// long edges across many bands, boxes touching at a side, and a
    /// degenerate stack that exhausts the budget.
    #[test]
    fn overlapping_pairs_finds_every_pair() {
        let mut uniform = crate::support::testing::Uniform::new(0x9e37_79b9_7f4a_7c15);
        let mut next = |scale: f64| uniform.next(scale);
        for case in 0..4 {
            let mut boxes: Vec<super::Bounds> = Vec::new();
            for i in 0..3000 {
                let (w, s) = (next(20.0), next(10.0));
                let (dw, ds) = match (case, i % 50) {
                    (0, 0) => (next(20.0), next(10.0)), // long edges
                    (1, _) => (0.0, next(10.0)),        // stacked on meridians
                    (2, _) => (0.05, 0.05),             // a grid of touching cells
                    _ => (next(0.05), next(0.05)),
                };
                let (w, s) = if case == 2 {
                    (f64::from(i % 60) * 0.05, f64::from(i / 60) * 0.05)
                } else if case == 1 {
                    (f64::from(i % 3), s)
                } else {
                    (w, s)
                };
                boxes.push([w, w + dw, s, s + ds]);
            }
            let mut want = std::collections::BTreeSet::new();
            for i in 0..boxes.len() {
                for j in i + 1..boxes.len() {
                    let (a, b) = (boxes[i], boxes[j]);
                    if a[0] <= b[1] && b[0] <= a[1] && a[2] <= b[3] && b[2] <= a[3] {
                        want.insert((i, j));
                    }
                }
            }
            let mut got = Vec::new();
            super::overlapping_pairs(boxes.len(), |i| boxes[i], |i, j| got.push((i, j)));
            let unique: std::collections::BTreeSet<(usize, usize)> = got.iter().copied().collect();
            assert_eq!(unique, want, "case {case}");
            if case != 1 {
                assert_eq!(got.len(), want.len(), "case {case}: each pair once");
            }
            // The chains of the fast path find the same pairs. (Boxes
            // scattered in index order make chains as wide as the field, whose
            // sweep may hand over to the R-tree: a pair may come twice.)
            let mut chained = Vec::new();
            super::overlapping_pairs_chained(
                boxes.len(),
                |i| boxes[i],
                |i, j| {
                    assert!(i < j);
                    chained.push((i, j));
                },
            );
            let unique: std::collections::BTreeSet<(usize, usize)> =
                chained.iter().copied().collect();
            assert_eq!(unique, want, "case {case}, chained");
        }
    }

    /// Fast path and reference path: on rings (a comb of touching teeth,
    /// both ways round, and a random walk that crosses itself) the chains
    /// find the pairs of edges the sweep finds, and every count of edges
    /// (a last chain short or full).
    #[test]
    fn chained_pairs_are_the_sweeps() {
        let mut uniform = crate::support::testing::Uniform::new(0x2545_f491_4f6c_dd1d);
        let walk: Vec<Coord<f64>> = (0..5000)
            .scan(Coord { x: 0.0, y: 0.0 }, |at, _| {
                *at = *at
                    + Coord {
                        x: uniform.next(1.0) - 0.5,
                        y: uniform.next(1.0) - 0.5,
                    };
                Some(*at)
            })
            .collect();
        let rings = [comb(300, 10.0, false), comb(300, 10.0, true), walk];
        for points in &rings {
            for n in [0, 1, 7, 8, 9, 17, 1000, points.len() - 1] {
                let edge = |i: usize| {
                    [
                        points[i].x.min(points[i + 1].x),
                        points[i].x.max(points[i + 1].x),
                        points[i].y.min(points[i + 1].y),
                        points[i].y.max(points[i + 1].y),
                    ]
                };
                let (mut sweep, mut chained) = (Vec::new(), Vec::new());
                overlapping_pairs(n, edge, |i, j| sweep.push((i, j)));
                overlapping_pairs_chained(n, edge, |i, j| chained.push((i, j)));
                sweep.sort_unstable();
                sweep.dedup();
                chained.sort_unstable();
                chained.dedup();
                assert_eq!(chained, sweep, "{n} edges");
            }
        }
    }

    /// The radix sort gives the order of a comparison sort by
    /// `total_cmp`, ties by index: negatives, both zeros, infinities, and
    /// keys that share their high bytes.
    #[test]
    fn west_to_east_is_total_order_then_index() {
        let mut keys = vec![
            3.5,
            -0.0,
            0.0,
            -2.25,
            f64::INFINITY,
            f64::NEG_INFINITY,
            3.5,
            120.000_001,
            120.0,
            -120.0,
            1e-300,
            -1e-300,
            0.0,
        ];
        // Many keys sharing all but their low bytes, in a scrambled order.
        keys.extend((0..2000).map(|i| 121.0 + f64::from((i * 7919) % 2000) * 1e-9));
        let got: Vec<u32> = super::west_to_east(keys.len(), |i| keys[i])
            .into_iter()
            .map(|(k, i)| {
                assert_eq!(k.to_bits(), keys[i as usize].to_bits());
                i
            })
            .collect();
        let mut want: Vec<u32> = (0..keys.len() as u32).collect();
        want.sort_by(|&a, &b| {
            keys[a as usize]
                .total_cmp(&keys[b as usize])
                .then(a.cmp(&b))
        });
        assert_eq!(got, want);
    }

    use super::*;
    use geo::polygon;

    fn ring_self_intersection(ring: &LineString<f64>) -> Option<Coord<f64>> {
        crossings(&[ring], &[0]).within[0]
    }

    fn parts_problem_of(geometry: &MultiPolygon<f64>) -> Option<PartsProblem> {
        let rings: Vec<&LineString<f64>> = geometry
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .collect();
        let polygon_of: Vec<u32> = geometry
            .0
            .iter()
            .enumerate()
            .flat_map(|(k, p)| std::iter::repeat_n(k as u32, 1 + p.interiors().len()))
            .collect();
        parts_problem(geometry, &crossings(&rings, &polygon_of))
    }

    /// A comb: `teeth` narrow teeth side by side, each `height` tall, so that
    /// the sweep has every tooth's edges over the same longitudes when the
    /// comb is turned to run north–south (`transpose`).
    fn comb(teeth: usize, height: f64, transpose: bool) -> Vec<Coord<f64>> {
        let mut points = vec![Coord { x: 0.0, y: 0.0 }];
        for t in 0..teeth {
            let x = t as f64;
            points.push(Coord { x: x + 0.1, y: 0.0 });
            points.push(Coord {
                x: x + 0.1,
                y: height,
            });
            points.push(Coord {
                x: x + 0.9,
                y: height,
            });
            points.push(Coord { x: x + 0.9, y: 0.0 });
        }
        points.push(Coord {
            x: teeth as f64,
            y: 0.0,
        });
        points.push(Coord {
            x: teeth as f64,
            y: -1.0,
        });
        points.push(Coord { x: 0.0, y: -1.0 });
        points.push(Coord { x: 0.0, y: 0.0 });
        if transpose {
            for p in &mut points {
                std::mem::swap(&mut p.x, &mut p.y);
            }
        }
        points
    }

    /// The same crossing whether the sweep finishes (teeth across the sweep)
    /// or runs over its budget and hands over to the R-tree (teeth along
    /// it), and nothing on a valid ring either way.
    #[test]
    fn sweep_and_tree_agree() {
        let mut found = Vec::new();
        for transpose in [false, true] {
            let valid = LineString::new(comb(400, 10.0, transpose));
            assert_eq!(ring_self_intersection(&valid), None);
            // Stretch one tooth's tip across its neighbour.
            let mut points = comb(400, 10.0, transpose);
            let tip = 4 * 200 + 3;
            if transpose {
                points[tip].y += 1.5;
            } else {
                points[tip].x += 1.5;
            }
            let c = ring_self_intersection(&LineString::new(points)).expect("a crossing");
            found.push(if transpose {
                Coord { x: c.y, y: c.x }
            } else {
                c
            });
        }
        assert_eq!(found[0], found[1]);
    }

    fn square(x: f64, y: f64, w: f64) -> geo::Polygon<f64> {
        polygon![(x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + w), (x: x, y: y + w)]
    }

    #[test]
    fn parts_that_cross_or_nest_are_found() {
        // Apart, touching at a corner: fine.
        for other in [square(3.0, 0.0, 1.0), square(1.0, 1.0, 1.0)] {
            let mp = MultiPolygon::new(vec![square(0.0, 0.0, 1.0), other]);
            assert_eq!(parts_problem_of(&mp), None);
        }
        // Sharing an edge: GEOS calls the multipolygon invalid.
        let mp = MultiPolygon::new(vec![square(0.0, 0.0, 1.0), square(1.0, 0.0, 1.0)]);
        assert!(matches!(
            parts_problem_of(&mp),
            Some(PartsProblem::SharedEdge(_))
        ));
        // Overlapping squares cross.
        let mp = MultiPolygon::new(vec![square(0.0, 0.0, 2.0), square(1.0, 1.0, 2.0)]);
        assert!(matches!(
            parts_problem_of(&mp),
            Some(PartsProblem::Cross(_))
        ));
        // A square inside another: nested.
        let mp = MultiPolygon::new(vec![square(0.0, 0.0, 4.0), square(1.0, 1.0, 1.0)]);
        assert_eq!(
            parts_problem_of(&mp),
            Some(PartsProblem::Nested(Coord { x: 1.0, y: 1.0 }))
        );
        // An island in a lake is not nested.
        let lake = geo::Polygon::new(
            square(0.0, 0.0, 4.0).exterior().clone(),
            vec![square(1.0, 1.0, 2.0).exterior().clone()],
        );
        let mp = MultiPolygon::new(vec![lake.clone(), square(1.5, 1.5, 1.0)]);
        assert_eq!(parts_problem_of(&mp), None);
        // A hole reaching out of its exterior crosses it.
        let bad = geo::Polygon::new(
            square(0.0, 0.0, 4.0).exterior().clone(),
            vec![square(3.0, 1.0, 2.0).exterior().clone()],
        );
        assert!(matches!(
            parts_problem_of(&MultiPolygon::new(vec![bad])),
            Some(PartsProblem::Cross(_))
        ));
        // A nested part sharing the outer one's sides shares edges with it.
        let mp = MultiPolygon::new(vec![square(0.0, 0.0, 4.0), square(0.0, 0.0, 1.0)]);
        assert!(matches!(
            parts_problem_of(&mp),
            Some(PartsProblem::SharedEdge(_))
        ));
        // One touching it at a corner only is still nested (the point named
        // is off the outer ring).
        let corner = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.5), (x: 0.5, y: 1.0)];
        let mp = MultiPolygon::new(vec![square(0.0, 0.0, 4.0), corner]);
        assert_eq!(
            parts_problem_of(&mp),
            Some(PartsProblem::Nested(Coord { x: 1.0, y: 0.5 }))
        );
        // An island in a lake touching the lake's shore at a vertex is valid
        // (GEOS: "Valid Geometry"), wherever its first vertex is.
        let lake = geo::Polygon::new(
            square(0.0, 0.0, 4.0).exterior().clone(),
            vec![square(1.0, 1.0, 2.0).exterior().clone()],
        );
        let island =
            polygon![(x: 1.0, y: 1.0), (x: 2.0, y: 1.5), (x: 2.0, y: 2.5), (x: 1.5, y: 2.0)];
        assert_eq!(
            parts_problem_of(&MultiPolygon::new(vec![lake.clone(), island])),
            None
        );
    }

    #[test]
    fn point_in_ring_by_bands() {
        let ring = LineString::new(comb(50, 10.0, false));
        let index = RingIndex::new(&ring);
        let brute = |p: Coord<f64>| {
            use geo::Contains;
            geo::Polygon::new(ring.clone(), vec![]).contains(&geo::Point::from(p))
        };
        for k in 0..2000 {
            let p = Coord {
                x: -1.0 + (k % 53) as f64 * 0.987,
                y: -1.5 + (k / 53) as f64 * 0.331,
            };
            let side = index.side(p);
            if side != Side::On {
                assert_eq!(side == Side::Inside, brute(p), "{p:?}");
            }
        }
        assert_eq!(index.side(Coord { x: 0.1, y: 5.0 }), Side::On);
    }

    /// The plain loop adds the reference's terms in its order: the same
    /// sum to the last bit, closed rings or not, short or degenerate ones,
    /// and a ring whose coordinates make every product round.
    #[test]
    fn twice_area_is_the_references() {
        let c = |x: f64, y: f64| Coord { x, y };
        let wobbly: Vec<Coord<f64>> = (0..997)
            .map(|i| {
                let t = i as f64 * 0.0063;
                c(
                    120.0 + t.cos() * 3.7 + (i % 7) as f64 * 1e-9,
                    50.0 + t.sin() * 2.1,
                )
            })
            .collect();
        let mut closed = wobbly.clone();
        closed.push(wobbly[0]);
        let rings: Vec<Vec<Coord<f64>>> = vec![
            vec![],
            vec![c(1.0, 2.0)],
            vec![c(1.0, 2.0), c(1.0, 2.0)],
            vec![c(1.0, 2.0), c(3.0, 5.0)],
            vec![c(0.0, 0.0), c(1.0, 0.0), c(1.0, 1.0)],
            vec![c(0.0, 0.0), c(1.0, 0.0), c(1.0, 1.0), c(0.0, 0.0)],
            vec![c(-0.0, 0.0), c(-1.0, -0.0), c(-1.0, -1.0)],
            comb(50, 10.0, false),
            wobbly,
            closed,
        ];
        for ring in &rings {
            let (fast, reference) = (twice_area(ring), twice_area_reference(ring));
            assert_eq!(fast.to_bits(), reference.to_bits(), "{ring:?}");
        }
    }
}
