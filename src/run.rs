//! One whole run: read the analysis file and its inputs, analyse, and write
//! every output into a fresh temporary folder that is moved into place only
//! when everything has been written, so a failed run leaves nothing
//! half-written behind.

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
/// also sets the process's allocator to hand large freed blocks back (see
/// [`crate::support::memory`]); the setting stays for the rest of the process.
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
    if load::input_bytes(&config) >= crate::support::memory::LARGE_INPUT_BYTES {
        crate::support::memory::map_large_blocks();
    }
    // The manifest's hashes of the inputs, made beside the reading and
    // the analysis (the files as they were when read) rather than after the
    // writing.
    let (inputs, mut analysis, read_seconds, input_hashes) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| manifest::input_entries(&config));
        let analysed = load::load(&config).and_then(|inputs| {
            let read_seconds = clock.elapsed().as_secs_f64();
            progress(1);
            let mut analysis = analysis::analyse_readings(
                &config,
                &inputs.snapshots,
                &inputs.rivers,
                &inputs.zones,
                &inputs.readings,
                &inputs.uncertain,
            )?;
            analysis.checks = checks::evaluate(&config.references, &analysis);
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
    let written = crate::support::guard::catching(
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
            crate::support::guard::catching(
                || "writing the layers".to_owned(),
                || write_layers(&out),
            )
            .and_then(|written| written)
            .and_then(hashed)
        });
        let reports = write_reports(&out).and_then(hashed);
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
