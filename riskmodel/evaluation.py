"""Temporal hold-out validation of every model side by side.

:func:`evaluate` fits every model on the periods up to a cut-off date and
scores each on the months that follow:

* against the incidents found (the raw table: it favours maps that redraw
  the patrol routes, since finds happen where rangers walk);
* effort-conditionally (:mod:`riskmodel.validation`): each map's expected
  finds given the km actually walked there, against the finds, over the
  patrolled cells -- the check a park without a truth can trust;
* for a demo park with a ``truth/`` folder, against every true attack, with
  the true intensity's scores as the Bayes limit, whether the
  effort-conditional order of the models agrees with the true one, and how
  often the true intensity falls inside the recommended map's stated 50 %
  and 90 % intervals (:mod:`riskmodel.uncertainty`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from layers.defaults import ATTACK_TYPES, DETECTION_SWEEP_KM

from . import metrics
from .errors import NotEnoughDataError, TruthError
from .models import MODELS, RECOMMENDED, EffortAwareRisk
from .shrinkage import unsearched_weight
from .surface import ParkArrays, Progress, fit_predict, park_arrays
from .uncertainty import interval_coverage
from .validation import effort_conditional, ranking_agreement


@dataclass
class Evaluation:
    """Temporal hold-out scores of every model (and the Bayes limit where the truth is known)."""

    park: str
    train_until: str
    periods: list[str]
    found: dict  # model -> metrics against found incidents
    truth: dict | None  # model (and "bayes_limit") -> metrics against true attacks
    ratios: dict | None  # model -> {"auc": model/limit, "capture_top10pct": model/limit}
    importance: list  # permutation importance of the recommended model
    partial_dependence: dict
    meta: dict = field(default_factory=dict)
    effort_conditional: dict = field(default_factory=dict)  # model -> scores of expected finds given the effort
    agreement: dict | None = None  # effort-conditional order of the models vs their order against the truth
    coverage: dict | None = None  # share of cells whose true intensity is inside the stated intervals
    split: dict | None = (
        None  # the recommended map's scores over searched and unsearched cells (metrics.searched_split)
    )

    def to_dict(self) -> dict:
        return _clean(
            {
                "park": self.park,
                "train_until": self.train_until,
                "horizon": self.periods,
                "units": {
                    "auc": "probability (0-1)",
                    "capture_top10pct": "share of incidents in the top 10 % of area (0-1)",
                    "pai_top10pct": "capture / area share (ratio)",
                    "ll_top10pct": "recall^2 / share flagged (ratio)",
                    "calibration": "predicted and observed probability of at least one incident per cell",
                    "importance": "increase in Poisson deviance per row when the feature is shuffled",
                    "partial_dependence": "expected attacks per cell and month",
                    "effort_conditional": (
                        "over patrolled cells, expected finds = intensity x detection of the km walked: auc (0-1), "
                        "deviance (mean Poisson deviance per cell, level rescaled to the finds), capture_top10pct_km "
                        "(share of finds in the top cells holding 10 % of the km), lift_top10pct_km (finds per km "
                        "there / finds per km overall)"
                    ),
                    "coverage": "share of cells whose true horizon intensity lies inside the stated interval (0-1)",
                    "searched_split": (
                        "the recommended map over searched and unsearched cells (unsearched weight > 0.5): AUC and "
                        "capture as shares of the limit's inside each part, Spearman with the true intensity, and the "
                        "mean intensity unsearched / searched by the map and by the truth (ratio)"
                    ),
                },
                "effort_conditional": self.effort_conditional,
                "found": self.found,
                "truth": self.truth,
                "ratio_to_bayes_limit": self.ratios,
                "agreement_with_truth": self.agreement,
                "interval_coverage": self.coverage,
                "searched_split": self.split,
                "importance": self.importance,
                "partial_dependence": self.partial_dependence,
                "meta": self.meta,
            }
        )

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)


def _clean(obj):
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


# relative durations, measured on the demo park (36 months): effort-aware fit 56 s, permutation importance
# and partial dependence 197 s, effort-blind 16 s, kde 0.1 s
PROGRESS_COST = {"effort-aware": 6.0, "effort-blind": 1.7, "kde": 0.05, "explain": 21.0}


def _span(progress: Progress, lo: float, hi: float) -> Progress:
    if progress is None:
        return None
    return lambda f, msg: progress(lo + (hi - lo) * float(f), msg)


def evaluate(
    park,
    train_until,
    horizon_months: int = 3,
    progress: Progress = None,
    types=ATTACK_TYPES,
    models=tuple(MODELS),
    arrays: ParkArrays | None = None,
    explain: bool = True,
    settings: dict | None = None,
) -> Evaluation:
    """Fit every model up to ``train_until`` and score each on the next ``horizon_months``.

    Scores against the incidents found in those months, effort-conditionally
    (expected finds given the km walked) and, when the park folder has a
    ``truth/`` folder, against every true attack, with the true intensity's
    scores as the Bayes limit and the ratios model / limit.  ``settings`` maps
    a model name to estimator parameters overriding its defaults; ``explain``
    adds permutation importance and partial dependence of the recommended model.
    """
    out = evaluate_horizons(
        park, train_until, (int(horizon_months),), progress, types, models, arrays, explain, settings
    )
    return next(iter(out.values()))


def evaluate_horizons(
    park,
    train_until,
    horizons=(1, 3, 6),
    progress: Progress = None,
    types=ATTACK_TYPES,
    models=tuple(MODELS),
    arrays: ParkArrays | None = None,
    explain: bool = False,
    settings: dict | None = None,
) -> dict[int, Evaluation]:
    """:func:`evaluate` at several horizons from one fit per model: ``{months: Evaluation}``.

    Horizons past the end of the data are shortened to it (and merged).
    """
    from .explain import partial_dependence, permutation_importance
    from .truth import has_truth, read_truth  # only to score: no model reads the truth

    arr = arrays or park_arrays(park, types, progress)
    n_train = arr.n_train(train_until)
    T = len(arr.periods)
    hs = sorted({min(int(h), T - n_train) for h in horizons})
    if not hs or hs[0] < 1:
        raise NotEnoughDataError(
            f"no complete month of data after {pd.Timestamp(train_until).date()} to score on "
            f"(data end {arr.periods[-1]}): choose an earlier training cut-off date"
        )
    truth, truth_problem = None, None
    if arr.folder is not None and has_truth(arr.folder):
        try:
            truth = read_truth(arr.folder, arr.grid)
        except TruthError as exc:  # scores against found incidents still stand
            truth_problem = str(exc)
    fits = {}
    importance, pdp = [], {}
    # shares of the bar: the effort-aware fit and the explanations take most of the time
    slots = []  # (what, cost) in the order they run: the explanations right after the recommended model
    for name in models:
        slots.append((name, PROGRESS_COST.get(name, 1.0)))
        if name == RECOMMENDED and explain:
            slots.append(("explain", PROGRESS_COST["explain"]))
    edges = 0.5 + 0.48 * np.cumsum([0.0, *(c for _, c in slots)]) / sum(c for _, c in slots)
    where = {what: i for i, (what, _) in enumerate(slots)}
    for name in models:
        i = where[name]
        if progress:
            progress(edges[i], f"fitting and scoring {name}")
        _, _, est, table, _, m = fit_predict(
            arr,
            n_train,
            hs[-1],
            name,
            settings=(settings or {}).get(name),
            horizons=hs,
            progress=_span(progress, edges[i], edges[i + 1]),
        )
        m.pop("log_intensity", None), m.pop("log_sd", None)
        fits[name] = (m.pop("by_horizon"), m)
        if name == RECOMMENDED and explain and isinstance(est, EffortAwareRisk):
            lo, hi = edges[where["explain"]], edges[where["explain"] + 1]
            if progress:
                progress(lo, "which factors drive the map (permutation importance)")
            mid = lo + 0.7 * (hi - lo)
            importance = permutation_importance(est, table, progress=_span(progress, lo, mid))
            if progress:
                progress(mid, "how the top factors change the risk (partial dependence)")
            top = [r["feature"] for r in importance[:3]]
            pdp = partial_dependence(est, table, top, progress=_span(progress, mid, hi))
    out = {}
    for h in hs:
        ev = _score(arr, n_train, h, fits, truth, models)
        ev.meta.update({"types": list(arr.types), "models": {name: fits[name][1] for name in models}})
        if truth_problem:
            ev.meta["truth_not_scored"] = truth_problem
        ev.park, ev.train_until = str(arr.folder) if arr.folder else "", str(pd.Timestamp(train_until).date())
        ev.importance, ev.partial_dependence = importance, pdp
        out[h] = ev
    if progress:
        progress(1.0, "evaluation done")
    return out


def _score(arr: ParkArrays, n_train: int, h: int, fits: dict, truth, models) -> Evaluation:
    """Scores of every model's map for the first ``h`` held-out months."""
    horizon = arr.periods[n_train : n_train + h]
    mask = arr.mask
    found = arr.counts[n_train : n_train + h].sum(axis=0).astype(np.float32)
    km_h = arr.km[n_train : n_train + h][:, mask]
    found_h = arr.counts[n_train : n_train + h][:, mask]
    if truth is not None:
        attacks = truth.attack_counts(horizon, mask.shape, arr.types)
        limit = 1 - np.exp(-truth.intensity_sum(horizon))
    res_found, res_truth, ratios, conditional, coverage, split, meta = {}, {}, {}, {}, None, None, {}
    for name in models:
        by_h, m = fits[name]
        risk = by_h[h]["risk"]
        res_found[name] = metrics.score_all(risk[mask], found[mask], prob=risk[mask])
        # every map as an intensity over the horizon, spread evenly over its months
        lam = -np.log1p(-np.clip(risk[mask].astype(np.float64), 0.0, 1.0 - 1e-12)) / h
        conditional[name] = effort_conditional(
            np.broadcast_to(lam, km_h.shape), km_h, found_h, arr.grid.cell_area_km2, DETECTION_SWEEP_KM
        )
        if truth is not None:
            res_truth[name] = metrics.score_all(risk[mask], attacks[mask], prob=risk[mask])
            if "log_sd" in by_h[h] and name == RECOMMENDED:
                w = unsearched_weight(arr.km[:n_train], mask, arr.cell_size_m, m.get("sweep_km", DETECTION_SWEEP_KM))
                truth_h = truth.intensity_sum(horizon)[mask]
                coverage = interval_coverage(by_h[h]["log_intensity"][mask], by_h[h]["log_sd"][mask], truth_h, w[mask])
                # the split by the default detection, so that it does not move with the model's sweep width
                w0 = unsearched_weight(arr.km[:n_train], mask, arr.cell_size_m, DETECTION_SWEEP_KM)[mask]
                split = metrics.searched_split(
                    np.exp(by_h[h]["log_intensity"][mask]), truth_h, attacks[mask], limit[mask], w0 > 0.5
                )
    if truth is not None:
        res_truth["bayes_limit"] = metrics.score_all(limit[mask], attacks[mask], prob=limit[mask])
        lim = res_truth["bayes_limit"]
        for name in models:
            r = res_truth[name]
            ratios[name] = {
                k: (r[k] / lim[k] if lim[k] else float("nan")) for k in ("auc", "capture_top10pct", "ll_top10pct")
            }
        meta["behaviour"] = truth.behaviour
    return Evaluation(
        park="",
        train_until="",
        periods=[str(p) for p in horizon],
        found=res_found,
        truth=res_truth or None,
        ratios=ratios or None,
        importance=[],
        partial_dependence={},
        meta=meta,
        effort_conditional=conditional,
        agreement=ranking_agreement(conditional, res_truth) if truth is not None else None,
        coverage=coverage,
        split=split,
    )
