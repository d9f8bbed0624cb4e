//! Boundary lengths summed per year, holder pair and river.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::Analysis;
use crate::date::When;
use crate::model::StretchKind;

/// Total length of the stretches of one kind (and river) between two holders.
#[derive(Debug, Clone, Serialize)]
pub struct BoundaryRow {
    /// Snapshot year (and day, where known): `year` and `date` in JSON.
    #[serde(flatten)]
    pub year: When,
    /// First holder (by name).
    pub state_a: String,
    /// Second holder.
    pub state_b: String,
    /// River or land.
    pub kind: StretchKind,
    /// The river, for river rows.
    pub river: Option<String>,
    /// Number of stretches summed.
    pub stretches: usize,
    /// Total geodesic length, km.
    pub length_km: f64,
}

/// (year, state_a, state_b, kind, river): what one summary row groups by.
type RowKey<'a> = (When, &'a str, &'a str, StretchKind, Option<&'a str>);

/// Rows sorted by year, pair, kind (river first) and river name.
pub fn boundary_summary(analysis: &Analysis) -> Vec<BoundaryRow> {
    let mut rows: BTreeMap<RowKey, (usize, f64)> = BTreeMap::new();
    for ys in &analysis.stretches {
        let s = &ys.stretch;
        let key = (
            ys.year,
            s.state_a.as_str(),
            s.state_b.as_str(),
            s.kind,
            s.river.as_deref(),
        );
        let entry = rows.entry(key).or_default();
        entry.0 += 1;
        entry.1 += s.length_km;
    }
    rows.into_iter()
        .map(
            |((year, a, b, kind, river), (stretches, length_km))| BoundaryRow {
                year,
                state_a: a.to_owned(),
                state_b: b.to_owned(),
                kind,
                river: river.map(str::to_owned),
                stretches,
                length_km,
            },
        )
        .collect()
}
