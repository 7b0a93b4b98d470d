"""``python -m riskmodel fit PARK --train-until DATE --horizon-months N --out risk.tif [--model NAME]``."""

from __future__ import annotations

import argparse
import sys

from layers.defaults import ATTACK_TYPES, INCIDENT_TYPES

from ..models import MODELS, RECOMMENDED


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("fit", help="fit a risk model and write the risk, uncertainty and class rasters")
    p.add_argument("park", help="park folder (holding park.toml)")
    p.add_argument("--train-until", required=True, metavar="YYYY-MM-DD", help="last day of training data")
    p.add_argument("--horizon-months", type=int, default=1, metavar="N", help="months the map covers (default 1)")
    p.add_argument(
        "--out",
        required=True,
        help="risk GeoTIFF to write; <stem>_uncertainty.tif, <stem>_classes.tif, <stem>_unsearched.tif and <stem>.json go beside it",
    )
    p.add_argument("--model", default=RECOMMENDED, choices=list(MODELS), help=f"model (default {RECOMMENDED})")
    p.add_argument(
        "--types",
        default=",".join(ATTACK_TYPES),
        help=f"comma-separated incident types that count (of {', '.join(INCIDENT_TYPES)})",
    )
    p.add_argument("--cell-size", type=float, default=None, help="grid cell size in metres (default: the manifest's)")
    return p


def refuse_park_inputs(park, out) -> None:
    """Refuse an ``--out`` whose rasters or sidecars would overwrite one of the park's files."""
    from pathlib import Path

    from ..errors import RiskModelError

    out = Path(out)
    names = ("", "_uncertainty", "_classes", "_unsearched")
    targets = {out.with_name(out.stem + n + out.suffix).resolve() for n in names} | {out.with_suffix(".json").resolve()}
    inputs = {Path(p).resolve() for p in park.manifest.all_files().values()} | {park.manifest.path.resolve()}
    hit = sorted(str(t) for t in targets & inputs)
    if hit:
        raise RiskModelError(
            f"--out {out} would overwrite the park's own file {hit[0]}; the park's files are never overwritten. "
            "Fix: write the risk map elsewhere, e.g. --out out/risk.tif"
        )


def run(args) -> int:
    from layers.cli import progress_printer
    from layers.park import load_park

    from ..surface import fit_risk
    from ._common import parse_types

    types = parse_types(args.types)  # before the (slow) load
    park = load_park(args.park, cell_size=args.cell_size)
    refuse_park_inputs(park, args.out)
    surface = fit_risk(
        park,
        args.train_until,
        args.horizon_months,
        model=args.model,
        types=types,
        progress=progress_printer(),
    )
    paths = surface.write(args.out)
    start, end = surface.period_range
    inside = surface.risk[surface.grid.mask]
    print(f"risk of at least one attack per cell, {start} to {end} ({args.model} model):", file=sys.stderr)
    print(f"  mean {inside.mean():.3f}, max {inside.max():.3f} (probability per {surface.grid.cell_size:g} m cell)")
    for path in paths:
        print(f"  wrote {path}")
    return 0
