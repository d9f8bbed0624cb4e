//! The fast path of geodesic areas: [`AreaCache`], which remembers each
//! polygon's area by a hash of its coordinates ([`polygon_hash`]) and
//! takes the Karney terms of edges shared with rings measured before from
//! those rings ([`SharedRuns`], also the store of the equal-area
//! cross-check's projected points).
//!
//! Reference path: [`area_km2`](super::area_km2), every ring measured edge
//! by edge. The tests here hold the two equal to the bit
//! (`cached_areas_are_the_plain_ones`,
//! `shared_edges_are_taken_from_the_earlier_ring`,
//! `a_polygon_asked_for_at_once_is_measured_once`), and
//! `tests/reference_paths.rs` does for a whole run on the bundled data.

use super::{polygon_area_m2, M2_PER_KM2};
use geo::{Coord, MultiPolygon, Polygon};

/// [`area_km2`](super::area_km2), remembering each polygon's area by its
/// coordinates: snapshots and transferred pieces repeat many polygons
/// vertex for vertex (an island held through every treaty, a holder whose
/// land did not change), and a Karney area costs about half a microsecond
/// per edge.
///
/// A polygon is known by its number of points, its first point and a
/// 64-bit hash of every coordinate's bits; the value is the one
/// [`area_km2`](super::area_km2) gives for it alone, so results are the
/// same to the bit with or without the cache, in any order of use. Shared
/// between threads: a polygon one thread is measuring is not measured by
/// another (that thread measures its other polygons first, then waits for
/// it).
///
/// A polygon not seen whole before takes the terms of the edges it shares
/// with rings measured before it from those rings (the edges are
/// followed along the runs the rings share, from one point in 16):
/// in the bundled data 236,876 of the 642,530 Karney terms that the
/// whole-polygon cache leaves are computed (in each of nine runs). The
/// area is again the same to the bit.
///
/// The equal-area cross-check's areas are remembered the same way
/// ([`AreaCache::equal_area_km2`]), and its rings take the projected points
/// of the runs they share with rings projected before them
/// ([`ProjectedPoints`]: in the bundled data about 410,000 of the 780,000
/// points it projected): one cache serves one projection.
#[derive(Default)]
pub struct AreaCache {
    known: KnownAreas,
    projected: KnownAreas,
    /// `None` in a cache made by `Default`, which measures every edge of a
    /// new polygon.
    edges: Option<SharedEdges>,
    /// The same for the equal-area cross-check's projected points.
    points: Option<ProjectedPoints>,
}

/// See [`AreaCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PolygonKey {
    points: usize,
    first: [u64; 2],
    hash: u64,
}

/// FNV-1a over a polygon's coordinates' bits, ring by ring (each ring's
/// length first): polygons equal coordinate for coordinate hash equal.
pub(crate) fn polygon_hash(polygon: &Polygon<f64>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |bits: u64| hash = (hash ^ bits).wrapping_mul(0x0000_0100_0000_01b3);
    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
        mix(ring.0.len() as u64);
        for c in &ring.0 {
            mix(c.x.to_bits());
            mix(c.y.to_bits());
        }
    }
    hash
}

/// A multipolygon's hash from its polygons' ([`polygon_hash`]): equal
/// geometries hash equal (the converse is for the caller to check).
pub(crate) fn multi_polygon_hash(geometry: &MultiPolygon<f64>) -> u64 {
    geometry.0.iter().fold(0xcbf2_9ce4_8422_2325, |h, p| {
        (h ^ polygon_hash(p)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl PolygonKey {
    fn of(polygon: &Polygon<f64>) -> PolygonKey {
        let points = std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .map(|r| r.0.len())
            .sum();
        let hash = polygon_hash(polygon);
        let first = polygon
            .exterior()
            .0
            .first()
            .map_or([0, 0], |c| [c.x.to_bits(), c.y.to_bits()]);
        PolygonKey {
            points,
            first,
            hash,
        }
    }
}

impl AreaCache {
    /// A new, empty cache.
    pub fn new() -> AreaCache {
        AreaCache {
            edges: Some(SharedEdges::default()),
            points: Some(ProjectedPoints::default()),
            ..AreaCache::default()
        }
    }

    /// Geodesic area of a multipolygon, km², as [`area_km2`](super::area_km2).
    pub fn area_km2(&self, geometry: &MultiPolygon<f64>) -> f64 {
        let sum: Result<f64, std::convert::Infallible> = remembered(&self.known, geometry, |p| {
            Ok(polygon_area_m2(p, self.edges.as_ref()))
        });
        sum.unwrap_or_default() / M2_PER_KM2
    }

    /// Area of a multipolygon in one equal-area projection, km², summed
    /// from `polygon_m2`, each polygon's area in m² in that projection (the
    /// same projection at every call on one cache), which is handed the
    /// cache's store of projected points, if it keeps one, to take the
    /// points of earlier rings from and remember its own in.
    pub fn equal_area_km2<E>(
        &self,
        geometry: &MultiPolygon<f64>,
        polygon_m2: impl Fn(&Polygon<f64>, Option<&ProjectedPoints>) -> Result<f64, E>,
    ) -> Result<f64, E> {
        let measure = |p: &Polygon<f64>| polygon_m2(p, self.points.as_ref());
        Ok(remembered(&self.projected, geometry, measure)? / M2_PER_KM2)
    }
}

/// The sum over `geometry`'s polygons of `measure`, each polygon's value
/// taken from `known` when it was measured before, and remembered there
/// when it was not; summed in the polygons' order.
///
/// A polygon that another thread is measuring is not measured twice: an
/// island held through every treaty is in the pieces of several overlays
/// that finish together (Sakhalin, 58,000 edges, was measured on both
/// threads at once in most bundled runs). It is left for last, after this
/// geometry's other polygons, and then waited for if it is still being
/// measured. Measuring one polygon never waits for another, so no two
/// threads wait for each other.
fn remembered<E>(
    known: &KnownAreas,
    geometry: &MultiPolygon<f64>,
    measure: impl Fn(&Polygon<f64>) -> Result<f64, E>,
) -> Result<f64, E> {
    let slots: Vec<_> = {
        let mut known = known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        geometry
            .0
            .iter()
            .map(|p| known.entry(PolygonKey::of(p)).or_default().clone())
            .collect()
    };
    // The slot's lock is held while its polygon is measured.
    let value_of = |polygon: &Polygon<f64>, value: &mut Option<f64>| -> Result<f64, E> {
        match *value {
            Some(v) => Ok(v),
            None => {
                let v = measure(polygon)?;
                *value = Some(v);
                Ok(v)
            }
        }
    };
    let mut values = vec![0.0; slots.len()];
    let mut later = Vec::new();
    for (i, (polygon, slot)) in geometry.0.iter().zip(&slots).enumerate() {
        match slot.try_lock() {
            Ok(mut value) => values[i] = value_of(polygon, &mut value)?,
            Err(std::sync::TryLockError::Poisoned(e)) => {
                values[i] = value_of(polygon, &mut e.into_inner())?;
            }
            Err(std::sync::TryLockError::WouldBlock) => later.push(i),
        }
    }
    for i in later {
        let mut value = slots[i]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        values[i] = value_of(&geometry.0[i], &mut value)?;
    }
    // Summed in order from +0, as before (`sum` starts from −0).
    Ok(values.iter().fold(0.0, |sum, v| sum + v))
}

/// Each polygon's remembered area (see [`remembered`]): `None` until it has
/// been measured.
type KnownAreas = std::sync::Mutex<
    std::collections::HashMap<PolygonKey, std::sync::Arc<std::sync::Mutex<Option<f64>>>>,
>;

/// Values of rings already measured, for the rings measured after them:
/// a holder's land in successive snapshots, and the pieces that pass
/// between holders, follow the same coast and the same borders vertex for
/// vertex, so most of a new ring's edges are runs of an earlier ring's.
/// The values are the Karney term of each edge or each point's place in
/// the equal-area projection ([`ProjectedPoints`]): both
/// depend only on the points, so a value taken is the one that would be
/// computed.
///
/// Every 16th point of a remembered ring is indexed; a new ring is walked
/// edge by edge, and once one of its points is found in the index the walk
/// looks back along the remembered ring over the edges it passed since
/// the last run (up to 15, computed again before: about 8,000 Karney
/// terms in a bundled run), then follows it for as long as the two agree,
/// without further lookups. Remembered rings are copies (points and values: 24 or
/// 32 bytes a point), up to about eight million edges in a store.
pub struct SharedRuns<V> {
    inner: std::sync::RwLock<Remembered<V>>,
}

impl<V> Default for SharedRuns<V> {
    fn default() -> Self {
        SharedRuns {
            inner: std::sync::RwLock::new(Remembered {
                rings: Vec::new(),
                index: crate::support::bits_hash::BitsMap::default(),
                edges: 0,
            }),
        }
    }
}

/// The Karney terms of remembered rings' edges (see [`SharedRuns`]).
pub(super) type SharedEdges = SharedRuns<f64>;

/// Remembered rings' points in the equal-area projection (see
/// [`SharedRuns`]), for the equal-area cross-check (`EqualArea::polygon_m2`
/// in `io::projection`, which calls into the engine, never the reverse).
pub type ProjectedPoints = SharedRuns<Coord<f64>>;

struct Remembered<V> {
    rings: Vec<RememberedRing<V>>,
    /// A sampled point's bits → (ring, position).
    index: crate::support::bits_hash::BitsMap<[u64; 2], (u32, u32)>,
    edges: usize,
}

struct RememberedRing<V> {
    points: Vec<Coord<f64>>,
    /// A term per edge (`values[k]`: the edge from `points[k]` to
    /// `points[k + 1]`) or a value per point.
    values: Vec<V>,
}

/// One point in this many of a remembered ring is indexed.
const SAMPLE: usize = 16;

/// At most this many edges are remembered in one store (the bundled
/// data needs 370,000, so it never comes near), whatever the size of the
/// input: the first rings measured are remembered, and later rings take
/// the edges they share with those.
///
/// Eight times the 2^20 it was: a store must hold the largest rings that
/// readings change and measure again, or each reading measures them edge
/// by edge. On the 10^7-vertex benchmark input Qing's mainland ring alone
/// has 1.2 million edges, more than 2^20, and every reading that cut it
/// measured and projected it whole. In alternating runs at 1e7 2^22 took
/// 3–5 s less CPU than 2^20 (about 15%) and 2^23 another 1.2–1.6 s, the
/// peak 1.41–1.48 GB against 1.25–1.34 GB (BENCHMARKS.md, scaling
/// section). On 3.3 million vertices, whose largest ring fits in 2^20, a
/// larger store had saved nothing.
const MAX_EDGES: usize = 1 << 23;

fn point_key(c: Coord<f64>) -> [u64; 2] {
    [c.x.to_bits(), c.y.to_bits()]
}

impl<V: Copy> SharedRuns<V> {
    /// Calls `found(k, values, p)` for each edge `k` of the line `points`
    /// (a stretch of a ring) that a remembered ring has, from its point `p`
    /// (`values` are that ring's). `at` carries, from one stretch of a ring
    /// to the next, the remembered ring and position that the walk is
    /// following.
    pub(crate) fn walk(
        &self,
        points: &[Coord<f64>],
        at: &mut Option<(usize, usize)>,
        mut found: impl FnMut(usize, &[V], usize),
    ) {
        let Ok(known) = self.inner.read() else {
            return;
        };
        if known.rings.is_empty() {
            return;
        }
        // The edges before `low` were found, or looked back over.
        let mut low = 0;
        for k in 0..points.len().saturating_sub(1) {
            // The remembered ring goes on the way this one does: the walk
            // follows it; else, from a sampled point, another may.
            let goes_on =
                |&(r, p): &(usize, usize)| known.rings[r].points.get(p + 1) == Some(&points[k + 1]);
            let followed = at.filter(goes_on);
            *at = followed.or_else(|| {
                known
                    .index
                    .get(&point_key(points[k]))
                    .map(|&(r, p)| (r as usize, p as usize))
                    .filter(goes_on)
            });
            if let Some((r, p)) = *at {
                let ring = &known.rings[r];
                if followed.is_none() {
                    // Found from a sampled point: the run may have begun
                    // up to SAMPLE − 1 edges before it, edges the walk
                    // passed while no run was followed.
                    let back = (1..=k - low)
                        .take_while(|&j| {
                            j <= p && point_key(ring.points[p - j]) == point_key(points[k - j])
                        })
                        .last()
                        .unwrap_or(0);
                    for j in (1..=back).rev() {
                        found(k - j, &ring.values, p - j);
                    }
                }
                found(k, &ring.values, p);
                *at = Some((r, p + 1));
                low = k + 1;
            }
        }
    }

    /// Whether a ring of `edges` edges would still be remembered.
    pub(crate) fn has_room(&self, edges: usize) -> bool {
        edges >= SAMPLE
            && self
                .inner
                .read()
                .is_ok_and(|r| r.edges + edges <= MAX_EDGES)
    }

    /// Remembers the closed ring `points` with its `values` (a term per
    /// edge, or a value per point), while there is room.
    pub(crate) fn remember(&self, points: &[Coord<f64>], values: Vec<V>) {
        let Ok(mut remembered) = self.inner.write() else {
            return;
        };
        let edges = points.len().saturating_sub(1);
        if remembered.edges + edges > MAX_EDGES {
            return;
        }
        let (Ok(r), Ok(_)) = (
            u32::try_from(remembered.rings.len()),
            u32::try_from(points.len()),
        ) else {
            return;
        };
        remembered.edges += edges;
        for p in (0..edges).step_by(SAMPLE) {
            remembered
                .index
                .entry(point_key(points[p]))
                .or_insert((r, p as u32));
        }
        remembered.rings.push(RememberedRing {
            points: points.to_vec(),
            values,
        });
    }
}

impl SharedEdges {
    /// Into `terms`, for each edge of the line `points` (a stretch of a
    /// ring), its term where a remembered ring has the same edge, else NaN
    /// (see [`SharedRuns::walk`]).
    pub(super) fn terms_of(
        &self,
        points: &[Coord<f64>],
        at: &mut Option<(usize, usize)>,
        terms: &mut Vec<f64>,
    ) {
        terms.clear();
        terms.resize(points.len().saturating_sub(1), f64::NAN);
        self.walk(points, at, |k, values, p| terms[k] = values[p]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{area_km2, densify, ring_area_m2, wgs84, AREA, DENSIFY_MAX_EDGE_M};
    use super::*;
    use geo::{polygon, LineString};

    /// Two threads asking at once for the area of the same polygon get it
    /// measured once; a thread that finds it being measured measures its
    /// geometry's other polygons first.
    #[test]
    fn a_polygon_asked_for_at_once_is_measured_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cell = |x: f64| polygon![(x: x, y: 50.0), (x: x + 1.0, y: 50.0), (x: x + 1.0, y: 51.0)];
        let (common, own_a, own_b) = (cell(120.0), cell(122.0), cell(124.0));
        let calls: Vec<AtomicUsize> = (0..3).map(|_| AtomicUsize::new(0)).collect();
        let measure = |p: &Polygon<f64>| -> Result<f64, ()> {
            let i = [&common, &own_a, &own_b]
                .iter()
                .position(|q| *q == p)
                .expect("one of the three");
            calls[i].fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(50));
            Ok(polygon_area_m2(p, None))
        };
        let known = KnownAreas::default();
        let a = MultiPolygon::new(vec![common.clone(), own_a.clone()]);
        let b = MultiPolygon::new(vec![common.clone(), own_b.clone()]);
        let (sum_a, sum_b) = std::thread::scope(|scope| {
            let ta = scope.spawn(|| remembered(&known, &a, measure));
            let tb = scope.spawn(|| remembered(&known, &b, measure));
            (ta.join().unwrap(), tb.join().unwrap())
        });
        let plain =
            |g: &MultiPolygon<f64>| g.0.iter().fold(0.0, |s, p| s + polygon_area_m2(p, None));
        assert_eq!(sum_a.unwrap().to_bits(), plain(&a).to_bits());
        assert_eq!(sum_b.unwrap().to_bits(), plain(&b).to_bits());
        for c in &calls {
            assert_eq!(c.load(Ordering::SeqCst), 1);
        }
    }

    /// A ring measured after another takes the terms of the edges they
    /// share from it, all of them and only those (each run found from a
    /// sampled point, looked back along to where it begins, then
    /// followed), and its area is still the
    /// plain one to the bit.
    #[test]
    fn shared_edges_are_taken_from_the_earlier_ring() {
        let cells = |corners: Vec<(f64, f64)>| {
            densify(
                MultiPolygon::new(vec![Polygon::new(LineString::from(corners), vec![])]),
                DENSIFY_MAX_EDGE_M,
            )
        };
        let shared = SharedEdges::default();
        let west = cells(vec![
            (120.0, 50.0),
            (121.0, 50.0),
            (121.0, 51.0),
            (120.0, 51.0),
        ]);
        let ring = west.0[0].exterior();
        assert_eq!(
            ring_area_m2(ring, Some(&shared)).to_bits(),
            ring_area_m2(ring, None).to_bits()
        );
        // Two cells wide, with corners at 121°: its southern, western and
        // northern sides west of 121° are the first cell's, vertex for
        // vertex (densification is edge by edge).
        let both = cells(vec![
            (120.0, 50.0),
            (121.0, 50.0),
            (122.0, 50.0),
            (122.0, 51.0),
            (121.0, 51.0),
            (120.0, 51.0),
        ]);
        let wide = both.0[0].exterior();
        let edges_of = |r: &LineString<f64>| -> std::collections::HashSet<[u64; 4]> {
            r.0.windows(2)
                .map(|w| [w[0].x, w[0].y, w[1].x, w[1].y].map(f64::to_bits))
                .collect()
        };
        let in_first = edges_of(ring);
        let common = edges_of(wide).intersection(&in_first).count();
        let mut known = Vec::new();
        shared.terms_of(&wide.0, &mut None, &mut known);
        let found = known.iter().filter(|t| !t.is_nan()).count();
        // Three runs (the ring's start splits one in two), each found
        // whole: from a sampled point, back to its start and on.
        assert!(common > 100, "{common}");
        assert_eq!(found, common, "{found} of {common}");
        for (k, t) in known.iter().enumerate() {
            if !t.is_nan() {
                let (a, b) = (wide.0[k], wide.0[k + 1]);
                assert!(in_first.contains(&[a.x, a.y, b.x, b.y].map(f64::to_bits)));
                let term = wgs84()._gen_inverse(a.y, a.x, b.y, b.x, AREA).9;
                assert_eq!(t.to_bits(), term.to_bits());
            }
        }
        assert_eq!(
            ring_area_m2(wide, Some(&shared)).to_bits(),
            ring_area_m2(wide, None).to_bits()
        );
    }

    /// The cache gives what `area_km2` gives, to the bit, for polygons
    /// seen before and new ones, and tells apart polygons that differ in one
    /// coordinate.
    #[test]
    fn cached_areas_are_the_plain_ones() {
        let cell = |x: f64| {
            densify(
                MultiPolygon::new(vec![polygon![
                    (x: x, y: 50.0), (x: x + 1.0, y: 50.0), (x: x + 1.0, y: 51.0), (x: x, y: 51.0),
                ]]),
                DENSIFY_MAX_EDGE_M,
            )
        };
        // With and without shared edges.
        for cache in [AreaCache::new(), AreaCache::default()] {
            let a = cell(120.0);
            let mut b = cell(121.0);
            assert_eq!(cache.area_km2(&a).to_bits(), area_km2(&a).to_bits());
            assert_eq!(cache.area_km2(&a).to_bits(), area_km2(&a).to_bits());
            let both = MultiPolygon::new(vec![a.0[0].clone(), b.0[0].clone()]);
            assert_eq!(cache.area_km2(&both).to_bits(), area_km2(&both).to_bits());
            // Move one vertex: a different polygon, a different area.
            b.0[0].exterior_mut(|ring| ring.0[3].y += 0.01);
            assert_eq!(cache.area_km2(&b).to_bits(), area_km2(&b).to_bits());
            assert_ne!(cache.area_km2(&b), area_km2(&cell(121.0)));
        }
        assert!(AreaCache::new().edges.is_some());
        assert!(AreaCache::default().edges.is_none());
    }
}
