"""Tests of the orienteering core (patrols.op_core, patrols.op, patrols.op_exact) and the solve-op CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_data import SHARED_DATA

from patrols.cli import main as cli_main
from patrols.errors import InstanceFormatError, PatrolsError, UnreachableError
from patrols.op import OPSolution, read_op_instance, route_length, solve_op, solve_op_exact

BENCH = SHARED_DATA / "op-benchmarks"


def euclid(xy: np.ndarray) -> np.ndarray:
    return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))


def random_instance(rng: np.random.Generator, n: int, asymmetric: bool = False):
    xy = rng.uniform(0, 10, size=(n, 2))
    d = euclid(xy)
    if asymmetric:  # uphill costs more than downhill: asymmetric, and not always metric
        h = rng.uniform(0, 3, size=n)
        d = d * (1.0 + 0.3 * np.clip(h[None, :] - h[:, None], 0, None)) + rng.uniform(0, 1, size=(n, n))
        np.fill_diagonal(d, 0.0)
    scores = rng.integers(1, 10, size=n).astype(float)
    return d, scores


def check_route(sol: OPSolution, d: np.ndarray, scores: np.ndarray, budget: float, start: int, end: int | None):
    end_ = start if end is None else end
    assert sol.route[0] == start
    assert sol.route[-1] == end_
    inner = sol.route[1:-1] if end_ == start else sol.route
    assert len(set(inner)) == len(inner), "a node repeats"
    assert sol.length == pytest.approx(route_length(d, sol.route))
    assert sol.length <= budget + 1e-9
    assert sol.score == pytest.approx(scores[np.unique(sol.route)].sum())


# --------------------------------------------------------------------------- reader


def test_read_tiny_instance(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text("12.5 1\n0 0 0\n4 0 0\n\n2 1 10\n2 -1 5\n")
    inst = read_op_instance(f)
    assert inst.budget == 12.5
    assert inst.coords.shape == (4, 2)
    np.testing.assert_array_equal(inst.scores, [0, 0, 10, 5])
    assert (inst.start, inst.end, inst.name) == (0, 1, "tiny")
    d = inst.distance_matrix()
    assert d[0, 1] == pytest.approx(4.0)
    assert d[2, 3] == pytest.approx(2.0)
    np.testing.assert_allclose(d, d.T)


@pytest.mark.parametrize(
    "text, where",
    [
        ("", "empty"),
        ("10 1 3\n0 0 0\n1 1 0\n", "line 1"),
        ("ten 1\n0 0 0\n1 1 0\n", "line 1"),
        ("10 2\n0 0 0\n1 1 0\n", "line 1"),
        ("-3 1\n0 0 0\n1 1 0\n", "line 1"),
        ("10 1\n0 0 0\n1 1\n", "line 3"),
        ("10 1\n0 0 0\n1 1 0\n2 2 abc\n", "line 4"),
        ("10 1\n0 0 0\n1 1 0\n2 2 -5\n", "line 4"),
        ("10 1\n0 0 0\n1 nan 0\n", "line 3"),
        ("10 1\n0 0 0\n", "at least the start and end"),
    ],
)
def test_read_bad_files(tmp_path, text, where):
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(InstanceFormatError) as info:
        read_op_instance(f)
    assert str(f) in str(info.value)
    assert where in str(info.value)


def test_read_missing_file(tmp_path):
    with pytest.raises(InstanceFormatError, match="not found"):
        read_op_instance(tmp_path / "nope.txt")


# --------------------------------------------------------------------------- heuristic


def test_known_answer_square():
    # unit square around the start: the four corners fit a budget of 4, the far node does not
    xy = np.array([[0, 0], [0, 1], [1, 1], [1, 0], [5, 5]], dtype=float)
    d = euclid(xy)
    sol = solve_op(d, np.array([0, 1, 1, 1, 10.0]), budget=4.0)
    assert sol.route in ([0, 1, 2, 3, 0], [0, 3, 2, 1, 0])
    assert sol.score == 3.0
    assert sol.length == pytest.approx(4.0)
    # with a budget for the trip to (5, 5) and back, the far node is worth it
    far = solve_op(d, np.array([0, 1, 1, 1, 10.0]), budget=2 * np.hypot(5, 5) + 1e-9)
    assert far.route == [0, 2, 4, 0] or far.route == [0, 4, 2, 0]
    assert far.score == 11.0


def test_known_answer_open_route():
    # a line: start at 0, end at 10; nodes off the line cost extra
    xy = np.array([[0, 0], [10, 0], [5, 0], [5, 3], [2, 0], [8, 4]], dtype=float)
    d = euclid(xy)
    scores = np.array([0, 0, 1, 5, 1, 7.0])
    sol = solve_op(d, scores, budget=10.0, start=0, end=1)
    assert sol.route == [0, 4, 2, 1] and sol.score == 2.0
    exact = solve_op_exact(d, scores, 10.0, start=0, end=1)
    assert exact.score == 2.0 and exact.optimal


def test_unreachable_end():
    d = euclid(np.array([[0, 0], [10, 0], [1, 1]], dtype=float))
    with pytest.raises(UnreachableError, match="beyond the budget"):
        solve_op(d, np.array([0, 0, 1.0]), budget=5.0, start=0, end=1)


def test_bad_inputs():
    d = np.zeros((3, 3))
    with pytest.raises(ValueError, match="one score per node"):
        solve_op(d, np.ones(2), 1.0)
    with pytest.raises(ValueError, match="negative"):
        solve_op(-np.ones((3, 3)), np.ones(3), 1.0)
    with pytest.raises(ValueError, match="node index"):
        solve_op(d, np.ones(3), 1.0, start=5)


def test_no_path_and_nothing_reachable():
    d = euclid(np.array([[0, 0], [1, 0], [2, 0], [50, 0]], dtype=float))
    d[0, 2] = d[2, 0] = np.inf  # no path between 0 and 2: only through 1
    sol = solve_op(d, np.array([0, 1, 1, 100.0]), budget=4.0)
    # node 2 is only reachable through 1, and the way back would repeat 1: only 0-1-0 fits
    assert sol.route == [0, 1, 0] and sol.score == 1.0 and sol.length == pytest.approx(2.0)
    assert solve_op_exact(d, np.array([0, 1, 1, 100.0]), budget=4.0).route == [0, 1, 0]
    empty = solve_op(d, np.array([0, 0, 0, 0.0]), budget=4.0)
    assert empty.route == [0, 0] and empty.score == 0.0


def test_deterministic_for_a_seed():
    rng = np.random.default_rng(3)
    d, s = random_instance(rng, 40)
    a = solve_op(d, s, 25.0, seed=7, time_limit=None, max_iter=60)
    b = solve_op(d, s, 25.0, seed=7, time_limit=None, max_iter=60)
    assert a == b


def test_saturation_equals_discounted_scores():
    rng = np.random.default_rng(5)
    d, s = random_instance(rng, 25)
    sat = rng.uniform(0, 1, size=25)
    a = solve_op(d, s, 20.0, saturation=sat, time_limit=None, max_iter=80)
    b = solve_op(d, s * (1 - sat), 20.0, time_limit=None, max_iter=80)
    assert a.route == b.route and a.score == pytest.approx(b.score)
    # fully collected nodes are not worth visiting
    full = solve_op(d, s, 20.0, saturation=np.ones(25), time_limit=None, max_iter=20)
    assert full.score == 0.0 and full.route == [0, 0]
    with pytest.raises(ValueError, match="saturation"):
        solve_op(d, s, 20.0, saturation=np.full(25, 2.0))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 25),
    asym=st.booleans(),
    closed=st.booleans(),
    frac=st.floats(0.05, 1.5),
)
def test_route_invariants(seed, n, asym, closed, frac):
    rng = np.random.default_rng(seed)
    d, s = random_instance(rng, n, asymmetric=asym)
    start = int(rng.integers(n))
    end = None if closed or n < 2 else int((start + 1 + rng.integers(n - 1)) % n)
    budget = frac * 20.0
    if end is not None:
        budget = max(budget, d[start, end])
    sol = solve_op(d, s, budget, start=start, end=end, seed=seed, time_limit=None, max_iter=15)
    check_route(sol, d, s, budget, start, end)


# --------------------------------------------------------------------------- heuristic against the exact MILP


@pytest.mark.parametrize("case", range(12))
def test_heuristic_reaches_the_optimum(case):
    rng = np.random.default_rng(100 + case)
    n = (12, 14, 16)[case % 3]
    asym = case % 2 == 1
    d, s = random_instance(rng, n, asymmetric=asym)
    closed = case % 3 == 0
    start, end = (0, None) if closed else (0, 1)
    budget = float(rng.uniform(12, 25))
    if end is not None:
        budget = max(budget, 1.2 * d[start, end])
    exact = solve_op_exact(d, s, budget, start, end, time_limit=60)
    check_route(exact, d, s, budget, start, end)
    # a number of rounds, not seconds: the same result on a busy machine
    heur = solve_op(d, s, budget, start, end, seed=case, time_limit=None, max_iter=400)
    check_route(heur, d, s, budget, start, end)
    assert heur.score == pytest.approx(exact.score)


def test_exact_raises_on_time_out():
    rng = np.random.default_rng(1)
    d, s = random_instance(rng, 30)
    with pytest.raises(PatrolsError, match="time"):
        solve_op_exact(d, s, 40.0, time_limit=1e-6)


@pytest.mark.skipif(not BENCH.exists(), reason="the published benchmark folder ../shared/data/op-benchmarks is missing")
def test_published_instance_reaches_best_score():
    inst = read_op_instance(BENCH / "tsiligrides_problem2" / "tsiligirides_problem_2_budget_20.txt")
    sol = solve_op(inst.distance_matrix(), inst.scores, inst.budget, inst.start, inst.end)
    assert sol.score == 200.0  # best published score = proven optimum


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def instance_file(tmp_path):
    f = tmp_path / "line.txt"
    f.write_text("10 1\n0 0 0\n10 0 0\n5 0 1\n5 3 5\n2 0 1\n8 4 7\n")
    return f


def test_cli_text(instance_file, capsys):
    assert cli_main(["solve-op", str(instance_file)]) == 0
    out = capsys.readouterr().out
    assert "score: 2 points" in out
    assert "length: 10.0000 distance units (budget 10 distance units)" in out
    assert "route: 1 5 3 2" in out


def test_cli_json_exact(instance_file, capsys):
    assert cli_main(["solve-op", str(instance_file), "--exact", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["route"] == [1, 5, 3, 2]
    assert out["score_points"] == 2.0 and out["optimal"] is True
    assert out["length_units"] == pytest.approx(10.0)


def test_cli_bad_file(tmp_path, capsys):
    f = tmp_path / "bad.txt"
    f.write_text("10 1\n0 0\n")
    assert cli_main(["solve-op", str(f)]) == 2
    err = capsys.readouterr().err
    assert "bad.txt" in err and "line 2" in err
