"""Patrol plans over a grid (patrols.planner, patrols.graph)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from layers.defaults import COL_NAME, detection_probability
from layers.grid import Grid
from patrols.cost import travel_cost
from patrols.defaults import MAX_DAY_HOURS
from patrols.errors import PatrolsError
from patrols.planner import greedy_route, plan_effort, plan_patrols, route_length
from patrols.route import Plan

CRS = "EPSG:32736"
CELL = 250.0


def make_park(rows=24, cols=24, posts=None, geometry=None):
    g = Grid.from_geometry(geometry if geometry is not None else box(0, 0, cols * CELL, rows * CELL), CRS, CELL)
    posts = posts or {"Alpha": g.xy(rows // 2, cols // 2)}
    gdf = gpd.GeoDataFrame(
        {COL_NAME: list(posts)}, geometry=[Point(float(x), float(y)) for x, y in posts.values()], crs=g.crs
    )
    return SimpleNamespace(name="Test Park", grid=g, posts=gdf, features={}, rasters={})


def check_patrol(patrol, post_xy, cost, km):
    grid = cost.grid
    assert np.allclose(patrol.path_xy[0], post_xy) and np.allclose(patrol.path_xy[-1], post_xy)
    assert tuple(patrol.cells[0]) == tuple(patrol.cells[-1])
    assert patrol.length_km <= km + 1e-6
    walked = np.hypot(*np.diff(patrol.path_xy, axis=0).T).sum() / 1000.0
    assert walked == pytest.approx(patrol.length_km, rel=1e-6, abs=1e-9)
    assert cost.passable[patrol.cells[:, 0], patrol.cells[:, 1]].all()
    assert np.abs(np.diff(patrol.cells, axis=0)).max(initial=0) <= 1
    # the drawn (smoothed) route keeps one vertex per cell walked, within one cell of it, on passable ground
    rows, cols = grid.rowcol(patrol.path_xy[1:-1, 0], patrol.path_xy[1:-1, 1])
    assert len(rows) == len(patrol.cells) and (rows >= 0).all()
    assert np.abs(np.column_stack([rows, cols]) - patrol.cells).max(initial=0) <= 1
    assert cost.passable[rows, cols].all()
    assert patrol.hours <= MAX_DAY_HOURS + 1e-9
    assert patrol.hours > 0 or patrol.length_km == 0


def test_greedy_route_known_answer():
    xy = np.array([[0, 0], [0, 1], [1, 1], [1, 0], [5, 5]], dtype=float)
    d = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    route = greedy_route(d, np.array([0, 1, 1, 1, 10.0]), budget=4.0)
    assert sorted(route) == [1, 2, 3]
    assert route_length(d, route) == pytest.approx(4.0)
    assert 4 in greedy_route(d, np.array([0, 1, 1, 1, 10.0]), budget=14.2)


def test_single_patrol_fills_every_field():
    park = make_park()
    rng = np.random.default_rng(0)
    reward = rng.random(park.grid.shape)
    dem = np.add.outer(np.arange(24) * 5.0, np.arange(24) * 2.0)
    cost = travel_cost(park.grid, dem=dem)
    plan = plan_patrols(park, reward, "2024-03-01", days=1, teams=1, km=6, cost=cost)
    assert isinstance(plan, Plan) and len(plan.patrols) == 1
    p = plan.patrols[0]
    post_xy = park.posts.geometry.iloc[0].coords[0]
    check_patrol(p, post_xy, cost, 6)
    assert p.length_km > 4  # uses most of the budget
    assert p.date == dt.date(2024, 3, 1) and p.post == "Alpha" and p.team == 1 and p.kind == "foot"
    assert p.elevation_m is not None and len(p.elevation_m) == len(p.path_xy)
    assert np.allclose(p.elevation_m[1:-1], dem[p.cells[:, 0], p.cells[:, 1]])
    assert p.waypoints[0].kind == "post" and len(p.waypoints) >= 2
    assert p.expected_risk == pytest.approx(plan.total_risk) and p.expected_risk > 0
    # bush walking at 4 km/h on the flat, a little slower on this gentle (2 %) slope
    assert p.length_km / 4.0 < p.hours < 1.05 * p.length_km / 4.0
    assert plan.settings["share_of_best"] == 1.0 and plan.settings["km"] == 6


def test_second_team_goes_elsewhere():
    # two equal hotspots west and east of the post; one patrol can reach only one of them
    park = make_park(rows=9, cols=41)
    reward = np.zeros(park.grid.shape)
    reward[3:6, 2:5] = 1.0
    reward[3:6, 36:39] = 1.0
    plan = plan_patrols(park, reward, "2024-01-01", days=1, teams=2, km=10.5, cost=travel_cost(park.grid))
    a, b = plan.patrols
    side_a = np.sign(a.cells[:, 1].mean() - 20)
    side_b = np.sign(b.cells[:, 1].mean() - 20)
    assert side_a != 0 and side_b == -side_a
    assert a.expected_risk > 1.0 and b.expected_risk > 1.0
    shared = {tuple(c) for c in a.cells} & {tuple(c) for c in b.cells}
    assert len(shared) < 0.3 * len({tuple(c) for c in a.cells})


def test_saturation_over_days_spreads_effort():
    park = make_park()
    rng = np.random.default_rng(3)
    reward = rng.random(park.grid.shape) ** 4
    cost = travel_cost(park.grid)
    plan = plan_patrols(park, reward, "2024-01-01", days=4, teams=1, km=5, cost=cost)
    gains = [p.expected_risk for p in plan.patrols]
    assert sum(gains) == pytest.approx(plan.total_risk)
    effort = plan_effort(plan, park.grid)
    assert effort.sum() == pytest.approx(sum(p.length_km for p in plan.patrols))
    covered = reward * detection_probability(effort, park.grid.cell_area_km2)
    assert covered.sum() == pytest.approx(plan.total_risk)
    assert gains[0] > gains[-1]  # the best ground goes first; later days earn less
    cells = [{tuple(c) for c in p.cells} for p in plan.patrols]
    assert len(set.union(*cells)) > 1.5 * max(len(c) for c in cells)


def test_randomness_varies_routes_within_stated_share():
    park = make_park()
    rng = np.random.default_rng(5)
    reward = rng.random(park.grid.shape) ** 2
    cost = travel_cost(park.grid)
    routes = set()
    changed = 0
    for seed in range(3):
        best = plan_patrols(park, reward, "2024-01-01", days=2, teams=1, km=6, cost=cost, seed=seed)
        plan = plan_patrols(park, reward, "2024-01-01", days=2, teams=1, km=6, cost=cost, randomness=0.6, seed=seed)
        share = plan.settings["share_of_best"]
        assert plan.settings["target_share"] == pytest.approx(0.7)
        assert share >= 0.7 - 1e-9
        assert plan.best_risk == pytest.approx(best.total_risk)
        assert plan.total_risk == pytest.approx(share * best.total_risk)
        route = tuple(map(tuple, plan.patrols[0].cells))
        routes.add(route)
        changed += route != tuple(map(tuple, best.patrols[0].cells))
        for p in plan.patrols:
            check_patrol(p, park.posts.geometry.iloc[0].coords[0], cost, 6)
    assert len(routes) >= 2 and changed >= 2


def test_post_outside_boundary_starts_from_nearest_passable_cell():
    park = make_park(rows=12, cols=12, posts={"Gate": (3000.0 + 300.0, 1500.0)})  # 300 m east of the park
    cost = travel_cost(park.grid)
    plan = plan_patrols(park, np.ones(park.grid.shape), "2024-01-01", days=1, teams=1, km=4, cost=cost)
    check_patrol(plan.patrols[0], (3300.0, 1500.0), cost, 4)


def test_bad_inputs():
    park = make_park()
    reward = np.ones(park.grid.shape)
    cost = travel_cost(park.grid)
    with pytest.raises(PatrolsError, match="unknown post"):
        plan_patrols(park, reward, "2024-01-01", days=1, posts=["Nowhere"], cost=cost)
    with pytest.raises(PatrolsError, match="randomness"):
        plan_patrols(park, reward, "2024-01-01", days=1, randomness=2, cost=cost)
    with pytest.raises(PatrolsError):
        plan_patrols(park, reward[:3], "2024-01-01", days=1, cost=cost)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    rows=st.integers(5, 16),
    cols=st.integers(5, 16),
    km=st.floats(0.8, 8.0),
    density=st.floats(0.0, 0.3),
    strategy=st.sampled_from(["orienteering", "greedy"]),
)
def test_routes_within_budget_and_allowed_area(seed, rows, cols, km, density, strategy):
    rng = np.random.default_rng(seed)
    g = Grid.from_geometry(box(0, 0, cols * CELL, rows * CELL), CRS, CELL)
    blocked = rng.random(g.shape) < density
    r, c = rng.integers(rows), rng.integers(cols)
    blocked[r, c] = False
    x, y = g.xy(r, c)
    post_xy = (float(x) + rng.uniform(-100, 100), float(y) + rng.uniform(-100, 100))
    park = make_park(rows, cols, posts={"P": post_xy})
    cost = travel_cost(g, dem=rng.normal(0, 20, g.shape), impassable=blocked)
    reward = rng.random(g.shape)
    plan = plan_patrols(park, reward, "2024-01-01", days=2, teams=1, km=km, cost=cost, strategy=strategy)
    for p in plan.patrols:
        check_patrol(p, post_xy, cost, km)
        assert not blocked[p.cells[:, 0], p.cells[:, 1]].any()


def test_multi_day_patrols_camp_out():
    park = make_park(rows=30, cols=30)
    rng = np.random.default_rng(8)
    reward = rng.random(park.grid.shape)
    cost = travel_cost(park.grid)
    plan = plan_patrols(park, reward, "2024-01-01", days=5, teams=1, km=4, cost=cost, patrol_days=2)
    assert [p.date for p in plan.patrols] == [dt.date(2024, 1, 1), dt.date(2024, 1, 3), dt.date(2024, 1, 5)]
    post_xy = park.posts.geometry.iloc[0].coords[0]
    for p, n_days in zip(plan.patrols, (2, 2, 1)):
        check_patrol(p, post_xy, cost, 4 * n_days)
        camps = [w for w in p.waypoints if w.kind == "camp"]
        assert len(camps) == n_days - 1
    assert plan.patrols[0].length_km > 5  # uses the second day
    assert plan.settings["patrol_days"] == 2


def test_plan_command_writes_the_field_files(tmp_path, capsys):
    from layers.park import load_park
    from patrols.cli import main
    from tests.parkfiles import make_park as write_park

    folder = write_park(tmp_path / "park")
    park = load_park(folder)
    # a risk raster in another CRS and resolution than the park grid: it is resampled
    rows, cols = park.grid.shape
    risk_grid = Grid.from_geometry(park.boundary_geometry, park.crs, park.grid.cell_size * 2)
    rng = np.random.default_rng(1)
    risk_path = risk_grid.write_geotiff(tmp_path / "risk.tif", rng.random(risk_grid.shape))
    post = str(park.posts[COL_NAME].iloc[0])
    out = tmp_path / "plan"
    code = main(
        ["plan", str(folder), "--risk", str(risk_path), "--start", "2024-05-01", "--days", "2", "--teams", "1"]
        + ["--km", "8", "--posts", post, "--out", str(out)]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "2 patrols" in printed and "km" in printed
    written = {p.name for p in out.rglob("*")}
    assert "summary.csv" in written and any(name.endswith(".gpx") for name in written)
    assert (
        main(
            ["plan", str(folder), "--risk", str(tmp_path / "none.tif"), "--start", "2024-05-01"]
            + ["--days", "1", "--out", str(out)]
        )
        == 2
    )


def test_vehicle_patrols_stay_near_roads():
    park = make_park(rows=20, cols=20)
    road = np.zeros(park.grid.shape, bool)
    road[10, :] = True
    road[:, 10] = True
    cost = travel_cost(park.grid, roads=road, kind="vehicle")
    rng = np.random.default_rng(4)
    plan = plan_patrols(park, rng.random(park.grid.shape), "2024-01-01", days=2, teams=1, km=12, cost=cost)
    post_xy = park.posts.geometry.iloc[0].coords[0]
    for p in plan.patrols:
        check_patrol(p, post_xy, cost, 12)
        assert p.kind == "vehicle"
        near = np.abs(p.cells - 10).min(axis=1) <= 4  # within 1 km of a road
        assert near.all()
        assert p.hours < p.length_km / 9.0  # faster than any walk
