//! From the analysis file to plain data: reads every layer through
//! [`crate::io`], checks the geometry, dissolves features by holder,
//! densifies, and checks that the references name holders that exist.

use std::collections::BTreeMap;

use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{unary_union, Coord, CoordsIter, Line, LineString, MultiLineString, MultiPolygon};
use rstar::primitives::{GeomWithData, Line as RLine};
use rstar::{RTree, AABB};

use crate::config::{Config, SnapshotSource};
use crate::error::{Error, Result};
use crate::geodesy;
use crate::io::read::{read_lines, read_polygons, LayerSource, PolygonFeature};
use crate::model::{Holding, River, Snapshot};

/// The inputs of an analysis, read and checked.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Snapshots sorted by year.
    pub snapshots: Vec<Snapshot>,
    /// Rivers sorted by name (empty when the config names no rivers layer).
    pub rivers: Vec<River>,
}

impl Inputs {
    /// The longitude/latitude box (west, south, east, north) of every
    /// snapshot; the whole globe when there is no geometry.
    pub fn study_box(&self) -> (f64, f64, f64, f64) {
        use geo::BoundingRect;
        let mut b = (180.0_f64, 90.0_f64, -180.0_f64, -90.0_f64);
        for h in self.snapshots.iter().flat_map(|s| &s.holdings) {
            if let Some(r) = h.geometry.bounding_rect() {
                b = (
                    b.0.min(r.min().x),
                    b.1.min(r.min().y),
                    b.2.max(r.max().x),
                    b.3.max(r.max().y),
                );
            }
        }
        if b.0 > b.2 {
            (-180.0, -90.0, 180.0, 90.0)
        } else {
            b
        }
    }
}

/// Reads everything the config names.
pub fn load(config: &Config) -> Result<Inputs> {
    let mut sources: Vec<&SnapshotSource> = config.snapshots.iter().collect();
    sources.sort_by_key(|s| s.year);
    let max_edge_m = config.parameters.densify_km * 1_000.0;
    // Snapshots are read on as many cores as there are (one GDAL dataset
    // per thread); the first error in year order is the one reported.
    let snapshots = crate::parallel::map(&sources, |s| read_snapshot(config, s, max_edge_m))
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let rivers = match &config.rivers {
        Some(r) => {
            let source = LayerSource {
                path: config.resolve(&r.path),
                layer: r.layer.clone(),
                assume_crs: r.assume_crs.clone(),
            };
            let mut by_name: BTreeMap<String, Vec<_>> = BTreeMap::new();
            for f in read_lines(&source, &r.name_field)? {
                by_name.entry(f.name).or_default().extend(f.geometry.0);
            }
            by_name
                .into_iter()
                .map(|(name, lines)| River {
                    name,
                    geometry: MultiLineString::new(lines),
                })
                .collect()
        }
        None => Vec::new(),
    };
    check_reference_holders(config, &snapshots)?;
    Ok(Inputs { snapshots, rivers })
}

fn read_snapshot(config: &Config, s: &SnapshotSource, max_edge_m: f64) -> Result<Snapshot> {
    let source = LayerSource {
        path: config.resolve(&s.path),
        layer: s.layer.clone(),
        assume_crs: s.assume_crs.clone(),
    };
    let features = read_polygons(&source, config.holder_field(s))?;
    let mut by_holder: BTreeMap<String, Vec<MultiPolygon<f64>>> = BTreeMap::new();
    for f in features {
        check_geometry(&source, &f)?;
        by_holder.entry(f.holder).or_default().push(f.geometry);
    }
    let holdings = by_holder
        .into_iter()
        .map(|(state, mut parts)| {
            let merged = if parts.len() == 1 {
                parts.pop().unwrap_or_else(|| MultiPolygon::new(vec![]))
            } else {
                unary_union(parts.iter())
            };
            Holding {
                state,
                geometry: geodesy::densify(&merged, max_edge_m),
            }
        })
        .collect();
    Ok(Snapshot {
        year: s.year,
        treaty: s.treaty.clone(),
        holdings,
    })
}

/// Coordinates must be finite lon/lat and polygons valid (OGC rules as `geo`
/// checks them): an overlay of invalid polygons gives meaningless areas.
fn check_geometry(source: &LayerSource, f: &PolygonFeature) -> Result<()> {
    let Some(problem) = geometry_problems(&f.geometry).into_iter().find(|p| p.fatal) else {
        return Ok(());
    };
    let layer = source.layer.clone().unwrap_or_else(|| {
        source
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    Err(Error::BadFeature {
        path: source.path.clone(),
        layer,
        feature: f.fid,
        reason: problem.message,
    })
}

/// What is wrong with one polygon feature's geometry, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct GeometryProblem {
    /// A short name: `coordinate`, `too-few-points`, `unclosed-ring`,
    /// `zero-area-ring`, `self-intersection`, `repeated-points`.
    pub kind: &'static str,
    /// The message, naming the point where there is one.
    pub message: String,
    /// Where (longitude, latitude), when a point can be named.
    pub at: Option<Coord<f64>>,
    /// True when the run refuses the feature (repeated points are only
    /// reported).
    pub fatal: bool,
}

/// Every problem of a polygon geometry: coordinates that are not finite
/// longitude/latitude, rings with fewer than three distinct points, unclosed
/// rings, rings enclosing no area, self-intersections (bow-ties included),
/// and repeated consecutive points. Fatal problems come first.
pub fn geometry_problems(geometry: &MultiPolygon<f64>) -> Vec<GeometryProblem> {
    let mut out = Vec::new();
    let in_range = |c: Coord<f64>| (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y);
    if let Some(c) = geometry.coords_iter().find(|c| !in_range(*c)) {
        out.push(GeometryProblem {
            kind: "coordinate",
            message: format!(
                "coordinate ({}, {}) is not a longitude/latitude on WGS84",
                c.x, c.y
            ),
            at: None,
            fatal: true,
        });
        return out;
    }
    let mut repeated = Vec::new();
    for polygon in &geometry.0 {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
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
            let mut distinct: Vec<Coord<f64>> = points.clone();
            distinct.dedup();
            if distinct.len() < points.len() {
                if let Some(w) = points.windows(2).find(|w| w[0] == w[1]) {
                    repeated.push(w[0]);
                }
            }
            if distinct.len() < 4 {
                out.push(GeometryProblem {
                    kind: "too-few-points",
                    message: "invalid polygon: a ring has fewer than 3 distinct points".into(),
                    at: first,
                    fatal: true,
                });
                continue;
            }
            // A bow-tie encloses zero signed area: name the crossing first.
            if let Some(c) = ring_self_intersection(ring) {
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
            if geo::Area::unsigned_area(&geo::Polygon::new(ring.clone(), vec![])) == 0.0 {
                out.push(GeometryProblem {
                    kind: "zero-area-ring",
                    message: "invalid polygon: a ring encloses no area".into(),
                    at: first,
                    fatal: true,
                });
                continue;
            }
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

/// A point where two non-adjacent edges of a closed ring meet, if any.
fn ring_self_intersection(ring: &LineString<f64>) -> Option<Coord<f64>> {
    let edges: Vec<Line<f64>> = ring.lines().filter(|l| l.start != l.end).collect();
    let n = edges.len();
    let tree = RTree::bulk_load(
        edges
            .iter()
            .enumerate()
            .map(|(i, l)| {
                GeomWithData::new(RLine::new([l.start.x, l.start.y], [l.end.x, l.end.y]), i)
            })
            .collect(),
    );
    for (i, a) in edges.iter().enumerate() {
        let envelope = AABB::from_corners(
            [a.start.x.min(a.end.x), a.start.y.min(a.end.y)],
            [a.start.x.max(a.end.x), a.start.y.max(a.end.y)],
        );
        for cand in tree.locate_in_envelope_intersecting(&envelope) {
            let j = cand.data;
            // Each pair once; neighbours share an end point by construction.
            if j <= i || j == i + 1 || (i == 0 && j == n - 1) {
                continue;
            }
            match line_intersection(*a, edges[j]) {
                Some(LineIntersection::SinglePoint { intersection, .. }) => {
                    return Some(intersection)
                }
                Some(LineIntersection::Collinear { intersection }) => {
                    return Some(intersection.start)
                }
                None => {}
            }
        }
    }
    None
}

fn check_reference_holders(config: &Config, snapshots: &[Snapshot]) -> Result<()> {
    for r in &config.references {
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
                            .position(&format!("id = \"{}\"", r.id), &format!("\"{holder}\""));
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
