"""Monitoring speed: indicators of three years of a 5,000 km2 park with 2 million GPS fixes, and the monthly report.

Goals: the indicator table (monthly, park-wide and per post; patrol steps from
the raw fixes included) in under 10 s; the monthly report in under 20 s.  The
park is built in memory (a square of 5,000 km2, 8 posts, patrols as random
walks from the posts logging a fix a minute, incidents near patrols, arrests
with cases), so the timings measure the monitoring code, not file reading.

    .venv/bin/python benchmarks/bench_monitoring.py [--fixes 2000000] [--risk kde]

``--risk MODEL`` also times the report with next month's risk map fitted by
that model (the default report leaves the fit out of the timing).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layers.grid import Grid  # noqa: E402
from layers.park import Park  # noqa: E402
from layers.report import LoadReport  # noqa: E402
from monitoring.effort import effort_steps  # noqa: E402
from monitoring.indicators import compute_indicators  # noqa: E402
from monitoring.register import register_from_frames  # noqa: E402
from monitoring.report import monthly_report  # noqa: E402

CRS = "EPSG:32736"
INDICATOR_GOAL_S = 10.0
REPORT_GOAL_S = 20.0


def build(n_fixes: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    side = np.sqrt(5000e6)  # m
    x0, y0 = 300_000.0, 7_200_000.0
    boundary = box(x0, y0, x0 + side, y0 + side)
    posts_xy = np.column_stack([x0 + rng.uniform(0.1, 0.9, 8) * side, y0 + rng.uniform(0.1, 0.9, 8) * side])
    posts = gpd.GeoDataFrame({"name": [f"Post {i + 1}" for i in range(8)]}, geometry=shapely.points(posts_xy), crs=CRS)
    fixes_per_track = 330
    n_tracks = n_fixes // fixes_per_track
    start = pd.Timestamp("2023-11-01", tz="UTC").timestamp()
    days = 3 * 365
    day = rng.integers(0, days, n_tracks)
    t_track = start + day * 86400.0 + 5 * 3600 + rng.uniform(0, 3600, n_tracks)
    home = rng.integers(0, 8, n_tracks)
    k = np.arange(fixes_per_track)
    heading = np.cumsum(rng.normal(0, 0.3, (n_tracks, fixes_per_track)), axis=1) + rng.uniform(
        0, 2 * np.pi, (n_tracks, 1)
    )
    step = 60 * 4.0 / 3.6  # m per minute at 4 km/h
    x = posts_xy[home, 0][:, None] + np.cumsum(step * np.cos(heading), axis=1)
    y = posts_xy[home, 1][:, None] + np.cumsum(step * np.sin(heading), axis=1)
    t = t_track[:, None] + k[None, :] * 60.0
    tracks = gpd.GeoDataFrame(
        {
            "track_id": np.repeat(np.arange(n_tracks), fixes_per_track),
            "time": pd.to_datetime(t.ravel(), unit="s", utc=True),
        },
        geometry=shapely.points(x.ravel(), y.ravel()),
        crs=CRS,
    )
    # incidents on patrol paths
    n_inc = 4000
    pick = rng.integers(0, len(tracks), n_inc)
    types = rng.choice(
        ["snare", "elephant_carcass", "rhino_carcass", "poacher_camp", "arrest", "seizure", "carcass"],
        n_inc,
        p=[0.55, 0.08, 0.06, 0.08, 0.08, 0.1, 0.05],
    )
    inc = gpd.GeoDataFrame(
        {
            "time": tracks["time"].to_numpy()[pick],
            "type": types,
            "type_raw": types,
            "item": np.where(types == "seizure", rng.choice(["ivory", "bushmeat", "firearm", "snare"], n_inc), None),
            "quantity": np.where(types == "seizure", rng.uniform(1, 30, n_inc).round(1), np.nan),
            "unit": np.where(types == "seizure", "kg", None),
            "species": np.where(types == "carcass", "elephant", None),
            "cause": np.where(types == "carcass", rng.choice(["natural", "unknown", "illegal"], n_inc), None),
            "people": np.where(types == "arrest", rng.integers(1, 4, n_inc), np.nan),
            "id": [f"I{i}" for i in range(n_inc)],
        },
        geometry=tracks.geometry.values[pick],
        crs=CRS,
    )
    arrests = np.flatnonzero(types == "arrest")
    inc["case_ref"] = None
    inc.loc[arrests, "case_ref"] = [f"CR-{i}" for i in range(len(arrests))]
    rows = []
    for i, a in enumerate(arrests):
        t0 = inc.loc[a, "time"]
        rows.append((f"CR-{i}", "opened", (t0 + pd.Timedelta(days=1)).date().isoformat(), "", ""))
        if i % 3:
            rows.append((f"CR-{i}", ("convicted", "acquitted", "withdrawn")[i % 3],
                         (t0 + pd.Timedelta(days=int(40 + i % 200))).date().isoformat(), "", ""))  # fmt: skip
    cases = pd.DataFrame(rows, columns=["case_ref", "event", "date", "sentence", "note"])
    grid = Grid.from_geometry(boundary, CRS, 1000.0)
    park = Park(
        Path(tempfile.gettempdir()),
        "Bench Park",
        grid.crs,
        None,
        LoadReport(),
        gpd.GeoDataFrame({"name": ["Bench Park"]}, geometry=[boundary], crs=CRS),
        posts,
        inc,
        tracks,
        {},
        {},
        grid,
    )
    return park, inc, cases, posts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixes", type=int, default=2_000_000)
    ap.add_argument("--risk", default=None, help="also time the report with a risk map fitted by this model")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    park, inc, cases, posts = build(args.fixes)
    print(f"built a 5,000 km2 park: {len(park.tracks):,} GPS fixes, {len(inc):,} incidents, "
          f"{cases['case_ref'].nunique():,} cases in {time.perf_counter() - t:.1f} s")  # fmt: skip

    c0 = time.process_time()
    t0 = time.perf_counter()
    register = register_from_frames(inc, cases, posts=posts, name=park.name, boundary=park.boundary.geometry.iloc[0])
    t1 = time.perf_counter()
    steps = effort_steps(park.tracks, register.section_codes)
    t2 = time.perf_counter()
    table = compute_indicators(register, steps, "month")
    t3 = time.perf_counter()
    cpu = time.process_time() - c0
    total = t3 - t0
    print(f"register {t1 - t0:.2f} s, patrol steps {t2 - t1:.2f} s ({len(steps):,} steps, {steps.total_km:,.0f} km), "
          f"monthly indicators {t3 - t2:.2f} s ({len(table):,} rows)")  # fmt: skip
    print(f"indicators from the raw fixes: {total:.2f} s (goal < {INDICATOR_GOAL_S:g} s): "
          f"{'met' if total < INDICATOR_GOAL_S else 'NOT met'} ({cpu:.2f} s of CPU: a busy machine adds the rest)")  # fmt: skip
    for period in ("quarter", "year"):
        t = time.perf_counter()
        compute_indicators(register, steps, period)
        print(f"  {period}ly indicators from the steps: {time.perf_counter() - t:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        t, c = time.perf_counter(), time.process_time()
        s = monthly_report(park, "2026-09", Path(tmp) / "r.pdf", register=register, steps=steps, fit_risk=False)
        rep, rep_cpu = time.perf_counter() - t, time.process_time() - c
        print(f"monthly report (register and steps given, no risk fit): {rep:.2f} s, {s.pages} pages "
              f"(goal < {REPORT_GOAL_S:g} s): {'met' if rep < REPORT_GOAL_S else 'NOT met'} ({rep_cpu:.2f} s of CPU)")  # fmt: skip
        t = time.perf_counter()
        s = monthly_report(park, "2026-09", Path(tmp) / "r2.pdf", register=register, fit_risk=False)
        rep2 = time.perf_counter() - t
        print(f"monthly report with its patrol steps from the raw fixes: {rep2:.2f} s "
              f"({'met' if rep2 < REPORT_GOAL_S else 'NOT met'})")  # fmt: skip
        if args.risk:
            from riskmodel.surface import fit_risk

            t = time.perf_counter()
            risk = fit_risk(park, "2026-09-30", 1, model=args.risk)
            fit = time.perf_counter() - t
            t = time.perf_counter()
            monthly_report(park, "2026-09", Path(tmp) / "r3.pdf", register=register, steps=steps, risk=risk)
            print(f"risk fit ({args.risk}) {fit:.2f} s; report with the risk map {time.perf_counter() - t:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
