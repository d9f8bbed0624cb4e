"""Builds the benchmark inputs from the bundled dataset (not committed; under
bench/data/): a coarser copy (about 10^5 vertices) and denser copies (about
3×10^6 and 10^7), each with its own analysis file.

Every change is decided per vertex or per undirected edge, never per ring, so
a border shared by two holders, or by two snapshots, stays identical on both
sides:
- thinning keeps a vertex when a hash of its coordinates says so (and always
  keeps ring ends), then repairs the few rings this makes invalid;
- densifying splits each edge into equal parts interpolated from its
  lexicographically smaller end.

Usage: python3 bench/make_inputs.py
"""

import hashlib
import os
import re
import struct

import geopandas as gpd
import numpy as np
import shapely

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench", "data")
YEARS = [1689, 1727, 1858, 1860]


def keep_mask(coords, every):
    """True for the vertices to keep: 1 in `every`, by coordinate hash."""
    keys = np.round(coords, 9)
    out = np.zeros(len(coords), dtype=bool)
    for i, (x, y) in enumerate(keys):
        digest = hashlib.blake2b(struct.pack("<dd", x, y), digest_size=4).digest()
        out[i] = int.from_bytes(digest, "little") % every == 0
    out[0] = out[-1] = True
    return out


def thin_ring(coords, every):
    kept = coords[keep_mask(coords, every)]
    return kept if len(kept) >= 4 else None


def densify_ring(coords, step):
    a, b = coords[:-1], coords[1:]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    lo = np.where(swap[:, None], b, a)
    hi = np.where(swap[:, None], a, b)
    length = np.hypot(*(hi - lo).T)
    parts = np.maximum(np.ceil(length / step).astype(np.int64), 1)
    edge = np.repeat(np.arange(len(a)), parts)
    k = np.arange(parts.sum()) - np.repeat(np.cumsum(parts) - parts, parts)
    n = parts[edge]
    # Point j of an edge is lo + (hi - lo) * j / n whichever way the ring
    # runs; a ring running hi → lo takes j = n, n-1, …, 1 (and hi itself).
    j = np.where(swap[edge], n - k, k)
    pts = lo[edge] + (hi[edge] - lo[edge]) * (j / n)[:, None]
    start = k == 0
    pts[start] = a[edge[start]]
    return np.vstack([pts, coords[-1:]])


def map_rings(geom, fn):
    polygons = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    out = []
    for p in polygons:
        shell = fn(np.asarray(p.exterior.coords)[:, :2])
        if shell is None:
            continue
        holes = [h for h in (fn(np.asarray(r.coords)[:, :2]) for r in p.interiors) if h is not None]
        out.append(shapely.Polygon(shell, holes))
    geom = shapely.MultiPolygon(out)
    if not geom.is_valid:
        fixed = shapely.get_parts(shapely.make_valid(geom))
        geom = shapely.MultiPolygon([g for g in fixed if g.geom_type == "Polygon"])
    return geom


def vertices(frame):
    return int(shapely.get_num_coordinates(frame.geometry.values).sum())


def build(name, fn):
    folder = os.path.join(DATA, name)
    os.makedirs(folder, exist_ok=True)
    total = 0
    for year in YEARS:
        frame = gpd.read_file(os.path.join(ROOT, "shapefiles", f"borders_{year}.shp"), engine="pyogrio")
        frame["geometry"] = [map_rings(g, fn) for g in frame.geometry]
        frame.to_file(os.path.join(folder, f"borders_{year}.shp"), engine="pyogrio")
        total += vertices(frame)
    rivers = gpd.read_file(os.path.join(ROOT, "shapefiles", "rivers.shp"), engine="pyogrio")
    rivers.to_file(os.path.join(folder, "rivers.shp"), engine="pyogrio")
    config = open(os.path.join(ROOT, "borderchange.toml"), encoding="utf-8").read()
    config = re.sub(r'path = "shapefiles/', 'path = "', config)
    open(os.path.join(folder, "analysis.toml"), "w", encoding="utf-8").write(config)
    print(f"{name}: {total} vertices")
    return total


def main():
    bundled = sum(
        vertices(gpd.read_file(os.path.join(ROOT, "shapefiles", f"borders_{y}.shp"), engine="pyogrio"))
        for y in YEARS
    )
    print(f"bundled: {bundled} vertices")
    build("small", lambda c: thin_ring(c, 6))
    build("dense3", lambda c: densify_ring(c, 0.0007))
    build("dense10", lambda c: densify_ring(c, 0.0002))


if __name__ == "__main__":
    main()
