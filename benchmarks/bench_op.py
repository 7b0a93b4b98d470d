"""Orienteering heuristic on the published benchmark sets.

Runs :func:`patrols.op.solve_op` on every instance of Tsiligirides sets 1-3 and
Chao sets 64 and 66 (``../shared/data/op-benchmarks``) and prints, per set and
overall, the mean and minimum ratio of the score to the reference (the smaller of
the best published score and the proven optimum), and the mean and largest time
per instance. A second table compares with the proven optima alone.

Usage: ``python benchmarks/bench_op.py [--data DIR] [--time-limit S] [--seed N]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patrols.op import read_op_instance, solve_op  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "op-benchmarks"
SETS = {
    "tsiligrides_problem1": "Tsiligirides 1",
    "tsiligrides_problem2": "Tsiligirides 2",
    "tsiligrides_problem3": "Tsiligirides 3",
    "chao_set64-diamond": "Chao 64",
    "chao_set66-square": "Chao 66",
}


def run(data: Path, time_limit: float, seed: int) -> pd.DataFrame:
    """Solve every instance listed in ``reference_scores.csv``; one row per instance."""
    ref = pd.read_csv(data / "reference_scores.csv")
    rows = []
    for rec in ref.itertuples(index=False):
        inst = read_op_instance(data / rec.file)
        dist = inst.distance_matrix()
        t0 = time.perf_counter()
        sol = solve_op(dist, inst.scores, inst.budget, inst.start, inst.end, seed=seed, time_limit=time_limit)
        secs = time.perf_counter() - t0
        assert sol.length <= inst.budget + 1e-6, (rec.file, sol.length)
        published = float(rec.published_best)
        optimum = float(rec.proven_optimum) if pd.notna(rec.proven_optimum) else np.nan
        reference = np.nanmin([published, optimum])
        rows.append(
            {
                "set": SETS[rec.file.split("/")[0]],
                "file": rec.file,
                "budget": inst.budget,
                "score": sol.score,
                "published": published,
                "optimum": optimum,
                "reference": reference,
                "ratio": sol.score / reference if reference > 0 else 1.0,
                "ratio_opt": sol.score / optimum if optimum > 0 else (1.0 if optimum == 0 else np.nan),
                "seconds": secs,
            }
        )
    return pd.DataFrame(rows)


def summarise(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per set and overall: instances, mean and min ratio, mean and max seconds."""
    sub = df.dropna(subset=[column])
    agg = {"instances": (column, "size"), "mean_ratio": (column, "mean"), "min_ratio": (column, "min")}
    agg.update({"mean_s": ("seconds", "mean"), "max_s": ("seconds", "max")})
    table = sub.groupby("set", sort=False).agg(**agg)
    total = sub.agg({column: ["size", "mean", "min"], "seconds": ["mean", "max"]})
    table.loc["all"] = [
        total.loc["size", column],
        total.loc["mean", column],
        total.loc["min", column],
        total.loc["mean", "seconds"],
        total.loc["max", "seconds"],
    ]
    table["instances"] = table["instances"].astype(int)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="op-benchmarks folder")
    parser.add_argument("--time-limit", type=float, default=1.0, help="seconds per instance (default 1 s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="print every instance below the reference")
    args = parser.parse_args(argv)
    if not (args.data / "reference_scores.csv").exists():
        print(f"no benchmark data at {args.data}; pass --data DIR", file=sys.stderr)
        return 1
    df = run(args.data, args.time_limit, args.seed)
    pd.set_option("display.width", 140)
    fmt = {"mean_ratio": "{:.4f}".format, "min_ratio": "{:.4f}".format, "mean_s": "{:.3f} s".format}
    fmt["max_s"] = "{:.3f} s".format
    print("Score / min(best published, proven optimum), time per instance in seconds")
    print(summarise(df, "ratio").to_string(formatters=fmt))
    print()
    print("Score / proven optimum (instances with a proven optimum)")
    print(summarise(df, "ratio_opt").to_string(formatters=fmt))
    below = df[df["ratio"] < 1 - 1e-9]
    print(f"\n{len(below)} of {len(df)} instances below the reference; {int((df['ratio'] > 1 + 1e-9).sum())} above.")
    if args.verbose and len(below):
        print(below[["file", "score", "published", "optimum", "seconds"]].to_string(index=False))
    ok = df["ratio"].mean() >= 0.995 and df["ratio"].min() >= 0.98 and df["seconds"].max() < 1.0
    print("targets (mean >= 0.995, min >= 0.98, every instance < 1 s):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
