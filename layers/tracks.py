"""Cleaning of ranger GPS tracks: the field data as it comes off the devices.

A patrol GPS logs fixes (points with a time).  Before fixes become distance
walked they are cleaned:

1. fixes without a time or a position are dropped;
2. duplicated fixes (same track and same time) keep their first copy;
3. single-fix spikes are dropped: a fix reached and left at an impossible
   speed while its two neighbours are consistent with each other;
4. tracks are split into segments where fixes are further apart in time than
   ``max_gap_s`` or where a step is still impossibly fast; segments with
   fewer than ``TRACK_MIN_POINTS`` fixes are dropped.

The kernel :func:`clean_fixes` works on plain numpy arrays (vectorised, no
loop per fix); :func:`clean_tracks` wraps it for a GeoDataFrame of fixes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .defaults import (
    COL_SEGMENT,
    COL_SOURCE_FILE,
    COL_TIME,
    COL_TRACK,
    TRACK_MAX_GAP_S,
    TRACK_MAX_SPEED_KMH,
    TRACK_MIN_POINTS,
)

__all__ = ["CleaningSummary", "clean_fixes", "clean_tracks", "fix_arrays", "times_to_seconds"]

_SPIKE_PASSES = 3


@dataclass
class CleaningSummary:
    """What track cleaning did.  Counts are numbers of GPS fixes unless named otherwise."""

    fixes_in: int = 0
    no_time_or_position: int = 0
    duplicates: int = 0
    spikes: int = 0
    in_short_segments: int = 0
    fixes_out: int = 0
    tracks: int = 0
    segments: int = 0
    gap_splits: int = 0  # number of splits at a time gap
    speed_splits: int = 0  # number of splits at an impossible speed

    @property
    def fixes_dropped(self) -> int:
        """Fixes removed for any reason."""
        return self.fixes_in - self.fixes_out

    def to_dict(self) -> dict:
        return asdict(self) | {"fixes_dropped": self.fixes_dropped}

    def __str__(self) -> str:
        return (
            f"{self.fixes_in:,} GPS fixes in, {self.fixes_out:,} kept ({self.fixes_dropped:,} dropped: "
            f"{self.no_time_or_position:,} without time or position, {self.duplicates:,} duplicates, "
            f"{self.spikes:,} spikes, {self.in_short_segments:,} in segments of fewer than {TRACK_MIN_POINTS} fixes); "
            f"{self.tracks:,} tracks in {self.segments:,} segments ({self.gap_splits:,} splits at time gaps, "
            f"{self.speed_splits:,} at impossible speeds)"
        )


def _speeds_kmh(t: np.ndarray, x: np.ndarray, y: np.ndarray, lag: int = 1) -> np.ndarray:
    """Speed in km/h between fix ``i`` and fix ``i + lag`` (inf when no time passes)."""
    d = np.hypot(x[lag:] - x[:-lag], y[lag:] - y[:-lag])
    dt = t[lag:] - t[:-lag]
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(dt > 0, d / np.where(dt > 0, dt, 1.0) * 3.6, np.where(d > 0, np.inf, 0.0))
    return v


def clean_fixes(
    track: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    max_gap_s: float = TRACK_MAX_GAP_S,
    max_speed_kmh: float = TRACK_MAX_SPEED_KMH,
    min_points: int = TRACK_MIN_POINTS,
) -> tuple[np.ndarray, np.ndarray, CleaningSummary]:
    """Clean GPS fixes given as arrays.

    Parameters
    ----------
    track : numpy.ndarray of int
        Track code of each fix.
    t : numpy.ndarray of float
        Time of each fix in seconds (NaN when unknown).
    x, y : numpy.ndarray of float
        Position in metres in a projected CRS (NaN when unknown).
    max_gap_s, max_speed_kmh, min_points
        Split at gaps longer than ``max_gap_s`` seconds and steps faster than
        ``max_speed_kmh``; drop segments with fewer than ``min_points`` fixes.

    Returns
    -------
    keep : numpy.ndarray of int64
        Indices of the kept fixes into the inputs, sorted by track then time.
    segment : numpy.ndarray of int64
        Segment of each kept fix, numbered 0, 1, ... in order.
    summary : CleaningSummary

    Examples
    --------
    A walk at 3.6 km/h with one spike 5 km away and a two-hour gap:

    >>> t = np.array([0, 60, 120, 180, 7380, 7440], dtype=float)
    >>> x = np.array([0, 60, 5000, 180, 240, 300], dtype=float)
    >>> keep, seg, s = clean_fixes(np.zeros(6, int), t, x, np.zeros(6))
    >>> keep.tolist(), seg.tolist(), s.spikes, s.gap_splits
    ([0, 1, 3, 4, 5], [0, 0, 0, 1, 1], 1, 1)
    """
    track = np.asarray(track)
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    summary = CleaningSummary(fixes_in=len(t))
    valid = np.isfinite(t) & np.isfinite(x) & np.isfinite(y)
    idx = np.flatnonzero(valid)
    summary.no_time_or_position = int(len(t) - len(idx))
    idx = idx[np.lexsort((t[idx], track[idx]))]
    tr, tt, xx, yy = track[idx], t[idx], x[idx], y[idx]

    # duplicates: same track and same time as the previous fix
    dup = np.zeros(len(idx), dtype=bool)
    dup[1:] = (tr[1:] == tr[:-1]) & (tt[1:] == tt[:-1])
    summary.duplicates = int(dup.sum())
    if dup.any():
        ok = ~dup
        idx, tr, tt, xx, yy = idx[ok], tr[ok], tt[ok], xx[ok], yy[ok]

    # single-fix spikes: in and out too fast, neighbours consistent
    for _ in range(_SPIKE_PASSES):
        if len(idx) < 3:
            break
        same = tr[1:] == tr[:-1]
        v = _speeds_kmh(tt, xx, yy)
        v_skip = _speeds_kmh(tt, xx, yy, lag=2)
        spike = np.zeros(len(idx), dtype=bool)
        spike[1:-1] = (
            same[:-1]
            & same[1:]
            & (v[:-1] > max_speed_kmh)
            & (v[1:] > max_speed_kmh)
            & (v_skip <= max_speed_kmh)
            & (tt[2:] - tt[:-2] <= max_gap_s)
        )
        spike[1:] &= ~spike[:-1]  # of two neighbouring candidates, drop the first only in this pass
        n = int(spike.sum())
        if n == 0:
            break
        summary.spikes += n
        ok = ~spike
        idx, tr, tt, xx, yy = idx[ok], tr[ok], tt[ok], xx[ok], yy[ok]

    # segments: new track, time gap, impossible speed
    start = np.ones(len(idx), dtype=bool)
    if len(idx) > 1:
        same = tr[1:] == tr[:-1]
        gap = same & (tt[1:] - tt[:-1] > max_gap_s)
        fast = same & ~gap & (_speeds_kmh(tt, xx, yy) > max_speed_kmh)
        start[1:] = ~same | gap | fast
        summary.gap_splits = int(gap.sum())
        summary.speed_splits = int(fast.sum())
    seg = np.cumsum(start) - 1
    if len(seg):
        sizes = np.bincount(seg)
        ok = sizes[seg] >= min_points
        summary.in_short_segments = int((~ok).sum())
        idx, tr, seg = idx[ok], tr[ok], seg[ok]
    if len(seg):
        first = np.ones(len(seg), dtype=bool)
        first[1:] = seg[1:] != seg[:-1]
        seg = np.cumsum(first) - 1
        summary.segments = int(first.sum())
        summary.tracks = int(len(np.unique(tr)))
    summary.fixes_out = int(len(idx))
    return idx.astype(np.int64), seg.astype(np.int64), summary


def fix_arrays(points) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(track_code, t_seconds, x, y)`` arrays of a GeoDataFrame of GPS fixes.

    Track ids may be of any type (codes follow first appearance); a missing
    ``COL_TRACK`` column means one track; with ``COL_SOURCE_FILE`` a track
    is a (file, track id) pair.  Times without a time zone are
    taken as UTC; missing times become NaN.
    """
    import shapely

    n = len(points)
    if COL_TRACK in points.columns:
        track, _ = pd.factorize(points[COL_TRACK], use_na_sentinel=False)
    else:
        track = np.zeros(n, dtype=np.int64)
    track = np.asarray(track, dtype=np.int64)
    if COL_SOURCE_FILE in points.columns and n:  # the same track id in two files is two tracks
        source, _ = pd.factorize(points[COL_SOURCE_FILE], use_na_sentinel=False)
        track = np.asarray(source, dtype=np.int64) * (int(track.max()) + 1) + track
    if COL_TIME in points.columns:
        t = times_to_seconds(points[COL_TIME])
    else:
        t = np.full(n, np.nan)
    geoms = np.asarray(points.geometry.values, dtype=object)
    xy = np.full((n, 2), np.nan)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if ok.all():
        xy = shapely.get_coordinates(geoms)
        if len(xy) != n:  # multi-point geometries: fall back to the first coordinate
            xy = np.column_stack(
                [shapely.get_x(shapely.get_point(geoms, 0)), shapely.get_y(shapely.get_point(geoms, 0))]
            )
    elif ok.any():
        xy[ok] = np.column_stack([shapely.get_x(geoms[ok]), shapely.get_y(geoms[ok])])
    return np.asarray(track, dtype=np.int64), t, xy[:, 0].astype(np.float64), xy[:, 1].astype(np.float64)


def times_to_seconds(times) -> np.ndarray:
    """Seconds since 1970 (UTC) as float, NaN for missing times."""
    s = pd.to_datetime(pd.Series(times), utc=True, errors="coerce")
    ns = s.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    out = ns.astype(np.float64) / 1e9
    out[s.isna().to_numpy()] = np.nan
    return out


def clean_tracks(
    points,
    max_gap_s: float = TRACK_MAX_GAP_S,
    max_speed_kmh: float = TRACK_MAX_SPEED_KMH,
    min_points: int = TRACK_MIN_POINTS,
):
    """Clean a GeoDataFrame of GPS fixes (``COL_TRACK``, ``COL_TIME``, Point geometry).

    Positions must be in a projected CRS in metres (a park's CRS).

    Returns
    -------
    fixes : geopandas.GeoDataFrame
        The kept fixes, sorted by track then time, with ``COL_SEGMENT``
        (0, 1, ... in order); the original index is kept so fixes can be
        traced back to the input.
    summary : CleaningSummary
        How many fixes were dropped and why, tracks and segments.

    See Also
    --------
    clean_fixes : the array kernel.
    """
    crs = getattr(points, "crs", None)
    if crs is not None and not crs.is_projected:
        from .errors import GridError

        raise GridError(
            f"GPS fixes are in the geographic CRS {crs.name!r}; reproject them to the park's metric CRS "
            "(GeoDataFrame.to_crs) before cleaning"
        )
    track, t, x, y = fix_arrays(points)
    keep, seg, summary = clean_fixes(track, t, x, y, max_gap_s, max_speed_kmh, min_points)
    out = points.iloc[keep].copy()
    out[COL_SEGMENT] = seg
    return out, summary
