"""``python -m patrols suggest-posts PARK --risk RISK.tif --n 2 [--near-roads KM] [--out scenario.toml]``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "suggest-posts",
        help="where N new ranger posts would add the most expected detections",
        description=(
            "Suggest sites for N new ranger posts: a maximum-coverage search over the cells a day's patrol from "
            "each candidate site reaches, worth the risk the current set-up leaves undetected. Prints each site "
            "with its marginal gain; --out writes them as a scenario file."
        ),
    )
    p.add_argument("park", type=Path, help="park folder (with park.toml)")
    p.add_argument("--risk", type=Path, required=True, help="risk raster (GeoTIFF from `python -m riskmodel fit`)")
    p.add_argument("--n", type=int, default=1, help="number of posts to suggest (default %(default)s)")
    p.add_argument("--near-roads", type=float, default=None, metavar="KM", help="only sites within KM of a road")
    p.add_argument("--candidates", type=Path, default=None, help="a layer of candidate sites (points, any format)")
    p.add_argument("--base", default=None, help="scenario the posts are added to (file or name; default the baseline)")
    p.add_argument("--days", type=int, default=None, help="patrol days per month of the set-up (a quick look)")
    p.add_argument("--exact", action="store_true", help="exact maximum coverage (HiGHS MILP) instead of greedy")
    p.add_argument("--out", type=Path, default=None, help="write the suggestion as a scenario TOML file")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(command="suggest_posts")
    return p


def run(args) -> int:
    from layers.cli import progress_printer
    from layers.park import load_park

    from ..errors import ScenarioError
    from ..scenarios import load_scenario, read_risk, read_scenario, suggest_posts
    from ..scenarios.io import scenario_to_toml

    park = load_park(args.park)
    risk = read_risk(args.risk, park.grid)
    base = None
    if args.base:
        path = Path(args.base)
        base = read_scenario(path) if path.suffix == ".toml" or path.is_file() else load_scenario(args.park, args.base)
    if args.days:
        import dataclasses

        from ..scenarios import baseline

        base = dataclasses.replace(base or baseline(), days_per_month=args.days)
    suggestion = suggest_posts(
        park,
        risk,
        args.n,
        candidates=args.candidates if args.candidates else "inside",
        near_roads_km=args.near_roads,
        base=base,
        method="exact" if args.exact else "greedy",
        progress=None if args.json else progress_printer(),
    )
    if args.out:
        if args.out.exists():
            raise ScenarioError(f"{args.out} exists; pick another --out (nothing was overwritten)")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(scenario_to_toml(suggestion.scenario), encoding="utf-8")
    table = suggestion.table()
    if args.json:
        print(
            json.dumps(
                {
                    "method": suggestion.method,
                    "candidates": suggestion.candidates,
                    "sites": table.to_dict(orient="records"),
                    "scenario": str(args.out) if args.out else None,
                },
                indent=2,
            )
        )
        return 0
    print(f"{len(table)} post(s) from {suggestion.candidates} candidate sites ({suggestion.method} maximum coverage):")
    print(
        table.rename(columns={"gain": "gain (attacks/month)", "share": "share of park risk"}).to_string(
            index=False, float_format=lambda v: f"{v:.4g}"
        )
    )
    print(
        "gain: expected attacks a month within a day's patrol of the site that the set-up before it leaves undetected"
    )
    if args.out:
        print(f"wrote {args.out}; run it with `python -m patrols scenario {args.park} {args.out} --risk {args.risk}`")
    return 0
