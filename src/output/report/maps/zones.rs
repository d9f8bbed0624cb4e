//! The map of the disputed zones (`[zones]`, with `[[variant]]`): each
//! zone outlined and named over the newest snapshot, and in the legend what
//! every reading makes of it: the base as the snapshots draw it (the holder
//! that has the zone's inner point in each snapshot), the others as their
//! `[[variant.assign]]` tables give it.

use std::cmp::Ordering;
use std::fmt::Write as _;

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{BoundingRect, Contains, CoordsIter, Line, LinesIter, Point, Polygon};

use super::fonts::Fonts;
use super::labels::{Label, Placer, Rect};
use super::legend::LegendItem;
use super::{document, furniture, hex, map_area, write_label, Body, Frame, Map, LABEL_SIZE};
use crate::load::Inputs;
use crate::output::qgis::treaty_colours;

/// The zones' map, or `None` when the analysis has no zones or no
/// readings.
pub(super) fn zone_map(
    frame: &Frame,
    fonts: &Fonts,
    inputs: &Inputs,
    title: &str,
    background: Body,
    grat_boxes: &[Rect],
    context_legend: Vec<LegendItem>,
) -> Option<Map> {
    if inputs.zones.is_empty() || inputs.readings.is_empty() {
        return None;
    }
    let slots: Vec<String> = (0..inputs.zones.len()).map(|k| k.to_string()).collect();
    let colours = treaty_colours(&slots);
    let mut body = background;
    let mut legend = Vec::new();
    let mut labels = Vec::new();
    for (zone, (_, colour)) in inputs.zones.iter().zip(&colours) {
        let inner = inner_point(&zone.geometry);
        let _ = writeln!(
            body.own,
            "<path d=\"{}\" fill=\"{}\" fill-opacity=\"0.35\" fill-rule=\"evenodd\" stroke=\"{}\" stroke-width=\"1.6\" stroke-linejoin=\"round\"/>",
            frame.polygons(&zone.geometry),
            hex(*colour),
            hex(*colour)
        );
        legend.push(LegendItem::Fill(zone.id.clone(), *colour));
        for line in readings_of(inputs, zone, inner) {
            legend.push(LegendItem::Note(line));
        }
        // Named at its inner point, or near it.
        if let Some(at) = inner.and_then(|p| frame.px(p.x(), p.y())) {
            labels.push(Label {
                text: zone.id.clone(),
                width: fonts.width(&zone.id, LABEL_SIZE, true),
                size: LABEL_SIZE,
                anchors: vec![at],
                gap: 0.0,
            });
        }
    }
    // Centred on their points where there is room (gap 0).
    let mut placer = Placer::new(map_area(), furniture(frame, grat_boxes));
    for label in &labels {
        body.own.push_str(&write_label(&mut placer, label, "zone"));
    }
    legend.extend(context_legend);
    let caption = format!("{title} — disputed zones and the readings");
    let (svg, shared) = document(frame, fonts, &caption, &body, &legend);
    Some(Map {
        name: "zones".into(),
        title: caption,
        svg,
        shared,
    })
}

/// A zone's inner point: where it is named, and the point the base reading
/// finds its holder by.
///
/// Reference path: geo's `InteriorPoint` of the zone. Fast path: the same
/// algorithm, polygon by polygon (the midpoint of the longest stretch of a
/// horizontal line through the middle of the polygon's box that lies
/// inside it), with the line's crossings found edge by edge and each
/// stretch's midpoint placed by `CoordinatePosition`. geo finds the
/// crossings by testing every pair of the polygon's edges whose spans of
/// longitude overlap (its sweep over all the edges and the line together),
/// a few million tests on a densified zone, and keeps those with the line;
/// here each edge is tested against the line alone, the two taken in the
/// order geo's sweep takes them, so that every crossing is computed from
/// the same operands in the same order and comes out bit for bit the same.
/// A polygon where the two could differ (a coordinate that is not finite,
/// an edge on the line itself) takes the reference path.
/// `tests::inner_points_are_geos` and `the_zones_inner_points_are_geos` in
/// `tests/reference_paths.rs` hold the two equal.
pub fn inner_point(zone: &geo::MultiPolygon<f64>) -> Option<Point<f64>> {
    // As geo's `InteriorPoint for MultiPolygon`: the polygon with the
    // longest stretch inside it.
    let Some(found) = zone
        .iter()
        .map(polygon_inner_point)
        .collect::<Option<Vec<_>>>()
    else {
        return geo::InteriorPoint::interior_point(zone);
    };
    found
        .into_iter()
        .flatten()
        .min_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(Ordering::Less))
        .map(|(point, _length)| point)
}

/// A polygon's inner point and the length of the stretch it is the middle
/// of, as geo's `polygon_interior_point_with_segment_length` gives them
/// (`Some(None)`: none); `None` where the two ways could differ.
fn polygon_inner_point(polygon: &Polygon<f64>) -> Option<Option<(Point<f64>, f64)>> {
    if polygon.exterior().0.len() == 1 {
        return Some(Some((polygon.exterior().0[0].into(), 0.0)));
    }
    let Some(bounds) = polygon.bounding_rect() else {
        return Some(None);
    };
    // The line through the middle of the box, moved off the vertices as
    // geo moves it.
    let mut y_mid = (bounds.min().y + bounds.max().y) / 2.0;
    if polygon.coords_iter().any(|c| c.y == y_mid) {
        let next_closest = polygon
            .coords_iter()
            .filter_map(|c| (c.y != y_mid).then_some((c.y, (c.y - y_mid).abs())))
            .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(Ordering::Less));
        if let Some((closest, _)) = next_closest {
            y_mid = (y_mid + closest) / 2.0;
        }
    }
    let scan_line = Line::new(
        geo::coord! { x: bounds.min().x, y: y_mid },
        geo::coord! { x: bounds.max().x, y: y_mid },
    );
    let finite = polygon
        .coords_iter()
        .all(|c| c.x.is_finite() && c.y.is_finite());
    if !finite || y_mid.is_nan() || polygon.lines_iter().any(|l| l == scan_line) {
        return None;
    }
    // geo's sweep orders the edges and the line by their least longitude,
    // the line (given last) after the edges it ties with, and tests each
    // pair as (earlier, later).
    let scan_key = bounds.min().x;
    let mut crossings: Vec<Point<f64>> = Vec::new();
    for edge in polygon.lines_iter() {
        let key = if edge.start.x < edge.end.x {
            edge.start.x
        } else {
            edge.end.x
        };
        let found = if key.total_cmp(&scan_key).is_le() {
            line_intersection(edge, scan_line)
        } else {
            line_intersection(scan_line, edge)
        };
        match found {
            Some(LineIntersection::Collinear { intersection }) => {
                crossings.push(intersection.start.into());
                crossings.push(intersection.end.into());
            }
            Some(LineIntersection::SinglePoint { intersection, .. }) => {
                crossings.push(intersection.into());
            }
            None => {}
        }
    }
    crossings.sort_by(|a, b| a.x().total_cmp(&b.x()));
    let mut stretches: Vec<(Point<f64>, f64)> = crossings
        .windows(2)
        .map(|w| {
            let (start, end) = (w[0], w[1]);
            (
                Point::new((start.x() + end.x()) / 2.0, y_mid),
                end.x() - start.x(),
            )
        })
        .collect();
    stretches.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (midpoint, length) in stretches {
        // Some stretches between crossings lie outside the polygon. geo
        // relates the polygon to the point; where the point lies is all
        // that relation says (its position, which geo's relate takes from
        // `CoordinatePosition` for a point off every edge and finds on the
        // boundary for a point on one, as `CoordinatePosition` does),
        // without first building the graph of the polygon's every edge.
        match polygon.coordinate_position(&midpoint.0) {
            CoordPos::Outside => {}
            CoordPos::Inside => return Some(Some((midpoint, length))),
            CoordPos::OnBoundary => return Some(Some((midpoint, 0.0))),
        }
    }
    Some(polygon.coords_iter().next().map(|c| (c.into(), 0.0)))
}

/// One line per reading: who holds the zone (whose inner point is `inner`)
/// in which snapshots.
fn readings_of(
    inputs: &Inputs,
    zone: &crate::geometry::variants::Zone,
    inner: Option<geo::Point<f64>>,
) -> Vec<String> {
    let mut out = Vec::new();
    // Who holds the point in each snapshot as drawn, looked up once for
    // every reading that leaves the zone as drawn there (a point in a
    // holding of 100,000 vertices is a test against each edge).
    let mut as_drawn: Vec<Option<Option<String>>> = vec![None; inputs.snapshots.len()];
    for (i, reading) in inputs.readings.iter().enumerate() {
        let mut held: Vec<(String, Vec<String>)> = Vec::new();
        for (s, drawn) in inputs.snapshots.iter().zip(&mut as_drawn) {
            let assigned = reading
                .assigned_in(s.year.year)
                .into_iter()
                .find(|(z, _)| *z == zone.id)
                .map(|(_, h)| h.to_owned());
            // Unassigned: as drawn in the snapshot.
            let holder = assigned.or_else(|| {
                drawn
                    .get_or_insert_with(|| {
                        let p = inner?;
                        s.holdings
                            .iter()
                            .find(|h| h.geometry.contains(&p))
                            .map(|h| h.state.clone())
                    })
                    .clone()
            });
            let holder = holder.unwrap_or_else(|| "nobody".to_owned());
            match held.last_mut() {
                Some((h, years)) if *h == holder => years.push(s.year.to_string()),
                _ => held.push((holder, vec![s.year.to_string()])),
            }
        }
        let base = if i == 0 { " (as drawn)" } else { "" };
        let parts: Vec<String> = held
            .iter()
            .map(|(h, years)| format!("{h} {}", years.join(", ")))
            .collect();
        out.push(format!("{}{base}: {}", reading.name, parts.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, InteriorPoint, LineString, MultiPolygon};

    fn bits(p: Option<Point<f64>>) -> Option<(u64, u64)> {
        p.map(|p| (p.x().to_bits(), p.y().to_bits()))
    }

    /// A star-shaped ring of `n` points round (`cx`, `cy`), radii drawn
    /// from `rng`, counter-clockwise.
    fn star(rng: &mut crate::support::testing::Uniform, n: usize, cx: f64, cy: f64) -> LineString {
        let points: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = 0.5 + rng.next(1.0);
                (cx + r * t.cos(), cy + r * t.sin())
            })
            .collect();
        LineString::from(points)
    }

    /// The fast path gives geo's point, bit for bit: random stars with
    /// and without holes, alone and together, and the shapes where the
    /// order of the operands or the line's placing matters (edges at the
    /// box's west side, vertices on the middle line, a flat polygon, a
    /// one-point one).
    #[test]
    fn inner_points_are_geos() {
        let mut rng = crate::support::testing::Uniform::new(0x5eed_2126);
        let mut shapes: Vec<MultiPolygon<f64>> = Vec::new();
        for k in 0..40 {
            let n = 3 + (rng.next(200.0) as usize);
            let outer = star(&mut rng, n, 100.0 + k as f64, 45.0);
            let holes = if k % 3 == 0 {
                vec![star(&mut rng, 12, 100.0 + k as f64, 45.0)
                    .0
                    .iter()
                    .map(|c| {
                        (
                            100.0 + k as f64 + (c.x - 100.0 - k as f64) * 0.3,
                            45.0 + (c.y - 45.0) * 0.3,
                        )
                    })
                    .collect::<Vec<_>>()
                    .into()]
            } else {
                Vec::new()
            };
            let p = Polygon::new(outer, holes);
            let q = Polygon::new(star(&mut rng, 30, 110.0 + k as f64, 50.0), vec![]);
            shapes.push(MultiPolygon::new(vec![p.clone()]));
            shapes.push(MultiPolygon::new(vec![q, p]));
        }
        // A west side of vertical edges (ties with the line's least
        // longitude), a vertex on the middle line, two equal stretches.
        shapes.push(MultiPolygon::new(vec![polygon![
            (x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0), (x: 0.0, y: 2.0)
        ]]));
        shapes.push(MultiPolygon::new(vec![polygon![
            (x: -0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 2.0, y: 0.0), (x: 3.0, y: 1.0),
            (x: 4.0, y: 0.0), (x: 4.0, y: 2.0), (x: 0.0, y: 2.0)
        ]]));
        // Flat (every vertex on the middle line) and a single point.
        shapes.push(MultiPolygon::new(vec![polygon![
            (x: 0.0, y: 1.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)
        ]]));
        shapes.push(MultiPolygon::new(vec![Polygon::new(
            LineString::from(vec![(3.0, 3.0)]),
            vec![],
        )]));
        shapes.push(MultiPolygon::new(vec![]));
        for (i, shape) in shapes.iter().enumerate() {
            assert_eq!(
                bits(inner_point(shape)),
                bits(shape.interior_point()),
                "shape {i}: {shape:?}"
            );
        }
    }
}
