"""Scenarios (patrols.scenarios): known answers on a small park built in code, and the outcomes' arithmetic."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from layers.defaults import COL_NAME, detection_probability
from layers.grid import Grid
from patrols.cost import travel_cost
from patrols.errors import ScenarioError
from patrols.scenarios import (
    PostChange,
    RiskInput,
    Scenario,
    ScenarioContext,
    baseline,
    comparison_table,
    cost_effectiveness,
    resolve,
    run_scenario,
    team_curve,
    write_comparison_csv,
    write_comparison_pdf,
)
from patrols.scenarios.outcomes import compute_outcomes, monthly_intensity, top_share_mask
from patrols.scenarios.siting import exact_cover, greedy_cover, suggest_posts

CRS = "EPSG:32736"
CELL = 250.0
ROWS, COLS = 14, 40
QUICK = dict(days_per_month=3, km=6.0, teams=1)  # 3 days, one 6 km patrol a day per team


def tiny_park(posts=None):
    """A 3.5 x 10 km park on a flat grid: posts in the west, the risk in the far east (out of their reach)."""
    g = Grid.from_geometry(box(0, 0, COLS * CELL, ROWS * CELL), CRS, CELL)
    posts = posts or {"West": g.xy(ROWS // 2, 4)}
    gdf = gpd.GeoDataFrame(
        {COL_NAME: list(posts)}, geometry=[Point(float(x), float(y)) for x, y in posts.values()], crs=g.crs
    )
    return SimpleNamespace(name="Tiny", folder=None, grid=g, posts=gdf, features={}, rasters={})


def east_risk(park, level=0.3, background=0.01):
    risk = np.full(park.grid.shape, background)
    risk[:, 30:] = level
    return RiskInput(risk, np.full(park.grid.shape, 0.02), 1, pd.Period("2024-05", "M"), "test")


def context(park, risk=None):
    return ScenarioContext(park, risk or east_risk(park), costs={"foot": travel_cost(park.grid)})


def quick(name="s", **changes):
    return Scenario(name=name, **{**QUICK, **changes})


def test_monthly_intensity_and_top_share_known_answers():
    # P(at least one attack in 3 months) = 1 - exp(-0.3) means 0.1 attacks a month
    assert monthly_intensity(np.array([1 - np.exp(-0.3)]), 3)[0] == pytest.approx(0.1)
    assert monthly_intensity(np.array([np.nan, 0.0]))[0] == 0.0
    values = np.arange(10.0).reshape(2, 5)
    mask = np.ones((2, 5), bool)
    assert top_share_mask(values, mask, 0.2).sum() == 2 and top_share_mask(values, mask, 0.2)[1, 4]


def test_compute_outcomes_known_answer():
    g = Grid.from_geometry(box(0, 0, 1000, 500), CRS, 500)  # two cells of 0.25 km2
    lam = np.array([[1.0, 3.0]])
    km = np.array([[0.0, 0.25 * np.log(2) / 0.15]])  # detection probability 1/2 in the second cell
    summary = dict(km=1.0, patrol_hours=1.0, patrols=1, team_days=1, ranger_days=4, posts=1, teams=1)
    out = compute_outcomes(lam, km, g, np.array([[False, True]]), effort_summary=summary)
    assert out.expected_detections == pytest.approx(1.5)
    assert out.expected_attacks == pytest.approx(4.0)
    assert out.risk_covered == pytest.approx(1.5 / 4)
    assert out.high_risk_km2 == pytest.approx(0.25) and out.high_risk_in_reach == pytest.approx(1.0)


def test_a_post_in_the_unpatrolled_high_risk_area_raises_expected_detections():
    park = tiny_park()
    ctx = context(park)
    base = run_scenario(park, quick("base"), context=ctx)
    east = park.grid.xy(ROWS // 2, 35)
    added = quick("east post", crs=CRS, add_posts=[PostChange("East", float(east[0]), float(east[1]))])
    more = run_scenario(park, added, context=ctx)
    assert base.outcomes.high_risk_in_reach == 0.0  # the west post cannot reach the risk
    assert more.outcomes.high_risk_in_reach > 0.5
    assert more.outcomes.expected_detections > 3 * base.outcomes.expected_detections
    assert more.outcomes.detections_low <= more.outcomes.expected_detections <= more.outcomes.detections_high
    assert more.outcomes.ranger_days == 2 * base.outcomes.ranger_days
    table = comparison_table([base, more])
    row = table[table["outcome"] == "expected attacks detected"].iloc[0]
    assert row["east post vs base"] == pytest.approx(
        more.outcomes.expected_detections - base.outcomes.expected_detections
    )


def test_removing_every_team_gives_zero():
    park = tiny_park({"West": (1000.0, 1750.0), "Mid": (5000.0, 1750.0)})
    ctx = context(park)
    for scenario in (quick("none", teams=0), quick("removed", remove_posts=["West", "Mid"])):
        result = run_scenario(park, scenario, context=ctx)
        o = result.outcomes
        assert o.expected_detections == 0.0 and o.km == 0.0 and o.ranger_days == 0 and o.patrols == 0
        assert o.high_risk_in_reach_km2 == 0.0
        assert not result.km.any()


def test_doubling_teams_at_a_post_gives_less_than_twice_the_detections():
    park = tiny_park({"Mid": (5000.0, 1750.0)})
    risk = np.full(park.grid.shape, 0.2)
    ctx = context(park, RiskInput(risk, None, 1, pd.Period("2024-05", "M")))
    one = run_scenario(park, quick("one", teams=1), context=ctx).outcomes
    two = run_scenario(park, quick("two", post_teams={"Mid": 2}), context=ctx).outcomes
    assert two.km > 1.8 * one.km  # twice the walking...
    assert one.expected_detections < two.expected_detections < 2 * one.expected_detections  # ...saturates


def test_team_curve_is_non_decreasing_and_concave():
    park = tiny_park({"West": (1000.0, 1750.0), "Mid": (5000.0, 1750.0)})
    rng = np.random.default_rng(3)
    risk = np.clip(rng.gamma(2.0, 0.05, park.grid.shape), 0, 0.9)
    ctx = context(park, RiskInput(risk, None, 1, pd.Period("2024-05", "M")))
    curve = team_curve(park, ctx, quick("base"), steps=4)
    y = curve["expected_detections"].to_numpy()
    gains = np.diff(y)
    assert len(curve) == 5 and (curve["team_days"].diff().dropna() == 3).all()
    assert (gains > 0).all()
    assert (np.diff(gains) <= 1e-9).all()  # each extra team buys no more than the one before
    assert curve["gain"].iloc[1:].to_numpy() == pytest.approx(gains)
    assert set(curve["post"].iloc[1:]) <= {"West", "Mid"}


def test_resolve_changes_and_names_bad_posts():
    park = tiny_park({"West": (1000.0, 1750.0), "Mid": (5000.0, 1750.0)})
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(8000.0, 1750.0)
    s = Scenario(
        name="all",
        add_posts=[PostChange("New", lon, lat, teams=3, kind="vehicle")],
        move_posts=[PostChange("Mid", lon, lat)],
        post_teams={"West": 0},
        extra_teams=1,
        km=9.0,
    )
    setup = resolve(s, park)
    assert setup.posts["New"].x == pytest.approx(8000.0, abs=0.01) and setup.posts["New"].kind == "vehicle"
    assert setup.posts["New"].teams == 4 and setup.posts["West"].teams == 1 and setup.posts["Mid"].change == "moved"
    assert setup.km == 9.0 and setup.teams == 4 + 1 + 3
    with pytest.raises(ScenarioError, match="no post 'Nope'.*West, Mid"):
        resolve(Scenario(name="x", remove_posts=["Nope"]), park)
    with pytest.raises(ScenarioError, match="already has a post 'West'"):
        resolve(Scenario(name="x", add_posts=[PostChange("West", lon, lat)]), park)
    with pytest.raises(ScenarioError, match=r"posts.add\[1\].*outside the park.*crs"):
        resolve(Scenario(name="x", add_posts=[PostChange("Far", 8000.0, 1750.0)]), park)  # UTM read as lon/lat


def test_greedy_and_exact_maximum_coverage_known_answers():
    from scipy.sparse import csc_matrix

    # the classic case where greedy is not optimal: column 0 covers the heavy middle,
    # columns 1 and 2 together cover everything
    a = csc_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [1, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=float))
    w = np.ones(6)
    chosen, gains = greedy_cover(a, w, 2)
    assert chosen[0] == 0 and gains == [4.0, 1.0]
    assert sorted(exact_cover(a, w, 2)) == [1, 2]


def test_suggest_posts_finds_the_high_risk_area_and_makes_a_scenario():
    park = tiny_park()
    ctx = context(park)
    s = suggest_posts(park, ctx.risk, 1, base=quick("base"), context=ctx)
    site = s.sites[0]
    col = park.grid.rowcol(site.x, site.y)[1]
    assert col >= 24  # a day's patrol from it reaches the high-risk east
    assert site.gain > 0 and site.gain == pytest.approx(s.candidate_gain.max())
    result = run_scenario(park, s.scenario, context=ctx)
    base = run_scenario(park, quick("base"), context=ctx)
    assert result.outcomes.expected_detections > base.outcomes.expected_detections
    assert result.setup.posts[site.name].change == "added"
    # on a scenario written in the park's own CRS, the new post is written in it too
    utm = suggest_posts(park, ctx.risk, 1, base=quick("utm base", crs=CRS), context=ctx)
    assert utm.scenario.crs == CRS and utm.scenario.name == "1 suggested post + utm base"
    placed = resolve(utm.scenario, park).posts[utm.sites[0].name]
    assert placed.x == pytest.approx(utm.sites[0].x, abs=0.1) and placed.y == pytest.approx(utm.sites[0].y, abs=0.1)


def test_comparison_exports(tmp_path):
    park = tiny_park()
    ctx = context(park)
    results = [
        run_scenario(park, quick("base"), context=ctx),
        run_scenario(park, quick("more", extra_teams=1), context=ctx),
    ]
    ce = cost_effectiveness(results)
    assert list(ce["scenario"]) == ["base", "more"] and ce["ranger_days"].iloc[1] == 2 * ce["ranger_days"].iloc[0]
    csv = pd.read_csv(write_comparison_csv(results, tmp_path / "cmp.csv"))
    assert {"outcome", "unit", "base", "more", "more vs base"} <= set(csv.columns)
    pdf = write_comparison_pdf(results, tmp_path / "cmp.pdf", team_curve(park, ctx, quick("base"), steps=1))
    assert pdf.read_bytes()[:4] == b"%PDF"


def test_baseline_is_the_parks_setup():
    park = tiny_park({"West": (1000.0, 1750.0), "Mid": (5000.0, 1750.0)})
    assert baseline().is_baseline and not quick().is_baseline
    setup = resolve(baseline(), park)
    assert list(setup.posts) == ["West", "Mid"] and setup.teams == 4 and setup.days_per_month == 20


def test_detection_probability_is_the_shared_model():
    # the outcomes use the detection model of layers.defaults, with the grid's cell area
    g = Grid.from_geometry(box(0, 0, 500, 500), CRS, 500)
    out = compute_outcomes(
        np.array([[2.0]]),
        np.array([[1.0]]),
        g,
        np.array([[True]]),
        effort_summary=dict(km=1.0, patrol_hours=1.0, patrols=1, team_days=1, ranger_days=1, posts=1, teams=1),
    )
    assert out.expected_detections == pytest.approx(2.0 * float(detection_probability(1.0, 0.25)))


def test_planner_legs_redrawn_every_few_days_stay_close_to_daily():
    import datetime as dt

    from patrols.planner import OrienteeringPlanner

    park = tiny_park({"Mid": (5000.0, 1750.0)})
    rng = np.random.default_rng(5)
    reward = rng.gamma(2.0, 0.5, park.grid.shape)
    cost = travel_cost(park.grid)
    posts = {"Mid": (5000.0, 1750.0)}
    common = dict(cost=cost, reward=reward, posts=posts, start=dt.date(2024, 5, 1), days=4, teams=2, budget=6.0)
    daily = OrienteeringPlanner().plan(**common)
    again = OrienteeringPlanner(bias_every=1).plan(**common)
    assert all(np.array_equal(a.path_xy, b.path_xy) for a, b in zip(again.patrols, daily.patrols))
    sparse = OrienteeringPlanner(bias_every=3).plan(**common)
    assert len(sparse.patrols) == len(daily.patrols)
    assert all(p.length_km <= 6.0 + 1e-6 for p in sparse.patrols)
    assert sparse.total_risk > 0.85 * daily.total_risk
