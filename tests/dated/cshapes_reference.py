"""Transfers between the snapshots of a CShapes-shaped layer, computed
independently of borderchange with GeoPandas: the features valid on each
snapshot day (gwsdate <= day < gwedate, end-exclusive; empty for an open
end), dissolved by state, every ordered pair of different states
intersected between consecutive snapshots, and the pieces measured
geodesically on WGS84 (pyproj's Geod, Karney's algorithm).

Usage: cshapes_reference.py LAYER STATE_FIELD > transfers.csv
Prints from_date,to_date,from_state,to_state,area_km2 (the snapshot days
are every day some feature starts or ends, from the earliest start).
"""

import sys

import geopandas as gpd
import pandas as pd
from pyproj import Geod

layer, field = sys.argv[1], sys.argv[2]
frame = gpd.read_file(layer)
start = pd.to_datetime(frame["gwsdate"], errors="raise")
# An empty end is an open period.
end = pd.to_datetime(
    frame["gwedate"].apply(lambda v: None if v is None or pd.isna(v) or v == "" else v),
    errors="raise",
)
days = sorted(set(start.dropna()) | set(end.dropna()))
geod = Geod(ellps="WGS84")


def snapshot(day):
    valid = frame[(start <= day) & (end.isna() | (day < end))]
    return valid.dissolve(by=field)["geometry"]


print("from_date,to_date,from_state,to_state,area_km2")
for earlier, later in zip(days, days[1:]):
    before, after = snapshot(earlier), snapshot(later)
    for a, ga in before.items():
        for b, gb in after.items():
            if a == b:
                continue
            piece = ga.intersection(gb)
            if piece.is_empty:
                continue
            area_m2, _ = geod.geometry_area_perimeter(piece)
            area_km2 = abs(area_m2) / 1e6
            if area_km2 <= 0:
                continue
            print(
                f"{earlier.date()},{later.date()},{a},{b},{area_km2:.9f}"
            )
