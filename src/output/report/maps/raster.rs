//! What the rasteriser draws: a map's SVG with its outlines thinned to the
//! pixel grid. The SVG files keep every point of their quarter-pixel
//! thinning (they are drawn larger); at the PNG's own size, points closer
//! than [`RASTER_THINNING_PX`] to the last one kept change the drawing by
//! sub-pixel detail only, and parsing and drawing them was most of the
//! cost of the PNGs.
//!
//! Reference path: rasterising the SVG as written ([`super::fonts::png`]
//! of the map's SVG). Fast path: [`thinned`]. `tests::thinning_changes_
//! the_drawing_by_sub_pixel_detail_only` holds the two within a bound per
//! pixel.
//!
//! Every map of a run begins with the same drawing (the page, the map's
//! background and the `[[context]]` layers, a third of its outlines):
//! [`Grounds`] draws it once and each map's own drawing over a copy of it,
//! the same pixels as drawing each thinned map whole (its reference path).

use std::sync::Arc;

use resvg::tiny_skia::Pixmap;
use resvg::usvg::fontdb::Database;

use super::{Map, Shared};

/// Points closer than this to the last point kept (in pixels, the sum of
/// the distances across and down) are left out of the drawing.
pub const RASTER_THINNING_PX: f64 = 0.75;

/// `svg` with the points of its outlines (path data of absolute moves and
/// lines only, as the maps write their outlines) closer than
/// [`RASTER_THINNING_PX`] to the last point kept left out; each outline's
/// last point is kept. Dashed lines (a `stroke-dasharray`, and the
/// graticule, dashed by the style sheet: paths without attributes of their
/// own) are kept as they are: their dashes would move along the line.
pub fn thinned(svg: &str) -> String {
    const PATH: &str = "<path d=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(at) = rest.find(PATH) {
        let start = at + PATH.len();
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let (Some(len), Some(close)) = (tail.find('"'), tail.find('>')) else {
            rest = tail;
            break;
        };
        let (data, attributes) = (&tail[..len], tail.get(len..close).unwrap_or(""));
        let solid = !attributes.contains("dasharray")
            && (attributes.contains("fill=") || attributes.contains("stroke="));
        if !(solid && thin_path(data, &mut out)) {
            out.push_str(data);
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

/// Appends `data` thinned to `out`; false (and nothing appended) when it
/// holds anything but `M`, `L` and `Z` with `x,y` pairs.
fn thin_path(data: &str, out: &mut String) -> bool {
    let bytes = data.as_bytes();
    if !bytes
        .iter()
        .all(|b| matches!(b, b'M' | b'L' | b'Z' | b',' | b'-' | b'.' | b'0'..=b'9'))
    {
        return false;
    }
    let mut thinned = String::with_capacity(data.len() / 2);
    // The points of the outline being read: (text, x, y).
    let mut outline: Vec<(&str, f64, f64)> = Vec::new();
    let flush = |outline: &mut Vec<(&str, f64, f64)>, closed: bool, thinned: &mut String| {
        let n = outline.len();
        let mut last: Option<(f64, f64)> = None;
        for (i, &(text, x, y)) in outline.iter().enumerate() {
            if let Some((lx, ly)) = last {
                if i + 1 < n && (x - lx).abs() + (y - ly).abs() < RASTER_THINNING_PX {
                    continue;
                }
            }
            thinned.push(if last.is_none() { 'M' } else { 'L' });
            thinned.push_str(text);
            last = Some((x, y));
        }
        if closed && last.is_some() {
            thinned.push('Z');
        }
        outline.clear();
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'M' => {
                flush(&mut outline, false, &mut thinned);
                i += 1;
            }
            b'L' => i += 1,
            b'Z' => {
                flush(&mut outline, true, &mut thinned);
                i += 1;
            }
            _ => {
                let end = data[i..]
                    .find(['M', 'L', 'Z'])
                    .map_or(data.len(), |e| i + e);
                let text = &data[i..end];
                let Some((x, y)) = text.split_once(',') else {
                    return false;
                };
                let (Some(x), Some(y)) = (coordinate(x), coordinate(y)) else {
                    return false;
                };
                outline.push((text, x, y));
                i = end;
            }
        }
    }
    flush(&mut outline, false, &mut thinned);
    out.push_str(&thinned);
    true
}

/// `text` as a number, as `str::parse::<f64>` reads it (`None` where it
/// reads none).
///
/// Fast path for the coordinates the maps write (`-?d+.d`, tenths of a
/// pixel): the tenths as an integer (exact below 2^53) divided by ten,
/// which IEEE division rounds correctly, as the parser rounds the decimal
/// correctly: the same value. Reference path: `str::parse`, which anything
/// else goes to; `tests::coordinates_read_as_the_parser_reads_them` holds
/// the two equal. Parsing the points was half the cost of thinning.
fn coordinate(text: &str) -> Option<f64> {
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    if let [whole @ .., b'.', tenth] = digits {
        // At most 14 digits before the point: below 10^15 tenths.
        if (1..=14).contains(&whole.len())
            && tenth.is_ascii_digit()
            && whole.iter().all(u8::is_ascii_digit)
        {
            let tenths = whole
                .iter()
                .chain([tenth])
                .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
            let v = tenths as f64 / 10.0;
            return Some(if negative { -v } else { v });
        }
    }
    text.parse().ok()
}

/// The PNG of `map`: its SVG thinned ([`thinned`]) and drawn, the part
/// every map of a run begins with ([`Shared`]) drawn once for all of them.
///
/// Reference path: [`super::png`] of the whole map, thinned. Fast path:
/// [`Grounds::png`], the map's own drawing over a copy of the shared one:
/// the shared part's elements are drawn straight onto the page, one after
/// the other, so drawing the rest over them afterwards makes the same
/// pixels. `a_run_draws_the_maps_the_reference_path_draws` in
/// `tests/reference_paths.rs` holds the PNG files equal.
pub struct Grounds {
    /// Each shared part (as SVG, before the end of the shared drawing) and
    /// its picture.
    drawn: Vec<(String, Pixmap)>,
}

impl Grounds {
    /// Draws the shared part of `maps` once for each distinct one (one for
    /// the maps of a run).
    pub fn of(maps: &[Map], fonts: &Arc<Database>) -> Grounds {
        let mut drawn: Vec<(String, Pixmap)> = Vec::new();
        for map in maps {
            let Some(prefix) = shared_prefix(map) else {
                continue;
            };
            if drawn.iter().any(|(p, _)| p == prefix) {
                continue;
            }
            let document = format!("{prefix}</g>\n</svg>\n");
            if let Some(picture) = super::fonts::draw(&thinned(&document), fonts, None) {
                drawn.push((prefix.to_owned(), picture));
            }
        }
        Grounds { drawn }
    }

    /// How many shared parts were drawn.
    pub fn count(&self) -> usize {
        self.drawn.len()
    }

    /// The PNG of `map` (thinned): its own drawing over its shared part,
    /// or, where that part was not drawn, the whole map.
    pub fn png(&self, map: &Map, fonts: &Arc<Database>) -> Option<Vec<u8>> {
        let under = shared_prefix(map)
            .and_then(|prefix| self.drawn.iter().find(|(p, _)| p == prefix))
            .map(|(_, picture)| picture);
        let Some(under) = under else {
            return super::png(&thinned(&map.svg), fonts);
        };
        let Shared {
            head, group, body, ..
        } = map.shared;
        // The head, the group's opening tag and what follows the shared
        // drawing: [`shared_prefix`] checked the offsets.
        let own = format!(
            "{}{}{}",
            &map.svg[..head],
            &map.svg[group..body],
            &map.svg[map.shared.end..]
        );
        super::fonts::draw(&thinned(&own), fonts, Some(under))?
            .encode_png()
            .ok()
    }
}

/// The SVG of `map` up to the end of its shared drawing, when its offsets
/// are in order and on character boundaries.
fn shared_prefix(map: &Map) -> Option<&str> {
    let Shared {
        head,
        group,
        body,
        end,
    } = map.shared;
    let svg = &map.svg;
    let in_order = head <= group && group < body && body <= end;
    let on_boundaries = [head, group, body, end]
        .iter()
        .all(|&at| svg.is_char_boundary(at));
    (in_order && on_boundaries && end < svg.len()).then(|| &svg[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    /// The points of path data, as written.
    fn points(data: &str) -> Vec<&str> {
        data.split(['M', 'L', 'Z'])
            .filter(|p| !p.is_empty())
            .collect()
    }

    #[test]
    fn only_solid_outlines_are_thinned_and_their_last_points_kept() {
        let wiggle = "M10.0,10.0L10.1,10.0L10.2,10.1L10.3,10.0L12.0,10.0L12.1,10.2Z";
        let svg = format!(
            "<svg><path d=\"{wiggle}\" fill=\"#123456\"/>\
             <path d=\"{wiggle}\" fill=\"none\" stroke=\"#333333\" stroke-dasharray=\"5 3\"/>\
             <g class=\"graticule\"><path d=\"{wiggle}\"/></g>\
             <path d=\"M0,0H1100V40H0Z\" fill=\"#ffffff\"/></svg>"
        );
        let out = thinned(&svg);
        assert_eq!(
            out,
            svg.replacen(wiggle, "M10.0,10.0L12.0,10.0L12.1,10.2Z", 1)
        );
        // Every point left out is within the tolerance of the point kept
        // before it, which the drawing passes through.
        let all = points(wiggle);
        let kept = points("M10.0,10.0L12.0,10.0L12.1,10.2Z");
        assert!(kept.iter().all(|k| all.contains(k)));
        assert_eq!(kept.last(), all.last());
    }

    /// The coordinates the maps write, and text of other forms, read as
    /// `str::parse` reads them, bit for bit.
    #[test]
    fn coordinates_read_as_the_parser_reads_them() {
        let mut texts: Vec<String> = [
            "0.0",
            "-0.0",
            "0.1",
            "-0.1",
            "1.5",
            "2.5",
            "1099.9",
            "-12.3",
            "12345678901234.5",
            "-99999999999999.9",
            "123456789012345.6",
            ".5",
            "5.",
            "-",
            "",
            "1e5",
            "+1.5",
            "1.2.3",
            "1.25",
            "0x1.0",
            "NaN",
            "inf",
            "١.٥",
        ]
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
        // Pixel coordinates as push_tenths writes them.
        let mut v = -2000.0_f64;
        while v < 2000.0 {
            texts.push(format!("{v:.1}"));
            v += 0.0137;
        }
        for t in [1.0e6, 3.3e9, 7.77e13] {
            texts.push(format!("{t:.1}"));
        }
        for text in &texts {
            let fast = coordinate(text).map(f64::to_bits);
            let reference = text.parse::<f64>().ok().map(f64::to_bits);
            assert_eq!(fast, reference, "{text}");
        }
    }

    /// A map of outlines with points a tenth of a pixel apart, drawn from
    /// its SVG and from the thinned one: the same picture but for edge
    /// pixels.
    #[test]
    fn thinning_changes_the_drawing_by_sub_pixel_detail_only() {
        let mut svg = String::from(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"300\"><rect width=\"400\" height=\"300\" fill=\"#ffffff\"/>\n",
        );
        // Wavy discs, filled and outlined, and a wavy line.
        for (k, (cx, cy, r)) in [
            (100.0, 100.0, 60.0),
            (260.0, 150.0, 90.0),
            (150.0, 230.0, 40.0),
        ]
        .into_iter()
        .enumerate()
        {
            let mut d = String::new();
            let n = 6000;
            for i in 0..=n {
                let t = std::f64::consts::TAU * f64::from(i) / f64::from(n);
                let rr = r + 3.0 * (t * 40.0).sin();
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if i == 0 { 'M' } else { 'L' },
                    cx + rr * t.cos(),
                    cy + rr * t.sin()
                );
            }
            d.push('Z');
            let _ = writeln!(
                svg,
                "<path d=\"{d}\" fill=\"#{:02x}8040\" fill-rule=\"evenodd\" stroke=\"#222222\" stroke-width=\"0.8\"/>",
                60 * k
            );
        }
        svg.push_str("</svg>\n");
        let fonts = super::super::Fonts::system().database();
        let decode = |png: Vec<u8>| {
            resvg::tiny_skia::Pixmap::decode_png(&png)
                .expect("a PNG")
                .data()
                .to_vec()
        };
        let reference = decode(super::super::png(&svg, &fonts).expect("drawn"));
        let fast = decode(super::super::png(&thinned(&svg), &fonts).expect("drawn"));
        assert!(thinned(&svg).len() < svg.len() / 2);
        assert_eq!(reference.len(), fast.len());
        let differences: Vec<u8> = reference
            .chunks(4)
            .zip(fast.chunks(4))
            .map(|(a, b)| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| x.abs_diff(*y))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let differing = differences.iter().filter(|&&d| d > 0).count();
        let large = differences.iter().filter(|&&d| d > 64).count();
        // Edge pixels only: a few percent of the picture, hardly any by
        // more than a quarter of the range.
        assert!(
            differing * 20 < differences.len(),
            "{differing} pixels differ"
        );
        assert!(
            large * 1000 < differences.len(),
            "{large} pixels differ by more than 64"
        );
    }
}
