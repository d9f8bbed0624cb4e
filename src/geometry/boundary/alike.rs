//! When two pairs of holdings have the same boundary stretches without
//! tracing both: a reading that moves an island from one holder to another
//! (Sakhalin in the bundled `no-sakhalin` reading) leaves both holders with
//! their drawn polygons but that island, and the boundaries between them
//! and their neighbours run where they ran.
//!
//! [`stretches`](super::stretches) looks each vertex of one holding's rings
//! up on the other's outline, within [`SNAP_M`]. A polygon that one
//! holding has and the other of its holder lacks gives no stretch, and
//! takes none away, when the boxes of runs of its edges lie more than
//! [`SNAP_M`] from those of the other side (`index::apart`, with the
//! margin the latitude allows): its vertices find nothing there, and no
//! vertex of the other side finds its edges. The polygons both have give
//! the same lines, in any order: the lines are sorted on their points.
//!
//! Reference path: [`stretches`](super::stretches) of each snapshot. Fast
//! path: the analysis's plan of the boundaries it traces once
//! (`analysis::Traced`), which takes one pair's stretches for another where
//! [`Change::alike`] says they are. Held equal by
//! `stretches_of_a_moved_island_are_alike` here and, on the bundled
//! readings, by `tests/reference_paths.rs`.

use std::collections::HashMap;

use geo::{MultiPolygon, Polygon};

use super::index::{self, segment_bounds};
use super::SNAP_M;

/// How a reading's holding differs from the drawn holding of its holder
/// and year: by whole polygons, the rest the same, coordinate for
/// coordinate. Each set of polygons is kept as the
/// boxes of runs of its rings' edges ([`boxes`]).
#[derive(Debug, Clone)]
pub struct Change {
    /// Of the polygons the drawn holding has and the reading's lacks.
    removed: Vec<[f64; 4]>,
    /// Of the polygons the reading's holding has and the drawn one lacks.
    added: Vec<[f64; 4]>,
    /// Of the polygons both have.
    kept: Vec<[f64; 4]>,
}

impl Change {
    /// The change from `drawn` to `reading`, when they share at least one
    /// polygon and differ by whole polygons; `None` otherwise (a polygon
    /// the zones cut into). The order of the polygons does not matter:
    /// [`stretches`](super::stretches) sorts the lines it finds.
    pub fn between(drawn: &MultiPolygon<f64>, reading: &MultiPolygon<f64>) -> Option<Change> {
        // Polygons known by their exterior's length and first point, then
        // compared whole.
        let key = |p: &Polygon<f64>| {
            let first = p
                .exterior()
                .0
                .first()
                .map_or([0, 0], |c| [c.x.to_bits(), c.y.to_bits()]);
            (p.exterior().0.len(), first)
        };
        let mut unmatched: HashMap<(usize, [u64; 2]), Vec<usize>> = HashMap::new();
        for (j, p) in drawn.0.iter().enumerate() {
            unmatched.entry(key(p)).or_default().push(j);
        }
        let mut matched = vec![false; drawn.0.len()];
        let (mut added, mut kept) = (Vec::new(), Vec::new());
        for p in &reading.0 {
            let same = unmatched.get_mut(&key(p));
            let found = same.and_then(|same| {
                let k = same.iter().position(|&j| drawn.0[j] == *p)?;
                Some(same.swap_remove(k))
            });
            match found {
                Some(j) => {
                    matched[j] = true;
                    kept.push(p);
                }
                None => added.push(p),
            }
        }
        if kept.is_empty() {
            return None;
        }
        let removed = drawn.0.iter().zip(&matched).filter(|(_, m)| !**m);
        Some(Change {
            removed: polygon_boxes(removed.map(|(p, _)| p)),
            added: polygon_boxes(added),
            kept: polygon_boxes(kept),
        })
    }

    /// True when the stretches traced from this change's reading holding
    /// onto `other`'s outline are those traced from their drawn holdings: `other` is the
    /// other reading holding's boxes (see [`boxes`]), `other_drawn` its
    /// drawn holding's, and `other_change` how the two differ, if they do.
    /// The polygons this holding lost must lie away from the other drawn
    /// holding, the ones it gained away from the other reading's, and the
    /// other's changes away from the polygons this one kept.
    pub fn alike(
        &self,
        other: &[[f64; 4]],
        other_drawn: &[[f64; 4]],
        other_change: Option<&Change>,
    ) -> bool {
        apart(&self.removed, other_drawn)
            && apart(&self.added, other)
            && other_change
                .is_none_or(|c| apart(&c.removed, &self.kept) && apart(&c.added, &self.kept))
    }
}

/// True when no box of `a` comes within [`SNAP_M`] of a box of `b`.
fn apart(a: &[[f64; 4]], b: &[[f64; 4]]) -> bool {
    index::apart(a, b, SNAP_M)
}

/// Edges a box of [`boxes`] covers at most: a polygon's box says little
/// about a coast (a mainland's box takes in the islands off it), the boxes
/// of short runs of its edges do.
const RUN: usize = 64;

/// The boxes of runs of up to 64 edges of every ring of `geometry`
/// (as `segment_bounds` gives them), for [`Change::alike`].
pub fn boxes(geometry: &MultiPolygon<f64>) -> Vec<[f64; 4]> {
    polygon_boxes(&geometry.0)
}

fn polygon_boxes<'a>(polygons: impl IntoIterator<Item = &'a Polygon<f64>>) -> Vec<[f64; 4]> {
    polygons
        .into_iter()
        .flat_map(super::rings_of)
        .flat_map(|ring| {
            // Runs overlapping by one point, so every edge is in a run.
            (0..ring.len().saturating_sub(1))
                .step_by(RUN)
                .filter_map(move |k| {
                    segment_bounds(std::iter::once(&ring[k..(k + RUN + 1).min(ring.len())]))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::boundary::{stretches, BoundaryParams};
    use crate::geometry::geodesy;
    use crate::model::Holding;
    use geo::polygon;

    fn square(x: f64, y: f64, w: f64) -> Polygon<f64> {
        polygon![(x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + w), (x: x, y: y + w), (x: x, y: y)]
    }

    fn holding(state: &str, polygons: Vec<Polygon<f64>>) -> Holding {
        Holding {
            state: state.to_owned(),
            geometry: geodesy::densify(MultiPolygon::new(polygons), 2000.0),
        }
    }

    /// An island moving from West to East, far from both mainlands: the
    /// change is apart from every polygon of either holding, and the
    /// stretches are the drawn ones, line for line. An island touching
    /// East's mainland is not apart.
    #[test]
    fn stretches_of_a_moved_island_are_alike() {
        let params = BoundaryParams {
            river_distance_km: 5.0,
            min_run_km: 10.0,
        };
        let island = square(125.0, 50.0, 0.5);
        let drawn = vec![
            holding("West", vec![square(120.0, 50.0, 1.0), island.clone()]),
            holding("East", vec![square(121.0, 50.0, 1.0)]),
        ];
        let reading = vec![
            holding("West", vec![square(120.0, 50.0, 1.0)]),
            holding("East", vec![square(121.0, 50.0, 1.0), island]),
        ];
        let west = Change::between(&drawn[0].geometry, &reading[0].geometry).expect("whole");
        let east = Change::between(&drawn[1].geometry, &reading[1].geometry).expect("whole");
        let (east_reading, east_drawn) = (boxes(&reading[1].geometry), boxes(&drawn[1].geometry));
        assert!(west.alike(&east_reading, &east_drawn, Some(&east)));
        // The island moved, not from West to East: alike only to an
        // unchanged East.
        assert!(west.alike(&east_drawn, &east_drawn, None));
        assert!(east.alike(
            &boxes(&reading[0].geometry),
            &boxes(&drawn[0].geometry),
            Some(&west)
        ));
        let traced = |holdings: &[Holding]| -> Vec<_> {
            stretches(holdings, &[], &params)
                .into_iter()
                .map(|s| (s.state_a, s.state_b, s.kind, s.line, s.length_km.to_bits()))
                .collect()
        };
        let alike = traced(&drawn);
        assert_eq!(alike.len(), 1);
        assert_eq!(alike, traced(&reading));
        // An island off East's coast, within the snapping distance.
        let touching = holding(
            "West",
            vec![square(120.0, 50.0, 1.0), square(122.0005, 50.2, 0.1)],
        );
        let near = Change::between(&reading[0].geometry, &touching.geometry).expect("whole");
        assert!(!near.alike(&east_drawn, &east_drawn, None));
        // A polygon cut into is no whole-polygon change.
        let cut = holding("West", vec![square(120.0, 50.0, 0.9)]);
        assert!(Change::between(&reading[0].geometry, &cut.geometry).is_none());
    }
}
