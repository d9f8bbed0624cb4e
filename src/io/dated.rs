//! Snapshots from a dated layer (`[dated]`): one layer whose features each
//! hold for a period, as CShapes, HistoGIS and the Atlas of Historical
//! County Boundaries publish borders. The layer is read once and split into
//! one feature set per snapshot date, each with the source a `[[snapshot]]`
//! table would have given, so that checking, dissolving and the analysis
//! see what they see for snapshot layers.

use std::collections::BTreeSet;

use crate::config::{Config, DatedSource, SnapshotSource};
use crate::date::{parse_moment, ConfigMoment, Date, Moment, When};
use crate::error::{Error, Result};
use crate::io::read::{read_polygons_query, LayerSource, PolygonFeature};
use crate::io::write::{FieldDef, FieldKind, GeometryKind, Layer, OutFeature, Shape, Value};

/// One snapshot: its source as a `[[snapshot]]` table would give it, the
/// layer read, and the features valid on its date.
pub type SnapshotFeatures = (SnapshotSource, LayerSource, Vec<PolygonFeature>);

/// A feature with its period: valid from `start` (inclusive) to `end`
/// (exclusive); `None` for an open end.
struct Dated {
    feature: PolygonFeature,
    start: Option<Date>,
    end: Option<Date>,
}

impl Dated {
    fn valid_on(&self, day: Date) -> bool {
        self.start.is_none_or(|s| s <= day) && self.end.is_none_or(|e| day < e)
    }
}

/// The layer a `[dated]` table names.
pub fn layer_source(config: &Config, dated: &DatedSource) -> LayerSource {
    LayerSource {
        path: config.resolve(&dated.path),
        layer: dated.layer.clone(),
        assume_crs: dated.assume_crs.clone(),
    }
}

/// Reads the dated layer and splits it into snapshots, in time order.
/// Features that cannot be read (and features whose dates cannot be read)
/// go to `skip`, as in [`crate::io::read::read_polygons_with`]. Errors: a
/// missing field, a date that cannot be read, a period that ends before it
/// starts (naming the feature and the value), a snapshot date on which no
/// feature is valid.
pub fn read_dated(
    config: &Config,
    dated: &DatedSource,
    skip: &mut dyn FnMut(Error) -> Result<()>,
) -> Result<Vec<SnapshotFeatures>> {
    let source = layer_source(config, dated);
    let holder_field = dated
        .holder_field
        .as_deref()
        .unwrap_or(&config.holder_field);
    let fields = [dated.start_field.as_str(), dated.end_field.as_str()];
    let read = read_polygons_query(&source, dated.sql.as_deref(), holder_field, &fields, skip)?;
    let layer = source
        .layer
        .clone()
        .or_else(|| dated.sql.clone())
        .unwrap_or_else(|| {
            source
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    let mut features = Vec::with_capacity(read.len());
    let mut all_years = true;
    for (feature, values) in read {
        let bad = |reason: String| Error::BadFeature {
            path: source.path.clone(),
            layer: layer.clone(),
            feature: feature.fid,
            reason,
        };
        let mut moments = [None, None];
        let mut failed = None;
        for (i, (field, value)) in fields.iter().zip(&values).enumerate() {
            let Some(text) = value.as_deref().filter(|t| !t.trim().is_empty()) else {
                continue;
            };
            match parse_moment(text) {
                Ok(m) => {
                    all_years &= matches!(m, Moment::Year(_));
                    moments[i] = Some(m);
                }
                Err(message) => {
                    failed = Some(bad(format!("field '{field}': {message}")));
                    break;
                }
            }
        }
        if let Some(e) = failed {
            skip(e)?;
            continue;
        }
        let start = moments[0].map(Moment::first_day);
        let end = moments[1].map(|m| {
            if dated.end_inclusive {
                m.day_after()
            } else {
                m.first_day()
            }
        });
        if let (Some(s), Some(e), Some(start_m), Some(end_m)) = (start, end, moments[0], moments[1])
        {
            if e <= s {
                let convention = if dated.end_inclusive {
                    "its last day (end_inclusive = true)"
                } else {
                    "the first day it no longer holds (end-exclusive, as CShapes has it; set end_inclusive = true if the end is the last day)"
                };
                skip(bad(format!(
                    "the period ends before it starts: '{}' is {} and '{}' is {}, read as {convention}",
                    fields[0],
                    When::from(start_m),
                    fields[1],
                    When::from(end_m),
                )))?;
                continue;
            }
        }
        features.push(Dated {
            feature,
            start,
            end,
        });
    }
    let mut days = snapshot_days(dated, &features, all_years, &source)?;
    if dated.every_change {
        // The day the last periods end (CShapes ends every state still
        // existing on the last day of its data) is the end of the data,
        // not a snapshot of nothing.
        while days.len() > 2
            && days
                .last()
                .is_some_and(|(w, _)| !features.iter().any(|f| f.valid_on(w.first_day())))
        {
            days.pop();
        }
    }
    let mut out = Vec::with_capacity(days.len());
    for (when, treaty) in days {
        let day = when.first_day();
        let valid: Vec<PolygonFeature> = features
            .iter()
            .filter(|f| f.valid_on(day))
            .map(|f| f.feature.clone())
            .collect();
        if valid.is_empty() && !features.is_empty() {
            return Err(Error::Usage(format!(
                "no feature of '{}' layer '{layer}' is valid on {when} (snapshot {when}): its features' periods run {}",
                source.path.display(),
                span(&features)
            )));
        }
        let snapshot = SnapshotSource {
            year: Some(when.year),
            date: when.date.map(|d| ConfigMoment(Moment::Day(d))),
            treaty: treaty.unwrap_or_else(|| when.label()),
            path: dated.path.clone(),
            layer: dated.layer.clone(),
            sql: dated.sql.clone(),
            holder_field: dated.holder_field.clone(),
            assume_crs: dated.assume_crs.clone(),
            source: dated.source.clone(),
        };
        out.push((snapshot, source.clone(), valid));
    }
    Ok(out)
}

/// "from 1886-01-01 to 2019-12-31" for messages (open ends named so).
fn span(features: &[Dated]) -> String {
    let first = features.iter().map(|f| f.start).min().flatten();
    let last = features
        .iter()
        .map(|f| f.end)
        .max_by(|a, b| match (a, b) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, _) => std::cmp::Ordering::Greater,
            (_, None) => std::cmp::Ordering::Less,
            (Some(a), Some(b)) => a.cmp(b),
        })
        .flatten();
    let from = first.map_or("from the open start".to_owned(), |d| format!("from {d}"));
    let to = last.map_or("to the open end".to_owned(), |d| {
        format!("to {d} (exclusive)")
    });
    format!("{from} {to}")
}

/// The snapshots' times and treaties: the listed dates, or the first day
/// and every change within `from`–`to`. A snapshot given as a year, or
/// found in a layer whose periods are all years, keeps the year alone.
fn snapshot_days(
    dated: &DatedSource,
    features: &[Dated],
    all_years: bool,
    source: &LayerSource,
) -> Result<Vec<(When, Option<String>)>> {
    if !dated.every_change {
        let mut days: Vec<(When, Option<String>)> = dated
            .dates
            .iter()
            .map(|d| (When::from(d.moment()), d.treaty().map(str::to_owned)))
            .collect();
        days.sort_by_key(|(w, _)| *w);
        return Ok(days);
    }
    let changes: BTreeSet<Date> = features
        .iter()
        .flat_map(|f| [f.start, f.end])
        .flatten()
        .collect();
    let from = match dated.from {
        Some(m) => m.0.first_day(),
        None => *changes.first().ok_or_else(|| {
            Error::Usage(format!(
                "every_change needs 'from' in [dated]: no feature of '{}' has a start date",
                source.path.display()
            ))
        })?,
    };
    // Changes up to the end of `to`, or up to the last one.
    let until = dated
        .to
        .map(|m| m.0.day_after())
        .or_else(|| changes.last().map(|d| d.next_day()));
    let mut days = vec![from];
    days.extend(
        changes
            .into_iter()
            .filter(|d| *d > from && until.is_none_or(|u| *d < u)),
    );
    let as_years = all_years && dated.from.is_none_or(|m| matches!(m.0, Moment::Year(_)));
    let whens: Vec<(When, Option<String>)> = days
        .into_iter()
        .map(|d| {
            let when = if as_years && d.month == 1 && d.day == 1 {
                When::year(d.year)
            } else {
                When::day(d)
            };
            (when, None)
        })
        .collect();
    if whens.len() < 2 {
        return Err(Error::Usage(format!(
            "every_change finds {} snapshot(s) in '{}' between {} and {}: at least two are needed to compute transfers",
            whens.len(),
            source.path.display(),
            from,
            until.map_or("the open end".to_owned(), |u| u.to_string())
        )));
    }
    Ok(whens)
}

/// The name of the layer [`snapshots_dated_layer`] makes.
pub const SNAPSHOTS_DATED: &str = "snapshots_dated";

/// The snapshots as one dated layer, the form `[dated]` reads (and CShapes
/// publishes): one feature per holder per period in which its land stays
/// the same, vertex for vertex, with `state`, `treaty` (of the snapshot
/// the period starts with), `from_year` and `to_year` (null for the last
/// period: still holds) and, when some snapshot has a date, `from_date` and
/// `to_date`. Periods are end-exclusive: `to_year`/`to_date` is the next
/// change. Read back with `start_field = "from_year"` and
/// `end_field = "to_year"` (or the date fields), it gives the same
/// snapshots.
pub fn snapshots_dated_layer(snapshots: &[crate::model::Snapshot]) -> Layer<'_> {
    let dated = snapshots.iter().any(|s| s.year.date.is_some());
    let mut fields = vec![
        FieldDef::new("state", FieldKind::Text),
        FieldDef::new("treaty", FieldKind::Text),
        FieldDef::new("from_year", FieldKind::Int),
        FieldDef::new("to_year", FieldKind::Int),
    ];
    if dated {
        fields.push(FieldDef::new("from_date", FieldKind::Date));
        fields.push(FieldDef::new("to_date", FieldKind::Date));
    }
    let mut features = Vec::new();
    for (i, s) in snapshots.iter().enumerate() {
        for h in &s.holdings {
            // A period starts where the holder's land is not what it was.
            let same_before = i > 0
                && snapshots[i - 1]
                    .holdings
                    .iter()
                    .any(|p| p.state == h.state && p.geometry == h.geometry);
            if same_before {
                continue;
            }
            let end = snapshots[i + 1..]
                .iter()
                .find(|later| {
                    !later
                        .holdings
                        .iter()
                        .any(|p| p.state == h.state && p.geometry == h.geometry)
                })
                .map(|later| later.year);
            let date = |w: Option<When>| w.and_then(|w| w.date).map_or(Value::Null, Value::Date);
            let mut values = vec![
                Value::Text(h.state.clone()),
                Value::Text(s.treaty.clone()),
                Value::Int(s.year.year.into()),
                end.map_or(Value::Null, |e| Value::Int(e.year.into())),
            ];
            if dated {
                values.push(date(Some(s.year)));
                values.push(date(end));
            }
            features.push(OutFeature {
                geometry: Shape::MultiPolygon(&h.geometry),
                values,
            });
        }
    }
    Layer {
        name: SNAPSHOTS_DATED.into(),
        geometry: GeometryKind::MultiPolygon,
        fields,
        features,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::MultiPolygon;

    fn feature(start: Option<&str>, end: Option<&str>, inclusive: bool) -> Dated {
        let m = |t: &str| parse_moment(t).unwrap();
        Dated {
            feature: PolygonFeature {
                fid: 0,
                holder: "A".into(),
                geometry: MultiPolygon::new(vec![]),
            },
            start: start.map(|t| m(t).first_day()),
            end: end.map(|t| {
                if inclusive {
                    m(t).day_after()
                } else {
                    m(t).first_day()
                }
            }),
        }
    }

    fn day(t: &str) -> Date {
        parse_moment(t).unwrap().first_day()
    }

    #[test]
    fn periods_are_end_exclusive_unless_told() {
        let f = feature(Some("1858-05-28"), Some("1860-11-14"), false);
        assert!(!f.valid_on(day("1858-05-27")));
        assert!(f.valid_on(day("1858-05-28")));
        assert!(f.valid_on(day("1860-11-13")));
        assert!(!f.valid_on(day("1860-11-14")));
        let f = feature(Some("1858-05-28"), Some("1860-11-14"), true);
        assert!(f.valid_on(day("1860-11-14")));
        assert!(!f.valid_on(day("1860-11-15")));
        // Years: from 1 January; an inclusive end year holds to 31 December.
        let f = feature(Some("1858"), Some("1860"), false);
        assert!(f.valid_on(day("1859-12-31")) && !f.valid_on(day("1860")));
        let f = feature(Some("1858"), Some("1860"), true);
        assert!(f.valid_on(day("1860-12-31")) && !f.valid_on(day("1861")));
        // Open ends.
        let f = feature(None, Some("1860"), false);
        assert!(f.valid_on(day("-500")) && !f.valid_on(day("1860")));
        let f = feature(Some("1860"), None, false);
        assert!(f.valid_on(day("9999-12-31")) && !f.valid_on(day("1859-12-31")));
    }
}
