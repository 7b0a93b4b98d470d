"""Import speed: ``python -m layers import`` of a 3-year SMART export of a 5,000 km2 park.

Target: under 60 s for about 2 million GPS fixes (SMART patrol tracks as GPX)
and 10,000 observations (the SMART patrol observation query as CSV), into a
new store; then the same files again (everything merges, nothing is added).
Prints the wall time and the peak memory of each import process.

    .venv/bin/python benchmarks/bench_import.py [--fixes 2000000] [--observations 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 60.0
SIDE_KM = 5000**0.5  # a square park of 5,000 km2
LON0, LAT0 = 31.0, -24.5  # south-west corner (UTM zone 36 south)
DAYS = 3 * 365


def write_park(folder: Path) -> None:
    dlat = SIDE_KM / 110.574
    dlon = SIDE_KM / (111.320 * np.cos(np.radians(LAT0 + dlat / 2)))
    ring = [[LON0, LAT0], [LON0 + dlon, LAT0], [LON0 + dlon, LAT0 + dlat], [LON0, LAT0 + dlat], [LON0, LAT0]]
    geo = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "Bench"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        ],
    }
    (folder / "boundary.geojson").write_text(json.dumps(geo))
    (folder / "park.toml").write_text(
        '[park]\nname = "Bench Park"\ncell_size_m = 1000\n[layers]\nboundary = "boundary.geojson"\n'
    )
    return dlon, dlat


def write_tracks(path: Path, n_fixes: int, dlon: float, dlat: float, rng) -> int:
    """SMART patrol tracks as GPX: patrols of about 700 fixes (one a minute), every day for 3 years."""
    per = 700
    n_tracks = n_fixes // per
    start = pd.Timestamp("2023-01-01T05:00:00Z").value // 10**9
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="SMART" xmlns="http://www.topografix.com/GPX/1/1">\n'
        )
        for k in range(n_tracks):
            day = k * DAYS // n_tracks
            t0 = start + day * 86400 + int(rng.integers(0, 4 * 3600))
            lon = LON0 + dlon * rng.uniform(0.1, 0.9) + np.cumsum(rng.normal(0, 4e-4, per))
            lat = LAT0 + dlat * rng.uniform(0.1, 0.9) + np.cumsum(rng.normal(0, 4e-4, per))
            stamps = pd.to_datetime(t0 + 60 * np.arange(per), unit="s").strftime("%Y-%m-%dT%H:%M:%SZ")
            pts = "".join(
                f'<trkpt lat="{b:.6f}" lon="{a:.6f}"><time>{s}</time></trkpt>' for a, b, s in zip(lon, lat, stamps)
            )
            f.write(f"<trk><name>SMART patrol {k + 1}</name><type>Foot</type><trkseg>{pts}</trkseg></trk>\n")
        f.write("</gpx>\n")
    return n_tracks * per


def write_observations(path: Path, n: int, dlon: float, dlat: float, rng) -> None:
    """The SMART patrol observation query as CSV, dates day-first (a machine in a day-first locale)."""
    cats = [
        ("Human Activity", "Weapons and Equipment", "Snare"),
        ("Animals", "Carcass", ""),
        ("Human Activity", "Camp", ""),
        ("Features", "Waterhole", ""),
        ("Animals", "Sign", "Dung"),
    ]
    pick = rng.integers(0, len(cats), n)
    t = pd.Timestamp("2023-01-01T06:00:00") + pd.to_timedelta(np.sort(rng.integers(0, DAYS * 86400, n)), unit="s")
    df = pd.DataFrame(
        {
            "Patrol ID": [f"P{i // 5:05d}" for i in range(n)],
            "Patrol Leg ID": 1,
            "Patrol Transport Type": "Foot",
            "Mandate": "Anti-poaching",
            "Waypoint ID": np.arange(n) % 5 + 1,
            "Waypoint Date": t.strftime("%d/%m/%Y"),
            "Waypoint Time": t.strftime("%H:%M:%S"),
            "X": LON0 + dlon * rng.uniform(0.05, 0.95, n),
            "Y": LAT0 + dlat * rng.uniform(0.05, 0.95, n),
            "Observation Category 0": [cats[i][0] for i in pick],
            "Observation Category 1": [cats[i][1] for i in pick],
            "Observation Category 2": [cats[i][2] for i in pick],
            "Species": rng.choice(["Elephant", "Rhino", "Impala"], n),
        }
    )
    df.to_csv(path, index=False)


def run_import(park: Path, files: list[Path]) -> tuple[float, float, str]:
    """Wall time (s), peak memory (MB) and output of one ``python -m layers import`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "layers", "import", str(park), *map(str, files)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise SystemExit(f"import failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed, max(peak, before) / 1024, proc.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixes", type=int, default=2_000_000)
    ap.add_argument("--observations", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, default=None, help="write the park here and keep it")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_import_"))
    folder.mkdir(parents=True, exist_ok=True)
    exports = Path(tempfile.mkdtemp(prefix="bench_import_exports_"))
    rng = np.random.default_rng(7)
    try:
        dlon, dlat = write_park(folder)
        t0 = time.perf_counter()
        n = write_tracks(exports / "smart_tracks_2023-2025.gpx", args.fixes, dlon, dlat, rng)
        write_observations(exports / "smart_observations_2023-2025.csv", args.observations, dlon, dlat, rng)
        size = sum(p.stat().st_size for p in exports.iterdir()) / 1e6
        print(
            f"export written: {n:,} GPS fixes, {args.observations:,} observations, {size:.0f} MB "
            f"({time.perf_counter() - t0:.0f} s, not timed)"
        )
        files = sorted(exports.iterdir())
        first, mem1, out = run_import(folder, files)
        print(out.strip().splitlines()[-1])
        print(
            f"first import:  {first:6.1f} s, peak memory {mem1:,.0f} MB (target {TARGET_S:.0f} s: "
            f"{'met' if first < TARGET_S else 'NOT met'})"
        )
        again, mem2, out = run_import(folder, files)
        print(out.strip().splitlines()[-1])
        print(f"same files again: {again:6.1f} s, peak memory {mem2:,.0f} MB")
        print(f"store: {(folder / 'store.gpkg').stat().st_size / 1e6:.0f} MB")
    finally:
        shutil.rmtree(exports, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
