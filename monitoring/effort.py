"""Patrol effort for the indicators: km, patrols, patrol-days and hours per period and section.

GPS fixes are cleaned by :func:`layers.tracks.clean_fixes` (the same cleaning
as the risk model's effort, :func:`layers.effort.compute_effort`).  Each step
between two fixes of a cleaned segment adds

- its straight length to the km,
- its duration to the hours (gaps longer than ``TRACK_MAX_GAP_S`` split a
  segment, so long pauses are not counted),

in the period of its time midpoint and in the section of its midpoint.  A
patrol is a track (one GPS track, i.e. one team's outing) with at least one
step in the period and section; a patrol-day is a track and a UTC calendar
day.  A patrol crossing two sections counts once in each, and once park-wide.

Examples
--------
>>> import numpy as np
>>> steps = steps_from_arrays(np.zeros(3, int), np.array([0.0, 3600, 7200]), np.array([0.0, 4000, 8000]),
...                           np.zeros(3))
>>> round(float(steps.km.sum()), 3), round(float(steps.hours.sum()), 3)
(8.0, 2.0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layers.tracks import CleaningSummary, clean_fixes, fix_arrays

from .defaults import PERIOD_KINDS
from .errors import MonitoringError

__all__ = ["EffortSteps", "effort_steps", "period_ordinals", "steps_from_arrays"]


@dataclass
class EffortSteps:
    """The steps of cleaned patrol tracks, one entry per step.

    Attributes
    ----------
    t : numpy.ndarray
        Time midpoint, seconds since 1970 UTC.
    km, hours : numpy.ndarray
        Length and duration of each step.
    track : numpy.ndarray of int64
        Track code (one code per GPS track, i.e. per patrol).
    day : numpy.ndarray of int64
        UTC day of the step's midpoint (days since 1970).
    section : numpy.ndarray of int64
        Code into ``section_names``; -1 outside every section.
    section_names : list of str
    cleaning : CleaningSummary or None
    """

    t: np.ndarray
    km: np.ndarray
    hours: np.ndarray
    track: np.ndarray
    day: np.ndarray
    section: np.ndarray
    section_names: list[str]
    cleaning: CleaningSummary | None = None

    def __len__(self) -> int:
        return len(self.t)

    @property
    def total_km(self) -> float:
        return float(self.km.sum(dtype=np.float64))


def period_ordinals(t_seconds: np.ndarray, kind: str) -> np.ndarray:
    """pandas period ordinals (``"M"``, ``"Q"`` or ``"Y"``) of times in seconds since 1970 UTC."""
    if kind not in PERIOD_KINDS:
        raise MonitoringError(f"unknown period {kind!r}; use one of {', '.join(PERIOD_KINDS)}")
    months = np.floor(np.asarray(t_seconds, dtype=float)).astype("datetime64[s]").astype("datetime64[M]")
    m = months.astype(np.int64)
    return {"month": m, "quarter": m // 3, "year": m // 12}[kind]


def steps_from_arrays(
    segment: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    track: np.ndarray | None = None,
    section_codes: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, list[str]]] | None = None,
    cleaning: CleaningSummary | None = None,
) -> EffortSteps:
    """Steps of cleaned fixes given as arrays (sorted by segment then time; ``t`` in seconds, ``x, y`` in metres).

    ``section_codes(x, y) -> (codes, names)`` gives the section of step midpoints
    (code -1 outside every section), e.g. :meth:`monitoring.register.Register.section_codes`.
    """
    segment = np.asarray(segment)
    track = segment if track is None else np.asarray(track)
    i = np.flatnonzero(segment[1:] == segment[:-1]) if len(segment) > 1 else np.zeros(0, dtype=np.int64)
    km = np.hypot(x[i + 1] - x[i], y[i + 1] - y[i]) / 1000.0
    hours = (t[i + 1] - t[i]) / 3600.0
    tm = 0.5 * (t[i] + t[i + 1])
    day = np.floor(tm / 86400.0).astype(np.int64)
    names: list[str] = []
    codes = np.full(len(i), -1, dtype=np.int64)
    if section_codes is not None and len(i):
        codes, names = section_codes(0.5 * (x[i] + x[i + 1]), 0.5 * (y[i] + y[i + 1]))
        codes = np.asarray(codes, dtype=np.int64)
    return EffortSteps(tm, km, hours, np.asarray(track[i], dtype=np.int64), day, codes, names, cleaning)


def effort_steps(tracks, section_codes: Callable | None = None, progress=None) -> EffortSteps:
    """The steps of a park's GPS tracks (``Park.tracks``), cleaned, with their sections.

    Parameters
    ----------
    tracks : geopandas.GeoDataFrame
        GPS fixes in the park's metric CRS (``COL_TRACK``, ``COL_TIME``).
    section_codes : callable, optional
        ``section_codes(x, y) -> (codes, names)``, e.g. :meth:`monitoring.register.Register.section_codes`.
    progress : callable, optional
        ``progress(fraction, message)``.
    """
    if tracks is None or len(tracks) == 0:
        e = np.empty(0)
        return EffortSteps(e, e, e, e.astype(np.int64), e.astype(np.int64), e.astype(np.int64), [], None)
    if progress:
        progress(0.0, f"cleaning {len(tracks):,} GPS fixes")
    track, t, x, y = fix_arrays(tracks)
    keep, seg, summary = clean_fixes(track, t, x, y)
    if progress:
        progress(0.5, f"patrol steps and their sections from {summary.fixes_out:,} fixes")
    steps = steps_from_arrays(seg, t[keep], x[keep], y[keep], track[keep], section_codes, summary)
    if progress:
        progress(1.0, f"{steps.total_km:,.0f} km of patrol")
    return steps


def effort_table(steps: EffortSteps, kind: str) -> pd.DataFrame:
    """Effort per period and section: ``period`` (ordinal), ``section`` (name, ``"all"`` rows too), ``km``,
    ``patrols``, ``patrol_days``, ``hours``."""
    from .defaults import PARK_WIDE

    if len(steps) == 0:
        return pd.DataFrame(columns=["period", "section", "km", "patrols", "patrol_days", "hours"])
    p = period_ordinals(steps.t, kind)
    p0 = int(p.min())
    pp = p - p0
    n_p = int(pp.max()) + 1
    names = list(steps.section_names)
    n_s = len(names) + 1  # last code: park-wide
    frames = []
    for codes, label_of in ((steps.section, lambda c: names[c]), (np.full(len(pp), n_s - 1), lambda c: PARK_WIDE)):
        ok = codes >= 0
        key = pp[ok] * n_s + codes[ok]
        size = n_p * n_s
        km = np.bincount(key, weights=steps.km[ok], minlength=size)
        hours = np.bincount(key, weights=steps.hours[ok], minlength=size)
        tr = steps.track[ok]
        dy = steps.day[ok]
        patrols = _distinct_count(key, tr, size)
        days = _distinct_count(key, tr * 100_000 + (dy - dy.min() if len(dy) else dy), size)
        present = np.flatnonzero(np.bincount(key, minlength=size) > 0)
        frames.append(
            pd.DataFrame(
                {
                    "period": present // n_s + p0,
                    "section": [label_of(int(c)) for c in present % n_s],
                    "km": km[present],
                    "patrols": patrols[present],
                    "patrol_days": days[present],
                    "hours": hours[present],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _distinct_count(key: np.ndarray, value: np.ndarray, size: int) -> np.ndarray:
    """Number of distinct ``value`` per ``key`` (``key < size``)."""
    if len(key) == 0:
        return np.zeros(size, dtype=np.int64)
    pair = np.unique(key.astype(np.int64) * (int(value.max()) + 1) + value.astype(np.int64))
    return np.bincount(pair // (int(value.max()) + 1), minlength=size)
