//! A shapefile's geometry files (`.shp` and `.shx`) made here, byte for
//! byte as GDAL writes them, so that they are written and hashed in one
//! pass (the `.shp` a megabyte at a time); GDAL still writes the attributes
//! (`.dbf`), the `.prj` and the `.cpg`.
//!
//! Reference path: GDAL writing the whole layer
//! ([`super::write::write_dataset`]). Fast path: [`geometry_files`], which
//! covers the layers a run writes (polygons, lines, points, none of them
//! empty) and declines anything else, which then takes the reference path.
//! `tests::geometry_files_are_the_bytes_gdal_writes` (every kind of shape)
//! and `a_run_writes_the_shapefile_gdal_writes` in `tests/reference_paths.rs`
//! (the bundled holdings) hold the two equal.

use std::io::Write;

use super::write::{fill_points, oriented_rings, GeometryKind, Layer, OutFeature, Shape};

/// A layer's `.shp`, written by [`GeometryFiles::write_shp`] in pieces (it
/// is as large as the layer's coordinates), and its `.shx`.
#[derive(Debug)]
pub struct GeometryFiles<'l> {
    layer: &'l Layer<'l>,
    shape_type: i32,
    /// Each record's bounds (west, south, east, north).
    boxes: Vec<[f64; 4]>,
    /// The bounds of all records.
    bounds: [f64; 4],
    /// The `.shp`'s length in bytes.
    shp_len: usize,
    /// Whether each ring of a polygon layer, in order, is written backwards (as
    /// [`oriented_rings`] found while the `.shx` was made; the `.shp` takes
    /// it from here rather than measuring every ring again).
    reversed: Vec<bool>,
    /// The index of the shapes.
    pub shx: Vec<u8>,
}

/// Shape types of the shapefile specification.
const POINT: i32 = 1;
const ARC: i32 = 3;
const POLYGON: i32 = 5;

/// What [`GeometryFiles::write_shp`] gathers before writing it out.
const CHUNK: usize = 1 << 20;

/// The `.shp` and `.shx` GDAL writes for `layer` (rings oriented the
/// shapefile way, as with `SHAPE_REWIND_ON_WRITE=NO`); `None` for a layer
/// with an empty geometry, a geometry of another kind than the layer's, or
/// more than a shapefile can hold, which GDAL must write.
pub fn geometry_files<'l>(layer: &'l Layer<'l>) -> Option<GeometryFiles<'l>> {
    let shape_type = match layer.geometry {
        GeometryKind::MultiPolygon => POLYGON,
        GeometryKind::LineString | GeometryKind::MultiLineString => ARC,
        GeometryKind::Point => POINT,
    };
    let mut shx = Vec::with_capacity(100 + 8 * layer.features.len());
    shx.resize(100, 0);
    let mut boxes = Vec::with_capacity(layer.features.len());
    let mut bounds: Option<[f64; 4]> = None;
    let mut offset = 100;
    let mut parts = Vec::new();
    let mut reversed = Vec::new();
    for feature in &layer.features {
        parts_of(feature, shape_type, &mut parts, |ps, parts| {
            parts.extend(oriented_rings(ps, true).map(|(ring, reverse)| (&ring.0[..], reverse)));
        })?;
        if shape_type == POLYGON {
            reversed.extend(parts.iter().map(|&(_, reverse)| reverse));
        }
        // Empty parts and parts GDAL reads as points of a polygon are left
        // to GDAL.
        let minimum = match shape_type {
            POLYGON => 4,
            ARC => 2,
            _ => 1,
        };
        if parts.is_empty() || parts.iter().any(|(p, _)| p.len() < minimum) {
            return None;
        }
        let b = box_of(&parts);
        if b.iter().any(|v| !v.is_finite()) {
            return None;
        }
        bounds = Some(bounds.map_or(b, |a| widened(a, b)));
        boxes.push(b);
        let words = words(shape_type, &parts);
        put_be(&mut shx, i32::try_from(offset / 2).ok()?);
        put_be(&mut shx, i32::try_from(words).ok()?);
        offset += 8 + 2 * words;
    }
    i32::try_from(offset / 2).ok()?;
    i32::try_from(layer.features.len()).ok()?;
    let bounds = bounds.unwrap_or([0.0; 4]);
    let shx_words = i32::try_from(shx.len() / 2).ok()?;
    shx[..100].copy_from_slice(&header(shx_words, shape_type, bounds));
    Some(GeometryFiles {
        layer,
        shape_type,
        boxes,
        bounds,
        shp_len: offset,
        reversed,
        shx,
    })
}

impl GeometryFiles<'_> {
    /// Writes the `.shp` to `out`, a megabyte at a time.
    pub fn write_shp(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut buffer = Vec::with_capacity(CHUNK + 4096);
        let length = i32::try_from(self.shp_len / 2).unwrap_or(i32::MAX);
        buffer.extend_from_slice(&header(length, self.shape_type, self.bounds));
        let mut parts = Vec::new();
        let mut reversed = self.reversed.iter().copied();
        let changed = || std::io::Error::other("a shape changed while written");
        for (i, (feature, b)) in self.layer.features.iter().zip(&self.boxes).enumerate() {
            // The rings in order, each turned as it was when the `.shx` was
            // made.
            let mut missing = false;
            let made = parts_of(feature, self.shape_type, &mut parts, |ps, parts| {
                for ring in ps
                    .iter()
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                {
                    let reverse = reversed.next().unwrap_or_else(|| {
                        missing = true;
                        false
                    });
                    parts.push((&ring.0[..], reverse));
                }
            });
            if made.is_none() || missing {
                return Err(changed());
            }
            let words = words(self.shape_type, &parts);
            put_be(&mut buffer, i32::try_from(i + 1).unwrap_or(i32::MAX));
            put_be(&mut buffer, i32::try_from(words).unwrap_or(i32::MAX));
            put_le(&mut buffer, self.shape_type);
            if self.shape_type == POINT {
                let c = parts[0].0[0];
                put_f64(&mut buffer, c.x);
                put_f64(&mut buffer, c.y);
            } else {
                for v in b {
                    put_f64(&mut buffer, *v);
                }
                let count: usize = parts.iter().map(|(p, _)| p.len()).sum();
                put_le(&mut buffer, i32::try_from(parts.len()).unwrap_or(i32::MAX));
                put_le(&mut buffer, i32::try_from(count).unwrap_or(i32::MAX));
                let mut start = 0;
                for (p, _) in &parts {
                    put_le(&mut buffer, i32::try_from(start).unwrap_or(i32::MAX));
                    start += p.len();
                }
                for &(p, reverse) in &parts {
                    put_points(&mut buffer, p, reverse, out)?;
                }
            }
            if buffer.len() >= CHUNK {
                out.write_all(&buffer)?;
                buffer.clear();
            }
        }
        if reversed.next().is_some() {
            return Err(changed());
        }
        out.write_all(&buffer)
    }
}

/// Appends `points` (backwards if `reverse`) to `buffer` as x and y,
/// little-endian, writing the buffer to `out` whenever it holds a megabyte
/// (rings of millions of points).
///
/// The room for as many points as fit before the next megabyte is made at
/// once and filled 16 bytes at a time: pushing each coordinate checked the
/// buffer's capacity, and its size against the megabyte, at every point.
fn put_points(
    buffer: &mut Vec<u8>,
    points: &[geo::Coord<f64>],
    reverse: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut rest = points;
    while !rest.is_empty() {
        let room = (CHUNK.saturating_sub(buffer.len()) / 16).max(1);
        let n = room.min(rest.len());
        // The points written now: the first `n` left, or the last `n`
        // backwards.
        let now = if reverse {
            let (left, now) = rest.split_at(rest.len() - n);
            rest = left;
            now
        } else {
            let (now, left) = rest.split_at(n);
            rest = left;
            now
        };
        let start = buffer.len();
        buffer.resize(start + 16 * n, 0);
        fill_points(&mut buffer[start..], now, reverse);
        if buffer.len() >= CHUNK {
            out.write_all(buffer)?;
            buffer.clear();
        }
    }
    Ok(())
}

/// The parts of `feature` as a record of `shape_type` holds them, each
/// with whether it is written backwards (lines never are; `polygons` puts
/// the rings of polygons, each exterior then its holes, with theirs);
/// `None` when the feature's geometry is not of that type.
fn parts_of<'f>(
    feature: &'f OutFeature,
    shape_type: i32,
    parts: &mut Vec<Part<'f>>,
    mut polygons: impl FnMut(&'f [geo::Polygon<f64>], &mut Vec<Part<'f>>),
) -> Option<()> {
    parts.clear();
    match (&feature.geometry, shape_type) {
        (Shape::MultiPolygon(mp), POLYGON) => polygons(&mp.0, parts),
        (Shape::Owned(geo::Geometry::MultiPolygon(mp)), POLYGON) => polygons(&mp.0, parts),
        (Shape::Owned(geo::Geometry::Polygon(p)), POLYGON) => {
            polygons(std::slice::from_ref(p), parts);
        }
        (Shape::LineString(l), ARC) => parts.push((&l.0, false)),
        (Shape::Owned(geo::Geometry::LineString(l)), ARC) => parts.push((&l.0, false)),
        (Shape::MultiLineString(ml), ARC) => parts.extend(ml.0.iter().map(|l| (&l.0[..], false))),
        (Shape::Owned(geo::Geometry::MultiLineString(ml)), ARC) => {
            parts.extend(ml.0.iter().map(|l| (&l.0[..], false)));
        }
        (Shape::Owned(geo::Geometry::Point(p)), POINT) => {
            parts.push((std::slice::from_ref(&p.0), false));
        }
        _ => return None,
    }
    Some(())
}

/// A part of a record: its points and whether they are written backwards.
type Part<'f> = (&'f [geo::Coord<f64>], bool);

/// A record's length in 16-bit words, after its 8-byte header.
fn words(shape_type: i32, parts: &[Part]) -> usize {
    if shape_type == POINT {
        return 10;
    }
    let count: usize = parts.iter().map(|(p, _)| p.len()).sum();
    (44 + 4 * parts.len() + 16 * count) / 2
}

/// The 100-byte header of both files: file code 9994, the length in 16-bit
/// words, version 1000, the shape type and the bounds (z and m zero).
fn header(words: i32, shape_type: i32, b: [f64; 4]) -> [u8; 100] {
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
    let mut out = [0; 100];
    out.copy_from_slice(&h);
    out
}

/// The box of nothing: what any point widens.
const NO_BOX: [f64; 4] = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];

/// The box (west, south, east, north) of the points of `parts`,
/// [`NO_BOX`] for none; NaN coordinates are passed over, as `f64::min`
/// and `f64::max` do.
///
/// Fast path: four points at a time, each of four lanes keeping its own
/// box, the lanes joined at the end. Minima and maxima do not depend on
/// the order they are taken in, except which zero a box gets when its
/// side is at 0 and both zeros are among the points; a box with a side
/// at zero is found again by [`box_of_in_order`], the reference path
/// (`tests::boxes_are_the_boxes_point_by_point` holds the two equal).
fn box_of(parts: &[Part]) -> [f64; 4] {
    let mut lanes = [NO_BOX; 4];
    let mut b = NO_BOX;
    for (points, _) in parts {
        let quads = points.chunks_exact(4);
        b = widened(b, box_of_in_order(&[(quads.remainder(), false)]));
        for quad in quads {
            for (lane, c) in lanes.iter_mut().zip(quad) {
                *lane = [
                    lane[0].min(c.x),
                    lane[1].min(c.y),
                    lane[2].max(c.x),
                    lane[3].max(c.y),
                ];
            }
        }
    }
    let b = lanes.into_iter().fold(b, widened);
    if b.contains(&0.0) {
        box_of_in_order(parts)
    } else {
        b
    }
}

/// Reference path of [`box_of`]: point by point, in order.
fn box_of_in_order(parts: &[Part]) -> [f64; 4] {
    parts
        .iter()
        .flat_map(|(p, _)| p.iter())
        .fold(NO_BOX, |b, c| {
            [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)]
        })
}

fn widened(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
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
        let mut shp = Vec::new();
        made.write_shp(&mut shp).unwrap();
        std::fs::write(split.join(format!("{}.shp", layer.name)), &shp).unwrap();
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

    /// Points written in runs up to each megabyte are the bytes of each
    /// point pushed on its own (the reference path), forwards and
    /// backwards, in rings that cross a megabyte anywhere.
    #[test]
    fn points_across_megabytes_are_the_points_one_by_one() {
        struct Pieces(Vec<u8>, usize);
        impl Write for Pieces {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.extend_from_slice(buf);
                self.1 += 1;
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let ring: Vec<geo::Coord<f64>> = (0..200_000)
            .map(|i| geo::coord! { x: f64::from(i) * 0.5, y: -f64::from(i) / 3.0 })
            .collect();
        for (lead, reverse) in [
            (0, false),
            (7, true),
            (CHUNK - 20, false),
            (CHUNK - 3, true),
        ] {
            let mut expected = vec![9u8; lead];
            let mut points: Vec<_> = ring.iter().collect();
            if reverse {
                points.reverse();
            }
            for c in points {
                expected.extend_from_slice(&c.x.to_le_bytes());
                expected.extend_from_slice(&c.y.to_le_bytes());
            }
            let mut buffer = vec![9u8; lead];
            let mut out = Pieces(Vec::new(), 0);
            put_points(&mut buffer, &ring, reverse, &mut out).unwrap();
            assert!(out.1 >= 3, "written in {} pieces", out.1);
            assert!(buffer.len() < CHUNK + 16);
            out.0.extend_from_slice(&buffer);
            assert!(out.0 == expected, "lead {lead}, reverse {reverse}");
        }
    }

    /// A box found four points at a time is the box found point by point
    /// (the reference path), bit for bit: rings of every length up to 11,
    /// NaN coordinates, and sides at either zero.
    #[test]
    fn boxes_are_the_boxes_point_by_point() {
        let values = [
            -3.5,
            0.0,
            -0.0,
            2.25,
            f64::NAN,
            1e-300,
            -7.0,
            0.0,
            4.5,
            -0.0,
            0.5,
        ];
        for n in 0..=values.len() {
            for shift in 0..values.len() {
                let points: Vec<geo::Coord<f64>> = (0..n)
                    .map(|i| {
                        geo::coord! {
                            x: values[(i + shift) % values.len()],
                            y: values[(i * 7 + shift + 3) % values.len()] * 1.5,
                        }
                    })
                    .collect();
                // Whole, and in two parts split anywhere.
                for cut in 0..=n {
                    let one: [Part; 1] = [(&points[..], false)];
                    let two: [Part; 2] = [(&points[..cut], false), (&points[cut..], true)];
                    for parts in [&one[..], &two[..]] {
                        let (fast, reference) = (box_of(parts), box_of_in_order(parts));
                        assert_eq!(
                            fast.map(f64::to_bits),
                            reference.map(f64::to_bits),
                            "{parts:?}"
                        );
                    }
                }
            }
        }
        // Away from zero, the lanes' own boxes: no second pass.
        let ring: Vec<geo::Coord<f64>> = (1..=9)
            .map(|i| geo::coord! { x: 100.0 + f64::from(i % 4), y: 40.0 - f64::from(i) })
            .collect();
        assert_eq!(box_of(&[(&ring, false)]), [100.0, 31.0, 103.0, 39.0]);
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
