"""Recognising the same record in two exports: same source id, or same kind close in time and space.

Overlapping exports (two SMART exports sharing a month, the same patrol from
SMART and from a GPS unit) must not count twice.  :func:`match_points` finds,
for each new record, an old record of the same group (incident type; one
group for GPS fixes) within ``max_s`` seconds and ``max_m`` metres, with
numpy over sorted keys (millions of fixes in a few seconds).  Distances are
local metres from longitude and latitude (equirectangular; exact enough at
50 m).

Examples
--------
>>> t = np.array([0.0, 1000.0])
>>> lon, lat = np.array([30.0, 30.0]), np.array([-24.0, -24.0])
>>> match_points(t, lon, lat, np.zeros(2, int), t + 30, lon + 0.0001, lat, np.zeros(2, int), 60, 50).tolist()
[0, 1]
"""

from __future__ import annotations

import numpy as np

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


def metres_apart(lon0, lat0, lon1, lat1) -> np.ndarray:
    """Approximate distance in metres between points given in degrees (element-wise)."""
    lat_mid = np.radians(0.5 * (np.asarray(lat0, float) + np.asarray(lat1, float)))
    dx = (np.asarray(lon1, float) - np.asarray(lon0, float)) * _M_PER_DEG_LON_EQUATOR * np.cos(lat_mid)
    dy = (np.asarray(lat1, float) - np.asarray(lat0, float)) * _M_PER_DEG_LAT
    return np.hypot(dx, dy)


def match_points(
    t_old: np.ndarray,
    lon_old: np.ndarray,
    lat_old: np.ndarray,
    group_old: np.ndarray,
    t_new: np.ndarray,
    lon_new: np.ndarray,
    lat_new: np.ndarray,
    group_new: np.ndarray,
    max_s: float,
    max_m: float,
    allowed=None,
) -> np.ndarray:
    """For each new record, the index of the nearest old record of its group within ``max_s`` and ``max_m``.

    Parameters
    ----------
    t_old, lon_old, lat_old, group_old : numpy.ndarray
        Old records: time in seconds, position in degrees, an integer group
        (records of different groups never match).
    t_new, lon_new, lat_new, group_new : numpy.ndarray
        New records, likewise.
    max_s, max_m : float
        Largest time difference (seconds) and distance (metres) of a match.
    allowed : callable, optional
        ``allowed(i_new, j_old) -> bool array``: further vetoes (e.g. two
        different ids of the same source system never match).

    Returns
    -------
    numpy.ndarray
        int64, the matched old index or -1.
    """
    n_new = len(t_new)
    out = np.full(n_new, -1, dtype=np.int64)
    if n_new == 0 or len(t_old) == 0:
        return out
    t_old = np.asarray(t_old, dtype=np.float64)
    t_new = np.asarray(t_new, dtype=np.float64)
    span = float(max(np.nanmax(t_old), np.nanmax(t_new)) - min(np.nanmin(t_old), np.nanmin(t_new))) + 4 * max_s + 1
    base = min(np.nanmin(t_old), np.nanmin(t_new))
    key_old = np.asarray(group_old, np.float64) * span + (t_old - base)
    key_new = np.asarray(group_new, np.float64) * span + (t_new - base)
    order = np.argsort(key_old, kind="stable")
    keys = key_old[order]
    lo = np.searchsorted(keys, key_new - max_s, side="left")
    hi = np.searchsorted(keys, key_new + max_s, side="right")
    best = np.full(n_new, np.inf)
    count = hi - lo
    todo = np.flatnonzero(count > 0)
    k = 0
    while len(todo):
        j = order[lo[todo] + k]
        d = metres_apart(lon_old[j], lat_old[j], lon_new[todo], lat_new[todo])
        ok = (d <= max_m) & (d < best[todo]) & np.isfinite(d)
        if allowed is not None and ok.any():
            ok[ok] = allowed(todo[ok], j[ok])
        best[todo[ok]] = d[ok]
        out[todo[ok]] = j[ok]
        k += 1
        todo = todo[count[todo] > k]
    return out


def match_within(
    t: np.ndarray, lon: np.ndarray, lat: np.ndarray, group: np.ndarray, max_s: float, max_m: float, allowed=None
) -> np.ndarray:
    """Duplicates inside one batch: for each record, the index of the first earlier record it repeats, or -1.

    "Earlier" is by position; chains are resolved to the first record, so every
    duplicate points at a record that is kept.
    """
    n = len(t)
    idx = np.arange(n)

    def earlier(i_new, j_old):
        ok = j_old < i_new
        if allowed is not None and ok.any():
            ok[ok] = allowed(i_new[ok], j_old[ok])
        return ok

    # match against every record, only earlier ones allowed: a record never matches itself
    parent = _match_earlier(t, lon, lat, group, max_s, max_m, earlier)
    root = np.where(parent >= 0, parent, idx)
    for _ in range(64):  # resolve chains (a -> b -> c) to their first record
        nxt = root[root]
        if (nxt == root).all():
            break
        root = nxt
    return np.where(root == idx, -1, root)


def _match_earlier(t, lon, lat, group, max_s, max_m, allowed) -> np.ndarray:
    """:func:`match_points` of a batch against itself, nearest allowed earlier record first."""
    return match_points(t, lon, lat, group, t, lon, lat, group, max_s, max_m, allowed=allowed)


__all__ = ["match_points", "match_within", "metres_apart"]
