//! `report.json`: everything the run computed, without geometry.

use serde::Serialize;

use super::{boundary_summary, BoundaryRow, Provenance};
use crate::analysis::{Analysis, AreaRow, RegionRow, Step};
use crate::checks::Check;
use crate::config::{Config, Parameters};
use crate::date::When;
use crate::model::StretchKind;

#[derive(Serialize)]
struct Report<'a> {
    title: &'a str,
    provenance: &'a Provenance,
    method: Method,
    parameters: &'a Parameters,
    /// What `parameters.repair` changed in the inputs.
    repairs: &'a [crate::load::Repair],
    snapshots: Vec<SnapshotInfo<'a>>,
    regions: &'a [RegionRow],
    areas: &'a [AreaRow],
    transfers: Vec<TransferRow<'a>>,
    steps: &'a [Step],
    boundaries: Vec<BoundaryRow>,
    stretches: Vec<StretchRow<'a>>,
    checks: &'a [Check],
    checks_pass: bool,
    /// Land two holders of a snapshot both hold (each at most sliver_km2).
    overlaps: &'a [crate::analysis::OverlapRow],
    /// What the user must see (also printed on stderr).
    warnings: &'a [String],
    /// The readings, the base first, with their sources and figures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    variants: Vec<VariantInfo<'a>>,
    /// Each transfer's range over the readings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    transfer_ranges: Vec<super::TransferRange>,
    /// The layers' data sources as CSL-JSON items, each with `used_for`,
    /// the layers that name it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sources: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct VariantInfo<'a> {
    name: &'a str,
    title: &'a str,
    source: &'a str,
    base: bool,
    assignments: &'a [crate::geometry::variants::Assignment],
    /// The snapshots it changes.
    changes: Vec<i32>,
    areas: &'a [AreaRow],
    transfers: Vec<TransferRow<'a>>,
    steps: &'a [Step],
    boundaries: Vec<BoundaryRow>,
}

#[derive(Serialize)]
struct Method {
    ellipsoid: &'static str,
    geodesic_area: &'static str,
    geodesic_length: &'static str,
    equal_area_check: &'static str,
    overlay: &'static str,
    units: &'static str,
}

#[derive(Serialize)]
struct SnapshotInfo<'a> {
    #[serde(flatten)]
    year: When,
    treaty: &'a str,
    path: String,
    holders: Vec<&'a str>,
}

#[derive(Serialize)]
struct TransferRow<'a> {
    from_year: i32,
    to_year: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_date: Option<String>,
    treaty: &'a str,
    from_state: &'a str,
    to_state: &'a str,
    area_km2: f64,
    area_ea_km2: f64,
    /// Least area if the uncertain lines moved within their bands.
    #[serde(skip_serializing_if = "Option::is_none")]
    area_min_km2: Option<f64>,
    /// Greatest area if the uncertain lines moved within their bands.
    #[serde(skip_serializing_if = "Option::is_none")]
    area_max_km2: Option<f64>,
}

#[derive(Serialize)]
struct StretchRow<'a> {
    #[serde(flatten)]
    year: When,
    state_a: &'a str,
    state_b: &'a str,
    kind: StretchKind,
    river: Option<&'a str>,
    length_km: f64,
    vertices: usize,
}

/// The method, as stated in every report.
pub(crate) const ELLIPSOID: &str = "WGS84 (a = 6378137 m, f = 1/298.257223563)";
pub(crate) const AREA_METHOD: &str =
    "geodesic polygon area, Karney (2013) 'Algorithms for geodesics', geographiclib-rs via geo::GeodesicArea";
pub(crate) const LENGTH_METHOD: &str =
    "sum of geodesic distances between vertices, Karney (2013), via geo::Geodesic";
pub(crate) const OVERLAY_METHOD: &str =
    "boolean overlay in longitude/latitude (geo::BooleanOps, i_overlay) after splitting every edge longer than densify_km along the geodesic";

/// Serialises the analysis as pretty-printed JSON (trailing newline).
pub fn report_json(
    config: &Config,
    analysis: &Analysis,
    provenance: &Provenance,
    inputs: &crate::load::Inputs,
) -> String {
    let report = Report {
        title: &config.title,
        provenance,
        method: Method {
            ellipsoid: ELLIPSOID,
            geodesic_area: AREA_METHOD,
            geodesic_length: LENGTH_METHOD,
            equal_area_check: "planar area after projecting with PROJ to parameters.equal_area_crs",
            overlay: OVERLAY_METHOD,
            units: "areas in km², lengths in km",
        },
        parameters: &config.parameters,
        repairs: &inputs.repairs,
        snapshots: snapshot_infos(config, inputs),
        regions: &analysis.regions,
        areas: &analysis.areas,
        transfers: transfer_rows(analysis),
        steps: &analysis.steps,
        boundaries: boundary_summary(analysis),
        stretches: analysis
            .stretches
            .iter()
            .map(|ys| StretchRow {
                year: ys.year,
                state_a: &ys.stretch.state_a,
                state_b: &ys.stretch.state_b,
                kind: ys.stretch.kind,
                river: ys.stretch.river.as_deref(),
                length_km: ys.stretch.length_km,
                vertices: ys.stretch.line.0.len(),
            })
            .collect(),
        checks: &analysis.checks,
        checks_pass: analysis.checks_pass(),
        variants: analysis
            .variants
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let figures = v.figures.as_deref().unwrap_or(analysis);
                VariantInfo {
                    name: &v.name,
                    title: &v.title,
                    source: &v.source,
                    base: i == 0,
                    assignments: &v.assignments,
                    changes: v.changed.iter().map(|s| s.year.year).collect(),
                    areas: &figures.areas,
                    transfers: transfer_rows(figures),
                    steps: &figures.steps,
                    boundaries: boundary_summary(figures),
                }
            })
            .collect(),
        transfer_ranges: super::transfer_ranges(analysis),
        sources: super::sources::csl_items(config)
            .into_iter()
            .zip(super::sources::cited(config))
            .map(|(mut item, cited)| {
                item["used_for"] = serde_json::json!(cited.layers);
                item
            })
            .collect(),
        overlaps: &analysis.overlaps,
        warnings: &analysis.warnings,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

fn transfer_rows(analysis: &Analysis) -> Vec<TransferRow<'_>> {
    analysis
        .transfers
        .iter()
        .map(|t| TransferRow {
            from_year: t.from_year.year,
            to_year: t.to_year.year,
            from_date: t.from_year.date.map(|d| d.to_string()),
            to_date: t.to_year.date.map(|d| d.to_string()),
            treaty: &t.treaty,
            from_state: &t.from_state,
            to_state: &t.to_state,
            area_km2: t.area_km2,
            area_ea_km2: t.area_ea_km2,
            area_min_km2: t.area_range_km2.map(|r| r[0]),
            area_max_km2: t.area_range_km2.map(|r| r[1]),
        })
        .collect()
}

fn snapshot_infos<'a>(
    config: &'a Config,
    inputs: &'a crate::load::Inputs,
) -> Vec<SnapshotInfo<'a>> {
    inputs
        .snapshots
        .iter()
        .map(|s| SnapshotInfo {
            year: s.year,
            treaty: &s.treaty,
            path: config
                .snapshots
                .iter()
                .find(|c| c.when().ok() == Some(s.year))
                .or_else(|| {
                    config
                        .snapshots
                        .iter()
                        .find(|c| c.year == Some(s.year.year))
                })
                .map(|c| c.path.display().to_string())
                .or_else(|| config.dated.as_ref().map(|d| d.path.display().to_string()))
                .map(|p| crate::io::postgres::redacted(&p))
                .unwrap_or_default(),
            holders: s.holdings.iter().map(|h| h.state.as_str()).collect(),
        })
        .collect()
}
