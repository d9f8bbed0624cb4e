//! `report.md`: the analysis as readable tables, with its method.

use std::fmt::Write;

use super::json::{AREA_METHOD, ELLIPSOID, LENGTH_METHOD, OVERLAY_METHOD};
use super::maps::Map;
use super::{agreement, boundary_summary, Provenance, SQ_MI_PER_KM2};
use crate::analysis::Analysis;
use crate::config::{Config, Quantity, Role};
use crate::model::StretchKind;

/// Renders the Markdown report: the answer first (transfers, balances,
/// the study region, boundaries), then warnings, references, readings,
/// maps (as `maps/NAME.png`), method and sources.
pub fn report_markdown(
    config: &Config,
    analysis: &Analysis,
    provenance: &Provenance,
    maps: &[Map],
) -> String {
    let mut md = String::new();
    // Writing to a String cannot fail; the results are ignored on purpose.
    let _ = write_report(&mut md, config, analysis, provenance, maps);
    md
}

fn write_report(
    md: &mut String,
    config: &Config,
    analysis: &Analysis,
    p: &Provenance,
    maps: &[Map],
) -> std::fmt::Result {
    let params = &config.parameters;
    let rivers = config.rivers.is_some();
    writeln!(md, "# {}\n", config.title)?;
    writeln!(
        md,
        "Computed by borderchange {} (GDAL {}, PROJ {}) from `{}`. Areas in km² \
         (geodesic on the WGS84 ellipsoid), lengths in km (geodesic). Full \
         precision in `report.json`.\n",
        p.tool_version, p.gdal_version, p.proj_version, p.config_path
    )?;

    writeln!(md, "## Transfers\n")?;
    if let Some(base) = analysis.variants.first() {
        writeln!(
            md,
            "Under the base reading, `{}`; every reading's figures are under Readings, below.\n",
            base.name
        )?;
    }
    writeln!(
        md,
        "| treaty | years | from | to | area km² | area sq mi | equal-area km² |"
    )?;
    writeln!(md, "|---|---|---|---|---:|---:|---:|")?;
    for t in &analysis.transfers {
        writeln!(
            md,
            "| {} | {}→{} | {} | {} | {} | {} | {} |",
            t.treaty,
            t.from_year,
            t.to_year,
            t.from_state,
            t.to_state,
            thousands(t.area_km2, 0),
            thousands(t.area_km2 * SQ_MI_PER_KM2, 0),
            thousands(t.area_ea_km2, 0)
        )?;
    }
    writeln!(md)?;
    for s in &analysis.steps {
        writeln!(
            md,
            "- {} ({}→{}): {} sliver piece(s) under {} km² dropped, {} km² in all.",
            s.treaty,
            s.from_year,
            s.to_year,
            s.dropped.count,
            params.sliver_km2,
            thousands(s.dropped.area_km2, 3)
        )?;
        for (b, km2, what) in crate::output::report::nobody_rows(s, params.sliver_km2) {
            writeln!(
                md,
                "- {} ({}→{}): {} km² {what} '{b}' (land held by no holder in one of the two snapshots; the balances count it).",
                s.treaty,
                s.from_year,
                s.to_year,
                thousands(km2, 0)
            )?;
        }
    }
    writeln!(md)?;

    writeln!(md, "## Balances\n")?;
    writeln!(
        md,
        "Each holder's area before, less what it gave, plus what it received, against its area after (slivers included).\n"
    )?;
    writeln!(
        md,
        "| treaty | years | holder | before km² | given km² | received km² | after km² | off by |"
    )?;
    writeln!(md, "|---|---|---|---:|---:|---:|---:|---:|")?;
    for s in &analysis.steps {
        for b in &s.balances {
            writeln!(
                md,
                "| {} | {}→{} | {} | {} | {} | {} | {} | {:.2e} |",
                s.treaty,
                s.from_year,
                s.to_year,
                b.state,
                thousands(b.before_km2, 0),
                thousands(b.outgoing_km2, 0),
                thousands(b.incoming_km2, 0),
                thousands(b.after_km2, 0),
                b.rel_error
            )?;
        }
    }
    writeln!(md)?;

    writeln!(md, "## Study region\n")?;
    writeln!(
        md,
        "The land the snapshots cover, and the holders' areas summed; both should be the same in every snapshot.\n"
    )?;
    writeln!(
        md,
        "| year | study region km² | sum of holders km² | overlap | vs first snapshot |"
    )?;
    writeln!(md, "|---|---:|---:|---:|---:|")?;
    for r in &analysis.regions {
        writeln!(
            md,
            "| {} | {} | {} | {:.2e} | {:.2e} |",
            r.year,
            thousands(r.area_km2, 0),
            thousands(r.holders_sum_km2, 0),
            r.overlap_rel,
            r.rel_to_first
        )?;
    }
    writeln!(md)?;
    writeln!(md, "### Areas held\n")?;
    writeln!(
        md,
        "| year | treaty | holder | area km² | equal-area km² | difference |"
    )?;
    writeln!(md, "|---|---|---|---:|---:|---:|")?;
    for a in &analysis.areas {
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {:.2e} |",
            a.year,
            a.treaty,
            a.state,
            thousands(a.area_km2, 0),
            thousands(a.area_ea_km2, 0),
            a.ea_rel_diff
        )?;
    }
    writeln!(md)?;

    writeln!(md, "## Boundaries\n")?;
    if rivers {
        writeln!(
            md,
            "River stretches lie within {} km of the named river for at least {} km; \
             the rest is land. Lengths depend on the resolution of the input lines.\n",
            params.river_distance_km, params.min_river_run_km
        )?;
        writeln!(
            md,
            "| year | between | kind | river | stretches | length km |"
        )?;
        writeln!(md, "|---|---|---|---|---:|---:|")?;
    } else {
        writeln!(md, "Lengths depend on the resolution of the input lines.\n")?;
        writeln!(md, "| year | between | stretches | length km |")?;
        writeln!(md, "|---|---|---:|---:|")?;
    }
    for b in boundary_summary(analysis) {
        let kind = if rivers {
            format!(
                " {} | {} |",
                b.kind.as_str(),
                b.river.as_deref().unwrap_or("")
            )
        } else {
            String::new()
        };
        writeln!(
            md,
            "| {} | {} – {} |{kind} {} | {} |",
            b.year,
            b.state_a,
            b.state_b,
            b.stretches,
            thousands(b.length_km, 1)
        )?;
    }
    writeln!(md)?;

    writeln!(md, "## Warnings\n")?;
    if analysis.warnings.is_empty() {
        writeln!(md, "None.\n")?;
    } else {
        for w in &analysis.warnings {
            writeln!(md, "- {w}")?;
        }
        writeln!(md)?;
    }

    writeln!(md, "## Reference figures\n")?;
    writeln!(
        md,
        "A check must agree for the run to pass; a context figure uses another definition \
         (or resolution) and is shown for comparison only.\n"
    )?;
    writeln!(md, "| id | quantity | published | computed | difference | tolerance | agrees | role | source |")?;
    writeln!(md, "|---|---|---:|---:|---:|---:|---|---|---|")?;
    for c in &analysis.checks {
        writeln!(
            md,
            "| {} | {} | {} {} | {} {} | {:+.1}% | {} | {} | {} | {} |",
            c.id,
            describe(&c.quantity),
            if c.is_range() {
                c.published()
            } else {
                thousands(c.expected, 0)
            },
            c.unit,
            thousands(c.computed, 0),
            c.unit,
            c.rel_diff * 100.0,
            if c.is_range() {
                "range".to_owned()
            } else {
                format!("±{:.1}%", c.tolerance * 100.0)
            },
            agreement(c.role, c.agrees).1,
            match c.role {
                Role::Check => "check",
                Role::Context => "context",
            },
            c.source
        )?;
    }
    writeln!(md)?;
    for c in analysis.checks.iter().filter(|c| !c.note.is_empty()) {
        writeln!(md, "- **{}**: {}", c.id, c.note)?;
    }
    writeln!(md)?;
    md.push_str(&super::readings::markdown(analysis));

    if !maps.is_empty() {
        writeln!(md, "## Maps\n")?;
        for m in maps {
            writeln!(md, "![{}](maps/{}.png)\n", m.title, m.name)?;
        }
    }

    writeln!(md, "## Method\n")?;
    writeln!(md, "- Ellipsoid: {ELLIPSOID}.")?;
    writeln!(md, "- Areas: {AREA_METHOD}.")?;
    writeln!(md, "- Lengths: {LENGTH_METHOD}.")?;
    writeln!(
        md,
        "- Overlay: {OVERLAY_METHOD} (densify_km = {}).",
        params.densify_km
    )?;
    writeln!(
        md,
        "- Equal-area cross-check: planar area in `{}` through PROJ.",
        params.equal_area_crs
    )?;
    if rivers {
        writeln!(
            md,
            "- Sliver threshold {} km²; river distance {} km; minimum river run {} km.",
            params.sliver_km2, params.river_distance_km, params.min_river_run_km
        )?;
    } else {
        writeln!(md, "- Sliver threshold {} km².", params.sliver_km2)?;
    }
    writeln!(md)?;
    md.push_str(&super::sources::markdown(config));
    Ok(())
}

/// A short description of a quantity for tables.
fn describe(q: &Quantity) -> String {
    match q {
        Quantity::Transfer {
            from,
            to,
            from_year,
            to_year,
        } => format!(
            "{} → {}, {from_year}→{to_year}",
            from.join("+"),
            to.join("+")
        ),
        Quantity::Area { state, year } => format!("area of {state}, {year}"),
        Quantity::Boundary {
            year,
            states,
            river,
            kind,
            within,
        } => {
            let what = match (river, kind) {
                (Some(r), _) => format!("{r} stretches"),
                (None, Some(StretchKind::River)) => "river stretches".to_owned(),
                (None, Some(StretchKind::Land)) => "land stretches".to_owned(),
                (None, None) => "boundary".to_owned(),
            };
            let clip = within
                .map(|[w, s, e, n]| format!(" within [{w}, {s}, {e}, {n}]"))
                .unwrap_or_default();
            format!("{what} {}–{}, {year}{clip}", states[0], states[1])
        }
    }
}

pub use crate::support::numbers::thousands;

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(282_473.0, 0), "282,473");
        assert_eq!(thousands(1_234_567.891, 1), "1,234,567.9");
        assert_eq!(thousands(-944.04, 1), "-944.0");
        assert_eq!(thousands(-0.0001, 1), "0.0");
        assert_eq!(thousands(999.5, 0), "1,000");
    }
}
