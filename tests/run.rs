//! `borderchange run` end to end on tiny fixtures with known answers: exit
//! codes, every output file and field, the invariants, and bad input.

mod common;

use approx::assert_relative_eq;
use common::{cell_ring, two_snapshots, Workdir, CELL_50N_KM2};
use serde_json::Value;

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

[[reference]]
id = "river"
quantity = "boundary"
year = 1800
states = ["B", "A"]
river = "Test"
value = 55.6
tolerance = 0.03
source = "half a degree of meridian at 50° N (the river run may extend by up to river_distance_km past the river's end)"
"#;

fn report(w: &Workdir) -> Value {
    serde_json::from_str(&w.read("out/report.json")).expect("report.json is JSON")
}

#[test]
fn one_square_moves_and_checks_pass() {
    let w = Workdir::new();
    two_snapshots(&w, PASSING);
    let out = w.run(&["run", "analysis.toml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");

    let r = report(&w);
    let transfers = r["transfers"].as_array().expect("transfers");
    assert_eq!(transfers.len(), 1);
    let t = &transfers[0];
    assert_eq!(t["from_state"], "A");
    assert_eq!(t["to_state"], "B");
    assert_eq!(t["from_year"], 1700);
    assert_eq!(t["to_year"], 1800);
    assert_eq!(t["treaty"], "Second");
    assert_relative_eq!(
        t["area_km2"].as_f64().unwrap(),
        CELL_50N_KM2,
        max_relative = 1e-7
    );
    // The equal-area projection agrees with the geodesic area closely.
    assert_relative_eq!(
        t["area_ea_km2"].as_f64().unwrap(),
        CELL_50N_KM2,
        max_relative = 1e-4
    );
    assert_eq!(r["checks_pass"], true);
    for c in r["checks"].as_array().unwrap() {
        assert_eq!(c["agrees"], true, "{c}");
    }
}

#[test]
fn areas_sum_to_the_region_and_balances_close() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    let out = w.run(&["run", "analysis.toml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report(&w);
    for region in r["regions"].as_array().unwrap() {
        assert_relative_eq!(
            region["area_km2"].as_f64().unwrap(),
            3.0 * CELL_50N_KM2,
            max_relative = 1e-7
        );
        assert!(
            region["overlap_rel"].as_f64().unwrap().abs() <= 1e-6,
            "{region}"
        );
        assert!(
            region["rel_to_first"].as_f64().unwrap().abs() <= 1e-6,
            "{region}"
        );
    }
    for step in r["steps"].as_array().unwrap() {
        for b in step["balances"].as_array().unwrap() {
            assert!(b["rel_error"].as_f64().unwrap().abs() <= 1e-6, "{b}");
        }
    }
    let areas = r["areas"].as_array().unwrap();
    let area = |year: i64, state: &str| {
        areas
            .iter()
            .find(|a| a["year"] == year && a["state"] == state)
            .and_then(|a| a["area_km2"].as_f64())
            .unwrap()
    };
    assert_relative_eq!(area(1700, "A"), 2.0 * CELL_50N_KM2, max_relative = 1e-7);
    assert_relative_eq!(area(1800, "B"), 2.0 * CELL_50N_KM2, max_relative = 1e-7);
}

#[test]
fn boundary_is_split_into_river_and_land() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    let out = w.run(&["run", "analysis.toml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report(&w);
    let rows: Vec<&Value> = r["boundaries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["year"] == 1800)
        .collect();
    let length = |kind: &str| {
        rows.iter()
            .filter(|b| b["kind"] == kind)
            .map(|b| b["length_km"].as_f64().unwrap())
            .sum::<f64>()
    };
    // 121° E from 50° to 51° N is one degree of meridian (about 111.2 km);
    // the river follows the southern half of it.
    let total = length("river") + length("land");
    assert_relative_eq!(total, 111.2, max_relative = 2e-3);
    // The river run may reach up to river_distance_km (1 km) past the river end.
    assert_relative_eq!(length("river"), total / 2.0, max_relative = 0.03);
    assert!(rows.iter().any(|b| b["river"] == "Test"));
}

#[test]
fn every_output_is_written_with_its_fields() {
    let w = Workdir::new();
    two_snapshots(&w, PASSING);
    let out = w.run(&["run", "analysis.toml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for layer in ["transfers", "boundaries", "states", "rivers"] {
        for ext in ["shp", "shx", "dbf", "prj", "cpg", "qml"] {
            let path = w.join(&format!("out/{layer}.{ext}"));
            assert!(path.exists(), "{} is missing", path.display());
        }
        assert!(w.read(&format!("out/{layer}.prj")).contains("WGS"));
        assert_eq!(w.read(&format!("out/{layer}.cpg")).trim(), "UTF-8");
    }
    let dbf_fields = |layer: &str| -> Vec<String> {
        // dBASE header: 32 bytes, then 32-byte field descriptors up to 0x0D.
        let bytes = std::fs::read(w.join(&format!("out/{layer}.dbf"))).unwrap();
        bytes[32..]
            .chunks(32)
            .take_while(|d| d[0] != 0x0d)
            .map(|d| {
                String::from_utf8_lossy(&d[..11])
                    .trim_end_matches('\0')
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        dbf_fields("transfers"),
        [
            "from_state",
            "to_state",
            "from_year",
            "to_year",
            "until",
            "treaty",
            "area_km2",
            "area_ea_km"
        ]
    );
    assert_eq!(
        dbf_fields("boundaries"),
        [
            "year",
            "until",
            "state_a",
            "state_b",
            "kind",
            "river",
            "length_km"
        ]
    );
    assert_eq!(
        dbf_fields("states"),
        ["year", "until", "treaty", "state", "area_km2"]
    );
    assert_eq!(dbf_fields("rivers"), ["name", "length_km"]);
    // The GeoPackage and the QGIS project that opens it, by relative path.
    assert!(w.join("out/borderchange.gpkg").exists());
    let project = w.read("out/borderchange.qgs");
    assert!(project.contains("./borderchange.gpkg|layername=states|subset=&quot;year&quot; = 1700"));
    assert!(project.contains("<Ellipsoid type=\"QString\">EPSG:7030</Ellipsoid>"));
    assert!(w.read("out/states.qml").contains("attr=\"state\""));
    let package: Value = serde_json::from_str(&w.read("out/datapackage.json")).unwrap();
    assert_eq!(package["resources"][1]["path"], "transfers.csv");
    for file in ["report.md", "areas.csv", "transfers.csv", "boundaries.csv"] {
        assert!(
            !w.read(&format!("out/{file}")).is_empty(),
            "{file} is empty"
        );
    }
    assert!(w
        .read("out/areas.csv")
        .starts_with("year,treaty,state,area_km2,area_ea_km2,ea_rel_diff\n"));
    let md = w.read("out/report.md");
    assert!(
        md.contains("| Second | 1700→1800 | A | B | 7,892 |"),
        "{md}"
    );
    // Nothing of the staging folder is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(w.join("out"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".borderchange"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_disagreeing_check_exits_1_and_context_does_not() {
    let w = Workdir::new();
    let context = r#"
[[reference]]
id = "other-definition"
quantity = "transfer"
from = ["A"]
to = ["B"]
years = [1700, 1800]
value = 4000
tolerance = 0.1
source = "a narrower definition"
role = "context"
"#;
    two_snapshots(&w, context);
    let out = w.run(&["run", "analysis.toml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report(&w)["checks"][0]["agrees"], false);

    let failing = context.replace("role = \"context\"", "");
    two_snapshots(&w, &failing);
    let out = w.run(&["run", "analysis.toml", "--force"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reference check"));
    // The outputs are still written: a failed check is a result, not an error.
    assert_eq!(report(&w)["checks_pass"], false);
}

#[test]
fn format_option_writes_only_the_formats_asked_for() {
    let w = Workdir::new();
    two_snapshots(&w, PASSING);
    let out = w.run(&[
        "run",
        "analysis.toml",
        "--format",
        "GeoJSON",
        "--format",
        "fgb",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for layer in ["transfers", "boundaries", "states", "rivers"] {
        assert!(w.join(&format!("out/{layer}.geojson")).exists(), "{layer}");
        assert!(w.join(&format!("out/{layer}.fgb")).exists(), "{layer}");
        assert!(w.join(&format!("out/{layer}.qml")).exists(), "{layer}");
        assert!(!w.join(&format!("out/{layer}.shp")).exists(), "{layer}");
    }
    assert!(!w.join("out/borderchange.gpkg").exists());
    let transfers: Value = serde_json::from_str(&w.read("out/transfers.geojson")).unwrap();
    assert_eq!(transfers["features"][0]["properties"]["to_state"], "B");
    // The manifest records the formats used, so `verify` re-runs the same.
    let manifest: Value = serde_json::from_str(&w.read("out/manifest.json")).unwrap();
    assert_eq!(
        manifest["config_normalised"]["output"]["formats"],
        serde_json::json!(["GeoJSON", "FlatGeobuf"])
    );
    let verify = w.run(&["verify", "out/manifest.json"]);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn unknown_format_is_refused_with_the_choices() {
    let w = Workdir::new();
    two_snapshots(&w, PASSING);
    let out = w.run(&["run", "analysis.toml", "--format", "KML"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown output format 'KML'"), "{err}");
    assert!(
        err.contains("GPKG, ESRI Shapefile, GeoJSON, FlatGeobuf"),
        "{err}"
    );
    assert!(!w.join("out").exists(), "nothing is written");
}

#[test]
fn progress_shows_on_a_terminal_only() {
    let w = Workdir::new();
    two_snapshots(&w, PASSING);
    // Piped (as here): no progress lines, no terminal control codes.
    let piped = w.run(&["run", "analysis.toml"]);
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(
        !stderr.contains("[1/3]") && !stderr.contains('\x1b'),
        "{stderr}"
    );
    // On a terminal (util-linux `script` gives the command a pseudo-terminal).
    let command = format!(
        "{} run analysis.toml -o tty",
        env!("CARGO_BIN_EXE_borderchange")
    );
    let tty = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(w.path())
        .output()
        .expect("run script (util-linux)");
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(
        shown.contains("[1/3] reading and validating the inputs"),
        "{shown}"
    );
    assert!(shown.contains("[3/3] writing outputs"), "{shown}");
    // --quiet silences it.
    let command = format!("{command}-quiet --quiet");
    let quiet = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(w.path())
        .output()
        .expect("run script (util-linux)");
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains("[1/3]"));
}

/// The tables of report.md and the CSVs for the fixture, compared with the
/// committed golden files (`tests/golden/`). Set `BORDERCHANGE_BLESS=1` to
/// rewrite them after a deliberate change, and review the diff.
#[test]
fn tables_match_the_golden_files() {
    let w = Workdir::new();
    two_snapshots(&w, PASSING);
    let out = w.run(&["run", "analysis.toml", "-q"]);
    assert_eq!(out.status.code(), Some(0));
    let tables: String = w
        .read("out/report.md")
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| format!("{l}\n"))
        .collect();
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for (name, text) in [
        ("fixture-report-tables.md", tables),
        ("fixture-areas.csv", w.read("out/areas.csv")),
        ("fixture-transfers.csv", w.read("out/transfers.csv")),
        ("fixture-boundaries.csv", w.read("out/boundaries.csv")),
    ] {
        let path = golden.join(name);
        if std::env::var_os("BORDERCHANGE_BLESS").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (BORDERCHANGE_BLESS=1 writes it)", path.display()));
        assert_eq!(text, expected, "{name} differs from the golden file");
    }
}

#[test]
fn a_hole_wound_like_its_exterior_is_still_a_hole() {
    // The same holdings twice: the hole wound clockwise (as GeoJSON wants)
    // and counter-clockwise (as many tools write it). A's two features are
    // dissolved by an overlay that fills by winding; both must give the
    // same areas, with the hole left out.
    let outer = "[124,50],[127,50],[127,53],[124,53],[124,50]";
    let clockwise = "[125,51],[125,52],[126,52],[126,51],[125,51]";
    let counter = "[125,51],[126,51],[126,52],[125,52],[125,51]";
    let mut areas = Vec::new();
    for hole in [clockwise, counter] {
        let w = Workdir::new();
        two_snapshots(&w, "");
        let holed = format!("[{outer}],[{hole}]");
        for (file, b_ring) in [
            ("a1700.geojson", cell_ring(122.0, 50.0)),
            ("b1800.geojson", cell_ring(122.0, 50.0)),
        ] {
            w.write(
                file,
                &common::polygons(&[
                    ("A", &cell_ring(120.0, 50.0)),
                    ("A", &holed),
                    ("B", &b_ring),
                    ("B", &cell_ring(121.0, 50.0)),
                ]),
            );
        }
        let out = w.run(&["run", "analysis.toml", "-q"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = report(&w);
        let a = r["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["state"] == "A" && row["year"] == 1700)
            .unwrap()["area_km2"]
            .as_f64()
            .unwrap();
        areas.push(a);
    }
    assert_relative_eq!(areas[0], areas[1], max_relative = 1e-12);
    // One cell plus eight cells of the 3×3 block: well under ten cells.
    assert!(areas[0] < 9.0 * CELL_50N_KM2, "{areas:?}");
}

/// A rerun with --force puts the new outputs over the old ones (each file
/// exchanged in one step) and leaves no staging folder; a folder in the way
/// of an output is refused, not replaced, and what it holds is kept.
#[test]
fn a_forced_rerun_replaces_the_outputs() {
    let w = Workdir::new();
    two_snapshots(&w, PASSING);
    let out = w.run(&["run", "analysis.toml"]);
    assert_eq!(out.status.code(), Some(0));
    let analysis = w.read("analysis.toml");
    w.write(
        "analysis.toml",
        &analysis.replacen("title = \"fixture\"", "title = \"Second run\"", 1),
    );
    let out = w.run(&["run", "analysis.toml", "--force"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report(&w)["title"], "Second run");
    let left: Vec<String> = std::fs::read_dir(w.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    std::fs::remove_file(w.join("out/transfers.csv")).unwrap();
    std::fs::create_dir(w.join("out/transfers.csv")).unwrap();
    w.write("out/transfers.csv/mine.txt", "mine");
    let out = w.run(&["run", "analysis.toml", "--force"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("transfers.csv"), "{err}");
    assert_eq!(w.read("out/transfers.csv/mine.txt"), "mine");
}

#[test]
fn an_occupied_output_folder_needs_force() {
    let w = Workdir::new();
    two_snapshots(&w, PASSING);
    std::fs::create_dir(w.join("out")).unwrap();
    w.write("out/notes.txt", "mine");
    let out = w.run(&["run", "analysis.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not empty: pass --force"), "{err}");
    // Nothing was touched.
    let names: Vec<_> = std::fs::read_dir(w.join("out")).unwrap().collect();
    assert_eq!(names.len(), 1);
    // With --force the outputs are written and the user's file is kept.
    let out = w.run(&["run", "analysis.toml", "--force"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(w.read("out/notes.txt"), "mine");
    assert!(w.join("out/report.json").exists());
}
