//! The engine's reference paths against the fast paths a run takes, on the
//! bundled data: the same transfers and areas, whichever way they are made.
//!
//! A run (`analysis::analyse`) makes each transfer from an intersection the
//! `Intersections` plan may share between jobs, and measures through one
//! `AreaCache` for the whole run; the reference is `overlay::transfers` (one
//! overlay per holder pair, its own cache) and `geodesy::area_km2` (no cache).

use std::path::Path;

use approx::assert_relative_eq;
use borderchange::geometry::{geodesy, overlay};
use borderchange::Config;

#[test]
fn a_run_makes_the_transfers_and_areas_the_reference_paths_make() {
    let config = Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("borderchange.toml"))
        .expect("the bundled analysis file");
    let inputs = borderchange::load(&config).expect("the bundled inputs");
    let analysis = borderchange::analyse(&config, &inputs.snapshots, &inputs.rivers)
        .expect("the bundled analysis");

    let mut compared = 0;
    for pair in inputs.snapshots.windows(2) {
        let (earlier, later) = (&pair[0], &pair[1]);
        let (reference, _) = overlay::split_slivers(
            overlay::transfers(earlier, later),
            config.parameters.sliver_km2,
        );
        let run: Vec<_> = analysis
            .transfers
            .iter()
            .filter(|t| t.from_year == earlier.year && t.to_year == later.year)
            .collect();
        let names = |ts: &mut dyn Iterator<Item = (&str, &str)>| -> Vec<(String, String)> {
            ts.map(|(a, b)| (a.to_owned(), b.to_owned())).collect()
        };
        assert_eq!(
            names(&mut run.iter().map(|t| (&*t.from_state, &*t.to_state))),
            names(&mut reference.iter().map(|t| (&*t.from_state, &*t.to_state))),
            "the transfers of {} -> {}",
            earlier.year,
            later.year
        );
        for (fast, slow) in run.iter().zip(&reference) {
            assert_relative_eq!(fast.area_km2, slow.area_km2, max_relative = 1e-9);
            assert_relative_eq!(
                fast.area_km2,
                geodesy::area_km2(&slow.geometry),
                max_relative = 1e-9
            );
            compared += 1;
        }
    }
    // Kyakhta, Aigun (three transfers), Peking at least.
    assert!(compared >= 5, "only {compared} transfers compared");

    for snapshot in &inputs.snapshots {
        for holding in &snapshot.holdings {
            let row = analysis
                .areas
                .iter()
                .find(|r| r.year == snapshot.year && r.state == holding.state)
                .expect("an area row for every holding");
            assert_relative_eq!(
                row.area_km2,
                geodesy::area_km2(&holding.geometry),
                max_relative = 1e-12
            );
        }
    }
}
