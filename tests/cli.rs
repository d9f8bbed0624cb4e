//! The command line as GIS users expect it: completions and a man page
//! generated from the definition, `--color` and `NO_COLOR`, `-q` on every
//! command, findings on stdout, a pointer to `init` when there is no analysis
//! file, and a missing-CRS hint that looks at the coordinates.

mod common;

use std::process::{Command, Output};

use common::{two_snapshots, Workdir};

/// Every command a user can type.
const COMMANDS: [&str; 6] = ["run", "init", "verify", "validate", "completions", "man"];

/// Two references that the fixture meets: `run` prints "agrees" twice.
const PASSING: &str = r#"
[[reference]]
id = "moved"
quantity = "transfer"
from = ["A"]
to = ["B"]
years = [1700, 1800]
value = 7892.0616
tolerance = 0.0001
source = "GeographicLib Planimeter"
"#;

/// The binary in `w`, with no colour settings inherited from the caller's
/// environment.
fn bin(w: &Workdir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_borderchange"));
    command
        .current_dir(w.path())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm");
    command
}

fn run_with(w: &Workdir, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = bin(w);
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run borderchange")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `borderchange ARGS` on a pseudo-terminal (util-linux `script`), so
/// that stdout and stderr are terminals; returns what the terminal showed.
fn on_terminal(w: &Workdir, args: &str, env: &[(&str, &str)]) -> String {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_borderchange"));
    let mut script = Command::new("script");
    script
        .args(["-qec", &command, "/dev/null"])
        .current_dir(w.path())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    for (key, value) in env {
        script.env(key, value);
    }
    text(&script.output().expect("run script (util-linux)").stdout)
}

fn has_escape(s: &str) -> bool {
    s.contains('\x1b')
}

/// Whether a program is installed (to check generated scripts with it).
fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

// ---- completions --------------------------------------------------------

#[test]
fn completions_for_each_shell_name_every_command_and_option() {
    let w = Workdir::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run_with(&w, &["completions", shell], &[]);
        let script = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{shell}: {}", text(&out.stderr));
        assert!(script.len() > 500, "{shell}: {script}");
        for command in COMMANDS {
            assert!(script.contains(command), "{shell} lacks '{command}'");
        }
        // (fish names options without their dashes: `-l quiet`.)
        for option in ["quiet", "color", "output", "format", "force", "repair"] {
            assert!(script.contains(option), "{shell} lacks '--{option}'");
        }
        // The values of --color are completed too (the elvish and PowerShell
        // generators complete names only).
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(
                script.contains("always") && script.contains("never"),
                "{shell}"
            );
        }
        assert!(!has_escape(&script), "{shell}: no colour in a script");
    }
}

#[test]
fn completion_scripts_parse_in_their_shells() {
    let w = Workdir::new();
    for (shell, check) in [("bash", "-n"), ("zsh", "-n"), ("fish", "--no-execute")] {
        if !installed(shell) {
            eprintln!("{shell} is not installed: its script is not parsed");
            continue;
        }
        let script = w.join(&format!("completion.{shell}"));
        std::fs::write(&script, run_with(&w, &["completions", shell], &[]).stdout).unwrap();
        let parsed = Command::new(shell)
            .arg(check)
            .arg(&script)
            .output()
            .unwrap();
        assert!(parsed.status.success(), "{shell}: {}", text(&parsed.stderr));
    }
}

/// The bash script really completes: a subcommand from its prefix, an
/// option, and the values of --color.
#[test]
fn bash_completion_completes_commands_options_and_values() {
    let w = Workdir::new();
    let script = w.join("borderchange.bash");
    std::fs::write(&script, run_with(&w, &["completions", "bash"], &[]).stdout).unwrap();
    let complete = |words: &str, cword: usize, cur: &str, prev: &str| {
        let program = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD={cword}; \
             _borderchange borderchange '{cur}' '{prev}'; echo \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = Command::new("bash")
            .args(["-c", &program])
            .output()
            .unwrap();
        text(&out.stdout).trim().to_owned()
    };
    assert_eq!(
        complete("borderchange va", 1, "va", "borderchange"),
        "validate"
    );
    assert_eq!(
        complete("borderchange co", 1, "co", "borderchange"),
        "completions"
    );
    assert!(complete("borderchange run --for", 2, "--for", "run").contains("--force"));
    assert_eq!(
        complete("borderchange run --color n", 3, "n", "--color"),
        "never"
    );
}

#[test]
fn completions_default_to_the_shell_in_the_environment() {
    let w = Workdir::new();
    let out = run_with(&w, &["completions"], &[("SHELL", "/usr/bin/zsh")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("#compdef borderchange"));

    let mut unknown = bin(&w);
    unknown.arg("completions").env_remove("SHELL");
    let out = unknown.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("bash") && err.contains("zsh"), "{err}");
    assert!(out.stdout.is_empty());

    let out = run_with(&w, &["completions", "tcsh"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("possible values"),
        "{}",
        text(&out.stderr)
    );
}

// ---- man page -----------------------------------------------------------

/// The roff requests and man macros a page may use.
const ROFF_REQUESTS: [&str; 18] = [
    "TH", "SH", "SS", "TP", "PP", "IP", "RS", "RE", "br", "B", "I", "BR", "IR", "sp", "nf", "fi",
    "ie", "el",
];

/// Checks that `page` is a man page in roff: a title, the sections, known
/// requests only, and (when groff is installed) no warning from groff.
fn assert_valid_roff(page: &str, name: &str) {
    assert!(page.is_ascii(), "{name}: roff input is ASCII");
    let requests: Vec<&str> = page
        .lines()
        .filter_map(|l| l.strip_prefix('.'))
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert!(
        requests.iter().all(|r| ROFF_REQUESTS.contains(r)),
        "{name}: unknown requests in {requests:?}"
    );
    assert!(
        page.lines()
            .any(|l| l.starts_with(&format!(".TH {name} 1"))),
        "{name}: no .TH title"
    );
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS"] {
        assert!(
            page.contains(&format!(".SH {section}")),
            "{name}: no {section}"
        );
    }
    if installed("groff") {
        let mut groff = Command::new("groff")
            .args(["-man", "-ww", "-z", "-Tutf8"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        groff
            .stdin
            .take()
            .unwrap()
            .write_all(page.as_bytes())
            .unwrap();
        let out = groff.wait_with_output().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{name}: groff: {}",
            text(&out.stderr)
        );
    } else {
        eprintln!("groff is not installed: {name} is checked without it");
    }
}

#[test]
fn man_prints_the_main_page_in_roff_with_every_command() {
    let w = Workdir::new();
    let out = run_with(&w, &["man"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty());
    let page = text(&out.stdout);
    assert_valid_roff(&page, "borderchange");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for command in COMMANDS {
        assert!(
            page.contains(&format!("borderchange\\-{command}(1)")),
            "the page lists {command}"
        );
    }
    for section in ["\"EXIT STATUS\"", "ENVIRONMENT", "FILES"] {
        assert!(page.contains(&format!(".SH {section}")), "{section}");
    }
    assert!(page.contains("NO_COLOR") && page.contains("\\-\\-quiet"));
    // Not clap's `help` pseudo-command.
    assert!(!page.contains("borderchange\\-help"), "{page}");
}

#[test]
fn man_dir_writes_a_valid_page_per_command() {
    let w = Workdir::new();
    let out = run_with(&w, &["man", "--dir", "man/man1"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("man/man1"));
    let mut names: Vec<String> = std::fs::read_dir(w.join("man/man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = COMMANDS
        .iter()
        .map(|c| format!("borderchange-{c}.1"))
        .chain(["borderchange.1".to_owned()])
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    for name in &names {
        let page = w.read(&format!("man/man1/{name}"));
        assert_valid_roff(&page, name.trim_end_matches(".1"));
    }
    // Each command's page documents its own options and the global ones.
    let run = w.read("man/man1/borderchange-run.1");
    for option in ["\\-\\-format", "\\-\\-output", "\\-\\-quiet", "\\-\\-color"] {
        assert!(run.contains(option), "{option}");
    }
}

// ---- colour -------------------------------------------------------------

#[test]
fn color_always_paints_and_never_or_a_pipe_do_not() {
    let w = Workdir::new();
    two_snapshots(&w, PASSING);
    let always = run_with(&w, &["--color", "always", "run", "analysis.toml"], &[]);
    assert_eq!(always.status.code(), Some(0), "{}", text(&always.stderr));
    assert!(
        text(&always.stdout).contains("\x1b[32magrees"),
        "{}",
        text(&always.stdout)
    );
    // The option after the command, and despite NO_COLOR.
    let forced = run_with(
        &w,
        &["run", "analysis.toml", "--force", "--color=always"],
        &[("NO_COLOR", "1")],
    );
    assert!(has_escape(&text(&forced.stdout)));
    for args in [
        &["--color", "never", "run", "analysis.toml", "--force"][..],
        &["run", "analysis.toml", "--force"][..],
    ] {
        let out = run_with(&w, args, &[]);
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).contains("agrees"));
        assert!(!has_escape(&text(&out.stdout)), "{args:?}");
        assert!(!has_escape(&text(&out.stderr)), "{args:?}");
    }
}

#[test]
fn errors_and_findings_are_painted_only_when_asked() {
    let w = Workdir::new();
    let error = run_with(&w, &["--color", "always", "run", "missing.toml"], &[]);
    assert!(
        text(&error.stderr).starts_with("\x1b[1;31merror:\x1b[0m "),
        "{}",
        text(&error.stderr)
    );
    let plain = run_with(&w, &["--color", "never", "run", "missing.toml"], &[]);
    assert!(text(&plain.stderr).starts_with("error: "));

    // validate's severities.
    two_snapshots(&w, "");
    w.write(
        "a1700.geojson",
        &common::polygons(&[("A", "[[120,50],[121,51],[121,50],[120,51],[120,50]]")]),
    );
    let painted = run_with(&w, &["validate", "analysis.toml", "--color", "always"], &[]);
    assert_eq!(painted.status.code(), Some(1));
    assert!(
        text(&painted.stdout).contains("\x1b[1;31merror:\x1b[0m"),
        "{}",
        text(&painted.stdout)
    );
    let plain = run_with(&w, &["validate", "analysis.toml", "--color", "never"], &[]);
    assert!(!has_escape(&text(&plain.stdout)) && !has_escape(&text(&plain.stderr)));
}

#[test]
fn auto_colours_a_terminal_unless_no_color_or_dumb() {
    let w = Workdir::new();
    two_snapshots(&w, PASSING);
    let shown = on_terminal(&w, "run analysis.toml -o tty1", &[]);
    assert!(shown.contains("\x1b[32magrees"), "{shown:?}");
    for (args, env) in [
        ("run analysis.toml -o tty2", &[("NO_COLOR", "1")][..]),
        ("run analysis.toml -o tty3", &[("TERM", "dumb")][..]),
        ("--color never run analysis.toml -o tty4", &[][..]),
        ("--help", &[("NO_COLOR", "1")][..]),
        ("--color never run --help", &[][..]),
    ] {
        let shown = on_terminal(&w, args, env);
        assert!(
            shown.contains("agrees") || shown.contains("Usage"),
            "{shown}"
        );
        assert!(!has_escape(&shown), "{args} {env:?}: {shown:?}");
    }
    // NO_COLOR set but empty does not count (no-color.org).
    let shown = on_terminal(&w, "run analysis.toml -o tty5", &[("NO_COLOR", "")]);
    assert!(has_escape(&shown), "{shown:?}");
    // clap's own help follows --color too.
    let help = run_with(&w, &["--color", "always", "--help"], &[]);
    assert!(has_escape(&text(&help.stdout)));
}

#[test]
fn a_bad_color_value_lists_the_choices() {
    let w = Workdir::new();
    let out = run_with(&w, &["--color", "sometimes", "init"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("auto") && err.contains("always") && err.contains("never"),
        "{err}"
    );
    assert!(!w.join("analysis.toml").exists());
}

// ---- quiet --------------------------------------------------------------

fn assert_silent(out: &Output, what: &str) {
    assert!(
        out.stdout.is_empty(),
        "{what}: stdout {}",
        text(&out.stdout)
    );
    assert!(
        out.stderr.is_empty(),
        "{what}: stderr {}",
        text(&out.stderr)
    );
}

#[test]
fn quiet_silences_every_command_but_keeps_exit_codes() {
    let w = Workdir::new();
    let init = run_with(&w, &["init", "-q", "new.toml"], &[]);
    assert_eq!(init.status.code(), Some(0));
    assert_silent(&init, "init");
    assert!(w.join("new.toml").exists());

    two_snapshots(&w, PASSING);
    // Before or after the command.
    let run = run_with(&w, &["-q", "run", "analysis.toml"], &[]);
    assert_eq!(run.status.code(), Some(0));
    assert_silent(&run, "run");
    assert!(w.join("out/report.json").exists());

    let verify = run_with(&w, &["verify", "out/manifest.json", "--quiet"], &[]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stderr));
    assert_silent(&verify, "verify");

    let validate = run_with(
        &w,
        &["validate", "analysis.toml", "-q", "-o", "checked"],
        &[],
    );
    assert_eq!(validate.status.code(), Some(0));
    assert_silent(&validate, "validate");
    assert!(w.join("checked/problems.gpkg").exists());

    let man = run_with(&w, &["-q", "man", "--dir", "pages"], &[]);
    assert_eq!(man.status.code(), Some(0));
    assert_silent(&man, "man --dir");
    assert!(w.join("pages/borderchange.1").exists());

    // What was asked for is still printed.
    let completions = run_with(&w, &["-q", "completions", "bash"], &[]);
    assert!(!completions.stdout.is_empty());
    let page = run_with(&w, &["-q", "man"], &[]);
    assert!(text(&page.stdout).starts_with(".ie"));

    // A changed input: verify's exit code says so, quietly.
    let changed = w.read("b1800.geojson") + "\n";
    w.write("b1800.geojson", &changed);
    let verify = run_with(&w, &["-q", "verify", "out/manifest.json"], &[]);
    assert_eq!(verify.status.code(), Some(1));
    assert_silent(&verify, "verify (differs)");

    // A failing check: exit code 1, nothing printed.
    let failing = PASSING.replace("value = 7892.0616", "value = 9000");
    two_snapshots(&w, &failing);
    let run = run_with(&w, &["run", "analysis.toml", "-q", "--force"], &[]);
    assert_eq!(run.status.code(), Some(1));
    assert_silent(&run, "run (check fails)");

    // Problems: exit code 1, nothing printed.
    w.write(
        "a1700.geojson",
        &common::polygons(&[("A", "[[120,50],[121,51],[121,50],[120,51],[120,50]]")]),
    );
    let validate = run_with(&w, &["-q", "validate", "analysis.toml"], &[]);
    assert_eq!(validate.status.code(), Some(1));
    assert_silent(&validate, "validate (problems)");
}

#[test]
fn quiet_still_prints_errors() {
    let w = Workdir::new();
    for args in [
        &["-q", "run", "missing.toml"][..],
        &["validate", "-q", "missing.toml"][..],
        &["verify", "-q", "missing.json"][..],
    ] {
        let out = run_with(&w, args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(text(&out.stderr).starts_with("error: "), "{args:?}");
    }
    w.write("exists.toml", "");
    let out = run_with(&w, &["init", "-q", "exists.toml"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--force"));
}

// ---- validate on stdout ---------------------------------------------------

#[test]
fn validate_lists_findings_on_stdout_and_errors_of_its_own_on_stderr() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    w.write(
        "a1700.geojson",
        &common::polygons(&[("A", "[[120,50],[121,51],[121,50],[120,51],[120,50]]")]),
    );
    let out = run_with(&w, &["validate", "analysis.toml"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("error: a1700.geojson feature 0: self-intersection"),
        "{stdout}"
    );
    assert!(stdout.contains("1 error(s)"), "{stdout}");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));

    // Piped into another tool, one finding per line.
    let findings: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(findings.len(), 1, "{stdout}");

    w.write("analysis.toml", "title = [\n");
    let out = run_with(&w, &["validate", "analysis.toml"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).starts_with("error: "));
}

// ---- no analysis file -----------------------------------------------------

#[test]
fn no_analysis_file_points_to_init() {
    let w = Workdir::new();
    for command in ["run", "validate"] {
        let out = run_with(&w, &[command], &[]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        let err = text(&out.stderr);
        assert!(err.contains("borderchange init"), "{command}: {err}");
        assert!(err.contains("borderchange.toml"), "{err}");
        assert!(
            err.contains(&format!("borderchange {command} analysis.toml")),
            "{err}"
        );
        assert!(!err.contains("No such file"), "{err}");
        assert!(out.stdout.is_empty());
    }
    // The file `init` writes, once there, is named.
    w.write("mine.toml", "");
    let err = text(&run_with(&w, &["run"], &[]).stderr);
    assert!(err.contains("borderchange run mine.toml"), "{err}");

    // A named file that is not there, or a folder.
    let err = text(&run_with(&w, &["run", "study/other.toml"], &[]).stderr);
    assert!(err.contains("'study/other.toml'"), "{err}");
    assert!(err.contains("borderchange init study/other.toml"), "{err}");
    std::fs::create_dir(w.join("study")).unwrap();
    w.write("study/one.toml", "");
    let out = run_with(&w, &["validate", "study"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("is a folder") && err.contains("'one.toml'"),
        "{err}"
    );

    // verify without a manifest says what writes one.
    let err = text(&run_with(&w, &["verify"], &[]).stderr);
    assert!(
        err.contains("outputs/manifest.json") && err.contains("borderchange run"),
        "{err}"
    );
}

#[test]
fn init_then_the_named_command_finds_the_file() {
    let w = Workdir::new();
    let out = run_with(&w, &["init"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let said = text(&out.stdout);
    assert!(said.contains("borderchange run analysis.toml"), "{said}");
    // The template names data that is not here: the error is about that
    // data now, not about a missing analysis file.
    let err = text(&run_with(&w, &["validate", "analysis.toml"], &[]).stderr);
    assert!(!err.contains("no analysis file"), "{err}");
}

// ---- missing CRS ----------------------------------------------------------

/// An analysis whose 1700 snapshot is `a1700.EXT`, a layer with no CRS.
fn without_crs(w: &Workdir, ext: &str) {
    two_snapshots(w, "");
    let config = w
        .read("analysis.toml")
        .replace("a1700.geojson", &format!("a1700.{ext}"));
    w.write("analysis.toml", &config);
}

/// A CSV layer with WKT polygons and no CRS.
fn csv(polygons: &[(&str, &str)]) -> String {
    let mut csv = "WKT,state\n".to_owned();
    for (wkt, holder) in polygons {
        csv.push_str(&format!("\"{wkt}\",{holder}\n"));
    }
    csv
}

/// The error of `run` and the findings of `validate`, for one analysis.
fn messages(w: &Workdir) -> [String; 2] {
    let run = run_with(w, &["run", "analysis.toml"], &[]);
    assert_eq!(run.status.code(), Some(2));
    let validate = run_with(w, &["validate", "analysis.toml"], &[]);
    assert_eq!(validate.status.code(), Some(1));
    [text(&run.stderr), text(&validate.stdout)]
}

#[test]
fn missing_crs_with_projected_coordinates_asks_for_the_projection() {
    let w = Workdir::new();
    without_crs(&w, "csv");
    // UTM-like metres.
    w.write(
        "a1700.csv",
        &csv(&[
            ("POLYGON ((500000 5540000,600000 5540000,600000 5640000,500000 5640000,500000 5540000))", "A"),
            ("POLYGON ((600000 5540000,700000 5540000,700000 5640000,600000 5640000,600000 5540000))", "B"),
        ]),
    );
    for message in messages(&w) {
        assert!(message.contains("a1700.csv"), "{message}");
        assert!(message.contains("look projected"), "{message}");
        assert!(
            message.contains("x 500000 to 700000, y 5540000 to 5640000"),
            "{message}"
        );
        assert!(
            message.contains("EPSG code of the source's projection"),
            "{message}"
        );
        assert!(!message.contains("\"EPSG:4326\""), "{message}");
    }

    // A shapefile whose .prj is lost, in Web Mercator-size metres.
    let w = Workdir::new();
    without_crs(&w, "shp");
    w.write(
        "src.csv",
        &csv(&[("POLYGON ((13358339 6446276,13469658 6446276,13469658 6621293,13358339 6621293,13358339 6446276))", "A")]),
    );
    let made = Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile", "a1700.shp", "src.csv"])
        .current_dir(w.path())
        .output()
        .expect("ogr2ogr (gdal-bin)");
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert!(!w.join("a1700.prj").exists());
    for message in messages(&w) {
        assert!(
            message.contains("a1700.shp") && message.contains("look projected"),
            "{message}"
        );
        assert!(!message.contains("\"EPSG:4326\""), "{message}");
    }
}

#[test]
fn missing_crs_with_degree_coordinates_suggests_epsg_4326() {
    for (x0, x1) in [(120, 123), (179, 181)] {
        let w = Workdir::new();
        without_crs(&w, "csv");
        let cell = |a: i32, b: i32| format!("POLYGON (({a} 50,{b} 50,{b} 51,{a} 51,{a} 50))");
        w.write(
            "a1700.csv",
            &csv(&[(&cell(x0, x0 + 2), "A"), (&cell(x0 + 2, x1), "B")]),
        );
        for message in messages(&w) {
            assert!(message.contains("fit longitude/latitude"), "{message}");
            assert!(message.contains("assume_crs = \"EPSG:4326\""), "{message}");
            assert!(!message.contains("look projected"), "{message}");
        }
    }
}

// ---- progress -------------------------------------------------------------

#[test]
fn progress_moves_on_a_terminal_and_never_in_a_pipe() {
    let w = Workdir::new();
    two_snapshots(&w, PASSING);
    let piped = run_with(&w, &["run", "analysis.toml"], &[]);
    assert!(
        !text(&piped.stderr).contains('\r'),
        "{}",
        text(&piped.stderr)
    );
    let piped = run_with(&w, &["validate", "analysis.toml"], &[]);
    assert!(!text(&piped.stderr).contains('\r'));
    assert!(piped.stderr.is_empty(), "{}", text(&piped.stderr));

    let shown = on_terminal(&w, "--color never validate analysis.toml", &[]);
    assert!(shown.contains("checking the inputs"), "{shown:?}");
    let shown = on_terminal(&w, "--color never run analysis.toml -o tty", &[]);
    // Each frame: a spinner, the stage and the seconds since the start.
    let frames: Vec<&str> = shown.split('\r').filter(|f| f.contains("[")).collect();
    assert!(
        frames.iter().any(|f| f.starts_with("| [1/3]")),
        "{frames:?}"
    );
    assert!(
        frames.iter().any(|f| f.contains("[3/3] writing outputs")),
        "{frames:?}"
    );
    assert!(!has_escape(&shown), "{shown:?}");
}
