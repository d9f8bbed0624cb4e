//! Transfers between consecutive snapshots: for each ordered pair of
//! different holders, the land the first held before and the second after.
//!
//! Reference path: [`transfers`], one overlay per pair of holders, measured
//! through its own cache. Fast path: the one a run takes (`analysis`): the
//! [`pairs`] as parallel jobs, each overlay from an
//! [`intersections::Intersections`] plan that makes a repeated intersection
//! once, every area through one run-wide cache. `tests/reference_paths.rs`
//! holds the two equal on the bundled data (same transfers, areas within
//! 1e-9).

pub mod clip;
pub mod intersections;
pub mod splice;
pub mod thin;

use geo::{BoundingRect, Intersects};

use crate::geometry::geodesy;
use crate::model::{Holding, Snapshot, Transfer};

/// Every transfer from `earlier` to `later`, ordered by (from, to), however
/// small: splitting off slivers is the caller's decision (see [`split_slivers`]),
/// and the balance of each holder is checked on all the pieces.
///
/// Both snapshots are expected to be densified already (see
/// [`geodesy::densify`]), so the lon/lat overlay and the geodesic area
/// describe the same edges. `area_ea_km2` is left at zero for the caller to
/// fill in with the equal-area cross-check.
///
/// # Units
/// Areas in km², geodesic on WGS84 (Karney 2013).
pub fn transfers(earlier: &Snapshot, later: &Snapshot) -> Vec<Transfer> {
    let areas = geodesy::AreaCache::new();
    pairs(earlier, later)
        .into_iter()
        .filter_map(|(before, after)| piece(earlier, later, before, after, &areas))
        .collect()
}

/// The (before, after) holdings of two snapshots whose land may overlap:
/// different holders with intersecting bounding boxes, ordered by (from, to).
/// Each pair is an independent overlay, so callers may run them in parallel.
pub fn pairs<'a>(earlier: &'a Snapshot, later: &'a Snapshot) -> Vec<(&'a Holding, &'a Holding)> {
    // Each later box once, not once for every earlier holding: a box is a
    // pass over every vertex, and this runs on one thread, the other core
    // idle, before the overlays start.
    let after_boxes: Vec<_> = later
        .holdings
        .iter()
        .map(|after| after.geometry.bounding_rect())
        .collect();
    let mut out = Vec::new();
    for before in &earlier.holdings {
        let Some(before_box) = before.geometry.bounding_rect() else {
            continue;
        };
        for (after, after_box) in later.holdings.iter().zip(&after_boxes) {
            if after.state == before.state {
                continue;
            }
            match after_box {
                Some(after_box) if after_box.intersects(&before_box) => out.push((before, after)),
                _ => {}
            }
        }
    }
    out
}

/// The land `before` held in `earlier` and `after` holds in `later`, if any,
/// its area measured through `areas`.
///
/// The overlay runs on both holdings clipped to the overlap of their
/// bounding boxes (see [`clip::intersection`]): the same land, from a
/// fraction of the vertices.
pub fn piece(
    earlier: &Snapshot,
    later: &Snapshot,
    before: &Holding,
    after: &Holding,
    areas: &geodesy::AreaCache,
) -> Option<Transfer> {
    let piece = clip::intersection(&before.geometry, &after.geometry);
    transfer(earlier, later, before, after, piece, areas)
}

/// The [`Transfer`] of `piece`, the intersection of `before` and `after`
/// made elsewhere; `None` when it is empty.
pub fn transfer(
    earlier: &Snapshot,
    later: &Snapshot,
    before: &Holding,
    after: &Holding,
    piece: geo::MultiPolygon<f64>,
    areas: &geodesy::AreaCache,
) -> Option<Transfer> {
    if piece.0.is_empty() {
        return None;
    }
    let area_km2 = areas.area_km2(&piece);
    Some(Transfer {
        from_state: before.state.clone(),
        to_state: after.state.clone(),
        from_year: earlier.year,
        to_year: later.year,
        treaty: later.treaty.clone(),
        geometry: piece,
        area_km2,
        area_ea_km2: 0.0,
        area_range_km2: None,
    })
}

/// Transferred pieces below the sliver threshold, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Dropped {
    /// How many (from, to) pieces were dropped.
    pub count: usize,
    /// Their total geodesic area, km².
    pub area_km2: f64,
}

/// Copies of the pieces of at least `sliver_km2`, and the rest summed up.
pub fn split_slivers(pieces: &[Transfer], sliver_km2: f64) -> (Vec<Transfer>, Dropped) {
    let mut dropped = Dropped::default();
    let kept = pieces
        .iter()
        .filter(|t| {
            let keep = t.area_km2 >= sliver_km2;
            if !keep {
                dropped.count += 1;
                dropped.area_km2 += t.area_km2;
            }
            keep
        })
        .cloned()
        .collect();
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot;
    use approx::assert_relative_eq;
    use geo::{polygon, BooleanOps, MultiPolygon};

    fn square(x: f64, y: f64) -> MultiPolygon<f64> {
        let cell = MultiPolygon::new(vec![polygon![
            (x: x, y: y),
            (x: x + 1.0, y: y),
            (x: x + 1.0, y: y + 1.0),
            (x: x, y: y + 1.0),
        ]]);
        geodesy::densify(cell, geodesy::DENSIFY_MAX_EDGE_M)
    }

    #[test]
    fn one_square_moves_between_holders() {
        let west = square(120.0, 50.0);
        let east = square(121.0, 50.0);
        let before = snapshot(
            1700,
            vec![("A", west.union(&east)), ("B", square(122.0, 50.0))],
        );
        let after = snapshot(
            1800,
            vec![("A", west.clone()), ("B", east.union(&square(122.0, 50.0)))],
        );
        let (moved, dropped) = split_slivers(&transfers(&before, &after), 1.0);
        assert_eq!(dropped, Dropped::default());
        assert_eq!(moved.len(), 1);
        let t = &moved[0];
        assert_eq!((t.from_state.as_str(), t.to_state.as_str()), ("A", "B"));
        assert_eq!(
            (t.from_year.year, t.to_year.year, t.treaty.as_str()),
            (1700, 1800, "Treaty of 1800")
        );
        // The overlay snaps to a fixed-point grid: agreement to 1e-7, not to the last bit.
        assert_relative_eq!(t.area_km2, geodesy::area_km2(&east), max_relative = 1e-7);
    }

    #[test]
    fn slivers_are_dropped_and_counted() {
        let a = square(120.0, 50.0);
        // Move the shared edge east by 1e-4° (about 7 m): a sliver of ≈0.8 km².
        let shifted = MultiPolygon::new(vec![polygon![
            (x: 120.0, y: 50.0),
            (x: 121.0001, y: 50.0),
            (x: 121.0001, y: 51.0),
            (x: 120.0, y: 51.0),
        ]]);
        let shifted = geodesy::densify(shifted, geodesy::DENSIFY_MAX_EDGE_M);
        let b = square(121.0, 50.0);
        let before = snapshot(1, vec![("A", a.clone()), ("B", b.clone())]);
        let after = snapshot(
            2,
            vec![("A", shifted.clone()), ("B", b.difference(&shifted))],
        );
        let (moved, dropped) = split_slivers(&transfers(&before, &after), 1.0);
        assert!(moved.is_empty(), "{moved:?}");
        assert_eq!(dropped.count, 1);
        let expected = geodesy::area_km2(&shifted) - geodesy::area_km2(&a);
        assert_relative_eq!(dropped.area_km2, expected, max_relative = 1e-3);
        let (moved, _) = split_slivers(&transfers(&before, &after), 0.1);
        assert_eq!(moved.len(), 1);
    }
}
