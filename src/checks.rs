//! Reference figures against computed values: each published figure beside
//! the value the analysis computed for the same quantity.

pub use crate::analysis::Check;

use crate::analysis::Analysis;
use crate::config::{Quantity, Reference};
use crate::geometry::geodesy;
use crate::model::StretchKind;
use geo::{BooleanOps, LineString, MultiLineString, Rect};

/// Compares every reference with the analysis.
///
/// References must have been validated by [`crate::config::Config::load`];
/// one whose quantity cannot be formed is skipped.
pub fn evaluate(references: &[Reference], analysis: &Analysis) -> Vec<Check> {
    references
        .iter()
        .filter_map(|r| {
            let quantity = r.quantity().ok()?;
            let computed = computed_value(&quantity, analysis);
            let rel_diff = (computed - r.value) / r.value;
            Some(Check {
                id: r.id.clone(),
                unit: quantity.unit(),
                quantity,
                computed,
                expected: r.value,
                rel_diff,
                tolerance: r.tolerance,
                agrees: rel_diff.abs() <= r.tolerance,
                role: r.role,
                source: r.source.clone(),
                note: r.note.clone(),
            })
        })
        .collect()
}

/// The analysis' value for a quantity: km² for areas, km for lengths.
pub fn computed_value(quantity: &Quantity, analysis: &Analysis) -> f64 {
    match quantity {
        Quantity::Transfer {
            from,
            to,
            from_year,
            to_year,
        } => analysis
            .transfers
            .iter()
            .filter(|t| t.from_year.year == *from_year && t.to_year.year == *to_year)
            .filter(|t| from.contains(&t.from_state) && to.contains(&t.to_state))
            .map(|t| t.area_km2)
            .sum(),
        Quantity::Area { state, year } => analysis
            .areas
            .iter()
            .filter(|a| a.year.year == *year && &a.state == state)
            .map(|a| a.area_km2)
            .sum(),
        Quantity::Boundary {
            year,
            states,
            river,
            kind,
            within,
        } => analysis
            .stretches
            .iter()
            .filter(|s| s.year.year == *year)
            .map(|s| &s.stretch)
            .filter(|s| s.state_a == states[0] && s.state_b == states[1])
            .filter(|s| river.is_none() || s.river == *river)
            .filter(|s| match kind {
                Some(StretchKind::River) | None if river.is_some() => s.kind == StretchKind::River,
                Some(k) => s.kind == *k,
                None => true,
            })
            .map(|s| match within {
                Some(bbox) => length_within(&s.line, *bbox),
                None => s.length_km,
            })
            .sum(),
    }
}

/// Geodesic length (km) of the parts of `line` inside a lon/lat box.
fn length_within(line: &LineString<f64>, [west, south, east, north]: [f64; 4]) -> f64 {
    let bbox = Rect::new((west, south), (east, north)).to_polygon();
    let clipped = bbox.clip(&MultiLineString::new(vec![line.clone()]), false);
    geodesy::multi_length_km(&clipped)
}
