//! borderchange: historical border-change analysis on the WGS84 ellipsoid.
//!
//! Reads dated border snapshots (polygons naming the state that holds
//! them), computes the area each holder held and the areas transferred
//! between consecutive snapshots geodesically, splits the boundaries between
//! holders into river and land stretches, and compares the results with
//! published reference figures.
//!
//! # The API
//!
//! The entry points, in the order a run calls them:
//!
//! | step | function | gives |
//! |---|---|---|
//! | read the analysis file | [`Config::load`] | [`Config`] |
//! | check the inputs | [`validate()`] | every problem, with its place |
//! | read the inputs | [`load()`] | [`Inputs`]: snapshots and rivers |
//! | measure | [`analyse`] | [`Analysis`]: areas, transfers, stretches |
//! | compare with published figures | [`evaluate`] | [`Check`]s |
//! | all of it, writing every output | [`run()`] | [`Outcome`] |
//! | re-run a recorded run and compare | [`verify()`] | [`Verification`] |
//!
//! Errors are one enum, [`Error`]. [`geometry`] is the engine (measurement,
//! validity, overlay and boundaries on longitude/latitude, with no file,
//! configuration or output in it), usable on its own; [`io`] reads and
//! writes GDAL layers and reprojects with PROJ. The other modules hold the
//! types of the entry points.
//!
//! # Examples
//!
//! Each example runs (as a doc-test) on the bundled analysis,
//! `borderchange.toml`: the Qing–Russia border in 1689, 1727, 1858 and 1860.
//!
//! A whole run, into a folder of your choice:
//!
//! ```
//! use std::path::Path;
//! let out = tempfile::tempdir().unwrap();
//! let outcome = borderchange::run(Path::new("borderchange.toml"), Some(out.path()))?;
//! let peking = outcome
//!     .analysis
//!     .transfers
//!     .iter()
//!     .find(|t| t.treaty == "Peking" && t.to_state == "Russia")
//!     .unwrap();
//! // 381,124 km² from the joint zone to Russia (README.md).
//! approx::assert_relative_eq!(peking.area_km2, 381_124.0, max_relative = 1e-4);
//! assert!(out.path().join("report.md").exists());
//! # Ok::<(), borderchange::Error>(())
//! ```
//!
//! Checking the inputs first (the bundled ones have notes, no errors):
//!
//! ```
//! use borderchange::validate::Severity;
//! use borderchange::Config;
//! let config = Config::load(std::path::Path::new("borderchange.toml"))?;
//! let problems = borderchange::validate(&config)?;
//! assert!(problems.iter().all(|p| p.severity == Severity::Note));
//! # Ok::<(), borderchange::Error>(())
//! ```
//!
//! Reading the inputs: four snapshots, each holding dissolved per state:
//!
//! ```
//! use borderchange::Config;
//! let config = Config::load(std::path::Path::new("borderchange.toml"))?;
//! let inputs = borderchange::load(&config)?;
//! let years: Vec<i32> = inputs.snapshots.iter().map(|s| s.year.year).collect();
//! assert_eq!(years, [1689, 1727, 1858, 1860]);
//! # Ok::<(), borderchange::Error>(())
//! ```
//!
//! Measuring: the areas transferred at Aigun (1858), geodesic on WGS84:
//!
//! ```
//! use borderchange::Config;
//! let config = Config::load(std::path::Path::new("borderchange.toml"))?;
//! let inputs = borderchange::load(&config)?;
//! let analysis = borderchange::analyse(&config, &inputs.snapshots, &inputs.rivers)?;
//! let to_russia: f64 = analysis
//!     .transfers
//!     .iter()
//!     .filter(|t| t.treaty == "Aigun" && t.to_state == "Russia")
//!     .map(|t| t.area_km2)
//!     .sum();
//! // 722,146 km² from the Qing and the undemarcated zone (README.md).
//! approx::assert_relative_eq!(to_russia, 722_146.0, max_relative = 1e-4);
//! # Ok::<(), borderchange::Error>(())
//! ```
//!
//! Comparing with the published figures: the Amur stretch of the 1860
//! border, 1,796 km against Britannica's "about 1,800 km":
//!
//! ```
//! use borderchange::Config;
//! let config = Config::load(std::path::Path::new("borderchange.toml"))?;
//! let inputs = borderchange::load(&config)?;
//! let analysis = borderchange::analyse(&config, &inputs.snapshots, &inputs.rivers)?;
//! let checks = borderchange::evaluate(&config.references, &analysis);
//! let amur = checks.iter().find(|c| c.id == "amur-stretch").unwrap();
//! approx::assert_relative_eq!(amur.computed, 1_796.0, max_relative = 1e-3);
//! assert!(amur.agrees);
//! # Ok::<(), borderchange::Error>(())
//! ```
//!
//! Verifying a recorded run (re-hashing the inputs, re-running, comparing
//! every output):
//!
//! ```
//! use std::path::Path;
//! let out = tempfile::tempdir().unwrap();
//! borderchange::run(Path::new("borderchange.toml"), Some(out.path()))?;
//! let manifest = out.path().join("manifest.json");
//! let verification = borderchange::verify(&manifest, Some(Path::new("borderchange.toml")))?;
//! assert!(verification.identical(), "{verification:?}");
//! # Ok::<(), borderchange::Error>(())
//! ```

#![deny(unsafe_code)]

pub use analysis::{analyse, Analysis};
pub use checks::{evaluate, Check};
pub use config::Config;
pub use error::{Error, Result};
pub use load::{load, Inputs};
pub use run::{run, Outcome};
pub use validate::validate;
pub use verify::{verify, Verification};

pub mod geometry;
pub mod io;

pub mod analysis;
pub mod checks;
pub mod config;
pub mod date;
pub mod error;
pub mod load;
pub mod manifest;
pub mod model;
pub mod run;
pub mod validate;
pub mod verify;

// Not part of the API: public only because the binary (`src/main.rs`,
// `src/cmd/`), the integration tests and the fuzz target reach into them.
#[doc(hidden)]
pub mod output;
#[doc(hidden)]
pub mod staging;
#[doc(hidden)]
pub mod support;
