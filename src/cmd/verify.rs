//! `borderchange verify MANIFEST`: checks the outputs on disk against the
//! manifest, re-hashes the inputs, re-runs the analysis into a temporary
//! folder, and reports identical (exit 0) or exactly what differs (exit 1).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

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
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let notice = |message: &str| eprintln!("note: {message}");
    let found = borderchange::verify::verify_with(&args.manifest, args.config.as_deref(), &notice)
        .with_context(|| format!("verifying '{}'", args.manifest.display()))?;
    if found.identical() {
        println!(
            "identical: the outputs on disk, the inputs and a re-run all match '{}'",
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
            println!("differs ({what}) {line}");
        }
    }
    Ok(ExitCode::from(1))
}
