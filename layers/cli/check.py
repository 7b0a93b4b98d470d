"""``python -m layers check PARK [--json]``: load a park and print its load report."""

from __future__ import annotations

import argparse
import sys

from ..errors import FatalLoadError
from ..park import load_park
from ..readiness import check_readiness


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "check",
        help="load a park folder and report every problem found",
        description="Load a park folder and report every problem found. "
        "Exit status 0 when the park loads, 1 on a fatal problem.",
    )
    p.add_argument("park", help="park folder holding park.toml")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--cell-size", type=float, default=None, help="grid cell size in metres (default: park.toml)")
    return p


def run(args) -> int:
    try:
        park = load_park(args.park, cell_size=args.cell_size)
        check_readiness(park)
        report, code = park.report, 0
    except FatalLoadError as exc:
        report, code = exc.report, 1
        if report is None:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(report.to_json() if args.json else report.to_text())
    return code
