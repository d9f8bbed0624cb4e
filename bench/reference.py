"""The borderchange pipeline written the way a GeoPandas user would write it:
pyogrio to read and write, shapely (GEOS) to validate and overlay, pyproj
(GeographicLib) for geodesic densification, areas and lengths.

Usage: python3 bench/reference.py CONFIG.toml OUTPUT_DIR

Reads the same analysis file as `borderchange run`, writes transfers, states
and boundaries layers and CSVs, and `areas.json` with the numbers the
benchmark compares (holder areas per snapshot, transfer areas per step).
Prints `stage <seconds> <name>` lines on stderr, as `borderchange run
--timings` does.
"""

import json
import math
import os
import sys
import time
import tomllib

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod, Transformer

GEOD = Geod(ellps="WGS84")
clock = time.perf_counter()


def stage(name):
    global clock
    now = time.perf_counter()
    print(f"stage {now - clock:.3f} {name}", file=sys.stderr)
    clock = now


def densify_ring(coords, max_m):
    """Splits every edge longer than max_m into equal geodesic pieces (the
    same rule as geo's Densify: ceil(length / max) pieces)."""
    lon, lat = coords[:, 0], coords[:, 1]
    _, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    long_edges = np.nonzero(dist > max_m)[0]
    if len(long_edges) == 0:
        return coords
    parts = []
    start = 0
    for i in long_edges:
        parts.append(coords[start:i + 1])
        pieces = math.ceil(dist[i] / max_m)
        inner = GEOD.npts(lon[i], lat[i], lon[i + 1], lat[i + 1], pieces - 1)
        if inner:
            parts.append(np.array(inner))
        start = i + 1
    parts.append(coords[start:])
    return np.vstack(parts)


def densify(geom, max_m):
    polygons = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    out = []
    for p in polygons:
        shell = densify_ring(np.asarray(p.exterior.coords)[:, :2], max_m)
        holes = [densify_ring(np.asarray(r.coords)[:, :2], max_m) for r in p.interiors]
        out.append(shapely.Polygon(shell, holes))
    return shapely.MultiPolygon(out)


def area_km2(geom):
    if geom.is_empty:
        return 0.0
    polygons = geom.geoms if hasattr(geom, "geoms") else [geom]
    total = 0.0
    for p in polygons:
        if p.geom_type != "Polygon":
            continue
        a, _ = GEOD.geometry_area_perimeter(p)
        total += abs(a)
    return total / 1e6


def main():
    config_path, out = sys.argv[1], sys.argv[2]
    base = os.path.dirname(os.path.abspath(config_path))
    config = tomllib.load(open(config_path, "rb"))
    params = config.get("parameters", {})
    sliver = params.get("sliver_km2", 1.0)
    max_m = params.get("densify_km", 2.0) * 1000.0
    river_km = params.get("river_distance_km", 5.0)
    field = config.get("holder_field", "state")
    os.makedirs(out, exist_ok=True)

    # Read, validate, dissolve by holder, densify.
    snapshots = []
    for s in sorted(config["snapshot"], key=lambda s: s["year"]):
        frame = gpd.read_file(os.path.join(base, s["path"]), engine="pyogrio").to_crs(4326)
        bad = frame[~frame.geometry.is_valid]
        if len(bad):
            raise SystemExit(f"{s['path']}: invalid polygon(s) {list(bad.index)}")
        holdings = {}
        for holder, group in frame.groupby(s.get("holder_field", field)):
            merged = shapely.union_all(group.geometry.values)
            holdings[holder] = densify(merged, max_m)
        snapshots.append((s["year"], s["treaty"], holdings))
    rivers = None
    if "rivers" in config:
        r = config["rivers"]
        rivers = gpd.read_file(os.path.join(base, r["path"]), engine="pyogrio").to_crs(4326)
        rivers = rivers.dissolve(by=r.get("name_field", "name"))
    stage("read and validate")

    # Areas per holder.
    areas = []
    for year, treaty, holdings in snapshots:
        for holder, geom in sorted(holdings.items()):
            areas.append({"year": year, "treaty": treaty, "state": holder, "area_km2": area_km2(geom)})

    # Boundaries: shared outline of each pair of holders, split by a buffer
    # around each river in an equal-area projection.
    crs = params.get("equal_area_crs", "+proj=laea +lat_0=50 +lon_0=120 +datum=WGS84 +units=m +no_defs")
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    to_deg = Transformer.from_crs(crs, 4326, always_xy=True)
    buffers = {}
    if rivers is not None:
        for name, row in rivers.iterrows():
            projected = shapely.transform(row.geometry, lambda c: np.column_stack(to_m.transform(c[:, 0], c[:, 1])))
            buffers[name] = projected.buffer(river_km * 1000.0)
    boundaries = []
    for year, _, holdings in snapshots:
        names = sorted(holdings)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                shared = holdings[a].boundary.intersection(holdings[b].boundary)
                if shared.is_empty or shared.length == 0:
                    continue
                projected = shapely.transform(shared, lambda c: np.column_stack(to_m.transform(c[:, 0], c[:, 1])))
                river_total = 0.0
                for name, buf in buffers.items():
                    part = projected.intersection(buf)
                    if part.is_empty:
                        continue
                    back = shapely.transform(part, lambda c: np.column_stack(to_deg.transform(c[:, 0], c[:, 1])))
                    km = GEOD.geometry_length(back) / 1000.0
                    river_total += km
                    boundaries.append({"year": year, "state_a": a, "state_b": b, "kind": "river", "river": name, "length_km": km})
                total = GEOD.geometry_length(shared) / 1000.0
                boundaries.append({"year": year, "state_a": a, "state_b": b, "kind": "land", "river": "", "length_km": max(total - river_total, 0.0)})
    stage("areas and boundaries")

    # Transfers between consecutive snapshots.
    transfers = []
    geoms = []
    for (y0, _, before), (y1, treaty, after) in zip(snapshots, snapshots[1:]):
        for a, ga in sorted(before.items()):
            for b, gb in sorted(after.items()):
                if a == b or not ga.intersects(gb):
                    continue
                # Overlays may return lines and points along the shared
                # border as well: keep the polygons.
                parts = shapely.get_parts(ga.intersection(gb))
                piece = shapely.MultiPolygon([p for p in parts if p.geom_type == "Polygon"])
                km2 = area_km2(piece)
                if km2 < sliver:
                    continue
                transfers.append({"from_year": y0, "to_year": y1, "treaty": treaty, "from_state": a, "to_state": b, "area_km2": km2})
                geoms.append(piece)
    stage("transfers")

    gpd.GeoDataFrame(transfers, geometry=geoms, crs=4326).to_file(os.path.join(out, "transfers.shp"), engine="pyogrio")
    states = [(y, t, h, g) for y, t, hs in snapshots for h, g in sorted(hs.items())]
    gpd.GeoDataFrame(
        {"year": [s[0] for s in states], "treaty": [s[1] for s in states], "state": [s[2] for s in states]},
        geometry=[s[3] for s in states], crs=4326,
    ).to_file(os.path.join(out, "states.shp"), engine="pyogrio")
    gpd.pd.DataFrame(areas).to_csv(os.path.join(out, "areas.csv"), index=False)
    gpd.pd.DataFrame(transfers).to_csv(os.path.join(out, "transfers.csv"), index=False)
    gpd.pd.DataFrame(boundaries).to_csv(os.path.join(out, "boundaries.csv"), index=False)
    json.dump({"areas": areas, "transfers": transfers}, open(os.path.join(out, "areas.json"), "w"), indent=1)
    stage("write outputs")


main()
