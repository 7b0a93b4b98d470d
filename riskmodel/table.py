"""The training table: one row per in-park cell and period.

Every feature of a row describes what was known *before* its period: the
cell's covariates, the season, and the patrol effort and incidents found in
strictly earlier periods (raw, over the last 1, 3 and 12 periods, and
spatially smoothed with Gaussian kernels of ``SMOOTH_KM``).  The only columns about the row's
own period are its patrol effort (``effort_km``, ``coverage``), which the
effort-aware model uses as a detection term and never as a predictor of
attacks, and the label (incidents found).

Past finds are also turned into *effort-corrected* rates: finds divided by
the expected number of detections a unit of attack intensity would have
produced, ``sum_t d(e_t)`` with the shared detection model
``d(e) = 1 - exp(-s e / A)``, smoothed over the neighbourhood and shrunk to
the park-wide rate where little was searched.  A cell where rangers walked
often and found nothing is then told apart from a cell where nobody looked.

Examples
--------
>>> import numpy as np, pandas as pd
>>> cov = np.zeros((1, 2, 3), np.float32)
>>> km = np.ones((4, 2, 3), np.float32)
>>> counts = np.zeros((4, 2, 3), np.int32)
>>> periods = pd.period_range("2024-01", periods=4, freq="M")
>>> t = build_table(cov, ["dist_road"], km, counts, None, periods, cell_size_m=500)
>>> len(t), int(t.y.sum())  # one period after the first three, six cells
(6, 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter

from layers.defaults import DETECTION_SWEEP_KM

from .errors import NotEnoughDataError

# Columns about the row's own period (never predictors of the attack intensity).
COL_EFFORT = "effort_km"  # km walked in the cell during the period
COL_COVERAGE = "coverage"  # km walked per km2 of cell during the period
CURRENT_EFFORT_COLUMNS = (COL_EFFORT, COL_COVERAGE)
COL_X = "x_km"  # cell centre, km east of the grid's upper-left corner
COL_Y = "y_km"  # cell centre, km north of the grid's upper-left corner (negative)

LAG_WINDOWS = (1, 3, 12)  # periods of history summarised by the lag features
SMOOTH_KM = (1.0, 3.0)  # Gaussian kernel widths (sigma, km) of the neighbourhood features
RATE_WINDOWS = (1, 3, 6, 12)  # recent windows of the effort-corrected rates (besides all history)
MIN_HISTORY = 3  # the first periods have too little history to train on
RATE_PRIOR = 0.5  # pseudo-searches (fully searched cell-periods) shrinking the rates
MIN_CLASS_SHARE = 0.01  # classes of a categorical covariate on less of the park get no indicator column
MAX_CLASSES = 20  # at most this many indicator columns per categorical covariate (the commonest classes)


@dataclass
class TrainingTable:
    """Rows of cells and periods with their features and label.

    Attributes
    ----------
    X : pandas.DataFrame
        float32 features, one row per (period, in-park cell).
    y : numpy.ndarray
        int32 incidents found in the row's cell and period (the label).
    t : numpy.ndarray
        Index of the row's period in ``periods``.
    cell : numpy.ndarray
        Flat index ``row * cols + col`` of the row's cell.
    periods : pandas.PeriodIndex
        Periods the table spans (those of the arrays it was built from).
    shape : tuple of int
        Grid shape ``(rows, cols)``.
    """

    X: pd.DataFrame
    y: np.ndarray
    t: np.ndarray
    cell: np.ndarray
    periods: pd.PeriodIndex
    shape: tuple[int, int]

    def __len__(self) -> int:
        return len(self.y)

    @property
    def found(self) -> np.ndarray:
        """Binary label: at least one incident found in the cell and period."""
        return (self.y > 0).astype(np.int8)

    @property
    def feature_names(self) -> list[str]:
        return list(self.X.columns)


def history_feature_names() -> list[str]:
    """Names of the features built from earlier periods, in column order."""
    names = [f"effort_km_lag{w}" for w in LAG_WINDOWS]
    names += [f"found_lag{w}" for w in LAG_WINDOWS]
    for h in SMOOTH_KM:
        k = f"{h:g}km"
        names += [f"effort_near{k}_lag1", f"effort_near{k}_lag3", f"found_near{k}_lag12"]
    names += ["found_rate_cell"]
    for h in SMOOTH_KM:
        names += [f"found_rate_{h:g}km", *[f"found_rate_{h:g}km_lag{w}" for w in RATE_WINDOWS]]
    return names


class _History:
    """Cumulative sums over periods, so that any window of earlier periods is one subtraction."""

    def __init__(self, km, counts, mask, cell_size_m, sweep_km):
        area = (cell_size_m / 1000.0) ** 2
        self.mask = mask
        self.cell_km = cell_size_m / 1000.0
        # cum[t] = sum over periods < t; shape (T + 1, rows, cols), float32, summed in float64 one period at a
        # time (the same sums as a float64 cumsum, without (T, rows, cols) float64 copies of a fine grid)
        shape = (km.shape[0] + 1, *km.shape[1:])
        self.km, self.found, self.det = (np.zeros(shape, np.float32) for _ in range(3))
        acc_km, acc_found, acc_det = (np.zeros(km.shape[1:], np.float64) for _ in range(3))
        for t in range(km.shape[0]):
            k = np.where(mask, np.nan_to_num(km[t].astype(np.float64)), 0.0)
            acc_km += k
            acc_found += np.where(mask, counts[t].astype(np.float64), 0.0)
            acc_det += 1.0 - np.exp(-sweep_km * k / area)
            self.km[t + 1], self.found[t + 1], self.det[t + 1] = acc_km, acc_found, acc_det
        self.mask_f = mask.astype(np.float32)
        self._norm = {h: self._smooth_raw(self.mask_f, h) for h in SMOOTH_KM}

    def window(self, cum, t, w):
        """Sum over periods ``[t - w, t)`` and the number of periods in it."""
        lo = max(t - w, 0)
        return cum[t] - cum[lo], max(t - lo, 1)

    def _smooth_raw(self, a, h):
        return gaussian_filter(a, sigma=h / self.cell_km, mode="constant", truncate=3.0)

    def smooth(self, a, h):
        """Gaussian mean over the in-park neighbourhood (edges renormalised)."""
        s = self._smooth_raw(a * self.mask_f, h)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self._norm[h] > 1e-6, s / self._norm[h], 0.0)

    def rate(self, found, det, prior_rate, h=None):
        """Effort-corrected finds per unit of detection in the neighbourhood, shrunk to ``prior_rate``.

        Finds and detections are pooled over the kernel (weights peaking at
        1), so the prior's ``RATE_PRIOR`` pseudo-searches weigh the same
        whatever the kernel width.
        """
        a = RATE_PRIOR
        if h is not None:
            n_eff = 2 * np.pi * (h / self.cell_km) ** 2  # cells under a kernel of peak weight 1
            found, det = self.smooth(found, h), self.smooth(det, h)
            a = RATE_PRIOR / max(n_eff, 1.0)
        return (found + a * prior_rate) / (det + a)

    def features(self, t: int, at=None) -> np.ndarray:
        """History features of period ``t`` (``0 <= t <= T``): (K, rows, cols) float32.

        ``at``, a pair of row and column index arrays, gives the features of those cells only, (K, n): each
        feature is taken at the cells as it is computed, so a fine grid never holds all K at once.
        """
        out = []

        def add(a):
            out.append(np.asarray(a if at is None else a[at], dtype=np.float32))

        for w in LAG_WINDOWS:
            s, n = self.window(self.km, t, w)
            add(s / n)
        for w in LAG_WINDOWS:
            s, n = self.window(self.found, t, w)
            add(s / n)
        for h in SMOOTH_KM:
            for w in (1, 3):
                s, n = self.window(self.km, t, w)
                add(self.smooth(s / n, h))
            s, n = self.window(self.found, t, 12)
            add(self.smooth(s / n, h))
        found_all, det_all = self.found[t], self.det[t]
        total_det = float(det_all[self.mask].sum())
        prior = float(found_all[self.mask].sum()) / total_det if total_det > 0 else 0.0
        add(self.rate(found_all, det_all, prior))
        for h in SMOOTH_KM:
            add(self.rate(found_all, det_all, prior, h))
            for w in RATE_WINDOWS:
                fw, _ = self.window(self.found, t, w)
                dw, _ = self.window(self.det, t, w)
                add(self.rate(fw, dw, prior, h))
        return np.stack(out)


def _check_inputs(covariates, names, km, counts, mask, periods):
    covariates = np.asarray(covariates, dtype=np.float32)
    km = np.asarray(km, dtype=np.float32)
    counts = np.asarray(counts)
    if covariates.ndim != 3 or km.ndim != 3 or counts.shape != km.shape:
        raise ValueError(
            f"expected covariates (F, rows, cols) and effort/counts (T, rows, cols) of one shape; got "
            f"{covariates.shape}, {km.shape} and {counts.shape}"
        )
    if covariates.shape[1:] != km.shape[1:]:
        raise ValueError(f"covariates grid {covariates.shape[1:]} differs from the effort grid {km.shape[1:]}")
    if len(names) != covariates.shape[0]:
        raise ValueError(f"{len(names)} covariate names for {covariates.shape[0]} covariate bands")
    if len(periods) != km.shape[0]:
        raise ValueError(f"{len(periods)} periods for {km.shape[0]} effort bands")
    mask = np.ones(km.shape[1:], bool) if mask is None else np.asarray(mask, bool)
    if mask.shape != km.shape[1:]:
        raise ValueError(f"mask has shape {mask.shape}, expected {km.shape[1:]}")
    return covariates, km, counts, mask, pd.PeriodIndex(periods)


def class_columns(name: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """Indicator columns ``<name>_<code>`` of a categorical covariate's in-park ``values``.

    Class codes are labels, not quantities (land cover 3 is not "more" than
    2): each class on at least ``MIN_CLASS_SHARE`` of the cells (at most
    ``MAX_CLASSES``, the commonest) gets a 0/1 column; rarer classes are 0 in
    every column, and cells without a code are NaN in every column.

    Examples
    --------
    >>> cols = class_columns("landcover", np.array([1, 1, 3, np.nan, 3, 3]))
    >>> {k: v.tolist() for k, v in cols.items()}
    {'landcover_3': [0.0, 0.0, 1.0, nan, 1.0, 1.0], 'landcover_1': [1.0, 1.0, 0.0, nan, 0.0, 0.0]}
    """
    values = np.asarray(values, np.float64)
    ok = np.isfinite(values)
    codes, counts = np.unique(values[ok], return_counts=True)
    order = np.argsort(-counts, kind="stable")
    keep = [codes[i] for i in order[:MAX_CLASSES] if counts[i] >= MIN_CLASS_SHARE * max(ok.sum(), 1)]
    out = {}
    for code in keep:
        col = (values == code).astype(np.float32)
        col[~ok] = np.nan
        out[f"{name}_{code:g}"] = col
    return out


def _static_block(covariates, names, mask, cell_size_m, categorical=()):
    rows, cols = np.nonzero(mask)
    cs = cell_size_m / 1000.0
    static = {}
    for i, n in enumerate(names):
        if n in categorical:
            static.update(class_columns(n, covariates[i][rows, cols]))
        else:
            static[n] = covariates[i][rows, cols]
    static[COL_X] = ((cols + 0.5) * cs).astype(np.float32)
    static[COL_Y] = (-(rows + 0.5) * cs).astype(np.float32)
    return static, rows * mask.shape[1] + cols


def _season(months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    angle = 2 * np.pi * (np.asarray(months, float) - 1) / 12.0
    return np.sin(angle).astype(np.float32), np.cos(angle).astype(np.float32)


def _assemble(static, hist_names, hist_rows, months, effort_km, coverage):
    cols = dict(static)
    for i, n in enumerate(hist_names):
        cols[n] = hist_rows[i]
    cols["month_sin"], cols["month_cos"] = _season(months)
    cols[COL_EFFORT] = effort_km
    cols[COL_COVERAGE] = coverage
    return pd.DataFrame({k: np.asarray(v, dtype=np.float32) for k, v in cols.items()})


ALL_ROWS = "all"  # build_table(rows=...): every in-park cell of every period
PATROLLED_ROWS = "patrolled"  # only the cell-periods with patrol effort or a find
FORECAST_BLOCK_CELLS = 200_000  # in-park cells per block of forecast rows (memory of the prediction)


def build_table(
    covariates,
    names,
    km,
    counts,
    mask,
    periods,
    *,
    cell_size_m: float,
    sweep_km: float = DETECTION_SWEEP_KM,
    start: int = MIN_HISTORY,
    stop: int | None = None,
    categorical=(),
    rows: str = ALL_ROWS,
) -> TrainingTable:
    """Build the training table of periods ``start`` to ``stop - 1``.

    Parameters
    ----------
    covariates : array (F, rows, cols)
        Covariates per cell (NaN allowed; outside the park ignored).
    names : list of str
        Covariate names, one per band.
    km : array (T, rows, cols)
        km walked per cell and period.
    counts : array (T, rows, cols)
        Incidents found per cell and period (of the chosen types).
    mask : bool array (rows, cols) or None
        Cells inside the park.
    periods : pandas.PeriodIndex
        The T periods.
    cell_size_m : float
        Side of a cell in metres.
    sweep_km : float
        Sweep width of the detection model used in the effort-corrected rates.
    start, stop : int
        Period indices of the rows (``start`` defaults to 3: the first
        periods have too little history).
    categorical : collection of str
        Covariates holding class codes (e.g. land cover), turned into
        indicator columns by :func:`class_columns`.
    rows : {"all", "patrolled"}
        ``"all"``: a row per in-park cell and period (what the effort-blind
        baseline learns from).  ``"patrolled"``: only the cell-periods with
        patrol effort (``km > 0``) or a find.  The effort-aware likelihood
        gives a row without effort zero weight (the estimator keeps only rows
        with coverage above 1e-6), so it learns exactly the same from either
        table, and the residual correction sees every find; the history
        features are still computed from every cell of the full grid arrays.
        On a large park most cell-months are unpatrolled: the table then
        holds a few per cent of the rows of ``"all"``
        (:func:`riskmodel.guards.table_bytes` estimates both).

    Returns
    -------
    TrainingTable
        Rows ordered by period, then by cell (row-major), whatever ``rows``.
    """
    if rows not in (ALL_ROWS, PATROLLED_ROWS):
        raise ValueError(f"rows must be {ALL_ROWS!r} or {PATROLLED_ROWS!r}, got {rows!r}")
    covariates, km, counts, mask, periods = _check_inputs(covariates, names, km, counts, mask, periods)
    T = km.shape[0]
    stop = T if stop is None else min(int(stop), T)
    start = max(0, min(int(start), stop - 1))
    if stop <= 0 or not mask.any():
        raise NotEnoughDataError("no period or no in-park cell to build a training table from")
    hist = _History(km, counts, mask, cell_size_m, sweep_km)
    static, cell = _static_block(covariates, names, mask, cell_size_m, categorical)
    rr, cc = np.nonzero(mask)
    area = (cell_size_m / 1000.0) ** 2
    frames, ys, ts, cells = [], [], [], []
    hnames = history_feature_names()
    for t in range(start, stop):
        e = np.nan_to_num(km[t][rr, cc])
        y = counts[t][rr, cc].astype(np.int32)
        if rows == PATROLLED_ROWS:
            keep = np.flatnonzero((e > 0) | (y > 0))
            e, y = e[keep], y[keep]
            r, c, st = rr[keep], cc[keep], {k: v[keep] for k, v in static.items()}
        else:
            keep, r, c, st = None, rr, cc, static
        h = hist.features(t, at=(r, c))
        n = len(r)
        frames.append(_assemble(st, hnames, h, np.full(n, periods[t].month), e, e / area))
        ys.append(y)
        ts.append(np.full(n, t, np.int32))
        cells.append(cell if keep is None else cell[keep])
    X = pd.concat(frames, ignore_index=True)
    return TrainingTable(
        X=X,
        y=np.concatenate(ys),
        t=np.concatenate(ts),
        cell=np.concatenate(cells),
        periods=periods,
        shape=mask.shape,
    )


def forecast_blocks(
    covariates,
    names,
    km,
    counts,
    mask,
    periods,
    *,
    cell_size_m: float,
    horizon: int,
    sweep_km: float = DETECTION_SWEEP_KM,
    categorical=(),
    block_cells: int = FORECAST_BLOCK_CELLS,
):
    """Forecast rows (as :func:`forecast_rows`) by blocks of at most ``block_cells`` in-park cells.

    The history features are computed once on the full grid; each block's
    rows are built only when it is asked for, so a fine grid is predicted
    block by block in memory bounded by the block (rows x features x
    members), not by the park.

    Yields
    ------
    (lo, hi, TrainingTable)
        The block's in-park cells are ``lo:hi`` in mask order (row-major);
        its rows are ordered by future period, then by cell.
    """
    covariates, km, counts, mask, periods = _check_inputs(covariates, names, km, counts, mask, periods)
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 period, got {horizon}")
    if block_cells < 1:
        raise ValueError(f"block_cells must be at least 1, got {block_cells}")
    T = km.shape[0]
    hist = _History(km, counts, mask, cell_size_m, sweep_km)
    static, cell = _static_block(covariates, names, mask, cell_size_m, categorical)
    rr, cc = np.nonzero(mask)
    h_all = hist.features(T, at=(rr, cc))  # (K, in-park cells)
    del hist
    last = periods[-1] if T else None
    future = pd.period_range(last + 1, periods=horizon, freq=periods.freq)
    hnames = history_feature_names()
    for lo in range(0, max(len(rr), 1), int(block_cells)):  # an empty park: one empty block
        hi = min(lo + int(block_cells), len(rr))
        n = hi - lo
        st = {k: v[lo:hi] for k, v in static.items()}
        h = h_all[:, lo:hi]
        nan = np.full(n, np.nan, np.float32)
        frames = [_assemble(st, hnames, h, np.full(n, p.month), nan, nan) for p in future]
        yield (
            lo,
            hi,
            TrainingTable(
                X=pd.concat(frames, ignore_index=True),
                y=np.zeros(n * horizon, np.int32),
                t=np.repeat(np.arange(T, T + horizon, dtype=np.int32), n),
                cell=np.tile(cell[lo:hi], horizon),
                periods=future,
                shape=mask.shape,
            ),
        )


def forecast_rows(
    covariates,
    names,
    km,
    counts,
    mask,
    periods,
    *,
    cell_size_m: float,
    horizon: int,
    sweep_km: float = DETECTION_SWEEP_KM,
    categorical=(),
) -> TrainingTable:
    """Feature rows for the ``horizon`` periods after the last of ``periods``.

    History features are those known at the end of the last period (the
    history of the first future period); the season is each future period's.
    The effort of a future period is unknown: ``effort_km`` and ``coverage``
    are NaN.  ``y`` is all zero.  ``categorical`` as in :func:`build_table`.
    Every row at once: :func:`forecast_blocks` builds them block by block.
    """
    args = (covariates, names, km, counts, mask, periods)
    kw = dict(cell_size_m=cell_size_m, horizon=horizon, sweep_km=sweep_km, categorical=categorical)
    n = max(int(np.asarray(mask, bool).sum()) if mask is not None else int(np.prod(np.shape(km)[1:])), 1)
    ((_, _, table),) = forecast_blocks(*args, **kw, block_cells=n)
    return table


def to_grid(values, cell, shape, fill=np.nan) -> np.ndarray:
    """Scatter per-row values of one period back onto a (rows, cols) float32 array."""
    out = np.full(shape[0] * shape[1], fill, np.float32)
    out[np.asarray(cell)] = values
    return out.reshape(shape)
