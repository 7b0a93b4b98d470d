"""``python -m patrols solve-op FILE``: solve an orienteering instance in the classic format."""

from __future__ import annotations

import argparse
import json
import time

from ..op import read_op_instance, solve_op, solve_op_exact


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``solve-op`` subcommand."""
    p = subparsers.add_parser(
        "solve-op",
        help="solve an orienteering instance file (first line 'Tmax P', then 'x y score' per point)",
        description=(
            "Solve an orienteering instance in the classic format: first line 'Tmax P', then one "
            "'x y score' line per point; point 1 is the start, point 2 the end; Euclidean distances. "
            "Prints the score, the route length and the route (1-based point numbers)."
        ),
    )
    p.add_argument("file", help="instance file")
    p.add_argument("--exact", action="store_true", help="prove the optimum with a MILP (HiGHS); small instances only")
    p.add_argument("--seed", type=int, default=0, help="seed of the heuristic (default 0)")
    p.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds allowed (default 1 s for the heuristic, 60 s for --exact)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    # the dispatcher looks modules up by module name; the command is spelt "solve-op"
    p.set_defaults(command=__name__.rsplit(".", 1)[-1])
    return p


def run(args: argparse.Namespace) -> int:
    """Read the instance, solve it and print the result."""
    inst = read_op_instance(args.file)
    dist = inst.distance_matrix()
    t0 = time.perf_counter()
    if args.exact:
        limit = 60.0 if args.time_limit is None else args.time_limit
        sol = solve_op_exact(dist, inst.scores, inst.budget, inst.start, inst.end, time_limit=limit)
    else:
        limit = 1.0 if args.time_limit is None else args.time_limit
        sol = solve_op(dist, inst.scores, inst.budget, inst.start, inst.end, seed=args.seed, time_limit=limit)
    seconds = time.perf_counter() - t0
    route = [v + 1 for v in sol.route]
    if args.json:
        out = {
            "instance": inst.name,
            "method": "exact" if args.exact else "heuristic",
            "score_points": sol.score,
            "length_units": sol.length,
            "budget_units": inst.budget,
            "route": route,
            "optimal": sol.optimal,
            "seconds": round(seconds, 4),
        }
        print(json.dumps(out))
        return 0
    method = "exact MILP (proven optimal)" if args.exact else f"heuristic (seed {args.seed})"
    print(f"instance: {inst.name} ({len(inst.scores)} points), {method}")
    print(f"score: {sol.score:g} points")
    print(f"length: {sol.length:.4f} distance units (budget {inst.budget:g} distance units)")
    print(f"points visited: {len(route)}")
    print("route: " + " ".join(map(str, route)))
    print(f"time: {seconds:.3f} s")
    return 0
