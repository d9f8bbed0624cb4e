//! Measurement on the WGS84 ellipsoid: geodesic areas and lengths (Karney
//! 2013, through `geographiclib-rs` as `geo`'s `GeodesicArea` uses it, and
//! `geo`'s `Geodesic` metric space), and the
//! densification that makes a lon/lat overlay agree with geodesic edges.
//!
//! Reference path: [`area_km2`], Karney's area of every ring, edge by edge.
//! Fast path: [`AreaCache`], which a run measures through (whole polygons
//! remembered by hash, shared runs of edges taken from rings measured
//! before). Held equal, to the bit, by `cached_areas_are_the_plain_ones`
//! and `shared_edges_are_taken_from_the_earlier_ring` here and by
//! `tests/reference_paths.rs` on the bundled data.

use geo::{
    Coord, Densify, Distance, Geodesic, Length, LineString, MultiLineString, MultiPolygon, Point,
    Polygon,
};
use rstar::primitives::Line;
use rstar::{PointDistance, RTree};

/// Square metres in a square kilometre.
const M2_PER_KM2: f64 = 1.0e6;

/// Longest edge, in metres, left in a geometry before it is overlaid or
/// measured. Short enough that a straight edge in lon/lat and the geodesic
/// between the same end points enclose areas that agree to well under 1e-6.
pub const DENSIFY_MAX_EDGE_M: f64 = 2_000.0;

/// Geodesic area of a multipolygon, in km².
///
/// # Units
/// Input in decimal degrees (longitude, latitude) on WGS84; output in km².
///
/// # Assumptions
/// Every edge is a geodesic on the WGS84 ellipsoid (Karney 2013, "Algorithms
/// for geodesics", as implemented by `geographiclib-rs`). Holes are
/// subtracted. Each ring encloses the smaller of the two regions it divides
/// the ellipsoid into, so ring orientation does not matter (a clockwise
/// exterior, as shapefiles store them, is not read as the rest of the globe)
/// and no single ring may enclose more than half the Earth.
pub fn area_km2(geometry: &MultiPolygon<f64>) -> f64 {
    geometry
        .0
        .iter()
        .map(|p| polygon_area_m2(p, None))
        .sum::<f64>()
        / M2_PER_KM2
}

/// [`area_km2`], remembering each polygon's area by its coordinates:
/// snapshots and transferred pieces repeat many polygons vertex for vertex
/// (an island held through every treaty, a holder whose land did not
/// change), and a Karney area costs about half a microsecond per edge.
///
/// A polygon is known by its number of points, its first point and a
/// 64-bit hash of every coordinate's bits; the value is the one
/// [`area_km2`] gives for it alone, so results are the same to the bit with
/// or without the cache, in any order of use. Shared between threads: a
/// polygon one thread is measuring is not measured by another (that
/// thread measures its other polygons first, then waits for it).
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
    /// `None` on large inputs (see [`AreaCache::for_input`]).
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

    /// A new, empty cache for an analysis of `vertices` vertices in all:
    /// one that shares edges between rings up to [`SHARE_EDGES_UP_TO`]
    /// vertices, and one that does not above. Large inputs are where memory,
    /// not time, is short (see [`crate::support::memory`]): there the remembered
    /// rings, freed at the end of the analysis, left the heap fragmented
    /// enough to raise the writing stage's peak at 10^7 vertices by about
    /// 10 MB, for no measurable gain in time (the remembered edges cover a
    /// tenth of the data).
    pub fn for_input(vertices: usize) -> AreaCache {
        if vertices <= SHARE_EDGES_UP_TO {
            AreaCache::new()
        } else {
            AreaCache::default()
        }
    }

    /// Geodesic area of a multipolygon, km², as [`area_km2`].
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

/// One polygon's geodesic area, m²: its exterior less its holes (the
/// terms of edges seen before taken from `shared`).
fn polygon_area_m2(polygon: &Polygon<f64>, shared: Option<&SharedEdges>) -> f64 {
    let ring = |r| ring_area_m2(r, shared);
    ring(polygon.exterior()) - polygon.interiors().iter().map(ring).sum::<f64>()
}

/// WGS84 ellipsoid surface area, m²: 2πa²(1 + (1 − e²)/e · atanh e).
const EARTH_M2: f64 = 510_065_621_724_088.5;

/// The area `geo`'s `geodesic_area_unsigned` gives for a polygon with this
/// ring as its exterior (the same Karney sums, point for point, the ring
/// closed if it is not), without copying the ring into a polygon; the terms
/// of edges an earlier ring had are taken from `shared`.
///
/// GeographicLib's `PolygonArea` sums, edge by edge, Karney's area term
/// `S12` between the edge and the equator, counts the edges that cross the
/// prime meridian, and reduces the sum to the ring's area. The terms are
/// summed here in the same order, with the same crossings and the same
/// reduction (a test holds this to `geo`'s value to the bit); a term depends
/// only on its edge's two end points, so one remembered is the one that
/// would be computed.
fn ring_area_m2(ring: &LineString<f64>, shared: Option<&SharedEdges>) -> f64 {
    let Some(&first) = ring.0.first() else {
        return 0.0;
    };
    let wgs84 = wgs84();
    let term = |a: Coord<f64>, b: Coord<f64>| wgs84._gen_inverse(a.y, a.x, b.y, b.x, AREA).9;
    let closing = (ring.0.last() != Some(&first)).then_some(first);
    // The points summed: the ring, closed. `PolygonArea::compute` then
    // closes it once more, from the last point added (the first) to the
    // first: a last edge of zero length.
    let closed: std::borrow::Cow<[Coord<f64>]> = match closing {
        Some(c) => std::borrow::Cow::Owned(ring.0.iter().copied().chain([c]).collect()),
        None => std::borrow::Cow::Borrowed(&ring.0),
    };
    let points = &closed[..];
    let edges = points.len().saturating_sub(1);
    // The terms are looked up a chunk of edges at a time (a lock held
    // briefly, a buffer of fixed size), and kept only for a ring that may be
    // remembered.
    const CHUNK: usize = 4096;
    let remember = shared.is_some_and(|s| s.has_room(edges));
    let mut kept: Vec<f64> = Vec::with_capacity(if remember { edges } else { 0 });
    let mut known: Vec<f64> = Vec::new();
    let mut cursor = None;
    let mut new_edges = 0;
    let mut sum = 0.0;
    let mut crossings: i64 = 0;
    for start in (0..edges).step_by(CHUNK) {
        let end = (start + CHUNK).min(edges);
        known.clear();
        if let Some(shared) = shared {
            shared.terms_of(&points[start..=end], &mut cursor, &mut known);
        }
        for (k, w) in points[start..=end].windows(2).enumerate() {
            let t = match known.get(k) {
                Some(&t) if !t.is_nan() => t,
                _ => {
                    new_edges += 1;
                    term(w[0], w[1])
                }
            };
            if remember {
                kept.push(t);
            }
            sum += t;
            crossings += transit(w[0].x, w[1].x);
        }
    }
    sum += term(first, first);
    if let Some(shared) = shared.filter(|_| remember && new_edges * 2 >= edges) {
        shared.remember(points, kept);
    }
    let a = reduce_area(sum, crossings, wgs84.area());
    a.min(EARTH_M2 - a).max(0.0)
}

/// What `_gen_inverse` is asked for: the area term only (the term does
/// not depend on what else is asked).
const AREA: u64 = geographiclib_rs::capability::AREA;

fn wgs84() -> &'static geographiclib_rs::Geodesic {
    static WGS84: std::sync::OnceLock<geographiclib_rs::Geodesic> = std::sync::OnceLock::new();
    WGS84.get_or_init(geographiclib_rs::Geodesic::wgs84)
}

/// `PolygonArea::reduce_area` for an unsigned, counter-clockwise area.
fn reduce_area(sum: f64, crossings: i64, earth: f64) -> f64 {
    let mut area = sum % earth;
    if crossings % 2 != 0 {
        area += if area < 0.0 {
            earth / 2.0
        } else {
            -earth / 2.0
        };
    }
    area = -area;
    if area < 0.0 {
        area += earth;
    }
    area
}

/// 1 or −1 where an edge from longitude `lon1` to `lon2` crosses the prime
/// meridian eastward or westward, else 0 (GeographicLib's `transit`).
fn transit(lon1: f64, lon2: f64) -> i64 {
    let lon12 = ang_diff(lon1, lon2);
    let (lon1, lon2) = (ang_normalize(lon1), ang_normalize(lon2));
    if lon12 > 0.0 && ((lon1 < 0.0 && lon2 >= 0.0) || (lon1 > 0.0 && lon2 == 0.0)) {
        1
    } else if lon12 < 0.0 && lon1 >= 0.0 && lon2 < 0.0 {
        -1
    } else {
        0
    }
}

/// An angle in degrees reduced to (−180, 180], as GeographicLib reduces it.
fn ang_normalize(x: f64) -> f64 {
    // `%` is a library call (`fmod`), four to an edge; below 360 in
    // magnitude it returns `x` itself.
    half_turns(if x == 0.0 || (x.is_finite() && x.abs() < 360.0) {
        x
    } else if x.is_finite() {
        x % 360.0
    } else {
        f64::NAN
    })
}

/// An angle in (−360°, 360°) reduced to (−180°, 180°].
fn half_turns(z: f64) -> f64 {
    let y = if z < -180.0 {
        z + 360.0
    } else if z < 180.0 {
        z
    } else {
        z - 360.0
    };
    if y == -180.0 {
        180.0
    } else {
        y
    }
}

/// `lon2 − lon1` reduced to [−180, 180] as GeographicLib's `AngDiff` rounds
/// it (only its sign is used).
fn ang_diff(lon1: f64, lon2: f64) -> f64 {
    let (x, y) = (ang_normalize(-lon1), ang_normalize(lon2));
    // Knuth's error-free sum: s + t == x + y exactly.
    let s = x + y;
    let up = s - y;
    let vpp = s - up;
    let t = -((up - x) + (vpp - y));
    let d = ang_normalize(s);
    if d == 180.0 && t > 0.0 {
        -180.0 + t
    } else {
        d + t
    }
}

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
/// follows the remembered ring for as long as the two agree, without
/// further lookups. Remembered rings are copies (points and values: 24 or
/// 32 bytes a point), up to about a million edges in a store.
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
type SharedEdges = SharedRuns<f64>;

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

/// Inputs of up to this many vertices share edges between rings (about the
/// size of the inputs [`crate::support::memory::LARGE_INPUT_BYTES`] stands for).
pub const SHARE_EDGES_UP_TO: usize = 2 * MAX_EDGES;

/// One point in this many of a remembered ring is indexed.
const SAMPLE: usize = 16;

/// At most this many edges are remembered in one store (about 25 MB of
/// Karney terms or 32 MB of projected points; the bundled data needs
/// 370,000).
const MAX_EDGES: usize = 1 << 20;

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
        for k in 0..points.len().saturating_sub(1) {
            // The remembered ring goes on the way this one does: the walk
            // follows it; else, from a sampled point, another may.
            let goes_on =
                |&(r, p): &(usize, usize)| known.rings[r].points.get(p + 1) == Some(&points[k + 1]);
            *at = at.filter(goes_on).or_else(|| {
                known
                    .index
                    .get(&point_key(points[k]))
                    .map(|&(r, p)| (r as usize, p as usize))
                    .filter(goes_on)
            });
            if let Some((r, p)) = *at {
                found(k, &known.rings[r].values, p);
                *at = Some((r, p + 1));
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
    fn terms_of(
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

/// Geodesic length of a line, in km.
///
/// # Units
/// Input in decimal degrees (longitude, latitude) on WGS84; output in km.
///
/// # Assumptions
/// Every segment is a geodesic on the WGS84 ellipsoid (Karney 2013).
pub fn length_km(line: &LineString<f64>) -> f64 {
    Geodesic.length(line) / 1_000.0
}

/// Geodesic length of a multi-line, in km (the sum of its parts).
pub fn multi_length_km(lines: &MultiLineString<f64>) -> f64 {
    lines.0.iter().map(length_km).sum()
}

/// Distances from points to a set of reference lines (a modern border, say),
/// in metres: to the nearest point of the lines, not just their nearest
/// vertex, which on a generalised line can be kilometres further.
///
/// # Assumptions
/// Segments are looked up in a lon/lat frame with longitude scaled by the
/// cosine of the lines' mean latitude; the nearest point on a segment is
/// found in a frame scaled at the query point's own latitude, and the
/// distance to it is the WGS84 geodesic (Karney 2013). Segments are taken
/// as short enough that straight lines in lon/lat and geodesics between
/// their ends are close (as in 1:1,000,000 data).
pub struct NearestLine {
    tree: RTree<Line<[f64; 2]>>,
    /// x scale of the lookup frame.
    scale: f64,
    /// How much further than the nearest in the frame a segment nearer on
    /// the ellipsoid can be: the spread of the cosine of latitude.
    reach: f64,
}

impl NearestLine {
    /// Indexes every segment of `lines` (lon/lat vertices).
    pub fn new<'a>(lines: impl IntoIterator<Item = &'a [Coord<f64>]>) -> Self {
        let lines: Vec<&[Coord<f64>]> = lines.into_iter().collect();
        let cos = |y: f64| y.to_radians().cos().max(0.05);
        let (mut low, mut high, mut sum, mut n) = (f64::INFINITY, 0.0_f64, 0.0, 0.0);
        for c in lines.iter().flat_map(|l| l.iter()) {
            let k = cos(c.y);
            (low, high, sum, n) = (low.min(k), high.max(k), sum + k, n + 1.0);
        }
        let scale = if n > 0.0 { sum / n } else { 1.0 };
        let reach = if n > 0.0 { high / low } else { 1.0 };
        let at = |c: Coord<f64>| [c.x * scale, c.y];
        let segments = lines
            .iter()
            .flat_map(|l| l.windows(2))
            .map(|w| Line::new(at(w[0]), at(w[1])))
            .collect();
        NearestLine {
            tree: RTree::bulk_load(segments),
            scale,
            reach,
        }
    }

    /// Geodesic distance in metres from `p` to the nearest point of the
    /// lines; `None` when there are no segments.
    pub fn distance_m(&self, p: Coord<f64>) -> Option<f64> {
        let here = [p.x * self.scale, p.y];
        let first = self.tree.nearest_neighbor(&here)?;
        let reach = first.distance_2(&here) * self.reach * self.reach;
        self.tree
            .locate_within_distance(here, reach * (1.0 + 1e-9))
            .map(|segment| {
                let q = self.nearest_on(segment, p);
                Geodesic.distance(Point::from(p), Point::from(q))
            })
            .min_by(f64::total_cmp)
    }

    /// The point of `segment` nearest to `p`, in a frame scaled at `p`'s
    /// latitude, returned in degrees.
    fn nearest_on(&self, segment: &Line<[f64; 2]>, p: Coord<f64>) -> Coord<f64> {
        let k = p.y.to_radians().cos();
        let (ax, ay) = (segment.from[0] / self.scale, segment.from[1]);
        let (bx, by) = (segment.to[0] / self.scale, segment.to[1]);
        let (dx, dy) = ((bx - ax) * k, by - ay);
        let (px, py) = ((p.x - ax) * k, p.y - ay);
        let length2 = dx * dx + dy * dy;
        let t = if length2 > 0.0 {
            ((px * dx + py * dy) / length2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        Coord {
            x: ax + t * (bx - ax),
            y: ay + t * (by - ay),
        }
    }
}

/// Splits every edge longer than `max_edge_m` metres with points on the
/// geodesic between its end points.
///
/// Overlays work in lon/lat, where an edge is a straight line on the plate
/// carrée; measurement treats it as a geodesic. After densification the two
/// readings of every edge coincide to well under a metre, so areas no longer
/// depend on where an edge happens to be split.
///
/// The points are those of `geo`'s geodesic `Densify`; only edges that may
/// be longer than `max_edge_m` are measured (most edges of detailed data are
/// far shorter, and a geodesic inverse for each was a tenth of a run).
pub fn densify(mut geometry: MultiPolygon<f64>, max_edge_m: f64) -> MultiPolygon<f64> {
    for p in &mut geometry.0 {
        p.exterior_mut(|r| densify_ring(r, max_edge_m));
        p.interiors_mut(|holes| {
            for r in holes {
                densify_ring(r, max_edge_m);
            }
        });
    }
    geometry
}

/// Largest radius of curvature of the WGS84 ellipsoid, a/√(1 − e²), in
/// metres (meridian and prime vertical, at the poles).
const MAX_RADIUS_M: f64 = 6_399_593.625_758_674;

/// A length no geodesic between `a` and `b` exceeds, in metres: the path
/// along the parallel of the end nearer a pole, then along the meridian,
/// with every radius of curvature taken at its largest.
fn edge_bound_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let d = (b.x - a.x).abs();
    // `%` is a library call; below 360 it changes nothing.
    let mut d_lon = if d < 360.0 { d } else { d % 360.0 };
    if d_lon > 180.0 {
        d_lon = 360.0 - d_lon;
    }
    let cos = a.y.to_radians().cos().min(b.y.to_radians().cos()).max(0.0);
    MAX_RADIUS_M * ((b.y - a.y).abs() + cos * d_lon).to_radians() * (1.0 + 1e-9)
}

/// Whether [`edge_bound_m`] of the edge is over `max_m`, without its
/// cosines when the edge is short whatever its latitude: the bound with the
/// cosine taken as 1 is never smaller (each step of the sum is monotone), so
/// when that is within `max_m` the exact one is too. Most edges of detailed
/// data are that short.
fn edge_over(a: Coord<f64>, b: Coord<f64>, max_m: f64) -> bool {
    let d_lon = (b.x - a.x).abs().min(360.0);
    let loose = MAX_RADIUS_M * ((b.y - a.y).abs() + d_lon).to_radians() * (1.0 + 1e-9);
    loose > max_m && edge_bound_m(a, b) > max_m
}

/// A point an overlay's snapping put a hair past a pole, put back on it: no
/// geodesic is defined beyond (found by the fuzzer: a dissolve of two
/// features touching the South Pole).
fn on_the_globe(c: Coord<f64>) -> Coord<f64> {
    Coord {
        x: c.x,
        y: c.y.clamp(-90.0, 90.0),
    }
}

/// Densifies `ring` in place; a ring with no edge to split keeps its
/// buffer (most rings of detailed data).
fn densify_ring(ring: &mut LineString<f64>, max_edge_m: f64) {
    for c in &mut ring.0 {
        *c = on_the_globe(*c);
    }
    let Some(first) = ring
        .0
        .windows(2)
        .position(|w| edge_over(w[0], w[1], max_edge_m))
    else {
        return;
    };
    let mut out = Vec::with_capacity(ring.0.len() + ring.0.len() / 8);
    out.extend_from_slice(&ring.0[..first]);
    for w in ring.0[first..].windows(2) {
        out.push(w[0]);
        if edge_over(w[0], w[1], max_edge_m) {
            let edge = Geodesic.densify(&LineString::new(vec![w[0], w[1]]), max_edge_m);
            if edge.0.len() > 2 {
                out.extend_from_slice(&edge.0[1..edge.0.len() - 1]);
            }
        }
    }
    out.extend(ring.0.last());
    ring.0 = out;
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use geo::{polygon, MultiPolygon};

    /// The quick test of an edge's length bound decides as the exact
    /// bound does: short and long edges, at the equator and near the poles,
    /// across the antimeridian, and longitude steps of 360° and more.
    #[test]
    fn edge_over_decides_as_the_bound_does() {
        let mut uniform = crate::support::testing::Uniform::new(0x2545_f491_4f6c_dd1d);
        let mut next = |scale: f64| uniform.next(scale);
        let mut disagreements = 0;
        let mut over = 0;
        for i in 0..200_000 {
            let a = Coord {
                x: next(720.0) - 360.0,
                y: next(180.0) - 90.0,
            };
            let step = [1e-4, 0.01, 0.1, 1.0, 400.0][i % 5];
            let b = Coord {
                x: a.x + next(2.0 * step) - step,
                y: (a.y + next(2.0 * step) - step).clamp(-90.0, 90.0),
            };
            for max_m in [100.0, 5_000.0, 50_000.0] {
                let exact = edge_bound_m(a, b) > max_m;
                over += usize::from(exact);
                disagreements += usize::from(edge_over(a, b, max_m) != exact);
            }
        }
        assert_eq!(disagreements, 0);
        assert!(over > 100_000, "the cases include long edges: {over}");
    }

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

    /// Skipping the remainder below 360° changes no angle's bits.
    #[test]
    fn ang_normalize_without_the_remainder_is_the_same() {
        let with_remainder = |x: f64| half_turns(if x == 0.0 { x } else { x % 360.0 });
        let mut uniform = crate::support::testing::Uniform::new(0x1234_5678_9abc_def1);
        let special = [
            0.0,
            -0.0,
            180.0,
            -180.0,
            359.999_999_999_999_94,
            -360.0,
            360.0,
            540.0,
            -540.0,
            1e-300,
            -1e-300,
        ];
        let random = (0..100_000).map(|_| uniform.next(2000.0) - 1000.0);
        for x in special.into_iter().chain(random) {
            assert_eq!(
                ang_normalize(x).to_bits(),
                with_remainder(x).to_bits(),
                "{x}"
            );
        }
    }

    /// Distance to a line is to its nearest point, between vertices too,
    /// and to an end point past the line's end; it matches the geodesic
    /// distance to that point to the millimetre.
    #[test]
    fn distance_to_a_line_is_to_its_nearest_point() {
        let meridian = [Coord { x: 120.0, y: 40.0 }, Coord { x: 120.0, y: 50.0 }];
        let across = [Coord { x: 130.0, y: 45.0 }, Coord { x: 131.0, y: 45.0 }];
        let lines = NearestLine::new([&meridian[..], &across[..]]);
        let geodesic = |a: (f64, f64), b: (f64, f64)| {
            Geodesic.distance(Point::new(a.0, a.1), Point::new(b.0, b.1))
        };
        // Beside the meridian, 5° from either vertex.
        let d = lines.distance_m(Coord { x: 120.1, y: 45.0 }).unwrap();
        assert_relative_eq!(d, geodesic((120.1, 45.0), (120.0, 45.0)), epsilon = 1e-3);
        assert!((7_800.0..8_000.0).contains(&d), "{d}");
        // Past the meridian's northern end.
        let d = lines.distance_m(Coord { x: 120.0, y: 50.5 }).unwrap();
        assert_relative_eq!(d, geodesic((120.0, 50.5), (120.0, 50.0)), epsilon = 1e-3);
        // Nearer the second line than the first.
        let d = lines.distance_m(Coord { x: 130.5, y: 45.01 }).unwrap();
        assert!((1_000.0..1_200.0).contains(&d), "{d}");
        assert!(NearestLine::new([])
            .distance_m(Coord { x: 0.0, y: 0.0 })
            .is_none());
    }

    /// Ring areas are `geo`'s `GeodesicArea` values to the bit, closed
    /// rings or not, either winding, wherever they lie: across the prime
    /// meridian and the antimeridian (where the crossings count), around a
    /// pole, and in the southern hemisphere.
    #[test]
    fn ring_areas_are_geos() {
        use geo::GeodesicArea;
        let ring = |lon: f64, lat: f64, closed: bool, reverse: bool| {
            let mut points: Vec<Coord<f64>> = (0..50)
                .map(|i| {
                    let t = i as f64 / 50.0 * std::f64::consts::TAU;
                    let x = lon + 3.0 * t.cos() + 0.1 * (7.0 * t).sin();
                    Coord {
                        // Longitudes as data give them: in −180..180.
                        x: if x > 180.0 { x - 360.0 } else { x },
                        y: lat + 2.0 * t.sin(),
                    }
                })
                .collect();
            if reverse {
                points.reverse();
            }
            if closed {
                points.push(points[0]);
            }
            LineString::new(points)
        };
        for (lon, lat) in [(125.0, 48.0), (0.0, 51.0), (179.0, -17.0), (-60.0, 87.5)] {
            for closed in [true, false] {
                for reverse in [false, true] {
                    let r = ring(lon, lat, closed, reverse);
                    // The smaller of the two regions the ring divides the
                    // ellipsoid into.
                    let a = Polygon::new(r.clone(), vec![]).geodesic_area_unsigned();
                    let expected = a.min(EARTH_M2 - a);
                    assert_eq!(
                        ring_area_m2(&r, None).to_bits(),
                        expected.to_bits(),
                        "{lon} {lat}"
                    );
                    assert!((1.0e10..1.0e12).contains(&expected), "{expected}");
                }
            }
        }
        assert_eq!(ring_area_m2(&LineString::new(vec![]), None), 0.0);
    }

    /// A ring measured after another takes the terms of the edges they
    /// share from it, and only those (each run found from a sampled point
    /// within [`SAMPLE`] edges, then followed), and its area is still the
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
        // within SAMPLE edges.
        assert!(common > 100, "{common}");
        assert!(found + 3 * SAMPLE >= common, "{found} of {common}");
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
        // With and without shared edges (small and large inputs).
        for cache in [
            AreaCache::for_input(1_000),
            AreaCache::for_input(SHARE_EDGES_UP_TO + 1),
        ] {
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
        assert!(AreaCache::for_input(1_000).edges.is_some());
        assert!(AreaCache::for_input(SHARE_EDGES_UP_TO + 1).edges.is_none());
    }

    /// A 1°×1° cell between 50° and 51° N, with geodesic edges (the meridians
    /// are geodesics, the two parallels are not). Reference value from
    /// GeographicLib's own `Planimeter` 2.1 (Debian `geographiclib-tools`):
    /// `printf '50 120\n50 121\n51 121\n51 120\n' | Planimeter -p 12`
    /// prints 7,892,061,583.20654 m².
    #[test]
    fn clockwise_rings_give_the_same_area() {
        let ccw = polygon![(x: 120.0, y: 50.0), (x: 121.0, y: 50.0), (x: 121.0, y: 51.0), (x: 120.0, y: 51.0)];
        let mut cw = ccw.clone();
        cw.exterior_mut(|r| r.0.reverse());
        let a = area_km2(&MultiPolygon::new(vec![ccw]));
        let b = area_km2(&MultiPolygon::new(vec![cw]));
        assert_relative_eq!(a, 7_892.061_583_206_54, epsilon = 1e-6);
        assert_relative_eq!(a, b, epsilon = 1e-6);
    }

    #[test]
    fn one_degree_cell_matches_planimeter() {
        let cell = MultiPolygon::new(vec![polygon![
            (x: 120.0, y: 50.0),
            (x: 121.0, y: 50.0),
            (x: 121.0, y: 51.0),
            (x: 120.0, y: 51.0),
        ]]);
        assert_relative_eq!(area_km2(&cell), PLANIMETER_CELL_KM2, max_relative = 1e-9);
    }

    const PLANIMETER_CELL_KM2: f64 = 7_892.061_583_206_54;

    #[test]
    fn densify_keeps_geodesic_area() {
        let cell = MultiPolygon::new(vec![polygon![
            (x: 120.0, y: 50.0),
            (x: 121.0, y: 50.0),
            (x: 121.0, y: 51.0),
            (x: 120.0, y: 51.0),
        ]]);
        let dense = densify(cell.clone(), DENSIFY_MAX_EDGE_M);
        assert!(dense.0[0].exterior().0.len() > 100);
        assert_relative_eq!(area_km2(&dense), area_km2(&cell), max_relative = 1e-9);
    }

    /// The fast path must not change a single point: compare with `geo`'s
    /// own densification on edges of every length, at every latitude.
    #[test]
    fn densify_matches_geo() {
        let mut ring = Vec::new();
        let mut x = 100.0;
        for i in 0..400 {
            let lat = -85.0 + (i as f64) * 0.425;
            // Edge lengths from metres to hundreds of kilometres.
            x += 1e-5 * 1.6_f64.powi(i % 24);
            ring.push((x, lat));
        }
        ring.push((100.0, 85.0));
        ring.push((100.0, -85.0));
        let mp = MultiPolygon::new(vec![Polygon::new(LineString::from(ring), vec![])]);
        for max in [50.0, 2_000.0, 100_000.0] {
            assert_eq!(
                densify(mp.clone(), max),
                Geodesic.densify(&mp, max),
                "max edge {max} m"
            );
        }
    }

    #[test]
    fn equator_degree_length() {
        // One degree of longitude on the equator is a / 180 · π on WGS84.
        let line = LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]);
        let expected = 6_378.137 * std::f64::consts::PI / 180.0;
        assert_relative_eq!(length_km(&line), expected, max_relative = 1e-12);
    }
}
