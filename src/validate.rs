//! `borderchange validate`: every problem in an analysis's inputs at once,
//! with where it is, without analysing; every error `run` would refuse,
//! found the way `run` finds it (the features go through the same
//! [`crate::geometry::holdings`]). Per feature: empty holder, missing
//! geometry, wrong geometry type, a shapefile's missing side files,
//! coordinates that are not longitude/latitude, and every polygon GEOS
//! calls invalid (see [`crate::geometry::validity`]). Per snapshot: holders
//! that overlap, holes in the study region, and a study region that differs
//! from the first snapshot's. Per layer: a file, layer, field or CRS that
//! cannot be used. The rivers layer: one that cannot be read, and lines off
//! the globe. The analysis file: an `equal_area_crs` that does not preserve
//! area where the data lie, references naming holders a snapshot does not
//! have, and holder names that differ only in case, accents or spacing.
//! A problem that follows from another (land missing where an invalid
//! feature was left out) says so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use geo::{BooleanOps, BoundingRect, Coord, InteriorPoint, Intersects, MultiPolygon, Rect};

use crate::config::{Config, SnapshotSource};
use crate::error::{Error, Result};
use crate::geometry::antimeridian::shift_for;
use crate::geometry::geodesy;
use crate::geometry::holdings::{self, Options};
use crate::io::read::{read_lines, read_polygons_query, LayerSource, PolygonFeature};
use crate::io::write::{
    write_dataset, FieldDef, FieldKind, GeometryKind, Layer, OutFeature, Shape, Value,
};

/// One problem in the inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The input file, as the analysis file names it.
    pub file: String,
    /// The layer, when the problem belongs to one.
    pub layer: Option<String>,
    /// The snapshot year, if the problem belongs to a snapshot.
    pub year: Option<i32>,
    /// The feature id, if one feature is at fault.
    pub feature: Option<u64>,
    /// The holder concerned, when one is.
    pub holder: Option<String>,
    /// A short name for the kind of problem (`self-intersection`, `overlap`,
    /// `gap`, `region`, `layer`, …).
    pub kind: String,
    /// What is wrong.
    pub message: String,
    /// Where (longitude, latitude), when a point can be named.
    pub at: Option<Coord<f64>>,
    /// How serious it is.
    pub severity: Severity,
}

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Below the tolerance (`sliver_km2`), or following from an error
    /// listed already: listed, not counted.
    Note,
    /// The analysis runs, but the result may be wrong.
    Warning,
    /// `run` refuses the input.
    Error,
}

impl Severity {
    /// `error`, `warning` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(layer) = &self.layer {
            write!(f, " layer '{layer}'")?;
        }
        if let Some(year) = self.year {
            write!(f, " ({year})")?;
        }
        if let Some(id) = self.feature {
            write!(f, " feature {id}")?;
        }
        if let Some(holder) = &self.holder {
            write!(f, " holder '{holder}'")?;
        }
        write!(f, ": {}: {}", self.kind, self.message)?;
        if let Some(c) = self.at {
            write!(f, " [at {:.5}, {:.5}]", c.x, c.y)?;
        }
        Ok(())
    }
}

/// Region differences that follow from left-out features: how many
/// places, their km², and a point in the first.
type Followed = (usize, f64, Option<Coord<f64>>);

/// A snapshot's features left out for an error: (feature, holder, box).
type LeftOut = Vec<(u64, String, Option<Rect<f64>>)>;

/// The left-out features whose box holds `at`, as "feature 3 (holder 'A')".
fn caused_by(left_out: &[&LeftOut], at: Option<Coord<f64>>) -> Vec<String> {
    let Some(at) = at else { return Vec::new() };
    left_out
        .iter()
        .flat_map(|l| l.iter())
        .filter(|(_, _, b)| {
            b.is_some_and(|b| {
                b.min().x <= at.x && at.x <= b.max().x && b.min().y <= at.y && at.y <= b.max().y
            })
        })
        .map(|(id, holder, _)| format!("feature {id} (holder '{holder}')"))
        .collect()
}

/// Checks every snapshot of `config` and returns the problems found, in
/// snapshot order. Only a config that cannot be used at all is an error.
pub fn validate(config: &Config) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    let mut first_region: Option<(String, MultiPolygon<f64>, LeftOut)> = None;
    let mut all_holders = std::collections::BTreeSet::new();
    let sliver_km2 = config.parameters.sliver_km2;
    let config_file = config.source.as_ref().map_or_else(
        || "the analysis file".to_owned(),
        |(path, _)| path.display().to_string(),
    );
    // Every layer first: whether the data crosses the antimeridian is decided
    // on all snapshots at once, as `run` decides it (see `load`).
    let reads: Vec<Read> = match &config.dated {
        Some(dated) => dated_reads(config, dated),
        None => {
            let mut sources: Vec<_> = config.snapshots.clone();
            sources.sort_by_key(|s| s.when().ok());
            sources
                .into_iter()
                .map(|s| {
                    let source = LayerSource {
                        path: config.resolve(&s.path),
                        layer: s.layer.clone(),
                        assume_crs: s.assume_crs.clone(),
                    };
                    let mut feature_errors = Vec::new();
                    let read = read_polygons_query(
                        &source,
                        s.sql.as_deref(),
                        config.holder_field(&s),
                        &[],
                        &mut |e| {
                            feature_errors.push(e);
                            Ok(())
                        },
                    )
                    .map(|read| read.into_iter().map(|(f, _)| f).collect::<Vec<_>>());
                    (s, feature_errors, read)
                })
                .collect()
        }
    };
    let shift = match shift_for(
        reads
            .iter()
            .filter_map(|(_, _, read)| read.as_ref().ok())
            .flatten()
            .map(|f| &f.geometry),
    ) {
        Ok(shift) => shift,
        Err(message) => {
            problems.push(Problem {
                file: config_file.clone(),
                layer: None,
                year: None,
                feature: None,
                holder: None,
                kind: "antimeridian".into(),
                message,
                at: None,
                severity: Severity::Error,
            });
            false
        }
    };
    let aliases = config.holder_aliases();
    let mut holders_by_year: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut left_out_holders: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut unreadable: Vec<i32> = Vec::new();
    let mut times: Vec<crate::model::Snapshot> = Vec::new();
    for (s, feature_errors, read) in reads {
        let when = s.when().ok();
        let year = when.map_or(0, |w| w.year);
        let label = when.map_or_else(String::new, |w| w.label());
        // The snapshots of a dated layer are told apart by their dates.
        let file = match (&config.dated, when) {
            (Some(_), Some(w)) => format!("{} on {w}", s.path.display()),
            _ => s.path.display().to_string(),
        };
        let source = LayerSource {
            path: config.resolve(&s.path),
            layer: s.layer.clone(),
            assume_crs: s.assume_crs.clone(),
        };
        let layer = crate::load::layer_name(&source);
        for e in feature_errors {
            problems.push(from_error(&file, year, e));
        }
        let features = match read {
            Ok(features) => features,
            Err(e) => {
                problems.push(from_error(&file, year, e));
                unreadable.push(year);
                continue;
            }
        };
        if let Some(w) = when {
            times.push(crate::model::Snapshot {
                year: w,
                treaty: s.treaty.clone(),
                holdings: Vec::new(),
            });
        }
        let options = Options {
            shift,
            repair: config.parameters.repair,
            max_edge_m: config.parameters.densify_km * 1_000.0,
            max_added_points: None,
            stop_at_first: false,
        };
        let built = match holdings::holdings(
            crate::load::to_engine(features, &aliases),
            &options,
            &format!("'{file}' ({label})"),
        ) {
            Ok(built) => built,
            Err(e) => {
                problems.push(from_error(&file, year, e));
                continue;
            }
        };
        let problem = |feature: Option<u64>, holder: Option<String>| Problem {
            file: file.clone(),
            layer: Some(layer.clone()),
            year: Some(year),
            feature,
            holder,
            kind: String::new(),
            message: String::new(),
            at: None,
            severity: Severity::Note,
        };
        for r in &built.repairs {
            problems.push(Problem {
                kind: "repair".into(),
                message: format!("`run` repairs this (parameters.repair): {}", r.change),
                ..problem(Some(r.feature), None)
            });
        }
        all_holders.extend(built.holdings.iter().map(|h| h.state.clone()));
        for p in &built.problems {
            let hint = if p.problem.fatal
                && p.problem.repairable()
                && !config.parameters.repair
                && !p.problem.message.contains("--repair")
            {
                " (`run --repair` mends this)"
            } else {
                ""
            };
            problems.push(Problem {
                kind: p.problem.kind.to_owned(),
                message: format!("{}{hint}", p.problem.message),
                at: p.problem.at,
                severity: if p.problem.fatal {
                    Severity::Error
                } else {
                    Severity::Note
                },
                ..problem(Some(p.feature), Some(p.holder.clone()))
            });
        }
        for (holder, b) in &built.bowed {
            problems.push(Problem {
                kind: "bowed edge".into(),
                message: crate::load::bowed_message(&file, &label, holder, b),
                at: Some(b.at),
                severity: Severity::Warning,
                ..problem(None, Some(holder.clone()))
            });
        }
        let left_out = built.left_out.clone();
        left_out_holders.insert(year, left_out.iter().map(|l| l.1.clone()).collect());
        holders_by_year.insert(
            year,
            built.holdings.iter().map(|h| h.state.clone()).collect(),
        );
        let holdings: Vec<(String, MultiPolygon<f64>)> = built
            .holdings
            .into_iter()
            .map(|h| (h.state, h.geometry))
            .collect();
        for mut p in overlaps(&file, year, &holdings, sliver_km2) {
            p.layer = Some(layer.clone());
            problems.push(p);
        }
        let region: MultiPolygon<f64> = crate::geometry::overlay::clip::union(
            &holdings.iter().map(|(_, g)| g).collect::<Vec<_>>(),
        );
        for mut p in gaps(&file, year, &region, sliver_km2) {
            p.layer = Some(layer.clone());
            let causes = caused_by(&[&left_out], p.at);
            if !causes.is_empty() {
                p.severity = Severity::Note;
                p.message = format!(
                    "{}; this follows from the error(s) of {} above (left out)",
                    p.message,
                    causes.join(", ")
                );
            }
            problems.push(p);
        }
        match &first_region {
            None => first_region = Some((label.clone(), region, left_out)),
            Some((first_year, first, first_left_out)) => {
                let differs = first.xor(&region);
                // By the features they follow from: (places, km², a point).
                let mut followed: BTreeMap<Vec<String>, Followed> = BTreeMap::new();
                for piece in differs.0 {
                    let km2 = geodesy::area_km2(&MultiPolygon::new(vec![piece.clone()]));
                    if km2 < sliver_km2 {
                        continue;
                    }
                    let at = piece.interior_point().map(|p| p.0);
                    let causes = caused_by(&[&left_out, first_left_out], at);
                    if !causes.is_empty() {
                        let entry = followed.entry(causes).or_insert((0, 0.0, at));
                        entry.0 += 1;
                        entry.1 += km2;
                        continue;
                    }
                    problems.push(Problem {
                        kind: "region".into(),
                        message: format!(
                            "the study region differs from the {first_year} snapshot's here by {km2:.1} km² (`run` reports such land as gained from or lost to no holder, with a warning; every snapshot should cover the same land)"
                        ),
                        at,
                        severity: Severity::Warning,
                        ..problem(None, None)
                    });
                }
                for (causes, (count, km2, at)) in followed {
                    problems.push(Problem {
                        kind: "region".into(),
                        message: format!(
                            "the study region differs from the {first_year} snapshot's by {km2:.1} km² in {count} place(s) where {} lie; this follows from their error(s) above (they are left out)",
                            causes.join(", ")
                        ),
                        at,
                        severity: Severity::Note,
                        ..problem(None, None)
                    });
                }
            }
        }
    }
    if let Some((_, region, _)) = &first_region {
        problems.extend(equal_area_problem(config, region));
    }
    problems.extend(river_problems(config));
    // The references, against the holders each snapshot has; a snapshot
    // that could not be read says nothing about them.
    for year in &unreadable {
        holders_by_year.remove(year);
    }
    for e in crate::load::reference_time_errors(config, &times) {
        problems.push(Problem {
            file: config_file.clone(),
            layer: None,
            year: None,
            feature: None,
            holder: None,
            kind: "reference".into(),
            message: e.to_string(),
            at: None,
            severity: Severity::Error,
        });
    }
    for e in crate::load::unknown_reference_holders(config, &holders_by_year) {
        let follows = match &e {
            Error::Config { message, .. } => left_out_holders.iter().any(|(year, names)| {
                names
                    .iter()
                    .any(|n| message.contains(&format!("holder '{n}', which the {year} snapshot")))
            }),
            _ => false,
        };
        problems.push(Problem {
            file: config_file.clone(),
            layer: None,
            year: None,
            feature: None,
            holder: None,
            kind: "reference".into(),
            message: if follows {
                format!("{e}; the holder's features were left out for their errors above")
            } else {
                e.to_string()
            },
            at: None,
            severity: Severity::Error,
        });
    }
    let names: Vec<(String, Vec<String>)> = holders_by_year
        .into_iter()
        .map(|(year, names)| (year.to_string(), names))
        .collect();
    for message in crate::analysis::similar_holder_names(&names) {
        problems.push(Problem {
            file: config_file.clone(),
            layer: None,
            year: None,
            feature: None,
            holder: None,
            kind: "holder-name".into(),
            message,
            at: None,
            severity: Severity::Warning,
        });
    }
    problems.extend(reading_problems(config, &all_holders));
    Ok(problems)
}

/// The zones layer, the variants' zones and holders, and the uncertain
/// lines, checked as `run` checks them.
fn reading_problems(config: &Config, holders: &std::collections::BTreeSet<String>) -> Vec<Problem> {
    let mut out = Vec::new();
    let problem = |file: String, feature, kind: &str, message| Problem {
        file,
        layer: None,
        year: None,
        feature,
        holder: None,
        kind: kind.to_owned(),
        message,
        at: None,
        severity: Severity::Error,
    };
    let mut ids = std::collections::BTreeSet::new();
    if let Some(z) = &config.zones {
        let file = z.path.display().to_string();
        let source = LayerSource {
            path: config.resolve(&z.path),
            layer: z.layer.clone(),
            assume_crs: z.assume_crs.clone(),
        };
        match crate::io::read::read_polygons_with(&source, &z.id_field, &mut |e| Err(e)) {
            Err(e) => out.push(problem(file, None, "layer", e.to_string())),
            Ok(features) => {
                for f in features {
                    for p in crate::geometry::validity::geometry_problems(&f.geometry)
                        .into_iter()
                        .filter(|p| p.fatal)
                    {
                        out.push(problem(file.clone(), Some(f.fid), p.kind, p.message));
                    }
                    ids.insert(f.holder);
                }
            }
        }
    }
    let holder_list: Vec<&str> = holders.iter().map(String::as_str).collect();
    let id_list: Vec<&str> = ids.iter().map(String::as_str).collect();
    let zones_file = config
        .zones
        .as_ref()
        .map(|z| z.path.display().to_string())
        .unwrap_or_default();
    for v in &config.variants {
        for a in &v.assignments {
            if config.zones.is_some() && !id_list.is_empty() && !ids.contains(&a.zone) {
                out.push(problem(
                    zones_file.clone(),
                    None,
                    "variant",
                    format!(
                        "variant '{}' assigns zone '{}', which the zones layer does not have; its zones are: {}",
                        v.name,
                        a.zone,
                        id_list.join(", ")
                    ),
                ));
            }
            if !holders.is_empty() && !holders.contains(&a.holder) {
                out.push(problem(
                    zones_file.clone(),
                    None,
                    "variant",
                    format!(
                        "variant '{}' gives zone '{}' to holder '{}', which no snapshot has; the holders are: {}",
                        v.name,
                        a.zone,
                        a.holder,
                        holder_list.join(", ")
                    ),
                ));
            }
        }
    }
    for u in &config.uncertainty {
        let source = LayerSource {
            path: config.resolve(&u.path),
            layer: u.layer.clone(),
            assume_crs: u.assume_crs.clone(),
        };
        let field = u.field.clone().unwrap_or_default();
        if let Err(e) = read_lines(&source, &field) {
            out.push(problem(
                u.path.display().to_string(),
                None,
                "layer",
                e.to_string(),
            ));
        }
    }
    for c in &config.context {
        if let Err(e) = crate::load::read_context(config, c) {
            out.push(problem(
                c.path.display().to_string(),
                None,
                "layer",
                e.to_string(),
            ));
        }
    }
    out
}

/// The snapshots of a dated layer, as [`validate`] reads snapshot layers:
/// the features that cannot be read listed with the first snapshot (once),
/// a layer that cannot be used as one problem.
type Read = (SnapshotSource, Vec<Error>, Result<Vec<PolygonFeature>>);

fn dated_reads(config: &Config, dated: &crate::config::DatedSource) -> Vec<Read> {
    let mut errors = Vec::new();
    let read = crate::io::dated::read_dated(config, dated, &mut |e| {
        errors.push(e);
        Ok(())
    });
    match read {
        Ok(snapshots) => snapshots
            .into_iter()
            .enumerate()
            .map(|(i, (s, _, features))| {
                let errors = if i == 0 {
                    std::mem::take(&mut errors)
                } else {
                    Vec::new()
                };
                (s, errors, Ok(features))
            })
            .collect(),
        Err(e) => {
            let whole = SnapshotSource {
                year: None,
                date: None,
                treaty: String::new(),
                path: dated.path.clone(),
                layer: dated.layer.clone(),
                sql: dated.sql.clone(),
                holder_field: dated.holder_field.clone(),
                assume_crs: dated.assume_crs.clone(),
                source: dated.source.clone(),
            };
            vec![(whole, errors, Err(e))]
        }
    }
}

/// An `equal_area_crs` that PROJ cannot use, or that does not preserve area
/// in the middle of the study region, as `run` refuses it.
fn equal_area_problem(config: &Config, region: &MultiPolygon<f64>) -> Option<Problem> {
    let bounds = region.bounding_rect()?;
    let centre = bounds.center();
    let crs = crate::io::projection::resolve_equal_area(
        &config.parameters.equal_area_crs,
        (
            bounds.min().x,
            bounds.min().y,
            bounds.max().x,
            bounds.max().y,
        ),
    );
    let check =
        crate::io::projection::EqualArea::new(&crs).and_then(|ea| ea.check_preserves_area(centre));
    Some(Problem {
        file: config.source.as_ref().map_or_else(
            || "the analysis file".to_owned(),
            |(path, _)| path.display().to_string(),
        ),
        layer: None,
        year: None,
        feature: None,
        holder: None,
        kind: "equal_area_crs".into(),
        message: check.err()?.to_string(),
        at: None,
        severity: Severity::Error,
    })
}

/// The rivers layer's problems: one that cannot be read, and features with
/// coordinates that are not longitude/latitude (as `run` refuses them).
fn river_problems(config: &Config) -> Vec<Problem> {
    let Some(r) = &config.rivers else {
        return Vec::new();
    };
    let file = r.path.display().to_string();
    let source = LayerSource {
        path: config.resolve(&r.path),
        layer: r.layer.clone(),
        assume_crs: r.assume_crs.clone(),
    };
    let layer = crate::load::layer_name(&source);
    let problem = |feature, kind: &str, message| Problem {
        file: file.clone(),
        layer: Some(layer.clone()),
        year: None,
        feature,
        holder: None,
        kind: kind.to_owned(),
        message,
        at: None,
        severity: Severity::Error,
    };
    match read_lines(&source, &r.name_field) {
        Err(e) => vec![problem(None, "layer", e.to_string())],
        Ok(features) => features
            .iter()
            .filter_map(|f| {
                crate::geometry::validity::off_the_globe(geo::CoordsIter::coords_iter(&f.geometry))
                    .map(|m| problem(Some(f.fid), "coordinate", m))
            })
            .collect(),
    }
}

/// Land two holders of one snapshot both claim.
fn overlaps(
    file: &str,
    year: i32,
    holdings: &[(String, MultiPolygon<f64>)],
    sliver_km2: f64,
) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, (a, ga)) in holdings.iter().enumerate() {
        for (b, gb) in holdings.iter().skip(i + 1) {
            match (ga.bounding_rect(), gb.bounding_rect()) {
                (Some(ra), Some(rb)) if ra.intersects(&rb) => {}
                _ => continue,
            }
            let both = crate::geometry::overlay::clip::intersection(ga, gb);
            let km2 = geodesy::area_km2(&both);
            if km2 <= 0.0 {
                continue;
            }
            // Judged piece by piece, as `run` judges them.
            let (largest_km2, largest) = both
                .0
                .iter()
                .map(|p| (geodesy::area_km2(&MultiPolygon::new(vec![p.clone()])), p))
                .max_by(|x, y| x.0.total_cmp(&y.0))
                .map_or((0.0, None), |(km2, p)| {
                    (km2, p.interior_point().map(|p| p.0))
                });
            let small = largest_km2 <= sliver_km2;
            out.push(Problem {
                file: file.to_owned(),
                layer: None,
                year: Some(year),
                feature: None,
                holder: Some(a.clone()),
                kind: "overlap".into(),
                message: format!(
                    "holders '{a}' and '{b}' overlap by {km2:.3} km² in {} place(s), the largest {largest_km2:.3} km² (each piece of land must have one holder){}",
                    both.0.len(),
                    if small {
                        format!("; no piece above sliver_km2 ({sliver_km2} km²): `run` measures and reports them")
                    } else {
                        format!("; `run` refuses an overlapping piece above sliver_km2 ({sliver_km2} km²)")
                    }
                ),
                at: largest,
                severity: if small {
                    Severity::Note
                } else {
                    Severity::Error
                },
            });
        }
    }
    out
}

/// Holes in the study region: land no holder covers (a lake, or a gap left
/// when the polygons were digitised).
fn gaps(file: &str, year: i32, region: &MultiPolygon<f64>, sliver_km2: f64) -> Vec<Problem> {
    let mut out = Vec::new();
    let (mut small, mut small_km2) = (0usize, 0.0);
    for polygon in &region.0 {
        for hole in polygon.interiors() {
            let hole = geo::Polygon::new(hole.clone(), vec![]);
            let km2 = geodesy::area_km2(&MultiPolygon::new(vec![hole.clone()]));
            if km2 < sliver_km2 {
                small += 1;
                small_km2 += km2;
                continue;
            }
            out.push(Problem {
                file: file.to_owned(),
                layer: None,
                year: Some(year),
                feature: None,
                holder: None,
                kind: "gap".into(),
                message: format!(
                    "a hole of {km2:.3} km² that no holder covers (a lake, or a digitising gap)"
                ),
                at: hole.interior_point().map(|p| p.0),
                severity: Severity::Warning,
            });
        }
    }
    if small > 0 {
        out.push(Problem {
            file: file.to_owned(),
            layer: None,
            year: Some(year),
            feature: None,
            holder: None,
            kind: "gap".into(),
            message: format!(
                "{small} hole(s) below sliver_km2 ({sliver_km2} km²), {small_km2:.3} km² in all, ignored"
            ),
            at: None,
            severity: Severity::Note,
        });
    }
    out
}

fn from_error(file: &str, year: i32, e: Error) -> Problem {
    let mut holder = None;
    let (feature, kind, layer, message) = match &e {
        Error::BadFeature {
            feature,
            layer,
            reason,
            ..
        } => {
            // The reader names the holder first, when it has one.
            let mut message = reason.clone();
            if let Some(rest) = reason.strip_prefix("holder '") {
                if let Some((name, after)) = rest.split_once("': ") {
                    holder = Some(name.to_owned());
                    message = after.to_owned();
                }
            }
            (Some(*feature), "feature", Some(layer.clone()), message)
        }
        Error::WrongGeometry {
            feature,
            layer,
            expected,
            found,
            ..
        } => (
            Some(*feature),
            "geometry-type",
            Some(layer.clone()),
            format!("expected {expected}, found {found}"),
        ),
        Error::MissingField { layer, .. }
        | Error::NoCrs { layer, .. }
        | Error::EmptyLayer { layer, .. } => (None, "layer", Some(layer.clone()), e.to_string()),
        Error::Geometry { .. } => (None, "geometry", None, e.to_string()),
        _ => (None, "layer", None, e.to_string()),
    };
    Problem {
        file: file.to_owned(),
        layer,
        year: Some(year),
        feature,
        holder,
        kind: kind.to_owned(),
        message,
        at: None,
        severity: Severity::Error,
    }
}

/// Writes the problems that have a location as a point layer `problems` in
/// a GeoPackage at `path` (replacing it), with every problem's fields.
pub fn write_problems(path: &Path, problems: &[Problem]) -> Result<PathBuf> {
    let features = problems
        .iter()
        .filter_map(|p| {
            let at = p.at?;
            Some(OutFeature {
                geometry: Shape::Owned(geo::Point::from(at).into()),
                values: vec![
                    Value::Text(p.file.clone()),
                    Value::Text(p.layer.clone().unwrap_or_default()),
                    Value::Int(p.year.map_or(0, i64::from)),
                    Value::Int(p.feature.map_or(-1, |f| f as i64)),
                    Value::Text(p.holder.clone().unwrap_or_default()),
                    Value::Text(p.kind.clone()),
                    Value::Text(p.message.clone()),
                    Value::Text(p.severity.as_str().to_owned()),
                ],
            })
        })
        .collect();
    let layer = Layer {
        name: "problems".into(),
        geometry: GeometryKind::Point,
        fields: vec![
            FieldDef::new("file", FieldKind::Text),
            FieldDef::new("layer", FieldKind::Text),
            FieldDef::new("year", FieldKind::Int),
            FieldDef::new("feature", FieldKind::Int),
            FieldDef::new("holder", FieldKind::Text),
            FieldDef::new("kind", FieldKind::Text),
            FieldDef::new("message", FieldKind::Text),
            FieldDef::new("severity", FieldKind::Text),
        ],
        features,
    };
    // Written beside the target, then moved: no half-written file.
    let partial = path.with_file_name(".problems-partial.gpkg");
    let _ = std::fs::remove_file(&partial);
    write_dataset(&partial, "GPKG", &[layer], &[])?;
    std::fs::rename(&partial, path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(path.to_owned())
}
