//! Reports written from an [`Analysis`]: machine-readable JSON, Markdown
//! tables and CSV. Pure text: every number comes from the analysis, printed
//! with a fixed format so re-runs give identical bytes.

mod html;
mod json;
pub mod maps;
mod markdown;
mod ranges;
mod readings;
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

/// The `variant` column's header and per-reading values: nothing without
/// variants (the tables stay as they were), else `,variant` and each
/// reading's `,name`.
fn variant_column(analysis: &Analysis) -> (&'static str, Vec<(String, &Analysis)>) {
    let readings = analysis.readings();
    let header = if analysis.variants.is_empty() {
        ""
    } else {
        ",variant"
    };
    let rows = readings
        .into_iter()
        .map(|(name, figures)| {
            (
                name.map(|n| format!(",{}", csv_text(n)))
                    .unwrap_or_default(),
                figures,
            )
        })
        .collect();
    (header, rows)
}

/// `areas.csv`: one row per holder per snapshot (per variant, with
/// variants).
pub fn areas_csv(analysis: &Analysis) -> String {
    let dated = has_dates(analysis);
    let (header, readings) = variant_column(analysis);
    let dates_header = if dated { ",date" } else { "" };
    let mut out =
        format!("year,treaty,state,area_km2,area_ea_km2,ea_rel_diff{dates_header}{header}\n");
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
    let (header, readings) = variant_column(analysis);
    let bounded = readings
        .iter()
        .any(|(_, f)| f.transfers.iter().any(|t| t.area_range_km2.is_some()));
    let bounds_header = if bounded {
        ",area_min_km2,area_max_km2"
    } else {
        ""
    };
    let dates_header = if dated { ",from_date,to_date" } else { "" };
    let mut out = format!(
        "from_year,to_year,treaty,from_state,to_state,area_km2,area_sq_mi,area_ea_km2{dates_header}{bounds_header}{header}\n",
    );
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
    let (header, readings) = variant_column(analysis);
    let dates_header = if dated { ",date" } else { "" };
    let mut out =
        format!("year,state_a,state_b,kind,river,stretches,length_km{dates_header}{header}\n");
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

/// `datapackage.json`: a Frictionless Tabular Data Package describing the
/// three CSV tables (fields, types, units), so they load typed into R,
/// Python or a spreadsheet and cite as one dataset.
pub fn datapackage_json(title: &str) -> String {
    datapackage_json_dated(title, false)
}

/// As [`datapackage_json`], with the date columns the tables have when
/// snapshots have dates (`dated`, see [`has_dates`]).
pub fn datapackage_json_dated(title: &str, dated: bool) -> String {
    let field = |name: &str, ty: &str, description: &str| serde_json::json!({"name": name, "type": ty, "description": description});
    let resource = |name: &str, title: &str, fields: Vec<serde_json::Value>| {
        serde_json::json!({
            "name": name,
            "path": format!("{name}.csv"),
            "title": title,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "profile": "tabular-data-resource",
            "schema": {"fields": fields},
        })
    };
    let date = |name: &str, description: &str| serde_json::json!({"name": name, "type": "date", "description": description});
    let with_dates = |mut fields: Vec<serde_json::Value>, dates: &[(&str, &str)]| {
        if dated {
            fields.extend(dates.iter().map(|(n, d)| date(n, d)));
        }
        fields
    };
    let package = serde_json::json!({
        "profile": "tabular-data-package",
        "name": "borderchange-results",
        "title": title,
        "description": "Areas held, transfers and boundary lengths computed by borderchange; geodesic on the WGS84 ellipsoid. Method and inputs: report.json and manifest.json.",
        "resources": [
            resource("areas", "Area each holder held in each snapshot", with_dates(vec![
                field("year", "integer", "snapshot year"),
                field("treaty", "string", "treaty that made the snapshot"),
                field("state", "string", "holder"),
                field("area_km2", "number", "geodesic area on WGS84, km²"),
                field("area_ea_km2", "number", "planar area in the equal-area cross-check projection, km²"),
                field("ea_rel_diff", "number", "(area_ea_km2 − area_km2) / area_km2"),
            ], &[("date", "snapshot day (ISO 8601), where known")])),
            resource("transfers", "Land passing between holders at each treaty", with_dates(vec![
                field("from_year", "integer", "year of the earlier snapshot"),
                field("to_year", "integer", "year of the later snapshot"),
                field("treaty", "string", "treaty that made the later snapshot"),
                field("from_state", "string", "holder before"),
                field("to_state", "string", "holder after"),
                field("area_km2", "number", "geodesic area on WGS84, km²"),
                field("area_sq_mi", "number", "the same in square miles (1 mi = 1.609344 km)"),
                field("area_ea_km2", "number", "planar area in the equal-area cross-check projection, km²"),
            ], &[("from_date", "day of the earlier snapshot, where known"), ("to_date", "day of the later snapshot, where known")])),
            resource("boundaries", "Boundary length per snapshot, holder pair and river (or land)", with_dates(vec![
                field("year", "integer", "snapshot year"),
                field("state_a", "string", "first holder (by name)"),
                field("state_b", "string", "second holder"),
                field("kind", "string", "river or land"),
                field("river", "string", "the river followed, for river rows"),
                field("stretches", "integer", "number of stretches summed"),
                field("length_km", "number", "geodesic length on WGS84, km, at the input lines' resolution"),
            ], &[("date", "snapshot day (ISO 8601), where known")])),
        ],
    });
    let mut text = serde_json::to_string_pretty(&package).unwrap_or_default();
    text.push('\n');
    text
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

    #[test]
    fn datapackage_describes_every_csv_column() {
        let package: serde_json::Value =
            serde_json::from_str(&datapackage_json("t")).expect("JSON");
        let empty = Analysis {
            areas: vec![],
            regions: vec![],
            transfers: vec![],
            steps: vec![],
            stretches: vec![],
            checks: vec![],
            variants: vec![],
            overlaps: vec![],
            warnings: vec![],
            timings: vec![],
        };
        let analysis_headers = [
            areas_csv(&empty),
            transfers_csv(&empty),
            boundaries_csv(&empty),
        ];
        for (resource, header) in package["resources"]
            .as_array()
            .unwrap()
            .iter()
            .zip(analysis_headers)
        {
            let names: Vec<&str> = resource["schema"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["name"].as_str().unwrap())
                .collect();
            assert_eq!(names.join(","), header.trim_end());
        }
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
