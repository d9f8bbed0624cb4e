//! `borderchange validate [CONFIG]`: every problem in the inputs, listed on
//! stderr and written as points to `problems.gpkg` beside the analysis file
//! (never into the output folder, which `run` wants empty or its own);
//! exit code 1 when there is an error or a warning (notes are below the
//! tolerance, or follow from an error listed).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use borderchange::config::{Config, BUNDLED_CONFIG};

/// Arguments of `validate`.
#[derive(clap::Args)]
pub struct Args {
    /// The analysis file (TOML). Default: the bundled analysis, `borderchange.toml`.
    config: Option<PathBuf>,
    /// Folder for `problems.gpkg` instead of the analysis file's own folder.
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Check the inputs as `run --repair` would read them (the repairs
    /// listed as notes).
    #[arg(long)]
    repair: bool,
}

/// Validates; exit code 0 when nothing is wrong (notes aside), 1 otherwise.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let path = args.config.unwrap_or_else(|| PathBuf::from(BUNDLED_CONFIG));
    let mut config = Config::load(&path)?;
    if args.repair {
        config.parameters.repair = true;
    }
    let problems = borderchange::validate::validate(&config)
        .with_context(|| format!("validating the inputs of '{}'", path.display()))?;
    let dir = args.output.unwrap_or_else(|| config.base_dir.clone());
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating '{}'", dir.display()))?;
    let written = borderchange::validate::write_problems(&dir.join("problems.gpkg"), &problems)?;
    use borderchange::validate::Severity;
    for p in &problems {
        eprintln!("{}: {p}", p.severity.as_str());
    }
    let count = |severity| problems.iter().filter(|p| p.severity == severity).count();
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    println!(
        "{errors} error(s) (`run` refuses these), {warnings} warning(s), {notes} note(s); located ones in '{}'",
        written.display()
    );
    Ok(if errors + warnings == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
