//! `report.html`: one self-contained page (no scripts or styles from the
//! network) with the maps, the tables of `report.md`, the reference
//! comparison and the method. Every number cell carries its full-precision
//! value in `data-value`, so a test (or a reader's script) can check it
//! against `report.json`.

use std::fmt::Write as _;

use super::json::{AREA_METHOD, ELLIPSOID, LENGTH_METHOD, OVERLAY_METHOD};
use super::maps::Map;
use super::{boundary_summary, thousands, Provenance, SQ_MI_PER_KM2};
use crate::analysis::Analysis;
use crate::checks::Check;
use crate::config::{Config, Role};

fn esc(text: &str) -> String {
    crate::output::qgis::escape(text)
}

/// A right-aligned number cell showing `shown` and carrying `value`.
fn num(value: f64, shown: String) -> String {
    format!("<td class=\"n\" data-value=\"{value:e}\">{shown}</td>")
}

/// The page.
pub fn report_html(
    config: &Config,
    analysis: &Analysis,
    provenance: &Provenance,
    maps: &[Map],
) -> String {
    let mut h = String::new();
    let _ = write_page(&mut h, config, analysis, provenance, maps);
    h
}

fn write_page(
    h: &mut String,
    config: &Config,
    analysis: &Analysis,
    p: &Provenance,
    maps: &[Map],
) -> std::fmt::Result {
    let params = &config.parameters;
    let rivers = config.rivers.is_some();
    writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(h, "<title>{}</title>", esc(&config.title))?;
    h.push_str(
        "<style>\
         body{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;max-width:1060px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
         table{border-collapse:collapse;margin:0.6em 0 1.4em}\
         th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}\
         td.n{text-align:right;font-variant-numeric:tabular-nums}\
         th{background:#f3f5f7}\
         figure{margin:1em 0 2em}figure svg{max-width:100%;height:auto;border:1px solid #ddd}\
         figcaption{font-size:0.9em;color:#555}\
         .fail{color:#b00020;font-weight:bold}.pass{color:#1b7f3b}.context{color:#555;font-style:italic}\
         .note{font-size:0.9em;color:#444}\
         @media print{body{max-width:none;margin:0}figure,tr{break-inside:avoid}h2,h3{break-after:avoid}}\
         </style>\n</head>\n<body>\n",
    );
    writeln!(h, "<h1>{}</h1>", esc(&config.title))?;
    writeln!(
        h,
        "<p>Computed by borderchange {} (GDAL {}, PROJ {}) from <code>{}</code>. Areas in km² \
         (geodesic on the WGS84 ellipsoid), lengths in km (geodesic). Full precision in \
         <code>report.json</code>; the maps are also in <code>maps/</code> as SVG and PNG.</p>",
        esc(&p.tool_version),
        esc(&p.gdal_version),
        esc(&p.proj_version),
        esc(&p.config_path)
    )?;

    writeln!(h, "<h2>Transfers</h2>")?;
    if let Some(base) = analysis.variants.first() {
        writeln!(
            h,
            "<p class=\"note\">Under the base reading, <code>{}</code>; every reading's figures are under Readings, below.</p>",
            esc(&base.name)
        )?;
    }
    writeln!(
        h,
        "<table id=\"transfers\"><tr><th>treaty</th><th>years</th><th>from</th><th>to</th>\
         <th>area km²</th><th>area sq mi</th><th>equal-area km²</th></tr>"
    )?;
    for t in &analysis.transfers {
        writeln!(
            h,
            "<tr><td>{}</td><td>{}→{}</td><td>{}</td><td>{}</td>{}{}{}</tr>",
            esc(&t.treaty),
            t.from_year,
            t.to_year,
            esc(&t.from_state),
            esc(&t.to_state),
            num(t.area_km2, thousands(t.area_km2, 0)),
            num(
                t.area_km2 * SQ_MI_PER_KM2,
                thousands(t.area_km2 * SQ_MI_PER_KM2, 0)
            ),
            num(t.area_ea_km2, thousands(t.area_ea_km2, 0))
        )?;
    }
    writeln!(h, "</table>")?;
    writeln!(h, "<ul class=\"note\">")?;
    for s in &analysis.steps {
        writeln!(
            h,
            "<li>{} ({}→{}): {} sliver piece(s) under {} km² dropped, {} km² in all.</li>",
            esc(&s.treaty),
            s.from_year,
            s.to_year,
            s.dropped.count,
            params.sliver_km2,
            thousands(s.dropped.area_km2, 3)
        )?;
        for (b, km2, what) in crate::output::report::nobody_rows(s, params.sliver_km2) {
            writeln!(
                h,
                "<li>{} ({}→{}): {} km² {what} '{}' (land held by no holder in one of the two snapshots; the balances count it).</li>",
                esc(&s.treaty),
                s.from_year,
                s.to_year,
                thousands(km2, 0),
                esc(b)
            )?;
        }
    }
    writeln!(h, "</ul>")?;

    writeln!(h, "<h2>Balances</h2>")?;
    writeln!(
        h,
        "<p class=\"note\">Each holder's area before, less what it gave, plus what it received, against its area after (slivers included).</p>"
    )?;
    writeln!(
        h,
        "<table id=\"balances\"><tr><th>treaty</th><th>years</th><th>holder</th><th>before km²</th>\
         <th>given km²</th><th>received km²</th><th>after km²</th><th>off by</th></tr>"
    )?;
    for s in &analysis.steps {
        for b in &s.balances {
            writeln!(
                h,
                "<tr><td>{}</td><td>{}→{}</td><td>{}</td>{}{}{}{}{}</tr>",
                esc(&s.treaty),
                s.from_year,
                s.to_year,
                esc(&b.state),
                num(b.before_km2, thousands(b.before_km2, 0)),
                num(b.outgoing_km2, thousands(b.outgoing_km2, 0)),
                num(b.incoming_km2, thousands(b.incoming_km2, 0)),
                num(b.after_km2, thousands(b.after_km2, 0)),
                num(b.rel_error, format!("{:.2e}", b.rel_error))
            )?;
        }
    }
    writeln!(h, "</table>")?;

    writeln!(h, "<h2>Study region</h2>")?;
    writeln!(
        h,
        "<p class=\"note\">The land the snapshots cover, and the holders' areas summed; both should be the same in every snapshot.</p>"
    )?;
    writeln!(
        h,
        "<table id=\"regions\"><tr><th>year</th><th>study region km²</th><th>sum of holders km²</th>\
         <th>overlap</th><th>vs first snapshot</th></tr>"
    )?;
    for r in &analysis.regions {
        writeln!(
            h,
            "<tr><td>{}</td>{}{}{}{}</tr>",
            r.year,
            num(r.area_km2, thousands(r.area_km2, 0)),
            num(r.holders_sum_km2, thousands(r.holders_sum_km2, 0)),
            num(r.overlap_rel, format!("{:.2e}", r.overlap_rel)),
            num(r.rel_to_first, format!("{:.2e}", r.rel_to_first))
        )?;
    }
    writeln!(h, "</table>")?;
    writeln!(h, "<h3>Areas held</h3>")?;
    writeln!(
        h,
        "<table id=\"areas\"><tr><th>year</th><th>treaty</th><th>holder</th><th>area km²</th>\
         <th>equal-area km²</th><th>difference</th></tr>"
    )?;
    for a in &analysis.areas {
        writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td>{}{}{}</tr>",
            a.year,
            esc(&a.treaty),
            esc(&a.state),
            num(a.area_km2, thousands(a.area_km2, 0)),
            num(a.area_ea_km2, thousands(a.area_ea_km2, 0)),
            num(a.ea_rel_diff, format!("{:.2e}", a.ea_rel_diff))
        )?;
    }
    writeln!(h, "</table>")?;

    writeln!(h, "<h2>Boundaries</h2>")?;
    if rivers {
        writeln!(
            h,
            "<p>River stretches lie within {} km of the named river for at least {} km; the rest \
             is land. Lengths depend on the resolution of the input lines.</p>",
            params.river_distance_km, params.min_river_run_km
        )?;
    } else {
        writeln!(
            h,
            "<p>Lengths depend on the resolution of the input lines.</p>"
        )?;
    }
    writeln!(
        h,
        "<table id=\"boundaries\"><tr><th>year</th><th>between</th>{}<th>stretches</th><th>length km</th></tr>",
        if rivers { "<th>kind</th><th>river</th>" } else { "" }
    )?;
    let rows = boundary_summary(analysis);
    let mut years: Vec<crate::date::When> = rows.iter().map(|b| b.year).collect();
    years.dedup();
    for year in years {
        let mut total = 0.0;
        for b in rows.iter().filter(|b| b.year == year) {
            total += b.length_km;
            let kind = if rivers {
                format!(
                    "<td>{}</td><td>{}</td>",
                    b.kind.as_str(),
                    esc(b.river.as_deref().unwrap_or(""))
                )
            } else {
                String::new()
            };
            writeln!(
                h,
                "<tr><td>{}</td><td>{} – {}</td>{kind}{}{}</tr>",
                b.year,
                esc(&b.state_a),
                esc(&b.state_b),
                num(b.stretches as f64, b.stretches.to_string()),
                num(b.length_km, thousands(b.length_km, 1))
            )?;
        }
        writeln!(
            h,
            "<tr><th>{year}</th><th colspan=\"{}\">all boundaries</th>{}</tr>",
            if rivers { 4 } else { 2 },
            num(total, format!("<b>{}</b>", thousands(total, 1)))
        )?;
    }
    writeln!(h, "</table>")?;

    writeln!(h, "<h2>Warnings</h2>")?;
    if analysis.warnings.is_empty() {
        writeln!(h, "<p>None.</p>")?;
    } else {
        writeln!(h, "<ul class=\"warnings\">")?;
        for w in &analysis.warnings {
            writeln!(h, "<li>{}</li>", esc(w))?;
        }
        writeln!(h, "</ul>")?;
    }

    writeln!(h, "<h2>Reference figures</h2>")?;
    writeln!(
        h,
        "<p class=\"note\">A check must agree for the run to pass; a context figure uses another \
         definition (or resolution) and is shown for comparison only.</p>"
    )?;
    writeln!(
        h,
        "<table id=\"checks\"><tr><th>id</th><th>published</th><th>computed</th><th>difference</th>\
         <th>tolerance</th><th>agrees</th><th>role</th><th>source</th></tr>"
    )?;
    for c in &analysis.checks {
        writeln!(
            h,
            "<tr><td>{}</td>{}{}{}<td class=\"n\">{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.id),
            if c.is_range() {
                num(c.expected, format!("{} {}", esc(&c.published()), c.unit))
            } else {
                num(c.expected, format!("{} {}", thousands(c.expected, 0), c.unit))
            },
            num(c.computed, format!("{} {}", thousands(c.computed, 0), c.unit)),
            num(c.rel_diff, format!("{:+.1}%", c.rel_diff * 100.0)),
            if c.is_range() {
                "range".to_owned()
            } else {
                format!("±{:.1}%", c.tolerance * 100.0)
            },
            super::agreement(c.role, c.agrees).0,
            super::agreement(c.role, c.agrees).1,
            match c.role {
                Role::Check => "check",
                Role::Context => "context",
            },
            esc(&c.source)
        )?;
    }
    writeln!(h, "</table>")?;
    let disagreements = disagreements(&analysis.checks);
    if !disagreements.is_empty() {
        writeln!(
            h,
            "<p><b>Where the published figures disagree with each other:</b></p><ul>"
        )?;
        for d in disagreements {
            writeln!(h, "<li>{}</li>", esc(&d))?;
        }
        writeln!(h, "</ul>")?;
    }
    let notes: Vec<&Check> = analysis
        .checks
        .iter()
        .filter(|c| !c.note.is_empty())
        .collect();
    if !notes.is_empty() {
        writeln!(h, "<ul class=\"note\">")?;
        for c in notes {
            writeln!(h, "<li><b>{}</b>: {}</li>", esc(&c.id), esc(&c.note))?;
        }
        writeln!(h, "</ul>")?;
    }

    h.push_str(&super::readings::html(analysis));
    if !maps.is_empty() {
        writeln!(h, "<h2>Maps</h2>")?;
    }
    for m in maps {
        writeln!(
            h,
            "<figure id=\"map-{}\" class=\"map\">\n{}<figcaption>{} (<code>maps/{}.svg</code>, <code>maps/{}.png</code>)</figcaption>\n</figure>",
            esc(&m.name),
            m.svg,
            esc(&m.title),
            esc(&m.name),
            esc(&m.name)
        )?;
    }

    writeln!(h, "<h2>Method</h2>\n<ul>")?;
    writeln!(h, "<li>Ellipsoid: {}.</li>", esc(ELLIPSOID))?;
    writeln!(h, "<li>Areas: {}.</li>", esc(AREA_METHOD))?;
    writeln!(h, "<li>Lengths: {}.</li>", esc(LENGTH_METHOD))?;
    writeln!(
        h,
        "<li>Overlay: {} (densify_km = {}).</li>",
        esc(OVERLAY_METHOD),
        params.densify_km
    )?;
    writeln!(
        h,
        "<li>Equal-area cross-check: planar area in <code>{}</code> through PROJ.</li>",
        esc(&params.equal_area_crs)
    )?;
    if rivers {
        writeln!(
            h,
            "<li>Sliver threshold {} km²; river distance {} km; minimum river run {} km.</li>",
            params.sliver_km2, params.river_distance_km, params.min_river_run_km
        )?;
    } else {
        writeln!(h, "<li>Sliver threshold {} km².</li>", params.sliver_km2)?;
    }
    writeln!(
        h,
        "<li>Maps: Albers equal-area conic fitted to the study region (PROJ); geometry thinned \
         to a quarter pixel for drawing only.</li>"
    )?;
    writeln!(
        h,
        "<li>Software: borderchange {}, GDAL {}, PROJ {}.</li>\n</ul>",
        esc(&p.tool_version),
        esc(&p.gdal_version),
        esc(&p.proj_version)
    )?;
    h.push_str(&super::sources::html(config));
    // Marks the page once every map has a drawn size: what the browser
    // test reads back.
    h.push_str(
        "<script>\
         const maps=[...document.querySelectorAll('figure.map svg')];\
         const drawn=maps.filter(s=>{const b=s.getBBox();return b.width>0&&b.height>0;}).length;\
         document.body.dataset.mapsDrawn=drawn+'/'+maps.length;\
         </script>\n</body>\n</html>\n",
    );
    Ok(())
}

/// Plain statements about references to the same quantity whose published
/// values differ by more than their tolerances allow.
pub fn disagreements(checks: &[Check]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, a) in checks.iter().enumerate() {
        for b in checks.iter().skip(i + 1) {
            if a.quantity != b.quantity {
                continue;
            }
            let spread = (a.expected - b.expected).abs() / a.expected.min(b.expected);
            if spread <= a.tolerance.max(b.tolerance) {
                continue;
            }
            out.push(format!(
                "'{}' ({} {}, {}) and '{}' ({} {}, {}) give the same quantity figures {:.0}% apart; \
                 the computed value is {} {}, {:+.1}% from the first and {:+.1}% from the second.",
                a.id,
                thousands(a.expected, 0),
                a.unit,
                a.source,
                b.id,
                thousands(b.expected, 0),
                b.unit,
                b.source,
                spread * 100.0,
                thousands(a.computed, 0),
                a.unit,
                a.rel_diff * 100.0,
                b.rel_diff * 100.0
            ));
        }
    }
    out
}
