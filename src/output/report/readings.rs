//! The reports' "Readings" section: the variants with their sources, each
//! transfer's range over them, and every reference under every reading.

use std::fmt::Write;

use super::{thousands, transfer_ranges};
use crate::analysis::Analysis;

/// The readings as Markdown; empty without variants.
pub fn markdown(analysis: &Analysis) -> String {
    let mut md = String::new();
    let _ = write_markdown(&mut md, analysis);
    md
}

fn assigned(v: &crate::analysis::VariantResult) -> String {
    if v.assignments.is_empty() {
        return "the snapshots as drawn".to_owned();
    }
    v.assignments
        .iter()
        .map(|a| {
            let years: Vec<String> = a.years.iter().map(i32::to_string).collect();
            format!("{} → {} ({})", a.zone, a.holder, years.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn write_markdown(md: &mut String, analysis: &Analysis) -> std::fmt::Result {
    if analysis.variants.is_empty() {
        return Ok(());
    }
    writeln!(md, "## Readings\n")?;
    writeln!(
        md,
        "Each reading gives some disputed zones to another holder in some snapshots; \
         the first is the base, the snapshots as drawn.\n"
    )?;
    writeln!(md, "| variant | reading | zones reassigned | source |")?;
    writeln!(md, "|---|---|---|---|")?;
    for v in &analysis.variants {
        writeln!(
            md,
            "| {} | {} | {} | {} |",
            v.name,
            v.title,
            assigned(v),
            v.source
        )?;
    }
    writeln!(md)?;
    writeln!(md, "### Transfers over the readings\n")?;
    let names: Vec<&str> = analysis.variants.iter().map(|v| v.name.as_str()).collect();
    writeln!(
        md,
        "| treaty | years | from | to | least km² | from reading | greatest km² | from reading | {} |",
        names.join(" | ")
    )?;
    writeln!(
        md,
        "|---|---|---|---|---:|---|---:|---|{}",
        "---:|".repeat(names.len())
    )?;
    for r in transfer_ranges(analysis) {
        let values: Vec<String> = r.by_variant.iter().map(|v| thousands(v.1, 0)).collect();
        writeln!(
            md,
            "| {} | {}→{} | {} | {} | {} | {} | {} | {} | {} |",
            r.treaty,
            r.from_year,
            r.to_year,
            r.from_state,
            r.to_state,
            thousands(r.min_km2, 0),
            r.min_variants.join(", "),
            thousands(r.max_km2, 0),
            r.max_variants.join(", "),
            values.join(" | ")
        )?;
    }
    writeln!(md)?;
    writeln!(md, "### References under each reading\n")?;
    writeln!(
        md,
        "A reference is compared under every reading; it agrees when it agrees under \
         any reading it names (marked \\*; the base when it names none).\n"
    )?;
    writeln!(md, "| id | published | {} | agrees |", names.join(" | "))?;
    writeln!(md, "|---|---:|{}---|", "---:|".repeat(names.len()))?;
    for c in &analysis.checks {
        let cells: Vec<String> = c
            .under
            .iter()
            .map(|u| {
                format!(
                    "{}{} ({:+.1}%{})",
                    if u.named { "\\*" } else { "" },
                    thousands(u.computed, 0),
                    u.rel_diff * 100.0,
                    if u.agrees { ", agrees" } else { "" }
                )
            })
            .collect();
        writeln!(
            md,
            "| {} | {} {} | {} | {} |",
            c.id,
            c.published(),
            c.unit,
            cells.join(" | "),
            super::agreement(c.role, c.agrees).1
        )?;
    }
    writeln!(md)?;
    Ok(())
}

/// The readings as HTML; empty without variants.
pub fn html(analysis: &Analysis) -> String {
    let mut h = String::new();
    let _ = write_html(&mut h, analysis);
    h
}

fn write_html(h: &mut String, analysis: &Analysis) -> std::fmt::Result {
    let esc = crate::output::qgis::escape;
    if analysis.variants.is_empty() {
        return Ok(());
    }
    writeln!(h, "<h2>Readings</h2>")?;
    writeln!(
        h,
        "<p>Each reading gives some disputed zones to another holder in some snapshots; \
         the first is the base, the snapshots as drawn.</p>"
    )?;
    writeln!(
        h,
        "<table id=\"variants\"><tr><th>variant</th><th>reading</th><th>zones reassigned</th><th>source</th></tr>"
    )?;
    for v in &analysis.variants {
        writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&v.name),
            esc(&v.title),
            esc(&assigned(v)),
            esc(&v.source)
        )?;
    }
    writeln!(h, "</table>")?;
    let names: Vec<&str> = analysis.variants.iter().map(|v| v.name.as_str()).collect();
    let heads: String = names
        .iter()
        .map(|n| format!("<th>{}</th>", esc(n)))
        .collect();
    writeln!(h, "<h3>Transfers over the readings</h3>")?;
    writeln!(
        h,
        "<table id=\"ranges\"><tr><th>treaty</th><th>years</th><th>from</th><th>to</th>\
         <th>least km²</th><th>from reading</th><th>greatest km²</th><th>from reading</th>{heads}</tr>"
    )?;
    for r in transfer_ranges(analysis) {
        let values: String = r
            .by_variant
            .iter()
            .map(|v| format!("<td class=\"n\">{}</td>", thousands(v.1, 0)))
            .collect();
        writeln!(
            h,
            "<tr><td>{}</td><td>{}→{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td>\
             <td class=\"n\">{}</td><td>{}</td>{values}</tr>",
            esc(&r.treaty),
            r.from_year,
            r.to_year,
            esc(&r.from_state),
            esc(&r.to_state),
            thousands(r.min_km2, 0),
            esc(&r.min_variants.join(", ")),
            thousands(r.max_km2, 0),
            esc(&r.max_variants.join(", "))
        )?;
    }
    writeln!(h, "</table>")?;
    writeln!(h, "<h3>References under each reading</h3>")?;
    writeln!(
        h,
        "<p>A reference is compared under every reading; it agrees when it agrees under any \
         reading it names (marked *; the base when it names none).</p>"
    )?;
    writeln!(
        h,
        "<table id=\"checks-by-variant\"><tr><th>id</th><th>published</th>{heads}<th>agrees</th></tr>"
    )?;
    for c in &analysis.checks {
        let cells: String = c
            .under
            .iter()
            .map(|u| {
                format!(
                    "<td class=\"n {}\">{}{} ({:+.1}%)</td>",
                    super::agreement(c.role, u.agrees).0,
                    if u.named { "*" } else { "" },
                    thousands(u.computed, 0),
                    u.rel_diff * 100.0
                )
            })
            .collect();
        writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{} {}</td>{cells}<td class=\"{}\">{}</td></tr>",
            esc(&c.id),
            esc(&c.published()),
            c.unit,
            super::agreement(c.role, c.agrees).0,
            super::agreement(c.role, c.agrees).1
        )?;
    }
    writeln!(h, "</table>")?;
    Ok(())
}
