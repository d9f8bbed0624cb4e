//! `borderchange verify MANIFEST`: checks the outputs on disk against the
//! manifest, re-hashes the inputs, re-runs the analysis into a temporary
//! folder, and reports identical (exit 0) or exactly what differs (exit 1).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::progress::Progress;
use super::ui::{Style, Ui};

/// Arguments of `verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The run's manifest, e.g. `outputs/manifest.json`.
    #[arg(default_value = "outputs/manifest.json")]
    manifest: PathBuf,
    /// The analysis file, if not where the manifest says (the manifest names
    /// it relative to its own folder; this one is relative to the current
    /// folder).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Verifies a run; exit code 1 when anything differs.
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<ExitCode> {
    super::find::manifest(&args.manifest)?;
    let progress = Progress::start(
        ui,
        "checking the outputs, re-hashing the inputs and re-running…",
    );
    let notice = |message: &str| {
        if !ui.quiet {
            progress.note(message);
        }
    };
    let found = borderchange::verify::verify_with(&args.manifest, args.config.as_deref(), &notice);
    progress.finish();
    let found = found.with_context(|| format!("verifying '{}'", args.manifest.display()))?;
    if ui.quiet {
        return Ok(if found.identical() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    if found.identical() {
        println!(
            "{}: the outputs on disk, the inputs and a re-run all match '{}'",
            ui.out(Style::Good, "identical"),
            args.manifest.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for (what, lines) in [
        ("on disk", &found.on_disk),
        ("input", &found.inputs),
        ("output", &found.outputs),
        ("value", &found.values),
    ] {
        for line in lines {
            println!("{} ({what}) {line}", ui.out(Style::Warning, "differs"));
        }
    }
    Ok(ExitCode::from(1))
}
