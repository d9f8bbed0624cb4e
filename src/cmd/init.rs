//! `borderchange init [FILE]`: writes a commented analysis file to start from.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use borderchange::config::{template_for, TEMPLATE};

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
    /// Layer files (any GDAL vector format) of the data to analyse: the
    /// template's `equal_area_crs` is centred on them (Lambert azimuthal
    /// equal-area, polar aspect near a pole). Repeat for several files.
    #[arg(long, value_name = "FILE")]
    data: Vec<PathBuf>,
}

/// Writes the template; never replaces a file without `--force`.
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<ExitCode> {
    if args.path.exists() && !args.force {
        bail!(
            "'{}' exists already; pass --force to replace it",
            args.path.display()
        );
    }
    let mut polygons = Vec::new();
    for path in &args.data {
        polygons.extend(
            borderchange::io::read::polygons_of(path)
                .with_context(|| format!("reading '{}'", path.display()))?,
        );
    }
    if !args.data.is_empty() && polygons.is_empty() {
        bail!(
            "no polygons in {}: `--data` takes the snapshot layers to analyse",
            args.data
                .iter()
                .map(|p| format!("'{}'", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let template = if polygons.is_empty() {
        TEMPLATE.to_owned()
    } else {
        template_for(&polygons)
    };
    std::fs::write(&args.path, template)
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
