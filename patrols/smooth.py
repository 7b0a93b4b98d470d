"""Drawn routes that follow the ground rather than step along grid cells.

A route over the grid is a chain of cell centres, which zig-zags at 45
degrees.  :func:`smooth_path` replaces each vertex by the moving average of
its neighbours along the route, where that keeps it on passable ground no
slower than its own cell (so roads, fords and passes are kept, and no
river or blocked cell is cut) and within one cell of it (so the effort
stays in the cells walked).  The post and the waypoints stay where they are.
"""

from __future__ import annotations

import numpy as np

from .defaults import SMOOTH_MAX_SLOWDOWN, SMOOTH_PASSES, SMOOTH_WINDOW


def smooth_path(
    xy: np.ndarray,
    cost,
    fixed: np.ndarray | None = None,
    window: int = SMOOTH_WINDOW,
    passes: int = SMOOTH_PASSES,
    max_slowdown: float = SMOOTH_MAX_SLOWDOWN,
) -> np.ndarray:
    """A smoothed copy of the route ``xy`` ``(n, 2)`` over the cost surface ``cost``.

    Parameters
    ----------
    xy : (n, 2) array
        Vertices in the grid's CRS (cell centres, and the post at either end).
    cost : patrols.cost.CostSurface
    fixed : (n,) bool, optional
        Vertices that must not move (the ends always stay).
    window : int
        Vertices averaged (odd; 1 leaves the route as it is).
    passes : int
        Times the average is applied.
    max_slowdown : float
        A vertex moves only onto ground whose seconds per metre are at most
        this multiple of its own cell's.

    Returns
    -------
    (n, 2) array, the same number of vertices in the same order.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(xy)
    if n < 3 or window < 3:
        return xy.copy()
    grid = cost.grid
    keep = np.zeros(n, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool).copy()
    keep[[0, -1]] = True
    r0, c0 = grid.rowcol(xy[:, 0], xy[:, 1])
    on = r0 >= 0
    keep |= ~on
    pace = np.full(n, np.inf)
    pace[on] = cost.s_per_m[r0[on], c0[on]]
    keep |= ~np.isfinite(pace)
    k = window // 2
    kernel = np.ones(2 * k + 1) / (2 * k + 1)
    out = xy.copy()
    for _ in range(max(1, int(passes))):
        padded = np.pad(out, ((k, k), (0, 0)), mode="edge")
        avg = np.column_stack([np.convolve(padded[:, d], kernel, mode="valid") for d in range(2)])
        ok = ~keep & _allowed(avg, cost, pace, r0, c0, max_slowdown)
        out = np.where(ok[:, None], avg, out)
    # a segment with a moved end must not cut across slower ground either: put such ends back
    seg_pace = np.maximum(pace[1:], pace[:-1])
    for _ in range(n):
        moved = np.any(out != xy, axis=1)
        check = moved[1:] | moved[:-1]
        if not check.any():
            break
        mid = 0.5 * (out[1:] + out[:-1])
        rm, cm = grid.rowcol(mid[:, 0], mid[:, 1])
        good = rm >= 0
        good[good] = cost.passable[rm[good], cm[good]] & (
            cost.s_per_m[rm[good], cm[good]] <= seg_pace[good] * max_slowdown
        )
        bad_seg = check & ~good
        if not bad_seg.any():
            break
        bad = np.zeros(n, dtype=bool)
        bad[:-1] |= bad_seg
        bad[1:] |= bad_seg
        out[bad] = xy[bad]
    return out


def _allowed(points, cost, pace, r0, c0, max_slowdown) -> np.ndarray:
    """Points on passable ground no slower than their own cell, within one cell of it."""
    r, c = cost.grid.rowcol(points[:, 0], points[:, 1])
    ok = (r >= 0) & (r0 >= 0)
    ok[ok] = (
        cost.passable[r[ok], c[ok]]
        & (cost.s_per_m[r[ok], c[ok]] <= pace[ok] * max_slowdown)
        & (np.abs(r[ok] - r0[ok]) <= 1)
        & (np.abs(c[ok] - c0[ok]) <= 1)
    )
    return ok
