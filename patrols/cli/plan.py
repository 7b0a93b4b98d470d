"""``python -m patrols plan PARK --risk risk.tif --start YYYY-MM-DD --days N --out DIR``: plan patrols and write their files."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np

from layers.defaults import DEFAULT_PATROL_KM, DEFAULT_TEAMS_PER_POST

from ..defaults import DEFAULT_EXPLORE, MAX_DAY_HOURS
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
    p.add_argument(
        "--explore",
        type=float,
        default=None,
        help="weight of finding out: plan on risk + EXPLORE x what is not known of it (<risk>_uncertainty.tif, and "
        "the risk where nobody searched, <risk>_unsearched.tif, beside the risk raster); 0 = expected finds only "
        f"(default {DEFAULT_EXPLORE:g} when the uncertainty raster is there, else 0)",
    )
    p.add_argument(
        "--max-hours",
        type=float,
        default=MAX_DAY_HOURS,
        help="longest travel time of a patrol day, in hours (default %(default)s h, what daylight allows)",
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


MAX_PLAN_DAYS = 366


def refuse_park_inputs(park, out: Path) -> None:
    """Refuse an output folder that is the park folder or holds one of its inputs (they are never overwritten)."""
    out = Path(out).resolve()
    inputs = [Path(p).resolve() for p in park.manifest.all_files().values()]
    if out == Path(park.folder).resolve() or any(p.parent == out for p in inputs):
        raise PatrolsError(
            f"--out {out}: this folder holds the park's own files, which are never overwritten. "
            "Fix: write the plan to another folder, e.g. --out out/plan"
        )


def run(args) -> int:
    from layers.cli import progress_printer
    from layers.park import load_park

    from ..planner import plan_patrols

    if not 1 <= args.days <= MAX_PLAN_DAYS:
        raise PatrolsError(
            f"--days {args.days}: plan between 1 and {MAX_PLAN_DAYS} days at a time. Fix: plan a month or a "
            "quarter, then plan again with the newer risk map"
        )
    park = load_park(args.park)
    refuse_park_inputs(park, args.out)
    risk = read_reward(args.risk, park.grid)
    inside = risk[park.grid.mask]
    n_inf, n_nan = int(np.isinf(inside).sum()), int(np.isnan(inside).sum())
    if n_inf or n_nan > 0.05 * inside.size:
        raise PatrolsError(
            f"{args.risk}: {n_nan + n_inf:,} of the park's {inside.size:,} cells have no finite risk "
            f"({n_nan:,} NaN, {n_inf:,} infinite). Fix: write the risk raster again with python -m riskmodel fit"
        )
    if n_nan:
        print(
            f"warning: {n_nan} park cells without a risk value (edges of the raster) count as risk 0", file=sys.stderr
        )
        risk = np.where(np.isnan(risk) & park.grid.mask, 0.0, risk)
    uncertainty = None
    path = args.risk.with_name(f"{args.risk.stem}_uncertainty{args.risk.suffix}")
    if args.explore is None:
        args.explore = DEFAULT_EXPLORE if path.exists() else 0.0
        if not path.exists():
            print(f"no {path.name} beside the risk raster: planning for expected finds only (--explore 0)")
    if args.explore > 0:
        from ..explore import learning_value

        if not path.exists():
            raise PatrolsError(
                f"{path}: no uncertainty raster beside the risk raster; --explore needs it "
                "(`python -m riskmodel fit ... --out` writes it), or leave --explore at 0"
            )
        where = args.risk.with_name(f"{args.risk.stem}_unsearched{args.risk.suffix}")
        unsearched = read_reward(where, park.grid) if where.exists() else None
        uncertainty = learning_value(risk, read_reward(path, park.grid), unsearched)
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
        explore=args.explore,
        uncertainty=uncertainty,
        max_hours=args.max_hours,
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
