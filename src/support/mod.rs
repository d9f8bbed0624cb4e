//! Helpers the rest of the crate leans on: panics turned into errors,
//! ordered parallel maps, the allocator setting, a hash for coordinate bits.

pub mod bits_hash;
pub mod guard;
pub mod memory;
pub mod parallel;
#[cfg(test)]
pub(crate) mod testing;
