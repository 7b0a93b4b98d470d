"""``python -m patrols plan PARK --risk risk.tif --start YYYY-MM-DD --days N --out DIR``: plan patrols and write their files."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np

from layers.defaults import DEFAULT_PATROL_KM, DEFAULT_TEAMS_PER_POST

from ..errors import PatrolsError


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "plan",
        help="plan a period of patrols from the ranger posts over a risk raster",
        description=(
            "Plan patrols from the park's ranger posts for a period, over a risk surface (or any raster "
            "of what is worth covering), and write the field files (GPX, KML, GeoJSON, CSV, PDF sheets, zip)."
        ),
    )
    p.add_argument("park", type=Path, help="park folder (with park.toml)")
    p.add_argument("--risk", type=Path, required=True, help="risk raster (GeoTIFF); resampled to the park grid")
    p.add_argument("--start", required=True, type=_date, help="first day, YYYY-MM-DD")
    p.add_argument("--days", type=int, required=True, help="number of days to plan")
    p.add_argument("--posts", nargs="+", default=None, metavar="NAME", help="posts to plan from (default: all)")
    p.add_argument("--teams", type=int, default=DEFAULT_TEAMS_PER_POST, help="teams per post (default %(default)s)")
    p.add_argument("--km", type=float, default=DEFAULT_PATROL_KM, help="km per patrol and day (default %(default)s km)")
    p.add_argument("--hours", type=float, default=None, help="hours per patrol (per day) instead of km")
    p.add_argument(
        "--patrol-days", type=int, default=1, help="days each patrol lasts, camping out (default %(default)s)"
    )
    p.add_argument("--kind", choices=("foot", "vehicle"), default="foot", help="patrol kind (default %(default)s)")
    p.add_argument(
        "--randomness", type=float, default=0.0, help="0 (best plan) to 1 (least predictable); default %(default)s"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    p.add_argument("--strategy", choices=("orienteering", "greedy"), default="orienteering", help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    return p


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from exc


def read_reward(path: Path, grid) -> np.ndarray:
    """A raster as an array on ``grid`` (resampled bilinearly unless it is already on the grid)."""
    from layers.covariates import resample_raster
    from layers.grid import Grid

    if not path.exists():
        raise PatrolsError(f"{path}: no such risk raster; write one with `python -m riskmodel fit ... --out {path}`")
    try:
        g, bands, _ = Grid.from_raster(path)
    except Exception as exc:  # rasterio and GDAL errors: translated here, where the file is read
        raise PatrolsError(f"{path}: cannot read the raster ({exc}); check that it is a GeoTIFF") from exc
    if g.shape == grid.shape and g.crs == grid.crs and np.allclose(list(g.transform), list(grid.transform)):
        return bands[0]
    return resample_raster(path, grid)


def run(args) -> int:
    from layers.cli import progress_printer
    from layers.park import load_park

    from ..planner import plan_patrols

    park = load_park(args.park)
    risk = read_reward(args.risk, park.grid)
    plan = plan_patrols(
        park,
        risk,
        start=args.start,
        days=args.days,
        posts=args.posts,
        teams=args.teams,
        km=args.km,
        hours=args.hours,
        kind=args.kind,
        randomness=args.randomness,
        seed=args.seed,
        strategy=args.strategy,
        patrol_days=args.patrol_days,
        progress=progress_printer(),
    )
    summary = plan.summary()
    print(summary.to_string(index=False))
    km = summary["km"].sum()
    print(
        f"{len(plan.patrols)} patrols, {km:.1f} km, {summary['hours'].sum():.1f} h; "
        f"expected risk covered {plan.total_risk:.3f} (sum of risk x detection probability, "
        f"{plan.settings.get('share_of_best', 1.0):.1%} of the best plan)"
    )
    try:
        from ..export import write_plan
    except ImportError:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "summary.csv"
        summary.to_csv(path, index=False)
        print(f"wrote {path} only: the field-file exporter (patrols.export) is not installed")
        return 0
    written = write_plan(plan, args.out, park=park, risk=(risk, park.grid), progress=progress_printer())
    print(f"wrote {len(written)} files to {args.out}")
    return 0
