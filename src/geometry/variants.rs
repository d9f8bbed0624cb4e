//! Readings of a treaty as variants of the snapshots: a reading gives some
//! disputed zones to another holder in some snapshots, and the variant's
//! snapshot is the drawn one with each such zone cut out of the holders
//! that have it and added to the one the reading names.
//!
//! Only the holders a reading touches are overlaid again; every other
//! holding is handed over unchanged (the same coordinates), so the analysis
//! shares its overlays and measurements with the base (see
//! [`crate::geometry::overlay::intersections`] and [`crate::geometry::geodesy::AreaCache`]). Zones are
//! cut on one snapping grid, the one `make data` builds the bundled data on
//! when the data fits it: every vertex of a holding already on that grid
//! comes back bit for bit, so the lines a changed holder shares with an
//! unchanged one stay identical. Data outside it is cut on a grid covering
//! every snapshot, which moves vertices by at most half a step (about a
//! millimetre at 60° of extent): hairline slivers, dropped below
//! `sliver_km2`.
//!
//! Reference path: [`apply_reference`], every holding a zone's box meets
//! overlaid with the zone, and every changed holder's polygons near the
//! zones overlaid again. Fast path: [`apply`], the one a run takes, which
//! moves polygons that pass whole to another holder (an island that the
//! zone is, vertex for vertex, as Sakhalin is in the bundled zones) without
//! an overlay, keeps the polygons nothing is left to cut as they are, and
//! takes one zone's land that is already in the form an overlay on the grid
//! gives (one overlay's result, or whole polygons of one holding) as it is,
//! where the reference unites it with nothing (started and ordered as that
//! union lists it, [`Grid::as_overlay_output`]). A polygon the zones cut
//! into is overlaid near the zones only and spliced back into the rest of
//! its ring ([`Grid::cut_near`]: the Qing mainland, a ring of 10^5
//! vertices, when the Uda zones move), which gives the overlay of the whole
//! polygon bit for bit where the polygon's vertices away from the zones
//! are on the grid or snap to distinct grid points (it keeps them as
//! drawn where two snap to one, see [`crate::geometry::overlay::splice`]).
//! What it cannot settle so it overlays as the reference does. A run cuts
//! all its (reading, snapshot) pairs through one [`Cuts`]
//! ([`apply_sharing`]), which makes a holding's piece of a zone, a zone's
//! land and a holder's cut once when several pairs would make them from
//! the same inputs (a holding two snapshots have alike); held to [`apply`]
//! pair by pair by `pairs_sharing_a_store_cut_as_apply_cuts` and on the
//! bundled readings by `tests/reference_paths.rs`. Held equal by
//! `islands_move_whole_as_the_reference_moves_them` and, on the bundled
//! readings, by `tests/reference_paths.rs` (the same polygons in the same
//! order, every exterior bit for bit; where the reference overlays a
//! polygon with holes again, a hole may come back from another vertex or
//! the other way round, while the fast path keeps it as drawn); the local
//! cut on its own by `a_local_cut_is_the_whole_overlay`
//! (`overlay::splice`).
//!
//! Engine code: longitude/latitude on WGS84 only, nothing from the
//! analysis file.

use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Polygon, Rect};

use i_overlay::core::overlay_rule::OverlayRule;

use crate::geometry::overlay::clip::{split_common_of, Grid};
use crate::model::{Holding, Snapshot};

/// A disputed zone: a polygon layer's feature, named.
#[derive(Debug, Clone)]
pub struct Zone {
    /// The zone's id (the value of the zones layer's id field).
    pub id: String,
    /// Longitude/latitude on WGS84, densified like the snapshots.
    pub geometry: MultiPolygon<f64>,
}

/// One zone given to one holder in some snapshots.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Assignment {
    /// The zone's id.
    pub zone: String,
    /// The holder it belongs to in this reading.
    pub holder: String,
    /// The snapshot years in which it does.
    pub years: Vec<i32>,
}

/// One reading of the treaties.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reading {
    /// Short stable name.
    pub name: String,
    /// What the reading is.
    pub title: String,
    /// Who reads the treaty this way.
    pub source: String,
    /// The zones it gives to other holders (none for the base).
    pub assignments: Vec<Assignment>,
}

impl Reading {
    /// The (zone, holder) pairs this reading assigns in `year`, in the
    /// order written.
    pub fn assigned_in(&self, year: i32) -> Vec<(&str, &str)> {
        self.assignments
            .iter()
            .filter(|a| a.years.contains(&year))
            .map(|a| (a.zone.as_str(), a.holder.as_str()))
            .collect()
    }
}

/// The rectangle `make data` snaps every overlay to (2^24 steps per degree
/// over 60–160° E, 20–80° N): cutting bundled holdings on it keeps every
/// vertex they have.
pub const BUILD_GRID: [f64; 4] = [60.0, 20.0, 160.0, 80.0];

/// The grid to cut zones on: the build's when every snapshot lies inside
/// it, else one covering every snapshot.
pub fn grid_for(snapshots: &[Snapshot]) -> Grid {
    grid_within(
        snapshots,
        crate::model::extent(snapshots.iter().flat_map(|s| &s.holdings)),
    )
}

/// [`grid_for`] with the snapshots' extent ([`crate::model::extent`] of
/// every holding) found before: a run has it already, and finding it is a
/// pass over every vertex.
pub fn grid_within(snapshots: &[Snapshot], extent: Option<Rect<f64>>) -> Grid {
    let [w, s, e, n] = BUILD_GRID;
    let build = Rect::new(Coord { x: w, y: s }, Coord { x: e, y: n });
    match extent {
        Some(r) if r.min().x >= w && r.min().y >= s && r.max().x <= e && r.max().y <= n => {
            Grid::new(build)
        }
        _ => Grid::covering(
            snapshots
                .iter()
                .flat_map(|s| s.holdings.iter().map(|h| &h.geometry)),
        ),
    }
}

/// `snapshot` as the reading has it: each `(zone, holder)` in `assigned`
/// gives the zone's land (the zone within the snapshot's study region) to
/// the holder, the later assignment winning where zones overlap. Holders
/// the assigned zones do not reach keep their geometry unchanged; a holder
/// left with nothing is dropped; a holder the snapshot does not have is
/// added. Returns `None` when nothing changes.
///
/// # Assumptions
/// Holdings densified as the analysis has them; zones densified the same
/// way. The region is taken as the union of the holdings: a zone reaching
/// beyond it (into the sea) adds no land.
pub fn apply(
    snapshot: &Snapshot,
    zones: &[&Zone],
    holders: &[&str],
    grid: &Grid,
) -> Option<Snapshot> {
    apply_on(snapshot, zones, holders, grid, Path::Fast, None)
}

/// [`apply`] for one of several (reading, snapshot) pairs that share
/// `cuts`: a zone's piece of a holding, a zone's land and a holder's cut
/// that another pair made from the same inputs are taken from it (see
/// [`Cuts`]). The result is [`apply`]'s.
pub fn apply_sharing<'a>(
    snapshot: &'a Snapshot,
    zones: &[&'a Zone],
    holders: &[&str],
    grid: &Grid,
    cuts: &Cuts<'a>,
) -> Option<Snapshot> {
    apply_on(snapshot, zones, holders, grid, Path::Fast, Some(cuts))
}

/// What the readings' cuts of the drawn snapshots have in common, made
/// once: a holding that several snapshots have, coordinate for coordinate
/// (the Undemarcated land and Russia of 1689 and 1727 in the bundled
/// data), gives each zone the same piece in each, the zone the same land,
/// and the holder the same cut, in every (reading, snapshot) pair that
/// assigns the same zones. Each is a function of its inputs only, so the
/// one made first is the one each pair would make. Only the pieces and
/// cuts of such repeated holdings are kept (a holding in one snapshot
/// only, the Qing mainland, is not copied into the store), and every
/// zone's land, with its pieces as its key.
pub struct Cuts<'a> {
    /// The holdings' geometries that more than one snapshot has.
    repeated: Vec<&'a MultiPolygon<f64>>,
    /// A zone's piece of a repeated geometry: by the zone's address and
    /// the geometry's place in `repeated`.
    pieces: Store<(usize, usize)>,
    /// A zone's land: by the addresses of the zone and of the zones
    /// assigned after it, and its pieces (a piece of a holding in one
    /// snapshot only may be the same as another's: the zone's part of the
    /// Qing of 1689 and of 1727).
    lands: Store<(Vec<usize>, Vec<MultiPolygon<f64>>)>,
    /// A repeated geometry's cut: by its place in `repeated` and the
    /// places in `lands` of what it gains and what it loses.
    cuts: Store<(usize, Vec<usize>, Vec<usize>)>,
    /// How many pieces, lands and cuts were taken from the stores.
    reused: std::sync::atomic::AtomicUsize,
}

/// Geometries made once by whichever pair asks first, by key, each with
/// its place in the store.
type Store<K> = std::sync::Mutex<Vec<(K, std::sync::Arc<std::sync::OnceLock<MultiPolygon<f64>>>)>>;

impl<'a> Cuts<'a> {
    /// A store for the cuts of `snapshots` (the drawn ones).
    pub fn new(snapshots: &'a [Snapshot]) -> Self {
        let all: Vec<&MultiPolygon<f64>> = snapshots
            .iter()
            .flat_map(|s| s.holdings.iter().map(|h| &h.geometry))
            .collect();
        let mut repeated: Vec<&MultiPolygon<f64>> = Vec::new();
        for (i, g) in all.iter().enumerate() {
            let again = all[i + 1..].iter().any(|o| same_geometry(g, o));
            if again && !repeated.iter().any(|r| same_geometry(r, g)) {
                repeated.push(g);
            }
        }
        Cuts {
            repeated,
            pieces: Store::default(),
            lands: Store::default(),
            cuts: Store::default(),
            reused: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// How many pieces, lands and cuts a pair took from this store rather
    /// than making them.
    pub fn reused(&self) -> usize {
        self.reused.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The geometry stored under `key`, made by `make` if no pair has
    /// made it yet, and its place in `store`. Making one never asks the
    /// store for another, so no two pairs wait for each other.
    fn stored<K: PartialEq>(
        &self,
        store: &Store<K>,
        key: K,
        make: impl FnOnce() -> MultiPolygon<f64>,
    ) -> (usize, MultiPolygon<f64>) {
        let (place, cell) = {
            let mut list = store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match list.iter().position(|(k, _)| *k == key) {
                Some(i) => {
                    self.reused
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    (i, list[i].1.clone())
                }
                None => {
                    let cell = std::sync::Arc::default();
                    list.push((key, std::sync::Arc::clone(&cell)));
                    (list.len() - 1, cell)
                }
            }
        };
        (place, cell.get_or_init(make).clone())
    }

    /// The place of `g` in `repeated`, if it is there.
    fn repeated(&self, g: &MultiPolygon<f64>) -> Option<usize> {
        self.repeated.iter().position(|r| same_geometry(r, g))
    }
}

/// Equal coordinate for coordinate, the cheap differences first.
fn same_geometry(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> bool {
    std::ptr::eq(a, b)
        || (a.0.len() == b.0.len()
            && a.0.iter().zip(&b.0).all(|(p, q)| {
                p.exterior().0.len() == q.exterior().0.len()
                    && p.interiors().len() == q.interiors().len()
            })
            && a == b)
}

/// [`apply`] the plain way, the reference path (see the module notes):
/// every holding a zone reaches overlaid whole with the zone, and every
/// changed holder's polygons near the zones overlaid again.
pub fn apply_reference(
    snapshot: &Snapshot,
    zones: &[&Zone],
    holders: &[&str],
    grid: &Grid,
) -> Option<Snapshot> {
    apply_on(snapshot, zones, holders, grid, Path::Reference, None)
}

/// Which way [`apply_on`] overlays.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Reference,
    Fast,
}

fn apply_on<'a>(
    snapshot: &'a Snapshot,
    zones: &[&'a Zone],
    holders: &[&str],
    grid: &Grid,
    path: Path,
    cuts: Option<&Cuts<'a>>,
) -> Option<Snapshot> {
    if zones.is_empty() {
        return None;
    }
    // Each holding's place among the repeated geometries of `cuts`.
    let repeated: Vec<Option<usize>> = snapshot
        .holdings
        .iter()
        .map(|h| cuts.and_then(|c| c.repeated(&h.geometry)))
        .collect();
    // Each zone's land in this snapshot: its intersection with every
    // holder, less the zones assigned after it; and which holders each
    // zone reaches. With `cuts`, each land's place in it, if it is there.
    let mut parts: Vec<MultiPolygon<f64>> = Vec::with_capacity(zones.len());
    let mut part_places: Vec<Option<usize>> = Vec::with_capacity(zones.len());
    let mut reached: Vec<Vec<bool>> = Vec::with_capacity(zones.len());
    for (k, zone) in zones.iter().enumerate() {
        let zone_box = zone.geometry.bounding_rect();
        let made: Vec<Option<MultiPolygon<f64>>> = snapshot
            .holdings
            .iter()
            .zip(&repeated)
            .map(|(h, &place)| {
                let meets = match (h.geometry.bounding_rect(), zone_box) {
                    (Some(a), Some(b)) => a.intersects(&b),
                    _ => false,
                };
                if !meets {
                    return None;
                }
                let make = || match path {
                    Path::Reference => grid.intersection(&h.geometry, &zone.geometry),
                    Path::Fast => grid
                        .intersection_without_overlay(&h.geometry, &zone.geometry)
                        .unwrap_or_else(|| grid.intersection(&h.geometry, &zone.geometry)),
                };
                let piece = match cuts.zip(place) {
                    Some((cuts, place)) => {
                        let zone_at = std::ptr::from_ref::<Zone>(zone) as usize;
                        cuts.stored(&cuts.pieces, (zone_at, place), make).1
                    }
                    None => make(),
                };
                Some(piece).filter(|p| !p.0.is_empty())
            })
            .collect();
        reached.push(made.iter().map(Option::is_some).collect());
        let pieces: Vec<&MultiPolygon<f64>> = made.iter().flatten().collect();
        let later: Vec<&MultiPolygon<f64>> = zones[k + 1..].iter().map(|z| &z.geometry).collect();
        let make = || {
            let union = || grid.boolean(&pieces, &[], OverlayRule::Subject);
            let mut land = match pieces[..] {
                // One holding's whole polygons, or one overlay's result: a
                // union of it alone gives it back, listed the overlay's way.
                [one] if path == Path::Fast => grid
                    .as_overlay_output(one)
                    .map_or_else(union, std::borrow::Cow::into_owned),
                _ => union(),
            };
            if !later.is_empty() && !land.0.is_empty() {
                land = grid.boolean(&[&land], &later, OverlayRule::Difference);
            }
            land
        };
        // The same pieces and zones make the same land.
        let (place, land) = match cuts {
            Some(cuts) => {
                let zone_places: Vec<usize> = zones[k..]
                    .iter()
                    .map(|z| std::ptr::from_ref::<Zone>(z) as usize)
                    .collect();
                let key = (zone_places, pieces.iter().map(|p| (*p).clone()).collect());
                let (i, land) = cuts.stored(&cuts.lands, key, make);
                (Some(i), land)
            }
            None => (None, make()),
        };
        parts.push(land);
        part_places.push(place);
    }
    // A zone changes something only where a holder other than the one it
    // is given to has land in it.
    let effective: Vec<bool> = reached
        .iter()
        .zip(holders)
        .map(|(r, to)| {
            r.iter()
                .zip(&snapshot.holdings)
                .any(|(hit, h)| *hit && h.state != *to)
        })
        .collect();
    if !effective.contains(&true) {
        return None;
    }
    let mut names: Vec<&str> = snapshot.holdings.iter().map(|h| h.state.as_str()).collect();
    for h in holders {
        if !names.contains(h) {
            names.push(h);
        }
    }
    let mut holdings: Vec<Holding> = Vec::with_capacity(names.len());
    let mut changed = false;
    for name in names {
        let own: Vec<&MultiPolygon<f64>> = parts
            .iter()
            .zip(holders)
            .zip(&effective)
            .filter(|((p, h), e)| **e && **h == name && !p.0.is_empty())
            .map(|((p, _), _)| p)
            .collect();
        let others: Vec<&MultiPolygon<f64>> = parts
            .iter()
            .zip(holders)
            .zip(&effective)
            .filter(|((p, h), e)| **e && **h != name && !p.0.is_empty())
            .map(|((p, _), _)| p)
            .collect();
        let index = snapshot.holdings.iter().position(|h| h.state == name);
        // Land of this holder that some zone given to another holder takes.
        let loses = index.is_some_and(|i| {
            reached
                .iter()
                .zip(holders)
                .zip(&effective)
                .any(|((r, h), e)| *e && r[i] && *h != name)
        });
        let geometry = match index.map(|i| &snapshot.holdings[i]) {
            // Untouched: the same coordinates, so its overlays are shared.
            Some(h) if own.is_empty() && !loses => h.geometry.clone(),
            Some(h) => {
                changed = true;
                let make = || match path {
                    Path::Reference => cut_and_add(&h.geometry, &own, &others, grid),
                    Path::Fast => cut_and_add_fast(&h.geometry, &own, &others, grid),
                };
                // A repeated holding's cut, stored when its lands are.
                let places = |to_self: bool| -> Option<Vec<usize>> {
                    part_places
                        .iter()
                        .zip(&parts)
                        .zip(holders)
                        .zip(&effective)
                        .filter(|(((_, p), h), e)| {
                            **e && (**h == name) == to_self && !p.0.is_empty()
                        })
                        .map(|(((place, _), _), _)| *place)
                        .collect()
                };
                let key = index
                    .and_then(|i| repeated[i])
                    .zip(places(true))
                    .zip(places(false));
                match cuts.zip(key) {
                    Some((cuts, ((at, gains), loses))) => {
                        cuts.stored(&cuts.cuts, (at, gains, loses), make).1
                    }
                    None => make(),
                }
            }
            None if own.is_empty() => continue,
            // One zone's land, an overlay's result on the grid: a union of
            // it alone gives it back.
            None if path == Path::Fast && own.len() == 1 => {
                changed = true;
                own[0].clone()
            }
            None => {
                changed = true;
                grid.boolean(&own, &[], OverlayRule::Subject)
            }
        };
        if !geometry.0.is_empty() {
            holdings.push(Holding {
                state: name.to_owned(),
                geometry,
            });
        }
    }
    holdings.sort_by(|a, b| a.state.cmp(&b.state));
    changed.then(|| Snapshot {
        year: snapshot.year,
        treaty: snapshot.treaty.clone(),
        holdings,
    })
}

/// The polygons of `held` whose boxes meet a box of `own` or `others`
/// (the zones' parts), and the rest, each in their order.
fn near_and_far<'a>(
    held: &'a MultiPolygon<f64>,
    own: &[&MultiPolygon<f64>],
    others: &[&MultiPolygon<f64>],
) -> (Vec<&'a Polygon<f64>>, Vec<&'a Polygon<f64>>) {
    let boxes: Vec<Rect<f64>> = own
        .iter()
        .chain(others)
        .filter_map(|m| m.bounding_rect())
        .collect();
    held.0.iter().partition(|p| {
        p.bounding_rect()
            .is_some_and(|r| boxes.iter().any(|b| b.intersects(&r)))
    })
}

/// `(held ∪ own) − others` on `grid`, overlaying only the polygons of
/// `held` whose boxes meet the zones' parts: the others (Sakhalin, when a
/// zone on the mainland moves) cannot meet them and are kept as they are,
/// coordinate for coordinate.
fn cut_and_add(
    held: &MultiPolygon<f64>,
    own: &[&MultiPolygon<f64>],
    others: &[&MultiPolygon<f64>],
    grid: &Grid,
) -> MultiPolygon<f64> {
    let (near, far) = near_and_far(held, own, others);
    let near = MultiPolygon::new(near.into_iter().cloned().collect());
    let mut subject = vec![&near];
    subject.extend(own.iter().copied());
    let mut out = grid.boolean(&subject, others, OverlayRule::Difference);
    out.0.extend(far.into_iter().cloned());
    out
}

/// [`cut_and_add`], without the overlay when it can change nothing: when
/// every polygon of `others` that meets the polygons of `held` near the
/// zones is one of them, vertex for vertex (an island passing whole to
/// another holder), and the holder gains nothing, those polygons are
/// dropped and the rest kept as they are, in their order; when it only
/// gains one part and keeps nothing near it, that part (an overlay's result
/// on `grid`, which another overlay on it gives back unchanged) is taken as
/// it is. Otherwise the near polygons are cut near the zones only
/// ([`Grid::cut_near`], the same result but where two vertices away
/// from the zones snap to one grid point), or, where that cannot be
/// settled, [`cut_and_add`].
fn cut_and_add_fast(
    held: &MultiPolygon<f64>,
    own: &[&MultiPolygon<f64>],
    others: &[&MultiPolygon<f64>],
    grid: &Grid,
) -> MultiPolygon<f64> {
    let (near, far) = near_and_far(held, own, others);
    let others_polygons: Vec<&Polygon<f64>> = others.iter().flat_map(|m| &m.0).collect();
    let (_, near_rest, others_rest) = split_common_of(&near, &others_polygons);
    // What is left of `others` could still cut the polygons near it.
    let untouched = |p: &Polygon<f64>| {
        let r = p.bounding_rect();
        !others_rest.iter().any(|q| {
            q.bounding_rect()
                .zip(r)
                .is_some_and(|(a, b)| a.intersects(&b))
        })
    };
    let kept = near_rest.iter().all(|p| untouched(p));
    let mut out = match own {
        // Nothing of `others` left to cut with: the near polygons stay.
        [] if kept => MultiPolygon::new(near_rest.into_iter().cloned().collect()),
        [one] if near.is_empty() && others.is_empty() => (*one).clone(),
        // The zones cut into polygons that go on beyond them: the cut
        // made near the zones only, when it can be settled there.
        _ => match grid.cut_near(&near, own, others) {
            Some(cut) => cut,
            None => return cut_and_add(held, own, others, grid),
        },
    };
    out.0.extend(far.into_iter().cloned());
    out
}

/// The distinct snapshots of `sets` (each reading's snapshots in time
/// order) and the distinct steps between consecutive ones, each once, in
/// the order first met. Two snapshots are the same when they are the same
/// object: a reading shares the drawn snapshots it leaves alone.
pub fn distinct<'a>(
    sets: &[Vec<&'a Snapshot>],
) -> (Vec<&'a Snapshot>, Vec<(&'a Snapshot, &'a Snapshot)>) {
    let mut unique: Vec<&Snapshot> = Vec::new();
    let mut steps: Vec<(&Snapshot, &Snapshot)> = Vec::new();
    for set in sets {
        for s in set {
            if !unique.iter().any(|u| std::ptr::eq(*u, *s)) {
                unique.push(s);
            }
        }
        for w in set.windows(2) {
            if !steps
                .iter()
                .any(|(e, l)| std::ptr::eq(*e, w[0]) && std::ptr::eq(*l, w[1]))
            {
                steps.push((w[0], w[1]));
            }
        }
    }
    (unique, steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::geodesy;
    use crate::model::snapshot;
    use approx::assert_relative_eq;
    use geo::polygon;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        let p = polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)];
        geodesy::densify(MultiPolygon::new(vec![p]), geodesy::DENSIFY_MAX_EDGE_M)
    }

    fn area_of(s: &Snapshot, holder: &str) -> f64 {
        s.holdings
            .iter()
            .find(|h| h.state == holder)
            .map_or(0.0, |h| geodesy::area_km2(&h.geometry))
    }

    /// A zone across the A–B line given to B: A loses its part of the
    /// zone, B gains it, the region is unchanged; a holder the zone does
    /// not reach keeps its very coordinates.
    #[test]
    fn a_zone_moves_from_one_holder_to_another() {
        let s = snapshot(
            1700,
            vec![
                ("A", rect(120.0, 50.0, 122.0, 52.0)),
                ("B", rect(122.0, 50.0, 124.0, 52.0)),
                ("C", rect(130.0, 50.0, 131.0, 51.0)),
            ],
        );
        // The zone reaches into the sea north of the region: no land there.
        let zone = Zone {
            id: "z".into(),
            geometry: rect(121.0, 51.0, 123.0, 53.0),
        };
        let grid = grid_for(std::slice::from_ref(&s));
        let v = apply(&s, &[&zone], &["B"], &grid).expect("changed");
        // What A loses B gains (the zone's edges are geodesics of their
        // own, so the piece is close to, not exactly, the 1° cell).
        let moved = area_of(&s, "A") - area_of(&v, "A");
        assert_relative_eq!(
            area_of(&v, "B"),
            area_of(&s, "B") + moved,
            max_relative = 1e-7
        );
        let cell = geodesy::area_km2(&rect(121.0, 51.0, 122.0, 52.0));
        assert_relative_eq!(moved, cell, max_relative = 1e-2);
        assert_eq!(v.holdings[2].geometry, s.holdings[2].geometry);
        // Given to its own holder already: nothing changes.
        let inside_b = Zone {
            id: "b".into(),
            geometry: rect(122.5, 50.5, 123.0, 51.0),
        };
        assert!(apply(&s, &[&inside_b], &["B"], &grid).is_none());
        // To a holder the snapshot does not have: a new holding.
        let v = apply(&s, &[&zone], &["D"], &grid).expect("changed");
        assert_eq!(v.holdings.len(), 4);
        assert_relative_eq!(
            area_of(&v, "D"),
            geodesy::area_km2(&rect(121.0, 51.0, 123.0, 52.0)),
            max_relative = 1e-7
        );
    }

    /// Two snapshots in which B is the same and A is not, cut through one
    /// store: the second takes B's piece of the zone from the first (the
    /// zone's land and B's cut differ, A's edge along the zone being
    /// densified from another corner), and both are what `apply` makes
    /// on its own.
    #[test]
    fn pairs_sharing_a_store_cut_as_apply_cuts() {
        let b = rect(122.0, 50.0, 124.0, 52.0);
        let snapshots = [
            snapshot(
                1700,
                vec![("A", rect(120.0, 50.0, 122.0, 52.0)), ("B", b.clone())],
            ),
            snapshot(1750, vec![("A", rect(120.5, 50.0, 122.0, 52.0)), ("B", b)]),
        ];
        let zone = Zone {
            id: "z".into(),
            geometry: rect(121.5, 51.0, 123.0, 53.0),
        };
        let grid = grid_for(&snapshots);
        let cuts = Cuts::new(&snapshots);
        for s in &snapshots {
            let shared = apply_sharing(s, &[&zone], &["A"], &grid, &cuts).expect("changed");
            let alone = apply(s, &[&zone], &["A"], &grid).expect("changed");
            let holdings = |s: &Snapshot| -> Vec<(String, MultiPolygon<f64>)> {
                s.holdings
                    .iter()
                    .map(|h| (h.state.clone(), h.geometry.clone()))
                    .collect()
            };
            assert_eq!(holdings(&shared), holdings(&alone));
        }
        assert_eq!(cuts.reused(), 1);
    }

    /// A closed ring through `corners` with `n` points inserted along
    /// every edge, straight in longitude/latitude and placed from the
    /// edge's lexicographically smaller end, as `bench/make_inputs.py`
    /// densifies the 10^7-vertex input: an edge two rings share gets the
    /// same points, bit for bit, in both, and they are off the grid.
    fn split_ring(corners: &[(f64, f64)], n: usize) -> geo::LineString<f64> {
        let mut points = Vec::new();
        for (k, &a) in corners.iter().enumerate() {
            let b = corners[(k + 1) % corners.len()];
            points.push(Coord { x: a.0, y: a.1 });
            let (s, e, flip) = if b < a { (b, a, true) } else { (a, b, false) };
            for j in 1..=n {
                let j = if flip { n + 1 - j } else { j };
                let f = j as f64 / (n + 1) as f64;
                points.push(Coord {
                    x: s.0 + (e.0 - s.0) * f,
                    y: s.1 + (e.1 - s.1) * f,
                });
            }
        }
        points.push(points[0]);
        geo::LineString::new(points)
    }

    fn split_polygon(corners: &[(f64, f64)], n: usize) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![geo::Polygon::new(split_ring(corners, n), vec![])])
    }

    /// A zone whose edge follows a border off the snapping grid, with the
    /// border's own vertices, is cut without a sliver: each holder comes
    /// back as one polygon. (A zone left coarse along a densified border
    /// leaves a hairline sliver at every inserted point: at 10^7 vertices
    /// of the bundled shape, about 10^5 polygons per reading's snapshot.)
    #[test]
    fn a_zone_along_a_border_off_the_grid_leaves_no_sliver() {
        let (sw, se) = ((120.0, 50.0), (124.0, 50.0));
        let (ne, nw) = ((124.0, 52.0), (120.0, 52.0));
        // The A–B border, slanted so its inserted points are off the grid.
        let (b0, b1, b2) = ((122.0, 50.0), (122.3, 50.9), (121.7, 52.0));
        let s = snapshot(
            1700,
            vec![
                ("A", split_polygon(&[sw, b0, b1, b2, nw], 40)),
                ("B", split_polygon(&[b0, se, ne, b2, b1], 40)),
            ],
        );
        // The zone: B's land west of 123° E, along the whole border.
        let zone = Zone {
            id: "z".into(),
            geometry: split_polygon(&[b0, (123.0, 50.0), (123.0, 52.0), b2, b1], 40),
        };
        let grid = grid_for(std::slice::from_ref(&s));
        let v = apply(&s, &[&zone], &["A"], &grid).expect("changed");
        let parts: Vec<usize> = v.holdings.iter().map(|h| h.geometry.0.len()).collect();
        assert_eq!(parts, [1, 1]);
        // Nothing lost or gained but the geodesic bulge of the zone's own
        // edges along B's outline, split at other points (parts in 10^7).
        assert_relative_eq!(
            area_of(&v, "A") + area_of(&v, "B"),
            area_of(&s, "A") + area_of(&s, "B"),
            max_relative = 1e-6
        );
    }

    /// Overlapping zones: the later assignment wins.
    #[test]
    fn the_later_of_two_overlapping_zones_wins() {
        let s = snapshot(1700, vec![("A", rect(120.0, 50.0, 124.0, 52.0))]);
        let z1 = Zone {
            id: "1".into(),
            geometry: rect(120.0, 50.0, 122.0, 52.0),
        };
        let z2 = Zone {
            id: "2".into(),
            geometry: rect(121.0, 50.0, 123.0, 52.0),
        };
        let grid = grid_for(std::slice::from_ref(&s));
        let v = apply(&s, &[&z1, &z2], &["B", "C"], &grid).expect("changed");
        // A keeps 123–124° E; the overlap goes to C; nothing is lost.
        assert_relative_eq!(
            area_of(&v, "A") + area_of(&v, "B") + area_of(&v, "C"),
            area_of(&s, "A"),
            max_relative = 1e-7
        );
        assert_relative_eq!(
            area_of(&v, "B"),
            geodesy::area_km2(&rect(120.0, 50.0, 121.0, 52.0)),
            max_relative = 1e-2
        );
        assert_relative_eq!(
            area_of(&v, "C"),
            geodesy::area_km2(&rect(121.0, 50.0, 123.0, 52.0)),
            max_relative = 1e-2
        );
    }

    /// Islands that the zone is, vertex for vertex, pass to the zone's
    /// holder: the fast path moves them without an overlay and gives what
    /// the reference path gives, to the bit, in the same order; a zone that
    /// cuts a polygon is overlaid by both.
    #[test]
    fn islands_move_whole_as_the_reference_moves_them() {
        let grid = Grid::new(Rect::new(
            Coord { x: 60.0, y: 20.0 },
            Coord { x: 160.0, y: 80.0 },
        ));
        // On the grid, as `make data` writes holdings and zones.
        let on_grid = |m: MultiPolygon<f64>| grid.boolean(&[&m], &[], OverlayRule::Subject);
        let mainland = on_grid(rect(120.0, 50.0, 124.0, 53.0));
        let island = on_grid(rect(124.5, 51.0, 125.0, 52.0));
        let islet = on_grid(rect(124.2, 52.5, 124.3, 52.6));
        let mut a = mainland.clone();
        a.0.extend(island.0.iter().cloned());
        a.0.extend(islet.0.iter().cloned());
        let b = on_grid(rect(118.0, 50.0, 120.0, 53.0));
        let s = snapshot(1700, vec![("A", a), ("B", b)]);
        let mut zone = island.clone();
        zone.0.extend(islet.0.iter().cloned());
        let islands = Zone {
            id: "islands".into(),
            geometry: zone,
        };
        let cut = Zone {
            id: "cut".into(),
            geometry: on_grid(rect(119.0, 51.0, 121.0, 52.0)),
        };
        for (zones, holders) in [
            (vec![&islands], vec!["B"]),
            (vec![&islands], vec!["C"]),
            (vec![&islands, &cut], vec!["C", "B"]),
            (vec![&cut], vec!["A"]),
        ] {
            let fast = apply(&s, &zones, &holders, &grid).expect("changed");
            let reference = apply_reference(&s, &zones, &holders, &grid).expect("changed");
            assert_eq!(fast.holdings.len(), reference.holdings.len());
            for (f, r) in fast.holdings.iter().zip(&reference.holdings) {
                assert_eq!(f.state, r.state);
                assert_eq!(f.geometry, r.geometry, "{} under {holders:?}", f.state);
            }
        }
        // The mainland stays as drawn when the islands leave.
        let v = apply(&s, &[&islands], &["B"], &grid).expect("changed");
        assert_eq!(v.holdings[0].geometry, mainland);
    }
}
