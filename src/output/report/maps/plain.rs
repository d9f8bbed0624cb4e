//! Outlines drawn straight into the picture: the path elements the maps
//! write their outlines with (a fill, maybe a stroke, nothing else), read
//! and thinned into the rasteriser's paths without parsing the document
//! they are in.

use resvg::tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, PixmapMut, Stroke, Transform};
use resvg::usvg::Opacity;

use super::raster::thin_into;

/// Draws the lines of `elements` onto `picture`, thinned as [`super::raster::thinned`]
/// thins them, from the first up to the first that is not a plain path
/// ([`plain_path`]); returns the lines from that one on.
///
/// Fast path: each outline's points are read and thinned ([`thin_into`]) into the
/// rasteriser's path directly, and filled and stroked as the rasteriser
/// fills and strokes a path element (in resvg 0.45: the element's data
/// read as doubles narrowed to floats; no fill when its box is flat; the
/// fill, then the stroke, anti-aliased, source over, the stroke's miter
/// limit 4, butt caps and miter joins). Parsing the outlines' text as SVG
/// was a third of drawing the PNGs. Reference path: the rasteriser drawing
/// the same lines of a document ([`super::fonts::draw`] of [`super::raster::thinned`]);
/// `tests::plain_paths_are_drawn_as_the_rasteriser_draws_them` and
/// `a_run_draws_the_maps_the_reference_path_draws` in
/// `tests/reference_paths.rs` hold the pictures equal. The lines must be
/// elements of a plain group in a document whose style sheet and
/// ancestors set none of the attributes read here (the maps' set none:
/// their style sheet names classes only), as an attribute left out takes
/// its default.
pub(super) fn draw_plain_paths<'a>(elements: &'a str, picture: &mut Pixmap) -> &'a str {
    let mut rest = elements;
    while let Some((line, after)) = rest.split_once('\n') {
        let Some(path) = plain_path(line) else {
            break;
        };
        if !path.draw(&mut picture.as_mut()) {
            break;
        }
        rest = after;
    }
    rest
}

/// `elements` from the first line that is not a plain path
/// ([`plain_path`]) on: at most what [`draw_plain_paths`] leaves, found
/// without drawing.
pub(super) fn after_plain_paths(elements: &str) -> &str {
    let mut rest = elements;
    while let Some((line, after)) = rest.split_once('\n') {
        if plain_path(line).is_none() {
            break;
        }
        rest = after;
    }
    rest
}

/// A path element as the maps write outlines, on a line of its own: path
/// data, then only these attributes, each at most once.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PlainPath<'a> {
    /// The path data.
    data: &'a str,
    /// `fill`: a colour `#rrggbb`.
    fill: (u8, u8, u8),
    /// `fill-opacity` (1 when not given).
    fill_opacity: f64,
    /// `fill-rule="evenodd"` (`nonzero` when not given).
    even_odd: bool,
    /// `stroke` (`none`, the default, or a colour) and `stroke-width`
    /// (1 when not given, above 0).
    stroke: Option<((u8, u8, u8), f64)>,
}

/// `line` as a [`PlainPath`], when it is one.
fn plain_path(line: &str) -> Option<PlainPath<'_>> {
    let rest = line.strip_prefix("<path d=\"")?.strip_suffix("/>")?;
    let (data, mut attributes) = rest.split_once('"')?;
    let (mut fill, mut fill_opacity, mut fill_rule) = (None, None, None);
    let (mut stroke, mut stroke_width) = (None, None);
    while !attributes.is_empty() {
        let (name, tail) = attributes.strip_prefix(' ')?.split_once("=\"")?;
        let (value, tail) = tail.split_once('"')?;
        let (slot, parsed) = match name {
            "fill" => (&mut fill, colour(value).map(Some)?),
            "stroke" => (
                &mut stroke,
                if value == "none" {
                    None
                } else {
                    Some(colour(value)?)
                },
            ),
            "fill-opacity" => {
                fill_opacity
                    .replace(number(value)?)
                    .is_none()
                    .then_some(())?;
                attributes = tail;
                continue;
            }
            "stroke-width" => {
                stroke_width
                    .replace(number(value)?)
                    .is_none()
                    .then_some(())?;
                attributes = tail;
                continue;
            }
            "fill-rule" => {
                let even_odd = match value {
                    "evenodd" => true,
                    "nonzero" => false,
                    _ => return None,
                };
                fill_rule.replace(even_odd).is_none().then_some(())?;
                attributes = tail;
                continue;
            }
            _ => return None,
        };
        slot.replace(parsed).is_none().then_some(())?;
        attributes = tail;
    }
    let width = stroke_width.unwrap_or(1.0);
    // The rasteriser draws no stroke of a width that is not above 0.
    if width as f32 <= 0.0 {
        return None;
    }
    Some(PlainPath {
        data,
        fill: fill??,
        fill_opacity: fill_opacity.unwrap_or(1.0),
        even_odd: fill_rule.unwrap_or(false),
        stroke: stroke.flatten().map(|c| (c, width)),
    })
}

/// A colour `#rrggbb`.
fn colour(text: &str) -> Option<(u8, u8, u8)> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).ok();
    Some((byte(0)?, byte(2)?, byte(4)?))
}

/// A plain decimal number (digits and at most one point), as a double.
fn number(text: &str) -> Option<f64> {
    let plain = text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().any(|b| b.is_ascii_digit())
        && text.bytes().filter(|&b| b == b'.').count() <= 1;
    plain.then(|| text.parse().ok()).flatten()
}

impl PlainPath<'_> {
    /// Draws the path thinned onto `picture` as the rasteriser draws the
    /// element (see [`draw_plain_paths`]); false, with nothing drawn, when
    /// its data holds anything but `M`, `L` and `Z` with `x,y` pairs.
    fn draw(&self, picture: &mut PixmapMut) -> bool {
        // Room for about as many points as thinning keeps of the maps'.
        let room = self.data.len() / 16;
        let mut builder = PathBuilder::with_capacity(room, room);
        if !thin_into(self.data, &mut builder) {
            return false;
        }
        // What the rasteriser leaves out: no path, a single point, no box.
        // (The points' box is made as the path is, from finite points
        // here, so its tight box, which the rasteriser also asks for, is
        // there too.)
        let Some(path) = builder.finish() else {
            return true;
        };
        if path.len() < 2 {
            return true;
        }
        let bounds = path.bounds();
        if bounds.width() > 0.0 && bounds.height() > 0.0 {
            let (r, g, b) = self.fill;
            let alpha = Opacity::new_clamped(self.fill_opacity as f32).to_u8();
            let mut paint = Paint::default();
            paint.set_color_rgba8(r, g, b, alpha);
            let rule = if self.even_odd {
                FillRule::EvenOdd
            } else {
                FillRule::Winding
            };
            picture.fill_path(&path, &paint, rule, Transform::default(), None);
        }
        if let Some(((r, g, b), width)) = self.stroke {
            let mut paint = Paint::default();
            paint.set_color_rgba8(r, g, b, 255);
            let stroke = Stroke {
                width: width as f32,
                ..Stroke::default()
            };
            picture.stroke_path(&path, &paint, &stroke, Transform::default(), None);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::report::maps::raster::thinned;
    use std::fmt::Write as _;

    /// Outlines of every kind the fast path draws (opacities, strokes, both
    /// fill rules, a flat one, a single point, lone moves, thinned waves)
    /// drawn by [`draw_plain_paths`] and by the rasteriser from the same
    /// document: the same pixels; the lines after the first one it does not
    /// draw are left to the rasteriser.
    #[test]
    fn plain_paths_are_drawn_as_the_rasteriser_draws_them() {
        let mut wave = String::new();
        for i in 0..=3000 {
            let t = std::f64::consts::TAU * f64::from(i) / 3000.0;
            let r = 50.0 + 4.0 * (t * 30.0).sin();
            let _ = write!(
                wave,
                "{}{:.1},{:.1}",
                if i == 0 { 'M' } else { 'L' },
                120.0 + r * t.cos(),
                90.0 + r * t.sin()
            );
        }
        wave.push_str("ZM100.0,80.0L140.0,80.0L140.0,100.0L100.0,100.0Z");
        let lines = [
            format!("<path d=\"{wave}\" fill=\"#3366cc\" fill-rule=\"evenodd\" stroke=\"none\"/>"),
            format!("<path d=\"{wave}\" fill=\"#cc6633\" fill-opacity=\"0.45\" fill-rule=\"evenodd\" stroke=\"#ffffff\" stroke-width=\"0.4\"/>"),
            "<path d=\"M10.0,10.0L200.0,150.0L10.0,150.0L200.0,10.0Z\" fill=\"#123456\" fill-opacity=\"0.75\" stroke=\"#654321\" stroke-width=\"2.5\"/>".to_owned(),
            "<path d=\"M20.0,20.0L180.0,20.0Z\" fill=\"#ff0000\" stroke=\"#00ff00\" stroke-width=\"1.5\"/>".to_owned(),
            "<path d=\"M50.0,50.0Z\" fill=\"#ff0000\" stroke=\"#00ff00\"/>".to_owned(),
            "<path d=\"M60.0,60.0M70.0,70.0L90.3,75.1L71.0,95.0\" fill=\"#0000ff\" fill-rule=\"nonzero\" stroke=\"#000000\" stroke-width=\"0.8\"/>".to_owned(),
            "<path d=\"\" fill=\"#0000ff\"/>".to_owned(),
            // Not drawn by the fast path: a dashed line, and after it a
            // plain one, left to the rasteriser.
            format!("<path d=\"{wave}\" fill=\"none\" stroke=\"#333333\" stroke-dasharray=\"5 3\"/>"),
            "<path d=\"M15.0,15.0L60.0,170.0L30.0,170.0Z\" fill=\"#aa00aa\"/>".to_owned(),
        ];
        let elements: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let head = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"240\" height=\"180\" viewBox=\"0 0 240 180\"><style>.graticule path{fill:none}</style>\n<g>\n";
        let fonts = super::super::Fonts::system().database();
        let reference = super::super::fonts::draw(
            &thinned(&format!("{head}{elements}</g>\n</svg>\n")),
            &fonts,
            None,
        )
        .expect("drawn");
        let mut fast = Pixmap::new(240, 180).expect("a picture");
        let rest = draw_plain_paths(&elements, &mut fast);
        let dashed = elements.find(&lines[7]).expect("the dashed line");
        assert_eq!(rest, &elements[dashed..]);
        let fast = super::super::fonts::draw(
            &thinned(&format!("{head}{rest}</g>\n</svg>\n")),
            &fonts,
            Some(fast),
        )
        .expect("drawn");
        assert!(fast.data() == reference.data(), "the pictures differ");
    }

    /// Only path elements of the attributes the maps write outlines with
    /// are plain, each attribute at most once.
    #[test]
    fn only_plain_path_elements_are_plain() {
        let plain = plain_path(
            "<path d=\"M1.0,2.0L3.0,4.0Z\" fill=\"#0a0B0c\" fill-opacity=\"0.45\" fill-rule=\"evenodd\" stroke=\"#ffffff\" stroke-width=\"0.4\"/>",
        )
        .expect("plain");
        assert_eq!(
            plain,
            PlainPath {
                data: "M1.0,2.0L3.0,4.0Z",
                fill: (10, 11, 12),
                fill_opacity: 0.45,
                even_odd: true,
                stroke: Some(((255, 255, 255), 0.4)),
            }
        );
        for line in [
            "<path d=\"M1.0,2.0Z\" fill=\"none\"/>",
            "<path d=\"M1.0,2.0Z\" stroke=\"#000000\"/>",
            "<path d=\"M1.0,2.0Z\" fill=\"#000000\" fill=\"#ffffff\"/>",
            "<path d=\"M1.0,2.0Z\" fill=\"#000000\" stroke-width=\"1\" stroke-width=\"2\"/>",
            "<path d=\"M1.0,2.0Z\" fill=\"#000000\" stroke=\"#333333\" stroke-dasharray=\"5 3\"/>",
            "<path d=\"M1.0,2.0Z\" fill=\"#000000\" stroke=\"#333333\" stroke-width=\"0\"/>",
            "<path d=\"M1.0,2.0Z\" fill=\"#000000\" fill-opacity=\"50%\"/>",
            "<path d=\"M1.0,2.0Z\" fill=\"#000000\" fill-rule=\"inherit\"/>",
            "<path d=\"M1.0,2.0Z\" fill=\"#000\"/>",
            "<path d=\"M1.0,2.0Z\" class=\"x\" fill=\"#000000\"/>",
            "<path d=\"M1.0,2.0Z\" fill=\"#000000\">",
            "<path d=\"M1.0,2.0Z\"  fill=\"#000000\"/>",
            "<g class=\"graticule\">",
        ] {
            assert_eq!(plain_path(line), None, "{line}");
        }
    }
}
