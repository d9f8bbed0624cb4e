//! Where a reading's pair of holdings differs from the drawn pair: the
//! box of the edges the two do not share, and the operands clipped to it
//! for the check that neither pair has land of both there (see the parent
//! module).

use std::collections::{HashMap, HashSet};

use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Polygon, Rect};

use crate::geometry::overlay::clip;

/// The box covering the boxes `a` and `b` of two geometries: the one
/// their overlay's grid is made for (see [`clip::Grid::covering`]).
pub(super) fn joint_box(a: Option<Rect<f64>>, b: Option<Rect<f64>>) -> Option<Rect<f64>> {
    match (a, b) {
        (Some(r), Some(q)) => Some(clip::joint(r, q)),
        (r, q) => r.or(q),
    }
}

/// The hashes, in `b`'s order, of `b`'s polygons without holes that `a`
/// has too (by hash): what [`clip::intersection`] passes through whole.
pub(super) fn passed_whole(
    a: &MultiPolygon<f64>,
    b: &MultiPolygon<f64>,
    a_hashes: &[u64],
    b_hashes: &[u64],
) -> Vec<u64> {
    let in_a: HashSet<u64> =
        a.0.iter()
            .zip(a_hashes)
            .filter(|(p, _)| p.interiors().is_empty())
            .map(|(_, h)| *h)
            .collect();
    b.0.iter()
        .zip(b_hashes)
        .filter(|(p, h)| p.interiors().is_empty() && in_a.contains(*h))
        .map(|(_, h)| *h)
        .collect()
}

/// The polygons of `changed` and of `drawn` that the other does not have,
/// vertex for vertex (by hash, then coordinates), each in their order.
pub(super) fn unshared<'a>(
    (changed, changed_hashes): (&'a MultiPolygon<f64>, &[u64]),
    (drawn, drawn_hashes): (&'a MultiPolygon<f64>, &[u64]),
) -> (Vec<&'a Polygon<f64>>, Vec<&'a Polygon<f64>>) {
    let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    for (j, h) in drawn_hashes.iter().enumerate() {
        by_hash.entry(*h).or_default().push(j);
    }
    let mut drawn_left = vec![true; drawn.0.len()];
    let mut rest: Vec<&Polygon<f64>> = Vec::new();
    for (p, h) in changed.0.iter().zip(changed_hashes) {
        let same = by_hash.get_mut(h).and_then(|same| {
            let k = same.iter().position(|&j| drawn.0[j] == *p)?;
            Some(same.swap_remove(k))
        });
        match same {
            Some(j) => drawn_left[j] = false,
            None => rest.push(p),
        }
    }
    let drawn_rest = drawn
        .0
        .iter()
        .zip(&drawn_left)
        .filter(|(_, left)| **left)
        .map(|(p, _)| p)
        .collect();
    (rest, drawn_rest)
}

/// The box of the edges that `changed` and `drawn` do not both have: the
/// two are the same land outside it. `None` when they have the same
/// edges.
///
/// Reference path: [`changed_box_reference`], every edge of the polygons
/// one has and the other lacks counted in a hash table, the box of those
/// counted an odd number of times. Fast path: the polygons paired in
/// order, and each pair's exteriors compared as sequences first: from the
/// changed ring's first vertex found in the drawn ring, the run of equal
/// vertices forwards and the run backwards are edges both have, and only
/// the edges between them are counted (on the bundled readings the
/// hashing of the 10^5-edge mainland rings had cost 0.12 billion
/// instructions). Those runs' edges come in pairs, so the count of every
/// other edge, and the box, are the reference's. Held equal by
/// `a_changed_box_is_the_box_of_the_changed_edges`.
pub(super) fn changed_box(
    changed: (&MultiPolygon<f64>, &[u64]),
    drawn: (&MultiPolygon<f64>, &[u64]),
) -> Option<Rect<f64>> {
    let (rest, drawn_rest) = unshared(changed, drawn);
    let mut paths: Vec<Path> = Vec::new();
    for k in 0..rest.len().max(drawn_rest.len()) {
        match (rest.get(k), drawn_rest.get(k)) {
            (Some(p), Some(q)) => {
                let (a, b) = ring_change(p.exterior(), q.exterior());
                paths.extend([a, b]);
                for ring in p.interiors().iter().chain(q.interiors()) {
                    paths.push(Path::Borrowed(ring.0.as_slice()));
                }
            }
            (Some(p), None) | (None, Some(p)) => paths.extend(
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|r| Path::Borrowed(r.0.as_slice())),
            ),
            (None, None) => {}
        }
    }
    odd_edges_box(paths.iter().map(|p| p.as_ref()))
}

/// A run of vertices, borrowed from a ring or made.
pub(super) type Path<'r> = std::borrow::Cow<'r, [Coord<f64>]>;

/// The vertices of two closed rings between the runs they share at their
/// ends (see [`changed_box`]), as paths, each with the last vertex of both
/// runs: every edge of either ring is on its path or, once in each ring,
/// on a shared run.
pub(super) fn ring_change<'r>(
    changed: &'r geo::LineString<f64>,
    drawn: &'r geo::LineString<f64>,
) -> (Path<'r>, Path<'r>) {
    let (p, q) = (
        &changed.0[..changed.0.len().saturating_sub(1)],
        &drawn.0[..drawn.0.len().saturating_sub(1)],
    );
    let (m, n) = (p.len(), q.len());
    let same = |a: Coord<f64>, b: Coord<f64>| {
        a.x.to_bits() == b.x.to_bits() && a.y.to_bits() == b.y.to_bits()
    };
    let Some(start) = p
        .first()
        .and_then(|&first| q.iter().position(|&c| same(c, first)))
    else {
        return (Path::Borrowed(&changed.0), Path::Borrowed(&drawn.0));
    };
    let at = |i: isize| q[(start as isize + i).rem_euclid(n as isize) as usize];
    let mut ahead = 0;
    while ahead < m.min(n) && same(p[ahead], at(ahead as isize)) {
        ahead += 1;
    }
    let mut back = 0;
    while back + ahead < m.min(n) && same(p[m - 1 - back], at(-1 - back as isize)) {
        back += 1;
    }
    if ahead == m && m == n {
        return (Path::Owned(Vec::new()), Path::Owned(Vec::new()));
    }
    // From the last vertex of the run ahead to the first of the run back
    // (p[0] again when there is none).
    let changed_path: Vec<Coord<f64>> = (ahead - 1..=m - back).map(|i| p[i % m]).collect();
    let drawn_path: Vec<Coord<f64>> = (ahead as isize - 1..=(n - back) as isize).map(at).collect();
    (Path::Owned(changed_path), Path::Owned(drawn_path))
}

/// The box of the edges of `paths` (each edge either way round) that
/// come an odd number of times.
pub(super) fn odd_edges_box<'p>(
    paths: impl Iterator<Item = &'p [Coord<f64>]>,
) -> Option<Rect<f64>> {
    let mut odd: crate::support::bits_hash::BitsMap<[u64; 4], bool> = Default::default();
    for path in paths {
        for w in path.windows(2) {
            let (p, q) = if (w[0].x, w[0].y) <= (w[1].x, w[1].y) {
                (w[0], w[1])
            } else {
                (w[1], w[0])
            };
            let key = [p.x.to_bits(), p.y.to_bits(), q.x.to_bits(), q.y.to_bits()];
            let e = odd.entry(key).or_insert(false);
            *e = !*e;
        }
    }
    let ends: Vec<Coord<f64>> = odd
        .into_iter()
        .filter(|(_, odd)| *odd)
        .flat_map(|(k, _)| {
            [
                Coord {
                    x: f64::from_bits(k[0]),
                    y: f64::from_bits(k[1]),
                },
                Coord {
                    x: f64::from_bits(k[2]),
                    y: f64::from_bits(k[3]),
                },
            ]
        })
        .collect();
    geo::MultiPoint::from(ends).bounding_rect()
}

/// [`changed_box`] the plain way: the box of the edges of the polygons
/// one has and the other lacks, counted in a hash table.
#[cfg(test)]
pub(super) fn changed_box_reference(
    changed: (&MultiPolygon<f64>, &[u64]),
    drawn: (&MultiPolygon<f64>, &[u64]),
) -> Option<Rect<f64>> {
    let (mut rest, drawn_rest) = unshared(changed, drawn);
    rest.extend(drawn_rest);
    odd_edges_box(
        rest.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(|r| r.0.as_slice()),
    )
}

/// The rings of `m`'s polygons that meet `rect`, clipped to it as the
/// overlays clip (see [`clip::intersection`]).
pub(super) fn clipped_to(m: &MultiPolygon<f64>, rect: Rect<f64>) -> MultiPolygon<f64> {
    MultiPolygon::new(
        m.0.iter()
            .filter(|p| p.bounding_rect().is_some_and(|r| r.intersects(&rect)))
            .filter_map(|p| {
                let exterior = clip::clip_ring(p.exterior(), rect)?;
                let holes = p
                    .interiors()
                    .iter()
                    .filter_map(|r| clip::clip_ring(r, rect))
                    .collect();
                Some(Polygon::new(exterior, holes))
            })
            .collect(),
    )
}
