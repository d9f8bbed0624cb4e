//! `borderchange validate`: every problem in an analysis's inputs at once,
//! with where it is, without analysing. Per feature: empty holder, missing
//! geometry, wrong geometry type, coordinates that are not longitude/latitude,
//! rings that are unclosed, too short, of zero area or self-intersecting,
//! rings that cross each other, parts inside another part, repeated points. Per snapshot: holders that overlap, holes in the study
//! region, and a study region that differs from the first snapshot's. Per
//! layer: a file, layer, field or CRS that cannot be used. The rivers layer:
//! one that cannot be read, and lines off the globe. The analysis file: an
//! `equal_area_crs` that does not preserve area where the data lie.

use std::path::{Path, PathBuf};

use geo::{unary_union, BooleanOps, BoundingRect, Coord, InteriorPoint, Intersects, MultiPolygon};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::geometry::geodesy;
use crate::io::read::{read_lines, read_polygons_with, LayerSource};
use crate::io::write::{
    write_dataset, FieldDef, FieldKind, GeometryKind, Layer, OutFeature, Shape, Value,
};
use crate::load::geometry_problems;

/// One problem in the inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The input file, as the analysis file names it.
    pub file: String,
    /// The snapshot year, if the problem belongs to a snapshot.
    pub year: Option<i32>,
    /// The feature id, if one feature is at fault.
    pub feature: Option<u64>,
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
    /// Below the tolerance (`sliver_km2`): listed, not counted.
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
        if let Some(id) = self.feature {
            write!(f, " feature {id}")?;
        }
        write!(f, ": {}: {}", self.kind, self.message)?;
        if let Some(c) = self.at {
            write!(f, " [at {:.5}, {:.5}]", c.x, c.y)?;
        }
        Ok(())
    }
}

/// Checks every snapshot of `config` and returns the problems found, in
/// snapshot order. Only a config that cannot be used at all is an error.
pub fn validate(config: &Config) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    let mut sources: Vec<_> = config.snapshots.iter().collect();
    sources.sort_by_key(|s| s.year);
    let mut first_region: Option<(i32, MultiPolygon<f64>)> = None;
    let mut all_holders = std::collections::BTreeSet::new();
    let sliver_km2 = config.parameters.sliver_km2;
    // Every layer first: whether the data crosses the antimeridian is decided
    // on all snapshots at once, as `run` decides it (see `load`).
    let reads: Vec<_> = sources
        .into_iter()
        .map(|s| {
            let source = LayerSource {
                path: config.resolve(&s.path),
                layer: s.layer.clone(),
                assume_crs: s.assume_crs.clone(),
            };
            let mut feature_errors = Vec::new();
            let read = read_polygons_with(&source, config.holder_field(s), &mut |e| {
                feature_errors.push(e);
                Ok(())
            });
            (s, feature_errors, read)
        })
        .collect();
    let shift = crate::load::crosses_antimeridian(
        reads
            .iter()
            .filter_map(|(_, _, read)| read.as_ref().ok())
            .flatten()
            .map(|f| &f.geometry),
    );
    for (s, feature_errors, read) in reads {
        let file = s.path.display().to_string();
        for e in feature_errors {
            problems.push(from_error(&file, s.year, e));
        }
        let mut features = match read {
            Ok(features) => features,
            Err(e) => {
                problems.push(from_error(&file, s.year, e));
                continue;
            }
        };
        if shift {
            for f in &mut features {
                f.geometry = crate::load::unwrap_polygons(&f.geometry);
            }
        }
        let mut by_holder: std::collections::BTreeMap<String, Vec<MultiPolygon<f64>>> =
            std::collections::BTreeMap::new();
        for f in features {
            let found = geometry_problems(&f.geometry);
            let fatal = found.iter().any(|p| p.fatal);
            for p in found {
                problems.push(Problem {
                    file: file.clone(),
                    year: Some(s.year),
                    feature: Some(f.fid),
                    kind: p.kind.to_owned(),
                    message: p.message,
                    at: p.at,
                    severity: if p.fatal {
                        Severity::Error
                    } else {
                        Severity::Note
                    },
                });
            }
            if !fatal {
                by_holder.entry(f.holder).or_default().push(f.geometry);
            }
        }
        all_holders.extend(by_holder.keys().cloned());
        let holdings: Vec<(String, MultiPolygon<f64>)> = by_holder
            .into_iter()
            .map(|(holder, parts)| (holder, unary_union(parts.iter())))
            .collect();
        problems.extend(overlaps(&file, s.year, &holdings, sliver_km2));
        let region: MultiPolygon<f64> = unary_union(holdings.iter().map(|(_, g)| g));
        problems.extend(gaps(&file, s.year, &region, sliver_km2));
        match &first_region {
            None => first_region = Some((s.year, region)),
            Some((first_year, first)) => {
                let differs = first.xor(&region);
                for piece in differs.0 {
                    let km2 = geodesy::area_km2(&MultiPolygon::new(vec![piece.clone()]));
                    if km2 < sliver_km2 {
                        continue;
                    }
                    problems.push(Problem {
                        file: file.clone(),
                        year: Some(s.year),
                        feature: None,
                        kind: "region".into(),
                        message: format!(
                            "the study region differs from the {first_year} snapshot's here by {km2:.1} km² (every snapshot must cover the same land for areas to be conserved)"
                        ),
                        at: piece.interior_point().map(|p| p.0),
                        severity: Severity::Warning,
                    });
                }
            }
        }
    }
    if let Some((_, region)) = &first_region {
        problems.extend(equal_area_problem(config, region));
    }
    problems.extend(river_problems(config));
    problems.extend(reading_problems(config, &all_holders));
    Ok(problems)
}

/// The zones layer, the variants' zones and holders, and the uncertain
/// lines, checked as `run` checks them.
fn reading_problems(config: &Config, holders: &std::collections::BTreeSet<String>) -> Vec<Problem> {
    let mut out = Vec::new();
    let problem = |file: String, feature, kind: &str, message| Problem {
        file,
        year: None,
        feature,
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
        match read_polygons_with(&source, &z.id_field, &mut |e| Err(e)) {
            Err(e) => out.push(problem(file, None, "layer", e.to_string())),
            Ok(features) => {
                for f in features {
                    for p in geometry_problems(&f.geometry)
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
    out
}

/// An `equal_area_crs` that PROJ cannot use, or that does not preserve area
/// in the middle of the study region, as `run` refuses it.
fn equal_area_problem(config: &Config, region: &MultiPolygon<f64>) -> Option<Problem> {
    let centre = region.bounding_rect()?.center();
    let check = crate::io::projection::EqualArea::new(&config.parameters.equal_area_crs)
        .and_then(|ea| ea.check_preserves_area(centre));
    Some(Problem {
        file: config.source.as_ref().map_or_else(
            || "the analysis file".to_owned(),
            |(path, _)| path.display().to_string(),
        ),
        year: None,
        feature: None,
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
    let problem = |feature, kind: &str, message| Problem {
        file: file.clone(),
        year: None,
        feature,
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
                crate::load::off_the_globe(geo::CoordsIter::coords_iter(&f.geometry))
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
            let largest = both
                .0
                .iter()
                .max_by(|p, q| {
                    geo::Area::unsigned_area(*p).total_cmp(&geo::Area::unsigned_area(*q))
                })
                .and_then(|p| p.interior_point())
                .map(|p| p.0);
            out.push(Problem {
                file: file.to_owned(),
                year: Some(year),
                feature: None,
                kind: "overlap".into(),
                message: format!(
                    "holders '{a}' and '{b}' overlap by {km2:.3} km² in {} place(s) (each piece of land must have one holder){}",
                    both.0.len(),
                    if km2 < sliver_km2 { "; below sliver_km2, ignored" } else { "" }
                ),
                at: largest,
                severity: if km2 < sliver_km2 {
                    Severity::Note
                } else {
                    Severity::Warning
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
                year: Some(year),
                feature: None,
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
            year: Some(year),
            feature: None,
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
    let (feature, kind) = match &e {
        Error::BadFeature { feature, .. } => (Some(*feature), "feature"),
        Error::WrongGeometry { feature, .. } => (Some(*feature), "geometry-type"),
        _ => (None, "layer"),
    };
    Problem {
        file: file.to_owned(),
        year: Some(year),
        feature,
        kind: kind.to_owned(),
        message: e.to_string(),
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
                    Value::Int(p.year.map_or(0, i64::from)),
                    Value::Int(p.feature.map_or(-1, |f| f as i64)),
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
            FieldDef::new("year", FieldKind::Int),
            FieldDef::new("feature", FieldKind::Int),
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
