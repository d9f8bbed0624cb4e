"""Runs `borderchange run` and the GeoPandas reference (bench/reference.py)
side by side on the bundled data and the generated sizes, and prints, for
each size: vertices, wall time and peak memory of both (whole process, from
/usr/bin/time -v), per-stage times, the ratio, borderchange's scaling
exponent between sizes, and whether the two agree on every holder's area and
every transfer to 1e-6.

Usage: python3 bench/bench.py [--runs N] [SIZE ...]
Sizes: small, bundled, dense3, dense10 (default: all). Run
`python3 bench/make_inputs.py` first (`make bench` does both).
"""

import csv
import json
import math
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "borderchange")
CONFIGS = {
    "small": os.path.join(ROOT, "bench", "data", "small", "analysis.toml"),
    "bundled": os.path.join(ROOT, "borderchange.toml"),
    "dense3": os.path.join(ROOT, "bench", "data", "dense3", "analysis.toml"),
    "dense10": os.path.join(ROOT, "bench", "data", "dense10", "analysis.toml"),
}
AGREEMENT = 1e-6


def timed(command):
    """(wall seconds, peak RSS MiB, stage times, stderr) of one run."""
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True)
    err = result.stderr
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{err[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", err)
    hours = float(wall.group(1) or 0)
    seconds = hours * 3600 + float(wall.group(2)) * 60 + float(wall.group(3))
    rss = float(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1)) / 1024
    stages = {m.group(2): float(m.group(1)) for m in re.finditer(r"^stage ([\d.]+) (.+)$", err, re.M)}
    return seconds, rss, stages


def vertices(config):
    import geopandas as gpd
    import shapely
    import tomllib

    base = os.path.dirname(config)
    total = 0
    for s in tomllib.load(open(config, "rb"))["snapshot"]:
        frame = gpd.read_file(os.path.join(base, s["path"]), engine="pyogrio")
        total += int(shapely.get_num_coordinates(frame.geometry.values).sum())
    return total


def ours_numbers(out):
    areas = {(int(r["year"]), r["state"]): float(r["area_km2"]) for r in csv.DictReader(open(os.path.join(out, "areas.csv")))}
    report = json.load(open(os.path.join(out, "report.json")))
    transfers = {(t["from_year"], t["from_state"], t["to_state"]): t["area_km2"] for t in report["transfers"]}
    return areas, transfers


def reference_numbers(out):
    data = json.load(open(os.path.join(out, "areas.json")))
    areas = {(a["year"], a["state"]): a["area_km2"] for a in data["areas"]}
    transfers = {(t["from_year"], t["from_state"], t["to_state"]): t["area_km2"] for t in data["transfers"]}
    return areas, transfers


def worst_difference(a, b):
    keys = set(a) | set(b)
    worst = 0.0
    for k in keys:
        if k not in a or k not in b:
            return math.inf, k
        worst = max(worst, abs(a[k] - b[k]) / max(abs(b[k]), 1e-12))
    return worst, None


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    args = sys.argv[1:]
    runs = 1
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    sizes = args or list(CONFIGS)
    if not os.path.exists(BINARY):
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    rows = []
    for size in sizes:
        config = CONFIGS[size]
        if not os.path.exists(config):
            raise SystemExit(f"{config} is missing: run python3 bench/make_inputs.py first")
        n = vertices(config)
        ours, theirs = [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "ours")
                ours.append(timed([BINARY, "run", config, "-o", out, "-q", "--timings"]))
                ours_result = ours_numbers(out)
            with tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "reference")
                theirs.append(timed([sys.executable, os.path.join(ROOT, "bench", "reference.py"), config, out]))
                reference_result = reference_numbers(out)
        area_diff, missing_area = worst_difference(ours_result[0], reference_result[0])
        transfer_diff, missing_transfer = worst_difference(ours_result[1], reference_result[1])
        t_ours = median([r[0] for r in ours])
        t_ref = median([r[0] for r in theirs])
        row = {
            "size": size,
            "vertices": n,
            "ours_s": t_ours,
            "ours_mib": max(r[1] for r in ours),
            "ours_stages": ours[-1][2],
            "ref_s": t_ref,
            "ref_mib": max(r[1] for r in theirs),
            "ref_stages": theirs[-1][2],
            "ratio": t_ref / t_ours,
            "area_diff": area_diff,
            "transfer_diff": transfer_diff,
            "missing": missing_area or missing_transfer,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)

    print()
    print(f"| size | vertices | borderchange s | peak MiB | × input coords | GeoPandas s | peak MiB | GeoPandas ÷ borderchange | areas agree (worst rel. diff) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        coords_mib = r["vertices"] * 16 / 2**20
        worst = max(r["area_diff"], r["transfer_diff"])
        agree = "yes" if worst <= AGREEMENT else "no"
        print(
            f"| {r['size']} | {r['vertices']:,} | {r['ours_s']:.2f} | {r['ours_mib']:.0f} | {r['ours_mib'] / coords_mib:.1f} | "
            f"{r['ref_s']:.2f} | {r['ref_mib']:.0f} | {r['ratio']:.1f}× | {agree} ({worst:.1e}) |"
        )
    ordered = sorted(rows, key=lambda r: r["vertices"])
    for a, b in zip(ordered, ordered[1:]):
        exponent = math.log(b["ours_s"] / a["ours_s"]) / math.log(b["vertices"] / a["vertices"])
        print(f"scaling exponent {a['size']} → {b['size']}: {exponent:.2f}")
    if len(ordered) >= 2:
        a, b = ordered[0], ordered[-1]
        exponent = math.log(b["ours_s"] / a["ours_s"]) / math.log(b["vertices"] / a["vertices"])
        print(f"scaling exponent {a['size']} → {b['size']} (whole range): {exponent:.2f}")
    for r in rows:
        print(f"stages {r['size']}: borderchange {r['ours_stages']}; GeoPandas {r['ref_stages']}")
    bad = [r for r in rows if max(r["area_diff"], r["transfer_diff"]) > AGREEMENT]
    if bad:
        print(f"areas disagree beyond {AGREEMENT:g} for: {', '.join(r['size'] for r in bad)}", file=sys.stderr)
        sys.exit(1)


main()
