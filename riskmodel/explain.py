"""What the effort-aware model learned: permutation importance and partial dependence.

Both work on the searched rows (patrol effort > 0) of the most recent
training periods, where the model's likelihood is defined: a find there is
``Poisson(lambda * d(e))``.
"""

from __future__ import annotations

import numpy as np

from .models import EffortAwareRisk
from .table import TrainingTable

MAX_ROWS = 40_000


def _rows(model: EffortAwareRisk, table: TrainingTable, max_rows: int, seed: int):
    cov = np.nan_to_num(table.X.iloc[:, model.coverage_idx_].to_numpy(float))
    recent = table.t >= np.quantile(table.t, 0.5)
    idx = np.flatnonzero((cov > 0) & recent)
    if len(idx) > max_rows:
        idx = np.sort(np.random.default_rng(seed).choice(idx, max_rows, replace=False))
    return idx, cov


def _deviance(y, mu) -> float:
    mu = np.clip(mu, 1e-12, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2 * np.mean(term - (y - mu)))


def permutation_importance(
    model: EffortAwareRisk,
    table: TrainingTable,
    n_repeats: int = 2,
    max_rows: int = MAX_ROWS,
    seed: int = 0,
    progress=None,
) -> list[dict]:
    """Increase of the Poisson deviance of finds when each predictor is shuffled, largest first.

    Returns a list of ``{"feature", "importance", "std"}`` (deviance per row).
    ``progress(fraction, message)``, when given, is called after each predictor.
    """
    idx, cov = _rows(model, table, max_rows, seed)
    if len(idx) == 0:
        return []
    X = table.X.iloc[idx].reset_index(drop=True)
    y = table.y[idx].astype(float)
    d = 1 - np.exp(-model.sweep_km_ * cov[idx])
    base = _deviance(y, model.predict(X) * d)
    rng = np.random.default_rng(seed)
    names = list(table.X.columns)
    out = []
    for k, j in enumerate(model.use_):
        name = names[j]
        if progress is not None:
            progress(
                k / len(model.use_), f"which factors drive the map: shuffling {name} ({k + 1} of {len(model.use_)})"
            )
        scores = []
        for _ in range(n_repeats):
            Xp = X.copy()
            Xp[name] = Xp[name].to_numpy()[rng.permutation(len(Xp))]
            scores.append(_deviance(y, model.predict(Xp) * d) - base)
        out.append({"feature": name, "importance": float(np.mean(scores)), "std": float(np.std(scores))})
    return sorted(out, key=lambda r: -r["importance"])


def partial_dependence(
    model: EffortAwareRisk,
    table: TrainingTable,
    features,
    grid_points: int = 10,
    max_rows: int = 5_000,
    seed: int = 0,
    progress=None,
) -> dict:
    """Mean predicted attacks per cell and period as each feature is set to its quantiles.

    Returns ``{feature: {"values": [...], "attacks_per_cell_month": [...]}}``.
    ``progress(fraction, message)``, when given, is called before each feature.
    """
    rng = np.random.default_rng(seed)
    n = len(table.X)
    idx = rng.choice(n, min(n, max_rows), replace=False) if n else np.zeros(0, int)
    X = table.X.iloc[idx].reset_index(drop=True)
    out = {}
    features = list(features)
    for k, name in enumerate(features):
        if progress is not None:
            progress(k / len(features), f"how {name} changes the risk ({k + 1} of {len(features)})")
        col = table.X[name].to_numpy(float)
        col = col[np.isfinite(col)]
        if col.size == 0:
            continue
        values = np.unique(np.quantile(col, np.linspace(0.02, 0.98, grid_points)))
        means = []
        for v in values:
            Xv = X.copy()
            Xv[name] = np.float32(v)
            means.append(float(model.predict(Xv).mean()))
        out[name] = {"values": values.tolist(), "attacks_per_cell_month": means}
    return out
