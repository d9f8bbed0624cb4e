//! QGIS styles (QML) and a QGIS project (`.qgs`) for a run's outputs, written
//! as plain XML so that no QGIS is needed to produce them. QGIS 3.x reads
//! both; missing elements take QGIS's defaults.
//!
//! A holder's colour is its own (`[holders.NAME] color`) or one picked by
//! its name (see [`holder_colours`]), the same in every snapshot, every
//! layer and the maps.

use std::fmt::Write as _;

use crate::date::Date;

/// Fill colours for holders without a colour of their own: ColorBrewer's
/// Set3 (Cynthia A. Brewer, colorbrewer2.org; Apache-2.0), light and
/// distinct for categories, without its grey (see [`UNDEMARCATED_GREY`]).
/// A holder's colour is picked by a hash of its name (see
/// [`holder_colours`]).
const HOLDER_COLOURS: [(u8, u8, u8); 11] = [
    (141, 211, 199),
    (255, 255, 179),
    (190, 186, 218),
    (251, 128, 114),
    (128, 177, 211),
    (253, 180, 98),
    (179, 222, 105),
    (252, 205, 229),
    (188, 128, 189),
    (204, 235, 197),
    (255, 237, 111),
];

/// The grey of land held by nobody ("Undemarcated" in the bundled
/// analysis, set there with `[holders.Undemarcated] color`): reserved, the
/// palette never gives it to a holder.
pub const UNDEMARCATED_GREY: (u8, u8, u8) = (200, 200, 200);

/// Fill colours for transfers, one per treaty step in year order.
const TREATY_COLOURS: [(u8, u8, u8); 8] = [
    (215, 48, 31),
    (35, 139, 69),
    (33, 102, 172),
    (136, 65, 157),
    (254, 153, 41),
    (1, 133, 113),
    (197, 27, 125),
    (84, 39, 136),
];

/// River stretches and river lines.
const RIVER_BLUE: (u8, u8, u8) = (31, 120, 180);
/// Land stretches.
const LAND_GREY: (u8, u8, u8) = (60, 60, 60);

/// A colour for each of `names` (any order; each once, sorted by name):
/// the one `explicit` gives it (`[holders.NAME] color`), else one from the
/// palette picked by a hash of the name (FNV-1a, the same on every
/// machine). A palette colour already given explicitly or to a holder
/// earlier by name is skipped for the next one along. A holder therefore
/// keeps its colour when others are added, unless one of them comes
/// earlier by name and hashes to the same colour (then `color` pins it);
/// the grey of [`UNDEMARCATED_GREY`] is never picked.
pub fn holder_colours(
    names: &[String],
    explicit: &std::collections::BTreeMap<String, (u8, u8, u8)>,
) -> Vec<(String, (u8, u8, u8))> {
    let mut sorted = names.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut taken: Vec<(u8, u8, u8)> = sorted
        .iter()
        .filter_map(|n| explicit.get(n).copied())
        .collect();
    taken.push(UNDEMARCATED_GREY);
    sorted
        .into_iter()
        .map(|name| {
            let colour = explicit.get(&name).copied().unwrap_or_else(|| {
                let n = HOLDER_COLOURS.len();
                let start = (name_hash(&name) % n as u64) as usize;
                // Every colour taken (more holders than colours): share
                // the hashed one.
                let colour = (0..n)
                    .map(|k| HOLDER_COLOURS[(start + k) % n])
                    .find(|c| !taken.contains(c))
                    .unwrap_or(HOLDER_COLOURS[start]);
                taken.push(colour);
                colour
            });
            (name, colour)
        })
        .collect()
}

/// FNV-1a (64 bits) of the name's UTF-8 bytes.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A colour for each treaty, in the order given (the order of the steps).
pub fn treaty_colours(treaties: &[String]) -> Vec<(String, (u8, u8, u8))> {
    treaties
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), TREATY_COLOURS[i % TREATY_COLOURS.len()]))
        .collect()
}

/// How one feature category is drawn.
#[derive(Debug, Clone)]
pub enum Symbol {
    /// A filled polygon.
    Fill {
        /// Fill colour.
        colour: (u8, u8, u8),
        /// Fill opacity, 0–255.
        alpha: u8,
        /// Outline colour.
        outline: (u8, u8, u8),
        /// Outline width, mm.
        outline_mm: f64,
    },
    /// A line.
    Line {
        /// Colour.
        colour: (u8, u8, u8),
        /// Width, mm.
        width_mm: f64,
        /// Dashed rather than solid.
        dashed: bool,
    },
    /// A round point marker.
    Marker {
        /// Fill colour.
        colour: (u8, u8, u8),
        /// Outline colour.
        outline: (u8, u8, u8),
        /// Diameter, mm.
        size_mm: f64,
    },
}

/// Where labels go, by the layer's geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Along lines.
    Line,
    /// Inside a polygon, on its largest part.
    Polygon,
    /// Beside a point, the first free of its eight positions.
    Point,
}

/// How features are labelled.
#[derive(Debug, Clone)]
pub struct Label {
    /// The QGIS expression giving the text.
    pub expression: String,
    /// Text colour.
    pub colour: (u8, u8, u8),
    /// Text size, points.
    pub size_pt: f64,
    /// Italic (rivers) rather than upright.
    pub italic: bool,
    /// Bold (holders).
    pub bold: bool,
    /// Where the labels go.
    pub placement: Placement,
}

/// A layer's look: categories on one field, optional labels, optional time.
#[derive(Debug, Clone)]
pub struct Style {
    /// The field the categories are read from; empty for one symbol for
    /// every feature (the first category's).
    pub field: String,
    /// (value, legend label, symbol).
    pub categories: Vec<(String, String, Symbol)>,
    /// How features are labelled, if they are.
    pub label: Option<Label>,
    /// Start and end expressions for the layer's temporal properties.
    pub temporal: Option<(String, String)>,
}

impl Style {
    /// True when features are labelled.
    fn labelled(&self) -> bool {
        self.label.is_some()
    }
}

/// The style as a QML document (what QGIS's "Save Style…" writes).
pub fn qml(style: &Style) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n");
    let _ = writeln!(
        out,
        "<qgis version=\"3.22.16\" styleCategories=\"Symbology|Labeling|Temporal\" labelsEnabled=\"{}\">",
        u8::from(style.labelled())
    );
    out.push_str(&style_body(style, "  "));
    out.push_str("</qgis>\n");
    out
}

/// The renderer, labels and temporal properties, each line prefixed by
/// `indent`: the body of a QML document and of a project's `<maplayer>`.
fn style_body(style: &Style, indent: &str) -> String {
    let mut x = String::new();
    let mut line = |depth: usize, text: &str| {
        x.push_str(indent);
        for _ in 0..depth {
            x.push_str("  ");
        }
        x.push_str(text);
        x.push('\n');
    };
    match &style.temporal {
        Some((start, end)) => line(
            0,
            &format!(
                "<temporal enabled=\"1\" mode=\"4\" accumulate=\"0\" limitMode=\"0\" \
                 startExpression=\"{}\" endExpression=\"{}\" startField=\"\" endField=\"\" \
                 durationField=\"\" durationUnit=\"min\" fixedDuration=\"0\"/>",
                escape(start),
                escape(end)
            ),
        ),
        None => line(0, "<temporal enabled=\"0\" mode=\"0\"/>"),
    }
    if style.field.is_empty() {
        line(
            0,
            "<renderer-v2 type=\"singleSymbol\" enableorderby=\"0\" forceraster=\"0\" \
             symbollevels=\"0\" referencescale=\"-1\">",
        );
    } else {
        line(
            0,
            &format!(
                "<renderer-v2 type=\"categorizedSymbol\" attr=\"{}\" enableorderby=\"0\" \
                 forceraster=\"0\" symbollevels=\"0\" referencescale=\"-1\">",
                escape(&style.field)
            ),
        );
        line(1, "<categories>");
        for (i, (value, label, _)) in style.categories.iter().enumerate() {
            line(
                2,
                &format!(
                    "<category value=\"{}\" label=\"{}\" symbol=\"{i}\" render=\"true\"/>",
                    escape(value),
                    escape(label)
                ),
            );
        }
        line(1, "</categories>");
    }
    line(1, "<symbols>");
    let shown = if style.field.is_empty() {
        1
    } else {
        usize::MAX
    };
    for (i, (_, _, symbol)) in style.categories.iter().take(shown).enumerate() {
        for text in symbol_xml(symbol, &i.to_string()) {
            line(2, &text);
        }
    }
    line(1, "</symbols>");
    line(0, "</renderer-v2>");
    if let Some(label) = &style.label {
        line(0, "<labeling type=\"simple\">");
        line(1, "<settings calloutType=\"simple\">");
        line(
            2,
            &format!(
                "<text-style fieldName=\"{}\" isExpression=\"1\" fontFamily=\"Sans Serif\" \
                 fontSize=\"{}\" fontSizeUnit=\"Point\" fontItalic=\"{}\" fontWeight=\"{}\" \
                 textColor=\"{}\" textOpacity=\"1\">",
                escape(&label.expression),
                label.size_pt,
                u8::from(label.italic),
                if label.bold { 75 } else { 50 },
                rgba(label.colour, 255)
            ),
        );
        line(
            3,
            "<text-buffer bufferDraw=\"1\" bufferSize=\"0.7\" bufferSizeUnits=\"MM\" \
             bufferColor=\"255,255,255,255\" bufferOpacity=\"0.8\"/>",
        );
        line(2, "</text-style>");
        line(2, placement_xml(label.placement));
        line(
            2,
            "<rendering mergeLines=\"1\" obstacle=\"1\" scaleVisibility=\"0\" \
             fontLimitPixelSize=\"0\" displayAll=\"0\"/>",
        );
        line(1, "</settings>");
        line(0, "</labeling>");
    }
    x
}

/// QGIS's `<placement>`: along lines (2, on either side), inside a
/// polygon's largest part (1, "offset from centroid", the centroid kept
/// inside), or the first free position around a point (6, cartographic).
fn placement_xml(placement: Placement) -> &'static str {
    match placement {
        Placement::Line => {
            "<placement placement=\"2\" placementFlags=\"10\" dist=\"1\" distUnits=\"MM\" \
             repeatDistance=\"0\"/>"
        }
        Placement::Polygon => {
            "<placement placement=\"1\" centroidInside=\"1\" centroidWhole=\"0\" \
             fitInPolygonOnly=\"0\" dist=\"0\" distUnits=\"MM\"/>"
        }
        Placement::Point => {
            "<placement placement=\"6\" dist=\"1.2\" distUnits=\"MM\" \
             predefinedPositionOrder=\"TR,TL,BR,BL,R,L,TSR,BSR\"/>"
        }
    }
}

/// The `<symbol>` element for one category, one line per string.
fn symbol_xml(symbol: &Symbol, name: &str) -> Vec<String> {
    let (kind, class, options): (&str, &str, Vec<(&str, String)>) = match symbol {
        Symbol::Fill {
            colour,
            alpha,
            outline,
            outline_mm,
        } => (
            "fill",
            "SimpleFill",
            vec![
                ("color", rgba(*colour, *alpha)),
                ("outline_color", rgba(*outline, 255)),
                ("outline_style", "solid".into()),
                ("outline_width", format!("{outline_mm}")),
                ("outline_width_unit", "MM".into()),
                ("style", "solid".into()),
            ],
        ),
        Symbol::Line {
            colour,
            width_mm,
            dashed,
        } => (
            "line",
            "SimpleLine",
            vec![
                ("line_color", rgba(*colour, 255)),
                ("line_width", format!("{width_mm}")),
                ("line_width_unit", "MM".into()),
                (
                    "line_style",
                    if *dashed { "dash" } else { "solid" }.to_owned(),
                ),
                ("capstyle", "round".into()),
                ("joinstyle", "round".into()),
            ],
        ),
        Symbol::Marker {
            colour,
            outline,
            size_mm,
        } => (
            "marker",
            "SimpleMarker",
            vec![
                ("name", "circle".into()),
                ("color", rgba(*colour, 255)),
                ("outline_color", rgba(*outline, 255)),
                ("outline_style", "solid".into()),
                ("outline_width", "0.3".into()),
                ("outline_width_unit", "MM".into()),
                ("size", format!("{size_mm}")),
                ("size_unit", "MM".into()),
            ],
        ),
    };
    let mut out = vec![format!(
        "<symbol type=\"{kind}\" name=\"{name}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">"
    )];
    out.push(format!(
        "  <layer class=\"{class}\" enabled=\"1\" locked=\"0\" pass=\"0\">"
    ));
    out.push("    <Option type=\"Map\">".into());
    for (key, value) in options {
        out.push(format!(
            "      <Option type=\"QString\" name=\"{key}\" value=\"{}\"/>",
            escape(&value)
        ));
    }
    out.push("    </Option>".into());
    out.push("  </layer>".into());
    out.push("</symbol>".into());
    out
}

fn rgba((r, g, b): (u8, u8, u8), a: u8) -> String {
    format!("{r},{g},{b},{a}")
}

/// Text for an XML attribute or element.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// Styles for the output layers of one run.
pub struct Styles {
    /// States (holdings) by holder, labelled with the holder.
    pub states: Style,
    /// Boundary stretches: rivers blue and labelled, land dashed grey.
    pub boundaries: Style,
    /// Transfers by treaty.
    pub transfers: Style,
    /// River lines.
    pub rivers: Style,
    /// Places (`[[place]]`): a dot and the name.
    pub places: Style,
}

/// A layer's time range from its year fields: 1 January of `start` to
/// 1 January of `end`, as date-times. QGIS 3.22 compares a date with the
/// frame's date-time wrongly (a snapshot of 1860 then shows in 1859 too),
/// so the range must be date-times, as the frames are.
fn year_range(start: &str, end: &str) -> Option<(String, String)> {
    Some((
        format!("make_datetime(\"{start}\", 1, 1, 0, 0, 0)"),
        format!("make_datetime(\"{end}\", 1, 1, 0, 0, 0)"),
    ))
}

/// The styles for a run with these holders (and the colours set for some
/// of them), treaties (in step order) and river names.
pub fn styles(
    holders: &[String],
    colours: &std::collections::BTreeMap<String, (u8, u8, u8)>,
    treaties: &[String],
    rivers: &[String],
) -> Styles {
    let states = Style {
        field: "state".into(),
        categories: holder_colours(holders, colours)
            .into_iter()
            .map(|(name, colour)| {
                // Outlined in its own colour: the boundaries layer draws the
                // borders, and tiny holes do not show as white specks.
                let symbol = Symbol::Fill {
                    colour,
                    alpha: 255,
                    outline: colour,
                    outline_mm: 0.1,
                };
                (name.clone(), name, symbol)
            })
            .collect(),
        label: Some(Label {
            expression: "\"state\"".into(),
            colour: LAND_GREY,
            size_pt: 10.0,
            italic: false,
            bold: true,
            placement: Placement::Polygon,
        }),
        temporal: year_range("year", "until"),
    };
    let boundaries = Style {
        field: "kind".into(),
        categories: vec![
            (
                "river".into(),
                "along a river".into(),
                Symbol::Line {
                    colour: RIVER_BLUE,
                    width_mm: 0.9,
                    dashed: false,
                },
            ),
            (
                "land".into(),
                "over land".into(),
                Symbol::Line {
                    colour: LAND_GREY,
                    width_mm: 0.6,
                    dashed: true,
                },
            ),
        ],
        label: Some(river_label(
            "CASE WHEN \"kind\" = 'river' THEN \"river\" END",
        )),
        temporal: year_range("year", "until"),
    };
    let transfers = Style {
        field: "treaty".into(),
        categories: treaty_colours(treaties)
            .into_iter()
            .map(|(name, colour)| {
                let symbol = Symbol::Fill {
                    colour,
                    alpha: 150,
                    outline: colour,
                    outline_mm: 0.3,
                };
                (name.clone(), name, symbol)
            })
            .collect(),
        label: None,
        temporal: year_range("to_year", "until"),
    };
    let rivers = Style {
        field: "name".into(),
        categories: rivers
            .iter()
            .map(|name| {
                let symbol = Symbol::Line {
                    colour: RIVER_BLUE,
                    width_mm: 0.35,
                    dashed: false,
                };
                (name.clone(), name.clone(), symbol)
            })
            .collect(),
        label: Some(river_label("\"name\"")),
        temporal: None,
    };
    let places = Style {
        field: String::new(),
        categories: vec![(
            String::new(),
            "place".into(),
            Symbol::Marker {
                colour: (0, 0, 0),
                outline: (255, 255, 255),
                size_mm: 2.0,
            },
        )],
        label: Some(Label {
            expression: "\"name\"".into(),
            colour: (0, 0, 0),
            size_pt: 9.0,
            italic: false,
            bold: false,
            placement: Placement::Point,
        }),
        temporal: None,
    };
    Styles {
        states,
        boundaries,
        transfers,
        rivers,
        places,
    }
}

/// Rivers' names: blue italics along the line.
fn river_label(expression: &str) -> Label {
    Label {
        expression: expression.into(),
        colour: RIVER_BLUE,
        size_pt: 8.0,
        italic: true,
        bold: false,
        placement: Placement::Line,
    }
}

/// One layer of the project: a layer of the GeoPackage, possibly filtered.
pub struct ProjectLayer<'a> {
    /// Stable id, unique in the project.
    pub id: String,
    /// Name shown in the layers panel.
    pub name: String,
    /// Layer name in the GeoPackage.
    pub table: String,
    /// OGR attribute filter (QGIS "subset string"), if any.
    pub subset: Option<String>,
    /// `Polygon` or `Line`.
    pub geometry: &'static str,
    /// `MultiPolygon`, `LineString` or `MultiLineString`.
    pub wkb_type: &'static str,
    /// The look.
    pub style: &'a Style,
    /// Shown when the project opens.
    pub visible: bool,
}

/// A group of layers in the layers panel.
pub struct ProjectGroup<'a> {
    /// Group name.
    pub name: String,
    /// Layers, top first.
    pub layers: Vec<ProjectLayer<'a>>,
    /// Shown when the project opens.
    pub visible: bool,
}

/// Makes the layers' time ranges those of their date fields (`from_date`
/// to `to_date`; for transfers `to_date` to `until_date`), for snapshots
/// with dates. The Temporal Controller then steps by month (frames from
/// the 1st, see [`Project::dated`]) and a frame shows the situation on its
/// first day: a day within a month counts from the 1st of the next, so
/// that no frame shows two snapshots.
pub fn use_dates(styles: &mut Styles) {
    // A snapshot with a year alone has null dates: 1 January of the year.
    // Date-times, not dates: see `year_range`.
    let range = |start: &str, start_year: &str, end: &str, end_year: &str| {
        Some((
            format!(
                "coalesce({}, make_datetime(\"{start_year}\", 1, 1, 0, 0, 0))",
                next_first_of_month(start)
            ),
            format!(
                "coalesce({}, make_datetime(\"{end_year}\", 1, 1, 0, 0, 0))",
                next_first_of_month(end)
            ),
        ))
    };
    styles.states.temporal = range("from_date", "year", "to_date", "until");
    styles.boundaries.temporal = range("from_date", "year", "to_date", "until");
    styles.transfers.temporal = range("to_date", "to_year", "until_date", "until");
}

/// A layer read from its own file rather than the GeoPackage (a
/// `[[context]]` layer), drawn under everything else.
pub struct FileLayer<'a> {
    /// Stable id, unique in the project.
    pub id: String,
    /// Name shown in the layers panel.
    pub name: String,
    /// The file (and `|layername=…`), relative to the project file where
    /// it can be.
    pub source: String,
    /// The look.
    pub style: &'a Style,
}

/// The grey style of a context layer: every feature of it alike (QGIS
/// reads a category with an empty value as "all other values").
pub fn context_style(name: &str, field: &str) -> Style {
    Style {
        field: field.to_owned(),
        categories: vec![(
            String::new(),
            name.to_owned(),
            Symbol::Fill {
                colour: (226, 226, 226),
                alpha: 255,
                outline: (168, 168, 168),
                outline_mm: 0.15,
            },
        )],
        label: None,
        temporal: None,
    }
}

/// `d` if it is a 1st of a month, else the 1st of the next month (as
/// `next_first_of_month` does in QGIS): the first frame that shows a
/// snapshot of that day, with dates.
pub fn next_first_of_month_day(d: Date) -> Date {
    match (d.day, d.month) {
        (1, _) => d,
        (_, 12) => Date::first_of(d.year + 1),
        (_, month) => Date {
            month: month + 1,
            day: 1,
            ..d
        },
    }
}

/// A QGIS expression: the date field `field` as a date-time if it is a 1st
/// of a month, else the 1st of the next month; null when the field is.
fn next_first_of_month(field: &str) -> String {
    let f = format!("\"{field}\"");
    format!(
        "if(day({f}) = 1, to_datetime({f}), make_datetime(if(month({f}) = 12, year({f}) + 1, year({f})), month({f}) % 12 + 1, 1, 0, 0, 0))"
    )
}

/// Everything the project needs to know.
pub struct Project<'a> {
    /// Project title.
    pub title: String,
    /// The GeoPackage, relative to the project file.
    pub geopackage: String,
    /// Groups, top first.
    pub groups: Vec<ProjectGroup<'a>>,
    /// Context layers, in a group of their own at the bottom.
    pub context: Vec<FileLayer<'a>>,
    /// PROJ definition of the map's CRS.
    pub map_proj: String,
    /// The same CRS as WKT (what QGIS reads first).
    pub map_wkt: String,
    /// The map CRS's name, shown in QGIS (see [`crs_name`]).
    pub map_name: String,
    /// WKT of the layers' CRS, EPSG:4326 (QGIS does not look up an
    /// `authid` alone).
    pub layer_wkt: String,
    /// Map extent in the map CRS: (xmin, ymin, xmax, ymax).
    pub extent: (f64, f64, f64, f64),
    /// Temporal range of the project, first days (start, end).
    pub range: (Date, Date),
    /// True when the snapshots have dates: the Temporal Controller then
    /// steps by month (two snapshots may lie in one year), from the 1st of
    /// the first snapshot's month (see [`use_dates`]).
    pub dated: bool,
    /// The print layouts, one per snapshot.
    pub layouts: Vec<super::print_layout::PrintLayout>,
}

/// A name for a CRS given as a PROJ string, from its method and
/// parameters (`Albers Equal Area (lat_1=45.2 lat_2=56.8 lon_0=120.5),
/// WGS 84`): QGIS shows a custom CRS by its WKT's name, which GDAL leaves
/// "unknown" for a PROJ string.
pub fn crs_name(proj: &str) -> String {
    let mut method = String::new();
    let mut parameters = Vec::new();
    for part in proj.split_whitespace() {
        let Some((key, value)) = part.trim_start_matches('+').split_once('=') else {
            continue;
        };
        match key {
            "proj" => {
                method = match value {
                    "aea" => "Albers Equal Area".to_owned(),
                    "laea" => "Lambert Azimuthal Equal Area".to_owned(),
                    "cea" => "Cylindrical Equal Area".to_owned(),
                    other => other.to_owned(),
                }
            }
            "datum" | "ellps" | "units" | "x_0" | "y_0" | "type" => {}
            _ => parameters.push(format!("{key}={value}")),
        }
    }
    format!("{method} ({}), WGS 84", parameters.join(" "))
}

/// `wkt` with its (first, outermost) name set to `name`.
pub fn named_wkt(wkt: &str, name: &str) -> String {
    let Some(open) = wkt.find('"') else {
        return wkt.to_owned();
    };
    let Some(len) = wkt[open + 1..].find('"') else {
        return wkt.to_owned();
    };
    let name = name.replace('"', "'");
    format!("{}{name}{}", &wkt[..=open], &wkt[open + 1 + len..])
}

/// The project file: layers from the GeoPackage by relative path, grouped and
/// styled, measured on the WGS84 ellipsoid in km and km².
pub fn project(p: &Project) -> String {
    let mut x = String::new();
    x.push_str("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n");
    let _ = writeln!(
        x,
        "<qgis version=\"3.22.16\" projectname=\"{}\">",
        escape(&p.title)
    );
    let _ = writeln!(x, "  <homePath path=\"\"/>");
    let _ = writeln!(x, "  <title>{}</title>", escape(&p.title));
    let _ = writeln!(x, "  <projectCrs>");
    x.push_str(&spatialrefsys(&p.map_wkt, &p.map_proj, &p.map_name, "    "));
    let _ = writeln!(x, "  </projectCrs>");
    let all: Vec<&ProjectLayer> = p.groups.iter().flat_map(|g| &g.layers).collect();

    x.push_str("  <layer-tree-group>\n");
    for g in &p.groups {
        let _ = writeln!(
            x,
            "    <layer-tree-group name=\"{}\" checked=\"{}\" expanded=\"1\">",
            escape(&g.name),
            checked(g.visible)
        );
        for l in &g.layers {
            let _ = writeln!(
                x,
                "      <layer-tree-layer id=\"{}\" name=\"{}\" providerKey=\"ogr\" source=\"{}\" \
                 checked=\"{}\" expanded=\"0\"/>",
                escape(&l.id),
                escape(&l.name),
                escape(&datasource(&p.geopackage, l)),
                checked(l.visible)
            );
        }
        x.push_str("    </layer-tree-group>\n");
    }
    if !p.context.is_empty() {
        x.push_str(
            "    <layer-tree-group name=\"Context\" checked=\"Qt::Checked\" expanded=\"0\">\n",
        );
        for l in &p.context {
            let _ = writeln!(
                x,
                "      <layer-tree-layer id=\"{}\" name=\"{}\" providerKey=\"ogr\" source=\"{}\" checked=\"Qt::Checked\" expanded=\"0\"/>",
                escape(&l.id),
                escape(&l.name),
                escape(&l.source)
            );
        }
        x.push_str("    </layer-tree-group>\n");
    }
    x.push_str("  </layer-tree-group>\n");

    let (xmin, ymin, xmax, ymax) = p.extent;
    x.push_str("  <mapcanvas name=\"theMapCanvas\" annotationsVisible=\"1\">\n");
    x.push_str("    <units>meters</units>\n");
    let _ = writeln!(
        x,
        "    <extent><xmin>{xmin}</xmin><ymin>{ymin}</ymin><xmax>{xmax}</xmax><ymax>{ymax}</ymax></extent>"
    );
    x.push_str("    <rotation>0</rotation>\n");
    x.push_str("    <destinationsrs>\n");
    x.push_str(&spatialrefsys(
        &p.map_wkt,
        &p.map_proj,
        &p.map_name,
        "      ",
    ));
    x.push_str("    </destinationsrs>\n");
    x.push_str("  </mapcanvas>\n");

    x.push_str("  <projectlayers>\n");
    for l in &all {
        let _ = writeln!(
            x,
            "    <maplayer type=\"vector\" geometry=\"{}\" wkbType=\"{}\" labelsEnabled=\"{}\" \
             styleCategories=\"AllStyleCategories\">",
            l.geometry,
            l.wkb_type,
            u8::from(l.style.labelled())
        );
        let _ = writeln!(x, "      <id>{}</id>", escape(&l.id));
        let _ = writeln!(
            x,
            "      <datasource>{}</datasource>",
            escape(&datasource(&p.geopackage, l))
        );
        let _ = writeln!(x, "      <layername>{}</layername>", escape(&l.name));
        x.push_str("      <srs>\n");
        x.push_str(&spatialrefsys(
            &p.layer_wkt,
            "+proj=longlat +datum=WGS84 +no_defs",
            "WGS 84",
            "        ",
        ));
        x.push_str("      </srs>\n");
        x.push_str("      <provider encoding=\"UTF-8\">ogr</provider>\n");
        x.push_str(&style_body(l.style, "      "));
        x.push_str("    </maplayer>\n");
    }
    for l in &p.context {
        x.push_str(&context_maplayer(l, &p.layer_wkt));
    }
    x.push_str("  </projectlayers>\n");
    x.push_str("  <layerorder>\n");
    for l in &all {
        let _ = writeln!(x, "    <layer id=\"{}\"/>", escape(&l.id));
    }
    for l in &p.context {
        let _ = writeln!(x, "    <layer id=\"{}\"/>", escape(&l.id));
    }
    x.push_str("  </layerorder>\n");

    let (start, end) = p.range;
    let (start, end) = if p.dated {
        (Date { day: 1, ..start }, next_first_of_month_day(end))
    } else {
        (start, end)
    };
    let unit = if p.dated { "mon" } else { "y" };
    let _ = writeln!(
        x,
        "  <ProjectTimeSettings timeStep=\"1\" timeStepUnit=\"{unit}\" frameRate=\"1\" cumulativeTemporalRange=\"0\">"
    );
    // `TemporalRange`: QGIS reads no other spelling.
    let _ = writeln!(
        x,
        "    <TemporalRange><start>{start}T00:00:00Z</start><end>{end}T00:00:00Z</end></TemporalRange>"
    );
    x.push_str("  </ProjectTimeSettings>\n");
    x.push_str(&super::print_layout::layouts_xml(&p.layouts, p.extent));

    x.push_str("  <properties>\n");
    x.push_str("    <Measure><Ellipsoid type=\"QString\">EPSG:7030</Ellipsoid></Measure>\n");
    x.push_str("    <Measurement>\n");
    x.push_str("      <AreaUnits type=\"QString\">km2</AreaUnits>\n");
    x.push_str("      <DistanceUnits type=\"QString\">km</DistanceUnits>\n");
    x.push_str("    </Measurement>\n");
    x.push_str("    <Paths><Absolute type=\"bool\">false</Absolute></Paths>\n");
    // The Temporal Controller opens in "animated" mode (1) on the project's
    // range: the first click on a step or play steps through the
    // snapshots, each shown alone.
    x.push_str(
        "    <TemporalControllerWidget><NavigationMode type=\"int\">1</NavigationMode></TemporalControllerWidget>\n",
    );
    // Without this QGIS ignores <projectCrs> (and then the ellipsoid).
    x.push_str(
        "    <SpatialRefSys><ProjectionsEnabled type=\"int\">1</ProjectionsEnabled></SpatialRefSys>\n",
    );
    x.push_str("  </properties>\n");
    x.push_str("</qgis>\n");
    x
}

/// The `<maplayer>` of a context layer, in longitude/latitude on WGS84
/// like the run's own layers (QGIS takes a project layer's CRS from the
/// project, not the file).
fn context_maplayer(l: &FileLayer, layer_wkt: &str) -> String {
    let mut x = String::new();
    x.push_str("    <maplayer type=\"vector\" geometry=\"Polygon\" wkbType=\"MultiPolygon\" labelsEnabled=\"0\" styleCategories=\"AllStyleCategories\">\n");
    let _ = writeln!(x, "      <id>{}</id>", escape(&l.id));
    let _ = writeln!(x, "      <datasource>{}</datasource>", escape(&l.source));
    let _ = writeln!(x, "      <layername>{}</layername>", escape(&l.name));
    x.push_str("      <srs>\n");
    x.push_str(&spatialrefsys(
        layer_wkt,
        "+proj=longlat +datum=WGS84 +no_defs",
        "WGS 84",
        "        ",
    ));
    x.push_str("      </srs>\n");
    x.push_str("      <provider encoding=\"UTF-8\">ogr</provider>\n");
    x.push_str(&style_body(l.style, "      "));
    x.push_str("    </maplayer>\n");
    x
}

fn checked(visible: bool) -> &'static str {
    if visible {
        "Qt::Checked"
    } else {
        "Qt::Unchecked"
    }
}

/// `./file.gpkg|layername=x|subset=…`, relative to the project file.
fn datasource(geopackage: &str, l: &ProjectLayer) -> String {
    let mut s = format!("./{geopackage}|layername={}", l.table);
    if let Some(subset) = &l.subset {
        s.push_str("|subset=");
        s.push_str(subset);
    }
    s
}

fn spatialrefsys(wkt: &str, proj: &str, name: &str, indent: &str) -> String {
    format!(
        "{indent}<spatialrefsys>\n{indent}  <wkt>{}</wkt>\n{indent}  <proj4>{}</proj4>\n{indent}  <description>{}</description>\n{indent}</spatialrefsys>\n",
        escape(wkt),
        escape(proj),
        escape(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_holder_keeps_its_colour_whatever_the_order() {
        let none = BTreeMap::new();
        let a = holder_colours(&names(&["Russia", "Qing", "Joint"]), &none);
        let b = holder_colours(&names(&["Joint", "Qing", "Russia", "Qing"]), &none);
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
    }

    /// Adding holders that hash elsewhere leaves every colour as it was;
    /// no two holders share one while the palette lasts; the reserved grey
    /// is never picked.
    #[test]
    fn adding_a_holder_keeps_the_others_colours() {
        let none = BTreeMap::new();
        let four = names(&["Joint", "Qing", "Russia", "Undemarcated"]);
        let before = holder_colours(&four, &none);
        let mut five = four.clone();
        five.push("Zhungar Khanate".into());
        let after = holder_colours(&five, &none);
        for (name, colour) in &before {
            let now = after.iter().find(|(n, _)| n == name).map(|(_, c)| *c);
            assert_eq!(now, Some(*colour), "{name}");
        }
        // A hundred holders: distinct colours for the first eleven, never
        // the grey.
        let many: Vec<String> = (0..100).map(|i| format!("holder {i:03}")).collect();
        let colours = holder_colours(&many, &none);
        assert!(colours.iter().all(|(_, c)| *c != UNDEMARCATED_GREY));
        let mut first: Vec<_> = colours.iter().take(11).map(|(_, c)| *c).collect();
        first.sort_unstable();
        first.dedup();
        assert_eq!(first.len(), 11);
    }

    /// A holder's own colour wins and is not given to another holder.
    #[test]
    fn an_explicit_colour_wins_and_is_not_reused() {
        let hashed = holder_colours(&names(&["Qing", "Russia"]), &BTreeMap::new());
        let russia = hashed[1].1;
        let explicit = BTreeMap::from([("Qing".to_owned(), russia)]);
        let set = holder_colours(&names(&["Qing", "Russia"]), &explicit);
        assert_eq!(set[0], ("Qing".to_owned(), russia));
        assert_ne!(set[1].1, russia);
        assert_ne!(set[1].1, UNDEMARCATED_GREY);
    }

    #[test]
    fn xml_special_characters_are_escaped() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn qml_has_a_category_per_holder_and_time() {
        let s = styles(
            &names(&["Qing", "Russia"]),
            &BTreeMap::new(),
            &names(&["Aigun"]),
            &[],
        );
        let q = qml(&s.states);
        assert!(q.contains("attr=\"state\""));
        assert!(q.contains("value=\"Qing\"") && q.contains("value=\"Russia\""));
        // Date-times: QGIS 3.22 orders a date against a frame's date-time
        // wrongly.
        assert!(q.contains("startExpression=\"make_datetime(&quot;year&quot;, 1, 1, 0, 0, 0)\""));
        assert!(q.contains("labelsEnabled=\"1\"") && q.contains("fieldName=\"&quot;state&quot;\""));
        let b = qml(&s.boundaries);
        assert!(b.contains("labelsEnabled=\"1\"") && b.contains("<labeling type=\"simple\">"));
        let p = qml(&s.places);
        assert!(p.contains("type=\"singleSymbol\"") && !p.contains("<categories>"));
        assert_eq!(p.matches("<symbol ").count(), 1);
        assert!(p.contains("placement=\"6\""));
    }

    #[test]
    fn dated_ranges_start_on_the_first_of_a_month() {
        let mut s = styles(&names(&["Qing"]), &BTreeMap::new(), &[], &[]);
        use_dates(&mut s);
        let (start, end) = s.states.temporal.clone().unwrap();
        assert!(start.starts_with("coalesce(if(day(\"from_date\") = 1, to_datetime(\"from_date\")"));
        assert!(end.contains("make_datetime(\"until\", 1, 1, 0, 0, 0)"));
        let day = |y, m, d| Date::new(y, m, d).unwrap();
        assert_eq!(next_first_of_month_day(day(1858, 5, 28)), day(1858, 6, 1));
        assert_eq!(next_first_of_month_day(day(1860, 12, 2)), day(1861, 1, 1));
        assert_eq!(next_first_of_month_day(day(1860, 11, 1)), day(1860, 11, 1));
    }

    #[test]
    fn the_map_crs_is_named_by_its_parameters() {
        let name = crs_name(
            "+proj=aea +lat_1=45.5 +lat_2=55.5 +lat_0=50 +lon_0=120 +datum=WGS84 +units=m +no_defs",
        );
        assert_eq!(
            name,
            "Albers Equal Area (lat_1=45.5 lat_2=55.5 lat_0=50 lon_0=120), WGS 84"
        );
        assert_eq!(
            named_wkt("PROJCS[\"unknown\",GEOGCS[\"WGS 84\"]]", "A \"b\""),
            "PROJCS[\"A 'b'\",GEOGCS[\"WGS 84\"]]"
        );
    }
}
