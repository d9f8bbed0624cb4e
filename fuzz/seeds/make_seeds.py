#!/usr/bin/env python3
"""Writes the hand-made seed inputs of both fuzz targets into fuzz/corpus/.

Run from anywhere: python3 fuzz/seeds/make_seeds.py
The geometry encoding is documented in fuzz/src/geometry_case.rs (decode).
"""
import os
import re
import shutil
import struct

FUZZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(FUZZ)

# Indices into ORIGINS and STEPS in geometry_case.rs.
O_50N, O_EQ, O_SW, O_NE, O_AM_E, O_AM_W, O_NP, O_SP = range(8)
S_1, S_HALF, S_TENTH, S_MILLI, S_MICRO, S_1E10, S_3, S_1E15 = range(8)


def ring(points, origin=O_50N, step=S_1, close=True):
    assert len(points) <= 15
    head = len(points) | (0 if close else 0x10)
    out = bytes([head, origin, step])
    for x, y in points:
        out += struct.pack("<bb", x, y)
    return out


def raw_ring(points, close=True):
    head = len(points) | 0x20 | (0 if close else 0x10)
    out = bytes([head])
    for x, y in points:
        out += struct.pack("<dd", x, y)
    return out


def polygon(exterior, holes=()):
    return bytes([len(holes)]) + exterior + b"".join(holes)


def feature(holder, *polygons):
    return bytes([holder, len(polygons) - 1]) + b"".join(polygons)


def snapshot(*features):
    return bytes([len(features) - 1]) + b"".join(features)


def case(*snapshots, densify=0, params=0):
    return bytes([len(snapshots) - 2, densify, params]) + b"".join(snapshots)


def square(x, y, w=1, h=1, **kw):
    return ring([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], **kw)


A, B, C, D = range(4)

geometry = {
    # The overlay test: the cell at 121° E passes from A to B.
    "two-cells-transfer": case(
        snapshot(feature(A, polygon(square(0, 0, 2))), feature(B, polygon(square(2, 0)))),
        snapshot(feature(A, polygon(square(0, 0))), feature(B, polygon(square(1, 0, 2)))),
    ),
    # Clockwise exterior (as shapefiles store them), oriented by the reader.
    "clockwise": case(
        snapshot(feature(A, polygon(ring([(0, 0), (0, 1), (1, 1), (1, 0)])))),
        snapshot(feature(B, polygon(square(0, 0)))),
    ),
    # A bow-tie: refused by geometry_problems.
    "bow-tie": case(
        snapshot(feature(A, polygon(ring([(0, 0), (1, 1), (1, 0), (0, 1)]))), feature(B, polygon(square(2, 0)))),
        snapshot(feature(B, polygon(square(0, 0, 3)))),
    ),
    # A hole, and an enclave filling it.
    "hole-and-enclave": case(
        snapshot(
            feature(A, polygon(square(0, 0, 3, 3), [ring([(1, 1), (1, 2), (2, 2), (2, 1)])])),
            feature(B, polygon(square(1, 1))),
        ),
        snapshot(feature(A, polygon(square(0, 0, 3, 3)))),
    ),
    # Repeated consecutive points: reported, not refused.
    "repeated-points": case(
        snapshot(feature(A, polygon(ring([(0, 0), (1, 0), (1, 0), (1, 1), (0, 1), (0, 1)]))), feature(B, polygon(square(1, 0)))),
        snapshot(feature(B, polygon(square(0, 0, 2)))),
    ),
    # Rings enclosing no area, too few points, unclosed.
    "degenerate-rings": case(
        snapshot(
            feature(A, polygon(ring([(0, 0), (1, 0), (2, 0)]))),
            feature(B, polygon(ring([(0, 0), (1, 1)]))),
            feature(C, polygon(square(0, 0, close=False))),
            feature(D, polygon(ring([]))),
        ),
        snapshot(feature(A, polygon(square(0, 0)))),
    ),
    # NaN, infinity and out-of-range coordinates: refused.
    "bad-coordinates": case(
        snapshot(
            feature(A, polygon(raw_ring([(float("nan"), 0.0), (1.0, 0.0), (1.0, 1.0)]))),
            feature(B, polygon(raw_ring([(float("inf"), 0.0), (1.0, 0.0), (1.0, 1.0)]))),
            feature(C, polygon(raw_ring([(200.0, 0.0), (201.0, 0.0), (201.0, 1.0)]))),
            feature(D, polygon(raw_ring([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]))),
        ),
        snapshot(feature(D, polygon(raw_ring([(0.5, 0.0), (1.0, 0.0), (1.0, 1.0)])))),
    ),
    # Two features of one holder, dissolved; three snapshots.
    "dissolve-three-snapshots": case(
        snapshot(feature(A, polygon(square(0, 0))), feature(A, polygon(square(1, 0))), feature(B, polygon(square(2, 0)))),
        snapshot(feature(A, polygon(square(0, 0))), feature(B, polygon(square(1, 0, 2)))),
        snapshot(feature(C, polygon(square(0, 0, 3))), feature(B, polygon(square(0, 1, 3)))),
    ),
    # A multipolygon with two parts.
    "multipolygon": case(
        snapshot(feature(A, polygon(square(0, 0)), polygon(square(2, 0))), feature(B, polygon(square(1, 0)))),
        snapshot(feature(B, polygon(square(0, 0, 3)))),
    ),
    # Against the antimeridian and at the poles.
    "antimeridian-and-poles": case(
        snapshot(
            feature(A, polygon(square(-10, -5, 10, 10, origin=O_AM_E, step=S_TENTH))),
            feature(B, polygon(square(0, -5, 10, 10, origin=O_AM_W, step=S_TENTH))),
            feature(C, polygon(square(0, -10, 10, 10, origin=O_NP, step=S_MILLI, close=True))),
            feature(D, polygon(square(-10, 0, 20, 10, origin=O_SP, step=S_MILLI))),
        ),
        snapshot(feature(A, polygon(square(-10, -5, 20, 10, origin=O_AM_E, step=S_TENTH)))),
        densify=1,
    ),
    # A ring wider than 180° of longitude: its geodesic edges go the other way.
    "wider-than-half-the-globe": case(
        snapshot(feature(A, polygon(square(-40, -5, 80, 10, origin=O_EQ, step=S_3)))),
        snapshot(feature(B, polygon(square(-40, -5, 80, 10, origin=O_EQ, step=S_3))), feature(A, polygon(square(0, 0, origin=O_EQ)))),
        densify=2,
    ),
    # With parameters.repair on (params bit 0x04): repeated points removed,
    # rings enclosing nothing dropped.
    "repair": case(
        snapshot(
            feature(A, polygon(ring([(0, 0), (1, 0), (1, 0), (1, 1), (0, 1)]))),
            feature(B, polygon(ring([(1, 0), (2, 0), (3, 0)]))),
            feature(B, polygon(square(1, 0)), polygon(ring([(5, 5), (6, 6)]))),
        ),
        snapshot(feature(B, polygon(square(0, 0, 2)))),
        params=4,
    ),
    # Split at 180°, as Chukotka is in world datasets: analysed in 0-360°.
    "antimeridian-split": case(
        snapshot(
            feature(A, polygon(square(-10, 0, 10, 10, origin=O_NE, step=S_TENTH))),
            feature(A, polygon(ring([(0, -90), (10, -90), (10, -80), (0, -80)], origin=O_AM_W, step=S_TENTH))),
        ),
        snapshot(
            feature(B, polygon(square(-10, 0, 10, 10, origin=O_NE, step=S_TENTH))),
            feature(A, polygon(ring([(0, -90), (10, -90), (10, -80), (0, -80)], origin=O_AM_W, step=S_TENTH))),
        ),
    ),
    # Tiny features, below geo's overlay grid.
    "tiny": case(
        snapshot(feature(A, polygon(square(0, 0, step=S_1E10))), feature(B, polygon(square(1, 0, step=S_1E10)))),
        snapshot(feature(B, polygon(square(0, 0, 2, step=S_1E10)))),
        params=1,
    ),
}

configs = {
    "bundled": os.path.join(REPO, "borderchange.toml"),
    "template": os.path.join(REPO, "src", "template.toml"),
    "bench-1e5": os.path.join(REPO, "bench", "data", "1e5", "analysis.toml"),
}

# The integration tests' fixture config (tests/common/mod.rs, two_snapshots)
# with the references of tests/run.rs.
FIXTURE = '''title = "fixture"

[parameters]
river_distance_km = 1.0
min_river_run_km = 5.0

[output]
dir = "out"

[[snapshot]]
year = 1700
treaty = "First"
path = "a1700.geojson"

[[snapshot]]
year = 1800
treaty = "Second"
path = "b1800.geojson"

[rivers]
path = "rivers.geojson"
'''

REFERENCES = '''
[[reference]]
id = "moved"
quantity = "transfer"
from = ["A"]
to = ["B"]
years = [1700, 1800]
value = 7892.0616
tolerance = 0.0001
source = "GeographicLib Planimeter"

[[reference]]
id = "river"
quantity = "boundary"
year = 1800
states = ["B", "A"]
river = "Test"
kind = "river"
within = [120, 49, 122, 52]
value = 55.6
tolerance = 0.03
source = "half a degree of meridian"

[[reference]]
id = "area"
quantity = "area"
state = "A"
year = 1700
value = 4000
tolerance = 0.1
source = "a narrower definition"
role = "context"

[[place]]
name = "Aigun"
lat = 50.0
lon = 127.5
'''


def main():
    gdir = os.path.join(FUZZ, "corpus", "geometry")
    cdir = os.path.join(FUZZ, "corpus", "config")
    os.makedirs(gdir, exist_ok=True)
    os.makedirs(cdir, exist_ok=True)
    for name, data in geometry.items():
        with open(os.path.join(gdir, "seed-" + name), "wb") as f:
            f.write(data)
    for name, path in configs.items():
        shutil.copyfile(path, os.path.join(cdir, "seed-" + name + ".toml"))
    texts = {
        "fixture": FIXTURE + REFERENCES,
        "fixture-no-references": FIXTURE,
        "one-snapshot": re.split(r"\n\[\[snapshot\]\]\nyear = 1800", FIXTURE)[0],
        "unknown-key": FIXTURE + "\n[parameters2]\nsliver = 2\n",
        "bad-within": FIXTURE + REFERENCES.replace("within = [120, 49, 122, 52]", "within = [122, 49, 120, 52]"),
        "multibyte": FIXTURE.replace('"fixture"', '"Нерчинск — 尼布楚"') + "\n[[place]]\nname = \"Айгунь\"\nlat = 91\nlon = 0\n",
    }
    for name, text in texts.items():
        with open(os.path.join(cdir, "seed-" + name + ".toml"), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
