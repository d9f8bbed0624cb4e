//! The analysis file: what to read, the tolerances, the reference figures and
//! where to write. TOML, read with serde; relative paths are resolved against
//! the file's own folder so an analysis can be moved as a whole.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::date::{ConfigMoment, Moment, When};
use crate::error::{Error, Result};
use crate::model::StretchKind;

/// The bundled analysis, relative to the repository root.
pub const BUNDLED_CONFIG: &str = "borderchange.toml";

/// A whole analysis, as written in the TOML file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Title used in reports.
    #[serde(default = "default_title")]
    pub title: String,
    /// Attribute naming the holder, unless a snapshot says otherwise.
    #[serde(default = "default_holder_field")]
    pub holder_field: String,
    /// Tolerances and projections.
    #[serde(default)]
    pub parameters: Parameters,
    /// Where and what to write.
    #[serde(default)]
    pub output: Output,
    /// The dated snapshots, in any order (sorted by year when loaded).
    #[serde(default, rename = "snapshot")]
    pub snapshots: Vec<SnapshotSource>,
    /// Snapshots taken from one layer with a validity interval per feature,
    /// instead of `[[snapshot]]` tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dated: Option<DatedSource>,
    /// The rivers layer, if boundaries are to be classified.
    pub rivers: Option<RiversSource>,
    /// Published figures to compare against.
    #[serde(default, rename = "reference")]
    pub references: Vec<Reference>,
    /// Places to mark and label on the maps.
    #[serde(default, rename = "place")]
    pub places: Vec<Place>,
    /// The layer of disputed zones that variants assign (see
    /// [`ZonesSource`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones: Option<ZonesSource>,
    /// The name of the reading the snapshots draw (default `base`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_variant: Option<String>,
    /// Readings of the treaties: each assigns zones to holders in some
    /// snapshots (see [`VariantSource`]).
    #[serde(default, rename = "variant", skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantSource>,
    /// Lines drawn only to within a band (see [`UncertaintySource`]).
    #[serde(default, rename = "uncertainty", skip_serializing_if = "Vec::is_empty")]
    pub uncertainty: Vec<UncertaintySource>,
    /// Sources named once (`[sources.dcw]`) for layers to give by name
    /// (`source = "dcw"`); the name is the citation key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, DataSource>,
    /// Layers drawn in grey around the study region, on the maps and in
    /// the QGIS project (see [`ContextSource`]).
    #[serde(default, rename = "context", skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<ContextSource>,
    /// Settings per holder (`[holders."Deutsches Reich"]`): the other
    /// names the same polity goes by in the snapshots (`also`), its colour
    /// (`color`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub holders: BTreeMap<String, HolderSettings>,
    /// Folder relative paths are resolved against: the config file's own.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The file and its text, for positions in messages about what can only
    /// be checked once the layers are read.
    #[serde(skip)]
    pub source: Option<(PathBuf, String)>,
}

fn default_title() -> String {
    "Border change analysis".to_owned()
}

fn default_holder_field() -> String {
    "state".to_owned()
}

/// Numeric tolerances and projections used by the analysis.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Parameters {
    /// Transferred pieces smaller than this (km²) are dropped; their total is
    /// reported.
    pub sliver_km2: f64,
    /// A boundary point within this distance (km) of a river follows it.
    pub river_distance_km: f64,
    /// River runs shorter than this (km) count as land.
    pub min_river_run_km: f64,
    /// Edges longer than this (km) are split along the geodesic before any
    /// overlay or measurement.
    pub densify_km: f64,
    /// Equal-area CRS (any PROJ string or authority code) for the cross-check.
    pub equal_area_crs: String,
    /// Repair what is safe to repair in the input features instead of
    /// refusing them: repeated consecutive points are removed, and rings
    /// enclosing nothing (fewer than three distinct points, or zero area) are
    /// dropped. Every change is listed on stderr and in `report.json`.
    /// `run --repair` sets it.
    pub repair: bool,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            sliver_km2: 1.0,
            river_distance_km: 5.0,
            min_river_run_km: 10.0,
            densify_km: 2.0,
            equal_area_crs: AUTO_EQUAL_AREA.to_owned(),
            repair: false,
        }
    }
}

/// Where outputs go.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Output {
    /// Output folder (relative to the config file's folder).
    pub dir: PathBuf,
    /// Layer formats: `GPKG` writes `borderchange.gpkg` (every layer, with
    /// its QGIS style) and the QGIS project `borderchange.qgs`; the others
    /// (`ESRI Shapefile`, `GeoJSON`, `FlatGeobuf`) write one file per layer
    /// with a `.qml` style beside it.
    pub formats: Vec<String>,
    /// For the `PostgreSQL` format: the database, as GDAL takes it
    /// (`PG:dbname=borders host=localhost`; a password is better kept in
    /// `~/.pgpass` or `PGPASSWORD`, and is not written to the manifest).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_connection"
    )]
    pub connection: Option<String>,
    /// For the `PostgreSQL` format: the schema the run's tables go to
    /// (default `borderchange`); only tables of the run's names are
    /// replaced in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Also print `report.html` to `report.pdf` with headless Chromium
    /// (which must be installed: `chromium` on the PATH, or the program
    /// `BORDERCHANGE_CHROMIUM` names).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pdf: bool,
    /// When the last snapshot stops holding in the layers (`until`) and
    /// the QGIS project's time range: a year or a day after it. Default:
    /// 1 January of the first year divisible by 50 at least ten years
    /// after the last snapshot (1860: 1900).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<ConfigMoment>,
}

fn serialize_connection<S: serde::Serializer>(
    connection: &Option<String>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match connection {
        Some(c) => s.serialize_str(&redacted(c)),
        None => s.serialize_none(),
    }
}

impl Default for Output {
    fn default() -> Self {
        Output {
            dir: PathBuf::from("outputs"),
            formats: vec!["GPKG".to_owned(), "ESRI Shapefile".to_owned()],
            connection: None,
            schema: None,
            pdf: false,
            until: None,
        }
    }
}

/// A layer format a run can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// GDAL driver name.
    pub driver: &'static str,
    /// File extension of the main file.
    pub extension: &'static str,
}

/// The formats `output.formats` and `--format` accept, with the other names
/// they are known by.
pub const FORMATS: [(Format, &[&str]); 5] = [
    (
        Format {
            driver: "GPKG",
            extension: "gpkg",
        },
        &["gpkg", "geopackage"],
    ),
    (
        Format {
            driver: "ESRI Shapefile",
            extension: "shp",
        },
        &["esri shapefile", "shapefile", "shp"],
    ),
    (
        Format {
            driver: "GeoJSON",
            extension: "geojson",
        },
        &["geojson", "json"],
    ),
    (
        Format {
            driver: "FlatGeobuf",
            extension: "fgb",
        },
        &["flatgeobuf", "fgb"],
    ),
    // Tables in a database (`output.connection`), not files.
    (
        Format {
            driver: "PostgreSQL",
            extension: "",
        },
        &["postgresql", "postgis", "pg"],
    ),
];

/// Whether PROJ reads `crs` as written rather than by looking up a name:
/// an authority code or URN (`EPSG:4326`, `OGC:CRS84`), a PROJ string
/// (`+proj=…`), WKT (`PROJCRS[…]`) or PROJJSON (`{…}`).
fn crs_is_explicit(crs: &str) -> bool {
    let t = crs.trim();
    t.starts_with('+')
        || t.starts_with("proj=")
        || t.starts_with('{')
        || t.contains('[')
        || t.contains(':')
}

/// The format a name (any case, driver name or alias) stands for.
pub fn format_named(name: &str) -> std::result::Result<Format, String> {
    let wanted = name.trim().to_lowercase();
    FORMATS
        .iter()
        .find(|(_, names)| names.contains(&wanted.as_str()))
        .map(|(f, _)| *f)
        .ok_or_else(|| {
            format!(
                "unknown output format '{name}'; use one of: {}",
                FORMATS
                    .iter()
                    .map(|(f, _)| f.driver)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

impl Output {
    /// The formats to write, each once, in the order given.
    pub fn formats(&self) -> std::result::Result<Vec<Format>, String> {
        let mut out: Vec<Format> = Vec::new();
        for name in &self.formats {
            let f = format_named(name)?;
            if !out.contains(&f) {
                out.push(f);
            }
        }
        Ok(out)
    }
}

/// One dated snapshot layer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SnapshotSource {
    /// Year of the treaty (may be left out when `date` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Day of the treaty (ISO 8601), as well as or instead of `year`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<ConfigMoment>,
    /// Name of the treaty that made this situation.
    pub treaty: String,
    /// Any vector file GDAL reads.
    pub path: PathBuf,
    /// Layer name, for multi-layer files.
    pub layer: Option<String>,
    /// An SQL query to read instead of a layer (PostGIS: `SELECT …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// Holder attribute, overriding the top-level `holder_field`.
    pub holder_field: Option<String>,
    /// CRS to assume when the layer declares none.
    pub assume_crs: Option<String>,
    /// Where the layer comes from, for the reports' sources: one source
    /// or a list, each a citation, a table, or the name of a `[sources]`
    /// entry.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub source: Vec<DataSource>,
}

/// What the analysis file says about one holder (`[holders."Name"]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HolderSettings {
    /// Other names of the same polity in the snapshots (a rename, another
    /// spelling): their features are read as this holder's, so that a
    /// rename is not counted as a transfer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// The holder's fill colour in the maps and the QGIS project,
    /// `"#rrggbb"`; without it one is picked by the holder's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// `"#rrggbb"` (either case) as RGB; `None` for anything else.
pub fn parse_color(text: &str) -> Option<(u8, u8, u8)> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some((byte(0)?, byte(2)?, byte(4)?))
}

impl SnapshotSource {
    /// The snapshot's time: its `year`, its `date`, or both (which must
    /// agree); the message says what is wrong.
    pub fn when(&self) -> std::result::Result<When, String> {
        let date = match self.date.map(|d| d.0) {
            Some(Moment::Day(d)) => Some(d),
            Some(Moment::Year(y)) => {
                return Err(format!(
                    "date {y} is a year: give it as year = {y}, or give a day (\"{y}-01-01\")"
                ))
            }
            None => None,
        };
        match (self.year, date) {
            (Some(y), Some(d)) if d.year != y => Err(format!(
                "date {d} is not in year {y}: give one of the two, or make them agree"
            )),
            (_, Some(d)) => Ok(When::day(d)),
            (Some(y), None) => Ok(When::year(y)),
            (None, None) => Err("a snapshot needs a 'year' or a 'date'".to_owned()),
        }
    }
}

// ---- Dated layers: snapshots from one layer with validity intervals ----

/// One layer whose features each hold for a period (`start_field` to
/// `end_field`), the form CShapes, HistoGIS and the Atlas of Historical
/// County Boundaries are published in. Each snapshot is the features valid
/// on its date.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatedSource {
    /// Any vector source GDAL reads (a file, or `PG:…` for PostGIS).
    pub path: PathBuf,
    /// Layer name (or table), for multi-layer sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// An SQL query to read instead of a layer (PostGIS: `SELECT …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// Holder attribute, overriding the top-level `holder_field`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_field: Option<String>,
    /// The field with the first day (or year) a feature holds; empty or
    /// null for "since before the data starts".
    pub start_field: String,
    /// The field with the end of a feature's period; empty or null for
    /// "still holds".
    pub end_field: String,
    /// `false` (the default, CShapes' convention): the end is the first day
    /// the feature no longer holds. `true`: the end is its last day (a year
    /// as end: its last day is 31 December).
    #[serde(default)]
    pub end_inclusive: bool,
    /// The snapshots' dates (a year stands for 1 January), each optionally
    /// with the treaty that made it: `["1858-05-28", 1860]` or
    /// `[{ date = "1858-05-28", treaty = "Aigun" }]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DatedSnapshot>,
    /// Instead of `dates`: a snapshot on `from` and on every day within
    /// `from`–`to` on which some feature starts or ends.
    #[serde(default)]
    pub every_change: bool,
    /// With `every_change`: the first snapshot (default: the earliest
    /// start in the layer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<ConfigMoment>,
    /// With `every_change`: the last day a change is looked for (default:
    /// the latest change in the layer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<ConfigMoment>,
    /// CRS to assume when the layer declares none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_crs: Option<String>,
    /// Where the layer comes from, for the reports' sources: one source
    /// or a list, each a citation, a table, or the name of a `[sources]`
    /// entry.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub source: Vec<DataSource>,
}

/// One snapshot date of a dated layer, with or without its treaty's name.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum DatedSnapshot {
    /// A year or a day.
    Date(ConfigMoment),
    /// A year or a day and the treaty that made the situation.
    Named {
        /// A year or a day.
        date: ConfigMoment,
        /// The treaty's name (default: the date).
        treaty: String,
    },
}

impl<'de> Deserialize<'de> for DatedSnapshot {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Moment(crate::date::RawMoment),
            Named {
                date: crate::date::RawMoment,
                treaty: String,
            },
        }
        let wrong = "expected a date (1858, \"1858-05-28\", 1858-05-28) or a table { date = …, treaty = \"…\" }";
        Ok(
            match Raw::deserialize(d).map_err(|_| serde::de::Error::custom(wrong))? {
                Raw::Moment(m) => {
                    DatedSnapshot::Date(ConfigMoment(m.moment().map_err(serde::de::Error::custom)?))
                }
                Raw::Named { date, treaty } => DatedSnapshot::Named {
                    date: ConfigMoment(date.moment().map_err(serde::de::Error::custom)?),
                    treaty,
                },
            },
        )
    }
}

impl DatedSnapshot {
    /// The snapshot's year or day.
    pub fn moment(&self) -> Moment {
        match self {
            DatedSnapshot::Date(m) | DatedSnapshot::Named { date: m, .. } => m.0,
        }
    }

    /// The treaty's name, if given.
    pub fn treaty(&self) -> Option<&str> {
        match self {
            DatedSnapshot::Date(_) => None,
            DatedSnapshot::Named { treaty, .. } => Some(treaty),
        }
    }
}

/// A named place shown on the maps.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// Label.
    pub name: String,
    /// Latitude, degrees north (WGS84).
    pub lat: f64,
    /// Longitude, degrees east (WGS84).
    pub lon: f64,
    /// Where the coordinates come from.
    #[serde(default)]
    pub source: String,
}

/// Where a layer comes from: a plain citation (`source = "…"`) or a table
/// (`source = { title = "…", author = "…", year = 2017, publisher = "…",
/// url = "…", licence = "…", note = "…" }`). The reports list every
/// distinct source with the layers that use it, and write them as BibTeX
/// and CSL-JSON.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct DataSource {
    /// The `[sources]` name it was given by, the citation key.
    pub key: Option<String>,
    /// The work's title; for a plain string, the whole citation.
    pub title: String,
    /// Authors or the body that made it, several joined by " and " (as in
    /// BibTeX); "Family, Given" or one name as written.
    pub author: Option<String>,
    /// Year of publication.
    pub year: Option<i32>,
    /// Publisher, or the distribution the data was taken from.
    pub publisher: Option<String>,
    /// Where to find it.
    pub url: Option<String>,
    /// The data's licence (`licence` or `license`).
    pub licence: Option<String>,
    /// Version, extract, what was taken from it.
    pub note: Option<String>,
}

impl DataSource {
    /// True when only a title (a plain citation) is given.
    pub fn is_plain(&self) -> bool {
        self.key.is_none()
            && self.author.is_none()
            && self.year.is_none()
            && self.publisher.is_none()
            && self.url.is_none()
            && self.licence.is_none()
            && self.note.is_none()
    }

    /// One line for people: "Author (year). Title. Publisher. URL.
    /// Licence: …. Note." (what is given of it).
    pub fn citation(&self) -> String {
        let mut parts = Vec::new();
        match (&self.author, self.year) {
            (Some(a), Some(y)) => parts.push(format!("{a} ({y})")),
            (Some(a), None) => parts.push(a.clone()),
            (None, Some(y)) => parts.push(format!("({y})")),
            (None, None) => {}
        }
        parts.push(self.title.clone());
        parts.extend(self.publisher.clone());
        parts.extend(self.url.clone());
        parts.extend(self.licence.as_ref().map(|l| format!("Licence: {l}")));
        parts.extend(self.note.clone());
        parts
            .iter()
            .map(|p| p.trim_end_matches('.'))
            .collect::<Vec<_>>()
            .join(". ")
            + "."
    }
}

impl Serialize for DataSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        if let Some(key) = &self.key {
            return s.serialize_str(key);
        }
        if self.is_plain() {
            return s.serialize_str(&self.title);
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("title", &self.title)?;
        if let Some(a) = &self.author {
            map.serialize_entry("author", a)?;
        }
        if let Some(y) = self.year {
            map.serialize_entry("year", &y)?;
        }
        for (key, value) in [
            ("publisher", &self.publisher),
            ("url", &self.url),
            ("licence", &self.licence),
            ("note", &self.note),
        ] {
            if let Some(v) = value {
                map.serialize_entry(key, v)?;
            }
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for DataSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            title: String,
            author: Option<String>,
            year: Option<i32>,
            publisher: Option<String>,
            url: Option<String>,
            #[serde(alias = "license")]
            licence: Option<String>,
            note: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Plain(String),
            Full(Full),
        }
        let wrong = "expected a citation (\"…\") or a table { title = \"…\", author, year, publisher, url, licence, note } (title needed; year a number)";
        let source = match Raw::deserialize(d).map_err(|_| serde::de::Error::custom(wrong))? {
            Raw::Plain(title) => DataSource {
                title,
                ..DataSource::default()
            },
            Raw::Full(f) => DataSource {
                key: None,
                title: f.title,
                author: f.author,
                year: f.year,
                publisher: f.publisher,
                url: f.url,
                licence: f.licence,
                note: f.note,
            },
        };
        Ok(source)
    }
}

/// A layer's `source`: one source or a list of them.
fn one_or_many<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<DataSource>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Many(Vec<DataSource>),
        One(DataSource),
    }
    // Untagged: the inner message is lost, so it is given again here.
    let wrong = "expected a source or a list of sources, each a citation (\"…\"), the name of a [sources] entry, or a table { title = \"…\", author, year, publisher, url, licence, note } (title needed; year a number)";
    match Raw::deserialize(d).map_err(|_| serde::de::Error::custom(wrong))? {
        Raw::Many(v) => Ok(v),
        Raw::One(s) => Ok(vec![s]),
    }
}

/// The rivers layer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RiversSource {
    /// Any vector file GDAL reads.
    pub path: PathBuf,
    /// Layer name, for multi-layer files.
    pub layer: Option<String>,
    /// Attribute naming the river.
    #[serde(default = "default_name_field")]
    pub name_field: String,
    /// CRS to assume when the layer declares none.
    pub assume_crs: Option<String>,
    /// Where the layer comes from, for the reports' sources: one source
    /// or a list, each a citation, a table, or the name of a `[sources]`
    /// entry.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub source: Vec<DataSource>,
}

fn default_name_field() -> String {
    "name".to_owned()
}

/// A polygon layer drawn for orientation only (`[[context]]`): present-day
/// countries, land round a sea. Drawn in grey under the study region on
/// the maps and added to the QGIS project; never measured or checked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContextSource {
    /// What the layer shows, for the legend and the QGIS layers panel.
    pub name: String,
    /// Any vector file GDAL reads (polygons).
    pub path: PathBuf,
    /// Layer name, for multi-layer files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Attribute naming each feature (a country).
    #[serde(default = "default_name_field")]
    pub name_field: String,
    /// CRS to assume when the layer declares none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_crs: Option<String>,
    /// Where the layer comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Whether a reference decides the exit code or is shown for comparison only.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A failed check makes the run exit with code 1.
    #[default]
    Check,
    /// Compared and reported (agrees or not), never fails the run: for
    /// figures that use another definition of the same quantity.
    Context,
}

/// A published figure as written in the file: the quantity is named by
/// `quantity` plus the keys that quantity needs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Short stable identifier, unique in the file.
    pub id: String,
    /// `transfer`, `area` or `boundary`.
    pub quantity: QuantityKind,
    /// For `transfer`: holders in the earlier snapshot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<String>,
    /// For `transfer`: holders in the later snapshot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// For `transfer`: the earlier and the later snapshot's years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<[i32; 2]>,
    /// For `area` and `boundary`: the snapshot's year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// For `area`: the holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// For `boundary`: the two holders, in any order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub states: Option<[String; 2]>,
    /// For `boundary`: only stretches that follow this river.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub river: Option<String>,
    /// For `boundary`: only `river` or only `land` stretches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<StretchKind>,
    /// For `boundary`: only the parts inside this longitude/latitude box,
    /// `[west, south, east, north]` in degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<[f64; 4]>,
    /// The published value, in km² for areas and km for lengths (with
    /// `tolerance`; or give a published range with `at_least`/`at_most`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Allowed relative difference (0.1 = 10 %), with `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// A published lower bound ("over 600,000 km²"), instead of `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    /// A published upper bound, instead of `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    /// The variants (readings) whose definition the figure uses; compared
    /// under each, and agreeing when it agrees under any. Empty: the base.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    /// Where the figure is published.
    pub source: String,
    /// How the source appears to define the quantity; caveats.
    #[serde(default)]
    pub note: String,
    /// `check` (default) or `context`.
    #[serde(default)]
    pub role: Role,
}

/// The kinds of quantity a reference can name.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum QuantityKind {
    /// Area passing between holders from one snapshot to the next.
    Transfer,
    /// Area one holder holds in one snapshot.
    Area,
    /// Length of boundary between two holders in one snapshot.
    Boundary,
}

/// A computed quantity, as a reference names it once checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "quantity", rename_all = "lowercase")]
pub enum Quantity {
    /// Total area (km²) passing from any of `from` to any of `to` between
    /// the consecutive snapshots of `from_year` and `to_year`.
    Transfer {
        /// Holders in the earlier snapshot.
        from: Vec<String>,
        /// Holders in the later snapshot.
        to: Vec<String>,
        /// Year of the earlier snapshot.
        from_year: i32,
        /// Year of the later snapshot.
        to_year: i32,
    },
    /// Area (km²) one holder holds in one snapshot.
    Area {
        /// Holder.
        state: String,
        /// Snapshot year.
        year: i32,
    },
    /// Length (km) of the boundary between two holders in one snapshot;
    /// with `river`, only the stretches following that river; with `kind`,
    /// only river or only land stretches.
    Boundary {
        /// Snapshot year.
        year: i32,
        /// The two holders, sorted by name.
        states: [String; 2],
        /// Only stretches following this river.
        river: Option<String>,
        /// Only `river` or only `land` stretches.
        kind: Option<StretchKind>,
        /// Only the parts inside `[west, south, east, north]` (degrees).
        within: Option<[f64; 4]>,
    },
}

impl Quantity {
    /// Every holder name the quantity mentions, with the year it must exist in.
    pub fn holders(&self) -> Vec<(i32, &str)> {
        match self {
            Quantity::Transfer {
                from,
                to,
                from_year,
                to_year,
            } => from
                .iter()
                .map(|h| (*from_year, h.as_str()))
                .chain(to.iter().map(|h| (*to_year, h.as_str())))
                .collect(),
            Quantity::Area { state, year } => vec![(*year, state.as_str())],
            Quantity::Boundary { year, states, .. } => {
                states.iter().map(|h| (*year, h.as_str())).collect()
            }
        }
    }

    /// Unit of the quantity.
    pub fn unit(&self) -> &'static str {
        match self {
            Quantity::Transfer { .. } | Quantity::Area { .. } => "km²",
            Quantity::Boundary { .. } => "km",
        }
    }
}

impl Reference {
    /// The quantity this reference names; `None` when keys are missing or
    /// belong to another kind (reported when the config is loaded).
    pub fn quantity(&self) -> std::result::Result<Quantity, String> {
        let missing = |key: &str| {
            format!(
                "reference '{}' ({}) needs '{key}'",
                self.id,
                self.kind_name()
            )
        };
        let stray = |keys: &[(&str, bool)]| -> std::result::Result<(), String> {
            match keys.iter().find(|(_, present)| *present) {
                Some((key, _)) => Err(format!(
                    "reference '{}': '{key}' does not apply to quantity = \"{}\"",
                    self.id,
                    self.kind_name()
                )),
                None => Ok(()),
            }
        };
        match self.quantity {
            QuantityKind::Transfer => {
                stray(&[
                    ("year", self.year.is_some()),
                    ("state", self.state.is_some()),
                    ("states", self.states.is_some()),
                    ("river", self.river.is_some()),
                    ("kind", self.kind.is_some()),
                    ("within", self.within.is_some()),
                ])?;
                let [from_year, to_year] = self.years.ok_or_else(|| missing("years"))?;
                if self.from.is_empty() {
                    return Err(missing("from"));
                }
                if self.to.is_empty() {
                    return Err(missing("to"));
                }
                Ok(Quantity::Transfer {
                    from: self.from.clone(),
                    to: self.to.clone(),
                    from_year,
                    to_year,
                })
            }
            QuantityKind::Area => {
                stray(&[
                    ("from", !self.from.is_empty()),
                    ("to", !self.to.is_empty()),
                    ("years", self.years.is_some()),
                    ("states", self.states.is_some()),
                    ("river", self.river.is_some()),
                    ("kind", self.kind.is_some()),
                    ("within", self.within.is_some()),
                ])?;
                Ok(Quantity::Area {
                    state: self.state.clone().ok_or_else(|| missing("state"))?,
                    year: self.year.ok_or_else(|| missing("year"))?,
                })
            }
            QuantityKind::Boundary => {
                stray(&[
                    ("from", !self.from.is_empty()),
                    ("to", !self.to.is_empty()),
                    ("years", self.years.is_some()),
                    ("state", self.state.is_some()),
                ])?;
                let mut states = self.states.clone().ok_or_else(|| missing("states"))?;
                states.sort();
                if self.river.is_some() && self.kind == Some(StretchKind::Land) {
                    return Err(format!(
                        "reference '{}': 'river' and kind = \"land\" contradict each other",
                        self.id
                    ));
                }
                if let Some([west, south, east, north]) = self.within {
                    let ok = [west, south, east, north].iter().all(|v| v.is_finite())
                        && west < east
                        && south < north
                        && (-180.0..=180.0).contains(&west)
                        && (-180.0..=180.0).contains(&east)
                        && (-90.0..=90.0).contains(&south)
                        && (-90.0..=90.0).contains(&north);
                    if !ok {
                        return Err(format!(
                            "reference '{}': 'within' must be [west, south, east, north] in degrees with west < east and south < north",
                            self.id
                        ));
                    }
                }
                Ok(Quantity::Boundary {
                    year: self.year.ok_or_else(|| missing("year"))?,
                    states,
                    river: self.river.clone(),
                    kind: self.kind,
                    within: self.within,
                })
            }
        }
    }

    fn kind_name(&self) -> &'static str {
        match self.quantity {
            QuantityKind::Transfer => "transfer",
            QuantityKind::Area => "area",
            QuantityKind::Boundary => "boundary",
        }
    }
}

impl Config {
    /// Reads and checks an analysis file. Relative paths in it are resolved
    /// against the file's folder.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Config::parse(&text, path)?;
        config.base_dir = path.parent().unwrap_or_else(|| Path::new("")).to_owned();
        config.source = Some((path.to_owned(), text));
        Ok(config)
    }

    /// Parses and checks TOML text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|span| line_column(text, span.start))
                .unwrap_or((0, 0));
            Error::Config {
                path: path.to_owned(),
                line,
                column,
                message: e.message().to_owned(),
            }
        })?;
        config.check(text, path)?;
        let mut config = config;
        config.name_sources(text, path)?;
        // References may use any name of a holder.
        let aliases = config.holder_aliases();
        let canonical = |name: &mut String| {
            if let Some(c) = aliases.get(name.as_str()) {
                *name = c.clone();
            }
        };
        for r in &mut config.references {
            r.from.iter_mut().for_each(canonical);
            r.to.iter_mut().for_each(canonical);
            r.state.iter_mut().for_each(canonical);
            if let Some(states) = &mut r.states {
                states.iter_mut().for_each(canonical);
            }
        }
        Ok(config)
    }

    /// Puts each `[sources]` entry in place of its name in the layers'
    /// `source`s, and refuses a source without a title.
    fn name_sources(&mut self, text: &str, path: &Path) -> Result<()> {
        // The layers' copies carry their name (written back as the name);
        // the entries themselves stay tables.
        let mut named = self.sources.clone();
        for (name, s) in &mut named {
            s.key = Some(name.clone());
        }
        let layers = self
            .snapshots
            .iter_mut()
            .enumerate()
            .map(|(i, s)| (vec![Step::Key("snapshot"), Step::Index(i)], &mut s.source))
            .chain(
                self.dated
                    .iter_mut()
                    .map(|d| (vec![Step::Key("dated")], &mut d.source)),
            )
            .chain(
                self.rivers
                    .iter_mut()
                    .map(|r| (vec![Step::Key("rivers")], &mut r.source)),
            )
            .chain(
                self.zones
                    .iter_mut()
                    .map(|z| (vec![Step::Key("zones")], &mut z.source)),
            )
            .chain(self.uncertainty.iter_mut().enumerate().map(|(i, u)| {
                (
                    vec![Step::Key("uncertainty"), Step::Index(i)],
                    &mut u.source,
                )
            }));
        for (mut at, sources) in layers {
            for s in sources.iter_mut() {
                if s.is_plain() {
                    if let Some(entry) = named.get(s.title.trim()) {
                        *s = entry.clone();
                    }
                }
            }
            at.push(Step::Key("source"));
            if sources.iter().any(|s| s.title.trim().is_empty()) {
                let (line, column) = value_position(text, &at, None).unwrap_or((0, 0));
                return Err(Error::Config {
                    path: path.to_owned(),
                    line,
                    column,
                    message:
                        "a source needs a title (or a citation, or the name of a [sources] entry)"
                            .to_owned(),
                });
            }
        }
        if let Some((name, _)) = named.iter().find(|(_, s)| s.title.trim().is_empty()) {
            let (line, column) =
                value_position(text, &[Step::Key("sources"), Step::Key(name)], None)
                    .unwrap_or((0, 0));
            return Err(Error::Config {
                path: path.to_owned(),
                line,
                column,
                message: format!("source '{name}' needs a title"),
            });
        }
        Ok(())
    }

    /// Every other name of a holder (`[holders."Name"] also = [...]`),
    /// mapped to the holder's name.
    pub fn holder_aliases(&self) -> BTreeMap<String, String> {
        self.holders
            .iter()
            .flat_map(|(name, h)| h.also.iter().map(move |a| (a.clone(), name.clone())))
            .collect()
    }

    /// The colours set for holders (`[holders."Name"] color`), checked
    /// when the file was read.
    pub fn holder_colors(&self) -> BTreeMap<String, (u8, u8, u8)> {
        self.holders
            .iter()
            .filter_map(|(name, h)| Some((name.clone(), parse_color(h.color.as_deref()?)?)))
            .collect()
    }

    /// A path from the file, resolved against the file's folder. Paths are
    /// kept as written everywhere else, so reports do not depend on where the
    /// analysis sits on disk.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_relative() && !is_connection(path) {
            self.base_dir.join(path)
        } else {
            path.to_owned()
        }
    }

    /// The 1-based line and column, in the file this was loaded from, of
    /// the value at `path` (see [`Step`]); (0, 0) when there is no file or
    /// no such value.
    pub fn position_of(&self, path: &[Step]) -> (usize, usize) {
        match &self.source {
            Some((_, text)) => value_position(text, path, None).unwrap_or((0, 0)),
            None => (0, 0),
        }
    }

    /// As [`Config::position_of`], for the string `text` written under
    /// `path` (a table or an array; searched one level down and in arrays).
    pub fn position_of_string(&self, path: &[Step], text: &str) -> (usize, usize) {
        match &self.source {
            Some((_, file)) => value_position(file, path, Some(text)).unwrap_or((0, 0)),
            None => (0, 0),
        }
    }

    /// The holder field of one snapshot.
    pub fn holder_field<'a>(&'a self, snapshot: &'a SnapshotSource) -> &'a str {
        snapshot
            .holder_field
            .as_deref()
            .unwrap_or(&self.holder_field)
    }

    /// Checks what serde cannot: years, tolerances, references to snapshots.
    /// Holder names are checked once the layers are read.
    fn check(&self, text: &str, path: &Path) -> Result<()> {
        // Where a bad value is written: the parser's own spans, so a
        // value that also appears elsewhere (in the title, a comment) is
        // still found at its key.
        let fail = |at: &[Step], message: String| -> Error {
            let (line, column) = value_position(text, at, None).unwrap_or((0, 0));
            Error::Config {
                path: path.to_owned(),
                line,
                column,
                message,
            }
        };
        if let Some(dated) = &self.dated {
            if !self.snapshots.is_empty() {
                return Err(fail(
                    &[Step::Key("dated")],
                    "[dated] and [[snapshot]] tables cannot be mixed: take every snapshot from the dated layer, or list every snapshot as [[snapshot]]".to_owned(),
                ));
            }
            check_dated(dated, &fail)?;
        } else if self.snapshots.len() < 2 {
            return Err(fail(
                &[Step::Key("snapshot")],
                format!(
                    "at least two [[snapshot]] tables are needed to compute transfers, found {}",
                    self.snapshots.len()
                ),
            ));
        }
        let mut whens = BTreeSet::new();
        let mut years = BTreeSet::new();
        for (i, s) in self.snapshots.iter().enumerate() {
            let at = |key| [Step::Key("snapshot"), Step::Index(i), Step::Key(key)];
            let when = s.when().map_err(|message| {
                fail(&at(if s.date.is_some() { "date" } else { "year" }), message)
            })?;
            if !whens.insert(when) || (when.date.is_none() && years.contains(&when.year)) {
                return Err(fail(
                    &at(if s.date.is_some() { "date" } else { "year" }),
                    match when.date {
                        Some(d) => format!("snapshot date {d} appears twice"),
                        None => format!("snapshot year {} appears twice", when.year),
                    },
                ));
            }
            years.insert(when.year);
            if s.layer.is_some() && s.sql.is_some() {
                return Err(fail(
                    &at("sql"),
                    "give either 'layer' or 'sql', not both".to_owned(),
                ));
            }
        }
        // Two snapshots of one year must both have a date, to be told apart.
        for w in &whens {
            if w.date.is_none() && whens.iter().filter(|o| o.year == w.year).count() > 1 {
                let i = self
                    .snapshots
                    .iter()
                    .position(|s| s.when().ok() == Some(*w))
                    .unwrap_or(0);
                return Err(fail(
                    &[Step::Key("snapshot"), Step::Index(i), Step::Key("year")],
                    format!(
                        "snapshot year {} appears twice: two snapshots of one year need a 'date' each",
                        w.year
                    ),
                ));
            }
        }
        if let Some(dated) = &self.dated {
            years.extend(dated.dates.iter().map(|d| d.moment().year()));
        }
        // With every_change the snapshots are known once the layer is read,
        // where references are checked against them (see `load`).
        let years_known = !self.dated.as_ref().is_some_and(|d| d.every_change);
        let p = &self.parameters;
        for (name, value) in [
            ("sliver_km2", p.sliver_km2),
            ("river_distance_km", p.river_distance_km),
            ("min_river_run_km", p.min_river_run_km),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(fail(
                    &[Step::Key("parameters"), Step::Key(name)],
                    format!("'{name}' must be a number ≥ 0, got {value}"),
                ));
            }
        }
        if !(p.densify_km.is_finite() && p.densify_km > 0.0) {
            return Err(fail(
                &[Step::Key("parameters"), Step::Key("densify_km")],
                format!("'densify_km' must be a number > 0, got {}", p.densify_km),
            ));
        }
        // A CRS given by name alone is looked up by PROJ, which settles for
        // a near match ("foo" is read as Amersfoort): refused here, with
        // the forms PROJ reads as written.
        let snapshot_crs = self.snapshots.iter().enumerate().map(|(i, s)| {
            (
                vec![
                    Step::Key("snapshot"),
                    Step::Index(i),
                    Step::Key("assume_crs"),
                ],
                s.assume_crs.as_ref(),
            )
        });
        let crs_settings = std::iter::once((
            vec![Step::Key("parameters"), Step::Key("equal_area_crs")],
            Some(&p.equal_area_crs),
        ))
        .chain(snapshot_crs)
        .chain(self.rivers.iter().map(|r| {
            (
                vec![Step::Key("rivers"), Step::Key("assume_crs")],
                r.assume_crs.as_ref(),
            )
        }))
        .chain(self.context.iter().enumerate().map(|(i, c)| {
            (
                vec![
                    Step::Key("context"),
                    Step::Index(i),
                    Step::Key("assume_crs"),
                ],
                c.assume_crs.as_ref(),
            )
        }));
        for (path, crs) in crs_settings {
            let Some(crs) = crs else { continue };
            if path.last() == Some(&Step::Key("equal_area_crs")) && crs.trim() == AUTO_EQUAL_AREA {
                continue;
            }
            if !crs_is_explicit(crs) {
                let key = match path.last() {
                    Some(Step::Key(key)) => *key,
                    _ => "crs",
                };
                return Err(fail(
                    &path,
                    format!(
                        "{key} \"{crs}\" is a name, which PROJ would match to some CRS of a similar name; give an authority code (\"EPSG:4326\", \"ESRI:102025\"), a PROJ string (\"+proj=laea +lat_0=50 +lon_0=120 +datum=WGS84\") or WKT"
                    ),
                ));
            }
        }
        for (i, place) in self.places.iter().enumerate() {
            let ok = place.lat.is_finite()
                && place.lon.is_finite()
                && (-90.0..=90.0).contains(&place.lat)
                && (-180.0..=180.0).contains(&place.lon);
            if !ok {
                return Err(fail(
                    &[Step::Key("place"), Step::Index(i)],
                    format!(
                        "place '{}': lat must be in −90..90 and lon in −180..180 (degrees)",
                        place.name
                    ),
                ));
            }
        }
        if let Err(message) = self.output.formats() {
            let bad = self
                .output
                .formats
                .iter()
                .position(|f| format_named(f).is_err());
            let mut path = vec![Step::Key("output"), Step::Key("formats")];
            path.extend(bad.map(Step::Index));
            return Err(fail(&path, message));
        }
        let mut named: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, settings) in &self.holders {
            if let Some(color) = &settings.color {
                if parse_color(color).is_none() {
                    return Err(fail(
                        &[Step::Key("holders"), Step::Key(name), Step::Key("color")],
                        format!(
                            "holders.\"{name}\".color is \"{color}\", not a colour: write it as \"#rrggbb\" (three pairs of hex digits, e.g. \"#f2d56b\")"
                        ),
                    ));
                }
            }
            let at = [Step::Key("holders"), Step::Key(name), Step::Key("also")];
            for other in &settings.also {
                let problem = if other.trim().is_empty() {
                    Some(format!("holders.\"{name}\".also: a name must not be empty"))
                } else if other == name {
                    Some(format!("holders.\"{name}\".also names '{name}' itself"))
                } else if let Some(first) = named.insert(other, name) {
                    Some(format!(
                        "'{other}' is listed as another name of both '{first}' and '{name}'"
                    ))
                } else if self.holders.get(other).is_some_and(|h| !h.also.is_empty()) {
                    Some(format!(
                        "'{other}' is listed as another name of '{name}' and has other names of its own; list them all under one holder"
                    ))
                } else {
                    None
                };
                if let Some(message) = problem {
                    return Err(fail(&at, message));
                }
            }
        }
        let sorted: Vec<i32> = years.iter().copied().collect();
        self.check_variants(&sorted, years_known, &fail)?;
        let mut ids = BTreeSet::new();
        for (i, r) in self.references.iter().enumerate() {
            let at = [Step::Key("reference"), Step::Index(i)];
            if !ids.insert(r.id.as_str()) {
                return Err(fail(
                    &[at[0], at[1], Step::Key("id")],
                    format!("reference id '{}' appears twice", r.id),
                ));
            }
            check_published(r)
                .map_err(|(key, message)| fail(&[at[0], at[1], Step::Key(key)], message))?;
            let quantity = r.quantity().map_err(|message| fail(&at, message))?;
            let years_key = match quantity {
                Quantity::Transfer { .. } => "years",
                Quantity::Area { .. } | Quantity::Boundary { .. } => "year",
            };
            let at_years = [at[0], at[1], Step::Key(years_key)];
            let known = |year: i32| -> Result<()> {
                if !years_known || years.contains(&year) {
                    Ok(())
                } else {
                    Err(fail(
                        &at_years,
                        format!(
                            "reference '{}' names year {year}, but the snapshots are {}",
                            r.id,
                            join_years(&sorted)
                        ),
                    ))
                }
            };
            match &quantity {
                Quantity::Transfer {
                    from_year, to_year, ..
                } => {
                    known(*from_year)?;
                    known(*to_year)?;
                    let i = sorted.iter().position(|y| y == from_year);
                    let consecutive = i.map(|i| sorted.get(i + 1)) == Some(Some(to_year))
                        // Two snapshots of one year: a step within it.
                        || (from_year == to_year && sorted.contains(from_year));
                    if years_known && !consecutive {
                        return Err(fail(
                            &at_years,
                            format!(
                                "reference '{}': transfers are computed between consecutive snapshots ({}); {from_year} → {to_year} is not a consecutive pair",
                                r.id,
                                join_years(&sorted)
                            ),
                        ));
                    }
                }
                Quantity::Area { year, .. } | Quantity::Boundary { year, .. } => known(*year)?,
            }
        }
        Ok(())
    }
}

/// What serde cannot check in a `[dated]` table.
fn check_dated(dated: &DatedSource, fail: &dyn Fn(&[Step], String) -> Error) -> Result<()> {
    let at = |key| [Step::Key("dated"), Step::Key(key)];
    for (key, value) in [
        ("start_field", &dated.start_field),
        ("end_field", &dated.end_field),
    ] {
        if value.trim().is_empty() {
            return Err(fail(&at(key), format!("'{key}' must name a field")));
        }
    }
    if dated.layer.is_some() && dated.sql.is_some() {
        return Err(fail(
            &at("sql"),
            "give either 'layer' or 'sql', not both".to_owned(),
        ));
    }
    match (dated.every_change, dated.dates.is_empty()) {
        (true, false) => {
            return Err(fail(
                &at("dates"),
                "give either 'dates' or every_change = true, not both".to_owned(),
            ))
        }
        (false, true) => {
            return Err(fail(
                &at("dates"),
                "[dated] needs 'dates' (the snapshots' dates) or every_change = true (a snapshot on every day something changes)".to_owned(),
            ))
        }
        (false, false) => {
            if dated.from.is_some() || dated.to.is_some() {
                return Err(fail(
                    &at(if dated.from.is_some() { "from" } else { "to" }),
                    "'from' and 'to' go with every_change = true; with 'dates' the dates say when".to_owned(),
                ));
            }
            if dated.dates.len() < 2 {
                return Err(fail(
                    &at("dates"),
                    format!(
                        "at least two snapshot dates are needed to compute transfers, found {}",
                        dated.dates.len()
                    ),
                ));
            }
            let mut seen = BTreeSet::new();
            for (i, d) in dated.dates.iter().enumerate() {
                let when = When::from(d.moment());
                let clash = seen
                    .iter()
                    .any(|w: &When| w.year == when.year && (w.date.is_none() || when.date.is_none()));
                if !seen.insert(when) || clash {
                    return Err(fail(
                        &[Step::Key("dated"), Step::Key("dates"), Step::Index(i)],
                        format!(
                            "snapshot {when} appears twice (two snapshots of one year need a day each)"
                        ),
                    ));
                }
            }
        }
        (true, true) => {
            if let (Some(from), Some(to)) = (dated.from, dated.to) {
                if to.0.day_after() <= from.0.first_day() {
                    return Err(fail(
                        &at("to"),
                        format!(
                            "'to' ({}) is before 'from' ({})",
                            When::from(to.0),
                            When::from(from.0)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------
// Readings of a treaty: the zones layer, the variants that assign its
// zones, and published figures given as ranges (issue 21).
// ---------------------------------------------------------------------

/// The layer of disputed zones: polygons, each named by `id_field`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ZonesSource {
    /// Any vector file GDAL reads.
    pub path: PathBuf,
    /// Layer name, for multi-layer files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Attribute naming the zone.
    #[serde(default = "default_zone_field")]
    pub id_field: String,
    /// CRS to assume when the layer declares none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_crs: Option<String>,
    /// Where the layer comes from, for the reports' sources: one source
    /// or a list, each a citation, a table, or the name of a `[sources]`
    /// entry.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub source: Vec<DataSource>,
}

fn default_zone_field() -> String {
    "zone".to_owned()
}

/// A line layer drawn only to within ±`km` (or ±the value of `field`, in
/// km, per feature).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UncertaintySource {
    /// Any vector file GDAL reads (lines).
    pub path: PathBuf,
    /// Layer name, for multi-layer files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// CRS to assume when the layer declares none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_crs: Option<String>,
    /// The band's half-width, km, for every line of the layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub km: Option<f64>,
    /// Or: the attribute giving each line's half-width in km.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Where the layer comes from, for the reports' sources: one source
    /// or a list, each a citation, a table, or the name of a `[sources]`
    /// entry.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub source: Vec<DataSource>,
}

/// The name of the base variant when `base_variant` is not given.
pub const DEFAULT_BASE_VARIANT: &str = "base";

/// One reading of the treaties: in the listed snapshots, each assigned
/// zone belongs to the assigned holder instead of whoever holds it in the
/// snapshot layers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VariantSource {
    /// Short stable name, unique among the variants and the base.
    pub name: String,
    /// What the reading is, in a line.
    #[serde(default)]
    pub title: String,
    /// Who reads the treaty this way.
    #[serde(default)]
    pub source: String,
    /// The zones this reading gives to another holder.
    #[serde(default, rename = "assign")]
    pub assignments: Vec<AssignSource>,
}

/// One zone given to one holder in some snapshots.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AssignSource {
    /// The zone's id in the zones layer.
    pub zone: String,
    /// The holder it belongs to in this reading.
    pub holder: String,
    /// The snapshots (years) in which it does.
    pub years: Vec<i32>,
}

impl Config {
    /// The base variant's name: `base_variant`, or `base`.
    pub fn base_variant_name(&self) -> &str {
        self.base_variant.as_deref().unwrap_or(DEFAULT_BASE_VARIANT)
    }

    /// True when the file defines readings: outputs then carry a
    /// `variant` field.
    pub fn has_variants(&self) -> bool {
        !self.variants.is_empty()
    }

    /// Every variant name, the base first.
    pub fn variant_names(&self) -> Vec<&str> {
        let base = self.base_variant_name();
        std::iter::once(base)
            .chain(
                self.variants
                    .iter()
                    .map(|v| v.name.as_str())
                    .filter(|n| *n != base),
            )
            .collect()
    }

    /// What can be checked of the variants before the layers are read:
    /// names unique, years among the snapshots, a zones layer when
    /// anything is assigned, references naming known variants. Zone ids
    /// and holders are checked once the layers are read.
    /// `years_known` is false when the snapshots are known only once the
    /// layer is read (`[dated]` with `every_change`): the years are checked
    /// then (see `load`).
    fn check_variants(
        &self,
        years: &[i32],
        years_known: bool,
        fail: &dyn Fn(&[Step], String) -> Error,
    ) -> Result<()> {
        let base = self.base_variant_name();
        if let Some(name) = &self.base_variant {
            if name.trim().is_empty() {
                return Err(fail(
                    &[Step::Key("base_variant")],
                    "base_variant must not be empty".to_owned(),
                ));
            }
        }
        if let Some(z) = &self.zones {
            if let Some(crs) = &z.assume_crs {
                if !crs_is_explicit(crs) {
                    return Err(fail(
                        &[Step::Key("zones"), Step::Key("assume_crs")],
                        format!("assume_crs \"{crs}\" is a name, which PROJ would match to some CRS of a similar name; give an authority code (\"EPSG:4326\"), a PROJ string or WKT"),
                    ));
                }
            }
        }
        for (i, u) in self.uncertainty.iter().enumerate() {
            let at = |key: &'static str| [Step::Key("uncertainty"), Step::Index(i), Step::Key(key)];
            match (u.km, &u.field) {
                (Some(km), None) if km.is_finite() && km > 0.0 => {}
                (Some(km), None) => {
                    return Err(fail(&at("km"), format!("uncertainty '{}': km must be > 0, got {km}", u.path.display())))
                }
                (None, Some(_)) => {}
                _ => {
                    return Err(fail(
                        &at("km"),
                        format!("uncertainty '{}' needs either km (one band for every line) or field (each line's band, km), not both or neither", u.path.display()),
                    ))
                }
            }
        }
        let mut names = BTreeSet::new();
        for (i, v) in self.variants.iter().enumerate() {
            let at = |key: &'static str| [Step::Key("variant"), Step::Index(i), Step::Key(key)];
            if v.name.trim().is_empty() {
                return Err(fail(
                    &at("name"),
                    "a variant's name must not be empty".to_owned(),
                ));
            }
            if !names.insert(v.name.as_str()) {
                return Err(fail(
                    &at("name"),
                    format!(
                        "variant name '{}' appears twice; each [[variant]] needs its own name",
                        v.name
                    ),
                ));
            }
            if v.name == base && !v.assignments.is_empty() {
                return Err(fail(
                    &at("assign"),
                    format!("variant '{}' is the base variant (the snapshots as drawn) and cannot assign zones; give the reading another name", v.name),
                ));
            }
            if !v.assignments.is_empty() && self.zones.is_none() {
                return Err(fail(
                    &at("assign"),
                    format!("variant '{}' assigns zones, but the file has no [zones] table naming the zones layer", v.name),
                ));
            }
            let mut seen = BTreeSet::new();
            for (k, a) in v.assignments.iter().enumerate() {
                let at_assign = |key: &'static str| {
                    [
                        Step::Key("variant"),
                        Step::Index(i),
                        Step::Key("assign"),
                        Step::Index(k),
                        Step::Key(key),
                    ]
                };
                if a.years.is_empty() {
                    return Err(fail(
                        &at_assign("years"),
                        format!("variant '{}' assigns zone '{}' in no year: give `years` (snapshots: {})", v.name, a.zone, join_years(years)),
                    ));
                }
                for year in &a.years {
                    if years_known && !years.contains(year) {
                        return Err(fail(
                            &at_assign("years"),
                            format!("variant '{}' assigns zone '{}' in {year}, which is not a snapshot; the snapshots are {}", v.name, a.zone, join_years(years)),
                        ));
                    }
                    if !seen.insert((a.zone.as_str(), *year)) {
                        return Err(fail(
                            &at_assign("years"),
                            format!(
                                "variant '{}' assigns zone '{}' twice in {year}",
                                v.name, a.zone
                            ),
                        ));
                    }
                }
            }
        }
        let known = self.variant_names();
        for (i, r) in self.references.iter().enumerate() {
            for name in &r.variants {
                if !known.contains(&name.as_str()) {
                    return Err(fail(
                        &[Step::Key("reference"), Step::Index(i), Step::Key("variants")],
                        format!(
                            "reference '{}' names variant '{name}', which the file does not define; the variants are: {}",
                            r.id,
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A reference's published figure: `value` with `tolerance`, or a range
/// (`at_least`, `at_most`, or both). On error, the key to point at.
fn check_published(r: &Reference) -> std::result::Result<(), (&'static str, String)> {
    let positive = |key: &'static str, v: Option<f64>| match v {
        Some(v) if !(v.is_finite() && v > 0.0) => {
            Err((key, format!("reference '{}': {key} must be > 0", r.id)))
        }
        _ => Ok(()),
    };
    positive("value", r.value)?;
    positive("at_least", r.at_least)?;
    positive("at_most", r.at_most)?;
    let ranged = r.at_least.is_some() || r.at_most.is_some();
    match (r.value, ranged) {
        (Some(_), true) => {
            return Err((
                "value",
                format!("reference '{}': give either value (with tolerance) or a range (at_least, at_most), not both", r.id),
            ))
        }
        (None, false) => {
            return Err((
                "value",
                format!("reference '{}' needs 'value' (with 'tolerance') or a published range ('at_least', 'at_most')", r.id),
            ))
        }
        _ => {}
    }
    match (r.value, r.tolerance) {
        (Some(_), None) => {
            return Err((
                "tolerance",
                format!("reference '{}' needs 'tolerance' (relative, 0.1 = 10 %) with its value", r.id),
            ))
        }
        (None, Some(_)) => {
            return Err((
                "tolerance",
                format!("reference '{}': 'tolerance' applies to 'value'; a range (at_least, at_most) has none", r.id),
            ))
        }
        (_, Some(t)) if !(t.is_finite() && t >= 0.0) => {
            return Err(("tolerance", format!("reference '{}': tolerance must be ≥ 0", r.id)))
        }
        _ => {}
    }
    if let (Some(lo), Some(hi)) = (r.at_least, r.at_most) {
        if lo > hi {
            return Err((
                "at_most",
                format!(
                    "reference '{}': at_least ({lo}) is above at_most ({hi})",
                    r.id
                ),
            ));
        }
    }
    Ok(())
}

fn join_years(years: &[i32]) -> String {
    years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One step of a path to a value in the analysis file: a key, or a
/// position in an array (`[[snapshot]]` tables are an array).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// The value under this key.
    Key(&'a str),
    /// The value at this position (0-based).
    Index(usize),
}

/// The 1-based line and column of the value at `path` in the TOML `text`,
/// from the parser's own spans; with `string`, of that string among the
/// values under `path` (a table's values, and the items of arrays in it).
/// The deepest part of `path` that is written is used when the rest is not
/// (a setting left out is reported at its table).
fn value_position(text: &str, path: &[Step], string: Option<&str>) -> Option<(usize, usize)> {
    let document = toml_edit::ImDocument::parse(text).ok()?;
    let mut item = document.as_item();
    let mut span = None;
    let mut whole_path = true;
    for step in path {
        let next = match step {
            Step::Key(key) => item.get(*key),
            Step::Index(i) => item.get(*i),
        };
        let Some(next) = next else {
            whole_path = false;
            break;
        };
        item = next;
        span = item.span().or(span);
    }
    if let Some(wanted) = string.filter(|_| whole_path) {
        let is_it = |v: &toml_edit::Value| v.as_str() == Some(wanted);
        let values: Vec<&toml_edit::Value> = match item {
            toml_edit::Item::Table(t) => t.iter().filter_map(|(_, i)| i.as_value()).collect(),
            toml_edit::Item::Value(v) => match v.as_inline_table() {
                Some(t) => t.iter().map(|(_, v)| v).collect(),
                None => vec![v],
            },
            _ => Vec::new(),
        };
        let found = values.into_iter().find_map(|v| match v.as_array() {
            Some(items) => items.iter().find(|v| is_it(v)).and_then(|v| v.span()),
            None => is_it(v).then(|| v.span()).flatten(),
        });
        span = found.or(span);
    }
    span.map(|s| line_column(text, s.start))
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.chars().rev().take_while(|&c| c != '\n').count() + 1;
    (line, column)
}

/// A commented analysis file to start from (`borderchange init`).
pub const TEMPLATE: &str = include_str!("template.toml");

/// The `equal_area_crs` setting that stands for
/// [`crate::io::projection::equal_area_for`] the data: the default.
pub const AUTO_EQUAL_AREA: &str = "auto";

/// `connection` with its password, if any, replaced by `***`, for messages
/// and the manifest.
pub fn redacted(connection: &str) -> String {
    connection
        .split(' ')
        .map(|part| {
            if part.to_ascii_lowercase().starts_with("password=") {
                "password=***"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// True for a PostgreSQL connection string (`PG:…`) given where a path goes.
pub fn is_connection(path: &Path) -> bool {
    path.to_str().is_some_and(|p| p.starts_with("PG:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("a.toml"))
    }

    #[test]
    fn template_parses() {
        let c = parse(TEMPLATE).expect("the template is a valid analysis");
        assert_eq!(c.snapshots.len(), 2);
        assert_eq!(c.parameters, Parameters::default());
    }

    fn message(text: &str) -> String {
        parse(text).expect_err("should fail").to_string()
    }

    const TWO: &str = "[[snapshot]]\nyear = 1\ntreaty = \"a\"\npath = \"a.shp\"\n\n[[snapshot]]\nyear = 2\ntreaty = \"b\"\npath = \"b.shp\"\n";

    /// A layer's `source`: a plain citation, a table (with `license` as
    /// another spelling), the name of a `[sources]` entry, or a list; a
    /// table without a title or with an unknown key is refused with the
    /// keys it takes.
    #[test]
    fn sources_are_citations_tables_names_or_lists() {
        let with = |source: &str| {
            TWO.replacen(
                "path = \"a.shp\"\n",
                &format!("path = \"a.shp\"\n{source}\n"),
                1,
            )
        };
        let c = parse(&with("source = \"My atlas, p. 3\"")).unwrap();
        let plain = &c.snapshots[0].source[0];
        assert!(plain.is_plain());
        assert_eq!(plain.citation(), "My atlas, p. 3.");
        assert!(c.snapshots[1].source.is_empty());
        let c = parse(&with(
            "source = { title = \"DCW\", author = \"Wessel, P.\", year = 2020, license = \"LGPL-3+\" }",
        ))
        .unwrap();
        let full = &c.snapshots[0].source[0];
        assert_eq!(full.year, Some(2020));
        assert_eq!(full.licence.as_deref(), Some("LGPL-3+"));
        assert_eq!(full.citation(), "Wessel, P. (2020). DCW. Licence: LGPL-3+.");
        // By name, in a list with a plain citation; the entry keeps no key.
        let c = parse(&format!(
            "{}\n[sources.dcw]\ntitle = \"Digital Chart of the World\"\nyear = 1992\n",
            with("source = [\"dcw\", \"field notes\"]")
        ))
        .unwrap();
        let listed = &c.snapshots[0].source;
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].key.as_deref(), Some("dcw"));
        assert_eq!(listed[0].year, Some(1992));
        assert_eq!(listed[1].title, "field notes");
        assert_eq!(c.sources["dcw"].key, None);
        for bad in [
            "source = { author = \"x\" }",
            "source = { title = \"x\", edition = 2 }",
            "source = { title = \"x\", year = \"1990s\" }",
            "source = 3",
        ] {
            let m = message(&with(bad));
            assert!(m.contains("title = \"…\", author, year"), "{bad}: {m}");
        }
        let m = message(&with("source = \" \""));
        assert!(m.starts_with("a.toml:5:10:"), "{m}");
        assert!(m.contains("a source needs a title"), "{m}");
    }

    /// A CRS given by name alone is refused where it is written; codes,
    /// PROJ strings and WKT pass.
    #[test]
    fn crs_by_name_is_refused() {
        let m = message(&format!("{TWO}\n[parameters]\nequal_area_crs = \"foo\"\n"));
        assert!(m.starts_with("a.toml:12:18:"), "{m}");
        assert!(m.contains("equal_area_crs \"foo\" is a name"), "{m}");
        let m = message(&TWO.replacen(
            "path = \"a.shp\"\n",
            "path = \"a.shp\"\nassume_crs = \"WGS 84\"\n",
            1,
        ));
        assert!(m.starts_with("a.toml:5:14:"), "{m}");
        assert!(m.contains("assume_crs \"WGS 84\" is a name"), "{m}");
        for crs in [
            "EPSG:4326",
            "OGC:CRS84",
            "+proj=laea +lat_0=50 +lon_0=120 +datum=WGS84",
            "proj=laea",
            "GEOGCS[\\\"WGS 84\\\"]",
        ] {
            assert!(super::crs_is_explicit(crs), "{crs}");
        }
    }

    /// A bad value is reported where its key is, even when the same text is
    /// written earlier in the file (in the title, a comment, another table).
    #[test]
    fn bad_values_are_found_at_their_keys() {
        let title = "title = \"foo; year = 1; densify_km; \\\"B\\\"\"\n";
        // The second snapshot's CRS, written with another key's spacing.
        let two = TWO.replace(
            "path = \"b.shp\"\n",
            "path = \"b.shp\"\nassume_crs=\"foo\"\n",
        );
        let m = message(&format!("{title}{two}"));
        assert!(m.starts_with("a.toml:11:12:"), "{m}");
        // The repeated year is the second one.
        let m = message(&format!("{title}{}", TWO.replace("year = 2", "year = 1")));
        assert!(m.starts_with("a.toml:8:8:"), "{m}");
        assert!(m.contains("year 1 appears twice"), "{m}");
        let m = message(&format!(
            "{title}{TWO}\n[parameters]\nsliver_km2 = 1\ndensify_km = 0\n"
        ));
        assert!(m.starts_with("a.toml:14:14:"), "{m}");
        // Inline tables and dotted keys have spans too.
        let m = message(&format!("parameters = {{ densify_km = -1 }}\n{TWO}"));
        assert!(m.starts_with("a.toml:1:29:"), "{m}");
        let m = message(&format!(
            "{title}{TWO}\n[output]\nformats = [\"GPKG\", \"foo\"]\n"
        ));
        assert!(m.starts_with("a.toml:13:20:"), "{m}");
    }

    /// A holder's colour is read as `#rrggbb`; anything else is refused
    /// at its key, naming the holder and the value.
    #[test]
    fn holder_colours_are_checked() {
        let c = parse(&format!(
            "{TWO}\n[holders.Qing]\ncolor = \"#F2d56b\"\n\n[holders.\"Дания\"]\nalso = [\"Danmark\"]\n"
        ))
        .expect("a colour and a holder without one");
        assert_eq!(
            c.holder_colors(),
            BTreeMap::from([("Qing".to_owned(), (0xf2, 0xd5, 0x6b))])
        );
        for bad in ["f2d56b", "#f2d56", "#f2d56bb", "#g2d56b", "red", "#ｆ2d56b"] {
            let m = message(&format!(
                "{TWO}\n[holders.\"Qing dynasty\"]\ncolor = \"{bad}\"\n"
            ));
            assert!(m.starts_with("a.toml:12:9:"), "{m}");
            assert!(
                m.contains(&format!("holders.\"Qing dynasty\".color is \"{bad}\"")),
                "{m}"
            );
            assert!(m.contains("#rrggbb"), "{m}");
        }
    }

    #[test]
    fn unknown_key_has_line_and_column() {
        let m = message(&format!("{TWO}\n[parameters]\nsliver = 2\n"));
        assert!(m.starts_with("a.toml:12:1:"), "{m}");
        assert!(m.contains("sliver"), "{m}");
    }

    #[test]
    fn wrong_type_has_line() {
        let m = message(&TWO.replace("year = 2", "year = \"two\""));
        assert!(m.starts_with("a.toml:7:"), "{m}");
    }

    #[test]
    fn one_snapshot_is_not_enough() {
        let m = message("[[snapshot]]\nyear = 1\ntreaty = \"a\"\npath = \"a.shp\"\n");
        assert!(m.contains("at least two"), "{m}");
    }

    #[test]
    fn duplicate_year() {
        let m = message(&TWO.replace("year = 2", "year = 1"));
        assert!(m.contains("year 1 appears twice"), "{m}");
    }

    #[test]
    fn transfer_between_non_consecutive_snapshots() {
        let text = format!(
            "{TWO}\n[[snapshot]]\nyear = 3\ntreaty = \"c\"\npath = \"c.shp\"\n\n[[reference]]\nid = \"x\"\nquantity = \"transfer\"\nfrom = [\"A\"]\nto = [\"B\"]\nyears = [1, 3]\nvalue = 1\ntolerance = 0.1\nsource = \"s\"\n"
        );
        let m = message(&text);
        assert!(m.contains("not a consecutive pair"), "{m}");
        // At the years, not at the start of the table.
        assert!(m.starts_with("a.toml:21:9:"), "{m}");
    }

    #[test]
    fn reference_keys_must_fit_the_quantity() {
        let base = "\n[[reference]]\nid = \"x\"\nquantity = \"area\"\nyear = 1\nvalue = 1\ntolerance = 0.1\nsource = \"s\"\n";
        assert!(message(&format!("{TWO}{base}")).contains("needs 'state'"));
        let stray = base.replace("year = 1", "year = 1\nstate = \"A\"\nriver = \"Amur\"");
        assert!(message(&format!("{TWO}{stray}")).contains("'river' does not apply"));
    }

    #[test]
    fn bad_within_box() {
        let r = "\n[[reference]]\nid = \"x\"\nquantity = \"boundary\"\nyear = 1\nstates = [\"A\", \"B\"]\nwithin = [10, 0, 5, 1]\nvalue = 1\ntolerance = 0.1\nsource = \"s\"\n";
        assert!(message(&format!("{TWO}{r}")).contains("'within'"));
    }

    #[test]
    fn boundary_states_are_sorted() {
        let r = "\n[[reference]]\nid = \"x\"\nquantity = \"boundary\"\nyear = 1\nstates = [\"Russia\", \"Qing\"]\nriver = \"Amur\"\nvalue = 1\ntolerance = 0.1\nsource = \"s\"\n";
        let c = parse(&format!("{TWO}{r}")).unwrap();
        match c.references[0].quantity().unwrap() {
            Quantity::Boundary { states, .. } => {
                assert_eq!(states, ["Qing".to_owned(), "Russia".to_owned()])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bundled_analysis_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(BUNDLED_CONFIG);
        let c = Config::load(&path).expect("the bundled analysis is valid");
        assert_eq!(
            c.snapshots
                .iter()
                .map(|s| s.year.unwrap_or_default())
                .collect::<Vec<_>>(),
            [1689, 1727, 1858, 1860]
        );
        assert!(c.references.len() >= 8);
    }
}
