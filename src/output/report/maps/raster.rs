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
//! The outlines each map and the shared part begin with are drawn straight
//! into the picture (`maps::plain`), the rest by the rasteriser, and
//! the pictures, opaque, encoded without tiny-skia's copy ([`encode_png`]);
//! what several maps draw alike after their outlines (labels, graticule,
//! rivers) is parsed once for all of them (`maps::repeated`).

use std::sync::Arc;

use resvg::tiny_skia::{PathBuilder, Pixmap};
use resvg::usvg::fontdb::Database;

use super::repeated::Repeated;
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
    let mut thinned = String::with_capacity(data.len() / 2);
    if !thin_into(data, &mut thinned) {
        return false;
    }
    out.push_str(&thinned);
    true
}

/// Where [`thin_into`] puts the points it keeps.
pub(super) trait Outline {
    /// The next point kept, `first` of its outline or not, as written
    /// (`text`) and read.
    fn point(&mut self, first: bool, text: &str, x: f64, y: f64);
    /// The end of a closed outline.
    fn close(&mut self);
}

/// Path data, written.
impl Outline for String {
    fn point(&mut self, first: bool, text: &str, _: f64, _: f64) {
        self.push(if first { 'M' } else { 'L' });
        self.push_str(text);
    }

    fn close(&mut self) {
        self.push('Z');
    }
}

/// A path, built as the rasteriser builds it from the path data written
/// (each number read as a double, then narrowed to a float).
impl Outline for PathBuilder {
    fn point(&mut self, first: bool, _: &str, x: f64, y: f64) {
        if first {
            self.move_to(x as f32, y as f32);
        } else {
            self.line_to(x as f32, y as f32);
        }
    }

    fn close(&mut self) {
        PathBuilder::close(self);
    }
}

/// Gives `out` the points of `data` thinned, in order; false (and `out`
/// given part of them, or none) when it holds anything but `M`, `L` and
/// `Z` with `x,y` pairs.
pub(super) fn thin_into(data: &str, out: &mut impl Outline) -> bool {
    let bytes = data.as_bytes();
    if !bytes
        .iter()
        .all(|b| matches!(b, b'M' | b'L' | b'Z' | b',' | b'-' | b'.' | b'0'..=b'9'))
    {
        return false;
    }
    // Each point is kept or left out when the next one is read (the last
    // point of an outline is always kept): the last point kept, and the
    // point read before this one, (text, x, y).
    let mut kept: Option<(f64, f64)> = None;
    let mut pending: Option<(&str, f64, f64)> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'M' | b'Z' => {
                if let Some((text, x, y)) = pending.take() {
                    out.point(kept.is_none(), text, x, y);
                    kept = Some((x, y));
                }
                if bytes[i] == b'Z' && kept.is_some() {
                    out.close();
                }
                kept = None;
                i += 1;
            }
            b'L' => i += 1,
            _ => {
                let (x, y, end) = match point_at(bytes, i) {
                    Some(point) => point,
                    None => {
                        let end = bytes[i..]
                            .iter()
                            .position(|b| matches!(b, b'M' | b'L' | b'Z'))
                            .map_or(data.len(), |e| i + e);
                        let Some((x, y)) = data[i..end].split_once(',') else {
                            return false;
                        };
                        let (Some(x), Some(y)) = (coordinate(x), coordinate(y)) else {
                            return false;
                        };
                        (x, y, end)
                    }
                };
                let text = &data[i..end];
                // The point before this one is not its outline's last.
                if let Some((text, px, py)) = pending.replace((text, x, y)) {
                    let near = kept.is_some_and(|(kx, ky)| {
                        (px - kx).abs() + (py - ky).abs() < RASTER_THINNING_PX
                    });
                    if !near {
                        out.point(kept.is_none(), text, px, py);
                        kept = Some((px, py));
                    }
                }
                i = end;
            }
        }
    }
    if let Some((text, x, y)) = pending {
        out.point(kept.is_none(), text, x, y);
    }
    true
}

/// The point written at `at` in path data as the maps write their points
/// (`x,y`, each `-?d+.d`, then the end or `M`, `L` or `Z`), read as
/// [`coordinate`] reads each number, and where its text ends; `None` for
/// text of any other form.
///
/// Fast path of reading a point (finding its end, splitting it at its
/// comma and reading each number with [`coordinate`], the reference path,
/// which anything else goes to): one pass over its bytes.
/// `tests::points_read_as_their_numbers_read` holds the two equal.
fn point_at(bytes: &[u8], at: usize) -> Option<(f64, f64, usize)> {
    /// The number at `at`, and where it ends.
    fn number_at(bytes: &[u8], mut at: usize) -> Option<(f64, usize)> {
        let negative = bytes.get(at) == Some(&b'-');
        at += usize::from(negative);
        let start = at;
        let mut tenths = 0u64;
        while let Some(d) = bytes.get(at).filter(|d| d.is_ascii_digit()) {
            tenths = tenths * 10 + u64::from(d - b'0');
            at += 1;
        }
        // At most 14 digits before the point: below 10^15 tenths.
        if !(1..=14).contains(&(at - start)) || bytes.get(at) != Some(&b'.') {
            return None;
        }
        let tenth = bytes.get(at + 1).filter(|d| d.is_ascii_digit())?;
        let v = (tenths * 10 + u64::from(tenth - b'0')) as f64 / 10.0;
        Some((if negative { -v } else { v }, at + 2))
    }
    let (x, comma) = number_at(bytes, at)?;
    if bytes.get(comma) != Some(&b',') {
        return None;
    }
    let (y, end) = number_at(bytes, comma + 1)?;
    match bytes.get(end) {
        None | Some(b'M' | b'L' | b'Z') => Some((x, y, end)),
        Some(_) => None,
    }
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
    /// What more than one map draws after its outlines, parsed once
    /// ([`super::repeated`]).
    repeated: Repeated,
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
            if let Some(picture) = draw_shared(map, fonts) {
                drawn.push((prefix.to_owned(), picture));
            }
        }
        // What follows each map's shared drawing and plain outlines.
        let repeated = Repeated::of(maps.iter().filter_map(|map| {
            let s = map.shared;
            let rest = super::plain::after_plain_paths(&map.svg[shared_prefix(map)?.len()..]);
            Some((&map.svg[..s.head], &map.svg[s.group..s.body], rest))
        }));
        Grounds { drawn, repeated }
    }

    /// How many shared parts were drawn.
    pub fn count(&self) -> usize {
        self.drawn.len()
    }

    /// How many parts of the maps' own drawings more than one map draws
    /// (each parsed once).
    pub fn repeated(&self) -> usize {
        self.repeated.count()
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
        // What follows the shared drawing: its plain outlines first, then
        // the rest after the head and the group's opening tag, the parts
        // other maps draw too from their trees ([`Repeated::draw`];
        // [`shared_prefix`] checked the offsets).
        let mut picture = under.clone();
        let rest = super::plain::draw_plain_paths(&map.svg[map.shared.end..], &mut picture);
        let picture = self.repeated.draw(
            &map.svg[..head],
            &map.svg[group..body],
            rest,
            picture,
            fonts,
        )?;
        encode_png(&picture)
    }
}

/// The picture of the shared part of `map` (whose offsets
/// [`shared_prefix`] checked), thinned: what precedes the group, then the
/// group's plain outlines ([`super::plain::draw_plain_paths`]), then the rest of it.
///
/// Reference path: the shared part as one document, thinned and drawn by
/// the rasteriser; `a_run_draws_the_maps_the_reference_path_draws` holds
/// the PNGs drawn over it equal to the whole maps drawn that way.
fn draw_shared(map: &Map, fonts: &Arc<Database>) -> Option<Pixmap> {
    let Shared {
        head,
        group,
        body,
        end,
    } = map.shared;
    let svg = &map.svg;
    let page = format!("{}</svg>\n", &svg[..group]);
    let mut picture = super::fonts::draw(&thinned(&page), fonts, None)?;
    let rest = super::plain::draw_plain_paths(&svg[body..end], &mut picture);
    let group = format!("{}{}{rest}</g>\n</svg>\n", &svg[..head], &svg[group..body]);
    super::fonts::draw(&thinned(&group), fonts, Some(picture))
}

/// `picture` as a PNG file: the bytes [`Pixmap::encode_png`] writes.
///
/// Fast path: a picture of opaque pixels (every map's page is white) is
/// its own un-premultiplied form, so it is encoded as it is, with the
/// settings tiny-skia 0.11 encodes with (RGBA, 8 bits, the encoder's
/// defaults otherwise), without tiny-skia's copy of it un-premultiplied
/// pixel by pixel (half the cost of encoding). Reference path:
/// [`Pixmap::encode_png`], which any other picture goes to;
/// `tests::pictures_are_encoded_as_tiny_skia_encodes_them` holds the two
/// equal.
pub fn encode_png(picture: &Pixmap) -> Option<Vec<u8>> {
    // The alpha bytes of every pixel and-ed together (without stopping
    // early, so the loop is vectorised): 255 if and only if all are.
    let alpha = picture.data().chunks_exact(4).fold(u32::MAX, |all, p| {
        all & u32::from_le_bytes([p[0], p[1], p[2], p[3]])
    });
    if alpha >> 24 != 255 {
        return picture.encode_png().ok();
    }
    let mut data = Vec::new();
    let mut encoder = png::Encoder::new(&mut data, picture.width(), picture.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().ok()?;
    writer.write_image_data(picture.data()).ok()?;
    writer.finish().ok()?;
    Some(data)
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
    use resvg::tiny_skia::{FillRule, Paint, Transform};
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

    /// Points of the form the maps write and of other forms, read in one
    /// pass as they read split at their comma, number by number.
    #[test]
    fn points_read_as_their_numbers_read() {
        let mut texts: Vec<String> = [
            "1.5,2.5",
            "-0.0,0.0",
            "0.1,-0.1",
            "12345678901234.5,1.0",
            "123456789012345.6,1.0",
            "1.0,2.0M",
            "1.0,2.0L",
            "1.0,2.0Z",
            "1.0,2.0,3.0",
            "1.0,2.05",
            "1.0,2",
            "1,2.0",
            ".5,1.0",
            "1.0,",
            ",1.0",
            "1.0",
            "--1.0,2.0",
            "1.0,-",
            "1.0,2.0-",
        ]
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
        let mut uniform = crate::support::testing::Uniform::new(0x5eed_1e55);
        for _ in 0..20_000 {
            let (x, y) = (uniform.next(4000.0) - 2000.0, uniform.next(4000.0) - 2000.0);
            texts.push(format!("{x:.1},{y:.1}L"));
        }
        for text in &texts {
            let bytes = text.as_bytes();
            let fast = point_at(bytes, 0).map(|(x, y, end)| (x.to_bits(), y.to_bits(), end));
            let end = text.find(['M', 'L', 'Z']).unwrap_or(text.len());
            let reference = text[..end]
                .split_once(',')
                .and_then(|(x, y)| Some((coordinate(x)?.to_bits(), coordinate(y)?.to_bits(), end)));
            // The fast path reads the maps' form only, and that as the
            // reference path reads it.
            if let Some(fast) = fast {
                assert_eq!(Some(fast), reference, "{text}");
            }
            let maps_form = text[..end].split(',').count() == 2
                && text[..end].split(',').all(|n| {
                    let n = n.strip_prefix('-').unwrap_or(n);
                    n.split_once('.').is_some_and(|(w, t)| {
                        (1..=14).contains(&w.len())
                            && t.len() == 1
                            && w.bytes().chain(t.bytes()).all(|b| b.is_ascii_digit())
                    })
                });
            assert_eq!(fast.is_some(), maps_form, "{text}");
        }
    }

    /// An opaque picture and one with translucent pixels encoded as
    /// tiny-skia encodes them, byte for byte.
    #[test]
    fn pictures_are_encoded_as_tiny_skia_encodes_them() {
        let mut picture = Pixmap::new(300, 200).expect("a picture");
        picture.fill(resvg::tiny_skia::Color::WHITE);
        let mut paint = Paint::default();
        paint.set_color_rgba8(200, 40, 90, 140);
        let mut builder = PathBuilder::new();
        builder.push_circle(150.0, 100.0, 70.0);
        let circle = builder.finish().expect("a circle");
        picture.fill_path(
            &circle,
            &paint,
            FillRule::Winding,
            Transform::default(),
            None,
        );
        let opaque = encode_png(&picture).expect("encoded");
        assert!(opaque == picture.encode_png().expect("encoded"));
        let mut translucent = Pixmap::new(300, 200).expect("a picture");
        translucent.fill_path(
            &circle,
            &paint,
            FillRule::Winding,
            Transform::default(),
            None,
        );
        assert!(encode_png(&translucent) == translucent.encode_png().ok());
        assert!(opaque != encode_png(&translucent).expect("encoded"));
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
