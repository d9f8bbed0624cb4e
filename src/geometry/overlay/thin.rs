//! Thinning an intersection's operands where the other operand cannot be.
//!
//! `a ∩ b` only has land where both are. Two holdings of one snapshot
//! share a border and little else, yet the overlay is given every vertex
//! of both inside the window their boxes share: coasts, lakes and the
//! borders each has with third holders. This module lays a coarse grid of
//! cells over the window and marks, for each operand, the cells its edges
//! touch and, of the others, those inside it (an even–odd count along the
//! row, as the overlay fills). A cell neither touched by `b` nor inside it
//! is clear of `b`; wherever a contour of `a` runs through such a cell from
//! one vertex to another, the run is replaced by the straight edge between
//! its two ends.
//!
//! Why the intersection is unchanged: a cell is convex, so the run and the
//! edge that replaces it both lie in it, and the region the contour encloses
//! changes only inside the loop they make, inside the cell. Operand `a`
//! changes only in cells clear of `b`, where `a ∩ b` is empty before and
//! after, and `b` only in cells clear of `a`; a cell clear of one operand
//! holds edges of the other only, so no cell changes both. The edges that
//! bound the result (those of `a` inside `b` and of `b` inside `a`) are all
//! kept, with their vertices: the overlay gives the same pieces, vertex for
//! vertex. A contour left with fewer than three points encloses nothing
//! and is dropped: all it enclosed lay in such loops.
//!
//! Cells are marked touched by an edge's box widened by a margin far larger
//! than the overlay's snapping step, so snapping cannot move an edge into a
//! cell counted clear.
//!
//! Reference path: the overlay of the clipped operands as they are
//! ([`crate::geometry::overlay::clip`]). Fast path: the same, thinned here
//! first. Held equal, vertex for vertex, by the tests below and by
//! `tests/reference_paths.rs` on the bundled data.

use geo::{Coord, Rect};

/// Below this many input vertices an intersection is overlaid as it is:
/// a small overlay has little to thin, and the cells cost a pass over
/// every vertex.
pub const THIN_FROM: usize = 4_000;

/// The number of input vertices per cell the grid aims at. Of 8, 16, 24,
/// 48, 96 and 200 tried on the bundled run, 24 left out the most vertices,
/// though all were within a percentage point of each other.
const VERTICES_PER_CELL: usize = 24;

/// What a cell holds of one operand.
const CLEAR: u8 = 0;
const TOUCHED: u8 = 1;
const INSIDE: u8 = 2;

/// Where one operand is, cell by cell (see the module notes).
pub struct Presence {
    x0: f64,
    y0: f64,
    /// Cell width and height, degrees.
    w: f64,
    h: f64,
    nx: usize,
    ny: usize,
    cells: Vec<u8>,
    /// For each row, where the operand's edges cross the row's middle line.
    crossings: Vec<Vec<f64>>,
    /// How far beyond its box an edge counts as touching cells, degrees.
    margin: f64,
}

impl Presence {
    /// An empty grid over `window` for operands of about `vertices`
    /// vertices in all; `None` if the window has no area.
    pub fn new(window: Rect<f64>, vertices: usize) -> Option<Presence> {
        let (width, height) = (window.width(), window.height());
        if !(width > 0.0 && height > 0.0 && width.is_finite() && height.is_finite()) {
            return None;
        }
        // Square cells (in degrees), about vertices / VERTICES_PER_CELL of
        // them, at least one across.
        let wanted = (vertices / VERTICES_PER_CELL).clamp(1, 1 << 22) as f64;
        let side = (width * height / wanted).sqrt();
        let nx = ((width / side).ceil() as usize).clamp(1, 1 << 12);
        let ny = ((height / side).ceil() as usize).clamp(1, 1 << 12);
        let (w, h) = (width / nx as f64, height / ny as f64);
        Some(Presence {
            x0: window.min().x,
            y0: window.min().y,
            w,
            h,
            nx,
            ny,
            cells: vec![CLEAR; nx * ny],
            crossings: vec![Vec::new(); ny],
            // Millions of the overlay's snapping steps (2^-30 of the
            // extent), and a thousandth of a cell.
            margin: (w.min(h) * 1e-3).max((width + height) * 1e-9),
        })
    }

    /// A point in cell units: column and row, as fractions.
    fn at(&self, x: f64, y: f64) -> (f64, f64) {
        ((x - self.x0) / self.w, (y - self.y0) / self.h)
    }

    /// A column (`n` = `nx`) or row (`n` = `ny`) in cell units, floored and
    /// clamped to the grid.
    fn index(v: f64, n: usize) -> usize {
        if v >= 1.0 {
            (v as usize).min(n - 1)
        } else {
            0
        }
    }

    /// Marks a closed contour (`points`, implicitly closed).
    pub fn add(&mut self, points: &[Coord<f64>]) {
        let Some(&last) = points.last() else {
            return;
        };
        let (mx, my) = (self.margin / self.w, self.margin / self.h);
        let (nx, ny) = (self.nx, self.ny);
        let mut p = last;
        let mut pf = self.at(p.x, p.y);
        for &q in points {
            let qf = self.at(q.x, q.y);
            let (x_lo, x_hi) = if pf.0 < qf.0 {
                (pf.0, qf.0)
            } else {
                (qf.0, pf.0)
            };
            let (y_lo, y_hi) = if pf.1 < qf.1 {
                (pf.1, qf.1)
            } else {
                (qf.1, pf.1)
            };
            let (i0, i1) = (Self::index(x_lo - mx, nx), Self::index(x_hi + mx, nx));
            let (j0, j1) = (Self::index(y_lo - my, ny), Self::index(y_hi + my, ny));
            for j in j0..=j1 {
                let row = j * nx;
                self.cells[row + i0..=row + i1].fill(TOUCHED);
            }
            // Crossings of the rows' middle lines, half-open as the
            // even–odd rule counts them; the rows the edge spans lie
            // among those it touches.
            if p.y != q.y {
                for j in j0..=j1 {
                    let y = self.y0 + (j as f64 + 0.5) * self.h;
                    if (p.y > y) != (q.y > y) {
                        let x = p.x + (y - p.y) * (q.x - p.x) / (q.y - p.y);
                        self.crossings[j].push(x);
                    }
                }
            }
            p = q;
            pf = qf;
        }
    }

    /// Settles, for every cell no edge touches, whether it is inside.
    pub fn finish(&mut self) {
        for j in 0..self.ny {
            let xs = &mut self.crossings[j];
            xs.sort_unstable_by(f64::total_cmp);
            let mut left = 0;
            for i in 0..self.nx {
                let x = self.x0 + (i as f64 + 0.5) * self.w;
                while left < xs.len() && xs[left] < x {
                    left += 1;
                }
                let cell = &mut self.cells[j * self.nx + i];
                if *cell == CLEAR && left % 2 == 1 {
                    *cell = INSIDE;
                }
            }
            xs.clear();
            xs.shrink_to_fit();
        }
    }

    /// `contour` (open, implicitly closed) less the vertices inside runs
    /// through cells clear of this operand: each run keeps its two ends.
    /// `None` when fewer than three vertices are left.
    pub fn thin(&self, contour: &[Coord<f64>]) -> Option<Vec<[f64; 2]>> {
        let n = contour.len();
        if n < 3 {
            return None;
        }
        // The clear cell each vertex lies in, if it lies in one.
        let (right, top) = (
            self.x0 + self.w * self.nx as f64,
            self.y0 + self.h * self.ny as f64,
        );
        let clear = |&Coord { x, y }: &Coord<f64>| -> usize {
            if !(x >= self.x0 && y >= self.y0 && x <= right && y <= top) {
                return usize::MAX;
            }
            let (fx, fy) = self.at(x, y);
            let c = Self::index(fy, self.ny) * self.nx + Self::index(fx, self.nx);
            if self.cells[c] == CLEAR {
                c
            } else {
                usize::MAX
            }
        };
        let mut out = Vec::with_capacity(n);
        let mut previous = clear(&contour[n - 1]);
        let mut here = clear(&contour[0]);
        for k in 0..n {
            let next = clear(&contour[(k + 1) % n]);
            if here == usize::MAX || previous != here || next != here {
                out.push([contour[k].x, contour[k].y]);
            }
            previous = here;
            here = next;
        }
        (out.len() >= 3).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
        points.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    fn window() -> Rect<f64> {
        Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 10.0, y: 10.0 })
    }

    /// A square's inside, its edges and the land beyond are told apart,
    /// and a run through a clear cell keeps only its ends.
    #[test]
    fn runs_through_clear_cells_keep_their_ends() {
        let mut p = Presence::new(window(), 100 * VERTICES_PER_CELL).expect("grid");
        assert_eq!((p.nx, p.ny), (10, 10));
        p.add(&ring(&[(2.0, 2.0), (6.0, 2.0), (6.0, 6.0), (2.0, 6.0)]));
        p.finish();
        assert_eq!(p.cells[3 * 10 + 3], INSIDE);
        assert_eq!(p.cells[2 * 10 + 4], TOUCHED);
        assert_eq!(p.cells[8 * 10 + 8], CLEAR);
        // A path through the clear cell (8, 8), then across cells.
        let contour = ring(&[
            (8.1, 8.1),
            (8.2, 8.15),
            (8.3, 8.2),
            (8.9, 8.9),
            (9.5, 9.5),
            (9.5, 7.5),
        ]);
        let thinned = p.thin(&contour).expect("kept");
        assert_eq!(
            thinned,
            vec![[8.1, 8.1], [8.9, 8.9], [9.5, 9.5], [9.5, 7.5]]
        );
        // A ring wholly in one clear cell goes.
        assert!(p
            .thin(&ring(&[(8.1, 8.1), (8.5, 8.1), (8.5, 8.5), (8.1, 8.5)]))
            .is_none());
        // A ring inside the square keeps every vertex.
        let inside = ring(&[(3.1, 3.1), (3.5, 3.1), (3.5, 3.5), (3.1, 3.5)]);
        let kept: Vec<[f64; 2]> = inside.iter().map(|c| [c.x, c.y]).collect();
        assert_eq!(p.thin(&inside).expect("kept"), kept);
    }
}
