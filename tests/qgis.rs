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
    // The Temporal Controller from 1689 to the default end, 1900, a year a
    // frame; 1859 shows 1858 alone, 1870 still 1860; the six places and a
    // layout per snapshot (their checks are in the script).
    for line in [
        "ok    project time range read (1689-01-01..1900-01-01)",
        "ok    Temporal Controller opens animated (mode 1)",
        "ok    211 of 211 frames and one after the end",
        "ok    frame 1859-01-01..1860-01-01 rendered",
        "holders labelled {'states_1858': 3}",
        "ok    places: 6 labelled",
        "ok    4 print layouts for 4 snapshots",
        "ok    layout 1858 Aigun: 3 transfers, the step to 1858 has 3",
        "ok    project CRS named: 'Albers Equal Area (",
    ] {
        assert!(text.contains(line), "{line} not in:\n{text}");
    }

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
    assert!(
        text.contains("coalesce(if(day(\"from_date\") = 1, to_datetime(\"from_date\")"),
        "{text}"
    );
    // Monthly frames from the first snapshot to the default end, 1850.
    assert!(
        text.contains("ok    project time range read (1800-03-01..1850-01-01)"),
        "{text}"
    );
    assert!(
        text.contains("ok    3 print layouts for 3 snapshots"),
        "{text}"
    );
}

/// An own analysis with the treaties' days (Aigun 28 May 1858, Peking 14
/// November 1860) and a set end within a month: the Temporal Controller
/// steps by month, each frame shows the snapshot holding on its first day
/// (Aigun's from June 1858, Peking's from December 1860), the last one until
/// `output.until`.
#[test]
#[ignore = "needs QGIS (make test runs it)"]
fn project_of_dated_treaties_steps_by_month_to_the_set_end() {
    let work = Workdir::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("borderchange.toml")).unwrap();
    let mut table: toml::Table = text.parse().unwrap();
    for key in [
        "variant",
        "zones",
        "base_variant",
        "uncertainty",
        "reference",
    ] {
        table.remove(key);
    }
    common::absolute_layer_paths(&mut table, root);
    let days = [("1858", "1858-05-28"), ("1860", "1860-11-14")];
    for snapshot in table["snapshot"].as_array_mut().unwrap() {
        let s = snapshot.as_table_mut().unwrap();
        let path = root.join(s["path"].as_str().unwrap());
        s.insert("path".into(), path.display().to_string().into());
        let year = s["year"].to_string();
        if let Some((_, day)) = days.iter().find(|(y, _)| *y == year) {
            s.insert("date".into(), (*day).into());
        }
    }
    let output = table["output"].as_table_mut().unwrap();
    output.insert("dir".into(), "out".into());
    output.insert("until".into(), "1870-06-15".into());
    let config = work.write("dated.toml", &toml::to_string(&table).unwrap());
    let run = work.run(&["run", config.to_str().unwrap(), "-q"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = work.join("out");
    let (ok, text) = check_in_qgis(&out, work.path());
    assert!(ok, "QGIS checks failed:\n{text}");
    for line in [
        // From January 1689 to the 1st after 15 June 1870, by month.
        "ok    project time range read (1689-01-01..1870-07-01)",
        // QGIS counts ceil(days / 30) frames (2210) and steps by calendar
        // months (2178 to the end), so 32 frames after the end show nothing.
        "2210 frames, 32 after the range's end",
        "every snapshot has frames: [('1689', 456), ('1727', 1577), ('1858-05-28', 30), ('1860-11-14', 115)]",
        "ok    frame 1858-05-01..1858-06-01 rendered",
        "holders labelled {'states_1727': 3}",
        "ok    frame 1858-06-01..1858-07-01 rendered",
        "holders labelled {'states_1858-05-28': 3}",
        "ok    layout 1860-11-14 Peking: the map's time 1860-12-01..1860-12-02 is 1860-11-14's",
    ] {
        assert!(text.contains(line), "{line} not in:\n{text}");
    }
}
