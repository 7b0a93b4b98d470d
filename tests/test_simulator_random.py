"""Tests of the random poacher behaviour (simulator.randomized): drawn per seed, deterministic, varied."""

from __future__ import annotations

import json

import numpy as np
import pytest

from layers.defaults import DETECTION_SWEEP_KM
from layers.grid import Grid
from simulator import generate_demo_park
from simulator.landscape import build_landscape
from simulator.poachers import NAMED_BEHAVIOURS, PoacherProcess
from simulator.randomized import SWEEP_FACTOR


@pytest.fixture(scope="module")
def land():
    return build_landscape(np.random.default_rng(3), 500.0, 400.0)


def _process(land, seed, months=4):
    return PoacherProcess("random", land, np.random.default_rng(seed), np.arange(1, months + 1))


def test_random_behaviour_is_deterministic_per_seed(tmp_path):
    a = generate_demo_park(tmp_path / "a", seed=5, behaviour="random", area_km2=120, months=3)
    b = generate_demo_park(tmp_path / "b", seed=5, behaviour="random", area_km2=120, months=3)
    c = generate_demo_park(tmp_path / "c", seed=6, behaviour="random", area_km2=120, months=3)
    ta, tb, tc = (json.loads((p / "truth" / "truth.json").read_text()) for p in (a, b, c))
    assert ta["random_process"] == tb["random_process"] and ta["random_process"] != tc["random_process"]
    ia = Grid.from_raster(a / "truth" / "intensity.tif")[1]
    ib = Grid.from_raster(b / "truth" / "intensity.tif")[1]
    np.testing.assert_array_equal(ia, ib)
    assert (a / "incidents.csv").read_bytes() == (b / "incidents.csv").read_bytes()
    assert ta["sweep_km"] == ta["random_process"]["sweep_km"]


def test_random_recipes_vary_over_seeds(land):
    procs = [_process(land, s) for s in range(12)]
    sweeps = np.array([p.sweep_km for p in procs])
    lo, hi = SWEEP_FACTOR
    assert np.all((sweeps >= lo * DETECTION_SWEEP_KM) & (sweeps <= hi * DETECTION_SWEEP_KM))
    assert np.ptp(sweeps) > 0.5 * DETECTION_SWEEP_KM  # the detection rate differs between parks
    shapes = {t["shape"] for p in procs for t in p.random.recipe["terms"]}
    assert shapes == {"linear", "threshold", "band", "saturating"}
    assert {p.random.recipe["posts"] for p in procs} == {"near the risk", "far from the risk"}
    assert any(p.random.deter == 0 for p in procs) and any(p.random.deter > 0 for p in procs)
    # the intensity maps of different seeds are not one map
    effort = np.zeros((4,) + land.grid.shape)
    maps = np.log([sum(p.intensity(0, effort).values())[land.grid.mask] for p in procs])
    corr = np.corrcoef(maps)[np.triu_indices(len(procs), 1)]
    assert np.median(np.abs(corr)) < 0.6


def test_random_deterrence_moves_poachers_away_from_recent_patrols(land):
    proc = next(p for p in (_process(land, s, 2) for s in range(30)) if p.random.deter > 0.3)
    effort = np.zeros((2,) + land.grid.shape)
    before = sum(proc.intensity(1, effort).values())
    r, c = np.argwhere(land.grid.mask)[len(np.argwhere(land.grid.mask)) // 2]
    effort[0, r - 2 : r + 3, c - 2 : c + 3] = 10.0
    after = sum(proc.intensity(1, effort).values())
    assert after[r, c] < 0.8 * before[r, c]
    assert after[land.grid.mask].sum() == pytest.approx(before[land.grid.mask].sum(), rel=1e-6)


def test_random_hotspots_move(land):
    proc = next(p for p in (_process(land, s, 24) for s in range(30)) if p.random.hotspots)
    effort = np.zeros((24,) + land.grid.shape)
    first = sum(proc.intensity(0, effort).values())
    last = sum(proc.intensity(23, effort).values())
    assert not np.allclose(first, last)


def test_named_behaviours_do_not_draw_the_random_recipe(land):
    for name in NAMED_BEHAVIOURS:
        proc = PoacherProcess(name, land, np.random.default_rng(5), np.arange(1, 3))
        assert proc.random is None and proc.sweep_km == DETECTION_SWEEP_KM
