//! Reports written from an [`Analysis`]: machine-readable JSON, Markdown
//! tables and CSV. Pure text: every number comes from the analysis, printed
//! with a fixed format so re-runs give identical bytes.

mod html;
mod json;
pub mod maps;
mod markdown;
pub mod pdf;
mod ranges;
mod readings;
pub mod sources;
mod summary;

pub use html::{disagreements, report_html};
pub use json::report_json;
pub use markdown::{report_markdown, thousands};
pub use ranges::{transfer_ranges, TransferRange};
pub use summary::{boundary_summary, BoundaryRow};

use crate::analysis::Analysis;

/// Square miles in a square kilometre (1 mi = 1.609344 km exactly).
pub const SQ_MI_PER_KM2: f64 = 1.0 / (1.609_344 * 1.609_344);

/// What a report says about how the numbers were made.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Provenance {
    /// borderchange version.
    pub tool_version: String,
    /// GDAL runtime version.
    pub gdal_version: String,
    /// PROJ runtime version.
    pub proj_version: String,
    /// The analysis file's name (without its folder, so that nothing in the
    /// reports depends on where the run was started or how the path was
    /// typed).
    pub config_path: String,
}

/// The CSV tables' header lines (areas, transfers, boundaries), with the
/// optional columns after the others: dates, bounds, the variant.
fn headers(c: Columns) -> [String; 3] {
    let variant = if c.variants { ",variant" } else { "" };
    let date = if c.dated { ",date" } else { "" };
    let dates = if c.dated { ",from_date,to_date" } else { "" };
    let bounds = if c.bounded {
        ",area_min_km2,area_max_km2"
    } else {
        ""
    };
    [
        format!("year,treaty,state,area_km2,area_ea_km2,ea_rel_diff{date}{variant}\n"),
        format!(
            "from_year,to_year,treaty,from_state,to_state,area_km2,area_sq_mi,area_ea_km2{dates}{bounds}{variant}\n"
        ),
        format!("year,state_a,state_b,kind,river,stretches,length_km{date}{variant}\n"),
    ]
}

/// Each reading's value of the `variant` column: nothing without variants
/// (the tables stay as they were), else each reading's `,name`.
fn variant_column(analysis: &Analysis) -> Vec<(String, &Analysis)> {
    analysis
        .readings()
        .into_iter()
        .map(|(name, figures)| {
            (
                name.map(|n| format!(",{}", csv_text(n)))
                    .unwrap_or_default(),
                figures,
            )
        })
        .collect()
}

/// `areas.csv`: one row per holder per snapshot (per variant, with
/// variants).
pub fn areas_csv(analysis: &Analysis) -> String {
    let dated = has_dates(analysis);
    let readings = variant_column(analysis);
    let [mut out, _, _] = headers(Columns::of(analysis));
    for (variant, figures) in readings {
        for a in &figures.areas {
            out.push_str(&format!(
                "{},{},{},{:.3},{:.3},{:.3e}{}{variant}\n",
                a.year.year,
                csv_text(&a.treaty),
                csv_text(&a.state),
                a.area_km2,
                a.area_ea_km2,
                a.ea_rel_diff,
                date_columns(dated, &[a.year])
            ));
        }
    }
    out
}

/// True when some reading's transfer has bounds (`[[uncertainty]]`): the
/// transfers table then has `area_min_km2` and `area_max_km2`.
pub fn has_bounds(analysis: &Analysis) -> bool {
    analysis
        .readings()
        .iter()
        .any(|(_, f)| f.transfers.iter().any(|t| t.area_range_km2.is_some()))
}

/// True when some snapshot has a date: the tables then have date columns
/// (ISO 8601; empty where only the year is known) after the others.
pub fn has_dates(analysis: &Analysis) -> bool {
    analysis.areas.iter().any(|a| a.year.date.is_some())
}

fn date_columns(dated: bool, whens: &[crate::date::When]) -> String {
    if !dated {
        return String::new();
    }
    whens
        .iter()
        .map(|w| format!(",{}", w.date.map(|d| d.to_string()).unwrap_or_default()))
        .collect()
}

/// `transfers.csv`: one row per transfer (per variant, with variants).
pub fn transfers_csv(analysis: &Analysis) -> String {
    let dated = has_dates(analysis);
    let readings = variant_column(analysis);
    let bounded = has_bounds(analysis);
    let [_, mut out, _] = headers(Columns::of(analysis));
    for (variant, figures) in readings {
        for t in &figures.transfers {
            let bounds = match (bounded, t.area_range_km2) {
                (true, Some([lo, hi])) => format!(",{lo:.3},{hi:.3}"),
                (true, None) => ",,".to_owned(),
                (false, _) => String::new(),
            };
            out.push_str(&format!(
                "{},{},{},{},{},{:.3},{:.3},{:.3}{}{bounds}{variant}\n",
                t.from_year.year,
                t.to_year.year,
                csv_text(&t.treaty),
                csv_text(&t.from_state),
                csv_text(&t.to_state),
                t.area_km2,
                t.area_km2 * SQ_MI_PER_KM2,
                t.area_ea_km2,
                date_columns(dated, &[t.from_year, t.to_year])
            ));
        }
    }
    out
}

/// `boundaries.csv`: one row per year, holder pair and river (or land)
/// (per variant, with variants).
pub fn boundaries_csv(analysis: &Analysis) -> String {
    let dated = has_dates(analysis);
    let readings = variant_column(analysis);
    let [_, _, mut out] = headers(Columns::of(analysis));
    for (variant, figures) in readings {
        for b in boundary_summary(figures) {
            out.push_str(&format!(
                "{},{},{},{},{},{},{:.3}{}{variant}\n",
                b.year.year,
                csv_text(&b.state_a),
                csv_text(&b.state_b),
                b.kind.as_str(),
                csv_text(b.river.as_deref().unwrap_or("")),
                b.stretches,
                b.length_km,
                date_columns(dated, &[b.year])
            ));
        }
    }
    out
}

/// Which optional columns the tables have: dates (snapshots with days),
/// bounds (`[[uncertainty]]`, transfers only), the variant (readings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Columns {
    /// `date` (`from_date`, `to_date`).
    pub dated: bool,
    /// `area_min_km2`, `area_max_km2`.
    pub bounded: bool,
    /// `variant`.
    pub variants: bool,
}

impl Columns {
    /// The columns this analysis's tables have.
    pub fn of(analysis: &Analysis) -> Columns {
        Columns {
            dated: has_dates(analysis),
            bounded: has_bounds(analysis),
            variants: !analysis.variants.is_empty(),
        }
    }
}

/// `datapackage.json`: a Frictionless Tabular Data Package describing the
/// three CSV tables (fields, types, units; exactly the columns they have),
/// so they load typed into R, Python or a spreadsheet and cite as one
/// dataset, with the sources of the layers (the package's and each
/// table's `sources`).
pub fn datapackage_json(config: &crate::config::Config, analysis: &Analysis) -> String {
    let columns = Columns::of(analysis);
    let sources = |table: Option<&str>| sources::package_sources(config, table);
    package(&config.title, columns, sources)
}

fn package(
    title: &str,
    columns: Columns,
    sources: impl Fn(Option<&str>) -> Vec<serde_json::Value>,
) -> String {
    let field = |name: &str, ty: &str, description: &str| serde_json::json!({"name": name, "type": ty, "description": description});
    let resource = |name: &str, title: &str, fields: Vec<serde_json::Value>| {
        let mut r = serde_json::json!({
            "name": name,
            "path": format!("{name}.csv"),
            "title": title,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "profile": "tabular-data-resource",
            "schema": {"fields": fields},
        });
        let used = sources(Some(name));
        if !used.is_empty() {
            r["sources"] = serde_json::Value::Array(used);
        }
        r
    };
    let date = |name: &str, description: &str| serde_json::json!({"name": name, "type": "date", "description": description});
    let optional = |mut fields: Vec<serde_json::Value>, dates: &[(&str, &str)], bounds: bool| {
        if columns.dated {
            fields.extend(dates.iter().map(|(n, d)| date(n, d)));
        }
        if bounds && columns.bounded {
            fields.push(field("area_min_km2", "number", "least area, km², if the lines declared uncertain ([[uncertainty]]) moved anywhere within their bands; empty where the transfer touches none"));
            fields.push(field("area_max_km2", "number", "greatest area, km², if the lines declared uncertain moved anywhere within their bands; empty where the transfer touches none"));
        }
        if columns.variants {
            fields.push(field("variant", "string", "the reading ([[variant]], or the base) the row is computed under; report.json lists each with its source"));
        }
        fields
    };
    let mut package = serde_json::json!({
        "profile": "tabular-data-package",
        "name": "borderchange-results",
        "title": title,
        "description": "Areas held, transfers and boundary lengths computed by borderchange; geodesic on the WGS84 ellipsoid. Method and inputs: report.json and manifest.json.",
        "resources": [
            resource("areas", "Area each holder held in each snapshot", optional(vec![
                field("year", "integer", "snapshot year"),
                field("treaty", "string", "treaty that made the snapshot"),
                field("state", "string", "holder"),
                field("area_km2", "number", "geodesic area on WGS84, km²"),
                field("area_ea_km2", "number", "planar area in the equal-area cross-check projection, km²"),
                field("ea_rel_diff", "number", "(area_ea_km2 − area_km2) / area_km2"),
            ], &[("date", "snapshot day (ISO 8601), where known")], false)),
            resource("transfers", "Land passing between holders at each treaty", optional(vec![
                field("from_year", "integer", "year of the earlier snapshot"),
                field("to_year", "integer", "year of the later snapshot"),
                field("treaty", "string", "treaty that made the later snapshot"),
                field("from_state", "string", "holder before"),
                field("to_state", "string", "holder after"),
                field("area_km2", "number", "geodesic area on WGS84, km²"),
                field("area_sq_mi", "number", "the same in square miles (1 mi = 1.609344 km)"),
                field("area_ea_km2", "number", "planar area in the equal-area cross-check projection, km²"),
            ], &[("from_date", "day of the earlier snapshot, where known"), ("to_date", "day of the later snapshot, where known")], true)),
            resource("boundaries", "Boundary length per snapshot, holder pair and river (or land)", optional(vec![
                field("year", "integer", "snapshot year"),
                field("state_a", "string", "first holder (by name)"),
                field("state_b", "string", "second holder"),
                field("kind", "string", "river or land"),
                field("river", "string", "the river followed, for river rows"),
                field("stretches", "integer", "number of stretches summed"),
                field("length_km", "number", "geodesic length on WGS84, km, at the input lines' resolution"),
            ], &[("date", "snapshot day (ISO 8601), where known")], false)),
        ],
    });
    let all = sources(None);
    if !all.is_empty() {
        package["sources"] = serde_json::Value::Array(all);
    }
    let mut text = serde_json::to_string_pretty(&package).unwrap_or_default();
    text.push('\n');
    text
}

/// How a reference's agreement is shown: a check's as `yes` or `no`
/// (class `pass` or `fail`, green or red); a context figure's, which
/// cannot fail the run, as `context: agrees` or `context: differs` (class
/// `context`, neither colour).
pub(crate) fn agreement(role: crate::config::Role, agrees: bool) -> (&'static str, &'static str) {
    match (role, agrees) {
        (crate::config::Role::Check, true) => ("pass", "yes"),
        (crate::config::Role::Check, false) => ("fail", "no"),
        (crate::config::Role::Context, true) => ("context", "context: agrees"),
        (crate::config::Role::Context, false) => ("context", "context: differs"),
    }
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The land a step's holders lost to, or gained from, no holder (above
/// `sliver_km2`): (holder, km², "lost to no holder by" or "gained from no
/// holder by").
pub(crate) fn nobody_rows(
    step: &crate::analysis::Step,
    sliver_km2: f64,
) -> Vec<(&str, f64, &'static str)> {
    let mut out = Vec::new();
    for b in &step.balances {
        if b.to_nobody_km2 > sliver_km2 {
            out.push((b.state.as_str(), b.to_nobody_km2, "lost to no holder by"));
        }
        if b.from_nobody_km2 > sliver_km2 {
            out.push((
                b.state.as_str(),
                b.from_nobody_km2,
                "gained from no holder by",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every combination of the optional columns: the package lists
    /// exactly the columns the CSV header has, in its order (the bundled
    /// run's real tables: tests/variants.rs).
    #[test]
    fn datapackage_describes_every_csv_column() {
        for bits in 0..8 {
            let columns = Columns {
                dated: bits & 1 != 0,
                bounded: bits & 2 != 0,
                variants: bits & 4 != 0,
            };
            let package: serde_json::Value =
                serde_json::from_str(&package("t", columns, |_| vec![])).expect("JSON");
            assert!(package.get("sources").is_none());
            let resources = package["resources"].as_array().unwrap();
            assert_eq!(resources.len(), 3);
            for (resource, header) in resources.iter().zip(headers(columns)) {
                let names: Vec<&str> = resource["schema"]["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["name"].as_str().unwrap())
                    .collect();
                assert_eq!(names.join(","), header.trim_end(), "{columns:?}");
            }
        }
        let t = headers(Columns {
            dated: false,
            bounded: true,
            variants: true,
        });
        assert!(t[1].ends_with(",area_ea_km2,area_min_km2,area_max_km2,variant\n"));
        assert!(!t[0].contains("area_min"));
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_text("Qing"), "Qing");
        assert_eq!(csv_text("Aigun, 1858"), "\"Aigun, 1858\"");
        assert_eq!(
            csv_text("the \"Big\" Gorbitsa"),
            "\"the \"\"Big\"\" Gorbitsa\""
        );
    }

    #[test]
    fn square_mile_factor() {
        // 1 sq mi = 2.589988110336 km² exactly.
        assert!((1.0 / SQ_MI_PER_KM2 - 2.589_988_110_336).abs() < 1e-12);
    }
}
