//! Labels placed without collisions: each label tries its candidate
//! positions in order of preference and takes the first whose box lies in
//! the map and overlaps no box taken before (other labels, place dots, the
//! scale bar, the north arrow); a label with no free position near its
//! point is moved further out on a leader line, or left out. Greedy, in the
//! order the labels are given: the more important first.

/// An axis-aligned box in px: left, top, right, bottom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Top edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub y1: f64,
}

impl Rect {
    /// The box of `w` × `h` px whose top left corner is (`x`, `y`).
    pub fn at(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect {
            x0: x,
            y0: y,
            x1: x + w,
            y1: y + h,
        }
    }

    /// True when the two boxes share more than an edge.
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    /// True when `self` lies wholly inside `o`.
    pub fn inside(&self, o: &Rect) -> bool {
        self.x0 >= o.x0 && self.x1 <= o.x1 && self.y0 >= o.y0 && self.y1 <= o.y1
    }
}

/// Above the baseline a label's box reaches this many font sizes (accents
/// and Han characters included), below it this many, plus the white halo.
const ASCENT: f64 = 0.92;
const DESCENT: f64 = 0.26;
const HALO: f64 = 1.5;

/// A text label to place: its width, its font size, and the point it names.
#[derive(Debug, Clone)]
pub struct Label {
    /// The text (escaped when written).
    pub text: String,
    /// Measured width, px.
    pub width: f64,
    /// Font size, px.
    pub size: f64,
    /// The points it may name, best first (a place's dot; several points
    /// along a river).
    pub anchors: Vec<(f64, f64)>,
    /// Room to leave round each anchor (a dot's radius and a gap).
    pub gap: f64,
}

/// Where a label went: the baseline start of its text, its box, and the
/// leader line's ends when it stands away from its point.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Left end of the baseline.
    pub x: f64,
    /// The baseline.
    pub y: f64,
    /// The box the label covers, halo included.
    pub rect: Rect,
    /// From the point to the label's box, when moved out.
    pub leader: Option<((f64, f64), (f64, f64))>,
}

/// Labels placed in a frame, with what they must not cover.
pub struct Placer {
    bounds: Rect,
    taken: Vec<Rect>,
}

impl Placer {
    /// Labels inside `bounds`, overlapping none of `obstacles`.
    pub fn new(bounds: Rect, obstacles: Vec<Rect>) -> Placer {
        Placer {
            bounds,
            taken: obstacles,
        }
    }

    /// Keeps later labels off `rect` too.
    pub fn block(&mut self, rect: Rect) {
        self.taken.push(rect);
    }

    fn free(&self, r: &Rect) -> bool {
        r.inside(&self.bounds) && !self.taken.iter().any(|t| t.overlaps(r))
    }

    /// Places `label` at its first free position, or `None` (it is left
    /// out): centred on an anchor when its gap is 0, else beside it (right,
    /// upper right, lower right, left, upper left, lower left, above,
    /// below), then further out on a leader line in the same directions.
    pub fn place(&mut self, label: &Label) -> Option<Placed> {
        let (w, s) = (label.width, label.size);
        let h = (ASCENT + DESCENT) * s + 2.0 * HALO;
        for (reach, leader) in [
            (label.gap, false),
            (label.gap + 14.0, true),
            (label.gap + 28.0, true),
        ] {
            for &(px, py) in &label.anchors {
                // Top-left corners of the box around the anchor.
                let centred = (reach == 0.0).then_some((px - w / 2.0 - HALO, py - h / 2.0));
                let beside = centred.into_iter().chain([
                    (px + reach, py - h / 2.0),
                    (px + reach * 0.7, py - reach * 0.7 - h),
                    (px + reach * 0.7, py + reach * 0.7),
                    (px - reach - w - 2.0 * HALO, py - h / 2.0),
                    (px - reach * 0.7 - w - 2.0 * HALO, py - reach * 0.7 - h),
                    (px - reach * 0.7 - w - 2.0 * HALO, py + reach * 0.7),
                    (px - w / 2.0 - HALO, py - reach - h),
                    (px - w / 2.0 - HALO, py + reach),
                ]);
                for (x, y) in beside {
                    let rect = Rect::at(x, y, w + 2.0 * HALO, h);
                    if !self.free(&rect) {
                        continue;
                    }
                    self.taken.push(rect);
                    let leader = leader.then(|| {
                        // To the nearest point of the box.
                        let to = (px.clamp(rect.x0, rect.x1), py.clamp(rect.y0, rect.y1));
                        ((px, py), to)
                    });
                    return Some(Placed {
                        x: rect.x0 + HALO,
                        y: rect.y0 + HALO + ASCENT * s,
                        rect,
                        leader,
                    });
                }
            }
        }
        None
    }
}

/// The box of a text whose baseline starts at (`x`, `y`), as [`Placer`]
/// counts it (for obstacles drawn elsewhere: graticule labels).
pub fn text_rect(x: f64, y: f64, width: f64, size: f64) -> Rect {
    Rect::at(
        x - HALO,
        y - ASCENT * size - HALO,
        width + 2.0 * HALO,
        (ASCENT + DESCENT) * size + 2.0 * HALO,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Forty labels crowded round a few points: every one placed lies in
    /// the frame, and no two placed boxes (nor a box and a dot) overlap.
    #[test]
    fn no_two_placed_labels_overlap() {
        let bounds = Rect::at(0.0, 0.0, 400.0, 300.0);
        let mut uniform = crate::support::testing::Uniform::new(0x1abe1);
        let dots: Vec<(f64, f64)> = (0..40)
            .map(|_| (150.0 + uniform.next(100.0), 100.0 + uniform.next(80.0)))
            .collect();
        let dot = |&(x, y): &(f64, f64)| Rect::at(x - 3.0, y - 3.0, 6.0, 6.0);
        let mut placer = Placer::new(bounds, dots.iter().map(dot).collect());
        let mut placed = Vec::new();
        for (i, &(x, y)) in dots.iter().enumerate() {
            let label = Label {
                text: format!("place {i}"),
                width: 30.0 + uniform.next(40.0),
                size: 11.0,
                anchors: vec![(x, y)],
                gap: 5.0,
            };
            if let Some(p) = placer.place(&label) {
                placed.push(p);
            }
        }
        // Most are placed, some on leaders, some left out.
        assert!((15..40).contains(&placed.len()), "{}", placed.len());
        assert!(placed.iter().any(|p| p.leader.is_some()));
        for (i, a) in placed.iter().enumerate() {
            assert!(a.rect.inside(&bounds));
            for b in &placed[i + 1..] {
                assert!(!a.rect.overlaps(&b.rect), "{a:?} {b:?}");
            }
            for d in &dots {
                assert!(!a.rect.overlaps(&dot(d)), "{a:?} covers the dot {d:?}");
            }
        }
    }

    /// A lone label goes right of its point, its text's box centred on it.
    #[test]
    fn a_free_label_sits_right_of_its_point() {
        let mut placer = Placer::new(Rect::at(0.0, 0.0, 400.0, 300.0), vec![]);
        let p = placer
            .place(&Label {
                text: "Aihui".into(),
                width: 30.0,
                size: 10.0,
                anchors: vec![(100.0, 100.0)],
                gap: 5.0,
            })
            .expect("room");
        assert_eq!(p.rect.x0, 105.0);
        assert!(((p.rect.y0 + p.rect.y1) / 2.0 - 100.0).abs() < 1e-9);
        assert_eq!(p.leader, None);
        assert_eq!(text_rect(p.x, p.y, 30.0, 10.0), p.rect);
    }
}
