//! One whole run: read the analysis file and its inputs, analyse, and write
//! every output into a fresh temporary folder that is moved into place only
//! when everything has been written, so a failed run leaves nothing
//! half-written behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::analysis::{self, Analysis};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::io::write::{write_layer, FieldDef, FieldKind, GeometryKind, OutFeature, Value};
use crate::load::{self, Inputs};
use crate::manifest::{self, Manifest, MANIFEST};
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
}

/// Runs the analysis in `config_path`, writing to `output_dir` or, when
/// `None`, to the folder the analysis file names.
pub fn run(config_path: &Path, output_dir: Option<&Path>) -> Result<Outcome> {
    let clock = Instant::now();
    let config = Config::load(config_path)?;
    let inputs = load::load(&config)?;
    let read_seconds = clock.elapsed().as_secs_f64();
    let mut analysis = analysis::analyse(&config, &inputs.snapshots, &inputs.rivers)?;
    let output_dir = match output_dir {
        Some(dir) => dir.to_owned(),
        None => config.resolve(&config.output.dir),
    };
    let provenance = Provenance {
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        gdal_version: crate::io::gdal_version(),
        proj_version: crate::io::proj_version(),
        // As given: `verify` finds the analysis file again from here.
        config_path: config_path.display().to_string(),
    };
    let clock = Instant::now();
    let files = write_outputs(&output_dir, &config, &inputs, &analysis, &provenance)?;
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
    })
}

/// Writes everything into a temporary sibling of `dir`, then moves each file
/// into `dir` (replacing older outputs of the same name).
fn write_outputs(
    dir: &Path,
    config: &Config,
    inputs: &Inputs,
    analysis: &Analysis,
    provenance: &Provenance,
) -> Result<Vec<PathBuf>> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let staging = staging_dir(dir)?;
    let written = write_all(&staging, config, inputs, analysis, provenance);
    let result = written.and_then(|mut files| {
        files.sort();
        for file in &files {
            let target = dir.join(file);
            fs::rename(staging.join(file), &target).map_err(io_error(&target))?;
        }
        Ok(files)
    });
    let _ = fs::remove_dir_all(&staging);
    result
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

fn write_all(
    dir: &Path,
    config: &Config,
    inputs: &Inputs,
    analysis: &Analysis,
    provenance: &Provenance,
) -> Result<Vec<PathBuf>> {
    let text = |name: &str, content: String| -> Result<PathBuf> {
        let path = dir.join(name);
        fs::write(&path, content).map_err(|source| Error::Io { path, source })?;
        Ok(PathBuf::from(name))
    };
    let mut files = vec![
        text(
            "report.json",
            report::report_json(config, analysis, provenance, inputs),
        )?,
        text(
            "report.md",
            report::report_markdown(config, analysis, provenance),
        )?,
        text("areas.csv", report::areas_csv(analysis))?,
        text("transfers.csv", report::transfers_csv(analysis))?,
        text("boundaries.csv", report::boundaries_csv(analysis))?,
    ];
    files.extend(write_shapefile(
        dir,
        "transfers",
        &transfer_layer(analysis),
    )?);
    files.extend(write_shapefile(
        dir,
        "boundaries",
        &boundary_layer(analysis),
    )?);
    files.extend(write_shapefile(
        dir,
        "states",
        &state_layer(inputs, analysis),
    )?);
    files.sort();

    let (config_normalised, config_sha256) = manifest::normalised_config(config);
    let manifest = Manifest {
        tool_version: provenance.tool_version.clone(),
        git_commit: manifest::git_commit().to_owned(),
        gdal_version: provenance.gdal_version.clone(),
        proj_version: provenance.proj_version.clone(),
        config_path: provenance.config_path.clone(),
        config_sha256,
        config_normalised,
        inputs: manifest::input_entries(config)?,
        outputs: manifest::output_entries(dir, &files)?,
    };
    let mut json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    json.push('\n');
    files.push(text(MANIFEST, json)?);
    Ok(files)
}

/// A layer ready to write.
struct Layer {
    geometry: GeometryKind,
    fields: Vec<FieldDef>,
    features: Vec<OutFeature>,
}

fn write_shapefile(dir: &Path, name: &str, layer: &Layer) -> Result<Vec<PathBuf>> {
    let path = dir.join(format!("{name}.shp"));
    write_layer(
        &path,
        "ESRI Shapefile",
        name,
        layer.geometry,
        &layer.fields,
        &layer.features,
    )?;
    Ok(["shp", "shx", "dbf", "prj", "cpg"]
        .iter()
        .map(|ext| PathBuf::from(format!("{name}.{ext}")))
        .filter(|p| dir.join(p).exists())
        .collect())
}

fn text_field(name: &'static str) -> FieldDef {
    FieldDef::new(name, FieldKind::Text)
}

fn transfer_layer(analysis: &Analysis) -> Layer {
    Layer {
        geometry: GeometryKind::MultiPolygon,
        fields: vec![
            text_field("from_state"),
            text_field("to_state"),
            FieldDef::new("from_year", FieldKind::Int),
            FieldDef::new("to_year", FieldKind::Int),
            text_field("treaty"),
            FieldDef::new("area_km2", FieldKind::Real),
            FieldDef::new("area_ea_km", FieldKind::Real),
        ],
        features: analysis
            .transfers
            .iter()
            .map(|t| OutFeature {
                geometry: t.geometry.clone().into(),
                values: vec![
                    Value::Text(t.from_state.clone()),
                    Value::Text(t.to_state.clone()),
                    Value::Int(t.from_year.into()),
                    Value::Int(t.to_year.into()),
                    Value::Text(t.treaty.clone()),
                    Value::Real(t.area_km2),
                    Value::Real(t.area_ea_km2),
                ],
            })
            .collect(),
    }
}

fn boundary_layer(analysis: &Analysis) -> Layer {
    Layer {
        geometry: GeometryKind::LineString,
        fields: vec![
            FieldDef::new("year", FieldKind::Int),
            text_field("state_a"),
            text_field("state_b"),
            text_field("kind"),
            text_field("river"),
            FieldDef::new("length_km", FieldKind::Real),
        ],
        features: analysis
            .stretches
            .iter()
            .map(|ys| {
                let s = &ys.stretch;
                OutFeature {
                    geometry: s.line.clone().into(),
                    values: vec![
                        Value::Int(ys.year.into()),
                        Value::Text(s.state_a.clone()),
                        Value::Text(s.state_b.clone()),
                        Value::Text(s.kind.as_str().to_owned()),
                        Value::Text(s.river.clone().unwrap_or_default()),
                        Value::Real(s.length_km),
                    ],
                }
            })
            .collect(),
    }
}

fn state_layer(inputs: &Inputs, analysis: &Analysis) -> Layer {
    let mut features = Vec::new();
    for s in &inputs.snapshots {
        for h in &s.holdings {
            let area_km2 = analysis
                .areas
                .iter()
                .find(|a| a.year == s.year && a.state == h.state)
                .map_or(0.0, |a| a.area_km2);
            features.push(OutFeature {
                geometry: h.geometry.clone().into(),
                values: vec![
                    Value::Int(s.year.into()),
                    Value::Text(s.treaty.clone()),
                    Value::Text(h.state.clone()),
                    Value::Real(area_km2),
                ],
            });
        }
    }
    Layer {
        geometry: GeometryKind::MultiPolygon,
        fields: vec![
            FieldDef::new("year", FieldKind::Int),
            text_field("treaty"),
            text_field("state"),
            FieldDef::new("area_km2", FieldKind::Real),
        ],
        features,
    }
}
