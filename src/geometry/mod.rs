//! The engine: measurement, validity, overlay and boundaries on longitude
//! and latitude (WGS84). It reads no file, knows no analysis file and writes
//! no output: nothing here names `config`, `io`, `output` or `run` (`make
//! check` enforces it), so it can be used and tested on its own.
//!
//! | module | what | reference path | fast path (what a run takes) |
//! |---|---|---|---|
//! | [`geodesy`] | geodesic areas and lengths | [`geodesy::area_km2`] | [`geodesy::AreaCache`] |
//! | [`geodesy::densify`] | long edges split on their geodesics | `geo`'s geodesic `Densify` | [`geodesy::densify`], measuring only the edges that may be too long |
//! | [`overlay`] | transfers between snapshots | [`overlay::transfers`] | [`overlay::pairs`] as jobs over an [`overlay::intersections::Intersections`] plan |
//! | [`overlay::clip`] | overlays restricted to a box | the whole operands | [`overlay::clip::intersection`] on clipped operands |
//! | [`overlay::thin`] | an intersection's operands thinned where the other is not | [`overlay::clip::intersection_reference`], the operands as they are | [`overlay::clip::intersection`]: runs through cells clear of the other operand keep their ends |
//! | [`overlay::splice`] | a cut of a large polygon by small ones; a union of one holding's polygons alone | [`overlay::clip::Grid::boolean`] of the whole | [`overlay::clip::Grid::cut_near`]: the part near the cut overlaid, spliced back; [`overlay::clip::Grid::as_overlay_output`]: the polygons listed as the overlay lists them |
//! | [`topology`] | crossings and nesting | an R-tree of edge boxes | a west-to-east sweep |
//! | [`validity`] | what GEOS calls a valid polygon; safe repairs | checked against GEOS (`tests/geometry_matrix.rs`) | one sweep per feature |
//! | [`holdings`] | features → holdings: shift, repair, check, dissolve, densify | the one definition `load`, `validate` and the fuzz target call | |
//! | [`antimeridian`] | data across 180° analysed in 0–360° | | |
//! | [`boundary`] | stretches by river | a full scan | a grid index with early rejection; a shared vertex or edge found in its own cell |
//! | [`variants`] | a reading's snapshots: zones given to other holders | [`variants::apply_reference`] | [`variants::apply`]: polygons passing whole moved without an overlay, a large polygon cut near the zones only ([`overlay::splice`]) |
//! | [`uncertainty`] | area bounds from lines drawn within a band | (one path) | vertices outside the lines' box skipped |
//!
//! Each module's documentation names the tests that hold the two equal;
//! `tests/reference_paths.rs` does it for a whole run on the bundled data.

pub mod antimeridian;
pub mod boundary;
pub mod bowed;
pub mod geodesy;
pub mod holdings;
pub mod overlay;
pub mod topology;
pub mod uncertainty;
pub mod validity;
pub mod variants;

/// `rect` widened by `deg` degrees on every side.
pub fn widened(rect: geo::Rect<f64>, deg: f64) -> geo::Rect<f64> {
    geo::Rect::new(
        geo::Coord {
            x: rect.min().x - deg,
            y: rect.min().y - deg,
        },
        geo::Coord {
            x: rect.max().x + deg,
            y: rect.max().y + deg,
        },
    )
}
