"""``python -m monitoring indicators PARK [--period month|quarter|year] [--json|--csv OUT]``: the indicator table."""

from __future__ import annotations

import argparse
import sys

from ..defaults import DEFAULT_PERIOD, PERIOD_KINDS


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "indicators",
        help="the indicator table (one row per period, section, indicator and breakdown)",
        description="Indicators of a park's register per period, park-wide and per section, in the documented "
        "long schema (park, period_kind, period, section, indicator, breakdown, value, unit, numerator, "
        "denominator, lower, upper). CSV on standard output unless --csv or --json says otherwise.",
    )
    p.add_argument("park", help="park folder (holding park.toml)")
    p.add_argument("--period", default=DEFAULT_PERIOD, choices=list(PERIOD_KINDS), help="period length")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON records instead of CSV")
    out.add_argument("--csv", metavar="OUT", help="write the CSV to this file")
    p.add_argument("--park-wide", action="store_true", help="park-wide rows only (no sections)")
    return p


def run(args) -> int:
    from layers.cli import progress_printer
    from layers.park import load_park

    from ..effort import effort_steps
    from ..exports import indicators_json, write_table
    from ..indicators import compute_indicators
    from ..register import load_register

    progress = progress_printer()
    park = load_park(args.park, progress=lambda f, m: progress(0.5 * f, m))
    register = load_register(park)
    steps = effort_steps(park.tracks, register.section_codes, progress=lambda f, m: progress(0.5 + 0.4 * f, m))
    table = compute_indicators(register, steps, args.period, sections=not args.park_wide)
    progress(1.0, f"{len(table):,} indicator rows")
    for problem in register.report.problems:
        print(f"note: {problem}", file=sys.stderr)
    if args.json:
        print(indicators_json(table))
    elif args.csv:
        print(f"wrote {write_table(table, args.csv)}")
    else:
        table.to_csv(sys.stdout, index=False)
    return 0
