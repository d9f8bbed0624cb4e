#!/usr/bin/env python3
"""borderchange against the same pipeline in GeoPandas, at several input sizes.

    python3 bench/make_inputs.py     # once: bench/data/{1e5,1e6,1e7,osm,osm-x2,...}/
    python3 bench/bench.py [--runs N] [--large-runs N] [--sizes 1e5,1e6,1e7,osm,osm-x2,osm-x4]

Two series: the bundled snapshots coarsened, as they are and densified
(1e5, 1e6, 1e7), and the OpenStreetMap-resolution outlines of China,
Mongolia and Russia with tens of thousands of lakes, as they are and tiled
(osm, osm-x2, osm-x4, ...; see make_inputs.py). Scaling exponents are taken
within a series.

For each size, runs `target/release/borderchange run <config> -o <tmp> -q
--timings` and `python3 bench/reference.py <config> <tmp>` alternately, each
`--runs` times (`--large-runs` at 1e7), under `/usr/bin/time -v`: whole-process
wall time (median), CPU time (user + system, median), peak resident memory
(largest), and the per-stage times
both print (`stage <seconds> <name>`, median). After every pair of runs it
checks that the holder areas and the transfer areas of the two agree to 1e-6
relative. Prints a table per size and a summary, writes
bench/data/results.json, and exits 1 if any area disagrees.
"""

import argparse
import csv
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

import pyogrio
import shapely

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# BORDERCHANGE_BINARY: another build to measure (a copy, so that building
# again during a long benchmark does not change what is measured).
BINARY = os.environ.get("BORDERCHANGE_BINARY", os.path.join(ROOT, "target", "release", "borderchange"))
REFERENCE = os.path.join(ROOT, "bench", "reference.py")
DATA = os.path.join(ROOT, "bench", "data")
AGREEMENT = 1e-6
BYTES_PER_VERTEX = 16  # two f64 per coordinate


def ensure_binary():
    if not os.path.exists(BINARY):
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    for tool in ("/usr/bin/time",):
        if not os.path.exists(tool):
            raise SystemExit(f"{tool} is missing: apt-get install -y time")


def count_vertices(config_path):
    with open(config_path, "rb") as f:
        config = tomllib.load(f)
    base = os.path.dirname(config_path)
    total = 0
    for s in config["snapshot"]:
        frame = pyogrio.read_dataframe(os.path.join(base, s["path"]), columns=[])
        total += int(shapely.get_num_coordinates(frame.geometry.values).sum())
    return total


def timed(command, ok):
    """Whole-process wall seconds, peak RSS bytes and {stage: seconds}."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr[-4000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    stages = {
        m.group(2): float(m.group(1))
        for m in re.finditer(r"^stage ([\d.]+) (.+)$", result.stderr, flags=re.M)
    }
    cpu = sum(
        float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", result.stderr).group(1))
        for kind in ("User", "System")
    )
    return {"wall": wall, "cpu": cpu, "rss": int(rss.group(1)) * 1024, "stages": stages}


def ours_areas(out):
    """Holder and transfer areas from borderchange's outputs: the keys and
    values of areas.csv and transfers.csv, with full precision from
    report.json (the CSVs round to 0.001 km²)."""
    with open(os.path.join(out, "areas.csv"), newline="") as f:
        areas = {(int(r["year"]), r["state"]): float(r["area_km2"]) for r in csv.DictReader(f)}
    with open(os.path.join(out, "transfers.csv"), newline="") as f:
        moved = {
            (int(r["from_year"]), r["from_state"], r["to_state"]): float(r["area_km2"])
            for r in csv.DictReader(f)
        }
    report = os.path.join(out, "report.json")
    if os.path.exists(report):
        with open(report) as f:
            full = json.load(f)
        exact = {(a["year"], a["state"]): a["area_km2"] for a in full["areas"]}
        exact_moved = {(t["from_year"], t["from_state"], t["to_state"]): t["area_km2"] for t in full["transfers"]}
        for table, precise in ((areas, exact), (moved, exact_moved)):
            for key, value in table.items():
                if key not in precise or abs(precise[key] - value) > 0.0006:
                    raise SystemExit(f"borderchange's CSV and report.json disagree at {key}")
                table[key] = precise[key]
    return areas, moved


def reference_areas(out):
    with open(os.path.join(out, "areas.json")) as f:
        data = json.load(f)
    areas = {(a["year"], a["state"]): a["area_km2"] for a in data["areas"]}
    moved = {(t["from_year"], t["from"], t["to"]): t["area_km2"] for t in data["transfers"]}
    dropped = {(t["from_year"], t["from"], t["to"]): t["area_km2"] for t in data["dropped"]}
    return areas, moved, dropped


def compare(ours, reference):
    """(worst relative difference, list of problems)."""
    (areas, moved), (ref_areas, ref_moved, ref_dropped) = ours, reference
    worst = 0.0
    problems = []
    for name, a, b in (("area", areas, ref_areas), ("transfer", moved, ref_moved)):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                side = "borderchange" if key in a else "reference"
                value = a.get(key, b.get(key))
                note = ""
                if key in ref_dropped:
                    note = f" (the reference dropped it as a sliver of {ref_dropped[key]:.6f} km²)"
                problems.append(f"{name} {key}: only in {side} ({value:.6f} km²){note}")
                continue
            rel = abs(a[key] - b[key]) / max(abs(b[key]), 1e-300)
            worst = max(worst, rel)
            if rel > AGREEMENT:
                problems.append(f"{name} {key}: borderchange {a[key]:.6f}, reference {b[key]:.6f} km² (rel {rel:.2e})")
    return worst, problems


def run_size(size, runs):
    config = os.path.join(DATA, size, "analysis.toml")
    if not os.path.exists(config):
        raise SystemExit(f"{config} is missing: run python3 bench/make_inputs.py first")
    vertices = count_vertices(config)
    print(f"== {size}: {vertices:,} vertices, {runs} run(s) each", file=sys.stderr, flush=True)
    ours, ref = [], []
    worst, problems = 0.0, []
    for i in range(runs):
        tmp = tempfile.mkdtemp(prefix="borderchange-bench-")
        try:
            out = os.path.join(tmp, "ours")
            # Exit code 1 means a reference figure in the config disagrees
            # (expected for the generated inputs): a result, not a failure.
            ours.append(timed([BINARY, "run", config, "-o", out, "-q", "--timings"], ok=(0, 1)))
            out_ref = os.path.join(tmp, "reference")
            ref.append(timed([sys.executable, REFERENCE, config, out_ref], ok=(0,)))
            w, p = compare(ours_areas(out), reference_areas(out_ref))
            worst = max(worst, w)
            problems.extend(x for x in p if x not in problems)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print(
            f"   run {i + 1}: borderchange {ours[-1]['wall']:.2f} s ({ours[-1]['cpu']:.2f} s CPU) {ours[-1]['rss'] / 2**20:.0f} MiB, "
            f"reference {ref[-1]['wall']:.2f} s ({ref[-1]['cpu']:.2f} s CPU) {ref[-1]['rss'] / 2**20:.0f} MiB",
            file=sys.stderr,
            flush=True,
        )

    def summary(samples):
        names = list(dict.fromkeys(n for s in samples for n in s["stages"]))
        return {
            "wall": statistics.median(s["wall"] for s in samples),
            "walls": [s["wall"] for s in samples],
            "cpu": statistics.median(s["cpu"] for s in samples),
            "rss": max(s["rss"] for s in samples),
            "stages": {n: statistics.median(s["stages"].get(n, 0.0) for s in samples) for n in names},
        }

    return {
        "size": size,
        "vertices": vertices,
        "runs": runs,
        "borderchange": summary(ours),
        "reference": summary(ref),
        "worst_rel_diff": worst,
        "problems": problems,
    }


def slope(a, b, tool, what="wall"):
    return math.log(b[tool][what] / a[tool][what]) / math.log(b["vertices"] / a["vertices"])


def series(size):
    """The series a size belongs to: the OpenStreetMap case or the bundled one."""
    return "osm" if size.startswith("osm") else "bundled"


def report(results):
    lines = []
    for r in results:
        o, g = r["borderchange"], r["reference"]
        coords = r["vertices"] * BYTES_PER_VERTEX
        lines.append(f"\n{r['size']}: {r['vertices']:,} vertices ({coords / 2**20:.1f} MiB of coordinates), median of {r['runs']} run(s)")
        lines.append(f"  {'':30} {'borderchange':>14} {'GeoPandas':>14}")
        lines.append(f"  {'wall time (s)':30} {o['wall']:14.2f} {g['wall']:14.2f}")
        lines.append(f"  {'CPU time, user + system (s)':30} {o['cpu']:14.2f} {g['cpu']:14.2f}")
        lines.append(f"  {'peak RSS (MiB)':30} {o['rss'] / 2**20:14.0f} {g['rss'] / 2**20:14.0f}")
        lines.append(f"  {'peak RSS / coordinates':30} {o['rss'] / coords:14.1f} {g['rss'] / coords:14.1f}")
        lines.append(f"  {'GeoPandas / borderchange':30} {g['wall'] / o['wall']:14.2f}x")
        for name in dict.fromkeys(list(o["stages"]) + list(g["stages"])):
            a = f"{o['stages'][name]:.2f}" if name in o["stages"] else "-"
            b = f"{g['stages'][name]:.2f}" if name in g["stages"] else "-"
            lines.append(f"  {'  stage ' + name:30} {a:>14} {b:>14}")
        verdict = "agree" if not r["problems"] else "DISAGREE"
        lines.append(f"  areas {verdict} to {AGREEMENT:g}: largest relative difference {r['worst_rel_diff']:.1e}")
        lines.extend(f"    {p}" for p in r["problems"])
    lines.append("")
    header = f"| size | vertices | borderchange s | CPU s | GeoPandas s | CPU s | ratio (wall) | ratio (CPU) | borderchange peak MiB | × coords | GeoPandas peak MiB | × coords | exponent (borderchange) | exponent (GeoPandas) |"
    lines.append(header)
    lines.append("|" + "---|" * 14)
    for i, r in enumerate(results):
        o, g = r["borderchange"], r["reference"]
        coords = r["vertices"] * BYTES_PER_VERTEX
        follows = i and series(results[i - 1]["size"]) == series(r["size"])
        e_o = f"{slope(results[i - 1], r, 'borderchange'):.2f}" if follows else "–"
        e_g = f"{slope(results[i - 1], r, 'reference'):.2f}" if follows else "–"
        lines.append(
            f"| {r['size']} | {r['vertices']:,} | {o['wall']:.2f} | {o['cpu']:.2f} | {g['wall']:.2f} | {g['cpu']:.2f} | "
            f"{g['wall'] / o['wall']:.1f}× | {g['cpu'] / o['cpu']:.1f}× | "
            f"{o['rss'] / 2**20:.0f} | {o['rss'] / coords:.1f} | {g['rss'] / 2**20:.0f} | {g['rss'] / coords:.1f} | {e_o} | {e_g} |"
        )
    for name in dict.fromkeys(series(r["size"]) for r in results):
        group = [r for r in results if series(r["size"]) == name]
        if len(group) > 1:
            first, last = group[0], group[-1]
            lines.append(
                f"\nexponent {first['size']} → {last['size']}: borderchange "
                f"{slope(first, last, 'borderchange'):.2f} (CPU {slope(first, last, 'borderchange', 'cpu'):.2f}), "
                f"GeoPandas {slope(first, last, 'reference'):.2f}"
            )
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1e5,1e6,1e7,osm,osm-x2,osm-x4")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large-runs", type=int, default=2, help="runs at 1e7 and osm-x8 and up (the reference takes minutes)")
    args = parser.parse_args()
    ensure_binary()
    print(f"load before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)", file=sys.stderr)
    large = ("1e7", "osm-x8", "osm-x16")
    results = [run_size(s, args.large_runs if s in large else args.runs) for s in args.sizes.split(",")]
    print(f"load after: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    report(results)
    with open(os.path.join(DATA, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if any(r["problems"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
