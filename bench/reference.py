#!/usr/bin/env python3
"""The borderchange pipeline written with GeoPandas, shapely, pyproj and pyogrio.

    python3 bench/reference.py <analysis.toml> <output dir>

Reads the same analysis file as `borderchange run` and does the same stages,
the way a GeoPandas user would write them (one process, one core):

  read and validate     pyogrio reads each snapshot, shapely checks validity,
                        GeoPandas dissolves by holder, every edge longer than
                        densify_km is split into equal geodesic pieces
  areas and boundaries  geodesic area of every holding (pyproj Geod on WGS84);
                        shared boundary of every pair of holders (intersection
                        of their outlines), split into river and land by a
                        buffer of river_distance_km around each river drawn in
                        a local azimuthal equidistant projection
  transfers             for consecutive snapshots, holder before x different
                        holder after, intersected; pieces under sliver_km2
                        dropped
  write outputs         states/transfers/boundaries shapefiles (pyogrio) and
                        areas/transfers/boundaries CSVs

Prints `stage <seconds> <name>` on stderr for each stage (as
`borderchange run --timings` does) and writes `areas.json` into the output
directory: holder areas per year and transfer areas per (from_year, from, to),
for bench/bench.py to compare with borderchange's.

Boundary lengths are a simpler method than borderchange's (no 60° direction
rule, no joining of short land gaps) and are not compared; areas are.
"""

import sys
import time

_clock = time.perf_counter()


def stage(name):
    """Prints the time since the previous stage ended and restarts the clock."""
    global _clock
    now = time.perf_counter()
    print(f"stage {now - _clock:.3f} {name}", file=sys.stderr, flush=True)
    _clock = now


import json  # noqa: E402
import os  # noqa: E402
import tomllib  # noqa: E402

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyogrio  # noqa: E402
import pyproj  # noqa: E402
import shapely  # noqa: E402

stage("import libraries")

GEOD = pyproj.Geod(ellps="WGS84")
WGS84 = "EPSG:4326"
# Outlines within this distance of each other are a shared boundary (100 m of
# latitude, as borderchange's SNAP_M).
SNAP_DEG = 100.0 / 111_320.0


# --- geodesy -----------------------------------------------------------------


def densify_ring(coords, max_m):
    """Splits each edge of a ring longer than max_m metres into the fewest
    equal geodesic pieces no longer than max_m (as geo's Geodesic densify
    does). Points are placed from the lexicographically smaller end of each
    edge, so an edge two holders share gets identical points on both sides."""
    lon, lat = coords[:, 0], coords[:, 1]
    _, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    pieces = np.ceil(np.asarray(dist) / max_m).astype(np.int64)
    long_edges = np.nonzero(pieces > 1)[0]
    if long_edges.size == 0:
        return coords
    a = coords[long_edges]
    b = coords[long_edges + 1]
    swap = (b[:, 0] < a[:, 0]) | ((b[:, 0] == a[:, 0]) & (b[:, 1] < a[:, 1]))
    start = np.where(swap[:, None], b, a)
    end = np.where(swap[:, None], a, b)
    az, _, d = GEOD.inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    k = pieces[long_edges]
    new = k - 1
    edge = np.repeat(np.arange(long_edges.size), new)
    first = np.repeat(np.cumsum(new) - new, new)
    j = np.arange(new.sum()) - first + 1  # 1 .. k-1 in ring order
    frac = np.where(swap[edge], k[edge] - j, j) / k[edge]
    plon, plat, _ = GEOD.fwd(
        start[edge, 0], start[edge, 1], np.asarray(az)[edge], np.asarray(d)[edge] * frac
    )
    points = np.column_stack([plon, plat])
    return np.insert(coords, np.repeat(long_edges + 1, new), points, axis=0)


def polygons_of(geom):
    """The polygons of a (multi)polygon, or the polygonal parts of a collection."""
    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            if not part.is_empty:
                out.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            out.extend(polygons_of(part))
    return out


def densify(geom, max_m):
    out = []
    for p in polygons_of(geom):
        shell = densify_ring(shapely.get_coordinates(p.exterior), max_m)
        holes = [densify_ring(shapely.get_coordinates(r), max_m) for r in p.interiors]
        out.append(shapely.Polygon(shell, holes))
    return shapely.MultiPolygon(out)


def area_km2(geom):
    """Geodesic area on WGS84, km²; holes subtracted whatever the stored ring
    orientation (orient_polygons makes exteriors counter-clockwise)."""
    total = 0.0
    for p in polygons_of(shapely.orient_polygons(geom)):
        a, _ = GEOD.geometry_area_perimeter(p)
        total += abs(a)
    return total / 1e6


def length_km(geom):
    return sum(GEOD.geometry_length(g) for g in shapely.get_parts(geom)) / 1e3


def lines_of(geom):
    """The line parts of an overlay result, merged into maximal lines."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("LineString", "MultiLineString")]
    if not parts:
        return []
    merged = shapely.line_merge(shapely.union_all(parts))
    return [g for g in shapely.get_parts(merged) if not g.is_empty]


# --- stages -------------------------------------------------------------------


def read_layer(path, layer, assume_crs):
    frame = pyogrio.read_dataframe(path, layer=layer)
    if frame.crs is None:
        if not assume_crs:
            raise SystemExit(f"{path}: no CRS and no assume_crs")
        frame = frame.set_crs(assume_crs)
    if not frame.crs.equals(pyproj.CRS(WGS84)):
        frame = frame.to_crs(WGS84)
    return frame


def read_snapshot(base, s, default_field, max_m):
    path = os.path.join(base, s["path"])
    frame = read_layer(path, s.get("layer"), s.get("assume_crs"))
    valid = shapely.is_valid(frame.geometry.values)
    if not valid.all():
        bad = int(np.nonzero(~valid)[0][0])
        reason = shapely.is_valid_reason(frame.geometry.values[bad])
        raise SystemExit(f"{path}: feature {bad} is invalid: {reason}")
    field = s.get("holder_field", default_field)
    dissolved = frame[[field, "geometry"]].dissolve(by=field)
    holdings = {}
    for holder, geom in zip(dissolved.index, dissolved.geometry.values):
        dense = densify(geom, max_m)
        if not dense.is_valid:
            # A long edge bent onto its geodesic can cross a neighbour; GEOS
            # will not overlay that, so repair it as a user must.
            dense = shapely.MultiPolygon(polygons_of(shapely.make_valid(dense)))
        holdings[str(holder)] = dense
    return {"year": s["year"], "treaty": s["treaty"], "holdings": dict(sorted(holdings.items()))}


def river_buffers(rivers, distance_m, snapshots):
    """Per river name, the lon/lat polygon within distance_m of the river,
    buffered in an azimuthal equidistant projection centred on the study box."""
    boxes = np.array([g.bounds for s in snapshots for g in s["holdings"].values()])
    lon0 = (boxes[:, 0].min() + boxes[:, 2].max()) / 2
    lat0 = (boxes[:, 1].min() + boxes[:, 3].max()) / 2
    local = pyproj.CRS(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m")
    metric = gpd.GeoSeries(list(rivers.values()), index=list(rivers), crs=WGS84).to_crs(local)
    zones = metric.buffer(distance_m).to_crs(WGS84)
    return dict(zip(zones.index, zones.values))


def segments(geom):
    """The edges of every ring of a (multi)polygon, as (n, 2, 2) coordinates."""
    out = []
    for ring in shapely.get_parts(shapely.boundary(geom)):
        c = shapely.get_coordinates(ring)
        e = np.stack([c[:-1], c[1:]], axis=1)
        out.append(e[(e[:, 0] != e[:, 1]).any(axis=1)])
    return np.concatenate(out) if out else np.empty((0, 2, 2))


def shared_lines(edges, tree):
    """The edges whose ends and midpoint all lie within SNAP_DEG of the
    outline indexed by `tree`, merged into lines."""
    near = np.ones(len(edges), dtype=bool)
    for xy in (edges[:, 0], edges[:, 1], edges.mean(axis=1)):
        hits = tree.query(shapely.points(xy), predicate="dwithin", distance=SNAP_DEG)[0]
        mask = np.zeros(len(edges), dtype=bool)
        mask[hits] = True
        near &= mask
    if not near.any():
        return []
    lines = shapely.linestrings(edges[near])
    merged = shapely.line_merge(shapely.multilinestrings(lines))
    return [g for g in shapely.get_parts(merged) if not g.is_empty]


def boundaries(snapshot, zones, min_run_km):
    """Stretches (state_a, state_b, kind, river, line, length_km) of one snapshot."""
    holders = list(snapshot["holdings"])
    edges = {h: segments(g) for h, g in snapshot["holdings"].items()}
    trees = {}
    out = []
    for i, a in enumerate(holders):
        for b in holders[i + 1 :]:
            box_b = shapely.box(*snapshot["holdings"][b].bounds).buffer(SNAP_DEG)
            if not shapely.intersects(shapely.box(*snapshot["holdings"][a].bounds), box_b):
                continue
            # Neighbouring outlines are digitised a few millimetres apart (and
            # up to tens of metres in places), so the shared boundary is the
            # part of a's outline near b's.
            if b not in trees:
                trees[b] = shapely.STRtree(shapely.linestrings(edges[b]))
            lines = shared_lines(edges[a], trees[b])
            if not lines:
                continue
            rest = shapely.MultiLineString(lines)
            land = []
            for name, zone in zones.items():
                if rest.is_empty:
                    break
                along = lines_of(shapely.intersection(rest, zone))
                if not along:
                    continue
                rest = shapely.difference(rest, zone)
                for line in along:
                    km = length_km(line)
                    if km < min_run_km:
                        land.append(line)
                    else:
                        out.append((a, b, "river", name, line, km))
            land_lines = lines_of(shapely.union_all(land + [rest])) if land or not rest.is_empty else []
            for line in land_lines:
                out.append((a, b, "land", "", line, length_km(line)))
    return out


def transfers(earlier, later):
    """(from, to, piece, area_km2) for every non-empty overlay, by (from, to)."""
    out = []
    for a, ga in earlier["holdings"].items():
        for b, gb in later["holdings"].items():
            if a == b:
                continue
            if not shapely.intersects(shapely.box(*ga.bounds), shapely.box(*gb.bounds)):
                continue
            piece = shapely.MultiPolygon(polygons_of(shapely.intersection(ga, gb)))
            if piece.is_empty:
                continue
            out.append((a, b, piece, area_km2(piece)))
    return out


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    config_path, out_dir = sys.argv[1], sys.argv[2]
    with open(config_path, "rb") as f:
        config = tomllib.load(f)
    base = os.path.dirname(os.path.abspath(config_path))
    params = config.get("parameters", {})
    sliver = params.get("sliver_km2", 1.0)
    river_m = params.get("river_distance_km", 5.0) * 1e3
    min_run = params.get("min_river_run_km", 10.0)
    max_m = params.get("densify_km", 2.0) * 1e3
    field = config.get("holder_field", "state")

    sources = sorted(config["snapshot"], key=lambda s: s["year"])
    snapshots = [read_snapshot(base, s, field, max_m) for s in sources]
    rivers = {}
    if "rivers" in config:
        r = config["rivers"]
        frame = read_layer(os.path.join(base, r["path"]), r.get("layer"), r.get("assume_crs"))
        name = r.get("name_field", "name")
        for river, group in frame.groupby(name):
            rivers[str(river)] = shapely.union_all(group.geometry.values)
        rivers = dict(sorted(rivers.items()))
    stage("read and validate")

    areas = []
    regions = []
    stretches = []
    zones = river_buffers(rivers, river_m, snapshots) if rivers else {}
    for s in snapshots:
        for holder, geom in s["holdings"].items():
            areas.append((s["year"], s["treaty"], holder, area_km2(geom)))
        region = shapely.union_all(list(s["holdings"].values()))
        regions.append((s["year"], area_km2(region)))
        for row in boundaries(s, zones, min_run):
            stretches.append((s["year"],) + row)
    stage("areas and boundaries")

    kept = []
    dropped = []
    for earlier, later in zip(snapshots, snapshots[1:]):
        for a, b, piece, km2 in transfers(earlier, later):
            row = (earlier["year"], later["year"], later["treaty"], a, b, piece, km2)
            (kept if km2 >= sliver else dropped).append(row)
    stage("transfers")

    os.makedirs(out_dir, exist_ok=True)
    until = {s["year"]: n["year"] for s, n in zip(snapshots, snapshots[1:])}
    until[snapshots[-1]["year"]] = snapshots[-1]["year"] + 1
    treaty = {s["year"]: s["treaty"] for s in snapshots}
    geoms = {(s["year"], h): g for s in snapshots for h, g in s["holdings"].items()}
    states = gpd.GeoDataFrame(
        {
            "year": [r[0] for r in areas],
            "until": [until[r[0]] for r in areas],
            "treaty": [r[1] for r in areas],
            "state": [r[2] for r in areas],
            "area_km2": [r[3] for r in areas],
        },
        geometry=[geoms[(r[0], r[2])] for r in areas],
        crs=WGS84,
    )
    moved = gpd.GeoDataFrame(
        {
            "from_state": [r[3] for r in kept],
            "to_state": [r[4] for r in kept],
            "from_year": [r[0] for r in kept],
            "to_year": [r[1] for r in kept],
            "until": [until[r[1]] for r in kept],
            "treaty": [r[2] for r in kept],
            "area_km2": [r[6] for r in kept],
        },
        geometry=[r[5] for r in kept],
        crs=WGS84,
    )
    lines = gpd.GeoDataFrame(
        {
            "year": [r[0] for r in stretches],
            "until": [until[r[0]] for r in stretches],
            "state_a": [r[1] for r in stretches],
            "state_b": [r[2] for r in stretches],
            "kind": [r[3] for r in stretches],
            "river": [r[4] for r in stretches],
            "length_km": [r[6] for r in stretches],
        },
        geometry=[r[5] for r in stretches],
        crs=WGS84,
    )
    for frame, name in ((states, "states"), (moved, "transfers"), (lines, "boundaries")):
        pyogrio.write_dataframe(frame, os.path.join(out_dir, f"{name}.shp"), encoding="UTF-8")
    states.drop(columns=["geometry", "until"]).to_csv(os.path.join(out_dir, "areas.csv"), index=False)
    pd.DataFrame(moved.drop(columns=["geometry", "until"])).to_csv(
        os.path.join(out_dir, "transfers.csv"), index=False
    )
    table = pd.DataFrame(lines.drop(columns=["geometry", "until"]))
    table = table.groupby(["year", "state_a", "state_b", "kind", "river"], as_index=False).agg(
        stretches=("length_km", "size"), length_km=("length_km", "sum")
    )
    table.to_csv(os.path.join(out_dir, "boundaries.csv"), index=False)
    with open(os.path.join(out_dir, "areas.json"), "w") as f:
        json.dump(
            {
                "areas": [{"year": y, "state": h, "area_km2": a} for y, _, h, a in areas],
                "regions": [{"year": y, "area_km2": a} for y, a in regions],
                "transfers": [
                    {"from_year": r[0], "to_year": r[1], "from": r[3], "to": r[4], "area_km2": r[6]}
                    for r in kept
                ],
                "dropped": [
                    {"from_year": r[0], "to_year": r[1], "from": r[3], "to": r[4], "area_km2": r[6]}
                    for r in dropped
                ],
                "boundaries": table.to_dict(orient="records"),
            },
            f,
            indent=1,
        )
    stage("write outputs")


if __name__ == "__main__":
    main()
