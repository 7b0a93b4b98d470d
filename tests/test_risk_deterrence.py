"""Deterrence apart from detection: recent patrols may lower the attacks, never raise them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layers.defaults import DETECTION_SWEEP_KM
from riskmodel.models import EffortAwareRisk


def _rows(beta: float, seed: int = 0, n: int = 6_000) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows whose attacks fall (beta < 0) or rise (beta > 0) with the recent effort nearby, ``z``."""
    rng = np.random.default_rng(seed)
    z = rng.gamma(1.5, 1.0, n)  # recent km nearby per period
    coverage = rng.gamma(1.0, 1.0, n) * (0.5 + z)  # rangers walk more where they walked before
    ndvi = rng.random(n)
    lam = 0.05 * np.exp(1.0 * ndvi + beta * z)
    y = rng.poisson(lam * -np.expm1(-DETECTION_SWEEP_KM * coverage))
    X = pd.DataFrame({"coverage": coverage, "ndvi": ndvi, "effort_near": z}).astype(np.float32)
    return X, y


def _model(**kw) -> EffortAwareRisk:
    return EffortAwareRisk(exclude_columns=(), deterrence_columns=("effort_near",), n_members=1, max_iter=40, **kw)


def test_deterrence_is_estimated_with_its_sign_and_size():
    X, y = _rows(beta=-0.6)
    m = _model().fit(X, y)
    slope = float(m.deter_coef_[0] / m.deter_scale_[0])  # per unit of z
    assert -0.9 < slope < -0.35
    probe = pd.DataFrame({"coverage": [np.nan] * 2, "ndvi": [0.5, 0.5], "effort_near": [0.0, 3.0]}, dtype=np.float32)
    lam = m.predict(probe)
    assert lam[0] > 3.0 * lam[1]  # exp(0.6 * 3) = 6: ground nobody walked is rated above the patrolled


def test_patrols_sent_where_attacks_are_are_not_read_as_attracting_them():
    """A positive effect of recent effort (rangers follow the attacks) is left out: no deterrence, no attraction."""
    X, y = _rows(beta=+0.4, seed=1)
    m = _model().fit(X, y)
    assert m.deter_coef_[0] == 0.0
    probe = pd.DataFrame({"coverage": [np.nan] * 2, "ndvi": [0.5, 0.5], "effort_near": [0.0, 3.0]}, dtype=np.float32)
    lam = m.predict(probe)
    assert lam[0] == pytest.approx(lam[1])  # the column is no predictor of the trees or the GLM either


def test_without_deterrence_columns_the_model_is_unchanged():
    X, y = _rows(beta=-0.6, seed=2)
    a = EffortAwareRisk(exclude_columns=(), n_members=1, max_iter=40).fit(X, y)
    b = EffortAwareRisk(exclude_columns=(), n_members=1, max_iter=40, deterrence_columns=()).fit(X, y)
    assert a.deter_idx_ == [] and len(b.deter_coef_) == 0
    np.testing.assert_allclose(a.predict(X.head(50)), b.predict(X.head(50)))
