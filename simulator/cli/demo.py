"""``python -m simulator demo OUT``: write a synthetic demo park with its hidden truth."""

from __future__ import annotations

import argparse
import time


def add_parser(subparsers) -> argparse.ArgumentParser:
    from ..behaviours import BEHAVIOURS
    from ..defaults import DEMO_AREA_KM2

    p = subparsers.add_parser(
        "demo",
        help="write a synthetic demo park (with its hidden truth in OUT/truth)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="behaviours:\n" + "\n".join(f"  {k}: {v.description}" for k, v in BEHAVIOURS.items()),
    )
    p.add_argument("out", help="folder to write")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--behaviour", default="mixed", choices=sorted(BEHAVIOURS), help="poacher behaviour (default mixed)")
    p.add_argument("--boundary", default=None, help="polygon file to use as the park boundary")
    p.add_argument(
        "--area-km2",
        type=float,
        default=DEMO_AREA_KM2,
        help=f"area of the random boundary in km2 (default {DEMO_AREA_KM2:g})",
    )
    p.add_argument("--cell-size", type=float, default=500.0, help="analysis grid cell size in m (default 500)")
    p.add_argument("--months", type=int, default=36, help="months of records (default 36)")
    p.add_argument("--end", default="2026-10-31", help="last day of records, YYYY-MM-DD (default 2026-10-31)")
    return p


def run(args) -> int:
    from layers.cli import progress_printer

    from ..demo import generate_demo_park

    t0 = time.perf_counter()

    out = generate_demo_park(
        args.out,
        seed=args.seed,
        behaviour=args.behaviour,
        boundary=args.boundary,
        area_km2=args.area_km2,
        cell_size_m=args.cell_size,
        months=args.months,
        end=args.end,
        progress=progress_printer(),
    )
    import json

    import pandas as pd

    info = json.loads((out / "truth" / "truth.json").read_text())
    n_incidents = len(pd.read_csv(out / "incidents.csv", usecols=["id"]))
    n_cases = pd.read_csv(out / "cases.csv", usecols=["case_ref"])["case_ref"].nunique()
    print(
        f"wrote {out}: {info['area_km2']:,.0f} km2, {info['n_patrols']:,} patrols "
        f"({info['patrol_km']:,.0f} km), {n_incidents:,} incidents, {n_cases:,} cases, "
        f"behaviour {info['behaviour']} (truth in {out / 'truth'}) in {time.perf_counter() - t0:.1f} s"
    )
    return 0
