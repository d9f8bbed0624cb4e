//! What a valid polygon feature is, by the OGC rules GEOS applies
//! (`ST_IsValid`), and the repairs `--repair` may make without changing
//! any area. [`geometry_problems`] lists what is wrong with one feature;
//! [`repair_geometry`] mends what can be mended safely and says what it
//! changed.

use geo::{Coord, CoordsIter, LineString, MultiPolygon, Polygon};

use crate::geometry::topology::{self, PartsProblem};

/// What is wrong with one polygon feature's geometry, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct GeometryProblem {
    /// A short name: `coordinate`, `too-few-points`, `unclosed-ring`,
    /// `zero-area-ring`, `self-intersection`, `self-touch`, `spike`,
    /// `rings-cross`,
    /// `shared-edge`, `hole-outside-shell`, `nested-holes`, `nested-part`,
    /// `disconnected-interior`, `repeated-points`.
    pub kind: &'static str,
    /// The message, naming the point where there is one.
    pub message: String,
    /// Where (longitude, latitude), when a point can be named.
    pub at: Option<Coord<f64>>,
    /// True when the run refuses the feature (repeated points are only
    /// reported).
    pub fatal: bool,
}

impl GeometryProblem {
    /// True when `--repair` mends this kind of problem without changing
    /// any area.
    pub fn repairable(&self) -> bool {
        matches!(
            self.kind,
            "too-few-points"
                | "zero-area-ring"
                | "self-touch"
                | "spike"
                | "shared-edge"
                | "disconnected-interior"
                | "repeated-points"
        )
    }
}

/// The first coordinate that is not a longitude/latitude, as a message.
/// Longitudes up to 360° are data stored east of 180° (and what the
/// antimeridian shift makes of it).
pub fn off_the_globe(mut coords: impl Iterator<Item = Coord<f64>>) -> Option<String> {
    let in_range =
        |c: &Coord<f64>| (-180.0..=360.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y);
    coords.find(|c| !in_range(c)).map(|c| {
        format!(
            "coordinate ({}, {}) is not a longitude/latitude on WGS84 (longitude −180…360°, latitude −90…90°)",
            c.x, c.y
        )
    })
}

/// Every ring of `geometry` (exterior, then holes, polygon by polygon) and
/// the polygon each belongs to.
fn rings_of(geometry: &MultiPolygon<f64>) -> (Vec<&LineString<f64>>, Vec<u32>) {
    let mut rings = Vec::new();
    let mut polygon_of = Vec::new();
    for (k, p) in geometry.0.iter().enumerate() {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            rings.push(r);
            polygon_of.push(k as u32);
        }
    }
    (rings, polygon_of)
}

/// A vertex of `ring` that appears again further on (not as its
/// neighbour, nor as the closing point): where the ring touches itself.
fn repeated_vertex(ring: &[Coord<f64>]) -> Option<(usize, usize)> {
    let n = ring.len().saturating_sub(1); // the closing point aside
    let mut seen: std::collections::HashMap<(u64, u64), usize> = std::collections::HashMap::new();
    for (k, c) in ring[..n].iter().enumerate() {
        if let Some(&first) = seen.get(&(c.x.to_bits(), c.y.to_bits())) {
            if k > first + 1 {
                return Some((first, k));
            }
        }
        seen.insert((c.x.to_bits(), c.y.to_bits()), k);
    }
    None
}

/// Every problem of a polygon geometry, by the rules GEOS applies:
/// coordinates that are not finite longitude/latitude, rings with fewer
/// than three distinct points, unclosed rings, rings enclosing no area,
/// rings that cross or touch themselves (bow-ties included), rings that
/// cross each other or share an edge, holes outside their exterior or
/// inside another hole, parts inside another part of the same feature,
/// touches that cut a polygon's interior in two, and repeated consecutive
/// points (harmless, reported only). Fatal problems come first.
///
/// What GEOS accepts is accepted: rings in either orientation, an island
/// in a lake touching the lake's shore at a point, holes touching the
/// exterior or each other at a point, parts touching at points.
pub fn geometry_problems(geometry: &MultiPolygon<f64>) -> Vec<GeometryProblem> {
    let mut out = Vec::new();
    if let Some(message) = off_the_globe(geometry.coords_iter()) {
        out.push(GeometryProblem {
            kind: "coordinate",
            message,
            at: None,
            fatal: true,
        });
        return out;
    }
    let mut repeated = Vec::new();
    let (rings, polygon_of) = rings_of(geometry);
    let crossings = topology::crossings(&rings, &polygon_of);
    for (r, ring) in rings.iter().enumerate() {
        let points = &ring.0;
        let first = points.first().copied();
        if points.len() >= 2 && points.first() != points.last() {
            out.push(GeometryProblem {
                kind: "unclosed-ring",
                message: "invalid polygon: a ring does not end where it starts".into(),
                at: first,
                fatal: true,
            });
        }
        // Points left once consecutive repeats are merged.
        let distinct = points.len() - points.windows(2).filter(|w| w[0] == w[1]).count();
        if distinct < points.len() {
            if let Some(w) = points.windows(2).find(|w| w[0] == w[1]) {
                repeated.push(w[0]);
            }
        }
        if distinct < 4 {
            out.push(GeometryProblem {
                kind: "too-few-points",
                message: "invalid polygon: a ring has fewer than 3 distinct points".into(),
                at: first,
                fatal: true,
            });
            continue;
        }
        // A bow-tie encloses zero signed area: name the crossing first.
        if let Some(c) = crossings.within[r] {
            let mut deduped = points.clone();
            deduped.dedup();
            let touch = repeated_vertex(&deduped).map(|(k, _)| deduped[k]);
            let spiked = without_spikes(deduped.clone()).len() < deduped.len();
            out.push(match touch {
                _ if spiked => GeometryProblem {
                    kind: "spike",
                    message: format!(
                        "invalid polygon: ring self-intersection at ({}, {}): the ring runs out along a line and back (a spike; run --repair removes such points, which enclose no area)",
                        c.x, c.y
                    ),
                    at: Some(c),
                    fatal: true,
                },
                Some(t) => GeometryProblem {
                    kind: "self-touch",
                    message: format!(
                        "invalid polygon: ring self-intersection at ({}, {}): the ring passes twice through that point (run --repair splits it there into two rings that touch, which GEOS accepts)",
                        t.x, t.y
                    ),
                    at: Some(t),
                    fatal: true,
                },
                None => GeometryProblem {
                    kind: "self-intersection",
                    message: format!(
                        "invalid polygon: ring self-intersection at ({}, {})",
                        c.x, c.y
                    ),
                    at: Some(c),
                    fatal: true,
                },
            });
            continue;
        }
        if crate::geometry::topology::twice_area(points) == 0.0 {
            out.push(GeometryProblem {
                kind: "zero-area-ring",
                message: "invalid polygon: a ring encloses no area".into(),
                at: first,
                fatal: true,
            });
            continue;
        }
    }
    // Between rings: only once every ring is sound on its own.
    if out.is_empty() {
        let found = match topology::parts_problem(geometry, &crossings) {
            Some(PartsProblem::Cross(c)) => Some(("rings-cross", c, format!(
                "invalid polygon: two rings (two parts, or a part and a hole) cross at ({}, {})",
                c.x, c.y
            ))),
            Some(PartsProblem::SharedEdge(c)) => Some(("shared-edge", c, format!(
                "invalid polygon: two rings (two parts, or a part and a hole) share an edge from ({}, {}) (run --repair dissolves the feature's parts, which changes no area)",
                c.x, c.y
            ))),
            Some(PartsProblem::HoleOutside(c)) => Some(("hole-outside-shell", c, format!(
                "invalid polygon: a hole lies outside its polygon's exterior, at ({}, {})",
                c.x, c.y
            ))),
            Some(PartsProblem::NestedHoles(c)) => Some(("nested-holes", c, format!(
                "invalid polygon: a hole lies inside another hole of the same polygon, at ({}, {})",
                c.x, c.y
            ))),
            Some(PartsProblem::Nested(c)) => Some(("nested-part", c, format!(
                "invalid polygon: a part lies inside another part of the same feature, at ({}, {}); its land would count twice (dissolve the feature, e.g. QGIS \"Dissolve\")",
                c.x, c.y
            ))),
            None => topology::disconnected_interior(rings.len(), &crossings.touches).map(|c| ("disconnected-interior", c, format!(
                "invalid polygon: its rings touch at ({}, {}) so that they close a loop and cut the polygon's interior in two (run --repair dissolves the feature into separate parts, which changes no area)",
                c.x, c.y
            ))),
        };
        if let Some((kind, c, message)) = found {
            out.push(GeometryProblem {
                kind,
                message,
                at: Some(c),
                fatal: true,
            });
        }
    }
    if let Some(c) = repeated.first() {
        out.push(GeometryProblem {
            kind: "repeated-points",
            message: format!(
                "{} ring(s) repeat a point consecutively, first at ({}, {}); harmless, ignored",
                repeated.len(),
                c.x,
                c.y
            ),
            at: Some(*c),
            fatal: false,
        });
    }
    out
}

/// `ring` (closed, without consecutive repeats) without its spikes: a
/// point where the ring turns back along the line it came on (the
/// points before and after it on one line, on the same side of it). Such a
/// point encloses no area; removing it may make a new spike, which goes
/// too.
fn without_spikes(ring: Vec<Coord<f64>>) -> Vec<Coord<f64>> {
    use geo::kernels::{Kernel, Orientation, RobustKernel};
    if ring.len() < 4 || ring.first() != ring.last() {
        return ring;
    }
    let is_spike = |a: Coord<f64>, b: Coord<f64>, c: Coord<f64>| {
        a == c
            || (RobustKernel::orient2d(a, b, c) == Orientation::Collinear
                && (b.x - a.x) * (c.x - b.x) + (b.y - a.y) * (c.y - b.y) < 0.0)
    };
    // The open ring, walked with a stack so that a spike uncovered by
    // removing another is seen.
    let open = &ring[..ring.len() - 1];
    let mut kept: Vec<Coord<f64>> = Vec::with_capacity(open.len());
    for &c in open {
        while kept.len() >= 2 && is_spike(kept[kept.len() - 2], kept[kept.len() - 1], c) {
            kept.pop();
        }
        if kept.last() != Some(&c) {
            kept.push(c);
        }
    }
    // Around the closing point.
    loop {
        let n = kept.len();
        if n < 3 {
            break;
        }
        if is_spike(kept[n - 2], kept[n - 1], kept[0]) {
            kept.pop();
        } else if is_spike(kept[n - 1], kept[0], kept[1]) {
            kept.remove(0);
        } else {
            break;
        }
    }
    if let Some(&first) = kept.first() {
        kept.push(first);
    }
    kept
}

/// `ring` (closed, without consecutive repeats) cut at every point it
/// passes through twice into rings that pass through it once each.
fn split_at_touches(ring: Vec<Coord<f64>>) -> Vec<Vec<Coord<f64>>> {
    let mut done = Vec::new();
    let mut todo = vec![ring];
    while let Some(r) = todo.pop() {
        match repeated_vertex(&r) {
            Some((i, j)) => {
                // The loop from the first pass to the second, and the rest.
                let inner = r[i..=j].to_vec();
                let mut outer = r[..=i].to_vec();
                outer.extend_from_slice(&r[j + 1..]);
                todo.push(inner);
                todo.push(outer);
            }
            None => done.push(r),
        }
    }
    done
}

/// The safe repairs of one feature's geometry, none of which changes an
/// area:
///
/// - repeated consecutive points are removed;
/// - rings that enclose nothing (fewer than three distinct points, or zero
///   area) are dropped, with a polygon's holes when its exterior goes;
/// - a ring that passes twice through a point (a figure of eight, or a
///   hole drawn as a loop of the exterior, as some editors write them) is
///   split there into rings that touch at that point: a loop turning the
///   same way as its ring keeps the ring's role, one turning the other way
///   takes the other (a loop of an exterior becomes a hole);
/// - a feature whose rings share an edge, or touch so as to cut a polygon's
///   interior in two, is dissolved into parts that only touch at points.
///
/// Returns the repaired geometry (empty when nothing is left) and one
/// sentence per change.
pub fn repair_geometry(geometry: &MultiPolygon<f64>) -> (MultiPolygon<f64>, Vec<String>) {
    let mut changes = Vec::new();
    let mut repaired = Vec::new();
    let mut repeated = 0;
    let mut first_repeated = None;
    let mut split = 0;
    let mut first_split = None;
    let mut spikes = 0;
    let finite = geometry
        .coords_iter()
        .all(|c| c.x.is_finite() && c.y.is_finite());
    // Each ring cleaned and, where it touches itself, split; with the sign
    // of its area (its turning) as it came.
    let mut fix_ring = |ring: &LineString<f64>, what: &str, changes: &mut Vec<String>| {
        let mut points = ring.0.clone();
        points.dedup();
        if points.len() < ring.0.len() {
            repeated += ring.0.len() - points.len();
            if first_repeated.is_none() {
                first_repeated = ring.0.windows(2).find(|w| w[0] == w[1]).map(|w| w[0]);
            }
        }
        let at = points
            .first()
            .map(|c| format!(" at ({}, {})", c.x, c.y))
            .unwrap_or_default();
        if points.len() < 4 {
            changes.push(format!(
                "dropped {what} with fewer than 3 distinct points{at}"
            ));
            return Vec::new();
        }
        let area = topology::twice_area(&points);
        let sign = if area == 0.0 { 0.0 } else { area.signum() };
        if sign == 0.0 && repeated_vertex(&points).is_none() {
            changes.push(format!("dropped {what} that encloses no area{at}"));
            return Vec::new();
        }
        if finite {
            let before = points.len();
            points = without_spikes(points);
            if points.len() < before {
                spikes += before - points.len();
            }
        }
        let pieces = if finite && points.first() == points.last() {
            split_at_touches(points)
        } else {
            vec![points]
        };
        if pieces.len() > 1 {
            split += 1;
            if first_split.is_none() {
                first_split = pieces.first().and_then(|p| p.first().copied());
            }
        }
        pieces
            .into_iter()
            .filter_map(|p| {
                let area = topology::twice_area(&p);
                if p.len() < 4 || area == 0.0 {
                    return None;
                }
                // +1: the ring's own role; -1: the other one.
                let role = if sign == 0.0 {
                    1.0
                } else {
                    area.signum() * sign
                };
                Some((LineString::new(p), role))
            })
            .collect::<Vec<_>>()
    };
    for polygon in &geometry.0 {
        let exterior = fix_ring(polygon.exterior(), "an exterior ring", &mut changes);
        if exterior.is_empty() {
            if !polygon.interiors().is_empty() {
                changes.push(format!(
                    "dropped the {} hole(s) of that ring",
                    polygon.interiors().len()
                ));
            }
            continue;
        }
        let mut shells = Vec::new();
        let mut holes = Vec::new();
        for (r, role) in exterior {
            if role > 0.0 {
                shells.push(r);
            } else {
                holes.push(r);
            }
        }
        for h in polygon.interiors() {
            for (r, role) in fix_ring(h, "a hole", &mut changes) {
                if role > 0.0 {
                    holes.push(r);
                } else {
                    shells.push(r);
                }
            }
        }
        if shells.len() == 1 {
            let shell = shells.pop().unwrap_or_else(|| LineString::new(vec![]));
            repaired.push(Polygon::new(shell, holes));
            continue;
        }
        // Each hole goes to the smallest shell around it.
        shells.sort_by(|a, b| {
            topology::twice_area(&a.0)
                .abs()
                .total_cmp(&topology::twice_area(&b.0).abs())
        });
        let mut parts: Vec<(LineString<f64>, Vec<LineString<f64>>)> =
            shells.into_iter().map(|s| (s, Vec::new())).collect();
        for h in holes {
            let home = parts
                .iter()
                .position(|(s, _)| topology::ring_inside(s, &h) == Some(true))
                .unwrap_or(0);
            if let Some(part) = parts.get_mut(home) {
                part.1.push(h);
            }
        }
        repaired.extend(parts.into_iter().map(|(s, h)| Polygon::new(s, h)));
    }
    if spikes > 0 {
        changes.insert(
            0,
            format!("removed {spikes} spike point(s) (where a ring runs out along a line and back), which enclose no area"),
        );
    }
    if let Some(c) = first_split {
        changes.insert(
            0,
            format!(
                "split {split} ring(s) that pass twice through a point into rings that touch there, the first at ({}, {})",
                c.x, c.y
            ),
        );
    }
    if let Some(c) = first_repeated {
        changes.insert(
            0,
            format!(
                "removed {repeated} repeated consecutive point(s), the first at ({}, {})",
                c.x, c.y
            ),
        );
    }
    let mut result = MultiPolygon::new(repaired);
    // Rings that share an edge, or touch in a loop: dissolved.
    if finite && !result.0.is_empty() {
        if let Some(p) = geometry_problems(&result)
            .into_iter()
            .find(|p| matches!(p.kind, "shared-edge" | "disconnected-interior"))
        {
            let dissolved =
                crate::support::guard::catching(String::new, || geo::unary_union(result.0.iter()));
            if let Ok(dissolved) = dissolved {
                let at =
                    p.at.map(|c| format!(" at ({}, {})", c.x, c.y))
                        .unwrap_or_default();
                changes.push(format!(
                    "dissolved the feature's parts, whose rings {}{at}, into {} part(s) that meet at points only",
                    if p.kind == "shared-edge" { "shared an edge" } else { "touched so as to cut its interior in two" },
                    dissolved.0.len()
                ));
                result = dissolved;
            }
        }
    }
    if result.0.is_empty() && !geometry.0.is_empty() {
        changes.push("nothing with an area is left: the feature is left out".into());
    }
    (result, changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Coord, LineString, MultiPolygon, Polygon};

    fn ring(points: &[(f64, f64)]) -> LineString<f64> {
        LineString::new(points.iter().map(|&(x, y)| Coord { x, y }).collect())
    }

    /// A ring drawn with a loop inside it (the "inverted hole" some
    /// editors write) is split into an exterior and a hole when the loop
    /// turns the other way; when it turns the same way the loop becomes a
    /// part, inside the other, which the checks then refuse.
    #[test]
    fn loops_of_a_ring_become_holes_or_parts_by_their_turning() {
        let square = |inner: &[(f64, f64)]| {
            let mut points = vec![(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (2.0, 4.0)];
            points.extend_from_slice(inner);
            points.extend_from_slice(&[(2.0, 4.0), (0.0, 4.0), (0.0, 0.0)]);
            MultiPolygon::new(vec![Polygon::new(ring(&points), vec![])])
        };
        let inverted = square(&[(3.0, 2.0), (1.0, 2.0)]);
        assert_eq!(geometry_problems(&inverted)[0].kind, "self-touch");
        let (fixed, changes) = repair_geometry(&inverted);
        assert_eq!(fixed.0.len(), 1, "{fixed:?}");
        assert_eq!(fixed.0[0].interiors().len(), 1, "{fixed:?}");
        assert!(geometry_problems(&fixed).is_empty(), "{fixed:?}");
        assert!(changes[0].starts_with("split 1 ring(s)"), "{changes:?}");
        let same_turn = square(&[(1.0, 2.0), (3.0, 2.0)]);
        let (fixed, _) = repair_geometry(&same_turn);
        assert_eq!(geometry_problems(&fixed)[0].kind, "nested-part");
        // A figure of eight: two parts touching at a point, area kept.
        let eight = MultiPolygon::new(vec![Polygon::new(
            ring(&[
                (0.0, 0.0),
                (2.0, 2.0),
                (4.0, 0.0),
                (4.0, 4.0),
                (2.0, 2.0),
                (0.0, 4.0),
                (0.0, 0.0),
            ]),
            vec![],
        )]);
        let (fixed, _) = repair_geometry(&eight);
        assert_eq!(fixed.0.len(), 2);
        assert!(geometry_problems(&fixed).is_empty(), "{fixed:?}");
        let area = |g: &MultiPolygon<f64>| crate::geometry::geodesy::area_km2(g);
        assert!(
            (area(&fixed)
                - 2.0
                    * area(&MultiPolygon::new(vec![Polygon::new(
                        ring(&[(0.0, 0.0), (2.0, 2.0), (0.0, 4.0), (0.0, 0.0)]),
                        vec![]
                    )])))
            .abs()
                < 1e-6
        );
    }
}
