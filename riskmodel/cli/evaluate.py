"""``python -m riskmodel evaluate PARK --train-until DATE [--horizon-months N] [--json]``."""

from __future__ import annotations

import argparse

from layers.defaults import ATTACK_TYPES

from ..errors import RiskModelError
from ..guards import MAX_HORIZON_MONTHS, check_table_memory, check_trainable


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("evaluate", help="temporal hold-out scores of every model and baseline")
    p.add_argument("park", help="park folder (holding park.toml)")
    p.add_argument("--train-until", required=True, metavar="YYYY-MM-DD", help="last day of training data")
    p.add_argument("--horizon-months", type=int, default=3, metavar="N", help="months scored after it (default 3)")
    p.add_argument("--types", default=",".join(ATTACK_TYPES), help="comma-separated incident types that count")
    p.add_argument("--cell-size", type=float, default=None, help="grid cell size in metres (default: the manifest's)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    return p


def check_horizon(months: int) -> None:
    """Stop before any work when ``--horizon-months`` is below 1 or above ``MAX_HORIZON_MONTHS``."""
    if months < 1 or months > MAX_HORIZON_MONTHS:
        raise RiskModelError(
            f"--horizon-months {months}: scores are given for 1 to {MAX_HORIZON_MONTHS} months after the "
            "training cut-off (the limit). Fix: give e.g. --horizon-months 3"
        )


def _fmt(v, pct=False) -> str:
    if v is None or v != v:
        return "   n/a"
    return f"{v * 100:5.1f}%" if pct else f"{v:6.3f}"


def run(args) -> int:
    from layers.cli import progress_printer
    from layers.park import load_park

    from ..evaluation import evaluate
    from ..surface import park_arrays
    from .common import parse_types

    types = parse_types(args.types)  # before the (slow) load
    check_horizon(args.horizon_months)
    park = load_park(args.park, cell_size=args.cell_size)
    progress = progress_printer()
    arrays = park_arrays(park, types, progress)
    check_trainable(arrays, arrays.n_train(args.train_until), args.train_until)  # the fit's own entry guards
    check_table_memory(arrays, arrays.n_train(args.train_until))
    ev = evaluate(park, args.train_until, args.horizon_months, types=types, progress=progress, arrays=arrays)
    if args.json:
        print(ev.to_json())
        return 0
    d = ev.to_dict()
    print(f"Park {d['park']}: trained up to {d['train_until']}, scored on {', '.join(d['horizon'])}")
    if d["effort_conditional"]:
        print("\nExpected finds given the effort walked (patrolled cells; raw finds favour maps of the patrol routes):")
        print(f"  {'model':14s} {'AUC':>6s} {'deviance':>9s} {'finds in top 10% km':>20s} {'lift':>6s}")
        print(f"  {'':14s} {'(0-1)':>6s} {'(/cell)':>9s} {'(% of finds)':>20s} {'(x)':>6s}")
        for name, m in d["effort_conditional"].items():
            print(
                f"  {name:14s} {_fmt(m.get('auc'))} {_fmt(m.get('deviance')):>9s} "
                f"{_fmt(m.get('capture_top10pct_km'), True):>20s} {_fmt(m.get('lift_top10pct_km'))}"
            )
    for title, block in (("found incidents", d["found"]), ("true attacks (found or not)", d["truth"])):
        if not block:
            continue
        print(f"\nAgainst {title}:")
        print(f"  {'model':14s} {'AUC':>6s} {'top-10% capture':>16s} {'PAI':>6s} {'L&L':>6s}")
        print(f"  {'':14s} {'(0-1)':>6s} {'(% of incidents)':>16s} {'(x)':>6s} {'(x)':>6s}")
        for name, m in block.items():
            print(
                f"  {name:14s} {_fmt(m['auc'])} {_fmt(m['capture_top10pct'], True):>16s} "
                f"{_fmt(m['pai_top10pct'])} {_fmt(m['ll_top10pct'])}"
            )
    if d["ratio_to_bayes_limit"]:
        print("\nShare of the Bayes limit (model score / true intensity's score, %):")
        for name, r in d["ratio_to_bayes_limit"].items():
            print(f"  {name:14s} AUC {_fmt(r['auc'], True)}   top-10% capture {_fmt(r['capture_top10pct'], True)}")
    cov = d.get("interval_coverage")
    if cov:
        print(
            f"\nTrue intensity inside the stated intervals: 50 % interval {_fmt(cov['50%'], True)} of cells, "
            f"90 % interval {_fmt(cov['90%'], True)}"
        )
    if d["importance"]:
        print("\nMost important features (increase in Poisson deviance per row when shuffled):")
        for r in d["importance"][:8]:
            print(f"  {r['feature']:28s} {r['importance']:.4f}")
    return 0
