//! Naming WDBII river lines: the river between two known points is the
//! shortest path between them along the river network.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use anyhow::{bail, Result};
use geo::{Coord, Distance, Geodesic, LineString, Point};
use rstar::primitives::GeomWithData;
use rstar::RTree;

/// Endpoints of different WDBII lines closer than this are joined: the data
/// is cut into bins and confluences do not always share a vertex.
const JOIN_M: f64 = 1_000.0;
/// Wide stretches of big rivers are lakes in GSHHG, not WDBII lines: line
/// ends this close to another line's end are also joined, at a cost of
/// `JUMP_COST` times the straight distance, so that a path crosses such a
/// gap only when the way round is longer.
const JUMP_M: f64 = 40_000.0;
const JUMP_COST: f64 = 3.0;
/// A control point must lie this close to some river vertex.
const SNAP_M: f64 = 5_000.0;

fn metres(a: Coord<f64>, b: Coord<f64>) -> f64 {
    Geodesic.distance(Point::from(a), Point::from(b))
}

/// The river network as a graph on its vertices.
pub struct Network {
    vertices: Vec<Coord<f64>>,
    edges: Vec<Vec<(usize, f64)>>,
    index: RTree<GeomWithData<[f64; 2], usize>>,
}

impl Network {
    /// From WDBII lines.
    pub fn new(lines: &[Vec<Coord<f64>>]) -> Network {
        let mut ids: HashMap<(u64, u64), usize> = HashMap::new();
        let mut vertices = Vec::new();
        let mut edges: Vec<Vec<(usize, f64)>> = Vec::new();
        let mut id = |c: Coord<f64>, vertices: &mut Vec<Coord<f64>>, edges: &mut Vec<Vec<_>>| {
            *ids.entry((c.x.to_bits(), c.y.to_bits()))
                .or_insert_with(|| {
                    vertices.push(c);
                    edges.push(Vec::new());
                    vertices.len() - 1
                })
        };
        let mut ends = Vec::new();
        for line in lines {
            let mut prev: Option<usize> = None;
            for &c in line {
                let v = id(c, &mut vertices, &mut edges);
                if let Some(p) = prev {
                    if p != v {
                        let d = metres(vertices[p], vertices[v]);
                        edges[p].push((v, d));
                        edges[v].push((p, d));
                    }
                }
                prev = Some(v);
            }
            if let (Some(&a), Some(&b)) = (line.first(), line.last()) {
                ends.push(id(a, &mut vertices, &mut edges));
                ends.push(id(b, &mut vertices, &mut edges));
            }
        }
        let index = RTree::bulk_load(
            vertices
                .iter()
                .enumerate()
                .map(|(i, c)| GeomWithData::new([c.x, c.y], i))
                .collect(),
        );
        // Join line ends to the nearest other vertex within JOIN_M.
        let deg = JOIN_M / 60_000.0;
        for &e in &ends {
            let c = vertices[e];
            let mut best: Option<(f64, usize)> = None;
            for cand in index.locate_within_distance([c.x, c.y], deg * deg) {
                let v = cand.data;
                if v == e || edges[e].iter().any(|(n, _)| *n == v) {
                    continue;
                }
                let d = metres(c, vertices[v]);
                if d <= JOIN_M && best.is_none_or(|(bd, bv)| (d, v) < (bd, bv)) {
                    best = Some((d, v));
                }
            }
            if let Some((d, v)) = best {
                edges[e].push((v, d));
                edges[v].push((e, d));
            }
        }
        let end_tree = RTree::bulk_load(
            ends.iter()
                .map(|&e| GeomWithData::new([vertices[e].x, vertices[e].y], e))
                .collect(),
        );
        let jump_deg = JUMP_M / 60_000.0;
        for &e in &ends {
            let c = vertices[e];
            for cand in end_tree.locate_within_distance([c.x, c.y], jump_deg * jump_deg) {
                let v = cand.data;
                if v <= e {
                    continue;
                }
                let d = metres(c, vertices[v]);
                if d <= JUMP_M {
                    edges[e].push((v, d * JUMP_COST));
                    edges[v].push((e, d * JUMP_COST));
                }
            }
        }
        for list in &mut edges {
            list.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        }
        Network {
            vertices,
            edges,
            index,
        }
    }

    /// The vertex nearest to `c`, and how far it is (m).
    pub fn nearest(&self, c: Coord<f64>) -> Option<(usize, f64)> {
        let v = self.index.nearest_neighbor(&[c.x, c.y])?.data;
        Some((v, metres(c, self.vertices[v])))
    }

    /// The line along the network through the control points, in order.
    pub fn trace(&self, name: &str, points: &[Coord<f64>]) -> Result<LineString<f64>> {
        let mut snapped = Vec::new();
        for p in points {
            let Some((v, d)) = self.nearest(*p) else {
                bail!("{name}: no river data");
            };
            if d > SNAP_M {
                bail!(
                    "{name}: control point ({:.4}, {:.4}) is {:.1} km from the nearest river vertex",
                    p.y,
                    p.x,
                    d / 1000.0
                );
            }
            snapped.push(v);
        }
        let mut coords: Vec<Coord<f64>> = Vec::new();
        for w in snapped.windows(2) {
            let Some(path) = self.path(w[0], w[1]) else {
                bail!(
                    "{name}: no river path from ({:.4}, {:.4}) to ({:.4}, {:.4})",
                    self.vertices[w[0]].y,
                    self.vertices[w[0]].x,
                    self.vertices[w[1]].y,
                    self.vertices[w[1]].x
                );
            };
            if std::env::var_os("BORDERCHANGE_DATA_DEBUG").is_some() {
                let km: f64 = path
                    .windows(2)
                    .map(|w| metres(self.vertices[w[0]], self.vertices[w[1]]))
                    .sum::<f64>()
                    / 1000.0;
                eprintln!("    {name} leg: {km:.1} km");
            }
            for v in path {
                let c = self.vertices[v];
                if coords.last() != Some(&c) {
                    coords.push(c);
                }
            }
        }
        Ok(LineString::new(coords))
    }

    /// The vertex farthest along the network from the vertex nearest `c`,
    /// within `max_m` metres of travel: a river's source, seen from its mouth.
    pub fn farthest(&self, c: Coord<f64>, max_m: f64) -> Option<Coord<f64>> {
        let (from, d) = self.nearest(c)?;
        if d > SNAP_M {
            return None;
        }
        let (dist, _) = self.dijkstra(from, None);
        let (v, _) = dist
            .iter()
            .enumerate()
            .filter(|(_, d)| d.is_finite() && **d <= max_m)
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))?;
        Some(self.vertices[v])
    }

    /// Dijkstra's shortest path; ties broken by vertex number.
    fn path(&self, from: usize, to: usize) -> Option<Vec<usize>> {
        let (dist, prev) = self.dijkstra(from, Some(to));
        if !dist[to].is_finite() {
            return None;
        }
        let mut path = vec![to];
        while *path.last()? != from {
            path.push(prev[*path.last()?]);
        }
        path.reverse();
        Some(path)
    }

    fn dijkstra(&self, from: usize, to: Option<usize>) -> (Vec<f64>, Vec<usize>) {
        let mut dist = vec![f64::INFINITY; self.vertices.len()];
        let mut prev = vec![usize::MAX; self.vertices.len()];
        let mut heap = BinaryHeap::new();
        dist[from] = 0.0;
        heap.push(Reverse((Km(0.0), from)));
        while let Some(Reverse((Km(d), v))) = heap.pop() {
            if Some(v) == to {
                break;
            }
            if d > dist[v] {
                continue;
            }
            for &(n, w) in &self.edges[v] {
                let nd = d + w;
                if nd < dist[n] {
                    dist[n] = nd;
                    prev[n] = v;
                    heap.push(Reverse((Km(nd), n)));
                }
            }
        }
        (dist, prev)
    }
}

/// A total order on distances for the heap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Km(f64);
impl Eq for Km {}
impl PartialOrd for Km {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Km {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
