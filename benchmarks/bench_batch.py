"""Batch benchmark: parks per hour with 1 and 2 workers, and one large park's fit time and peak memory.

1. ``--n`` (default 6) small demo parks (300-500 km2, 1,000 m cells, 12-14
   months) are written into a temporary folder (or ``--parks DIR`` is used) and
   the batch runs over them on a local cluster of 1 and then 2 workers, into
   fresh output folders: parks per hour of each and the speed-up (near 2 on a
   2-core machine that nothing else loads).
2. ``--large`` adds one demo park of ``--large-area`` km2 (default 20,000) at
   ``--large-cell`` m (default 100 m: 2 million cells), generated first, then
   run as one batch task on a one-worker cluster: the task's time and the
   worker's peak resident memory (goal: under 4 GB per worker).

The machine's load average (1 min) is printed beside every figure, and the
CPU time of the workers beside the wall time: on a shared machine a figure
means little without them.  ``--large-park DIR`` reuses a large park written
before (a folder holding one park folder); the fit and predict times come
from the map's ``risk.json``.

Run: ``.venv/bin/python benchmarks/bench_batch.py [--n 6] [--parks DIR] [--large] [--large-cell 100]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from batch.runner import batch_options, connect, run_batch

TRAIN_UNTIL = "2026-09-30"  # demo parks end in October 2026: October scores the maps


def load() -> str:
    """The 1-minute load average, to print beside a figure."""
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def timed_batch(parks: Path, out: Path, workers: int, memory_limit: str = "4GB"):
    client = connect(workers=workers, memory_limit=memory_limit)
    try:
        t0 = time.perf_counter()
        summary = run_batch(parks, out, batch_options(TRAIN_UNTIL), client=client)
        return time.perf_counter() - t0, summary
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()


def small_parks(args, tmp: Path) -> None:
    from simulator.batch import generate_parks

    parks = Path(args.parks) if args.parks else tmp / "parks"
    if not args.parks:
        t0 = time.perf_counter()
        generate_parks(parks, args.n, seed=1, area_km2=(300.0, 500.0), cell_size_m=(1000.0, 1000.0), months=(12, 14))
        print(f"wrote {args.n} demo parks in {time.perf_counter() - t0:.0f} s")
    rates = {}
    for workers in (1, 2):
        seconds, summary = timed_batch(parks, tmp / f"out-{workers}", workers)
        done = int((summary["status"] == "done").sum())
        rates[workers] = done / seconds * 3600
        print(
            f"{workers} worker(s): {done} parks in {seconds:.0f} s wall, {summary['cpu_seconds'].sum():.0f} s CPU "
            f"in the workers = {rates[workers]:.0f} parks per hour ({load()}); "
            f"peak memory per park {summary['peak_memory_mb'].min():.0f}-{summary['peak_memory_mb'].max():.0f} MB; "
            f"AUC against found incidents {summary['auc_found'].mean():.3f} (mean)"
        )
    print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x ({load()})")


def large_park(args, tmp: Path) -> None:
    from simulator.demo import generate_demo_park

    if args.large_park:
        parks = Path(args.large_park)
        print(f"large park: {parks} (written before)")
    else:
        parks = tmp / "large"
        t0 = time.perf_counter()
        generate_demo_park(
            parks / "park", seed=11, area_km2=args.large_area, cell_size_m=args.large_cell, months=args.large_months
        )
        cells = args.large_area * 1e6 / args.large_cell**2
        print(f"wrote a {args.large_area:,.0f} km2 park at {args.large_cell:g} m (~{cells / 1e6:.1f} M cells) "
              f"in {time.perf_counter() - t0:.0f} s ({load()})")  # fmt: skip
    out = Path(args.large_out) if args.large_out else tmp / "out-large"
    seconds, summary = timed_batch(parks, out, 1, memory_limit=args.memory_limit)
    row = summary.iloc[0]
    meta_file = out / row["park"] / "risk.json"
    meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
    timing = (
        f"fit {meta['fit_s']:.0f} s, predict {meta['predict_s']:.0f} s; "
        if "fit_s" in meta and "predict_s" in meta
        else ""
    )
    print(
        f"large park: {row['status']} in {row['seconds']:.0f} s wall, {row['cpu_seconds']:.0f} s CPU (load, "
        f"covariates, fit and predict; {load()}); {timing}"
        f"peak memory of its worker {row['peak_memory_mb']:,.0f} MB (goal < 4,000 MB), {row['cells']:,} cells"
        + (f"; error: {row['error']}" if row["error"] == row["error"] and row["error"] else "")
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=6, help="small demo parks (default 6)")
    ap.add_argument("--parks", help="use these parks instead of generating them")
    ap.add_argument("--skip-small", action="store_true")
    ap.add_argument("--large", action="store_true", help="also the large park")
    ap.add_argument("--large-area", type=float, default=20_000.0, help="km2 (default 20,000)")
    ap.add_argument("--large-cell", type=float, default=100.0, help="m (default 100)")
    ap.add_argument("--large-months", type=int, default=12, help="months of data of the large park (default 12)")
    ap.add_argument("--large-park", help="folder holding a large park written before (skips writing one)")
    ap.add_argument("--large-out", help="output folder of the large park (default: a temporary one)")
    ap.add_argument("--memory-limit", default="8GB", help="memory limit of the large park's worker (default 8GB)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_small:
            small_parks(args, Path(tmp))
        if args.large:
            large_park(args, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
