//! From the analysis file to plain data: reads every layer through
//! [`crate::io`], checks the geometry, dissolves features by holder,
//! densifies, and checks that the references name holders that exist.

use std::collections::BTreeMap;

use geo::{Coord, CoordsIter, MultiLineString, MultiPolygon};

use crate::config::{Config, Quantity, SnapshotSource, Step};
use crate::error::{Error, Result};
use crate::geometry::antimeridian::{shift_for, unwrap_longitudes};
use crate::geometry::holdings::{self, Feature, Options};
use crate::io::read::{read_lines, read_polygons_query, LayerSource, PolygonFeature};
use crate::model::{River, Snapshot};

// The engine's rules, where they were before `crate::geometry` held them.
pub use crate::geometry::antimeridian::{crosses_antimeridian, unwrap_polygons};
pub use crate::geometry::validity::{
    geometry_problems, off_the_globe, repair_geometry, GeometryProblem,
};

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
    /// The `[[context]]` layers: each one's name and polygons (drawn,
    /// never measured).
    pub context: Vec<(String, Vec<MultiPolygon<f64>>)>,
    /// What the reading found that the analysis should warn about (edges
    /// that cross another ring once taken as geodesics), in snapshot order.
    pub warnings: Vec<String>,
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
        .map(|s| &s.path)
        .chain(config.dated.iter().map(|d| &d.path))
        .filter_map(|p| std::fs::metadata(config.resolve(p)).ok())
        .map(|m| m.len())
        .sum()
}

/// Reads everything the config names.
pub fn load(config: &Config) -> Result<Inputs> {
    let max_edge_m = config.parameters.densify_km * 1_000.0;
    let (sources, features): (Vec<SnapshotSource>, Vec<_>) = match &config.dated {
        // One layer with a period per feature, split by snapshot date.
        Some(dated) => crate::io::dated::read_dated(config, dated, &mut |e| Err(e))?
            .into_iter()
            .map(|(s, source, features)| (s, (source, features)))
            .unzip(),
        None => {
            let mut sources: Vec<SnapshotSource> = config.snapshots.clone();
            sources.sort_by_key(|s| s.when().ok());
            // Snapshots are read on as many cores as there are (one GDAL
            // dataset per thread); the first error in time order is the one
            // reported.
            let features = crate::support::parallel::map(&sources, |s| read_features(config, s))
                .into_iter()
                .collect::<Result<Vec<_>>>()?;
            (sources, features)
        }
    };
    // Decided on every snapshot at once, so that all share one longitude range.
    let shift = shift_for(
        features
            .iter()
            .flat_map(|(_, f)| f.iter().map(|f| &f.geometry)),
    )
    .map_err(Error::Usage)?;
    let aliases = config.holder_aliases();
    // Each worker takes its snapshot's features and lets go of each as it
    // is checked, dissolved and densified: the raw features and the
    // holdings are not both held in full.
    let tasks: Vec<_> = sources
        .iter()
        .zip(features)
        .map(|task| std::sync::Mutex::new(Some(task)))
        .collect();
    // The other layers (rivers, zones, uncertain lines, context) need
    // nothing from the snapshots but the longitude shift: they are read on
    // a thread of their own while the snapshots are checked, dissolved and
    // densified. Errors are reported in the order they were before: the
    // snapshots' first.
    let (read, side) = std::thread::scope(|scope| {
        let side = scope.spawn(|| side_layers(config, max_edge_m, shift));
        let read = crate::support::parallel::map(&tasks, |task| {
            let (s, (source, features)) = task
                .lock()
                .ok()
                .and_then(|mut t| t.take())
                .expect("each snapshot is read once");
            snapshot_holdings(config, s, &source, features, &aliases, max_edge_m, shift)
        });
        let side = side.join().map_err(|payload| Error::Geometry {
            what: "reading the rivers, zones and context layers".to_owned(),
            reason: crate::support::guard::panic_message(payload.as_ref()),
        });
        (read, side)
    });
    let read = read.into_iter().collect::<Result<Vec<_>>>()?;
    let mut snapshots = Vec::with_capacity(read.len());
    let mut repairs = Vec::new();
    let mut warnings = Vec::new();
    for (snapshot, changes, said) in read {
        snapshots.push(snapshot);
        repairs.extend(changes);
        warnings.extend(said);
    }
    let side = side?;
    let rivers = side.rivers?;
    check_reference_holders(config, &snapshots)?;
    let zones = side.zones?;
    let readings = load_readings(config, &snapshots, &zones)?;
    let uncertain = side.uncertain?;
    let context = side.context?;
    Ok(Inputs {
        snapshots,
        rivers,
        repairs,
        zones,
        readings,
        uncertain,
        context,
        warnings,
    })
}

/// The layers of a run besides the snapshots, each read (and, for the
/// zones, checked, dissolved and densified) on its own; each result is
/// looked at in turn by [`load`].
struct SideLayers {
    rivers: Result<Vec<River>>,
    zones: Result<Vec<crate::geometry::variants::Zone>>,
    uncertain: Result<Vec<(Vec<Coord<f64>>, f64)>>,
    context: Result<Vec<(String, Vec<MultiPolygon<f64>>)>>,
}

/// Reads every layer of [`SideLayers`]; an error in one does not stop the
/// others (which would only be reported if the first were fixed).
fn side_layers(config: &Config, max_edge_m: f64, shift: bool) -> SideLayers {
    SideLayers {
        rivers: load_rivers(config, shift),
        zones: load_zones(config, max_edge_m, shift),
        uncertain: load_uncertain(config, shift),
        context: load_context(config, shift),
    }
}

/// The `[rivers]` layer's lines, one geometry per river name.
fn load_rivers(config: &Config, shift: bool) -> Result<Vec<River>> {
    let Some(r) = &config.rivers else {
        return Ok(Vec::new());
    };
    let source = LayerSource {
        path: config.resolve(&r.path),
        layer: r.layer.clone(),
        assume_crs: r.assume_crs.clone(),
    };
    let mut by_name: BTreeMap<String, Vec<_>> = BTreeMap::new();
    // A river off the globe would be matched against nothing, silently.
    for f in lines_on_the_globe(&source, &r.name_field)? {
        by_name.entry(f.name).or_default().extend(f.geometry.0);
    }
    Ok(by_name
        .into_iter()
        .map(|(name, lines)| {
            let mut geometry = MultiLineString::new(lines);
            if shift {
                unwrap_longitudes(&mut geometry);
            }
            River { name, geometry }
        })
        .collect())
}

/// The lines of a layer (each with its `field` as text), the first one
/// off the globe (a projected layer read as lon/lat) refused, naming the
/// file, layer and feature.
fn lines_on_the_globe(
    source: &LayerSource,
    field: &str,
) -> Result<Vec<crate::io::read::LineFeature>> {
    let lines = read_lines(source, field)?;
    if let Some((f, reason)) = lines
        .iter()
        .find_map(|f| off_the_globe(f.geometry.coords_iter()).map(|r| (f, r)))
    {
        return Err(Error::BadFeature {
            path: source.path.clone(),
            layer: layer_name(source),
            feature: f.fid,
            reason,
        });
    }
    Ok(lines)
}

/// Every `[[context]]` layer's polygons, by the layer's name.
fn load_context(config: &Config, shift: bool) -> Result<Vec<(String, Vec<MultiPolygon<f64>>)>> {
    let mut context = Vec::new();
    for c in &config.context {
        let mut polygons = read_context(config, c)?;
        if shift {
            for p in &mut polygons {
                *p = crate::geometry::antimeridian::unwrap_polygons(p);
            }
        }
        context.push((c.name.clone(), polygons));
    }
    Ok(context)
}

/// The polygons of a `[[context]]` layer, as read.
pub(crate) fn read_context(
    config: &Config,
    c: &crate::config::ContextSource,
) -> Result<Vec<MultiPolygon<f64>>> {
    let source = LayerSource {
        path: config.resolve(&c.path),
        layer: c.layer.clone(),
        assume_crs: c.assume_crs.clone(),
    };
    Ok(crate::io::read::read_polygons(&source, &c.name_field)?
        .into_iter()
        .map(|f| f.geometry)
        .collect())
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
    let features = read_polygons_query(
        &source,
        s.sql.as_deref(),
        config.holder_field(s),
        &[],
        &mut |e| Err(e),
    )?
    .into_iter()
    .map(|(f, _)| f)
    .collect();
    Ok((source, features))
}

/// One snapshot's holdings from its features, through
/// [`holdings::holdings`] (shift, repair where `parameters.repair` says,
/// check, dissolve, densify); the first feature refused is an error naming
/// the file, layer, feature, holder and year. Also returns the repairs made.
fn snapshot_holdings(
    config: &Config,
    s: &SnapshotSource,
    source: &LayerSource,
    features: Vec<PolygonFeature>,
    aliases: &BTreeMap<String, String>,
    max_edge_m: f64,
    shift: bool,
) -> Result<(Snapshot, Vec<Repair>, Vec<String>)> {
    let layer = layer_name(source);
    let when = s.when().map_err(Error::Usage)?;
    let options = Options {
        shift,
        repair: config.parameters.repair,
        max_edge_m,
        max_added_points: None,
        stop_at_first: true,
    };
    let built = holdings::holdings(
        to_engine(features, aliases),
        &options,
        &format!("'{}' ({when})", s.path.display()),
    )?;
    if let Some(p) = built.first_fatal() {
        let hint = if p.problem.repairable() && !p.problem.message.contains("--repair") {
            " (run --repair mends this and says so)"
        } else {
            ""
        };
        return Err(Error::BadFeature {
            path: source.path.clone(),
            layer,
            feature: p.feature,
            reason: format!(
                "holder '{}' of the {when} snapshot: {}{hint}",
                p.holder, p.problem.message
            ),
        });
    }
    let repairs = built
        .repairs
        .into_iter()
        .map(|r| Repair {
            file: s.path.display().to_string(),
            layer: layer.clone(),
            feature: r.feature,
            change: r.change,
        })
        .collect();
    let warnings = built
        .bowed
        .iter()
        .map(|(holder, b)| {
            bowed_message(&s.path.display().to_string(), &when.to_string(), holder, b)
        })
        .collect();
    let snapshot = Snapshot {
        year: when,
        treaty: s.treaty.clone(),
        holdings: built.holdings,
    };
    Ok((snapshot, repairs, warnings))
}

/// What to say of an edge that crosses another ring of its holding once
/// taken as a geodesic (see [`crate::geometry::bowed`]): `run` warns, and
/// `validate` says the same.
pub(crate) fn bowed_message(
    file: &str,
    year: &str,
    holder: &str,
    b: &crate::geometry::bowed::BowedEdge,
) -> String {
    format!(
        "'{file}' ({year}), holder '{holder}': the edge from ({:.4}, {:.4}) to ({:.4}, {:.4}) is measured as a geodesic, which runs up to {:.3}° of latitude off the straight line drawn in longitude/latitude, and so passes across {} of the holding (holes or islands drawn just beside the edge), first near ({:.4}, {:.4}); the areas count them as if on their drawn side. If the edge is meant to follow a parallel or a straight line on the map, add points along it in the data",
        b.from.x, b.from.y, b.to.x, b.to.y, b.off_deg,
        if b.rings == 1 { "another ring".to_owned() } else { format!("{} other rings", b.rings) },
        b.at.x, b.at.y
    )
}

/// The features as the engine takes them, each holder named as the
/// analysis file's `[holders]` identities say.
pub(crate) fn to_engine(
    features: Vec<PolygonFeature>,
    aliases: &BTreeMap<String, String>,
) -> Vec<Feature> {
    features
        .into_iter()
        .map(|f| Feature {
            id: f.fid,
            holder: aliases.get(&f.holder).cloned().unwrap_or(f.holder),
            geometry: f.geometry,
        })
        .collect()
}

/// The layer's name: as configured, or the file's stem.
pub(crate) fn layer_name(source: &LayerSource) -> String {
    source.layer.clone().unwrap_or_else(|| {
        source
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    })
}

/// A reference whose years name no snapshot (or step), or more than one:
/// references name snapshots by year, so two snapshots of one year (told
/// apart by their dates) cannot be named by `year` alone.
fn reference_time_problem(id: &str, quantity: &Quantity, snapshots: &[Snapshot]) -> Option<String> {
    let all = || {
        snapshots
            .iter()
            .map(|s| s.year.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (what, matches) = match quantity {
        Quantity::Transfer {
            from_year, to_year, ..
        } => (
            format!("the step {from_year} → {to_year}"),
            snapshots
                .windows(2)
                .filter(|w| w[0].year.year == *from_year && w[1].year.year == *to_year)
                .count(),
        ),
        Quantity::Area { year, .. } | Quantity::Boundary { year, .. } => (
            format!("year {year}"),
            snapshots.iter().filter(|s| s.year.year == *year).count(),
        ),
    };
    match matches {
        1 => None,
        0 => Some(format!(
            "reference '{id}' names {what}, which is not a pair of consecutive snapshots or a snapshot's year (the snapshots are {})",
            all()
        )),
        _ => Some(format!(
            "reference '{id}' names {what}, which matches {matches} snapshots or steps ({}): references name snapshots by year, so a year with two snapshots cannot be checked",
            all()
        )),
    }
}

fn check_reference_holders(config: &Config, snapshots: &[Snapshot]) -> Result<()> {
    if let Some(e) = reference_time_errors(config, snapshots).into_iter().next() {
        return Err(e);
    }
    let mut holders: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    for s in snapshots {
        holders
            .entry(s.year.year)
            .or_default()
            .extend(s.holdings.iter().map(|h| h.state.clone()));
    }
    match unknown_reference_holders(config, &holders)
        .into_iter()
        .next()
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Every reference whose years name no snapshot (or step), or more than
/// one, as the error `run` stops at (only the snapshots' times are used).
pub(crate) fn reference_time_errors(config: &Config, snapshots: &[Snapshot]) -> Vec<Error> {
    let mut out = Vec::new();
    for (i, r) in config.references.iter().enumerate() {
        let Ok(quantity) = r.quantity() else { continue };
        if let Some(message) = reference_time_problem(&r.id, &quantity, snapshots) {
            let (line, column) = config.position_of(&[Step::Key("reference"), Step::Index(i)]);
            out.push(match &config.source {
                Some((path, _)) => Error::Config {
                    path: path.clone(),
                    line,
                    column,
                    message,
                },
                None => Error::Usage(message),
            });
        }
    }
    out
}

/// Every holder a reference names that its snapshot does not have (given
/// each snapshot's holders by year), as the error `run` stops at, in
/// reference order. Snapshots missing from `holders` are not checked.
pub(crate) fn unknown_reference_holders(
    config: &Config,
    holders: &BTreeMap<i32, Vec<String>>,
) -> Vec<Error> {
    let mut out = Vec::new();
    for (i, r) in config.references.iter().enumerate() {
        let Ok(quantity) = r.quantity() else { continue };
        for (year, holder) in quantity.holders() {
            let Some(available) = holders.get(&year) else {
                continue;
            };
            if available.iter().any(|h| h == holder) {
                continue;
            }
            let message = format!(
                "reference '{}' names holder '{holder}', which the {year} snapshot does not have (it has: {})",
                r.id,
                available.join(", ")
            );
            out.push(match &config.source {
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
                    available: available.clone(),
                },
            });
        }
    }
    out
}

/// The zones layer (issue 21), each zone's features checked, dissolved and
/// densified like the snapshots'; none without `[zones]`.
fn load_zones(
    config: &Config,
    max_edge_m: f64,
    shift: bool,
) -> Result<Vec<crate::geometry::variants::Zone>> {
    use crate::geometry::variants::Zone;
    Ok(match &config.zones {
        None => Vec::new(),
        Some(z) => {
            let source = LayerSource {
                path: config.resolve(&z.path),
                layer: z.layer.clone(),
                assume_crs: z.assume_crs.clone(),
            };
            let features = read_polygons_query(&source, None, &z.id_field, &[], &mut |e| Err(e))?
                .into_iter()
                .map(|(f, _)| Feature {
                    id: f.fid,
                    holder: f.holder,
                    geometry: f.geometry,
                })
                .collect();
            let options = Options {
                shift,
                repair: config.parameters.repair,
                max_edge_m,
                max_added_points: None,
                stop_at_first: true,
            };
            // Each zone's features checked, dissolved and densified as a
            // snapshot's holder's are.
            let built =
                holdings::holdings(features, &options, &format!("zones '{}'", z.path.display()))?;
            if let Some(p) = built.first_fatal() {
                return Err(Error::BadFeature {
                    path: source.path.clone(),
                    layer: layer_name(&source),
                    feature: p.feature,
                    reason: format!("zone '{}': {}", p.holder, p.problem.message),
                });
            }
            built
                .holdings
                .into_iter()
                .map(|h| Zone {
                    id: h.state,
                    geometry: h.geometry,
                })
                .collect()
        }
    })
}

/// The readings of the analysis file (`[[variant]]`), the base first,
/// checked against the zones and the snapshots' holders and years; none
/// without `[[variant]]` tables.
fn load_readings(
    config: &Config,
    snapshots: &[Snapshot],
    zones: &[crate::geometry::variants::Zone],
) -> Result<Vec<crate::geometry::variants::Reading>> {
    use crate::geometry::variants::{Assignment, Reading};
    if config.variants.is_empty() {
        return Ok(Vec::new());
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
            // Checked here as well as in the file: with `every_change` the
            // snapshots are known only now.
            if let Some(year) = a
                .years
                .iter()
                .find(|y| !snapshots.iter().any(|s| s.year.year == **y))
            {
                let known: Vec<String> = snapshots.iter().map(|s| s.year.label()).collect();
                return Err(fail(
                    &at,
                    &year.to_string(),
                    format!(
                        "variant '{}' assigns zone '{}' in {year}, which is not a snapshot; the snapshots are {}",
                        v.name,
                        a.zone,
                        known.join(", ")
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
    Ok(readings)
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
        for f in lines_on_the_globe(&source, &field)? {
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
