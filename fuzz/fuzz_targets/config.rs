//! Fuzzes the analysis-file parser: any text must give a `Config` or an
//! error, never a panic.
//!
//! The body lives in `check` so that `tests/fuzz_regressions.rs` can replay
//! saved inputs through exactly the same code on stable Rust.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/config_case.rs"]
mod config_case;

fuzz_target!(|data: &[u8]| {
    config_case::check(data);
});
