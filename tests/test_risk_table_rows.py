"""Fine grids in bounded memory: the patrolled-rows table, forecast rows by blocks, and the memory estimate."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from simarrays import sim_arrays

from riskmodel import surface as S
from riskmodel import table as T
from riskmodel.guards import check_table_memory, table_bytes, table_rows
from riskmodel.models import EffortAwareRisk
from simulator.arrays import simulate_park

ONE = {"n_members": 2, "max_iter": 20}


@pytest.fixture(scope="module")
def sim():
    return simulate_park(rows=20, cols=24, months=14, seed=5, attacks_per_month=100)


@pytest.fixture(scope="module")
def arr(sim):
    return sim_arrays(sim)


def _args(sim, stop=None):
    sl = slice(0, stop)
    return (sim.covariates, sim.names, sim.km[sl], sim.found[sl], sim.mask, sim.periods[sl])


def test_patrolled_table_is_the_full_table_without_its_unpatrolled_rows_without_finds(sim):
    full = T.build_table(*_args(sim), cell_size_m=500)
    part = T.build_table(*_args(sim), cell_size_m=500, rows=T.PATROLLED_ROWS)
    keep = (full.X[T.COL_EFFORT].to_numpy() > 0) | (full.y > 0)
    assert 0 < keep.sum() < len(full)  # the test park has unpatrolled cell-months: the test can fail
    assert len(part) == keep.sum()
    np.testing.assert_array_equal(part.X.to_numpy(), full.X.to_numpy()[keep])
    np.testing.assert_array_equal(part.y, full.y[keep])
    np.testing.assert_array_equal(part.t, full.t[keep])
    np.testing.assert_array_equal(part.cell, full.cell[keep])
    assert list(part.X.columns) == list(full.X.columns)
    with pytest.raises(ValueError, match="rows must be"):
        T.build_table(*_args(sim), cell_size_m=500, rows="some")


def test_effort_aware_fit_learns_the_same_from_either_table(sim):
    full = T.build_table(*_args(sim, 12), cell_size_m=500)
    part = T.build_table(*_args(sim, 12), cell_size_m=500, rows=T.PATROLLED_ROWS)
    fc = T.forecast_rows(*_args(sim, 12), cell_size_m=500, horizon=1)
    a = EffortAwareRisk(**ONE).fit(full.X, full.y, groups=full.cell, periods=full.t)
    b = EffortAwareRisk(**ONE).fit(part.X, part.y, groups=part.cell, periods=part.t)
    np.testing.assert_array_equal(a.predict_members(fc.X), b.predict_members(fc.X))


@pytest.mark.parametrize("block", [1, 7, 10_000])
def test_forecast_blocks_cover_the_forecast_rows(sim, block):
    whole = T.forecast_rows(*_args(sim), cell_size_m=500, horizon=3)
    n = int(sim.mask.sum())
    X = np.full((3, n, whole.X.shape[1]), np.nan, np.float32)
    seen = np.zeros(n, int)
    for lo, hi, b in T.forecast_blocks(*_args(sim), cell_size_m=500, horizon=3, block_cells=block):
        assert 0 < hi - lo <= block and len(b) == 3 * (hi - lo)
        X[:, lo:hi] = b.X.to_numpy().reshape(3, hi - lo, -1)
        seen[lo:hi] += 1
    assert (seen == 1).all()
    np.testing.assert_array_equal(X.reshape(3 * n, -1), whole.X.to_numpy())


@pytest.mark.parametrize("model", ["effort-aware", "effort-blind"])
def test_fit_predict_is_the_same_by_blocks_and_with_the_patrolled_table(arr, model, monkeypatch):
    n = arr.n_train("2023-12-31")
    settings = ONE if model == "effort-aware" else {"max_iter": 20}
    risk, unc, *_ = S.fit_predict(arr, n, 2, model, settings=settings)
    monkeypatch.setattr(S, "forecast_blocks", functools.partial(T.forecast_blocks, block_cells=13))
    risk_b, unc_b, _, table, _, meta = S.fit_predict(arr, n, 2, model, settings=settings, table_rows=T.PATROLLED_ROWS)
    np.testing.assert_allclose(risk_b, risk, rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(unc_b, unc, rtol=1e-6, equal_nan=True)
    all_rows = int(arr.mask.sum()) * (n - T.MIN_HISTORY)
    assert len(table) == (table_rows(arr, n, T.PATROLLED_ROWS) if model == "effort-aware" else all_rows)
    assert meta["training_rows"] == {"rows": len(table), "cell_months": all_rows}


def test_memory_estimate_counts_the_patrolled_rows(arr):
    n = arr.n_train("2023-12-31")
    part = T.build_table(*_args_arr(arr, n), cell_size_m=500, rows=T.PATROLLED_ROWS)
    assert table_rows(arr, n, T.PATROLLED_ROWS) == len(part)
    rows_all, cols, need_all = table_bytes(arr, n)
    rows_part, cols_part, need_part = table_bytes(arr, n, T.PATROLLED_ROWS)
    assert cols == cols_part == part.X.shape[1] and rows_part < rows_all and need_part < need_all
    # the history arrays on the grid count whatever the rows: (months + 1) x grid cells, three of them
    assert need_part > 3 * (n + 1) * arr.mask.size * 4
    check_table_memory(arr, n, limit_bytes=need_part * 1.01, rows=T.PATROLLED_ROWS)
    with pytest.raises(S.RiskModelError, match=r"patrolled cell-months.*Fix: a coarser cell_size_m"):
        check_table_memory(arr, n, limit_bytes=need_part * 0.99, rows=T.PATROLLED_ROWS)


def _args_arr(arr, n):
    return (arr.covariates, arr.names, arr.km[:n], arr.counts[:n], arr.mask, arr.periods[:n])
