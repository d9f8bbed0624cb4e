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
    /// A layer declares no CRS and none was given; the hint depends on
    /// whether its coordinates could be degrees.
    #[error("'{}' layer '{layer}' declares no coordinate reference system; {}", path.display(), no_crs_hint(extent))]
    NoCrs {
        /// The file.
        path: PathBuf,
        /// The layer.
        layer: String,
        /// The layer's extent in its own coordinates, `[min_x, min_y,
        /// max_x, max_y]`, when GDAL could tell.
        extent: Option<[f64; 4]>,
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
    /// Two holders of one snapshot hold the same land, more than
    /// `sliver_km2` of it: it would be counted twice.
    #[error("{0}")]
    Overlap(Box<Overlap>),
    /// A shapefile without one of the files it is made of.
    #[error("'{}': the shapefile's {what} '{}' is missing; a shapefile is several files side by side (.shp, .shx, .dbf, and .prj for its CRS): copy them all", path.display(), missing.display())]
    MissingShapefilePart {
        /// The `.shp`.
        path: PathBuf,
        /// The missing file.
        missing: PathBuf,
        /// What it holds: `index` (.shx) or `attribute table` (.dbf).
        what: &'static str,
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

/// Two holders of one snapshot holding the same land (see
/// [`Error::Overlap`]).
#[derive(Debug)]
pub struct Overlap {
    /// The snapshot's file, as the analysis file names it.
    pub path: PathBuf,
    /// The layer.
    pub layer: String,
    /// The snapshot's year (or date).
    pub year: String,
    /// One holder.
    pub a: String,
    /// The other.
    pub b: String,
    /// The land both hold, km² (geodesic).
    pub area_km2: f64,
    /// A point in the largest piece (longitude, latitude).
    pub at: (f64, f64),
    /// The tolerance.
    pub sliver_km2: f64,
}

impl std::fmt::Display for Overlap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "'{}' layer '{}' ({} snapshot): holders '{}' and '{}' overlap by {:.3} km², around ({:.5}, {:.5}): each piece of land must have one holder, or it is counted twice (overlaps up to sliver_km2 = {} km² are measured and reported); give the land to one of them",
            self.path.display(),
            self.layer,
            self.year,
            self.a,
            self.b,
            self.area_km2,
            self.at.0,
            self.at.1,
            self.sliver_km2
        )
    }
}

/// Result with the library's error.
pub type Result<T> = std::result::Result<T, Error>;

/// GDAL's own message with `from` replaced by `to` (GDAL names the files it
/// could not write).
fn relocated_text(
    source: gdal::errors::GdalError,
    from: &Path,
    to: &Path,
) -> gdal::errors::GdalError {
    use gdal::errors::GdalError;
    let (from, to) = (from.to_string_lossy(), to.to_string_lossy());
    let moved = |msg: String| msg.replace(from.as_ref(), to.as_ref());
    match source {
        GdalError::CplError { class, number, msg } => GdalError::CplError {
            class,
            number,
            msg: moved(msg),
        },
        GdalError::NullPointer { method_name, msg } => GdalError::NullPointer {
            method_name,
            msg: moved(msg),
        },
        other => other,
    }
}

/// What to do about a layer without a CRS, judged from its coordinates:
/// `EPSG:4326` is suggested only when they fit longitude -180..360 and
/// latitude -90..90; larger ones are projected (metres, feet), and only the
/// source can say which projection.
fn no_crs_hint(extent: &Option<[f64; 4]>) -> String {
    const WHERE: &str = "to the layer's table in the analysis file";
    let Some([min_x, min_y, max_x, max_y]) = *extent else {
        return format!(
            "add `assume_crs` {WHERE}: \"EPSG:4326\" if its coordinates are WGS84 longitude/latitude in degrees, else the EPSG code of the source's projection"
        );
    };
    let span = format!(
        "x {} to {}, y {} to {}",
        coordinate(min_x),
        coordinate(max_x),
        coordinate(min_y),
        coordinate(max_y)
    );
    let degrees = [min_x, min_y, max_x, max_y].iter().all(|v| v.is_finite())
        && min_x >= -180.0
        && max_x <= 360.0
        && min_y >= -90.0
        && max_y <= 90.0;
    if degrees {
        format!(
            "its coordinates ({span}) fit longitude/latitude in degrees: if they are WGS84, add `assume_crs = \"EPSG:4326\"` {WHERE} (if they are on another datum, its code)"
        )
    } else {
        format!(
            "its coordinates ({span}) are too large for degrees and look projected (metres or feet), so the layer's CRS must be given: add `assume_crs = \"EPSG:<code>\"` {WHERE}, with the EPSG code of the source's projection (e.g. \"EPSG:32650\" for UTM zone 50N; often in a .prj file or the source's metadata)"
        )
    }
}

/// A coordinate for a message: whole units when large, else 4 decimals.
fn coordinate(value: f64) -> String {
    if value.abs() >= 1000.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.4}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

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
                source: relocated_text(source, from, to),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(extent: Option<[f64; 4]>) -> String {
        Error::NoCrs {
            path: PathBuf::from("a.shp"),
            layer: "a".into(),
            extent,
        }
        .to_string()
    }

    #[test]
    fn no_crs_suggests_epsg_4326_only_for_coordinates_that_fit_degrees() {
        let lonlat = message(Some([120.0, 50.0, 123.0, 51.5]));
        assert!(lonlat.contains("EPSG:4326"), "{lonlat}");
        assert!(lonlat.contains("x 120 to 123, y 50 to 51.5"), "{lonlat}");
        // Longitudes 180..360 (a Pacific-centred layer) are degrees too.
        assert!(message(Some([170.0, -50.0, 359.5, -10.0])).contains("EPSG:4326"));
        for projected in [
            [500_000.0, 5_500_000.0, 620_000.0, 5_700_000.0],
            [-10.0, 100.0, 20.0, 120.0],
            [-200.0, 0.0, 10.0, 10.0],
        ] {
            let text = message(Some(projected));
            assert!(!text.contains("EPSG:4326"), "{text}");
            assert!(text.contains("look projected"), "{text}");
            assert!(
                text.contains("EPSG code of the source's projection"),
                "{text}"
            );
        }
        assert!(
            message(Some([500_000.0, 5_500_000.0, 620_000.0, 5_700_000.0]))
                .contains("x 500000 to 620000, y 5500000 to 5700000")
        );
        // Unknown extent: both possibilities, neither assumed.
        let unknown = message(None);
        assert!(unknown.contains("EPSG:4326") && unknown.contains("source's projection"));
    }
}
