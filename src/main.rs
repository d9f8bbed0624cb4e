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
    end_cleanly_on_signals();
    borderchange::io::capture_gdal_messages();
    // Geometry operations catch their own panics and name the features; any
    // other panic is a bug, reported as one, never as a trace.
    borderchange::support::guard::install_quiet_panic_hook();
    let outcome = std::panic::catch_unwind(|| match cli.command {
        Command::Run(args) => cmd::run::run(args),
        Command::Init(args) => cmd::init::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Validate(args) => cmd::validate::run(args),
    });
    // A signal came while the run was finishing (its outputs are in
    // place): the signal thread ends the process, with the signal's code.
    while borderchange::staging::stopping() {
        std::thread::park();
    }
    borderchange::staging::test_exiting();
    match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => {
            // Each cause once: our errors already quote their source's text.
            let mut text = error.to_string();
            for cause in error.chain().skip(1) {
                let cause = cause.to_string();
                if !text.contains(&cause) {
                    text = format!("{text}: {cause}");
                }
            }
            eprintln!("error: {text}");
            ExitCode::from(2)
        }
        Err(payload) => {
            eprintln!(
                "error: internal error (a bug in borderchange; please report it with the analysis file): {}",
                borderchange::support::guard::panic_message(payload.as_ref())
            );
            ExitCode::from(2)
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP end the process at any moment with the output
/// folder whole: a swap of outputs in progress is finished first (it takes
/// about a millisecond), the staging folder is removed, and the process
/// ends at once with exit code 128 + the signal's number (130, 143, 129),
/// without running exit handlers while other threads may be inside GDAL or
/// PROJ.
#[cfg(unix)]
fn end_cleanly_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let name = signal_hook::low_level::signal_name(signal).unwrap_or("a signal");
            let left = borderchange::staging::abandon();
            if left.is_empty() {
                eprintln!("\nstopped by {name}");
            }
            for dir in left {
                eprintln!(
                    "\nstopped by {name}: '{}' is as it was before this run (nothing in it was replaced)",
                    dir.display()
                );
            }
            signal_hook::low_level::exit(128 + signal);
        }
    });
}

#[cfg(not(unix))]
fn end_cleanly_on_signals() {}
