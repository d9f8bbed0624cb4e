//! Reference figures against computed values: each published figure beside
//! the value the analysis computed for the same quantity.

pub use crate::analysis::{Check, VariantValue};

use crate::analysis::Analysis;
use crate::config::{Quantity, Reference};
use crate::geometry::geodesy;
use crate::model::StretchKind;
use geo::{BooleanOps, LineString, MultiLineString, Rect};

/// Compares every reference with the analysis.
///
/// References must have been validated by [`crate::config::Config::load`];
/// one whose quantity cannot be formed is skipped. With variants, each
/// reference is computed under every variant; it agrees when it agrees
/// under any variant it names (the base when it names none), and reports
/// the value of the named variant closest to the published figure.
pub fn evaluate(references: &[Reference], analysis: &Analysis) -> Vec<Check> {
    let base = analysis.variants.first().map(|v| v.name.as_str());
    let named = |r: &Reference, variant: &str| {
        if r.variants.is_empty() {
            Some(variant) == base
        } else {
            r.variants.iter().any(|v| v == variant)
        }
    };
    // Every value a check needs, (reference, variant) by (reference,
    // variant), on every core: a length measured within a box is most of
    // the cost, once under each reading, and nothing else runs between
    // the analysis and the writing. `None` is the analysis itself, needed
    // only when the reference names none of the variants.
    let quantities: Vec<Option<Quantity>> = references.iter().map(|r| r.quantity().ok()).collect();
    let mut values: Vec<(usize, Option<usize>)> = Vec::new();
    for (i, r) in references.iter().enumerate() {
        if quantities[i].is_none() {
            continue;
        }
        values.extend((0..analysis.variants.len()).map(|v| (i, Some(v))));
        if !analysis.variants.iter().any(|v| named(r, &v.name)) {
            values.push((i, None));
        }
    }
    let computed = crate::support::parallel::map(&values, |&(i, v)| {
        // Only references with a quantity are listed.
        let Some(quantity) = quantities[i].as_ref() else {
            return 0.0;
        };
        match v {
            Some(v) => computed_value(quantity, analysis.under(&analysis.variants[v].name)),
            None => computed_value(quantity, analysis),
        }
    });
    let value_of = |i: usize, v: Option<usize>| {
        values
            .iter()
            .position(|&t| t == (i, v))
            .map_or(0.0, |k| computed[k])
    };
    references
        .iter()
        .zip(quantities)
        .enumerate()
        .filter_map(|(i, (r, quantity))| {
            let quantity = quantity?;
            let published = Published::of(r);
            let under: Vec<VariantValue> = analysis
                .variants
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    let computed = value_of(i, Some(k));
                    VariantValue {
                        variant: v.name.clone(),
                        computed,
                        rel_diff: published.rel_diff(computed),
                        agrees: published.agrees(computed),
                        named: named(r, &v.name),
                    }
                })
                .collect();
            let chosen = under
                .iter()
                .filter(|v| v.named)
                .min_by(|a, b| a.rel_diff.abs().total_cmp(&b.rel_diff.abs()));
            let (computed, variant) = match chosen {
                Some(v) => (v.computed, Some(v.variant.clone())),
                None => (value_of(i, None), None),
            };
            Some(Check {
                id: r.id.clone(),
                unit: quantity.unit(),
                quantity,
                computed,
                expected: published.expected(),
                rel_diff: published.rel_diff(computed),
                tolerance: r.tolerance.unwrap_or(0.0),
                agrees: published.agrees(computed),
                role: r.role,
                source: r.source.clone(),
                note: r.note.clone(),
                at_least: r.at_least,
                at_most: r.at_most,
                variant,
                under,
            })
        })
        .collect()
}

/// A published figure: a value with a relative tolerance, or a range.
#[derive(Debug, Clone, Copy)]
struct Published {
    value: Option<f64>,
    tolerance: f64,
    at_least: Option<f64>,
    at_most: Option<f64>,
}

impl Published {
    fn of(r: &Reference) -> Published {
        Published {
            value: r.value,
            tolerance: r.tolerance.unwrap_or(0.0),
            at_least: r.at_least,
            at_most: r.at_most,
        }
    }

    /// The value, or the range's lower bound (else its upper one).
    fn expected(&self) -> f64 {
        self.value.or(self.at_least).or(self.at_most).unwrap_or(0.0)
    }

    /// (computed − value) / value; for a range, the difference from the
    /// nearer bound relative to it, 0 inside.
    fn rel_diff(&self, computed: f64) -> f64 {
        if let Some(v) = self.value {
            return (computed - v) / v;
        }
        match (self.at_least, self.at_most) {
            (Some(lo), _) if computed < lo => (computed - lo) / lo,
            (_, Some(hi)) if computed > hi => (computed - hi) / hi,
            _ => 0.0,
        }
    }

    fn agrees(&self, computed: f64) -> bool {
        match self.value {
            Some(_) => self.rel_diff(computed).abs() <= self.tolerance,
            None => {
                self.at_least.is_none_or(|lo| computed >= lo)
                    && self.at_most.is_none_or(|hi| computed <= hi)
            }
        }
    }
}

impl Check {
    /// The published figure as a reader would write it: `600,000 ± 10%`,
    /// `600,000–699,999`, `≥ 600,000`, `≤ 400,000`.
    pub fn published(&self) -> String {
        let n = |v: f64| crate::support::numbers::thousands(v, 0);
        match (self.at_least, self.at_most) {
            (Some(lo), Some(hi)) => format!("{}–{}", n(lo), n(hi)),
            (Some(lo), None) => format!("≥ {}", n(lo)),
            (None, Some(hi)) => format!("≤ {}", n(hi)),
            (None, None) => format!("{} ± {:.0}%", n(self.expected), self.tolerance * 100.0),
        }
    }

    /// True for a figure given as a range.
    pub fn is_range(&self) -> bool {
        self.at_least.is_some() || self.at_most.is_some()
    }
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
