"""The training table: known answers on tiny grids and no leakage from a period's own label."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodel.errors import NotEnoughDataError
from riskmodel.table import (
    COL_COVERAGE,
    COL_EFFORT,
    CURRENT_EFFORT_COLUMNS,
    build_table,
    forecast_rows,
    history_feature_names,
)
from simulator.arrays import simulate_park


def tiny(T=6, rows=3, cols=4):
    cov = np.arange(rows * cols, dtype=np.float32).reshape(1, rows, cols)
    km = np.zeros((T, rows, cols), np.float32)
    counts = np.zeros((T, rows, cols), np.int32)
    mask = np.ones((rows, cols), bool)
    mask[0, 0] = False
    periods = pd.period_range("2024-01", periods=T, freq="M")
    return cov, km, counts, mask, periods


def test_rows_and_labels():
    cov, km, counts, mask, periods = tiny()
    counts[4, 1, 2] = 2
    km[4, 1, 2] = 1.5
    t = build_table(cov, ["c"], km, counts, mask, periods, cell_size_m=500, start=3)
    assert len(t) == mask.sum() * 3
    assert set(t.t) == {3, 4, 5}
    row = (t.t == 4) & (t.cell == 1 * 4 + 2)
    assert t.y[row].tolist() == [2]
    assert t.X.loc[row, COL_EFFORT].tolist() == [1.5]
    assert t.X.loc[row, COL_COVERAGE].tolist() == [pytest.approx(6.0)]  # 1.5 km / 0.25 km2
    assert t.X.loc[row, "c"].tolist() == [6.0]
    assert t.X.dtypes.unique().tolist() == [np.float32]


def test_lag_known_answers():
    cov, km, counts, mask, periods = tiny()
    km[:, 2, 3] = [1, 2, 3, 4, 5, 6]
    counts[1, 2, 3] = 1
    counts[3, 2, 3] = 3
    t = build_table(cov, ["c"], km, counts, mask, periods, cell_size_m=500, start=4, stop=5)
    row = t.cell == 2 * 4 + 3
    x = t.X[row].iloc[0]
    assert x["effort_km_lag1"] == pytest.approx(4.0)  # period 3
    assert x["effort_km_lag3"] == pytest.approx((2 + 3 + 4) / 3)  # periods 1-3
    assert x["effort_km_lag12"] == pytest.approx((1 + 2 + 3 + 4) / 4)  # all 4 earlier periods
    assert x["found_lag1"] == pytest.approx(3.0)
    assert x["found_lag3"] == pytest.approx(4 / 3)
    assert x[COL_EFFORT] == pytest.approx(5.0)
    # season: May
    assert x["month_sin"] == pytest.approx(np.sin(2 * np.pi * 4 / 12))


def test_effort_corrected_rate_tells_searched_from_unsearched():
    cov, km, counts, mask, periods = tiny(T=8)
    km[:, 1, 1] = 10.0  # searched hard every month, nothing found
    km[:, 2, 2] = 10.0
    counts[:, 2, 2] = 1  # searched hard, something found every month
    t = build_table(cov, ["c"], km, counts, mask, periods, cell_size_m=500, start=7)
    rate = dict(zip(t.cell, t.X["found_rate_cell"]))
    quiet, hot, unsearched = rate[1 * 4 + 1], rate[2 * 4 + 2], rate[0 * 4 + 3]
    assert quiet < unsearched < hot  # no search: the park-wide rate, not zero


def _features(t):
    return t.X.drop(columns=list(CURRENT_EFFORT_COLUMNS)).to_numpy()


def test_no_leakage_from_own_period_or_later():
    sim = simulate_park(rows=12, cols=15, months=10, seed=3)
    args = (sim.covariates, sim.names, sim.km, sim.found, sim.mask, sim.periods)
    base = build_table(*args, cell_size_m=500)
    for t_changed in (5, 7):
        found = sim.found.copy()
        found[t_changed:] += 3  # the label of period t and everything after
        km = sim.km.copy()
        km[t_changed + 1 :] += 2.0  # later effort (the period's own effort is a detection term)
        other = build_table(sim.covariates, sim.names, km, found, sim.mask, sim.periods, cell_size_m=500)
        same = base.t <= t_changed
        np.testing.assert_array_equal(_features(base)[same], _features(other)[same])
        assert (other.y[base.t == t_changed] != base.y[base.t == t_changed]).all()
        # and the change does reach the following period (the test can fail)
        after = base.t == t_changed + 1
        if after.any():
            assert not np.array_equal(_features(base)[after], _features(other)[after])


def test_forecast_rows_match_the_next_period_of_the_table():
    sim = simulate_park(rows=10, cols=12, months=9, seed=4)
    full = build_table(sim.covariates, sim.names, sim.km, sim.found, sim.mask, sim.periods, cell_size_m=500)
    fc = forecast_rows(
        sim.covariates, sim.names, sim.km[:8], sim.found[:8], sim.mask, sim.periods[:8], cell_size_m=500, horizon=2
    )
    assert list(fc.periods.astype(str)) == ["2023-09", "2023-10"]
    nxt = full.t == 8
    first = fc.t == 8
    np.testing.assert_allclose(_features(full)[nxt], _features(fc)[first], rtol=1e-6)
    assert fc.X[COL_EFFORT].isna().all()
    names = history_feature_names()
    np.testing.assert_array_equal(fc.X.loc[fc.t == 9, names].to_numpy(), fc.X.loc[first, names].to_numpy())


def test_bad_inputs():
    cov, km, counts, mask, periods = tiny()
    with pytest.raises(ValueError, match="periods"):
        build_table(cov, ["c"], km, counts, mask, periods[:3], cell_size_m=500)
    with pytest.raises(ValueError, match="names"):
        build_table(cov, ["a", "b"], km, counts, mask, periods, cell_size_m=500)
    with pytest.raises(NotEnoughDataError):
        build_table(cov, ["c"], km, counts, np.zeros_like(mask), periods, cell_size_m=500)


def test_categorical_covariate_becomes_indicator_columns():
    cov, km, counts, mask, periods = tiny(rows=4, cols=5)
    codes = np.array([[1, 1, 2, 2, 7], [1, 1, 2, 2, 7], [3, 3, 3, 3, 3], [3, 3, 3, np.nan, 9]], np.float32)
    both = np.stack([cov[0, :4, :5], codes])
    args = (both, ["c", "lc"], km, counts, mask, periods)
    t = build_table(*args, cell_size_m=500, categorical=("lc",))
    fc = forecast_rows(*args, cell_size_m=500, horizon=2, categorical=("lc",))
    lc = [c for c in t.X.columns if c.startswith("lc")]
    assert "lc" not in t.X.columns
    assert lc == ["lc_3", "lc_2", "lc_1", "lc_7", "lc_9"]  # commonest first (cell 0, 0 is outside the park)
    assert list(fc.X.columns) == list(t.X.columns)
    first = t.t == t.t.min()
    row = t.X[first].reset_index(drop=True)
    cells = t.cell[first]
    at = {int(c): i for i, c in enumerate(cells)}
    assert row.loc[at[0 * 5 + 2], lc].tolist() == [0, 1, 0, 0, 0]  # class 2 only
    assert np.isnan(row.loc[at[3 * 5 + 3], lc].to_numpy(float)).all()  # no code: unknown, not class 0
    # without the flag the codes stay one numeric column
    plain = build_table(*args, cell_size_m=500)
    assert "lc" in plain.X.columns and "lc_2" not in plain.X.columns


def test_rare_classes_get_no_column(monkeypatch):
    import riskmodel.table as T

    monkeypatch.setattr(T, "MIN_CLASS_SHARE", 0.2)
    cols = T.class_columns("lc", np.array([1, 1, 1, 1, 2, 2, 2, 5]))
    assert list(cols) == ["lc_1", "lc_2"]  # class 5 is 1/8 of the cells
