//! Data across the antimeridian (180°): rings that cross it the short way,
//! or polygons split there, are analysed in longitudes 0–360°, where the
//! longitude/latitude overlay sees them whole.

use geo::{Coord, LineString, MultiLineString, MultiPolygon};

/// True when the polygons cross the antimeridian: an edge jumps more than
/// 180° in longitude (it is the short way round, across 180°), or the data
/// reaches both sides of 180° (polygons split there, as Chukotka is in most
/// world datasets). Such data is analysed in longitudes 0–360°, where the
/// lon/lat overlay sees the polygons whole.
pub fn crosses_antimeridian<'a>(
    polygons: impl Iterator<Item = &'a MultiPolygon<f64>> + Clone,
) -> bool {
    if has_long_jump(polygons.clone()) {
        return true;
    }
    // A ring that reaches a pole (a polar cap, or a sector of one) spans
    // −180…180° by nature: it is whole in longitude/latitude as it is.
    let (mut east, mut west) = (false, false);
    for ring in polygons
        .flat_map(|mp| mp.0.iter())
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .filter(|ring| !reaches_pole(ring))
    {
        for c in &ring.0 {
            east |= c.x >= 179.0;
            west |= c.x <= -179.0;
        }
    }
    east && west
}

/// Whether every snapshot's polygons (all of them at once, so that all
/// share one longitude range) are to be shifted to 0–360° (see
/// [`crosses_antimeridian`]), or why they cannot be overlaid in
/// longitude/latitude at all. Data that reaches a pole (a polar cap, whole
/// in −180…180°) stays in −180…180°, polygons split at 180° elsewhere
/// included (each piece measures as it is); an edge across 180° the short
/// way cannot be drawn there, and is refused with it. Data that crosses
/// both 180° and 0° is refused too: no longitude range shows it whole.
pub fn shift_for<'a>(
    polygons: impl Iterator<Item = &'a MultiPolygon<f64>> + Clone,
) -> Result<bool, String> {
    if has_polar_ring(polygons.clone()) {
        if has_long_jump(polygons) {
            return Err("the polygons reach a pole (a polar cap, whole in longitude −180…180°) and an edge elsewhere crosses the antimeridian (180°) the short way, which needs longitudes 0–360°: split the polygons that cross 180° at 180° (as the cap is)".into());
        }
        return Ok(false);
    }
    let shift = crosses_antimeridian(polygons.clone());
    if shift
        && polygons
            .into_iter()
            .any(|g| has_long_jump(std::iter::once(&unwrap_polygons(g))))
    {
        return Err("the polygons cross both the antimeridian (180°) and the prime meridian (0°): data that wraps around the globe cannot be overlaid in longitude/latitude; split it at one of the two".into());
    }
    Ok(shift)
}

/// True when a ring has a vertex on a pole (latitude ±90°).
pub fn reaches_pole(ring: &LineString<f64>) -> bool {
    ring.0.iter().any(|c| c.y.abs() == 90.0)
}

/// True when some polygon reaches a pole (see [`reaches_pole`]).
fn has_polar_ring<'a>(polygons: impl Iterator<Item = &'a MultiPolygon<f64>>) -> bool {
    polygons
        .flat_map(|mp| mp.0.iter())
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .any(reaches_pole)
}

/// True when some edge jumps more than 180° in longitude. An edge along a
/// pole (both ends at latitude ±90°: one point on the globe) jumps nowhere.
pub fn has_long_jump<'a>(polygons: impl Iterator<Item = &'a MultiPolygon<f64>>) -> bool {
    polygons
        .flat_map(|mp| mp.0.iter())
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .any(|ring| {
            ring.0.windows(2).any(|w| {
                (w[1].x - w[0].x).abs() > 180.0 && !(w[0].y.abs() == 90.0 && w[1].y == w[0].y)
            })
        })
}

/// Longitudes below 0° moved to 180–360° (for data that
/// [`crosses_antimeridian`]).
pub fn unwrap_polygons(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    use geo::MapCoords;
    mp.map_coords(|c| Coord {
        x: if c.x < 0.0 { c.x + 360.0 } else { c.x },
        y: c.y,
    })
}

/// Longitudes below 0° moved to 180–360°, in place, for lines.
pub fn unwrap_longitudes(lines: &mut MultiLineString<f64>) {
    use geo::MapCoordsInPlace;
    lines.map_coords_in_place(|c| Coord {
        x: if c.x < 0.0 { c.x + 360.0 } else { c.x },
        y: c.y,
    });
}
