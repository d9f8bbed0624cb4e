//! Edges that cross another ring once taken as geodesics.
//!
//! Every edge is measured as a geodesic, and long ones are densified along
//! it before the overlays (see [`crate::geometry::geodesy::densify`]). A
//! long edge drawn along a parallel (a cut at 38° N, say) then bows towards
//! the pole: up to tens of kilometres for an edge of several degrees. A
//! ring that lay just beside the straight edge (a lake near the cut) can
//! end up on the other side, and the holding's area counts it as if it
//! were still inside. The input checks see the straight edges and pass
//! it; this finds it after densifying, so that the run can say so.
//!
//! Checked: each densified edge against the other rings of its holding
//! (holes against their shell, islands against the coast), by bounding box
//! first. Not checked: an edge against its own ring.
//!
//! Engine code: longitude/latitude on WGS84 only.

use std::cell::OnceCell;

use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{BoundingRect, Coord, Line, LineString, MultiPolygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

/// An edge whose geodesic stays within this many degrees of latitude of
/// its straight line (about 11 m; an edge of 0.3° at 45° N) is not
/// reported: what it meets, a longer edge's bow crossed.
pub const MIN_BOW_DEG: f64 = 1e-4;

/// The edges of a ring, by box, each with its position.
type EdgeIndex = RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>;

/// A densified edge that crosses another ring of its holding.
#[derive(Debug, Clone, PartialEq)]
pub struct BowedEdge {
    /// The edge's ends, as drawn (longitude, latitude).
    pub from: Coord<f64>,
    /// See `from`.
    pub to: Coord<f64>,
    /// Where, along the geodesic, it first crosses another ring.
    pub at: Coord<f64>,
    /// How many other rings it crosses.
    pub rings: usize,
    /// The largest distance of the geodesic from the straight edge in
    /// longitude/latitude, in degrees of latitude at the crossing's
    /// longitude (a rough measure of the bow).
    pub off_deg: f64,
}

/// Every ring of `m`, exterior then holes, polygon by polygon.
fn rings(m: &MultiPolygon<f64>) -> Vec<&LineString<f64>> {
    m.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .collect()
}

/// The densified edges of `drawn` (its rings as they were before
/// densifying) that bow off their straight line and so cross another ring
/// of `densified` (the same rings, with points added), in ring order. An
/// edge that hardly bows (under [`MIN_BOW_DEG`]) is left out: a ring it
/// meets was crossed by another edge's bow, reported from that side.
///
/// # Assumptions
/// `densified` is `drawn` with points only inserted between its vertices
/// (what [`crate::geometry::geodesy::densify`] does): same polygons, same
/// rings, every drawn vertex kept exactly.
pub fn bowed_edges(drawn: &MultiPolygon<f64>, densified: &MultiPolygon<f64>) -> Vec<BowedEdge> {
    let (before, after) = (rings(drawn), rings(densified));
    if before.len() != after.len() || after.len() < 2 {
        return Vec::new();
    }
    let boxes: Vec<Option<Rect<f64>>> = after.iter().map(|r| r.bounding_rect()).collect();
    let indexes: Vec<OnceCell<EdgeIndex>> = after.iter().map(|_| OnceCell::new()).collect();
    let mut out = Vec::new();
    for (r, (b, a)) in before.iter().zip(&after).enumerate() {
        if a.0.len() == b.0.len() {
            continue;
        }
        // Walk the densified ring beside the drawn one: the points between
        // two drawn vertices are the ones densifying added.
        let mut j = 0;
        for edge in b.0.windows(2) {
            let start = j;
            while j < a.0.len() && a.0[j] != edge[1] {
                j += 1;
            }
            if j >= a.0.len() {
                // Not the densified form of this ring: nothing to say.
                return out;
            }
            if j > start + 1 {
                let run = &a.0[start..=j];
                let off_deg = bow(edge[0], edge[1], run);
                if off_deg < MIN_BOW_DEG {
                    continue;
                }
                let crossed = crossings(run, r, &after, &boxes, &indexes);
                if let Some(&at) = crossed.first() {
                    out.push(BowedEdge {
                        from: edge[0],
                        to: edge[1],
                        at,
                        rings: crossed.len(),
                        off_deg,
                    });
                }
            }
        }
    }
    out
}

/// Where the polyline `run` (of ring `own`) first properly crosses each
/// other ring it crosses, in ring order.
fn crossings(
    run: &[Coord<f64>],
    own: usize,
    rings: &[&LineString<f64>],
    boxes: &[Option<Rect<f64>>],
    indexes: &[OnceCell<EdgeIndex>],
) -> Vec<Coord<f64>> {
    let Some(run_box) = LineString::new(run.to_vec()).bounding_rect() else {
        return Vec::new();
    };
    let meets = |r: &Rect<f64>| {
        r.min().x <= run_box.max().x
            && r.max().x >= run_box.min().x
            && r.min().y <= run_box.max().y
            && r.max().y >= run_box.min().y
    };
    let query = AABB::from_corners(
        [run_box.min().x, run_box.min().y],
        [run_box.max().x, run_box.max().y],
    );
    let mut out = Vec::new();
    for (k, ring) in rings.iter().enumerate() {
        if k == own || !boxes[k].as_ref().is_some_and(meets) {
            continue;
        }
        let index = indexes[k].get_or_init(|| edge_index(ring));
        let mut near: Vec<usize> = index
            .locate_in_envelope_intersecting(&query)
            .map(|e| e.data)
            .collect();
        near.sort_unstable();
        let found = near.into_iter().find_map(|e| {
            let other = Line::new(ring.0[e], ring.0[e + 1]);
            run.windows(2)
                .find_map(|s| match line_intersection(Line::new(s[0], s[1]), other) {
                    Some(LineIntersection::SinglePoint {
                        intersection,
                        is_proper: true,
                    }) => Some(intersection),
                    _ => None,
                })
        });
        // A ring wholly between the straight edge and the geodesic is not
        // crossed, but it is on the other side all the same.
        out.extend(found.or_else(|| in_lune(run, ring.0[0])));
    }
    out
}

/// `p` itself when it lies strictly between `run`'s straight chord and
/// `run` (a geodesic running east or west), at its own longitude.
fn in_lune(run: &[Coord<f64>], p: Coord<f64>) -> Option<Coord<f64>> {
    let (a, b) = (run[0], run[run.len() - 1]);
    let (west, east) = (a.x.min(b.x), a.x.max(b.x));
    if east - west < 1e-9 || p.x <= west || p.x >= east {
        return None;
    }
    let chord = a.y + (p.x - a.x) / (b.x - a.x) * (b.y - a.y);
    let arc = run.windows(2).find_map(|s| {
        let (x0, x1) = (s[0].x.min(s[1].x), s[0].x.max(s[1].x));
        (p.x >= x0 && p.x <= x1 && x1 > x0)
            .then(|| s[0].y + (p.x - s[0].x) / (s[1].x - s[0].x) * (s[1].y - s[0].y))
    })?;
    let (low, high) = (chord.min(arc), chord.max(arc));
    (p.y > low && p.y < high).then_some(p)
}

/// The edges of `ring`, indexed by box.
fn edge_index(ring: &LineString<f64>) -> EdgeIndex {
    RTree::bulk_load(
        ring.0
            .windows(2)
            .enumerate()
            .map(|(e, w)| {
                let (x0, x1) = (w[0].x.min(w[1].x), w[0].x.max(w[1].x));
                let (y0, y1) = (w[0].y.min(w[1].y), w[0].y.max(w[1].y));
                GeomWithData::new(Rectangle::from_corners([x0, y0], [x1, y1]), e)
            })
            .collect(),
    )
}

/// The largest latitude difference between `run` and the straight edge
/// from `a` to `b` at the same longitude.
fn bow(a: Coord<f64>, b: Coord<f64>, run: &[Coord<f64>]) -> f64 {
    let dx = b.x - a.x;
    run.iter()
        .map(|p| {
            let straight = if dx.abs() < 1e-12 {
                p.y
            } else {
                a.y + (p.x - a.x) / dx * (b.y - a.y)
            };
            (p.y - straight).abs()
        })
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::geodesy;
    use geo::{coord, Polygon};

    fn ring(points: &[(f64, f64)]) -> LineString<f64> {
        LineString::new(points.iter().map(|&(x, y)| coord! { x: x, y: y }).collect())
    }

    /// A shell whose south side runs 10° along 38° N, with a lake just
    /// north of it: as a geodesic the side bows about 0.11° north, across
    /// the lake (the
    /// great circle's top: atan(tan 38° / cos 5°) = 38.108° N). A lake well inside is left alone.
    #[test]
    fn a_side_along_a_parallel_bows_across_a_lake_beside_it() {
        let shell = ring(&[
            (100.0, 38.0),
            (110.0, 38.0),
            (110.0, 40.0),
            (100.0, 40.0),
            (100.0, 38.0),
        ]);
        let near = ring(&[
            (104.9, 38.1),
            (104.9, 38.2),
            (105.1, 38.2),
            (105.1, 38.1),
            (104.9, 38.1),
        ]);
        let far = ring(&[
            (104.9, 39.5),
            (104.9, 39.6),
            (105.1, 39.6),
            (105.1, 39.5),
            (104.9, 39.5),
        ]);
        let drawn = MultiPolygon::new(vec![Polygon::new(shell, vec![near, far])]);
        let dense = geodesy::densify(drawn.clone(), 2_000.0);
        let found = bowed_edges(&drawn, &dense);
        assert_eq!(found.len(), 1, "{found:?}");
        let edge = &found[0];
        assert_eq!((edge.from.y, edge.to.y), (38.0, 38.0));
        assert!(edge.at.x > 104.8 && edge.at.x < 105.2, "{edge:?}");
        assert!(edge.off_deg > 0.09 && edge.off_deg < 0.13, "{edge:?}");
        assert_eq!(edge.rings, 1);
        // A lake wholly inside the bow is counted too.
        let inside = ring(&[
            (104.0, 38.03),
            (104.0, 38.05),
            (104.2, 38.05),
            (104.2, 38.03),
            (104.0, 38.03),
        ]);
        let mut with = drawn.clone();
        with.0[0].interiors_push(inside);
        let dense = geodesy::densify(with.clone(), 2_000.0);
        let found = bowed_edges(&with, &dense);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rings, 2, "{found:?}");
        // Drawn with points along the parallel, nothing bows.
        let along: Vec<(f64, f64)> = (0..=100)
            .map(|i| (100.0 + 0.1 * f64::from(i), 38.0))
            .chain([(110.0, 40.0), (100.0, 40.0), (100.0, 38.0)])
            .collect();
        let drawn = MultiPolygon::new(vec![Polygon::new(
            ring(&along),
            drawn.0[0].interiors().to_vec(),
        )]);
        let dense = geodesy::densify(drawn.clone(), 2_000.0);
        assert_eq!(bowed_edges(&drawn, &dense), Vec::new());
    }
}
