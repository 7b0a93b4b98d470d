"""Validation a park without a truth can trust, and the honesty of the stated uncertainty.

Scored on raw found incidents, a map that only redraws the patrol routes
looks best: finds happen where rangers walk.  :func:`effort_conditional`
scores instead each map's *expected finds given the effort actually walked*
in the held-out months, ``E = sum_t lambda_t d(e_t)`` with ``d`` the shared
detection model, against the finds, over the patrolled cells only:

* ``auc`` -- do cells with more expected finds hold the finds?
* ``deviance`` -- mean Poisson deviance per patrolled cell, the map's level
  scaled once so that its expected finds add up to the finds (maps in other
  units, such as a probability of a find, are compared on their pattern);
* ``capture_top10pct_km`` -- share of the finds in the cells the map ranks
  highest that hold 10 % of the km walked, and ``lift_top10pct_km``, the
  finds per km there over the finds per km everywhere: what a km sent where
  the map says would have found.

:func:`ranking_agreement` compares the order of the models by those scores
with their order against the true attacks (demo parks).

Examples
--------
>>> import numpy as np
>>> lam = np.array([[1.0, 2.0, 3.0, 4.0]]); km = np.ones((1, 4)); found = np.array([[0, 0, 1, 1]])
>>> r = effort_conditional(lam, km, found, cell_area_km2=0.25)
>>> r["auc"], r["patrolled_cells"]
(1.0, 4)
"""

from __future__ import annotations

import numpy as np
from scipy.stats import kendalltau

from layers.defaults import DETECTION_SWEEP_KM, detection_probability

from . import metrics

KM_TOP_FRAC = 0.10  # share of the km walked the capture and lift are measured on
RANKED_SCORES = ("auc", "deviance", "capture_top10pct_km")  # scores the agreement with the truth is judged on
LOWER_IS_BETTER = ("deviance",)


def km_top_share(score: np.ndarray, km: np.ndarray, frac: float = KM_TOP_FRAC) -> np.ndarray:
    """Share of each cell in the top cells by ``score`` holding ``frac`` of the km (the cut cell partly)."""
    score = np.asarray(score, float)
    km = np.asarray(km, float)
    order = np.argsort(-score, kind="stable")
    cum = np.cumsum(km[order])
    target = frac * cum[-1] if len(cum) else 0.0
    prev = np.concatenate([[0.0], cum[:-1]])
    part = np.clip((target - prev) / np.maximum(km[order], 1e-12), 0.0, 1.0)
    out = np.zeros(len(score))
    out[order] = part
    return out


def effort_conditional(
    intensity: np.ndarray,
    km: np.ndarray,
    found: np.ndarray,
    cell_area_km2: float,
    sweep_km: float = DETECTION_SWEEP_KM,
    frac: float = KM_TOP_FRAC,
) -> dict:
    """Scores of a map's expected finds, given the effort walked, against the finds.

    Parameters
    ----------
    intensity : array (T, n)
        The map's expected attacks per cell in each held-out period (any unit
        proportional to it will do: the deviance rescales the level once).
    km : array (T, n)
        km walked per cell in those periods.
    found : array (T, n)
        Incidents found per cell in those periods.
    cell_area_km2 : float
    sweep_km : float
        Sweep width of the detection model.
    frac : float
        Share of the km walked of the capture and lift.

    Returns
    -------
    dict
        ``auc``, ``deviance``, ``capture_top10pct_km``, ``lift_top10pct_km``,
        ``patrolled_cells``, ``km``, ``finds``, ``expected_over_found`` (the
        map's level before the rescaling).
    """
    lam = np.nan_to_num(np.asarray(intensity, float))
    km = np.nan_to_num(np.asarray(km, float))
    found = np.nan_to_num(np.asarray(found, float))
    if not lam.shape == km.shape == found.shape:
        raise ValueError(f"intensity {lam.shape}, km {km.shape} and found {found.shape} must have one shape")
    expected = (lam * detection_probability(km, cell_area_km2, sweep_km)).sum(axis=0)
    walked = km.sum(axis=0)
    finds = found.sum(axis=0)
    keep = walked > 0
    e, f, w, rank = expected[keep], finds[keep], walked[keep], lam.sum(axis=0)[keep]
    tag = f"{round(frac * 100)}pct_km"
    out = {"patrolled_cells": int(keep.sum()), "km": float(w.sum()), "finds": float(f.sum())}
    if f.sum() <= 0 or e.sum() <= 0:
        return {**out, "auc": float("nan"), "deviance": float("nan"), f"capture_top{tag}": float("nan"),
                f"lift_top{tag}": float("nan"), "expected_over_found": float("nan")}  # fmt: skip
    scale = f.sum() / e.sum()
    mu = np.maximum(e * scale, 1e-12)
    dev = 2.0 * (np.where(f > 0, f * np.log(np.maximum(f, 1e-12) / mu), 0.0) - (f - mu))
    share = km_top_share(rank, w, frac)
    cap = float((share * f).sum() / f.sum())
    return {
        **out,
        "auc": metrics.roc_auc(e, f),
        "deviance": float(dev.mean()),
        f"capture_top{tag}": cap,
        f"lift_top{tag}": cap / frac,
        "expected_over_found": float(1.0 / scale),
    }


def ranking_agreement(conditional: dict, truth: dict, scores=RANKED_SCORES) -> dict:
    """How the order of the models by effort-conditional scores agrees with their order against the truth.

    ``conditional`` and ``truth`` map a model name to its scores (the truth's
    ``auc`` and ``capture_top10pct``; the conditional ``auc``, ``deviance``
    (compared with the truth's AUC, lower is better) and
    ``capture_top10pct_km``).  Returns per score the two orders (best first),
    Kendall's tau between them and whether the best model is the same.
    """
    truth_key = {"auc": "auc", "deviance": "auc", "capture_top10pct_km": "capture_top10pct"}
    models = [m for m in conditional if m in truth]
    out = {}
    for key in scores:
        a = np.array([conditional[m].get(key, np.nan) for m in models], float)
        a = -a if key in LOWER_IS_BETTER else a
        b = np.array([truth[m].get(truth_key[key], np.nan) for m in models], float)
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum() < 2:
            out[key] = {"kendall_tau": float("nan"), "same_best": None}
            continue
        names = [m for m, k in zip(models, ok) if k]
        a, b = a[ok], b[ok]
        tau = kendalltau(a, b).statistic
        out[key] = {
            "order_effort_conditional": [names[i] for i in np.argsort(-a, kind="stable")],
            "order_truth": [names[i] for i in np.argsort(-b, kind="stable")],
            "kendall_tau": float(tau) if np.isfinite(tau) else float("nan"),
            "same_best": bool(np.argmax(a) == np.argmax(b)),
        }
    return out
