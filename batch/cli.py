"""``python -m batch PARKS_DIR --train-until YYYY-MM-DD --out OUT [--plan] [--report] [--scheduler ADDRESS] [--workers N]``."""

from __future__ import annotations

import argparse
import sys

from layers.defaults import ATTACK_TYPES, INCIDENT_TYPES

from .defaults import COL_AUC, COL_CPU, COL_ERROR, COL_PARK, COL_PEAK_MB, COL_SECONDS, COL_STATUS, HORIZON_MONTHS
from .errors import BatchError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m batch",
        description=(
            "Fit, score and write the risk map of every park folder under PARKS_DIR (and, when asked, next "
            "month's patrol plan and the monthly report), one Dask task per park. A rerun skips the parks whose "
            "files, store, options and code have not changed."
        ),
    )
    p.add_argument("parks_dir", metavar="PARKS_DIR", help="folder holding the park folders (each with a park.toml)")
    p.add_argument("--train-until", required=True, metavar="YYYY-MM-DD", help="last day of training data")
    p.add_argument("--out", required=True, help="output folder: OUT/<park>/risk.tif ..., OUT/summary.csv")
    p.add_argument("--plan", action="store_true", help="also plan next month's patrols (OUT/<park>/plan/)")
    p.add_argument("--report", action="store_true", help="also write the monthly report (OUT/<park>/report.pdf)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://host:8786 (default: local)")
    p.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster (default 2)")
    p.add_argument("--memory-limit", default=None, help="memory per local worker, e.g. 4GB (default 4GB)")
    p.add_argument("--horizon-months", type=int, default=HORIZON_MONTHS, help="months each map covers (default 1)")
    p.add_argument("--types", default=",".join(ATTACK_TYPES), help="comma-separated incident types that count")
    return p


def print_row(done: int, total: int, row: dict) -> None:
    """One line per finished park."""
    auc = row.get(COL_AUC)
    auc_text = f", AUC {auc:.3f} against found incidents" if auc == auc and auc is not None else ""
    line = f"[{done}/{total}] {row[COL_PARK]}: {row[COL_STATUS]}"
    if row.get(COL_SECONDS) == row.get(COL_SECONDS):
        line += f" in {row[COL_SECONDS]:.1f} s"
        cpu = row.get(COL_CPU)
        if cpu is not None and cpu == cpu:
            line += f" (CPU {cpu:.1f} s)"
    if row.get(COL_PEAK_MB) == row.get(COL_PEAK_MB):
        line += f", peak {row[COL_PEAK_MB]:,.0f} MB"
    line += auc_text
    if row.get(COL_ERROR):
        line += f"\n    error: {row[COL_ERROR]}"
    print(line, file=sys.stderr, flush=True)


def parse_types(text: str) -> tuple[str, ...]:
    """Comma-separated incident types, checked against ``INCIDENT_TYPES``."""
    types = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [t for t in types if t not in INCIDENT_TYPES]
    if bad or not types:
        raise BatchError(
            f"--types: unknown type(s) {', '.join(bad) or '(none)'}; choose from {', '.join(INCIDENT_TYPES)}"
        )
    return types


def main(argv: list[str] | None = None) -> int:
    """``python -m batch``: the monthly run over many parks on a Dask cluster."""
    import pandas as pd

    from riskmodel.errors import RiskModelError

    from .defaults import SUMMARY_FILE, WORKER_MEMORY_LIMIT
    from .runner import batch_options, connect, run_batch

    args = parser().parse_args(argv)
    try:
        types = parse_types(args.types)
        options = batch_options(args.train_until, args.plan, args.report, args.horizon_months, types=types)
        client = connect(args.scheduler, args.workers, args.memory_limit or WORKER_MEMORY_LIMIT)
        try:
            where = args.scheduler or f"a local cluster of {args.workers} workers"
            print(f"running the parks of {args.parks_dir} on {where}", file=sys.stderr)
            summary = run_batch(args.parks_dir, args.out, options, client=client, report=print_row)
        finally:
            cluster = None if args.scheduler else client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
    except (BatchError, RiskModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(summary.drop(columns=["files"]).to_string(index=False))
    print(f"summary: {args.out}/{SUMMARY_FILE}")
    return 0 if (summary[COL_STATUS] != "failed").all() else 1
