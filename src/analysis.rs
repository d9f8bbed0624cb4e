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
use crate::geometry::variants::{self, Assignment, Reading, Zone};
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
    /// Area held before by this holder and after by no holder, km² (land
    /// lost to no holder; measured when a balance or the study region does
    /// not close, 0 otherwise).
    pub to_nobody_km2: f64,
    /// Area held before by no holder and after by this holder, km² (land
    /// gained from no holder; as `to_nobody_km2`).
    pub from_nobody_km2: f64,
    /// (before − outgoing − to_nobody + incoming + from_nobody − after) /
    /// max(before, after).
    pub rel_error: f64,
}

/// Land two holders of one snapshot both hold, in pieces no larger than
/// `sliver_km2` each (a larger piece stops the run, as a larger transfer
/// piece would count): measured and reported.
#[derive(Debug, Clone, Serialize)]
pub struct OverlapRow {
    /// Snapshot year (and day, where known): `year` and `date` in JSON.
    #[serde(flatten)]
    pub year: When,
    /// The holder whose name sorts first.
    pub state_a: String,
    /// The other holder.
    pub state_b: String,
    /// Geodesic area of the land both hold, km².
    pub area_km2: f64,
    /// Geodesic area of its largest piece, km².
    pub largest_km2: f64,
    /// A point inside the largest piece (longitude, latitude).
    pub at: Option<(f64, f64)>,
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
    /// Every reading, the base first, with its figures (empty when the
    /// analysis file defines no `[[variant]]`).
    pub variants: Vec<VariantResult>,
    /// Land two holders of one snapshot both hold (each at most
    /// `sliver_km2`), by year then holders.
    pub overlaps: Vec<OverlapRow>,
    /// What the user must see: one sentence each, naming what and where
    /// (land lost to or gained from no holder, holder names that look like
    /// one polity's). `run` prints them on stderr.
    pub warnings: Vec<String>,
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
    pub fn changes(&self, year: When) -> bool {
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
/// holdings it leaves unchanged are shared (those of a holding that only
/// lost whole polygons are taken from the drawn one's, and a pair that
/// differs from the drawn pair only away from the land both hold takes
/// the drawn pair's, see [`Intersections`]).
pub fn analyse_readings(
    config: &Config,
    snapshots: &[Snapshot],
    rivers: &[River],
    zones: &[Zone],
    readings: &[Reading],
    uncertain: &[(Vec<geo::Coord<f64>>, f64)],
) -> Result<Analysis> {
    let params = &config.parameters;
    // Each snapshot's box on every core (a pass over every vertex).
    let extents = parallel::map(snapshots, |s| crate::model::extent(&s.holdings));
    let extent = extents
        .iter()
        .flatten()
        .copied()
        .reduce(crate::model::joint_rect);
    let study_box = extent.map_or((-180.0, -90.0, 180.0, 90.0), |r| {
        (r.min().x, r.min().y, r.max().x, r.max().y)
    });
    let equal_area_crs =
        crate::io::projection::resolve_equal_area(&params.equal_area_crs, study_box);
    // Fail early if the CRS is not usable or does not preserve area where
    // the data lie: checked (PROJ opening its database) beside the cutting
    // of the readings' zones, and reported before anything that cutting
    // finds wrong. The thread is joined before the jobs use PROJ
    // (DEVELOPERS.md).
    let first = extents.first().copied().flatten();
    let clock = std::time::Instant::now();
    let (checked, changed) = std::thread::scope(|scope| {
        let check = scope.spawn(|| -> Result<()> {
            if let Some(extent) = first {
                EqualArea::new(&equal_area_crs)?.check_preserves_area(extent.center())?;
            }
            Ok(())
        });
        let changed = variant_snapshots(snapshots, extent, zones, readings);
        let checked = check
            .join()
            .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
        (checked, changed)
    });
    checked?;
    let mut changed = changed?;
    let boundary_params = BoundaryParams {
        river_distance_km: params.river_distance_km,
        min_run_km: params.min_river_run_km,
    };

    // Each variant's snapshots: the drawn one where it assigns nothing.
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
    let (unique, steps_in) = crate::geometry::variants::distinct(&sets);

    // Each step's pairs on every core: finding them is a pass over every
    // vertex of both snapshots, with nothing else to run beside it.
    let step_pairs = parallel::map(&steps_in, |(earlier, later)| overlay::pairs(earlier, later));

    // Snapshots are independent of each other, and every (step, from
    // holder, to holder) overlay is independent too: one list of both keeps
    // both cores busy, the costliest first, so the measuring of snapshots
    // fills the time beside the longest overlays. The drawn snapshots'
    // jobs come before the readings': a reading's job takes most of its
    // intersections and boundaries from theirs, and started beside the
    // one making them it would wait for it (about 0.12 s of one core on
    // the bundled run).
    let jobs: Vec<Job> = unique
        .iter()
        .enumerate()
        .map(|(i, s)| Job::Measure(i, s))
        .chain(step_pairs.iter().enumerate().flat_map(|(i, pairs)| {
            pairs
                .iter()
                .map(move |&(before, after)| Job::Overlay(i, before, after))
        }))
        .collect();
    // Snapshots and pieces repeat many polygons vertex for vertex: each is
    // measured once; and holders repeat whole, so some overlays do too.
    let areas_cache = geodesy::AreaCache::new();
    let areas = &areas_cache;
    let overlays = Intersections::plan(
        &unique,
        jobs.iter().filter_map(|job| match job {
            Job::Overlay(_, before, after) => Some((*before, *after)),
            Job::Measure(..) => None,
        }),
    );
    let traced = Traced::plan(&unique, &overlays);
    let river_index = boundary::Rivers::new(rivers);
    // An overlay whose two holdings are also in one snapshot takes its
    // intersection from that snapshot's region check: started beside the
    // snapshot's job it would wait for it (about 15 ms of a core on the
    // bundled run), so it starts after the other jobs of its kind, when
    // what is left of it is short.
    let checked: std::collections::HashSet<(usize, usize)> = unique
        .iter()
        .flat_map(|s| {
            let ids: Vec<usize> = s.holdings.iter().filter_map(|h| overlays.id(h)).collect();
            let pairs: Vec<(usize, usize)> = ids
                .iter()
                .enumerate()
                .flat_map(|(i, &x)| ids[i + 1..].iter().map(move |&y| (x.min(y), x.max(y))))
                .collect();
            pairs
        })
        .collect();
    let drawn_steps = snapshots.len().saturating_sub(1);
    let cost = |job: &Job| match job {
        Job::Measure(i, s) => (
            *i < snapshots.len(),
            true,
            s.holdings
                .iter()
                .map(|h| h.geometry.coords_count())
                .sum::<usize>(),
        ),
        Job::Overlay(i, before, after) => (
            *i < drawn_steps,
            overlays
                .id(before)
                .zip(overlays.id(after))
                .is_none_or(|(x, y)| !checked.contains(&(x.min(y), x.max(y)))),
            before.geometry.coords_count() + after.geometry.coords_count(),
        ),
    };
    let done = parallel::map_costliest_first(&jobs, cost, |job| match job {
        Job::Measure(i, snapshot) => Done::Measured(
            *i,
            EqualArea::with(&equal_area_crs, |ea| {
                let shared = Shared {
                    areas,
                    overlays: &overlays,
                    traced: &traced,
                    rivers: &river_index,
                };
                measure_snapshot(snapshot, ea, &shared, &boundary_params)
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
                    &equal_area_crs,
                    areas,
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
    // Each piece of land has one holder: an overlapping piece above the
    // sliver tolerance would be counted twice (and turn up as a transfer).
    // Pieces are judged one by one, as transfer pieces are: outlines drawn
    // from different sources leave many hairline slivers along a border.
    let mut all_overlaps: Vec<&OverlapRow> = per_snapshot
        .iter()
        .flatten()
        .flat_map(|r| &r.overlaps)
        .collect();
    all_overlaps
        .sort_by(|a, b| (a.year, &a.state_a, &a.state_b).cmp(&(b.year, &b.state_a, &b.state_b)));
    if let Some(o) = all_overlaps
        .iter()
        .find(|o| o.largest_km2 > params.sliver_km2)
    {
        let source = config
            .snapshots
            .iter()
            .find(|s| s.when().ok() == Some(o.year))
            .map(|s| (s.path.clone(), s.layer.clone()))
            .or_else(|| {
                config
                    .dated
                    .as_ref()
                    .map(|d| (d.path.clone(), d.layer.clone()))
            });
        let (path, layer) = match source {
            Some((path, layer)) => {
                let layer = layer.unwrap_or_else(|| {
                    path.file_stem()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                });
                (path, layer)
            }
            None => (std::path::PathBuf::new(), String::new()),
        };
        return Err(crate::error::Error::Overlap(Box::new(
            crate::error::Overlap {
                path,
                layer,
                year: o.year.label(),
                a: o.state_a.clone(),
                b: o.state_b.clone(),
                area_km2: o.area_km2,
                largest_km2: o.largest_km2,
                at: o.at.unwrap_or((f64::NAN, f64::NAN)),
                sliver_km2: params.sliver_km2,
            },
        )));
    }
    bound_transfers(&mut per_step_pieces, params.sliver_km2, uncertain);
    let names: Vec<(String, Vec<String>)> = snapshots
        .iter()
        .map(|s| {
            (
                s.year.label(),
                s.holdings.iter().map(|h| h.state.clone()).collect(),
            )
        })
        .collect();
    // Each reading's figures on every core: a reading only reads the
    // snapshots' and steps' results, and the readings come back in order.
    let figure_of = |set: &Vec<&Snapshot>| -> Result<Analysis> {
        let index = |s: &Snapshot| unique.iter().position(|u| std::ptr::eq(*u, s));
        let step_index = |e: &Snapshot, l: &Snapshot| {
            steps_in
                .iter()
                .position(|(a, b)| std::ptr::eq(*a, e) && std::ptr::eq(*b, l))
        };
        let mut areas = Vec::new();
        let mut regions = Vec::new();
        let mut stretches = Vec::new();
        let mut overlaps = Vec::new();
        for s in set {
            if let Some(r) = index(s).and_then(|i| per_snapshot[i].as_ref()) {
                areas.extend(r.areas.iter().cloned());
                regions.push(r.region.clone());
                stretches.extend(r.stretches.iter().cloned());
                overlaps.extend(r.overlaps.iter().cloned());
            }
        }
        overlaps.sort_by(|a: &OverlapRow, b: &OverlapRow| {
            (a.year, &a.state_a, &a.state_b).cmp(&(b.year, &b.state_a, &b.state_b))
        });
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
        let region_of = |year: When| {
            regions
                .iter()
                .find(|r: &&RegionRow| r.year == year)
                .map_or(0.0, |r| r.area_km2)
        };
        let mut warnings = similar_holder_names(&names);
        let mut transfers = Vec::new();
        let mut steps = Vec::new();
        for w in set.windows(2) {
            let (earlier, later) = (w[0], w[1]);
            let pieces: &[Transfer] =
                step_index(earlier, later).map_or(&[], |i| &per_step_pieces[i]);
            let mut balances = balances(areas_in(earlier.year), areas_in(later.year), pieces);
            let region_changed =
                (region_of(later.year) - region_of(earlier.year)).abs() > params.sliver_km2;
            nobody(
                earlier,
                later,
                &mut balances,
                region_changed,
                params.sliver_km2,
                &areas_cache,
            )?;
            for b in &balances {
                if b.to_nobody_km2 > params.sliver_km2 {
                    warnings.push(format!(
                        "{} km² that '{}' holds in the {} snapshot is held by no holder in the {} snapshot ('{}'): land lost to no holder, shown so in the balances; if every snapshot should cover the same land, the {} snapshot lacks it",
                        crate::support::numbers::thousands(b.to_nobody_km2, 0),
                        b.state,
                        earlier.year,
                        later.year,
                        snapshot_file(config, later.year),
                        later.year
                    ));
                }
                if b.from_nobody_km2 > params.sliver_km2 {
                    warnings.push(format!(
                        "{} km² that no holder holds in the {} snapshot is held by '{}' in the {} snapshot ('{}'): land gained from no holder, shown so in the balances; if every snapshot should cover the same land, the {} snapshot lacks it",
                        crate::support::numbers::thousands(b.from_nobody_km2, 0),
                        earlier.year,
                        b.state,
                        later.year,
                        snapshot_file(config, later.year),
                        earlier.year
                    ));
                }
            }
            warnings.extend(takeovers(earlier, later, &balances, pieces));
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
        let mut figure = Analysis {
            areas,
            regions,
            transfers,
            steps,
            stretches,
            overlaps,
            warnings,
            checks: Vec::new(),
            variants: Vec::new(),
            timings: Vec::new(),
        };
        let consistency = consistency_warnings(&figure, &equal_area_crs);
        figure.warnings.extend(consistency);
        Ok(figure)
    };
    let figures = parallel::map(&sets, figure_of)
        .into_iter()
        .collect::<Result<Vec<Analysis>>>()?;
    let balances_seconds = clock.elapsed().as_secs_f64();
    let mut figures = figures.into_iter();
    let mut analysis = figures.next().unwrap_or_else(|| Analysis {
        areas: Vec::new(),
        regions: Vec::new(),
        transfers: Vec::new(),
        steps: Vec::new(),
        stretches: Vec::new(),
        overlaps: Vec::new(),
        warnings: Vec::new(),
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
    // A variant's own warnings (those the drawn snapshots do not have),
    // named by the variant.
    let mut extra = Vec::new();
    for v in &analysis.variants {
        if let Some(f) = &v.figures {
            for w in &f.warnings {
                if !analysis.warnings.contains(w) {
                    extra.push(format!("under variant '{}': {w}", v.name));
                }
            }
        }
    }
    analysis.warnings.extend(extra);
    Ok(analysis)
}

/// Each transfer's least and greatest area if the uncertain lines moved
/// within their bands (see [`crate::geometry::uncertainty`]); nothing
/// without uncertain lines. Measured on the steps' pieces (those of at
/// least `sliver_km2`, the ones kept as transfers) before the readings take
/// copies of them, so a piece several readings share is measured once.
fn bound_transfers(
    per_step_pieces: &mut [Vec<Transfer>],
    sliver_km2: f64,
    uncertain: &[(Vec<geo::Coord<f64>>, f64)],
) {
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
    // Steps of different readings share pieces coordinate for coordinate:
    // each distinct piece is measured once.
    let all: Vec<(usize, usize)> = per_step_pieces
        .iter()
        .enumerate()
        .flat_map(|(s, pieces)| {
            pieces
                .iter()
                .enumerate()
                .filter(|(_, t)| t.area_km2 >= sliver_km2)
                .map(move |(p, _)| (s, p))
        })
        .collect();
    let pieces_ref: &[Vec<Transfer>] = per_step_pieces;
    let geometry = |&(s, p): &(usize, usize)| &pieces_ref[s][p].geometry;
    let hashes = parallel::map(&all, |job| geodesy::multi_polygon_hash(geometry(job)));
    let mut jobs: Vec<(usize, usize)> = Vec::new();
    let mut by_hash: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    let which: Vec<usize> = all
        .iter()
        .zip(hashes)
        .map(|(job, hash)| {
            let same = by_hash.entry(hash).or_default();
            match same.iter().find(|&&j| geometry(&jobs[j]) == geometry(job)) {
                Some(&j) => j,
                None => {
                    jobs.push(*job);
                    same.push(jobs.len() - 1);
                    jobs.len() - 1
                }
            }
        })
        .collect();
    let widths = parallel::map_costliest_first(
        &jobs,
        |job| geometry(job).coords_count(),
        |job| band_km2(geometry(job), &bands),
    );
    for ((s, p), j) in all.into_iter().zip(which) {
        let band = widths[j];
        let piece = &mut per_step_pieces[s][p];
        piece.area_range_km2 = Some([(piece.area_km2 - band).max(0.0), piece.area_km2 + band]);
    }
}

/// For each variant after the base, for each snapshot, the variant's
/// snapshot where it differs from the drawn one. The (variant, snapshot)
/// pairs are independent and cut in parallel.
fn variant_snapshots(
    snapshots: &[Snapshot],
    extent: Option<geo::Rect<f64>>,
    zones: &[Zone],
    readings: &[Reading],
) -> Result<Vec<Vec<Option<Snapshot>>>> {
    let variants = readings.get(1..).unwrap_or(&[]);
    if variants.is_empty() {
        return Ok(Vec::new());
    }
    let grid = variants::grid_within(snapshots, extent);
    let cuts = variants::Cuts::new(snapshots);
    let tasks: Vec<(usize, usize)> = (0..variants.len())
        .flat_map(|r| (0..snapshots.len()).map(move |i| (r, i)))
        .collect();
    let made = parallel::map(&tasks, |&(r, i)| -> Result<Option<Snapshot>> {
        let reading = &variants[r];
        let snapshot = &snapshots[i];
        let assigned = reading.assigned_in(snapshot.year.year);
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
            || variants::apply_sharing(snapshot, &chosen, &holders, &grid, &cuts),
        )
    });
    let mut out: Vec<Vec<Option<Snapshot>>> = variants.iter().map(|_| Vec::new()).collect();
    for ((r, _), m) in tasks.iter().zip(made) {
        out[*r].push(m?);
    }
    Ok(out)
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
        // Land two holders hold at once (overlaps under `sliver_km2`,
        // accepted) counts in both their transfers: a balance can be off by
        // up to the overlaps of its two snapshots without any overlay error.
        let held_twice: Vec<&OverlapRow> = analysis
            .overlaps
            .iter()
            .filter(|o| o.year == s.from_year || o.year == s.to_year)
            .collect();
        let held_twice_km2: f64 = held_twice.iter().map(|o| o.area_km2).sum();
        for b in &s.balances {
            if b.rel_error.abs() > BALANCE_TOLERANCE || b.rel_error.is_nan() {
                let residual_km2 = b.before_km2 - b.outgoing_km2 + b.incoming_km2 - b.after_km2;
                let why = if residual_km2.abs() <= held_twice_km2 * (1.0 + BALANCE_TOLERANCE) {
                    let listed: Vec<String> = held_twice
                        .iter()
                        .map(|o| {
                            format!(
                                "'{}' and '{}' in {}: {:.3} km²",
                                o.state_a, o.state_b, o.year, o.area_km2
                            )
                        })
                        .collect();
                    format!(
                        "not an overlay error: land held by two holders at once counts in both their transfers, and the {:.3} km² off is within what the two snapshots hold twice ({}; overlaps under sliver_km2, accepted and listed in the overlaps table)",
                        residual_km2.abs(),
                        listed.join(", ")
                    )
                } else {
                    "the overlay lost or gained land there".to_owned()
                };
                out.push(format!(
                    "the balance of '{}' from {} to {} ({}) is off by {:.2e} of its area (before {:.3} km² − given {:.3} + received {:.3} − after {:.3}); {why}",
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
    overlaps: Vec<OverlapRow>,
}

/// The boundaries between pairs of holders that more than one snapshot
/// has, coordinate for coordinate (a reading's snapshot and the drawn one,
/// away from the reading's zones), or that differ from such a pair only
/// by whole polygons away from the other holding (an island a reading
/// moves, see [`boundary::alike`]): each traced once, by whichever
/// snapshot comes first (another that needs it meanwhile waits for it).
///
/// Reference path: [`boundary::stretches`] of every snapshot. Fast path:
/// [`boundary::stretches_with`] through this plan; held equal by
/// `tests/reference_paths.rs`.
struct Traced {
    /// By the two holdings' geometry ids and names, in the order
    /// [`boundary::stretches`] pairs them (by name).
    shared: std::collections::HashMap<
        (usize, usize, String, String),
        std::sync::OnceLock<Vec<Stretch>>,
    >,
    /// The pairs of geometry ids whose stretches are those of another
    /// pair (the drawn holdings of the same holders and year): by the
    /// pair's ids, the other's.
    alike: std::collections::HashMap<(usize, usize), (usize, usize)>,
}

impl Traced {
    fn plan(snapshots: &[&Snapshot], overlays: &Intersections) -> Traced {
        use boundary::alike::{boxes, Change};
        use std::collections::HashMap;
        // Each holding that is the first one seen of its holder and year
        // (the drawn one: the drawn snapshots come first) by whole
        // polygons: by its id, the first one's id and the change.
        // The changes are found on every core (each a pass over both
        // geometries' polygons), not alone before the jobs.
        let mut first: HashMap<(&str, When), (usize, &MultiPolygon<f64>)> = HashMap::new();
        let mut compared: Vec<(usize, usize, &MultiPolygon<f64>, &MultiPolygon<f64>)> = Vec::new();
        for s in snapshots {
            for h in &s.holdings {
                let Some(id) = overlays.id(h) else { continue };
                let &mut (root, drawn) = first
                    .entry((h.state.as_str(), s.year))
                    .or_insert((id, &h.geometry));
                if root != id && !compared.iter().any(|c| c.0 == id) {
                    compared.push((id, root, drawn, &h.geometry));
                }
            }
        }
        let found = parallel::map(&compared, |&(_, _, drawn, geometry)| {
            Change::between(drawn, geometry)
        });
        let changes: HashMap<usize, (usize, Change)> = compared
            .iter()
            .zip(found)
            .filter_map(|(&(id, root, _, _), change)| Some((id, (root, change?))))
            .collect();
        // The boxes of every geometry of a snapshot with a change, and of
        // the drawn ones they change (made on every core: a million
        // points in the bundled readings).
        let mut needed: Vec<(usize, &MultiPolygon<f64>)> = Vec::new();
        for s in snapshots {
            let changed = s
                .holdings
                .iter()
                .any(|h| overlays.id(h).is_some_and(|id| changes.contains_key(&id)));
            for h in &s.holdings {
                let Some(id) = overlays.id(h) else { continue };
                let root = changes.values().any(|(root, _)| *root == id);
                if (changed || root) && !needed.iter().any(|(n, _)| *n == id) {
                    needed.push((id, &h.geometry));
                }
            }
        }
        let made = parallel::map(&needed, |(_, geometry)| boxes(geometry));
        let boxes_of: HashMap<usize, Vec<[f64; 4]>> =
            needed.iter().map(|(id, _)| *id).zip(made).collect();
        let no_boxes = Vec::new();
        let boxes_for = |id: usize| boxes_of.get(&id).unwrap_or(&no_boxes);
        let mut alike = HashMap::new();
        for s in snapshots {
            let ids: Vec<Option<usize>> = s.holdings.iter().map(|h| overlays.id(h)).collect();
            for (i, x) in ids.iter().enumerate() {
                let Some((x, (root_x, change_x))) = x.and_then(|x| Some((x, changes.get(&x)?)))
                else {
                    continue;
                };
                for (k, y) in ids.iter().enumerate() {
                    let Some(y) = *y else { continue };
                    if s.holdings[k].state == s.holdings[i].state {
                        continue;
                    }
                    let change_y = changes.get(&y);
                    let root_y = change_y.map_or(y, |(r, _)| *r);
                    let (boxes_x, boxes_root_x) = (boxes_for(x), boxes_for(*root_x));
                    let (boxes_y, boxes_root_y) = (boxes_for(y), boxes_for(root_y));
                    // Both ways round: the first holder's rings are looked
                    // up on the second's outline.
                    let ways = change_x.alike(boxes_y, boxes_root_y, change_y.map(|(_, c)| c))
                        && change_y
                            .is_none_or(|(_, c)| c.alike(boxes_x, boxes_root_x, Some(change_x)));
                    if ways {
                        alike.insert((x, y), (*root_x, root_y));
                        alike.insert((y, x), (root_y, *root_x));
                    }
                }
            }
        }
        let mut traced = Traced {
            shared: HashMap::new(),
            alike,
        };
        let mut uses: HashMap<(usize, usize, String, String), usize> = HashMap::new();
        for s in snapshots {
            for a in &s.holdings {
                for b in &s.holdings {
                    if let Some(key) = traced.key(overlays, a, b) {
                        *uses.entry(key).or_default() += 1;
                    }
                }
            }
        }
        traced.shared = uses
            .into_iter()
            .filter(|&(_, n)| n > 1)
            .map(|(key, _)| (key, std::sync::OnceLock::new()))
            .collect();
        traced
    }

    /// The key of the pair (`a`, `b`), `a`'s name first; `None` otherwise.
    fn key(
        &self,
        overlays: &Intersections,
        a: &Holding,
        b: &Holding,
    ) -> Option<(usize, usize, String, String)> {
        (a.state < b.state).then_some(())?;
        let ids = (overlays.id(a)?, overlays.id(b)?);
        let (x, y) = self.alike.get(&ids).copied().unwrap_or(ids);
        Some((x, y, a.state.clone(), b.state.clone()))
    }

    /// The stretches between `a` and `b`: `trace()`, or what it gave for
    /// the same two holdings (or two alike) before.
    fn of(
        &self,
        overlays: &Intersections,
        a: &Holding,
        b: &Holding,
        trace: &mut dyn FnMut() -> Vec<Stretch>,
    ) -> Vec<Stretch> {
        match self
            .key(overlays, a, b)
            .and_then(|key| self.shared.get(&key))
        {
            Some(cell) => cell.get_or_init(trace).clone(),
            None => trace(),
        }
    }
}

/// What the jobs of one run share: areas, intersections and boundaries
/// made once, and the rivers' index.
struct Shared<'a> {
    areas: &'a geodesy::AreaCache,
    overlays: &'a Intersections<'a>,
    traced: &'a Traced,
    rivers: &'a boundary::Rivers<'a>,
}

fn measure_snapshot(
    snapshot: &Snapshot,
    equal_area: &EqualArea,
    shared: &Shared,
    boundary_params: &BoundaryParams,
) -> Result<SnapshotResult> {
    let (area_cache, overlays) = (shared.areas, shared.overlays);
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
    let mut overlaps = Vec::new();
    let overlap = guard::catching(
        || what("overlaying the holders"),
        || {
            overlap_km2_with(
                &parts,
                |piece| area_cache.area_km2(piece),
                |i, j| {
                    let both = overlays.of(&holdings[i], &holdings[j]);
                    if !both.0.is_empty() {
                        overlaps.push(overlap_row(
                            snapshot.year,
                            &holdings[i],
                            &holdings[j],
                            &both,
                            area_cache,
                        ));
                    }
                    both
                },
            )
        },
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
        || {
            boundary::stretches_with(
                &snapshot.holdings,
                shared.rivers,
                boundary_params,
                |a, b, trace| shared.traced.of(overlays, a, b, trace),
            )
        },
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
        overlaps,
    })
}

/// The land `a` and `b` both hold, measured, with a point in its largest
/// piece.
/// Measured through `areas`: the same pieces overlap in every reading that
/// leaves the two holders alone, and each is measured three times here.
fn overlap_row(
    year: When,
    a: &Holding,
    b: &Holding,
    both: &MultiPolygon<f64>,
    areas: &geodesy::AreaCache,
) -> OverlapRow {
    use geo::InteriorPoint;
    let largest = both
        .0
        .iter()
        .map(|p| (areas.area_km2(&MultiPolygon::new(vec![p.clone()])), p))
        .max_by(|x, y| x.0.total_cmp(&y.0));
    let (a, b) = if a.state <= b.state { (a, b) } else { (b, a) };
    OverlapRow {
        year,
        state_a: a.state.clone(),
        state_b: b.state.clone(),
        area_km2: areas.area_km2(both),
        largest_km2: largest.map_or(0.0, |(km2, _)| km2),
        at: largest
            .and_then(|(_, p)| p.interior_point())
            .map(|p| (p.x(), p.y())),
    }
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
                to_nobody_km2: 0.0,
                from_nobody_km2: 0.0,
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
    overlap_km2_with(parts, geodesy::area_km2, |i, j| {
        clip::intersection(parts[i], parts[j])
    })
}

/// [`overlap_km2`], with the intersection of parts `i` and `j` made by
/// `pair` and each piece measured by `area_km2` ([`geodesy::area_km2`] or
/// an [`geodesy::AreaCache`], the same to the bit).
fn overlap_km2_with(
    parts: &[&MultiPolygon<f64>],
    area_km2: impl Fn(&MultiPolygon<f64>) -> f64,
    mut pair: impl FnMut(usize, usize) -> MultiPolygon<f64>,
) -> f64 {
    /// `sign` × the area of `piece` (the intersection of parts up to
    /// `last`), plus the alternating sum over its intersections with later parts.
    fn deeper(
        piece: &MultiPolygon<f64>,
        last: usize,
        parts: &[&MultiPolygon<f64>],
        sign: f64,
        area_km2: &dyn Fn(&MultiPolygon<f64>) -> f64,
    ) -> f64 {
        let mut sum = sign * area_km2(piece);
        for (k, part) in parts.iter().enumerate().skip(last + 1) {
            let next = clip::intersection(piece, part);
            if !next.0.is_empty() {
                sum += deeper(&next, k, parts, -sign, area_km2);
            }
        }
        sum
    }
    let mut sum = 0.0;
    for i in 0..parts.len() {
        for j in i + 1..parts.len() {
            let both = pair(i, j);
            if !both.0.is_empty() {
                sum += deeper(&both, j, parts, 1.0, &area_km2);
            }
        }
    }
    sum
}

/// The file of the snapshot of `year`, as the analysis file names it.
fn snapshot_file(config: &Config, year: When) -> String {
    config
        .snapshots
        .iter()
        .find(|s| s.when().ok() == Some(year))
        .map(|s| s.path.display().to_string())
        .or_else(|| config.dated.as_ref().map(|d| d.path.display().to_string()))
        .unwrap_or_default()
}

/// Fills in the land each holder lost to, or gained from, no holder, where
/// a balance does not close (|residual| above `sliver_km2`) or the study
/// region's area changed: lost = before − outgoing − kept, gained = after −
/// incoming − kept, where kept is the land the holder holds in both
/// snapshots (one overlay of its two holdings, made only then). A holder
/// only in the earlier snapshot keeps nothing, nor one only in the later.
fn nobody(
    earlier: &Snapshot,
    later: &Snapshot,
    balances: &mut [Balance],
    region_changed: bool,
    sliver_km2: f64,
    areas: &geodesy::AreaCache,
) -> Result<()> {
    for b in balances.iter_mut() {
        let residual = b.before_km2 - b.outgoing_km2 + b.incoming_km2 - b.after_km2;
        if !region_changed && residual.abs() <= sliver_km2 {
            continue;
        }
        let before = earlier.holdings.iter().find(|h| h.state == b.state);
        let after = later.holdings.iter().find(|h| h.state == b.state);
        let kept_km2 = match (before, after) {
            (Some(x), Some(y)) => {
                let kept = guard::catching(
                    || {
                        format!(
                            "intersecting '{}' of {} with itself in {}",
                            b.state, earlier.year, later.year
                        )
                    },
                    || clip::intersection(&x.geometry, &y.geometry),
                )?;
                areas.area_km2(&kept)
            }
            _ => 0.0,
        };
        b.to_nobody_km2 = (b.before_km2 - b.outgoing_km2 - kept_km2).max(0.0);
        b.from_nobody_km2 = (b.after_km2 - b.incoming_km2 - kept_km2).max(0.0);
        let residual = residual - b.to_nobody_km2 + b.from_nobody_km2;
        b.rel_error = relative(residual, b.before_km2.max(b.after_km2));
    }
    Ok(())
}

/// A holder of `earlier` missing from `later` whose land all went to one
/// holder that `earlier` does not have: most likely a rename, which would
/// otherwise be counted as a transfer. A warning proposing the
/// `[holders]` line that says they are one polity.
fn takeovers(
    earlier: &Snapshot,
    later: &Snapshot,
    balances: &[Balance],
    pieces: &[Transfer],
) -> Vec<String> {
    let has = |s: &Snapshot, name: &str| s.holdings.iter().any(|h| h.state == name);
    let mut out = Vec::new();
    for b in balances {
        if b.before_km2 <= 0.0 || has(later, &b.state) {
            continue;
        }
        let mut to: BTreeMap<&str, f64> = BTreeMap::new();
        for t in pieces.iter().filter(|t| t.from_state == b.state) {
            *to.entry(t.to_state.as_str()).or_default() += t.area_km2;
        }
        let Some((heir, km2)) = to.into_iter().max_by(|x, y| x.1.total_cmp(&y.1)) else {
            continue;
        };
        if km2 >= 0.999 * b.before_km2 && !has(earlier, heir) {
            out.push(format!(
                "'{}' of the {} snapshot is not in the {} snapshot, and all its land ({} km²) is held there by '{heir}', which the {} snapshot does not have: counted as a transfer; if they are one polity under two names, say so in the analysis file: [holders.\"{}\"] also = [\"{heir}\"]",
                b.state,
                earlier.year,
                later.year,
                crate::support::numbers::thousands(km2, 0),
                earlier.year,
                b.state
            ));
        }
    }
    out
}

/// A holder's name reduced to what a typo or another spelling keeps:
/// lower case, Latin letters without accents, no spaces.
fn folded(name: &str) -> String {
    const ACCENTS: [(&str, &str); 25] = [
        ("àáâãäåāăą", "a"),
        ("çćĉċč", "c"),
        ("ďđð", "d"),
        ("èéêëēĕėęě", "e"),
        ("ĝğġģ", "g"),
        ("ĥħ", "h"),
        ("ìíîïĩīĭįı", "i"),
        ("ĵ", "j"),
        ("ķ", "k"),
        ("ĺļľŀł", "l"),
        ("ñńņňŉ", "n"),
        ("òóôõöøōŏő", "o"),
        ("ŕŗř", "r"),
        ("śŝşšș", "s"),
        ("ţťŧț", "t"),
        ("ùúûüũūŭůűų", "u"),
        ("ŵ", "w"),
        ("ýÿŷ", "y"),
        ("źżž", "z"),
        ("æ", "ae"),
        ("œ", "oe"),
        ("ß", "ss"),
        ("þ", "th"),
        ("’‘`´", "'"),
        ("", ""),
    ];
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            continue;
        }
        match ACCENTS.iter().find(|(from, _)| from.contains(c)) {
            Some((_, to)) => out.push_str(to),
            None => out.push(c),
        }
    }
    out
}

/// Holder names of the snapshots (year, names) that differ only in case,
/// accents or spacing: one warning per group, proposing the `[holders]`
/// line that makes them one holder.
pub fn similar_holder_names(snapshots: &[(String, Vec<String>)]) -> Vec<String> {
    // Each name with the snapshots (by position, in time order) it is in.
    let mut seen: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (k, (_, names)) in snapshots.iter().enumerate() {
        for n in names {
            seen.entry(n.as_str()).or_default().push(k);
        }
    }
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for name in seen.keys() {
        groups.entry(folded(name)).or_default().push(name);
    }
    groups
        .into_values()
        .filter(|g| g.len() > 1)
        .map(|mut g| {
            // The name of the earliest snapshot first.
            g.sort_by_key(|n| (seen[n].first().copied(), *n));
            let listed: Vec<String> = g
                .iter()
                .map(|n| {
                    let labels: Vec<&str> =
                        seen[n].iter().map(|&k| snapshots[k].0.as_str()).collect();
                    format!("'{n}' ({})", labels.join(", "))
                })
                .collect();
            let others: Vec<String> = g[1..].iter().map(|n| format!("\"{n}\"")).collect();
            format!(
                "holder names {} differ only in case, accents or spacing, so the land passing between them counts as transfers; if they are one polity, say so in the analysis file: [holders.\"{}\"] also = [{}]",
                listed.join(" and "),
                g[0],
                others.join(", ")
            )
        })
        .collect()
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

    /// A run measures the overlaps through its `AreaCache` (fast path);
    /// the reference measures each piece afresh: the same to the bit, the
    /// second time round too (every piece then taken from the cache).
    #[test]
    fn overlaps_measured_through_the_cache_are_the_plain_ones() {
        let parts = [
            cell(120.0, 50.0, 1.0),
            cell(120.5, 50.0, 1.0),
            cell(120.25, 50.5, 1.0),
            cell(120.75, 50.25, 0.5),
        ];
        let refs: Vec<&MultiPolygon<f64>> = parts.iter().collect();
        let plain = overlap_km2(&refs);
        let cache = geodesy::AreaCache::new();
        for _ in 0..2 {
            let cached = overlap_km2_with(
                &refs,
                |p| cache.area_km2(p),
                |i, j| clip::intersection(refs[i], refs[j]),
            );
            assert_eq!(cached.to_bits(), plain.to_bits());
        }
    }
}
