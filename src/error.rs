//! The library's one error type: every variant names the file (and where it
//! applies the layer and feature) so a message can be acted on.

use std::path::{Path, PathBuf};

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
    /// GDAL could not open, read or write a file.
    #[error("'{}'{}: {source}", path.display(), in_layer(layer))]
    Gdal {
        /// The file.
        path: PathBuf,
        /// The layer, where one is concerned.
        layer: Option<String>,
        /// GDAL's error.
        source: gdal::errors::GdalError,
    },
    /// PROJ could not build or apply a transformation.
    #[error("PROJ cannot use CRS '{crs}': {message}")]
    Proj {
        /// The CRS definition (shortened to its first line).
        crs: String,
        /// PROJ's message.
        message: String,
    },
    /// The equal-area cross-check's projection does not preserve area.
    #[error("equal_area_crs '{crs}' is not an equal-area projection in metres on the WGS84 ellipsoid: a 1°×1° cell at {lat:.1}°N {lon:.1}°E measures {geodesic_km2:.1} km² on the ellipsoid and {projected:.1} (km² if in metres) in it; use one that is, such as the default \"{default}\" (PROJ reads it as the operation '{operation}')")]
    NotEqualArea {
        /// The CRS definition (shortened to its first line).
        crs: String,
        /// The cell's south-west corner, degrees.
        lon: f64,
        /// The cell's south-west corner, degrees.
        lat: f64,
        /// The cell's geodesic area, km².
        geodesic_km2: f64,
        /// The cell's area in the projection, in its units squared / 1e6.
        projected: f64,
        /// PROJ's definition of the operation it made from WGS84 to the CRS
        /// (PROJ finds a CRS for a name it does not know exactly, if it can).
        operation: String,
        /// The default equal-area CRS, suggested instead.
        default: &'static str,
    },
    /// A file holds several layers and none was named.
    #[error("'{}' has {} layers ({}); say which with `layer = \"…\"`", path.display(), layers.len(), layers.join(", "))]
    WhichLayer {
        /// The file.
        path: PathBuf,
        /// Its layers.
        layers: Vec<String>,
    },
    /// The named layer does not exist.
    #[error("'{}' has no layer '{layer}'; it has: {}", path.display(), layers.join(", "))]
    NoSuchLayer {
        /// The file.
        path: PathBuf,
        /// The layer asked for.
        layer: String,
        /// The layers it has.
        layers: Vec<String>,
    },
    /// A required attribute is missing.
    #[error("'{}' layer '{layer}' has no field '{field}'; its fields are: {}", path.display(), if available.is_empty() { "(none)".to_owned() } else { available.join(", ") })]
    MissingField {
        /// The file.
        path: PathBuf,
        /// The layer.
        layer: String,
        /// The field asked for.
        field: String,
        /// The fields the layer has.
        available: Vec<String>,
    },
    /// A layer declares no CRS and none was given.
    #[error("'{}' layer '{layer}' declares no coordinate reference system; add `assume_crs = \"EPSG:4326\"` (or the right one) to its table in the analysis file", path.display())]
    NoCrs {
        /// The file.
        path: PathBuf,
        /// The layer.
        layer: String,
    },
    /// A layer has no features.
    #[error("'{}' layer '{layer}' is empty: no features to read", path.display())]
    EmptyLayer {
        /// The file.
        path: PathBuf,
        /// The layer.
        layer: String,
    },
    /// A feature's geometry is of the wrong type.
    #[error("'{}' layer '{layer}' feature {feature}: expected {expected}, found {found}", path.display())]
    WrongGeometry {
        /// The file.
        path: PathBuf,
        /// The layer.
        layer: String,
        /// The feature id.
        feature: u64,
        /// What was expected ("polygons" or "lines").
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A geometry operation failed inside a dependency (it panicked).
    #[error("geometry operation failed while {what}: {reason}. This is a fault in borderchange or a library it uses, set off by these features; `borderchange validate` may show what is unusual about them")]
    Geometry {
        /// What was being done, to which features.
        what: String,
        /// The dependency's own message.
        reason: String,
    },
    /// A feature cannot be used as it is.
    #[error("'{}' layer '{layer}' feature {feature}: {reason}", path.display())]
    BadFeature {
        /// The file.
        path: PathBuf,
        /// The layer.
        layer: String,
        /// The feature id.
        feature: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// A command-line value that cannot be used.
    #[error("{0}")]
    Usage(String),
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

fn in_layer(layer: &Option<String>) -> String {
    layer
        .as_ref()
        .map(|l| format!(" layer '{l}'"))
        .unwrap_or_default()
}

impl Error {
    /// The same error with a path under `from` moved under `to`: files are
    /// written in a staging folder, and an error should name the file the
    /// user asked for.
    pub fn relocated(self, from: &Path, to: &Path) -> Error {
        let relocate = |path: PathBuf| match path.strip_prefix(from) {
            Ok(rest) => to.join(rest),
            Err(_) => path,
        };
        match self {
            Error::Io { path, source } => Error::Io {
                path: relocate(path),
                source,
            },
            Error::Gdal {
                path,
                layer,
                source,
            } => Error::Gdal {
                path: relocate(path),
                layer,
                source,
            },
            other => other,
        }
    }
}
