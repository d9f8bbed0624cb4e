//! One whole run: read the analysis file and its inputs, analyse, and write
//! every output into a staging folder that is moved into place only when
//! everything has been written ([`crate::staging`]), so a failed or
//! interrupted run leaves the output folder as it was.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::analysis::{self, Analysis};
use crate::checks;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::load::{self, Inputs};
use crate::manifest::{self, Manifest, MANIFEST};
use crate::output::layers::write_layers;
use crate::output::report::Provenance;
use crate::output::{write_reports, write_text, Outputs};
use crate::staging::{test_delay, OutputFolder};

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
/// On snapshot files of [`crate::support::memory::LARGE_INPUT_BYTES`] or more this
/// also hands the memory each stage freed back to the system before the
/// next stage (see [`crate::support::memory`]).
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
    /// Called with a sentence about the output folder: waiting for another
    /// run writing into it, or what an interrupted run had left in it and
    /// what became of that.
    pub notice: &'a dyn Fn(&str),
    /// The database for the `PostgreSQL` format, instead of the analysis
    /// file's `output.connection` (`--connection`).
    pub connection: Option<&'a str>,
    /// The schema for the `PostgreSQL` format, instead of the analysis
    /// file's `output.schema` (`--schema`).
    pub schema: Option<&'a str>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            output_dir: None,
            formats: None,
            force: false,
            repair: false,
            progress: &|_| {},
            notice: &|_| {},
            connection: None,
            schema: None,
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
    if let Some(c) = options.connection {
        config.output.connection = Some(c.to_owned());
    }
    if let Some(s) = options.schema {
        config.output.schema = Some(s.to_owned());
    }
    check_postgres_output(&config)?;
    let output_dir = match output_dir {
        Some(dir) => dir.to_owned(),
        None => config.resolve(&config.output.dir),
    };
    // Before any work: the folder locked against other runs, what an
    // interrupted run left in it completed or removed, an occupied folder
    // refused without --force, and the staging folder made (a folder that
    // cannot be written is refused now, not after the analysis).
    let folder = OutputFolder::open(&output_dir, options.force, options.notice)?;
    test_delay("analysis");
    // Between stages, a large run hands what the stage freed back.
    let large = load::input_bytes(&config) >= crate::support::memory::LARGE_INPUT_BYTES;
    let between_stages = || {
        if large {
            crate::support::memory::return_freed_memory();
        }
    };
    // The manifest's hashes of the inputs, made beside the reading and
    // the analysis (the files as they were when read) rather than after the
    // writing.
    let (inputs, mut analysis, read_seconds, input_hashes) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| manifest::input_entries(&config));
        let analysed = load::load(&config).and_then(|inputs| {
            let read_seconds = clock.elapsed().as_secs_f64();
            between_stages();
            progress(1);
            let mut analysis = analysis::analyse_readings(
                &config,
                &inputs.snapshots,
                &inputs.rivers,
                &inputs.zones,
                &inputs.readings,
                &inputs.uncertain,
            )?;
            // What the reading found comes first.
            analysis
                .warnings
                .splice(0..0, inputs.warnings.iter().cloned());
            Ok((inputs, analysis, read_seconds))
        });
        let hashes = hashing.join().unwrap_or_else(|payload| {
            Err(Error::Geometry {
                what: "hashing the inputs".to_owned(),
                reason: crate::support::guard::panic_message(payload.as_ref()),
            })
        });
        analysed.map(|(i, a, r)| (i, a, r, hashes))
    })?;
    // The checks beside what the reports say of the tools (PROJ's version
    // asks PROJ, which takes a few milliseconds): between the analysis and
    // the writing nothing else runs. The thread is joined before PROJ is
    // used again (DEVELOPERS.md).
    let study_box = inputs.study_box();
    let (checks, (equal_area_crs, gdal_version, proj_version)) = std::thread::scope(|scope| {
        let tools = scope.spawn(|| {
            (
                crate::io::projection::resolve_equal_area(
                    &config.parameters.equal_area_crs,
                    study_box,
                ),
                crate::io::gdal_version(),
                crate::io::proj_version(),
            )
        });
        let checks = checks::evaluate(&config.references, &analysis);
        let tools = tools
            .join()
            .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
        (checks, tools)
    });
    analysis.checks = checks;
    // The reports name the equal-area CRS the analysis used.
    config.parameters.equal_area_crs = equal_area_crs;
    let provenance = Provenance {
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        gdal_version,
        proj_version,
        // Its name only: the reports do not depend on the folder the run
        // was started from or on how the path was typed.
        config_path: config_path
            .file_name()
            .unwrap_or(config_path.as_os_str())
            .to_string_lossy()
            .into_owned(),
    };
    between_stages();
    let clock = Instant::now();
    progress(2);
    let written = Written {
        config: &config,
        inputs: &inputs,
        analysis: &analysis,
        provenance: &provenance,
        input_hashes: input_hashes?,
        // `verify` finds the analysis file again from the manifest's folder.
        config_from_outputs: path_from(&output_dir, config_path),
    };
    let files = write_outputs(folder, &written)?;
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

/// The `PostgreSQL` format needs a connection and a plain schema name:
/// refused before any work.
fn check_postgres_output(config: &Config) -> Result<()> {
    let formats = config.output.formats().map_err(Error::Usage)?;
    if !formats.iter().any(|f| f.driver == "PostgreSQL") {
        return Ok(());
    }
    match &config.output.connection {
        Some(c) if c.starts_with("PG:") => {}
        Some(c) => {
            return Err(Error::Usage(format!(
                "the PostgreSQL output's connection '{}' must start with 'PG:' (PG:dbname=borders host=localhost)",
                crate::io::postgres::redacted(c)
            )))
        }
        None => {
            return Err(Error::Usage(
                "the PostgreSQL output format needs a database: --connection \"PG:dbname=… host=…\" or output.connection in the analysis file".into(),
            ))
        }
    }
    let schema = crate::output::postgres_schema(config);
    if !crate::io::postgres::is_plain_identifier(schema) {
        return Err(Error::Usage(format!(
            "schema '{schema}' is not a plain PostgreSQL name: use lower-case letters, digits and '_' (at most 63), not starting with a digit"
        )));
    }
    Ok(())
}

/// Writes everything into the output folder's staging folder, then puts it
/// all in place at once ([`OutputFolder::commit`]).
fn write_outputs(folder: OutputFolder, written: &Written) -> Result<Vec<PathBuf>> {
    let staging = folder.write_dir();
    // A panic while writing (in a dependency) must not leave the staging
    // folder behind either: dropping `folder` removes it.
    let mut files = crate::support::guard::catching(
        || "writing the outputs".to_owned(),
        || write_all(&staging, written),
    )
    .and_then(|written| written)
    .map_err(|e| folder.relocate(e))?;
    files.sort();
    test_delay("writing");
    folder.commit(&files)?;
    Ok(files)
}

/// `target` as a path relative to the folder `from` (`/`-separated), as
/// far as both can be resolved; else `target` made absolute, or as given.
fn path_from(from: &Path, target: &Path) -> String {
    let (Ok(from), Ok(target)) = (fs::canonicalize(from), fs::canonicalize(target)) else {
        return std::path::absolute(target)
            .unwrap_or_else(|_| target.to_owned())
            .display()
            .to_string();
    };
    let (a, b): (Vec<_>, Vec<_>) = (from.components().collect(), target.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return target.display().to_string();
    }
    let mut parts: Vec<String> = vec!["..".to_owned(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// What a run hands its writers: the run's results and the hashes of its
/// inputs for the manifest.
struct Written<'a> {
    config: &'a Config,
    inputs: &'a Inputs,
    analysis: &'a Analysis,
    provenance: &'a Provenance,
    input_hashes: Vec<manifest::FileEntry>,
    config_from_outputs: String,
}

fn write_all(dir: &Path, written: &Written) -> Result<Vec<PathBuf>> {
    // The layers (GDAL) on their threads while maps and reports are made on
    // the others: the two share nothing but the finished analysis and the
    // machine's cores, one taken for each file or group of files made (the
    // GeoPackage, the longest, keeps its core to itself). Each file is
    // hashed for the manifest where it was written.
    // One map projection (a PROJ object) for the maps and the QGIS project,
    // made on this thread while the layers start; the QGIS project, the
    // last part of the GeoPackage's job, waits for it.
    let (view_made, view_for_project) = std::sync::mpsc::channel();
    let out = Outputs {
        dir,
        config: written.config,
        inputs: written.inputs,
        analysis: written.analysis,
        provenance: written.provenance,
        config_from_outputs: &written.config_from_outputs,
        map_view: &std::sync::Mutex::new(view_for_project),
        cores: &crate::support::parallel::Cores::of_machine(),
    };
    let (layers, reports) = std::thread::scope(|scope| {
        let layers = scope.spawn(|| {
            crate::support::guard::catching(
                || "writing the layers".to_owned(),
                || write_layers(&out),
            )
            .and_then(|written| written)
        });
        let view = crate::output::report::maps::MapView::of(written.inputs);
        if let Ok(view) = &view {
            let _ = view_made.send((view.projection.definition.clone(), view.extent));
        }
        // Without a view the project's wait ends (in an error: this one
        // is reported).
        drop(view_made);
        let reports = view.and_then(|view| write_reports(&out, view));
        let layers = layers.join().unwrap_or_else(|payload| {
            Err(Error::Geometry {
                what: "writing the layers".to_owned(),
                reason: crate::support::guard::panic_message(payload.as_ref()),
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
        config_path: written.config_from_outputs.clone(),
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
