//! The only code that touches GDAL: readers turn vector layers into plain
//! `geo` types plus attributes (longitude/latitude on WGS84); writers do the
//! reverse. The analysis never sees a GDAL handle.

pub mod read;
pub mod write;

/// GDAL's runtime version, e.g. `3.6.2`.
pub fn gdal_version() -> String {
    gdal::version::version_info("RELEASE_NAME")
}

/// PROJ's runtime version, e.g. `9.1.1`.
pub fn proj_version() -> String {
    crate::projection::proj_version()
}
