//! `borderchange man [--dir DIR]`: the manual page, generated from the
//! command-line definition itself (clap_mangen), as roff: the main page on
//! stdout, or one page per command written into a folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::ui::Ui;

/// Arguments of `man`.
#[derive(clap::Args)]
pub struct Args {
    /// Write `borderchange.1` and a page per command (`borderchange-run.1`,
    /// and so on) into this folder instead of printing the main page, e.g.
    /// `~/.local/share/man/man1`.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// What the main page says before the options (DESCRIPTION).
const DESCRIPTION: &str = "borderchange reads dated border snapshots (polygon layers in any \
vector format GDAL reads, each feature naming the state that holds it), measures on the WGS84 \
ellipsoid (Karney's geodesic method) the area each holder held and the areas transferred between \
consecutive snapshots, splits the boundaries between holders into river and land stretches, \
compares the results with published figures, and writes GIS layers, a QGIS project, maps and a \
report. An analysis is described by a TOML file: `borderchange init` writes a commented one to \
start from; `borderchange validate` checks its inputs; `borderchange run` runs it; \
`borderchange verify` re-runs a recorded run and compares.";

/// The sections after the generated ones, in roff.
const SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
All good.
.TP
\fB1\fR
A reference check failed (\fBrun\fR), problems were found (\fBvalidate\fR), or the re\-run differs (\fBverify\fR).
.TP
\fB2\fR
An error: a bad argument, a missing or broken input, a failed write.
.SH OUTPUT
Results and findings go to standard output; errors go to standard error, as does a progress line, drawn only when standard error is a terminal.
With \fB\-q\fR, only errors are printed and the exit status tells the outcome.
.SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
When set to a non\-empty value, \fB\-\-color auto\fR (the default) does not colour (see https://no\-color.org).
\fB\-\-color always\fR still colours.
.TP
\fBTERM\fR
When \fBdumb\fR, \fB\-\-color auto\fR does not colour.
.TP
\fBSHELL\fR
The shell \fBborderchange completions\fR writes for when none is named.
.SH FILES
.TP
\fBborderchange.toml\fR
The bundled analysis, used by \fBrun\fR and \fBvalidate\fR when no file is named (in the borderchange repository).
.TP
\fBanalysis.toml\fR
What \fBborderchange init\fR writes when no file is named.
.TP
\fIOUTPUT\fB/manifest.json\fR
Written by every run; read by \fBverify\fR.
"#;

/// Prints or writes the page(s) for `command`, the whole definition.
pub fn run(args: Args, command: clap::Command, ui: &Ui) -> anyhow::Result<ExitCode> {
    // The pages document the commands, not clap's `help` pseudo-command;
    // built, so that each command's page is named `borderchange-NAME`.
    let mut command = command
        .disable_help_subcommand(true)
        .long_about(DESCRIPTION)
        // The man page has sections of its own for what --help adds.
        .after_long_help(None::<&str>)
        .after_help(None::<&str>);
    command.build();
    let Some(dir) = args.dir else {
        let page = main_page(&command)?;
        std::io::stdout()
            .lock()
            .write_all(&page)
            .context("writing the manual page")?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating '{}'", dir.display()))?;
    let main = dir.join(format!("{}.1", command.get_name()));
    write(&main, &main_page(&command)?)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let man = clap_mangen::Man::new(sub.clone());
        let mut page = Vec::new();
        man.render(&mut page)
            .with_context(|| format!("rendering the manual page of '{}'", sub.get_name()))?;
        write(&dir.join(man.get_filename()), &ascii(&page))?;
    }
    if !ui.quiet {
        println!(
            "wrote the manual pages into '{}' (read one with `man -l {}`)",
            dir.display(),
            main.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The main page: clap_mangen's sections, then [`SECTIONS`].
fn main_page(command: &clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .context("rendering the manual page")?;
    page.extend_from_slice(SECTIONS.as_bytes());
    Ok(ascii(&page))
}

/// The page with every character beyond ASCII written as a groff escape
/// (`…` as `\[u2026]`): roff input is ASCII, and the help texts are not.
fn ascii(page: &[u8]) -> Vec<u8> {
    let mut out = String::with_capacity(page.len());
    for c in String::from_utf8_lossy(page).chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
        }
    }
    out.into_bytes()
}

fn write(path: &Path, page: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, page).with_context(|| format!("writing '{}'", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn pages_are_ascii_with_groff_escapes() {
        let page = super::ascii("PG:dbname=\u{2026} km\u{b2} \u{1F30D}".as_bytes());
        assert_eq!(
            String::from_utf8(page).unwrap(),
            "PG:dbname=\\[u2026] km\\[u00B2] \\[u1F30D]"
        );
    }
}
