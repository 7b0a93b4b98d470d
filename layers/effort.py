"""Patrol effort: km walked per cell and period, and incidents per cell and period.

Effort is what makes risk modelling honest: a cell where nobody walked tells
nothing about poaching there.  GPS fixes are cleaned (:mod:`layers.tracks`),
each step between two fixes of a segment is cut exactly where it crosses the
grid lines, and every piece adds its length to the cell it lies in, in the
period of the step's time midpoint.

Examples
--------
>>> from shapely.geometry import box
>>> from layers.grid import Grid
>>> g = Grid.from_geometry(box(0, 0, 400, 100), "EPSG:32736", cell_size=100)
>>> cell, length = split_steps(g, np.array([0.0]), np.array([50.0]), np.array([400.0]), np.array([50.0]))[1:]
>>> cell.tolist(), length.round(6).tolist()
([0, 1, 2, 3], [100.0, 100.0, 100.0, 100.0])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .defaults import (
    COL_TIME,
    COL_TRANSPORT,
    COL_TYPE,
    DEFAULT_TRANSPORT,
    GROUND_TRANSPORT,
    INCIDENT_TYPES,
    TRACK_MAX_GAP_S,
    TRACK_MAX_SPEED_KMH,
    TRACK_MIN_POINTS,
    TRANSPORT_TYPES,
)
from .errors import GridError
from .grid import Grid
from .tracks import CleaningSummary, clean_fixes, clean_tracks, fix_arrays, times_to_seconds

Progress = Callable[[float, str], None] | None

_CHUNK_STEPS = 262_144  # steps cut at grid lines at once

__all__ = [
    "CleaningSummary",
    "Effort",
    "clean_tracks",
    "compute_effort",
    "effort_from_arrays",
    "incident_counts",
    "period_freq",
    "select_transport",
    "split_steps",
]


@dataclass
class Effort:
    """Patrol effort and found incidents per cell and period.

    Attributes
    ----------
    periods : pandas.PeriodIndex
        The ``T`` periods, in order.
    km : numpy.ndarray
        float32 ``(T, rows, cols)``: km walked in each cell and period; 0
        outside the park mask.
    grid : Grid
    incidents : geopandas.GeoDataFrame or None
        The park's incidents (``COL_TIME``, ``COL_TYPE``, points in the grid
        CRS), used by :meth:`counts`.
    cleaning : CleaningSummary or None
        What track cleaning did.
    """

    periods: pd.PeriodIndex
    km: np.ndarray
    grid: Grid
    incidents: object = None
    cleaning: CleaningSummary | None = None

    def __post_init__(self):
        self.km = np.asarray(self.km, dtype=np.float32)
        self.grid.check(self.km, "effort km")
        if self.km.ndim != 3 or self.km.shape[0] != len(self.periods):
            raise GridError(f"effort km has shape {self.km.shape}, expected ({len(self.periods)}, rows, cols)")

    def counts(self, types: str | Iterable[str] | None = None) -> np.ndarray:
        """int32 ``(T, rows, cols)``: incidents of ``types`` (all when None) per cell and period."""
        return incident_counts(self.incidents, self.grid, self.periods, types)

    def total_km(self) -> float:
        """km walked inside the park over all periods."""
        return float(self.km.sum(dtype=np.float64))

    def km_per_period(self) -> pd.Series:
        """km walked inside the park in each period."""
        return pd.Series(self.km.sum(axis=(1, 2), dtype=np.float64), index=self.periods, name="km")


# --- periods -----------------------------------------------------------------
def period_freq(freq: str) -> str:
    """The pandas Period alias for an offset alias: ``"MS"`` -> ``"M"``, ``"QS"`` -> ``"Q"``."""
    f = str(freq).upper() if str(freq).upper() in {"MS", "QS", "YS", "AS", "M", "Q", "Y", "A", "D", "W"} else freq
    return {"MS": "M", "QS": "Q", "YS": "Y", "AS": "Y", "A": "Y"}.get(f, f)


def _periods_of(t_seconds: np.ndarray, freq: str) -> np.ndarray:
    """Period ordinals (int64) of times in seconds since 1970 UTC; NaT-safe only for finite input."""
    stamps = (np.asarray(t_seconds) * 1e3).astype("int64").astype("datetime64[ms]")
    return pd.DatetimeIndex(stamps).to_period(freq).asi8


def _period_index(ordinals: np.ndarray, periods: pd.PeriodIndex) -> np.ndarray:
    """Position of each period ordinal in ``periods``; -1 when absent."""
    if len(ordinals) == 0:
        return np.empty(0, dtype=np.int64)
    uniq, inverse = np.unique(ordinals, return_inverse=True)
    pos = periods.get_indexer(pd.PeriodIndex.from_ordinals(uniq, freq=periods.freq))
    return pos[inverse].astype(np.int64)


# --- exact step / grid intersection ------------------------------------------
def split_steps(
    grid: Grid, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut straight steps at the grid lines.

    Each step ``(x0, y0) -> (x1, y1)`` is clipped to the grid's extent and
    cut where it crosses a vertical or horizontal grid line; every piece lies
    in one cell.

    Returns
    -------
    step : numpy.ndarray of int64
        Index of the step each piece belongs to.
    cell : numpy.ndarray of int64
        Flat cell id (``row * cols + col``) of the piece.
    length : numpy.ndarray of float64
        Length of the piece in metres; pieces of a step sum to the length of
        the step inside the grid.
    """
    rows, cols = grid.shape
    cs = grid.cell_size
    u0 = (np.asarray(x0, dtype=np.float64) - grid.transform.c) / cs
    u1 = (np.asarray(x1, dtype=np.float64) - grid.transform.c) / cs
    v0 = (grid.transform.f - np.asarray(y0, dtype=np.float64)) / cs
    v1 = (grid.transform.f - np.asarray(y1, dtype=np.float64)) / cs
    du, dv = u1 - u0, v1 - v0
    length = np.hypot(du, dv) * cs

    # Liang-Barsky clip to [0, cols] x [0, rows]
    s_lo = np.zeros_like(u0)
    s_hi = np.ones_like(u0)
    inside = np.ones(len(u0), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        # cells are half-open: a step running along the right or bottom edge of the grid is outside
        for p, q, far in ((-du, u0, False), (du, cols - u0, True), (-dv, v0, False), (dv, rows - v0, True)):
            r = q / p
            inside &= ~((p == 0) & ((q <= 0) if far else (q < 0)))
            s_lo = np.where(p < 0, np.maximum(s_lo, r), s_lo)
            s_hi = np.where(p > 0, np.minimum(s_hi, r), s_hi)
    inside &= (s_hi > s_lo) & (length > 0)
    step = np.flatnonzero(inside)
    s_lo, s_hi = s_lo[step], s_hi[step]
    a_u, a_v = u0[step] + s_lo * du[step], v0[step] + s_lo * dv[step]
    b_u, b_v = u0[step] + s_hi * du[step], v0[step] + s_hi * dv[step]
    span = length[step] * (s_hi - s_lo)
    c_a = np.clip(np.floor(a_u), 0, cols - 1).astype(np.int64)
    c_b = np.clip(np.floor(b_u), 0, cols - 1).astype(np.int64)
    r_a = np.clip(np.floor(a_v), 0, rows - 1).astype(np.int64)
    r_b = np.clip(np.floor(b_v), 0, rows - 1).astype(np.int64)

    simple = (c_a == c_b) & (r_a == r_b)
    out_step = [step[simple]]
    out_cell = [r_a[simple] * cols + c_a[simple]]
    out_len = [span[simple]]

    k = np.flatnonzero(~simple)
    if len(k):
        au, av, bu, bv = a_u[k], a_v[k], b_u[k], b_v[k]
        ku, kv = bu - au, bv - av
        nx = np.abs(c_b[k] - c_a[k])
        ny = np.abs(r_b[k] - r_a[k])
        # crossings of vertical lines u = c, for c in (min col, max col]
        ix = np.repeat(np.arange(len(k)), nx)
        jx = np.arange(len(ix)) - np.repeat(np.cumsum(nx) - nx, nx)
        line_x = np.minimum(c_a[k], c_b[k])[ix] + 1 + jx
        with np.errstate(divide="ignore", invalid="ignore"):
            sx = (line_x - au[ix]) / ku[ix]
        iy = np.repeat(np.arange(len(k)), ny)
        jy = np.arange(len(iy)) - np.repeat(np.cumsum(ny) - ny, ny)
        line_y = np.minimum(r_a[k], r_b[k])[iy] + 1 + jy
        with np.errstate(divide="ignore", invalid="ignore"):
            sy = (line_y - av[iy]) / kv[iy]
        m = len(k)
        owner = np.concatenate([np.arange(m), np.arange(m), ix, iy])
        s = np.concatenate([np.zeros(m), np.ones(m), np.clip(sx, 0, 1), np.clip(sy, 0, 1)])
        order = np.lexsort((s, owner))
        owner, s = owner[order], s[order]
        same = owner[1:] == owner[:-1]
        pa, pb, po = s[:-1][same], s[1:][same], owner[:-1][same]
        mid = 0.5 * (pa + pb)
        col = np.clip(np.floor(au[po] + mid * ku[po]), 0, cols - 1).astype(np.int64)
        row = np.clip(np.floor(av[po] + mid * kv[po]), 0, rows - 1).astype(np.int64)
        piece = (pb - pa) * span[k][po]
        keep = piece > 0
        out_step.append(step[k][po][keep])
        out_cell.append((row * cols + col)[keep])
        out_len.append(piece[keep])
    return np.concatenate(out_step), np.concatenate(out_cell), np.concatenate(out_len)


# --- effort ----------------------------------------------------------------------
def effort_from_arrays(
    grid: Grid,
    segment: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    freq: str = "M",
    periods: pd.PeriodIndex | None = None,
    extra_times: np.ndarray | None = None,
) -> tuple[pd.PeriodIndex, np.ndarray]:
    """km per cell and period from cleaned fixes given as arrays.

    Parameters
    ----------
    grid : Grid
    segment, t, x, y : numpy.ndarray
        Cleaned fixes sorted by segment then time: segment id, time in
        seconds since 1970 UTC, position in the grid CRS (metres).
    freq : str
        Period frequency (``"M"``/``"MS"`` months, ``"W"``, ``"Q"``...).
    periods : pandas.PeriodIndex, optional
        The periods to fill; by default every period from the first to the
        last step (and ``extra_times``).  Steps outside them are ignored.
    extra_times : numpy.ndarray, optional
        More times (seconds) the default period range must cover (incidents).

    Returns
    -------
    periods : pandas.PeriodIndex
    km : numpy.ndarray
        float32 ``(T, rows, cols)``, 0 outside the park mask.
    """
    pfreq = period_freq(freq)
    segment = np.asarray(segment)
    same = segment[1:] == segment[:-1] if len(segment) else np.zeros(0, dtype=bool)
    i = np.flatnonzero(same)
    t_mid = 0.5 * (t[i] + t[i + 1])
    step_period = _periods_of(t_mid, pfreq)
    if periods is None:
        ords = step_period
        if extra_times is not None:
            extra = np.asarray(extra_times, dtype=np.float64)
            ords = np.concatenate([ords, _periods_of(extra[np.isfinite(extra)], pfreq)])
        if len(ords) == 0:  # a park with no history yet: no period, no effort (not an error)
            periods = pd.PeriodIndex([], freq=pfreq)
        else:
            ends = pd.PeriodIndex.from_ordinals([int(ords.min()), int(ords.max())], freq=pfreq)
            periods = pd.period_range(ends[0], ends[1])
    else:
        periods = pd.PeriodIndex(periods)
    n_cells = grid.shape[0] * grid.shape[1]
    step_tpos = _period_index(step_period, periods)
    mask = grid.mask.ravel()
    flat = np.zeros(len(periods) * n_cells, dtype=np.float64)
    for lo in range(0, len(i), _CHUNK_STEPS):  # chunks bound the memory of the temporary arrays
        j = i[lo : lo + _CHUNK_STEPS]
        step, cell, length = split_steps(grid, x[j], y[j], x[j + 1], y[j + 1])
        tpos = step_tpos[lo : lo + _CHUNK_STEPS][step]
        ok = (tpos >= 0) & mask[cell]
        flat += np.bincount(tpos[ok] * n_cells + cell[ok], weights=length[ok] / 1000.0, minlength=flat.size)
    return periods, flat.reshape(len(periods), *grid.shape).astype(np.float32)


def incident_counts(
    incidents, grid: Grid, periods: pd.PeriodIndex, types: str | Iterable[str] | None = None
) -> np.ndarray:
    """int32 ``(T, rows, cols)``: incidents of ``types`` per cell and period.

    Incidents outside the park mask, outside the periods or without a time
    are not counted.  ``types`` are names from ``INCIDENT_TYPES`` (all when
    None).
    """
    periods = pd.PeriodIndex(periods)
    out = np.zeros((len(periods), *grid.shape), dtype=np.int32)
    if incidents is None or len(incidents) == 0:
        return out
    frame = incidents
    if types is not None:
        types = [types] if isinstance(types, str) else list(types)
        unknown = sorted(set(types) - set(INCIDENT_TYPES))
        if unknown:
            raise ValueError(f"unknown incident types {unknown}; use names from {list(INCIDENT_TYPES)}")
        frame = frame[frame[COL_TYPE].isin(types).to_numpy()]
        if len(frame) == 0:
            return out
    t = times_to_seconds(frame[COL_TIME])
    x = frame.geometry.x.to_numpy()
    y = frame.geometry.y.to_numpy()
    cell = grid.cell_id(x, y)
    ok = np.isfinite(t) & (cell >= 0)
    cell, t = cell[ok], t[ok]
    ok = grid.mask.ravel()[cell]
    cell, t = cell[ok], t[ok]
    tpos = _period_index(_periods_of(t, periods.freqstr), periods)
    ok = tpos >= 0
    n_cells = grid.shape[0] * grid.shape[1]
    flat = np.bincount(tpos[ok] * n_cells + cell[ok], minlength=len(periods) * n_cells)
    return flat.reshape(out.shape).astype(np.int32)


def select_transport(tracks, transport: str | Iterable[str] | None = None):
    """The GPS fixes of the tracks made by ``transport`` (default: ``GROUND_TRANSPORT``); see :func:`compute_effort`."""
    chosen = GROUND_TRANSPORT if transport is None else ([transport] if isinstance(transport, str) else transport)
    chosen = {str(c).lower() for c in chosen}
    unknown = sorted(chosen - set(TRANSPORT_TYPES))
    if unknown:
        raise ValueError(f"unknown transport types {unknown}; use names from {list(TRANSPORT_TYPES)}")
    if COL_TRANSPORT not in tracks.columns:
        return tracks if DEFAULT_TRANSPORT in chosen else tracks.iloc[:0]
    kind = tracks[COL_TRANSPORT].astype("string").str.lower().fillna(DEFAULT_TRANSPORT)
    keep = kind.isin(chosen).to_numpy()
    return tracks if keep.all() else tracks.loc[keep]


def compute_effort(
    park,
    freq: str = "M",
    periods: pd.PeriodIndex | None = None,
    progress: Progress = None,
    max_gap_s: float = TRACK_MAX_GAP_S,
    max_speed_kmh: float = TRACK_MAX_SPEED_KMH,
    min_points: int = TRACK_MIN_POINTS,
    transport: str | Iterable[str] | None = None,
) -> Effort:
    """km walked per cell and period from a park's GPS tracks.

    Parameters
    ----------
    park : layers.park.Park
        Uses ``grid``, ``tracks`` (GPS fixes in the park CRS with
        ``COL_TRACK`` and ``COL_TIME``) and ``incidents``.
    freq : str
        Period length: ``"M"`` (calendar months, default), ``"W"``, ``"Q"``...
    periods : pandas.PeriodIndex, optional
        Periods to fill; by default every period from the first to the last
        patrol step or incident.
    progress : callable, optional
        ``progress(fraction, message)``.
    transport : str or list of str, optional
        Which tracks count, by their ``COL_TRANSPORT`` (foot, vehicle, boat,
        aircraft): by default every ground transport (``GROUND_TRANSPORT``),
        since an aircraft's track is no search of the ground.  Tracks without
        a transport type count as foot.

    Returns
    -------
    Effort
    """
    grid: Grid = park.grid
    tracks = getattr(park, "tracks", None)
    incidents = getattr(park, "incidents", None)
    if progress:
        progress(0.0, "cleaning GPS tracks")
    if tracks is not None and len(tracks):
        tracks = select_transport(tracks, transport)
    if tracks is None or len(tracks) == 0:
        track = t = x = y = np.empty(0)
    else:
        track, t, x, y = fix_arrays(tracks)
    keep, seg, summary = clean_fixes(track, t, x, y, max_gap_s, max_speed_kmh, min_points)
    if progress:
        progress(0.4, f"km per cell and period from {summary.fixes_out:,} GPS fixes")
    extra = None
    if incidents is not None and len(incidents) and COL_TIME in incidents.columns:
        extra = times_to_seconds(incidents[COL_TIME])
    periods, km = effort_from_arrays(grid, seg, t[keep], x[keep], y[keep], freq, periods, extra)
    if progress:
        progress(1.0, f"{km.sum(dtype=np.float64):,.0f} km of patrol in {len(periods)} periods")
    return Effort(periods=periods, km=km, grid=grid, incidents=incidents, cleaning=summary)
