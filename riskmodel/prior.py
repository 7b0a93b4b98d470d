"""A prior risk surface for a park with no history: habitat, animals and access, weighted by experts.

A park on its first day has layers but no incident or GPS track, so no model
can be fitted.  Its managers still know where poachers are likely to go: where
the rhinos and elephants are, near the boundary and villages they come from,
along roads and at water, far from the ranger posts.  :func:`prior_risk`
turns that knowledge into a map, as PAWS combined park data with ranger
questionnaires: each factor is scaled to 0-1 on the park's grid, the factors
are averaged with the manager's weights (:data:`riskmodel.defaults.PRIOR_WEIGHTS`
by default), and the score is turned into a probability of at least one
attack per cell in the horizon with an assumed park-wide rate (the ranking,
which plans follow, does not depend on it).  The result is a
:class:`~riskmodel.riskmap.RiskSurface` whose ``kind`` is ``"prior"`` and
whose ``label`` says so; pages and GeoTIFF metadata show it.

Examples
--------
>>> from riskmodel.prior import prior_risk
>>> surface = prior_risk(park, weights={"animals": 4, "roads": 0})  # doctest: +SKIP
>>> surface.kind, surface.label  # doctest: +SKIP
('prior', 'Prior risk from habitat, animals and access (expert weights, no incident history)')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from .defaults import (
    PRIOR_ATTACKS_PER_100KM2_MONTH,
    PRIOR_DISTANCE_KM,
    PRIOR_FACTOR_LABELS,
    PRIOR_FEATURE_WORDS,
    PRIOR_KIND,
    PRIOR_LABEL,
    PRIOR_RASTER_WORDS,
    PRIOR_WEIGHTS,
)
from .errors import RiskModelError
from .riskmap import RiskSurface, risk_classes

Progress = Callable[[float, str], None] | None
PRIOR_MODEL = "prior"  # the model name of a prior surface (``fit_risk(model="prior")``)

__all__ = ["PRIOR_MODEL", "check_weights", "prior_factors", "prior_from_arrays", "prior_risk"]


def check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """The default weights updated by ``weights``; raises :class:`RiskModelError` for an unknown or bad one."""
    out = dict(PRIOR_WEIGHTS)
    for name, value in (weights or {}).items():
        if name not in PRIOR_WEIGHTS:
            raise RiskModelError(
                f"unknown prior factor {name!r}: the factors are {', '.join(PRIOR_WEIGHTS)}. "
                "Fix: spell it as one of them"
            )
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise RiskModelError(f"the weight of {name!r} is {value!r}: give a number of 0 or more") from None
        if not np.isfinite(v) or v < 0:
            raise RiskModelError(f"the weight of {name!r} is {value!r}: give a number of 0 or more")
        out[name] = v
    return out


def _scaled(band: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``band`` scaled to 0-1 between its 1st and 99th percentile inside the park (NaN outside)."""
    v = np.where(mask, band.astype(np.float64), np.nan)
    inside = v[mask & np.isfinite(v)]
    if inside.size == 0:
        return np.full(band.shape, np.nan)
    lo, hi = np.percentile(inside, [1, 99])
    if hi <= lo:
        return np.where(np.isfinite(v), 0.5, np.nan)
    out = np.clip((v - lo) / (hi - lo), 0.0, 1.0)
    return np.where(np.isfinite(out), out, np.nanmean(out))  # a gap in the raster: the park's mean


def _feature_name(covariate: str) -> str | None:
    if covariate.startswith("dist_") and covariate.endswith("_m"):
        return covariate[len("dist_") : -len("_m")].lower()
    return None


def prior_factors(names: list[str], covariates: np.ndarray, mask: np.ndarray) -> dict[str, dict]:
    """Each prior factor the park's layers allow: ``{factor: {"value": 0-1 array, "layers": [names]}}``.

    Parameters
    ----------
    names : list of str
        Covariate names (:func:`layers.covariates.compute_covariates`).
    covariates : numpy.ndarray
        ``(F, rows, cols)``, NaN outside the park.
    mask : numpy.ndarray
        Cells inside the park.

    Returns
    -------
    dict
        Factors with no layer behind them are absent.
    """
    by_name = {n: np.asarray(covariates[i], dtype=np.float64) for i, n in enumerate(names)}
    out: dict[str, dict] = {}
    for factor, words in PRIOR_RASTER_WORDS.items():
        used = [n for n in names if _feature_name(n) is None and any(w in n.lower() for w in words)]
        used = [n for n in used if not any(n in f["layers"] for f in out.values())]
        if used:
            out[factor] = {"value": np.mean([_scaled(by_name[n], mask) for n in used], axis=0), "layers": used}
    distances: dict[str, list[str]] = {"boundary": ["dist_boundary_m"], "posts": ["dist_posts_m"]}
    for factor, words in PRIOR_FEATURE_WORDS.items():
        distances[factor] = [
            n
            for n in names
            if (f := _feature_name(n)) and f not in ("boundary", "posts") and any(w in f for w in words)
        ]
    for factor, used in distances.items():
        used = [n for n in used if n in by_name]
        if not used:
            continue
        d_km = np.min([by_name[n] for n in used], axis=0) / 1000.0
        near = np.exp(-np.clip(d_km, 0.0, None) / PRIOR_DISTANCE_KM[factor])
        value = 1.0 - near if factor == "posts" else near
        out[factor] = {"value": np.where(mask, value, np.nan), "layers": used}
    return {k: out[k] for k in PRIOR_WEIGHTS if k in out}


def prior_from_arrays(
    grid,
    covariates: np.ndarray,
    names: list[str],
    weights: Mapping[str, float] | None = None,
    horizon_months: int = 1,
    start=None,
    attacks_per_100km2_month: float = PRIOR_ATTACKS_PER_100KM2_MONTH,
):
    """The prior surface from covariate arrays on ``grid`` (see :func:`prior_risk`)."""
    if int(horizon_months) < 1:
        raise RiskModelError(f"the horizon must be at least 1 month, got {horizon_months}")
    w = check_weights(weights)
    mask = np.asarray(grid.mask, dtype=bool)
    factors = prior_factors(list(names), covariates, mask)
    used = {k: w[k] for k in factors if w[k] > 0}
    if not used:
        have = ", ".join(factors) or "none"
        raise RiskModelError(
            f"every weight of the factors this park has ({have}) is 0: give at least one of them a weight above 0"
        )
    total = sum(used.values())
    score = sum(used[k] * factors[k]["value"] for k in used) / total
    score = np.where(mask, score, np.nan)
    mean = float(np.nanmean(score)) if np.isfinite(score).any() else 0.0
    rel = score / mean if mean > 0 else np.where(mask, 1.0, np.nan)
    lam = attacks_per_100km2_month / 100.0 * grid.cell_area_km2 * rel * int(horizon_months)
    risk = np.where(mask, 1.0 - np.exp(-lam), np.nan).astype(np.float32)
    first = pd.Period(pd.Timestamp(start) if start is not None else pd.Timestamp.today(), "M")
    periods = pd.period_range(first, periods=int(horizon_months), freq="M")
    meta = {
        "kind": PRIOR_KIND,
        "label": PRIOR_LABEL,
        "weights": {k: round(v / total, 4) for k, v in used.items()},
        "weights_given": {k: w[k] for k in factors},
        "factors": {k: {"label": PRIOR_FACTOR_LABELS[k], "layers": factors[k]["layers"]} for k in factors},
        "factors_missing": [PRIOR_FACTOR_LABELS[k] for k in PRIOR_WEIGHTS if k not in factors],
        "distance_scales_km": {k: PRIOR_DISTANCE_KM[k] for k in factors if k in PRIOR_DISTANCE_KM},
        "assumed_attacks_per_100km2_month": float(attacks_per_100km2_month),
    }
    return RiskSurface(
        grid=grid,
        risk=risk,
        uncertainty=np.full(risk.shape, np.nan, np.float32),
        classes=risk_classes(risk, mask),
        model=PRIOR_MODEL,
        periods=periods,
        meta=meta,
        kind=PRIOR_KIND,
    )


def prior_risk(
    park,
    weights: Mapping[str, float] | None = None,
    horizon_months: int = 1,
    start=None,
    progress: Progress = None,
    attacks_per_100km2_month: float = PRIOR_ATTACKS_PER_100KM2_MONTH,
):
    """A prior risk surface of ``park`` from habitat, animal densities and access, with expert weights.

    Parameters
    ----------
    park : layers.park.Park or path
        The park (or its folder); no incident or track is needed.
    weights : mapping, optional
        Factor name -> weight (0 or more), overriding :data:`~riskmodel.defaults.PRIOR_WEIGHTS`
        (``animals``, ``habitat``, ``boundary``, ``villages``, ``roads``, ``water``, ``posts``).
        Factors the park has no layer for are left out and listed in ``meta["factors_missing"]``.
    horizon_months : int
        Months the map covers.
    start : date-like, optional
        First day of the horizon (its month is the first period); default today.
    progress : callable, optional
        ``progress(fraction, message)``.
    attacks_per_100km2_month : float
        Assumed park-wide mean rate of attacks, which sets the probabilities' level.

    Returns
    -------
    riskmodel.riskmap.RiskSurface
        ``kind == "prior"``; ``meta`` holds the normalised weights and the layers behind each factor.
    """
    from layers.covariates import compute_covariates
    from layers.park import load_park

    if isinstance(park, str) or hasattr(park, "is_dir"):
        park = load_park(park)
    check_weights(weights)  # before the (slow) covariates
    cov = compute_covariates(park, progress=(lambda f, m: progress(0.9 * f, m)) if progress else None)
    surface = prior_from_arrays(
        park.grid, cov.data, list(cov.names), weights, horizon_months, start, attacks_per_100km2_month
    )
    if progress:
        progress(1.0, "prior risk surface ready")
    return surface
