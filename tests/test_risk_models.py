"""Risk estimators: the scikit-learn contract, known answers, and effort-aware vs effort-blind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from layers.defaults import DETECTION_SWEEP_KM
from riskmodel import metrics as M
from riskmodel.models import EffortAwareRisk, EffortBlindClassifier, KDEHotspot
from riskmodel.table import build_table, forecast_rows
from simulator.arrays import simulate_park

NOT_A_REGRESSION = (
    "predicts an attack intensity from effort-censored counts (or a density of past finds), "
    "not the regression target of a generic data set"
)


def _expected_failures(est):
    if isinstance(est, (KDEHotspot, EffortAwareRisk)):
        return {"check_regressors_train": NOT_A_REGRESSION}
    return {}


_CONTRACT = parametrize_with_checks(
    [
        KDEHotspot(coord_columns=(0, 1)),
        EffortBlindClassifier(drop_columns=[], max_iter=10),
        EffortAwareRisk(coverage_column=0, exclude_columns=(), sweep_km=0.15, n_members=2, max_iter=10),
    ],
    expected_failed_checks=_expected_failures,
)


# ``check_array_api_input`` runs only in SciPy's array-API mode and concerns estimators
# that accept other array libraries; these take NumPy arrays and pandas frames only.
def _check_name(param) -> str:
    check = (param.values if hasattr(param, "values") else param)[1]
    while hasattr(check, "func"):
        check = check.func
    return getattr(check, "__name__", "")


assert callable(_CONTRACT.kwargs["ids"])  # ids follow the values, so filtering the values is enough
_CONTRACT.args[1][:] = [p for p in _CONTRACT.args[1] if _check_name(p) != "check_array_api_input"]


@_CONTRACT
def test_sklearn_contract(estimator, check):
    check(estimator)


@pytest.mark.parametrize("est", [KDEHotspot(), EffortBlindClassifier(), EffortAwareRisk()])
def test_not_fitted(est):
    X = pd.DataFrame({"x_km": [0.0], "y_km": [0.0], "coverage": [1.0], "effort_km": [1.0], "a": [1.0]})
    with pytest.raises(NotFittedError):
        est.predict(X)


def test_kde_known_answer():
    X = pd.DataFrame({"x_km": [0.0, 0.0, 5.0, 5.0], "y_km": [0.0, 0.0, 0.0, 0.0]})
    y = np.array([2, 0, 0, 0])  # two periods of two cells; 2 finds at (0, 0)
    kde = KDEHotspot(bandwidth_km=1.0).fit(X, y)
    assert kde.n_periods_ == 2
    got = kde.predict(pd.DataFrame({"x_km": [0.0, 1.0, 5.0], "y_km": [0.0, 0.0, 0.0]}))
    peak = 2 / (2 * np.pi) / 2
    np.testing.assert_allclose(got, [peak, peak * np.exp(-0.5), 0.0], rtol=1e-9, atol=1e-12)


def _constant_rate_rows(lam, sweep, n=40_000, seed=0):
    rng = np.random.default_rng(seed)
    coverage = rng.choice([0.0, 0.5, 2.0, 8.0, 30.0], n)
    d = 1 - np.exp(-sweep * coverage)
    X = pd.DataFrame({"a": rng.normal(size=n).astype(np.float32), "coverage": coverage.astype(np.float32)})
    y = rng.poisson(lam * d)
    return X, y


def test_effort_aware_recovers_a_constant_intensity():
    X, y = _constant_rate_rows(0.4, DETECTION_SWEEP_KM)
    est = EffortAwareRisk(sweep_km=DETECTION_SWEEP_KM, exclude_columns=(), n_members=2, max_iter=30).fit(X, y)
    lam = est.predict(X)
    assert lam.mean() == pytest.approx(0.4, rel=0.08)
    # a naive finds-per-row rate is far lower: most attacks are never found
    assert y.mean() < 0.5 * 0.4
    # where nobody walked, it still predicts the intensity (not zero finds)
    assert lam[X["coverage"].to_numpy() == 0].mean() == pytest.approx(0.4, rel=0.1)
    found = est.predict_found(X)
    assert found[X["coverage"].to_numpy() == 0].max() == 0


def test_effort_aware_fit_reports_its_progress_and_the_same_model():
    X, y = _constant_rate_rows(0.4, DETECTION_SWEEP_KM, n=5_000)
    told = []
    kw = dict(sweep_km=DETECTION_SWEEP_KM, exclude_columns=(), n_members=3, max_iter=10, random_state=1)
    est = EffortAwareRisk(**kw).fit(X, y, progress=lambda f, m: told.append((f, m)))
    fractions = [f for f, _ in told]
    assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] < 1
    assert [m for _, m in told if m.startswith("bootstrap")] == [f"bootstrap member {k} of 3" for k in (1, 2, 3)]
    assert np.array_equal(est.predict(X), EffortAwareRisk(**kw).fit(X, y).predict(X))  # progress changes nothing


def test_profile_likelihood_finds_the_sweep_width():
    true = DETECTION_SWEEP_KM * 2.0
    X, y = _constant_rate_rows(0.6, true, n=60_000, seed=1)
    est = EffortAwareRisk(sweep_km="profile", exclude_columns=(), n_members=1, max_iter=20).fit(X, y)
    assert est.sweep_km_ == pytest.approx(true)
    assert set(est.profile_) == {DETECTION_SWEEP_KM * f for f in (0.5, 1.0, 2.0)}


def test_effort_aware_beats_effort_blind_when_patrols_are_biased():
    sim = simulate_park(rows=30, cols=40, months=24, seed=5, effort_bias=1.0, attacks_per_month=150)
    T = 21
    args = (sim.covariates, sim.names, sim.km[:T], sim.found[:T], sim.mask, sim.periods[:T])
    table = build_table(*args, cell_size_m=500)
    fc = forecast_rows(*args, cell_size_m=500, horizon=3)
    n = int(sim.mask.sum())
    truth = sim.intensity[T:].sum(0)[sim.mask]
    aware = EffortAwareRisk(n_members=2, max_iter=60).fit(table.X, table.y, groups=table.cell)
    blind = EffortBlindClassifier(max_iter=60).fit(table.X, table.found)
    s_aware = aware.predict(fc.X).reshape(3, n).sum(0)
    s_blind = blind.predict_proba(fc.X)[:, 1].reshape(3, n).sum(0)
    # ranked against the true intensity: attacks are where rangers rarely walk
    auc_aware = M.roc_auc(s_aware, truth > np.quantile(truth, 0.75))
    auc_blind = M.roc_auc(s_blind, truth > np.quantile(truth, 0.75))
    assert auc_aware > 0.75
    assert auc_aware > auc_blind + 0.2
    # the ensemble gives a spread
    members = aware.predict_members(fc.X)
    assert members.shape == (2, 3 * n) and members.std(axis=0).mean() > 0


def test_effort_aware_rejects_data_without_effort():
    X = pd.DataFrame({"a": [1.0, 2.0], "coverage": [0.0, 0.0]})
    with pytest.raises(ValueError, match="no row has patrol effort"):
        EffortAwareRisk().fit(X, [0, 1])
    with pytest.raises(ValueError, match="not in X"):
        EffortAwareRisk(coverage_column="nope").fit(X, [0, 1])
