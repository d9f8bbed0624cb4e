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

/// The WKT of a CRS given in any form GDAL accepts (PROJ string, EPSG
/// code, WKT), for files such as QGIS projects that want WKT.
pub fn crs_wkt(crs: &str) -> crate::error::Result<String> {
    let proj_error = |e: gdal::errors::GdalError| crate::error::Error::Proj {
        crs: crs.to_owned(),
        message: e.to_string(),
    };
    gdal::spatial_ref::SpatialRef::from_definition(crs)
        .and_then(|srs| srs.to_wkt())
        .map_err(proj_error)
}
