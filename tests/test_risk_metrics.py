"""Metrics of risk maps: known answers and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskmodel import metrics as M


def test_known_answers():
    score = np.array([4, 3, 2, 1.0])
    hits = np.array([1, 0, 1, 0])
    assert M.roc_auc(score, hits) == 0.75
    assert M.capture(score, hits, 0.25) == 0.5
    assert M.pai(score, hits, 0.25) == 2.0
    # L&L: recall 0.5 in the top 25 % -> 0.25 / 0.25
    assert M.ll_score(score, hits, 0.25) == pytest.approx(1.0)


def test_perfect_and_reversed_auc():
    y = np.array([0, 0, 1, 1])
    assert M.roc_auc(np.arange(4.0), y) == 1.0
    assert M.roc_auc(-np.arange(4.0), y) == 0.0
    assert np.isnan(M.roc_auc(np.arange(4.0), np.zeros(4)))


def test_capture_counts_incidents_not_cells():
    score = np.array([10.0, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    outcome = np.array([3.0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    assert M.capture(score, outcome, 0.1) == pytest.approx(0.75)


def test_ties_split_evenly():
    # a flat map captures exactly the flagged share of incidents
    outcome = np.array([5.0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert M.capture(np.ones(10), outcome, 0.1) == pytest.approx(0.1)
    assert M.roc_auc(np.ones(10), outcome) == pytest.approx(0.5)


def test_nan_cells_are_ignored():
    score = np.array([np.nan, 2.0, 1.0])
    assert M.roc_auc(score, np.array([1, 1, 0])) == 1.0


def test_calibration_table():
    prob = np.linspace(0, 1, 100)
    outcome = (np.arange(100) >= 50).astype(float)
    rows = M.calibration(prob, outcome, bins=4)
    assert [r["cells"] for r in rows] == [25, 25, 25, 25]
    assert [r["observed"] for r in rows] == [0.0, 0.0, 1.0, 1.0]
    assert rows[0]["predicted"] < rows[-1]["predicted"]


def test_score_all_keys():
    out = M.score_all(np.arange(20.0), np.arange(20) % 3, prob=np.linspace(0, 1, 20))
    assert {"auc", "capture_top10pct", "pai_top10pct", "ll_top10pct", "calibration"} <= set(out)


finite = st.integers(-1000, 1000).map(float)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite, st.integers(0, 3)), min_size=2, max_size=40), st.sampled_from([0.1, 0.25, 0.5]))
def test_invariants(pairs, frac):
    score = np.array([p[0] for p in pairs])
    outcome = np.array([p[1] for p in pairs], float)
    c = M.capture(score, outcome, frac)
    if outcome.sum() > 0:
        assert -1e-9 <= c <= 1 + 1e-9
        # a strictly increasing transform changes nothing
        assert M.capture(np.exp(score / 1e3), outcome, frac) == pytest.approx(c)
    a = M.roc_auc(score, outcome)
    if np.isfinite(a):
        assert M.roc_auc(-score, outcome) == pytest.approx(1 - a)
        assert 0 <= a <= 1
    # the share flagged sums to the requested area
    assert M.top_share(score, frac).sum() == pytest.approx(frac * len(score))


def test_searched_split_known_answer():
    """A map right in ranking but rating the unsearched half at half the truth's level."""
    rng = np.random.default_rng(0)
    truth = np.concatenate([rng.gamma(2.0, 1.0, 200), 2.0 * rng.gamma(2.0, 1.0, 200)])  # unsearched twice as high
    unsearched = np.r_[np.zeros(200, bool), np.ones(200, bool)]
    attacks = rng.poisson(truth)
    model = np.where(unsearched, 0.5, 1.0) * truth  # the unsearched level off by 2x, ranks inside each part exact
    out = M.searched_split(model, truth, attacks, truth, unsearched)
    assert out["level_truth"] == pytest.approx(truth[200:].mean() / truth[:200].mean())
    assert out["level_error"] == pytest.approx(0.5)
    for part in ("searched", "unsearched"):
        assert out[part]["cells"] == 200
        assert out[part]["spearman"] == pytest.approx(1.0)
        assert out[part]["auc_ratio"] == pytest.approx(1.0)  # inside a part the map is the truth
        assert out[part]["capture_ratio"] == pytest.approx(1.0)
    # over the whole park the level error costs: the map's AUC falls below the truth's
    assert M.roc_auc(model, attacks) < M.roc_auc(truth, attacks)
