"""The effort-aware map where nobody walked: it must extend the covariate effects, not repeat the last leaf."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from scipy.stats import spearmanr

from layers.defaults import ATTACK_TYPES, detection_probability
from layers.grid import Grid
from riskmodel import surface as S
from riskmodel.metrics import roc_auc


def _beyond_the_searched_range(seed: int = 0, rows: int = 16, cols: int = 40, months: int = 24):
    """Risk rises with distance east; rangers only ever walk the western half."""
    rng = np.random.default_rng(seed)
    cell_m = 500.0
    rr, cc = np.indices((rows, cols)).astype(float)
    dist = cc * cell_m  # distance from the western road, m
    other = rng.normal(size=(rows, cols))  # a covariate that does not matter
    lam = 0.004 * np.exp(0.09 * cc)  # expected attacks per cell and month
    km = np.zeros((months, rows, cols), np.float32)
    west = cc < cols // 2
    for t in range(months):
        km[t] = np.where(west & (rng.random((rows, cols)) < 0.7), rng.gamma(2.0, 1.5, (rows, cols)), 0.0)
    attacks = rng.poisson(np.broadcast_to(lam, km.shape))
    found = rng.binomial(attacks, detection_probability(km, 0.25)).astype(np.int32)
    mask = np.ones((rows, cols), bool)
    grid = Grid(
        transform=Affine(cell_m, 0, 300000, 0, -cell_m, 8000000), shape=(rows, cols), crs="EPSG:32736", mask=mask
    )
    arr = S.ParkArrays(
        grid=grid, covariates=np.stack([dist, other]).astype(np.float32), names=["dist_roads_m", "ndvi"],
        km=km, counts=found, periods=pd.period_range("2024-01", periods=months, freq="M"), types=ATTACK_TYPES,
    )  # fmt: skip
    return arr, lam, west


@pytest.mark.parametrize("seed", [0, 1])
def test_unsearched_cells_rank_above_the_searched_ones_when_risk_rises_beyond_the_searched_range(seed):
    arr, lam, west = _beyond_the_searched_range(seed)
    risk, *_ = S.fit_predict(arr, len(arr.periods), 1, settings={"n_members": 2})
    east = ~west
    # the unsearched (east) cells rank above the searched ones: AUC of "unsearched" by the map's risk
    assert roc_auc(risk.ravel(), east.ravel()) > 0.75
    assert risk[east].mean() > 1.5 * risk[west].mean()
    # inside the unsearched half the map keeps rising with the distance (it does not repeat the last leaf)
    cols = np.indices(lam.shape)[1]
    far, near = east & (cols >= 30), east & (cols < 30)
    assert risk[far].mean() > 1.3 * risk[near].mean()
    assert spearmanr(risk[east], lam[east]).statistic > 0.4


def test_flat_tails_do_not_extrapolate():
    """The same park with the GLM's tails switched off: the map repeats its last value (what the tails fix)."""
    arr, lam, west = _beyond_the_searched_range(1)
    risk, *_ = S.fit_predict(arr, len(arr.periods), 1, settings={"n_members": 2, "tail_extent": 0.0})
    cols = np.indices(lam.shape)[1]
    far, near = ~west & (cols >= 30), ~west & (cols < 30)
    assert risk[far].mean() < 1.3 * risk[near].mean()
