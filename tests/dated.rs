//! Snapshots from a dated layer (`[dated]`): a layer built from the four
//! bundled snapshot files gives what the files give; a CShapes-shaped layer
//! (gwsdate/gwedate, end-exclusive, two changes in one year) gives the
//! transfers an independent GeoPandas computation gives; bad dates are
//! refused with the feature and value named.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use borderchange::analysis::Analysis;
use common::Workdir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled analysis file with its `[[snapshot]]` tables replaced by
/// `dated` (a TOML table's body), its paths made absolute.
fn bundled_as_dated(w: &Workdir, dated: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("borderchange.toml")).unwrap();
    let mut table: toml::Table = text.parse().unwrap();
    table.remove("snapshot");
    common::absolute_layer_paths(&mut table, &root());
    let mut out = toml::to_string(&table).unwrap();
    out.push_str("\n[dated]\n");
    out.push_str(dated);
    w.write("dated.toml", &out)
}

/// `ogr2ogr`, failing the test with its message.
fn ogr2ogr(w: &Workdir, args: &[&str]) {
    let out = Command::new("ogr2ogr")
        .args(args)
        .current_dir(w.path())
        .output()
        .expect("ogr2ogr (gdal-bin) runs");
    assert!(
        out.status.success(),
        "ogr2ogr {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The four bundled snapshot files as one GeoPackage layer `borders`, each
/// feature valid from its snapshot's `start` to the next one's (the last
/// open-ended), the periods written by `cast` (`'1689'` as an integer, or
/// a GDAL date).
fn dated_geopackage(w: &Workdir, starts: [&str; 4], cast: &str) -> PathBuf {
    let years = [1689, 1727, 1858, 1860];
    for (i, year) in years.iter().enumerate() {
        // The last period is open: no end (null).
        let end = match starts.get(i + 1) {
            Some(next) => format!(", CAST('{next}' AS {cast}) AS valid_to"),
            None => String::new(),
        };
        let sql = format!(
            "SELECT state, CAST('{}' AS {cast}) AS valid_from{end} FROM borders_{year}",
            starts[i]
        );
        let file = root().join(format!("shapefiles/borders_{year}.shp"));
        let file = file.to_str().unwrap();
        let mut args = vec![
            "-f",
            "GPKG",
            "dated.gpkg",
            file,
            "-nln",
            "borders",
            "-nlt",
            "PROMOTE_TO_MULTI",
            "-sql",
            &sql,
        ];
        if i > 0 {
            args.insert(0, "-append");
        }
        ogr2ogr(w, &args);
    }
    w.join("dated.gpkg")
}

fn run(config: &Path, out: &Path) -> Analysis {
    borderchange::run::run(config, Some(out))
        .unwrap_or_else(|e| panic!("{}: {e}", config.display()))
        .analysis
}

fn bundled(out: &Path) -> Analysis {
    run(&root().join("borderchange.toml"), out)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

/// Transfers, areas and boundaries agree to 1e-9, snapshot by snapshot in
/// time order (the dated run's snapshots may carry dates).
fn assert_same_results(files: &Analysis, dated: &Analysis) {
    assert_same(files, dated, true)
}

/// As [`assert_same_results`]; with `exact`, the geometry vertex for vertex.
fn assert_same(files: &Analysis, dated: &Analysis, exact: bool) {
    assert_eq!(files.transfers.len(), dated.transfers.len());
    for (a, b) in files.transfers.iter().zip(&dated.transfers) {
        assert_eq!(
            (&a.from_state, &a.to_state, a.from_year.year, a.to_year.year),
            (&b.from_state, &b.to_state, b.from_year.year, b.to_year.year)
        );
        assert!(
            close(a.area_km2, b.area_km2),
            "{} vs {}",
            a.area_km2,
            b.area_km2
        );
        assert!(close(a.area_ea_km2, b.area_ea_km2));
        assert!(!exact || a.geometry == b.geometry);
    }
    assert_eq!(files.areas.len(), dated.areas.len());
    for (a, b) in files.areas.iter().zip(&dated.areas) {
        assert_eq!((&a.state, a.year.year), (&b.state, b.year.year));
        assert!(close(a.area_km2, b.area_km2));
        assert!(close(a.area_ea_km2, b.area_ea_km2));
    }
    assert_eq!(files.stretches.len(), dated.stretches.len());
    for (a, b) in files.stretches.iter().zip(&dated.stretches) {
        assert_eq!(a.year.year, b.year.year);
        let (s, t) = (&a.stretch, &b.stretch);
        assert_eq!(
            (&s.state_a, &s.state_b, s.kind, &s.river),
            (&t.state_a, &t.state_b, t.kind, &t.river)
        );
        assert!(close(s.length_km, t.length_km));
        assert!(!exact || s.line == t.line);
    }
    for (a, b) in files.checks.iter().zip(&dated.checks) {
        assert!(close(a.computed, b.computed), "{}", a.id);
    }
}

/// The bundled snapshots as one layer with integer years, then with GDAL
/// date fields and the treaties' days: the same transfers, areas and
/// boundaries as the four files; with years alone, the same tables byte for
/// byte.
#[test]
fn dated_layer_from_the_bundled_snapshots_gives_the_same_results() {
    let files_out = Workdir::new();
    let files = bundled(files_out.path());

    let w = Workdir::new();
    let gpkg = dated_geopackage(&w, ["1689", "1727", "1858", "1860"], "integer");
    let config = bundled_as_dated(
        &w,
        &format!(
            r#"path = "{}"
layer = "borders"
start_field = "valid_from"
end_field = "valid_to"
dates = [
  {{ date = 1689, treaty = "Nerchinsk" }},
  {{ date = 1727, treaty = "Kyakhta" }},
  {{ date = 1858, treaty = "Aigun" }},
  {{ date = 1860, treaty = "Peking" }},
]
"#,
            gpkg.display()
        ),
    );
    let out = w.join("out");
    let dated = run(&config, &out);
    assert_same_results(&files, &dated);
    for table in ["transfers.csv", "areas.csv", "boundaries.csv"] {
        assert_eq!(
            std::fs::read(files_out.join(table)).unwrap(),
            std::fs::read(out.join(table)).unwrap(),
            "{table}"
        );
    }

    // The run's own snapshots_dated layer, read back as a dated layer.
    let w = Workdir::new();
    let config = bundled_as_dated(
        &w,
        &format!(
            "path = \"{}\"\nlayer = \"snapshots_dated\"\nstart_field = \"from_year\"\nend_field = \"to_year\"\ndates = [1689, 1727, 1858, 1860]\n",
            files_out.join("borderchange.gpkg").display()
        ),
    );
    let again = run(&config, &w.join("out"));
    assert_same(&files, &again, false);
    // One feature per holder per period of unchanged land.
    let info = Command::new("ogrinfo")
        .args(["-ro", "-so"])
        .arg(files_out.join("borderchange.gpkg"))
        .arg("snapshots_dated")
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("from_year: Integer64"), "{info}");
    assert!(!info.contains("from_date"), "{info}");

    // GDAL date fields; the Treaty of Aigun's and the Convention of
    // Peking's days (28 May 1858, 14 November 1860); found by every_change.
    let w = Workdir::new();
    let days = ["1689-01-01", "1727-01-01", "1858-05-28", "1860-11-14"];
    let gpkg = dated_geopackage(&w, days, "date");
    let config = bundled_as_dated(
        &w,
        &format!(
            "path = \"{}\"\nstart_field = \"valid_from\"\nend_field = \"valid_to\"\nevery_change = true\n",
            gpkg.display()
        ),
    );
    let out = w.join("out");
    let dated = run(&config, &out);
    assert_same_results(&files, &dated);
    let labels: Vec<String> = dated.areas.iter().map(|a| a.year.label()).collect();
    assert!(labels.contains(&"1858-05-28".to_owned()), "{labels:?}");
    // The layers carry the dates beside the years.
    let csv = std::fs::read_to_string(out.join("transfers.csv")).unwrap();
    assert!(csv.starts_with("from_year,to_year,"), "{csv}");
    let info = Command::new("ogrinfo")
        .args(["-ro", "-al", "-q", "-where", "to_date = '1860-11-14'"])
        .arg(out.join("borderchange.gpkg"))
        .arg("transfers")
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("from_date (Date) = 1858/05/28"), "{info}");
    // The last snapshot holds until the default `output.until`.
    assert!(info.contains("until_date (Date) = 1900/01/01"), "{info}");
    let info = Command::new("ogrinfo")
        .args(["-ro", "-al", "-q", "-where", "state = 'Joint'"])
        .arg(out.join("borderchange.gpkg"))
        .arg("snapshots_dated")
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("from_date (Date) = 1858/05/28"), "{info}");
    assert!(info.contains("to_date (Date) = 1860/11/14"), "{info}");
}

/// A CShapes-shaped layer: one feature per state per period (here a
/// rectangle per column of 1° cells), `gwsdate`/`gwedate` ISO strings,
/// end-exclusive, open ends empty, changes on 1900-01-01, 1939-03-15,
/// 1939-09-01 (two in one year) and 1945-05-08. Cells of one state never
/// touch side by side, so every edge of every holding, piece and dissolve
/// is a meridian or a 1° geodesic between grid points, the same line in
/// both computations.
fn cshapes_layer(w: &Workdir) -> PathBuf {
    // (day, [(state, [(column, rows)])]): the situation from each day on.
    type Cells = &'static [(i32, &'static [i32])];
    type Holding = (&'static str, Cells);
    let situations: [(&str, &[Holding]); 5] = [
        (
            "1886-01-01",
            &[
                ("A", &[(0, &[0, 1, 2]), (2, &[0, 1, 2])]),
                ("B", &[(1, &[0, 1, 2]), (3, &[0, 1, 2])]),
                ("C", &[(4, &[0, 1, 2])]),
                ("D", &[(5, &[0, 1, 2])]),
            ],
        ),
        (
            "1900-01-01",
            &[
                ("A", &[(0, &[0, 1, 2]), (2, &[0, 1, 2])]),
                ("B", &[(1, &[0, 1, 2]), (3, &[0, 1, 2]), (5, &[0])]),
                ("C", &[(4, &[0, 1, 2])]),
                ("D", &[(5, &[1, 2])]),
            ],
        ),
        (
            "1939-03-15",
            &[
                ("A", &[(0, &[0, 1, 2]), (2, &[0, 1, 2]), (4, &[2])]),
                ("B", &[(1, &[0, 1, 2]), (3, &[0, 1, 2]), (5, &[0])]),
                ("C", &[(4, &[0, 1])]),
                ("D", &[(5, &[1, 2])]),
            ],
        ),
        (
            "1939-09-01",
            &[
                ("A", &[(0, &[0]), (2, &[0, 1, 2]), (4, &[2])]),
                ("B", &[(1, &[0, 1, 2]), (3, &[0, 1, 2]), (5, &[0])]),
                ("C", &[(4, &[0, 1])]),
                ("D", &[(5, &[1, 2])]),
                ("E", &[(0, &[1, 2])]),
            ],
        ),
        (
            "1945-05-08",
            &[
                ("A", &[(0, &[0]), (2, &[0, 1, 2]), (4, &[2])]),
                ("B", &[(3, &[0, 1, 2]), (5, &[0])]),
                ("C", &[(4, &[0, 1])]),
                ("D", &[(1, &[0, 1, 2]), (5, &[1, 2])]),
                ("E", &[(0, &[1, 2])]),
            ],
        ),
    ];
    // Each state's periods: from a day its holding changes to the next.
    let mut features = Vec::new();
    let states = ["A", "B", "C", "D", "E"];
    for state in states {
        let held: Vec<(&str, Option<Cells>)> = situations
            .iter()
            .map(|(day, s)| (*day, s.iter().find(|(n, _)| *n == state).map(|(_, c)| *c)))
            .collect();
        let mut i = 0;
        while i < held.len() {
            let Some(cells) = held[i].1 else {
                i += 1;
                continue;
            };
            let mut j = i + 1;
            while j < held.len() && held[j].1 == Some(cells) {
                j += 1;
            }
            let end = held.get(j).map_or("", |(day, _)| day);
            for (column, rows) in cells {
                // Rows of one column are consecutive: one rectangle.
                let (x0, x1) = (10 + column, 11 + column);
                let (y0, y1) = (50 + rows[0], 51 + rows[rows.len() - 1]);
                features.push(format!(
                    r#"{{"type":"Feature","properties":{{"cntry_name":"{state}","gwsdate":"{}","gwedate":"{end}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#,
                    held[i].0
                ));
            }
            i = j;
        }
    }
    w.write(
        "cshapes.geojson",
        &format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",\n")
        ),
    )
}

fn cshapes_config(w: &Workdir, dated: &str) -> PathBuf {
    w.write(
        "cshapes.toml",
        &format!(
            r#"title = "CShapes-shaped"
holder_field = "cntry_name"

[parameters]
sliver_km2 = 0.001

[output]
formats = ["GPKG"]

[dated]
path = "cshapes.geojson"
start_field = "gwsdate"
end_field = "gwedate"
{dated}
"#
        ),
    )
}

/// The transfers of the CShapes-shaped layer, as (from day, to day, from,
/// to) with the area, in step order.
fn transfers_of(a: &Analysis) -> Vec<(String, String, String, String, f64)> {
    a.transfers
        .iter()
        .map(|t| {
            (
                t.from_year.label(),
                t.to_year.label(),
                t.from_state.clone(),
                t.to_state.clone(),
                t.area_km2,
            )
        })
        .collect()
}

#[test]
#[ignore = "needs GeoPandas (make test runs it)"]
fn cshapes_shaped_layer_gives_the_transfers_geopandas_gives() {
    let w = Workdir::new();
    let layer = cshapes_layer(&w);
    let config = cshapes_config(&w, "every_change = true");
    let analysis = run(&config, &w.join("out"));
    let mut ours = transfers_of(&analysis);

    let script = root().join("tests/dated/cshapes_reference.py");
    let out = Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(&layer)
        .arg("cntry_name")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut theirs: Vec<(String, String, String, String, f64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].into(),
                f[1].into(),
                f[2].into(),
                f[3].into(),
                f[4].parse().unwrap(),
            )
        })
        .collect();
    ours.sort_by(|a, b| a.partial_cmp(b).unwrap());
    theirs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let keys = |v: &[(String, String, String, String, f64)]| -> Vec<String> {
        v.iter()
            .map(|t| format!("{} {} {}→{}", t.0, t.1, t.2, t.3))
            .collect()
    };
    assert_eq!(keys(&ours), keys(&theirs));
    // Both steps of 1939 are there, told apart by their days.
    assert!(keys(&ours).contains(&"1939-03-15 1939-09-01 A→E".to_owned()));
    let mut worst = 0.0f64;
    for (a, b) in ours.iter().zip(&theirs) {
        let rel = (a.4 - b.4).abs() / b.4;
        assert!(rel < 1e-9, "{a:?} vs {b:?}: {rel:e}");
        worst = worst.max(rel);
    }
    eprintln!(
        "{} transfers, largest difference from GeoPandas {worst:e}",
        ours.len()
    );
}

/// The same layer with listed dates (a subset, skipping 1900), with an
/// inclusive-end reading of the same periods, and with the every_change
/// window cut by from/to.
#[test]
fn cshapes_shaped_layer_by_dates_and_windows() {
    let w = Workdir::new();
    cshapes_layer(&w);
    let listed = cshapes_config(
        &w,
        r#"dates = ["1886-06-01", { date = "1939-03-15", treaty = "Munich aftermath" }, "1939-09-01", 1950]"#,
    );
    let a = run(&listed, &w.join("listed"));
    let steps: Vec<(String, String, String)> = a
        .steps
        .iter()
        .map(|s| (s.from_year.label(), s.to_year.label(), s.treaty.clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "1886-06-01".into(),
                "1939-03-15".into(),
                "Munich aftermath".into()
            ),
            (
                "1939-03-15".into(),
                "1939-09-01".into(),
                "1939-09-01".into()
            ),
            ("1939-09-01".into(), "1950".into(), "1950".into()),
        ]
    );
    // 1886-06-01 → 1939-03-15 holds both the 1900 and the March 1939 change.
    let moved: Vec<(String, String)> = a
        .transfers
        .iter()
        .filter(|t| t.to_year.label() == "1939-03-15")
        .map(|t| (t.from_state.clone(), t.to_state.clone()))
        .collect();
    assert_eq!(moved, [("C".into(), "A".into()), ("D".into(), "B".into())]);

    // Every change from 1939 on: the first snapshot is `from`.
    let window = cshapes_config(
        &w,
        "every_change = true\nfrom = 1939-01-01\nto = \"1944-12-31\"",
    );
    let a = run(&window, &w.join("window"));
    let times: Vec<String> = a.regions.iter().map(|r| r.year.label()).collect();
    assert_eq!(times, ["1939-01-01", "1939-03-15", "1939-09-01"]);
}

/// A layer whose last periods all end on one day (CShapes ends every
/// state still existing on the last day of its data): every_change stops
/// there instead of taking a snapshot of nothing; listed dates past it are
/// refused.
#[test]
fn every_change_stops_where_the_data_ends() {
    let w = Workdir::new();
    let layer = cshapes_layer(&w);
    let text = std::fs::read_to_string(&layer)
        .unwrap()
        .replace(r#""gwedate":"""#, r#""gwedate":"2019-12-31""#);
    std::fs::write(&layer, text).unwrap();
    let config = cshapes_config(&w, "every_change = true");
    let a = run(&config, &w.join("out"));
    let times: Vec<String> = a.regions.iter().map(|r| r.year.label()).collect();
    assert_eq!(
        times,
        [
            "1886-01-01",
            "1900-01-01",
            "1939-03-15",
            "1939-09-01",
            "1945-05-08"
        ]
    );
    let config = cshapes_config(&w, "dates = [1990, 2019-12-31]");
    let out = w.run(&["run", config.to_str().unwrap(), "-o", "out-end"]);
    let m = String::from_utf8_lossy(&out.stderr);
    assert!(m.contains("no feature") && m.contains("2019-12-31"), "{m}");
}

/// What a dated layer or table must not be, each refused with a message
/// naming the problem (and the feature and value where there is one).
#[test]
fn bad_dated_inputs_are_refused_clearly() {
    let w = Workdir::new();
    cshapes_layer(&w);
    let fails = |name: &str, dated: &str| -> String {
        let config = cshapes_config(&w, dated);
        let out = w.run(&[
            "run",
            config.to_str().unwrap(),
            "-o",
            &format!("out-{name}"),
        ]);
        assert_eq!(out.status.code(), Some(2), "{name}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!err.contains("panicked"), "{err}");
        assert!(!w
            .join(&format!("out-{name}"))
            .join("transfers.csv")
            .exists());
        err
    };
    let m = fails("no-dates", "");
    assert!(m.contains("needs 'dates'"), "{m}");
    let m = fails("both", "every_change = true\ndates = [1900, 1901]");
    assert!(m.contains("not both"), "{m}");
    let m = fails("one", "dates = [1900]");
    assert!(m.contains("at least two"), "{m}");
    let m = fails("twice", "dates = [\"1939-03-15\", \"1939-03-15\"]");
    assert!(m.contains("appears twice"), "{m}");
    let m = fails("year-and-day", "dates = [1939, \"1939-03-15\"]");
    assert!(m.contains("appears twice"), "{m}");
    let m = fails("bad-date", "dates = [\"1939-02-30\", 1940]");
    assert!(m.contains("1939-02-30"), "{m}");
    let m = fails("empty-day", "dates = [1800, 1900]");
    assert!(m.contains("no feature") && m.contains("1800"), "{m}");
    let m = fails("window", "every_change = true\nfrom = 1950\nto = 1940");
    assert!(m.contains("before 'from'"), "{m}");

    // A missing field, named with the layer's fields.
    let config = w.write(
        "missing.toml",
        "holder_field = \"cntry_name\"\n[dated]\npath = \"cshapes.geojson\"\nstart_field = \"gwsdate\"\nend_field = \"gwedate_x\"\ndates = [1900, 1950]\n",
    );
    let out = w.run(&["run", config.to_str().unwrap(), "-o", "out-missing"]);
    let m = String::from_utf8_lossy(&out.stderr);
    assert!(m.contains("gwedate_x") && m.contains("gwsdate"), "{m}");

    // Mixed with [[snapshot]].
    let config = w.write(
        "mixed.toml",
        "holder_field = \"cntry_name\"\n[[snapshot]]\nyear = 1\ntreaty = \"a\"\npath = \"x.shp\"\n[dated]\npath = \"cshapes.geojson\"\nstart_field = \"gwsdate\"\nend_field = \"gwedate\"\ndates = [1900, 1950]\n",
    );
    let out = w.run(&["run", config.to_str().unwrap(), "-o", "out-mixed"]);
    let m = String::from_utf8_lossy(&out.stderr);
    assert!(m.contains("cannot be mixed"), "{m}");

    // An unreadable date and a period ending before it starts, in a layer:
    // named by feature, field and value.
    let bad = |name: &str, start: &str, end: &str| -> String {
        let layer = common::polygons(&[("A", &common::cell_ring(10.0, 50.0))]).replace(
            r#""state":"A""#,
            &format!(r#""state":"A","gwsdate":"{start}","gwedate":"{end}""#),
        );
        w.write(&format!("{name}.geojson"), &layer);
        let config = w.write(
            &format!("{name}.toml"),
            &format!(
                "[dated]\npath = \"{name}.geojson\"\nstart_field = \"gwsdate\"\nend_field = \"gwedate\"\ndates = [1900, 1950]\n"
            ),
        );
        let out = w.run(&[
            "run",
            config.to_str().unwrap(),
            "-o",
            &format!("out-{name}"),
        ]);
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let m = bad("unparsable", "1886-13-01", "");
    assert!(
        m.contains("feature 0") && m.contains("gwsdate") && m.contains("1886-13-01"),
        "{m}"
    );
    let m = bad("reversed", "1945-05-08", "1939-09-01");
    assert!(
        m.contains("feature 0") && m.contains("ends before it starts") && m.contains("1939-09-01"),
        "{m}"
    );
    let m = bad("same-day", "1945-05-08", "1945-05-08");
    assert!(m.contains("end_inclusive"), "{m}");

    // validate lists the bad feature and goes on.
    let config = w.write(
        "validate.toml",
        "[dated]\npath = \"unparsable.geojson\"\nstart_field = \"gwsdate\"\nend_field = \"gwedate\"\ndates = [1900, 1950]\n",
    );
    let out = w.run(&["validate", config.to_str().unwrap()]);
    let m = String::from_utf8_lossy(&out.stdout);
    assert!(m.contains("1886-13-01"), "{m}");
}

/// `validate` on a dated layer checks each snapshot as it checks snapshot
/// layers: an overlap on one date only is reported for that date.
#[test]
fn validate_reports_overlaps_per_snapshot_date() {
    let w = Workdir::new();
    // B's cell overlaps A's on 1939-09-01 only.
    let layer = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"state":"A","s":"1900-01-01","e":""},"geometry":{"type":"Polygon","coordinates":[[[10,50],[12,50],[12,51],[10,51],[10,50]]]}},
{"type":"Feature","properties":{"state":"B","s":"1900-01-01","e":"1939-09-01"},"geometry":{"type":"Polygon","coordinates":[[[12,50],[13,50],[13,51],[12,51],[12,50]]]}},
{"type":"Feature","properties":{"state":"B","s":"1939-09-01","e":"1939-09-02"},"geometry":{"type":"Polygon","coordinates":[[[11,50],[13,50],[13,51],[11,51],[11,50]]]}},
{"type":"Feature","properties":{"state":"B","s":"1939-09-02","e":""},"geometry":{"type":"Polygon","coordinates":[[[12,50],[13,50],[13,51],[12,51],[12,50]]]}}
]}"#;
    w.write("layer.geojson", layer);
    let config = w.write(
        "layer.toml",
        "[dated]\npath = \"layer.geojson\"\nstart_field = \"s\"\nend_field = \"e\"\nevery_change = true\n",
    );
    let out = w.run(&["validate", config.to_str().unwrap()]);
    let m = String::from_utf8_lossy(&out.stdout);
    let overlaps: Vec<&str> = m.lines().filter(|l| l.contains(": overlap:")).collect();
    assert_eq!(overlaps.len(), 1, "{m}");
    assert!(overlaps[0].contains("on 1939-09-01"), "{m}");
}

/// Two `[[snapshot]]` files in one year, told apart by their dates (one
/// as a TOML date), then a year alone: dates in every output that names
/// snapshots, the years kept.
#[test]
fn two_snapshots_of_one_year_by_date() {
    let w = Workdir::new();
    let config = common::one_year_twice(&w);
    let out = w.run(&["run", config.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let transfers = w.read("out/transfers.csv");
    let lines: Vec<&str> = transfers.lines().collect();
    assert!(lines[0].ends_with(",from_date,to_date"), "{transfers}");
    assert!(
        lines[1].starts_with("1800,1800,September,A,B,"),
        "{transfers}"
    );
    assert!(lines[1].ends_with(",1800-03-01,1800-09-01"), "{transfers}");
    assert!(lines[2].starts_with("1800,1801,Back,B,A,"), "{transfers}");
    assert!(lines[2].ends_with(",1800-09-01,"), "{transfers}");
    let areas = w.read("out/areas.csv");
    assert!(
        areas
            .lines()
            .any(|l| l.starts_with("1801,Back,A,") && l.ends_with(',')),
        "{areas}"
    );
    for map in [
        "snapshot-1800-03-01",
        "snapshot-1800-09-01",
        "snapshot-1801",
        "transfers-1800-03-01-1800-09-01",
    ] {
        assert!(w.join(&format!("out/maps/{map}.svg")).exists(), "{map}");
    }
    let json: serde_json::Value = serde_json::from_str(&w.read("out/report.json")).unwrap();
    assert_eq!(json["areas"][0]["year"], 1800);
    assert_eq!(json["areas"][0]["date"], "1800-03-01");
    assert_eq!(json["transfers"][0]["to_date"], "1800-09-01");
    let package = w.read("out/datapackage.json");
    assert!(package.contains("\"from_date\""), "{package}");

    // The shapefile's date fields, null where only the year is known.
    let info = Command::new("ogrinfo")
        .args(["-ro", "-al", "-q"])
        .arg(w.join("out/states.shp"))
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("from_date (Date) = 1800/09/01"), "{info}");
    assert!(info.contains("to_date (Date) = 1800/09/01"), "{info}");
    assert!(info.contains("from_date (Date) = (null)"), "{info}");

    // QGIS: each snapshot's layers filtered by its day, time ranges on the
    // date fields, a month's step.
    let qgs = w.read("out/borderchange.qgs");
    assert!(
        qgs.contains("&quot;from_date&quot; = &apos;1800-03-01&apos;"),
        "{qgs}"
    );
    assert!(qgs.contains("&quot;year&quot; = 1801"));
    // Date-times from the date fields (a day within a month from the 1st
    // of the next), else from the year.
    assert!(qgs.contains(
        "coalesce(if(day(&quot;from_date&quot;) = 1, to_datetime(&quot;from_date&quot;)"
    ));
    assert!(qgs.contains("make_datetime(&quot;year&quot;, 1, 1, 0, 0, 0))"));
    assert!(qgs.contains("timeStepUnit=\"mon\""));
    // The last snapshot (1801) holds until the default end, 1850.
    assert!(
        qgs.contains("<start>1800-03-01T00:00:00Z</start><end>1850-01-01T00:00:00Z</end>"),
        "{qgs}"
    );

    // A reference cannot name one of the two snapshots of 1800 by year.
    let with_reference = format!(
        "{}\n[[reference]]\nid = \"a\"\nquantity = \"area\"\nstate = \"A\"\nyear = 1800\nvalue = 1\ntolerance = 0.1\nsource = \"s\"\n",
        w.read("analysis.toml")
    );
    let config = w.write("reference.toml", &with_reference);
    let out = w.run(&["run", config.to_str().unwrap(), "-o", "out-reference"]);
    assert_eq!(out.status.code(), Some(2));
    let m = String::from_utf8_lossy(&out.stderr);
    assert!(m.contains("matches 2 snapshots"), "{m}");
}

/// What the snapshot tables' years and dates must be.
#[test]
fn snapshot_years_and_dates_are_checked() {
    use borderchange::config::Config;
    let parse = |tables: &str| Config::parse(tables, Path::new("a.toml")).map(|_| ());
    let table = |when: &str| format!("[[snapshot]]\n{when}\ntreaty = \"t\"\npath = \"x.shp\"\n");
    let two = |a: &str, b: &str| format!("{}{}", table(a), table(b));
    assert!(parse(&two("date = \"1800-03-01\"", "date = \"1800-09-01\"")).is_ok());
    assert!(parse(&two("year = 1800", "date = \"1801-09-01\"")).is_ok());
    for (a, b, expected) in [
        (
            "year = 1800\ndate = \"1801-03-01\"",
            "year = 1900",
            "is not in year 1800",
        ),
        ("treaty_year = 1", "year = 1900", "unknown field"),
        ("year = 1800", "date = \"1800-09-01\"", "need a 'date' each"),
        (
            "date = \"1800-09-01\"",
            "date = 1800-09-01",
            "appears twice",
        ),
        (
            "date = \"1800-02-30\"",
            "year = 1900",
            "not a day of the calendar",
        ),
        ("date = 1800", "year = 1900", "is a year"),
        (
            "date = 1800-09-01T12:00:00",
            "year = 1900",
            "without a time",
        ),
        (
            "year = 1800\nlayer = \"a\"\nsql = \"SELECT 1\"",
            "year = 1900",
            "not both",
        ),
    ] {
        let m = parse(&two(a, b)).unwrap_err().to_string();
        assert!(m.contains(expected), "{a} / {b}: {m}");
    }
    let m = parse(&format!(
        "{}treaty = \"x\"\n",
        "[[snapshot]]\npath = \"x.shp\"\n"
    ))
    .unwrap_err();
    assert!(m.to_string().contains("at least two"), "{m}");
}
