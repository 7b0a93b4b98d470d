"""Exports of a month's plan: time per format, the roster and the whole-plan zip.

A month for every post of the demo park with 2 teams (8 posts x 2 teams x 31
days = 496 patrols on ``data/demo``) is made by planning ``--plan-days`` days
with :func:`patrols.planner.plan_patrols` and repeating them over the month
with new dates and ids (the export does not depend on how the routes were
found).  The risk background is the park's rhino density scaled to 0-0.3.

Printed: CPU and wall seconds per format over every patrol (GPX, KML,
GeoJSON, CSV, PDF sheet, all in this process), the roster put together from
those sheets, and ``write_plan`` as the app runs it (every file, the roster
and the zip, sheets drawn by :func:`patrols.export.export_workers` processes).
Target: the whole-plan zip of 496 patrols in well under a minute.

Usage: ``python benchmarks/bench_export.py [--park DIR] [--days 31] [--plan-days 1] [--sample N] [--workers W]``
(``--sample N`` times the formats on the first N patrols only and scales them
to the month; ``write_plan`` always runs on the whole month.)
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layers.covariates import resample_raster  # noqa: E402
from layers.park import load_park  # noqa: E402
from patrols import export  # noqa: E402
from patrols.landmarks import landmarks_from_park  # noqa: E402
from patrols.navpoints import with_navigation_waypoints  # noqa: E402
from patrols.planner import plan_patrols  # noqa: E402
from patrols.roster import roster_pdf_bytes  # noqa: E402
from patrols.route import Plan  # noqa: E402


def month_plan(park, risk: np.ndarray, start: dt.date, days: int, plan_days: int) -> Plan:
    """``days`` days of patrols: ``plan_days`` planned, then repeated with new dates and ids."""
    t = time.perf_counter()
    base = plan_patrols(park, risk, start, plan_days, teams=2)
    print(f"planned {len(base.patrols)} patrols over {plan_days} day(s) in {time.perf_counter() - t:.1f} s")
    patrols = []
    for d in range(days):
        date = start + dt.timedelta(days=d)
        for p in base.patrols:
            if (p.date - start).days == d % plan_days:
                pid = p.patrol_id.replace(f"{p.date:%Y%m%d}", f"{date:%Y%m%d}", 1)
                patrols.append(dataclasses.replace(p, date=date, patrol_id=pid))
    return Plan(base.park, start, days, patrols, settings=dict(base.settings), total_risk=base.total_risk * days)


def timed(label: str, fn, items, scale: float) -> None:
    c, t = time.process_time(), time.perf_counter()
    for item in items:
        fn(item)
    cpu, wall = (time.process_time() - c) * scale, (time.perf_counter() - t) * scale
    print(
        f"  {label:<22} {cpu:8.1f} s CPU  {wall:8.1f} s wall  ({1000 * cpu / max(len(items) * scale, 1):6.0f} ms CPU each)"
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--park", default=str(ROOT / "data" / "demo"))
    ap.add_argument("--days", type=int, default=31)
    ap.add_argument("--plan-days", type=int, default=1)
    ap.add_argument("--sample", type=int, default=0, help="time the formats on this many patrols and scale up")
    ap.add_argument("--workers", type=int, default=None, help="processes drawing the sheets in write_plan")
    ap.add_argument("--skip-write", action="store_true", help="time the formats only")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    park = load_park(args.park)
    print(f"loaded {park.name} in {time.perf_counter() - t:.1f} s: {len(park.posts)} posts, grid {park.grid.shape}")
    density = resample_raster(park.rasters["rhino_density"].path, park.grid)
    risk = np.where(park.grid.mask, np.nan_to_num(density / np.nanmax(density)) * 0.3, 0.0)
    plan = month_plan(park, risk, dt.date(2026, 12, 1), args.days, args.plan_days)
    n = len(plan.patrols)
    print(f"month plan: {n} patrols ({len({p.post for p in plan.patrols})} posts x 2 teams x {args.days} days)")

    t = time.perf_counter()
    landmarks = landmarks_from_park(park)
    print(f"landmarks (features and terrain, once per plan): {time.perf_counter() - t:.1f} s")
    context = export.sheet_context(park=park, risk=(risk, park.grid), landmarks=landmarks)
    sample = plan.patrols[: args.sample] if args.sample else plan.patrols
    scale = n / len(sample)
    nav = [with_navigation_waypoints(p) for p in sample]
    print(f"per format, {n} patrols" + (f" (timed on {len(sample)}, scaled)" if scale != 1 else "") + ":")
    timed("navigation waypoints", with_navigation_waypoints, sample, scale)
    timed("GPX", export.gpx_bytes, nav, scale)
    timed("KML", export.kml_bytes, nav, scale)
    timed("GeoJSON", export.geojson_bytes, nav, scale)
    timed("waypoint CSV", export.waypoints_csv_bytes, nav, scale)
    sheets = {}

    def sheet(p):
        sheets[p.patrol_id] = export.sheet_pdf_bytes(p, **context)

    timed("PDF sheet", sheet, nav, scale)
    size = sum(len(b) for b in sheets.values()) / len(sheets)
    print(f"  PDF sheet size         {size / 1024:8.0f} kB each")
    part = Plan(plan.park, plan.start, plan.days, list(sample), total_risk=plan.total_risk)
    c, t = time.process_time(), time.perf_counter()
    roster = roster_pdf_bytes(part, park=park, sheets=sheets, landmarks=landmarks)
    print(
        f"  roster from the sheets {(time.process_time() - c) * scale:8.1f} s CPU  "
        f"{(time.perf_counter() - t) * scale:8.1f} s wall  ({len(roster) * scale / 2**20:.0f} MB for the month)"
    )
    if args.skip_write:
        return
    workers = export.export_workers(n) if args.workers is None else args.workers
    with tempfile.TemporaryDirectory() as tmp:
        marks = []
        c, t = time.process_time(), time.perf_counter()
        written = export.write_plan(
            plan, Path(tmp) / "plan", park=park, risk=(risk, park.grid), progress=lambda f, m: marks.append(f),
            workers=args.workers,
        )  # fmt: skip
        wall = time.perf_counter() - t
        zip_mb = (Path(tmp) / "plan" / "plan.zip").stat().st_size / 2**20
    print(
        f"write_plan, whole month ({len(written)} files, zip {zip_mb:.0f} MB, {workers} process(es)): "
        f"{wall:.1f} s wall, {time.process_time() - c:.1f} s CPU in this process; "
        f"{len(marks)} progress calls, {sum(b > a for a, b in zip(marks, marks[1:]))} of them forward"
    )


if __name__ == "__main__":
    main()
