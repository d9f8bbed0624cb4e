//! The library's one error type: every variant names the file (and where it
//! applies the layer and feature) so a message can be acted on.

use std::path::PathBuf;

/// Everything that can go wrong in an analysis.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The analysis file is not valid.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Config {
        /// The analysis file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("'{}': {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A reference names a holder the snapshot does not have.
    #[error("reference '{reference}' names holder '{holder}', but the {year} snapshot has only: {}", available.join(", "))]
    UnknownHolder {
        /// The reference's id.
        reference: String,
        /// The snapshot year.
        year: i32,
        /// The name that was not found.
        holder: String,
        /// The holders the snapshot has.
        available: Vec<String>,
    },
}

/// Result with the library's error.
pub type Result<T> = std::result::Result<T, Error>;
