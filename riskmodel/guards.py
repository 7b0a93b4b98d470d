"""Guards at the entry of the risk fit: what cannot be fitted stops here, with what to do.

``arr`` is a :class:`riskmodel.surface.ParkArrays` (covariates, effort and
counts on the grid, with their periods).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .defaults import TABLE_COPY_FACTOR, TABLE_MEMORY_SHARE
from .errors import NotEnoughDataError, RiskModelError
from .table import ALL_ROWS, FORECAST_BLOCK_CELLS, MIN_HISTORY, PATROLLED_ROWS, history_feature_names

MAX_HORIZON_MONTHS = 36


def check_mappable(arr) -> None:
    """Stop where no map can be made at all, fitted or prior: a park grid of fewer than two cells.

    Raises
    ------
    NotEnoughDataError
    """
    n = int(np.asarray(arr.mask, dtype=bool).sum())
    if n < 2:
        raise NotEnoughDataError(
            f"the park's grid has {n} cell inside the boundary: nothing to compare. "
            "Fix: use a smaller cell_size_m under [park], or check the boundary and its CRS"
        )


def check_trainable(arr, n_train: int, train_until, needs_effort: bool = True) -> None:
    """Stop, with what to do, where a model cannot be fitted (rather than fail inside the estimators).

    Raises
    ------
    NotEnoughDataError
        A park of one cell; ``train_until`` before the first or well after the last month of data; no
        incident of the chosen types in the park before it; none in a patrolled cell and month; a
        covariate without any value in the park (an all-nodata raster).
    """
    check_mappable(arr)
    mask = np.asarray(arr.mask, dtype=bool)
    first, last = arr.periods[0], arr.periods[-1]
    cut = pd.Timestamp(train_until)
    cut = cut.tz_convert(None) if cut.tzinfo else cut
    if n_train == 0:
        raise NotEnoughDataError(
            f"--train-until {cut:%Y-%m-%d} is before the end of the first month of data ({first}). "
            f"Fix: give a date from {first.end_time:%Y-%m-%d} on"
        )
    if cut.to_period("M") > last + 1:
        raise NotEnoughDataError(
            f"--train-until {cut:%Y-%m-%d} is after the data's last month ({last}). "
            f"Fix: give a date up to {last.end_time:%Y-%m-%d}, or import the later patrols and incidents"
        )
    counts = np.asarray(arr.counts[:n_train])
    types = ", ".join(arr.types)
    if int(counts.sum()) == 0:
        raise NotEnoughDataError(
            f"no incident of the types {types} lies inside the park before {cut:%Y-%m-%d}. Fix: check that the "
            "incidents are attacks (snares, carcasses, camps) and lie inside the boundary (python -m layers check)"
        )
    patrolled = np.asarray(arr.km[:n_train]) > 0
    if needs_effort and patrolled.any() and int((counts * patrolled).sum()) == 0:  # no effort: said later
        raise NotEnoughDataError(
            f"none of the {int(counts.sum())} incidents of the types {types} lies in a cell and month with patrol "
            "effort: the model learns how finds follow effort, and has nothing to learn from. Fix: check that the "
            "patrol tracks cover the same months and area as the incidents (python -m layers check)"
        )
    cov = np.asarray(arr.covariates)
    for name, layer in zip(arr.names, cov):
        if not np.isfinite(layer[mask]).any():
            raise NotEnoughDataError(
                f"the covariate {name!r} has no value anywhere in the park (an all-nodata raster?). "
                "Fix: remove that raster from park.toml or give one with data over the park"
            )


def memory_limit_bytes() -> float:
    """What a fit may plan to use: ``$RISK_MAX_TABLE_GB`` when set, else half of the machine's memory."""
    env = os.environ.get("RISK_MAX_TABLE_GB")
    if env:
        try:
            return float(env) * 1e9
        except ValueError:
            raise RiskModelError(f"RISK_MAX_TABLE_GB={env!r} is not a number. Fix: e.g. RISK_MAX_TABLE_GB=8") from None
    try:
        return TABLE_MEMORY_SHARE * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: no check
        return float("inf")


def table_rows(arr, n_train: int, rows: str = ALL_ROWS) -> int:
    """Rows of the training table of ``arr``'s first ``n_train`` months, counted on the arrays (no table built).

    ``rows="all"``: in-park cells x training months (after the first ``MIN_HISTORY``); ``"patrolled"``: the
    in-park cell-months with patrol effort or a find among them (see :func:`riskmodel.table.build_table`).
    """
    mask = np.asarray(arr.mask, dtype=bool)
    months = range(min(MIN_HISTORY, max(int(n_train) - 1, 0)), int(n_train))
    if rows == ALL_ROWS:
        return int(mask.sum()) * max(len(months), 1)
    if rows != PATROLLED_ROWS:
        raise ValueError(f"rows must be {ALL_ROWS!r} or {PATROLLED_ROWS!r}, got {rows!r}")
    n = 0
    for t in months:  # one month at a time: no (months, cells) copy of a fine grid
        km = np.nan_to_num(np.asarray(arr.km[t], dtype=np.float32))
        n += int((((km > 0) | (np.asarray(arr.counts[t]) > 0)) & mask).sum())
    return n


def table_bytes(arr, n_train: int, rows: str = ALL_ROWS, horizon: int = 1) -> tuple[int, int, float]:
    """Rows, columns and estimated peak bytes of the fit of ``arr``'s first ``n_train`` months, before any is built.

    The estimate adds up, in float32 (4 bytes a value):

    * the training table, ``rows x columns x TABLE_COPY_FACTOR`` (the table, its binned copy for the trees and
      the GLM's design);
    * the history arrays on the full grid, which do not depend on ``rows``: three running sums of
      ``(months + 1) x grid cells`` and the features of one month, ``features x grid cells`` (twice, as they
      are stacked);
    * one block of forecast rows, ``FORECAST_BLOCK_CELLS x horizon x columns`` with its binned copy and the
      GLM's float64 design (the prediction goes block by block: it does not grow with the park).

    On a 20,000 km2 park at 100 m (2 M cells) with 36 months the table of every row (``"all"``) is 66 M rows
    x 37 columns (about 29 GB with the copies); of the patrolled rows only, it is the patrolled share of that
    (0.70 M of 16.0 M rows, 4.4 %, on a 2 M-cell demo park with 12 months), and the history arrays (about
    1 GB at 12 months) then dominate.
    """
    grid = int(np.prod(np.asarray(arr.mask).shape))
    n_rows = table_rows(arr, n_train, rows)
    n_hist = len(history_feature_names())
    cols = len(arr.names) + n_hist + 6  # covariates, history, season, place, effort
    table = n_rows * cols * 4.0 * TABLE_COPY_FACTOR
    history = 3 * (int(n_train) + 1) * grid * 4.0 + 3 * grid * 8.0 + 2 * n_hist * grid * 4.0
    block = min(FORECAST_BLOCK_CELLS, int(np.asarray(arr.mask, dtype=bool).sum())) * max(int(horizon), 1)
    predict = block * cols * (4.0 + 4.0 + 2 * 8.0)
    return n_rows, cols, table + history + predict


def check_table_memory(
    arr, n_train: int, limit_bytes: float | None = None, rows: str = ALL_ROWS, horizon: int = 1
) -> None:
    """Stop before the training table is built when the fit would not fit in memory.

    Raises
    ------
    RiskModelError
        The estimate of :func:`table_bytes` (the table of ``rows``, the history arrays on the grid and one
        block of forecast rows) is above ``limit_bytes`` (default :func:`memory_limit_bytes`).
    """
    limit = memory_limit_bytes() if limit_bytes is None else float(limit_bytes)
    n_rows, cols, need = table_bytes(arr, n_train, rows, horizon)
    if need > limit:
        what = "rows (cells x months)" if rows == ALL_ROWS else "rows (patrolled cell-months)"
        raise RiskModelError(
            f"the training table would hold {n_rows:,} {what} x {cols} features: with the model's copies and "
            f"the history arrays of the {np.asarray(arr.mask).size:,}-cell grid, about {need / 1e9:,.1f} GB, "
            f"above the {limit / 1e9:,.1f} GB this fit may use. "
            "Fix: a coarser cell_size_m under [park], an earlier --train-until with fewer months, or a machine "
            "(or Dask worker) with more memory (RISK_MAX_TABLE_GB sets the limit)"
        )


__all__ = [
    "MAX_HORIZON_MONTHS",
    "check_table_memory",
    "check_trainable",
    "memory_limit_bytes",
    "table_bytes",
    "table_rows",
]
