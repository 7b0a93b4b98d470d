"""Quantile binning of the predictors, shared by the trees and the GLM design of :class:`riskmodel.models.EffortAwareRisk`.

Pre-binned columns with few distinct values take scikit-learn's fast path
(its own weighted binning is slow); the bin index over the number of bins is
the quantile rank the GLM sees.

Examples
--------
>>> import numpy as np
>>> X = np.arange(10, dtype=np.float32)[:, None]
>>> e = bin_edges(X, max_bins=4)
>>> apply_bins(np.array([[-1.0], [4.5], [np.nan]], np.float32), e).ravel().tolist()
[0.0, 2.0, nan]
"""

from __future__ import annotations

import numpy as np


def bin_edges(X, max_bins: int = 255, rng=None) -> list[np.ndarray]:
    """Quantile edges per column (from at most 100,000 rows), at most ``max_bins`` bins each."""
    if len(X) > 100_000:
        rng = rng or np.random.default_rng(0)
        X = X[rng.choice(len(X), 100_000, replace=False)]
    edges = []
    for j in range(X.shape[1]):
        col = X[:, j]
        col = col[np.isfinite(col)]
        if col.size == 0:
            edges.append(np.zeros(0, np.float32))
            continue
        e = np.unique(np.quantile(col, np.linspace(0, 1, max_bins + 1)[1:-1]).astype(np.float32))
        edges.append(e)
    return edges


def apply_bins(X, edges) -> np.ndarray:
    """Replace values by their bin index (NaN kept): trees see the same splits, binning is instant.

    scikit-learn's weighted binning is slow; pre-binned columns with few
    distinct values take its fast path.
    """
    out = np.empty(X.shape, np.float32)
    for j, e in enumerate(edges):
        col = X[:, j]
        b = np.searchsorted(e, col, side="right").astype(np.float32)
        b[~np.isfinite(col)] = np.nan
        out[:, j] = b
    return out
