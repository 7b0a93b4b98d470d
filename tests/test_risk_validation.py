"""Tests of the effort-conditional validation and of the interval coverage (riskmodel.validation, .uncertainty)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.defaults import DETECTION_SWEEP_KM, detection_probability
from riskmodel.uncertainty import calibrated_log_sd, interval, interval_coverage, probability_sd
from riskmodel.validation import effort_conditional, km_top_share, ranking_agreement


def test_km_top_share_known_answer():
    # cells ranked 3, 1, 2, 0 by score; km 1, 2, 3, 4 (total 10): the top 10 % of km is one km
    share = km_top_share(np.array([0.0, 2.0, 1.0, 3.0]), np.array([1.0, 2.0, 3.0, 4.0]), 0.1)
    np.testing.assert_allclose(share, [0, 0, 0, 0.25])
    share = km_top_share(np.array([0.0, 2.0, 1.0, 3.0]), np.array([1.0, 2.0, 3.0, 4.0]), 0.5)
    np.testing.assert_allclose(share, [0, 0.5, 0, 1.0])  # 4 km of the top cell, then 1 of the next 2


def test_effort_conditional_known_answer():
    lam = np.array([[0.5, 1.0, 2.0, 4.0, 8.0]])
    km = np.array([[1.0, 1.0, 1.0, 1.0, 0.0]])  # the last cell was not walked: not scored
    found = np.array([[0, 0, 1, 1, 5]])
    area = 0.25
    r = effort_conditional(lam, km, found, area)
    assert r["patrolled_cells"] == 4 and r["finds"] == 2 and r["km"] == 4
    assert r["auc"] == 1.0
    e = lam[0, :4] * detection_probability(1.0, area, DETECTION_SWEEP_KM)
    mu = e * 2 / e.sum()
    f = found[0, :4]
    dev = 2 * (np.where(f > 0, f * np.log(np.where(f > 0, f, 1) / mu), 0) - (f - mu))
    assert r["deviance"] == pytest.approx(dev.mean())
    assert r["expected_over_found"] == pytest.approx(e.sum() / 2)
    # the top 10 % of the 4 km is 0.4 km of the highest-ranked walked cell (one find of two)
    assert r["capture_top10pct_km"] == pytest.approx(0.4 * 1 / 2)
    assert r["lift_top10pct_km"] == pytest.approx(2.0)


def test_effort_conditional_rewards_the_truth_not_the_routes():
    """A map of where rangers walk wins on raw finds but loses, given the effort, to the true intensity."""
    from riskmodel.metrics import roc_auc

    rng = np.random.default_rng(0)
    n, T = 3000, 3
    truth = np.exp(rng.normal(0, 1, n)) * 0.02
    walk = np.exp(rng.normal(0, 1.5, n)) * (rng.random(n) < 0.4)  # routes unrelated to the attacks
    km = np.stack([walk * rng.gamma(4, 0.25, n) for _ in range(T)])
    attacks = rng.poisson(np.broadcast_to(truth, km.shape))
    found = rng.binomial(attacks, detection_probability(km, 0.25))
    raw = found.sum(0)
    assert roc_auc(walk, raw) > roc_auc(truth, raw)  # the raw table prefers the routes
    ec_truth = effort_conditional(np.broadcast_to(truth, km.shape), km, found, 0.25)
    ec_routes = effort_conditional(np.broadcast_to(walk + 1e-6, km.shape), km, found, 0.25)
    assert ec_truth["auc"] > ec_routes["auc"]
    assert ec_truth["deviance"] < ec_routes["deviance"]
    assert ec_truth["capture_top10pct_km"] > ec_routes["capture_top10pct_km"]


@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 100.0), st.integers(0, 2**31 - 1))
def test_effort_conditional_ignores_the_maps_unit(scale, seed):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(1.0, 1.0, (2, 60))
    km = rng.gamma(1.0, 1.0, (2, 60)) * (rng.random((2, 60)) < 0.7)
    found = rng.poisson(lam * detection_probability(km, 0.25))
    a = effort_conditional(lam, km, found, 0.25)
    b = effort_conditional(lam * scale, km, found, 0.25)
    for key in ("auc", "deviance", "capture_top10pct_km"):
        assert a[key] == pytest.approx(b[key], nan_ok=True, rel=1e-9, abs=1e-12)


def test_ranking_agreement():
    cond = {
        "a": {"auc": 0.8, "deviance": 0.2, "capture_top10pct_km": 0.3},
        "b": {"auc": 0.7, "deviance": 0.3, "capture_top10pct_km": 0.4},
    }
    truth = {"a": {"auc": 0.9, "capture_top10pct": 0.5}, "b": {"auc": 0.6, "capture_top10pct": 0.3}}
    r = ranking_agreement(cond, truth)
    assert r["auc"]["same_best"] is True and r["auc"]["kendall_tau"] == pytest.approx(1.0)
    assert r["auc"]["order_truth"] == ["a", "b"]
    assert r["deviance"]["same_best"] is True and r["deviance"]["order_effort_conditional"] == ["a", "b"]
    assert r["capture_top10pct_km"]["same_best"] is False and r["capture_top10pct_km"]["kendall_tau"] == -1.0


def test_interval_coverage_is_nominal_for_a_true_lognormal():
    rng = np.random.default_rng(1)
    n = 20000
    mean, sd = rng.normal(0, 1, n), rng.uniform(0.2, 1.0, n)
    truth = np.exp(mean + sd * rng.normal(size=n))
    w = rng.random(n)
    cov = interval_coverage(mean, sd, truth, w)
    assert cov["50%"] == pytest.approx(0.5, abs=0.02) and cov["90%"] == pytest.approx(0.9, abs=0.02)
    assert cov["searched"]["cells"] + cov["unsearched"]["cells"] == n
    lo, hi = interval(np.zeros(1), np.ones(1), 0.9)
    assert lo[0] == pytest.approx(np.exp(-1.6449), rel=1e-3) and hi[0] == pytest.approx(np.exp(1.6449), rel=1e-3)


def test_stated_uncertainty_is_higher_where_nobody_walked():
    sd = calibrated_log_sd(np.full(3, 0.1), np.array([0.0, 0.5, 1.0]))
    assert sd[0] < sd[1] < sd[2]
    p = probability_sd(np.array([0.1, 0.1]), np.array([0.2, 0.4]))
    assert p[1] == pytest.approx(2 * p[0]) and p[0] == pytest.approx(np.exp(-0.1) * 0.1 * 0.2)
