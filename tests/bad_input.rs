//! Bad input ends in exit code 2 and a message that names the file (and the
//! layer, field or feature), never a panic, and leaves no output behind.

mod common;

use common::{cell_ring, lines, nested_parts, polygons, two_snapshots, Workdir};

/// Runs the fixture analysis and returns stderr, asserting exit code 2, no
/// panic, and no output folder contents.
fn fails(w: &Workdir) -> String {
    let out = w.run(&["run", "analysis.toml"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty(), "errors go to stderr only");
    let out_dir = w.join("out");
    if out_dir.exists() {
        let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
        assert!(left.is_empty(), "outputs left behind: {left:?}");
    }
    stderr
}

#[test]
fn missing_snapshot_file() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    std::fs::remove_file(w.join("b1800.geojson")).unwrap();
    let err = fails(&w);
    assert!(err.contains("b1800.geojson"), "{err}");
}

#[test]
fn missing_holder_attribute_lists_the_fields() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    let text = w.read("a1700.geojson").replace("\"state\"", "\"holder\"");
    w.write("a1700.geojson", &text);
    let err = fails(&w);
    assert!(err.contains("a1700.geojson"), "{err}");
    assert!(err.contains("state"), "{err}");
    assert!(err.contains("holder"), "available fields are listed: {err}");
}

#[test]
fn empty_layer() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    w.write(
        "a1700.geojson",
        r#"{"type":"FeatureCollection","features":[]}"#,
    );
    let err = fails(&w);
    assert!(err.contains("a1700.geojson"), "{err}");
    assert!(
        err.to_lowercase().contains("empty") || err.contains("no feature"),
        "{err}"
    );
}

#[test]
fn invalid_polygon_names_the_feature() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // A bow-tie: the ring crosses itself.
    let bow_tie = "[[120,50],[121,51],[121,50],[120,51],[120,50]]";
    w.write(
        "a1700.geojson",
        &polygons(&[("A", &cell_ring(122.0, 50.0)), ("B", bow_tie)]),
    );
    let err = fails(&w);
    assert!(err.contains("a1700.geojson"), "{err}");
    assert!(err.contains("feature 1"), "{err}");
    assert!(err.contains("self-intersection"), "{err}");
}

/// Of several bad features, the one named is the one a reading in year and
/// feature order meets first (snapshots are checked in parallel).
#[test]
fn the_first_bad_feature_in_year_and_feature_order_is_named() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    let bow_tie = |x: f64| {
        format!(
            "[[{x},50],[{x1},51],[{x1},50],[{x},51],[{x},50]]",
            x1 = x + 1.0
        )
    };
    // Holder B's feature comes first in the file, holder A's second.
    w.write(
        "a1700.geojson",
        &polygons(&[("B", &bow_tie(122.0)), ("A", &bow_tie(120.0))]),
    );
    w.write(
        "b1800.geojson",
        &polygons(&[("A", &bow_tie(120.0)), ("B", &cell_ring(121.0, 50.0))]),
    );
    let err = fails(&w);
    assert!(err.contains("a1700.geojson"), "{err}");
    assert!(err.contains("feature 0"), "{err}");
}

/// A feature whose parts lie one inside the other would have its land
/// counted twice; one whose hole reaches out of its exterior is not a
/// polygon. Both are refused, naming the feature and the point.
#[test]
fn parts_inside_or_across_each_other_are_refused() {
    let w = Workdir::new();
    nested_parts(&w);
    let err = fails(&w);
    assert!(err.contains("a1700.geojson"), "{err}");
    assert!(err.contains("feature 0"), "{err}");
    assert!(err.contains("inside another part"), "{err}");
    assert!(err.contains("(121, 51)"), "the point is named: {err}");

    // A hole that reaches out of its exterior.
    let outer = "[[120,50],[124,50],[124,53],[120,53],[120,50]]";
    let hole = "[[123,51],[125,51],[125,52],[123,52],[123,51]]";
    w.write(
        "a1700.geojson",
        &polygons(&[("A", &format!("{outer},{hole}"))]),
    );
    let err = fails(&w);
    assert!(err.contains("feature 0"), "{err}");
    assert!(err.contains("cross"), "{err}");
}

#[test]
fn lines_instead_of_polygons() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    let rivers = w.read("rivers.geojson");
    w.write("a1700.geojson", &rivers.replace("\"name\"", "\"state\""));
    let err = fails(&w);
    assert!(err.contains("a1700.geojson"), "{err}");
    assert!(err.contains("polygon"), "{err}");
}

/// A line in projected metres read as lon/lat, written to `file`, is
/// refused with a message naming the file, the feature and the unit.
fn line_off_the_globe_is_refused(file: &str, tables: &str) {
    let w = Workdir::new();
    two_snapshots(&w, tables);
    w.write(file, &lines(&[("Test", "[[121,50],[13000000,6000000]]")]));
    let err = fails(&w);
    assert!(err.contains(file), "{err}");
    assert!(err.contains("feature 0"), "{err}");
    assert!(err.contains("13000000"), "{err}");
    assert!(err.contains("longitude/latitude"), "{err}");
}

/// A river in projected metres read as lon/lat would follow no border and
/// say nothing; it is refused, named.
#[test]
fn river_off_the_globe() {
    line_off_the_globe_is_refused("rivers.geojson", "");
}

/// An uncertain line in projected metres read as lon/lat would widen no
/// transfer's bounds and say nothing; it is refused, named, like a river.
#[test]
fn uncertain_line_off_the_globe() {
    line_off_the_globe_is_refused(
        "uncertain.geojson",
        "\n[[uncertainty]]\npath = \"uncertain.geojson\"\nkm = 10.0\n",
    );
}

#[test]
fn layer_without_crs_needs_assume_crs() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // A CSV layer with WKT geometry has no CRS.
    w.write(
        "a1700.csv",
        "WKT,state\n\"POLYGON ((120 50,122 50,122 51,120 51,120 50))\",A\n\"POLYGON ((122 50,123 50,123 51,122 51,122 50))\",B\n",
    );
    let config = w
        .read("analysis.toml")
        .replace("a1700.geojson", "a1700.csv");
    w.write("analysis.toml", &config);
    let err = fails(&w);
    assert!(err.contains("a1700.csv"), "{err}");
    assert!(
        err.contains("assume_crs"),
        "the message says how to fix it: {err}"
    );

    let config = config.replace(
        "path = \"a1700.csv\"",
        "path = \"a1700.csv\"\nassume_crs = \"EPSG:4326\"",
    );
    w.write("analysis.toml", &config);
    let out = w.run(&["run", "analysis.toml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn unknown_key_in_config_has_line_and_column() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    let config = w
        .read("analysis.toml")
        .replace("river_distance_km", "river_distanse_km");
    w.write("analysis.toml", &config);
    let err = fails(&w);
    assert!(err.contains("analysis.toml:4:"), "{err}");
    assert!(err.contains("river_distanse_km"), "{err}");
}

/// A cross-check projection that does not preserve area (Web Mercator
/// here), or that PROJ does not know, is refused before anything is
/// written, with the setting named.
#[test]
fn equal_area_crs_must_exist_and_preserve_area() {
    for (crs, expected) in [
        ("EPSG:3857", "not an equal-area projection"),
        ("EPSG:999999", "EPSG:999999"),
    ] {
        let w = Workdir::new();
        two_snapshots(&w, "");
        let config = w.read("analysis.toml").replace(
            "[parameters]\n",
            &format!("[parameters]\nequal_area_crs = \"{crs}\"\n"),
        );
        w.write("analysis.toml", &config);
        let err = fails(&w);
        assert!(err.contains(expected), "{crs}: {err}");
        assert!(err.contains(crs), "{crs}: {err}");
    }
}

#[test]
fn reference_to_a_holder_that_does_not_exist() {
    let w = Workdir::new();
    two_snapshots(
        &w,
        r#"
# "Qnig" below misspells "Qing"; the message points at the reference.
[[reference]]
id="typo"
quantity = "area"
state = "Qnig"
year = 1700
value = 1
tolerance = 0.1
source = "none"
"#,
    );
    let err = fails(&w);
    assert!(err.contains("Qnig"), "{err}");
    assert!(
        err.contains("A, B"),
        "the holders that exist are listed: {err}"
    );
    // Where: the line and column of "Qnig" in the analysis file.
    let text = w.read("analysis.toml");
    let line = text
        .lines()
        .position(|l| l.starts_with("state = \"Qnig\""))
        .expect("fixture names Qnig")
        + 1;
    assert!(
        err.contains(&format!("analysis.toml:{line}:9:")),
        "file, line and column: {err}"
    );
}

#[test]
fn reference_to_a_year_that_does_not_exist() {
    let w = Workdir::new();
    two_snapshots(
        &w,
        r#"
[[reference]]
id = "typo"
quantity = "area"
state = "A"
year = 1701
value = 1
tolerance = 0.1
source = "none"
"#,
    );
    let err = fails(&w);
    assert!(err.contains("1701"), "{err}");
    assert!(err.contains("analysis.toml:"), "{err}");
}

#[test]
fn unknown_format_in_the_analysis_file_has_line_and_column() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    let text = w
        .read("analysis.toml")
        .replace("[output]\n", "[output]\nformats = [\"GPKG\", \"DXF\"]\n");
    w.write("analysis.toml", &text);
    let err = fails(&w);
    let line = text.lines().position(|l| l.contains("DXF")).unwrap() + 1;
    assert!(err.contains(&format!("analysis.toml:{line}:20:")), "{err}");
    assert!(err.contains("unknown output format 'DXF'"), "{err}");
}

#[test]
fn feature_without_geometry_is_named_not_a_crash() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // A shapefile "null shape", as GIS tools write for a feature whose
    // geometry was deleted (this used to end in a segmentation fault).
    let source = w.join("a1700.geojson");
    let target = w.join("a1700.shp");
    let status = std::process::Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile", "-dialect", "sqlite", "-sql"])
        .arg("SELECT state, CASE WHEN state = 'B' THEN NULL ELSE geometry END AS geometry FROM a1700")
        .arg(&target)
        .arg(&source)
        .status()
        .expect("ogr2ogr (gdal-bin)");
    assert!(status.success());
    let config = w
        .read("analysis.toml")
        .replace("a1700.geojson", "a1700.shp");
    w.write("analysis.toml", &config);
    let err = fails(&w);
    assert!(err.contains("a1700.shp"), "{err}");
    assert!(
        err.contains("feature 1: holder 'B': the geometry is missing (null)"),
        "{err}"
    );
}

/// The fixture's 1700 snapshot as a shapefile, with one of its parts cut
/// short to the length `keep` gives for its bytes.
fn truncated_shapefile(w: &Workdir, part: &str, keep: impl Fn(&[u8]) -> usize) {
    let status = std::process::Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile"])
        .arg(w.join("a1700.shp"))
        .arg(w.join("a1700.geojson"))
        .status()
        .expect("ogr2ogr (gdal-bin)");
    assert!(status.success());
    let path = w.join(&format!("a1700.{part}"));
    let bytes = std::fs::read(&path).unwrap();
    let keep = keep(&bytes);
    assert!(bytes.len() > keep, "{part} is only {} bytes", bytes.len());
    std::fs::write(&path, &bytes[..keep]).unwrap();
    let config = w
        .read("analysis.toml")
        .replace("a1700.geojson", "a1700.shp");
    w.write("analysis.toml", &config);
}

#[test]
fn truncated_shp_is_named_as_such() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // The file header and the first record's header only.
    truncated_shapefile(&w, "shp", |_| 108);
    let err = fails(&w);
    assert!(err.contains("a1700.shp"), "{err}");
    assert!(err.contains("truncated or corrupt"), "{err}");
    assert!(
        !err.contains("is NULL"),
        "GDAL's internal notices stay out: {err}"
    );
}

#[test]
fn truncated_dbf_never_analyses_part_of_a_layer() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // dBASE: header length at bytes 8–9, record length at 10–11. Keep the
    // header and the first of the two records.
    truncated_shapefile(&w, "dbf", |b| {
        let header = usize::from(u16::from_le_bytes([b[8], b[9]]));
        let record = usize::from(u16::from_le_bytes([b[10], b[11]]));
        header + record
    });
    let err = fails(&w);
    assert!(err.contains("a1700.shp"), "{err}");
    assert!(
        err.contains("only 1 of the layer's 2 features could be read"),
        "{err}"
    );
}

#[test]
fn unwritable_output_folder_is_named_and_nothing_is_left() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // A file where the output folder should be: no folder can be made there
    // (unlike permissions, this holds when the tests run as root).
    w.write("blocked", "a file, not a folder");
    let out = w.run(&["run", "analysis.toml", "-o", "blocked/out"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("blocked/out"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(w.read("blocked"), "a file, not a folder");
}

#[test]
fn dbf_in_another_encoding_is_read_by_its_cpg() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // Holder names in Cyrillic, stored as Windows-1251 with a .cpg saying so.
    let source = w.read("a1700.geojson").replace("\"A\"", "\"Цин\"");
    w.write("a1700.geojson", &source);
    let status = std::process::Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile", "-lco", "ENCODING=CP1251"])
        .arg(w.join("a1700.shp"))
        .arg(w.join("a1700.geojson"))
        .status()
        .expect("ogr2ogr (gdal-bin)");
    assert!(status.success());
    assert_eq!(w.read("a1700.cpg").trim(), "CP1251");
    let dbf = std::fs::read(w.join("a1700.dbf")).unwrap();
    assert!(
        dbf.windows(3).any(|b| b == [0xD6, 0xE8, 0xED]),
        "the .dbf holds Windows-1251 bytes"
    );
    let config = w
        .read("analysis.toml")
        .replace("a1700.geojson", "a1700.shp");
    w.write("analysis.toml", &config);
    let out = w.run(&["run", "analysis.toml", "-q"]);
    // A in 1800 and Цин in 1700: the holders differ, so the run still works
    // and reports the name as written.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(w.read("out/areas.csv").contains("1700,First,Цин,"));
}

/// B's 1700 polygon with a hole whose three points lie on one line: a ring
/// enclosing no area.
fn zero_area_hole(w: &Workdir) {
    let b_with_hole = format!(
        "{},[[122.2,50.2],[122.4,50.2],[122.3,50.2],[122.2,50.2]]",
        cell_ring(122.0, 50.0)
    );
    let joined = "[[120,50],[121,50],[122,50],[122,51],[121,51],[120,51],[120,50]]";
    w.write(
        "a1700.geojson",
        &polygons(&[("A", joined), ("B", &b_with_hole)]),
    );
}

#[test]
fn ring_enclosing_nothing_is_refused_and_named_with_the_repair() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    zero_area_hole(&w);
    let err = fails(&w);
    assert!(err.contains("a1700.geojson"), "{err}");
    assert!(err.contains("feature 1"), "{err}");
    assert!(err.contains("encloses no area"), "{err}");
    assert!(err.contains("--repair"), "the way out is named: {err}");
}

#[test]
fn repair_drops_the_ring_says_so_and_records_it() {
    let clean = Workdir::new();
    two_snapshots(&clean, "");
    assert_eq!(
        clean.run(&["run", "analysis.toml", "-q"]).status.code(),
        Some(0)
    );

    let w = Workdir::new();
    two_snapshots(&w, "");
    zero_area_hole(&w);
    let out = w.run(&["run", "analysis.toml", "--repair"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "repaired 'a1700.geojson' layer 'a1700' feature 1: dropped a hole that encloses no area at (122.2, 50.2)"
        ),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_str(&w.read("out/report.json")).unwrap();
    assert_eq!(report["parameters"]["repair"], true);
    let repairs = report["repairs"].as_array().unwrap();
    assert_eq!(repairs.len(), 1, "{repairs:?}");
    assert_eq!(repairs[0]["feature"], 1);
    // No area changes: the repaired run measures what the clean one does.
    let clean_report: serde_json::Value =
        serde_json::from_str(&clean.read("out/report.json")).unwrap();
    assert_eq!(report["areas"], clean_report["areas"]);
    assert_eq!(report["transfers"], clean_report["transfers"]);
    // `verify` re-runs with the repair the manifest records.
    let verify = w.run(&["verify", "out/manifest.json"]);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn full_disk_is_named_and_nothing_is_left() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    // The shell's file-size limit (32–64 KiB) makes writes fail as they do
    // on a full disk, with an error (SIGXFSZ ignored) instead of a signal.
    let bin = env!("CARGO_BIN_EXE_borderchange");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 64; exec '{bin}' run analysis.toml"
        ))
        .current_dir(w.path())
        .output()
        .expect("sh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    // The file is named where the user asked for it, not in the staging folder.
    assert!(stderr.contains("'out/"), "{stderr}");
    assert!(!stderr.contains("partial"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(w.join("out")).unwrap().collect();
    assert!(left.is_empty(), "outputs left behind: {left:?}");
}
