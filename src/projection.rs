//! PROJ (placeholder until the io branch lands).
/// Default equal-area CRS.
pub const DEFAULT_EQUAL_AREA: &str = "+proj=laea +lat_0=50 +lon_0=120 +datum=WGS84 +units=m +no_defs";
