//! `report.html` in real headless Chromium (Debian's `chromium`; `make test`
//! installs it): the page loads offline with no script errors, every map
//! draws, and the numbers in the tables are the ones in `report.json`. A
//! screenshot is kept under the output folder.

mod common;

use common::{chromium, two_snapshots, Workdir};
use serde_json::Value;

/// The `data-value` of every number cell in the table with this id.
fn column_values(html: &str, table: &str) -> Vec<f64> {
    let start = html
        .find(&format!("<table id=\"{table}\""))
        .unwrap_or_else(|| panic!("table {table}"));
    let end = start + html[start..].find("</table>").unwrap();
    html[start..end]
        .split("data-value=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

#[test]
#[ignore = "needs Chromium (make test runs it)"]
fn report_opens_in_chromium_and_matches_the_json() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    let run = w.run(&["run", "analysis.toml", "-q"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let html_path = w.join("out/report.html");
    let html = w.read("out/report.html");
    assert!(!html.contains("<script src"), "no remote scripts");
    assert!(!html.contains("<link"), "no external stylesheets");

    let url = format!("file://{}", html_path.display());
    let profile = w.join("chromium-profile");
    let (dom, log) = chromium(&["--dump-dom", &url], &profile);
    assert!(
        !log.contains("Uncaught") && !log.contains(":ERROR:CONSOLE"),
        "console errors: {log}"
    );
    // The page's own script counts maps with a drawn size.
    let maps = html.matches("<figure id=\"map-").count();
    assert!(maps >= 3, "a map per snapshot and per step: {maps}");
    assert!(
        dom.contains(&format!("data-maps-drawn=\"{maps}/{maps}\"")),
        "every map draws: {}",
        &dom[..dom.len().min(400)]
    );
    // As the browser built it: the answer (the transfers) before the
    // first map, the sources last.
    let first_map = dom.find("<figure id=\"map-").expect("a map in the DOM");
    let transfers = dom
        .find("<table id=\"transfers\"")
        .expect("the transfers table");
    let sources = dom
        .find("<h2 id=\"sources\">")
        .expect("the sources section");
    assert!(transfers < first_map && first_map < sources);
    let shot = w.join("out/report-screenshot.png");
    chromium(
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,2400",
            &url,
        ],
        &profile,
    );
    assert!(std::fs::metadata(&shot)
        .map(|m| m.len() > 10_000)
        .unwrap_or(false));

    // Numbers: the HTML tables carry the JSON's values.
    let report: Value = serde_json::from_str(&w.read("out/report.json")).unwrap();
    let json_transfers: Vec<f64> = report["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            let km2 = t["area_km2"].as_f64().unwrap();
            [
                km2,
                km2 / (1.609_344 * 1.609_344),
                t["area_ea_km2"].as_f64().unwrap(),
            ]
        })
        .collect();
    let html_transfers = column_values(&html, "transfers");
    assert_eq!(html_transfers.len(), json_transfers.len());
    for (h, j) in html_transfers.iter().zip(&json_transfers) {
        assert!((h - j).abs() <= 1e-9 * j.abs(), "{h} vs {j}");
    }
    let json_areas: Vec<f64> = report["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["area_km2"].as_f64().unwrap())
        .collect();
    let html_areas: Vec<f64> = column_values(&html, "areas")
        .chunks(3)
        .map(|c| c[0])
        .collect();
    assert_eq!(html_areas, json_areas);
    // Maps as files too.
    for entry in ["snapshot-1700", "snapshot-1800", "transfers-1700-1800"] {
        for ext in ["svg", "png"] {
            assert!(
                w.join(&format!("out/maps/{entry}.{ext}")).exists(),
                "{entry}.{ext}"
            );
        }
    }
}

/// The two-snapshot fixture with `[output] pdf = true`.
fn pdf_fixture() -> Workdir {
    let w = Workdir::new();
    let config = two_snapshots(&w, "");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replacen("dir = \"out\"\n", "dir = \"out\"\npdf = true\n", 1),
    )
    .unwrap();
    w
}

/// `[output] pdf = true`: Chromium prints the report to `report.pdf`,
/// several pages, the same bytes on a second run (Chromium's dates are
/// fixed), listed in the manifest.
#[test]
#[ignore = "needs Chromium (make test runs it)"]
fn report_prints_to_the_same_pdf_every_time() {
    let w = pdf_fixture();
    for out in ["out", "again"] {
        let run = w.run(&["run", "analysis.toml", "-q", "-o", out]);
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let pdf = std::fs::read(w.join("out/report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let pages = pdf.windows(11).filter(|w| w == b"/Type /Page").count()
        - pdf.windows(12).filter(|w| w == b"/Type /Pages").count();
    assert!(pages >= 2, "{pages} pages");
    let fixed = b"/CreationDate (D:20000101000000+00'00')";
    assert!(pdf.windows(fixed.len()).any(|w| w == fixed));
    assert!(
        std::fs::read(w.join("again/report.pdf")).unwrap() == pdf,
        "the PDF differs between runs"
    );
    assert!(w.read("out/manifest.json").contains("\"report.pdf\""));
}

/// Without Chromium, `pdf = true` is refused with what to install.
#[test]
fn printing_without_chromium_says_what_to_install() {
    let w = pdf_fixture();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_borderchange"))
        .args(["run", "analysis.toml", "-q"])
        .current_dir(w.path())
        .env("BORDERCHANGE_CHROMIUM", w.join("no-such-chromium"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stderr}");
    assert!(stderr.contains("could not be started"), "{stderr}");
    assert!(stderr.contains("apt-get install chromium"), "{stderr}");
    assert!(
        !w.join("out/report.html").exists(),
        "nothing is put in place"
    );
}
