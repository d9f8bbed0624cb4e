//! Fuzzes the geometry checks and the analysis: decoded polygons go through
//! `load::geometry_problems`, the loader's dissolve and densify, then
//! `geodesy::area_km2`, `boundary::stretches` and `overlay::transfers`.
//! See `src/geometry_case.rs` for the input format and the invariants.
//!
//! The body lives in `check` so that `tests/fuzz_regressions.rs` can replay
//! saved inputs through exactly the same code on stable Rust.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../src/geometry_case.rs"]
mod geometry_case;

fuzz_target!(|data: &[u8]| {
    geometry_case::check(data);
});
