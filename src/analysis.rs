//! The analysis proper, on data already read: areas per holder, transfers
//! between consecutive snapshots with the balance of every holder, boundary
//! stretches; the reference checks are `checks`, run on the result. No file
//! is touched here.

use std::collections::BTreeMap;

use geo::{CoordsIter, MultiPolygon};
use serde::Serialize;

use crate::config::{Config, Quantity, Role};
use crate::error::Result;
use crate::geometry::boundary::{self, BoundaryParams};
use crate::geometry::geodesy;
use crate::geometry::overlay::clip;
use crate::geometry::overlay::intersections::Intersections;
use crate::geometry::overlay::{self, Dropped};
use crate::geometry::variants::{self, Assignment, Reading, Zone};
use crate::io::projection::EqualArea;
use crate::model::{Holding, River, Snapshot, Stretch, Transfer};
use crate::support::guard;
use crate::support::parallel;

/// One holder's area in one snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct AreaRow {
    /// Snapshot year.
    pub year: i32,
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
    /// Snapshot year.
    pub year: i32,
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
    /// Year of the earlier snapshot.
    pub from_year: i32,
    /// Year of the later snapshot.
    pub to_year: i32,
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
    /// Snapshot year.
    pub year: i32,
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
    /// Every reading, the base first, with its figures (empty when the
    /// analysis file defines no `[[variant]]`).
    pub variants: Vec<VariantResult>,
    /// Wall-clock seconds per stage, for `--timings` and the benchmark; never
    /// written to an output file (outputs must not change between runs).
    pub timings: Vec<(&'static str, f64)>,
}

/// One reading's figures.
#[derive(Debug, Clone)]
pub struct VariantResult {
    /// The variant's name.
    pub name: String,
    /// What the reading is.
    pub title: String,
    /// Who reads the treaty this way.
    pub source: String,
    /// The zones it gives to other holders (none for the base).
    pub assignments: Vec<Assignment>,
    /// Its areas, transfers, balances and boundaries; `None` for the base,
    /// whose figures are the analysis's own.
    pub figures: Option<Box<Analysis>>,
    /// The snapshots it changes, as it has them (sorted by year).
    pub changed: Vec<Snapshot>,
}

impl VariantResult {
    /// True when this variant changes the snapshot of `year`.
    pub fn changes(&self, year: i32) -> bool {
        self.changed.iter().any(|s| s.year == year)
    }
}

impl Analysis {
    /// The figures under the variant `name` (the analysis itself for the
    /// base or an unknown name).
    pub fn under(&self, name: &str) -> &Analysis {
        self.variants
            .iter()
            .find(|v| v.name == name)
            .and_then(|v| v.figures.as_deref())
            .unwrap_or(self)
    }

    /// Each variant's name and figures, the base first; just the analysis,
    /// unnamed, when there are no variants.
    pub fn readings(&self) -> Vec<(Option<&str>, &Analysis)> {
        if self.variants.is_empty() {
            return vec![(None, self)];
        }
        self.variants
            .iter()
            .map(|v| (Some(v.name.as_str()), v.figures.as_deref().unwrap_or(self)))
            .collect()
    }

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
    /// The published lower bound, for a figure given as a range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    /// The published upper bound, for a figure given as a range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    /// The variant whose value is `computed` (the named one that agrees
    /// best); `None` when the analysis has no variants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The value under every variant, the base first (empty when the
    /// analysis has none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub under: Vec<VariantValue>,
}

/// A reference's quantity under one variant.
#[derive(Debug, Clone, Serialize)]
pub struct VariantValue {
    /// The variant.
    pub variant: String,
    /// What the analysis computed under it.
    pub computed: f64,
    /// Relative difference from the published figure (0 inside a range).
    pub rel_diff: f64,
    /// Within the tolerance or the range.
    pub agrees: bool,
    /// Whether the reference names this variant (its definition is this
    /// reading's); the check passes when any named one agrees.
    pub named: bool,
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
    analyse_readings(config, snapshots, rivers, &[], &[], &[])
}

/// As [`analyse`], under every reading: `readings` is the base (the
/// snapshots as drawn) then the variants, or empty for an analysis without
/// variants. Each variant's snapshots are the drawn ones with its zones
/// reassigned (see [`variants::apply`]); a snapshot or a treaty step a
/// variant does not change is computed once for all, and the overlays of
/// holdings it leaves unchanged are shared.
pub fn analyse_readings(
    config: &Config,
    snapshots: &[Snapshot],
    rivers: &[River],
    zones: &[Zone],
    readings: &[Reading],
    uncertain: &[(Vec<geo::Coord<f64>>, f64)],
) -> Result<Analysis> {
    let params = &config.parameters;
    // Fail early, on one thread, if the CRS is not usable or does not
    // preserve area where the data lie.
    let first = snapshots.first().map(|s| s.holdings.as_slice());
    if let Some(extent) = first.and_then(crate::model::extent) {
        EqualArea::new(&params.equal_area_crs)?.check_preserves_area(extent.center())?;
    }
    let boundary_params = BoundaryParams {
        river_distance_km: params.river_distance_km,
        min_run_km: params.min_river_run_km,
    };
    let clock = std::time::Instant::now();

    // Each variant's snapshots: the drawn one where it assigns nothing.
    let mut changed = variant_snapshots(snapshots, zones, readings)?;
    let sets: Vec<Vec<&Snapshot>> = std::iter::once(snapshots.iter().collect())
        .chain(readings.iter().skip(1).enumerate().map(|(r, _)| {
            snapshots
                .iter()
                .enumerate()
                .map(|(i, s)| changed[r][i].as_ref().unwrap_or(s))
                .collect()
        }))
        .collect();
    // Every distinct snapshot and step once.
    let mut unique: Vec<&Snapshot> = Vec::new();
    let mut steps_in: Vec<(&Snapshot, &Snapshot)> = Vec::new();
    for set in &sets {
        for s in set {
            if !unique.iter().any(|u| std::ptr::eq(*u, *s)) {
                unique.push(s);
            }
        }
        for w in set.windows(2) {
            if !steps_in
                .iter()
                .any(|(e, l)| std::ptr::eq(*e, w[0]) && std::ptr::eq(*l, w[1]))
            {
                steps_in.push((w[0], w[1]));
            }
        }
    }

    // Snapshots are independent of each other, and every (step, from
    // holder, to holder) overlay is independent too: one list of both keeps
    // both cores busy, the costliest first, so the measuring of snapshots
    // fills the time beside the longest overlays.
    let jobs: Vec<Job> = unique
        .iter()
        .enumerate()
        .map(|(i, s)| Job::Measure(i, s))
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
        Job::Measure(_, s) => s.holdings.iter().map(|h| h.geometry.coords_count()).sum(),
        Job::Overlay(_, before, after) => {
            before.geometry.coords_count() + after.geometry.coords_count()
        }
    };
    // Snapshots and pieces repeat many polygons vertex for vertex: each is
    // measured once; and holders repeat whole, so some overlays do too.
    let vertices = unique
        .iter()
        .flat_map(|s| &s.holdings)
        .map(|h| h.geometry.coords_count())
        .sum();
    let areas = geodesy::AreaCache::for_input(vertices);
    let overlays = Intersections::plan(
        &unique,
        jobs.iter().filter_map(|job| match job {
            Job::Overlay(_, before, after) => Some((*before, *after)),
            Job::Measure(..) => None,
        }),
    );
    let done = parallel::map_costliest_first(&jobs, cost, |job| match job {
        Job::Measure(i, snapshot) => Done::Measured(
            *i,
            EqualArea::with(&params.equal_area_crs, |ea| {
                measure_snapshot(snapshot, ea, &areas, &overlays, rivers, &boundary_params)
            }),
        ),
        Job::Overlay(i, before, after) => {
            let (earlier, later) = steps_in[*i];
            Done::Overlaid(
                transfer_piece(
                    earlier,
                    later,
                    before,
                    after,
                    &params.equal_area_crs,
                    &areas,
                    &overlays,
                )
                .map(|t| t.map(|t| (*i, t))),
            )
        }
    });
    let measured_seconds = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let mut per_snapshot: Vec<Option<SnapshotResult>> = unique.iter().map(|_| None).collect();
    let mut per_step_pieces: Vec<Vec<Transfer>> = steps_in.iter().map(|_| Vec::new()).collect();
    let mut pieces = Vec::new();
    for d in done {
        match d {
            Done::Measured(i, r) => per_snapshot[i] = Some(r?),
            Done::Overlaid(r) => pieces.push(r),
        }
    }
    for piece in pieces {
        if let Some((i, t)) = piece? {
            per_step_pieces[i].push(t);
        }
    }
    let mut figures: Vec<Analysis> = Vec::with_capacity(sets.len());
    for set in &sets {
        let index = |s: &Snapshot| unique.iter().position(|u| std::ptr::eq(*u, s));
        let step_index = |e: &Snapshot, l: &Snapshot| {
            steps_in
                .iter()
                .position(|(a, b)| std::ptr::eq(*a, e) && std::ptr::eq(*b, l))
        };
        let mut areas = Vec::new();
        let mut regions = Vec::new();
        let mut stretches = Vec::new();
        for s in set {
            if let Some(r) = index(s).and_then(|i| per_snapshot[i].as_ref()) {
                areas.extend(r.areas.iter().cloned());
                regions.push(r.region.clone());
                stretches.extend(r.stretches.iter().cloned());
            }
        }
        // Each holder's geodesic area, measured once per snapshot above.
        let mut areas_of: BTreeMap<i32, BTreeMap<String, f64>> = BTreeMap::new();
        for row in &areas {
            *areas_of
                .entry(row.year)
                .or_default()
                .entry(row.state.clone())
                .or_default() += row.area_km2;
        }
        let no_areas = BTreeMap::new();
        let areas_in = |year: i32| areas_of.get(&year).unwrap_or(&no_areas);
        let mut transfers = Vec::new();
        let mut steps = Vec::new();
        for w in set.windows(2) {
            let (earlier, later) = (w[0], w[1]);
            let pieces = step_index(earlier, later)
                .map(|i| per_step_pieces[i].clone())
                .unwrap_or_default();
            let balances = balances(areas_in(earlier.year), areas_in(later.year), &pieces);
            let (kept, dropped) = overlay::split_slivers(pieces, params.sliver_km2);
            transfers.extend(kept);
            steps.push(Step {
                from_year: earlier.year,
                to_year: later.year,
                treaty: later.treaty.clone(),
                dropped,
                balances,
            });
        }
        if let Some(first) = regions.first().map(|r| r.area_km2) {
            for r in &mut regions {
                r.rel_to_first = relative(r.area_km2 - first, first);
            }
        }
        figures.push(Analysis {
            areas,
            regions,
            transfers,
            steps,
            stretches,
            checks: Vec::new(),
            variants: Vec::new(),
            timings: Vec::new(),
        });
    }
    bound_transfers(&mut figures, uncertain);
    let balances_seconds = clock.elapsed().as_secs_f64();
    let mut figures = figures.into_iter();
    let mut analysis = figures.next().unwrap_or_else(|| Analysis {
        areas: Vec::new(),
        regions: Vec::new(),
        transfers: Vec::new(),
        steps: Vec::new(),
        stretches: Vec::new(),
        checks: Vec::new(),
        variants: Vec::new(),
        timings: Vec::new(),
    });
    analysis.timings = vec![
        ("areas, boundaries and transfers", measured_seconds),
        ("balances", balances_seconds),
    ];
    analysis.variants = readings
        .iter()
        .enumerate()
        .map(|(i, r)| VariantResult {
            name: r.name.clone(),
            title: r.title.clone(),
            source: r.source.clone(),
            assignments: r.assignments.clone(),
            figures: if i == 0 {
                None
            } else {
                figures.next().map(Box::new)
            },
            changed: if i == 0 {
                Vec::new()
            } else {
                std::mem::take(&mut changed[i - 1])
                    .into_iter()
                    .flatten()
                    .collect()
            },
        })
        .collect();
    Ok(analysis)
}

/// Each transfer's least and greatest area if the uncertain lines moved
/// within their bands (see [`crate::geometry::uncertainty`]); nothing
/// without uncertain lines.
fn bound_transfers(figures: &mut [Analysis], uncertain: &[(Vec<geo::Coord<f64>>, f64)]) {
    use crate::geometry::uncertainty::{band_km2, Band};
    if uncertain.is_empty() {
        return;
    }
    // A band per line: each with its own box, so only the vertices near
    // that line are looked up.
    let bands: Vec<Band> = uncertain
        .iter()
        .map(|(line, km)| Band::new(std::slice::from_ref(line), *km))
        .collect();
    let jobs: Vec<(usize, usize)> = figures
        .iter()
        .enumerate()
        .flat_map(|(f, a)| (0..a.transfers.len()).map(move |t| (f, t)))
        .collect();
    let figures_ref: &[Analysis] = figures;
    let widths = parallel::map(&jobs, |&(f, t)| {
        band_km2(&figures_ref[f].transfers[t].geometry, &bands)
    });
    for ((f, t), band) in jobs.into_iter().zip(widths) {
        let transfer = &mut figures[f].transfers[t];
        transfer.area_range_km2 = Some([
            (transfer.area_km2 - band).max(0.0),
            transfer.area_km2 + band,
        ]);
    }
}

/// For each variant after the base, for each snapshot, the variant's
/// snapshot where it differs from the drawn one. The (variant, snapshot)
/// pairs are independent and cut in parallel.
fn variant_snapshots(
    snapshots: &[Snapshot],
    zones: &[Zone],
    readings: &[Reading],
) -> Result<Vec<Vec<Option<Snapshot>>>> {
    let variants = readings.get(1..).unwrap_or(&[]);
    if variants.is_empty() {
        return Ok(Vec::new());
    }
    let grid = variants::grid_for(snapshots);
    let tasks: Vec<(usize, usize)> = (0..variants.len())
        .flat_map(|r| (0..snapshots.len()).map(move |i| (r, i)))
        .collect();
    let made = parallel::map(&tasks, |&(r, i)| -> Result<Option<Snapshot>> {
        let reading = &variants[r];
        let snapshot = &snapshots[i];
        let assigned = reading.assigned_in(snapshot.year);
        if assigned.is_empty() {
            return Ok(None);
        }
        let mut chosen = Vec::with_capacity(assigned.len());
        let mut holders = Vec::with_capacity(assigned.len());
        for (zone, holder) in assigned {
            let Some(z) = zones.iter().find(|z| z.id == zone) else {
                let ids: Vec<&str> = zones.iter().map(|z| z.id.as_str()).collect();
                return Err(crate::error::Error::Usage(format!(
                    "variant '{}' assigns zone '{zone}', which the zones layer does not have; its zones are: {}",
                    reading.name,
                    ids.join(", ")
                )));
            };
            chosen.push(z);
            holders.push(holder);
        }
        guard::catching(
            || {
                format!(
                    "assigning the zones of variant '{}' in the {} snapshot",
                    reading.name, snapshot.year
                )
            },
            || variants::apply(snapshot, &chosen, &holders, &grid),
        )
    });
    let mut out: Vec<Vec<Option<Snapshot>>> = variants.iter().map(|_| Vec::new()).collect();
    for ((r, _), m) in tasks.iter().zip(made) {
        out[*r].push(m?);
    }
    Ok(out)
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
    /// Areas, study region and boundaries of distinct snapshot `.0`.
    Measure(usize, &'a Snapshot),
    /// The land of holder `.1` in step `.0`'s earlier snapshot that holder
    /// `.2` has in its later one.
    Overlay(usize, &'a Holding, &'a Holding),
}

/// A [`Job`]'s result.
enum Done {
    Measured(usize, Result<SnapshotResult>),
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
