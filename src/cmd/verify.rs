//! `borderchange verify MANIFEST`: re-hashes the inputs, re-runs the analysis
//! into a temporary folder, and reports identical (exit 0) or exactly what
//! differs (exit 1).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Arguments of `verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The run's manifest, e.g. `outputs/manifest.json`.
    #[arg(default_value = "outputs/manifest.json")]
    manifest: PathBuf,
    /// The analysis file, if not where the manifest says (relative to the
    /// current folder).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Verifies a run; exit code 1 when anything differs.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let found = borderchange::verify::verify(&args.manifest, args.config.as_deref())
        .with_context(|| format!("verifying '{}'", args.manifest.display()))?;
    if found.identical() {
        println!(
            "identical: inputs and every output match '{}'",
            args.manifest.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for (what, lines) in [
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
