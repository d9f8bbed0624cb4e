//! One whole run: read the analysis file and its inputs, analyse, and write
//! every output into a fresh temporary folder that is moved into place only
//! when everything has been written, so a failed run leaves nothing
//! half-written behind.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::analysis::{self, Analysis};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::geodesy;
use crate::io::write::{
    write_dataset, FieldDef, FieldKind, GeometryKind, Layer, LayerStyle, OutFeature, Shape, Value,
};
use crate::load::{self, Inputs};
use crate::manifest::{self, Manifest, MANIFEST};
use crate::projection::MapProjection;
use crate::qgis;
use crate::report::{self, Provenance};

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The analysis.
    pub analysis: Analysis,
    /// Where the outputs are.
    pub output_dir: PathBuf,
    /// The files written, relative to `output_dir`, sorted.
    pub files: Vec<PathBuf>,
    /// What `--repair` changed in the inputs (also in report.json).
    pub repairs: Vec<crate::load::Repair>,
}

/// Runs the analysis in `config_path`, writing to `output_dir` or, when
/// `None`, to the folder the analysis file names.
///
/// On snapshot files of [`crate::memory::LARGE_INPUT_BYTES`] or more this
/// also sets the process's allocator to hand large freed blocks back (see
/// [`crate::memory`]); the setting stays for the rest of the process.
pub fn run(config_path: &Path, output_dir: Option<&Path>) -> Result<Outcome> {
    run_with(
        config_path,
        &Options {
            output_dir,
            ..Options::default()
        },
    )
}

/// The stages of a run, in order, as [`run_with`] reports them.
pub const STAGES: [&str; 3] = [
    "reading and validating the inputs",
    "measuring areas, boundaries and transfers",
    "writing outputs, maps and reports",
];

/// How to run, beyond what the analysis file says.
pub struct Options<'a> {
    /// Write here instead of the folder the analysis file names.
    pub output_dir: Option<&'a Path>,
    /// Layer formats instead of the analysis file's `output.formats`
    /// (`--format`; the manifest records the formats used).
    pub formats: Option<&'a [String]>,
    /// Replace the outputs in an output folder that is not empty (`--force`);
    /// without it such a folder is an error and nothing is touched.
    pub force: bool,
    /// Repair what is safe to repair in the inputs (`--repair`; sets
    /// `parameters.repair`, which the manifest records).
    pub repair: bool,
    /// Called with the index into [`STAGES`] as each stage starts.
    pub progress: &'a dyn Fn(usize),
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            output_dir: None,
            formats: None,
            force: false,
            repair: false,
            progress: &|_| {},
        }
    }
}

/// As [`run`], with [`Options`].
pub fn run_with(config_path: &Path, options: &Options) -> Result<Outcome> {
    let progress = options.progress;
    let formats = options.formats;
    let output_dir = options.output_dir;
    let clock = Instant::now();
    progress(0);
    let mut config = Config::load(config_path)?;
    if let Some(formats) = formats {
        config.output.formats = formats.to_vec();
        config.output.formats().map_err(Error::Usage)?;
    }
    if options.repair {
        config.parameters.repair = true;
    }
    let output_dir = match output_dir {
        Some(dir) => dir.to_owned(),
        None => config.resolve(&config.output.dir),
    };
    // Before any work: an occupied folder is only written with --force.
    if !options.force && folder_has_files(&output_dir) {
        return Err(Error::Usage(format!(
            "'{}' is not empty: pass --force to replace the outputs in it (other files are kept), or choose another folder with --output",
            output_dir.display()
        )));
    }
    if load::input_bytes(&config) >= crate::memory::LARGE_INPUT_BYTES {
        crate::memory::map_large_blocks();
    }
    // The manifest's hashes of the inputs, made beside the reading and
    // the analysis (the files as they were when read) rather than after the
    // writing.
    let (inputs, mut analysis, read_seconds, input_hashes) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| manifest::input_entries(&config));
        let analysed = load::load(&config).and_then(|inputs| {
            let read_seconds = clock.elapsed().as_secs_f64();
            progress(1);
            let analysis = analysis::analyse_readings(
                &config,
                &inputs.snapshots,
                &inputs.rivers,
                &inputs.zones,
                &inputs.readings,
            )?;
            Ok((inputs, analysis, read_seconds))
        });
        let hashes = hashing.join().unwrap_or_else(|payload| {
            Err(Error::Geometry {
                what: "hashing the inputs".to_owned(),
                reason: crate::guard::panic_message(payload.as_ref()),
            })
        });
        analysed.map(|(i, a, r)| (i, a, r, hashes))
    })?;
    let provenance = Provenance {
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        gdal_version: crate::io::gdal_version(),
        proj_version: crate::io::proj_version(),
        // As given: `verify` finds the analysis file again from here.
        config_path: config_path.display().to_string(),
    };
    let clock = Instant::now();
    progress(2);
    let written = Written {
        config: &config,
        inputs: &inputs,
        analysis: &analysis,
        provenance: &provenance,
        input_hashes: input_hashes?,
    };
    let files = write_outputs(&output_dir, &written)?;
    analysis
        .timings
        .insert(0, ("read and validate", read_seconds));
    analysis
        .timings
        .push(("write outputs", clock.elapsed().as_secs_f64()));
    Ok(Outcome {
        analysis,
        output_dir,
        files,
        repairs: inputs.repairs,
    })
}

/// True when `dir` exists and holds anything.
fn folder_has_files(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}

/// Writes everything into a temporary sibling of `dir`, then moves each file
/// into `dir` (replacing older outputs of the same name).
fn write_outputs(dir: &Path, written: &Written) -> Result<Vec<PathBuf>> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let staging = staging_dir(dir)?;
    // A panic while writing (in a dependency) must not leave the staging
    // folder behind either.
    let written = crate::guard::catching(
        || "writing the outputs".to_owned(),
        || write_all(&staging, written),
    )
    .and_then(|written| written)
    .map_err(|e| e.relocated(&staging, dir));
    let result = written.and_then(|mut files| {
        files.sort();
        for file in &files {
            let target = dir.join(file);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(io_error(parent))?;
            }
            replace(&staging.join(file), &target).map_err(io_error(&target))?;
        }
        Ok(files)
    });
    let _ = fs::remove_dir_all(&staging);
    result
}

/// Moves the file `from` to `to`, replacing an older file there.
///
/// Where `to` is a file already (a run with `--force`), the two are
/// exchanged in one step (Linux's `renameat2` with `RENAME_EXCHANGE`), so
/// the older file is left at `from` and goes with the staging folder. A
/// rename over an existing file makes ext4 write the new file's data out
/// at once (its `auto_da_alloc`): about 35 ms for a 20 MB GeoPackage
/// here, against under a millisecond for the exchange. Elsewhere, or where
/// the file system cannot exchange, a plain rename, which replaces too.
/// Either way `to` holds the old file or the new one at every moment.
fn replace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // Only a file is exchanged: a folder (or a link) in the way is
        // left to the rename to refuse (or replace), as before.
        let is_file = fs::symlink_metadata(to).is_ok_and(|m| m.is_file());
        if is_file {
            use rustix::fs::{renameat_with, RenameFlags, CWD};
            if renameat_with(CWD, from, CWD, to, RenameFlags::EXCHANGE).is_ok() {
                return Ok(());
            }
        }
    }
    fs::rename(from, to)
}

/// A new empty folder next to the outputs (same file system, so the final
/// moves are renames).
fn staging_dir(dir: &Path) -> Result<PathBuf> {
    for attempt in 0..1000 {
        let candidate = dir.join(format!(
            ".borderchange-partial-{}-{attempt}",
            std::process::id()
        ));
        match fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => {
                return Err(Error::Io {
                    path: candidate,
                    source,
                })
            }
        }
    }
    Err(Error::Io {
        path: dir.to_owned(),
        source: std::io::Error::other("could not create a staging folder"),
    })
}

/// What a run hands its writers: the run's results and the hashes of its
/// inputs for the manifest.
struct Written<'a> {
    config: &'a Config,
    inputs: &'a Inputs,
    analysis: &'a Analysis,
    provenance: &'a Provenance,
    input_hashes: Vec<manifest::FileEntry>,
}

fn write_all(dir: &Path, written: &Written) -> Result<Vec<PathBuf>> {
    // The layers (GDAL) on one thread while maps and reports are made on the
    // others: the two share nothing but the finished analysis. Each thread
    // then hashes what it wrote for the manifest.
    let out = Outputs {
        dir,
        config: written.config,
        inputs: written.inputs,
        analysis: written.analysis,
        provenance: written.provenance,
    };
    let hashed = |files: Vec<PathBuf>| -> Result<Vec<(PathBuf, manifest::FileEntry)>> {
        let entries = manifest::output_entries(dir, &files)?;
        Ok(files.into_iter().zip(entries).collect())
    };
    let (layers, reports) = std::thread::scope(|scope| {
        let layers = scope.spawn(|| {
            crate::guard::catching(|| "writing the layers".to_owned(), || write_layers(&out))
                .and_then(|written| written)
                .and_then(hashed)
        });
        let reports = write_reports(&out).and_then(hashed);
        let layers = layers.join().unwrap_or_else(|payload| {
            Err(Error::Geometry {
                what: "writing the layers".to_owned(),
                reason: crate::guard::panic_message(payload.as_ref()),
            })
        });
        (layers, reports)
    });
    let mut entries = reports?;
    entries.extend(layers?);
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let (mut files, outputs): (Vec<PathBuf>, Vec<manifest::FileEntry>) =
        entries.into_iter().unzip();
    let text = |name: &str, content: String| write_text(dir, name, content);

    let config = written.config;
    let provenance = written.provenance;
    let (config_normalised, config_sha256) = manifest::normalised_config(config);
    let manifest = Manifest {
        tool_version: provenance.tool_version.clone(),
        git_commit: manifest::git_commit().to_owned(),
        gdal_version: provenance.gdal_version.clone(),
        proj_version: provenance.proj_version.clone(),
        config_path: provenance.config_path.clone(),
        config_sha256,
        config_normalised,
        inputs: written.input_hashes.clone(),
        outputs,
    };
    let mut json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    json.push('\n');
    files.push(text(MANIFEST, json)?);
    Ok(files)
}

/// What the writers of a run's outputs need.
struct Outputs<'a> {
    dir: &'a Path,
    config: &'a Config,
    inputs: &'a Inputs,
    analysis: &'a Analysis,
    provenance: &'a Provenance,
}

/// Writes `content` to `name` in `dir`; returns `name`.
fn write_text(dir: &Path, name: &str, content: String) -> Result<PathBuf> {
    let path = dir.join(name);
    fs::write(&path, content).map_err(|source| Error::Io { path, source })?;
    Ok(PathBuf::from(name))
}

/// The maps (SVG and PNG), reports and tables.
fn write_reports(out: &Outputs) -> Result<Vec<PathBuf>> {
    let text = |name: &str, content: String| write_text(out.dir, name, content);
    let maps = report::maps::maps(
        out.inputs,
        out.analysis,
        &out.config.title,
        &out.config.places,
    )?;
    let maps_dir = out.dir.join("maps");
    fs::create_dir_all(&maps_dir).map_err(|source| Error::Io {
        path: maps_dir.clone(),
        source,
    })?;
    let fonts = report::maps::system_fonts();
    // Rasterising is the slow part: one map per core.
    let pngs = crate::parallel::map(&maps, |m| report::maps::png(&m.svg, &fonts));
    let mut map_files = Vec::new();
    for (m, png) in maps.iter().zip(pngs) {
        map_files.push(text(&format!("maps/{}.svg", m.name), m.svg.clone())?);
        let png_name = format!("maps/{}.png", m.name);
        let png = png.ok_or_else(|| Error::Io {
            path: out.dir.join(&png_name),
            source: std::io::Error::other("the map could not be rasterised"),
        })?;
        let path = out.dir.join(&png_name);
        fs::write(&path, png).map_err(|source| Error::Io { path, source })?;
        map_files.push(PathBuf::from(png_name));
    }
    let mut markdown = report::report_markdown(out.config, out.analysis, out.provenance);
    markdown.push_str("\n## Maps\n\n");
    for m in &maps {
        markdown.push_str(&format!("![{}](maps/{}.png)\n\n", m.title, m.name));
    }
    let mut files = vec![
        text(
            "report.json",
            report::report_json(out.config, out.analysis, out.provenance, out.inputs),
        )?,
        text("report.md", markdown)?,
        text(
            "report.html",
            report::report_html(out.config, out.analysis, out.provenance, &maps),
        )?,
        text("areas.csv", report::areas_csv(out.analysis))?,
        text("transfers.csv", report::transfers_csv(out.analysis))?,
        text("boundaries.csv", report::boundaries_csv(out.analysis))?,
        text(
            "datapackage.json",
            report::datapackage_json(&out.config.title),
        )?,
    ];
    files.extend(map_files);
    Ok(files)
}

/// The layers in every output format, with their styles (and the QGIS
/// project with the GeoPackage).
fn write_layers(out: &Outputs) -> Result<Vec<PathBuf>> {
    let text = |name: &str, content: String| write_text(out.dir, name, content);
    let mut files = Vec::new();
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
    let until = until_years(out.inputs);
    let layers = [
        state_layer(out.inputs, out.analysis, &until),
        boundary_layer(out.analysis, &until),
        transfer_layer(out.analysis, &until),
        river_layer(out.inputs),
    ];
    let styles = layer_styles(out.inputs, out.analysis);
    for format in &formats {
        if format.driver == "GPKG" {
            files.extend(write_geopackage(
                out.dir,
                out.config,
                out.inputs,
                out.analysis,
                &layers,
                &styles,
            )?);
            continue;
        }
        for (layer, style) in layers.iter().zip(&styles) {
            let path = out.dir.join(format!("{}.{}", layer.name, format.extension));
            write_dataset(&path, format.driver, std::slice::from_ref(layer), &[])?;
            let parts: &[&str] = if format.driver == "ESRI Shapefile" {
                &["shp", "shx", "dbf", "prj", "cpg"]
            } else {
                &[format.extension]
            };
            files.extend(
                parts
                    .iter()
                    .map(|ext| PathBuf::from(format!("{}.{ext}", layer.name)))
                    .filter(|p| out.dir.join(p).exists()),
            );
            // QGIS applies a `.qml` beside a layer file when it opens it.
            let qml = PathBuf::from(format!("{}.qml", layer.name));
            if !files.contains(&qml) {
                files.push(text(&qml.to_string_lossy(), qgis::qml(style))?);
            }
        }
    }
    Ok(files)
}

/// The GeoPackage with every layer and its style, and the QGIS project that
/// opens it.
fn write_geopackage(
    dir: &Path,
    config: &Config,
    inputs: &Inputs,
    analysis: &Analysis,
    layers: &[Layer],
    styles: &[qgis::Style],
) -> Result<Vec<PathBuf>> {
    let gpkg_styles: Vec<LayerStyle> = layers
        .iter()
        .zip(styles)
        .map(|(layer, style)| LayerStyle {
            layer: layer.name.clone(),
            name: format!("borderchange {}", layer.name),
            qml: qgis::qml(style),
        })
        .collect();
    write_dataset(&dir.join(GEOPACKAGE), "GPKG", layers, &gpkg_styles)?;
    let project = project_xml(config, inputs, analysis, styles)?;
    let path = dir.join(QGIS_PROJECT);
    fs::write(&path, project).map_err(|source| Error::Io { path, source })?;
    Ok(vec![PathBuf::from(GEOPACKAGE), PathBuf::from(QGIS_PROJECT)])
}

/// The GeoPackage a run writes.
pub const GEOPACKAGE: &str = "borderchange.gpkg";
/// The QGIS project a run writes beside it.
pub const QGIS_PROJECT: &str = "borderchange.qgs";

/// The project: a group per snapshot (newest on top, only it shown), the
/// transfers and the rivers, in an Albers conic fitted to the study region.
fn project_xml(
    config: &Config,
    inputs: &Inputs,
    analysis: &Analysis,
    styles: &[qgis::Style],
) -> Result<String> {
    // With variants, the layers hold every reading's rows: the base's
    // groups show the base's, and each other reading has a group of its
    // own (hidden) with its rows where it differs, drawn over the base.
    let base_filter = analysis
        .variants
        .first()
        .map(|v| format!(" AND \"variant\" = '{}'", v.name.replace('\'', "''")))
        .unwrap_or_default();
    let [states, boundaries, transfers, rivers] = styles else {
        return Ok(String::new());
    };
    let (west, south, east, north) = inputs.study_box();
    let map = MapProjection::albers_for(west, south, east, north)?;
    let extent = map.extent_of(west, south, east, north)?;
    let until = until_years(inputs);
    let mut groups = vec![qgis::ProjectGroup {
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
    }];
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
        visible: false,
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
    let newest = inputs.snapshots.last().map(|s| s.year);
    for s in inputs.snapshots.iter().rev() {
        let filter = format!("\"year\" = {}{base_filter}", s.year);
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
            visible: Some(s.year) == newest,
        });
    }
    let first = inputs.snapshots.first().map_or(0, |s| s.year);
    let last = until.values().copied().max().unwrap_or(first);
    Ok(qgis::project(&qgis::Project {
        title: config.title.clone(),
        geopackage: GEOPACKAGE.into(),
        groups,
        map_wkt: crate::io::crs_wkt(&map.definition)?,
        layer_wkt: crate::io::crs_wkt("EPSG:4326")?,
        map_proj: map.definition,
        extent,
        years: (first, last),
    }))
}

/// `name` with only ASCII letters, digits and underscores (a QGIS layer id).
fn sanitise_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// For each snapshot year, the year the next snapshot replaced it; the last
/// one is taken to hold for one year (QGIS needs an end to a time range).
fn until_years(inputs: &Inputs) -> BTreeMap<i32, i32> {
    let years: Vec<i32> = inputs.snapshots.iter().map(|s| s.year).collect();
    years
        .iter()
        .enumerate()
        .map(|(i, y)| (*y, years.get(i + 1).copied().unwrap_or(y + 1)))
        .collect()
}

/// One style per layer, in the order of the layers.
fn layer_styles(inputs: &Inputs, analysis: &Analysis) -> Vec<qgis::Style> {
    let holders: Vec<String> = inputs
        .snapshots
        .iter()
        .flat_map(|s| s.holdings.iter().map(|h| h.state.clone()))
        .collect();
    let treaties: Vec<String> = analysis.steps.iter().map(|s| s.treaty.clone()).collect();
    let rivers: Vec<String> = inputs.rivers.iter().map(|r| r.name.clone()).collect();
    let s = qgis::styles(&holders, &treaties, &rivers);
    vec![s.states, s.boundaries, s.transfers, s.rivers]
}

fn text_field(name: &'static str) -> FieldDef {
    FieldDef::new(name, FieldKind::Text)
}

fn int_field(name: &'static str) -> FieldDef {
    FieldDef::new(name, FieldKind::Int)
}

fn until_of(until: &BTreeMap<i32, i32>, year: i32) -> Value {
    Value::Int(until.get(&year).copied().unwrap_or(year + 1).into())
}

fn transfer_layer<'a>(analysis: &'a Analysis, until: &BTreeMap<i32, i32>) -> Layer<'a> {
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
        ],
        features: analysis
            .transfers
            .iter()
            .map(|t| OutFeature {
                geometry: Shape::MultiPolygon(&t.geometry),
                values: vec![
                    Value::Text(t.from_state.clone()),
                    Value::Text(t.to_state.clone()),
                    Value::Int(t.from_year.into()),
                    Value::Int(t.to_year.into()),
                    until_of(until, t.to_year),
                    Value::Text(t.treaty.clone()),
                    Value::Real(t.area_km2),
                    Value::Real(t.area_ea_km2),
                ],
            })
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
                layer.features.push(OutFeature {
                    geometry: Shape::MultiPolygon(&t.geometry),
                    values: vec![
                        Value::Text(t.from_state.clone()),
                        Value::Text(t.to_state.clone()),
                        Value::Int(t.from_year.into()),
                        Value::Int(t.to_year.into()),
                        until_of(until, t.to_year),
                        Value::Text(t.treaty.clone()),
                        Value::Real(t.area_km2),
                        Value::Real(t.area_ea_km2),
                    ],
                });
            }
            let rows = layer.features.len() - from;
            tag_variant(&mut layer, rows, &v.name);
        }
    }
    layer
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

fn boundary_layer<'a>(analysis: &'a Analysis, until: &BTreeMap<i32, i32>) -> Layer<'a> {
    let stretch = |ys: &'a crate::analysis::YearStretch| {
        let s = &ys.stretch;
        OutFeature {
            geometry: Shape::LineString(&s.line),
            values: vec![
                Value::Int(ys.year.into()),
                until_of(until, ys.year),
                Value::Text(s.state_a.clone()),
                Value::Text(s.state_b.clone()),
                Value::Text(s.kind.as_str().to_owned()),
                Value::Text(s.river.clone().unwrap_or_default()),
                Value::Real(s.length_km),
            ],
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
        ],
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
    until: &BTreeMap<i32, i32>,
) -> Layer<'a> {
    let mut features = Vec::new();
    for s in &inputs.snapshots {
        for h in &s.holdings {
            let area_km2 = analysis
                .areas
                .iter()
                .find(|a| a.year == s.year && a.state == h.state)
                .map_or(0.0, |a| a.area_km2);
            features.push(OutFeature {
                geometry: Shape::MultiPolygon(&h.geometry),
                values: vec![
                    Value::Int(s.year.into()),
                    until_of(until, s.year),
                    Value::Text(s.treaty.clone()),
                    Value::Text(h.state.clone()),
                    Value::Real(area_km2),
                ],
            });
        }
    }
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
            for s in &v.changed {
                for h in &s.holdings {
                    let area_km2 = figures
                        .areas
                        .iter()
                        .find(|a| a.year == s.year && a.state == h.state)
                        .map_or(0.0, |a| a.area_km2);
                    features.push(OutFeature {
                        geometry: Shape::MultiPolygon(&h.geometry),
                        values: vec![
                            Value::Int(s.year.into()),
                            until_of(until, s.year),
                            Value::Text(s.treaty.clone()),
                            Value::Text(h.state.clone()),
                            Value::Real(area_km2),
                        ],
                    });
                }
            }
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
        ],
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
