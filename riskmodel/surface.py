"""Risk surfaces of a park and their validation on the months after a cut-off date.

:func:`fit_risk` fits one model on every period up to ``train_until`` and
maps, for the ``horizon_months`` that follow, the probability that each cell
is attacked at least once, ``1 - exp(-sum_t lambda_t)``, its uncertainty
(spread of the bootstrap ensemble) and risk classes (1 = top 5 %, 2 = top
10 %, 3 = top 25 % of the park's area, 4 = the rest).  The effort-aware map
is corrected by the finds of the last ``SHRINK_WINDOW`` training periods that
the model did not expect (:mod:`riskmodel.shrinkage`, empirical Bayes), and
where rangers have not searched recently it leans on a second, history-free
model (covariates and past effort, no past finds).

:func:`riskmodel.evaluation.evaluate` scores every model side by side on
the months after the cut-off.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

from layers.defaults import ATTACK_TYPES

from .errors import NotEnoughDataError, RiskModelError
from .guards import MAX_HORIZON_MONTHS, check_mappable, check_table_memory, check_trainable
from .models import MODELS, RECOMMENDED, EffortAwareRisk
from .prior import PRIOR_MODEL, check_weights, prior_from_arrays
from .riskmap import RiskSurface, risk_classes
from .shrinkage import (
    SEARCH_SCALE,
    SEARCH_SIGMA_KM,
    SEARCH_WINDOW,
    SHRINK_SCALES,
    multiscale_multiplier,
    unsearched_weight,
)
from .table import (
    ALL_ROWS,
    COL_X,
    COL_Y,
    MIN_HISTORY,
    PATROLLED_ROWS,
    build_table,
    forecast_blocks,
    history_feature_names,
)
from .uncertainty import FLOOR_SD, MEMBER_FACTOR, UNSEARCHED_SD, calibrated_log_sd, probability_sd

Progress = Callable[[float, str], None] | None
MIN_TRAIN_PERIODS = MIN_HISTORY + 3
OUTPUT_SMOOTH_KM = 0.5  # Gaussian sigma (km) smoothing the effort-aware intensity map (cell-level noise)
SHRINK = True  # correct the effort-aware map by its recent residual finds (riskmodel.shrinkage)
SHRINK_WINDOW = 12  # training periods whose finds feed the correction
# Blend in a history-free model (no past finds among its predictors) where the neighbourhood was not searched
# recently (riskmodel.shrinkage.unsearched_weight): past finds there are no evidence, and the full model would
# extrapolate its response to them from the few searched rows that look alike.
HISTORY_FREE_BLEND = True
# The history-free model also leaves out the past-effort features (covariates and season only): in unsearched
# ground every past effort is 0, a value the searched rows rarely have.
FREE_DROP_PAST_EFFORT = False
# The level of unsearched against searched ground is set by a GLM (the history-free model's, else the full
# model's): the map's mean over each part is moved to the GLM's ratio, weighted by the unsearched weight, and the
# trees only rank inside each part.
LEVEL_FROM_GLM = False
# Scales (sigma_km, prior, half_life) of an empirical-Bayes residual correction of the history-free model by its
# own recent residual finds (None: none).  Coarse pooling carries the level found near searched ground into the
# unsearched ground nearby, and reverts to the covariate prediction (factor 1) away from any data.
FREE_RESIDUAL_SCALES = None
FREE_GLM_WEIGHT = None  # GLM weight of the history-free model (None: the full model's)
MIN_BLEND_WEIGHT = 1e-3  # a park searched everywhere (every weight below this) fits no history-free model


@dataclass
class ParkArrays:
    """What the risk models need from a park, as arrays on its grid."""

    grid: object
    covariates: np.ndarray  # (F, rows, cols)
    names: list[str]
    km: np.ndarray  # (T, rows, cols)
    counts: np.ndarray  # (T, rows, cols) incidents of the chosen types
    periods: pd.PeriodIndex
    types: tuple[str, ...]
    folder: Path | None = None
    categorical: tuple[str, ...] = ()  # covariates holding class codes (one indicator column per class)

    @property
    def mask(self) -> np.ndarray:
        return self.grid.mask

    @property
    def cell_size_m(self) -> float:
        return float(self.grid.cell_size)

    def n_train(self, train_until) -> int:
        """Number of complete periods ending on or before ``train_until``."""
        cut = pd.Timestamp(train_until)
        cut = cut.tz_convert(None) if cut.tzinfo else cut
        ends = self.periods.end_time.normalize()
        return int((ends <= cut.normalize()).sum())


def park_arrays(park, types=ATTACK_TYPES, progress: Progress = None, transport=None) -> ParkArrays:
    """Covariates, monthly effort and incident counts of ``park`` (a Park or a folder).

    ``transport`` chooses the tracks whose effort counts (foot, vehicle, boat; default every ground
    transport, never aircraft): see :func:`layers.effort.compute_effort`.
    """
    from layers.covariates import compute_covariates
    from layers.effort import compute_effort
    from layers.park import load_park

    if isinstance(park, (str, Path)):
        park = load_park(park, progress=_sub(progress, 0.0, 0.2))
    cov = compute_covariates(park, progress=_sub(progress, 0.2, 0.35))
    eff = compute_effort(park, freq="M", progress=_sub(progress, 0.35, 0.5), transport=transport)
    counts = eff.counts(list(types))
    return ParkArrays(
        grid=park.grid,
        covariates=cov.data,
        names=list(cov.names),
        km=eff.km,
        counts=counts,
        periods=eff.periods,
        types=tuple(types),
        folder=Path(park.folder),
        categorical=tuple(sorted(cov.categorical)),
    )


def _sub(progress: Progress, lo: float, hi: float) -> Progress:
    if progress is None:
        return None
    return lambda f, msg: progress(lo + (hi - lo) * float(f), msg)


def smooth_on_mask(values: np.ndarray, mask: np.ndarray, sigma_km: float, cell_size_m: float) -> np.ndarray:
    """Gaussian mean of per-cell ``values`` (..., n_cells in mask order) over in-park neighbours."""
    from scipy.ndimage import gaussian_filter

    sigma = sigma_km * 1000.0 / cell_size_m
    if sigma <= 0:
        return values
    m = mask.astype(np.float64)
    norm = gaussian_filter(m, sigma, mode="constant")[mask]
    out = np.empty_like(values, dtype=np.float64)
    flat = values.reshape(-1, values.shape[-1])
    for i, v in enumerate(flat):
        g = np.zeros(mask.shape)
        g[mask] = v
        out.reshape(-1, values.shape[-1])[i] = gaussian_filter(g, sigma, mode="constant")[mask] / np.maximum(norm, 1e-9)
    return out


def _new_model(name: str, random_state: int = 0, settings: dict | None = None):
    if name not in MODELS:
        raise RiskModelError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    est = MODELS[name]() if name == "kde" else MODELS[name](random_state=random_state)
    try:
        return est.set_params(**(settings or {}))
    except ValueError as exc:
        raise RiskModelError(f"bad settings for the {name} model: {exc}") from exc


def _kde_rows(arr: ParkArrays, n_train: int):
    """Coordinates and finds of every in-park cell and training period (for the KDE)."""
    rr, cc = np.nonzero(arr.mask)
    cs = arr.cell_size_m / 1000.0
    xy = pd.DataFrame({COL_X: (cc + 0.5) * cs, COL_Y: -(rr + 0.5) * cs}).astype(np.float32)
    y = arr.counts[:n_train][:, rr, cc].sum(axis=0).astype(float)
    return xy, y, n_train


def fit_predict(
    arr: ParkArrays,
    n_train: int,
    horizon: int,
    model: str = RECOMMENDED,
    random_state: int = 0,
    settings: dict | None = None,
    horizons: tuple[int, ...] = (),
    progress: Progress = None,
    table_rows: str = ALL_ROWS,
):
    """Fit ``model`` on the first ``n_train`` periods; per-cell results for the next ``horizon`` periods.

    ``progress(fraction, message)`` is told each step (table, fit, correction,
    history-free fit, prediction), so a bar keeps moving through a long fit.

    ``table_rows="patrolled"`` builds the effort-aware model's training table
    from the patrolled cell-periods (and those with a find) only: the same fit,
    in a fraction of the memory on a large park (:func:`riskmodel.table.build_table`);
    the returned table then holds those rows only.  The effort-blind baseline
    always learns from every row.  Forecast rows are built and predicted by
    blocks of cells (:func:`riskmodel.table.forecast_blocks`), so the
    prediction's memory does not grow with the park.

    Returns ``(risk, uncertainty, estimator, table, None, meta)``, risk and
    uncertainty as (rows, cols) arrays (NaN outside the park; the fifth item,
    once the forecast rows, is None: they are not kept).  The
    effort-aware model adds ``meta["log_intensity"]`` and ``meta["log_sd"]``
    (arrays: callers pop them before writing the meta as JSON).  Each of
    ``horizons`` (at most ``horizon``) adds ``meta["by_horizon"][k]``, the same
    arrays for the first ``k`` periods, from the same fit.
    """
    if n_train < MIN_TRAIN_PERIODS:
        first = arr.periods[0] if len(arr.periods) else "?"
        raise NotEnoughDataError(
            f"only {n_train} complete months of data up to the cut-off date (data start {first}); "
            f"the model needs at least {MIN_TRAIN_PERIODS}: choose a later training cut-off date"
        )
    rr, cc = np.nonzero(arr.mask)
    n = len(rr)
    kw = dict(cell_size_m=arr.cell_size_m, categorical=arr.categorical)
    sl = slice(0, n_train)
    est = _new_model(model, random_state, settings)
    meta: dict = {"model": model, "train_periods": [str(arr.periods[0]), str(arr.periods[n_train - 1])]}
    if arr.categorical and model != "kde":
        meta["categorical_covariates"] = list(arr.categorical)
    t0 = time.perf_counter()
    table = None
    no_unc = np.full(n, np.nan)

    def step(fraction: float, message: str) -> None:
        if progress:
            progress(fraction, message)

    if model == "kde":
        xy, y, n_periods = _kde_rows(arr, n_train)
        est.fit(xy, y)
        lam = est.predict(xy) * (arr.cell_size_m / 1000.0) ** 2  # per cell and period
        meta["fit_s"] = time.perf_counter() - t0

        def finish(k):
            return 1 - np.exp(-lam * k), no_unc, {}
    else:
        args = (arr.covariates, arr.names, arr.km[sl], arr.counts[sl], arr.mask, arr.periods[sl])
        step(0.0, f"{model}: building the training table")
        table = build_table(*args, **kw, rows=table_rows if model == "effort-aware" else ALL_ROWS)
        # rows of the training table (patrolled cell-months, or every one) of the in-park cell-months it spans
        meta["training_rows"] = {"rows": len(table), "cell_months": n * (n_train - MIN_HISTORY)}

        def blocks():
            return forecast_blocks(*args, horizon=horizon, **kw)

        if model == "effort-aware":
            if not (table.X["coverage"] > 0).any():
                raise NotEnoughDataError(
                    f"no patrol effort in the {n_train} training months: the effort-aware model needs GPS tracks "
                    "(a patrols layer in park.toml) overlapping the incident records; or use the KDE hot-spot model"
                )
            if table.y[table.X["coverage"].to_numpy() > 0].sum() == 0:
                raise NotEnoughDataError(
                    f"no incident of the chosen types was found on patrol in the {n_train} training months: the "
                    "effort-aware model has nothing to learn from; choose a later --train-until or more --types"
                )
            step(0.1, f"{model}: fitting the model ({getattr(est, 'n_members', 1)} bootstrap members)")
            est.fit(
                table.X,
                table.y,
                groups=table.cell,
                periods=table.t,
                progress=lambda f, msg: step(0.1 + 0.45 * f, f"{model}: {msg}"),
            )
            step(0.55, f"{model}: correcting by the recent finds")
            mult = _residual_multiplier(est, table, arr, n_train) if SHRINK else np.ones(n)
            free = None
            w = unsearched_weight(arr.km[sl], arr.mask, arr.cell_size_m, est.sweep_km_)[rr, cc]
            if HISTORY_FREE_BLEND:
                if w.max() > MIN_BLEND_WEIGHT:
                    step(0.6, f"{model}: fitting the history-free model for the places nobody searched")
                    free = _fit_history_free(est, table)
                else:
                    meta["history_free_blend"] = {"skipped": "every neighbourhood was searched recently"}
            meta["fit_s"] = time.perf_counter() - t0
            t_pred = time.perf_counter()
            step(0.9, f"{model}: predicting the horizon")
            full = np.empty((len(est.members_), horizon, n))
            prior = None if free is None else np.empty((len(free.members_), horizon, n))
            ref_model = free if free is not None else est
            use_ref = LEVEL_FROM_GLM and getattr(ref_model, "glm_", None) is not None
            ref = np.empty((horizon, n)) if use_ref else None
            for lo, hi, block in blocks():
                full[:, :, lo:hi] = est.predict_members(block.X).reshape(len(est.members_), horizon, hi - lo)
                if prior is not None:
                    prior[:, :, lo:hi] = free.predict_members(block.X).reshape(len(free.members_), horizon, hi - lo)
                if ref is not None:
                    ref[:, lo:hi] = ref_model.predict_glm(block.X).reshape(horizon, hi - lo)
            if prior is not None and FREE_RESIDUAL_SCALES:
                prior = prior * _residual_multiplier(free, table, arr, n_train, FREE_RESIDUAL_SCALES)

            def finish(k):
                members = full[:, :k].sum(axis=1) * mult
                if prior is not None:
                    members = np.exp((1 - w) * np.log(members + 1e-12) + w * np.log(prior[:, :k].sum(axis=1) + 1e-12))
                if ref is not None:
                    members = members * part_level_factor(members.mean(axis=0), ref[:k].sum(axis=0), w)
                members = smooth_on_mask(members, arr.mask, OUTPUT_SMOOTH_KM, arr.cell_size_m)
                lam = members.mean(axis=0)
                log_sd = calibrated_log_sd(np.log(members + 1e-12).std(axis=0), w)
                extra = {"log_intensity": _on_grid(np.log(lam + 1e-12), arr.mask), "log_sd": _on_grid(log_sd, arr.mask)}
                return 1 - np.exp(-lam), probability_sd(lam, log_sd), extra  # calibrated: riskmodel.uncertainty

            if free is not None:
                meta["history_free_blend"] = {
                    "search_window_periods": SEARCH_WINDOW,
                    "search_sigma_km": SEARCH_SIGMA_KM,
                    "search_scale": SEARCH_SCALE,
                    "mean_weight": float(w.mean()),
                    "area_share_weight_over_half": float((w > 0.5).mean()),
                }
            meta["uncertainty"] = {"member_factor": MEMBER_FACTOR, "floor_sd": FLOOR_SD, "unsearched_sd": UNSEARCHED_SD}
            meta["sweep_km"] = float(est.sweep_km_)
            meta["sweep_profile"] = {f"{k:g}": v for k, v in est.profile_.items()}
            meta["output_smoothing_km"] = OUTPUT_SMOOTH_KM
            meta["glm_weight"] = float(est.glm_weight_)
            meta["glm_weight_scores"] = {f"{k:g}": v for k, v in est.blend_scores_.items()}
            if SHRINK:
                meta["residual_correction"] = {
                    "periods": SHRINK_WINDOW,
                    "scales": [
                        {"sigma_km": sg, "prior_expected_finds": a, "half_life_periods": hl}
                        for sg, a, hl in SHRINK_SCALES
                    ],
                    "multiplier_range": [float(mult.min()), float(mult.max())],
                }  # fmt: skip
        else:
            est.fit(table.X, table.found)
            meta["fit_s"] = time.perf_counter() - t0
            p = np.zeros((horizon, n))
            if 1 in est.classes_:
                found_col = list(est.classes_).index(1)
                for lo, hi, block in blocks():
                    p[:, lo:hi] = est.predict_proba(block.X)[:, found_col].reshape(horizon, hi - lo)

            def finish(k):
                return 1 - np.prod(1 - p[:k], axis=0), no_unc, {}

    risk, unc, extra = finish(horizon)
    meta.update(extra)
    if model == "effort-aware":
        meta["predict_s"] = time.perf_counter() - t_pred
    if horizons:
        meta["by_horizon"] = {}
        for k in horizons:
            if not 1 <= int(k) <= horizon:
                raise RiskModelError(f"horizon {k} is outside 1-{horizon} months")
            r, u, x = finish(int(k))
            meta["by_horizon"][int(k)] = {"risk": _on_grid(r, arr.mask), "uncertainty": _on_grid(u, arr.mask), **x}
    return _on_grid(risk, arr.mask), _on_grid(unc, arr.mask), est, table, None, meta


def part_level_factor(values: np.ndarray, reference: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per-cell factor moving the unsearched / searched level of ``values`` to that of ``reference``.

    The parts are the cells whose unsearched ``weight`` is above / at most one half; the factor is
    ``(ratio_reference / ratio_values) ** weight``: 1 on ground searched over and over, the whole correction
    where nobody walked.  A park with one part only gets factors of 1.
    """
    u = weight > 0.5
    if u.all() or not u.any():
        return np.ones_like(values, dtype=np.float64)
    r_ref = reference[u].mean() / max(reference[~u].mean(), 1e-300)
    r_val = values[u].mean() / max(values[~u].mean(), 1e-300)
    return (max(r_ref, 1e-12) / max(r_val, 1e-12)) ** weight


def _on_grid(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.full(mask.shape, np.nan, np.float32)
    out[mask] = values
    return out


def _fit_history_free(est: EffortAwareRisk, table) -> EffortAwareRisk:
    """``est``'s settings refitted without the past-find features (season, covariates and past effort remain)."""
    free = clone(est).set_params(exclude_columns=_without_found_history(est.exclude_columns))
    if FREE_GLM_WEIGHT is not None:
        free.set_params(glm_weight=FREE_GLM_WEIGHT)
    return free.fit(table.X, table.y, groups=table.cell, periods=table.t)


def _without_found_history(exclude) -> tuple:
    """``exclude`` plus every feature built from past finds (the history-free model's exclusions)."""
    items = [exclude] if isinstance(exclude, (str, int, np.integer)) else list(exclude or ())
    prefixes = ("found", "effort_") if FREE_DROP_PAST_EFFORT else ("found",)
    return tuple(items) + tuple(c for c in history_feature_names() if c.startswith(prefixes) and c not in items)


def _residual_multiplier(est: EffortAwareRisk, table, arr: ParkArrays, n_train: int, scales=None) -> np.ndarray:
    """Empirical-Bayes multiplier per in-park cell from the finds of the last ``SHRINK_WINDOW`` periods."""
    first = max(MIN_HISTORY, n_train - SHRINK_WINDOW)  # the table's first period (it may hold patrolled rows only)
    rows = np.flatnonzero(table.t >= first)
    n_per = n_train - first
    shape = arr.mask.shape
    exp_f = np.zeros((n_per, shape[0] * shape[1]))
    fnd = np.zeros_like(exp_f)
    ti = table.t[rows] - first
    fnd[ti, table.cell[rows]] = table.y[rows]
    # expected finds are intensity x detection of the row's own effort: exactly 0 where nobody walked, so only
    # the patrolled rows are predicted (a large park's table is mostly unpatrolled rows)
    coverage = np.nan_to_num(table.X.iloc[rows, est.coverage_idx_].to_numpy(dtype=float), nan=0.0)
    walked = rows[coverage > 0]
    exp_f[table.t[walked] - first, table.cell[walked]] = est.predict_found(table.X.iloc[walked])
    mult = multiscale_multiplier(
        fnd.reshape(n_per, *shape),
        exp_f.reshape(n_per, *shape),
        arr.mask,
        arr.cell_size_m,
        scales=scales or SHRINK_SCALES,
    )
    return mult[arr.mask]


def fit_risk(
    park,
    train_until,
    horizon_months: int,
    model: str = RECOMMENDED,
    types=ATTACK_TYPES,
    progress: Progress = None,
    arrays: ParkArrays | None = None,
    settings: dict | None = None,
    prior_weights: dict | None = None,
) -> RiskSurface:
    """Fit ``model`` on the periods up to ``train_until``; map the risk of the next ``horizon_months``.

    A park with no history (no dated incident of ``types`` and no km of patrol)
    cannot fit any model: it gets the prior of :mod:`riskmodel.prior` instead,
    labelled as such, with ``meta["fallback"]`` saying why (and the progress
    callable told).  ``model="prior"`` asks for the prior on any park.

    Parameters
    ----------
    park : layers.park.Park or path
        The park (or its folder).
    train_until : date-like
        Last day of training data; complete months up to it are used.
    horizon_months : int
        Months after the last training month the map covers.
    model : str
        ``"effort-aware"`` (recommended), ``"effort-blind"`` or ``"kde"``.
    types : iterable of str
        Incident types that count as attacks.
    progress : callable, optional
    arrays : ParkArrays, optional
        Precomputed park arrays (skip the covariates and effort).
    settings : dict, optional
        Estimator parameters overriding the defaults (e.g. ``{"n_members": 8}``).
    prior_weights : dict, optional
        Factor weights of the prior (:func:`riskmodel.prior.check_weights`), when the prior is used.

    Returns
    -------
    RiskSurface
    """
    if int(horizon_months) < 1:
        raise RiskModelError(f"the horizon must be at least 1 month, got {horizon_months}")
    if int(horizon_months) > MAX_HORIZON_MONTHS:
        raise RiskModelError(
            f"a horizon of {horizon_months} months is above the limit of {MAX_HORIZON_MONTHS} months: a risk map "
            "says nothing that far ahead. Fix: map at most a year or two ahead, and refit as data comes in"
        )
    check_weights(prior_weights)  # a bad weight is reported before the (slow) arrays
    arr = arrays or park_arrays(park, types, progress)
    check_mappable(arr)
    if model == PRIOR_MODEL or not has_history(arr):
        return _prior_surface(arr, train_until, int(horizon_months), model, prior_weights, progress)
    if train_until is None:
        raise RiskModelError(
            f"the park has data from {arr.periods[0]} to {arr.periods[-1]}: give the training cut-off date "
            "(the last day of data the model may use)"
        )
    n_train = arr.n_train(train_until)
    check_trainable(arr, n_train, train_until, needs_effort=model != "kde")
    # the effort-aware model learns only from patrolled rows: its table holds those alone (the same fit)
    rows = PATROLLED_ROWS if model == "effort-aware" else ALL_ROWS
    check_table_memory(arr, n_train, rows=rows, horizon=int(horizon_months))  # sizes that drive memory, first
    if progress:
        progress(0.5, f"fitting the {model} model on {n_train} months")
    risk, unc, _, _, _, meta = fit_predict(
        arr,
        n_train,
        int(horizon_months),
        model,
        settings=settings,
        progress=_sub(progress, 0.5, 0.97),
        table_rows=rows,
    )
    log_sd = meta.pop("log_sd", None)
    meta.pop("log_intensity", None)
    horizon = pd.period_range(arr.periods[n_train - 1] + 1, periods=int(horizon_months), freq="M")
    meta["types"] = list(arr.types)
    unsearched = None
    if "search_scale" in meta.get("history_free_blend", {}):
        w = unsearched_weight(arr.km[:n_train], arr.mask, arr.cell_size_m, meta["sweep_km"])
        unsearched = np.where(arr.mask, w, np.nan).astype(np.float32)
    if progress:
        progress(1.0, "risk surface ready")
    return RiskSurface(
        grid=arr.grid,
        risk=risk,
        uncertainty=unc,
        classes=risk_classes(risk, arr.mask),
        model=model,
        periods=horizon,
        meta=meta,
        unsearched=unsearched,
        log_sd=log_sd,
    )


def has_history(arr: ParkArrays) -> bool:
    """Whether the park has any dated incident of the chosen types or any km of patrol to fit on."""
    return len(arr.periods) > 0 and (float(arr.km.sum(dtype=np.float64)) > 0 or int(arr.counts.sum()) > 0)


def _prior_surface(arr: ParkArrays, train_until, horizon: int, model: str, weights, progress: Progress):
    """The prior of ``arr``'s park for the months after ``train_until`` (else from this month)."""
    if train_until is not None:
        start = (pd.Period(pd.Timestamp(train_until), "M") + 1).start_time
    elif len(arr.periods):
        start = (arr.periods[-1] + 1).start_time
    else:
        start = None
    surface = prior_from_arrays(arr.grid, arr.covariates, arr.names, weights, horizon, start)
    surface.meta["types"] = list(arr.types)
    if model != PRIOR_MODEL:
        why = (
            "no dated incident or GPS track"
            if not len(arr.periods)
            else f"no {', '.join(t.replace('_', ' ') for t in arr.types)} incident and no patrol effort"
        )
        surface.meta["fallback"] = (
            f"The park has {why}, so no model can be fitted on its history: this map is a prior "
            "from habitat, animal densities and access with expert weights."
        )
        if progress:
            progress(0.9, surface.meta["fallback"])
    if progress:
        progress(1.0, "prior risk surface ready")
    return surface
