//! Intersections of holdings that a run asks for more than once, made once.
//!
//! A holder whose land did not change between two snapshots has the same
//! geometry in both (in the bundled data, the Qing of 1858 and 1860 and the
//! Russia of 1689 and 1727). The overlay behind a transfer is then the one
//! behind a snapshot's region check (is any land held twice?): the land the
//! Qing held in 1858 and Russia holds in 1860 is the land both hold in
//! 1860. The run plans every holder-by-holder intersection it will ask for;
//! one asked for twice or more is overlaid once, by whichever job asks
//! first (a job that asks while it is being made waits for it), and handed
//! without a copy to the last job that asks.
//!
//! Reference path: `clip::intersection` of the two holdings, every time.
//! Fast path: [`Intersections::of`], shared between the jobs that ask.
//! Held equal by `shared_intersections_are_the_direct_ones`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use geo::MultiPolygon;

use crate::geometry::overlay::clip;
use crate::model::{Holding, Snapshot};

/// See the module notes.
pub struct Intersections<'a> {
    /// Each holding, by address, and the id of its geometry: holdings with
    /// equal geometry (coordinate for coordinate) share one id.
    ids: HashMap<usize, usize>,
    /// The geometry of each id.
    geometry: Vec<&'a MultiPolygon<f64>>,
    /// Intersections asked for more than once, by their two ids in order.
    slots: Mutex<HashMap<(usize, usize), Slot>>,
}

/// One shared intersection: how many more jobs will ask for it, and the
/// intersection once made.
struct Slot {
    left: usize,
    cell: Arc<OnceLock<MultiPolygon<f64>>>,
}

fn address(h: &Holding) -> usize {
    std::ptr::from_ref(h) as usize
}

impl<'a> Intersections<'a> {
    /// Plans the intersections of every pair of holdings within each
    /// snapshot (the region checks) and of the (before, after) `pairs` (the
    /// transfers).
    pub fn plan(
        snapshots: &[&'a Snapshot],
        pairs: impl IntoIterator<Item = (&'a Holding, &'a Holding)>,
    ) -> Self {
        let mut ids = HashMap::new();
        let mut geometry: Vec<&MultiPolygon<f64>> = Vec::new();
        let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
        for h in snapshots.iter().flat_map(|s| &s.holdings) {
            let same = by_hash.entry(hash(&h.geometry)).or_default();
            let id = match same.iter().find(|&&id| *geometry[id] == h.geometry) {
                Some(&id) => id,
                None => {
                    geometry.push(&h.geometry);
                    same.push(geometry.len() - 1);
                    geometry.len() - 1
                }
            };
            ids.insert(address(h), id);
        }
        let mut plan = Intersections {
            ids,
            geometry,
            slots: Mutex::new(HashMap::new()),
        };
        let mut uses: HashMap<(usize, usize), usize> = HashMap::new();
        for s in snapshots {
            for (i, a) in s.holdings.iter().enumerate() {
                for b in &s.holdings[i + 1..] {
                    *uses.entry(plan.key(a, b)).or_default() += 1;
                }
            }
        }
        for (a, b) in pairs {
            *uses.entry(plan.key(a, b)).or_default() += 1;
        }
        plan.slots = Mutex::new(
            uses.into_iter()
                .filter(|&(_, n)| n > 1)
                .map(|(key, left)| {
                    let cell = Arc::new(OnceLock::new());
                    (key, Slot { left, cell })
                })
                .collect(),
        );
        plan
    }

    /// The id of `h`'s geometry, shared by every planned holding with the
    /// same coordinates; `None` for a holding not in the plan.
    pub fn id(&self, h: &Holding) -> Option<usize> {
        self.ids.get(&address(h)).copied()
    }

    /// The two holdings' geometry ids, smaller first.
    fn key(&self, a: &Holding, b: &Holding) -> (usize, usize) {
        let (x, y) = (self.ids[&address(a)], self.ids[&address(b)]);
        (x.min(y), x.max(y))
    }

    /// `a ∩ b` (see [`clip::intersection`]), made once when planned more
    /// than once. Holdings not in the plan are intersected directly.
    pub fn of(&self, a: &Holding, b: &Holding) -> MultiPolygon<f64> {
        let planned = self.ids.contains_key(&address(a)) && self.ids.contains_key(&address(b));
        if !planned {
            return clip::intersection(&a.geometry, &b.geometry);
        }
        let key = self.key(a, b);
        let taken = self.slots.lock().ok().and_then(|mut slots| {
            let slot = slots.get_mut(&key)?;
            slot.left = slot.left.saturating_sub(1);
            let cell = slot.cell.clone();
            let last = slot.left == 0;
            if last {
                slots.remove(&key);
            }
            Some((cell, last))
        });
        let Some((cell, last)) = taken else {
            return clip::intersection(&a.geometry, &b.geometry);
        };
        // Shared ones are always made with the operands in id order, so the
        // result does not depend on which job asks first.
        let (first, second) = (self.geometry[key.0], self.geometry[key.1]);
        let make = || clip::intersection(first, second);
        if !last {
            return cell.get_or_init(make).clone();
        }
        cell.get_or_init(make);
        match Arc::try_unwrap(cell) {
            Ok(made) => made.into_inner().unwrap_or_else(make),
            // Another job is still reading it.
            Err(cell) => cell.get_or_init(make).clone(),
        }
    }
}

/// A multipolygon's hash from its polygons' (see
/// [`crate::geometry::geodesy::polygon_hash`]): equal geometries hash equal (the
/// converse is checked coordinate by coordinate).
fn hash(geometry: &MultiPolygon<f64>) -> u64 {
    geometry.0.iter().fold(0xcbf2_9ce4_8422_2325, |h, p| {
        (h ^ crate::geometry::geodesy::polygon_hash(p)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot;
    use geo::polygon;

    fn cell(x: f64, y: f64, w: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![polygon![
            (x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + w), (x: x, y: y + w),
        ]])
    }

    /// A holder unchanged between two snapshots: the transfer from it and
    /// the later region check ask for the same intersection. Every caller
    /// gets what `clip::intersection` gives, from however many threads, and
    /// holdings outside the plan are intersected directly.
    #[test]
    fn shared_intersections_are_the_direct_ones() {
        // A and B overlap (A's box reaches into B's); in 1900 A is unchanged.
        let (a, b, c) = (
            cell(0.0, 0.0, 2.0),
            cell(1.5, 0.0, 2.0),
            cell(1.0, 1.0, 2.0),
        );
        let snapshots = [
            snapshot(1800, vec![("A", a.clone()), ("C", c.clone())]),
            snapshot(1900, vec![("A", a.clone()), ("B", b.clone())]),
        ];
        let (a1800, c1800) = (&snapshots[0].holdings[0], &snapshots[0].holdings[1]);
        let (a1900, b1900) = (&snapshots[1].holdings[0], &snapshots[1].holdings[1]);
        let transfers = [(a1800, b1900), (c1800, a1900), (c1800, b1900)];
        let refs: Vec<&Snapshot> = snapshots.iter().collect();
        let plan = Intersections::plan(&refs, transfers);
        // One geometry for both A's; A∩B asked for twice, A∩C twice.
        assert_eq!(plan.geometry.len(), 3);
        assert_eq!(plan.slots.lock().unwrap().len(), 2);

        let direct = |x: &MultiPolygon<f64>, y: &MultiPolygon<f64>| clip::intersection(x, y);
        let asks = [
            (a1800, b1900, direct(&a, &b)),
            (a1900, b1900, direct(&a, &b)),
            (a1800, c1800, direct(&a, &c)),
            (c1800, a1900, direct(&c, &a)),
            (c1800, b1900, direct(&c, &b)),
        ];
        for (_, _, want) in &asks {
            assert!(!want.0.is_empty());
        }
        let got = crate::support::parallel::map(&asks, |(x, y, _)| plan.of(x, y));
        for ((_, _, want), got) in asks.iter().zip(&got) {
            assert_eq!(
                crate::geometry::geodesy::area_km2(got),
                crate::geometry::geodesy::area_km2(want)
            );
        }
        // Every planned use is spent; asking again still answers.
        assert!(plan.slots.lock().unwrap().is_empty());
        assert_eq!(plan.of(a1800, b1900), got[0]);
        let stranger = Holding {
            state: "D".into(),
            geometry: b.clone(),
        };
        assert_eq!(
            crate::geometry::geodesy::area_km2(&plan.of(a1800, &stranger)),
            crate::geometry::geodesy::area_km2(&direct(&a, &b))
        );
    }
}
