//! Reading polygon and line layers in any vector format GDAL opens, in any
//! CRS, into longitude/latitude on WGS84.

use std::path::{Path, PathBuf};

use gdal::vector::{Geometry, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::{Geometry as GeoGeometry, LineString, MultiLineString, MultiPolygon, Polygon};

use crate::error::{Error, Result};
use crate::io::projection::ToWgs84;

/// Where a layer comes from.
#[derive(Debug, Clone)]
pub struct LayerSource {
    /// The file (or anything GDAL opens).
    pub path: PathBuf,
    /// The layer; `None` for a file with one layer.
    pub layer: Option<String>,
    /// CRS to assume when the layer declares none.
    pub assume_crs: Option<String>,
}

/// One polygon feature and the holder it names.
#[derive(Debug, Clone)]
pub struct PolygonFeature {
    /// GDAL feature id.
    pub fid: u64,
    /// Value of the holder field.
    pub holder: String,
    /// Longitude/latitude on WGS84.
    pub geometry: MultiPolygon<f64>,
}

/// One line feature and its name.
#[derive(Debug, Clone)]
pub struct LineFeature {
    /// GDAL feature id.
    pub fid: u64,
    /// Value of the name field.
    pub name: String,
    /// Longitude/latitude on WGS84.
    pub geometry: MultiLineString<f64>,
}

/// Reads every feature of a polygon layer with the value of `holder_field`.
///
/// Polygons, multipolygons and collections of polygons are accepted; any
/// other geometry, a null geometry, or an empty holder value is an error
/// naming the feature.
pub fn read_polygons(source: &LayerSource, holder_field: &str) -> Result<Vec<PolygonFeature>> {
    read_polygons_with(source, holder_field, &mut |e| Err(e))
}

/// As [`read_polygons`], handing each feature that cannot be read to
/// `skip` (which may return the error to stop, or `Ok` to go on without the
/// feature): what `validate` uses to list every problem at once. Problems
/// with the file or layer as a whole are returned as errors either way.
pub fn read_polygons_with(
    source: &LayerSource,
    holder_field: &str,
    skip: &mut dyn FnMut(Error) -> Result<()>,
) -> Result<Vec<PolygonFeature>> {
    if holder_field.trim().is_empty() {
        return Err(Error::Usage(format!(
            "'{}': the holder field must be named (it is empty)",
            source.path.display()
        )));
    }
    read_features(source, holder_field, "polygons", skip, |geometry| {
        let mut polygons = Vec::new();
        collect_polygons(geometry, &mut polygons).then(|| MultiPolygon::new(polygons))
    })
    .map(|features| {
        features
            .into_iter()
            .map(|(fid, holder, geometry)| PolygonFeature {
                fid,
                holder,
                geometry,
            })
            .collect()
    })
}

/// Reads every feature of a line layer with the value of `name_field`.
pub fn read_lines(source: &LayerSource, name_field: &str) -> Result<Vec<LineFeature>> {
    read_features(source, name_field, "lines", &mut |e| Err(e), |geometry| {
        let mut lines = Vec::new();
        collect_lines(geometry, &mut lines).then(|| MultiLineString::new(lines))
    })
    .map(|features| {
        features
            .into_iter()
            .map(|(fid, name, geometry)| LineFeature {
                fid,
                name,
                geometry,
            })
            .collect()
    })
}

/// True when `g` holds only polygons (pushed onto `out`).
///
/// Rings are oriented the OGC way (exteriors counter-clockwise, holes
/// clockwise) whatever the file had: overlays fill by winding, and a hole
/// wound like its exterior would otherwise be filled in.
fn collect_polygons(g: GeoGeometry<f64>, out: &mut Vec<Polygon<f64>>) -> bool {
    match g {
        GeoGeometry::Polygon(p) => out.push(oriented(p)),
        GeoGeometry::MultiPolygon(mp) => out.extend(mp.0.into_iter().map(oriented)),
        GeoGeometry::GeometryCollection(c) => {
            return c.0.into_iter().all(|g| collect_polygons(g, out))
        }
        _ => return false,
    }
    true
}

/// `polygon` with its rings oriented the OGC way (exterior counter-clockwise,
/// holes clockwise), as every polygon is read. A polygon with a coordinate
/// that is not a finite number is left as it is (orienting it would panic in
/// `geo`); the checks that follow reading refuse it with its feature named.
pub fn oriented(polygon: Polygon<f64>) -> Polygon<f64> {
    use geo::orient::{Direction, Orient};
    use geo::CoordsIter;
    if polygon
        .coords_iter()
        .all(|c| c.x.is_finite() && c.y.is_finite())
    {
        polygon.orient(Direction::Default)
    } else {
        polygon
    }
}

/// True when `g` holds only lines (pushed onto `out`).
fn collect_lines(g: GeoGeometry<f64>, out: &mut Vec<LineString<f64>>) -> bool {
    match g {
        GeoGeometry::LineString(l) => out.push(l),
        GeoGeometry::MultiLineString(ml) => out.extend(ml.0),
        GeoGeometry::GeometryCollection(c) => {
            return c.0.into_iter().all(|g| collect_lines(g, out))
        }
        _ => return false,
    }
    true
}

type Converted<G> = Vec<(u64, String, G)>;

fn read_features<G, F>(
    source: &LayerSource,
    field: &str,
    expected: &'static str,
    skip: &mut dyn FnMut(Error) -> Result<()>,
    convert: F,
) -> Result<Converted<G>>
where
    G: geo::MapCoordsInPlace<f64>,
    F: Fn(GeoGeometry<f64>) -> Option<G>,
{
    super::capture_gdal_messages();
    let _ = super::take_gdal_failure();
    let path = &source.path;
    let gdal_error = |layer: Option<String>| {
        let path = path.clone();
        move |source| Error::Gdal {
            path,
            layer,
            source,
        }
    };
    if !path.exists() {
        return Err(Error::Io {
            path: path.clone(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let dataset = Dataset::open_ex(
        path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            ..DatasetOptions::default()
        },
    )
    .map_err(gdal_error(None))?;
    let names: Vec<String> = dataset.layers().map(|l| l.name()).collect();
    let mut layer = match &source.layer {
        Some(name) => {
            if !names.contains(name) {
                return Err(Error::NoSuchLayer {
                    path: path.clone(),
                    layer: name.clone(),
                    layers: names,
                });
            }
            dataset
                .layer_by_name(name)
                .map_err(gdal_error(Some(name.clone())))?
        }
        None if names.len() == 1 => dataset.layer(0).map_err(gdal_error(None))?,
        None => {
            return Err(Error::WhichLayer {
                path: path.clone(),
                layers: names,
            })
        }
    };
    let layer_name = layer.name();
    // An empty layer first: GeoJSON with no features has no fields either.
    if layer.feature_count() == 0 {
        return Err(Error::EmptyLayer {
            path: path.clone(),
            layer: layer_name,
        });
    }
    let fields: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    // No field named: every feature's value is empty (a layer read for its
    // geometry only).
    let field_index = fields.iter().position(|f| f == field);
    if field_index.is_none() && !field.is_empty() {
        return Err(Error::MissingField {
            path: path.clone(),
            layer: layer_name,
            field: field.to_owned(),
            available: fields,
        });
    }
    let crs = match (layer.spatial_ref(), &source.assume_crs) {
        (Some(srs), _) => Some(srs.to_wkt().map_err(gdal_error(Some(layer_name.clone())))?),
        (None, Some(assumed)) => Some(assumed.clone()),
        (None, None) => None,
    };
    let Some(crs) = crs else {
        return Err(Error::NoCrs {
            path: path.clone(),
            layer: layer_name,
        });
    };
    let to_wgs84 = ToWgs84::new(&crs)?;

    let declared = layer.feature_count();
    let mut seen = 0u64;
    let mut out = Vec::new();
    for feature in layer.features() {
        seen += 1;
        let fid = feature.fid().unwrap_or(out.len() as u64);
        let bad = |reason: String| Error::BadFeature {
            path: path.clone(),
            layer: layer_name.clone(),
            feature: fid,
            reason,
        };
        let value = match field_index {
            Some(i) => feature
                .field_as_string(i)
                .map_err(gdal_error(Some(layer_name.clone())))?
                .map(|v| v.trim().to_owned())
                .unwrap_or_default(),
            None => String::new(),
        };
        if value.is_empty() && field_index.is_some() {
            skip(bad(format!("field '{field}' is empty")))?;
            continue;
        }
        // gdal 0.19 hands out a geometry wrapping a null handle for a
        // feature without geometry (a shapefile "null shape"); GDAL reports
        // its type as unknown, which no real geometry has.
        let geometry = feature
            .geometry()
            .filter(|g| g.geometry_type() != gdal::vector::OGRwkbGeometryType::wkbUnknown);
        let Some(geometry) = geometry else {
            // A geometry GDAL failed to read looks the same as none at all.
            let reason = match super::take_gdal_failure() {
                Some(failure) => format!(
                    "the geometry cannot be read (GDAL: {failure}); is the file truncated or corrupt?"
                ),
                None => "the geometry is missing (null)".to_owned(),
            };
            skip(bad(reason))?;
            continue;
        };
        let found = geometry.geometry_name();
        let geo = match to_geo(geometry) {
            Ok(geo) => geo,
            Err(e) => {
                skip(bad(format!("unreadable geometry ({found}): {e}")))?;
                continue;
            }
        };
        let Some(mut converted) = convert(geo) else {
            skip(Error::WrongGeometry {
                path: path.clone(),
                layer: layer_name.clone(),
                feature: fid,
                expected,
                found,
            })?;
            continue;
        };
        if let Err(message) = to_wgs84.apply(&mut converted) {
            skip(bad(format!("cannot reproject to WGS84: {message}")))?;
            continue;
        }
        out.push((fid, value, converted));
    }
    // A damaged index or attribute table can end the iteration early, with
    // nothing but a message from GDAL: never analyse part of a layer.
    if seen < declared {
        let failure = super::take_gdal_failure()
            .map(|f| format!(" (GDAL: {f})"))
            .unwrap_or_default();
        return Err(Error::BadFeature {
            path: path.clone(),
            layer: layer_name,
            feature: seen,
            reason: format!(
                "only {seen} of the layer's {declared} features could be read{failure}; is the file (or its .shx/.dbf) truncated or corrupt?"
            ),
        });
    }
    if out.is_empty() {
        return Err(Error::EmptyLayer {
            path: path.clone(),
            layer: layer_name,
        });
    }
    Ok(out)
}

/// Converts to `geo`, dropping Z and M (areas and lengths are on the
/// ellipsoid surface).
fn to_geo(geometry: &Geometry) -> std::result::Result<GeoGeometry<f64>, String> {
    let mut flat = geometry.clone();
    flat.flatten_to_2d();
    flat.to_geo().map_err(|e| e.to_string())
}

/// The layer names in a file, for messages and tests.
pub fn layer_names(path: &Path) -> Result<Vec<String>> {
    let dataset = Dataset::open(path).map_err(|source| Error::Gdal {
        path: path.to_owned(),
        layer: None,
        source,
    })?;
    Ok(dataset.layers().map(|l| l.name()).collect())
}
