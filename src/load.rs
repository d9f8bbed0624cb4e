//! From the analysis file to plain data: reads every layer through
//! [`crate::io`], checks the geometry, dissolves features by holder,
//! densifies, and checks that the references name holders that exist.

use std::collections::BTreeMap;

use geo::{unary_union, Coord, CoordsIter, LineString, MultiLineString, MultiPolygon};

use crate::config::{Config, SnapshotSource, Step};
use crate::error::{Error, Result};
use crate::geometry::geodesy;
use crate::geometry::topology::PartsProblem;
use crate::io::read::{read_lines, read_polygons, LayerSource, PolygonFeature};
use crate::model::{Holding, River, Snapshot};

/// The inputs of an analysis, read and checked.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Snapshots sorted by year.
    pub snapshots: Vec<Snapshot>,
    /// Rivers sorted by name (empty when the config names no rivers layer).
    pub rivers: Vec<River>,
    /// What `parameters.repair` changed in the input features, in snapshot
    /// and feature order (empty without it).
    pub repairs: Vec<Repair>,
    /// The disputed zones the variants assign, by id (empty without a
    /// `[zones]` table).
    pub zones: Vec<crate::geometry::variants::Zone>,
    /// The readings, the base first (empty without `[[variant]]`).
    pub readings: Vec<crate::geometry::variants::Reading>,
    /// Lines drawn only to within a band, with the band's half-width in km
    /// (empty without `[[uncertainty]]`).
    pub uncertain: Vec<(Vec<Coord<f64>>, f64)>,
}

/// One change `parameters.repair` (`run --repair`) made to an input feature.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Repair {
    /// The file, as the analysis file names it.
    pub file: String,
    /// The layer.
    pub layer: String,
    /// The feature id.
    pub feature: u64,
    /// What was changed, and where.
    pub change: String,
}

impl Inputs {
    /// The longitude/latitude box (west, south, east, north) of every
    /// snapshot; the whole globe when there is no geometry.
    pub fn study_box(&self) -> (f64, f64, f64, f64) {
        crate::model::extent(self.snapshots.iter().flat_map(|s| &s.holdings))
            .map_or((-180.0, -90.0, 180.0, 90.0), |r| {
                (r.min().x, r.min().y, r.max().x, r.max().y)
            })
    }
}

/// The size in bytes of the snapshot files the config names (those that
/// exist; reading reports the others).
pub fn input_bytes(config: &Config) -> u64 {
    config
        .snapshots
        .iter()
        .filter_map(|s| std::fs::metadata(config.resolve(&s.path)).ok())
        .map(|m| m.len())
        .sum()
}

/// Reads everything the config names.
pub fn load(config: &Config) -> Result<Inputs> {
    let mut sources: Vec<&SnapshotSource> = config.snapshots.iter().collect();
    sources.sort_by_key(|s| s.year);
    let max_edge_m = config.parameters.densify_km * 1_000.0;
    // Snapshots are read on as many cores as there are (one GDAL dataset
    // per thread); the first error in year order is the one reported.
    let features = crate::support::parallel::map(&sources, |s| read_features(config, s))
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    // Decided on every snapshot at once, so that all share one longitude range.
    let raw = || {
        features
            .iter()
            .flat_map(|(_, f)| f.iter().map(|f| &f.geometry))
    };
    let shift = crosses_antimeridian(raw());
    if shift && raw().any(|g| has_long_jump(std::iter::once(&unwrap_polygons(g)))) {
        return Err(Error::Usage(
            "the polygons cross both the antimeridian (180°) and the prime meridian (0°): data that wraps around the globe cannot be overlaid in longitude/latitude; split it at one of the two".into(),
        ));
    }
    // Each worker takes its snapshot's features and lets go of each as it
    // is checked, dissolved and densified: the raw features and the
    // holdings are not both held in full.
    let tasks: Vec<_> = sources
        .iter()
        .zip(features)
        .map(|task| std::sync::Mutex::new(Some(task)))
        .collect();
    let read = crate::support::parallel::map(&tasks, |task| {
        let (s, (source, features)) = task
            .lock()
            .ok()
            .and_then(|mut t| t.take())
            .expect("each snapshot is read once");
        holdings(config, s, &source, features, max_edge_m, shift)
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    let mut snapshots = Vec::with_capacity(read.len());
    let mut repairs = Vec::new();
    for (snapshot, changes) in read {
        snapshots.push(snapshot);
        repairs.extend(changes);
    }
    let rivers = match &config.rivers {
        Some(r) => {
            let source = LayerSource {
                path: config.resolve(&r.path),
                layer: r.layer.clone(),
                assume_crs: r.assume_crs.clone(),
            };
            let mut by_name: BTreeMap<String, Vec<_>> = BTreeMap::new();
            for f in read_lines(&source, &r.name_field)? {
                // A river off the globe (a projected layer read as
                // lon/lat) would be matched against nothing, silently.
                if let Some(reason) = off_the_globe(f.geometry.coords_iter()) {
                    return Err(Error::BadFeature {
                        path: source.path.clone(),
                        layer: layer_name(&source),
                        feature: f.fid,
                        reason,
                    });
                }
                by_name.entry(f.name).or_default().extend(f.geometry.0);
            }
            by_name
                .into_iter()
                .map(|(name, lines)| {
                    let mut geometry = MultiLineString::new(lines);
                    if shift {
                        unwrap_longitudes(&mut geometry);
                    }
                    River { name, geometry }
                })
                .collect()
        }
        None => Vec::new(),
    };
    check_reference_holders(config, &snapshots)?;
    let (zones, readings) = load_readings(config, &snapshots, max_edge_m, shift)?;
    let uncertain = load_uncertain(config, shift)?;
    Ok(Inputs {
        snapshots,
        rivers,
        repairs,
        zones,
        readings,
        uncertain,
    })
}

/// One snapshot's layer and its features, as read.
fn read_features(
    config: &Config,
    s: &SnapshotSource,
) -> Result<(LayerSource, Vec<PolygonFeature>)> {
    let source = LayerSource {
        path: config.resolve(&s.path),
        layer: s.layer.clone(),
        assume_crs: s.assume_crs.clone(),
    };
    let features = read_polygons(&source, config.holder_field(s))?;
    Ok((source, features))
}

/// One snapshot's holdings from its features: each feature repaired where
/// `parameters.repair` says, then checked; each holder's features dissolved
/// and densified; all in 0–360° longitude when `shift` says the data crosses
/// the antimeridian. Also returns the repairs made.
fn holdings(
    config: &Config,
    s: &SnapshotSource,
    source: &LayerSource,
    features: Vec<PolygonFeature>,
    max_edge_m: f64,
    shift: bool,
) -> Result<(Snapshot, Vec<Repair>)> {
    let layer = layer_name(source);
    let mut repairs = Vec::new();
    let mut by_holder: BTreeMap<String, Vec<MultiPolygon<f64>>> = BTreeMap::new();
    for f in features {
        let mut geometry = if shift {
            unwrap_polygons(&f.geometry)
        } else {
            f.geometry
        };
        if config.parameters.repair {
            let (fixed, changes) = repair_geometry(&geometry);
            if !changes.is_empty() {
                repairs.extend(changes.into_iter().map(|change| Repair {
                    file: s.path.display().to_string(),
                    layer: layer.clone(),
                    feature: f.fid,
                    change,
                }));
                if fixed.0.is_empty() {
                    continue;
                }
                geometry = fixed;
            }
        }
        check_geometry(source, f.fid, &geometry)?;
        by_holder.entry(f.holder).or_default().push(geometry);
    }
    let holdings = by_holder
        .into_iter()
        .map(|(state, parts)| -> Result<Holding> {
            let merged = if parts.len() == 1 {
                parts
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| MultiPolygon::new(vec![]))
            } else {
                crate::support::guard::catching(
                    || {
                        format!(
                            "dissolving the features of '{state}' in '{}'",
                            s.path.display()
                        )
                    },
                    || unary_union(parts.iter()),
                )?
            };
            let mut geometry = crate::support::guard::catching(
                || format!("densifying the land of '{state}' in '{}'", s.path.display()),
                || geodesy::densify(merged, max_edge_m),
            )?;
            if shift {
                // Points on geodesics across 180° come back as negative
                // longitudes.
                geometry = unwrap_polygons(&geometry);
            }
            Ok(Holding {
                state: state.to_owned(),
                geometry,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let snapshot = Snapshot {
        year: s.year,
        treaty: s.treaty.clone(),
        holdings,
    };
    Ok((snapshot, repairs))
}

/// True when the polygons cross the antimeridian: an edge jumps more than
/// 180° in longitude (it is the short way round, across 180°), or the data
/// reaches both sides of 180° (polygons split there, as Chukotka is in most
/// world datasets). Such data is analysed in longitudes 0–360°, where the
/// lon/lat overlay sees the polygons whole.
pub fn crosses_antimeridian<'a>(
    polygons: impl Iterator<Item = &'a MultiPolygon<f64>> + Clone,
) -> bool {
    if has_long_jump(polygons.clone()) {
        return true;
    }
    let (mut east, mut west) = (false, false);
    for c in polygons.flat_map(|mp| mp.coords_iter()) {
        east |= c.x >= 179.0;
        west |= c.x <= -179.0;
    }
    east && west
}

/// True when some edge jumps more than 180° in longitude.
fn has_long_jump<'a>(polygons: impl Iterator<Item = &'a MultiPolygon<f64>>) -> bool {
    polygons
        .flat_map(|mp| mp.0.iter())
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .any(|ring| ring.0.windows(2).any(|w| (w[1].x - w[0].x).abs() > 180.0))
}

/// Longitudes below 0° moved to 180–360° (for data that
/// [`crosses_antimeridian`]).
pub fn unwrap_polygons(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    use geo::MapCoords;
    mp.map_coords(|c| Coord {
        x: if c.x < 0.0 { c.x + 360.0 } else { c.x },
        y: c.y,
    })
}

fn unwrap_longitudes(lines: &mut MultiLineString<f64>) {
    use geo::MapCoordsInPlace;
    lines.map_coords_in_place(|c| Coord {
        x: if c.x < 0.0 { c.x + 360.0 } else { c.x },
        y: c.y,
    });
}

/// The layer's name: as configured, or the file's stem.
fn layer_name(source: &LayerSource) -> String {
    source.layer.clone().unwrap_or_else(|| {
        source
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    })
}

/// The safe repairs of one feature's geometry: repeated consecutive points
/// are removed, and rings that enclose nothing (fewer than three distinct
/// points, or zero area) are dropped, with a polygon's holes when its
/// exterior goes. No area changes. Returns the repaired geometry (empty when
/// nothing is left) and one sentence per change.
pub fn repair_geometry(geometry: &MultiPolygon<f64>) -> (MultiPolygon<f64>, Vec<String>) {
    let mut changes = Vec::new();
    let mut repaired = Vec::new();
    let mut repeated = 0;
    let mut first_repeated = None;
    let mut fix_ring = |ring: &LineString<f64>, what: &str, changes: &mut Vec<String>| {
        let mut points = ring.0.clone();
        points.dedup();
        if points.len() < ring.0.len() {
            repeated += ring.0.len() - points.len();
            if first_repeated.is_none() {
                first_repeated = ring.0.windows(2).find(|w| w[0] == w[1]).map(|w| w[0]);
            }
        }
        let ring = LineString::new(points);
        let at = ring
            .0
            .first()
            .map(|c| format!(" at ({}, {})", c.x, c.y))
            .unwrap_or_default();
        if ring.0.len() < 4 {
            changes.push(format!(
                "dropped {what} with fewer than 3 distinct points{at}"
            ));
            return None;
        }
        if geo::Area::unsigned_area(&geo::Polygon::new(ring.clone(), vec![])) == 0.0 {
            changes.push(format!("dropped {what} that encloses no area{at}"));
            return None;
        }
        Some(ring)
    };
    for polygon in &geometry.0 {
        let Some(exterior) = fix_ring(polygon.exterior(), "an exterior ring", &mut changes) else {
            if !polygon.interiors().is_empty() {
                changes.push(format!(
                    "dropped the {} hole(s) of that ring",
                    polygon.interiors().len()
                ));
            }
            continue;
        };
        let interiors = polygon
            .interiors()
            .iter()
            .filter_map(|r| fix_ring(r, "a hole", &mut changes))
            .collect();
        repaired.push(geo::Polygon::new(exterior, interiors));
    }
    if let Some(c) = first_repeated {
        changes.insert(
            0,
            format!(
                "removed {repeated} repeated consecutive point(s), the first at ({}, {})",
                c.x, c.y
            ),
        );
    }
    if repaired.is_empty() && !geometry.0.is_empty() {
        changes.push("nothing with an area is left: the feature is left out".into());
    }
    (MultiPolygon::new(repaired), changes)
}

/// Coordinates must be finite lon/lat and polygons valid (OGC rules as `geo`
/// checks them): an overlay of invalid polygons gives meaningless areas.
fn check_geometry(source: &LayerSource, fid: u64, geometry: &MultiPolygon<f64>) -> Result<()> {
    let Some(problem) = geometry_problems(geometry).into_iter().find(|p| p.fatal) else {
        return Ok(());
    };
    let hint = if matches!(problem.kind, "too-few-points" | "zero-area-ring") {
        " (run --repair drops such rings and says so)"
    } else {
        ""
    };
    Err(Error::BadFeature {
        path: source.path.clone(),
        layer: layer_name(source),
        feature: fid,
        reason: format!("{}{hint}", problem.message),
    })
}

/// What is wrong with one polygon feature's geometry, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct GeometryProblem {
    /// A short name: `coordinate`, `too-few-points`, `unclosed-ring`,
    /// `zero-area-ring`, `self-intersection`, `rings-cross`, `nested-part`,
    /// `repeated-points`.
    pub kind: &'static str,
    /// The message, naming the point where there is one.
    pub message: String,
    /// Where (longitude, latitude), when a point can be named.
    pub at: Option<Coord<f64>>,
    /// True when the run refuses the feature (repeated points are only
    /// reported).
    pub fatal: bool,
}

/// The first coordinate that is not a longitude/latitude, as a message.
/// Longitudes up to 360° are data stored east of 180° (and what the
/// antimeridian shift makes of it).
pub(crate) fn off_the_globe(mut coords: impl Iterator<Item = Coord<f64>>) -> Option<String> {
    let in_range =
        |c: &Coord<f64>| (-180.0..=360.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y);
    coords.find(|c| !in_range(c)).map(|c| {
        format!(
            "coordinate ({}, {}) is not a longitude/latitude on WGS84 (longitude −180…360°, latitude −90…90°)",
            c.x, c.y
        )
    })
}

/// Every problem of a polygon geometry: coordinates that are not finite
/// longitude/latitude, rings with fewer than three distinct points, unclosed
/// rings, rings enclosing no area, self-intersections (bow-ties included),
/// rings that cross each other, parts inside another part of the same
/// feature, and repeated consecutive points. Fatal problems come first.
pub fn geometry_problems(geometry: &MultiPolygon<f64>) -> Vec<GeometryProblem> {
    let mut out = Vec::new();
    // Longitudes up to 360° are data stored east of 180° (and what the
    // antimeridian shift makes of it).
    if let Some(message) = off_the_globe(geometry.coords_iter()) {
        out.push(GeometryProblem {
            kind: "coordinate",
            message,
            at: None,
            fatal: true,
        });
        return out;
    }
    let mut repeated = Vec::new();
    let rings: Vec<&LineString<f64>> = geometry
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .collect();
    let crossings = crate::geometry::topology::crossings(&rings);
    for (r, ring) in rings.iter().enumerate() {
        let points = &ring.0;
        let first = points.first().copied();
        if points.len() >= 2 && points.first() != points.last() {
            out.push(GeometryProblem {
                kind: "unclosed-ring",
                message: "invalid polygon: a ring does not end where it starts".into(),
                at: first,
                fatal: true,
            });
        }
        // Points left once consecutive repeats are merged.
        let distinct = points.len() - points.windows(2).filter(|w| w[0] == w[1]).count();
        if distinct < points.len() {
            if let Some(w) = points.windows(2).find(|w| w[0] == w[1]) {
                repeated.push(w[0]);
            }
        }
        if distinct < 4 {
            out.push(GeometryProblem {
                kind: "too-few-points",
                message: "invalid polygon: a ring has fewer than 3 distinct points".into(),
                at: first,
                fatal: true,
            });
            continue;
        }
        // A bow-tie encloses zero signed area: name the crossing first.
        if let Some(c) = crossings.within[r] {
            out.push(GeometryProblem {
                kind: "self-intersection",
                message: format!(
                    "invalid polygon: ring self-intersection at ({}, {})",
                    c.x, c.y
                ),
                at: Some(c),
                fatal: true,
            });
            continue;
        }
        if crate::geometry::topology::twice_area(points) == 0.0 {
            out.push(GeometryProblem {
                kind: "zero-area-ring",
                message: "invalid polygon: a ring encloses no area".into(),
                at: first,
                fatal: true,
            });
            continue;
        }
    }
    // Between rings: only once every ring is sound on its own.
    if out.is_empty() {
        match crate::geometry::topology::parts_problem(geometry, crossings.between) {
            Some(PartsProblem::Cross(c)) => out.push(GeometryProblem {
                kind: "rings-cross",
                message: format!(
                    "invalid polygon: two rings (two parts, or a part and a hole) cross at ({}, {})",
                    c.x, c.y
                ),
                at: Some(c),
                fatal: true,
            }),
            Some(PartsProblem::Nested(c)) => out.push(GeometryProblem {
                kind: "nested-part",
                message: format!(
                    "invalid polygon: a part lies inside another part of the same feature, at ({}, {}); its land would count twice (dissolve the feature, e.g. QGIS \"Dissolve\")",
                    c.x, c.y
                ),
                at: Some(c),
                fatal: true,
            }),
            None => {}
        }
    }
    if let Some(c) = repeated.first() {
        out.push(GeometryProblem {
            kind: "repeated-points",
            message: format!(
                "{} ring(s) repeat a point consecutively, first at ({}, {}); harmless, ignored",
                repeated.len(),
                c.x,
                c.y
            ),
            at: Some(*c),
            fatal: false,
        });
    }
    out
}

fn check_reference_holders(config: &Config, snapshots: &[Snapshot]) -> Result<()> {
    for (i, r) in config.references.iter().enumerate() {
        let Ok(quantity) = r.quantity() else { continue };
        for (year, holder) in quantity.holders() {
            let Some(snapshot) = snapshots.iter().find(|s| s.year == year) else {
                continue;
            };
            if !snapshot.holdings.iter().any(|h| h.state == holder) {
                let available: Vec<String> =
                    snapshot.holdings.iter().map(|h| h.state.clone()).collect();
                let message = format!(
                    "reference '{}' names holder '{holder}', which the {year} snapshot does not have (it has: {})",
                    r.id,
                    available.join(", ")
                );
                return Err(match &config.source {
                    Some((path, _)) => {
                        let (line, column) = config
                            .position_of_string(&[Step::Key("reference"), Step::Index(i)], holder);
                        Error::Config {
                            path: path.clone(),
                            line,
                            column,
                            message,
                        }
                    }
                    None => Error::UnknownHolder {
                        reference: r.id.clone(),
                        year,
                        holder: holder.to_owned(),
                        available,
                    },
                });
            }
        }
    }
    Ok(())
}

/// The zones layer, each zone's features dissolved and densified like the
/// snapshots, and the readings of the analysis file, checked against the
/// zones and the snapshots' holders (issue 21).
fn load_readings(
    config: &Config,
    snapshots: &[Snapshot],
    max_edge_m: f64,
    shift: bool,
) -> Result<(
    Vec<crate::geometry::variants::Zone>,
    Vec<crate::geometry::variants::Reading>,
)> {
    use crate::geometry::variants::{Assignment, Reading, Zone};
    let zones = match &config.zones {
        None => Vec::new(),
        Some(z) => {
            let source = LayerSource {
                path: config.resolve(&z.path),
                layer: z.layer.clone(),
                assume_crs: z.assume_crs.clone(),
            };
            let mut by_id: BTreeMap<String, Vec<MultiPolygon<f64>>> = BTreeMap::new();
            for f in read_polygons(&source, &z.id_field)? {
                let geometry = if shift {
                    unwrap_polygons(&f.geometry)
                } else {
                    f.geometry
                };
                check_geometry(&source, f.fid, &geometry)?;
                by_id.entry(f.holder).or_default().push(geometry);
            }
            by_id
                .into_iter()
                .map(|(id, parts)| -> Result<Zone> {
                    let merged = if parts.len() == 1 {
                        parts
                            .into_iter()
                            .next()
                            .unwrap_or_else(|| MultiPolygon::new(vec![]))
                    } else {
                        crate::support::guard::catching(
                            || {
                                format!(
                                    "dissolving the features of zone '{id}' in '{}'",
                                    z.path.display()
                                )
                            },
                            || unary_union(parts.iter()),
                        )?
                    };
                    let mut geometry = geodesy::densify(merged, max_edge_m);
                    if shift {
                        geometry = unwrap_polygons(&geometry);
                    }
                    Ok(Zone { id, geometry })
                })
                .collect::<Result<Vec<_>>>()?
        }
    };
    if config.variants.is_empty() {
        return Ok((zones, Vec::new()));
    }
    let mut holders: Vec<&str> = snapshots
        .iter()
        .flat_map(|s| s.holdings.iter().map(|h| h.state.as_str()))
        .collect();
    holders.sort_unstable();
    holders.dedup();
    let fail = |at: &[Step], value: &str, message: String| -> Error {
        match &config.source {
            Some((path, _)) => {
                let (line, column) = config.position_of_string(at, value);
                Error::Config {
                    path: path.clone(),
                    line,
                    column,
                    message,
                }
            }
            None => Error::Usage(message),
        }
    };
    let base = config.base_variant_name();
    let described = config.variants.iter().find(|v| v.name == base);
    let mut readings = vec![Reading {
        name: base.to_owned(),
        title: described.map_or_else(|| "the snapshots as drawn".to_owned(), |v| v.title.clone()),
        source: described.map(|v| v.source.clone()).unwrap_or_default(),
        assignments: Vec::new(),
    }];
    for (i, v) in config.variants.iter().enumerate() {
        if v.name == base {
            continue;
        }
        for (k, a) in v.assignments.iter().enumerate() {
            let at = [
                Step::Key("variant"),
                Step::Index(i),
                Step::Key("assign"),
                Step::Index(k),
            ];
            if !zones.iter().any(|z| z.id == a.zone) {
                let ids: Vec<&str> = zones.iter().map(|z| z.id.as_str()).collect();
                let file = config
                    .zones
                    .as_ref()
                    .map(|z| z.path.display().to_string())
                    .unwrap_or_default();
                return Err(fail(
                    &at,
                    &a.zone,
                    format!(
                        "variant '{}' assigns zone '{}', which the zones layer '{file}' does not have; its zones are: {}",
                        v.name,
                        a.zone,
                        ids.join(", ")
                    ),
                ));
            }
            if !holders.contains(&a.holder.as_str()) {
                return Err(fail(
                    &at,
                    &a.holder,
                    format!(
                        "variant '{}' gives zone '{}' to holder '{}', which no snapshot has; the holders are: {}",
                        v.name,
                        a.zone,
                        a.holder,
                        holders.join(", ")
                    ),
                ));
            }
        }
        readings.push(Reading {
            name: v.name.clone(),
            title: v.title.clone(),
            source: v.source.clone(),
            assignments: v
                .assignments
                .iter()
                .map(|a| Assignment {
                    zone: a.zone.clone(),
                    holder: a.holder.clone(),
                    years: a.years.clone(),
                })
                .collect(),
        });
    }
    Ok((zones, readings))
}

/// The lines of every `[[uncertainty]]` layer with their band (km).
fn load_uncertain(config: &Config, shift: bool) -> Result<Vec<(Vec<Coord<f64>>, f64)>> {
    let mut out = Vec::new();
    for u in &config.uncertainty {
        let source = LayerSource {
            path: config.resolve(&u.path),
            layer: u.layer.clone(),
            assume_crs: u.assume_crs.clone(),
        };
        // The field is read as text, like a river's name; with `km`, none.
        let field = u.field.clone().unwrap_or_default();
        for f in read_lines(&source, &field)? {
            if let Some(reason) = off_the_globe(f.geometry.coords_iter()) {
                return Err(Error::BadFeature {
                    path: source.path.clone(),
                    layer: layer_name(&source),
                    feature: f.fid,
                    reason,
                });
            }
            let km = match u.km {
                Some(km) => km,
                None => match f.name.trim().parse::<f64>() {
                    Ok(km) if km.is_finite() && km >= 0.0 => km,
                    _ => {
                        return Err(Error::BadFeature {
                            path: source.path.clone(),
                            layer: layer_name(&source),
                            feature: f.fid,
                            reason: format!(
                                "field '{field}' is '{}', not a band in km (a number ≥ 0)",
                                f.name
                            ),
                        })
                    }
                },
            };
            let mut lines = f.geometry;
            if shift {
                unwrap_longitudes(&mut lines);
            }
            out.extend(lines.0.into_iter().map(|l| (l.0, km)));
        }
    }
    Ok(out)
}
