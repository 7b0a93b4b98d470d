"""``python -m patrols scenario PARK [SCENARIO.toml ...] --risk RISK.tif [--json]``: run scenarios and compare them."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "scenario",
        help="plan a month for each scenario (and the baseline) and print their outcomes side by side",
        description=(
            "Run scenarios (changes to the park's current set-up: posts added, moved or removed, teams, patrol "
            "days, km, kind) for the month after the risk map's cut-off, and print expected attacks detected, "
            "risk covered, reach, habitat coverage and effort, with the difference from the baseline. A scenario "
            "is a TOML file or the name of one in PARK/scenarios/; the baseline is always run first."
        ),
    )
    p.add_argument("park", type=Path, help="park folder (with park.toml)")
    p.add_argument("scenarios", nargs="*", help="scenario files or names (default: every scenario of the park)")
    p.add_argument("--risk", type=Path, default=None, help="risk raster (GeoTIFF from `python -m riskmodel fit`)")
    p.add_argument("--horizon-months", type=int, default=None, help="months the risk map covers (default: its .json)")
    p.add_argument(
        "--days",
        type=int,
        default=None,
        help="patrol days per month of every scenario, baseline included (a quick look)",
    )
    p.add_argument("--curve", type=int, default=0, metavar="N", help="also add N teams one at a time to the baseline")
    p.add_argument("--csv", type=Path, default=None, help="write the comparison table as CSV")
    p.add_argument("--pdf", type=Path, default=None, help="write the comparison as a one-page PDF")
    p.add_argument("--no-truth", action="store_true", help="do not score under a demo park's hidden truth")
    p.add_argument("--seed", type=int, default=0, help="random seed of the planner (default %(default)s)")
    p.add_argument(
        "--write-examples",
        action="store_true",
        help="write the two example scenarios into PARK/scenarios/ and exit (the risk: --risk, or a fit on all data)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return p


def _clean(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def run(args) -> int:
    from layers.cli import progress_printer
    from layers.park import load_park

    from ..errors import ScenarioError
    from ..scenarios import (
        baseline,
        comparison_table,
        list_scenarios,
        load_scenario,
        read_risk,
        read_scenario,
        run_scenarios,
        team_curve,
        write_comparison_csv,
        write_comparison_pdf,
        write_example_scenarios,
    )
    from ..scenarios.run import ScenarioContext

    park = load_park(args.park)
    risk = read_risk(args.risk, park.grid, args.horizon_months) if args.risk else None
    if args.write_examples:
        written = write_example_scenarios(park, risk.risk if risk is not None else None, progress_printer())
        for path in written:
            print(f"wrote {path}")
        return 0
    chosen = []
    for item in args.scenarios:
        path = Path(item)
        chosen.append(
            read_scenario(path) if path.suffix == ".toml" or path.is_file() else load_scenario(args.park, item)
        )
    if not args.scenarios:
        chosen = list_scenarios(args.park)[1:]
    scenarios = [baseline(), *[s for s in chosen if s.name != baseline().name]]
    if args.days:
        scenarios = [dataclasses.replace(s, days_per_month=args.days) for s in scenarios]
    if risk is None:  # the baseline runs on the first risk raster a scenario names
        named = next((s for s in scenarios if s.risk_file), None)
        if named is None:
            raise ScenarioError("give a risk raster with --risk RISK.tif (write one with `python -m riskmodel fit`)")
        path = Path(named.risk_file)
        risk = read_risk(path if path.is_absolute() else args.park / path, park.grid, named.horizon_months)
    progress = None if args.json else progress_printer()
    context = ScenarioContext(park, risk, truth=not args.no_truth, seed=args.seed)
    results = run_scenarios(park, scenarios, risk, context=context, progress=progress)
    curve = team_curve(park, context, steps=args.curve, base_result=results[0]) if args.curve else None
    table = comparison_table(results)
    if args.csv:
        write_comparison_csv(results, args.csv)
    if args.pdf:
        write_comparison_pdf(results, args.pdf, curve, title=f"{park.name}: scenarios for {context.risk.month}")
    if args.json:
        out = {
            "park": park.name,
            "month": str(results[0].plan.start)[:7],
            "scenarios": [
                {
                    "name": r.name,
                    "file": str(r.scenario.source) if r.scenario.source else None,
                    "outcomes": r.outcomes.to_dict(),
                    "truth": r.truth.to_dict() if r.truth is not None else None,
                    "notes": r.notes,
                }
                for r in results
            ],
            "team_curve": curve.to_dict(orient="records") if curve is not None else None,
        }
        print(json.dumps(_clean(out), indent=2, default=str))
        return 0
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 60):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        if curve is not None:
            print("\nadding teams one at a time to the baseline:")
            print(curve.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    for r in results:
        for note in r.notes:
            print(f"note ({r.name}): {note}")
    for path in (args.csv, args.pdf):
        if path:
            print(f"wrote {path}")
    return 0
