"""Quantile binning of the predictors, and how past effort enters the effort-aware model.

Trees see the same splits on bin indices as on the raw values, and scikit-learn's
fast path for few distinct values makes the binning instant.
"""

from __future__ import annotations

import numpy as np

# Name prefix of the past-effort features (km walked in earlier periods, in the cell or near it).
PAST_EFFORT_PREFIX = "effort_"
PAST_EFFORT_MODES = ("free", "monotone", "deterrence")


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


def past_effort_layout(names: list[str], n_features: int, mode: str):
    """Tree constraints and GLM columns for the past-effort features under ``mode``.

    Returns ``(monotonic_cst, glm_cols, glm_sq_cols, past)``: the trees' ``monotonic_cst`` (None, or -1 on
    every past-effort feature), the predictor positions of the GLM's linear and squared terms, and the
    positions of the past-effort features.  ``"monotone"`` leaves them out of the GLM; ``"deterrence"`` keeps
    their linear terms only (their sign is checked after the fit).
    """
    if mode not in PAST_EFFORT_MODES:
        raise ValueError(f"past_effort must be one of {', '.join(PAST_EFFORT_MODES)}, got {mode!r}")
    past = [k for k, n in enumerate(names) if n.startswith(PAST_EFFORT_PREFIX)]
    cols = list(range(n_features))
    if mode == "free" or not past:
        return None, cols, list(cols), past
    cst = np.zeros(n_features, int)
    cst[past] = -1
    sq = [k for k in cols if k not in set(past)]
    return cst, (list(sq) if mode == "monotone" else cols), sq, past
