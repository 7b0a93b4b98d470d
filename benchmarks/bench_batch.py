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

Run: ``.venv/bin/python benchmarks/bench_batch.py [--n 6] [--parks DIR] [--large] [--large-cell 100]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from batch.runner import batch_options, connect, run_batch

TRAIN_UNTIL = "2026-09-30"  # demo parks end in October 2026: October scores the maps


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
            f"{workers} worker(s): {done} parks in {seconds:.0f} s = {rates[workers]:.0f} parks per hour; "
            f"peak memory per park {summary['peak_memory_mb'].min():.0f}-{summary['peak_memory_mb'].max():.0f} MB; "
            f"AUC against found incidents {summary['auc_found'].mean():.3f} (mean)"
        )
    print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x")


def large_park(args, tmp: Path) -> None:
    from simulator.demo import generate_demo_park

    parks = tmp / "large"
    t0 = time.perf_counter()
    generate_demo_park(parks / "park", seed=11, area_km2=args.large_area, cell_size_m=args.large_cell, months=12)
    cells = args.large_area * 1e6 / args.large_cell**2
    print(f"wrote a {args.large_area:,.0f} km2 park at {args.large_cell:g} m (~{cells / 1e6:.1f} M cells) "
          f"in {time.perf_counter() - t0:.0f} s")  # fmt: skip
    seconds, summary = timed_batch(parks, tmp / "out-large", 1, memory_limit=args.memory_limit)
    row = summary.iloc[0]
    print(
        f"large park: {row['status']} in {seconds:.0f} s (load, covariates, fit and predict), "
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
