//! `borderchange run [CONFIG]`: the whole analysis, outputs written atomically.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use borderchange::config::Role;
use borderchange::output::report::thousands;

use super::progress::Progress;
use super::ui::{Style, Ui};

/// Arguments of `run`.
#[derive(clap::Args)]
pub struct Args {
    /// The analysis file (TOML). Default: the bundled analysis, `borderchange.toml`.
    config: Option<PathBuf>,
    /// Write outputs here instead of the folder the analysis file names.
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Replace the outputs in an output folder that is not empty (files of
    /// other names are kept).
    #[arg(long)]
    force: bool,
    /// Repair what is safe to repair in the inputs instead of refusing them
    /// (repeated points removed; rings enclosing nothing dropped), listing
    /// every change on stderr and in report.json.
    #[arg(long)]
    repair: bool,
    /// Layer format to write, instead of the analysis file's `output.formats`
    /// (repeat for several): GPKG (GeoPackage and QGIS project), ESRI
    /// Shapefile, GeoJSON, FlatGeobuf, PostgreSQL (tables in the database
    /// `--connection` names).
    #[arg(long = "format", value_name = "FORMAT", value_parser = parse_format)]
    formats: Vec<String>,
    /// The database for `--format PostgreSQL` (`PG:dbname=… host=…`),
    /// instead of the analysis file's `output.connection`.
    #[arg(long, value_name = "PG:…")]
    connection: Option<String>,
    /// The schema for `--format PostgreSQL` (default `borderchange`); only
    /// the run's own tables in it are replaced.
    #[arg(long, value_name = "NAME")]
    schema: Option<String>,
    /// Print the wall-clock time of each stage on stderr
    /// (`stage <seconds> <name>`).
    #[arg(long)]
    timings: bool,
}

/// Runs the analysis; exit code 1 when a `check` reference disagrees.
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<ExitCode> {
    let config = super::find::analysis_file(args.config, "run")?;
    let formats = (!args.formats.is_empty()).then_some(args.formats.as_slice());
    // Progress on a terminal only: not in pipes, logs or with --quiet.
    let stage_label = |stage: usize| {
        let name = borderchange::run::STAGES[stage];
        let total = borderchange::run::STAGES.len();
        format!("[{}/{total}] {name}…", stage + 1)
    };
    let shown = Progress::start(ui, &stage_label(0));
    let progress = |stage: usize| shown.set(stage_label(stage));
    let notice = |message: &str| {
        if !ui.quiet {
            shown.note(message);
        }
    };
    let outcome = borderchange::run::run_with(
        &config,
        &borderchange::run::Options {
            output_dir: args.output.as_deref(),
            formats,
            force: args.force,
            repair: args.repair,
            progress: &progress,
            notice: &notice,
            connection: args.connection.as_deref(),
            schema: args.schema.as_deref(),
        },
    );
    shown.finish();
    let outcome =
        outcome.with_context(|| format!("running the analysis in '{}'", config.display()))?;
    let analysis = &outcome.analysis;
    // Warnings the user must see: printed even with --quiet.
    for w in &analysis.warnings {
        eprintln!("{} {w}", ui.err(Style::Warning, "warning:"));
    }
    if !ui.quiet {
        for r in &outcome.repairs {
            eprintln!(
                "repaired '{}' layer '{}' feature {}: {}",
                r.file, r.layer, r.feature, r.change
            );
        }
    }
    if args.timings {
        for (stage, seconds) in &analysis.timings {
            eprintln!("stage {seconds:.3} {stage}");
        }
    }
    if !ui.quiet {
        for t in &analysis.transfers {
            println!(
                "{:>4}→{:<4} {:<12} {:>14} → {:<14} {:>12} km²",
                t.from_year,
                t.to_year,
                t.treaty,
                t.from_state,
                t.to_state,
                thousands(t.area_km2, 0)
            );
        }
        for c in &analysis.checks {
            let published = if c.is_range() {
                format!("{:>12} (range, {:+.1}%)", c.published(), c.rel_diff * 100.0)
            } else {
                format!(
                    "{:>12} ({:+.1}%, tolerance ±{:.0}%)",
                    thousands(c.expected, 0),
                    c.rel_diff * 100.0,
                    c.tolerance * 100.0
                )
            };
            let under = c
                .variant
                .as_deref()
                .map(|v| format!(" [{v}]"))
                .unwrap_or_default();
            println!(
                "{} {:<28} computed {:>12} {}, published {published}{under}{}",
                match (c.role, c.agrees) {
                    (Role::Check, true) => ui.out(Style::Good, "agrees "),
                    (Role::Check, false) => ui.out(Style::Warning, "differs"),
                    // Another definition of the quantity: shown, never a
                    // failure, and not coloured as one.
                    (Role::Context, _) => ui.out(Style::Note, "context"),
                },
                c.id,
                thousands(c.computed, 0),
                c.unit,
                match (c.role, c.agrees) {
                    (Role::Context, true) => "  (context: agrees)".to_owned(),
                    (Role::Context, false) => "  (context: differs)".to_owned(),
                    _ if c.fails() => format!("  {}", ui.out(Style::Bad, "FAILED")),
                    _ => String::new(),
                }
            );
        }
        // Each transfer's range over the readings.
        for r in borderchange::output::report::transfer_ranges(analysis) {
            if r.max_km2 - r.min_km2 < 1.0 {
                continue;
            }
            println!(
                "range   {:>4}→{:<4} {:>14} → {:<14} {:>12} km² ({}) to {:>12} km² ({})",
                r.from_year,
                r.to_year,
                r.from_state,
                r.to_state,
                thousands(r.min_km2, 0),
                r.min_variants.join(", "),
                thousands(r.max_km2, 0),
                r.max_variants.join(", ")
            );
        }
        println!("outputs written to '{}'", outcome.output_dir.display());
    }
    Ok(if analysis.checks_pass() {
        ExitCode::SUCCESS
    } else {
        if !ui.quiet {
            eprintln!("one or more reference checks failed (exit code 1)");
        }
        ExitCode::from(1)
    })
}

/// A known format, by its GDAL driver name.
fn parse_format(name: &str) -> Result<String, String> {
    borderchange::config::format_named(name).map(|f| f.driver.to_owned())
}
