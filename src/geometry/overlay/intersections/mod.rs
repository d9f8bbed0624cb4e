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
//! A reading that moves an island to another holder leaves that holder
//! with its drawn polygons less the island's (Sakhalin in the bundled
//! `no-sakhalin` reading). Such a holding is planned as its parent (the
//! drawn one of the same holder and year) less those polygons: where the
//! parents' intersection is asked for too, the reading's is that
//! intersection less its pieces inside the missing polygons, without an
//! overlay of its own. It is the same land; its pieces are the parents',
//! made on the parents' snapping grid (the one a grid covering both
//! parents gives), so the hairline slivers along a border the reading does
//! not touch are the drawn reading's to the bit, where an overlay of the
//! smaller operands would have snapped them on a slightly different grid.
//!
//! A reading that moves a zone on the mainland changes its holders' rings
//! only near the zone: away from it, every edge is the drawn one's (the
//! zones are cut on the grid the data was built on, see
//! [`crate::geometry::variants`]). Where a reading's pair of holdings
//! differs from the drawn pair (the same holders and years) only inside
//! a box that neither pair has any land of both in, the reading's
//! intersection is the drawn one: the same land, and, on the same
//! snapping grid (the two pairs cover the same box) with the same
//! polygons passed through whole (see [`clip::intersection`]), the
//! overlay makes the same polygons from the same edges. The plan finds
//! the box from the edges the two pairs do not share; the job checks,
//! with an overlay of the two pairs clipped to that box, that neither has
//! land there, and otherwise makes the reading's own. On the bundled run
//! this takes the Qing's transfers to the joint zone of 1858 and the
//! Khalkha's overlap checks under the Uda and Amazar readings from the
//! drawn ones. A pair whose two geometries both changed in one place (a
//! zone moved between the two holders: the Qing and Russia, the Qing and
//! the undemarcated land) has their new border in the box, and the check
//! would find their land there; such a pair is overlaid on its own
//! without it.
//!
//! Reference path: `clip::intersection` of the two holdings, every time;
//! [`Intersections::plan_reference`], the plan without taking a reading's
//! intersections from the drawn pair's. Fast path: [`Intersections::of`]
//! through [`Intersections::plan`], shared between the jobs that ask.
//! Held equal by `shared_intersections_are_the_direct_ones`,
//! `a_holder_less_an_island_takes_its_parents_intersection` and
//! `a_reading_far_from_the_land_both_hold_takes_the_drawn_intersection`,
//! and on the bundled readings by `tests/reference_paths.rs` (every
//! intersection of a run, bit for bit).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use geo::{BoundingRect, InteriorPoint, Intersects, MultiPolygon, Polygon, Rect};

use crate::geometry::overlay::clip;
use crate::model::{Holding, Snapshot};

mod changed;
#[cfg(test)]
use changed::changed_box_reference;
use changed::{changed_box, clipped_to, joint_box, passed_whole};

/// See the module notes.
pub struct Intersections<'a> {
    /// Each holding, by address, and the id of its geometry: holdings with
    /// equal geometry (coordinate for coordinate) share one id.
    ids: HashMap<usize, usize>,
    /// The geometry of each id.
    geometry: Vec<&'a MultiPolygon<f64>>,
    /// The boxes of each id's rings, found by the first intersection that
    /// takes it and kept for the run (one holding is intersected about ten
    /// times in the bundled run).
    boxes: Vec<OnceLock<clip::RingBoxes>>,
    /// A geometry that is another of the same holder and year less some of
    /// its polygons (a reading's holder that lost an island): by its id,
    /// the other's id and the polygons it lacks.
    parents: HashMap<usize, (usize, Vec<&'a Polygon<f64>>)>,
    /// The pairs of ids, in order, whose intersection is taken from their
    /// parents' (see [`Intersections::of`]).
    from_parents: HashSet<(usize, usize)>,
    /// The pairs of ids, in order, whose intersection may be their drawn
    /// pair's (see the module notes): by the pair, the reading's first
    /// operand, the drawn pair in the order it is made, and the box outside
    /// which the two pairs have the same edges (`None`: nowhere).
    from_drawn: HashMap<(usize, usize), Drawn>,
    /// Intersections asked for more than once, by their two ids in order.
    slots: Mutex<HashMap<(usize, usize), Slot>>,
    /// Geometries clipped to the box where a reading changed them, by id
    /// and box, for the checks of [`Intersections::from_drawn`].
    near: Mutex<HashMap<(usize, [u64; 4]), Made>>,
}

/// A geometry made once by whichever job asks first.
type Made = Arc<OnceLock<MultiPolygon<f64>>>;

/// A box's coordinates, as a key.
fn rect_bits(r: Rect<f64>) -> [u64; 4] {
    [r.min().x, r.min().y, r.max().x, r.max().y].map(f64::to_bits)
}

/// See [`Intersections::from_drawn`].
type Drawn = (usize, (usize, usize), Option<Rect<f64>>);

/// One shared intersection: how many more jobs will ask for it, which
/// operand comes first, and the intersection once made.
struct Slot {
    left: usize,
    first: usize,
    cell: Arc<OnceLock<MultiPolygon<f64>>>,
}

fn address(h: &Holding) -> usize {
    std::ptr::from_ref(h) as usize
}

/// The two ids, smaller first.
fn ordered(x: usize, y: usize) -> (usize, usize) {
    (x.min(y), x.max(y))
}

impl<'a> Intersections<'a> {
    /// Plans the intersections of every pair of holdings within each
    /// snapshot (the region checks) and of the (before, after) `pairs` (the
    /// transfers).
    pub fn plan(
        snapshots: &[&'a Snapshot],
        pairs: impl IntoIterator<Item = (&'a Holding, &'a Holding)>,
    ) -> Self {
        Self::plan_with(snapshots, pairs, true)
    }

    /// [`Intersections::plan`] without taking a reading's intersections
    /// from the drawn pair's: the reference path of that step (see the
    /// module notes).
    pub fn plan_reference(
        snapshots: &[&'a Snapshot],
        pairs: impl IntoIterator<Item = (&'a Holding, &'a Holding)>,
    ) -> Self {
        Self::plan_with(snapshots, pairs, false)
    }

    fn plan_with(
        snapshots: &[&'a Snapshot],
        pairs: impl IntoIterator<Item = (&'a Holding, &'a Holding)>,
        from_drawn: bool,
    ) -> Self {
        // Every holding's polygons hashed, and each holding matched with
        // the first earlier one of equal geometry, on every core: both are
        // passes over every vertex of every snapshot (about 2.5 million
        // in the bundled readings), which ran alone before the jobs.
        let holdings: Vec<(crate::date::When, &'a Holding)> = snapshots
            .iter()
            .flat_map(|s| s.holdings.iter().map(move |h| (s.year, h)))
            .collect();
        let mut polygon_hashes: Vec<Vec<u64>> =
            crate::support::parallel::map(&holdings, |(_, h)| polygon_hashes(&h.geometry));
        let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
        let earlier: Vec<Vec<usize>> = polygon_hashes
            .iter()
            .enumerate()
            .map(|(k, hashes)| {
                let same = by_hash.entry(fold(hashes)).or_default();
                let before = same.clone();
                same.push(k);
                before
            })
            .collect();
        let indices: Vec<usize> = (0..holdings.len()).collect();
        // The first earlier holding of equal geometry is the first of its
        // geometry (equality is transitive), so the ids are those one pass
        // in order would give.
        let first_equal = crate::support::parallel::map(&indices, |&k| {
            earlier[k]
                .iter()
                .copied()
                .find(|&j| holdings[j].1.geometry == holdings[k].1.geometry)
        });
        let mut ids = HashMap::new();
        let mut id_of: Vec<usize> = Vec::with_capacity(holdings.len());
        let mut geometry: Vec<&MultiPolygon<f64>> = Vec::new();
        let mut hashes: Vec<Vec<u64>> = Vec::new();
        // Each id's holder and year, where first seen.
        let mut whose: Vec<(&str, crate::date::When)> = Vec::new();
        for (k, ((year, h), first)) in holdings.iter().zip(first_equal).enumerate() {
            let id = match first {
                Some(j) => id_of[j],
                None => {
                    geometry.push(&h.geometry);
                    whose.push((h.state.as_str(), *year));
                    hashes.push(std::mem::take(&mut polygon_hashes[k]));
                    geometry.len() - 1
                }
            };
            id_of.push(id);
            ids.insert(address(h), id);
        }
        let parents = parents_of(&geometry, &whose, &hashes);
        let mut plan = Intersections {
            ids,
            boxes: geometry.iter().map(|_| OnceLock::new()).collect(),
            geometry,
            parents,
            from_parents: HashSet::new(),
            from_drawn: HashMap::new(),
            slots: Mutex::new(HashMap::new()),
            near: Mutex::new(HashMap::new()),
        };
        let mut asked: Vec<(usize, usize)> = Vec::new();
        for s in snapshots {
            for (i, a) in s.holdings.iter().enumerate() {
                for b in &s.holdings[i + 1..] {
                    asked.push((plan.ids[&address(a)], plan.ids[&address(b)]));
                }
            }
        }
        for (a, b) in pairs {
            asked.push((plan.ids[&address(a)], plan.ids[&address(b)]));
        }
        // Asked of the geometries themselves: how often, and in which
        // order the first time.
        let mut own: HashMap<(usize, usize), (usize, usize)> = HashMap::new();
        for &(x, y) in asked.iter().filter(|(x, y)| !plan.derived(*x, *y)) {
            own.entry(ordered(x, y)).or_insert((0, x)).0 += 1;
        }
        // The order each pair is made in: as the one job that asks for it
        // alone would make it, or in id order when several ask.
        let first_of = |key: (usize, usize)| match own.get(&key) {
            Some(&(1, first)) => first,
            _ => key.0,
        };
        if from_drawn {
            plan.from_drawn = plan.drawn_pairs(&own, &whose, &hashes, first_of);
        }
        let mut uses: HashMap<(usize, usize), usize> = HashMap::new();
        for &(x, y) in &asked {
            let key = if let Some(&(_, drawn, _)) = plan.from_drawn.get(&ordered(x, y)) {
                ordered(drawn.0, drawn.1)
            } else if plan.derived(x, y) {
                let parent = ordered(plan.root(x), plan.root(y));
                if own.contains_key(&parent) {
                    plan.from_parents.insert(ordered(x, y));
                    parent
                } else {
                    ordered(x, y)
                }
            } else {
                ordered(x, y)
            };
            *uses.entry(key).or_default() += 1;
        }
        plan.slots = Mutex::new(
            uses.into_iter()
                .filter(|&(_, n)| n > 1)
                .map(|(key, left)| {
                    let first = first_of(key);
                    let cell = Arc::new(OnceLock::new());
                    (key, Slot { left, first, cell })
                })
                .collect(),
        );
        plan
    }

    /// The asked pairs of a reading's geometries whose intersection may be
    /// the drawn pair's (see the module notes): the drawn pair (the first
    /// geometries of the same holders and years) is asked for too and made
    /// in the same order, the two pairs cover the same box (so they are
    /// overlaid on the same grid) and pass the same polygons through whole,
    /// and they differ only inside one box. The jobs check that box.
    fn drawn_pairs(
        &self,
        own: &HashMap<(usize, usize), (usize, usize)>,
        whose: &[(&str, crate::date::When)],
        hashes: &[Vec<u64>],
        first_of: impl Fn((usize, usize)) -> usize,
    ) -> HashMap<(usize, usize), Drawn> {
        // Each geometry's drawn one: the first of its holder and year.
        let mut first_seen: HashMap<(&str, crate::date::When), usize> = HashMap::new();
        let drawn: Vec<usize> = whose
            .iter()
            .enumerate()
            .map(|(id, w)| *first_seen.entry(*w).or_insert(id))
            .collect();
        let boxes: Vec<Option<Rect<f64>>> =
            crate::support::parallel::map(&self.geometry, |g| g.bounding_rect());
        let mut candidates: Vec<((usize, usize), (usize, usize))> = Vec::new();
        for &(x, y) in own.keys() {
            let (dx, dy) = (drawn[x], drawn[y]);
            if (dx, dy) == (x, y) || self.derived(x, y) || !own.contains_key(&ordered(dx, dy)) {
                continue;
            }
            // Made in the same order: the drawn pair's first operand is
            // the drawn one of the reading's first.
            let first = first_of((x, y));
            let (a, b) = if first == x { (x, y) } else { (y, x) };
            if first_of(ordered(dx, dy)) != drawn[a] {
                continue;
            }
            let (da, db) = (drawn[a], drawn[b]);
            let g = &self.geometry;
            if joint_box(boxes[a], boxes[b]) != joint_box(boxes[da], boxes[db])
                || passed_whole(g[a], g[b], &hashes[a], &hashes[b])
                    != passed_whole(g[da], g[db], &hashes[da], &hashes[db])
            {
                continue;
            }
            candidates.push(((a, b), (da, db)));
        }
        // The box of the edges each changed geometry does not share with
        // its drawn one, made once for each (a mainland ring of 10^5
        // edges for each changed holder of the bundled readings).
        let mut changed: Vec<usize> = candidates
            .iter()
            .flat_map(|&((a, b), _)| [a, b])
            .filter(|&id| drawn[id] != id)
            .collect();
        changed.sort_unstable();
        changed.dedup();
        let boxes = crate::support::parallel::map(&changed, |&id| {
            let root = drawn[id];
            changed_box(
                (self.geometry[id], &hashes[id]),
                (self.geometry[root], &hashes[root]),
            )
        });
        let box_of: HashMap<usize, Option<Rect<f64>>> = changed.into_iter().zip(boxes).collect();
        let box_of = |id: usize| box_of.get(&id).copied().flatten();
        candidates
            .into_iter()
            // Both changed in one place: a zone moved between the two, and
            // their new border runs through the box, where the check finds
            // their land (every such pair on the bundled run). The pair is
            // overlaid on its own without the check; either way the result
            // is its own intersection.
            .filter(|&((a, b), _)| {
                !box_of(a)
                    .zip(box_of(b))
                    .is_some_and(|(p, q)| p.intersects(&q))
            })
            .map(|((a, b), drawn_pair)| {
                let change = [a, b]
                    .iter()
                    .filter_map(|&id| box_of(id))
                    .reduce(clip::joint);
                (ordered(a, b), (a, drawn_pair, change))
            })
            .collect()
    }

    /// How many pairs of a reading's holdings the plan may take from the
    /// drawn pair's intersection (each checked when asked for).
    pub fn from_drawn(&self) -> usize {
        self.from_drawn.len()
    }

    /// The id of `h`'s geometry, shared by every planned holding with the
    /// same coordinates; `None` for a holding not in the plan.
    pub fn id(&self, h: &Holding) -> Option<usize> {
        self.ids.get(&address(h)).copied()
    }

    /// True when either geometry has a parent.
    fn derived(&self, x: usize, y: usize) -> bool {
        self.parents.contains_key(&x) || self.parents.contains_key(&y)
    }

    /// The id's parent, or the id itself.
    fn root(&self, id: usize) -> usize {
        self.parents.get(&id).map_or(id, |(parent, _)| *parent)
    }

    /// `a ∩ b` (see [`clip::intersection`]), made once when planned more
    /// than once. Holdings not in the plan are intersected directly. Where
    /// `a` or `b` is a planned parent less some polygons, and the parents'
    /// intersection is asked for too, it is the parents' intersection less
    /// its pieces inside the missing polygons: the same land (the parents'
    /// polygons overlap nothing else of them), on the parents' grid.
    pub fn of(&self, a: &Holding, b: &Holding) -> MultiPolygon<f64> {
        let (Some(x), Some(y)) = (self.id(a), self.id(b)) else {
            return self.direct(a, b);
        };
        if let Some(&(first, drawn, change)) = self.from_drawn.get(&ordered(x, y)) {
            // In the order the drawn pair is made in.
            let (a, b, ids) = if first == x {
                (a, b, (x, y))
            } else {
                (b, a, (y, x))
            };
            let Some(made) = self.take(ordered(drawn.0, drawn.1)) else {
                return self.direct(a, b);
            };
            let apart = change.is_none_or(|change| {
                // About a kilometre: pieces touching the box from outside are
                // looked at too.
                let rect = crate::geometry::widened(change, 0.01);
                let grid = clip::Grid::covering_ring_boxes([self.boxes(ids.0), self.boxes(ids.1)]);
                // The drawn pair's land is its pieces: none near the box
                // settles it without an overlay.
                let drawn_apart = !made
                    .0
                    .iter()
                    .any(|p| p.bounding_rect().is_some_and(|r| r.intersects(&rect)))
                    || self.no_land_in(drawn, rect, &grid);
                drawn_apart && self.no_land_in(ids, rect, &grid)
            });
            return if apart { made } else { self.direct(a, b) };
        }
        let from_parents = self.from_parents.contains(&ordered(x, y));
        let key = if from_parents {
            ordered(self.root(x), self.root(y))
        } else {
            ordered(x, y)
        };
        let Some(made) = self.take(key) else {
            return self.direct(a, b);
        };
        if !from_parents {
            return made;
        }
        let missing: Vec<&Polygon<f64>> = [x, y]
            .iter()
            .filter_map(|id| self.parents.get(id))
            .flat_map(|(_, missing)| missing.iter().copied())
            .collect();
        without(made, &missing)
    }

    /// `a ∩ b` made here, with the rings' boxes found once for the run
    /// where the holdings are planned (see [`clip::intersection_boxed`]).
    pub fn direct(&self, a: &Holding, b: &Holding) -> MultiPolygon<f64> {
        match (self.id(a), self.id(b)) {
            (Some(x), Some(y)) => self.boxed((&a.geometry, x), (&b.geometry, y)),
            _ => clip::intersection(&a.geometry, &b.geometry),
        }
    }

    /// `a ∩ b`, each given with its id, whose geometry it is.
    fn boxed(
        &self,
        (a, x): (&MultiPolygon<f64>, usize),
        (b, y): (&MultiPolygon<f64>, usize),
    ) -> MultiPolygon<f64> {
        clip::intersection_boxed((a, self.boxes(x)), (b, self.boxes(y)))
    }

    /// The boxes of the rings of id `id`'s geometry, found the first time
    /// they are asked for.
    fn boxes(&self, id: usize) -> &clip::RingBoxes {
        self.boxes[id].get_or_init(|| clip::RingBoxes::of(self.geometry[id]))
    }

    /// True when the geometries `ids` have no land of both inside `rect`:
    /// an overlay on `grid` of the two clipped to it (each clipped once
    /// for every pair that asks).
    fn no_land_in(&self, ids: (usize, usize), rect: Rect<f64>, grid: &clip::Grid) -> bool {
        let near = |id: usize| {
            let key = (id, rect_bits(rect));
            let cell = self
                .near
                .lock()
                .map(|mut near| near.entry(key).or_default().clone())
                .unwrap_or_default();
            cell.get_or_init(|| clipped_to(self.geometry[id], rect))
                .clone()
        };
        let (a, b) = (near(ids.0), near(ids.1));
        a.0.is_empty() || b.0.is_empty() || grid.intersection(&a, &b).0.is_empty()
    }

    /// The shared intersection planned under `key`, made by the first job
    /// that asks (in the planned operand order) and handed without a copy
    /// to the last; `None` when none is planned.
    fn take(&self, key: (usize, usize)) -> Option<MultiPolygon<f64>> {
        let taken = self.slots.lock().ok().and_then(|mut slots| {
            let slot = slots.get_mut(&key)?;
            slot.left = slot.left.saturating_sub(1);
            let cell = slot.cell.clone();
            let last = slot.left == 0;
            let first = slot.first;
            if last {
                slots.remove(&key);
            }
            Some((cell, last, first))
        });
        let (cell, last, first) = taken?;
        // Shared ones are always made with the operands in one order, so
        // the result does not depend on which job asks first.
        let second = if first == key.0 { key.1 } else { key.0 };
        let make = || {
            self.boxed(
                (self.geometry[first], first),
                (self.geometry[second], second),
            )
        };
        Some(if last {
            cell.get_or_init(make);
            match Arc::try_unwrap(cell) {
                Ok(made) => made.into_inner().unwrap_or_else(make),
                // Another job is still reading it.
                Err(cell) => cell.get_or_init(make).clone(),
            }
        } else {
            cell.get_or_init(make).clone()
        })
    }
}

/// For each geometry that is, polygon for polygon and in order, another of
/// the same holder and year less some of its polygons, that other (one
/// with no parent itself, the first found) and the polygons it lacks.
fn parents_of<'a>(
    geometry: &[&'a MultiPolygon<f64>],
    whose: &[(&str, crate::date::When)],
    hashes: &[Vec<u64>],
) -> HashMap<usize, (usize, Vec<&'a Polygon<f64>>)> {
    let mut parents = HashMap::new();
    for child in 0..geometry.len() {
        for parent in 0..child {
            if whose[parent] != whose[child] || parents.contains_key(&parent) {
                continue;
            }
            if let Some(missing) = missing_from(
                (geometry[child], &hashes[child]),
                (geometry[parent], &hashes[parent]),
            ) {
                parents.insert(child, (parent, missing));
                break;
            }
        }
    }
    parents
}

/// The polygons of `parent` that `child` lacks, when `child` is `parent`
/// less at least one polygon (the rest in any order).
fn missing_from<'a>(
    (child, child_hashes): (&MultiPolygon<f64>, &[u64]),
    (parent, parent_hashes): (&'a MultiPolygon<f64>, &[u64]),
) -> Option<Vec<&'a Polygon<f64>>> {
    if child.0.is_empty() || child.0.len() >= parent.0.len() {
        return None;
    }
    let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    for (j, h) in parent_hashes.iter().enumerate().rev() {
        by_hash.entry(*h).or_default().push(j);
    }
    let mut taken = vec![false; parent.0.len()];
    for (p, h) in child.0.iter().zip(child_hashes) {
        let same = by_hash.get_mut(h)?;
        let k = same.iter().rposition(|&j| parent.0[j] == *p)?;
        taken[same.remove(k)] = true;
    }
    Some(
        parent
            .0
            .iter()
            .zip(&taken)
            .filter(|(_, t)| !**t)
            .map(|(q, _)| q)
            .collect(),
    )
}

/// `made` without its polygons inside any of `missing` (each of `made`'s
/// polygons lies in one polygon of the operands, so a point inside it
/// tells which).
///
/// Reference path: [`without_reference`], a point inside each piece whose
/// box lies in a missing polygon's box tested against that polygon. Fast
/// path: a piece that is a missing polygon itself, coordinate for
/// coordinate (an island both operands had, which the intersection passes
/// on whole: see [`clip::intersection`]), is dropped on its hash, without
/// the point-in-polygon test, which on the bundled `no-sakhalin` reading
/// walked Sakhalin's 58,000 edges for each of its 57 islets (0.05 s for
/// each of two transfers); the other pieces are tested as the reference
/// tests them. Held equal by `without_drops_what_the_reference_drops`.
fn without(made: MultiPolygon<f64>, missing: &[&Polygon<f64>]) -> MultiPolygon<f64> {
    let mut by_hash: HashMap<u64, Vec<&Polygon<f64>>> = HashMap::new();
    for m in missing {
        by_hash
            .entry(crate::geometry::geodesy::polygon_hash(m))
            .or_default()
            .push(m);
    }
    let is_missing = |piece: &Polygon<f64>| {
        !piece.exterior().0.is_empty()
            && by_hash
                .get(&crate::geometry::geodesy::polygon_hash(piece))
                .is_some_and(|same| same.contains(&piece))
    };
    let inside = inside_any(missing);
    MultiPolygon::new(
        made.0
            .into_iter()
            .filter(|p| !is_missing(p) && !inside(p))
            .collect(),
    )
}

/// [`without`] the plain way: every piece whose box lies in a missing
/// polygon's box tested with a point inside it.
#[cfg(test)]
fn without_reference(made: MultiPolygon<f64>, missing: &[&Polygon<f64>]) -> MultiPolygon<f64> {
    let inside = inside_any(missing);
    MultiPolygon::new(made.0.into_iter().filter(|p| !inside(p)).collect())
}

/// Whether a piece lies inside one of `missing`: its box within that
/// polygon's box, and a point inside it in that polygon.
fn inside_any<'m>(missing: &'m [&'m Polygon<f64>]) -> impl Fn(&Polygon<f64>) -> bool + 'm {
    let boxes: Vec<_> = missing.iter().map(|m| m.bounding_rect()).collect();
    move |piece: &Polygon<f64>| {
        let Some(r) = piece.bounding_rect() else {
            return true;
        };
        missing.iter().zip(&boxes).any(|(m, b)| {
            b.is_some_and(|b| {
                b.min().x <= r.min().x
                    && b.min().y <= r.min().y
                    && b.max().x >= r.max().x
                    && b.max().y >= r.max().y
            }) && piece.interior_point().is_some_and(|p| m.intersects(&p))
        })
    }
}

/// A multipolygon's hash from its polygons' (see
/// [`crate::geometry::geodesy::polygon_hash`]): equal geometries hash equal (the
/// converse is checked coordinate by coordinate).
/// The hash of each polygon of `geometry`.
fn polygon_hashes(geometry: &MultiPolygon<f64>) -> Vec<u64> {
    geometry
        .0
        .iter()
        .map(crate::geometry::geodesy::polygon_hash)
        .collect()
}

/// A geometry's hash, from its polygons' hashes.
fn fold(polygon_hashes: &[u64]) -> u64 {
    polygon_hashes.iter().fold(0xcbf2_9ce4_8422_2325, |h, p| {
        (h ^ p).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot;
    use geo::{polygon, Coord};

    fn cell(x: f64, y: f64, w: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![polygon![
            (x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + w), (x: x, y: y + w),
        ]])
    }

    /// The plan's ids, found on every core, are those of one pass over
    /// the holdings in order: each holding takes the id of the first of
    /// equal geometry, and a new geometry the next id. A holding whose
    /// polygons are another's in another order is not equal to it, and
    /// gets an id of its own.
    #[test]
    fn ids_are_those_of_one_pass_in_order() {
        let (a, b, c) = (
            cell(0.0, 0.0, 1.0),
            cell(2.0, 0.0, 1.0),
            cell(4.0, 0.0, 1.0),
        );
        let ab = MultiPolygon::new(vec![a.0[0].clone(), b.0[0].clone()]);
        let ba = MultiPolygon::new(vec![b.0[0].clone(), a.0[0].clone()]);
        let snapshots = [
            snapshot(1800, vec![("A", ab.clone()), ("C", c.clone())]),
            snapshot(1850, vec![("A", ba.clone()), ("B", b.clone())]),
            snapshot(1900, vec![("A", ab.clone()), ("B", ba), ("C", c)]),
        ];
        let refs: Vec<&Snapshot> = snapshots.iter().collect();
        let plan = Intersections::plan(&refs, []);
        // One pass in order, the straightforward way.
        let mut seen: Vec<&MultiPolygon<f64>> = Vec::new();
        for s in &snapshots {
            for h in &s.holdings {
                let want = match seen.iter().position(|g| **g == h.geometry) {
                    Some(id) => id,
                    None => {
                        seen.push(&h.geometry);
                        seen.len() - 1
                    }
                };
                assert_eq!(plan.id(h), Some(want), "{} of {}", h.state, s.year);
            }
        }
        assert_eq!(seen.len(), 4);
        assert_eq!(plan.geometry.len(), 4);
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

    /// A reading gives A's island to C: A less the island is planned as A
    /// less a polygon, and its intersections with B are A's less the
    /// pieces on the island, the same land as the direct ones.
    #[test]
    fn a_holder_less_an_island_takes_its_parents_intersection() {
        let (main, island, b) = (
            cell(0.0, 0.0, 2.0),
            cell(3.0, 0.0, 1.0),
            MultiPolygon::new(vec![
                cell(1.5, 0.0, 1.0).0[0].clone(),
                cell(3.5, 0.5, 1.0).0[0].clone(),
            ]),
        );
        let mut a = main.clone();
        a.0.extend(island.0.iter().cloned());
        let snapshots = [
            snapshot(1800, vec![("A", a.clone()), ("B", b.clone())]),
            snapshot(
                1800,
                vec![("A", main.clone()), ("B", b.clone()), ("C", island.clone())],
            ),
        ];
        let refs: Vec<&Snapshot> = snapshots.iter().collect();
        let plan = Intersections::plan(&refs, []);
        assert_eq!(plan.parents.len(), 1);
        let (drawn, reading) = (&snapshots[0].holdings, &snapshots[1].holdings);
        let whole = plan.of(&drawn[0], &drawn[1]);
        let less = plan.of(&reading[0], &reading[1]);
        // A ∩ B has a piece on the main polygon and one on the island.
        assert_eq!(whole.0.len(), 2);
        assert_eq!(less.0.len(), 1);
        let area = crate::geometry::geodesy::area_km2;
        let direct = clip::intersection(&main, &b);
        assert!((area(&less) - area(&direct)).abs() <= 1e-9 * area(&direct));
        assert!(whole.0.contains(&less.0[0]));
    }

    /// A reading gives A land far from B (inside the box both cover): its
    /// intersection with B is the drawn pair's, bit for bit what the
    /// reference plan makes; land given next to B is checked, found, and
    /// overlaid on its own.
    #[test]
    fn a_reading_far_from_the_land_both_hold_takes_the_drawn_intersection() {
        let (a, b) = (cell(0.0, 0.0, 2.0), cell(1.5, 0.0, 3.0));
        let with = |z: MultiPolygon<f64>| {
            let mut m = a.clone();
            m.0.extend(z.0);
            m
        };
        let far = with(cell(0.2, 2.5, 0.3));
        let near = with(cell(1.6, 2.5, 0.3));
        let snapshots = [
            snapshot(1800, vec![("A", a.clone()), ("B", b.clone())]),
            snapshot(1800, vec![("A", far.clone()), ("B", b.clone())]),
            snapshot(1800, vec![("A", near.clone()), ("B", b.clone())]),
        ];
        let refs: Vec<&Snapshot> = snapshots.iter().collect();
        let fast = Intersections::plan(&refs, []);
        let reference = Intersections::plan_reference(&refs, []);
        assert_eq!(fast.from_drawn(), 2);
        assert_eq!(reference.from_drawn(), 0);
        for s in &snapshots {
            let (x, y) = (&s.holdings[0], &s.holdings[1]);
            let direct = clip::intersection(&x.geometry, &y.geometry);
            assert_eq!(reference.of(x, y), direct);
            assert_eq!(fast.of(x, y), direct);
        }
        let area = crate::geometry::geodesy::area_km2;
        let drawn = clip::intersection(&a, &b);
        assert!(area(&clip::intersection(&near, &b)) > area(&drawn) + 1.0);
    }

    /// A zone moved from B to A: both change in one place, and the pair is
    /// overlaid on its own without the check; A's gain alone (B as drawn)
    /// is still checked. Each is the direct intersection.
    #[test]
    fn a_zone_moved_between_the_pair_is_overlaid_without_the_check() {
        let (a, b) = (cell(0.0, 0.0, 2.0), cell(1.5, 0.0, 3.0));
        let zone = polygon![(x: 2.5, y: 2.5), (x: 2.9, y: 2.5), (x: 2.9, y: 3.0), (x: 2.5, y: 3.0)];
        let mut gained = a.clone();
        gained.0.push(zone);
        let lost = MultiPolygon::new(vec![polygon![
            (x: 1.5, y: 0.0), (x: 4.5, y: 0.0), (x: 4.5, y: 3.0), (x: 2.9, y: 3.0),
            (x: 2.9, y: 2.5), (x: 2.5, y: 2.5), (x: 2.5, y: 3.0), (x: 1.5, y: 3.0),
        ]]);
        let snapshots = [
            snapshot(1800, vec![("A", a.clone()), ("B", b.clone())]),
            snapshot(1800, vec![("A", gained.clone()), ("B", b.clone())]),
            snapshot(1800, vec![("A", gained.clone()), ("B", lost.clone())]),
        ];
        let refs: Vec<&Snapshot> = snapshots.iter().collect();
        let fast = Intersections::plan(&refs, []);
        assert_eq!(fast.from_drawn(), 1);
        for s in &snapshots {
            let (x, y) = (&s.holdings[0], &s.holdings[1]);
            assert_eq!(fast.of(x, y), clip::intersection(&x.geometry, &y.geometry));
        }
    }

    /// A ring with a notch cut into one side, starting at another vertex,
    /// and an island added: the box is the reference's, the notch's and the
    /// island's, not the whole ring's.
    #[test]
    fn a_changed_box_is_the_box_of_the_changed_edges() {
        let side = |from: (f64, f64), to: (f64, f64)| {
            (0..40).map(move |k| {
                let f = f64::from(k) / 40.0;
                Coord {
                    x: from.0 + (to.0 - from.0) * f,
                    y: from.1 + (to.1 - from.1) * f,
                }
            })
        };
        let corners = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)];
        let open: Vec<Coord<f64>> = corners.windows(2).flat_map(|w| side(w[0], w[1])).collect();
        let ring = |points: &[Coord<f64>]| {
            let mut r = geo::LineString::new(points.to_vec());
            r.close();
            r
        };
        let drawn = MultiPolygon::new(vec![Polygon::new(ring(&open), vec![])]);
        // Vertices 10..=14 of the south side (x 1.0–1.4) pushed north, the
        // ring started at its 50th vertex.
        let mut notched = open.clone();
        for c in &mut notched[10..=14] {
            c.y = 0.3;
        }
        notched.rotate_left(50);
        let mut changed = MultiPolygon::new(vec![Polygon::new(ring(&notched), vec![])]);
        changed.0.extend(cell(5.0, 5.0, 0.5).0);
        let hashes = |m: &MultiPolygon<f64>| -> Vec<u64> {
            m.0.iter()
                .map(crate::geometry::geodesy::polygon_hash)
                .collect()
        };
        let (c, d) = (
            (&changed, &hashes(&changed)[..]),
            (&drawn, &hashes(&drawn)[..]),
        );
        let fast = changed_box(c, d).expect("a change");
        let reference = changed_box_reference(c, d).expect("a change");
        assert_eq!(fast, reference);
        // The notch's edges reach from vertex 9 to 15 (x 0.9–1.5), and the
        // island is the rest of the box.
        assert_eq!((fast.min().x, fast.min().y), (0.9, 0.0));
        assert_eq!((fast.max().x, fast.max().y), (5.5, 5.5));
        let unchanged = (&drawn, &hashes(&drawn)[..]);
        assert_eq!(changed_box(unchanged, d), None);
        assert_eq!(changed_box_reference(unchanged, d), None);
    }

    /// Islands that both operands had come out of an intersection whole;
    /// dropping them on their hash drops what the point test drops, and
    /// keeps a piece of the same box that is not one of them.
    #[test]
    fn without_drops_what_the_reference_drops() {
        let island = cell(3.0, 0.0, 1.0).0[0].clone();
        let islet = cell(3.2, 0.2, 0.1).0[0].clone();
        // A piece on the island, not the island itself.
        let near = cell(3.5, 0.5, 0.2).0[0].clone();
        let far = cell(0.0, 0.0, 1.0).0[0].clone();
        let missing = [&island, &islet];
        let made = MultiPolygon::new(vec![
            far.clone(),
            island.clone(),
            near.clone(),
            islet.clone(),
        ]);
        let fast = without(made.clone(), &missing);
        assert_eq!(fast, without_reference(made, &missing));
        assert_eq!(fast.0, vec![far.clone()]);
        let apart = cell(5.0, 0.0, 0.5).0[0].clone();
        let made = MultiPolygon::new(vec![apart.clone(), islet.clone()]);
        let fast = without(made.clone(), &missing);
        assert_eq!(fast, without_reference(made, &missing));
        assert_eq!(fast.0, vec![apart]);
    }
}
