//! Boundaries between holders within one snapshot, split into stretches that
//! follow named rivers and stretches over land.

use crate::model::{Holding, River, Stretch};

/// Tolerances for boundary extraction and river matching.
#[derive(Debug, Clone, Copy)]
pub struct BoundaryParams {
    /// A boundary point within this distance (km) of a river follows it.
    pub river_distance_km: f64,
    /// River runs shorter than this (km) are counted as land.
    pub min_run_km: f64,
}

/// Every stretch of boundary between every pair of holders in `holdings`,
/// ordered by (state_a, state_b, position along the line).
pub fn stretches(holdings: &[Holding], rivers: &[River], params: &BoundaryParams) -> Vec<Stretch> {
    let _ = (holdings, rivers, params);
    todo!("boundary extraction")
}
