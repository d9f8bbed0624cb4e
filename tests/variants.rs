//! Readings of a treaty as variants: the engine on a tiny analysis, the
//! outputs' `variant` field, references under readings and published
//! ranges, and every kind of bad input named with the valid choices.

use std::fs;
use std::path::Path;

mod common;
use common::{layer, square};

/// Two snapshots: in 1800 A holds 120–122° E and B 122–124° E; in 1900 B
/// holds 120–122° E and C 122–124° E. The zone covers 121–122° E: the reading `b-early` gives it to
/// B already in 1800, so A → B shrinks by the zone's area.
fn fixture(dir: &Path, extra: &str) -> std::path::PathBuf {
    layer(
        &dir.join("a1800.geojson"),
        "state",
        &[
            ("A", square(120.0, 50.0, 122.0, 52.0)),
            ("B", square(122.0, 50.0, 124.0, 52.0)),
        ],
    );
    layer(
        &dir.join("a1900.geojson"),
        "state",
        &[
            ("B", square(120.0, 50.0, 122.0, 52.0)),
            ("C", square(122.0, 50.0, 124.0, 52.0)),
        ],
    );
    layer(
        &dir.join("zones.geojson"),
        "zone",
        &[("west", square(121.0, 49.0, 122.0, 53.0))],
    );
    let config = format!(
        r#"title = "variants"
base_variant = "drawn"

[parameters]
equal_area_crs = "+proj=laea +lat_0=51 +lon_0=122 +datum=WGS84 +units=m +no_defs"

[output]
formats = ["GeoJSON"]

[[snapshot]]
year = 1800
treaty = "first"
path = "a1800.geojson"

[[snapshot]]
year = 1900
treaty = "second"
path = "a1900.geojson"

[zones]
path = "zones.geojson"

[[variant]]
name = "b-early"
title = "B held the west zone already"
source = "a test"

[[variant.assign]]
zone = "west"
holder = "B"
years = [1800]

[[reference]]
id = "a-to-b"
quantity = "transfer"
from = ["A"]
to = ["B"]
years = [1800, 1900]
at_least = 1000
at_most = 80000
variants = ["drawn", "b-early"]
source = "a test"
{extra}
"#
    );
    let path = dir.join("analysis.toml");
    fs::write(&path, config).unwrap();
    path
}

fn geodesic_km2(x0: f64, y0: f64, x1: f64, y1: f64) -> f64 {
    use geo::GeodesicArea;
    let ring = geo::LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]);
    let p = geo::Polygon::new(ring, vec![]);
    let dense = borderchange::geometry::geodesy::densify(geo::MultiPolygon::new(vec![p]), 2000.0);
    dense.geodesic_area_unsigned() / 1e6
}

#[test]
fn every_variant_is_computed_and_carried_in_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture(dir.path(), "");
    let out = dir.path().join("out");
    let outcome = borderchange::run::run(&config, Some(&out)).unwrap();
    let a = &outcome.analysis;
    assert_eq!(a.variants.len(), 2);
    let a_to_b = |f: &borderchange::analysis::Analysis| -> f64 {
        f.transfers
            .iter()
            .filter(|t| t.from_state == "A" && t.to_state == "B")
            .map(|t| t.area_km2)
            .sum()
    };
    let base = a_to_b(a);
    let early = a.under("b-early");
    let moved = a_to_b(early);
    let area = |f: &borderchange::analysis::Analysis, year: i32, state: &str| {
        f.areas
            .iter()
            .find(|r| r.year.year == year && r.state == state)
            .map_or(0.0, |r| r.area_km2)
    };
    // The base moves all of A; the reading, all of A but the zone.
    let whole = area(a, 1800, "A");
    assert!((base - whole).abs() / whole < 1e-9, "{base} vs {whole}");
    let west = whole - area(early, 1800, "A");
    // (The reading's holdings are cut on a 7 mm grid.)
    assert!((moved - (whole - west)).abs() / whole < 1e-6, "{moved}");
    // B gains exactly what A loses; the zone reaches beyond the region
    // (49–53° N), and only its land (50–52° N) moves.
    assert!((area(early, 1800, "B") - area(a, 1800, "B") - west).abs() / west < 1e-6);
    let expected = geodesic_km2(121.0, 50.0, 122.0, 52.0);
    assert!(
        (west - expected).abs() / expected < 0.01,
        "{west} vs {expected}"
    );
    // The range over the readings, and which reading gives each end.
    let ranges = borderchange::output::report::transfer_ranges(a);
    assert_eq!(ranges.len(), 2);
    assert_eq!(ranges[0].min_variants, vec!["b-early".to_owned()]);
    assert_eq!(ranges[0].max_variants, vec!["drawn".to_owned()]);
    // B → C is the same under both: both readings give each end.
    assert_eq!(ranges[1].min_variants.len(), 2);
    // The reference agrees under both readings it names.
    let check = &a.checks[0];
    assert!(check.agrees);
    assert_eq!(check.under.len(), 2);
    // Outputs: the variant field, the variants in report.json.
    let csv = fs::read_to_string(out.join("transfers.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",variant"), "{csv}");
    assert!(
        csv.contains(",drawn\n") && csv.contains(",b-early\n"),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["variants"][1]["name"], "b-early");
    assert_eq!(json["variants"][1]["source"], "a test");
    assert_eq!(json["variants"][1]["changes"][0], 1800);
    let transfers = fs::read_to_string(out.join("transfers.geojson")).unwrap();
    assert!(
        transfers.contains("\"variant\": \"b-early\""),
        "{transfers}"
    );
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Readings"));
}

/// A check fails only when it disagrees under every reading it names.
#[test]
fn a_check_fails_only_when_every_named_reading_disagrees() {
    let dir = tempfile::tempdir().unwrap();
    // Between the two readings' values: only the base agrees.
    let whole = geodesic_km2(120.0, 50.0, 122.0, 52.0);
    let extra = format!(
        "\n[[reference]]\nid = \"only-base\"\nquantity = \"transfer\"\nfrom = [\"A\"]\nto = [\"B\"]\nyears = [1800, 1900]\nat_least = {}\nvariants = [\"drawn\", \"b-early\"]\nsource = \"x\"\n\n[[reference]]\nid = \"only-early\"\nquantity = \"transfer\"\nfrom = [\"A\"]\nto = [\"B\"]\nyears = [1800, 1900]\nat_least = {}\nvariants = [\"b-early\"]\nsource = \"x\"\n",
        whole * 0.9,
        whole * 0.9
    );
    let config = fixture(dir.path(), &extra);
    let outcome = borderchange::run::run(&config, Some(&dir.path().join("out"))).unwrap();
    let by_id = |id: &str| outcome.analysis.checks.iter().find(|c| c.id == id).unwrap();
    assert!(by_id("only-base").agrees);
    assert_eq!(by_id("only-base").variant.as_deref(), Some("drawn"));
    assert!(!by_id("only-early").agrees);
    assert!(by_id("only-early").fails());
}

fn error_of(extra_replace: (&str, &str)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture(dir.path(), "");
    let text = fs::read_to_string(&config).unwrap();
    assert!(text.contains(extra_replace.0), "{}", extra_replace.0);
    fs::write(&config, text.replacen(extra_replace.0, extra_replace.1, 1)).unwrap();
    borderchange::run::run(&config, Some(&dir.path().join("out")))
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_readings_are_named_with_the_valid_choices() {
    let e = error_of(("zone = \"west\"", "zone = \"east\""));
    assert!(e.contains("'east'") && e.contains("west"), "{e}");
    let e = error_of(("holder = \"B\"", "holder = \"D\""));
    assert!(e.contains("'D'") && e.contains("A, B, C"), "{e}");
    let e = error_of(("years = [1800]\n", "years = [1850]\n"));
    assert!(e.contains("1850") && e.contains("1800, 1900"), "{e}");
    let e = error_of(("path = \"zones.geojson\"", "path = \"missing.geojson\""));
    assert!(e.contains("missing.geojson"), "{e}");
    let e = error_of(("name = \"b-early\"", "name = \"drawn\""));
    assert!(e.contains("base variant"), "{e}");
    let e = error_of((
        "[[variant.assign]]",
        "[[variant]]\nname = \"b-early2\"\n\n[[variant]]\nname = \"b-early2\"\n\n[[variant.assign]]",
    ));
    assert!(e.contains("'b-early2' appears twice"), "{e}");
    let e = error_of((
        "variants = [\"drawn\", \"b-early\"]",
        "variants = [\"later\"]",
    ));
    assert!(e.contains("'later'") && e.contains("drawn, b-early"), "{e}");
    let e = error_of(("at_most = 80000", "at_most = 80000\nvalue = 5"));
    assert!(e.contains("not both"), "{e}");
    let e = error_of((
        "at_least = 1000\nat_most = 80000",
        "at_least = 9000\nat_most = 8000",
    ));
    assert!(e.contains("above at_most"), "{e}");
}

/// Without `[[variant]]` the outputs have no `variant` field, and with
/// variants the base's rows are exactly what the analysis gives without
/// them.
#[test]
fn without_variants_nothing_changes_and_the_base_is_the_plain_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture(dir.path(), "");
    let text = fs::read_to_string(&config).unwrap();
    let cut = text.find("[zones]").unwrap();
    let refs = text.find("[[reference]]").unwrap();
    let plain = format!("{}{}", &text[..cut], &text[refs..])
        .replace("variants = [\"drawn\", \"b-early\"]\n", "")
        .replace("base_variant = \"drawn\"\n", "");
    let plain_path = dir.path().join("plain.toml");
    fs::write(&plain_path, plain).unwrap();
    borderchange::run::run(&plain_path, Some(&dir.path().join("plain"))).unwrap();
    borderchange::run::run(&config, Some(&dir.path().join("with"))).unwrap();
    for table in ["transfers.csv", "areas.csv", "boundaries.csv"] {
        let plain = fs::read_to_string(dir.path().join("plain").join(table)).unwrap();
        let with = fs::read_to_string(dir.path().join("with").join(table)).unwrap();
        assert!(!plain.contains("variant"), "{plain}");
        let base: String = with
            .lines()
            .filter_map(|l| {
                l.strip_suffix(",variant")
                    .or_else(|| l.strip_suffix(",drawn"))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(base, plain, "{table}");
    }
    let json = fs::read_to_string(dir.path().join("plain").join("report.json")).unwrap();
    assert!(
        !json.contains("\"variants\": [") && !json.contains("transfer_ranges"),
        "{json}"
    );
    let states = fs::read_to_string(dir.path().join("plain").join("states.geojson")).unwrap();
    assert!(!states.contains("\"variant\""));
}

/// `validate` lists a reading's unknown zone and holder, with the choices.
#[test]
fn validate_names_unknown_zones_and_holders() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture(dir.path(), "");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(
        &config,
        text.replace("zone = \"west\"", "zone = \"east\"")
            .replace("holder = \"B\"", "holder = \"D\""),
    )
    .unwrap();
    let config = borderchange::config::Config::load(&config).unwrap();
    let problems = borderchange::validate::validate(&config).unwrap();
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("'east'") && m.contains("west")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("'D'") && m.contains("A, B, C")),
        "{messages:?}"
    );
}
