//! borderchange: historical border-change analysis on the WGS84 ellipsoid.
//!
//! Reads dated border snapshots (polygons naming the state that holds
//! them), computes the area each holder held and the areas transferred
//! between consecutive snapshots geodesically, splits the boundaries between
//! holders into river and land stretches, and compares the results with
//! published reference figures.
//!
//! ```no_run
//! use std::path::Path;
//! let outcome = borderchange::run::run(Path::new("borderchange.toml"), None)?;
//! for t in &outcome.analysis.transfers {
//!     println!("{} → {} ({}): {:.0} km²", t.from_state, t.to_state, t.treaty, t.area_km2);
//! }
//! # Ok::<(), borderchange::error::Error>(())
//! ```

#![deny(unsafe_code)]

pub mod analysis;
pub mod bits_hash;
pub mod boundary;
pub mod checks;
pub mod clip;
pub mod config;
pub mod error;
pub mod geodesy;
pub mod guard;
pub mod intersections;
pub mod io;
pub mod load;
pub mod manifest;
pub mod memory;
pub mod model;
pub mod overlay;
pub mod parallel;
pub mod projection;
pub mod qgis;
pub mod report;
pub mod run;
#[cfg(test)]
mod testing;
pub mod topology;
pub mod validate;
pub mod variants;
pub mod verify;
