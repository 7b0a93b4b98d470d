"""The route-free upper bound (patrols.bound) and search loops (patrols.loops)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patrols.bound import reachable_area, route_free_bound, water_fill
from patrols.cost import travel_cost
from patrols.loops import draw_loops, loop_vertices, search_loops
from patrols.planner import plan_effort, plan_patrols, post_locations
from patrols.walked import patrol_effort
from tests.test_planner import make_park


def finds(value, km, rate):
    return float((value * (1 - np.exp(-rate * km))).sum())


def test_water_fill_known_answer():
    # two cells, values e and 1, rate 1, 3 km: equal margins e * exp(-x1) = exp(-x2), x1 + x2 = 3 -> x1 = 2, x2 = 1
    b = water_fill(np.array([np.e, 1.0]), 3.0, 1.0)
    assert b.km == pytest.approx([2.0, 1.0], abs=1e-6)
    assert b.found == pytest.approx(np.e * (1 - np.exp(-2)) + (1 - np.exp(-1)))
    # too few km for the second cell: all on the first
    assert water_fill(np.array([np.e**3, 1.0]), 2.0, 1.0).km == pytest.approx([2.0, 0.0], abs=1e-6)
    # cells not allowed get nothing
    b = water_fill(np.array([5.0, 1.0]), 1.0, 1.0, allowed=np.array([False, True]))
    assert b.km.tolist() == pytest.approx([0.0, 1.0]) and b.cells == 1


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 30), total=st.floats(0.1, 50.0), rate=st.floats(0.05, 3.0))
def test_water_fill_beats_any_other_allocation(seed, n, total, rate):
    rng = np.random.default_rng(seed)
    value = rng.gamma(0.5, 1.0, n)
    b = water_fill(value, total, rate)
    assert b.km.sum() == pytest.approx(total, rel=1e-6) and (b.km >= 0).all()
    for _ in range(20):
        other = rng.dirichlet(np.ones(n)) * total
        assert finds(value, other, rate) <= b.found + 1e-9


def test_plans_stay_below_the_bound_and_loops_go_to_the_best_cell():
    park = make_park(20, 20)
    reward = np.zeros((20, 20))
    reward[10, 12] = 10.0  # one hot cell two cells from the post
    reward[3, 3] = 0.5
    cost = travel_cost(park.grid)
    posts = post_locations(park, None)
    plan = plan_patrols(park, reward, "2024-01-01", days=1, teams=1, km=4, cost=cost)
    km = plan_effort(plan, park.grid)
    rate = 0.15 / park.grid.cell_area_km2
    bound = route_free_bound(cost, posts, reward, float(km.sum()), 4, rate)
    assert finds(reward, km, rate) <= bound.found + 1e-9
    assert reachable_area(cost, posts, 4)[10, 12] and not reachable_area(cost, posts, 4)[0, 0]
    # the km the route leaves unused are spent looping in the hot cell, not walked elsewhere
    assert km[10, 12] > 1.0
    p = plan.patrols[0]
    assert patrol_effort(p, park.grid)[10, 12] == pytest.approx(km[10, 12])
    assert p.length_km <= 4 + 1e-6


def test_search_loops_and_their_drawing():
    cells = np.array([[0, 0], [0, 1], [0, 2]])
    value = np.array([[1.0, 4.0, 2.0]])
    loops = search_loops(cells, value, np.zeros((1, 3)), 1.0, 500.0, 2.0, 1e9, np.ones((1, 3)))
    assert loops == {1: 3, 2: 1}  # greedy marginal: 4, then 4e^-.5 = 2.43 > 2, then 2 > 4e^-1 = 1.47
    assert search_loops(cells, value, np.zeros((1, 3)), 1.0, 500.0, 2.0, 0.0, np.ones((1, 3))) == {}  # no time left
    v = loop_vertices(250.0, 250.0, 500.0, 2)
    assert len(v) == 10 and np.allclose(v[-1], [250, 250])
    length = np.hypot(*np.diff(np.vstack([[250.0, 250.0], v]), axis=0).T).sum()
    assert length == pytest.approx(2 * 500.0)
    assert (np.abs(v - 250.0) < 250.0).all()  # inside the cell
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [500.0, 0.0]])
    cells6 = np.array([[0, 0]] * 6 + [[0, 1]])
    drawn = draw_loops(xy, cells6, 500.0)
    assert np.allclose(drawn[0], [0, 0]) and np.allclose(drawn[5], [0, 0]) and not np.allclose(drawn[1], [0, 0])
