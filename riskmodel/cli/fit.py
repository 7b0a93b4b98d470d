"""``python -m riskmodel fit PARK [--train-until DATE] --horizon-months N --out risk.tif [--model NAME | --prior]``.

A park with no history (no incident, no GPS track) gets the prior risk surface
of :mod:`riskmodel.prior`, and the command says so; ``--prior`` asks for it on
any park, ``--weight FACTOR=W`` sets the experts' weights.
"""

from __future__ import annotations

import argparse
import sys

from layers.defaults import ATTACK_TYPES, INCIDENT_TYPES

from ..defaults import PRIOR_WEIGHTS
from ..errors import RiskModelError
from ..models import MODELS, RECOMMENDED
from ..prior import PRIOR_MODEL


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("fit", help="fit a risk model and write the risk, uncertainty and class rasters")
    p.add_argument("park", help="park folder (holding park.toml)")
    p.add_argument(
        "--train-until",
        default=None,
        metavar="YYYY-MM-DD",
        help="last day of training data (needed when the park has history; the map covers the months after it)",
    )
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
    p.add_argument(
        "--prior",
        action="store_true",
        help="map the prior risk from habitat, animals and access (expert weights) instead of fitting a model",
    )
    p.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="FACTOR=W",
        help=f"weight of a prior factor, repeatable (factors: {', '.join(PRIOR_WEIGHTS)}; defaults "
        + ", ".join(f"{k}={v:g}" for k, v in PRIOR_WEIGHTS.items())
        + ")",
    )
    p.add_argument("--cell-size", type=float, default=None, help="grid cell size in metres (default: the manifest's)")
    p.add_argument(
        "--transport",
        default=None,
        help="comma-separated transport types whose tracks count as search effort (default foot,vehicle,boat; "
        "an aircraft's track never searches the ground unless named here)",
    )
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

    from ..errors import RiskModelError
    from ..surface import fit_risk, park_arrays
    from .common import parse_types

    types = parse_types(args.types)  # before the (slow) load
    weights = parse_weights(args.weight)
    park = load_park(args.park, cell_size=args.cell_size)
    refuse_park_inputs(park, args.out)
    progress = progress_printer()
    transport = None if args.transport is None else [t.strip() for t in args.transport.split(",") if t.strip()]
    try:
        arrays = park_arrays(park, types, progress, transport=transport)
    except ValueError as exc:  # an unknown transport type
        raise RiskModelError(f"--transport {args.transport}: {exc}") from exc
    surface = fit_risk(
        park,
        args.train_until,
        args.horizon_months,
        model=PRIOR_MODEL if args.prior else args.model,
        types=types,
        progress=progress,
        arrays=arrays,
        prior_weights=weights,
    )
    paths = surface.write(args.out)
    start, end = surface.period_range
    inside = surface.risk[surface.grid.mask]
    if surface.meta.get("fallback"):
        print(surface.meta["fallback"], file=sys.stderr)
    if surface.is_prior:
        used = ", ".join(f"{k} {100 * v:.0f} %" for k, v in surface.meta["weights"].items())
        print(f"{surface.label}; weights: {used}", file=sys.stderr)
        if surface.meta.get("factors_missing"):
            print(f"  no layer for: {', '.join(surface.meta['factors_missing'])}", file=sys.stderr)
    print(f"risk of at least one attack per cell, {start} to {end} ({surface.model} model):", file=sys.stderr)
    print(f"  mean {inside.mean():.3f}, max {inside.max():.3f} (probability per {surface.grid.cell_size:g} m cell)")
    for path in paths:
        print(f"  wrote {path}")
    return 0


def parse_weights(items: list[str]) -> dict[str, float]:
    """``["animals=3", "roads=0"]`` as ``{"animals": 3.0, "roads": 0.0}``; a bad item is a clear error."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise RiskModelError(f"--weight {item!r}: write it as FACTOR=NUMBER, e.g. --weight animals=3")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise RiskModelError(f"--weight {item!r}: {value!r} is not a number") from None
    return out
