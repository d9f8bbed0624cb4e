//! How the commands print: `--quiet`, and colour per stream (`--color
//! auto|always|never`, `NO_COLOR`, `TERM=dumb`), so every command paints its
//! words the same way and never sends escape codes into a pipe or a file.

use std::ffi::OsString;
use std::io::IsTerminal;

/// When to colour (`--color`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set (to anything but "") or
    /// `TERM` is `dumb`.
    #[default]
    Auto,
    /// Always, even into a pipe or a file (and despite `NO_COLOR`).
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// The same choice for clap's own help and error messages.
    pub fn for_clap(self) -> clap::ColorChoice {
        match self {
            ColorWhen::Auto => clap::ColorChoice::Auto,
            ColorWhen::Always => clap::ColorChoice::Always,
            ColorWhen::Never => clap::ColorChoice::Never,
        }
    }
}

/// What a painted word means; each has one colour everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// An error (bold red).
    Error,
    /// A warning, or something that differs (yellow).
    Warning,
    /// A note below every tolerance (cyan).
    Note,
    /// Agreement, success (green).
    Good,
    /// A failure the exit code reports (bold red).
    Bad,
}

impl Style {
    /// The SGR parameters of the style.
    fn sgr(self) -> &'static str {
        match self {
            Style::Error | Style::Bad => "1;31",
            Style::Warning => "33",
            Style::Note => "36",
            Style::Good => "32",
        }
    }
}

/// The output settings every command receives.
#[derive(Clone, Copy, Debug)]
pub struct Ui {
    /// `-q/--quiet`: print nothing but errors (and what was asked for, such
    /// as a completion script).
    pub quiet: bool,
    color_out: bool,
    color_err: bool,
    stderr_terminal: bool,
}

impl Ui {
    /// Settings for this process: `when` applied to each stream according to
    /// whether it is a terminal and to the environment.
    pub fn new(quiet: bool, when: ColorWhen) -> Ui {
        let no_color = std::env::var_os("NO_COLOR");
        let term = std::env::var_os("TERM");
        let stderr_terminal = std::io::stderr().is_terminal();
        let on = |terminal: bool| colors_on(when, terminal, no_color.as_ref(), term.as_ref());
        Ui {
            quiet,
            color_out: on(std::io::stdout().is_terminal()),
            color_err: on(stderr_terminal),
            stderr_terminal,
        }
    }

    /// `text` painted for stdout (unchanged when colour is off there).
    pub fn out(&self, style: Style, text: &str) -> String {
        paint(self.color_out, style, text)
    }

    /// `text` painted for stderr (unchanged when colour is off there).
    pub fn err(&self, style: Style, text: &str) -> String {
        paint(self.color_err, style, text)
    }

    /// Whether a progress display may be drawn: stderr is a terminal and
    /// `--quiet` is not given. Never in a pipe, a log or a test's capture.
    pub fn shows_progress(&self) -> bool {
        self.stderr_terminal && !self.quiet
    }
}

/// Whether to colour a stream: `always` and `never` decide alone; `auto`
/// colours a terminal unless `NO_COLOR` is set to a non-empty value
/// (no-color.org) or `TERM` is `dumb`.
pub fn colors_on(
    when: ColorWhen,
    terminal: bool,
    no_color: Option<&OsString>,
    term: Option<&OsString>,
) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            terminal && no_color.is_none_or(|v| v.is_empty()) && term.is_none_or(|t| t != "dumb")
        }
    }
}

fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("\x1b[{}m{text}\x1b[0m", style.sgr())
    } else {
        text.to_owned()
    }
}

/// The `--color` value among the raw arguments (the last one wins, as clap
/// takes it), read before parsing so that clap's own help and errors follow
/// it too. Anything unreadable is left for clap to report.
pub fn color_in_args(args: &[OsString]) -> ColorWhen {
    let mut when = ColorWhen::Auto;
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let Some(arg) = arg.to_str() else { continue };
        if arg == "--" {
            break;
        }
        let value = match arg.strip_prefix("--color") {
            Some("") => iter.next().and_then(|v| v.to_str()),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        when = match value {
            Some("always") => ColorWhen::Always,
            Some("never") => ColorWhen::Never,
            Some("auto") => ColorWhen::Auto,
            _ => when,
        };
    }
    when
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(s: &str) -> OsString {
        OsString::from(s)
    }

    #[test]
    fn auto_colours_a_terminal_only_and_honours_no_color_and_dumb() {
        let auto = ColorWhen::Auto;
        assert!(colors_on(auto, true, None, Some(&os("xterm"))));
        assert!(!colors_on(auto, false, None, None));
        assert!(!colors_on(auto, true, Some(&os("1")), None));
        // NO_COLOR set but empty does not count (no-color.org).
        assert!(colors_on(auto, true, Some(&os("")), None));
        assert!(!colors_on(auto, true, None, Some(&os("dumb"))));
    }

    #[test]
    fn always_and_never_decide_alone() {
        assert!(colors_on(ColorWhen::Always, false, Some(&os("1")), None));
        assert!(!colors_on(ColorWhen::Never, true, None, None));
    }

    #[test]
    fn paints_only_when_on() {
        assert_eq!(paint(false, Style::Error, "error"), "error");
        assert_eq!(paint(true, Style::Good, "ok"), "\x1b[32mok\x1b[0m");
    }

    #[test]
    fn finds_the_color_option_before_parsing() {
        let args = |list: &[&str]| list.iter().map(|s| os(s)).collect::<Vec<_>>();
        assert_eq!(color_in_args(&args(&["bc", "run"])), ColorWhen::Auto);
        assert_eq!(
            color_in_args(&args(&["bc", "--color", "never", "run"])),
            ColorWhen::Never
        );
        assert_eq!(
            color_in_args(&args(&["bc", "run", "--color=always"])),
            ColorWhen::Always
        );
        assert_eq!(
            color_in_args(&args(&["bc", "--color=always", "--color=never"])),
            ColorWhen::Never
        );
        assert_eq!(
            color_in_args(&args(&["bc", "run", "--", "--color=never"])),
            ColorWhen::Auto
        );
        assert_eq!(color_in_args(&args(&["bc", "--colorful"])), ColorWhen::Auto);
    }
}
