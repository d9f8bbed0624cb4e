//! How the C allocator hands memory back to the system on large runs.
//!
//! glibc's `malloc` serves blocks under its mmap threshold from its heaps,
//! and raises that threshold (up to 32 MiB) each time a larger mapped block
//! is freed. Blocks of a few MiB that the overlays, indexes and GDAL's
//! writers free then stay in the heaps, resident, and the next stage's
//! blocks come on top of them: at 10^7 vertices the peak was 4.1 times the
//! input coordinates. With the threshold fixed at 1 MiB every larger block
//! is mapped on its own and returned when freed, and the peak is under 3
//! times. It costs page faults on every new large block (about 0.15 s on
//! the bundled 830,000 vertices), so a run only asks for it on large
//! inputs, judged by the size of the snapshot files before reading them
//! (what the reading stage leaves in the heaps counts too).
//!
//! This is the one place in the crate with `unsafe` (one call into glibc);
//! the rest of the crate denies it.
#![allow(unsafe_code)]

/// Snapshot files of at least this many bytes in all get
/// [`map_large_blocks`]: about 2 million vertices in shapefiles (16 bytes
/// a vertex); the bundled files are about 13 MB.
pub const LARGE_INPUT_BYTES: u64 = 32 << 20;

/// Blocks of at least this many bytes are mapped on their own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1 << 20;

/// Large blocks (1 MiB and over) get mappings of their own, returned to the
/// system as soon as they are freed (glibc `mallopt(M_MMAP_THRESHOLD)`,
/// which also stops the threshold from rising). Does nothing with other C
/// libraries.
pub fn map_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes two integers and only sets a parameter of the
    // allocator; glibc allows it at any time, from any thread. A value it
    // does not accept is refused (returns 0) and changes nothing.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}

#[cfg(test)]
mod tests {
    /// The bundled analysis stays on the fast path (its snapshot files are
    /// about 13 MB); the 10^7-vertex benchmark input (159 MB) does not.
    #[test]
    fn only_large_inputs_map_large_blocks() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = crate::config::Config::load(&root.join("borderchange.toml")).unwrap();
        let bytes = crate::load::input_bytes(&config);
        assert!(
            (10_000_000..super::LARGE_INPUT_BYTES).contains(&bytes),
            "{bytes}"
        );
        // Ten times the vertices is ten times the bytes, over the line.
        assert!(10 * bytes > super::LARGE_INPUT_BYTES);
    }
}
