"""Travel cost over terrain and least-cost paths (patrols.cost)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from layers.defaults import FOOT_SPEED_KMH, VEHICLE_SPEED_KMH
from layers.grid import Grid
from patrols.cost import (
    RIVER_PENALTY_S,
    isotropic_tobler_s_per_m,
    tobler_speed_kmh,
    travel_cost,
)
from patrols.errors import PatrolsError, UnreachableError

CRS = "EPSG:32736"


def grid(rows=10, cols=10, cell=250.0, geometry=None):
    geometry = geometry if geometry is not None else box(0, 0, cols * cell, rows * cell)
    return Grid.from_geometry(geometry, CRS, cell_size=cell)


def test_tobler_known_values():
    assert tobler_speed_kmh(0.0) == pytest.approx(5.036, abs=1e-3)
    assert tobler_speed_kmh(-0.05) == pytest.approx(6.0)
    # 10 % uphill: 6 exp(-3.5 * 0.15) = 3.55 km/h
    assert tobler_speed_kmh(0.10) == pytest.approx(3.549, abs=1e-3)
    assert tobler_speed_kmh(0.3) < tobler_speed_kmh(0.1) < tobler_speed_kmh(0.0)
    # isotropic cost grows with slope magnitude, whatever the sign
    costs = isotropic_tobler_s_per_m([0.0, 0.1, -0.1, 0.3])
    assert costs[0] == pytest.approx(3.6 / 5.036, rel=1e-3)
    assert costs[1] == pytest.approx(costs[2])
    assert costs[0] < costs[1] < costs[3]


def test_flat_speeds_on_and_off_road():
    g = grid(5, 5)
    road = np.zeros(g.shape, bool)
    road[2] = True
    foot = travel_cost(g, roads=road)
    assert foot.speed_kmh[0, 0] == pytest.approx(FOOT_SPEED_KMH)
    assert foot.speed_kmh[2, 0] == pytest.approx(5.036, abs=1e-3)
    car = travel_cost(g, roads=road, kind="vehicle")
    assert car.speed_kmh[2, 3] == pytest.approx(VEHICLE_SPEED_KMH)
    assert 0 < car.speed_kmh[0, 0] < VEHICLE_SPEED_KMH  # off-road, near the road: slower


def test_straight_walk_time_and_length():
    g = grid(4, 4)
    reach = travel_cost(g).reach([(0, 0)])
    assert reach.lengths_m()[0, 3] == pytest.approx(750.0)
    assert reach.seconds[0, 3] == pytest.approx(750.0 / (FOOT_SPEED_KMH / 3.6))
    assert reach.lengths_m()[3, 3] == pytest.approx(3 * 250.0 * np.sqrt(2))


def test_slope_slows_walking():
    g = grid(10, 10)
    flat = travel_cost(g).reach([(5, 0)])
    rows, cols = np.indices(g.shape)
    steep = travel_cost(g, dem=cols * 250.0 * 0.25).reach([(5, 0)])  # 25 % slope eastwards
    assert steep.seconds[5, 9] > 1.5 * flat.seconds[5, 9]
    assert steep.lengths_m()[5, 9] == pytest.approx(flat.lengths_m()[5, 9])


def test_river_penalty_and_ford():
    g = grid(9, 9)
    river = np.zeros(g.shape, bool)
    river[:, 4] = True
    no_ford = travel_cost(g, rivers=river).reach([(4, 0)])
    assert no_ford.seconds[4, 8] > RIVER_PENALTY_S
    # a ford at the north end of the river: the walk detours through it and is much faster
    ford_xy = g.xy(0, 4)
    with_ford = travel_cost(g, rivers=river, fords=[Point(*ford_xy)])
    reach = with_ford.reach([(4, 0)])
    assert reach.seconds[4, 8] < no_ford.seconds[4, 8] - RIVER_PENALTY_S / 2
    path = reach.path_to((4, 8))
    crossed = path[path[:, 1] == 4]
    assert crossed[:, 0].max() <= 1  # crossed at the ford (its cell or a neighbour)
    # vehicles cannot cross away from fords or bridges at all
    road = np.zeros(g.shape, bool)
    road[4, :] = True
    road[4, 4] = False
    car = travel_cost(g, rivers=river, roads=road, kind="vehicle").reach([(4, 0)])
    assert np.isinf(car.seconds[4, 8])
    bridge = road.copy()
    bridge[4, 4] = True
    car = travel_cost(g, rivers=river, roads=bridge, kind="vehicle").reach([(4, 0)])
    assert car.seconds[4, 8] == pytest.approx(8 * 250 / (VEHICLE_SPEED_KMH / 3.6))


def test_river_from_geometry_blocks_diagonal_leaks():
    g = grid(12, 12)
    # a diagonal river line; with every touched cell burned, no 8-connected move slips across it
    river = LineString([(0, 0), (3000, 3000)])
    reach = travel_cost(g, rivers=[river]).reach([(0, 11)])  # north-east corner
    assert reach.seconds[11, 0] > RIVER_PENALTY_S  # south-west corner: must cross


def test_vehicle_only_near_roads():
    g = grid(20, 20)
    road = np.zeros(g.shape, bool)
    road[0, :] = True
    car = travel_cost(g, roads=road, kind="vehicle")
    assert car.passable[3, 5]  # 750 m from the road
    assert not car.passable[15, 5]  # 3.75 km from the road


def test_outside_boundary_blocked_unless_allowed():
    g = grid(10, 10, geometry=box(0, 0, 1250, 2500))  # left half of a 10 x 10 cell extent
    g = Grid(transform=g.transform, shape=(10, 10), crs=g.crs, mask=np.pad(g.mask, ((0, 0), (0, 10 - g.shape[1]))))
    inside = travel_cost(g)
    assert not inside.passable[:, 5:].any() and inside.passable[:, :5].all()
    assert travel_cost(g, allow_outside=True).passable.all()


def test_blocked_source_and_unreachable_target():
    g = grid(5, 5)
    wall = np.zeros(g.shape, bool)
    wall[:, 2] = True
    surface = travel_cost(g, impassable=wall)
    with pytest.raises(UnreachableError):
        surface.reach([(0, 2)])
    with pytest.raises(UnreachableError, match="cannot be reached"):
        surface.least_cost_path((0, 0), (0, 4))
    with pytest.raises(PatrolsError, match="unknown patrol kind"):
        travel_cost(g, kind="boat")


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    rows=st.integers(3, 15),
    cols=st.integers(3, 15),
    density=st.floats(0.0, 0.4),
)
def test_paths_avoid_impassable_and_lengths_match(seed, rows, cols, density):
    rng = np.random.default_rng(seed)
    g = grid(rows, cols)
    blocked = rng.random(g.shape) < density
    blocked[0, 0] = False
    dem = rng.normal(0, 30, g.shape)
    surface = travel_cost(g, dem=dem, impassable=blocked)
    reach = surface.reach([(0, 0)])
    lengths = reach.lengths_m()
    reachable = np.argwhere(np.isfinite(reach.seconds))
    assert not blocked[tuple(reachable.T)].any()
    for cell in reachable[rng.permutation(len(reachable))[:5]]:
        path = reach.path_to(cell)
        assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == tuple(cell)
        assert not blocked[path[:, 0], path[:, 1]].any()
        steps = np.abs(np.diff(path, axis=0))
        assert steps.max(initial=1) <= 1
        assert np.hypot(*steps.T).sum() * g.cell_size == pytest.approx(lengths[tuple(cell)])
    assert np.all(np.isinf(reach.seconds[blocked]))


def test_weighted_search_reports_true_times_and_lengths():
    g = grid(12, 12)
    rng = np.random.default_rng(2)
    surface = travel_cost(g, dem=rng.normal(0, 40, g.shape))
    weight = np.ones(g.shape)
    weight[8:, :] = 0.2  # cheap band in the south draws the path through it
    plain = surface.reach([(0, 0)])
    drawn = surface.reach([(0, 0)], weight=weight)
    path = drawn.path_to((11, 11))
    assert path[:, 0].max() >= 8
    s = surface.s_per_m
    steps = np.hypot(*np.diff(path, axis=0).T) * g.cell_size
    true_s = float((steps * 0.5 * (s[path[:-1, 0], path[:-1, 1]] + s[path[1:, 0], path[1:, 1]])).sum())
    assert drawn.seconds[11, 11] == pytest.approx(true_s)
    assert drawn.lengths_m()[11, 11] == pytest.approx(steps.sum())
    assert drawn.seconds[11, 11] >= plain.seconds[11, 11] - 1e-6  # the least-time path is still the fastest
