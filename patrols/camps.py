"""Where a multi-day patrol camps: days of equal walking time, each within the day's hours.

A patrol of ``n`` days has at most ``n`` times the day's hours of travel in
all (:mod:`patrols.limits`).  Splitting it into days of equal *length* can
still give one day far more than its hours (the day that crosses the river or
climbs the escarpment), so the camps split the route into days of equal
*time*: each segment of the drawn route is cut at the cell edges it crosses,
each piece takes its length times the cost surface's seconds per metre in
its cell, and each camp is placed on the route where the elapsed time
reaches ``d / n`` of the whole.  Every day then has exactly ``hours / n`` of the patrol's hours.

>>> import numpy as np
>>> path = np.array([[0.0, 0.0], [1000.0, 0.0], [3000.0, 0.0]])
>>> pieces = [(np.array([0.0, 1.0]), np.array([2.0])), (np.array([0.0, 1.0]), np.array([1.0]))]
>>> split = split_days(path, pieces, 2)  # s/m: the first km is twice as slow
>>> split.xy.tolist(), split.along_m.tolist()  # equal lengths would camp at 1,500 m
([[1000.0, 0.0]], [1000.0])
>>> split_days(path[1:], [(np.array([0.0, 1.0]), np.array([1.0]))], 4).xy[:, 0].tolist()
[1500.0, 2000.0, 2500.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .route import Waypoint


@dataclass
class DaySplit:
    """The camps of a route: ``xy`` (k, 2) on the route, ``along_m`` how far along it each is.

    The ``k + 1`` days between them take equal shares of the patrol's walking time."""

    xy: np.ndarray
    along_m: np.ndarray


def segment_pieces(path_xy: np.ndarray, s_per_m: np.ndarray, grid) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each segment of ``path_xy`` cut where it crosses the grid's cell edges: ``(breaks, pace)`` per segment.

    ``breaks`` are the fractions (0 to 1) of the segment at the cuts, ``pace`` the seconds per metre
    of the cost surface in each piece's cell, so a segment's time is exactly
    ``sum(diff(breaks) * length * pace)``.  A piece off the grid or on impassable ground (a drawn
    route touches such cells only at their edges) takes the route's median pace.
    """
    path_xy = np.asarray(path_xy, dtype=float)
    x0, y0, size = float(grid.transform.c), float(grid.transform.f), float(grid.cell_size)
    out, paces = [], []
    for a, b in zip(path_xy[:-1], path_xy[1:]):
        cuts = [0.0, 1.0]
        for k, origin, sign in ((0, x0, 1.0), (1, y0, -1.0)):
            if b[k] != a[k]:
                lo, hi = sorted(((a[k] - origin) * sign / size, (b[k] - origin) * sign / size))
                lines = origin + sign * size * np.arange(np.floor(lo) + 1, np.ceil(hi))
                cuts += list((lines - a[k]) / (b[k] - a[k]))
        breaks = np.unique(np.clip(cuts, 0.0, 1.0))
        mid = a + 0.5 * (breaks[1:] + breaks[:-1])[:, None] * (b - a)
        rows, cols = grid.rowcol(mid[:, 0], mid[:, 1])
        pace = np.full(len(mid), np.nan)
        on = rows >= 0
        pace[on] = np.asarray(s_per_m, dtype=float)[rows[on], cols[on]]
        out.append(breaks)
        paces.append(pace)
    flat = np.concatenate(paces) if paces else np.zeros(0)
    ok = np.isfinite(flat) & (flat > 0)
    fill = float(np.median(flat[ok])) if ok.any() else 1.0
    return [(br, np.where(np.isfinite(pc) & (pc > 0), pc, fill)) for br, pc in zip(out, paces)]


def split_days(path_xy: np.ndarray, pieces, n_days: int) -> DaySplit:
    """The ``n_days - 1`` points of ``path_xy`` at equal shares of its walking time.

    Parameters
    ----------
    path_xy : (n, 2) array
        The drawn route, metres.
    pieces : list of (breaks, pace)
        Each segment's pieces (:func:`segment_pieces`).
    n_days : int

    The camps lie on the route's segments (its vertices are left as they are, one per cell walked).
    """
    points = np.asarray(path_xy, dtype=float)
    lengths = np.hypot(*np.diff(points, axis=0).T)
    piece_s = [np.diff(br) * length * pc for (br, pc), length in zip(pieces, lengths)]
    seg_s = np.array([float(ps.sum()) for ps in piece_s])
    total = float(seg_s.sum())
    n_days = max(1, int(n_days))
    if n_days == 1 or len(points) < 2 or total <= 0:
        return DaySplit(np.zeros((0, 2)), np.zeros(0))
    elapsed = np.concatenate([[0.0], np.cumsum(seg_s)])
    start_m = np.concatenate([[0.0], np.cumsum(lengths)])
    xy, along = [], []
    for target in total * np.arange(1, n_days) / n_days:
        i = int(np.clip(np.searchsorted(elapsed, target, side="right") - 1, 0, len(seg_s) - 1))
        left = target - elapsed[i]
        breaks = pieces[i][0]
        within = np.concatenate([[0.0], np.cumsum(piece_s[i])])
        j = int(np.clip(np.searchsorted(within, left, side="right") - 1, 0, len(piece_s[i]) - 1))
        share = (left - within[j]) / piece_s[i][j] if piece_s[i][j] > 0 else 0.0
        f = float(np.clip(breaks[j] + share * (breaks[j + 1] - breaks[j]), 0.0, 1.0))
        xy.append(points[i] + f * (points[i + 1] - points[i]))
        along.append(start_m[i] + f * lengths[i])
    return DaySplit(np.asarray(xy), np.asarray(along))


def camp_waypoints(split: DaySplit, hours: float) -> list[Waypoint]:
    """The camps as waypoints, each noting how far along the route and after how many hours of that day."""
    day_hours = hours / (len(split.xy) + 1)
    return [
        Waypoint(
            name=f"Camp {d}",
            x=float(x),
            y=float(y),
            kind="camp",
            note=f"end of day {d}: {along / 1000:.1f} km from the start, {day_hours:.1f} h walked that day",
        )
        for d, ((x, y), along) in enumerate(zip(split.xy, split.along_m), start=1)
    ]
