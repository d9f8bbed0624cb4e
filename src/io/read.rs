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
    read_polygons_query(source, None, holder_field, &[], skip)
        .map(|features| features.into_iter().map(|(f, _)| f).collect())
}

/// As [`read_polygons_with`], with the text of the `extra` fields of each
/// feature (`None` for a null), and from the result of an SQL query on the
/// source instead of a layer when `sql` is given (a PostGIS `SELECT`; GDAL
/// runs it in the source's own SQL dialect). Dates come as GDAL writes
/// them (`1858/05/28`).
pub fn read_polygons_query(
    source: &LayerSource,
    sql: Option<&str>,
    holder_field: &str,
    extra: &[&str],
    skip: &mut dyn FnMut(Error) -> Result<()>,
) -> Result<Vec<(PolygonFeature, Vec<Option<String>>)>> {
    let query = Query {
        sql,
        extra,
        gdal_rings: false,
    };
    read_polygons_by(source, &query, holder_field, skip)
}

/// As [`read_polygons_with`], with GDAL pairing a shapefile's holes and shells
/// itself (`organizePolygons`, time quadratic in the rings) instead of
/// [`super::rings::organize`]: the polygons must be the same; for tests.
pub fn read_polygons_as_gdal_organizes(
    source: &LayerSource,
    holder_field: &str,
    skip: &mut dyn FnMut(Error) -> Result<()>,
) -> Result<Vec<PolygonFeature>> {
    let query = Query {
        gdal_rings: true,
        ..Query::default()
    };
    read_polygons_by(source, &query, holder_field, skip)
        .map(|features| features.into_iter().map(|(f, _)| f).collect())
}

fn read_polygons_by(
    source: &LayerSource,
    query: &Query,
    holder_field: &str,
    skip: &mut dyn FnMut(Error) -> Result<()>,
) -> Result<Vec<(PolygonFeature, Vec<Option<String>>)>> {
    read_features(source, query, holder_field, "polygons", skip, |geometry| {
        let mut polygons = Vec::new();
        collect_polygons(geometry, &mut polygons).then(|| MultiPolygon::new(polygons))
    })
    .map(|features| {
        features
            .into_iter()
            .map(|(fid, holder, extras, geometry)| {
                (
                    PolygonFeature {
                        fid,
                        holder,
                        geometry,
                    },
                    extras,
                )
            })
            .collect()
    })
}

/// True for a GDAL connection string rather than a file (`PG:…`).
pub use crate::config::is_connection;

/// What to read besides the layer's named field: an SQL query instead of
/// the layer, and more fields.
#[derive(Default)]
struct Query<'a> {
    sql: Option<&'a str>,
    extra: &'a [&'a str],
    /// Let GDAL pair a shapefile's holes with their shells, as it does by
    /// default (quadratic in the rings), instead of [`super::rings`].
    gdal_rings: bool,
}

/// Reads every feature of a line layer with the value of `name_field`.
pub fn read_lines(source: &LayerSource, name_field: &str) -> Result<Vec<LineFeature>> {
    let query = Query::default();
    read_features(
        source,
        &query,
        name_field,
        "lines",
        &mut |e| Err(e),
        |geometry| {
            let mut lines = Vec::new();
            collect_lines(geometry, &mut lines).then(|| MultiLineString::new(lines))
        },
    )
    .map(|features| {
        features
            .into_iter()
            .map(|(fid, name, _, geometry)| LineFeature {
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
pub fn oriented(mut polygon: Polygon<f64>) -> Polygon<f64> {
    use geo::CoordsIter;
    use geo::Winding;
    if polygon
        .coords_iter()
        .all(|c| c.x.is_finite() && c.y.is_finite())
    {
        // What `geo`'s `orient(Direction::Default)` does, each ring
        // reversed in place rather than copied.
        polygon.exterior_mut(|ring| ring.make_ccw_winding());
        polygon.interiors_mut(|holes| holes.iter_mut().for_each(|h| h.make_cw_winding()));
    }
    polygon
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

type Converted<G> = Vec<(u64, String, Vec<Option<String>>, G)>;

fn read_features<G, F>(
    source: &LayerSource,
    query: &Query,
    field: &str,
    expected: &'static str,
    skip: &mut dyn FnMut(Error) -> Result<()>,
    convert: F,
) -> Result<Converted<G>>
where
    G: Reprojected,
    F: Fn(GeoGeometry<f64>) -> Option<G>,
{
    super::capture_gdal_messages();
    let _ = super::take_gdal_failure();
    // Messages name a database without its password.
    let real = &source.path;
    let shown = match real.to_str() {
        Some(text) if is_connection(real) => PathBuf::from(super::postgres::redacted(text)),
        _ => real.clone(),
    };
    let path = &shown;
    let gdal_error = |layer: Option<String>| {
        let path = path.clone();
        move |source| Error::Gdal {
            path,
            layer,
            source,
        }
    };
    if !real.exists() && !is_connection(real) {
        return Err(Error::Io {
            path: path.clone(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    check_shapefile_parts(path)?;
    // GDAL closes an unclosed ring with a warning naming no feature; told
    // not to, it leaves the geometry empty and reports the failure, which
    // is turned into a message naming the feature below.
    let _strict = StrictRings::new();
    let dataset = Dataset::open_ex(
        real,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            ..DatasetOptions::default()
        },
    )
    .map_err(gdal_error(None))?;
    let names: Vec<String> = dataset.layers().map(|l| l.name()).collect();
    let _raw_rings = (expected == "polygons" && !query.gdal_rings)
        .then(|| RawRings::for_driver(&dataset.driver().short_name()))
        .flatten();
    let mut from_query;
    let mut from_layer;
    let layer: &mut gdal::vector::Layer = if let Some(sql) = query.sql {
        from_query = dataset
            .execute_sql(sql, None, gdal::vector::sql::Dialect::DEFAULT)
            .map_err(gdal_error(Some(sql.to_owned())))?
            .ok_or_else(|| {
                Error::Usage(format!(
                    "the query '{sql}' on '{}' returned no rows table",
                    path.display()
                ))
            })?;
        &mut from_query
    } else {
        from_layer = match &source.layer {
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
        &mut from_layer
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
    let mut indices = Vec::new();
    for wanted in std::iter::once(&field).chain(query.extra) {
        let Some(index) = fields.iter().position(|f| f == wanted) else {
            if indices.is_empty() && wanted.is_empty() {
                indices.push(usize::MAX);
                continue;
            }
            return Err(Error::MissingField {
                path: path.clone(),
                layer: layer_name,
                field: (*wanted).to_owned(),
                available: fields,
            });
        };
        indices.push(index);
    }
    let field_index = Some(indices[0]).filter(|i| *i != usize::MAX);
    let crs = match (layer.spatial_ref(), &source.assume_crs) {
        (Some(srs), _) => Some(srs.to_wkt().map_err(gdal_error(Some(layer_name.clone())))?),
        (None, Some(assumed)) => Some(assumed.clone()),
        (None, None) => None,
    };
    let Some(crs) = crs else {
        let extent = layer
            .get_extent()
            .ok()
            .map(|e| [e.MinX, e.MinY, e.MaxX, e.MaxY]);
        return Err(Error::NoCrs {
            path: path.clone(),
            layer: layer_name,
            extent,
        });
    };
    let to_wgs84 = ToWgs84::new(&crs)?;

    let declared = layer.feature_count();
    let mut seen = 0u64;
    let mut out = Vec::new();
    // A format read whole when opened (GeoJSON) reports unclosed rings then.
    let mut unclosed_seen = super::take_gdal_failure().is_some_and(|f| is_unclosed(&f));
    for feature in layer.features() {
        seen += 1;
        let failure = super::take_gdal_failure();
        unclosed_seen |= failure.as_deref().is_some_and(is_unclosed);
        let fid = feature.fid().unwrap_or(out.len() as u64);
        let bad_feature = |reason: String| Error::BadFeature {
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
            skip(bad_feature(format!(
                "field '{field}' is empty (every feature needs a holder)"
            )))?;
            continue;
        }
        let bad = |reason: String| bad_feature(format!("holder '{value}': {reason}"));
        // gdal 0.19 hands out a geometry wrapping a null handle for a
        // feature without geometry (a shapefile "null shape"); GDAL reports
        // its type as unknown, which no real geometry has.
        let geometry = feature
            .geometry()
            .filter(|g| g.geometry_type() != gdal::vector::OGRwkbGeometryType::wkbUnknown);
        // GDAL leaves the geometry empty; a format read whole (GeoJSON)
        // reports it before the first feature, so the feature with the
        // empty geometry is the one.
        if unclosed_seen && geometry.as_ref().is_some_and(|g| g.is_empty()) {
            skip(bad(
                "invalid polygon: a ring does not end where it starts (GDAL: Non closed ring detected); close it by repeating its first point at its end".to_owned(),
            ))?;
            continue;
        }
        let Some(geometry) = geometry else {
            // A geometry GDAL failed to read looks the same as none at all.
            let reason = match failure.or_else(super::take_gdal_failure) {
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
            Ok(geo) if _raw_rings.is_some() => assembled(geo, fid),
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
        let source = to_wgs84.reprojects().then(|| converted.clone());
        if let Err(message) = converted.each_line(&mut |line| to_wgs84.apply_line(line)) {
            skip(bad(format!("cannot reproject to WGS84: {message}")))?;
            continue;
        }
        if let Some(at) = source.and_then(|s| G::reprojection_fault(&s, &converted)) {
            let (problem, c) = at;
            let source_at = to_wgs84
                .source_of(c.x, c.y)
                .map(|(x, y)| format!(", which is ({x:.3}, {y:.3}) in the layer's CRS"))
                .unwrap_or_default();
            skip(bad(format!(
                "{problem}{source_at}: the fault arose from reprojecting from '{}' to longitude/latitude (the geometry is valid in its own CRS; its edges were split there to 0.01 mm of their course before reprojecting)",
                to_wgs84.source_name()
            )))?;
            continue;
        }
        let mut extras = Vec::with_capacity(query.extra.len());
        for &index in &indices[1..] {
            extras.push(
                feature
                    .field_as_string(index)
                    .map_err(gdal_error(Some(layer_name.clone())))?,
            );
        }
        out.push((fid, value, extras, converted));
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

/// What the reader reprojects: its lines (rings), and for polygons a check
/// that what was valid in the layer's CRS is still valid in lon/lat.
pub trait Reprojected: Clone {
    /// Calls `f` on every line (ring) of the geometry, up to the first error.
    fn each_line(
        &mut self,
        f: &mut dyn FnMut(&mut LineString<f64>) -> std::result::Result<(), String>,
    ) -> std::result::Result<(), String>;
    /// The first fatal problem `converted` has that `source` (the same
    /// geometry in the layer's projected CRS) does not: its message and
    /// where it is in lon/lat.
    fn reprojection_fault(_source: &Self, _converted: &Self) -> Option<(String, geo::Coord<f64>)> {
        None
    }
}

impl Reprojected for MultiLineString<f64> {
    fn each_line(
        &mut self,
        f: &mut dyn FnMut(&mut LineString<f64>) -> std::result::Result<(), String>,
    ) -> std::result::Result<(), String> {
        self.0.iter_mut().try_for_each(f)
    }
}

impl Reprojected for MultiPolygon<f64> {
    fn each_line(
        &mut self,
        f: &mut dyn FnMut(&mut LineString<f64>) -> std::result::Result<(), String>,
    ) -> std::result::Result<(), String> {
        let mut result = Ok(());
        for p in &mut self.0 {
            p.exterior_mut(|r| result = f(r));
            result.clone()?;
            p.interiors_mut(|holes| result = holes.iter_mut().try_for_each(&mut *f));
            result.clone()?;
        }
        result
    }

    fn reprojection_fault(source: &Self, converted: &Self) -> Option<(String, geo::Coord<f64>)> {
        let fatal = crate::geometry::validity::geometry_problems(converted)
            .into_iter()
            .find(|p| p.fatal)?;
        let at = fatal.at?;
        // Validity is unchanged by an affine map: the source, moved into
        // the range of longitudes/latitudes, is checked by the same rules.
        let bounds = geo::BoundingRect::bounding_rect(source)?;
        let span = bounds.width().max(bounds.height());
        if span <= 0.0 || !span.is_finite() {
            return None;
        }
        let k = 80.0 / span;
        let o = bounds.min();
        let moved = geo::MapCoords::map_coords(source, |c| geo::Coord {
            x: (c.x - o.x) * k,
            y: (c.y - o.y) * k,
        });
        let valid_there = !crate::geometry::validity::geometry_problems(&moved)
            .iter()
            .any(|p| p.fatal);
        valid_there.then_some((fatal.message, at))
    }
}

/// While alive, the shapefile driver hands over each shape's rings as they
/// are (`OGR_ORGANIZE_POLYGONS=SKIP`, on this thread) for [`assembled`] to
/// pair holes with shells: GDAL's own pairing (`organizePolygons`) tries
/// every larger ring for each hole, time quadratic in the rings.
struct RawRings;

impl RawRings {
    /// `None` for any driver but the shapefile's (whose pairing rule
    /// [`super::rings`] follows), or when the user set GDAL's options for
    /// pairing rings.
    fn for_driver(driver: &str) -> Option<RawRings> {
        let set_by_user = ["OGR_ORGANIZE_POLYGONS", "OGR_DEBUG_ORGANIZE_POLYGONS"]
            .iter()
            .any(|key| {
                !gdal::config::get_config_option(key, "")
                    .unwrap_or_default()
                    .is_empty()
            });
        if driver != "ESRI Shapefile" || set_by_user {
            return None;
        }
        let _ = gdal::config::set_thread_local_config_option("OGR_ORGANIZE_POLYGONS", "SKIP");
        super::RAW_RINGS.with(|raw| raw.set(true));
        Some(RawRings)
    }
}

impl Drop for RawRings {
    fn drop(&mut self) {
        let _ = gdal::config::clear_thread_local_config_option("OGR_ORGANIZE_POLYGONS");
        super::RAW_RINGS.with(|raw| raw.set(false));
    }
}

/// A shape read under [`RawRings`] as GDAL would have assembled it: a shape
/// of several parts comes as one polygon per ring.
fn assembled(geo: GeoGeometry<f64>, fid: u64) -> GeoGeometry<f64> {
    let GeoGeometry::MultiPolygon(parts) = geo else {
        return geo;
    };
    if parts.0.len() < 2 || parts.0.iter().any(|p| !p.interiors().is_empty()) {
        return GeoGeometry::MultiPolygon(parts);
    }
    let rings = parts.0.into_iter().map(|p| p.into_inner().0).collect();
    let organized = super::rings::organize(rings);
    if organized.mixed_up {
        eprintln!("GDAL warning: Geometry of polygon of fid {fid} cannot be translated to Simple Geometry. All polygons will be contained in a multipolygon.");
    }
    GeoGeometry::MultiPolygon(MultiPolygon::new(organized.polygons))
}

/// True for GDAL's message about an unclosed ring.
fn is_unclosed(failure: &str) -> bool {
    failure.contains("Non closed ring")
}

/// While alive, GDAL refuses unclosed rings on this thread instead of
/// closing them (`OGR_GEOMETRY_ACCEPT_UNCLOSED_RING=NO`).
struct StrictRings;

impl StrictRings {
    fn new() -> StrictRings {
        let _ =
            gdal::config::set_thread_local_config_option("OGR_GEOMETRY_ACCEPT_UNCLOSED_RING", "NO");
        StrictRings
    }
}

impl Drop for StrictRings {
    fn drop(&mut self) {
        let _ = gdal::config::clear_thread_local_config_option("OGR_GEOMETRY_ACCEPT_UNCLOSED_RING");
    }
}

/// A shapefile is several files: without its `.shx` GDAL cannot open it,
/// and without its `.dbf` it reads no fields at all (so the holder field
/// would be reported missing). Either is named as missing here.
fn check_shapefile_parts(path: &Path) -> Result<()> {
    let is_shp = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    if !is_shp {
        return Ok(());
    }
    for (ext, what) in [("shx", "index"), ("dbf", "attribute table")] {
        let lower = path.with_extension(ext);
        let upper = path.with_extension(ext.to_uppercase());
        if !lower.exists() && !upper.exists() {
            return Err(Error::MissingShapefilePart {
                path: path.to_owned(),
                missing: lower,
                what,
            });
        }
    }
    Ok(())
}

/// Converts to `geo`, dropping Z and M (areas and lengths are on the
/// ellipsoid surface).
fn to_geo(geometry: &Geometry) -> std::result::Result<GeoGeometry<f64>, String> {
    use gdal::vector::geometry_type_flatten;
    // Flattening needs a copy of GDAL's geometry (a snapshot's shapes are
    // megabytes): only made when there is a Z or M to drop.
    let kind = geometry.geometry_type();
    if geometry_type_flatten(kind) == kind {
        // Polygons and lines through their WKB (`io::from_wkb`); anything
        // else as the gdal crate converts it.
        if let Some(geo) = super::from_wkb::to_geo(geometry) {
            return Ok(geo);
        }
        return geometry.to_geo().map_err(|e| e.to_string());
    }
    let mut flat = geometry.clone();
    flat.flatten_to_2d();
    flat.to_geo().map_err(|e| e.to_string())
}

/// Every polygon of every layer of a file, in longitude/latitude (a layer
/// without a CRS is taken to be in it), without attributes or checks: what
/// `init --data` needs to centre the equal-area CRS on the data.
pub fn polygons_of(path: &Path) -> Result<Vec<MultiPolygon<f64>>> {
    let gdal_error = |source| Error::Gdal {
        path: path.to_owned(),
        layer: None,
        source,
    };
    let dataset = Dataset::open_ex(
        path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            ..DatasetOptions::default()
        },
    )
    .map_err(gdal_error)?;
    let mut out = Vec::new();
    for mut layer in dataset.layers() {
        let crs = match layer.spatial_ref() {
            Some(srs) => srs.to_wkt().map_err(gdal_error)?,
            None => "OGC:CRS84".to_owned(),
        };
        let to_wgs84 = ToWgs84::new(&crs)?;
        for feature in layer.features() {
            let Some(geometry) = feature.geometry() else {
                continue;
            };
            if geometry.geometry_type() == gdal::vector::OGRwkbGeometryType::wkbUnknown {
                continue;
            }
            let mut polygons = Vec::new();
            let Ok(geo) = to_geo(geometry) else { continue };
            if !collect_polygons(geo, &mut polygons) {
                continue;
            }
            let mut mp = MultiPolygon::new(polygons);
            if to_wgs84.apply(&mut mp).is_ok() {
                out.push(mp);
            }
        }
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use geo::orient::{Direction, Orient};
    use geo::{coord, LineString, Polygon};

    /// Reference path: the gdal crate's `to_geo`, point by point; the fast
    /// path (`io::from_wkb`) reads GDAL's WKB. The same geometry, to the
    /// bit, for every feature of the bundled layers (as GDAL assembles
    /// shapes, and ring by ring as a run reads them), and for made-up
    /// geometries; what the fast path leaves (points, curves, Z, empty
    /// polygons) is left to the reference.
    #[test]
    fn wkb_reading_is_what_the_gdal_crate_makes() {
        use gdal::vector::{Geometry, LayerAccess};
        use geo::CoordsIter;
        let same = |g: &Geometry| {
            let fast = super::super::from_wkb::to_geo(g);
            if let Some(fast) = &fast {
                let reference = g.to_geo().expect("the gdal crate converts it");
                // The structure, then every coordinate to the bit.
                assert_eq!(
                    format!("{fast:?}"),
                    format!("{reference:?}"),
                    "{:?}",
                    g.wkt()
                );
                let bits = |g: &geo::Geometry<f64>| -> Vec<(u64, u64)> {
                    g.coords_iter()
                        .map(|c| (c.x.to_bits(), c.y.to_bits()))
                        .collect()
                };
                assert_eq!(bits(fast), bits(&reference));
            }
            fast.is_some()
        };
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shapefiles");
        let mut features = 0;
        // Shapes ring by ring, as a run reads them (`RawRings`).
        let _ = gdal::config::set_thread_local_config_option("OGR_ORGANIZE_POLYGONS", "SKIP");
        for entry in std::fs::read_dir(&folder).expect("the bundled layers") {
            let path = entry.expect("a folder entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("shp") {
                continue;
            }
            let dataset = gdal::Dataset::open(&path).expect("a bundled layer");
            let mut layer = dataset.layer(0).expect("its layer");
            for feature in layer.features() {
                if let Some(g) = feature.geometry() {
                    assert!(same(g), "{path:?}");
                    features += 1;
                }
            }
        }
        let _ = gdal::config::clear_thread_local_config_option("OGR_ORGANIZE_POLYGONS");
        assert!(features > 20, "{features} features");
        for (wkt, fast) in [
            ("POLYGON ((0 0,10 0,10 10,0 10,0 0),(2 2,2 4,4 4,2 2))", true),
            ("POLYGON ((0 0,10 0,10 10,0 10))", true),
            ("MULTIPOLYGON (((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5),(5.1 5.1,5.2 5.1,5.2 5.2,5.1 5.1)))", true),
            ("MULTIPOLYGON EMPTY", true),
            ("GEOMETRYCOLLECTION (POLYGON ((0 0,1 0,1 1,0 0)),GEOMETRYCOLLECTION (MULTIPOLYGON (((3 3,4 3,4 4,3 3)))))", true),
            ("LINESTRING (1 2,3 4,-5.5 1e-300,-0 0)", true),
            ("MULTILINESTRING ((1 2,3 4),(5 6,7 8,9 10))", true),
            ("LINESTRING EMPTY", true),
            ("POLYGON EMPTY", false),
            ("POINT (1 2)", false),
            ("POLYGON Z ((0 0 1,1 0 1,1 1 1,0 0 1))", false),
            ("GEOMETRYCOLLECTION (POINT (1 2),POLYGON ((0 0,1 0,1 1,0 0)))", false),
            ("CURVEPOLYGON (CIRCULARSTRING (0 0,1 1,2 0,1 -1,0 0))", false),
        ] {
            let g = Geometry::from_wkt(wkt).expect("valid WKT");
            assert_eq!(same(&g), fast, "{wkt}");
        }
    }

    fn ring(points: &[(f64, f64)]) -> LineString<f64> {
        points.iter().map(|&(x, y)| coord! { x: x, y: y }).collect()
    }

    /// Reference path: `geo`'s `orient`, which copies every ring; the fast
    /// path ([`super::oriented`]) reverses them in place.
    #[test]
    fn oriented_in_place_is_what_geo_orient_makes() {
        let ccw = ring(&[
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 10.0),
            (0.0, 0.0),
        ]);
        let cw = ring(&[
            (0.0, 0.0),
            (0.0, 10.0),
            (10.0, 10.0),
            (10.0, 0.0),
            (0.0, 0.0),
        ]);
        let hole_cw = ring(&[(2.0, 2.0), (2.0, 4.0), (4.0, 4.0), (4.0, 2.0), (2.0, 2.0)]);
        let hole_ccw = ring(&[(5.0, 5.0), (7.0, 5.0), (7.0, 7.0), (5.0, 7.0)]);
        let flat = ring(&[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (0.0, 0.0)]);
        let short = ring(&[(0.0, 0.0), (1.0, 0.0)]);
        let cases = [
            Polygon::new(ccw.clone(), vec![]),
            Polygon::new(cw.clone(), vec![]),
            Polygon::new(cw.clone(), vec![hole_cw.clone(), hole_ccw.clone()]),
            Polygon::new(ccw, vec![hole_ccw, hole_cw]),
            Polygon::new(flat.clone(), vec![flat]),
            Polygon::new(short.clone(), vec![short]),
            Polygon::new(cw, vec![ring(&[])]),
        ];
        for p in cases {
            assert_eq!(super::oriented(p.clone()), p.orient(Direction::Default));
        }
    }
}
