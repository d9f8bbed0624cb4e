//! Writing layers through GDAL, in EPSG:4326, with bytes that do not change
//! from one run to the next (no dates, fixed field widths).

use std::path::Path;

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    Feature, FieldDefn, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal,
};
use gdal::DriverManager;

use crate::error::{Error, Result};
use geo::orient::{Direction, Orient};

/// The geometry type of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    /// Multipolygons (polygons are written as multipolygons).
    MultiPolygon,
    /// Single lines.
    LineString,
    /// Several lines per feature.
    MultiLineString,
}

/// The type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// 64-bit integer (10 digits in a shapefile).
    Int,
    /// Double, written with 6 decimals in a shapefile.
    Real,
    /// UTF-8 text, at most 254 bytes in a shapefile.
    Text,
}

/// An attribute column.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// Column name (at most 10 characters for a shapefile).
    pub name: String,
    /// Column type.
    pub kind: FieldKind,
}

impl FieldDef {
    /// A column.
    pub fn new(name: impl Into<String>, kind: FieldKind) -> FieldDef {
        FieldDef {
            name: name.into(),
            kind,
        }
    }
}

/// An attribute value; its position matches the layer's fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// For [`FieldKind::Int`].
    Int(i64),
    /// For [`FieldKind::Real`].
    Real(f64),
    /// For [`FieldKind::Text`].
    Text(String),
}

/// A feature to write: longitude/latitude geometry and its values.
#[derive(Debug, Clone)]
pub struct OutFeature {
    /// Longitude/latitude on WGS84.
    pub geometry: geo::Geometry<f64>,
    /// One value per field, in field order.
    pub values: Vec<Value>,
}

/// Shapefile DBF headers carry a "last update" date; a fixed one keeps the
/// bytes identical between runs.
const FIXED_DBF_DATE: &str = "DBF_DATE_LAST_UPDATE=2000-01-01";

/// Writes one layer to a new file at `path` with the GDAL `driver`
/// (`ESRI Shapefile`, `GPKG`, `GeoJSON`, `FlatGeobuf`, …).
pub fn write_layer(
    path: &Path,
    driver: &str,
    layer_name: &str,
    geometry: GeometryKind,
    fields: &[FieldDef],
    features: &[OutFeature],
) -> Result<()> {
    let gdal_error = |source| Error::Gdal {
        path: path.to_owned(),
        layer: Some(layer_name.to_owned()),
        source,
    };
    let shapefile = driver == "ESRI Shapefile";
    if shapefile {
        if let Some(long) = fields.iter().find(|f| f.name.chars().count() > 10) {
            return Err(Error::BadFeature {
                path: path.to_owned(),
                layer: layer_name.to_owned(),
                feature: 0,
                reason: format!(
                    "field name '{}' is longer than a shapefile allows (10 characters)",
                    long.name
                ),
            });
        }
    }
    if shapefile {
        // GDAL re-derives every ring's role on write by testing it against
        // all other rings (minutes for a coast with thousands of islands);
        // the rings are oriented the shapefile way below instead.
        gdal::config::set_thread_local_config_option("SHAPE_REWIND_ON_WRITE", "NO")
            .map_err(gdal_error)?;
    }
    let written = write_features(path, driver, layer_name, geometry, fields, features);
    if shapefile {
        let _ = gdal::config::clear_thread_local_config_option("SHAPE_REWIND_ON_WRITE");
    }
    written
}

fn write_features(
    path: &Path,
    driver: &str,
    layer_name: &str,
    geometry: GeometryKind,
    fields: &[FieldDef],
    features: &[OutFeature],
) -> Result<()> {
    let gdal_error = |source| Error::Gdal {
        path: path.to_owned(),
        layer: Some(layer_name.to_owned()),
        source,
    };
    let shapefile = driver == "ESRI Shapefile";
    let gdal_driver = DriverManager::get_driver_by_name(driver).map_err(gdal_error)?;
    let mut dataset = gdal_driver.create_vector_only(path).map_err(gdal_error)?;
    let srs = SpatialRef::from_epsg(4326).map_err(gdal_error)?;
    let options: &[&str] = if shapefile {
        &["ENCODING=UTF-8", FIXED_DBF_DATE]
    } else {
        &[]
    };
    let ty = match geometry {
        GeometryKind::MultiPolygon => OGRwkbGeometryType::wkbMultiPolygon,
        GeometryKind::LineString => OGRwkbGeometryType::wkbLineString,
        GeometryKind::MultiLineString => OGRwkbGeometryType::wkbMultiLineString,
    };
    let layer = dataset
        .create_layer(LayerOptions {
            name: layer_name,
            srs: Some(&srs),
            ty,
            options: Some(options),
        })
        .map_err(gdal_error)?;
    for field in fields {
        let (ty, width, precision) = match field.kind {
            FieldKind::Int => (OGRFieldType::OFTInteger64, 10, 0),
            FieldKind::Real => (OGRFieldType::OFTReal, 24, 6),
            FieldKind::Text => (OGRFieldType::OFTString, 254, 0),
        };
        let defn = FieldDefn::new(&field.name, ty).map_err(gdal_error)?;
        if shapefile {
            defn.set_width(width);
            defn.set_precision(precision);
        }
        defn.add_to_layer(&layer).map_err(gdal_error)?;
    }
    for (i, f) in features.iter().enumerate() {
        let mut feature = Feature::new(layer.defn()).map_err(gdal_error)?;
        let mut geometry = match (&f.geometry, geometry) {
            (geo::Geometry::Polygon(p), GeometryKind::MultiPolygon) => {
                oriented(geo::MultiPolygon::new(vec![p.clone()]), shapefile).to_gdal()
            }
            (geo::Geometry::MultiPolygon(mp), _) => oriented(mp.clone(), shapefile).to_gdal(),
            (g, _) => g.to_gdal(),
        }
        .map_err(gdal_error)?;
        geometry.set_spatial_ref(srs.clone());
        feature.set_geometry(geometry).map_err(gdal_error)?;
        for (index, value) in f.values.iter().enumerate() {
            match value {
                Value::Int(v) => feature.set_field_integer64(index, *v),
                Value::Real(v) => feature.set_field_double(index, *v),
                Value::Text(v) => feature.set_field_string(index, v),
            }
            .map_err(gdal_error)?;
        }
        feature.create(&layer).map_err(|source| Error::Gdal {
            path: path.to_owned(),
            layer: Some(format!("{layer_name}, feature {i}")),
            source,
        })?;
    }
    dataset.close().map_err(gdal_error)?;
    Ok(())
}

/// Shapefiles want exterior rings clockwise and holes counter-clockwise;
/// other formats get the OGC (and GeoJSON) convention, the opposite.
fn oriented(mp: geo::MultiPolygon<f64>, shapefile: bool) -> geo::MultiPolygon<f64> {
    let direction = if shapefile {
        Direction::Reversed
    } else {
        Direction::Default
    };
    mp.orient(direction)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::read::{read_lines, read_polygons, LayerSource};
    use geo::{polygon, LineString};

    fn cell() -> geo::Geometry<f64> {
        polygon![(x: 120.0, y: 50.0), (x: 121.0, y: 50.0), (x: 121.0, y: 51.0), (x: 120.0, y: 51.0)]
            .into()
    }

    #[test]
    fn shapefile_round_trip_with_attributes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cells.shp");
        let fields = [
            FieldDef::new("state", FieldKind::Text),
            FieldDef::new("year", FieldKind::Int),
        ];
        let features = [OutFeature {
            geometry: cell(),
            values: vec![Value::Text("Цин".into()), Value::Int(1689)],
        }];
        write_layer(
            &path,
            "ESRI Shapefile",
            "cells",
            GeometryKind::MultiPolygon,
            &fields,
            &features,
        )
        .unwrap();
        for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
            assert!(path.with_extension(ext).exists(), "{ext}");
        }
        let source = LayerSource {
            path: path.clone(),
            layer: None,
            assume_crs: None,
        };
        let read = read_polygons(&source, "state").unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].holder, "Цин");
        assert_eq!(read[0].geometry.0[0].exterior().0.len(), 5);
    }

    #[test]
    fn identical_bytes_on_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let fields = [FieldDef::new("area_km2", FieldKind::Real)];
        let features = [OutFeature {
            geometry: cell(),
            values: vec![Value::Real(7892.061583)],
        }];
        let mut hashes = Vec::new();
        for name in ["a", "b"] {
            let path = dir.path().join(format!("{name}.shp"));
            write_layer(
                &path,
                "ESRI Shapefile",
                "a",
                GeometryKind::MultiPolygon,
                &fields,
                &features,
            )
            .unwrap();
            hashes.push(
                ["shp", "shx", "dbf", "prj", "cpg"]
                    .map(|ext| std::fs::read(path.with_extension(ext)).unwrap()),
            );
        }
        assert_eq!(hashes[0], hashes[1]);
    }

    #[test]
    fn long_shapefile_field_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.shp");
        let fields = [FieldDef::new("much_too_long", FieldKind::Int)];
        let e = write_layer(
            &path,
            "ESRI Shapefile",
            "x",
            GeometryKind::MultiPolygon,
            &fields,
            &[],
        )
        .unwrap_err();
        assert!(e.to_string().contains("much_too_long"), "{e}");
    }

    #[test]
    fn lines_round_trip_and_layer_choice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rivers.gpkg");
        let line: geo::Geometry<f64> = LineString::from(vec![(120.0, 50.0), (121.0, 50.5)]).into();
        let features = [OutFeature {
            geometry: line,
            values: vec![Value::Text("Amur".into())],
        }];
        write_layer(
            &path,
            "GPKG",
            "rivers",
            GeometryKind::LineString,
            &[FieldDef::new("name", FieldKind::Text)],
            &features,
        )
        .unwrap();
        let source = LayerSource {
            path,
            layer: Some("rivers".into()),
            assume_crs: None,
        };
        let read = read_lines(&source, "name").unwrap();
        assert_eq!(read[0].name, "Amur");
        let missing = LayerSource {
            layer: Some("roads".into()),
            ..source
        };
        let e = read_lines(&missing, "name").unwrap_err().to_string();
        assert!(e.contains("roads") && e.contains("rivers"), "{e}");
    }
}
