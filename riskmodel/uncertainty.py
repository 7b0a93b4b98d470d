"""The stated uncertainty of the effort-aware map: a calibrated spread of its log-intensity.

The bootstrap members of :class:`~riskmodel.models.EffortAwareRisk` only
disagree where the data they resample disagree: they share the model's
shape, its detection model and its blind spots, so their spread is far too
narrow, most of all where nobody walked.  The stated standard deviation of
the log-intensity of a cell is therefore

``sd^2 = (MEMBER_FACTOR * sd_members)^2 + FLOOR_SD^2 + (UNSEARCHED_SD * w)^2``

with ``w`` the cell's unsearched weight (1 where nobody looked recently,
:func:`riskmodel.shrinkage.unsearched_weight`).  ``FLOOR_SD`` and
``UNSEARCHED_SD`` were chosen once on the random parks of
``benchmarks/bench_risk.py --calibrate`` (never on the park being mapped),
so that the true intensity falls inside the stated 50 % and 90 % intervals
about as often as they say.
The uncertainty layer (sd of the probability of an attack) follows by the
delta method: ``sd_P = exp(-L) * L * sd`` for the horizon intensity ``L``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

MEMBER_FACTOR = 1.0  # inflation of the bootstrap members' spread
FLOOR_SD = 0.95  # sd of log-intensity everywhere (shape and level errors the members share)
UNSEARCHED_SD = 0.35  # extra sd where nobody walked (w = 1)
INTERVAL_LEVELS = (0.5, 0.9)  # nominal coverage of the intervals checked


def calibrated_log_sd(member_log_sd: np.ndarray, unsearched: np.ndarray | float = 0.0) -> np.ndarray:
    """Stated sd of the log-intensity from the members' spread and the unsearched weight (see module doc)."""
    w = np.asarray(unsearched, float)
    s = np.asarray(member_log_sd, float)
    return np.sqrt((MEMBER_FACTOR * s) ** 2 + FLOOR_SD**2 + (UNSEARCHED_SD * w) ** 2)


def probability_sd(intensity: np.ndarray, log_sd: np.ndarray) -> np.ndarray:
    """sd of ``P = 1 - exp(-L)`` for a lognormal ``L`` with sd ``log_sd`` of its log (delta method)."""
    lam = np.asarray(intensity, float)
    return np.exp(-lam) * lam * np.asarray(log_sd, float)


def interval(log_mean: np.ndarray, log_sd: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central ``level`` interval of a lognormal intensity: ``exp(mean -/+ z sd)``."""
    z = float(ndtri(0.5 + level / 2.0))
    return np.exp(log_mean - z * log_sd), np.exp(log_mean + z * log_sd)


def interval_coverage(
    log_mean: np.ndarray,
    log_sd: np.ndarray,
    truth: np.ndarray,
    unsearched: np.ndarray | None = None,
    levels=INTERVAL_LEVELS,
) -> dict:
    """Share of cells whose true intensity lies inside the stated intervals.

    Parameters
    ----------
    log_mean, log_sd : arrays (n,)
        Log of the map's intensity over the horizon and its stated standard deviation.
    truth : array (n,)
        True expected attacks per cell over the horizon.
    unsearched : array (n,), optional
        Weight of "nobody looked here" (1) vs "searched often" (0); adds the
        coverage and the mean stated sd of the cells at most and above one half.

    Returns
    -------
    dict
        ``{"50%": share, "90%": share, "mean_log_sd": ..., "cells": n}``, and with
        ``unsearched`` the same under ``searched`` and ``unsearched``.

    Examples
    --------
    >>> import numpy as np
    >>> r = interval_coverage(np.zeros(4), np.ones(4), np.exp([0.1, -0.5, 1.0, 3.0]))
    >>> r["50%"], r["90%"]
    (0.5, 0.75)
    """
    log_mean, log_sd, truth = (np.asarray(a, float).ravel() for a in (log_mean, log_sd, truth))
    keep = np.isfinite(log_mean) & np.isfinite(log_sd) & np.isfinite(truth)

    def cover(sel) -> dict:
        res: dict = {}
        for level in levels:
            lo, hi = interval(log_mean[sel], log_sd[sel], level)
            inside = (truth[sel] >= lo) & (truth[sel] <= hi)
            res[f"{round(level * 100)}%"] = float(inside.mean()) if sel.any() else float("nan")
        res["mean_log_sd"] = float(log_sd[sel].mean()) if sel.any() else float("nan")
        res["cells"] = int(sel.sum())
        return res

    out = cover(keep)
    if unsearched is not None:
        w = np.asarray(unsearched, float).ravel()
        out["searched"] = cover(keep & (w <= 0.5))
        out["unsearched"] = cover(keep & (w > 0.5))
    return out
