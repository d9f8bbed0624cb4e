//! The `borderchange` command: parses arguments, calls one library function
//! per subcommand, prints, and picks the exit code (0 all good, 1 a reference
//! check failed or `validate` found problems, 2 an error).

#![forbid(unsafe_code)]

mod cmd;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use cmd::ui::{ColorWhen, Style, Ui};

/// Historical border-change analysis: areas transferred between dated border
/// snapshots (geodesic, WGS84), boundary stretches along rivers and over land,
/// and checks against published figures.
#[derive(Parser)]
#[command(name = "borderchange", version, about, long_about = None)]
#[command(after_long_help = AFTER_HELP)]
struct Cli {
    /// Print nothing but errors (a command's requested output, such as a
    /// completion script or man page, is still printed; the exit code tells
    /// the outcome).
    #[arg(short, long, global = true)]
    quiet: bool,
    /// When to colour the output (severities, check results, errors).
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorWhen::Auto
    )]
    color: ColorWhen,
    #[command(subcommand)]
    command: Command,
}

/// The end of `--help` and the man page: what scripts rely on.
const AFTER_HELP: &str = "\
Exit status:
  0  all good
  1  a reference check failed (run), problems were found (validate), or the
     re-run differs (verify)
  2  an error: a bad argument, a missing or broken input, a failed write

Environment:
  NO_COLOR  set to anything but \"\": no colour with --color auto
            (no-color.org)

Findings and results go to stdout; errors (and progress, on a terminal
only) to stderr.";

#[derive(Subcommand)]
enum Command {
    /// Run an analysis and write its outputs (default: the bundled analysis).
    Run(cmd::run::Args),
    /// Write a commented analysis file to start from.
    Init(cmd::init::Args),
    /// Re-check a run's inputs and re-run it: identical, or what differs.
    Verify(cmd::verify::Args),
    /// Check an analysis's inputs without analysing: every problem, with
    /// where it is (listed on stdout and written to problems.gpkg).
    Validate(cmd::validate::Args),
    /// Print a shell completion script (bash, elvish, fish, powershell, zsh).
    Completions(cmd::completions::Args),
    /// Print the manual page (roff), or write one per command into a folder.
    Man(cmd::man::Args),
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // clap's own help and errors follow --color too.
    let color = cmd::ui::color_in_args(&args);
    let matches = Cli::command()
        .color(color.for_clap())
        .get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let ui = Ui::new(cli.quiet, cli.color);
    end_cleanly_on_signals();
    borderchange::io::capture_gdal_messages();
    // Geometry operations catch their own panics and name the features; any
    // other panic is a bug, reported as one, never as a trace.
    borderchange::support::guard::install_quiet_panic_hook();
    let outcome = std::panic::catch_unwind(|| match cli.command {
        Command::Run(args) => cmd::run::run(args, &ui),
        Command::Init(args) => cmd::init::run(args, &ui),
        Command::Verify(args) => cmd::verify::run(args, &ui),
        Command::Validate(args) => cmd::validate::run(args, &ui),
        Command::Completions(args) => cmd::completions::run(args, Cli::command()),
        Command::Man(args) => cmd::man::run(args, Cli::command(), &ui),
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
            eprintln!("{} {text}", ui.err(Style::Error, "error:"));
            ExitCode::from(2)
        }
        Err(payload) => {
            eprintln!(
                "{} internal error (a bug in borderchange; please report it with the analysis file): {}",
                ui.err(Style::Error, "error:"),
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
