//! The layers a run writes (states, boundaries, transfers, rivers): their
//! fields and features, their styles, the GeoPackage and the QGIS project
//! that opens it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::print_layout::{LayoutLayer, PrintLayout};
use super::{hashed_from_disk, qgis, write_hashed, write_hashed_from, Hashed, Outputs};
use crate::analysis::{Analysis, AreaRow};
use crate::config::Config;
use crate::date::{ConfigMoment, Moment, When};
use crate::error::{Error, Result};
use crate::geometry::geodesy;
use crate::io::write::{
    write_dataset, FieldDef, FieldKind, GeometryKind, Layer, LayerStyle, OutFeature, Shape, Value,
};
use crate::load::Inputs;
use crate::model::Snapshot;

/// The layers in every output format, with their styles (and the QGIS
/// project with the GeoPackage), each file with its manifest entry.
pub(crate) fn write_layers(out: &Outputs) -> Result<Vec<Hashed>> {
    let formats = out
        .config
        .output
        .formats()
        .map_err(|message| Error::Config {
            path: PathBuf::from(&out.provenance.config_path),
            line: 0,
            column: 0,
            message,
        })?;
    let until = until_years(out)?;
    let all_styles = layer_styles(out.config, out.inputs, out.analysis);
    let mut layers = vec![
        state_layer(out.inputs, out.analysis, &until),
        boundary_layer(out.analysis, &until),
        transfer_layer(out.analysis, &until),
    ];
    let mut styles = vec![
        all_styles.states.clone(),
        all_styles.boundaries.clone(),
        all_styles.transfers.clone(),
    ];
    // No rivers configured: no rivers layer.
    if out.config.rivers.is_some() {
        layers.push(river_layer(out.inputs));
        styles.push(all_styles.rivers.clone());
    }
    // Places only where the analysis names some.
    if let Some(places) = place_layer(&out.config.places) {
        layers.push(places);
        styles.push(all_styles.places.clone());
    }
    // Every file is written by GDAL on its own: the files are made (and
    // hashed) in parallel, the largest first.
    let mut jobs = Vec::new();
    for format in &formats {
        match format.driver {
            "PostgreSQL" => jobs.push(Job::Postgres),
            "GPKG" => jobs.push(Job::GeoPackage),
            _ => jobs.extend((0..layers.len()).map(|k| Job::OneLayer(format, k))),
        }
    }
    let points = |layer: &Layer| -> usize {
        layer
            .features
            .iter()
            .map(|f| f.geometry.coords_count())
            .sum()
    };
    let cost = |job: &Job| match job {
        Job::Postgres | Job::GeoPackage => layers.iter().map(points).sum::<usize>() * 2,
        Job::OneLayer(_, k) => points(&layers[*k]),
    };
    let written = crate::support::parallel::map_costliest_first(&jobs, cost, |job| {
        let _core = out.cores.take();
        match job {
            Job::Postgres => {
                // Tables, not files: nothing for the manifest to hash.
                let connection = out.config.output.connection.as_deref().unwrap_or_default();
                let dated = crate::io::dated::snapshots_dated_layer(&out.inputs.snapshots);
                let all: Vec<Layer> = layers.iter().cloned().chain([dated]).collect();
                crate::io::postgres::write_layers(
                    connection,
                    super::postgres_schema(out.config),
                    &all,
                )?;
                Ok(Vec::new())
            }
            Job::GeoPackage => write_geopackage(out, &layers, &styles, &all_styles),
            Job::OneLayer(format, k) => one_layer_file(out, format, &layers[*k]),
        }
    });
    let mut files = Vec::new();
    for w in written {
        files.extend(w?);
    }
    // QGIS applies a `.qml` beside a layer file when it opens it: one per
    // layer written to one-layer files.
    for (k, (layer, style)) in layers.iter().zip(&styles).enumerate() {
        if jobs
            .iter()
            .any(|j| matches!(j, Job::OneLayer(_, i) if *i == k))
        {
            let qml = format!("{}.qml", layer.name);
            files.push(write_hashed(out.dir, &qml, qgis::qml(style).as_bytes())?);
        }
    }
    Ok(files)
}

/// One file (or database) of [`write_layers`].
enum Job<'f> {
    /// Every layer to PostgreSQL.
    Postgres,
    /// Every layer to the GeoPackage, and the QGIS project.
    GeoPackage,
    /// One layer (by index) in a one-layer format.
    OneLayer(&'f crate::config::Format, usize),
}

/// One layer in a one-layer format (a shapefile with its parts, GeoJSON,
/// …), hashed.
fn one_layer_file(
    out: &Outputs,
    format: &crate::config::Format,
    layer: &Layer,
) -> Result<Vec<Hashed>> {
    let path = out.dir.join(format!("{}.{}", layer.name, format.extension));
    let shapefile = format.driver == "ESRI Shapefile";
    // A shapefile's shapes are made here, written and hashed in one pass, a
    // megabyte at a time; GDAL writes the rest (the reference path: GDAL
    // writes them all).
    let made = if shapefile {
        crate::io::write::write_shapefile_split(&path, layer)?
    } else {
        write_dataset(&path, format.driver, std::slice::from_ref(layer), &[])?;
        None
    };
    let mut files = Vec::new();
    if let Some(made) = &made {
        let name = |ext| format!("{}.{ext}", layer.name);
        files.push(write_hashed_from(out.dir, &name("shp"), |file| {
            made.write_shp(file)
        })?);
        files.push(write_hashed(out.dir, &name("shx"), &made.shx)?);
    }
    let parts: &[&str] = match (shapefile, made.is_some()) {
        (true, true) => &["dbf", "prj", "cpg"],
        (true, false) => &["shp", "shx", "dbf", "prj", "cpg"],
        (false, _) => &[format.extension],
    };
    for ext in parts {
        let name = PathBuf::from(format!("{}.{ext}", layer.name));
        if out.dir.join(&name).exists() {
            files.push(hashed_from_disk(out.dir, name)?);
        }
    }
    // In the order of the reference path (the manifest sorts them anyway).
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// The GeoPackage with every layer and its style, and the QGIS project that
/// opens it.
fn write_geopackage(
    out: &Outputs,
    layers: &[Layer],
    styles: &[qgis::Style],
    all_styles: &qgis::Styles,
) -> Result<Vec<Hashed>> {
    let (dir, inputs) = (out.dir, out.inputs);
    let gpkg_styles: Vec<LayerStyle> = layers
        .iter()
        .zip(styles)
        .map(|(layer, style)| LayerStyle {
            layer: layer.name.clone(),
            name: format!("borderchange {}", layer.name),
            qml: qgis::qml(style),
        })
        .collect();
    // The snapshots as one dated layer too, with the states' style
    // (without their time range, which is on other fields).
    let dated = crate::io::dated::snapshots_dated_layer(&inputs.snapshots);
    let mut gpkg_styles = gpkg_styles;
    if let Some(states) = styles.first() {
        let style = qgis::Style {
            temporal: None,
            ..states.clone()
        };
        gpkg_styles.push(LayerStyle {
            layer: dated.name.clone(),
            name: format!("borderchange {}", dated.name),
            qml: qgis::qml(&style),
        });
    }
    let all: Vec<Layer> = layers.iter().cloned().chain([dated]).collect();
    write_dataset(&dir.join(GEOPACKAGE), "GPKG", &all, &gpkg_styles)?;
    let geopackage = hashed_from_disk(dir, PathBuf::from(GEOPACKAGE))?;
    let project = project_xml(out, all_styles)?;
    Ok(vec![
        geopackage,
        write_hashed(dir, QGIS_PROJECT, project.as_bytes())?,
    ])
}

/// The GeoPackage a run writes.
pub const GEOPACKAGE: &str = "borderchange.gpkg";
/// The QGIS project a run writes beside it.
pub const QGIS_PROJECT: &str = "borderchange.qgs";

/// The project: the places on top, the rivers, the transfers, each
/// reading's group, then a group per snapshot (newest on top, all shown:
/// each holds only for its time, so the Temporal Controller shows one at a
/// time), in an Albers conic fitted to the study region, with a print
/// layout per snapshot.
fn project_xml(out: &Outputs, styles: &qgis::Styles) -> Result<String> {
    let (config, inputs, analysis) = (out.config, out.inputs, out.analysis);
    // With variants, the layers hold every reading's rows: the base's
    // groups show the base's, and each other reading has a group of its
    // own (hidden) with its rows where it differs, drawn over the base.
    let base_filter = analysis
        .variants
        .first()
        .map(|v| format!(" AND \"variant\" = '{}'", v.name.replace('\'', "''")))
        .unwrap_or_default();
    let qgis::Styles {
        states,
        boundaries,
        transfers,
        rivers,
        places,
    } = styles;
    // Made by the thread drawing the maps at the start of the stage,
    // without taking a core (this job holds one while it waits).
    let (map_crs, extent) = out
        .map_view
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .recv()
        .map_err(|_| Error::Geometry {
            what: "writing the QGIS project".to_owned(),
            reason: "the maps' projection was not made".to_owned(),
        })?;
    let map_crs = map_crs.as_str();
    let until = until_years(out)?;
    let mut groups = Vec::new();
    if !config.places.is_empty() {
        groups.push(qgis::ProjectGroup {
            name: "Places".into(),
            layers: vec![qgis::ProjectLayer {
                id: "places_layer".into(),
                name: "places".into(),
                table: "places".into(),
                subset: None,
                geometry: "Point",
                wkb_type: "Point",
                style: places,
                visible: true,
            }],
            visible: true,
        });
    }
    // No rivers configured: the GeoPackage has no rivers layer.
    groups.extend(config.rivers.is_some().then(|| qgis::ProjectGroup {
        name: "Rivers".into(),
        layers: vec![qgis::ProjectLayer {
            id: "rivers_layer".into(),
            name: "rivers".into(),
            table: "rivers".into(),
            subset: None,
            geometry: "Line",
            wkb_type: "MultiLineString",
            style: rivers,
            visible: true,
        }],
        visible: !inputs.rivers.is_empty(),
    }));
    // Shown: each transfer holds from the step that made it until the
    // next, so a frame shows the transfers of the step that ends there.
    groups.push(qgis::ProjectGroup {
        name: "Transfers".into(),
        layers: vec![qgis::ProjectLayer {
            id: "transfers_layer".into(),
            name: "transfers".into(),
            table: "transfers".into(),
            subset: (!base_filter.is_empty()).then(|| base_filter[5..].to_owned()),
            geometry: "Polygon",
            wkb_type: "MultiPolygon",
            style: transfers,
            visible: true,
        }],
        visible: true,
    });
    for v in analysis.variants.iter().skip(1) {
        let name = v.name.replace('\'', "''");
        let years: Vec<String> = v.changed.iter().map(|s| s.year.to_string()).collect();
        let layer = |kind: &str, style, geometry, wkb_type| qgis::ProjectLayer {
            id: format!("{kind}_variant_{}", sanitise_id(&v.name)),
            name: format!("{kind} ({})", v.name),
            table: kind.into(),
            subset: Some(format!("\"variant\" = '{name}'")),
            geometry,
            wkb_type,
            style,
            visible: true,
        };
        groups.push(qgis::ProjectGroup {
            name: format!("reading: {} (changes {})", v.name, years.join(", ")),
            layers: vec![
                layer("boundaries", boundaries, "Line", "LineString"),
                layer("states", states, "Polygon", "MultiPolygon"),
                layer("transfers", transfers, "Polygon", "MultiPolygon"),
            ],
            visible: false,
        });
    }
    for s in inputs.snapshots.iter().rev() {
        // Two snapshots of one year differ in their date.
        let filter = match s.year.date {
            Some(d) => format!("\"from_date\" = '{d}'{base_filter}"),
            None => format!("\"year\" = {}{base_filter}", s.year.year),
        };
        groups.push(qgis::ProjectGroup {
            name: format!("{} {}", s.year, s.treaty),
            layers: vec![
                qgis::ProjectLayer {
                    id: format!("boundaries_{}", s.year),
                    name: format!("boundaries {}", s.year),
                    table: "boundaries".into(),
                    subset: Some(filter.clone()),
                    geometry: "Line",
                    wkb_type: "LineString",
                    style: boundaries,
                    visible: true,
                },
                qgis::ProjectLayer {
                    id: format!("states_{}", s.year),
                    name: format!("states {}", s.year),
                    table: "states".into(),
                    subset: Some(filter),
                    geometry: "Polygon",
                    wkb_type: "MultiPolygon",
                    style: states,
                    visible: true,
                },
            ],
            visible: true,
        });
    }
    let first = inputs.snapshots.first().map_or(When::year(0), |s| s.year);
    let last = until.values().copied().max().unwrap_or(first);
    let context_styles: Vec<qgis::Style> = config
        .context
        .iter()
        .map(|c| qgis::context_style(&c.name, &c.name_field))
        .collect();
    let context = config
        .context
        .iter()
        .zip(&context_styles)
        .enumerate()
        .map(|(i, (c, style))| qgis::FileLayer {
            id: format!("context_layer_{i}"),
            name: c.name.clone(),
            source: context_source(out.config_from_outputs, c),
            style,
        })
        .collect();
    let map_name = qgis::crs_name(map_crs);
    let layouts = print_layouts(out, &until, &map_name);
    Ok(qgis::project(&qgis::Project {
        title: config.title.clone(),
        geopackage: GEOPACKAGE.into(),
        groups,
        context,
        map_wkt: qgis::named_wkt(&crate::io::crs_wkt(map_crs)?, &map_name),
        map_name,
        layer_wkt: crate::io::crs_wkt("EPSG:4326")?,
        map_proj: map_crs.to_owned(),
        extent,
        range: (first.first_day(), last.first_day()),
        dated: has_dates(&until),
        layouts,
    }))
}

/// Where the QGIS project finds a context layer: its path as the analysis
/// file gives it, from the output folder (`../shapefiles/context.shp` for
/// the bundled run), with its layer name.
fn context_source(config_from_outputs: &str, c: &crate::config::ContextSource) -> String {
    let path = if c.path.is_absolute() {
        c.path.clone()
    } else {
        Path::new(config_from_outputs)
            .parent()
            .unwrap_or(Path::new(""))
            .join(&c.path)
    };
    let mut s = path.to_string_lossy().replace('\\', "/");
    // QGIS reads a path as relative to the project when it starts with a dot.
    if !(s.starts_with('.') || path.is_absolute()) {
        s.insert_str(0, "./");
    }
    if let Some(layer) = &c.layer {
        s.push_str("|layername=");
        s.push_str(layer);
    }
    s
}

/// A layer as a layout credits it: its sources' titles, then the file it
/// was read from (a database connection without its password).
fn layer_credit(path: &Path, sources: &[crate::config::DataSource]) -> String {
    let file = crate::config::redacted(&path.display().to_string());
    let titles: Vec<&str> = sources.iter().map(|d| d.title.as_str()).collect();
    match titles.is_empty() {
        true => file,
        false => format!("{} ({file})", titles.join("; ")),
    }
}

/// A print layout per snapshot (the base reading's): its states and
/// boundaries, the transfers of the step that made it, the rivers and the
/// places, at its time; titled, with a legend, a scale bar and the
/// sources.
fn print_layouts(out: &Outputs, until: &BTreeMap<When, When>, map_name: &str) -> Vec<PrintLayout> {
    let (config, inputs) = (out.config, out.inputs);
    let mut common = Vec::new();
    if !config.places.is_empty() {
        common.push(("places_layer".to_owned(), "Places"));
    }
    if !inputs.rivers.is_empty() {
        common.push(("rivers_layer".to_owned(), "Rivers"));
    }
    common.push(("transfers_layer".to_owned(), "Transfers"));
    let dated = has_dates(until);
    inputs
        .snapshots
        .iter()
        .map(|s| {
            let layers = common
                .iter()
                .cloned()
                .chain([
                    (format!("boundaries_{}", s.year), "Boundaries"),
                    (format!("states_{}", s.year), "Holders"),
                ])
                .map(|(id, heading)| LayoutLayer {
                    id,
                    legend: Some(heading.to_owned()),
                })
                .collect();
            // The first day the Temporal Controller shows it: the
            // situation then, with the transfers that made it.
            let shown = match dated {
                true => qgis::next_first_of_month_day(s.year.first_day()),
                false => s.year.first_day(),
            };
            PrintLayout {
                name: format!("{} {}", s.year, s.treaty),
                title: format!("{}: {} ({})", config.title, s.treaty, s.year),
                layers,
                range: (shown, shown.next_day()),
                sources: layout_sources(out, s.year, map_name),
            }
        })
        .collect()
}

/// The sources at the foot of a snapshot's layout: the layers it was read
/// from, the places' sources, and how it was measured and drawn.
fn layout_sources(out: &Outputs, year: When, map_name: &str) -> String {
    let config = out.config;
    let borders = config
        .snapshots
        .iter()
        .find(|s| s.when().ok() == Some(year))
        .map(|s| layer_credit(&s.path, &s.source))
        .or_else(|| {
            config
                .dated
                .as_ref()
                .map(|d| layer_credit(&d.path, &d.source))
        });
    let mut lines = Vec::new();
    if let Some(credit) = borders {
        lines.push(format!("Borders: {credit}."));
    }
    if let Some(rivers) = &config.rivers {
        lines.push(format!(
            "Rivers: {}.",
            layer_credit(&rivers.path, &rivers.source)
        ));
    }
    let places: Vec<String> = config
        .places
        .iter()
        .map(|p| match p.source.as_str() {
            "" => p.name.clone(),
            source => format!("{} ({source})", p.name),
        })
        .collect();
    if !places.is_empty() {
        lines.push(format!("Places: {}.", places.join("; ")));
    }
    lines.push(format!(
        "Areas geodesic on the WGS84 ellipsoid, by borderchange {} ({}); map: {map_name}.",
        out.provenance.tool_version, out.provenance.config_path
    ));
    lines.join("\n")
}

/// `name` with only ASCII letters, digits and underscores (a QGIS layer id).
fn sanitise_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// For each snapshot, the time the next snapshot replaced it; the last
/// one holds until `output.until` (QGIS needs an end to a time range), by
/// default [`default_until`].
fn until_years(out: &Outputs) -> Result<BTreeMap<When, When>> {
    let config = out.config;
    let times: Vec<When> = out.inputs.snapshots.iter().map(|s| s.year).collect();
    let end = match (times.last(), config.output.until) {
        (None, _) => return Ok(BTreeMap::new()),
        (Some(last), None) => default_until(*last),
        (Some(last), Some(ConfigMoment(moment))) => {
            let end = match moment {
                Moment::Year(y) => When::year(y),
                Moment::Day(d) => When::day(d),
            };
            if end.first_day() <= last.first_day() {
                return Err(Error::Config {
                    path: PathBuf::from(&out.provenance.config_path),
                    line: 0,
                    column: 0,
                    message: format!(
                        "output.until {} is not after the last snapshot ({last}): give a later year or day",
                        end.label()
                    ),
                });
            }
            end
        }
    };
    Ok(times
        .iter()
        .enumerate()
        .map(|(i, w)| (*w, times.get(i + 1).copied().unwrap_or(end)))
        .collect())
}

/// When the last snapshot's period ends without `output.until`: 1 January
/// of the first year divisible by 50 at least ten years after it (1860:
/// 1900), so that the Temporal Controller shows it for a while.
/// A day where the snapshots have days, so that the date fields are
/// filled.
fn default_until(last: When) -> When {
    let year = last.year + 10;
    let year = year + (50 - year.rem_euclid(50)) % 50;
    match last.date {
        Some(_) => When::day(crate::date::Date::first_of(year)),
        None => When::year(year),
    }
}

/// True when some snapshot has a date: the layers then have date fields
/// (`from_date`, `to_date`) beside the year fields.
fn has_dates(until: &BTreeMap<When, When>) -> bool {
    until.keys().any(|w| w.date.is_some())
}

/// The places (`[[place]]`) as points with their name and source; `None`
/// when there are none.
fn place_layer(places: &[crate::config::Place]) -> Option<Layer<'_>> {
    (!places.is_empty()).then(|| Layer {
        name: "places".into(),
        geometry: GeometryKind::Point,
        fields: vec![text_field("name"), text_field("source")],
        features: places
            .iter()
            .map(|p| OutFeature {
                geometry: Shape::Owned(geo::Geometry::Point(geo::Point::new(p.lon, p.lat))),
                values: vec![Value::Text(p.name.clone()), Value::Text(p.source.clone())],
            })
            .collect(),
    })
}

/// The styles of every layer a run may write.
fn layer_styles(config: &Config, inputs: &Inputs, analysis: &Analysis) -> qgis::Styles {
    let holders = super::holders(inputs);
    let treaties: Vec<String> = analysis.steps.iter().map(|s| s.treaty.clone()).collect();
    let rivers: Vec<String> = inputs.rivers.iter().map(|r| r.name.clone()).collect();
    let mut s = qgis::styles(&holders, &config.holder_colors(), &treaties, &rivers);
    if inputs.snapshots.iter().any(|s| s.year.date.is_some()) {
        qgis::use_dates(&mut s);
    }
    s
}

fn text_field(name: &'static str) -> FieldDef {
    FieldDef::new(name, FieldKind::Text)
}

fn int_field(name: &'static str) -> FieldDef {
    FieldDef::new(name, FieldKind::Int)
}

fn until_of(until: &BTreeMap<When, When>, year: When) -> Value {
    Value::Int(until_when(until, year).year.into())
}

/// When the snapshot of `year` ends (a reading's snapshot that is not a
/// base snapshot: the base's next one, else the last one's end).
fn until_when(until: &BTreeMap<When, When>, year: When) -> When {
    until
        .get(&year)
        .or_else(|| until.range(year..).next().map(|(w, _)| w))
        .or_else(|| until.values().max())
        .copied()
        .unwrap_or(year)
}

/// A snapshot's day as a date field's value; null where only the year is
/// known.
fn date_of(w: When) -> Value {
    w.date.map_or(Value::Null, Value::Date)
}

fn date_field(name: &'static str) -> FieldDef {
    FieldDef::new(name, FieldKind::Date)
}

/// `from_date` and `to_date` for a layer of snapshots, when some snapshot
/// has a date.
fn dated_fields(until: &BTreeMap<When, When>) -> impl Iterator<Item = FieldDef> {
    has_dates(until)
        .then(|| [date_field("from_date"), date_field("to_date")])
        .into_iter()
        .flatten()
}

/// The values of [`dated_fields`] for the snapshot of `year`.
fn dated_values(until: &BTreeMap<When, When>, year: When) -> impl Iterator<Item = Value> {
    has_dates(until)
        .then(|| [date_of(year), date_of(until_when(until, year))])
        .into_iter()
        .flatten()
}

fn transfer_layer<'a>(analysis: &'a Analysis, until: &BTreeMap<When, When>) -> Layer<'a> {
    let mut layer = Layer {
        name: "transfers".into(),
        geometry: GeometryKind::MultiPolygon,
        fields: vec![
            text_field("from_state"),
            text_field("to_state"),
            int_field("from_year"),
            int_field("to_year"),
            int_field("until"),
            text_field("treaty"),
            FieldDef::new("area_km2", FieldKind::Real),
            FieldDef::new("area_ea_km", FieldKind::Real),
        ]
        .into_iter()
        .chain(
            has_dates(until)
                .then(|| {
                    [
                        date_field("from_date"),
                        date_field("to_date"),
                        date_field("until_date"),
                    ]
                })
                .into_iter()
                .flatten(),
        )
        .collect(),
        features: analysis
            .transfers
            .iter()
            .map(|t| transfer_row(t, until))
            .collect(),
    };
    // Each variant's transfers in the steps it changes; elsewhere the
    // base's rows hold for it.
    if let Some(base) = analysis.variants.first() {
        let rows = layer.features.len();
        tag_variant(&mut layer, rows, &base.name);
        for v in &analysis.variants[1..] {
            let Some(figures) = v.figures.as_deref() else {
                continue;
            };
            let transfers = figures
                .transfers
                .iter()
                .filter(|t| v.changes(t.from_year) || v.changes(t.to_year));
            let from = layer.features.len();
            for t in transfers {
                layer.features.push(transfer_row(t, until));
            }
            let rows = layer.features.len() - from;
            tag_variant(&mut layer, rows, &v.name);
        }
    }
    add_area_ranges(&mut layer, analysis);
    layer
}

/// With `[[uncertainty]]`: `area_min` and `area_max` (km²) on every
/// transfer, in the order the rows were written (the base's, then each
/// variant's where it differs).
fn add_area_ranges(layer: &mut Layer, analysis: &Analysis) {
    let mut ranges: Vec<Option<[f64; 2]>> = analysis
        .transfers
        .iter()
        .map(|t| t.area_range_km2)
        .collect();
    for v in analysis.variants.iter().skip(1) {
        if let Some(figures) = v.figures.as_deref() {
            ranges.extend(
                figures
                    .transfers
                    .iter()
                    .filter(|t| v.changes(t.from_year) || v.changes(t.to_year))
                    .map(|t| t.area_range_km2),
            );
        }
    }
    if ranges.iter().all(Option::is_none) || ranges.len() != layer.features.len() {
        return;
    }
    layer
        .fields
        .push(FieldDef::new("area_min", FieldKind::Real));
    layer
        .fields
        .push(FieldDef::new("area_max", FieldKind::Real));
    for (f, r) in layer.features.iter_mut().zip(ranges) {
        let [lo, hi] = r.unwrap_or([0.0, 0.0]);
        f.values.push(Value::Real(lo));
        f.values.push(Value::Real(hi));
    }
}

/// Adds the `variant` field (when the layer has none yet) and gives the
/// last `rows` features the value `name`.
fn tag_variant(layer: &mut Layer, rows: usize, name: &str) {
    if !layer.fields.iter().any(|f| f.name == "variant") {
        layer.fields.push(text_field("variant"));
    }
    let n = layer.features.len();
    for f in &mut layer.features[n - rows..] {
        f.values.push(Value::Text(name.to_owned()));
    }
}

fn boundary_layer<'a>(analysis: &'a Analysis, until: &BTreeMap<When, When>) -> Layer<'a> {
    let stretch = |ys: &'a crate::analysis::YearStretch| {
        let s = &ys.stretch;
        OutFeature {
            geometry: Shape::LineString(&s.line),
            values: vec![
                Value::Int(ys.year.year.into()),
                until_of(until, ys.year),
                Value::Text(s.state_a.clone()),
                Value::Text(s.state_b.clone()),
                Value::Text(s.kind.as_str().to_owned()),
                Value::Text(s.river.clone().unwrap_or_default()),
                Value::Real(s.length_km),
            ]
            .into_iter()
            .chain(dated_values(until, ys.year))
            .collect(),
        }
    };
    let mut layer = Layer {
        name: "boundaries".into(),
        geometry: GeometryKind::LineString,
        fields: vec![
            int_field("year"),
            int_field("until"),
            text_field("state_a"),
            text_field("state_b"),
            text_field("kind"),
            text_field("river"),
            FieldDef::new("length_km", FieldKind::Real),
        ]
        .into_iter()
        .chain(dated_fields(until))
        .collect(),
        features: analysis.stretches.iter().map(stretch).collect(),
    };
    // Each variant's boundaries in the snapshots it changes.
    if let Some(base) = analysis.variants.first() {
        let rows = layer.features.len();
        tag_variant(&mut layer, rows, &base.name);
        for v in &analysis.variants[1..] {
            let Some(figures) = v.figures.as_deref() else {
                continue;
            };
            let from = layer.features.len();
            layer.features.extend(
                figures
                    .stretches
                    .iter()
                    .filter(|ys| v.changes(ys.year))
                    .map(stretch),
            );
            let rows = layer.features.len() - from;
            tag_variant(&mut layer, rows, &v.name);
        }
    }
    layer
}

fn state_layer<'a>(
    inputs: &'a Inputs,
    analysis: &'a Analysis,
    until: &BTreeMap<When, When>,
) -> Layer<'a> {
    // One row per holder of a snapshot, with its area in `areas`.
    let rows_of =
        |snapshots: &'a [Snapshot], areas: &[AreaRow], features: &mut Vec<OutFeature<'a>>| {
            for s in snapshots {
                for h in &s.holdings {
                    let area_km2 = areas
                        .iter()
                        .find(|a| a.year == s.year && a.state == h.state)
                        .map_or(0.0, |a| a.area_km2);
                    features.push(OutFeature {
                        geometry: Shape::MultiPolygon(&h.geometry),
                        values: vec![
                            Value::Int(s.year.year.into()),
                            until_of(until, s.year),
                            Value::Text(s.treaty.clone()),
                            Value::Text(h.state.clone()),
                            Value::Real(area_km2),
                        ]
                        .into_iter()
                        .chain(dated_values(until, s.year))
                        .collect(),
                    });
                }
            }
        };
    let mut features = Vec::new();
    rows_of(&inputs.snapshots, &analysis.areas, &mut features);
    // Each variant's holders in the snapshots it changes.
    let rows = features.len();
    let mut tags = Vec::new();
    if let Some(base) = analysis.variants.first() {
        tags.push((rows, base.name.as_str()));
        for v in &analysis.variants[1..] {
            let Some(figures) = v.figures.as_deref() else {
                continue;
            };
            let from = features.len();
            rows_of(&v.changed, &figures.areas, &mut features);
            tags.push((features.len() - from, v.name.as_str()));
        }
    }
    let mut layer = Layer {
        name: "states".into(),
        geometry: GeometryKind::MultiPolygon,
        fields: vec![
            int_field("year"),
            int_field("until"),
            text_field("treaty"),
            text_field("state"),
            FieldDef::new("area_km2", FieldKind::Real),
        ]
        .into_iter()
        .chain(dated_fields(until))
        .collect(),
        features,
    };
    let mut start = 0;
    for (rows, name) in tags {
        if !layer.fields.iter().any(|f| f.name == "variant") {
            layer.fields.push(text_field("variant"));
        }
        for f in &mut layer.features[start..start + rows] {
            f.values.push(Value::Text(name.to_owned()));
        }
        start += rows;
    }
    layer
}

fn river_layer(inputs: &Inputs) -> Layer<'_> {
    Layer {
        name: "rivers".into(),
        geometry: GeometryKind::MultiLineString,
        fields: vec![
            text_field("name"),
            FieldDef::new("length_km", FieldKind::Real),
        ],
        features: inputs
            .rivers
            .iter()
            .map(|r| OutFeature {
                geometry: Shape::MultiLineString(&r.geometry),
                values: vec![
                    Value::Text(r.name.clone()),
                    Value::Real(geodesy::multi_length_km(&r.geometry)),
                ],
            })
            .collect(),
    }
}

/// One transfer as a feature of the transfers layer.
fn transfer_row<'a>(t: &'a crate::model::Transfer, until: &BTreeMap<When, When>) -> OutFeature<'a> {
    OutFeature {
        geometry: Shape::MultiPolygon(&t.geometry),
        values: vec![
            Value::Text(t.from_state.clone()),
            Value::Text(t.to_state.clone()),
            Value::Int(t.from_year.year.into()),
            Value::Int(t.to_year.year.into()),
            until_of(until, t.to_year),
            Value::Text(t.treaty.clone()),
            Value::Real(t.area_km2),
            Value::Real(t.area_ea_km2),
        ]
        .into_iter()
        .chain(
            has_dates(until)
                .then(|| {
                    [
                        date_of(t.from_year),
                        date_of(t.to_year),
                        date_of(until_when(until, t.to_year)),
                    ]
                })
                .into_iter()
                .flatten(),
        )
        .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_snapshot_holds_to_a_round_year_at_least_ten_years_on() {
        let years = |y| default_until(When::year(y));
        assert_eq!(years(1860), When::year(1900));
        assert_eq!(years(1890), When::year(1900));
        assert_eq!(years(1891), When::year(1950));
        assert_eq!(years(-30), When::year(0));
        let day = crate::date::Date::new(1860, 11, 14).unwrap();
        assert_eq!(
            default_until(When::day(day)),
            When::day(crate::date::Date::first_of(1900))
        );
    }
}
