//! The only code that touches GDAL: readers turn vector layers into plain
//! `geo` types plus attributes (longitude/latitude on WGS84); writers do the
//! reverse. The analysis never sees a GDAL handle.

pub mod dated;
pub mod from_wkb;
pub mod postgres;
pub mod projection;
pub mod read;
pub mod rings;
pub mod shp;
pub mod write;

/// GDAL's runtime version, e.g. `3.6.2`.
pub fn gdal_version() -> String {
    gdal::version::version_info("RELEASE_NAME")
}

/// PROJ's runtime version, e.g. `9.1.1`.
pub fn proj_version() -> String {
    crate::io::projection::proj_version()
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

thread_local! {
    /// The last failure GDAL reported on this thread, if not yet taken.
    static LAST_FAILURE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// True while this thread reads a shapefile's rings unassembled
    /// (`read::RawRings`): the shapefile driver then warns, for every shape
    /// of several parts, that it could not make it a simple geometry.
    pub(crate) static RAW_RINGS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Routes GDAL's messages through borderchange (once per process): failures
/// are kept for the next message about the file at hand (see
/// [`take_gdal_failure`]) instead of being printed on their own; warnings
/// are printed; the null-pointer notices gdal 0.19 triggers while detecting
/// features without geometry are dropped. GDAL still hands every failure to
/// the `gdal` crate's results as before.
pub fn capture_gdal_messages() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        gdal::config::set_error_handler(|class, _code, message| {
            use gdal::errors::CplErrType;
            if message.contains("is NULL in") {
                return;
            }
            match class {
                CplErrType::Failure | CplErrType::Fatal => {
                    let message = message.trim().to_owned();
                    LAST_FAILURE.with(|last| *last.borrow_mut() = Some(message));
                }
                CplErrType::Warning
                    if RAW_RINGS.with(|raw| raw.get())
                        && message.contains("cannot be translated to Simple Geometry") => {}
                CplErrType::Warning => {
                    // Naming the file where the user asked for it, not in
                    // the staging folder.
                    eprintln!("GDAL warning: {}", crate::staging::user_facing(message));
                }
                _ => {}
            }
        });
    });
}

/// The failure GDAL last reported on this thread, once.
pub fn take_gdal_failure() -> Option<String> {
    LAST_FAILURE.with(|last| last.borrow_mut().take())
}
