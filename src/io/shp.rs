//! A shapefile's geometry files (`.shp` and `.shx`) made in memory, byte
//! for byte as GDAL writes them, so that they are written and hashed in one
//! pass; GDAL still writes the attributes (`.dbf`), the `.prj` and the
//! `.cpg`.
//!
//! Reference path: GDAL writing the whole layer
//! ([`super::write::write_dataset`]). Fast path: [`geometry_files`], which
//! covers the layers a run writes (polygons, lines, points, none of them
//! empty) and declines anything else, which then takes the reference path.
//! `tests::geometry_files_are_the_bytes_gdal_writes` and
//! `tests/reference_paths.rs` hold the two equal.

use super::write::{oriented_rings, GeometryKind, Layer, Shape};

/// The `.shp` and `.shx` of a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeometryFiles {
    /// The shapes.
    pub shp: Vec<u8>,
    /// The index of the shapes.
    pub shx: Vec<u8>,
}

/// Shape types of the shapefile specification.
const POINT: i32 = 1;
const ARC: i32 = 3;
const POLYGON: i32 = 5;

/// The `.shp` and `.shx` GDAL writes for `layer` (rings oriented the
/// shapefile way, as with `SHAPE_REWIND_ON_WRITE=NO`); `None` for a layer
/// with an empty geometry, a geometry of another kind than the layer's, or
/// more than a shapefile can hold, which GDAL must write.
pub fn geometry_files(layer: &Layer) -> Option<GeometryFiles> {
    let shape_type = match layer.geometry {
        GeometryKind::MultiPolygon => POLYGON,
        GeometryKind::LineString | GeometryKind::MultiLineString => ARC,
        GeometryKind::Point => POINT,
    };
    let points: usize = layer
        .features
        .iter()
        .map(|f| f.geometry.coords_count())
        .sum();
    let mut shp = Vec::with_capacity(100 + 60 * layer.features.len() + 16 * points);
    let mut shx = Vec::with_capacity(100 + 8 * layer.features.len());
    shp.resize(100, 0);
    shx.resize(100, 0);
    let mut bounds: Option<[f64; 4]> = None;
    let mut parts: Vec<&[geo::Coord<f64>]> = Vec::new();
    let mut reversed: Vec<bool> = Vec::new();
    for (i, feature) in layer.features.iter().enumerate() {
        parts.clear();
        reversed.clear();
        match (&feature.geometry, shape_type) {
            (Shape::MultiPolygon(mp), POLYGON) => {
                for (ring, reverse) in oriented_rings(&mp.0, true) {
                    parts.push(&ring.0);
                    reversed.push(reverse);
                }
            }
            (Shape::Owned(geo::Geometry::MultiPolygon(mp)), POLYGON) => {
                for (ring, reverse) in oriented_rings(&mp.0, true) {
                    parts.push(&ring.0);
                    reversed.push(reverse);
                }
            }
            (Shape::Owned(geo::Geometry::Polygon(p)), POLYGON) => {
                for (ring, reverse) in oriented_rings(std::slice::from_ref(p), true) {
                    parts.push(&ring.0);
                    reversed.push(reverse);
                }
            }
            (Shape::LineString(l), ARC) => parts.push(&l.0),
            (Shape::Owned(geo::Geometry::LineString(l)), ARC) => parts.push(&l.0),
            (Shape::MultiLineString(ml), ARC) => parts.extend(ml.0.iter().map(|l| &l.0[..])),
            (Shape::Owned(geo::Geometry::MultiLineString(ml)), ARC) => {
                parts.extend(ml.0.iter().map(|l| &l.0[..]));
            }
            (Shape::Owned(geo::Geometry::Point(p)), POINT) => {
                let offset = shp.len();
                put_be(&mut shp, i32::try_from(i + 1).ok()?);
                put_be(&mut shp, 10);
                put_le(&mut shp, POINT);
                put_f64(&mut shp, p.x());
                put_f64(&mut shp, p.y());
                widen(&mut bounds, [p.x(), p.y(), p.x(), p.y()]);
                put_be(&mut shx, i32::try_from(offset / 2).ok()?);
                put_be(&mut shx, 10);
                continue;
            }
            _ => return None,
        }
        // Empty parts and parts GDAL reads as points of a polygon are left
        // to GDAL.
        let minimum = if shape_type == POLYGON { 4 } else { 2 };
        if parts.is_empty() || parts.iter().any(|p| p.len() < minimum) {
            return None;
        }
        reversed.resize(parts.len(), false);
        let count: usize = parts.iter().map(|p| p.len()).sum();
        let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for c in parts.iter().flat_map(|p| p.iter()) {
            b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
        }
        if b.iter().any(|v| v.is_nan()) {
            return None;
        }
        widen(&mut bounds, b);
        // Words (16 bits) after the record header.
        let words = (44 + 4 * parts.len() + 16 * count) / 2;
        let offset = shp.len();
        put_be(&mut shp, i32::try_from(i + 1).ok()?);
        put_be(&mut shp, i32::try_from(words).ok()?);
        put_le(&mut shp, shape_type);
        for v in b {
            put_f64(&mut shp, v);
        }
        put_le(&mut shp, i32::try_from(parts.len()).ok()?);
        put_le(&mut shp, i32::try_from(count).ok()?);
        let mut start = 0;
        for p in &parts {
            put_le(&mut shp, i32::try_from(start).ok()?);
            start += p.len();
        }
        for (p, &reverse) in parts.iter().zip(&reversed) {
            let mut put = |c: &geo::Coord<f64>| {
                put_f64(&mut shp, c.x);
                put_f64(&mut shp, c.y);
            };
            if reverse {
                p.iter().rev().for_each(&mut put);
            } else {
                p.iter().for_each(&mut put);
            }
        }
        put_be(&mut shx, i32::try_from(offset / 2).ok()?);
        put_be(&mut shx, i32::try_from(words).ok()?);
    }
    let shp_words = i32::try_from(shp.len() / 2).ok()?;
    let shx_words = i32::try_from(shx.len() / 2).ok()?;
    let bounds = bounds.unwrap_or([0.0; 4]);
    header(&mut shp[..100], shp_words, shape_type, bounds);
    header(&mut shx[..100], shx_words, shape_type, bounds);
    Some(GeometryFiles { shp, shx })
}

/// The 100-byte header of both files: file code 9994, the length in 16-bit
/// words, version 1000, the shape type and the bounds (z and m zero).
fn header(out: &mut [u8], words: i32, shape_type: i32, b: [f64; 4]) {
    let mut h = Vec::with_capacity(100);
    put_be(&mut h, 9994);
    h.resize(24, 0);
    put_be(&mut h, words);
    put_le(&mut h, 1000);
    put_le(&mut h, shape_type);
    for v in b {
        put_f64(&mut h, v);
    }
    h.resize(100, 0);
    out.copy_from_slice(&h);
}

fn widen(bounds: &mut Option<[f64; 4]>, b: [f64; 4]) {
    *bounds = Some(match *bounds {
        None => b,
        Some(a) => [
            a[0].min(b[0]),
            a[1].min(b[1]),
            a[2].max(b[2]),
            a[3].max(b[3]),
        ],
    });
}

fn put_be(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_le(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_f64(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::write::{
        write_dataset, write_shapefile_split, FieldDef, FieldKind, OutFeature, Value,
    };
    use geo::{polygon, LineString, MultiLineString, MultiPolygon};

    /// Every file of the shapefile `name` in `dir`, by extension.
    fn files(dir: &std::path::Path, name: &str) -> Vec<(String, Vec<u8>)> {
        ["shp", "shx", "dbf", "prj", "cpg"]
            .iter()
            .map(|ext| {
                let bytes = std::fs::read(dir.join(format!("{name}.{ext}"))).unwrap();
                ((*ext).to_owned(), bytes)
            })
            .collect()
    }

    /// `layer` written by GDAL alone and by GDAL with [`geometry_files`]:
    /// the same five files.
    fn assert_same_files(layer: &Layer) {
        let dir = tempfile::tempdir().unwrap();
        let (gdal, split) = (dir.path().join("gdal"), dir.path().join("split"));
        std::fs::create_dir(&gdal).unwrap();
        std::fs::create_dir(&split).unwrap();
        let file = format!("{}.shp", layer.name);
        write_dataset(
            &gdal.join(&file),
            "ESRI Shapefile",
            std::slice::from_ref(layer),
            &[],
        )
        .unwrap();
        let made = write_shapefile_split(&split.join(&file), layer)
            .unwrap()
            .expect("the fast path covers this layer");
        std::fs::write(split.join(format!("{}.shp", layer.name)), &made.shp).unwrap();
        std::fs::write(split.join(format!("{}.shx", layer.name)), &made.shx).unwrap();
        for ((ext, a), (_, b)) in files(&gdal, &layer.name)
            .iter()
            .zip(files(&split, &layer.name))
        {
            assert!(*a == b, "{}.{ext} differs", layer.name);
        }
    }

    fn feature(geometry: Shape<'_>, k: i64) -> OutFeature<'_> {
        OutFeature {
            geometry,
            values: vec![Value::Int(k), Value::Text(format!("feature {k}"))],
        }
    }

    fn fields() -> Vec<FieldDef> {
        vec![
            FieldDef::new("k", FieldKind::Int),
            FieldDef::new("name", FieldKind::Text),
        ]
    }

    #[test]
    fn geometry_files_are_the_bytes_gdal_writes() {
        // Exteriors both ways round, a hole, two parts, a ring with no area.
        let square = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0), (x: 0.0, y: 0.0)];
        let backwards = polygon![(x: 5.0, y: -3.0), (x: 5.0, y: -1.0), (x: 7.5, y: -1.0), (x: 7.5, y: -3.0), (x: 5.0, y: -3.0)];
        let holed = geo::Polygon::new(
            LineString::from(vec![
                (10.0, 10.0),
                (14.0, 10.0),
                (14.0, 14.0),
                (10.0, 14.0),
                (10.0, 10.0),
            ]),
            vec![LineString::from(vec![
                (11.0, 11.0),
                (13.0, 11.0),
                (13.0, 13.0),
                (11.0, 13.0),
                (11.0, 11.0),
            ])],
        );
        let flat = polygon![(x: 20.0, y: 20.0), (x: 21.0, y: 20.0), (x: 22.0, y: 20.0), (x: 20.0, y: 20.0)];
        let two = MultiPolygon::new(vec![holed.clone(), backwards.clone()]);
        let one = MultiPolygon::new(vec![square.clone()]);
        let flat = MultiPolygon::new(vec![flat]);
        assert_same_files(&Layer {
            name: "polygons".into(),
            geometry: GeometryKind::MultiPolygon,
            fields: fields(),
            features: vec![
                feature(Shape::MultiPolygon(&two), 1),
                feature(Shape::MultiPolygon(&one), 2),
                feature(Shape::Owned(geo::Geometry::Polygon(backwards)), 3),
                feature(Shape::MultiPolygon(&flat), 4),
            ],
        });
        let line = LineString::from(vec![(-170.5, 60.25), (-160.0, 61.0), (-150.0, 59.5)]);
        let lines = MultiLineString::new(vec![
            line.clone(),
            LineString::from(vec![(0.0, 0.0), (1.0, 1.0)]),
        ]);
        for geometry in [GeometryKind::LineString, GeometryKind::MultiLineString] {
            let features = match geometry {
                GeometryKind::LineString => vec![feature(Shape::LineString(&line), 1)],
                _ => vec![
                    feature(Shape::MultiLineString(&lines), 1),
                    feature(Shape::Owned(geo::Geometry::LineString(line.clone())), 2),
                ],
            };
            assert_same_files(&Layer {
                name: "lines".into(),
                geometry,
                fields: fields(),
                features,
            });
        }
        assert_same_files(&Layer {
            name: "points".into(),
            geometry: GeometryKind::Point,
            fields: fields(),
            features: vec![
                feature(
                    Shape::Owned(geo::Geometry::Point(geo::Point::new(127.5, 50.25))),
                    1,
                ),
                feature(
                    Shape::Owned(geo::Geometry::Point(geo::Point::new(-3.0, -45.0))),
                    2,
                ),
            ],
        });
    }

    /// What the fast path does not cover goes to GDAL.
    #[test]
    fn empty_and_mismatched_geometries_are_left_to_gdal() {
        let empty = MultiPolygon::<f64>::new(Vec::new());
        let line = LineString::from(vec![(0.0, 0.0), (1.0, 1.0)]);
        let layer = |geometry, shape| Layer {
            name: "x".into(),
            geometry,
            fields: fields(),
            features: vec![feature(shape, 1)],
        };
        assert!(geometry_files(&layer(
            GeometryKind::MultiPolygon,
            Shape::MultiPolygon(&empty)
        ))
        .is_none());
        assert!(
            geometry_files(&layer(GeometryKind::MultiPolygon, Shape::LineString(&line))).is_none()
        );
        assert!(
            geometry_files(&layer(GeometryKind::LineString, Shape::LineString(&line))).is_some()
        );
    }
}
