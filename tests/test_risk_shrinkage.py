"""Empirical-Bayes residual correction and the GLM half of the effort-aware ensemble."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.defaults import DETECTION_SWEEP_KM
from riskmodel.models import BLEND_GRID, EffortAwareRisk
from riskmodel.shrinkage import multiscale_multiplier, rate_multiplier, unsearched_weight


def test_multiplier_known_answer_without_pooling():
    found = np.zeros((2, 1, 3))
    found[:, 0, 0] = 3
    expected = np.ones((2, 1, 3))
    expected[:, 0, 2] = 0  # never searched: no evidence either way
    m = rate_multiplier(found, expected, np.ones((1, 3), bool), 500, sigma_km=0, prior=1.0, half_life=None)
    np.testing.assert_allclose(m, [[7 / 3, 1 / 3, 1.0]])


def test_recent_periods_weigh_more():
    found = np.zeros((2, 1, 2))
    found[1, 0, 0] = 2  # cell 0: finds last period
    found[0, 0, 1] = 2  # cell 1: the same finds a period earlier
    expected = np.ones((2, 1, 2))
    m = rate_multiplier(found, expected, np.ones((1, 2), bool), 500, sigma_km=0, prior=1.0, half_life=1.0)
    assert m[0, 0] > m[0, 1] > 0
    np.testing.assert_allclose(m[0, 0], (2 + 1) / (1.5 + 1))


def test_outside_the_park_is_one_and_pooling_spreads_evidence():
    found = np.zeros((1, 9, 9))
    found[0, 4, 4] = 5
    expected = np.full((1, 9, 9), 0.2)
    mask = np.ones((9, 9), bool)
    mask[0, 0] = False
    m = rate_multiplier(found, expected, mask, 500, sigma_km=0.5, prior=1.0, half_life=None)
    assert m[0, 0] == 1.0
    assert m[4, 4] > m[4, 5] > m[4, 8]  # the neighbours of a find are raised, less with distance
    assert m[4, 5] > 1.0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 5), min_size=4, max_size=4),
    st.lists(st.floats(0, 5), min_size=4, max_size=4),
    st.floats(0.1, 10),
)
def test_multiplier_is_between_the_data_and_one(f, e, prior):
    found = np.array(f).reshape(1, 2, 2)
    expected = np.array(e).reshape(1, 2, 2)
    m = rate_multiplier(found, expected, np.ones((2, 2), bool), 500, sigma_km=0, prior=prior, half_life=None)
    assert (m > 0).all()
    raw = np.where(expected[0] > 0, found[0] / np.maximum(expected[0], 1e-300), np.inf)
    lo, hi = np.minimum(raw, 1.0), np.maximum(raw, 1.0)
    assert ((m >= lo - 1e-9) & (m <= hi + 1e-9)).all()  # shrunk toward 1, never past it


def test_bad_inputs():
    with pytest.raises(ValueError, match="shape"):
        rate_multiplier(np.zeros((2, 2)), np.zeros((2, 2)), np.ones((2, 2), bool), 500)
    with pytest.raises(ValueError, match="prior"):
        rate_multiplier(np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), np.ones((2, 2), bool), 500, prior=0)


def _loglinear_rows(n=60_000, seed=0):
    """Intensity log-linear in ``a``; patrols search mostly where ``a`` is low."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, n)
    lam = 0.3 * np.exp(1.5 * a)
    coverage = np.where(rng.random(n) < 0.8 * (1 - a) / 2, rng.choice([0.5, 2.0, 8.0], n), 0.0)
    y = rng.poisson(lam * (1 - np.exp(-DETECTION_SWEEP_KM * coverage)))
    X = pd.DataFrame({"a": a.astype(np.float32), "coverage": coverage.astype(np.float32)})
    return X, y, lam


@pytest.mark.parametrize("w", [0.0, 0.7, 1.0])
def test_glm_blend_recovers_a_loglinear_intensity(w):
    X, y, lam = _loglinear_rows()
    est = EffortAwareRisk(exclude_columns=(), n_members=1, max_iter=40, glm_weight=w).fit(X, y)
    assert (est.glm_ is None) == (w == 0)
    pred = est.predict(X)
    assert np.corrcoef(np.log(pred), np.log(lam))[0, 1] > 0.95
    assert pred.mean() == pytest.approx(lam.mean(), rel=0.2)


def test_glm_weight_is_checked():
    X, y, _ = _loglinear_rows(n=2000)
    with pytest.raises(ValueError, match="glm_weight"):
        EffortAwareRisk(exclude_columns=(), n_members=1, max_iter=5, glm_weight=1.5).fit(X, y)


def test_validated_blend_leans_on_the_glm_when_the_intensity_is_loglinear():
    X, y, lam = _loglinear_rows(n=30_000, seed=1)
    periods = np.repeat(np.arange(10), len(y) // 10)
    est = EffortAwareRisk(exclude_columns=(), n_members=1, max_iter=40, glm_weight="validate")
    est = est.fit(X, y, periods=periods)
    assert set(est.blend_scores_) == set(BLEND_GRID)
    assert est.glm_weight_ == max(est.blend_scores_, key=est.blend_scores_.get)
    assert est.glm_weight_ >= 0.6  # the log-linear GLM is the true model here
    assert np.corrcoef(np.log(est.predict(X)), np.log(lam))[0, 1] > 0.95


def test_validated_blend_inputs_are_checked():
    X, y, _ = _loglinear_rows(n=2000)
    with pytest.raises(ValueError, match="glm_weight"):
        EffortAwareRisk(exclude_columns=(), n_members=1, max_iter=5, glm_weight="best").fit(X, y)
    with pytest.raises(ValueError, match="periods"):
        EffortAwareRisk(exclude_columns=(), n_members=1, max_iter=5, glm_weight="validate").fit(
            X, y, periods=np.zeros(3)
        )


def test_multiscale_multiplier_lets_a_cell_without_evidence_keep_its_area_rate():
    """Finds at three times the model all over a patch: an unsearched cell in it is raised too."""
    T, n = 6, 20
    expected = np.full((T, n, n), 0.2)
    expected[:, 10, 10] = 0.0  # one cell inside the patch never searched
    found = np.random.default_rng(0).poisson(3 * expected).astype(float)
    mask = np.ones((n, n), bool)
    fine = rate_multiplier(found, expected, mask, 250, sigma_km=0, prior=2.0, half_life=None)
    both = multiscale_multiplier(found, expected, mask, 250, scales=((2.0, 2.0, None), (0, 2.0, None)))
    assert fine[10, 10] == pytest.approx(1.0)  # alone, no evidence: the model's value
    assert both[10, 10] > 2.0  # nested: the patch's multiplier
    assert np.median(both) == pytest.approx(3.0, rel=0.25)
    one = multiscale_multiplier(found, expected, mask, 250, scales=((1.0, 2.0, 6.0),))
    np.testing.assert_allclose(one, rate_multiplier(found, expected, mask, 250, 1.0, 2.0, 6.0))
    with pytest.raises(ValueError, match="scale"):
        multiscale_multiplier(found, expected, mask, 250, scales=())


def test_unsearched_weight_falls_with_recent_search_nearby():
    km = np.zeros((14, 9, 9))
    km[-12:, 4, 0] = 50.0  # one cell searched thoroughly in each of the last 12 periods
    km[:2, 4, 8] = 50.0  # another searched, but before the window
    mask = np.ones((9, 9), bool)
    w = unsearched_weight(km, mask, 500, DETECTION_SWEEP_KM, window=12, sigma_km=0.5)
    assert w[4, 0] < 0.01  # the searched cell
    assert w[4, 0] < w[4, 1] < w[4, 3] < 1.0  # its neighbours, less searched with distance
    assert w[4, 8] == 1.0 and w[0, 8] == 1.0  # searched only long ago, or never: fully unsearched
    # without pooling: exp(-S / scale), S the summed detection of the window
    w0 = unsearched_weight(km, mask, 500, DETECTION_SWEEP_KM, window=12, sigma_km=0, scale=0.3)
    det = 1 - np.exp(-DETECTION_SWEEP_KM * 50.0 / 0.25)
    np.testing.assert_allclose(w0[4, 0], np.exp(-12 * det / 0.3))
    # effort outside the park does not count as search
    out = mask.copy()
    out[4, 0] = False
    assert unsearched_weight(km, out, 500, DETECTION_SWEEP_KM, sigma_km=0)[4, 0] == 1.0


def test_unsearched_weight_inputs_are_checked():
    with pytest.raises(ValueError, match="scale must be positive"):
        unsearched_weight(np.zeros((2, 3, 3)), np.ones((3, 3), bool), 500, 0.02, scale=0)
    with pytest.raises(ValueError, match=r"\(T, rows, cols\)"):
        unsearched_weight(np.zeros((3, 3)), np.ones((3, 3), bool), 500, 0.02)
