//! Everything a run writes besides the GDAL layers themselves: reports,
//! maps, QGIS styles and the QGIS project.

pub mod qgis;
pub mod report;
