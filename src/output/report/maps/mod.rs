//! Maps as SVG: one per snapshot (holders, the border with river stretches
//! distinct from land, rivers labelled) and one per treaty step (what was
//! transferred), in an equal-area projection fitted to the study region
//! (an Albers conic, or Lambert azimuthal where a conic does not fit: see
//! [`MapProjection::for_region`]),
//! with legend, scale bar, graticule and north arrow; with `[zones]` and
//! `[[variant]]`, one of the disputed zones and what each reading makes of
//! them ([`zones`]). PNG copies are rasterised from the same SVG (see
//! [`png`]) in the map fonts, with fallback faces for other scripts
//! ([`fonts`]). Holders are coloured as in the QGIS project
//! ([`holder_colours`]); legends are measured to fit their column
//! ([`legend`]); labels are placed without collisions ([`labels`]).
//!
//! Geometry is thinned for drawing only: a vertex closer than a quarter of a
//! pixel to the last one kept is skipped. Every number in a map comes from
//! the analysis.

pub mod fonts;
pub mod labels;
pub mod legend;
mod plain;
pub mod raster;
mod repeated;
mod system_fonts;
pub mod zones;

use std::fmt::Write as _;

use geo::{LineString, MultiPolygon};

use crate::analysis::Analysis;
use crate::config::{Config, Place};
use crate::error::Result;
use crate::io::projection::MapProjection;
use crate::load::Inputs;
use crate::model::StretchKind;
use crate::output::qgis::{holder_colours, treaty_colours, UNDEMARCATED_GREY};
use crate::support::bits_hash::BitsMap;

pub use fonts::{png, Fonts};
use labels::{Label, Placer, Rect};
use legend::LegendItem;

/// Width and height of a map, px.
const WIDTH: f64 = 1100.0;
const HEIGHT: f64 = 640.0;
/// Room for the title above and the legend on the right.
const TOP: f64 = 40.0;
const LEGEND: f64 = 270.0;
const MARGIN: f64 = 12.0;

/// One map: a file stem and the SVG document.
#[derive(Debug, Clone)]
pub struct Map {
    /// File stem, e.g. `snapshot-1860` or `transfers-1858-1860`.
    pub name: String,
    /// Caption.
    pub title: String,
    /// The SVG document.
    pub svg: String,
    /// Where the drawing every map of a run begins with lies in `svg`
    /// (the PNGs draw it once: [`raster::Grounds`]).
    pub shared: Shared,
}

/// Where, in a map's SVG, the drawing every map of a run begins with lies:
/// the page, the map's background and the `[[context]]` layers, each an
/// element of the document or of its one plain group (no opacity, clip or
/// filter), which is drawn straight onto the page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shared {
    /// The end of the document's head (the `<svg>` tag and the style).
    pub head: usize,
    /// The start of the group's opening tag.
    pub group: usize,
    /// The end of the group's opening tag.
    pub body: usize,
    /// The end of the shared drawing, inside the group.
    pub end: usize,
}

/// What a map draws inside its frame: first what every map of a run draws
/// there (the `[[context]]` layers), then its own.
pub(super) struct Body<'a> {
    shared: &'a str,
    own: String,
}

/// A point on the page, px from the left and from the top.
type Px = (f64, f64);

/// Screen transform: projected metres → px.
struct Frame {
    /// The study region's longitude/latitude box (west, south, east, north).
    bbox: (f64, f64, f64, f64),
    projection: MapProjection,
    scale: f64,
    x0: f64,
    y1: f64,
    left: f64,
    top: f64,
    /// An eighth of a pixel in degrees of latitude: vertices closer than this
    /// (in degrees, either way) to the last one kept are skipped before
    /// projecting, which spares most of PROJ's work on detailed lines.
    thin_deg: f64,
    /// Every point [`Frame::px_all`] has projected, by its coordinates'
    /// bits, with where it fell on the page.
    projected: std::cell::RefCell<BitsMap<[u64; 2], Option<Px>>>,
}

/// The projection the maps are drawn in, fitted to the study region
/// ([`MapProjection::for_region`]), and the region's extent in it: made
/// once per run, for the maps and the QGIS project.
pub struct MapView {
    /// The projection.
    pub projection: MapProjection,
    /// The study region's longitude/latitude box (west, south, east, north).
    pub bbox: (f64, f64, f64, f64),
    /// The box's projected extent (xmin, ymin, xmax, ymax), metres.
    pub extent: (f64, f64, f64, f64),
}

impl MapView {
    /// The view of the study region of `inputs`.
    pub fn of(inputs: &Inputs) -> Result<MapView> {
        let b = inputs.study_box();
        let projection = MapProjection::for_region(b.0, b.1, b.2, b.3)?;
        let extent = projection.extent_of(b.0, b.1, b.2, b.3)?;
        Ok(MapView {
            projection,
            bbox: b,
            extent,
        })
    }
}

impl Frame {
    fn new(view: MapView) -> Frame {
        let MapView {
            projection,
            bbox: b,
            extent: (xmin, ymin, xmax, ymax),
        } = view;
        let inner_w = WIDTH - LEGEND - 2.0 * MARGIN;
        let inner_h = HEIGHT - TOP - 2.0 * MARGIN;
        let scale = (inner_w / (xmax - xmin)).min(inner_h / (ymax - ymin));
        let left = MARGIN + (inner_w - (xmax - xmin) * scale) / 2.0;
        let top = TOP + MARGIN + (inner_h - (ymax - ymin) * scale) / 2.0;
        // One degree of latitude is at least 110.5 km; one of longitude is
        // shorter still.
        let thin_deg = 0.125 / scale / 110_500.0;
        Frame {
            thin_deg,
            projected: Default::default(),
            bbox: b,
            projection,
            scale,
            x0: xmin,
            y1: ymax,
            left,
            top,
        }
    }

    fn px(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        let (x, y) = self.projection.project(lon, lat).ok()?;
        Some(self.screen(x, y))
    }

    /// Projected metres → px.
    fn screen(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.left + (x - self.x0) * self.scale,
            self.top + (self.y1 - y) * self.scale,
        )
    }

    /// [`Frame::px`] of many points: each point projected once per run.
    ///
    /// Fast path: the maps draw the same vertices many times over (a
    /// border in every snapshot that keeps it, again in the transfers and
    /// the zones: 264,000 points projected for the bundled maps, 69,000 of
    /// them different), so each point's place on the page is kept by its
    /// coordinates' bits, and only the points not seen yet go to PROJ, in
    /// one call ([`Frame::px_all_projected`], the reference path, which
    /// projects every point it is given). A point's place depends on the
    /// point alone, so both give the same places; the test
    /// `tests::points_projected_once_fall_where_projecting_puts_them`
    /// holds them equal. The points come thinned to an eighth of a pixel,
    /// so the table grows with the length in pixels of the lines drawn
    /// (and their number), not with the vertices along them.
    fn px_all(&self, lonlat: &[geo::Coord<f64>]) -> Vec<Option<(f64, f64)>> {
        let mut known = self.projected.borrow_mut();
        let key = |c: &geo::Coord<f64>| [c.x.to_bits(), c.y.to_bits()];
        let mut out = Vec::with_capacity(lonlat.len());
        let (mut new, mut at) = (Vec::new(), Vec::new());
        for c in lonlat {
            if let Some(p) = known.get(&key(c)) {
                out.push(*p);
            } else {
                at.push(out.len());
                new.push(*c);
                out.push(None);
            }
        }
        if new.is_empty() {
            return out;
        }
        for ((c, i), p) in new.iter().zip(at).zip(self.px_all_projected(&new)) {
            out[i] = p;
            known.insert(key(c), p);
        }
        out
    }

    /// [`Frame::px`] of many points, projected in one call to PROJ (point
    /// by point if that fails).
    fn px_all_projected(&self, lonlat: &[geo::Coord<f64>]) -> Vec<Option<(f64, f64)>> {
        let mut points: Vec<(f64, f64)> = lonlat.iter().map(|c| (c.x, c.y)).collect();
        // Point by point, each point's place is its own whatever the others
        // do (the fast path keeps places by point).
        let place =
            |(x, y): (f64, f64)| (x.is_finite() && y.is_finite()).then(|| self.screen(x, y));
        if self.projection.project_all(&mut points).is_err() {
            return lonlat
                .iter()
                .map(|c| self.projection.project(c.x, c.y).ok().and_then(place))
                .collect();
        }
        points.into_iter().map(place).collect()
    }

    /// SVG path data of a line, thinned to a quarter pixel.
    fn path(&self, line: &LineString<f64>, closed: bool, d: &mut String) {
        self.paths(std::iter::once(line), closed, d);
    }

    /// SVG path data of lines, each thinned to a quarter pixel, their
    /// points projected in one call to PROJ (a call per ring was most of
    /// the work on outlines with thousands of small islands and lakes).
    fn paths<'a>(
        &self,
        lines: impl Iterator<Item = &'a LineString<f64>>,
        closed: bool,
        d: &mut String,
    ) {
        // Vertices within an eighth of a pixel of the last one taken are
        // skipped before projecting; each line's last vertex is kept.
        let mut lonlat: Vec<geo::Coord<f64>> = Vec::new();
        let mut ends = Vec::new();
        for line in lines {
            let (start, n) = (lonlat.len(), line.0.len());
            for (i, c) in line.0.iter().enumerate() {
                if lonlat.len() > start {
                    let q = lonlat[lonlat.len() - 1];
                    if i + 1 < n && (c.x - q.x).abs() + (c.y - q.y).abs() < self.thin_deg {
                        continue;
                    }
                }
                lonlat.push(*c);
            }
            ends.push(lonlat.len());
        }
        let projected = self.px_all(&lonlat);
        let mut start = 0;
        for end in ends {
            push_line(&projected[start..end], closed, d);
            start = end;
        }
    }

    fn polygons(&self, mp: &MultiPolygon<f64>) -> String {
        let mut d = String::new();
        let rings =
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
        self.paths(rings, true, &mut d);
        d
    }
}

/// Appends a projected line as SVG path data, a point closer than a
/// quarter pixel to the last one written skipped (the last point kept).
fn push_line(projected: &[Option<(f64, f64)>], closed: bool, d: &mut String) {
    let m = projected.len();
    let mut last: Option<(f64, f64)> = None;
    for (i, p) in projected.iter().enumerate() {
        let Some(p) = *p else { continue };
        let keep = match last {
            None => true,
            Some(q) => i + 1 == m || (p.0 - q.0).abs() + (p.1 - q.1).abs() >= 0.25,
        };
        if !keep {
            continue;
        }
        d.push(if last.is_none() { 'M' } else { 'L' });
        push_tenths(d, p.0);
        d.push(',');
        push_tenths(d, p.1);
        last = Some(p);
    }
    if closed && last.is_some() {
        d.push('Z');
    }
}

/// Appends `v` as `format!("{v:.1}")` does (the exact binary value rounded
/// to one decimal, a tie to the even digit), without the general float
/// formatter, which was a fifth of drawing the maps. Values from 0.1 to
/// 10^11 in magnitude (pixel coordinates) are worked out here, others by
/// the formatter.
fn push_tenths(out: &mut String, v: f64) {
    let a = v.abs();
    if !(0.1..=1.0e11).contains(&a) {
        let _ = write!(out, "{v:.1}");
        return;
    }
    // Tenths: t is a·10 rounded, err what the rounding took off, exactly
    // (a fused multiply–add); t ≥ 1, so t − ⌊t⌋ and that less ½ are exact.
    let t = a * 10.0;
    let err = a.mul_add(10.0, -t);
    let floor = t.floor();
    let beyond_half = (t - floor) - 0.5;
    let tenths = if t == floor || beyond_half < -err {
        floor
    } else if beyond_half > -err || (floor as u64) % 2 != 0 {
        floor + 1.0
    } else {
        floor
    } as u64;
    if v.is_sign_negative() {
        out.push('-');
    }
    // The digits, last first, into a buffer (up to 12 before the point).
    let mut digits = [0u8; 24];
    let mut at = digits.len();
    let mut rest = tenths;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if at == digits.len() - 1 {
            at -= 1;
            digits[at] = b'.';
        }
        if rest == 0 && at < digits.len() - 2 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn escape(text: &str) -> String {
    crate::output::qgis::escape(text)
}

/// Map label size, px (places, rivers, zones).
const LABEL_SIZE: f64 = 11.0;
/// Graticule label size, px.
const GRAT_SIZE: f64 = 10.0;
/// Title size, px, unless the title needs a smaller one to fit.
const TITLE_SIZE: f64 = 17.0;

/// Every map of a run: one per snapshot, then one per treaty step, then
/// (with readings of disputed zones) the zones'.
pub fn maps(
    config: &Config,
    inputs: &Inputs,
    analysis: &Analysis,
    fonts: &Fonts,
) -> Result<Vec<Map>> {
    Ok(maps_in(
        MapView::of(inputs)?,
        config,
        inputs,
        analysis,
        fonts,
    ))
}

/// As [`maps`], drawn in `view` (which a run makes once for the maps and
/// the QGIS project).
pub fn maps_in(
    view: MapView,
    config: &Config,
    inputs: &Inputs,
    analysis: &Analysis,
    fonts: &Fonts,
) -> Vec<Map> {
    let title = &config.title;
    let frame = Frame::new(view);
    let colours = holder_colours(&crate::output::holders(inputs), &config.holder_colors());
    let colour_of = |state: &str| {
        colours
            .iter()
            .find(|(n, _)| n == state)
            .map_or(UNDEMARCATED_GREY, |(_, c)| *c)
    };
    // The whole transfer palette: step i starts at colour i.
    let slots: Vec<String> = (0..8).map(|k| k.to_string()).collect();
    let treaty_colour = treaty_colours(&slots);
    // What every map draws over the holdings: the graticule, the rivers,
    // the places, and their labels (placed once: the same on every map).
    let (grat, grat_boxes) = graticule(&frame, fonts);
    let river_lines = rivers(&frame, inputs);
    let overlay = Overlay {
        under: format!("{grat}{river_lines}"),
        labels: place_labels(&frame, fonts, inputs, &config.places, &grat_boxes),
    };
    // The context layers, under everything, and their legend entries.
    let ground = context(&frame, inputs);
    let context_legend = || {
        inputs
            .context
            .iter()
            .map(|(name, _)| LegendItem::Fill(name.clone(), CONTEXT_GREY))
    };

    // Each snapshot's holdings, drawn once: the snapshot's map and the map
    // of the step from it share them.
    let drawn: Vec<Vec<String>> = inputs
        .snapshots
        .iter()
        .map(|s| {
            s.holdings
                .iter()
                .map(|h| frame.polygons(&h.geometry))
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for (s, drawn) in inputs.snapshots.iter().zip(&drawn) {
        let caption = format!("{} — {} ({})", title, s.treaty, s.year);
        let mut body = String::new();
        for (h, d) in s.holdings.iter().zip(drawn) {
            let _ = writeln!(
                body,
                "<path d=\"{}\" fill=\"{}\" fill-rule=\"evenodd\" stroke=\"none\"/>",
                d,
                hex(colour_of(&h.state))
            );
        }
        body.push_str(&overlay.under);
        for ys in analysis.stretches.iter().filter(|ys| ys.year == s.year) {
            let mut d = String::new();
            frame.path(&ys.stretch.line, false, &mut d);
            let style = match ys.stretch.kind {
                StretchKind::River => "stroke=\"#1f78b4\" stroke-width=\"2.4\"",
                StretchKind::Land => {
                    "stroke=\"#333333\" stroke-width=\"1.6\" stroke-dasharray=\"5 3\""
                }
            };
            let _ = writeln!(
                body,
                "<path d=\"{d}\" fill=\"none\" {style} stroke-linejoin=\"round\"/>"
            );
        }
        body.push_str(&overlay.labels);
        let mut legend: Vec<LegendItem> = s
            .holdings
            .iter()
            .map(|h| LegendItem::Fill(h.state.clone(), colour_of(&h.state)))
            .collect();
        // No rivers configured: every stretch is land, and the legend
        // says nothing of rivers.
        if inputs.rivers.is_empty() {
            legend.push(LegendItem::Line("border".into(), "#333333", true));
        } else {
            legend.push(LegendItem::Line(
                "border along a river".into(),
                "#1f78b4",
                false,
            ));
            legend.push(LegendItem::Line("border over land".into(), "#333333", true));
        }
        legend.extend(context_legend());
        let body = Body {
            shared: &ground,
            own: body,
        };
        let (svg, shared) = document(&frame, fonts, &caption, &body, &legend);
        out.push(Map {
            name: format!("snapshot-{}", s.year),
            title: caption,
            svg,
            shared,
        });
    }
    for (i, step) in analysis.steps.iter().enumerate() {
        let caption = format!(
            "{} — transfers, {} → {} ({})",
            title, step.from_year, step.to_year, step.treaty
        );
        let mut body = String::new();
        if let Some((earlier, drawn)) = inputs
            .snapshots
            .iter()
            .zip(&drawn)
            .find(|(s, _)| s.year == step.from_year)
        {
            body.push_str(&pale(earlier, drawn, &colour_of));
        }
        let mut legend = Vec::new();
        for (j, t) in analysis
            .transfers
            .iter()
            .filter(|t| t.from_year == step.from_year && t.to_year == step.to_year)
            .enumerate()
        {
            // The step's colour for its first piece, the next ones after it.
            let colour = treaty_colour[(i + j) % treaty_colour.len()].1;
            let _ = writeln!(
                body,
                "<path d=\"{}\" fill=\"{}\" fill-opacity=\"0.75\" fill-rule=\"evenodd\" stroke=\"{}\" stroke-width=\"0.8\"/>",
                frame.polygons(&t.geometry),
                hex(colour),
                hex(colour)
            );
            legend.push(LegendItem::Fill(
                format!(
                    "{} → {}: {} km²",
                    t.from_state,
                    t.to_state,
                    super::thousands(t.area_km2, 0)
                ),
                colour,
            ));
        }
        legend.extend(context_legend());
        body.push_str(&overlay.under);
        body.push_str(&overlay.labels);
        let body = Body {
            shared: &ground,
            own: body,
        };
        let (svg, shared) = document(&frame, fonts, &caption, &body, &legend);
        out.push(Map {
            name: format!("transfers-{}-{}", step.from_year, step.to_year),
            title: caption,
            svg,
            shared,
        });
    }
    if let (Some(last), Some(drawn)) = (inputs.snapshots.last(), drawn.last()) {
        let background = Body {
            shared: &ground,
            own: format!("{}{}", pale(last, drawn, &colour_of), overlay.under),
        };
        let extra: Vec<LegendItem> = context_legend().collect();
        if let Some(m) =
            zones::zone_map(&frame, fonts, inputs, title, background, &grat_boxes, extra)
        {
            out.push(m);
        }
    }
    out
}

/// Fill of the `[[context]]` layers (their outlines a darker grey).
const CONTEXT_GREY: (u8, u8, u8) = (226, 226, 226);

/// The `[[context]]` layers in grey, drawn once for every map.
fn context(frame: &Frame, inputs: &Inputs) -> String {
    let mut s = String::new();
    for (_, polygons) in &inputs.context {
        for p in polygons {
            let _ = writeln!(
                s,
                "<path d=\"{}\" fill=\"{}\" fill-rule=\"evenodd\" stroke=\"#a8a8a8\" stroke-width=\"0.5\"/>",
                frame.polygons(p),
                hex(CONTEXT_GREY)
            );
        }
    }
    s
}

/// What every map draws over its fills: below the borders (graticule,
/// rivers) and above everything (places and labels).
struct Overlay {
    under: String,
    labels: String,
}

/// A snapshot's holdings, pale, as the ground of another map.
fn pale(
    snapshot: &crate::model::Snapshot,
    drawn: &[String],
    colour_of: &dyn Fn(&str) -> (u8, u8, u8),
) -> String {
    let mut s = String::new();
    for (h, d) in snapshot.holdings.iter().zip(drawn) {
        let _ = writeln!(
            s,
            "<path d=\"{}\" fill=\"{}\" fill-opacity=\"0.45\" fill-rule=\"evenodd\" stroke=\"#ffffff\" stroke-width=\"0.4\"/>",
            d,
            hex(colour_of(&h.state))
        );
    }
    s
}

/// Rivers as thin lines (their names are placed with the labels).
fn rivers(frame: &Frame, inputs: &Inputs) -> String {
    let mut s = String::new();
    for r in &inputs.rivers {
        let mut d = String::new();
        frame.paths(r.geometry.0.iter(), false, &mut d);
        let _ = writeln!(
            s,
            "<path d=\"{d}\" fill=\"none\" stroke=\"#4a90c8\" stroke-width=\"0.9\"/>"
        );
    }
    s
}

/// The inner map area, px: labels stay inside it.
fn map_area() -> Rect {
    Rect {
        x0: MARGIN,
        y0: TOP,
        x1: WIDTH - LEGEND - MARGIN,
        y1: HEIGHT - MARGIN,
    }
}

/// What labels must not cover, besides each other: the north arrow, the
/// scale bar and the graticule's labels.
fn furniture(frame: &Frame, grat_boxes: &[Rect]) -> Vec<Rect> {
    let bar = ScaleBar::new(frame);
    let (nx, ny) = north_arrow();
    let mut out = vec![
        Rect::at(nx - 12.0, ny - 36.0, 24.0, 48.0),
        Rect::at(bar.x - 6.0, bar.y - 16.0, bar.px + 90.0, 26.0),
    ];
    out.extend_from_slice(grat_boxes);
    out
}

/// Place dots and the labels of places and rivers, placed without
/// collisions: places first (in the order of the analysis file), then
/// rivers (each at the middle of its longest part if there is room, else
/// further along it). A label with no room is left out, with a comment.
fn place_labels(
    frame: &Frame,
    fonts: &Fonts,
    inputs: &Inputs,
    places: &[Place],
    grat_boxes: &[Rect],
) -> String {
    let dots: Vec<(&Place, (f64, f64))> = places
        .iter()
        .filter_map(|p| Some((p, frame.px(p.lon, p.lat)?)))
        .collect();
    let mut obstacles = furniture(frame, grat_boxes);
    obstacles.extend(
        dots.iter()
            .map(|(_, (x, y))| Rect::at(x - 4.0, y - 4.0, 8.0, 8.0)),
    );
    let mut placer = Placer::new(map_area(), obstacles);
    let mut s = String::new();
    for (p, (x, y)) in &dots {
        let _ = writeln!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"#222222\" stroke=\"#ffffff\" stroke-width=\"1\"/>"
        );
        let label = Label {
            text: p.name.clone(),
            width: fonts.width(&p.name, LABEL_SIZE, false),
            size: LABEL_SIZE,
            anchors: vec![(*x, *y)],
            gap: 5.0,
        };
        s.push_str(&write_label(&mut placer, &label, "place"));
    }
    for r in &inputs.rivers {
        let Some(longest) = r.geometry.0.iter().max_by_key(|l| l.0.len()) else {
            continue;
        };
        // The middle first, then out towards the ends.
        let n = longest.0.len();
        let anchors = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]
            .iter()
            .filter_map(|f| {
                let c = longest
                    .0
                    .get(((n as f64 * f) as usize).min(n.saturating_sub(1)))?;
                frame.px(c.x, c.y)
            })
            .collect();
        let label = Label {
            text: r.name.clone(),
            width: fonts.width(&r.name, LABEL_SIZE, false),
            size: LABEL_SIZE,
            anchors,
            gap: 3.0,
        };
        s.push_str(&write_label(&mut placer, &label, "river"));
    }
    s
}

/// A label where the placer puts it (with its leader line), or a comment
/// saying it was left out.
fn write_label(placer: &mut Placer, label: &Label, class: &str) -> String {
    let Some(p) = placer.place(label) else {
        return format!("<!-- no room for the label {} -->\n", escape(&label.text));
    };
    let mut s = String::new();
    if let Some(((x0, y0), (x1, y1))) = p.leader {
        // Cased in white, to show on dark fills too.
        let _ = writeln!(
            s,
            "<path d=\"M{x0:.1},{y0:.1}L{x1:.1},{y1:.1}\" stroke=\"#ffffff\" stroke-width=\"2.2\"/><path d=\"M{x0:.1},{y0:.1}L{x1:.1},{y1:.1}\" stroke=\"#333333\" stroke-width=\"0.8\"/>"
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" class=\"{class}\">{}</text>",
        p.x,
        p.y,
        escape(&label.text)
    );
    s
}

/// Meridians and parallels every 5° (10° for wide regions), labelled at the
/// edges; with the boxes of the labels.
fn graticule(frame: &Frame, fonts: &Fonts) -> (String, Vec<Rect>) {
    let (west, south, east, north) = frame.bbox;
    // Every 5° for regions up to 60° wide, every 10° beyond; one step of
    // margin round the region, as the conic's corners reach past its box.
    let step = if east - west > 60.0 { 10.0 } else { 5.0 };
    let lon0 = ((west / step).floor() - 1.0) * step;
    let lon1 = ((east / step).ceil() + 1.0) * step;
    let lat0 = (((south / step).floor() - 1.0) * step).max(-90.0);
    let lat1 = (((north / step).ceil() + 1.0) * step).min(90.0);
    let steps = |from: f64, to: f64| {
        let n = ((to - from) / step).round() as i32;
        (0..=n).map(move |i| from + f64::from(i) * step)
    };
    let along =
        |from: f64, to: f64| (0..=100).map(move |i| from + (to - from) * f64::from(i) / 100.0);
    let mut boxes = Vec::new();
    let mut labels = String::new();
    // A label wholly inside the map (not cut by its edge) and off the
    // scale bar and the north arrow, on the map.
    let furniture = furniture(frame, &[]);
    let mut label = |x: f64, y: f64, text: String| {
        let width = fonts.width(&text, GRAT_SIZE, false);
        let rect = labels::text_rect(x, y, width, GRAT_SIZE);
        if rect.inside(&map_area()) && !furniture.iter().any(|f| f.overlaps(&rect)) {
            let _ = writeln!(
                labels,
                "<text x=\"{x:.1}\" y=\"{y:.1}\" class=\"grat\">{text}</text>"
            );
            boxes.push(rect);
        }
    };
    let mut s = String::from("<g class=\"graticule\">\n");
    for lon in steps(lon0, lon1) {
        let line: LineString<f64> = along(lat0, lat1)
            .map(|lat| (lon, lat))
            .collect::<Vec<_>>()
            .into();
        let mut d = String::new();
        frame.path(&line, false, &mut d);
        let _ = writeln!(s, "<path d=\"{d}\"/>");
        if let Some((x, y)) = frame.px(lon, south) {
            let hemisphere = if lon < 0.0 { "W" } else { "E" };
            label(x, y + 14.0, format!("{:.0}°{hemisphere}", lon.abs()));
        }
    }
    for lat in steps(lat0, lat1) {
        let line: LineString<f64> = along(lon0, lon1)
            .map(|lon| (lon, lat))
            .collect::<Vec<_>>()
            .into();
        let mut d = String::new();
        frame.path(&line, false, &mut d);
        let _ = writeln!(s, "<path d=\"{d}\"/>");
        if let Some((x, y)) = frame.px(west, lat) {
            let hemisphere = if lat < 0.0 { "S" } else { "N" };
            label(x - 34.0, y, format!("{:.0}°{hemisphere}", lat.abs()));
        }
    }
    s.push_str(&labels);
    s.push_str("</g>\n");
    (s, boxes)
}

/// The scale bar: a round length near a fifth of the map width, true at
/// the standard parallels of the conic (the map is equal-area, not
/// equidistant: the map says so).
struct ScaleBar {
    km: f64,
    px: f64,
    x: f64,
    y: f64,
}

impl ScaleBar {
    fn new(frame: &Frame) -> ScaleBar {
        let map_w = WIDTH - LEGEND;
        let target_km = (map_w / 5.0) / frame.scale / 1000.0;
        let magnitude = 10f64.powf(target_km.log10().floor());
        let km = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .filter(|v| *v <= target_km)
            .fold(magnitude, f64::max);
        ScaleBar {
            km,
            px: km * 1000.0 * frame.scale,
            x: MARGIN + 14.0,
            y: HEIGHT - MARGIN - 16.0,
        }
    }
}

/// Where the north arrow stands (its tip's base), px.
fn north_arrow() -> (f64, f64) {
    (WIDTH - LEGEND - MARGIN - 24.0, TOP + 36.0)
}

/// The whole SVG: clip to the map area, title, legend, scale bar, north
/// arrow.
/// A map's SVG document, and where in it the drawing every map shares
/// lies.
fn document(
    frame: &Frame,
    fonts: &Fonts,
    title: &str,
    body: &Body,
    legend: &[LegendItem],
) -> (String, Shared) {
    let mut s = String::new();
    let mut shared = Shared::default();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\">"
    );
    s.push_str(
        "<style>.graticule path{fill:none;stroke:#9aa4ad;stroke-width:0.5;stroke-dasharray:2 3}\
         .grat{font-size:10px;fill:#6b7680;stroke:none}\
         .river{font-size:11px;font-style:italic;fill:#1f5f96;paint-order:stroke;stroke:#ffffff;stroke-width:3px}\
         .legend{font-size:11px;fill:#222222}\
         .legend-note{font-size:10px;fill:#555555}\
         .zone{font-size:11px;font-weight:bold;fill:#222222;paint-order:stroke;stroke:#ffffff;stroke-width:3px}\
         .place{font-size:11px;fill:#222222;paint-order:stroke;stroke:#ffffff;stroke-width:3px}</style>\n",
    );
    let map_w = WIDTH - LEGEND;
    shared.head = s.len();
    let _ = writeln!(
        s,
        "<rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        s,
        "<rect x=\"{MARGIN}\" y=\"{TOP}\" width=\"{}\" height=\"{}\" fill=\"#eef4f8\"/>",
        map_w - 2.0 * MARGIN,
        HEIGHT - TOP - MARGIN
    );
    // What the map draws past its frame is painted over by the margins
    // (a clip path would cost the rasteriser a layer the size of the map).
    let right = map_w - MARGIN;
    shared.group = s.len();
    s.push_str("<g>\n");
    shared.body = s.len();
    s.push_str(body.shared);
    shared.end = s.len();
    s.push_str(&body.own);
    let _ = writeln!(
        s,
        "</g>\n<path d=\"M0,0H{WIDTH}V{TOP}H0Z M0,{bottom}H{WIDTH}V{HEIGHT}H0Z M0,0H{MARGIN}V{HEIGHT}H0Z M{right},0H{WIDTH}V{HEIGHT}H{right}Z\" fill=\"#ffffff\"/>",
        bottom = HEIGHT - MARGIN
    );
    // The title on one line: smaller when it is too long for the page.
    let room = WIDTH - 2.0 * MARGIN;
    let wide = fonts.width(title, TITLE_SIZE, true);
    let size = if wide > room {
        (TITLE_SIZE * room / wide).floor().max(1.0)
    } else {
        TITLE_SIZE
    };
    let _ = writeln!(
        s,
        "<text x=\"{MARGIN}\" y=\"26\" font-size=\"{size}\" font-weight=\"bold\" fill=\"#222222\">{}</text>",
        escape(title)
    );
    // The legend, in its column down to the projection's note.
    s.push_str(&legend::legend(
        fonts,
        legend,
        map_w + 4.0,
        TOP + 3.0,
        LEGEND - 4.0 - MARGIN,
        HEIGHT - TOP - 3.0 - MARGIN - 16.0,
    ));
    let bar = ScaleBar::new(frame);
    let (bx, by) = (bar.x, bar.y);
    let _ = writeln!(
        s,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"26\" fill=\"#ffffff\" fill-opacity=\"0.8\"/>",
        bx - 6.0,
        by - 16.0,
        bar.px + 90.0
    );
    let _ = writeln!(
        s,
        "<path d=\"M{bx:.1},{by:.1}h{:.1}\" stroke=\"#222222\" stroke-width=\"3\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"legend\">{} km</text>",
        bar.px,
        bx + bar.px + 6.0,
        by + 4.0,
        super::thousands(bar.km, 0)
    );
    let _ = writeln!(
        s,
        "<text x=\"{bx:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"#555555\">{}</text>",
        by - 6.0,
        if frame.projection.name().starts_with("Albers") {
            "scale true along the standard parallels"
        } else {
            "scale true at the centre"
        }
    );
    // North arrow (north is up along the central meridian).
    let (nx, ny) = north_arrow();
    let _ = writeln!(
        s,
        "<path d=\"M{nx:.1},{:.1}L{:.1},{:.1}L{nx:.1},{:.1}L{:.1},{:.1}Z\" fill=\"#222222\"/><text x=\"{nx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\" fill=\"#222222\">N</text>",
        ny - 18.0,
        nx + 8.0,
        ny + 8.0,
        ny + 3.0,
        nx - 8.0,
        ny + 8.0,
        ny - 22.0
    );
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{:.1}\" font-size=\"9\" fill=\"#555555\">{}, WGS84</text>",
        map_w + 4.0,
        HEIGHT - MARGIN,
        frame.projection.name()
    );
    s.push_str("</svg>\n");
    (s, shared)
}

#[cfg(test)]
mod tests {
    /// The quick one-decimal formatting writes what `{:.1}` writes: random
    /// values of every size, exact ties at quarters, the neighbours of
    /// every x.x5, negative values and the ends of its range.
    #[test]
    fn tenths_are_written_as_the_formatter_writes_them() {
        let check = |v: f64| {
            let mut quick = String::new();
            super::push_tenths(&mut quick, v);
            assert_eq!(quick, format!("{v:.1}"), "{v:e}");
        };
        let mut uniform = crate::support::testing::Uniform::new(0x0dd_ba11_cafe_f00d);
        for _ in 0..200_000 {
            let v = uniform.next(2200.0) - 100.0;
            check(v);
            check(v * 1e-3);
            check(v * 1e7);
        }
        for k in 0..100_000u32 {
            let q = f64::from(k) / 4.0;
            check(q);
            check(-q);
            // Just either side of a half tenth, where the product by ten
            // rounds to the tie.
            let h = f64::from(k) / 10.0 + 0.05;
            check(h);
            check(f64::from_bits(h.to_bits() + 1));
            check(f64::from_bits(h.to_bits() - 1));
        }
        for v in [
            0.0,
            -0.0,
            0.1,
            -0.1,
            0.099_999_999_999,
            1e11,
            1.000_000_000_1e11,
            0.95,
            9.95,
            99.95,
            f64::NAN,
            f64::INFINITY,
        ] {
            check(v);
        }
    }
    /// Points projected once per run (the fast path) fall where projecting
    /// each batch whole puts them (the reference path): batches that share
    /// points, repeat earlier ones in part or whole, and hold points PROJ
    /// cannot project (beyond the pole), so that a batch is projected
    /// point by point.
    #[test]
    fn points_projected_once_fall_where_projecting_puts_them() {
        let (west, south, east, north) = (115.0, 42.0, 142.0, 56.0);
        let projection = super::MapProjection::for_region(west, south, east, north).unwrap();
        let extent = projection.extent_of(west, south, east, north).unwrap();
        let frame = super::Frame::new(super::MapView {
            projection,
            bbox: (west, south, east, north),
            extent,
        });
        let mut uniform = crate::support::testing::Uniform::new(0x5eed_0fb0_4de5);
        let pool: Vec<geo::Coord<f64>> = (0..400)
            .map(|_| geo::Coord {
                x: west + uniform.next(east - west),
                y: south + uniform.next(north - south),
            })
            .collect();
        let mut batches: Vec<Vec<geo::Coord<f64>>> = (0..40)
            .map(|k| {
                let n = 1 + (uniform.next(60.0) as usize);
                (0..n)
                    .map(|i| pool[(k * 7 + i * (1 + k % 5)) % pool.len()])
                    .collect()
            })
            .collect();
        batches.push(batches[3].clone());
        let beyond = geo::Coord { x: 120.0, y: 95.0 };
        batches.push(vec![pool[0], beyond, pool[1]]);
        batches.push(vec![pool[1], pool[2], beyond]);
        batches.push(Vec::new());
        let mut seen = 0;
        for batch in &batches {
            let fast = frame.px_all(batch);
            assert_eq!(fast, frame.px_all_projected(batch));
            seen += fast.iter().flatten().count();
        }
        assert!(seen > 1000 && frame.projected.borrow().len() < pool.len() + 2);
        assert_eq!(frame.px_all(&[beyond]), vec![None]);
    }
}
