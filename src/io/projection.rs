//! PROJ, through the `proj` crate and the system's libproj (the same one GDAL
//! links): reprojection of input layers to longitude/latitude on WGS84, and
//! the equal-area projection used to cross-check geodesic areas.

use geo::{MapCoordsInPlace, MultiPolygon};
use proj::Proj;

use crate::error::{Error, Result};
use crate::geometry::geodesy::ProjectedPoints;

/// Lambert azimuthal equal-area centred on 50° N 120° E, on WGS84: the
/// cross-check projection the bundled analysis file names, centred on its
/// study region.
pub const DEFAULT_EQUAL_AREA: &str =
    "+proj=laea +lat_0=50 +lon_0=120 +datum=WGS84 +units=m +no_defs";

/// Geographic WGS84 in longitude/latitude order. OGC's CRS84 gives PROJ
/// the same operations as `EPSG:4326` (whose axes PROJ's visualisation
/// order swaps back) in half the time to set up (about 6 ms instead of 13 ms
/// an operation here).
const WGS84: &str = "OGC:CRS84";

/// PROJ's runtime version, e.g. `9.1.1`.
pub fn proj_version() -> String {
    Proj::new("+proj=longlat +datum=WGS84")
        .ok()
        .and_then(|p| p.lib_info().ok())
        .map(|info| info.version)
        .unwrap_or_else(|| "unknown".to_owned())
}

/// A longitude in −180…180° (data across the antimeridian is analysed in
/// 0–360°).
fn wrap_longitude(lon: f64) -> f64 {
    if lon > 180.0 {
        lon - 360.0
    } else {
        lon
    }
}

/// Lambert azimuthal equal-area on WGS84 centred on a region (a
/// longitude/latitude box, longitudes possibly 0–360°), in its polar aspect
/// when the region reaches within 5° of a pole: the default
/// `equal_area_crs`. Its scale is true at the centre and its areas exact
/// everywhere but the antipode; centred on the data, the planar areas of the
/// cross-check are taken where its polygons need the fewest points to
/// follow their geodesic edges.
pub fn equal_area_for(west: f64, south: f64, east: f64, north: f64) -> String {
    let lon = wrap_longitude((west + east) / 2.0);
    let lat = if north >= 85.0 {
        90.0
    } else if south <= -85.0 {
        -90.0
    } else {
        (south + north) / 2.0
    };
    // Rounded to a tenth of a degree: the same region gives the same
    // definition however its box was computed.
    format!(
        "+proj=laea +lat_0={} +lon_0={} +datum=WGS84 +units=m +no_defs",
        (lat * 10.0).round() / 10.0,
        (lon * 10.0).round() / 10.0
    )
}

/// The `equal_area_crs` setting that stands for [`equal_area_for`] the
/// data: the default.
pub const AUTO_EQUAL_AREA: &str = "auto";

/// The equal-area CRS a run uses: `setting` as given, or for
/// [`AUTO_EQUAL_AREA`] the one [`equal_area_for`] the longitude/latitude
/// box (west, south, east, north) of the data.
pub fn resolve_equal_area(setting: &str, study_box: (f64, f64, f64, f64)) -> String {
    if setting.trim() == AUTO_EQUAL_AREA {
        let (w, s, e, n) = study_box;
        equal_area_for(w, s, e, n)
    } else {
        setting.to_owned()
    }
}

fn proj_error(crs: &str, message: impl std::fmt::Display) -> Error {
    let first_line: String = crs.lines().next().unwrap_or("").chars().take(120).collect();
    Error::Proj {
        crs: first_line,
        message: message.to_string(),
    }
}

/// A transformation from a layer's CRS to longitude/latitude on WGS84.
///
/// `proj::Proj` is not `Sync`: build one per thread.
pub struct ToWgs84 {
    /// `None` when the source is WGS84 longitude/latitude already.
    proj: Option<Proj>,
    /// The source CRS as given.
    crs: String,
}

impl ToWgs84 {
    /// From any CRS definition PROJ accepts (WKT, PROJJSON, `EPSG:…`,
    /// PROJ strings).
    pub fn new(crs: &str) -> Result<ToWgs84> {
        // Every layer of a run usually has the same CRS, and most often one
        // PROJ reduces to nothing: known once, that costs no more setting up.
        static NOOPS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        let known_noop = |crs: &str| NOOPS.lock().is_ok_and(|n| n.iter().any(|c| c == crs));
        if known_noop(crs) {
            return Ok(ToWgs84 {
                proj: None,
                crs: crs.to_owned(),
            });
        }
        let proj = Proj::new_known_crs(crs, WGS84, None).map_err(|e| proj_error(crs, e))?;
        // PROJ reduces a WGS84-to-WGS84 operation to a no-op (possibly with
        // an axis swap, which `new_known_crs` normalises away), e.g.
        // `proj=noop ellps=GRS80`.
        let noop = proj.proj_info().definition.is_none_or(|d| {
            d.split_whitespace()
                .next()
                .is_none_or(|op| op == "proj=noop")
        });
        if noop && !known_noop(crs) {
            if let Ok(mut n) = NOOPS.lock() {
                n.push(crs.to_owned());
            }
        }
        Ok(ToWgs84 {
            proj: (!noop).then_some(proj),
            crs: crs.to_owned(),
        })
    }

    /// True when the source is not WGS84 longitude/latitude.
    pub fn reprojects(&self) -> bool {
        self.proj.is_some()
    }

    /// The source CRS's name (the first 80 characters of its definition when
    /// it has none PROJ knows).
    pub fn source_name(&self) -> String {
        let from_wkt = self.crs.strip_prefix("PROJCS[\"").or_else(|| {
            self.crs
                .find("PROJCRS[\"")
                .map(|i| &self.crs[i + "PROJCRS[\"".len()..])
        });
        match from_wkt.and_then(|rest| rest.split('"').next()) {
            Some(name) => name.to_owned(),
            None => self.crs.chars().take(80).collect(),
        }
    }

    /// The source coordinates of a longitude/latitude point, for messages.
    pub fn source_of(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        Proj::new_known_crs(WGS84, &self.crs, None)
            .ok()?
            .convert((lon, lat))
            .ok()
    }

    /// Reprojects lines in place, each edge first split in the source CRS
    /// where its straight line there and the straight line between its
    /// reprojected ends would part by more than 0.01 mm (halving it
    /// until they do not): the shape drawn in the source CRS is the one
    /// analysed, so a layer valid there stays valid in longitude/latitude
    /// (an edge of a few km in EPSG:3035 bows by decimetres in lon/lat).
    /// The message names the first point that fails.
    pub fn apply_line(&self, line: &mut geo::LineString<f64>) -> std::result::Result<(), String> {
        let Some(proj) = &self.proj else {
            return Ok(());
        };
        let convert = |c: geo::Coord<f64>| {
            proj.convert((c.x, c.y))
                .map(|(x, y)| geo::Coord { x, y })
                .map_err(|e| format!("point ({}, {}): {e}", c.x, c.y))
        };
        let mut out: Vec<geo::Coord<f64>> = Vec::with_capacity(line.0.len());
        let mut previous: Option<(geo::Coord<f64>, geo::Coord<f64>)> = None;
        for &c in &line.0 {
            let p = convert(c)?;
            if let Some((a, pa)) = previous {
                // Split from the lesser end, so that an edge two polygons
                // share (traversed both ways) gets the same points in both.
                if (a.x, a.y) <= (c.x, c.y) {
                    split_edge(&convert, a, pa, c, p, 0, &mut out)?;
                } else {
                    let start = out.len();
                    split_edge(&convert, c, p, a, pa, 0, &mut out)?;
                    out[start..].reverse();
                }
            }
            out.push(p);
            previous = Some((c, p));
        }
        line.0 = out;
        Ok(())
    }
}

/// Pushes the points that split the edge from source point `a` (lon/lat
/// `pa`) to `b` (`pb`) in the source CRS, ends excluded (see
/// [`ToWgs84::apply_line`]).
fn split_edge(
    convert: &impl Fn(geo::Coord<f64>) -> std::result::Result<geo::Coord<f64>, String>,
    a: geo::Coord<f64>,
    pa: geo::Coord<f64>,
    b: geo::Coord<f64>,
    pb: geo::Coord<f64>,
    depth: u32,
    out: &mut Vec<geo::Coord<f64>>,
) -> std::result::Result<(), String> {
    // 2^20 pieces at most: an edge of 1,000 km in pieces of a metre.
    if depth >= 20 || a == b {
        return Ok(());
    }
    let m = geo::Coord {
        x: (a.x + b.x) / 2.0,
        y: (a.y + b.y) / 2.0,
    };
    let pm = convert(m)?;
    let wrap = |d: f64| {
        if d > 180.0 {
            d - 360.0
        } else if d < -180.0 {
            d + 360.0
        } else {
            d
        }
    };
    let mid_x = pa.x + wrap(pb.x - pa.x) / 2.0;
    let mid_y = (pa.y + pb.y) / 2.0;
    let dx_m = wrap(pm.x - mid_x) * pm.y.to_radians().cos() * 111_320.0;
    let dy_m = (pm.y - mid_y) * 110_574.0;
    if dx_m.hypot(dy_m) <= 1e-5 {
        return Ok(());
    }
    split_edge(convert, a, pa, m, pm, depth + 1, out)?;
    out.push(pm);
    split_edge(convert, m, pm, b, pb, depth + 1, out)
}

impl ToWgs84 {
    /// Reprojects in place; the message names the first point that fails.
    pub fn apply<G: MapCoordsInPlace<f64>>(
        &self,
        geometry: &mut G,
    ) -> std::result::Result<(), String> {
        let Some(proj) = &self.proj else {
            return Ok(());
        };
        geometry.try_map_coords_in_place(|c| {
            proj.convert((c.x, c.y))
                .map(|(x, y)| geo::Coord { x, y })
                .map_err(|e| format!("point ({}, {}): {e}", c.x, c.y))
        })
    }
}

/// The equal-area cross-check: planar areas after projecting with PROJ.
pub struct EqualArea {
    crs: String,
    proj: Proj,
}

impl EqualArea {
    /// Projection from WGS84 longitude/latitude to `crs`, which must be an
    /// equal-area projection for the cross-check to mean anything.
    pub fn new(crs: &str) -> Result<EqualArea> {
        let proj = Proj::new_known_crs(WGS84, crs, None).map_err(|e| proj_error(crs, e))?;
        Ok(EqualArea {
            crs: crs.to_owned(),
            proj,
        })
    }

    /// Refuses a projection that does not preserve area where the data
    /// lie: a 1°×1° cell centred on `centre` (longitude, latitude),
    /// densified, must measure within 0.01% of its geodesic area (an
    /// equal-area projection agrees to about 1e-8; a conformal one, such as
    /// Web Mercator or UTM, is off by percents or more, and one with
    /// spherical formulas, such as PROJ's Mollweide, by about 0.1%).
    pub fn check_preserves_area(&self, centre: geo::Coord<f64>) -> Result<()> {
        // The cell's south-west corner. Data across the antimeridian is
        // analysed in longitudes 0–360°.
        let (lon, lat) = (centre.x - 0.5, centre.y - 0.5);
        let lon = if lon >= 180.0 { lon - 360.0 } else { lon };
        let (lon, lat) = (lon.clamp(-180.0, 179.0), lat.clamp(-89.0, 88.0));
        let cell = crate::geometry::geodesy::densify(
            MultiPolygon::new(vec![geo::Polygon::new(
                geo::LineString::from(vec![
                    (lon, lat),
                    (lon + 1.0, lat),
                    (lon + 1.0, lat + 1.0),
                    (lon, lat + 1.0),
                    (lon, lat),
                ]),
                vec![],
            )]),
            crate::geometry::geodesy::DENSIFY_MAX_EDGE_M,
        );
        let geodesic = crate::geometry::geodesy::area_km2(&cell);
        let projected = self.area_km2(&cell)?;
        if ((projected - geodesic) / geodesic).abs() <= 1e-4 {
            return Ok(());
        }
        Err(Error::NotEqualArea {
            crs: self
                .crs
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(120)
                .collect(),
            lon,
            lat,
            geodesic_km2: geodesic,
            projected,
            default: AUTO_EQUAL_AREA,
            operation: self
                .proj
                .proj_info()
                .definition
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect(),
        })
    }

    /// Planar area of `geometry` in the projection, km².
    ///
    /// # Units
    /// Input in degrees (longitude, latitude) on WGS84; the projection's
    /// units must be metres; output in km².
    ///
    /// # Assumptions
    /// Edges are straight in the projection: densify first (see
    /// [`crate::geometry::geodesy::densify`]) so that they follow the geodesics.
    pub fn area_km2(&self, geometry: &MultiPolygon<f64>) -> Result<f64> {
        let mut m2 = 0.0;
        for polygon in &geometry.0 {
            m2 += self.polygon_m2(polygon, None)?;
        }
        Ok(m2 / 1.0e6)
    }

    /// One polygon's planar area in the projection, m²: its exterior less
    /// its holes ([`EqualArea::area_km2`] sums these). With `shared`, the
    /// points that earlier rings had are taken from there rather than
    /// projected again, and the ring's own are remembered there (see
    /// [`ProjectedPoints`]): PROJ projects each point alone, so the area is
    /// the same to the bit either way.
    pub fn polygon_m2(
        &self,
        polygon: &geo::Polygon<f64>,
        shared: Option<&ProjectedPoints>,
    ) -> Result<f64> {
        let mut area = self.ring_m2(polygon.exterior(), shared)?;
        for hole in polygon.interiors() {
            area -= self.ring_m2(hole, shared)?;
        }
        Ok(area.abs())
    }

    /// The area a ring encloses in the projection, m², by the shoelace
    /// formula about its first point (fewer digits lost than about the
    /// projection's origin); the ring is closed.
    fn ring_m2(
        &self,
        ring: &geo::LineString<f64>,
        shared: Option<&ProjectedPoints>,
    ) -> Result<f64> {
        // Worked in chunks of up to CHUNK points (buffers of fixed size,
        // not copies of the largest ring); each chunk starts with the last
        // point of the one before. Of each chunk, the points no earlier
        // ring had are projected in one call to PROJ.
        const CHUNK: usize = 1 << 16;
        let n = ring.0.len();
        if n == 0 {
            return Ok(0.0);
        }
        let remember = shared.is_some_and(|s| s.has_room(n - 1));
        let mut kept: Vec<geo::Coord<f64>> = Vec::with_capacity(if remember { n } else { 0 });
        let unknown = geo::Coord {
            x: f64::NAN,
            y: f64::NAN,
        };
        let mut projected: Vec<geo::Coord<f64>> = Vec::with_capacity(CHUNK.min(n));
        let mut missing: Vec<geo::Coord<f64>> = Vec::new();
        let mut missing_at: Vec<usize> = Vec::new();
        let mut cursor = None;
        let mut new_points = 0;
        let mut origin: Option<geo::Coord<f64>> = None;
        let mut twice = 0.0;
        let mut start = 0;
        loop {
            let end = (start + CHUNK).min(n);
            let chunk = &ring.0[start..end];
            projected.clear();
            projected.resize(chunk.len(), unknown);
            if let Some(shared) = shared {
                shared.walk(chunk, &mut cursor, |k, values, p| {
                    projected[k] = values[p];
                    projected[k + 1] = values[p + 1];
                });
            }
            missing.clear();
            missing_at.clear();
            for (k, (c, p)) in chunk.iter().zip(&projected).enumerate() {
                if p.x.is_nan() {
                    missing.push(*c);
                    missing_at.push(k);
                }
            }
            if !missing.is_empty() {
                self.proj
                    .convert_array(&mut missing)
                    .map_err(|e| proj_error(&self.crs, e))?;
                new_points += missing.len();
                for (&k, p) in missing_at.iter().zip(&missing) {
                    projected[k] = *p;
                }
            }
            let o = *origin.get_or_insert(projected[0]);
            for w in projected.windows(2) {
                twice += (w[0].x - o.x) * (w[1].y - o.y) - (w[1].x - o.x) * (w[0].y - o.y);
            }
            if remember {
                let skip = usize::from(start > 0);
                kept.extend_from_slice(&projected[skip..]);
            }
            if end == n {
                break;
            }
            start = end - 1;
        }
        if let Some(shared) = shared.filter(|_| remember && new_points * 2 >= n) {
            shared.remember(&ring.0, kept);
        }
        Ok(twice.abs() / 2.0)
    }

    /// Calls `f` with an [`EqualArea`] for `crs` made once per thread and
    /// kept: making one costs PROJ a database lookup (about 15 ms), more
    /// than measuring most transferred pieces.
    pub fn with<R>(crs: &str, f: impl FnOnce(&EqualArea) -> Result<R>) -> Result<R> {
        thread_local! {
            static MADE: std::cell::RefCell<Vec<std::rc::Rc<EqualArea>>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        let found = MADE.with(|made| made.borrow().iter().find(|e| e.crs == crs).cloned());
        let ea = match found {
            Some(ea) => ea,
            None => {
                let ea = std::rc::Rc::new(EqualArea::new(crs)?);
                MADE.with(|made| made.borrow_mut().push(ea.clone()));
                ea
            }
        };
        f(&ea)
    }
}

impl Drop for EqualArea {
    fn drop(&mut self) {
        // Test hook (debug builds only): a worker slow to free its PROJ
        // objects, as on a busy machine.
        crate::staging::test_delay("teardown");
    }
}

/// A map projection for drawing (QGIS project, report maps): from WGS84
/// longitude/latitude to planar metres.
pub struct MapProjection {
    /// The PROJ definition.
    pub definition: String,
    proj: Proj,
}

impl MapProjection {
    /// An equal-area projection fitted to a region (a longitude/latitude
    /// box, longitudes possibly 0–360°): the Albers conic of
    /// [`MapProjection::albers_for`] for a region on one side of the
    /// equator and away from the poles (the usual choice, and the bundled
    /// maps'); otherwise Lambert azimuthal equal-area, in its polar aspect
    /// for a region reaching within 5° of a pole or wider than 180° with a
    /// latitude beyond 60°, centred on the region for one across the equator
    /// (where the conic's standard parallels would be on both sides of it,
    /// which PROJ refuses or which distorts without bound).
    pub fn for_region(west: f64, south: f64, east: f64, north: f64) -> Result<MapProjection> {
        let span = north - south;
        let (lat_1, lat_2) = (south + span / 6.0, north - span / 6.0);
        let centre_lon = wrap_longitude((west + east) / 2.0);
        if north >= 85.0 || (east - west > 180.0 && north > 60.0) {
            return MapProjection::new(&format!(
                "+proj=laea +lat_0=90 +lon_0={centre_lon:.1} +datum=WGS84 +units=m +no_defs"
            ));
        }
        if south <= -85.0 || (east - west > 180.0 && south < -60.0) {
            return MapProjection::new(&format!(
                "+proj=laea +lat_0=-90 +lon_0={centre_lon:.1} +datum=WGS84 +units=m +no_defs"
            ));
        }
        // Both standard parallels at least 5° from the equator on one side.
        if lat_1 * lat_2 > 0.0 && lat_1.abs().min(lat_2.abs()) >= 5.0 {
            return MapProjection::albers_for(west, south, east, north);
        }
        MapProjection::new(&format!(
            "+proj=laea +lat_0={:.1} +lon_0={centre_lon:.1} +datum=WGS84 +units=m +no_defs",
            (south + north) / 2.0
        ))
    }

    /// The projection's name for a map's caption.
    pub fn name(&self) -> &'static str {
        if self.definition.contains("+proj=aea") {
            "Albers equal-area conic"
        } else if self.definition.contains("+proj=laea +lat_0=90")
            || self.definition.contains("+proj=laea +lat_0=-90")
        {
            "Lambert azimuthal equal-area, polar aspect"
        } else if self.definition.contains("+proj=laea") {
            "Lambert azimuthal equal-area"
        } else {
            "projected"
        }
    }

    /// Albers equal-area conic for a region: standard parallels at one sixth
    /// and five sixths of its latitude span, central meridian in its middle
    /// (the usual rule for mid-latitude regions wider than tall).
    pub fn albers_for(west: f64, south: f64, east: f64, north: f64) -> Result<MapProjection> {
        let span = north - south;
        let definition = format!(
            "+proj=aea +lat_1={:.1} +lat_2={:.1} +lat_0={:.1} +lon_0={:.1} +datum=WGS84 +units=m +no_defs",
            south + span / 6.0,
            north - span / 6.0,
            (south + north) / 2.0,
            (west + east) / 2.0
        );
        MapProjection::new(&definition)
    }

    /// From any CRS definition PROJ accepts, in metres.
    pub fn new(crs: &str) -> Result<MapProjection> {
        let proj = Proj::new_known_crs(WGS84, crs, None).map_err(|e| proj_error(crs, e))?;
        Ok(MapProjection {
            definition: crs.to_owned(),
            proj,
        })
    }

    /// Projects points (longitude, latitude in degrees) in place, in one
    /// call to PROJ.
    pub fn project_all(&self, points: &mut [(f64, f64)]) -> Result<()> {
        self.proj
            .convert_array(points)
            .map(|_| ())
            .map_err(|e| proj_error(&self.definition, e))
    }

    /// Projects one point (longitude, latitude in degrees).
    pub fn project(&self, lon: f64, lat: f64) -> Result<(f64, f64)> {
        self.proj
            .convert((lon, lat))
            .map_err(|e| proj_error(&self.definition, e))
    }

    /// The projected extent (xmin, ymin, xmax, ymax) of a longitude/latitude
    /// box, from points along its four edges (a box's edges bulge in a conic
    /// projection).
    pub fn extent_of(
        &self,
        west: f64,
        south: f64,
        east: f64,
        north: f64,
    ) -> Result<(f64, f64, f64, f64)> {
        let mut e = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for i in 0..=32 {
            let t = f64::from(i) / 32.0;
            let lon = west + (east - west) * t;
            let lat = south + (north - south) * t;
            for (x, y) in [(lon, south), (lon, north), (west, lat), (east, lat)] {
                let (px, py) = self.project(x, y)?;
                e = (e.0.min(px), e.1.min(py), e.2.max(px), e.3.max(py));
            }
        }
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::geodesy;
    use approx::assert_relative_eq;
    use geo::{point, polygon, Point};

    #[test]
    fn equal_area_agrees_with_geodesic_area() {
        let cell = MultiPolygon::new(vec![polygon![
            (x: 120.0, y: 50.0),
            (x: 121.0, y: 50.0),
            (x: 121.0, y: 51.0),
            (x: 120.0, y: 51.0),
        ]]);
        let dense = geodesy::densify(cell, geodesy::DENSIFY_MAX_EDGE_M);
        let ea = EqualArea::new(DEFAULT_EQUAL_AREA).unwrap();
        // GeographicLib Planimeter: 7,892,061,583.2 m² for the geodesic cell.
        assert_relative_eq!(
            ea.area_km2(&dense).unwrap(),
            7_892.061_583,
            max_relative = 1e-6
        );
    }

    /// A ring longer than one call to PROJ takes (densified to 10 m: over
    /// 70,000 points) gives the area of the whole ring projected at once,
    /// summed the same way, to the bit.
    #[test]
    fn long_rings_are_projected_in_chunks() {
        let cell = MultiPolygon::new(vec![polygon![
            (x: 120.0, y: 50.0),
            (x: 122.0, y: 50.0),
            (x: 122.0, y: 52.0),
            (x: 120.0, y: 52.0),
        ]]);
        let dense = geodesy::densify(cell, 10.0);
        let ring = dense.0[0].exterior();
        assert!(ring.0.len() > 70_000, "{} points", ring.0.len());
        let ea = EqualArea::new(DEFAULT_EQUAL_AREA).unwrap();
        let mut whole = ring.0.clone();
        ea.proj.convert_array(&mut whole).unwrap();
        let o = whole[0];
        let mut twice = 0.0;
        for w in whole.windows(2) {
            twice += (w[0].x - o.x) * (w[1].y - o.y) - (w[1].x - o.x) * (w[0].y - o.y);
        }
        let expected = twice.abs() / 2.0 / 1.0e6;
        assert_eq!(ea.area_km2(&dense).unwrap().to_bits(), expected.to_bits());
    }

    /// The check passes equal-area projections on the ellipsoid other than
    /// the default, and refuses Web Mercator, UTM, a geographic CRS (degrees,
    /// not metres) and World Mollweide (equal-area on a sphere only: 0.13%
    /// off at 50° N).
    #[test]
    fn only_equal_area_projections_pass_the_check() {
        for crs in [
            DEFAULT_EQUAL_AREA,
            "+proj=aea +lat_1=40 +lat_2=60 +lon_0=120 +datum=WGS84 +units=m",
            "EPSG:6933",
        ] {
            let ea = EqualArea::new(crs).unwrap();
            ea.check_preserves_area(geo::coord! { x: 120.5, y: 50.5 })
                .unwrap_or_else(|e| panic!("{crs}: {e}"));
            ea.check_preserves_area(geo::coord! { x: -74.5, y: -9.5 })
                .unwrap_or_else(|e| panic!("{crs}: {e}"));
            // A centre given in 0–360° (data across the antimeridian).
            ea.check_preserves_area(geo::coord! { x: 190.5, y: 60.5 })
                .unwrap_or_else(|e| panic!("{crs}: {e}"));
        }
        // "foo" is no CRS, but PROJ finds one by name (Amersfoort, a
        // geographic CRS): the message says what PROJ made of it.
        for crs in ["EPSG:3857", "EPSG:4326", "EPSG:32650", "ESRI:54009", "foo"] {
            let e = EqualArea::new(crs)
                .unwrap()
                .check_preserves_area(geo::coord! { x: 120.5, y: 50.5 })
                .unwrap_err()
                .to_string();
            assert!(e.contains("equal-area"), "{crs}: {e}");
            assert!(e.contains("50.0°N 120.0°E"), "{crs}: {e}");
            assert!(
                e.contains("PROJ reads it as the operation 'proj="),
                "{crs}: {e}"
            );
        }
    }

    #[test]
    fn web_mercator_to_wgs84() {
        let t = ToWgs84::new("EPSG:3857").unwrap();
        // 120° E, 50° N in Web Mercator (x = R·λ, y = R·ln tan(π/4 + φ/2)).
        let r = 6_378_137.0_f64;
        let x = r * 120f64.to_radians();
        let y = r
            * (std::f64::consts::FRAC_PI_4 + 50f64.to_radians() / 2.0)
                .tan()
                .ln();
        let mut p: Point<f64> = point!(x: x, y: y);
        t.apply(&mut p).unwrap();
        assert_relative_eq!(p.x(), 120.0, epsilon = 1e-9);
        assert_relative_eq!(p.y(), 50.0, epsilon = 1e-9);
    }

    #[test]
    fn wgs84_is_left_alone() {
        let t = ToWgs84::new("EPSG:4326").unwrap();
        assert!(t.proj.is_none());
        let mut p: Point<f64> = point!(x: 120.0, y: 50.0);
        t.apply(&mut p).unwrap();
        assert_eq!(p, point!(x: 120.0, y: 50.0));
        // Known the second time without PROJ; a CRS that is not WGS84 is
        // still transformed after it.
        assert!(ToWgs84::new("EPSG:4326").unwrap().proj.is_none());
        assert!(ToWgs84::new("EPSG:3857").unwrap().proj.is_some());
    }

    /// The equal-area areas remembered per polygon are the ones measured
    /// afresh, to the bit, for a polygon seen before and a new one.
    #[test]
    fn remembered_equal_areas_are_the_measured_ones() {
        let cell = |x: f64| {
            geodesy::densify(
                MultiPolygon::new(vec![polygon![
                    (x: x, y: 50.0), (x: x + 1.0, y: 50.0), (x: x + 1.0, y: 51.0), (x: x, y: 51.0),
                ]]),
                geodesy::DENSIFY_MAX_EDGE_M,
            )
        };
        let ea = EqualArea::new(DEFAULT_EQUAL_AREA).unwrap();
        let cache = geodesy::AreaCache::new();
        let (a, b) = (cell(120.0), cell(121.0));
        let both = MultiPolygon::new(vec![a.0[0].clone(), b.0[0].clone()]);
        for g in [&a, &a, &both, &b] {
            let remembered = cache
                .equal_area_km2(g, |p, shared| ea.polygon_m2(p, shared))
                .unwrap();
            assert_eq!(remembered.to_bits(), ea.area_km2(g).unwrap().to_bits());
        }
    }

    /// A ring measured after another takes the projected points of the
    /// runs they share from it (shown with a store whose points were
    /// scaled on purpose), and with true points its area is the one
    /// measured afresh, to the bit.
    #[test]
    fn shared_projected_points_are_taken_and_exact() {
        let cells = |x0: f64, x1: f64| {
            geodesy::densify(
                MultiPolygon::new(vec![polygon![
                    (x: x0, y: 50.0), (x: x1, y: 50.0), (x: x1, y: 51.0), (x: x0, y: 51.0),
                ]]),
                geodesy::DENSIFY_MAX_EDGE_M,
            )
        };
        let ea = EqualArea::new(DEFAULT_EQUAL_AREA).unwrap();
        let (west, wide) = (cells(120.0, 121.0), cells(120.0, 122.0));
        let (west, wide) = (&west.0[0], &wide.0[0]);
        let alone = |p: &geo::Polygon<f64>| ea.polygon_m2(p, None).unwrap();

        let shared = geodesy::ProjectedPoints::default();
        for p in [west, wide, west, wide] {
            assert_eq!(
                ea.polygon_m2(p, Some(&shared)).unwrap().to_bits(),
                alone(p).to_bits()
            );
        }

        // The western cell's points, projected and then scaled by 1.001:
        // a ring that takes them all measures 1.002 times the area.
        let mut scaled = west.exterior().0.clone();
        ea.proj.convert_array(&mut scaled).unwrap();
        let scaled: Vec<geo::Coord<f64>> = scaled.iter().map(|c| *c * 1.001).collect();
        let store = geodesy::ProjectedPoints::default();
        store.remember(&west.exterior().0, scaled);
        let taken = ea.polygon_m2(west, Some(&store)).unwrap();
        assert!(
            (taken / alone(west) - 1.001 * 1.001).abs() < 1e-9,
            "{taken}"
        );
        // The wide cell shares the western cell's south, west and north
        // sides: it takes those points and projects its own.
        let mixed = ea.polygon_m2(wide, Some(&store)).unwrap();
        assert_ne!(mixed.to_bits(), alone(wide).to_bits());
        assert!((mixed / alone(wide) - 1.0).abs() < 0.01, "{mixed}");
    }

    /// The maps' projection fits where the data lie: the Albers conic of
    /// the bundled region for mid-latitude data; Lambert azimuthal for a
    /// region across the equator (a conic with standard parallels ±x is
    /// refused by PROJ) and in its polar aspect near either pole; each one
    /// PROJ accepts and projects the region's corners with.
    #[test]
    fn map_projection_fits_the_region() {
        let cases = [
            ((110.0, 40.0, 145.0, 60.0), "+proj=aea "),
            (
                (10.0, -10.0, 30.0, 10.0),
                "+proj=laea +lat_0=0.0 +lon_0=20.0",
            ),
            ((10.0, -3.0, 30.0, 4.0), "+proj=laea +lat_0=0.5 "),
            ((-180.0, 60.0, 180.0, 90.0), "+proj=laea +lat_0=90 "),
            ((-180.0, -90.0, 180.0, -60.0), "+proj=laea +lat_0=-90 "),
            ((170.0, 60.0, 190.0, 66.0), "+proj=aea "),
        ];
        for ((w, s, e, n), want) in cases {
            let map = MapProjection::for_region(w, s, e, n).unwrap();
            assert!(map.definition.starts_with(want), "{}", map.definition);
            let (x0, y0, x1, y1) = map.extent_of(w, s, e, n).unwrap();
            assert!(x1 > x0 && y1 > y0, "{}", map.definition);
        }
    }

    /// The default equal-area CRS is centred on the data (rounded to a
    /// tenth of a degree; 0–360° longitudes wrapped), polar near a pole,
    /// and passes the area check where the data lie.
    #[test]
    fn auto_equal_area_is_centred_on_the_data() {
        assert_eq!(
            resolve_equal_area("auto", (0.0, 44.0, 10.0, 47.0)),
            "+proj=laea +lat_0=45.5 +lon_0=5 +datum=WGS84 +units=m +no_defs"
        );
        assert_eq!(
            resolve_equal_area("auto", (170.0, 60.0, 200.0, 70.0)),
            "+proj=laea +lat_0=65 +lon_0=-175 +datum=WGS84 +units=m +no_defs"
        );
        assert!(resolve_equal_area("auto", (-180.0, -90.0, 180.0, -60.0))
            .starts_with("+proj=laea +lat_0=-90 "));
        assert_eq!(
            resolve_equal_area("EPSG:6933", (0.0, 0.0, 1.0, 1.0)),
            "EPSG:6933"
        );
        for (b, centre) in [
            ((0.0, 44.0, 10.0, 47.0), geo::coord! { x: 5.0, y: 45.5 }),
            ((-180.0, 60.0, 180.0, 90.0), geo::coord! { x: 0.0, y: 75.0 }),
            ((-20.0, -10.0, 20.0, 10.0), geo::coord! { x: 0.0, y: 0.0 }),
        ] {
            EqualArea::new(&resolve_equal_area("auto", b))
                .unwrap()
                .check_preserves_area(centre)
                .unwrap();
        }
    }

    #[test]
    fn unknown_crs_is_an_error() {
        let e = ToWgs84::new("EPSG:999999").err().expect("unknown CRS");
        assert!(e.to_string().contains("EPSG:999999"), "{e}");
    }
}
