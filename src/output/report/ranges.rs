//! Each transfer as a range over the readings: its area under every
//! variant, the least and the greatest, and which reading gives each end.

use serde::Serialize;

use crate::analysis::Analysis;

/// One (step, from, to) transfer under every variant.
#[derive(Debug, Clone, Serialize)]
pub struct TransferRange {
    /// Year of the earlier snapshot (its date, where known, in the reports).
    #[serde(serialize_with = "crate::date::serialize_year")]
    pub from_year: crate::date::When,
    /// Year of the later snapshot.
    #[serde(serialize_with = "crate::date::serialize_year")]
    pub to_year: crate::date::When,
    /// The treaty of the later snapshot.
    pub treaty: String,
    /// Holder before.
    pub from_state: String,
    /// Holder after.
    pub to_state: String,
    /// The least area over the variants, km² (0 where a variant has no
    /// such transfer).
    pub min_km2: f64,
    /// The variants giving the least area.
    pub min_variants: Vec<String>,
    /// The greatest area over the variants, km².
    pub max_km2: f64,
    /// The variants giving the greatest area.
    pub max_variants: Vec<String>,
    /// The area under each variant, the base first, km².
    pub by_variant: Vec<(String, f64)>,
}

/// Every transfer any variant has, in step, from, to order; empty
/// without variants.
pub fn transfer_ranges(analysis: &Analysis) -> Vec<TransferRange> {
    if analysis.variants.is_empty() {
        return Vec::new();
    }
    let readings = analysis.readings();
    let mut keys: Vec<(crate::date::When, crate::date::When, String, String, String)> = readings
        .iter()
        .flat_map(|(_, f)| {
            f.transfers.iter().map(|t| {
                (
                    t.from_year,
                    t.to_year,
                    t.from_state.clone(),
                    t.to_state.clone(),
                    t.treaty.clone(),
                )
            })
        })
        .collect();
    keys.sort();
    keys.dedup_by(|a, b| (a.0, a.1, &a.2, &a.3) == (b.0, b.1, &b.2, &b.3));
    keys.into_iter()
        .map(|(from_year, to_year, from_state, to_state, treaty)| {
            let by_variant: Vec<(String, f64)> = readings
                .iter()
                .map(|(name, f)| {
                    let area = f
                        .transfers
                        .iter()
                        .filter(|t| {
                            t.from_year == from_year
                                && t.to_year == to_year
                                && t.from_state == from_state
                                && t.to_state == to_state
                        })
                        .map(|t| t.area_km2)
                        .sum();
                    (name.unwrap_or_default().to_owned(), area)
                })
                .collect();
            let min_km2 = by_variant.iter().map(|v| v.1).fold(f64::INFINITY, f64::min);
            let max_km2 = by_variant
                .iter()
                .map(|v| v.1)
                .fold(f64::NEG_INFINITY, f64::max);
            // Within 0.01 km² of an end counts as giving it: a reading's
            // changed holdings are cut on a 7 mm grid, which moves a
            // piece it did not change by a few hundred square metres.
            let at = |end: f64| -> Vec<String> {
                by_variant
                    .iter()
                    .filter(|v| (v.1 - end).abs() <= 0.01)
                    .map(|v| v.0.clone())
                    .collect()
            };
            TransferRange {
                from_year,
                to_year,
                treaty,
                from_state,
                to_state,
                min_variants: at(min_km2),
                max_variants: at(max_km2),
                min_km2,
                max_km2,
                by_variant,
            }
        })
        .collect()
}
