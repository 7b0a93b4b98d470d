"""Scenarios on the demo park: speed, and whether suggested posts are worth it under the hidden truth.

The risk model is fitted on the demo park up to three months before the end
of its data; the month that follows is planned for every scenario.

(a) Speed: five scenarios for that month (the baseline, a new post in the
least patrolled high-risk area, one more team at every post, 2-day patrols,
25 patrol days a month; target under 2 minutes in all), and the suggestion
of 2 posts (target under 1 minute, the baseline's plan included).

(b) Quality, under the park's hidden truth (``truth/intensity.tif`` of that
month, the truth's sweep width): the added expected detections of the
suggested post (its teams planned over what the baseline leaves) against
(i) the median of 20 random admissible sites (passable cells inside the
park, same teams), and (ii) the same ranger-days given as extra teams to the
best existing post (the one where the model expects them to buy the most).
Targets: the suggested post beats both.

Usage: ``python benchmarks/bench_scenarios.py [--park DIR] [--seed N] [--random-sites 20]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layers.defaults import detection_probability  # noqa: E402
from patrols.planner import plan_effort  # noqa: E402
from patrols.scenarios import (  # noqa: E402
    RiskInput,
    Scenario,
    ScenarioContext,
    baseline,
    example_scenarios,
    resolve,
    run_scenario,
    suggest_posts,
)
from patrols.scenarios.model import PostSetup, Setup  # noqa: E402
from patrols.scenarios.siting import candidate_cells  # noqa: E402


def added(ctx: ScenarioContext, base, posts: dict[str, PostSetup]) -> tuple[float, float]:
    """Expected detections added (model, truth) by ``posts`` planned over what ``base`` leaves."""
    s = base.setup
    one = Setup("extra", posts, s.days_per_month, s.km, s.hours, s.days_per_patrol, s.rangers_per_team)
    extra = plan_effort(ctx.plan(one, prior_km=base.km), ctx.grid)
    area = ctx.grid.cell_area_km2

    def gain(lam, sweep):
        before = detection_probability(base.km, area, sweep)
        after = detection_probability(base.km + extra, area, sweep)
        return float((lam * (after - before)).sum())

    return gain(ctx.intensity, ctx.sweep_km), gain(ctx.truth_intensity, ctx.truth_sweep_km)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--park", type=Path, default=ROOT / "data" / "demo")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--random-sites", type=int, default=20)
    args = ap.parse_args(argv)

    from layers.park import load_park
    from riskmodel.surface import fit_risk
    from riskmodel.truth import read_truth

    if not (args.park / "park.toml").exists():
        print(f"no park at {args.park}; build the demo park first (make run, or python -m layers demo data/demo)")
        return 1
    t = time.perf_counter()
    park = load_park(args.park)
    truth = read_truth(args.park, park.grid)
    month = truth.periods[-3]
    start = dt.date(month.year, month.month, 1)
    print(
        f"loaded {park.name} ({park.grid.n_cells} cells of {park.grid.cell_size:.0f} m) in {time.perf_counter() - t:.1f} s"
    )
    t = time.perf_counter()
    surface = fit_risk(park, train_until=start - dt.timedelta(days=1), horizon_months=1)
    risk = RiskInput.from_surface(surface)
    print(
        f"risk model fitted up to {start - dt.timedelta(days=1)} in {time.perf_counter() - t:.1f} s; planning {month}"
    )

    # (a) five scenarios
    ctx = ScenarioContext(park, risk, seed=args.seed)
    new_post, more_teams = example_scenarios(park, risk.risk)
    scenarios = [
        baseline(),
        new_post,
        more_teams,
        Scenario(name="2-day patrols", days_per_patrol=2),
        Scenario(name="25 patrol days a month", days_per_month=25),
    ]
    print("\n(a) five scenarios for a month:")
    t0, c0 = time.perf_counter(), time.process_time()
    results = []
    for s in scenarios:
        t = time.perf_counter()
        r = run_scenario(park, s, context=ctx)
        results.append(r)
        o, tr = r.outcomes, r.truth
        print(
            f"    {s.name:<48} {time.perf_counter() - t:5.1f} s  {o.expected_detections:6.2f} detections "
            f"({o.detections_low:.2f}-{o.detections_high:.2f}), truth {tr.expected_detections:6.2f}, "
            f"{o.ranger_days} ranger-days, {o.km:,.0f} km"
        )
    t_five, c_five = time.perf_counter() - t0, time.process_time() - c0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"    five scenarios in {t_five:.1f} s wall, {c_five:.1f} s CPU, load average {load:.1f} on {os.cpu_count()} cores "
        f"(target < 120 s): {'ok' if t_five < 120 else 'MISSED'}"
    )

    t, c = time.perf_counter(), time.process_time()
    fresh = ScenarioContext(park, risk, seed=args.seed, costs={"foot": ctx.cost("foot")})
    two = suggest_posts(park, risk, 2, context=fresh)
    t_suggest, c_suggest = time.perf_counter() - t, time.process_time() - c
    print(
        f"    2-post suggestion in {t_suggest:.1f} s wall, {c_suggest:.1f} s CPU, from {two.candidates} sites (target < 60 s, baseline plan included): {'ok' if t_suggest < 60 else 'MISSED'}"
    )
    for site in two.sites:
        print(
            f"      {site.name}: ({site.lon:.4f}, {site.lat:.4f}), marginal gain {site.gain:.2f} attacks a month in reach"
        )

    # (b) quality under the truth
    base = results[0]
    one = suggest_posts(park, risk, 1, context=ctx, base_result=base)
    site = one.sites[0]
    teams = resolve(baseline(), park).posts[next(iter(base.setup.posts))].teams
    kind = "foot"
    m_s, t_s = added(ctx, base, {"S": PostSetup("S", site.x, site.y, teams, kind, "added")})
    print(f"\n(b) under the hidden truth ({month}), {teams} teams x {base.setup.days_per_month} days at the new post:")
    print(f"    suggested post: +{t_s:.2f} true expected detections a month (model +{m_s:.2f})")

    rng = np.random.default_rng(args.seed)
    cells = candidate_cells(park, ctx.cost(kind), spacing_km=0.5, limit=10**9)
    picks = cells[rng.choice(len(cells), size=args.random_sites, replace=False)]
    t = time.perf_counter()
    rand = []
    for r, c in picks:
        x, y = park.grid.xy(int(r), int(c))
        rand.append(added(ctx, base, {"R": PostSetup("R", float(x), float(y), teams, kind, "added")}))
    rand_truth = np.array([v[1] for v in rand])
    med = float(np.median(rand_truth))
    print(
        f"    {args.random_sites} random admissible sites: median +{med:.2f} (range {rand_truth.min():.2f}-{rand_truth.max():.2f}; "
        f"{time.perf_counter() - t:.0f} s); suggested / median = {t_s / med if med > 0 else float('inf'):.2f}: "
        f"{'ok' if t_s > med else 'MISSED'}"
    )
    best = None
    for post in base.setup.posts.values():
        gain = added(ctx, base, {post.name: PostSetup(post.name, post.x, post.y, teams, post.kind)})
        if best is None or gain[0] > best[1][0]:
            best = (post.name, gain)
    name, (m_b, t_b) = best
    print(
        f"    the same ranger-days as {teams} extra teams at the best existing post ({name}): +{t_b:.2f} "
        f"(model +{m_b:.2f}); suggested / extra teams = {t_s / t_b if t_b > 0 else float('inf'):.2f}: "
        f"{'ok' if t_s > t_b else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
