"""Patrol plans on the demo park: attacks found per km, and planning speed.

(a) Quality.  The risk model is fitted on the demo park up to three months
before the end of its data, and the month that follows is planned from its
risk surface, with as many km as the historical patrols walked that month
(one team per post, 20 km a day, on enough days), as day patrols and as
2-day patrols camping out.  Under the park's hidden truth
(``truth/intensity.tif`` for that month, and the detection model with the
truth's sweep width) the plan's expected attacks found per km walked are
compared with the historical patrols of the same month (their effort from
the GPS tracks), and with the same planner given the true intensity.
Targets: at least 2x the historical patrols, and at least 0.9 of the plan on
the true intensity.  Both plans are also divided by a route-free upper bound
(:func:`patrols.bound.route_free_bound`: the plan's km spread, without
routes, over the cells within half a patrol of a post, as the detection
model rewards it best under the truth); goal 0.8.  ``--parks`` runs (a) on
several parks (other seeds and behaviours, e.g. written by
``python -m simulator demo``) and prints the mean ratios.

(b) Speed, on a 5,000 km2 park at 250 m: one 20 km foot patrol from one post
(target under 2 s, travel cost included) and a month for 6 posts with 2 teams
each (target under 60 s).

Usage: ``python benchmarks/bench_plan.py [--park DIR] [--parks DIR ...] [--seed N] [--km D] [--patrol-days 1 2]``
(``--park`` defaults to ``data/demo`` when present, else a demo park is
generated into a temporary folder).
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layers.defaults import DEFAULT_PATROL_KM, DETECTION_SWEEP_KM, detection_probability  # noqa: E402
from patrols.bound import route_free_bound  # noqa: E402
from patrols.cost import travel_cost_for_park  # noqa: E402
from patrols.planner import plan_effort, plan_patrols, post_locations  # noqa: E402

SPEED_AREA_KM2 = 5000.0
SPEED_CELL_M = 250.0


def _generate(out: Path, seed: int, area_km2: float | None = None) -> Path:
    from simulator import generate_demo_park

    kwargs = {"seed": seed}
    if area_km2 is not None:
        kwargs["area_km2"] = area_km2
    t = time.perf_counter()
    generate_demo_park(out, **kwargs)
    print(f"generated a demo park in {out} ({time.perf_counter() - t:.1f} s)")
    return out


def found_per_km(intensity: np.ndarray, km: np.ndarray, area_km2: float, sweep_km: float) -> tuple[float, float, float]:
    """Expected attacks found, km walked, and their ratio."""
    found = float((np.nan_to_num(intensity) * detection_probability(km, area_km2, sweep_km)).sum())
    walked = float(km.sum())
    return found, walked, found / walked if walked > 0 else float("nan")


def quality(folder: Path, seed: int, km: float, patrol_days=(1, 2)) -> dict:
    from layers.effort import compute_effort
    from layers.park import load_park
    from riskmodel.surface import fit_risk
    from riskmodel.truth import read_truth

    t = time.perf_counter()
    park = load_park(folder)
    truth = read_truth(folder, park.grid)
    print(
        f"loaded {park.name} ({park.grid.n_cells} cells of {park.grid.cell_size:.0f} m, {time.perf_counter() - t:.1f} s)"
    )
    sweep = float(truth.meta.get("sweep_km", DETECTION_SWEEP_KM))
    area = park.grid.cell_area_km2
    month = truth.periods[-3]
    start = dt.date(month.year, month.month, 1)
    days = calendar.monthrange(month.year, month.month)[1]
    true_intensity = truth.intensity_sum([month])
    # cells outside the park carry the raster's nodata: no attacks there
    true_intensity = np.where(park.grid.mask & (true_intensity >= 0), np.nan_to_num(true_intensity), 0.0)

    effort = compute_effort(park, periods=truth.periods)
    hist_km = effort.km[effort.periods.get_loc(month)].astype(float)
    h_found, h_km, h_rate = found_per_km(true_intensity, hist_km, area, sweep)

    t = time.perf_counter()
    risk = fit_risk(park, train_until=start - dt.timedelta(days=1), horizon_months=1).risk
    t_fit = time.perf_counter() - t
    cost = travel_cost_for_park(park, "foot")
    n_posts = len(park.posts)
    # Same km as the historical patrols of the month: one team per post, patrolling on enough days.
    teams = 1
    active = int(min(days, max(1, round(h_km / (n_posts * teams * km)))))

    print(
        f"\n(a) month {month} on {park.name}: {n_posts} posts x {teams} team on {active} of its {days} days, "
        f"{km:g} km per day (the historical patrols' km)"
    )
    print(f"    risk model fitted up to {start - dt.timedelta(days=1)} in {t_fit:.1f} s")
    print(
        f"    historical patrols: {h_found:.2f} attacks found (expected), {h_km:.0f} km, {100 * h_rate:.3f} per 100 km"
    )
    results = {}
    posts = post_locations(park, None)
    for n_days in patrol_days:
        t = time.perf_counter()
        common = dict(teams=teams, km=km, seed=seed, cost=cost, sweep_km=sweep, patrol_days=n_days)
        plan = plan_patrols(park, risk, start, active, **common)
        t_plan = time.perf_counter() - t
        p_found, p_km, p_rate = found_per_km(true_intensity, plan_effort(plan, park.grid), area, sweep)
        best = plan_patrols(park, true_intensity, start, active, **common)
        b_found, b_km, b_rate = found_per_km(true_intensity, plan_effort(best, park.grid), area, sweep)
        vs_hist = p_rate / h_rate if h_rate > 0 else float("inf")
        vs_true = p_rate / b_rate if b_rate > 0 else float("nan")
        bound = route_free_bound(cost, posts, true_intensity, p_km, km * n_days, sweep / area)
        label = "day patrols" if n_days == 1 else f"{n_days}-day patrols (camping out)"
        print(f"    {label}, {len(plan.patrols)} patrols planned in {t_plan:.1f} s:")
        print(f"      from the risk model:     {p_found:7.2f} found, {p_km:6.0f} km, {100 * p_rate:.3f} per 100 km")
        print(f"      from the true intensity: {b_found:7.2f} found, {b_km:6.0f} km, {100 * b_rate:.3f} per 100 km")
        print(
            f"      plan / historical (per km): {vs_hist:.2f}x (target >= 2x) {'PASS' if vs_hist >= 2 else 'FAIL'}; "
            f"plan / true-intensity plan: {vs_true:.3f} (target >= 0.9) {'PASS' if vs_true >= 0.9 else 'FAIL'}"
        )
        print(
            f"      route-free bound at the plan's km: {bound.found:.2f} found over {bound.cells} cells; "
            f"plan / bound {p_found / bound.found:.3f}, true-intensity plan / bound {b_found / bound.found:.3f} "
            f"(goal 0.8) {'PASS' if p_found >= 0.8 * bound.found else 'FAIL'}"
        )
        results[n_days] = {
            "vs_historical": vs_hist,
            "vs_true": vs_true,
            "vs_bound": p_found / bound.found,
            "true_vs_bound": b_found / bound.found,
        }
    return results


def speed(folder: Path, seed: int) -> dict:
    from layers.park import load_park

    park = load_park(folder, cell_size=SPEED_CELL_M)
    area = park.grid.n_cells * park.grid.cell_area_km2
    print(f"\n(b) speed on {park.name}: {area:,.0f} km2 at {park.grid.cell_size:.0f} m ({park.grid.n_cells:,} cells)")
    rng = np.random.default_rng(seed)
    from scipy.ndimage import gaussian_filter

    reward = gaussian_filter(rng.random(park.grid.shape), 4) ** 4 * park.grid.mask
    posts = [str(n) for n in park.posts["name"]]
    start = dt.date(2025, 1, 1)
    t = time.perf_counter()
    cost = travel_cost_for_park(park, "foot")
    plan = plan_patrols(park, reward, start, 1, posts=posts[:1], teams=1, km=DEFAULT_PATROL_KM, seed=seed, cost=cost)
    t_one = time.perf_counter() - t
    p = plan.patrols[0]
    print(
        f"    one {DEFAULT_PATROL_KM:g} km foot patrol (travel cost included): {t_one:.2f} s  (target < 2 s)  "
        f"{'PASS' if t_one < 2 else 'FAIL'}; route {p.length_km:.1f} km, {p.hours:.1f} h, {len(p.waypoints) - 1} waypoints"
    )
    chosen = posts[:6]
    t = time.perf_counter()
    month = plan_patrols(park, reward, start, 30, posts=chosen, teams=2, km=DEFAULT_PATROL_KM, seed=seed, cost=cost)
    t_month = time.perf_counter() - t
    print(
        f"    a 30-day month, {len(chosen)} posts x 2 teams ({len(month.patrols)} patrols): {t_month:.1f} s  "
        f"(target < 60 s)  {'PASS' if t_month < 60 else 'FAIL'}"
    )
    return {"one_patrol_s": t_one, "month_s": t_month}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--park", type=Path, default=None, help="demo park folder (default data/demo or a new one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parks", type=Path, nargs="+", default=None, help="run (a) on each of these park folders")
    parser.add_argument("--km", type=float, default=DEFAULT_PATROL_KM, help="km per patrol in (a)")
    parser.add_argument("--patrol-days", type=int, nargs="+", default=[1, 2], help="patrol lengths in days for (a)")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.park
        if folder is None:
            demo = ROOT / "data" / "demo"
            folder = demo if (demo / "park.toml").is_file() else _generate(Path(tmp) / "demo", seed=7)
        if not args.skip_quality:
            runs = {p: quality(p, args.seed, args.km, args.patrol_days) for p in (args.parks or [folder])}
            if len(runs) > 1:
                for n_days in args.patrol_days:
                    for key in ("vs_historical", "vs_bound", "true_vs_bound"):
                        values = [r[n_days][key] for r in runs.values()]
                        print(
                            f"    {n_days}-day patrols over {len(values)} parks: {key} mean {np.mean(values):.3f}, "
                            f"worst {np.min(values):.3f}"
                        )
        if not args.skip_speed:
            from layers.park import load_park

            park = load_park(folder)
            area = float(park.boundary.area.sum()) / 1e6
            big = folder
            if area < 0.9 * SPEED_AREA_KM2:
                big = _generate(Path(tmp) / "big", seed=11, area_km2=SPEED_AREA_KM2)
            speed(big, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
