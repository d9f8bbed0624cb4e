//! GDAL geometries to `geo` through their well-known binary.
//!
//! Reference path: the gdal crate's `to_geo`, which asks GDAL for every
//! point through the C API (`OGR_G_GetPoint`: a call, a switch on the
//! geometry's type and three virtual calls a point). Fast path:
//! [`to_geo`], one `OGR_G_ExportToWkb` (GDAL copies each ring's points in
//! one piece) read here. Held equal by
//! `wkb_reading_is_what_the_gdal_crate_makes` (in `io::read`) on every
//! feature of the bundled layers and on made-up geometries.

use gdal::vector::Geometry;
use geo::{Coord, Geometry as GeoGeometry, LineString, MultiLineString, MultiPolygon, Polygon};

/// `geometry` as `geo` makes it from the gdal crate's `to_geo`, for the
/// two-dimensional polygons, lines and their collections; `None` for any
/// other geometry (points, curves, coordinates with Z or M, an empty
/// polygon), which the caller converts the gdal crate's way.
pub fn to_geo(geometry: &Geometry) -> Option<GeoGeometry<f64>> {
    let wkb = geometry.wkb().ok()?;
    let mut reader = Reader { wkb: &wkb, at: 0 };
    let geo = reader.geometry()?;
    (reader.at == wkb.len()).then_some(geo)
}

/// A position in a little-endian WKB buffer.
struct Reader<'a> {
    wkb: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn bytes<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.at.checked_add(N)?;
        let b = self.wkb.get(self.at..end)?.try_into().ok()?;
        self.at = end;
        Some(b)
    }

    fn count(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.bytes()?) as usize)
    }

    /// The byte order (little-endian only) and the two-dimensional type.
    fn header(&mut self) -> Option<u32> {
        let [order] = self.bytes()?;
        (order == 1).then_some(())?;
        Some(u32::from_le_bytes(self.bytes()?))
    }

    fn geometry(&mut self) -> Option<GeoGeometry<f64>> {
        Some(match self.header()? {
            2 => GeoGeometry::LineString(self.points()?),
            3 => GeoGeometry::Polygon(self.polygon_body()?),
            5 => GeoGeometry::MultiLineString(MultiLineString(self.parts(Some(2), Self::points)?)),
            6 => GeoGeometry::MultiPolygon(MultiPolygon(self.parts(Some(3), Self::polygon_body)?)),
            7 => GeoGeometry::GeometryCollection(geo::GeometryCollection(
                self.parts(None, Self::geometry)?,
            )),
            _ => return None,
        })
    }

    /// A count and as many parts, each read by `part`: after a header of
    /// type `kind` (a collection's part reads its own header).
    fn parts<T>(
        &mut self,
        kind: Option<u32>,
        part: impl Fn(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let n = self.count()?;
        let mut parts = Vec::with_capacity(n.min(self.wkb.len()));
        for _ in 0..n {
            if let Some(kind) = kind {
                (self.header()? == kind).then_some(())?;
            }
            parts.push(part(self)?);
        }
        Some(parts)
    }

    /// A polygon after its header: the gdal crate takes its first ring as
    /// the exterior (a polygon without rings is left to it).
    fn polygon_body(&mut self) -> Option<Polygon<f64>> {
        let n = self.count()?;
        if n == 0 {
            return None;
        }
        let exterior = self.points()?;
        let mut holes = Vec::with_capacity((n - 1).min(self.wkb.len()));
        for _ in 1..n {
            holes.push(self.points()?);
        }
        Some(Polygon::new(exterior, holes))
    }

    /// A point count and the points (x, y).
    fn points(&mut self) -> Option<LineString<f64>> {
        let n = self.count()?;
        let end = self.at.checked_add(n.checked_mul(16)?)?;
        let raw = self.wkb.get(self.at..end)?;
        self.at = end;
        Some(LineString(
            raw.chunks_exact(16)
                .map(|c| {
                    let (x, y) = c.split_at(8);
                    Coord {
                        x: f64::from_le_bytes(x.try_into().unwrap_or_default()),
                        y: f64::from_le_bytes(y.try_into().unwrap_or_default()),
                    }
                })
                .collect(),
        ))
    }
}
