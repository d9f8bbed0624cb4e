//! A cut made where it changes something: `(held ∪ add) − remove` when
//! `add` and `remove` are small and `held` is large (a zone of a reading
//! moved out of the Qing mainland, one ring of 10^5 vertices), overlaid on
//! the part of `held` near them only and spliced back into the rest of its
//! rings.
//!
//! Nothing outside the box of `add` and `remove` can change, so only the
//! edges of `held` that come near that box need the overlay. The window is
//! that box grown to hold every such edge whole, plus two steps of the
//! grid, its sides on grid lines; `held`'s rings are clipped to it (as
//! [`Grid::intersection`] clips them) and overlaid with `add` and `remove`.
//! An edge of `held` that reaches out of the window meets neither, so it
//! stays as it is: the result is the window's result without its edges on
//! the window's sides (and without the pieces of edges that leave it) and
//! `held`'s edges that reach out of the window, joined end to end. Each
//! ring is then started, oriented and ordered as the overlay of the whole
//! would have it, so that the result is that overlay's, bit for bit.
//!
//! The window's result may have holes (a lake a zone leaves, hairline
//! slivers between a zone's edge and a border): the window's sides cannot
//! cut them, so each goes whole into the polygon that its polygon of the
//! window's result is part of. i_overlay lists a polygon's holes in two
//! groups: first the rings it splits off an exterior that touches itself
//! (counter-clockwise, as it walks them), then the holes it joins to the
//! polygon, in the order of their least vertices; the cut lists them so.
//! Holes of `held` away from the window stay as drawn and are joined the
//! same way, to the polygon around them.
//!
//! Rings of the window's result may touch at a point: polygons (hairline
//! slivers a zone leaves along a border), holes, a hole and its exterior.
//! Where i_overlay meets such a point it takes, of the edges not yet
//! walked, the one nearest in angle to the edge it came by, so each ring
//! keeps to the sector it bounds there, whichever ring it walks first:
//! rings touching at a point come out as the same rings in both overlays.
//! The cut takes them as the window's result has them, also where a ring
//! goes on beyond the window's sides, unless an end of a run (where the
//! window's result is joined to `held` outside) lies on such a point.
//!
//! Where that cannot be settled (a hole of `held` near the window or with
//! a vertex on the grid point of another ring's, a vertex of `held` on a
//! side of the window, ends that do not join one to one, a ring of the
//! window's result touching itself, an end of a run where rings touch, a
//! joined ring clockwise, a hole in no polygon), the cut answers `None`
//! and the caller overlays the whole. On the 10^7-vertex benchmark input
//! one cut still does: a holding of 65,000 vertices whose hole touches
//! its exterior at a point (0.1 s of overlay).
//!
//! Outside the window `held`'s vertices stay as drawn. The overlay of the
//! whole gives them back too, unless two different vertices of `held`
//! outside the window snap to one grid point: it then leaves both on that
//! point, and where the ring runs within a step of the grid of itself the
//! snapped ring can cross or touch itself there, which the overlay splits
//! into slivers and holes far from any zone. The cut keeps such vertices
//! as the drawn snapshot has them, so that a reading changes a holding
//! near its zones only, as it does on data on the grid. On the 10^7-vertex
//! benchmark input (points inserted along every edge, off the grid) the
//! overlay of the whole turned Qing's 166 polygons without holes (1727,
//! cut by one zone) into 207 with 24 holes, invalid for GEOS (a
//! self-intersection at 138.35° E 53.86° N, about 1,000 km from the zone),
//! while the cut keeps 166 valid polygons, the drawn count, with the same
//! area to 0.001 km² (BENCHMARKS.md, scaling). Since the cut takes rings
//! touching at a point, the same holds for Qing under `maps-1850s` (1689
//! and 1727): 10 polygons with 7 holes where the overlay of the whole
//! gives 36 with 30 and 59 with 165, self-intersecting about 1,000 km from
//! the zone; the same areas to 0.0001 km². The cut's polygons are those
//! of that overlay but for the one it made cross itself, and both keep
//! the window's own result: hairline slivers there (at 136.69° E 53.88°
//! N) that GEOS finds self-intersecting in floating point in either.
//!
//! Reference path: [`Grid::boolean`] of the whole of `held`, `add` and
//! `remove`. Fast path: [`Grid::cut_near`]. Held equal, bit for bit, when
//! no two vertices of `held` outside the window snap to one grid point
//! (data on the grid, as `make data` writes it, and the bundled readings),
//! by `a_local_cut_is_the_whole_overlay` here and on the bundled readings
//! by `tests/reference_paths.rs`, for rings touching at a point by
//! `rings_touching_at_a_point_are_the_whole_overlay`; where two do, the
//! cut keeps them as drawn (`vertices_outside_the_window_stay_as_drawn`).

use std::borrow::Cow;

use geo::{BoundingRect, Coord, Intersects, LineString, MultiPolygon, Polygon, Winding};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::i_float::int::point::IntPoint;

use super::clip::{clip_ring, oriented, packed, rings_of, Grid};
use crate::support::bits_hash::BitsMap;

impl Grid {
    /// The grid point `c` snaps to.
    fn key(&self, c: Coord<f64>) -> IntPoint {
        self.adapter.float_to_int(&[c.x, c.y])
    }

    /// Whether `c` is a grid point itself.
    fn on_grid(&self, c: Coord<f64>) -> bool {
        let [x, y] = self.adapter.int_to_float(&self.key(c));
        x.to_bits() == c.x.to_bits() && y.to_bits() == c.y.to_bits()
    }

    /// Whether `m` is already what an overlay on this grid makes of it, so
    /// that [`Grid::boolean`] of it alone gives it back: hole-free polygons
    /// whose vertices the overlay gives back (on the grid, or off it with no
    /// other vertex snapping to the same grid point), each exterior
    /// counter-clockwise and listed from the vertex before its least one
    /// (by grid coordinates, x then y), the polygons in the order of those
    /// least vertices. `m` is expected to be valid, as holdings and
    /// overlays' results are.
    pub fn is_overlay_output(&self, m: &MultiPolygon<f64>) -> bool {
        matches!(self.as_overlay_output(m), Some(Cow::Borrowed(_)))
    }

    /// What [`Grid::boolean`] of `m` alone gives, without the overlay,
    /// when the overlay only lists `m`'s polygons its own way: hole-free
    /// polygons whose vertices it gives back (as for
    /// [`Grid::is_overlay_output`]), counter-clockwise, each with one least
    /// vertex, none sharing it. Each ring is then started from the vertex
    /// before its least one and the polygons ordered by those vertices, as
    /// the overlay lists them ([`Grid::cut_near`] orders its result the
    /// same way); `m` itself when it is in that order already. `None`
    /// otherwise, and the caller is to overlay it.
    ///
    /// A drawn polygon with points inserted off the grid along its edges
    /// (the 10^7-vertex benchmark input) is started and ordered as drawn,
    /// not as the overlay lists it: Sakhalin's 58 polygons (764,254
    /// vertices) took an overlay of 1.4 s for each reading that moves it.
    ///
    /// Reference path: [`Grid::boolean`] of `m` alone. Fast path: this.
    /// Held equal by `a_drawn_holding_is_listed_as_the_overlay_lists_it`.
    pub fn as_overlay_output<'m>(
        &self,
        m: &'m MultiPolygon<f64>,
    ) -> Option<Cow<'m, MultiPolygon<f64>>> {
        let vertices =
            m.0.iter()
                .flat_map(|p| &p.exterior().0)
                .map(|&c| (c, self.key(c)));
        if m.0.iter().any(|p| !p.interiors().is_empty()) || !self.gives_back(vertices) {
            return None;
        }
        let mut leasts: Vec<(IntPoint, usize)> = Vec::with_capacity(m.0.len());
        let mut in_order = true;
        for p in &m.0 {
            let open = &p.exterior().0[..p.exterior().0.len().saturating_sub(1)];
            let (at, least) = self.least(open)?;
            if !p.exterior().is_ccw() {
                return None;
            }
            in_order &= at == 1 && leasts.last().is_none_or(|(l, _)| *l < least);
            leasts.push((least, at));
        }
        if in_order {
            return Some(Cow::Borrowed(m));
        }
        let mut order: Vec<usize> = (0..m.0.len()).collect();
        order.sort_by_key(|&i| leasts[i].0);
        if order.windows(2).any(|w| leasts[w[0]].0 == leasts[w[1]].0) {
            return None;
        }
        let polygons = order.into_iter().map(|i| {
            let ring = &m.0[i].exterior().0;
            let n = ring.len() - 1;
            let start = (leasts[i].1 + n - 1) % n;
            let mut points = Vec::with_capacity(n + 1);
            points.extend_from_slice(&ring[start..n]);
            points.extend_from_slice(&ring[..=start]);
            Polygon::new(LineString::new(points), vec![])
        });
        Some(Cow::Owned(MultiPolygon::new(polygons.collect())))
    }

    /// The index and grid point of the least vertex of an open ring; `None`
    /// when it has fewer than three or two vertices share that point.
    fn least(&self, open: &[Coord<f64>]) -> Option<(usize, IntPoint)> {
        if open.len() < 3 {
            return None;
        }
        let mut best = (0, self.key(open[0]));
        let mut tied = false;
        for (i, &c) in open.iter().enumerate().skip(1) {
            let k = self.key(c);
            if k < best.1 {
                best = (i, k);
                tied = false;
            } else if k == best.1 {
                tied = true;
            }
        }
        (!tied).then_some(best)
    }

    /// Whether an overlay of `vertices` (with their grid points) gives
    /// every one of them back as it is: true when no two of them snap to
    /// one grid point unless they are the same. A densified edge's inserted
    /// points are off the grid, and the overlay puts such a point back
    /// unless another vertex snaps to its grid point too.
    fn gives_back(&self, vertices: impl Iterator<Item = (Coord<f64>, IntPoint)> + Clone) -> bool {
        let mut moved: BitsMap<u64, [u64; 2]> = BitsMap::default();
        for (c, k) in vertices.clone() {
            if self.on_grid(c) {
                continue;
            }
            let bits = [c.x.to_bits(), c.y.to_bits()];
            if *moved.entry(packed(k)).or_insert(bits) != bits {
                return false;
            }
        }
        moved.is_empty()
            || !vertices
                .into_iter()
                .any(|(c, k)| self.on_grid(c) && moved.contains_key(&packed(k)))
    }

    /// `(held ∪ add) − remove` on this grid, as [`Grid::boolean`] gives it
    /// for the whole of `held`, overlaying only the part of `held` near
    /// `add` and `remove` (see the module notes); `None` when that cannot
    /// be settled, and the caller is to overlay the whole. Vertices of
    /// `held` outside the window come back as drawn, also two that the
    /// overlay of the whole would put on one grid point.
    ///
    /// # Assumptions
    /// `held` valid; `add` and `remove` apart from each other; everything
    /// inside the grid's area, as for [`Grid::boolean`].
    pub fn cut_near(
        &self,
        held: &[&Polygon<f64>],
        add: &[&MultiPolygon<f64>],
        remove: &[&MultiPolygon<f64>],
    ) -> Option<MultiPolygon<f64>> {
        let zones = add
            .iter()
            .chain(remove)
            .filter_map(|m| m.bounding_rect())
            .reduce(super::clip::joint)?;
        // The zones' box on the grid, a step wider on each side.
        let (lo, hi) = (self.key(zones.min()), self.key(zones.max()));
        let mut window = [
            lo.x.saturating_sub(1),
            lo.y.saturating_sub(1),
            hi.x.saturating_add(1),
            hi.y.saturating_add(1),
        ];
        let rings: Vec<Cow<'_, LineString<f64>>> = held
            .iter()
            .map(|p| {
                let ring = p.exterior();
                if ring.is_ccw() {
                    Cow::Borrowed(ring)
                } else {
                    let mut r = ring.clone();
                    r.0.reverse();
                    Cow::Owned(r)
                }
            })
            .collect();
        let mut keys: Vec<Vec<IntPoint>> = Vec::with_capacity(rings.len());
        for ring in &rings {
            let open = &ring.0[..ring.0.len().saturating_sub(1)];
            if open.len() < 3 {
                return None;
            }
            keys.push(open.iter().map(|&c| self.key(c)).collect());
        }
        // Every edge that comes near the zones whole inside the window.
        let near = window;
        for k in &keys {
            for (i, a) in k.iter().enumerate() {
                let b = k[(i + 1) % k.len()];
                let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
                let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
                if x1 >= near[0] && x0 <= near[2] && y1 >= near[1] && y0 <= near[3] {
                    window = [
                        window[0].min(x0),
                        window[1].min(y0),
                        window[2].max(x1),
                        window[3].max(y1),
                    ];
                }
            }
        }
        window = [
            window[0].saturating_sub(2),
            window[1].saturating_sub(2),
            window[2].saturating_add(2),
            window[3].saturating_add(2),
        ];
        // Holes of `held` away from the window stay as drawn (clockwise,
        // from their least vertex, as the overlay lists a hole it joins to
        // a polygon); one that comes near it is left to the overlay of the
        // whole, and so is one with a vertex on the grid point of a vertex
        // of another ring (a hole touching the exterior, which i_overlay
        // splits off the exterior and lists another way).
        let mut drawn_holes: Vec<(IntPoint, LineString<f64>)> = Vec::new();
        let mut hole_points: BitsMap<u64, usize> = BitsMap::default();
        for (h, hole) in held.iter().flat_map(|p| p.interiors()).enumerate() {
            for &c in &hole.0[..hole.0.len().saturating_sub(1)] {
                if hole_points
                    .insert(packed(self.key(c)), h)
                    .is_some_and(|o| o != h)
                {
                    return None;
                }
            }
        }
        if !hole_points.is_empty()
            && keys
                .iter()
                .flatten()
                .any(|&k| hole_points.contains_key(&packed(k)))
        {
            return None;
        }
        for hole in held.iter().flat_map(|p| p.interiors()) {
            let open = &hole.0[..hole.0.len().saturating_sub(1)];
            let k: Vec<IntPoint> = open.iter().map(|&c| self.key(c)).collect();
            let apart = k.iter().all(|k| k.x < window[0])
                || k.iter().all(|k| k.x > window[2])
                || k.iter().all(|k| k.y < window[1])
                || k.iter().all(|k| k.y > window[3]);
            if !apart {
                return None;
            }
            let mut open = open.to_vec();
            if self.twice_area(&open) > 0 {
                open.reverse();
            }
            let (at, least) = self.least(&open)?;
            open.rotate_left(at);
            open.push(open[0]);
            drawn_holes.push((least, LineString::new(open)));
        }
        // No vertex of `held` on a side's line: the clip and the grid then
        // agree on which vertices lie inside.
        let on_line = |k: IntPoint| {
            k.x == window[0] || k.x == window[2] || k.y == window[1] || k.y == window[3]
        };
        if keys.iter().flatten().any(|&k| on_line(k)) {
            return None;
        }
        let inside =
            |k: IntPoint| k.x > window[0] && k.x < window[2] && k.y > window[1] && k.y < window[3];
        // Inside the window both overlays see the same vertices snap to
        // each grid point. Outside it the vertices stay as drawn, also
        // where the overlay of the whole would move two of them onto one
        // grid point (see the module notes).
        let corner = |x: i32, y: i32| {
            let [x, y] = self.adapter.int_to_float(&IntPoint { x, y });
            Coord { x, y }
        };
        let rect = geo::Rect::new(corner(window[0], window[1]), corner(window[2], window[3]));
        if self.key(rect.min())
            != (IntPoint {
                x: window[0],
                y: window[1],
            })
            || self.key(rect.max())
                != (IntPoint {
                    x: window[2],
                    y: window[3],
                })
        {
            return None;
        }

        // The window's part: `held` clipped to it, with `add` and `remove`.
        let clipped: Vec<LineString<f64>> =
            rings.iter().filter_map(|r| clip_ring(r, rect)).collect();
        let (add, remove) = (oriented(add), oriented(remove));
        let (add, remove): (Vec<&Polygon<f64>>, Vec<&Polygon<f64>>) =
            (add.iter().collect(), remove.iter().collect());
        let mut subject: Vec<&LineString<f64>> = clipped.iter().collect();
        subject.extend(rings_of(&add));
        let local = self.overlay(
            &subject,
            &rings_of(&remove),
            None,
            OverlayRule::Difference,
            FillRule::NonZero,
            false,
        );

        // Runs of edges: `held`'s that reach out of the window, the
        // window's result's that touch no side.
        let mut closed: Vec<Vec<Coord<f64>>> = Vec::new();
        let mut chains: Vec<Vec<Coord<f64>>> = Vec::new();
        for (ring, k) in rings.iter().zip(&keys) {
            let open = &ring.0[..ring.0.len() - 1];
            runs(
                open,
                |i| !(inside(k[i]) && inside(k[(i + 1) % k.len()])),
                &mut closed,
                &mut chains,
            );
        }
        // Every vertex of the result inside the window is one of the
        // window's result. A ring with a vertex twice (touching itself) is
        // left to the overlay of the whole, which may split it elsewhere.
        // Rings touching each other at a point (hairline slivers a zone
        // leaves along a border, holes touching each other or the
        // exterior) are taken as the window's result has them: the overlay
        // pairs the edges at such a point by the sectors they bound,
        // whatever the order it walks them in, so the overlay of the whole
        // has the same rings there (see the module notes). No end of a run
        // may lie on such a point: there the join would have to choose.
        let mut seen: BitsMap<[u64; 2], (usize, usize)> = BitsMap::default();
        let mut twice: BitsMap<[u64; 2], ()> = BitsMap::default();
        for (i, p) in local.0.iter().enumerate() {
            for (r, ring) in std::iter::once(p.exterior())
                .chain(p.interiors())
                .enumerate()
            {
                for c in &ring.0[..ring.0.len().saturating_sub(1)] {
                    let b = [c.x.to_bits(), c.y.to_bits()];
                    match seen.insert(b, (i, r)) {
                        None => {}
                        Some(at) if at == (i, r) => return None,
                        Some(_) => {
                            twice.insert(b, ());
                        }
                    }
                }
            }
        }
        // Which polygon of the window's result each run comes from, and
        // which ring of the result each such polygon is in (its holes go
        // there).
        let mut owner: Vec<Option<usize>> = vec![None; chains.len()];
        let mut home: Vec<Option<usize>> = vec![None; local.0.len()];
        let whole_from = closed.len();
        for (i, p) in local.0.iter().enumerate() {
            let open = &p.exterior().0[..p.exterior().0.len().saturating_sub(1)];
            let k: Vec<IntPoint> = open.iter().map(|&c| self.key(c)).collect();
            let before = closed.len();
            runs(
                open,
                |i| !on_line(k[i]) && !on_line(k[(i + 1) % k.len()]),
                &mut closed,
                &mut chains,
            );
            if closed.len() > before {
                home[i] = Some(before);
            }
            owner.resize(chains.len(), Some(i));
        }
        let whole = whole_from..closed.len();
        // Joined end to start, each end to exactly one start.
        let bits = |c: Coord<f64>| [c.x.to_bits(), c.y.to_bits()];
        if !twice.is_empty()
            && chains.iter().any(|c| {
                twice.contains_key(&bits(c[0])) || twice.contains_key(&bits(c[c.len() - 1]))
            })
        {
            return None;
        }
        let mut starts: BitsMap<[u64; 2], usize> =
            BitsMap::with_capacity_and_hasher(chains.len(), Default::default());
        for (i, c) in chains.iter().enumerate() {
            if starts.insert(bits(c[0]), i).is_some() {
                return None;
            }
        }
        let mut used = vec![false; chains.len()];
        for first in 0..chains.len() {
            if used[first] {
                continue;
            }
            let mut ring: Vec<Coord<f64>> = Vec::new();
            let mut at = first;
            loop {
                used[at] = true;
                if let Some(i) = owner[at] {
                    if home[i].is_some_and(|j| j != closed.len()) {
                        return None;
                    }
                    home[i] = Some(closed.len());
                }
                let chain = &chains[at];
                ring.extend_from_slice(&chain[..chain.len() - 1]);
                let next = *starts.get(&bits(chain[chain.len() - 1]))?;
                if next == first {
                    break;
                }
                if used[next] {
                    return None;
                }
                at = next;
            }
            closed.push(ring);
        }

        // As the overlay lists them.
        let mut out: Vec<(IntPoint, usize, Polygon<f64>)> = Vec::with_capacity(closed.len());
        for (i, mut open) in closed.into_iter().enumerate() {
            let (at, least) = self.least(&open)?;
            let n = open.len();
            open.rotate_left((at + n - 1) % n);
            open.push(open[0]);
            let ring = LineString::new(open);
            // An exterior of the window's result, whole, is one of the
            // overlay's already; geo cannot tell a hairline sliver's
            // winding (three of its lowest vertices in a line in floats).
            if !whole.contains(&i) && !ring.is_ccw() {
                return None;
            }
            out.push((least, i, Polygon::new(ring, vec![])));
        }
        out.sort_by_key(|(least, _, _)| *least);
        if out.windows(2).any(|w| w[0].0 == w[1].0) {
            return None;
        }
        let mut at = vec![0; out.len()];
        for (place, (_, i, _)) in out.iter().enumerate() {
            at[*i] = place;
        }
        let home: Vec<Option<usize>> = home.into_iter().map(|j| j.map(|j| at[j])).collect();
        let mut out: Vec<(IntPoint, Polygon<f64>)> =
            out.into_iter().map(|(least, _, p)| (least, p)).collect();
        self.put_holes(&mut out, &local, &home, drawn_holes)?;
        Some(MultiPolygon::new(out.into_iter().map(|(_, p)| p).collect()))
    }
}

impl Grid {
    /// Puts the holes of the window's result `local` (lakes and hairline
    /// slivers a zone leaves inside the window, which the window's sides do
    /// not cut) and `held`'s holes away from the window (`drawn`, each with
    /// its least vertex) into their polygons of `out`, as the overlay lists
    /// them: first the rings i_overlay splits off an exterior that touches
    /// itself (counter-clockwise, as it walks them), in the order the
    /// window's result has them, then the holes it joins to the polygon
    /// afterwards, in the order of their least vertices. A hole of the
    /// window's result goes where `home` puts its polygon (the place in
    /// `out` of the ring its runs are in); one whose polygon has no run
    /// (its exterior all on the window's sides), and a drawn one, into the
    /// polygon around it. `None` when no vertex of such a hole lies
    /// strictly inside exactly one polygon and on no other's boundary.
    fn put_holes(
        &self,
        out: &mut [(IntPoint, Polygon<f64>)],
        local: &MultiPolygon<f64>,
        home: &[Option<usize>],
        drawn: Vec<(IntPoint, LineString<f64>)>,
    ) -> Option<()> {
        use geo::coordinate_position::{CoordPos, CoordinatePosition};
        let around = |hole: &LineString<f64>| -> Option<usize> {
            for at in &hole.0 {
                let mut around = None;
                let mut on_boundary = false;
                for (i, (_, p)) in out.iter().enumerate() {
                    if !p.bounding_rect().is_some_and(|r| r.intersects(at)) {
                        continue;
                    }
                    match p.coordinate_position(at) {
                        CoordPos::Outside => {}
                        CoordPos::Inside if around.is_none() => around = Some(i),
                        CoordPos::Inside => return None,
                        CoordPos::OnBoundary => on_boundary = true,
                    }
                }
                if !on_boundary {
                    return around;
                }
            }
            None
        };
        let mut split: Vec<Vec<LineString<f64>>> = vec![Vec::new(); out.len()];
        let mut joined: Vec<Vec<(IntPoint, LineString<f64>)>> = vec![Vec::new(); out.len()];
        for (p, home) in local.0.iter().zip(home) {
            for hole in p.interiors() {
                let open = &hole.0[..hole.0.len().saturating_sub(1)];
                let i = match home {
                    Some(i) => *i,
                    None => around(hole)?,
                };
                if self.twice_area(open) > 0 {
                    split[i].push(hole.clone());
                } else {
                    let (_, least) = self.least(open)?;
                    joined[i].push((least, hole.clone()));
                }
            }
        }
        for (least, hole) in drawn {
            let i = around(&hole)?;
            joined[i].push((least, hole));
        }
        for (((_, p), mut rings), mut inside) in out.iter_mut().zip(split).zip(joined) {
            if !rings.is_empty() || !inside.is_empty() {
                inside.sort_by_key(|(least, _)| *least);
                rings.extend(inside.into_iter().map(|(_, h)| h));
                *p = Polygon::new(p.exterior().clone(), rings);
            }
        }
        Some(())
    }

    /// Twice the signed area of the open ring `open` on the grid, exact:
    /// positive when it runs counter-clockwise.
    fn twice_area(&self, open: &[Coord<f64>]) -> i128 {
        let k: Vec<IntPoint> = open.iter().map(|&c| self.key(c)).collect();
        (0..k.len())
            .map(|i| {
                let (a, b) = (k[i], k[(i + 1) % k.len()]);
                i128::from(a.x) * i128::from(b.y) - i128::from(b.x) * i128::from(a.y)
            })
            .sum()
    }
}

/// The runs of consecutive edges of the open ring `open` that `keep` keeps
/// (edge `i` from vertex `i` to the next), each as its vertices from first
/// to last, into `chains`; the whole ring into `closed` when every edge is
/// kept.
fn runs(
    open: &[Coord<f64>],
    keep: impl Fn(usize) -> bool,
    closed: &mut Vec<Vec<Coord<f64>>>,
    chains: &mut Vec<Vec<Coord<f64>>>,
) {
    let n = open.len();
    let kept: Vec<bool> = (0..n).map(keep).collect();
    // A run starts at an edge kept after one dropped.
    let Some(start) = (0..n).find(|&i| kept[i] && !kept[(i + n - 1) % n]) else {
        if kept.first() == Some(&true) {
            closed.push(open.to_vec());
        }
        return;
    };
    let mut i = start;
    loop {
        if kept[i] && !kept[(i + n - 1) % n] {
            let mut chain = vec![open[i]];
            let mut j = i;
            while kept[j] {
                j = (j + 1) % n;
                chain.push(open[j]);
            }
            chains.push(chain);
        }
        i = (i + 1) % n;
        if i == start {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Rect};

    fn grid() -> Grid {
        Grid::new(Rect::new(
            Coord { x: 60.0, y: 20.0 },
            Coord { x: 160.0, y: 80.0 },
        ))
    }

    /// A ring with many vertices (a wavy coast), on the grid (`make data`
    /// writes holdings so: each coordinate a multiple of 2^-20°).
    fn coast(grid: &Grid) -> MultiPolygon<f64> {
        let mut points = Vec::new();
        for i in 0..=400 {
            let x = 120.0 + 6.0 * i as f64 / 400.0;
            points.push(Coord {
                x,
                y: 50.0 + 0.05 * (i as f64 * 0.7).sin(),
            });
        }
        for i in 0..=400 {
            let x = 126.0 - 6.0 * i as f64 / 400.0;
            points.push(Coord {
                x,
                y: 54.0 + 0.05 * (i as f64 * 1.3).cos(),
            });
        }
        let step = |v: f64| (v * 1_048_576.0).round() / 1_048_576.0;
        let points = points
            .into_iter()
            .map(|c| Coord {
                x: step(c.x),
                y: step(c.y),
            })
            .collect();
        let m = MultiPolygon::new(vec![Polygon::new(LineString::new(points), vec![])]);
        grid.boolean(&[&m], &[], OverlayRule::Subject)
    }

    /// The box from (x0, y0) to (x1, y1) as an overlay on `grid` gives it.
    fn square(grid: &Grid, x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        let p = polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)];
        grid.boolean(&[&MultiPolygon::new(vec![p])], &[], OverlayRule::Subject)
    }

    /// Notches cut into the coast's northern edge, land added beyond it,
    /// the coast cut in two: the local cut gives what the overlay of the
    /// whole gives, bit for bit.
    #[test]
    fn a_local_cut_is_the_whole_overlay() {
        let grid = grid();
        let held = coast(&grid);
        assert!(grid.is_overlay_output(&held));
        let across = square(&grid, 121.0, 53.5, 121.5, 54.5);
        let bay = square(&grid, 123.0, 53.7, 123.2, 54.5);
        let lake = square(&grid, 123.0, 52.0, 123.2, 52.2);
        let beyond = square(&grid, 124.0, 53.8, 124.5, 55.0);
        // Through the whole width: the coast falls in two.
        let band = square(&grid, 122.0, 49.0, 122.3, 55.0);
        let polygons: Vec<&Polygon<f64>> = held.0.iter().collect();
        for (add, remove) in [
            (vec![], vec![&across]),
            (vec![&beyond], vec![&across]),
            (vec![&beyond], vec![&bay]),
            (vec![], vec![&band]),
            (vec![&across], vec![&bay, &band]),
        ] {
            let mut subject = vec![&held];
            subject.extend(add.iter().copied());
            let whole = grid.boolean(&subject, &remove, OverlayRule::Difference);
            let near = grid.cut_near(&polygons, &add, &remove).expect("settled");
            assert_eq!(near, whole);
        }
        // Islands added out at sea, touching at a corner: two polygons of
        // the window's result with a vertex in common, as the overlay of
        // the whole has them.
        let isle = square(&grid, 124.0, 55.0, 124.2, 55.2);
        let islet = square(&grid, 124.2, 55.2, 124.4, 55.4);
        for (add, remove) in [
            (vec![&isle, &islet], vec![&across]),
            (vec![&isle, &islet], vec![&band, &lake]),
        ] {
            let mut subject = vec![&held];
            subject.extend(add.iter().copied());
            let whole = grid.boolean(&subject, &remove, OverlayRule::Difference);
            let corner = Coord { x: 124.2, y: 55.2 };
            let touching = whole.0.iter().filter(|p| p.exterior().0.contains(&corner));
            assert_eq!(touching.count(), 2);
            let near = grid.cut_near(&polygons, &add, &remove).expect("settled");
            assert_eq!(near, whole);
        }
        // Touching land joined to the coast, whose ring the window's sides
        // cut: as the overlay of the whole has it.
        let subject = [&held, &isle, &islet, &beyond];
        let whole = grid.boolean(&subject, &[&band], OverlayRule::Difference);
        let near = grid.cut_near(&polygons, &subject[1..], &[&band]);
        assert_eq!(near.expect("settled"), whole);
        // A hole away from the zones stays; one near them is left to the
        // whole overlay.
        let holed = Polygon::new(
            held.0[0].exterior().clone(),
            vec![lake.0[0].exterior().clone()],
        );
        let whole = grid.boolean(
            &[&MultiPolygon::new(vec![holed.clone()])],
            &[&across],
            OverlayRule::Difference,
        );
        assert_eq!(whole.0[0].interiors().len(), 1);
        let near = grid.cut_near(&[&holed], &[], &[&across]);
        let near = near.expect("settled");
        assert_eq!(near, whole);
        let low = square(&grid, 123.0, 51.0, 123.2, 51.5);
        assert!(grid.cut_near(&[&holed], &[], &[&bay, &low]).is_none());
        // Lakes the cut makes, in one polygon or in each of two, among
        // other cuts: holes as the overlay of the whole has them.
        let pond = square(&grid, 122.5, 51.0, 122.6, 51.1);
        let west = square(&grid, 120.5, 51.0, 120.7, 51.2);
        for (add, remove) in [
            (vec![], vec![&lake]),
            (vec![], vec![&lake, &pond]),
            (vec![], vec![&pond, &lake, &across]),
            (vec![&beyond], vec![&lake, &band, &west]),
        ] {
            let mut subject = vec![&held];
            subject.extend(add.iter().copied());
            let whole = grid.boolean(&subject, &remove, OverlayRule::Difference);
            assert!(whole.0.iter().any(|p| !p.interiors().is_empty()));
            let near = grid.cut_near(&polygons, &add, &remove).expect("settled");
            assert_eq!(near, whole);
        }
    }

    /// Rings of the window's result that touch at a point where the coast
    /// runs on beyond the window: land added touching a peak of the coast,
    /// a notch cut from below to a trough of it (a hole touching the
    /// exterior), two lakes touching at a corner. The cut gives what the
    /// overlay of the whole gives, bit for bit.
    #[test]
    fn rings_touching_at_a_point_are_the_whole_overlay() {
        let grid = grid();
        let held = coast(&grid);
        let polygons: Vec<&Polygon<f64>> = held.0.iter().collect();
        let ring = &held.0[0].exterior().0;
        // Peaks and troughs of the northern edge, away from its ends.
        let turns = |peak: bool| {
            (1..ring.len() - 1)
                .filter(|&i| ring[i].y > 53.5 && ring[i].x > 122.0 && ring[i].x < 125.0)
                .filter(|&i| {
                    let (a, b, c) = (ring[i - 1].y, ring[i].y, ring[i + 1].y);
                    if peak {
                        b > a && b > c
                    } else {
                        b < a && b < c
                    }
                })
                .map(|i| ring[i])
                .collect::<Vec<_>>()
        };
        let (peaks, troughs) = (turns(true), turns(false));
        let shape = |points: Vec<Coord<f64>>| {
            let p = Polygon::new(LineString::new(points), vec![]);
            grid.boolean(&[&MultiPolygon::new(vec![p])], &[], OverlayRule::Subject)
        };
        // A spike standing on a peak; a wedge reaching up to a trough.
        let spike = |c: Coord<f64>, dy: f64| {
            shape(vec![
                c,
                Coord {
                    x: c.x + 0.004,
                    y: c.y + dy,
                },
                Coord {
                    x: c.x - 0.004,
                    y: c.y + dy,
                },
            ])
        };
        let tower = spike(peaks[2], 0.3);
        let notch = spike(troughs[4], -0.3);
        assert!(tower.0[0].exterior().0.contains(&peaks[2]));
        assert!(notch.0[0].exterior().0.contains(&troughs[4]));
        let across = square(&grid, 121.0, 53.5, 121.5, 54.5);
        let pond = square(&grid, 123.0, 52.0, 123.2, 52.2);
        let pool = square(&grid, 123.2, 52.2, 123.4, 52.4);
        let lake = square(&grid, 124.0, 51.0, 124.2, 51.2);
        // How many rings of `m` pass through `c`.
        let rings_at = |m: &MultiPolygon<f64>, c: Coord<f64>| {
            m.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .filter(|r| r.0.contains(&c))
                .count()
        };
        let corner = Coord { x: 123.2, y: 52.2 };
        // Each case with the number of those points where two rings touch.
        for (add, remove, touching) in [
            (vec![&tower], vec![&across], 1),
            (vec![], vec![&notch], 1),
            (vec![], vec![&pond, &pool], 1),
            (vec![&tower], vec![&notch, &pond, &pool, &lake], 3),
        ] {
            let mut subject = vec![&held];
            subject.extend(add.iter().copied());
            let whole = grid.boolean(&subject, &remove, OverlayRule::Difference);
            let touches = [peaks[2], troughs[4], corner]
                .iter()
                .filter(|&&c| rings_at(&whole, c) == 2)
                .count();
            assert_eq!(touches, touching);
            let near = grid.cut_near(&polygons, &add, &remove).expect("settled");
            assert_eq!(near, whole);
        }
    }

    /// A drawn holding with points inserted off the grid along its edges
    /// (as the 10^7-vertex benchmark input has them), its ring started
    /// elsewhere and its polygons out of order: listed the overlay's way,
    /// it is the union of it alone, bit for bit, without the overlay.
    #[test]
    fn a_drawn_holding_is_listed_as_the_overlay_lists_it() {
        let grid = grid();
        let held = coast(&grid);
        let ring = &held.0[0].exterior().0;
        let mut points: Vec<Coord<f64>> = Vec::new();
        for w in ring.windows(2) {
            points.push(w[0]);
            for t in [0.31, 0.62] {
                points.push(Coord {
                    x: w[0].x + (w[1].x - w[0].x) * t,
                    y: w[0].y + (w[1].y - w[0].y) * t,
                });
            }
        }
        assert!(points.iter().any(|&c| !grid.on_grid(c)));
        points.rotate_left(517);
        points.push(points[0]);
        let drawn = Polygon::new(LineString::new(points), vec![]);
        let island = square(&grid, 130.0, 50.0, 130.5, 50.5);
        let m = MultiPolygon::new(vec![island.0[0].clone(), drawn]);
        assert!(!grid.is_overlay_output(&m));
        let listed = grid.as_overlay_output(&m).expect("listed");
        let whole = grid.boolean(&[&m], &[], OverlayRule::Subject);
        assert_eq!(*listed, whole);
        assert!(grid.is_overlay_output(&whole));
        // A hole: left to the overlay.
        let lake = square(&grid, 123.0, 52.0, 123.2, 52.2);
        let holed = MultiPolygon::new(vec![Polygon::new(
            m.0[1].exterior().clone(),
            vec![lake.0[0].exterior().clone()],
        )]);
        assert!(grid.as_overlay_output(&holed).is_none());
    }

    /// Two vertices far from the zone, off the grid and closer than a
    /// step of it: the overlay of the whole puts both on one grid point,
    /// the cut keeps them as drawn and is that overlay everywhere else.
    #[test]
    fn vertices_outside_the_window_stay_as_drawn() {
        let grid = grid();
        let held = coast(&grid);
        let mut ring = held.0[0].exterior().0.clone();
        // On the southern edge near 125.5° E, far from the zone at 121° E.
        let i = ring
            .iter()
            .position(|c| c.x > 125.5 && c.y < 51.0)
            .expect("a vertex there");
        let (a, b) = (ring[i], ring[i + 1]);
        let at = |t: f64| Coord {
            x: a.x + (b.x - a.x) * t,
            y: a.y + (b.y - a.y) * t,
        };
        let (p, q) = (at(0.3), at(0.3 + 1e-9));
        assert_eq!(grid.key(p), grid.key(q));
        assert!(p != q && !grid.on_grid(p) && !grid.on_grid(q));
        ring.splice(i + 1..i + 1, [p, q]);
        let drawn = Polygon::new(LineString::new(ring), vec![]);
        let across = square(&grid, 121.0, 53.5, 121.5, 54.5);

        let near = grid.cut_near(&[&drawn], &[], &[&across]).expect("settled");
        let kept: Vec<Coord<f64>> = near.0.iter().flat_map(|p| p.exterior().0.clone()).collect();
        assert!(kept.contains(&p) && kept.contains(&q));
        let whole = grid.boolean(
            &[&MultiPolygon::new(vec![drawn.clone()])],
            &[&across],
            OverlayRule::Difference,
        );
        let snapped: Vec<Coord<f64>> = whole
            .0
            .iter()
            .flat_map(|p| p.exterior().0.clone())
            .collect();
        assert!(!snapped.contains(&p) && !snapped.contains(&q));
        // Everything else the same: the cut with the pair snapped is the
        // overlay of the whole.
        let point = snapped
            .iter()
            .copied()
            .find(|&c| grid.key(c) == grid.key(p))
            .expect("the pair's grid point");
        let mut once = near.clone();
        for polygon in &mut once.0 {
            let mut exterior = polygon.exterior().0.clone();
            exterior.retain(|&c| c != q);
            for c in &mut exterior {
                if *c == p {
                    *c = point;
                }
            }
            *polygon = Polygon::new(LineString::new(exterior), vec![]);
        }
        assert_eq!(once, whole);
    }
}
