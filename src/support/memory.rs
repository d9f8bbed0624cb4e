//! How the C allocator hands memory back to the system on large runs.
//!
//! glibc's `malloc` keeps freed blocks in its heaps (one per thread that
//! allocated, up to eight per core) for the next allocation, and maps
//! blocks over its mmap threshold (which it raises as such blocks are
//! freed, up to 32 MiB) on their own. A stage's freed blocks then stay
//! resident in the arenas of the threads that freed them, and the next
//! stage's threads, allocating in other arenas, come on top of them.
//!
//! On large inputs a run hands every free page of every heap back to the
//! system between stages ([`return_freed_memory`]): after reading, and
//! after the analysis, before the outputs are written. Within a stage the
//! allocator keeps its own policy, so the overlays reuse the blocks they
//! free instead of mapping each anew.
//!
//! This replaces a fixed mmap threshold of 1 MiB (every larger block mapped
//! on its own and returned when freed), which kept the peak lower but
//! faulted in fresh pages for each such block: 1.7 million page faults at
//! 3.3 million vertices against 0.23 million now, and about a quarter of
//! the run's CPU time in the kernel at 10^7 vertices (BENCHMARKS.md,
//! scaling section).
//!
//! The bundled data is not large: there the pages a stage frees are reused
//! by the next, and handing them back would only fault them in again.
//!
//! This is the one place in the crate with `unsafe` (one call into glibc);
//! the rest of the crate denies it.
#![allow(unsafe_code)]

/// Snapshot files of at least this many bytes in all get
/// [`return_freed_memory`] between stages: about 2 million vertices in
/// shapefiles (16 bytes a vertex); the bundled files are about 13 MB.
pub const LARGE_INPUT_BYTES: u64 = 32 << 20;

/// Hands the free pages of every heap of the allocator back to the system
/// (glibc `malloc_trim(0)`), keeping every block in use. Does nothing with
/// other C libraries.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes an integer, only releases pages no block
    // uses and takes the allocator's locks itself; glibc allows it at any
    // time, from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    /// The bundled analysis stays on the fast path (its snapshot files are
    /// about 13 MB); the 10^7-vertex benchmark input (159 MB) does not.
    #[test]
    fn only_large_inputs_return_freed_memory() {
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

    /// Returning freed memory keeps the blocks in use as they were.
    #[test]
    fn returning_freed_memory_keeps_blocks_in_use() {
        let kept: Vec<u64> = (0..1 << 20).collect();
        let freed: Vec<u64> = (0..1 << 22).collect();
        drop(freed);
        super::return_freed_memory();
        assert!(kept.iter().enumerate().all(|(i, v)| *v == i as u64));
    }
}
