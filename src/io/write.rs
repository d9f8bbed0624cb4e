//! Writing layers through GDAL, in EPSG:4326, with bytes that do not change
//! from one run to the next (no dates, fixed field widths).

use std::path::Path;

use gdal::spatial_ref::SpatialRef;
use gdal::vector::sql::Dialect;
use gdal::vector::{
    Feature, FieldDefn, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal,
};
use gdal::DriverManager;

use crate::error::{Error, Result};

/// The geometry type of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    /// Multipolygons (polygons are written as multipolygons).
    MultiPolygon,
    /// Single lines.
    LineString,
    /// Several lines per feature.
    MultiLineString,
    /// Points.
    Point,
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
    /// A calendar day (a GeoPackage or shapefile date field).
    Date,
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
    /// For [`FieldKind::Date`].
    Date(crate::date::Date),
    /// No value (null).
    Null,
}

/// A feature to write: longitude/latitude geometry and its values.
#[derive(Debug, Clone)]
pub struct OutFeature<'a> {
    /// Longitude/latitude on WGS84.
    pub geometry: Shape<'a>,
    /// One value per field, in field order.
    pub values: Vec<Value>,
}

/// A feature's geometry, owned or borrowed from the analysis: a run writes
/// every snapshot, piece and boundary, and copying them all for the writer
/// would hold a second copy of the coordinates while the layers are
/// written.
#[derive(Debug, Clone)]
pub enum Shape<'a> {
    /// Any geometry, owned.
    Owned(geo::Geometry<f64>),
    /// Polygons, borrowed.
    MultiPolygon(&'a geo::MultiPolygon<f64>),
    /// A line, borrowed.
    LineString(&'a geo::LineString<f64>),
    /// Lines, borrowed.
    MultiLineString(&'a geo::MultiLineString<f64>),
}

impl Shape<'_> {
    /// How many coordinates it has (what writing it costs).
    pub fn coords_count(&self) -> usize {
        use geo::CoordsIter;
        match self {
            Shape::Owned(g) => g.coords_count(),
            Shape::MultiPolygon(mp) => mp.coords_count(),
            Shape::LineString(l) => l.coords_count(),
            Shape::MultiLineString(l) => l.coords_count(),
        }
    }
}

impl From<geo::Geometry<f64>> for Shape<'_> {
    fn from(g: geo::Geometry<f64>) -> Self {
        Shape::Owned(g)
    }
}

/// Shapefile DBF headers carry a "last update" date; a fixed one keeps the
/// bytes identical between runs.
const FIXED_DBF_DATE: &str = "DBF_DATE_LAST_UPDATE=2000-01-01";

/// GeoPackages stamp `gpkg_contents.last_change` with the current time unless
/// GDAL is given this date instead.
const FIXED_GPKG_DATE: &str = "2000-01-01T00:00:00.000Z";

/// A whole layer: its name, geometry type, columns and features.
#[derive(Debug, Clone)]
pub struct Layer<'a> {
    /// Layer (and, for one-layer formats, file) name.
    pub name: String,
    /// Geometry type.
    pub geometry: GeometryKind,
    /// Attribute columns.
    pub fields: Vec<FieldDef>,
    /// Features, in the order they are written.
    pub features: Vec<OutFeature<'a>>,
}

/// A QGIS style for one layer of a GeoPackage, stored in its `layer_styles`
/// table so that QGIS applies it when the layer is opened.
#[derive(Debug, Clone)]
pub struct LayerStyle {
    /// The layer the style belongs to.
    pub layer: String,
    /// The style's name as QGIS lists it.
    pub name: String,
    /// The QML document.
    pub qml: String,
}

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
    let layer = Layer {
        name: layer_name.to_owned(),
        geometry,
        fields: fields.to_vec(),
        features: features.to_vec(),
    };
    write_dataset(path, driver, std::slice::from_ref(&layer), &[])
}

/// Writes `layers` into one new file at `path` (a GeoPackage holds them all;
/// one-layer formats take exactly one). For a GeoPackage, `styles` go into
/// its `layer_styles` table.
pub fn write_dataset(
    path: &Path,
    driver: &str,
    layers: &[Layer],
    styles: &[LayerStyle],
) -> Result<()> {
    write_with(&Request {
        path,
        driver,
        layers,
        styles,
        geometries: true,
    })
}

/// Writes `layer` as a shapefile at `path` with GDAL, its geometries
/// left to [`super::shp::geometry_files`] (for the caller to write): GDAL
/// writes the `.dbf`, `.prj` and `.cpg`, and a `.shp` and `.shx` of empty
/// shapes, which the caller replaces. `None` (and nothing written) when
/// the geometry files cannot be made that way: then [`write_dataset`]
/// writes the layer.
pub fn write_shapefile_split<'l>(
    path: &Path,
    layer: &'l Layer<'l>,
) -> Result<Option<super::shp::GeometryFiles<'l>>> {
    let Some(files) = super::shp::geometry_files(layer) else {
        return Ok(None);
    };
    write_with(&Request {
        path,
        driver: "ESRI Shapefile",
        layers: std::slice::from_ref(layer),
        styles: &[],
        geometries: false,
    })?;
    Ok(Some(files))
}

/// What [`write_with`] writes.
#[derive(Clone, Copy)]
struct Request<'r> {
    path: &'r Path,
    driver: &'r str,
    layers: &'r [Layer<'r>],
    styles: &'r [LayerStyle],
    /// False: the features without their geometry.
    geometries: bool,
}

/// [`write_dataset`], the features without their geometry unless
/// `request.geometries`.
fn write_with(request: &Request) -> Result<()> {
    write_with_cache(request, |layers| {
        sqlite_cache_mb(layers, SQLITE_CACHE_MAX_MB)
    })
}

/// How a GeoPackage's SQLite page cache (MiB) is chosen for its layers:
/// `None` leaves GDAL's default.
type CacheChoice = fn(&[Layer]) -> Option<usize>;

/// [`write_with`] with a GeoPackage's SQLite page cache (MiB) chosen by
/// `cache_mb` (`None`: GDAL's default); the tests compare the bytes each
/// choice writes.
fn write_with_cache(request: &Request, cache_mb: CacheChoice) -> Result<()> {
    let Request {
        path,
        driver,
        layers,
        ..
    } = *request;
    let gdal_error = |source| Error::Gdal {
        path: path.to_owned(),
        layer: None,
        source,
    };
    let shapefile = driver == "ESRI Shapefile";
    if shapefile {
        for layer in layers {
            if let Some(long) = layer.fields.iter().find(|f| f.name.chars().count() > 10) {
                return Err(Error::BadFeature {
                    path: path.to_owned(),
                    layer: layer.name.clone(),
                    feature: 0,
                    reason: format!(
                        "field name '{}' is longer than a shapefile allows (10 characters)",
                        long.name
                    ),
                });
            }
        }
    }
    // Shapefiles: GDAL re-derives every ring's role on write by testing it
    // against all other rings (minutes for a coast with thousands of
    // islands); the rings are oriented the shapefile way here instead.
    // GeoPackages: a fixed date instead of "now", and a small one's pages
    // all in SQLite's cache (a large one's largest geometry).
    let cache_mb = (driver == "GPKG")
        .then(|| cache_mb(layers))
        .flatten()
        .map(|mb| mb.to_string());
    let mut settings = vec![
        ("SHAPE_REWIND_ON_WRITE", "NO"),
        ("OGR_CURRENT_DATE", FIXED_GPKG_DATE),
    ];
    if let Some(mb) = &cache_mb {
        settings.push(("OGR_SQLITE_CACHE", mb));
    }
    for &(key, value) in &settings {
        gdal::config::set_thread_local_config_option(key, value).map_err(gdal_error)?;
    }
    let written = write_layers(request);
    for (key, _) in settings {
        let _ = gdal::config::clear_thread_local_config_option(key);
    }
    written
}

/// Outputs up to this size (MiB) keep all their pages in SQLite's cache.
const SQLITE_CACHE_MAX_MB: usize = 128;

/// SQLite's page cache for writing `layers` to a GeoPackage, MiB: room for
/// every page when that takes at most `whole_up_to_mb`, otherwise room for
/// the largest geometry twice over.
///
/// With the default (2 MB) the pages of a layer's transaction spill to the
/// file as they are made, and GDAL's R-tree, built from every geometry once
/// the layers are written, reads them all back (53,000 reads for the
/// bundled run's 59 MB). The bytes written are the same either way (the
/// test `cache_sizes_write_the_same_bytes`). Large outputs do not keep
/// every page: their memory peak is in the writing stage. But GDAL 3.6
/// builds the R-tree with one `ST_MinX`, `ST_MaxX`, `ST_MinY`, `ST_MaxY` of
/// each geometry, and SQLite loads the whole value for each of the four;
/// with room for the largest geometry in the cache, the last three find
/// its pages there, and the file is read once instead of four to five
/// times. The 10^7 benchmark's 710 MB GeoPackage: 832,000 page reads
/// before, 175,000 after (`strace -f -c`), with a cache of about 95 MB.
fn sqlite_cache_mb(layers: &[Layer], whole_up_to_mb: usize) -> Option<usize> {
    // 16 bytes a coordinate, a quarter more for headers, pages and fields.
    let mb = |coords: usize| (coords * 20).div_ceil(1 << 20) + 8;
    let (all, largest) = layers
        .iter()
        .flat_map(|l| &l.features)
        .map(|f| f.geometry.coords_count())
        .fold((0, 0), |(all, largest), n| (all + n, largest.max(n)));
    let whole = mb(all);
    Some(if whole <= whole_up_to_mb {
        whole
    } else {
        mb(2 * largest)
    })
}

fn write_layers(request: &Request) -> Result<()> {
    let Request {
        path,
        driver,
        layers,
        styles,
        geometries,
    } = *request;
    let gdal_error = |layer: Option<&str>| {
        let path = path.to_owned();
        let layer = layer.map(str::to_owned);
        move |source| Error::Gdal {
            path,
            layer,
            source,
        }
    };
    let shapefile = driver == "ESRI Shapefile";
    let geopackage = driver == "GPKG";
    let gdal_driver = DriverManager::get_driver_by_name(driver).map_err(gdal_error(None))?;
    let mut dataset = gdal_driver
        .create_vector_only(path)
        .map_err(gdal_error(None))?;
    let srs = SpatialRef::from_epsg(4326).map_err(gdal_error(None))?;
    for layer in layers {
        let one = |dataset: &mut gdal::Dataset| {
            write_one(dataset, path, &srs, layer, shapefile, (&[], geometries))
        };
        // One transaction per layer: a GeoPackage otherwise commits every
        // feature on its own.
        if geopackage {
            let mut transaction = dataset.start_transaction().map_err(gdal_error(None))?;
            one(&mut transaction)?;
            transaction
                .commit()
                .map_err(gdal_error(Some(&layer.name)))?;
        } else {
            one(&mut dataset)?;
        }
    }
    if geopackage && !styles.is_empty() {
        write_styles(&dataset, styles).map_err(gdal_error(Some("layer_styles")))?;
    }
    dataset.close().map_err(gdal_error(None))?;
    Ok(())
}

/// Writes one layer into an open dataset (`options`: GDAL layer creation
/// options, for formats other than shapefiles), its features without
/// geometry unless `geometries`.
pub(crate) fn write_one(
    dataset: &mut gdal::Dataset,
    path: &Path,
    srs: &SpatialRef,
    layer_data: &Layer,
    shapefile: bool,
    (options, geometries): (&[&str], bool),
) -> Result<()> {
    let layer_name = layer_data.name.as_str();
    let gdal_error = |source| Error::Gdal {
        path: path.to_owned(),
        layer: Some(layer_name.to_owned()),
        source,
    };
    let options: &[&str] = if shapefile {
        &["ENCODING=UTF-8", FIXED_DBF_DATE]
    } else {
        options
    };
    let ty = match layer_data.geometry {
        GeometryKind::MultiPolygon => OGRwkbGeometryType::wkbMultiPolygon,
        GeometryKind::LineString => OGRwkbGeometryType::wkbLineString,
        GeometryKind::MultiLineString => OGRwkbGeometryType::wkbMultiLineString,
        GeometryKind::Point => OGRwkbGeometryType::wkbPoint,
    };
    let layer = dataset
        .create_layer(LayerOptions {
            name: layer_name,
            srs: Some(srs),
            ty,
            options: Some(options),
        })
        .map_err(gdal_error)?;
    for field in &layer_data.fields {
        let (ty, width, precision) = match field.kind {
            FieldKind::Int => (OGRFieldType::OFTInteger64, 10, 0),
            FieldKind::Real => (OGRFieldType::OFTReal, 24, 6),
            FieldKind::Text => (OGRFieldType::OFTString, 254, 0),
            FieldKind::Date => (OGRFieldType::OFTDate, 8, 0),
        };
        let defn = FieldDefn::new(&field.name, ty).map_err(gdal_error)?;
        if shapefile {
            defn.set_width(width);
            defn.set_precision(precision);
        }
        defn.add_to_layer(&layer).map_err(gdal_error)?;
    }
    for (i, f) in layer_data.features.iter().enumerate() {
        let mut feature = Feature::new(layer.defn()).map_err(gdal_error)?;
        if geometries {
            let geometry = match (&f.geometry, layer_data.geometry) {
                (Shape::Owned(geo::Geometry::Polygon(p)), GeometryKind::MultiPolygon) => {
                    gdal::vector::Geometry::from_wkb(&multi_polygon_wkb(
                        std::slice::from_ref(p),
                        shapefile,
                    ))
                }
                (Shape::Owned(geo::Geometry::MultiPolygon(mp)), _) => {
                    gdal::vector::Geometry::from_wkb(&multi_polygon_wkb(&mp.0, shapefile))
                }
                (Shape::MultiPolygon(mp), _) => {
                    gdal::vector::Geometry::from_wkb(&multi_polygon_wkb(&mp.0, shapefile))
                }
                (Shape::Owned(g), _) => g.to_gdal(),
                (Shape::LineString(l), _) => l.to_gdal(),
                (Shape::MultiLineString(l), _) => l.to_gdal(),
            }
            .map_err(gdal_error)?;
            // No CRS on the geometry: the layer's is written (a copy of it on
            // every feature cost a PROJ object each).
            feature.set_geometry(geometry).map_err(gdal_error)?;
        }
        for (index, value) in f.values.iter().enumerate() {
            match value {
                Value::Int(v) => feature.set_field_integer64(index, *v),
                Value::Real(v) => feature.set_field_double(index, *v),
                Value::Text(v) => feature.set_field_string(index, v),
                // GDAL parses ISO 8601 into a date field.
                Value::Date(d) => feature.set_field_string(index, &d.to_string()),
                Value::Null => Ok(()),
            }
            .map_err(gdal_error)?;
        }
        feature.create(&layer).map_err(|source| Error::Gdal {
            path: path.to_owned(),
            layer: Some(format!("{layer_name}, feature {i}")),
            source,
        })?;
    }
    Ok(())
}

/// The `layer_styles` table as QGIS creates it, registered in
/// `gpkg_contents` as an attributes table, one default style per layer.
fn write_styles(dataset: &gdal::Dataset, styles: &[LayerStyle]) -> gdal::errors::Result<()> {
    let sql = |query: &str| {
        dataset
            .execute_sql(query, None, Dialect::DEFAULT)
            .map(|_| ())
    };
    sql(
        "CREATE TABLE layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \
         f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), \
         f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, \
         useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), \
         update_time DATETIME)",
    )?;
    sql(&format!(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) \
         VALUES ('layer_styles', 'attributes', 'layer_styles', '', '{FIXED_GPKG_DATE}')"
    ))?;
    for style in styles {
        sql(&format!(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, \
             f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, \
             owner, ui, update_time) VALUES ('', '', {}, 'geom', {}, {}, '', 1, \
             'written by borderchange', '', '', '{FIXED_GPKG_DATE}')",
            quote(&style.layer),
            quote(&style.name),
            quote(&style.qml)
        ))?;
    }
    Ok(())
}

/// An SQL string literal.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Polygons as a well-known-binary multipolygon (little-endian), which GDAL
/// reads in one call instead of one call per point, each ring oriented as
/// [`oriented_rings`] says.
fn multi_polygon_wkb(polygons: &[geo::Polygon<f64>], shapefile: bool) -> Vec<u8> {
    let points: usize = polygons
        .iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum();
    let rings: usize = polygons.iter().map(|p| 1 + p.interiors().len()).sum();
    let mut wkb = Vec::with_capacity(9 + 9 * polygons.len() + 4 * rings + 16 * points);
    let count = |wkb: &mut Vec<u8>, n: usize| {
        wkb.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
    };
    // Byte order (1: little-endian), then the type: 6 multipolygon, 3 polygon.
    wkb.push(1);
    wkb.extend_from_slice(&6u32.to_le_bytes());
    count(&mut wkb, polygons.len());
    let mut rings = oriented_rings(polygons, shapefile);
    for polygon in polygons {
        wkb.push(1);
        wkb.extend_from_slice(&3u32.to_le_bytes());
        count(&mut wkb, 1 + polygon.interiors().len());
        for _ in 0..1 + polygon.interiors().len() {
            let Some((ring, reverse)) = rings.next() else {
                break;
            };
            count(&mut wkb, ring.0.len());
            // The ring's bytes made room for at once and filled 16 at a
            // time: a plain loop of stores, where pushing each coordinate
            // checked the capacity twice a point.
            let start = wkb.len();
            wkb.resize(start + 16 * ring.0.len(), 0);
            fill_points(&mut wkb[start..], &ring.0, reverse);
        }
    }
    wkb
}

/// Fills `out`, 16 bytes a point, with `points` (backwards if `reverse`):
/// x then y, little-endian, as well-known binary and shapefiles hold them.
pub(crate) fn fill_points(out: &mut [u8], points: &[geo::Coord<f64>], reverse: bool) {
    let put = |(out, c): (&mut [u8], &geo::Coord<f64>)| {
        out[..8].copy_from_slice(&c.x.to_le_bytes());
        out[8..].copy_from_slice(&c.y.to_le_bytes());
    };
    let out = out.chunks_exact_mut(16);
    if reverse {
        out.zip(points.iter().rev()).for_each(put);
    } else {
        out.zip(points).for_each(put);
    }
}

/// Every ring of `polygons` (each exterior, then its holes) and whether it
/// is to be written backwards: shapefiles want exterior rings clockwise and
/// holes counter-clockwise; other formats get the OGC (and GeoJSON)
/// convention, the opposite. A ring enclosing no area is written as it is.
pub(crate) fn oriented_rings(
    polygons: &[geo::Polygon<f64>],
    shapefile: bool,
) -> impl Iterator<Item = (&geo::LineString<f64>, bool)> {
    polygons
        .iter()
        .flat_map(|polygon| {
            std::iter::once((polygon.exterior(), true))
                .chain(polygon.interiors().iter().map(|r| (r, false)))
        })
        .map(move |(ring, exterior)| {
            let area = crate::geometry::topology::twice_area(&ring.0);
            // Exteriors counter-clockwise for OGC, clockwise for shapefiles.
            let want_ccw = exterior != shapefile;
            (ring, area != 0.0 && (area > 0.0) != want_ccw)
        })
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

    /// The well-known binary GDAL is given holds the polygons as they are,
    /// rings turned the way the format wants: exteriors counter-clockwise
    /// and holes clockwise (OGC), or the opposite (shapefile).
    #[test]
    fn wkb_orients_rings_for_the_format() {
        use geo::Winding;
        // Exterior clockwise, hole counter-clockwise: the shapefile way.
        let p = geo::Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (0.0, 4.0),
                (4.0, 4.0),
                (4.0, 0.0),
                (0.0, 0.0),
            ]),
            vec![LineString::from(vec![
                (1.0, 1.0),
                (2.0, 1.0),
                (2.0, 2.0),
                (1.0, 2.0),
                (1.0, 1.0),
            ])],
        );
        let other = polygon![(x: 10.0, y: 0.0), (x: 11.0, y: 0.0), (x: 11.0, y: 1.0)];
        for shapefile in [false, true] {
            let wkb = multi_polygon_wkb(&[p.clone(), other.clone()], shapefile);
            let back = gdal::vector::Geometry::from_wkb(&wkb)
                .unwrap()
                .to_geo()
                .unwrap();
            let geo::Geometry::MultiPolygon(back) = back else {
                panic!("not a multipolygon: {back:?}");
            };
            assert_eq!(back.0.len(), 2);
            for q in &back.0 {
                assert_eq!(q.exterior().is_ccw(), !shapefile);
                for hole in q.interiors() {
                    assert_eq!(hole.is_ccw(), shapefile);
                }
            }
            // The same rings, whichever way they run.
            let expected = oriented_like(&p, shapefile);
            assert_eq!(back.0[0], expected);
        }
    }

    /// `p` with its rings turned by `geo` as [`multi_polygon_wkb`] turns them.
    fn oriented_like(p: &geo::Polygon<f64>, shapefile: bool) -> geo::Polygon<f64> {
        use geo::orient::{Direction, Orient};
        p.orient(if shapefile {
            Direction::Reversed
        } else {
            Direction::Default
        })
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
            geometry: cell().into(),
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
            geometry: cell().into(),
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

    /// A GeoPackage's bytes do not depend on SQLite's page cache: every
    /// page in it (small outputs), room for the largest geometry (large
    /// ones) and GDAL's default of 2 MB (before) write the same file. The
    /// features here take about 13 MB, so that the smaller caches spill.
    #[test]
    fn cache_sizes_write_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let ring = |n: usize, dx: f64| -> geo::Polygon<f64> {
            let points: Vec<(f64, f64)> = (0..n)
                .map(|i| {
                    let t = i as f64 / n as f64 * std::f64::consts::TAU;
                    (100.0 + dx + t.cos(), 40.0 + t.sin())
                })
                .collect();
            geo::Polygon::new(LineString::from(points), vec![])
        };
        let fields = [FieldDef::new("n", FieldKind::Int)];
        let layers: Vec<Layer> = (0..2)
            .map(|l| Layer {
                name: format!("layer{l}"),
                geometry: GeometryKind::MultiPolygon,
                fields: fields.to_vec(),
                features: (0..6)
                    .map(|i| OutFeature {
                        geometry: geo::Geometry::from(ring(20_000 * (i + 1), 3.0 * i as f64))
                            .into(),
                        values: vec![Value::Int(i as i64)],
                    })
                    .collect(),
            })
            .collect();
        let caches: [CacheChoice; 3] = [
            |layers| sqlite_cache_mb(layers, usize::MAX),
            |layers| sqlite_cache_mb(layers, 0),
            |_| None,
        ];
        assert!(sqlite_cache_mb(&layers, 0) < sqlite_cache_mb(&layers, usize::MAX));
        let written: Vec<Vec<u8>> = caches
            .iter()
            .enumerate()
            .map(|(i, cache)| {
                let path = dir.path().join(format!("{i}.gpkg"));
                let request = Request {
                    path: &path,
                    driver: "GPKG",
                    layers: &layers,
                    styles: &[],
                    geometries: true,
                };
                write_with_cache(&request, *cache).unwrap();
                std::fs::read(&path).unwrap()
            })
            .collect();
        assert!(written[0].len() > 12 << 20, "{} bytes", written[0].len());
        assert!(written[1] == written[0] && written[2] == written[0]);
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
            geometry: line.into(),
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
