//! Helpers for the unit tests.

/// Uniform numbers in `[0, scale)` from a fixed seed (Marsaglia's
/// xorshift64), so a test's cases are the same on every run.
pub struct Uniform(u64);

impl Uniform {
    /// A sequence from `seed` (not 0).
    pub fn new(seed: u64) -> Self {
        Uniform(seed)
    }

    /// The next number in `[0, scale)`.
    pub fn next(&mut self, scale: f64) -> f64 {
        let s = &mut self.0;
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        (*s >> 11) as f64 / (1u64 << 53) as f64 * scale
    }
}
