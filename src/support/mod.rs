//! Helpers the rest of the crate leans on: panics turned into errors,
//! ordered parallel maps, the allocator setting, a hash for coordinate bits,
//! numbers with thousands separators.

pub mod bits_hash;
pub mod guard;
pub mod memory;
pub mod numbers;
pub mod parallel;
#[cfg(test)]
pub(crate) mod testing;
