//! The maps as a printed page needs them: holders' own colours (the same in
//! the QGIS project), names in any script drawn with real glyphs, legends
//! within their column, labels that do not collide, context layers, and the
//! zones' map of the readings.

use std::fs;
use std::path::Path;

use borderchange::output::report::maps::labels::{text_rect, Rect};
use borderchange::output::report::maps::Fonts;

mod common;
use common::{layer, square};

const LONG: &str = "The Most Serene Confederation of the Upper and Lower Amur Valley Principalities and their Dependencies";

/// Three holders named in Chinese, Russian and at great length, ten places
/// crowded into one degree, a context layer round them, and a reading of a
/// zone: in 1800 大清 holds 120–122° E and Российская империя 122–124° E; in
/// 1900 the long-named holder has 120–121° E.
fn fixture(dir: &Path) -> std::path::PathBuf {
    layer(
        &dir.join("a1800.geojson"),
        "state",
        &[
            ("大清", square(120.0, 50.0, 122.0, 52.0)),
            ("Российская империя", square(122.0, 50.0, 124.0, 52.0)),
        ],
    );
    layer(
        &dir.join("a1900.geojson"),
        "state",
        &[
            (LONG, square(120.0, 50.0, 121.0, 52.0)),
            ("大清", square(121.0, 50.0, 122.0, 52.0)),
            ("Российская империя", square(122.0, 50.0, 124.0, 52.0)),
        ],
    );
    layer(
        &dir.join("zones.geojson"),
        "zone",
        &[("west", square(121.0, 49.0, 122.0, 53.0))],
    );
    layer(
        &dir.join("context.geojson"),
        "name",
        &[
            ("north", square(118.0, 52.0, 126.0, 55.0)),
            ("south", square(118.0, 47.0, 126.0, 50.0)),
        ],
    );
    let names = [
        "瑷珲",
        "黑河",
        "Хабаровск",
        "Нерчинск",
        "尼布楚",
        "Albazin",
        "Благовещенск",
        "海兰泡",
        "Aigun",
        "齐齐哈尔",
    ];
    let places: String = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!(
                "[[place]]\nname = \"{name}\"\nlat = {}\nlon = {}\n\n",
                50.8 + 0.04 * (i % 3) as f64,
                121.7 + 0.08 * i as f64
            )
        })
        .collect();
    let config = format!(
        r##"title = "maps"
base_variant = "drawn"

[parameters]
equal_area_crs = "+proj=laea +lat_0=51 +lon_0=122 +datum=WGS84 +units=m +no_defs"

[output]
formats = ["GPKG"]

[[snapshot]]
year = 1800
treaty = "first"
path = "a1800.geojson"

[[snapshot]]
year = 1900
treaty = "second"
path = "a1900.geojson"

[holders."大清"]
color = "#123456"

[[context]]
name = "neighbours"
path = "context.geojson"

[zones]
path = "zones.geojson"

[[variant]]
name = "b-early"
title = "the west zone Russian already"
source = "a test"

[[variant.assign]]
zone = "west"
holder = "Российская империя"
years = [1800]

{places}"##
    );
    let path = dir.join("analysis.toml");
    fs::write(&path, config).unwrap();
    path
}

/// The value of attribute `name` in the start tag `tag`.
fn attr(tag: &str, name: &str) -> Option<f64> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    tag[at..].split('"').next()?.parse().ok()
}

/// The contents of the `<tspan>`s in `fragment`, in order.
fn tspans(fragment: &str) -> Vec<&str> {
    fragment
        .split("<tspan")
        .skip(1)
        .map(|t| {
            t.split_once('>')
                .unwrap()
                .1
                .split("</tspan>")
                .next()
                .unwrap()
        })
        .collect()
}

/// Every `<text>` of a class: (x, y, content).
fn texts(svg: &str, class: &str) -> Vec<(f64, f64, String)> {
    svg.split("<text ")
        .skip(1)
        .filter(|t| {
            t.split('>')
                .next()
                .unwrap()
                .contains(&format!("class=\"{class}\""))
        })
        .map(|t| {
            let (tag, rest) = t.split_once('>').unwrap();
            let tag = format!(" {tag}");
            let content = rest.split("</text>").next().unwrap().to_owned();
            (attr(&tag, "x").unwrap(), attr(&tag, "y").unwrap(), content)
        })
        .collect()
}

#[test]
fn names_in_any_script_are_drawn_in_place_and_in_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture(dir.path());
    let out = dir.path().join("out");
    borderchange::run::run(&config, Some(&out)).unwrap();
    let fonts = Fonts::system();
    let svg = fs::read_to_string(out.join("maps/snapshot-1900.svg")).unwrap();

    // 大清's own colour, in the map and the QGIS project; the others
    // picked, neither the grey nor 大清's.
    assert!(svg.contains("fill=\"#123456\""));
    let qgs = fs::read_to_string(out.join("borderchange.qgs")).unwrap();
    assert!(qgs.contains("value=\"18,52,86,255\""));
    assert!(!svg.contains("fill=\"#c8c8c8\""));

    // Every label's box (as measured in the fonts the PNG is drawn with)
    // lies in the map and overlaps no other label.
    let labels: Vec<(String, Rect)> = texts(&svg, "place")
        .into_iter()
        .chain(texts(&svg, "river"))
        .map(|(x, y, text)| {
            let rect = text_rect(x, y, fonts.width(&text, 11.0, false), 11.0);
            (text, rect)
        })
        .collect();
    assert!(labels.len() >= 6, "{labels:?}");
    for (i, (a, ra)) in labels.iter().enumerate() {
        assert!(
            ra.x0 >= 12.0 && ra.x1 <= 1100.0 - 270.0 - 12.0,
            "{a} {ra:?}"
        );
        for (b, rb) in &labels[i + 1..] {
            assert!(!ra.overlaps(rb), "{a} {ra:?} overlaps {b} {rb:?}");
        }
    }
    // Every label left out says so.
    let left_out = svg.matches("<!-- no room for the label").count();
    assert_eq!(labels.len() + left_out, 10);

    // No character of any name lacks a glyph.
    for name in ["大清", "Российская империя", "瑷珲", "齐齐哈尔", LONG] {
        assert_eq!(fonts.missing(name), Vec::<char>::new(), "{name}");
    }

    // The legend: the long name wrapped, every line within the column
    // (254 px less the swatch, at the legend's scale), nothing lost.
    let start = svg
        .find("<g transform=\"translate(834.0")
        .expect("the legend");
    let legend = &svg[start..start + svg[start..].find("</g>").unwrap()];
    let scale = legend
        .split("scale(")
        .nth(1)
        .map_or(1.0, |r| r.split(')').next().unwrap().parse().unwrap());
    let lines = tspans(legend);
    for line in &lines {
        let w = fonts.width(line, 11.0, false);
        assert!(w <= 254.0 / scale - 24.0 + 1e-9, "{line:?}: {w} px");
    }
    assert!(lines.iter().filter(|l| LONG.contains(*l)).count() >= 3);
    assert!(lines.contains(&"neighbours"));

    // The context layer under the holders, and in the QGIS project.
    assert!(svg.find("fill=\"#e2e2e2\"").unwrap() < svg.find("fill=\"#123456\"").unwrap());
    assert!(qgs.contains("<datasource>../context.geojson</datasource>"));

    // The PNG is drawn.
    let png = fs::read(out.join("maps/snapshot-1900.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

/// The zones' map names the zone and says who holds it in which snapshot
/// under each reading; the reports show it with the other maps.
#[test]
fn the_zones_map_shows_every_reading() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture(dir.path());
    let out = dir.path().join("out");
    borderchange::run::run(&config, Some(&out)).unwrap();
    let svg = fs::read_to_string(out.join("maps/zones.svg")).unwrap();
    assert_eq!(texts(&svg, "zone").len(), 1);
    assert_eq!(texts(&svg, "zone")[0].2, "west");
    // Each note's text, its lines joined by spaces.
    let notes: Vec<String> = svg
        .split("class=\"legend-note\">")
        .skip(1)
        .map(|t| tspans(t.split("</text>").next().unwrap()).join(" "))
        .collect();
    let notes = notes.join("\n");
    assert!(
        notes.contains("drawn (as drawn): 大清 1800, 1900"),
        "{notes}"
    );
    assert!(
        notes.contains("b-early: Российская империя 1800; 大清 1900"),
        "{notes}"
    );
    assert!(out.join("maps/zones.png").exists());
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("(maps/zones.png)"));
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"map-zones\""));
}
