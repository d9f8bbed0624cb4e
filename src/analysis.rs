//! The analysis proper, on data already read: areas per holder, transfers
//! between consecutive snapshots with the balance of every holder, boundary
//! stretches; the reference checks are `checks`, run on the result. No file
//! is touched here.

use std::collections::BTreeMap;

use geo::{CoordsIter, MultiPolygon};
use serde::Serialize;

use crate::config::{Config, Quantity, Role};
use crate::date::When;
use crate::error::Result;
use crate::geometry::boundary::{self, BoundaryParams};
use crate::geometry::geodesy;
use crate::geometry::overlay::clip;
use crate::geometry::overlay::intersections::Intersections;
use crate::geometry::overlay::{self, Dropped};
use crate::io::projection::EqualArea;
use crate::model::{Holding, River, Snapshot, Stretch, Transfer};
use crate::support::guard;
use crate::support::parallel;

/// One holder's area in one snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct AreaRow {
    /// Snapshot year (and day, where known): `year` and `date` in JSON.
    #[serde(flatten)]
    pub year: When,
    /// The snapshot's treaty.
    pub treaty: String,
    /// Holder.
    pub state: String,
    /// Geodesic area on WGS84, km².
    pub area_km2: f64,
    /// Area in the equal-area projection, km².
    pub area_ea_km2: f64,
    /// (area_ea_km2 − area_km2) / area_km2.
    pub ea_rel_diff: f64,
}

/// The study region of one snapshot: the union of its holdings.
#[derive(Debug, Clone, Serialize)]
pub struct RegionRow {
    /// Snapshot year (and day, where known): `year` and `date` in JSON.
    #[serde(flatten)]
    pub year: When,
    /// Geodesic area of the union of all holdings, km².
    pub area_km2: f64,
    /// Sum of the holders' areas, km² (larger than `area_km2` where holders
    /// overlap).
    pub holders_sum_km2: f64,
    /// (holders_sum_km2 − area_km2) / area_km2.
    pub overlap_rel: f64,
    /// (area_km2 − first snapshot's area_km2) / first snapshot's area_km2.
    pub rel_to_first: f64,
}

/// One holder's balance across one treaty step.
#[derive(Debug, Clone, Serialize)]
pub struct Balance {
    /// Holder (held land before, after, or both).
    pub state: String,
    /// Area before, km².
    pub before_km2: f64,
    /// Area passed to other holders, km² (slivers included).
    pub outgoing_km2: f64,
    /// Area received from other holders, km² (slivers included).
    pub incoming_km2: f64,
    /// Area after, km².
    pub after_km2: f64,
    /// (before − outgoing + incoming − after) / max(before, after).
    pub rel_error: f64,
}

/// One step from a snapshot to the next.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The earlier snapshot's year (and day, where known; the year alone
    /// in JSON).
    #[serde(serialize_with = "crate::date::serialize_year")]
    pub from_year: When,
    /// The later snapshot's year (and day, where known; the year alone in
    /// JSON).
    #[serde(serialize_with = "crate::date::serialize_year")]
    pub to_year: When,
    /// The treaty that made the later snapshot.
    pub treaty: String,
    /// Pieces below the sliver threshold.
    pub dropped: Dropped,
    /// Each holder's balance.
    pub balances: Vec<Balance>,
}

/// A boundary stretch and the snapshot it belongs to.
#[derive(Debug, Clone)]
pub struct YearStretch {
    /// Snapshot year (and day, where known).
    pub year: When,
    /// The stretch.
    pub stretch: Stretch,
}

/// Everything computed by one run.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Areas per holder per snapshot, by year then holder.
    pub areas: Vec<AreaRow>,
    /// Study region per snapshot.
    pub regions: Vec<RegionRow>,
    /// Transfers above the sliver threshold, by step, from, to.
    pub transfers: Vec<Transfer>,
    /// Treaty steps with slivers and balances.
    pub steps: Vec<Step>,
    /// Boundary stretches, by year then holder pair then position.
    pub stretches: Vec<YearStretch>,
    /// References compared with computed values: empty from [`analyse`],
    /// filled by [`crate::checks::evaluate`] (as a run does).
    pub checks: Vec<Check>,
    /// What the user must see: one sentence each, naming what and where
    /// (`run` prints them on stderr; the reports list them).
    pub warnings: Vec<String>,
    /// Wall-clock seconds per stage, for `--timings` and the benchmark; never
    /// written to an output file (outputs must not change between runs).
    pub timings: Vec<(&'static str, f64)>,
}

impl Analysis {
    /// True when no `check` reference disagrees.
    pub fn checks_pass(&self) -> bool {
        !self.checks.iter().any(Check::fails)
    }
}

/// One reference compared with the computed value.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The reference's id.
    pub id: String,
    /// The quantity compared.
    pub quantity: Quantity,
    /// `km2` or `km`.
    pub unit: &'static str,
    /// What the analysis computed.
    pub computed: f64,
    /// The published figure.
    pub expected: f64,
    /// (computed − expected) / expected.
    pub rel_diff: f64,
    /// Allowed |rel_diff|.
    pub tolerance: f64,
    /// |rel_diff| ≤ tolerance.
    pub agrees: bool,
    /// Whether a disagreement fails the run.
    pub role: Role,
    /// Where the figure is published.
    pub source: String,
    /// The reference's note.
    pub note: String,
}

impl Check {
    /// A `check` reference that disagrees: the run exits with code 1.
    pub fn fails(&self) -> bool {
        self.role == Role::Check && !self.agrees
    }
}

/// Runs the analysis on snapshots sorted by year, each with holdings
/// densified as the config says (see [`crate::load`](mod@crate::load)).
pub fn analyse(config: &Config, snapshots: &[Snapshot], rivers: &[River]) -> Result<Analysis> {
    let params = &config.parameters;
    let study_box = crate::model::extent(snapshots.iter().flat_map(|s| &s.holdings))
        .map_or((-180.0, -90.0, 180.0, 90.0), |r| {
            (r.min().x, r.min().y, r.max().x, r.max().y)
        });
    let equal_area_crs =
        crate::io::projection::resolve_equal_area(&params.equal_area_crs, study_box);
    // Fail early, on one thread, if the CRS is not usable or does not
    // preserve area where the data lie.
    let first = snapshots.first().map(|s| s.holdings.as_slice());
    if let Some(extent) = first.and_then(crate::model::extent) {
        EqualArea::new(&equal_area_crs)?.check_preserves_area(extent.center())?;
    }
    let boundary_params = BoundaryParams {
        river_distance_km: params.river_distance_km,
        min_run_km: params.min_river_run_km,
    };

    // Snapshots are independent of each other, and every (step, from
    // holder, to holder) overlay is independent too: one list of both keeps
    // both cores busy, the costliest first, so the measuring of snapshots
    // fills the time beside the longest overlays.
    let clock = std::time::Instant::now();
    let steps_in: Vec<(&Snapshot, &Snapshot)> =
        snapshots.windows(2).map(|w| (&w[0], &w[1])).collect();
    let jobs: Vec<Job> = snapshots
        .iter()
        .map(Job::Measure)
        .chain(
            steps_in
                .iter()
                .enumerate()
                .flat_map(|(i, (earlier, later))| {
                    overlay::pairs(earlier, later)
                        .into_iter()
                        .map(move |(before, after)| Job::Overlay(i, before, after))
                }),
        )
        .collect();
    let cost = |job: &Job| match job {
        Job::Measure(s) => s.holdings.iter().map(|h| h.geometry.coords_count()).sum(),
        Job::Overlay(_, before, after) => {
            before.geometry.coords_count() + after.geometry.coords_count()
        }
    };
    // Snapshots and pieces repeat many polygons vertex for vertex: each is
    // measured once; and holders repeat whole, so some overlays do too.
    let vertices = snapshots
        .iter()
        .flat_map(|s| &s.holdings)
        .map(|h| h.geometry.coords_count())
        .sum();
    let areas = geodesy::AreaCache::for_input(vertices);
    let overlays = Intersections::plan(
        snapshots,
        jobs.iter().filter_map(|job| match job {
            Job::Overlay(_, before, after) => Some((*before, *after)),
            Job::Measure(_) => None,
        }),
    );
    let done = parallel::map_costliest_first(&jobs, cost, |job| match job {
        Job::Measure(snapshot) => Done::Measured(EqualArea::with(&equal_area_crs, |ea| {
            measure_snapshot(snapshot, ea, &areas, &overlays, rivers, &boundary_params)
        })),
        Job::Overlay(i, before, after) => {
            let (earlier, later) = steps_in[*i];
            Done::Overlaid(
                transfer_piece(
                    earlier,
                    later,
                    before,
                    after,
                    &equal_area_crs,
                    &areas,
                    &overlays,
                )
                .map(|t| t.map(|t| (*i, t))),
            )
        }
    });
    let measured_seconds = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let mut per_snapshot = Vec::new();
    let mut pieces = Vec::new();
    for d in done {
        match d {
            Done::Measured(r) => per_snapshot.push(r),
            Done::Overlaid(r) => pieces.push(r),
        }
    }
    let mut per_step_pieces: Vec<Vec<Transfer>> = steps_in.iter().map(|_| Vec::new()).collect();
    for piece in pieces {
        if let Some((i, t)) = piece? {
            per_step_pieces[i].push(t);
        }
    }
    let mut areas = Vec::new();
    let mut regions = Vec::new();
    let mut stretches = Vec::new();
    for result in per_snapshot {
        let r = result?;
        areas.extend(r.areas);
        regions.push(r.region);
        stretches.extend(r.stretches);
    }
    // Each holder's geodesic area, measured once per snapshot above.
    let mut areas_of: BTreeMap<When, BTreeMap<String, f64>> = BTreeMap::new();
    for row in &areas {
        *areas_of
            .entry(row.year)
            .or_default()
            .entry(row.state.clone())
            .or_default() += row.area_km2;
    }
    let no_areas = BTreeMap::new();
    let areas_in = |year: When| areas_of.get(&year).unwrap_or(&no_areas);
    let per_step: Vec<(Vec<Transfer>, Step)> = steps_in
        .iter()
        .zip(per_step_pieces)
        .map(|((earlier, later), pieces)| {
            let balances = balances(areas_in(earlier.year), areas_in(later.year), &pieces);
            let (kept, dropped) = overlay::split_slivers(pieces, params.sliver_km2);
            let step = Step {
                from_year: earlier.year,
                to_year: later.year,
                treaty: later.treaty.clone(),
                dropped,
                balances,
            };
            (kept, step)
        })
        .collect();
    let balances_seconds = clock.elapsed().as_secs_f64();

    if let Some(first) = regions.first().map(|r| r.area_km2) {
        for r in &mut regions {
            r.rel_to_first = relative(r.area_km2 - first, first);
        }
    }
    let mut transfers = Vec::new();
    let mut steps = Vec::new();
    for (kept, step) in per_step {
        transfers.extend(kept);
        steps.push(step);
    }

    let mut analysis = Analysis {
        areas,
        regions,
        transfers,
        steps,
        stretches,
        checks: Vec::new(),
        warnings: Vec::new(),
        timings: vec![
            ("areas, boundaries and transfers", measured_seconds),
            ("balances", balances_seconds),
        ],
    };
    analysis.warnings = consistency_warnings(&analysis, &equal_area_crs);
    Ok(analysis)
}

/// A holder's balance (before − outgoing + incoming − after, relative to
/// the larger of before and after) off by more than this is a warning:
/// exact overlays leave parts in 10⁹ of rounding.
pub const BALANCE_TOLERANCE: f64 = 1e-6;

/// An area whose equal-area cross-check differs from the geodesic area by
/// more than this (relative) is a warning: on geometry densified to
/// `densify_km` the two agree to about 1e-8.
pub const EQUAL_AREA_TOLERANCE: f64 = 1e-5;

/// The checks that must hold whatever the data: every holder's balance,
/// and every area against its equal-area cross-check.
fn consistency_warnings(analysis: &Analysis, equal_area_crs: &str) -> Vec<String> {
    let mut out = Vec::new();
    for s in &analysis.steps {
        for b in &s.balances {
            if b.rel_error.abs() > BALANCE_TOLERANCE || b.rel_error.is_nan() {
                out.push(format!(
                    "the balance of '{}' from {} to {} ({}) is off by {:.2e} of its area (before {:.3} km² − given {:.3} + received {:.3} − after {:.3}); the overlay lost or gained land there",
                    b.state, s.from_year, s.to_year, s.treaty, b.rel_error,
                    b.before_km2, b.outgoing_km2, b.incoming_km2, b.after_km2
                ));
            }
        }
    }
    let ea = |what: String, km2: f64, ea_km2: f64, out: &mut Vec<String>| {
        let rel = relative(ea_km2 - km2, km2);
        if rel.abs() > EQUAL_AREA_TOLERANCE || rel.is_nan() {
            out.push(format!(
                "the equal-area cross-check of {what} differs by {rel:.2e}: {km2:.3} km² geodesic, {ea_km2:.3} km² in '{equal_area_crs}'"
            ));
        }
    };
    for a in &analysis.areas {
        ea(
            format!("'{}' in {}", a.state, a.year),
            a.area_km2,
            a.area_ea_km2,
            &mut out,
        );
    }
    for t in &analysis.transfers {
        ea(
            format!(
                "the transfer from '{}' to '{}' ({}→{})",
                t.from_state, t.to_state, t.from_year, t.to_year
            ),
            t.area_km2,
            t.area_ea_km2,
            &mut out,
        );
    }
    out
}

/// The land of `before` (in `earlier`) that `after` holds in `later`, with
/// its equal-area cross-check; `None` when they do not meet.
fn transfer_piece(
    earlier: &Snapshot,
    later: &Snapshot,
    before: &Holding,
    after: &Holding,
    equal_area_crs: &str,
    areas: &geodesy::AreaCache,
    overlays: &Intersections,
) -> Result<Option<Transfer>> {
    let piece = guard::catching(
        || {
            format!(
                "intersecting '{}' of {} with '{}' of {}",
                before.state, earlier.year, after.state, later.year
            )
        },
        || {
            let piece = overlays.of(before, after);
            overlay::transfer(earlier, later, before, after, piece, areas)
        },
    )?;
    let Some(mut t) = piece else {
        return Ok(None);
    };
    t.area_ea_km2 = EqualArea::with(equal_area_crs, |ea| {
        areas.equal_area_km2(&t.geometry, |p, shared| ea.polygon_m2(p, shared))
    })?;
    Ok(Some(t))
}

/// One unit of the analysis's parallel work.
enum Job<'a> {
    /// Areas, study region and boundaries of one snapshot.
    Measure(&'a Snapshot),
    /// The land of holder `.1` in step `.0`'s earlier snapshot that holder
    /// `.2` has in its later one.
    Overlay(usize, &'a Holding, &'a Holding),
}

/// A [`Job`]'s result.
enum Done {
    Measured(Result<SnapshotResult>),
    Overlaid(Result<Option<(usize, Transfer)>>),
}

/// What one snapshot contributes on its own.
struct SnapshotResult {
    areas: Vec<AreaRow>,
    region: RegionRow,
    stretches: Vec<YearStretch>,
}

fn measure_snapshot(
    snapshot: &Snapshot,
    equal_area: &EqualArea,
    area_cache: &geodesy::AreaCache,
    overlays: &Intersections,
    rivers: &[River],
    boundary_params: &BoundaryParams,
) -> Result<SnapshotResult> {
    let mut areas = Vec::new();
    let mut holders_sum_km2 = 0.0;
    for h in &snapshot.holdings {
        let area_km2 = area_cache.area_km2(&h.geometry);
        let area_ea_km2 =
            area_cache.equal_area_km2(&h.geometry, |p, shared| equal_area.polygon_m2(p, shared))?;
        holders_sum_km2 += area_km2;
        areas.push(AreaRow {
            year: snapshot.year,
            treaty: snapshot.treaty.clone(),
            state: h.state.clone(),
            area_km2,
            area_ea_km2,
            ea_rel_diff: relative(area_ea_km2 - area_km2, area_km2),
        });
    }
    let parts: Vec<&MultiPolygon<f64>> = snapshot.holdings.iter().map(|h| &h.geometry).collect();
    let what = |doing: &str| {
        let holders: Vec<&str> = snapshot.holdings.iter().map(|h| h.state.as_str()).collect();
        format!(
            "{doing} of the {} snapshot ({})",
            snapshot.year,
            holders.join(", ")
        )
    };
    let holdings = &snapshot.holdings;
    let overlap = guard::catching(
        || what("overlaying the holders"),
        || overlap_km2_with(&parts, |i, j| overlays.of(&holdings[i], &holdings[j])),
    )?;
    let area_km2 = holders_sum_km2 - overlap;
    let region = RegionRow {
        year: snapshot.year,
        area_km2,
        holders_sum_km2,
        overlap_rel: relative(holders_sum_km2 - area_km2, area_km2),
        rel_to_first: 0.0,
    };
    let stretches = guard::catching(
        || what("tracing the boundaries"),
        || boundary::stretches(&snapshot.holdings, rivers, boundary_params),
    )?
    .into_iter()
    .map(|stretch| YearStretch {
        year: snapshot.year,
        stretch,
    })
    .collect();
    Ok(SnapshotResult {
        areas,
        region,
        stretches,
    })
}

/// Each holder's area before and after (geodesic, km², by holder), and what
/// it gave and received.
fn balances(
    earlier: &BTreeMap<String, f64>,
    later: &BTreeMap<String, f64>,
    pieces: &[Transfer],
) -> Vec<Balance> {
    let mut states: Vec<&str> = earlier
        .keys()
        .chain(later.keys())
        .map(String::as_str)
        .collect();
    states.sort_unstable();
    states.dedup();
    states
        .into_iter()
        .map(|state| {
            let before_km2 = earlier.get(state).copied().unwrap_or(0.0);
            let after_km2 = later.get(state).copied().unwrap_or(0.0);
            let outgoing_km2: f64 = pieces
                .iter()
                .filter(|t| t.from_state == state)
                .map(|t| t.area_km2)
                .sum();
            let incoming_km2: f64 = pieces
                .iter()
                .filter(|t| t.to_state == state)
                .map(|t| t.area_km2)
                .sum();
            let residual = before_km2 - outgoing_km2 + incoming_km2 - after_km2;
            Balance {
                state: state.to_owned(),
                before_km2,
                outgoing_km2,
                incoming_km2,
                after_km2,
                rel_error: relative(residual, before_km2.max(after_km2)),
            }
        })
        .collect()
}

/// How much the holders' areas, summed, exceed the area of their union:
/// the land claimed twice, by inclusion–exclusion (Σ pairs − Σ triples + …).
/// Each intersection is overlaid on operands clipped to where they can meet
/// (see [`clip::intersection`]), so a clean partition, whose holders only
/// touch, costs a few small overlays instead of one of the whole snapshot.
#[cfg(test)]
fn overlap_km2(parts: &[&MultiPolygon<f64>]) -> f64 {
    overlap_km2_with(parts, |i, j| clip::intersection(parts[i], parts[j]))
}

/// [`overlap_km2`], with the intersection of parts `i` and `j` made by
/// `pair`.
fn overlap_km2_with(
    parts: &[&MultiPolygon<f64>],
    pair: impl Fn(usize, usize) -> MultiPolygon<f64>,
) -> f64 {
    /// `sign` × the area of `piece` (the intersection of parts up to
    /// `last`), plus the alternating sum over its intersections with later parts.
    fn deeper(
        piece: &MultiPolygon<f64>,
        last: usize,
        parts: &[&MultiPolygon<f64>],
        sign: f64,
    ) -> f64 {
        let mut sum = sign * geodesy::area_km2(piece);
        for (k, part) in parts.iter().enumerate().skip(last + 1) {
            let next = clip::intersection(piece, part);
            if !next.0.is_empty() {
                sum += deeper(&next, k, parts, -sign);
            }
        }
        sum
    }
    let mut sum = 0.0;
    for i in 0..parts.len() {
        for j in i + 1..parts.len() {
            let both = pair(i, j);
            if !both.0.is_empty() {
                sum += deeper(&both, j, parts, 1.0);
            }
        }
    }
    sum
}

fn relative(difference: f64, base: f64) -> f64 {
    if base == 0.0 {
        if difference == 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        difference / base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, unary_union};

    fn cell(x: f64, y: f64, w: f64) -> MultiPolygon<f64> {
        let p = polygon![
            (x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + w), (x: x, y: y + w),
        ];
        geodesy::densify(MultiPolygon::new(vec![p]), geodesy::DENSIFY_MAX_EDGE_M)
    }

    /// Three holders claiming land pairwise and all three at once: the sum
    /// less the inclusion–exclusion overlap is the area of their union.
    #[test]
    fn overlap_by_inclusion_exclusion_matches_the_union() {
        let parts = [
            cell(120.0, 50.0, 1.0),
            cell(120.5, 50.0, 1.0),
            cell(120.25, 50.5, 1.0),
        ];
        let refs: Vec<&MultiPolygon<f64>> = parts.iter().collect();
        let sum: f64 = parts.iter().map(geodesy::area_km2).sum();
        let union: MultiPolygon<f64> = unary_union(parts.iter());
        let expected = sum - geodesy::area_km2(&union);
        assert!(expected > 1_000.0, "the cells do overlap: {expected}");
        let got = overlap_km2(&refs);
        assert!(
            (got - expected).abs() / expected < 1e-7,
            "{got} vs {expected}"
        );
        // Holders that only touch claim nothing twice.
        let touching = [cell(120.0, 50.0, 1.0), cell(121.0, 50.0, 1.0)];
        assert!(overlap_km2(&touching.iter().collect::<Vec<_>>()).abs() < 1e-6);
    }
}
