//! The engine: measurement, validity, overlay and boundaries on longitude
//! and latitude (WGS84).

pub mod boundary;
pub mod geodesy;
pub mod overlay;
pub mod topology;
