"""The effort-adjusted trend statement on constructed cases, and the Poisson fit against its closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring.stats import poisson_regression
from monitoring.trend import effort_trend

Z95 = 1.959963984540054


def test_finds_up_with_effort_up_is_no_evidence():
    # finds +40 %, effort +50 %: the rate per km fell a little
    t = effort_trend([20] * 6 + [28] * 6, [100] * 6 + [150] * 6, window=6)
    assert t.finds_change == pytest.approx(0.4) and t.effort_change == pytest.approx(0.5)
    assert t.rate_ratio == pytest.approx((168 / 900) / (120 / 600))
    assert t.lower < 1 < t.upper and t.evidence == "none"
    assert t.statement.startswith("finds rose 40 % but effort rose 50 %: no evidence of more poaching")


def test_finds_up_with_effort_flat_is_evidence():
    t = effort_trend([20] * 6 + [28] * 6, [100] * 12, window=6)
    assert t.effort_change == pytest.approx(0.0)
    assert t.rate_ratio == pytest.approx(1.4) and t.lower > 1 and t.evidence == "more"
    assert t.statement.startswith("finds rose 40 % and effort did not change: evidence of more poaching")


def test_rate_ratio_and_interval_equal_the_closed_form():
    finds = np.array([3, 5, 4, 9, 11, 8])
    effort = np.array([40.0, 55, 50, 60, 70, 65])
    t = effort_trend(finds, effort, window=3)
    fb, fa, eb, ea = 12, 28, 145.0, 195.0
    rr = (fa / ea) / (fb / eb)
    se = math.sqrt(1 / fa + 1 / fb)
    assert t.rate_ratio == pytest.approx(rr)
    assert t.lower == pytest.approx(rr * math.exp(-Z95 * se)) and t.upper == pytest.approx(rr * math.exp(Z95 * se))


def test_too_few_finds_says_so():
    t = effort_trend([0, 1, 0, 2], [10, 10, 10, 10], window=2)
    assert t.evidence == "too few finds" and "too few" in t.statement and math.isnan(t.rate_ratio)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 50), min_size=6, max_size=30),
    st.floats(-1.0, 1.0),
    st.integers(0, 2**31 - 1),
)
def test_poisson_regression_recovers_a_saturated_fit(counts, slope, seed):
    """With one indicator column the MLE rate of each group is its total finds over its total effort."""
    rng = np.random.default_rng(seed)
    y = np.asarray(counts, dtype=float)
    n = len(y)
    group = (np.arange(n) >= n // 2).astype(float)
    if y[group == 0].sum() == 0 or y[group == 1].sum() == 0:
        return
    effort = rng.uniform(10, 100, n) * np.exp(slope * group)
    fit = poisson_regression(np.column_stack([np.ones(n), group]), y, np.log(effort))
    r0 = y[group == 0].sum() / effort[group == 0].sum()
    r1 = y[group == 1].sum() / effort[group == 1].sum()
    assert math.exp(fit.coef[0]) == pytest.approx(r0, rel=1e-6)
    assert math.exp(fit.coef[1]) == pytest.approx(r1 / r0, rel=1e-6)
