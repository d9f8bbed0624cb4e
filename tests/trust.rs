//! Figures to trust on users' own data: overlapping holders refused (or,
//! below `sliver_km2`, measured and reported), land held by nobody in one
//! snapshot warned about and balanced, renamed or misspelt holders warned
//! about and made one by `[holders]`, and `validate` finding every error
//! `run` refuses, each named by file, layer, year and holder, without
//! cascades and without getting in `run`'s way.

mod common;

use common::{cell_ring, plain_config, polygons, two_snapshots, Workdir, CELL_50N_KM2};

fn run(w: &Workdir, args: &[&str]) -> (Option<i32>, String, String) {
    let out = w.run(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn report(w: &Workdir) -> serde_json::Value {
    serde_json::from_str(&w.read("out/report.json")).expect("report.json")
}

/// 1700: A holds two cells, B one; C's cell lies a quarter over B's.
fn overlapping(w: &Workdir, c_west: f64) {
    plain_config(w, "overlap");
    let joined = "[[120,50],[121,50],[122,50],[122,51],[121,51],[120,51],[120,50]]";
    w.write(
        "a1700.geojson",
        &polygons(&[
            ("A", joined),
            ("B", &cell_ring(122.0, 50.0)),
            ("C", &cell_ring(c_west, 50.0)),
        ]),
    );
    w.write("b1800.geojson", &w.read("a1700.geojson"));
}

#[test]
fn overlap_above_sliver_is_refused_naming_everything() {
    let w = Workdir::new();
    overlapping(&w, 122.75);
    let (code, stdout, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains(
            "'a1700.geojson' layer 'a1700' (1700 snapshot): holders 'B' and 'C' overlap by 1972."
        ) && stderr.contains("(in one piece: 1972.")
            && stderr.contains("km²), around (122.87"),
        "{stderr}"
    );
    assert!(!w.join("out/report.json").exists());
    // validate says the same, as an error.
    let (code, said, _) = run(&w, &["validate", "analysis.toml"]);
    assert_eq!(code, Some(1));
    assert!(
        said.contains("error: a1700.geojson layer 'a1700' (1700) holder 'B': overlap: holders 'B' and 'C' overlap by 1972."),
        "{said}"
    );
}

#[test]
fn overlap_below_sliver_is_measured_and_reported() {
    let w = Workdir::new();
    // C overlaps B by 0.01° of longitude: about 79 km², under sliver_km2.
    overlapping(&w, 122.99);
    let config = w
        .read("analysis.toml")
        .replace("[output]", "[parameters]\nsliver_km2 = 100\n\n[output]");
    w.write("analysis.toml", &config);
    let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(0), "{stderr}");
    let overlaps = report(&w)["overlaps"].as_array().unwrap().clone();
    assert_eq!(overlaps.len(), 2, "{overlaps:?}");
    let km2 = overlaps[0]["area_km2"].as_f64().unwrap();
    assert!(
        (km2 - CELL_50N_KM2 * 0.01).abs() < 0.5,
        "{km2} km²: {overlaps:?}"
    );
    assert_eq!(overlaps[0]["state_a"], "B");
    assert_eq!(overlaps[0]["state_b"], "C");
    let (_, said, _) = run(&w, &["validate", "analysis.toml"]);
    assert!(
        said.contains("note: a1700.geojson layer 'a1700' (1700) holder 'B': overlap: holders 'B' and 'C' overlap by 78."),
        "{said}"
    );
}

/// A holder whose south side runs 10° along 38° N, with a lake drawn just
/// north of it: measured as a geodesic the side bows about 0.11° north,
/// across the lake. `run` warns naming the edge, the lake and what to do;
/// `validate` says the same as a warning; the same side drawn with points
/// along the parallel is not warned about.
#[test]
fn an_edge_that_bows_across_a_lake_is_warned_about() {
    let w = Workdir::new();
    plain_config(&w, "bowed");
    let shell = "[[100,38],[110,38],[110,40],[100,40],[100,38]]";
    let lake = "[[104.9,38.1],[104.9,38.2],[105.1,38.2],[105.1,38.1],[104.9,38.1]]";
    let north = "[[100,40],[110,40],[110,41],[100,41],[100,40]]";
    let write = |shell: &str| {
        let a = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"state":"A"}},"geometry":{{"type":"Polygon","coordinates":[{shell},{lake}]}}}},{{"type":"Feature","properties":{{"state":"B"}},"geometry":{{"type":"Polygon","coordinates":[{north}]}}}}]}}"#
        );
        w.write("a1700.geojson", &a);
        w.write("b1800.geojson", &a);
    };
    write(shell);
    let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(0), "{stderr}");
    let said = "holder 'A': the edge from (100.0000, 38.0000) to (110.0000, 38.0000) is measured as a geodesic";
    assert!(
        stderr.contains(said)
            && stderr.contains("passes across another ring of the holding")
            && stderr.contains("first near (104.9000, 38.10")
            && stderr.contains("add points along it in the data"),
        "{stderr}"
    );
    let warnings = report(&w)["warnings"].to_string();
    assert!(warnings.contains(said), "{warnings}");
    let (code, listed, _) = run(&w, &["validate", "analysis.toml"]);
    assert_eq!(code, Some(1), "{listed}");
    assert!(
        listed.contains("warning:") && listed.contains("bowed edge") && listed.contains(said),
        "{listed}"
    );
    // Points along the parallel: the side follows it, nothing to say.
    let along: Vec<String> = (0..=100)
        .map(|i| format!("[{},38]", 100.0 + 0.1 * f64::from(i)))
        .collect();
    write(&format!("[{},[110,40],[100,40],[100,38]]", along.join(",")));
    let (code, _, stderr) = run(&w, &["run", "analysis.toml", "--force"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("measured as a geodesic"), "{stderr}");
}

/// Land two holders hold at once, under `sliver_km2`, counts in both their
/// transfers: the balance it puts off is said to come from the overlap,
/// with the overlaps named, not blamed on the overlay; a balance off by
/// more than the overlaps still is.
#[test]
fn a_balance_off_by_land_held_twice_is_explained_by_the_overlap() {
    let w = Workdir::new();
    plain_config(&w, "held twice");
    let config = w
        .read("analysis.toml")
        .replace("[output]", "[parameters]\nsliver_km2 = 100\n\n[output]");
    w.write("analysis.toml", &config);
    w.write(
        "a1700.geojson",
        &polygons(&[
            ("A", &cell_ring(120.0, 50.0)),
            ("B", &cell_ring(121.0, 50.0)),
        ]),
    );
    // In 1800 C holds a strip 0.01° wide along B's east side, which B
    // still holds too: about 79 km² held twice.
    let strip = "[[121.99,50],[122,50],[122,51],[121.99,51],[121.99,50]]";
    w.write(
        "b1800.geojson",
        &polygons(&[
            ("A", &cell_ring(120.0, 50.0)),
            ("B", &cell_ring(121.0, 50.0)),
            ("C", strip),
        ]),
    );
    let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(0), "{stderr}");
    let warning = stderr
        .lines()
        .find(|l| l.contains("the balance of 'B' from 1700 to 1800"))
        .unwrap_or_else(|| panic!("no balance warning for B: {stderr}"));
    assert!(
        warning.contains("not an overlay error")
            && warning.contains("'B' and 'C' in 1800: 78.")
            && !warning.contains("the overlay lost or gained land"),
        "{warning}"
    );
    let r = report(&w);
    let b = r["steps"][0]["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["state"] == "B")
        .unwrap()
        .clone();
    let off_km2 = b["before_km2"].as_f64().unwrap() - b["outgoing_km2"].as_f64().unwrap()
        + b["incoming_km2"].as_f64().unwrap()
        - b["after_km2"].as_f64().unwrap();
    let overlap_km2 = r["overlaps"][0]["area_km2"].as_f64().unwrap();
    assert!(
        (off_km2.abs() - overlap_km2).abs() < 1e-6 * overlap_km2,
        "{b}"
    );
}

#[test]
fn land_lost_to_and_gained_from_nobody_is_warned_and_balanced() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // In 1800 nobody holds A's cell at 120° E; B gains a new cell at 123° E
    // that nobody held in 1700.
    let b_joined =
        "[[121,50],[122,50],[123,50],[124,50],[124,51],[123,51],[122,51],[121,51],[121,50]]";
    w.write("b1800.geojson", &polygons(&[("B", b_joined)]));
    let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: 7,892 km² that 'A' holds in the 1700 snapshot is held by no holder in the 1800 snapshot ('b1800.geojson')"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: 7,892 km² that no holder holds in the 1700 snapshot is held by 'B' in the 1800 snapshot"),
        "{stderr}"
    );
    let r = report(&w);
    assert_eq!(
        r["warnings"].as_array().unwrap().len(),
        2,
        "{}",
        r["warnings"]
    );
    for b in r["steps"][0]["balances"].as_array().unwrap() {
        let rel = b["rel_error"].as_f64().unwrap();
        assert!(rel.abs() < 1e-6, "the balance closes: {b}");
    }
    let balances = r["steps"][0]["balances"].as_array().unwrap();
    let a = balances.iter().find(|b| b["state"] == "A").unwrap();
    assert!(
        (a["to_nobody_km2"].as_f64().unwrap() - CELL_50N_KM2).abs() < 1.0,
        "{a}"
    );
    let b = balances.iter().find(|b| b["state"] == "B").unwrap();
    assert!(
        (b["from_nobody_km2"].as_f64().unwrap() - CELL_50N_KM2).abs() < 1.0,
        "{b}"
    );
    let md = w.read("out/report.md");
    assert!(md.contains("## Warnings"), "{md}");
    assert!(md.contains("lost to no holder by 'A'"), "{md}");
}

/// 1914: "Deutsches Reich" and "Nederland"; 1940: "Großdeutsches Reich"
/// holds all the Reich's land, and the Netherlands are "nederland".
fn renamed(w: &Workdir, holders: &str) {
    w.write(
        "analysis.toml",
        &format!(
            "title = \"renamed\"\n{holders}\n[output]\ndir = \"out\"\n\n[[snapshot]]\nyear = 1914\ntreaty = \"A\"\npath = \"a.geojson\"\n\n[[snapshot]]\nyear = 1940\ntreaty = \"B\"\npath = \"b.geojson\"\n"
        ),
    );
    w.write(
        "a.geojson",
        &polygons(&[
            ("Deutsches Reich", &cell_ring(10.0, 50.0)),
            ("Nederland", &cell_ring(5.0, 52.0)),
        ]),
    );
    w.write(
        "b.geojson",
        &polygons(&[
            ("Großdeutsches Reich", &cell_ring(10.0, 50.0)),
            ("nederland", &cell_ring(5.0, 52.0)),
        ]),
    );
}

#[test]
fn renamed_and_misspelt_holders_are_warned_with_the_line_to_add() {
    let w = Workdir::new();
    renamed(&w, "");
    let (code, stdout, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("Deutsches Reich → Großdeutsches Reich"),
        "{stdout}"
    );
    assert!(
        stderr.contains(r#"warning: holder names 'Nederland' (1914) and 'nederland' (1940) differ only in case, accents or spacing"#)
            && stderr.contains(r#"[holders."Nederland"] also = ["nederland"]"#),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#"[holders."Deutsches Reich"] also = ["Großdeutsches Reich"]"#),
        "{stderr}"
    );
    // validate warns about the names too.
    let (code, said, _) = run(&w, &["validate", "analysis.toml"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("warning: analysis.toml: holder-name: holder names 'Nederland'"),
        "{said}"
    );

    // Said in the analysis file: one holder each, no transfer, no warning.
    let w = Workdir::new();
    renamed(
        &w,
        "[holders.\"Deutsches Reich\"]\nalso = [\"Großdeutsches Reich\"]\n\n[holders.Nederland]\nalso = [\"nederland\"]\n",
    );
    let (code, stdout, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(!stdout.contains("→ Großdeutsches"), "{stdout}");
    assert!(report(&w)["transfers"].as_array().unwrap().is_empty());
    let areas = w.read("out/areas.csv");
    assert!(areas.contains("1940,B,Deutsches Reich,"), "{areas}");
}

#[test]
fn names_differing_in_accents_or_spacing_are_warned() {
    let w = Workdir::new();
    plain_config(&w, "accents");
    w.write(
        "a1700.geojson",
        &polygons(&[
            ("Côte d'Ivoire", &cell_ring(-5.0, 6.0)),
            ("Burkina  Faso", &cell_ring(-2.0, 11.0)),
        ]),
    );
    w.write(
        "b1800.geojson",
        &polygons(&[
            ("Cote d'Ivoire", &cell_ring(-5.0, 6.0)),
            ("Burkina Faso", &cell_ring(-2.0, 11.0)),
        ]),
    );
    let (_, _, stderr) = run(&w, &["run", "analysis.toml"]);
    assert!(
        stderr.contains("'Côte d'Ivoire' (1700) and 'Cote d'Ivoire' (1800)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("'Burkina  Faso' (1700) and 'Burkina Faso' (1800)"),
        "{stderr}"
    );
}

#[test]
fn a_holder_named_twice_in_holders_is_refused() {
    let w = Workdir::new();
    renamed(
        &w,
        "[holders.A]\nalso = [\"nederland\"]\n\n[holders.B]\nalso = [\"nederland\"]\n",
    );
    let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("'nederland' is listed as another name of both 'A' and 'B'"),
        "{stderr}"
    );
    let (code, said, _) = run(&w, &["validate", "analysis.toml"]);
    assert_eq!(code, Some(2), "{said}");
}

#[test]
fn a_reference_to_an_unknown_holder_fails_validate_as_it_fails_run() {
    let w = Workdir::new();
    two_snapshots(
        &w,
        "\n[[reference]]\nid = \"typo\"\nquantity = \"area\"\nstate = \"Bb\"\nyear = 1700\nvalue = 1000\ntolerance = 0.1\nsource = \"s\"\n",
    );
    let (code, said, _) = run(&w, &["validate", "analysis.toml"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("error: analysis.toml: reference: analysis.toml:")
            && said.contains("reference 'typo' names holder 'Bb', which the 1700 snapshot does not have (it has: A, B)"),
        "{said}"
    );
    let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("names holder 'Bb'"), "{stderr}");
}

/// `validate` then `run`, as the README orders them, with the output folder
/// the analysis file names: validate's layer does not stop the run.
#[test]
fn validate_never_makes_run_fail() {
    let w = Workdir::new();
    overlapping(&w, 122.75);
    let _ = run(&w, &["validate", "analysis.toml"]);
    assert!(w.join("problems.gpkg").exists());
    assert!(!w.join("out").exists());
    w.write(
        "a1700.geojson",
        &w.read("a1700.geojson").replace("122.75", "123"),
    );
    w.write("b1800.geojson", &w.read("a1700.geojson"));
    let (code, said, _) = run(&w, &["validate", "analysis.toml"]);
    assert!(!said.contains("error:"), "{said}");
    let (code2, _, stderr2) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code2, Some(0), "{code:?} {stderr2}");
}

/// Several snapshots in one GeoPackage: every message names the layer, the
/// year and the holder; one invalid feature gives one error, and the study
/// region it leaves short is a note that says it follows from it.
#[test]
fn messages_name_layer_year_and_holder_without_cascades() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // A's 1700 land a bow-tie: left out, so 1700's region lacks it.
    let bow_tie = "[[120,50],[122,51],[122,50],[120,51],[120,50]]";
    w.write(
        "a1700.geojson",
        &polygons(&[("A", bow_tie), ("B", &cell_ring(122.0, 50.0))]),
    );
    for (file, layer) in [("a1700.geojson", "y1700"), ("b1800.geojson", "y1800")] {
        let mut args = vec!["-f", "GPKG", "all.gpkg", file, "-nln", layer];
        if layer == "y1800" {
            args.push("-update");
        }
        let status = std::process::Command::new("ogr2ogr")
            .args(&args)
            .current_dir(w.path())
            .status()
            .expect("ogr2ogr");
        assert!(status.success());
    }
    let config = w
        .read("analysis.toml")
        .replace(
            "path = \"a1700.geojson\"",
            "path = \"all.gpkg\"\nlayer = \"y1700\"",
        )
        .replace(
            "path = \"b1800.geojson\"",
            "path = \"all.gpkg\"\nlayer = \"y1800\"",
        );
    w.write("analysis.toml", &config);
    let (code, said, _) = run(&w, &["validate", "analysis.toml"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains(
            "error: all.gpkg layer 'y1700' (1700) feature 1 holder 'A': self-intersection"
        ),
        "{said}"
    );
    assert_eq!(said.matches("error:").count(), 1, "{said}");
    assert!(
        !said.contains("warning: all.gpkg layer 'y1800' (1800): region"),
        "{said}"
    );
    assert!(
        said.contains("note: all.gpkg layer 'y1800' (1800): region: the study region differs from the 1700 snapshot's")
            && said.contains("feature 1 (holder 'A') lie; this follows from their error(s) above"),
        "{said}"
    );
    let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("'all.gpkg' layer 'y1700' feature 1: holder 'A' of the 1700 snapshot: invalid polygon: ring self-intersection"),
        "{stderr}"
    );
}

/// The cell fixture as a shapefile `a1700.shp` (through ogr2ogr), used by
/// the 1700 snapshot.
fn as_shapefile(w: &Workdir, geojson: &str) {
    let status = std::process::Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile", "a1700.shp", geojson])
        .current_dir(w.path())
        .status()
        .expect("ogr2ogr");
    assert!(status.success());
    let config = w
        .read("analysis.toml")
        .replace("a1700.geojson", "a1700.shp");
    w.write("analysis.toml", &config);
}

#[test]
fn a_shapefile_without_its_dbf_or_shx_is_named_as_such() {
    for (part, what) in [("dbf", "attribute table"), ("shx", "index")] {
        let w = Workdir::new();
        two_snapshots(&w, "");
        as_shapefile(&w, "a1700.geojson");
        std::fs::remove_file(w.join(&format!("a1700.{part}"))).unwrap();
        let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("'a1700.shp': the shapefile's {what} '"))
                && stderr.contains(&format!("a1700.{part}' is missing")),
            "{stderr}"
        );
        let (code, said, _) = run(&w, &["validate", "analysis.toml"]);
        assert_eq!(code, Some(1));
        assert!(
            said.contains(&format!("a1700.{part}' is missing")),
            "{said}"
        );
    }
}

#[test]
fn unclosed_rings_are_refused_in_geojson_and_shapefiles() {
    // B's ring stops one point short of where it started.
    let unclosed = "[[122,50],[123,50],[123,51],[122,51]]";
    for shapefile in [false, true] {
        let w = Workdir::new();
        two_snapshots(&w, "");
        let joined = "[[120,50],[121,50],[122,50],[122,51],[121,51],[120,51],[120,50]]";
        w.write(
            "a1700.geojson",
            &polygons(&[("A", joined), ("B", unclosed)]),
        );
        if shapefile {
            as_shapefile(&w, "a1700.geojson");
        }
        let file = if shapefile {
            "a1700.shp"
        } else {
            "a1700.geojson"
        };
        let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
        assert_eq!(code, Some(2), "{file}: {stderr}");
        assert!(
            stderr.contains(&format!("'{file}' layer 'a1700' feature 1: holder 'B': invalid polygon: a ring does not end where it starts")),
            "{file}: {stderr}"
        );
        let (code, said, _) = run(&w, &["validate", "analysis.toml"]);
        assert_eq!(code, Some(1), "{said}");
        assert!(
            said.contains(&format!("error: {file} layer 'a1700' (1700) feature 1 holder 'B': feature: invalid polygon: a ring does not end where it starts")),
            "{file}: {said}"
        );
    }
}

#[test]
fn an_empty_holder_is_named() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    w.write(
        "a1700.geojson",
        &polygons(&[
            ("A", &cell_ring(120.0, 50.0)),
            (" ", &cell_ring(121.0, 50.0)),
        ]),
    );
    let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("'a1700.geojson' layer 'a1700' feature 1: field 'state' is empty"),
        "{stderr}"
    );
    let (_, said, _) = run(&w, &["validate", "analysis.toml"]);
    assert!(
        said.contains(
            "error: a1700.geojson layer 'a1700' (1700) feature 1: feature: field 'state' is empty"
        ),
        "{said}"
    );
}

#[test]
fn data_around_the_whole_globe_is_an_error_in_validate_too() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // A ring from 170° E across 180° (the short way) and one across 0°.
    w.write(
        "a1700.geojson",
        &polygons(&[
            ("A", "[[170,50],[-170,50],[-170,51],[170,51],[170,50]]"),
            ("B", "[[-1,50],[1,50],[1,51],[-1,51],[-1,50]]"),
        ]),
    );
    let (code, _, stderr) = run(&w, &["run", "analysis.toml"]);
    assert_eq!(code, Some(2), "{stderr}");
    let (code, said, _) = run(&w, &["validate", "analysis.toml"]);
    assert_eq!(code, Some(1));
    assert!(
        said.contains(
            "error: analysis.toml: antimeridian: the polygons cross both the antimeridian"
        ),
        "{said}"
    );
}
