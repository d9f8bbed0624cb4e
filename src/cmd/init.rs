//! `borderchange init [FILE]`: writes a commented analysis file to start from.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use borderchange::config::TEMPLATE;

use super::ui::Ui;

/// Arguments of `init`.
#[derive(clap::Args)]
pub struct Args {
    /// Where to write the template.
    #[arg(default_value = "analysis.toml")]
    path: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

/// Writes the template; never replaces a file without `--force`.
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<ExitCode> {
    if args.path.exists() && !args.force {
        bail!(
            "'{}' exists already; pass --force to replace it",
            args.path.display()
        );
    }
    std::fs::write(&args.path, TEMPLATE)
        .with_context(|| format!("writing '{}'", args.path.display()))?;
    if !ui.quiet {
        println!(
            "wrote '{}': edit it, then run `borderchange run {}`",
            args.path.display(),
            args.path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
