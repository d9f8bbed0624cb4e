//! Overlays restricted to where they can matter.
//!
//! An overlay costs time in proportion to every vertex it is given, but the
//! intersection of two holdings can only lie where both their bounding boxes
//! do. [`intersection`] first cuts each operand down to that box with a
//! linear-time rectangle clip, then overlays what is left with `i_overlay`
//! (the engine under `geo`'s `BooleanOps`). On the bundled data this cuts the
//! vertices fed to the transfer overlays by about two thirds and their time
//! by 40%.
//!
//! The overlay works on integer coordinates, snapped to a grid scaled to
//! its input's bounding box. The clipped operands would get a grid of their
//! own, finer, which changes the result in the last digits and was measured
//! up to 2.5× slower (Qing 1727 ∩ Joint 1858); a [`Grid`] keeps the grid the
//! whole operands would have had, so the result is the one `geo` gives for
//! the whole operands. One grid for a whole run (the study area's) was also
//! tried, and was as slow.
//!
//! The clip is Sutherland–Hodgman, ring by ring. Where a concave ring leaves
//! the rectangle and comes back, the clipped ring runs along the rectangle's
//! side and back again; those doubled edges enclose no area, and the overlay
//! (even–odd fill) cancels them, so the result is the same land.
//!
//! Reference path: the overlay of the whole operands on the grid they
//! define. Fast path: [`intersection`], the operands clipped to the box
//! both can lie in first, on the same [`Grid`]. Held equal by
//! `clipped_operands_give_the_same_intersection` and
//! `holes_are_clipped_too`.

use std::borrow::Cow;

use geo::{BoundingRect, Coord, LineString, MultiPolygon, Polygon, Rect};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::ShapeType;
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::core::solver::Solver;
use i_overlay::float::overlay::{FloatOverlay, OverlayOptions};
use i_overlay::i_float::adapter::FloatPointAdapter;
use i_overlay::i_float::float::rect::FloatRect;
use i_overlay::i_float::int::point::IntPoint;

use crate::geometry::overlay::thin;

/// A snapping grid for overlays: `2^k` integer steps per degree, `k` chosen
/// so that the area it covers spans at most 2^30 steps (about 3 mm at 60°
/// of extent).
#[derive(Clone)]
pub struct Grid {
    pub(super) adapter: FloatPointAdapter<[f64; 2], f64>,
    rect: Rect<f64>,
}

impl Grid {
    /// The grid for everything inside `rect`.
    pub fn new(rect: Rect<f64>) -> Grid {
        let (lo, hi) = (rect.min(), rect.max());
        Grid {
            adapter: FloatPointAdapter::new(FloatRect::new(lo.x, hi.x, lo.y, hi.y)),
            rect,
        }
    }

    /// The grid for a set of geometries: their joint bounding box.
    pub fn covering<'a>(geometries: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Grid {
        Grid::covering_boxes(
            geometries
                .into_iter()
                .filter_map(BoundingRect::bounding_rect),
        )
    }

    /// [`Grid::covering`] of geometries given by their rings' boxes
    /// ([`RingBoxes::of`] each): the same grid, without a pass over their
    /// vertices.
    pub fn covering_ring_boxes<'a>(boxes: impl IntoIterator<Item = &'a RingBoxes>) -> Grid {
        Grid::covering_boxes(boxes.into_iter().flat_map(RingBoxes::exteriors))
    }

    /// [`Grid::covering`] from boxes: the one of geometries whose
    /// exteriors' boxes, together, are these.
    fn covering_boxes(boxes: impl IntoIterator<Item = Rect<f64>>) -> Grid {
        let mut lo = Coord { x: 0.0, y: 0.0 };
        let mut hi = Coord { x: 0.0, y: 0.0 };
        let mut first = true;
        for r in boxes {
            if first {
                (lo, hi, first) = (r.min(), r.max(), false);
            } else {
                lo = Coord {
                    x: lo.x.min(r.min().x),
                    y: lo.y.min(r.min().y),
                };
                hi = Coord {
                    x: hi.x.max(r.max().x),
                    y: hi.y.max(r.max().y),
                };
            }
        }
        Grid::new(Rect::new(lo, hi))
    }

    /// A boolean operation on this grid: `rule` applied to the union of
    /// `subject` and the union of `clip` (each ring oriented first, and
    /// filled non-zero, so overlapping pieces of one side simply merge).
    ///
    /// Every vertex of the result lies on the grid, and a vertex already on
    /// it comes back bit for bit: lines that two results share keep
    /// identical coordinates however many operations on the same grid they
    /// went through. `make data` builds every snapshot this way, so that the
    /// coastline and the borders that several snapshots share are the same
    /// in each of them (which is also what lets the analysis's overlays
    /// merge them instead of crossing two nearly equal copies).
    ///
    /// Geometry outside the grid's area is not supported: callers choose a
    /// grid covering all they overlay.
    pub fn boolean(
        &self,
        subject: &[&MultiPolygon<f64>],
        clip: &[&MultiPolygon<f64>],
        rule: OverlayRule,
    ) -> MultiPolygon<f64> {
        let (subject, clip) = (oriented(subject), oriented(clip));
        let (subject, clip): (Vec<&Polygon<f64>>, Vec<&Polygon<f64>>) =
            (subject.iter().collect(), clip.iter().collect());
        self.overlay(
            &rings_of(&subject),
            &rings_of(&clip),
            None,
            rule,
            FillRule::NonZero,
            false,
        )
    }

    /// `a ∩ b` on this grid, computed on both operands clipped to the overlap
    /// of their bounding boxes. Empty when the boxes do not meet. Operands
    /// reaching outside the grid's area are overlaid whole by `geo`, on a
    /// grid of their own.
    pub fn intersection(&self, a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        let (a_boxes, b_boxes) = (RingBoxes::of(a), RingBoxes::of(b));
        let (a, b) = (a_boxes.boxed(&a.0), b_boxes.boxed(&b.0));
        let (a, b): (Vec<&Boxed>, Vec<&Boxed>) = (a.iter().collect(), b.iter().collect());
        self.intersection_of(&a, &b)
    }

    /// `a ∩ b` when it takes no overlay: the hole-free polygons both
    /// operands have (vertex for vertex, from any start), in `b`'s order,
    /// when the boxes of what is left of the two do not meet; `None` when
    /// they do. Each operand is expected to be valid, its parts overlapping
    /// nothing else of it, so nothing else of either can cut into such a
    /// polygon (see [`intersection`]).
    pub fn intersection_without_overlay(
        &self,
        a: &MultiPolygon<f64>,
        b: &MultiPolygon<f64>,
    ) -> Option<MultiPolygon<f64>> {
        let (common, a_rest, b_rest) = split_common(a, b);
        let apart = match (bounds_of(&a_rest), bounds_of(&b_rest)) {
            (Some(ra), Some(rb)) => rect_overlap(ra, rb).is_none(),
            _ => true,
        };
        apart.then(|| MultiPolygon::new(common.into_iter().cloned().collect()))
    }

    /// [`Grid::intersection`] of two sets of polygons, borrowed: each ring
    /// is clipped straight into the overlay's input, so the operands are
    /// not copied on the way (on large inputs the copies had cost more
    /// memory than the overlay itself).
    fn intersection_of(&self, a: &[&Boxed], b: &[&Boxed]) -> MultiPolygon<f64> {
        self.intersection_thinned(a, b, true)
    }

    /// [`Grid::intersection_of`], its operands thinned first (see
    /// [`thin`]) if `thinned`.
    fn intersection_thinned(&self, a: &[&Boxed], b: &[&Boxed], thinned: bool) -> MultiPolygon<f64> {
        let (Some(ra), Some(rb)) = (bounds_of_boxed(a), bounds_of_boxed(b)) else {
            return MultiPolygon::new(vec![]);
        };
        let Some(window) = rect_overlap(ra, rb) else {
            return MultiPolygon::new(vec![]);
        };
        let inside = |r: Rect<f64>| {
            r.min().x >= self.rect.min().x
                && r.min().y >= self.rect.min().y
                && r.max().x <= self.rect.max().x
                && r.max().y <= self.rect.max().y
        };
        if !inside(ra) || !inside(rb) {
            // On a grid of their own, covering every ring of both.
            let (a, b) = (polygons_of(a), polygons_of(b));
            return Grid::new(joint(ra, rb)).overlay(
                &rings_of(&a),
                &rings_of(&b),
                None,
                OverlayRule::Intersect,
                FillRule::EvenOdd,
                false,
            );
        }
        let (a_boxes, b_boxes) = (ring_boxes(a), ring_boxes(b));
        self.overlay_boxed(
            [
                (&rings_of(&polygons_of(a)), Some(&a_boxes)),
                (&rings_of(&polygons_of(b)), Some(&b_boxes)),
            ],
            Some(window),
            OverlayRule::Intersect,
            FillRule::EvenOdd,
            thinned,
        )
    }

    /// `rule` applied to the rings of `subject` and of `clip` on this grid,
    /// each ring first clipped to `window` if there is one, and, if
    /// `thinned` and `rule` is an intersection inside a window, thinned where the
    /// other operand is not (see [`thin`]).
    pub(super) fn overlay(
        &self,
        subject: &[&LineString<f64>],
        clip: &[&LineString<f64>],
        window: Option<Rect<f64>>,
        rule: OverlayRule,
        fill: FillRule,
        thinned: bool,
    ) -> MultiPolygon<f64> {
        self.overlay_boxed([(subject, None), (clip, None)], window, rule, fill, thinned)
    }

    /// [`Grid::overlay`] of the subject's and the clip's rings, each
    /// with the rings' boxes where known (one per ring, in order).
    fn overlay_boxed<'a>(
        &self,
        [(subject, subject_boxes), (clip, clip_boxes)]: [Operand<'_, 'a>; 2],
        window: Option<Rect<f64>>,
        rule: OverlayRule,
        fill: FillRule,
        thinned: bool,
    ) -> MultiPolygon<f64> {
        let box_of = |boxes: Option<&Vec<Option<Rect<f64>>>>, r: usize| {
            boxes.and_then(|b| b.get(r).copied().flatten())
        };
        // The overlay's contours are implicitly closed.
        let open = |points: &[Coord<f64>]| -> Vec<[f64; 2]> {
            let n = points.len().saturating_sub(1);
            points[..n].iter().map(|c| [c.x, c.y]).collect()
        };
        let capacity = subject.iter().chain(clip).map(|r| r.0.len()).sum();
        let solver = if capacity < ONE_THREAD_BELOW {
            ONE_THREAD
        } else {
            Solver::default()
        };
        let mut overlay =
            FloatOverlay::new_custom(self.adapter.clone(), keep_every_vertex(), solver, capacity);
        let mut restore = Restore::default();
        // An intersection's operands are thinned where the other is not
        // (see `thin`): each clipped once (borrowed where a ring lies
        // inside the window), with where it is.
        type Clipped<'r> = Vec<Option<Cow<'r, [Coord<f64>]>>>;
        let thinning: Option<[(Clipped, thin::Presence); 2]> = match window {
            Some(rect)
                if thinned && rule == OverlayRule::Intersect && capacity >= thin::THIN_FROM =>
            {
                let of = |rings: &[&'a LineString<f64>], boxes| {
                    let clipped: Clipped = rings
                        .iter()
                        .enumerate()
                        .map(|(i, r)| clipped_points(r, box_of(boxes, i), rect))
                        .collect();
                    let mut p = thin::Presence::new(rect, capacity)?;
                    for points in clipped.iter().flatten() {
                        p.add(&points[..points.len() - 1]);
                    }
                    p.finish();
                    Some((clipped, p))
                };
                of(subject, subject_boxes)
                    .zip(of(clip, clip_boxes))
                    .map(|(s, c)| [s, c])
            }
            _ => None,
        };
        for (k, (rings, boxes, shape)) in [
            (subject, subject_boxes, ShapeType::Subject),
            (clip, clip_boxes, ShapeType::Clip),
        ]
        .into_iter()
        .enumerate()
        {
            // Each operand is thinned by where the other one is.
            let (clipped, other) = match &thinning {
                Some(t) => (Some(&t[k].0), Some(&t[1 - k].1)),
                None => (None, None),
            };
            for (r, ring) in rings.iter().enumerate() {
                // Each contour is made and handed over in turn: the operands
                // are not copied whole, except clipped for thinning.
                let contour = match (clipped, other, window) {
                    (Some(clipped), Some(other), _) => {
                        let Some(points) = clipped[r].as_deref() else {
                            continue;
                        };
                        let open_points = &points[..points.len() - 1];
                        let thinned = other.thin(open_points);
                        #[cfg(test)]
                        THINNED_OUT.with(|n| {
                            n.set(
                                n.get() + open_points.len() - thinned.as_ref().map_or(0, Vec::len),
                            );
                        });
                        thinned
                    }
                    (_, _, None) => Some(open(&ring.0)),
                    (_, _, Some(rect)) => {
                        clipped_points(ring, box_of(boxes, r), rect).map(|c| open(&c))
                    }
                };
                if let Some(contour) = contour {
                    // The vertices thinned out are not noted: they lie
                    // where the other operand is not, so no vertex of the
                    // result is snapped onto the grid point of one.
                    for p in &contour {
                        restore.note(&self.adapter, *p);
                    }
                    overlay = overlay.unsafe_add_contour(&contour, shape);
                }
            }
        }
        let mut shapes = overlay.overlay(rule, fill);
        restore.apply(&self.adapter, &mut shapes);
        shapes_to_multipolygon(shapes)
    }
}

#[cfg(test)]
thread_local! {
    /// How many vertices thinning has left out of this thread's overlays.
    static THINNED_OUT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The solver of overlays below [`ONE_THREAD_BELOW`] input vertices:
/// `i_overlay`'s own, without its threads. The analysis runs its overlays
/// as parallel jobs, and `load` its dissolves, which keep every core busy
/// already; the solver's split of one overlay over rayon's threads only
/// added the cost of sharing it out (bundled run: 0.04 s less CPU without,
/// to the same bit). An overlay's split is the same serial or parallel
/// (the same split of each fragment, the marks merged).
const ONE_THREAD: Solver = Solver {
    multithreading: None,
    ..Solver::AUTO
};

/// Overlays of this many input vertices or more keep the solver's threads:
/// a large input has few overlays, one of which can take most of a stage
/// (the benchmark inputs of 10^6 and 10^7 vertices), and there the split
/// over the cores shortens it. The bundled data's largest is 0.34 million.
const ONE_THREAD_BELOW: usize = 1_000_000;

/// The input vertices that the grid moved, by where the grid put them: an
/// overlay's output vertex that is an input vertex gets its coordinates
/// back, so that a holder dissolved from features, or a piece cut from
/// holdings, keeps the vertices it was given to the bit (a millimetre's
/// move of every vertex of a long border shifts its area by parts in
/// 10⁹). Points two input vertices snapped to are left on the grid, and
/// vertices already on the grid (as `make data` writes them) cost only the
/// round trip that finds them there.
///
/// The moved vertices are listed as they come (a grid point packed in one
/// word, and the original) and looked up by grid point only once the
/// overlay is done, in a table made at its final size: 24 bytes an entry,
/// where a table keyed by the grid point's coordinates and grown vertex by
/// vertex took 32 and rehashed every entry about twice. A grid point that
/// two different input vertices snapped to maps to itself (restoring it
/// leaves it where it is). On inputs whose vertices are off the grid (the
/// 10^7 benchmark's, 11 of every 12) this table is most of an overlay's
/// own time outside the solver, and grows with the input: the bundled run
/// moves a few hundred vertices, the 10^7 benchmark about 9 million.
#[derive(Default)]
struct Restore {
    noted: Vec<(u64, [f64; 2])>,
}

/// A grid point as one word (x in the high half), for [`Restore`]'s table
/// and the splice's.
pub(super) fn packed(p: IntPoint) -> u64 {
    (u64::from(p.x as u32) << 32) | u64::from(p.y as u32)
}

/// The grid point [`packed`] into `key`.
fn unpacked(key: u64) -> IntPoint {
    IntPoint {
        x: (key >> 32) as u32 as i32,
        y: key as u32 as i32,
    }
}

impl Restore {
    fn note(&mut self, adapter: &FloatPointAdapter<[f64; 2], f64>, p: [f64; 2]) {
        let key = adapter.float_to_int(&p);
        let snapped = adapter.int_to_float(&key);
        if snapped[0].to_bits() == p[0].to_bits() && snapped[1].to_bits() == p[1].to_bits() {
            return;
        }
        self.noted.push((packed(key), p));
    }

    fn apply(self, adapter: &FloatPointAdapter<[f64; 2], f64>, shapes: &mut [Vec<Vec<[f64; 2]>>]) {
        if self.noted.is_empty() {
            return;
        }
        // Each grid point's original; the grid point itself where two
        // differ.
        let mut moved: crate::support::bits_hash::BitsMap<u64, [f64; 2]> =
            crate::support::bits_hash::BitsMap::with_capacity_and_hasher(
                self.noted.len(),
                Default::default(),
            );
        for (key, p) in self.noted {
            moved
                .entry(key)
                .and_modify(|o| {
                    if o[0].to_bits() != p[0].to_bits() || o[1].to_bits() != p[1].to_bits() {
                        *o = adapter.int_to_float(&unpacked(key));
                    }
                })
                .or_insert(p);
        }
        for p in shapes.iter_mut().flatten().flatten() {
            // An output vertex is a grid point: its key is exact.
            if let Some(original) = moved.get(&packed(adapter.float_to_int(p))) {
                *p = *original;
            }
        }
    }
}

/// The overlay's options: OGC-valid output, and every vertex kept, those
/// of the input that lie on a straight line in longitude/latitude
/// included. Edges are geodesics: a point dropped because it lies on the
/// straight lon/lat line between its neighbours would leave one long
/// geodesic in place of two short ones, which bulges towards the pole (a
/// band along a parallel digitised every 0.01° lost 0.13% that way).
fn keep_every_vertex() -> OverlayOptions<f64> {
    OverlayOptions {
        preserve_input_collinear: true,
        preserve_output_collinear: true,
        ..OverlayOptions::ogc()
    }
}

/// An overlay's shapes (outer contour first, then holes) as polygons.
fn shapes_to_multipolygon(shapes: Vec<Vec<Vec<[f64; 2]>>>) -> MultiPolygon<f64> {
    MultiPolygon::new(
        shapes
            .into_iter()
            .filter_map(|shape| {
                let mut rings = shape.into_iter().map(|path| {
                    let mut ring: LineString<f64> =
                        path.into_iter().map(|[x, y]| Coord { x, y }).collect();
                    ring.close();
                    ring
                });
                let exterior = rings.next()?;
                Some(Polygon::new(exterior, rings.collect()))
            })
            .collect(),
    )
}

/// `a ∩ b`, on the grid `geo` would use for `a` and `b`, computed on both
/// clipped to the overlap of their bounding boxes (see the module notes).
///
/// A polygon without holes that both operands have, vertex for vertex (an
/// island that stayed with the land around it from one snapshot to the
/// next), is in the result whole and skips the overlay: each operand is
/// expected to be valid, its parts overlapping nothing else of it, so
/// nothing else of either can cut into that polygon. On the bundled data
/// such islands (Sakhalin, the Primorye coast) are half the vertices of the
/// largest transfers.
pub fn intersection(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    intersection_with((a, None), (b, None), true)
}

/// [`intersection`] of operands whose rings' boxes were found before
/// ([`RingBoxes::of`] each): a run that intersects one holding with
/// several others finds them once for all (see
/// [`crate::geometry::overlay::intersections::Intersections`]). The boxes
/// are the ones [`intersection`] finds, so the result is its own, to the
/// bit; boxes not made for their operand (another count of polygons or
/// rings) are found again.
///
/// Reference path: [`intersection`], which finds the boxes itself. Fast
/// path: this. Held equal by `boxes_found_before_give_the_same_intersection`.
pub fn intersection_boxed(
    (a, a_boxes): (&MultiPolygon<f64>, &RingBoxes),
    (b, b_boxes): (&MultiPolygon<f64>, &RingBoxes),
) -> MultiPolygon<f64> {
    intersection_with((a, Some(a_boxes)), (b, Some(b_boxes)), true)
}

/// [`intersection`], its operands thinned if `thinned`. Each ring's box is
/// found once (or was, if given), for the grid, the common polygons, the
/// window and the clip.
fn intersection_with(
    (a, a_boxes): (&MultiPolygon<f64>, Option<&RingBoxes>),
    (b, b_boxes): (&MultiPolygon<f64>, Option<&RingBoxes>),
    thinned: bool,
) -> MultiPolygon<f64> {
    fn found<'r>(g: &MultiPolygon<f64>, boxes: Option<&'r RingBoxes>) -> Cow<'r, RingBoxes> {
        match boxes {
            Some(boxes) if boxes.fits(g) => Cow::Borrowed(boxes),
            _ => Cow::Owned(RingBoxes::of(g)),
        }
    }
    let (a_boxes, b_boxes) = (found(a, a_boxes), found(b, b_boxes));
    let (a, b) = (a_boxes.boxed(&a.0), b_boxes.boxed(&b.0));
    // `Grid::covering([a, b])`: the box of every exterior.
    let grid = Grid::covering_boxes(a.iter().chain(&b).filter_map(|p| p.rings[0]));
    let (a, b): (Vec<&Boxed>, Vec<&Boxed>) = (a.iter().collect(), b.iter().collect());
    let (common, a_rest, b_rest) = split_common_boxed(&a, &b);
    let mut out = grid.intersection_thinned(&a_rest, &b_rest, thinned);
    out.0.extend(common.into_iter().map(|p| p.polygon.clone()));
    out
}

/// [`intersection`] without thinning the operands (see [`thin`]): the
/// reference path the tests hold it equal to, vertex for vertex.
pub fn intersection_reference(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    intersection_with((a, None), (b, None), false)
}

/// The union of `parts` (a holder's features dissolved), on the grid of
/// their joint bounding box, every vertex kept (see [`Grid::boolean`]):
/// where two features share a border, it goes; every other vertex stays,
/// those on a straight line in longitude/latitude included.
pub fn union(parts: &[&MultiPolygon<f64>]) -> MultiPolygon<f64> {
    let polygons: Vec<&Polygon<f64>> = parts.iter().flat_map(|g| g.0.iter()).collect();
    let Some(bounds) = bounds_of(&polygons) else {
        return MultiPolygon::new(vec![]);
    };
    Grid::new(bounds).boolean(parts, &[], OverlayRule::Union)
}

/// The box covering two boxes.
pub(super) fn joint(r: Rect<f64>, q: Rect<f64>) -> Rect<f64> {
    Rect::new(
        Coord {
            x: r.min().x.min(q.min().x),
            y: r.min().y.min(q.min().y),
        },
        Coord {
            x: r.max().x.max(q.max().x),
            y: r.max().y.max(q.max().y),
        },
    )
}

/// Every polygon of `parts`, its exterior counter-clockwise and its holes
/// clockwise, as [`Grid::boolean`] hands them to the overlay.
pub(super) fn oriented(parts: &[&MultiPolygon<f64>]) -> Vec<Polygon<f64>> {
    use geo::orient::{Direction, Orient};
    parts
        .iter()
        .flat_map(|g| g.0.iter().map(|p| p.orient(Direction::Default)))
        .collect()
}

/// Every ring of `parts`: exterior, then holes, part by part.
pub(super) fn rings_of<'a>(parts: &[&'a Polygon<f64>]) -> Vec<&'a LineString<f64>> {
    parts
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .collect()
}

/// The bounding box of polygons (every ring), if they have a point.
fn bounds_of(parts: &[&Polygon<f64>]) -> Option<Rect<f64>> {
    parts
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .filter_map(BoundingRect::bounding_rect)
        .reduce(|r, q| {
            Rect::new(
                Coord {
                    x: r.min().x.min(q.min().x),
                    y: r.min().y.min(q.min().y),
                },
                Coord {
                    x: r.max().x.max(q.max().x),
                    y: r.max().y.max(q.max().y),
                },
            )
        })
}

/// A polygon with the box of each of its rings (exterior first, as
/// `LineString::bounding_rect` gives them), found once for every step of an
/// intersection that needs them: the grid, the common polygons, the window,
/// the clip. Each step took its own pass over every vertex before.
struct Boxed<'a, 'r> {
    polygon: &'a Polygon<f64>,
    rings: &'r [Option<Rect<f64>>],
}

/// The box of every ring of a geometry's polygons (exterior first, as
/// `LineString::bounding_rect` gives them; `None` for an empty ring), for
/// [`intersection_boxed`]: found once for a geometry that several
/// intersections take.
#[derive(Clone, Debug, PartialEq)]
pub struct RingBoxes {
    rects: Vec<Option<Rect<f64>>>,
    /// Where each polygon's boxes end in `rects`.
    ends: Vec<usize>,
}

impl RingBoxes {
    /// The boxes of `geometry`'s rings.
    pub fn of(geometry: &MultiPolygon<f64>) -> RingBoxes {
        RingBoxes::of_polygons(&geometry.0)
    }

    fn of_polygons<'p>(polygons: impl IntoIterator<Item = &'p Polygon<f64>>) -> RingBoxes {
        let polygons = polygons.into_iter();
        let mut boxes = RingBoxes {
            rects: Vec::with_capacity(polygons.size_hint().0),
            ends: Vec::with_capacity(polygons.size_hint().0),
        };
        for polygon in polygons {
            boxes.rects.extend(
                std::iter::once(polygon.exterior())
                    .chain(polygon.interiors())
                    .map(BoundingRect::bounding_rect),
            );
            boxes.ends.push(boxes.rects.len());
        }
        boxes
    }

    /// True when these are boxes for `geometry`'s rings: as many polygons,
    /// each with as many rings.
    fn fits(&self, geometry: &MultiPolygon<f64>) -> bool {
        self.ends.len() == geometry.0.len()
            && geometry
                .0
                .iter()
                .zip(self.starts().zip(&self.ends))
                .all(|(p, (start, end))| end - start == 1 + p.interiors().len())
    }

    /// The box of each polygon's exterior.
    fn exteriors(&self) -> impl Iterator<Item = Rect<f64>> + '_ {
        self.starts()
            .take(self.ends.len())
            .filter_map(|start| self.rects[start])
    }

    /// Where each polygon's boxes start in `rects`.
    fn starts(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(0).chain(self.ends.iter().copied())
    }

    /// `polygons` (those these boxes were found for) with their rings' boxes.
    fn boxed<'a, 'r>(
        &'r self,
        polygons: impl IntoIterator<Item = &'a Polygon<f64>>,
    ) -> Vec<Boxed<'a, 'r>> {
        polygons
            .into_iter()
            .zip(self.starts().zip(&self.ends))
            .map(|(polygon, (start, &end))| Boxed {
                polygon,
                rings: &self.rects[start..end],
            })
            .collect()
    }
}

/// Operands of [`Grid::overlay_boxed`]: rings, and their boxes if known.
type Operand<'r, 'a> = (
    &'r [&'a LineString<f64>],
    Option<&'r Vec<Option<Rect<f64>>>>,
);

/// The polygons of `parts`.
fn polygons_of<'a>(parts: &[&Boxed<'a, '_>]) -> Vec<&'a Polygon<f64>> {
    parts.iter().map(|p| p.polygon).collect()
}

/// Every ring's box, in the order of [`rings_of`].
fn ring_boxes(parts: &[&Boxed]) -> Vec<Option<Rect<f64>>> {
    parts.iter().flat_map(|p| p.rings.iter().copied()).collect()
}

/// [`bounds_of`] from the rings' boxes: the same box, in the same order
/// of reduction.
fn bounds_of_boxed(parts: &[&Boxed]) -> Option<Rect<f64>> {
    parts
        .iter()
        .flat_map(|p| p.rings.iter().copied().flatten())
        .reduce(joint)
}

/// The polygons of `b` that `a` also has, then the rest of `a`, then the
/// rest of `b` (see [`split_common`]).
pub(crate) type Split<'a, 'b> = (
    Vec<&'b Polygon<f64>>,
    Vec<&'a Polygon<f64>>,
    Vec<&'b Polygon<f64>>,
);

/// The hole-free polygons of `b` that `a` also has, with the same vertices
/// in the same order from some start (each matched once), and what is left
/// of `a` and of `b` without them.
fn split_common<'a, 'b>(a: &'a MultiPolygon<f64>, b: &'b MultiPolygon<f64>) -> Split<'a, 'b> {
    let (a, b): (Vec<&Polygon<f64>>, Vec<&Polygon<f64>>) =
        (a.0.iter().collect(), b.0.iter().collect());
    split_common_of(&a, &b)
}

/// [`split_common`] of two sets of polygons, borrowed.
pub(crate) fn split_common_of<'a, 'b>(
    a: &[&'a Polygon<f64>],
    b: &[&'b Polygon<f64>],
) -> Split<'a, 'b> {
    let (a_boxes, b_boxes) = (
        RingBoxes::of_polygons(a.iter().copied()),
        RingBoxes::of_polygons(b.iter().copied()),
    );
    let (a, b) = (
        a_boxes.boxed(a.iter().copied()),
        b_boxes.boxed(b.iter().copied()),
    );
    let (a, b): (Vec<&Boxed>, Vec<&Boxed>) = (a.iter().collect(), b.iter().collect());
    let (common, a_rest, b_rest) = split_common_boxed(&a, &b);
    (
        polygons_of(&common),
        polygons_of(&a_rest),
        polygons_of(&b_rest),
    )
}

/// [`split_common_of`] of polygons with their rings' boxes.
#[allow(clippy::type_complexity)]
fn split_common_boxed<'x, 'a, 'b, 'r>(
    a: &[&'x Boxed<'a, 'r>],
    b: &[&'x Boxed<'b, 'r>],
) -> (
    Vec<&'x Boxed<'b, 'r>>,
    Vec<&'x Boxed<'a, 'r>>,
    Vec<&'x Boxed<'b, 'r>>,
) {
    /// The ring's vertices from its least one (by coordinates), closing point dropped.
    fn canonical(p: &Polygon<f64>) -> Option<Vec<[u64; 2]>> {
        if !p.interiors().is_empty() {
            return None;
        }
        let ring = &p.exterior().0;
        let open = ring.get(..ring.len().checked_sub(1)?)?;
        let least = (0..open.len()).min_by(|&i, &j| {
            open[i]
                .x
                .total_cmp(&open[j].x)
                .then(open[i].y.total_cmp(&open[j].y))
        })?;
        Some(
            open[least..]
                .iter()
                .chain(&open[..least])
                .map(|c| [c.x.to_bits(), c.y.to_bits()])
                .collect(),
        )
    }
    let everything = || (Vec::new(), a.to_vec(), b.to_vec());
    let Some(window) = bounds_of_boxed(a)
        .zip(bounds_of_boxed(b))
        .and_then(|(ra, rb)| rect_overlap(ra, rb))
    else {
        return everything();
    };
    // The exterior's box, as `Polygon::bounding_rect` gives it.
    let inside = |p: &Boxed| {
        p.rings[0].is_some_and(|r| {
            r.min().x >= window.min().x
                && r.min().y >= window.min().y
                && r.max().x <= window.max().x
                && r.max().y <= window.max().y
        })
    };
    // Only polygons inside the boxes' overlap can be in both.
    let mut in_a: crate::support::bits_hash::BitsMap<Vec<[u64; 2]>, Vec<usize>> =
        crate::support::bits_hash::BitsMap::with_capacity_and_hasher(a.len(), Default::default());
    for (i, p) in a.iter().enumerate() {
        if inside(p) {
            if let Some(key) = canonical(p.polygon) {
                in_a.entry(key).or_default().push(i);
            }
        }
    }
    if in_a.is_empty() {
        return everything();
    }
    let mut taken_a = vec![false; a.len()];
    let mut common = Vec::new();
    let mut b_rest = Vec::new();
    for q in b {
        let matched = inside(q)
            .then(|| canonical(q.polygon))
            .flatten()
            .and_then(|key| in_a.get_mut(&key))
            .and_then(Vec::pop);
        match matched {
            Some(i) => {
                taken_a[i] = true;
                common.push(*q);
            }
            None => b_rest.push(*q),
        }
    }
    let a_rest = a
        .iter()
        .zip(&taken_a)
        .filter(|(_, taken)| !**taken)
        .map(|(p, _)| *p)
        .collect();
    (common, a_rest, b_rest)
}

/// The overlap of two geometries' bounding boxes, if they meet.
pub fn overlap(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Option<Rect<f64>> {
    rect_overlap(a.bounding_rect()?, b.bounding_rect()?)
}

/// The overlap of two boxes, if they meet.
fn rect_overlap(ra: Rect<f64>, rb: Rect<f64>) -> Option<Rect<f64>> {
    let min = Coord {
        x: ra.min().x.max(rb.min().x),
        y: ra.min().y.max(rb.min().y),
    };
    let max = Coord {
        x: ra.max().x.min(rb.max().x),
        y: ra.max().y.min(rb.max().y),
    };
    (min.x <= max.x && min.y <= max.y).then(|| Rect::new(min, max))
}

/// The part of `geometry` inside `rect`, ring by ring as the overlays clip
/// them (see the module notes: it may carry zero-width doubled edges along
/// the rectangle's sides, which an even–odd overlay removes). The tests
/// compare overlays of it with overlays of the whole.
#[cfg(test)]
fn clip_to_rect(geometry: &MultiPolygon<f64>, rect: Rect<f64>) -> MultiPolygon<f64> {
    let polygons = geometry
        .0
        .iter()
        .filter_map(|polygon| {
            let exterior = clip_ring(polygon.exterior(), rect)?;
            let interiors = polygon
                .interiors()
                .iter()
                .filter_map(|ring| clip_ring(ring, rect))
                .collect();
            Some(Polygon::new(exterior, interiors))
        })
        .collect();
    MultiPolygon::new(polygons)
}

/// One ring clipped to `rect`, closed; `None` when fewer than three points
/// are left.
pub(super) fn clip_ring(ring: &LineString<f64>, rect: Rect<f64>) -> Option<LineString<f64>> {
    clipped_points(ring, None, rect).map(|points| LineString::new(points.into_owned()))
}

/// [`clip_ring`]'s points, borrowed when the ring lies inside `rect`;
/// `bounds` is the ring's box if known.
fn clipped_points(
    ring: &LineString<f64>,
    bounds: Option<Rect<f64>>,
    rect: Rect<f64>,
) -> Option<Cow<'_, [Coord<f64>]>> {
    let bounds = bounds.or_else(|| ring.bounding_rect())?;
    let (lo, hi) = (rect.min(), rect.max());
    if bounds.max().x < lo.x
        || bounds.min().x > hi.x
        || bounds.max().y < lo.y
        || bounds.min().y > hi.y
    {
        return None;
    }
    if bounds.min().x >= lo.x
        && bounds.max().x <= hi.x
        && bounds.min().y >= lo.y
        && bounds.max().y <= hi.y
    {
        return (ring.0.len() >= 4).then_some(Cow::Borrowed(&ring.0[..]));
    }
    // Cut open (the closing point dropped), closed again after. The first
    // pass reads the ring where it is, and the passes take turns with one
    // spare vector (each pass made a new one, after a copy of the whole
    // ring: five vectors of up to 10^5 vertices for one clip).
    //
    // Only the sides the ring's box crosses are passed over: on a side
    // the box lies within, every point is inside, and the pass would copy
    // its input as it is (what is left of the ring after the other passes
    // lies within the box too). A large holding's ring crosses one or two
    // sides of an overlay's window; the four passes were about 300
    // million instructions of a bundled run (callgrind), 1.5% of it.
    // Reference path: `clipped_points_reference`
    // (every side passed), held equal by `skipped_sides_clip_the_same`.
    let open = open_ring(&ring.0);
    let sides = [
        (bounds.min().x < lo.x).then_some(Side::West(lo.x)),
        (bounds.max().x > hi.x).then_some(Side::East(hi.x)),
        (bounds.min().y < lo.y).then_some(Side::South(lo.y)),
        (bounds.max().y > hi.y).then_some(Side::North(hi.y)),
    ];
    let mut sides = sides.into_iter().flatten();
    let mut points = Vec::with_capacity(open.len() + 4);
    match sides.next() {
        Some(side) => clip_side(open, side, &mut points),
        None => points.extend_from_slice(open),
    }
    let mut spare = Vec::with_capacity(points.len() + 4);
    for side in sides {
        if points.len() < 3 {
            return None;
        }
        clip_side(&points, side, &mut spare);
        std::mem::swap(&mut points, &mut spare);
    }
    if points.len() < 3 {
        return None;
    }
    points.push(points[0]);
    Some(Cow::Owned(points))
}

/// A ring's points without the closing one.
fn open_ring(ring: &[Coord<f64>]) -> &[Coord<f64>] {
    match ring {
        [first, .., last] if first == last => &ring[..ring.len() - 1],
        _ => ring,
    }
}

/// [`clipped_points`] passing every side of `rect` over the ring: the
/// reference path.
#[cfg(test)]
fn clipped_points_reference(ring: &LineString<f64>, rect: Rect<f64>) -> Option<Vec<Coord<f64>>> {
    rect_overlap(ring.bounding_rect()?, rect)?;
    let (lo, hi) = (rect.min(), rect.max());
    let open = open_ring(&ring.0);
    let mut points = Vec::new();
    clip_side(open, Side::West(lo.x), &mut points);
    for side in [Side::East(hi.x), Side::South(lo.y), Side::North(hi.y)] {
        if points.len() < 3 {
            return None;
        }
        let mut next = Vec::new();
        clip_side(&points, side, &mut next);
        points = next;
    }
    if points.len() < 3 {
        return None;
    }
    points.push(points[0]);
    Some(points)
}

/// One side of the clip rectangle, with the coordinate of its line.
#[derive(Clone, Copy)]
enum Side {
    West(f64),
    East(f64),
    South(f64),
    North(f64),
}

impl Side {
    fn inside(self, c: Coord<f64>) -> bool {
        match self {
            Side::West(x) => c.x >= x,
            Side::East(x) => c.x <= x,
            Side::South(y) => c.y >= y,
            Side::North(y) => c.y <= y,
        }
    }

    /// Where the segment `a`–`b` (one end on each side) crosses the line.
    fn crossing(self, a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
        match self {
            Side::West(x) | Side::East(x) => Coord {
                x,
                y: a.y + (x - a.x) * (b.y - a.y) / (b.x - a.x),
            },
            Side::South(y) | Side::North(y) => Coord {
                x: a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y),
                y,
            },
        }
    }
}

/// One Sutherland–Hodgman pass: the open ring `points` cut by one side,
/// into `out` (emptied first).
fn clip_side(points: &[Coord<f64>], side: Side, out: &mut Vec<Coord<f64>>) {
    // One loop for each side, so that the test in it is not a match on
    // the side at every point.
    match side {
        Side::West(x) => clip_side_by(points, |c| Side::West(x).inside(c), side, out),
        Side::East(x) => clip_side_by(points, |c| Side::East(x).inside(c), side, out),
        Side::South(y) => clip_side_by(points, |c| Side::South(y).inside(c), side, out),
        Side::North(y) => clip_side_by(points, |c| Side::North(y).inside(c), side, out),
    }
}

/// [`clip_side`] with the side's test given (`side.inside`).
#[inline(always)]
fn clip_side_by(
    points: &[Coord<f64>],
    inside: impl Fn(Coord<f64>) -> bool,
    side: Side,
    out: &mut Vec<Coord<f64>>,
) {
    out.clear();
    let Some(&last) = points.last() else {
        return;
    };
    let mut previous = last;
    let mut previous_inside = inside(previous);
    for &current in points {
        let current_inside = inside(current);
        if current_inside != previous_inside {
            out.push(side.crossing(previous, current));
        }
        if current_inside {
            out.push(current);
        }
        previous = current;
        previous_inside = current_inside;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area, BooleanOps, CoordsIter};

    /// The restore table gives an output vertex back the input vertex that
    /// snapped to it, leaves a grid point that two input vertices snapped
    /// to where it is, and does not note vertices already on the grid.
    #[test]
    fn restore_gives_back_moved_vertices_only() {
        let grid = Grid::new(Rect::new(
            Coord { x: 60.0, y: 20.0 },
            Coord { x: 160.0, y: 80.0 },
        ));
        let adapter = &grid.adapter;
        let lone = [120.000_000_123, 50.000_000_77];
        let on = adapter.int_to_float(&adapter.float_to_int(&[121.5, 51.25]));
        // Two vertices a hundredth of a step apart: one grid point.
        let step = 100.0 / f64::from(1u32 << 30);
        let twin = [122.000_000_31, 49.000_000_17];
        let other = [twin[0] + step / 100.0, twin[1]];
        let snap = |p: [f64; 2]| adapter.int_to_float(&adapter.float_to_int(&p));
        assert_eq!(snap(twin), snap(other));
        let mut restore = Restore::default();
        for p in [lone, on, twin, other] {
            restore.note(adapter, p);
        }
        assert_eq!(
            restore.noted.len(),
            3,
            "the vertex on the grid is not noted"
        );
        let mut shapes = vec![vec![vec![snap(lone), on, snap(twin), [100.0, 40.0]]]];
        restore.apply(adapter, &mut shapes);
        assert_eq!(
            shapes,
            vec![vec![vec![lone, on, snap(twin), [100.0, 40.0]]]]
        );
        // Grid points pack into one word and back, west and south of the
        // grid's centre too.
        for p in [[-5, 7], [i32::MIN, i32::MAX], [3, -9]] {
            let k = IntPoint { x: p[0], y: p[1] };
            assert_eq!(unpacked(packed(k)), k);
        }
    }

    /// On one grid, a line that went through an overlay comes out of the
    /// next one bit for bit: a shape snapped once is a fixed point of union
    /// and of intersection with a larger shape, and the part of its outline
    /// that a cut leaves alone keeps its coordinates.
    #[test]
    fn one_grid_keeps_lines_bit_for_bit() {
        let grid = Grid::new(Rect::new(
            Coord { x: 60.0, y: 20.0 },
            Coord { x: 160.0, y: 80.0 },
        ));
        let wiggly: MultiPolygon<f64> = MultiPolygon::new(vec![polygon![
            (x: 120.000_000_123, y: 50.000_000_77),
            (x: 121.333_333_333, y: 50.100_000_01),
            (x: 122.718_281_828, y: 49.900_000_03),
            (x: 122.900_000_07, y: 51.414_213_56),
            (x: 121.100_000_09, y: 51.732_050_81),
            (x: 120.200_000_11, y: 51.000_000_13),
        ]]);
        let snapped = grid.boolean(&[&wiggly], &[], OverlayRule::Subject);
        assert_ne!(snapped, wiggly, "the input is off the grid");
        let again = grid.boolean(&[&snapped], &[], OverlayRule::Subject);
        assert_eq!(again, snapped);
        let larger = MultiPolygon::new(vec![polygon![
            (x: 119.0, y: 49.0), (x: 124.0, y: 49.0), (x: 124.0, y: 53.0), (x: 119.0, y: 53.0),
        ]]);
        assert_eq!(
            grid.boolean(&[&snapped], &[&larger], OverlayRule::Intersect),
            snapped
        );
        // Cut off the east: every vertex west of the cut survives exactly.
        let west = MultiPolygon::new(vec![polygon![
            (x: 119.0, y: 49.0), (x: 122.0, y: 49.0), (x: 122.0, y: 53.0), (x: 119.0, y: 53.0),
        ]]);
        let cut = grid.boolean(&[&snapped], &[&west], OverlayRule::Intersect);
        let kept: Vec<Coord<f64>> = cut.0.iter().flat_map(|p| p.exterior().0.clone()).collect();
        for c in snapped.0[0].exterior().0.iter().filter(|c| c.x < 122.0) {
            assert!(kept.contains(c), "{c:?} moved");
        }
    }

    /// An island both operands have, listed from different starting
    /// vertices, comes through whole and bit for bit; the rest is overlaid,
    /// and the land is what `geo` gives for the whole operands.
    #[test]
    fn common_islands_skip_the_overlay() {
        let island = polygon![
            (x: 125.1, y: 50.1), (x: 125.6, y: 50.2), (x: 125.5, y: 50.7), (x: 125.2, y: 50.6),
        ];
        let mut rotated = island.exterior().0.clone();
        rotated.pop();
        rotated.rotate_left(2);
        let rotated = Polygon::new(LineString::from(rotated), vec![]);
        let a = MultiPolygon::new(vec![
            polygon![(x: 120.0, y: 48.0), (x: 124.0, y: 48.0), (x: 124.0, y: 52.0), (x: 120.0, y: 52.0)],
            island.clone(),
        ]);
        let b = MultiPolygon::new(vec![
            rotated,
            polygon![(x: 122.0, y: 47.0), (x: 126.0, y: 47.0), (x: 126.0, y: 49.5), (x: 122.0, y: 49.5)],
        ]);
        let (common, a_rest, b_rest) = split_common(&a, &b);
        assert_eq!(common.len(), 1);
        assert_eq!((a_rest.len(), b_rest.len()), (1, 1));
        let got = intersection(&a, &b);
        assert!(got.0.iter().any(|p| p
            .exterior()
            .0
            .iter()
            .all(|c| island.exterior().0.contains(c))
            && p.exterior().0.len() == island.exterior().0.len()));
        let expected = a.intersection(&b);
        assert!((got.unsigned_area() - expected.unsigned_area()).abs() < 1e-9);
        // An island with a hole, or one only one side has, is overlaid as usual.
        let holed = Polygon::new(
            island.exterior().clone(),
            vec![LineString::from(vec![
                (125.3, 50.3),
                (125.4, 50.3),
                (125.4, 50.4),
                (125.3, 50.3),
            ])],
        );
        let a = MultiPolygon::new(vec![holed.clone()]);
        let b = MultiPolygon::new(vec![holed]);
        assert!(split_common(&a, &b).0.is_empty());
        assert!((intersection(&a, &b).unsigned_area() - a.unsigned_area()).abs() < 1e-9);
    }

    /// The intersection on operands clipped to their boxes' overlap, however
    /// little the clip removes.
    fn always_clipped(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        let window = overlap(a, b).expect("boxes meet");
        clip_to_rect(a, window).intersection(&clip_to_rect(b, window))
    }

    /// A U opening north with its arms reaching past y = 3, and a hole in
    /// its base.
    fn u_shape() -> MultiPolygon<f64> {
        MultiPolygon::new(vec![Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (5.0, 0.0),
                (5.0, 5.0),
                (4.0, 5.0),
                (4.0, 1.0),
                (1.0, 1.0),
                (1.0, 5.0),
                (0.0, 5.0),
                (0.0, 0.0),
            ]),
            vec![LineString::from(vec![
                (2.0, 0.25),
                (2.0, 0.75),
                (3.0, 0.75),
                (3.0, 0.25),
                (2.0, 0.25),
            ])],
        )])
    }

    #[test]
    fn clipped_operands_give_the_same_intersection() {
        let u = u_shape();
        // A box over the top of both arms and the gap between them: the
        // clipped U runs along the box's south side between the arms.
        let other = MultiPolygon::new(vec![polygon![
            (x: -1.0, y: 3.0), (x: 6.0, y: 3.0), (x: 6.0, y: 8.0), (x: -1.0, y: 8.0),
        ]]);
        let whole = u.intersection(&other);
        let clipped = always_clipped(&u, &other);
        let on_grid = Grid::covering([&u, &other]).intersection(&u, &other);
        assert!((on_grid.unsigned_area() - whole.unsigned_area()).abs() < 1e-9);
        assert_eq!(on_grid.0.len(), 2);
        assert!((whole.unsigned_area() - 4.0).abs() < 1e-9);
        assert!((clipped.unsigned_area() - whole.unsigned_area()).abs() < 1e-9);
        assert_eq!(clipped.0.len(), 2, "the two arms stay apart: {clipped:?}");
    }

    /// A closed ring through `corners`, with a point every `step` degrees
    /// along each side, straight in longitude/latitude; `wiggle` bends the
    /// points of sides running north or south east and west (a border
    /// drawn in detail).
    fn detailed(corners: &[(f64, f64)], step: f64, wiggle: f64) -> LineString<f64> {
        let mut points = Vec::new();
        for (k, &(x0, y0)) in corners.iter().enumerate() {
            let (x1, y1) = corners[(k + 1) % corners.len()];
            let n = (((x1 - x0).abs() + (y1 - y0).abs()) / step).ceil().max(1.0) as usize;
            for i in 0..n {
                let t = i as f64 / n as f64;
                let y = y0 + (y1 - y0) * t;
                let bend = if x0 == x1 {
                    wiggle * (y * 40.0).sin()
                } else {
                    0.0
                };
                points.push((x0 + (x1 - x0) * t + bend, y));
            }
        }
        points.push(points[0]);
        LineString::from(points)
    }

    /// Two holders sharing a detailed border, with a hole and an enclave in
    /// it, islands on either side, a stretch where their borders differ by
    /// a hair (slivers) and a piece one holds inside the other: thinning
    /// each operand where the other is not leaves the intersection as it
    /// was, vertex for vertex, and it does thin them.
    #[test]
    fn thinned_operands_give_the_same_intersection() {
        let step = 0.002;
        let west_border = [(120.0, 50.0), (124.0, 50.0), (124.0, 54.0), (120.0, 54.0)];
        let a = MultiPolygon::new(vec![
            Polygon::new(
                detailed(&west_border, step, 0.02),
                // A hole, with an enclave of `b` inside it.
                vec![detailed(
                    &[(121.0, 51.0), (121.0, 52.0), (122.0, 52.0), (122.0, 51.0)],
                    step,
                    0.0,
                )],
            ),
            // An island off the east holder's coast, in its box.
            Polygon::new(
                detailed(
                    &[(126.0, 54.5), (126.5, 54.5), (126.5, 55.0), (126.0, 55.0)],
                    step,
                    0.0,
                ),
                vec![],
            ),
        ]);
        // The east holder: the same wiggle one way along most of the
        // border, a hair off it in the north (slivers), and a square
        // reaching into `a`.
        let east = detailed(
            &[(124.0, 50.0), (128.0, 50.0), (128.0, 55.5), (124.0, 55.5)],
            step,
            0.0,
        );
        let east: Vec<(f64, f64)> = east
            .0
            .iter()
            .map(|c| {
                if c.x <= 124.03 && c.x >= 123.97 && c.y < 54.0 {
                    let shift = if c.y > 53.5 { 1e-4 } else { 0.0 };
                    (124.0 + 0.02 * (c.y * 40.0).sin() + shift, c.y)
                } else {
                    (c.x, c.y)
                }
            })
            .collect();
        let b = MultiPolygon::new(vec![
            Polygon::new(LineString::from(east), vec![]),
            Polygon::new(
                detailed(
                    &[(121.2, 51.2), (121.2, 51.8), (121.8, 51.8), (121.8, 51.2)],
                    step,
                    0.0,
                ),
                vec![],
            ),
            Polygon::new(
                detailed(
                    &[(122.5, 50.5), (122.6, 50.5), (122.6, 50.6), (122.5, 50.6)],
                    step,
                    0.0,
                ),
                vec![],
            ),
        ]);
        let vertices = a.coords_count() + b.coords_count();
        assert!(vertices >= thin::THIN_FROM, "{vertices} vertices");
        let before = THINNED_OUT.with(std::cell::Cell::get);
        let thinned = intersection(&a, &b);
        let dropped = THINNED_OUT.with(std::cell::Cell::get) - before;
        assert!(
            dropped > vertices / 4,
            "{dropped} of {vertices} vertices thinned out"
        );
        let reference = intersection_reference(&a, &b);
        assert_eq!(thinned, reference);
        // The overlap square and slivers along the north of the border.
        assert!(thinned.0.len() >= 2, "{} pieces", thinned.0.len());
        assert_eq!(intersection(&b, &a), intersection_reference(&b, &a));
    }

    /// Passing only the sides a ring's box crosses clips every ring as
    /// passing all four does, point for point: rings crossing no side,
    /// one, two opposite ones and all four, and rings left with too few
    /// points.
    #[test]
    fn skipped_sides_clip_the_same() {
        let mut uniform = crate::support::testing::Uniform::new(0x5eed_c11b_0000_0001);
        let mut clipped = 0;
        for _ in 0..400 {
            let (cx, cy) = (uniform.next(4.0) + 120.0, uniform.next(4.0) + 45.0);
            let radius = uniform.next(3.0) + 0.01;
            let n = 3 + (uniform.next(60.0) as usize);
            let mut points: Vec<Coord<f64>> = (0..n)
                .map(|i| {
                    let angle = i as f64 / n as f64 * std::f64::consts::TAU;
                    let r = radius * (0.3 + uniform.next(0.7));
                    Coord {
                        x: cx + r * angle.cos(),
                        y: cy + r * angle.sin(),
                    }
                })
                .collect();
            points.push(points[0]);
            let ring = LineString::new(points);
            let (x0, y0) = (uniform.next(5.0) + 119.0, uniform.next(5.0) + 44.0);
            let rect = Rect::new(
                Coord { x: x0, y: y0 },
                Coord {
                    x: x0 + uniform.next(4.0) + 0.001,
                    y: y0 + uniform.next(4.0) + 0.001,
                },
            );
            for bounds in [None, ring.bounding_rect()] {
                let fast = clipped_points(&ring, bounds, rect).map(|c| c.into_owned());
                let reference = clipped_points_reference(&ring, rect);
                let bits = |p: &Option<Vec<Coord<f64>>>| {
                    p.as_ref().map(|p| {
                        p.iter()
                            .map(|c| [c.x.to_bits(), c.y.to_bits()])
                            .collect::<Vec<_>>()
                    })
                };
                assert_eq!(bits(&fast), bits(&reference), "{rect:?}");
                clipped += usize::from(fast.is_some());
            }
        }
        assert!(clipped > 200, "{clipped}");
    }

    #[test]
    fn holes_are_clipped_too() {
        let u = u_shape();
        let base = MultiPolygon::new(vec![polygon![
            (x: 2.5, y: -1.0), (x: 9.0, y: -1.0), (x: 9.0, y: 0.5), (x: 2.5, y: 0.5),
        ]]);
        let expected = u.intersection(&base).unsigned_area();
        // 2.5 × 0.5 of the U's base, less the hole's 0.5 × 0.25.
        assert!((expected - (1.25 - 0.125)).abs() < 1e-9);
        assert!((always_clipped(&u, &base).unsigned_area() - expected).abs() < 1e-9);
        let grid = Grid::covering([&u, &base]);
        assert!((grid.intersection(&u, &base).unsigned_area() - expected).abs() < 1e-9);
    }

    #[test]
    fn boxes_apart_give_nothing() {
        let far = MultiPolygon::new(vec![polygon![
            (x: 10.0, y: 10.0), (x: 11.0, y: 10.0), (x: 11.0, y: 11.0),
        ]]);
        let grid = Grid::covering([&u_shape(), &far]);
        assert!(grid.intersection(&u_shape(), &far).0.is_empty());
        assert!(overlap(&u_shape(), &far).is_none());
    }

    #[test]
    fn rings_inside_are_kept_unchanged() {
        let u = u_shape();
        let rect = Rect::new(Coord { x: -1.0, y: -1.0 }, Coord { x: 6.0, y: 6.0 });
        assert_eq!(clip_to_rect(&u, rect), u);
    }

    /// A detailed square with a hole and the U without its hole (a polygon
    /// two operands may both have whole), as one geometry; and that U.
    fn holed_and_u() -> (MultiPolygon<f64>, Polygon<f64>) {
        let holed = Polygon::new(
            detailed(
                &[(-3.0, -2.0), (8.0, -2.0), (8.0, 9.0), (-3.0, 9.0)],
                0.3,
                0.2,
            ),
            vec![LineString::from(vec![
                (6.0, 6.0),
                (7.0, 6.0),
                (7.0, 7.0),
                (6.0, 6.0),
            ])],
        );
        let u = Polygon::new(u_shape().0[0].exterior().clone(), vec![]);
        (MultiPolygon::new(vec![holed, u.clone()]), u)
    }

    /// The boxes found once give the grid, the bounds and the split the
    /// passes over the vertices gave.
    #[test]
    fn boxes_found_once_are_the_passes_boxes() {
        let (a, u) = holed_and_u();
        let b = MultiPolygon::new(vec![u, Polygon::new(LineString::new(vec![]), vec![])]);
        let (boxes_a, boxes_b) = (RingBoxes::of(&a), RingBoxes::of(&b));
        let (ba, bb) = (boxes_a.boxed(&a.0), boxes_b.boxed(&b.0));
        let grid = Grid::covering_boxes(ba.iter().chain(&bb).filter_map(|p| p.rings[0]));
        assert_eq!(grid.rect, Grid::covering([&a, &b]).rect);
        let (ra, rb): (Vec<&Boxed>, Vec<&Boxed>) = (ba.iter().collect(), bb.iter().collect());
        let (pa, pb): (Vec<&Polygon<f64>>, Vec<&Polygon<f64>>) =
            (a.0.iter().collect(), b.0.iter().collect());
        assert_eq!(bounds_of_boxed(&ra), bounds_of(&pa));
        assert_eq!(bounds_of_boxed(&rb), bounds_of(&pb));
        // The U both have is common; the holed polygon and the empty one
        // are left.
        let (common, a_rest, b_rest) = split_common_boxed(&ra, &rb);
        assert_eq!(common.len(), 1);
        assert!(std::ptr::eq(common[0].polygon, &b.0[0]));
        assert!(a_rest.len() == 1 && std::ptr::eq(a_rest[0].polygon, &a.0[0]));
        assert!(b_rest.len() == 1 && std::ptr::eq(b_rest[0].polygon, &b.0[1]));
        assert_eq!(intersection(&a, &b), intersection_reference(&a, &b));
    }

    /// Boxes found before, for the run, give the intersection that boxes
    /// found by the intersection itself give, vertex for vertex; boxes made
    /// for another geometry are not used.
    #[test]
    fn boxes_found_before_give_the_same_intersection() {
        let (a, u) = holed_and_u();
        let b = MultiPolygon::new(vec![
            u,
            Polygon::new(
                detailed(&[(1.0, 1.0), (12.0, 1.0), (5.0, 11.0)], 0.4, 0.3),
                vec![],
            ),
        ]);
        let (boxes_a, boxes_b) = (RingBoxes::of(&a), RingBoxes::of(&b));
        assert!(boxes_a.fits(&a) && boxes_b.fits(&b));
        assert_eq!(
            Grid::covering_ring_boxes([&boxes_a, &boxes_b]).rect,
            Grid::covering([&a, &b]).rect
        );
        for (x, bx, y, by) in [(&a, &boxes_a, &b, &boxes_b), (&b, &boxes_b, &a, &boxes_a)] {
            let direct = intersection(x, y);
            assert!(!direct.0.is_empty());
            // Twice: the boxes are only read.
            for _ in 0..2 {
                assert_eq!(intersection_boxed((x, bx), (y, by)), direct);
            }
        }
        // `a`'s boxes do not fit `b` (its first polygon has a hole, `b`'s
        // does not): found again.
        assert!(!boxes_a.fits(&b));
        assert_eq!(
            intersection_boxed((&b, &boxes_a), (&a, &boxes_b)),
            intersection(&b, &a)
        );
        let one = MultiPolygon::new(vec![a.0[1].clone()]);
        assert!(!boxes_a.fits(&one));
        assert_eq!(
            intersection_boxed((&one, &boxes_a), (&b, &boxes_b)),
            intersection(&one, &b)
        );
    }
}
