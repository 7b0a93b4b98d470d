"""``python -m simulator trial PARK --months 6 [--explore X ...] [--teams N] [--json]``: a simulated field trial.

Replays the last months of a demo park: each month the risk model is
refitted on the data so far, the month is planned and walked in the
simulator (finds drawn from the park's hidden truth and the detection
model), and the finds and km are added to the data for the next month; the
same for the park's historical patrolling.  Prints, month by month, the
attacks found, km, found per 100 km and the model's error against the
truth, for the plans and for the historical pattern.  The park's folder is
only read; ``--work DIR`` keeps each month's finds and routes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from layers.defaults import DEFAULT_PATROL_KM


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "trial",
        help="replay the last months of a demo park with the plans and with the historical patrols",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("park", type=Path, help="demo park folder (with truth/)")
    p.add_argument("--months", type=int, default=6, help="months replayed (default %(default)s)")
    p.add_argument(
        "--explore",
        type=float,
        nargs="+",
        default=[0.0],
        help="one plan arm per value: 0 = expected finds only (default %(default)s)",
    )
    p.add_argument("--teams", type=int, default=1, help="teams per post in the plans (default %(default)s)")
    p.add_argument("--km", type=float, default=DEFAULT_PATROL_KM, help="km per patrol (default %(default)s km)")
    p.add_argument("--seed", type=int, default=0, help="seed of the detection draws and plans (default %(default)s)")
    p.add_argument("--work", type=Path, default=None, help="folder for each month's finds and routes (optional)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    return p


def run(args) -> int:
    from layers.cli import progress_printer

    from ..trial import run_trial, summarise

    table = run_trial(
        args.park,
        months=args.months,
        explore=args.explore,
        teams=args.teams,
        km=args.km,
        seed=args.seed,
        work=args.work,
        progress=progress_printer(),
    )
    summary = summarise(table)
    if args.json:
        print(json.dumps({"months": table.to_dict("records"), "summary": summary.to_dict("records")}, default=str))
        return 0
    shown = table.rename(
        columns={
            "found_per_100km": "found per 100 km",
            "error": "error (P attacked, mean abs)",
            "error_unsearched": "error where nobody looked",
        }
    )
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print()
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0
