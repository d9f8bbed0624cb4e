//! The report as a historian reads it (issue 23): the answer first, km²
//! throughout, context figures marked as context, the data sources in the
//! report, in BibTeX, CSL-JSON and the Data Package, and nothing about
//! rivers when none are configured.

mod common;

use std::path::Path;

use common::{plain_config, two_snapshots, Workdir};
use serde_json::Value;

/// The bundled analysis, run into `out`.
fn bundled(out: &Path) {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("borderchange.toml");
    borderchange::run::run(&config, Some(out)).expect("the bundled analysis runs");
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Where `needle` first is in `text`, or a panic naming it.
fn at(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("'{needle}' is missing"))
}

/// Every "km2" that is not part of a name such as `area_km2`.
fn bare_km2(text: &str) -> Vec<String> {
    text.match_indices("km2")
        .filter(|(i, _)| !text[..*i].ends_with('_'))
        .map(|(i, _)| text[i.saturating_sub(40)..(i + 3)].to_owned())
        .collect()
}

/// One BibTeX entry: type, key, and (name, value without its braces).
type Entry = (String, String, Vec<(String, String)>);

/// The BibTeX entries of `bib`, checking that every entry is
/// `@type{key,` with `name = {value},` lines and balanced braces.
fn bibtex_entries(bib: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    for chunk in bib.split("\n\n").filter(|c| !c.trim().is_empty()) {
        let mut lines = chunk.lines();
        let head = lines.next().unwrap();
        let (kind, key) = head
            .strip_prefix('@')
            .and_then(|h| h.strip_suffix(','))
            .and_then(|h| h.split_once('{'))
            .unwrap_or_else(|| panic!("entry head: {head}"));
        let mut fields = Vec::new();
        for line in lines {
            if line == "}" {
                break;
            }
            let (name, value) = line
                .trim()
                .strip_suffix(',')
                .and_then(|l| l.split_once(" = "))
                .unwrap_or_else(|| panic!("field: {line}"));
            assert!(value.starts_with('{') && value.ends_with('}'), "{line}");
            let mut depth = 0i32;
            let mut escaped = false;
            for c in value.chars() {
                if !escaped {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                }
                escaped = c == '\\' && !escaped;
                assert!(depth >= 0, "{line}");
            }
            assert_eq!(depth, 0, "{line}");
            fields.push((name.to_owned(), value[1..value.len() - 1].to_owned()));
        }
        assert!(chunk.trim_end().ends_with('}'), "{chunk}");
        entries.push((kind.to_owned(), key.to_owned(), fields));
    }
    entries
}

#[test]
fn the_bundled_report_leads_with_the_answer_and_cites_its_sources() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    bundled(out);
    let md = read(out, "report.md");
    let html = read(out, "report.html");

    // The order: the headline table before the balances, the study
    // region, the warnings, the references, the maps, the method and the
    // sources; the first number before the first map.
    let sections = [
        "## Transfers",
        "## Balances",
        "## Study region",
        "## Boundaries",
        "## Warnings",
        "## Reference figures",
        "## Readings",
        "## Maps",
        "## Method",
        "## Sources",
    ];
    let places: Vec<usize> = sections.iter().map(|s| at(&md, s)).collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "{places:?}");
    assert!(at(&md, "| Aigun | 1727→1858 | Qing | Russia |") < at(&md, "!["));
    assert!(at(&md, "| year | study region km² |") < at(&md, "### Areas held"));
    let h2: Vec<&str> = html
        .split("<h2")
        .skip(1)
        .map(|s| &s[s.find('>').unwrap() + 1..s.find("</h2>").unwrap()])
        .collect();
    assert_eq!(
        h2,
        [
            "Transfers",
            "Balances",
            "Study region",
            "Boundaries",
            "Warnings",
            "Reference figures",
            "Readings",
            "Maps",
            "Method",
            "Sources"
        ]
    );
    assert!(at(&html, "<table id=\"transfers\"") < at(&html, "<figure id=\"map-"));
    assert!(at(&html, "<table id=\"regions\"") < at(&html, "<table id=\"areas\""));

    // km² in every human-facing text (names like area_km2 are data).
    for (name, text) in [("report.md", &md), ("report.html", &html)] {
        assert!(bare_km2(text).is_empty(), "{name}: {:?}", bare_km2(text));
    }
    let report: Value = serde_json::from_str(&read(out, "report.json")).unwrap();
    let cow = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "aigun-cow")
        .expect("aigun-cow");
    assert_eq!(cow["unit"], "km²");

    // Context: the COW figure differs (it is about half the computed
    // one) and is shown as context, not as a red "no".
    assert_eq!(cow["agrees"], false);
    assert_eq!(cow["role"], "context");
    let row = md
        .lines()
        .find(|l| l.starts_with("| aigun-cow |"))
        .expect("the COW row");
    assert!(row.contains("| context: differs | context |"), "{row}");
    let html_row = &html[at(&html, "<tr><td>aigun-cow</td>")..];
    let html_row = &html_row[..at(html_row, "</tr>")];
    assert!(html_row.contains("<td class=\"context\">context: differs</td>"));
    assert!(!html_row.contains("fail"), "{html_row}");
    // A check that agrees is still a green yes.
    let amur = &html[at(&html, "<tr><td>amur-stretch</td>")..];
    assert!(amur[..at(amur, "</tr>")].contains("<td class=\"pass\">yes</td>"));

    // Sources: in the report, with the layers using each.
    let sources = &md[at(&md, "## Sources")..];
    for line in [
        "- [dcw] Wessel, Paul. DCW-GMT: The Digital Chart of the World for the Generic Mapping Tools, version 2.1.1.",
        "- [gshhg] Wessel, Paul and Smith, Walter H. F. (2017). GSHHG:",
    ] {
        assert!(sources.contains(line), "{line}\n{sources}");
    }
    let gshhg = sources
        .lines()
        .find(|l| l.starts_with("- [gshhg]"))
        .unwrap();
    assert!(
        gshhg.ends_with(
            "Used for: snapshot 1689 (Nerchinsk), snapshot 1727 (Kyakhta), snapshot 1858 (Aigun), snapshot 1860 (Peking), rivers."
        ),
        "{gshhg}"
    );
    assert!(!sources.contains("without a source"), "{sources}");
    assert!(html.contains("<li id=\"source-nevelskoy\">"));

    // BibTeX: one @misc per distinct source, in the file's order.
    let bib = bibtex_entries(&read(out, "sources.bib"));
    let keys: Vec<&str> = bib.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(
        keys,
        ["dcw", "gshhg", "waypoints", "qing-shi-gao", "nevelskoy"]
    );
    assert!(bib.iter().all(|e| e.0 == "misc"));
    let field = |key: &str, name: &str| -> Option<String> {
        bib.iter()
            .find(|e| e.1 == key)
            .and_then(|e| e.2.iter().find(|f| f.0 == name))
            .map(|f| f.1.clone())
    };
    assert_eq!(field("gshhg", "year").as_deref(), Some("2017"));
    assert_eq!(
        field("gshhg", "author").as_deref(),
        Some("Wessel, Paul and Smith, Walter H. F.")
    );
    assert_eq!(
        field("dcw", "url").as_deref(),
        Some("https://www.soest.hawaii.edu/wessel/dcw/")
    );
    assert_eq!(field("dcw", "year"), None);

    // CSL-JSON: the same items, typed.
    let csl: Vec<Value> = serde_json::from_str(&read(out, "sources.json")).unwrap();
    let ids: Vec<&str> = csl.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, keys);
    let gshhg = &csl[1];
    assert_eq!(gshhg["type"], "dataset");
    assert_eq!(gshhg["issued"]["date-parts"][0][0], 2017);
    assert_eq!(gshhg["author"][1]["family"], "Smith");
    assert_eq!(gshhg["author"][1]["given"], "Walter H. F.");
    assert_eq!(gshhg["license"], "LGPL-3+");
    assert_eq!(
        csl[3]["title"],
        "Qing shi gao (Draft History of the Qing), Geography, Heilongjiang"
    );

    // report.json: the same items, with the layers using each.
    assert_eq!(report["sources"][1]["id"], "gshhg");
    assert_eq!(report["sources"][1]["used_for"][4], "rivers");

    // The Data Package: its sources, each table's, and exactly the
    // columns the CSVs have (with the readings and the bounds).
    let package: Value = serde_json::from_str(&read(out, "datapackage.json")).unwrap();
    let titles = |sources: &Value| -> Vec<String> {
        sources
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles(&package["sources"]).len(), 5);
    assert_eq!(
        package["sources"][0]["path"],
        "https://www.soest.hawaii.edu/wessel/dcw/"
    );
    for resource in package["resources"].as_array().unwrap() {
        let name = resource["name"].as_str().unwrap();
        let header = read(out, &format!("{name}.csv"));
        let header = header.lines().next().unwrap();
        let fields: Vec<&str> = resource["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(fields.join(","), header, "{name}");
        assert!(header.ends_with(",variant"), "{name}: {header}");
        assert_eq!(titles(&resource["sources"]).len(), 5, "{name}");
    }
    assert!(read(out, "transfers.csv").starts_with(
        "from_year,to_year,treaty,from_state,to_state,area_km2,area_sq_mi,area_ea_km2,area_min_km2,area_max_km2,variant\n"
    ));

    // The manifest lists (and hashes) the new files.
    let manifest = read(out, "manifest.json");
    for name in ["\"sources.bib\"", "\"sources.json\""] {
        assert!(manifest.contains(name), "{name} not in the manifest");
    }
}

/// `run analysis.toml -q` in `w`, which must succeed.
fn run_quietly(w: &Workdir) {
    let run = w.run(&["run", "analysis.toml", "-q"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn without_rivers_nothing_is_said_about_rivers() {
    let w = Workdir::new();
    two_snapshots(&w, "");
    plain_config(&w, "plain");
    run_quietly(&w);
    // No rivers layer in any format, nor in the QGIS project.
    for ext in ["shp", "dbf", "qml"] {
        assert!(
            !w.join(&format!("out/rivers.{ext}")).exists(),
            "rivers.{ext}"
        );
    }
    assert!(w.join("out/states.shp").exists());
    let project = w.read("out/borderchange.qgs");
    assert!(
        !project.contains("layername=rivers"),
        "the project opens a rivers layer"
    );
    let md = w.read("out/report.md");
    assert!(!md.to_lowercase().contains("river"), "{md}");
    assert!(
        md.contains("| year | between | stretches | length km |\n"),
        "{md}"
    );
    assert!(md.contains("| 1800 | A – B | 1 | 111.2 |\n"), "{md}");
    let html = w.read("out/report.html");
    // (The maps' legends are drawn by the maps module.)
    let text = &html[..at(&html, "<h2>Maps</h2>")];
    assert!(!text.to_lowercase().contains("river"), "{text}");
    let method = &html[at(&html, "<h2>Method</h2>")..];
    assert!(!method.to_lowercase().contains("river"));
    // No source is given: the report says how to give one; the files are
    // there, empty.
    assert!(md.contains("No layer names its source"), "{md}");
    assert_eq!(w.read("out/sources.bib"), "");
    assert_eq!(w.read("out/sources.json"), "[]\n");
    let package: Value = serde_json::from_str(&w.read("out/datapackage.json")).unwrap();
    assert!(package.get("sources").is_none());
    // No warning: said so.
    assert!(md.contains("## Warnings\n\nNone.\n"), "{md}");
}

#[test]
fn a_layer_without_a_source_is_named() {
    let w = Workdir::new();
    let config = two_snapshots(&w, "");
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "path = \"a1700.geojson\"\n",
        "path = \"a1700.geojson\"\nsource = { title = \"Atlas & Co.\", author = \"Doe, Jane\", year = 1901, url = \"https://example.org/atlas\" }\n",
        1,
    );
    std::fs::write(&config, text).unwrap();
    run_quietly(&w);
    let md = w.read("out/report.md");
    assert!(
        md.contains("- [doe1901] Doe, Jane (1901). Atlas & Co. https://example.org/atlas. Used for: snapshot 1700 (First).\n"),
        "{md}"
    );
    assert!(
        md.contains("Layers without a source: snapshot 1800 (Second), rivers."),
        "{md}"
    );
    let html = w.read("out/report.html");
    assert!(html.contains("Atlas &amp; Co"), "escaped");
    assert!(html.contains("<a href=\"https://example.org/atlas\">"));
    let bib = bibtex_entries(&w.read("out/sources.bib"));
    assert_eq!(bib[0].1, "doe1901");
    assert!(bib[0]
        .2
        .contains(&("title".to_owned(), "{Atlas \\& Co.}".to_owned())));
    let package: Value = serde_json::from_str(&w.read("out/datapackage.json")).unwrap();
    assert_eq!(package["sources"][0]["id"], "doe1901");
    assert_eq!(package["resources"][0]["sources"][0]["year"], 1901);
}
