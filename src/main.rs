//! The `borderchange` command: parses arguments, calls one library function
//! per subcommand, prints, and picks the exit code (0 all good, 1 a reference
//! check failed or `validate` found problems, 2 an error).

#![forbid(unsafe_code)]

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Historical border-change analysis: areas transferred between dated border
/// snapshots (geodesic, WGS84), boundary stretches along rivers and over land,
/// and checks against published figures.
#[derive(Parser)]
#[command(name = "borderchange", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an analysis and write its outputs (default: the bundled analysis).
    Run(cmd::run::Args),
    /// Write a commented analysis file to start from.
    Init(cmd::init::Args),
    /// Re-check a run's inputs and re-run it: identical, or what differs.
    Verify(cmd::verify::Args),
    /// Check an analysis's inputs without analysing: every problem, with
    /// where it is (listed on stderr and written to problems.gpkg).
    Validate(cmd::validate::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    borderchange::io::capture_gdal_messages();
    let outcome = match cli.command {
        Command::Run(args) => cmd::run::run(args),
        Command::Init(args) => cmd::init::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Validate(args) => cmd::validate::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
