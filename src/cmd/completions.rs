//! `borderchange completions [SHELL]`: a shell completion script, generated
//! from the command-line definition itself (clap_complete), on stdout.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap_complete::Shell;

/// Arguments of `completions`.
#[derive(clap::Args)]
pub struct Args {
    /// The shell to complete for. Default: the one `SHELL` names.
    #[arg(value_enum)]
    shell: Option<Shell>,
}

/// Prints the script for `command`, the whole command-line definition.
pub fn run(args: Args, mut command: clap::Command) -> anyhow::Result<ExitCode> {
    let shell = match args.shell.or_else(Shell::from_env) {
        Some(shell) => shell,
        None => bail!(
            "which shell? `SHELL` names none this knows; give one: `borderchange completions \
             bash` (or elvish, fish, powershell, zsh)"
        ),
    };
    let name = command.get_name().to_owned();
    // Into memory first: a closed pipe is then an error, not a panic.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    std::io::stdout()
        .lock()
        .write_all(&script)
        .with_context(|| format!("writing the {shell} completion script"))?;
    Ok(ExitCode::SUCCESS)
}
