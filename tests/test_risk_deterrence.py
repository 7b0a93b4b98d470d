"""Past effort as deterrence: with the constraint, more past patrolling can only lower the mapped intensity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layers.defaults import DETECTION_SWEEP_KM
from riskmodel.models import EffortAwareRisk
from riskmodel.surface import part_level_factor


def _confounded(seed: int = 0, n: int = 40_000):
    """Rangers walk where an unmapped hot spot is: past effort rises with the attacks it also deters."""
    rng = np.random.default_rng(seed)
    hidden = rng.normal(size=n)  # the unmapped access route no layer shows
    ndvi = rng.normal(size=n)
    lag = rng.gamma(2.0, 0.5, n) * np.exp(0.8 * hidden)  # km walked last month
    coverage = rng.gamma(2.0, 0.5, n)
    lam = 0.05 * np.exp(0.4 * ndvi + 1.0 * hidden - 0.2 * lag)
    found = rng.poisson(lam * -np.expm1(-DETECTION_SWEEP_KM * coverage))
    X = pd.DataFrame({"ndvi": ndvi, "effort_km_lag1": lag, "coverage": coverage}).astype(np.float32)
    return X, found


def _response(est, X, column="effort_km_lag1"):
    grid = X.iloc[:200].copy()
    out = []
    for v in np.quantile(X[column], [0.05, 0.25, 0.5, 0.75, 0.95]):
        grid[column] = np.float32(v)
        out.append(est.predict(grid).mean())
    return np.array(out)


@pytest.mark.parametrize("mode", ["monotone", "deterrence"])
def test_constrained_past_effort_can_only_lower_the_intensity(mode):
    X, y = _confounded()
    kw = dict(exclude_columns=(), n_members=1, max_iter=60, min_samples_leaf=200)
    free = EffortAwareRisk(**kw).fit(X, y)
    held = EffortAwareRisk(past_effort=mode, **kw).fit(X, y)
    r_free, r_held = _response(free, X), _response(held, X)
    assert r_free[-1] > 1.2 * r_free[0]  # unconstrained, the confound makes past effort look like a risk factor
    assert np.all(np.diff(r_held) <= 1e-9 * r_held[:-1])  # constrained: never rising with past effort
    if mode == "deterrence":
        assert held.glm_cols_ == [0]  # the past-effort term came out positive and was dropped from the GLM
    else:
        assert held.glm_cols_ == [0] and held.glm_sq_cols_ == [0]


def test_bad_past_effort_mode_is_a_clear_error():
    X, y = _confounded(n=2000)
    with pytest.raises(ValueError, match="past_effort must be one of"):
        EffortAwareRisk(exclude_columns=(), past_effort="sometimes").fit(X, y)


def test_part_level_factor_moves_the_unsearched_level_to_the_reference():
    values = np.array([1.0, 1.0, 1.0, 1.0])
    reference = np.array([1.0, 1.0, 2.0, 2.0])  # the reference rates the unsearched half twice the searched
    w = np.array([0.0, 0.0, 1.0, 1.0])
    out = values * part_level_factor(values, reference, w)
    assert np.allclose(out, [1.0, 1.0, 2.0, 2.0])
    half = part_level_factor(values, reference, np.array([0.0, 0.0, 0.5 + 1e-9, 1.0]))
    assert half[2] == pytest.approx(np.sqrt(2.0)) and half[0] == 1.0  # partial weight, partial correction
    assert np.all(part_level_factor(values, reference, np.zeros(4)) == 1.0)  # one part only: no change
