"""Scores of a risk surface against what happened (found incidents or true attacks).

All functions take one score per cell (higher = riskier) and the observed
outcome per cell, as flat arrays over the park's cells.  Ties in the score
are handled as if broken at random (in expectation), so a constant map
scores exactly like chance.

* :func:`roc_auc` -- probability that an attacked cell outranks a quiet one.
* :func:`capture` -- share of incidents in the top ``frac`` of the park's area
  (the hit rate); :func:`pai` = capture / frac (predictive accuracy index).
* :func:`ll_score` -- L&L = recall^2 / P(predicted positive) with the top
  ``frac`` of area as the positive prediction (Lee & Liu, used in the PAWS
  literature, e.g. Gholami et al. 2018).
* :func:`calibration` -- predicted vs observed share of attacked cells by decile.
* :func:`searched_split` -- the scores over searched and unsearched cells and
  the map's level of the unsearched ground against the searched (demo parks).

Examples
--------
>>> import numpy as np
>>> score = np.array([4, 3, 2, 1.0]); hits = np.array([1, 0, 1, 0])
>>> roc_auc(score, hits), capture(score, hits, 0.25), pai(score, hits, 0.25)
(0.75, 0.5, 2.0)
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

TOP_FRAC = 0.10


def _flat(score, outcome):
    score = np.asarray(score, float).ravel()
    outcome = np.asarray(outcome, float).ravel()
    if score.shape != outcome.shape:
        raise ValueError(f"score has {score.size} cells but the outcome has {outcome.size}")
    keep = np.isfinite(score) & np.isfinite(outcome)
    return score[keep], outcome[keep]


def roc_auc(score, outcome) -> float:
    """ROC AUC of ``score`` for the binary outcome ``outcome > 0`` (NaN if one class only)."""
    score, outcome = _flat(score, outcome)
    pos = outcome > 0
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def top_share(score, frac: float) -> np.ndarray:
    """Fraction of each cell inside the top ``frac`` of cells (1, 0, or a share for ties at the cut)."""
    score = np.asarray(score, float)
    n = score.size
    k = frac * n
    if n == 0 or k <= 0:
        return np.zeros(n)
    order = np.sort(score)[::-1]
    cut = order[min(int(np.ceil(k)) - 1, n - 1)]
    above = score > cut
    tie = score == cut
    rest = k - above.sum()
    share = above.astype(float)
    share[tie] = max(0.0, rest) / tie.sum()
    return share


def capture(score, outcome, frac: float = TOP_FRAC) -> float:
    """Share of the incidents (sum of ``outcome``) in the top ``frac`` of cells by score."""
    score, outcome = _flat(score, outcome)
    total = outcome.sum()
    if total <= 0:
        return float("nan")
    return float((top_share(score, frac) * outcome).sum() / total)


def pai(score, outcome, frac: float = TOP_FRAC) -> float:
    """Predictive accuracy index: capture divided by the share of area flagged."""
    return capture(score, outcome, frac) / frac


def ll_score(score, outcome, frac: float = TOP_FRAC) -> float:
    """L&L: recall^2 / P(flagged), flagging the top ``frac`` of cells; attacked cells count once."""
    score, outcome = _flat(score, outcome)
    hit = (outcome > 0).astype(float)
    if hit.sum() == 0:
        return float("nan")
    recall = (top_share(score, frac) * hit).sum() / hit.sum()
    return float(recall**2 / frac)


def calibration(prob, outcome, bins: int = 10) -> list[dict]:
    """Mean predicted probability vs observed share of cells with ``outcome > 0``, by quantile bin."""
    prob, outcome = _flat(prob, outcome)
    if prob.size == 0:
        return []
    order = np.argsort(prob, kind="stable")
    rows = []
    for i, idx in enumerate(np.array_split(order, bins)):
        if idx.size == 0:
            continue
        rows.append(
            {
                "bin": i + 1,
                "cells": int(idx.size),
                "predicted": float(prob[idx].mean()),
                "observed": float((outcome[idx] > 0).mean()),
            }
        )
    return rows


def score_all(score, outcome, frac: float = TOP_FRAC, prob=None) -> dict:
    """Every metric of one map against one outcome, as a JSON-ready dict.

    ``prob`` (probability of at least one attack per cell) adds the
    calibration table; the score itself is used when omitted.
    """
    s, o = _flat(score, outcome)
    out = {
        "auc": roc_auc(s, o),
        f"capture_top{round(frac * 100)}pct": capture(s, o, frac),
        f"pai_top{round(frac * 100)}pct": pai(s, o, frac),
        f"ll_top{round(frac * 100)}pct": ll_score(s, o, frac),
        "cells": int(s.size),
        "incidents": float(o.sum()),
        "cells_with_incidents": int((o > 0).sum()),
    }
    if prob is not None:
        out["calibration"] = calibration(prob, outcome)
    return out


def searched_split(score, truth, attacks, limit, unsearched, frac: float = TOP_FRAC) -> dict:
    """Where a map loses against the truth: its scores over searched and over unsearched cells.

    Parameters
    ----------
    score : array (n,)
        The map's expected attacks per cell over the horizon (the level
        ratio needs the intensity itself, not a transform of it).
    truth : array (n,)
        True expected attacks per cell over the horizon.
    attacks : array (n,)
        True attacks per cell over the horizon.
    limit : array (n,)
        The Bayes-limit score (the truth's own map).
    unsearched : array (n,) of bool
        Cells nobody searched recently.

    Returns
    -------
    dict
        Per part (``searched``, ``unsearched``): ``auc_ratio`` and
        ``capture_ratio`` (the map's AUC and top-``frac`` capture inside that
        part over the limit's there), ``spearman`` (rank correlation of the
        map with the true intensity there), ``cells``.  And
        ``level_model`` / ``level_truth``: mean intensity over the unsearched
        cells divided by that over the searched ones, by the map and by the
        truth (``level_error`` their quotient: 1 is right, 3 means the map
        rates the unsearched ground three times too high against the searched).
    """
    from scipy.stats import spearmanr

    score, truth, attacks, limit = (np.asarray(a, float).ravel() for a in (score, truth, attacks, limit))
    u = np.asarray(unsearched, bool).ravel()
    out: dict = {}
    for name, sel in (("searched", ~u), ("unsearched", u)):
        part = {"cells": int(sel.sum())}
        if sel.sum() >= 10:
            a_lim, c_lim = roc_auc(limit[sel], attacks[sel]), capture(limit[sel], attacks[sel], frac)
            a, c = roc_auc(score[sel], attacks[sel]), capture(score[sel], attacks[sel], frac)
            part["auc_ratio"] = a / a_lim if a_lim else float("nan")
            part["capture_ratio"] = c / c_lim if c_lim else float("nan")
            part["spearman"] = float(spearmanr(score[sel], truth[sel]).statistic)
        else:
            part.update(auc_ratio=float("nan"), capture_ratio=float("nan"), spearman=float("nan"))
        out[name] = part
    if u.any() and (~u).any():
        out["level_model"] = float(score[u].mean() / max(score[~u].mean(), 1e-300))
        out["level_truth"] = float(truth[u].mean() / max(truth[~u].mean(), 1e-300))
        out["level_error"] = out["level_model"] / out["level_truth"] if out["level_truth"] > 0 else float("nan")
    return out
