//! borderchange: historical border-change analysis on the WGS84 ellipsoid.

#![forbid(unsafe_code)]

pub mod boundary;
pub mod geodesy;
pub mod model;
