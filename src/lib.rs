//! borderchange: historical border-change analysis on the WGS84 ellipsoid.

#![forbid(unsafe_code)]

pub mod boundary;
pub mod config;
pub mod error;
pub mod geodesy;
pub mod model;
pub mod overlay;
pub mod projection;
