//! Features → holdings: the one definition of what happens to a snapshot's
//! polygon features before the analysis, shared by `load` (which stops at
//! the first feature it refuses), `validate` (which lists every problem)
//! and the fuzz target. In order:
//!
//! 1. shift to 0–360° longitude when the data crosses the antimeridian
//!    (decided on every snapshot at once: [`super::antimeridian::shift_for`]);
//! 2. repair, when asked ([`super::validity::repair_geometry`]);
//! 3. check ([`super::validity::geometry_problems`]): a feature with a
//!    fatal problem is refused;
//! 4. dissolve each holder's features into one multipolygon;
//! 5. densify every edge longer than `max_edge_m` along the geodesic, so
//!    that the lon/lat overlay and the geodesic measurement describe the
//!    same lines.

use std::collections::BTreeMap;

use geo::{BoundingRect, MultiPolygon, Rect};

use super::antimeridian::unwrap_polygons;
use super::validity::{geometry_problems, repair_geometry, GeometryProblem};
use crate::error::Result;
use crate::geometry::geodesy;
use crate::model::Holding;

/// One polygon feature as read: its id, holder and geometry (longitude/
/// latitude on WGS84, rings oriented the OGC way).
#[derive(Debug, Clone)]
pub struct Feature {
    /// The feature id (GDAL's fid).
    pub id: u64,
    /// The holder, as the holder field names it (after the analysis file's
    /// `[holders]` identities).
    pub holder: String,
    /// The geometry.
    pub geometry: MultiPolygon<f64>,
}

/// How features become holdings.
#[derive(Debug, Clone)]
pub struct Options {
    /// Shift longitudes to 0–360° (see [`super::antimeridian::shift_for`]).
    pub shift: bool,
    /// Make the safe repairs of [`repair_geometry`] before checking.
    pub repair: bool,
    /// Longest edge after densifying, metres (`densify_km` × 1000).
    pub max_edge_m: f64,
    /// At most about this many points added per holding by densifying (the
    /// edge length is raised to perimeter / this): `None` in a run; the
    /// fuzz target sets it so that one case stays fast.
    pub max_added_points: Option<f64>,
    /// Stop at the first feature with a fatal problem (`run`), or go on
    /// without it to list them all (`validate`).
    pub stop_at_first: bool,
}

/// A problem of one feature.
#[derive(Debug, Clone)]
pub struct FeatureProblem {
    /// The feature id.
    pub feature: u64,
    /// Its holder.
    pub holder: String,
    /// What is wrong.
    pub problem: GeometryProblem,
}

/// One change a repair made to a feature.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRepair {
    /// The feature id.
    pub feature: u64,
    /// What was changed, and where.
    pub change: String,
}

/// A snapshot's holdings and what was found on the way.
#[derive(Debug, Clone, Default)]
pub struct Holdings {
    /// One holding per holder, sorted by holder; features with a fatal
    /// problem left out.
    pub holdings: Vec<Holding>,
    /// What the repairs changed, in feature order.
    pub repairs: Vec<FeatureRepair>,
    /// Every problem found, in feature order (fatal ones first within a
    /// feature); with `stop_at_first`, up to the first fatal one.
    pub problems: Vec<FeatureProblem>,
    /// The features left out for a fatal problem: id, holder and box.
    pub left_out: Vec<(u64, String, Option<Rect<f64>>)>,
    /// Edges that cross another ring of their holding once densified
    /// along the geodesic (see [`super::bowed`]), with their holder.
    pub bowed: Vec<(String, super::bowed::BowedEdge)>,
}

impl Holdings {
    /// The first fatal problem, if any.
    pub fn first_fatal(&self) -> Option<&FeatureProblem> {
        self.problems.iter().find(|p| p.problem.fatal)
    }
}

/// Features → holdings, as the module documentation says. `label` names
/// the snapshot in messages about a fault in a dependency (`'a.shp' (1858)`).
pub fn holdings(features: Vec<Feature>, options: &Options, label: &str) -> Result<Holdings> {
    let mut out = Holdings::default();
    let mut by_holder: BTreeMap<String, Vec<MultiPolygon<f64>>> = BTreeMap::new();
    for f in features {
        let mut geometry = if options.shift {
            unwrap_polygons(&f.geometry)
        } else {
            f.geometry
        };
        if options.repair {
            let (fixed, changes) = repair_geometry(&geometry);
            if !changes.is_empty() {
                out.repairs
                    .extend(changes.into_iter().map(|change| FeatureRepair {
                        feature: f.id,
                        change,
                    }));
                if fixed.0.is_empty() {
                    continue;
                }
                geometry = fixed;
            }
        }
        let found = geometry_problems(&geometry);
        let fatal = found.iter().any(|p| p.fatal);
        out.problems
            .extend(found.into_iter().map(|problem| FeatureProblem {
                feature: f.id,
                holder: f.holder.clone(),
                problem,
            }));
        if fatal {
            out.left_out
                .push((f.id, f.holder, geometry.bounding_rect()));
            if options.stop_at_first {
                return Ok(out);
            }
            continue;
        }
        by_holder.entry(f.holder).or_default().push(geometry);
    }
    for (state, mut parts) in by_holder {
        let merged = if parts.len() == 1 {
            parts.pop().unwrap_or_else(|| MultiPolygon::new(vec![]))
        } else {
            crate::support::guard::catching(
                || format!("dissolving the features of '{state}' in {label}"),
                || super::overlay::clip::union(&parts.iter().collect::<Vec<_>>()),
            )?
        };
        let max_edge_m = match options.max_added_points {
            Some(points) => {
                let perimeter_m = perimeter_m(&merged);
                if perimeter_m.is_finite() {
                    options.max_edge_m.max(perimeter_m / points)
                } else {
                    options.max_edge_m
                }
            }
            None => options.max_edge_m,
        };
        let mut geometry = crate::support::guard::catching(
            || format!("densifying the land of '{state}' in {label}"),
            || geodesy::densify(merged.clone(), max_edge_m),
        )?;
        out.bowed.extend(
            super::bowed::bowed_edges(&merged, &geometry)
                .into_iter()
                .map(|b| (state.clone(), b)),
        );
        if options.shift {
            // Points on geodesics across 180° come back as negative
            // longitudes.
            geometry = unwrap_polygons(&geometry);
        }
        out.holdings.push(Holding { state, geometry });
    }
    Ok(out)
}

/// The geodesic length of every ring, metres.
fn perimeter_m(geometry: &MultiPolygon<f64>) -> f64 {
    use geo::{Geodesic, Length};
    geometry
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| Geodesic.length(r))
        .sum()
}
