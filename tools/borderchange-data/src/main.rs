//! Builds the bundled dataset in `shapefiles/` from the installed geography
//! packages (DCW and GSHHG/WDBII through GMT) and `data/waypoints.csv`.
//! See `shapefiles/SOURCES.md` for every source and decision.

mod gmt;
mod rivers;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use geo::orient::{Direction, Orient};
use geo::{
    BoundingRect, Contains, Coord, CoordsIter, Densify, Distance, Geodesic, InteriorPoint,
    Intersects, LineString, MultiPolygon, Point, Polygon,
};
use rstar::primitives::GeomWithData;
use rstar::RTree;

use borderchange::geometry::geodesy;
use borderchange::geometry::overlay::clip::Grid;
use borderchange::io::write::{
    write_layer, FieldDef, FieldKind, GeometryKind, OutFeature, Shape, Value,
};
use i_overlay::core::overlay_rule::OverlayRule;

/// The study region's zones: DCW units grouped by how the treaties treat
/// them, in the order that settles the small overlaps between neighbours'
/// outlines.
const ZONES: [(&str, &[&str]); 7] = [
    ("china", &["CN.NM", "CN.HL", "CN.JL"]),
    ("mongolia-tuva", &["MN", "RU.TY"]),
    ("transbaikal", &["RU.BU", "RU.ZAB"]),
    ("amur-jewish", &["RU.AMU", "RU.YEV"]),
    ("khabarovsk", &["RU.KHA"]),
    ("primorye", &["RU.PRI"]),
    ("sakhalin", &["RU.SAK"]),
];

/// The one snapping grid of every overlay in the build (see
/// [`Grid::boolean`]): 2^24 steps per degree (about 7 mm) over 60–160° E,
/// 20–80° N. With one grid, a line that several snapshots share (the coast,
/// a border) has the same coordinates in each of them; with the grid of
/// each operation's own extent, as `geo`'s `BooleanOps` chooses it, copies
/// of a line drifted apart by a few centimetres from one overlay to the
/// next.
fn grid() -> &'static Grid {
    static GRID: std::sync::OnceLock<Grid> = std::sync::OnceLock::new();
    GRID.get_or_init(|| {
        Grid::new(geo::Rect::new(
            Coord { x: 60.0, y: 20.0 },
            Coord { x: 160.0, y: 80.0 },
        ))
    })
}

/// The union of `parts`, on the build's grid.
fn union(parts: &[&MultiPolygon<f64>]) -> MultiPolygon<f64> {
    grid().boolean(parts, &[], OverlayRule::Subject)
}

/// `a ∩ b`, on the build's grid.
fn intersection(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    grid().boolean(&[a], &[b], OverlayRule::Intersect)
}

/// `a − b`, on the build's grid.
fn difference(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    grid().boolean(&[a], &[b], OverlayRule::Difference)
}

/// Sakhalin Oblast without the Kuril Islands: everything west of 145.2° E.
fn sakhalin_box() -> MultiPolygon<f64> {
    cut(vec![
        c(45.5, 141.0),
        c(45.5, 145.2),
        c(54.6, 145.2),
        c(54.6, 141.0),
    ])
}

/// Zone parts smaller than this (km²) that touch another zone (islands in
/// border rivers, slivers) join the zone they share the most edge with.
const SMALL_PART_KM2: f64 = 50.0;

fn area(mp: &MultiPolygon<f64>) -> f64 {
    geodesy::area_km2(mp)
}

fn mp(p: Polygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![p])
}

/// Drops the holes: inside a union of DCW units they are gaps between the
/// units' outlines, not lakes (DCW units carry no holes of their own).
fn fill(m: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon::new(
        m.0.iter()
            .map(|p| Polygon::new(p.exterior().clone(), vec![]))
            .collect(),
    )
}

/// The zones as a partition of the study region: overlaps go to the zone
/// listed first; each gap between neighbours' outlines goes to the zone it
/// shares the most vertices with.
fn partition() -> Result<Vec<(&'static str, MultiPolygon<f64>)>> {
    let mut raw = Vec::new();
    for (name, codes) in ZONES {
        let mut parts = Vec::new();
        for code in codes {
            let mut u = gmt::dcw_unit(code)?.orient(Direction::Default);
            if *code == "RU.SAK" {
                u = intersection(&u, &sakhalin_box());
            }
            parts.push(geodesy::densify(u, 2000.0));
        }
        raw.push((name, fill(&union(&parts.iter().collect::<Vec<_>>()))));
    }
    let region = fill(&union(&raw.iter().map(|r| &r.1).collect::<Vec<_>>()));
    let mut taken = MultiPolygon::new(vec![]);
    let mut zones = Vec::new();
    for (name, z) in &raw {
        let core = difference(z, &taken);
        taken = union(&[&taken, &core]);
        zones.push((*name, core));
    }
    let gaps = difference(&region, &taken);
    eprintln!(
        "  {} gaps between zones, {:.1} km² in all",
        gaps.0.len(),
        area(&gaps)
    );
    // Small parts of zones (islands in border rivers) are treated like gaps.
    let mut pieces: Vec<Polygon<f64>> = gaps.0.clone();
    let mut origin: Vec<Option<&'static str>> = vec![None; pieces.len()];
    for z in &mut zones {
        let (small, large): (Vec<Polygon<f64>>, Vec<Polygon<f64>>) =
            z.1 .0
                .iter()
                .cloned()
                .partition(|p| area(&mp(p.clone())) < SMALL_PART_KM2);
        z.1 = MultiPolygon::new(large);
        origin.extend(small.iter().map(|_| Some(z.0)));
        pieces.extend(small);
    }
    let gaps = MultiPolygon::new(pieces);
    // Pieces are cut from the zones' own edges: vote by shared vertices.
    let tree = RTree::bulk_load(
        zones
            .iter()
            .enumerate()
            .flat_map(|(k, z)| {
                z.1.coords_iter()
                    .map(move |c| GeomWithData::new([c.x, c.y], k))
            })
            .collect::<Vec<_>>(),
    );
    let best: Vec<Option<usize>> = gaps
        .0
        .iter()
        .map(|g| {
            let mut votes = vec![0usize; zones.len()];
            for c in g.exterior().0.iter() {
                if let Some(n) = tree.nearest_neighbor(&[c.x, c.y]) {
                    let d = (n.geom()[0] - c.x).hypot(n.geom()[1] - c.y);
                    if d < 1e-6 {
                        votes[n.data] += 1;
                    }
                }
            }
            let (k, v) = votes
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
            (*v > 0).then_some(k)
        })
        .collect();
    // Each piece joins the zone it shares the most edge with; coastal
    // islands touch no other zone and return to their own; a gap that
    // touches nothing lies outside every unit and stays out.
    let mut joins: Vec<Vec<Polygon<f64>>> = vec![Vec::new(); zones.len()];
    for (i, g) in gaps.0.iter().enumerate() {
        // A piece cut from a zone votes for itself: prefer another zone.
        let own = origin[i].and_then(|o| zones.iter().position(|z| z.0 == o));
        let target = best[i].or(own);
        if let Some(k) = target {
            joins[k].push(g.clone());
        }
    }
    for (z, extra) in zones.iter_mut().zip(joins) {
        let mut all = z.1 .0.clone();
        all.extend(extra);
        z.1 = union(&[&MultiPolygon::new(all)]);
    }
    Ok(zones)
}

/// Holes in a holder smaller than this (km²) that no other holder fills are
/// slivers left between the overlays' outlines, not land of nobody.
const SLIVER_HOLE_KM2: f64 = 1.0;

/// Fills each holder's small holes that no other holder of the snapshot
/// covers. Left in, every such sliver's two sides lie within the boundary
/// snap of the neighbour and count as border twice. The holes are added by
/// a union, so that a piece of the same holder inside one merges with it.
fn fill_slivers(s: &mut Snapshot) {
    let others: Vec<MultiPolygon<f64>> = s.holders.iter().map(|h| h.1.clone()).collect();
    let (mut filled, mut km2) = (0usize, 0.0);
    for (k, holder) in s.holders.iter_mut().enumerate() {
        let mut slivers = Vec::new();
        for ring in holder.1 .0.iter().flat_map(|p| p.interiors()) {
            let hole = Polygon::new(ring.clone(), vec![]).orient(Direction::Default);
            let a = area(&mp(hole.clone()));
            if a >= SLIVER_HOLE_KM2 {
                continue;
            }
            let covered = hole.interior_point().is_some_and(|at| {
                others.iter().enumerate().any(|(j, o)| {
                    j != k
                        && o.bounding_rect().is_some_and(|r| r.intersects(&at))
                        && o.contains(&at)
                })
            });
            if !covered {
                filled += 1;
                km2 += a;
                slivers.push(hole);
            }
        }
        if !slivers.is_empty() {
            holder.1 = union(&[&holder.1, &MultiPolygon::new(slivers)]).orient(Direction::Default);
        }
    }
    eprintln!(
        "  {} {}: filled {filled} sliver holes, {km2:.4} km² in all",
        s.year, s.treaty
    );
}

/// One row of `data/waypoints.csv`.
struct Waypoint {
    line: String,
    seq: u32,
    at: Coord<f64>,
}

fn read_waypoints(path: &Path) -> Result<Vec<Waypoint>> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (n, row) in text.lines().enumerate().skip(1) {
        if row.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = row.splitn(5, ',').collect();
        let bad = || {
            anyhow!(
                "{}:{}: expected line,seq,lat,lon,source",
                path.display(),
                n + 1
            )
        };
        if f.len() != 5 || f[4].trim().is_empty() {
            return Err(bad());
        }
        out.push(Waypoint {
            line: f[0].to_owned(),
            seq: f[1].parse().map_err(|_| bad())?,
            at: Coord {
                x: f[3].parse().map_err(|_| bad())?,
                y: f[2].parse().map_err(|_| bad())?,
            },
        });
    }
    Ok(out)
}

/// The points of one waypoint line, in order; (0, 0) marks a point taken
/// from the data, filled from `derived`.
fn points(w: &[Waypoint], line: &str, derived: &[(&str, Coord<f64>)]) -> Result<Vec<Coord<f64>>> {
    let mut rows: Vec<&Waypoint> = w.iter().filter(|r| r.line == line).collect();
    rows.sort_by_key(|r| r.seq);
    if rows.is_empty() {
        bail!("data/waypoints.csv has no line '{line}'");
    }
    rows.iter()
        .map(|r| {
            if r.at.x == 0.0 && r.at.y == 0.0 {
                derived
                    .iter()
                    .find(|(name, _)| *name == line)
                    .map(|(_, c)| *c)
                    .ok_or_else(|| anyhow!("no derived point for '{line}'"))
            } else {
                Ok(r.at)
            }
        })
        .collect()
}

/// The point of `a`'s outline that is nearest to both `b` and `c` (the
/// three units' common corner).
fn tripoint(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>, c: &MultiPolygon<f64>) -> Coord<f64> {
    let tree = |m: &MultiPolygon<f64>| {
        RTree::bulk_load(
            m.coords_iter()
                .map(|c| [c.x, c.y])
                .collect::<Vec<[f64; 2]>>(),
        )
    };
    let (tb, tc) = (tree(b), tree(c));
    let d = |t: &RTree<[f64; 2]>, p: Coord<f64>| {
        t.nearest_neighbor(&[p.x, p.y])
            .map(|q| Geodesic.distance(Point::new(p.x, p.y), Point::new(q[0], q[1])))
            .unwrap_or(f64::INFINITY)
    };
    a.coords_iter()
        .map(|p| (d(&tb, p).max(d(&tc, p)), p))
        .min_by(|x, y| x.0.total_cmp(&y.0).then(cmp_coord(&x.1, &y.1)))
        .map(|(_, p)| p)
        .unwrap_or(Coord { x: 0.0, y: 0.0 })
}

fn cmp_coord(a: &Coord<f64>, b: &Coord<f64>) -> std::cmp::Ordering {
    a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y))
}

/// A closed polygon through `path`, densified to 2 km edges.
fn cut(path: Vec<Coord<f64>>) -> MultiPolygon<f64> {
    let mut coords = path;
    coords.dedup();
    let first = coords[0];
    coords.push(first);
    let p = Polygon::new(LineString::new(coords), vec![]).orient(Direction::Default);
    geodesy::densify(mp(p), 2000.0)
}

fn c(lat: f64, lon: f64) -> Coord<f64> {
    Coord { x: lon, y: lat }
}

struct Snapshot {
    year: i32,
    treaty: &'static str,
    holders: Vec<(&'static str, MultiPolygon<f64>, String)>,
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let first = args.next().unwrap_or_else(|| "shapefiles".into());
    if first == "amazar-zone" {
        return amazar_only(&PathBuf::from(
            args.next().unwrap_or_else(|| "shapefiles".into()),
        ));
    }
    let out_dir = PathBuf::from(first);
    let waypoints = read_waypoints(Path::new("data/waypoints.csv"))?;
    eprintln!("partitioning the DCW units…");
    let zones = partition()?;
    let zone = |name: &str| {
        zones
            .iter()
            .find(|z| z.0 == name)
            .map(|z| z.1.clone())
            .expect("zone")
    };

    eprintln!("naming rivers…");
    let lines = gmt::rivers(110.0, 142.0, 40.0, 58.0)?;
    let net = rivers::Network::new(&lines);
    let mut named: Vec<(String, LineString<f64>)> = Vec::new();
    for name in ["Argun", "Shilka", "Amur", "Ussuri", "Sungacha", "Tumen"] {
        let pts = points(&waypoints, &format!("river:{name}"), &[])?;
        named.push((name.to_owned(), net.trace(name, &pts)?));
    }
    let uda_mouth = points(&waypoints, "river:Uda", &[])?[0];
    let uda_source = net
        .farthest(uda_mouth, 600_000.0)
        .ok_or_else(|| anyhow!("no WDBII river near the Uda mouth"))?;
    named.push((
        "Uda".to_owned(),
        net.trace("Uda", &[uda_source, uda_mouth])?,
    ));
    let gorbitsa = points(&waypoints, "gorbitsa", &[])?;
    named.push(("Gorbitsa".to_owned(), geodesy_line(&gorbitsa)));
    let river = |name: &str| {
        named
            .iter()
            .find(|r| r.0 == name)
            .map(|r| r.1.clone())
            .expect("river")
    };

    // Corners taken from DCW.
    let dcw = |code: &str| gmt::dcw_unit(code).map(|u| u.orient(Direction::Default));
    let (amu, sa, kha) = (dcw("RU.AMU")?, dcw("RU.SA")?, dcw("RU.KHA")?);
    let east_corner = tripoint(&amu, &kha, &sa);
    eprintln!(
        "  tripoint AMU/KHA/SA ({:.4}, {:.4}); Uda source ({:.4}, {:.4})",
        east_corner.y, east_corner.x, uda_source.y, uda_source.x
    );
    let divide = points(&waypoints, "divide", &[])?;
    let watershed = points(&waypoints, "watershed", &[("watershed", east_corner)])?;

    // Transbaikal east of the Gorbitsa and north of the Shilka: Qing 1689–1858.
    let mut path = vec![];
    path.extend(divide.iter().copied()); // Gorbitsa source → watershed
    let end = *divide.last().expect("divide");
    path.extend([c(end.y, 126.0), c(52.0, 126.0), c(52.0, 121.5)]);
    let shilka = river("Shilka");
    path.extend(shilka.0.iter().rev().copied()); // confluence → Gorbitsa mouth
    path.extend(gorbitsa.iter().copied()); // mouth → source
    let transbaikal = zone("transbaikal");
    let zab_qing = intersection(&transbaikal, &cut(path));
    let transbaikal_rest = difference(&transbaikal, &zab_qing);

    // Khabarovsk Krai: only south of the Uda (the de facto line until 1858)
    // is in the region; north of it was Russian throughout.
    let uda = river("Uda"); // source → mouth
    let mut north = vec![east_corner];
    north.extend(uda.0.iter().copied());
    // The box reaches past the krai's northern (62.5° N) and eastern
    // (147.3° E) ends: a smaller one left the Okhotsk coast in the region,
    // where the partition gave it to the Qing.
    north.extend([
        c(55.5, 135.6),
        c(55.5, 150.0),
        c(63.5, 150.0),
        c(63.5, east_corner.x),
    ]);
    let khabarovsk = difference(&zone("khabarovsk"), &cut(north));
    // Right bank of the Amur below the Ussuri mouth: the 1858–1860 joint zone.
    let amur = river("Amur");
    let ussuri_mouth = points(&waypoints, "river:Ussuri", &[])?[0];
    let (start, _) = amur
        .0
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                i,
                Geodesic.distance(Point::from(*p), Point::from(ussuri_mouth)),
            )
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .ok_or_else(|| anyhow!("empty Amur"))?;
    let mut path: Vec<Coord<f64>> = amur.0[start..].to_vec();
    path.extend([
        c(53.3, 142.0),
        c(53.3, 145.0),
        c(44.0, 145.0),
        c(44.0, 131.0),
        c(47.0, 133.0),
        c(48.05, 134.35),
    ]);
    let kha_joint = intersection(&khabarovsk, &cut(path));
    let kha_left = difference(&khabarovsk, &kha_joint);
    // Between the Uda and the Amur-basin watershed: undemarcated 1689–1858.
    let mut path = vec![east_corner];
    path.extend(uda.0.iter().copied());
    path.extend([c(55.4, 136.0), c(55.4, 139.5)]);
    path.extend(watershed.iter().rev().copied());
    let uda_zone = intersection(&kha_left, &cut(path));
    let kha_qing = difference(&kha_left, &uda_zone);

    let china = zone("china");
    let mt = zone("mongolia-tuva");
    let aj = zone("amur-jewish");
    let primorye = zone("primorye");
    let u = union;
    let sakhalin = zone("sakhalin");
    let joint = u(&[&kha_joint, &primorye, &sakhalin]);
    let north_bank = u(&[&zab_qing, &aj, &kha_qing]);

    let snapshots = vec![
        Snapshot {
            year: 1689,
            treaty: "Nerchinsk",
            holders: vec![
                ("Khalkha", mt.clone(), "DCW MN + RU.TY (Khalkha and Uriankhai; not yet Qing)".into()),
                ("Qing", u(&[&china, &north_bank, &joint]), "DCW CN.NM CN.HL CN.JL RU.AMU RU.YEV RU.PRI; Sakhalin (RU.SAK without the Kurils); RU.ZAB east of the Gorbitsa; RU.KHA south of the Uda outside the Uda zone".into()),
                ("Russia", transbaikal_rest.clone(), "DCW RU.BU + RU.ZAB west of the Gorbitsa and south of the Shilka".into()),
                ("Undemarcated", uda_zone.clone(), "RU.KHA between the Uda (WDBII) and the Uda-Maya/Dzhugdzhur watershed (waypoints)".into()),
            ],
        },
        Snapshot {
            year: 1727,
            treaty: "Kyakhta",
            holders: vec![
                ("Qing", u(&[&china, &mt, &north_bank, &joint]), "as 1689, with Khalkha and Uriankhai (DCW MN + RU.TY) Qing".into()),
                ("Russia", transbaikal_rest.clone(), "DCW RU.BU + RU.ZAB west of the Gorbitsa; the Kyakhta line is today's Russia-Mongolia border".into()),
                ("Undemarcated", uda_zone.clone(), "as 1689".into()),
            ],
        },
        Snapshot {
            year: 1858,
            treaty: "Aigun",
            holders: vec![
                ("Joint", joint.clone(), "DCW RU.PRI + RU.KHA right bank of the Amur below the Ussuri (WDBII Amur) + Sakhalin (RU.SAK without the Kurils)".into()),
                ("Qing", u(&[&china, &mt]), "DCW CN.NM CN.HL CN.JL MN RU.TY".into()),
                ("Russia", u(&[&transbaikal_rest, &north_bank, &uda_zone]), "DCW RU.BU RU.ZAB RU.AMU RU.YEV + RU.KHA left bank of the Amur".into()),
            ],
        },
        Snapshot {
            year: 1860,
            treaty: "Peking",
            holders: vec![
                ("Qing", u(&[&china, &mt]), "DCW CN.NM CN.HL CN.JL MN RU.TY".into()),
                ("Russia", u(&[&transbaikal_rest, &north_bank, &uda_zone, &joint]), "DCW RU.BU RU.ZAB RU.AMU RU.YEV RU.KHA (south of the Uda) RU.PRI; Sakhalin (RU.SAK without the Kurils)".into()),
            ],
        },
    ];

    for (name, piece) in [
        ("RU.ZAB east of the Gorbitsa", &zab_qing),
        ("Amur Oblast + Jewish AO", &aj),
        ("RU.KHA left bank, Qing", &kha_qing),
        ("Uda zone", &uda_zone),
        ("RU.KHA right bank", &kha_joint),
        ("Primorye", &primorye),
        ("Sakhalin", &sakhalin),
    ] {
        eprintln!("  piece {name}: {:.0} km²", area(piece));
    }
    // The disputed zones the bundled readings reassign (zones.shp).
    let mut zones_out = reading_zones(&ReadingInputs {
        waypoints: &waypoints,
        watershed: &watershed,
        kha_left: &kha_left,
        uda_zone: &uda_zone,
        sakhalin: &sakhalin,
    })?;
    let russia_side = u(&[&transbaikal, &aj, &khabarovsk, &primorye]);
    offset_from_modern_border(&china, &russia_side)?;
    let mut snapshots = snapshots;
    for s in &mut snapshots {
        fill_slivers(s);
    }
    let (amazar, reading_lines) = amazar_zone(
        &waypoints,
        holding(&snapshots, 1689, "Qing")?,
        holding(&snapshots, 1858, "Russia")?,
    )?;
    zones_out.push(("amazar", amazar, AMAZAR_SOURCE.into()));
    write_all(&out_dir, &snapshots, &named)?;
    write_zones(&out_dir, &zones_out)?;
    // The lines no data draws, with their bands (uncertainty.shp).
    let mut schematic = vec![
        Schematic::waypoints("Gorbitsa", &gorbitsa),
        Schematic::waypoints("divide", &divide),
        Schematic::waypoints("watershed", &watershed),
    ];
    schematic.extend(reading_lines);
    write_schematic(&out_dir, &schematic)?;
    write_context(&out_dir)?;
    report(&snapshots, &named);
    Ok(())
}

/// Present-day countries round the study region, for the maps' context
/// (`[[context]]` in borderchange.toml): DCW outlines cut to 70–160° E,
/// 25–75° N, simplified to 0.01° (about a kilometre, a fifth of a pixel of
/// the bundled maps), parts under 20 km² left out.
const CONTEXT: [(&str, &str); 7] = [
    ("CN", "China"),
    ("JP", "Japan"),
    ("KP", "North Korea"),
    ("KR", "South Korea"),
    ("KZ", "Kazakhstan"),
    ("MN", "Mongolia"),
    ("RU", "Russia"),
];

fn write_context(dir: &Path) -> Result<()> {
    use geo::Simplify;
    // Russia reaches past both ends of the build's grid: cut on one of
    // its own, covering every longitude GMT prints.
    let grid = Grid::new(geo::Rect::new(
        Coord {
            x: -180.0,
            y: -90.0,
        },
        Coord { x: 360.0, y: 90.0 },
    ));
    let frame = cut(vec![
        c(25.0, 70.0),
        c(25.0, 160.0),
        c(75.0, 160.0),
        c(75.0, 70.0),
    ]);
    let mut features = Vec::new();
    for (code, name) in CONTEXT {
        let unit = gmt::dcw_unit(code)?.orient(Direction::Default);
        let inside = grid.boolean(&[&unit], &[&frame], OverlayRule::Intersect);
        let kept: Vec<Polygon<f64>> = inside
            .simplify(0.01)
            .0
            .into_iter()
            .filter(|p| area(&mp(p.clone())) >= 20.0)
            .collect();
        if !kept.is_empty() {
            features.push((name, code, MultiPolygon::new(kept)));
        }
    }
    let fields = vec![
        FieldDef::new("name", FieldKind::Text),
        FieldDef::new("code", FieldKind::Text),
        FieldDef::new("source", FieldKind::Text),
    ];
    let features = features
        .iter()
        .map(|(name, code, geometry)| OutFeature {
            geometry: Shape::MultiPolygon(geometry),
            values: vec![
                Value::Text((*name).to_owned()),
                Value::Text((*code).to_owned()),
                Value::Text(
                    "DCW 2.1.1 (gmt-dcw), present-day outline, cut to 70-160 E, 25-75 N, simplified to 0.01 deg".to_owned(),
                ),
            ],
        })
        .collect::<Vec<_>>();
    replace_shapefile(dir, "context", |path| {
        write_layer(
            path,
            "ESRI Shapefile",
            "context",
            GeometryKind::MultiPolygon,
            &fields,
            &features,
        )
    })
}

/// How far the 1860 Qing–Russia line (China's DCW outline where it meets
/// the Russian units) lies from GSHHG's Russia–China border: for each vertex
/// of the line, the geodesic distance to the nearest point of the GSHHG
/// border line (not just its nearest vertex: GSHHG's vertices are up to a few
/// kilometres apart on straight reaches).
fn offset_from_modern_border(china: &MultiPolygon<f64>, russia: &MultiPolygon<f64>) -> Result<()> {
    let border = gmt::segments(&["coast", "-R115/136/41/54", "-N1", "-Df", "-M"])?;
    let modern = geodesy::NearestLine::new(border.iter().map(Vec::as_slice));
    let ru = RTree::bulk_load(russia.coords_iter().map(|c| [c.x, c.y]).collect::<Vec<_>>());
    let metres =
        |p: Coord<f64>, q: &[f64; 2]| Geodesic.distance(Point::from(p), Point::new(q[0], q[1]));
    let mut located: Vec<(f64, Coord<f64>)> = china
        .coords_iter()
        .filter(|p| {
            ru.nearest_neighbor(&[p.x, p.y])
                .is_some_and(|q| metres(*p, q) < 100.0)
        })
        .filter_map(|p| modern.distance_m(p).map(|d| (d, p)))
        .collect();
    located.sort_by(|a, b| a.0.total_cmp(&b.0).then(cmp_coord(&a.1, &b.1)));
    // GSHHG draws no border across Lake Khanka, and the 2004 agreement moved
    // the line through Bolshoy Ussuriysky island after DCW was drawn.
    let khanka = |c: &Coord<f64>| (44.5..=45.4).contains(&c.y) && (131.9..=132.95).contains(&c.x);
    let ussuriysky =
        |c: &Coord<f64>| (48.1..=48.5).contains(&c.y) && (133.6..=134.8).contains(&c.x);
    if let Some((d, at)) = located
        .iter()
        .rev()
        .find(|(_, c)| !khanka(c) && !ussuriysky(c))
    {
        eprintln!(
            "  largest offset outside Lake Khanka and Bolshoy Ussuriysky: {:.2} km at ({:.3}, {:.3})",
            d / 1000.0,
            at.y,
            at.x
        );
    }
    let offsets: Vec<f64> = located.iter().map(|o| o.0).collect();
    let Some(max) = offsets.last() else {
        bail!("no Qing–Russia line found to compare with GSHHG");
    };
    let p99 = offsets[offsets.len() * 99 / 100];
    eprintln!(
        "  1860 line vs GSHHG Russia–China border: {} vertices, max {:.2} km, 99th percentile {:.2} km, median {:.3} km",
        offsets.len(),
        max / 1000.0,
        p99 / 1000.0,
        offsets[offsets.len() / 2] / 1000.0
    );
    Ok(())
}

/// A waypoint line with geodesic edges split to at most 2 km.
fn geodesy_line(points: &[Coord<f64>]) -> LineString<f64> {
    Geodesic.densify(&LineString::new(points.to_vec()), 2000.0)
}

fn report(snapshots: &[Snapshot], named: &[(String, LineString<f64>)]) {
    for s in snapshots {
        let total: f64 = s.holders.iter().map(|h| area(&h.1)).sum();
        eprintln!("{} {}: {:.1} km² in all", s.year, s.treaty, total);
        for h in &s.holders {
            eprintln!(
                "  {:<13} {:>12.1} km², {} vertices",
                h.0,
                area(&h.1),
                h.1.coords_count()
            );
        }
    }
    for (name, line) in named {
        eprintln!(
            "  river {name}: {:.1} km, {} vertices",
            geodesy::length_km(line),
            line.0.len()
        );
    }
}

fn write_all(
    dir: &Path,
    snapshots: &[Snapshot],
    named: &[(String, LineString<f64>)],
) -> Result<()> {
    fs::create_dir_all(dir)?;
    let fields = vec![
        FieldDef::new("state", FieldKind::Text),
        FieldDef::new("year", FieldKind::Int),
        FieldDef::new("treaty", FieldKind::Text),
        FieldDef::new("source", FieldKind::Text),
    ];
    for s in snapshots {
        let mut holders: Vec<_> = s.holders.iter().collect();
        holders.sort_by(|a, b| a.0.cmp(b.0));
        let features = holders
            .iter()
            .map(|(state, geometry, source)| OutFeature {
                geometry: Shape::MultiPolygon(geometry),
                values: vec![
                    Value::Text(state.to_string()),
                    Value::Int(s.year as i64),
                    Value::Text(s.treaty.to_owned()),
                    Value::Text(source.clone()),
                ],
            })
            .collect::<Vec<_>>();
        let name = format!("borders_{}", s.year);
        replace_shapefile(dir, &name, |path| {
            write_layer(
                path,
                "ESRI Shapefile",
                &name,
                GeometryKind::MultiPolygon,
                &fields,
                &features,
            )
        })?;
    }
    let fields = vec![
        FieldDef::new("name", FieldKind::Text),
        FieldDef::new("source", FieldKind::Text),
    ];
    let features = named
        .iter()
        .map(|(name, line)| OutFeature {
            geometry: Shape::LineString(line),
            values: vec![
                Value::Text(name.clone()),
                Value::Text(if name == "Gorbitsa" {
                    "schematic: data/waypoints.csv (too small for WDBII)".to_owned()
                } else {
                    "GSHHG 2.3.7 WDBII rivers (full resolution), named via data/waypoints.csv"
                        .to_owned()
                }),
            ],
        })
        .collect::<Vec<_>>();
    replace_shapefile(dir, "rivers", |path| {
        write_layer(
            path,
            "ESRI Shapefile",
            "rivers",
            GeometryKind::LineString,
            &fields,
            &features,
        )
    })
}

/// Writes a shapefile into a scratch directory, then moves its parts into
/// place, so an interrupted build leaves the old files whole.
fn replace_shapefile(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&Path) -> borderchange::error::Result<()>,
) -> Result<()> {
    let scratch = tempfile::tempdir_in(dir)?;
    write(&scratch.path().join(format!("{name}.shp")))?;
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        let from = scratch.path().join(format!("{name}.{ext}"));
        if from.exists() {
            fs::rename(&from, dir.join(format!("{name}.{ext}")))?;
        }
    }
    Ok(())
}

/// What [`reading_zones`] cuts the zones from.
struct ReadingInputs<'a> {
    waypoints: &'a [Waypoint],
    watershed: &'a [Coord<f64>],
    kha_left: &'a MultiPolygon<f64>,
    uda_zone: &'a MultiPolygon<f64>,
    sakhalin: &'a MultiPolygon<f64>,
}

/// The polygons of `m` of at least `km2` (the mainland pieces, without the
/// islands a cut through the sea may have split).
fn large_parts(m: &MultiPolygon<f64>, km2: f64) -> MultiPolygon<f64> {
    MultiPolygon::new(
        m.0.iter()
            .filter(|p| area(&mp((*p).clone())) >= km2)
            .cloned()
            .collect(),
    )
}

/// The zones of the bundled readings (see shapefiles/SOURCES.md, "Readings"):
/// each drawn only from sourced points and the lines the snapshots already use.
fn reading_zones(i: &ReadingInputs) -> Result<Vec<(&'static str, MultiPolygon<f64>, String)>> {
    use geo::Destination;
    // The 1850s Russian maps: from the Taifon source north-east by east
    // (56.25°) to the Sea of Okhotsk, the land between it and the Uda.
    let taifon = points(i.waypoints, "taifon", &[])?[0];
    let mut line = vec![taifon];
    let mut left_land = None;
    for k in 1..=400 {
        let p = Geodesic.destination(Point::from(taifon), 56.25, f64::from(k) * 1000.0);
        line.push(p.0);
        let on_land = i.kha_left.0.iter().any(|poly| {
            poly.bounding_rect().is_some_and(|r| r.intersects(&p)) && poly.contains(&p)
        });
        if on_land {
            left_land = None;
        } else if left_land.is_none() && k > 20 {
            left_land = Some(k);
        }
        if left_land.is_some_and(|at| k >= at + 3) {
            break;
        }
    }
    let end = *line.last().expect("line");
    eprintln!(
        "  1850s maps' line reaches the sea at ({:.3}, {:.3}), {} km from the Taifon source",
        end.y,
        end.x,
        line.len() - 1
    );
    let corner = i.watershed[0];
    let mut path = vec![corner, i.watershed[1], i.watershed[2]];
    path.extend(line.iter().copied());
    path.extend([
        c(63.5, end.x),
        c(63.5, corner.x - 1.0),
        c(corner.y, corner.x - 1.0),
    ]);
    let north_of_line = cut(path);
    let uda_maps = large_parts(&intersection(i.kha_left, &north_of_line), 1000.0);
    let uda_south = large_parts(&difference(i.uda_zone, &north_of_line), 1000.0);
    eprintln!(
        "  zone uda-1850s: {:.0} km²; zone uda-watershed-south: {:.0} km²",
        area(&uda_maps),
        area(&uda_south)
    );
    Ok(vec![
        ("uda-1850s", uda_maps, "RU.KHA between the Uda and the 1850s Russian maps' line: the watershed waypoints to the Taifon source (53.70 N, 134.333 E), then north-east by east (56.25 deg) to the Sea of Okhotsk (Nevelskoy); mainland only".into()),
        ("uda-watershed-south", uda_south, "the base Uda zone south of the 1850s maps' line (the Tugur side); mainland only".into()),
        ("sakhalin", i.sakhalin.clone(), "RU.SAK west of 145.2 E (Sakhalin without the Kurils)".into()),
    ])
}

/// The holding of `state` in the snapshot of `year`.
fn holding<'a>(snapshots: &'a [Snapshot], year: i32, state: &str) -> Result<&'a MultiPolygon<f64>> {
    snapshots
        .iter()
        .find(|s| s.year == year)
        .and_then(|s| s.holders.iter().find(|h| h.0 == state))
        .map(|h| &h.1)
        .ok_or_else(|| anyhow!("no {state} in {year}"))
}

/// `borderchange-data amazar-zone DIR`: the `amazar` zone cut again from
/// the snapshots in DIR as they are (the committed ones were drawn by an
/// earlier build; shapefiles/SOURCES.md, "Rebuilding"), written into
/// DIR/zones.shp in place of the one there or after the others, which
/// stay as they are. The schematic lines are not rewritten.
fn amazar_only(dir: &Path) -> Result<()> {
    use borderchange::io::read::{read_polygons, LayerSource};
    let layer = |name: &str| LayerSource {
        path: dir.join(format!("{name}.shp")),
        layer: None,
        assume_crs: None,
    };
    let held = |year: i32, state: &str| -> Result<MultiPolygon<f64>> {
        let features = read_polygons(&layer(&format!("borders_{year}")), "state")?;
        Ok(MultiPolygon::new(
            features
                .into_iter()
                .filter(|f| f.holder == state)
                .flat_map(|f| f.geometry.0)
                .collect(),
        ))
    };
    let waypoints = read_waypoints(Path::new("data/waypoints.csv"))?;
    let (amazar, _) = amazar_zone(&waypoints, &held(1689, "Qing")?, &held(1858, "Russia")?)?;
    let zones = read_polygons(&layer("zones"), "zone")?;
    let sources = read_polygons(&layer("zones"), "source")?;
    let mut out: Vec<(String, MultiPolygon<f64>, String)> = zones
        .into_iter()
        .zip(sources)
        .filter(|(z, _)| z.holder != "amazar")
        .map(|(z, s)| (z.holder, z.geometry, s.holder))
        .collect();
    out.push(("amazar".into(), amazar, AMAZAR_SOURCE.into()));
    write_zones(dir, &out)
}

/// The `amazar` zone's `source` field.
const AMAZAR_SOURCE: &str = "1689 Qing land that is Russian in 1858, between the Gorbitsa and the Amazar (a geodesic from its source, 53.8428 N 119.635 E, to its mouth, 53.425 N 122.0792 E), south of the divide; mainland only";

/// The Amazar's length from source to mouth, km, as published.
const AMAZAR_KM: f64 = 290.0;

/// The Big Gorbitsa reading: the land the Latin and Manchu texts, read
/// with the Amazar as the Gorbitsa, give to Russia, and the two schematic
/// lines it adds.
///
/// No data at hand draws the Amazar's course (WDBII has none of it), only
/// its source, mouth and length. The zone's eastern edge is the geodesic
/// from source to mouth; the real course, of the given length, lies
/// within the ellipse with those two points as foci and that length as
/// major axis, so no point of it is farther from the geodesic than the
/// ellipse's semi-minor axis: that is the line's band. From the source, the
/// line reaches the divide at its nearest waypoint-line vertex (band ±30
/// km, as the divide's).
///
/// The zone is cut from the snapshots as written: the Qing's land of 1689
/// that is Russia's in 1858, west of the Amazar line and its link, so that
/// every other edge of it is an edge of the holdings it moves between.
fn amazar_zone(
    waypoints: &[Waypoint],
    qing_1689: &MultiPolygon<f64>,
    russia_1858: &MultiPolygon<f64>,
) -> Result<(MultiPolygon<f64>, Vec<Schematic>)> {
    let ends = points(waypoints, "amazar", &[])?;
    let [mouth, source] = ends[..] else {
        bail!("data/waypoints.csv: the line 'amazar' needs its mouth and its source");
    };
    let divide = geodesy_line(&points(waypoints, "divide", &[])?);
    let (foot, _) = divide
        .0
        .iter()
        .enumerate()
        .map(|(k, p)| (k, Geodesic.distance(Point::from(*p), Point::from(source))))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .ok_or_else(|| anyhow!("empty divide"))?;
    let chord_km = Geodesic.distance(Point::from(source), Point::from(mouth)) / 1000.0;
    let (a, c_half) = (AMAZAR_KM / 2.0, chord_km / 2.0);
    let band_km = (a * a - c_half * c_half).sqrt().ceil();
    let to = divide.0[foot];
    let amazar = geodesy_line(&[mouth, source]);
    let link = geodesy_line(&[source, to]);
    // West of the line and the link, then round through land that is not
    // Qing in 1689 (north of the divide, west of the Gorbitsa, south of
    // the Shilka) or not Russian in 1858 (south of the Amur).
    let mut path: Vec<Coord<f64>> = amazar.0.clone();
    path.extend(link.0.iter().skip(1));
    path.extend([
        c(55.0, to.x),
        c(55.0, 118.5),
        c(52.9, 118.5),
        c(52.9, mouth.x),
    ]);
    let qing_to_russia = intersection(qing_1689, russia_1858);
    let zone = large_parts(&intersection(&qing_to_russia, &cut(path)), 1000.0);
    eprintln!(
        "  zone amazar: {:.0} km² (chord {:.1} km, band ±{band_km} km; link to the divide {:.1} km)",
        area(&zone),
        chord_km,
        geodesy::length_km(&link),
    );
    let lines = vec![
        Schematic {
            name: "Amazar",
            line: amazar,
            km: band_km,
            source: format!("geodesic from the Amazar source (53 50 34 N 119 38 06 E) to its mouth (53 25 30 N 122 04 45 E); band: the farthest a {AMAZAR_KM:.0} km course between them can lie from it"),
        },
        Schematic {
            name: "Amazar-divide",
            line: link,
            km: 30.0,
            source: "from the Amazar source to the nearest point of the divide waypoints (+-30 km, as the divide)".into(),
        },
    ];
    Ok((zone, lines))
}

fn write_zones<Z: AsRef<str>>(dir: &Path, zones: &[(Z, MultiPolygon<f64>, String)]) -> Result<()> {
    let fields = vec![
        FieldDef::new("zone", FieldKind::Text),
        FieldDef::new("source", FieldKind::Text),
    ];
    let features = zones
        .iter()
        .map(|(zone, geometry, source)| OutFeature {
            geometry: Shape::MultiPolygon(geometry),
            values: vec![
                Value::Text(zone.as_ref().to_owned()),
                Value::Text(source.clone()),
            ],
        })
        .collect::<Vec<_>>();
    replace_shapefile(dir, "zones", |path| {
        write_layer(
            path,
            "ESRI Shapefile",
            "zones",
            GeometryKind::MultiPolygon,
            &fields,
            &features,
        )
    })
}

/// A line no data draws, with the half-width of its band.
struct Schematic {
    name: &'static str,
    line: LineString<f64>,
    km: f64,
    source: String,
}

impl Schematic {
    /// A line drawn through waypoints, ±30 km.
    fn waypoints(name: &'static str, points: &[Coord<f64>]) -> Schematic {
        Schematic {
            name,
            line: geodesy_line(points),
            km: 30.0,
            source: "schematic waypoints, data/waypoints.csv (+-30 km)".into(),
        }
    }
}

/// The schematic lines with their bands (field `km`), for
/// `[[uncertainty]]` in the bundled analysis.
fn write_schematic(dir: &Path, lines: &[Schematic]) -> Result<()> {
    let fields = vec![
        FieldDef::new("name", FieldKind::Text),
        FieldDef::new("km", FieldKind::Real),
        FieldDef::new("source", FieldKind::Text),
    ];
    let features = lines
        .iter()
        .map(|l| OutFeature {
            geometry: Shape::LineString(&l.line),
            values: vec![
                Value::Text(l.name.to_owned()),
                Value::Real(l.km),
                Value::Text(l.source.clone()),
            ],
        })
        .collect::<Vec<_>>();
    replace_shapefile(dir, "uncertainty", |path| {
        write_layer(
            path,
            "ESRI Shapefile",
            "uncertainty",
            GeometryKind::LineString,
            &fields,
            &features,
        )
    })
}
