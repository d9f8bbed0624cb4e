//! `borderchange validate [CONFIG]`: every problem in the inputs, listed on
//! stdout and written as points to `problems.gpkg` beside the analysis file
//! (never into the output folder, which `run` wants empty or its own);
//! exit code 1 when there is an error or a warning (notes are below the
//! tolerance, or follow from an error listed).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use borderchange::config::Config;

use super::progress::Progress;
use super::ui::{Style, Ui};

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
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<ExitCode> {
    let path = super::find::analysis_file(args.config, "validate")?;
    let mut config = Config::load(&path)?;
    if args.repair {
        config.parameters.repair = true;
    }
    let progress = Progress::start(ui, "checking the inputs…");
    let problems = borderchange::validate::validate(&config);
    progress.finish();
    let problems =
        problems.with_context(|| format!("validating the inputs of '{}'", path.display()))?;
    let dir = args.output.unwrap_or_else(|| config.base_dir.clone());
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating '{}'", dir.display()))?;
    let written = borderchange::validate::write_problems(&dir.join("problems.gpkg"), &problems)?;
    use borderchange::validate::Severity;
    let count = |severity| problems.iter().filter(|p| p.severity == severity).count();
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    let code = if errors + warnings == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if ui.quiet {
        return Ok(code);
    }
    // Findings are the command's result: stdout, like `run`'s figures.
    for p in &problems {
        let style = match p.severity {
            Severity::Error => Style::Error,
            Severity::Warning => Style::Warning,
            Severity::Note => Style::Note,
        };
        let label = format!("{}:", p.severity.as_str());
        println!("{} {p}", ui.out(style, &label));
    }
    println!(
        "{errors} error(s) (`run` refuses these), {warnings} warning(s), {notes} note(s); located ones in '{}'",
        written.display()
    );
    Ok(code)
}
