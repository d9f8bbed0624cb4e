//! The QGIS project a run writes, opened in real QGIS (Debian's `qgis` and
//! `python3-qgis`, headless): layers valid, counts as in the report, styles
//! and time applied, QGIS's own `$area` equal to ours. `make test` installs
//! QGIS; see DEVELOPERS.md.

mod common;

use std::path::Path;
use std::process::Command;

use common::{chromium, Workdir};

/// Debian's Python, which has the `qgis` module (not a pyenv or venv one).
const SYSTEM_PYTHON: &str = "/usr/bin/python3";

fn check_in_qgis(outputs: &Path, scratch: &Path) -> (bool, String) {
    let runtime = scratch.join("xdg");
    std::fs::create_dir_all(&runtime).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/qgis/check_project.py");
    let output = Command::new(SYSTEM_PYTHON)
        .arg(&script)
        .arg(outputs)
        .arg("--render")
        .arg(outputs.join("qgis-render.png"))
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {SYSTEM_PYTHON}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !text.contains("No module named 'qgis'"),
        "QGIS's Python module is missing: run `make test` (it installs qgis, python3-qgis and qgis-providers)"
    );
    let text = format!("{text}\n(exit status: {})", output.status);
    (output.status.success(), text)
}

#[test]
#[ignore = "needs QGIS (make test runs it)"]
fn bundled_project_opens_in_qgis_as_reported() {
    let work = Workdir::new();
    let out = work.join("out");
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("borderchange.toml");
    let run = work.run(&[
        "run",
        config.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(
        run.status.code() == Some(0),
        "run failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (ok, text) = check_in_qgis(&out, work.path());
    assert!(ok, "QGIS checks failed:\n{text}");
    assert!(text.contains("QGIS $area agrees with area_km2"), "{text}");
    assert!(out.join("qgis-render.png").exists());

    // Pictures to look at: QGIS's render of the project and Chromium's of
    // report.html, kept in outputs/screenshots/ (not committed).
    let keep = Path::new(env!("CARGO_MANIFEST_DIR")).join("outputs/screenshots");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::copy(out.join("qgis-render.png"), keep.join("bundled-qgis.png")).unwrap();
    let shot = keep.join("bundled-report.png");
    let url = format!("file://{}", out.join("report.html").display());
    let (_, log) = chromium(
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,3200",
            &url,
        ],
        &work.join("chromium-profile"),
    );
    assert!(!log.contains("Uncaught"), "{log}");
    assert!(shot.exists(), "{log}");
}

/// A project whose snapshots have dates (two in one year): each snapshot's
/// layers filtered by its day hold the features the report lists, and the
/// time ranges evaluate on the date fields.
#[test]
#[ignore = "needs QGIS (make test runs it)"]
fn dated_project_opens_in_qgis_as_reported() {
    let work = Workdir::new();
    let config = common::one_year_twice(&work);
    let run = work.run(&["run", config.to_str().unwrap(), "-q"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = work.join("out");
    let (ok, text) = check_in_qgis(&out, work.path());
    assert!(ok, "QGIS checks failed:\n{text}");
    for layer in ["states_1800-03-01", "states_1800-09-01", "boundaries_1801"] {
        assert!(
            text.contains(&format!("{layer}: ")),
            "{layer} not checked:\n{text}"
        );
    }
    assert!(text.contains("coalesce(to_date(\"from_date\")"), "{text}");
}
