"""km walked per grid cell by a patrol or a plan (the effort the detection model rewards)."""

from __future__ import annotations

import numpy as np

from .route import Patrol, Plan


def patrol_effort(patrol: Patrol, grid) -> np.ndarray:
    """km a patrol walks in each cell of ``grid``: each leg of ``path_xy`` counts half in the cell of either end."""
    xy = np.asarray(patrol.path_xy, dtype=float)
    km = np.zeros(grid.shape)
    if len(xy) < 2:
        return km
    rows, cols = grid.rowcol(xy[:, 0], xy[:, 1])
    step = np.hypot(*np.diff(xy, axis=0).T) / 1000.0
    for r, c in ((rows[:-1], cols[:-1]), (rows[1:], cols[1:])):
        on = r >= 0
        np.add.at(km, (r[on], c[on]), step[on] / 2)
    return km


def plan_effort(plan: Plan, grid) -> np.ndarray:
    """km walked per cell by every patrol of a plan: ``(rows, cols)``."""
    total = np.zeros(grid.shape)
    for patrol in plan.patrols:
        total += patrol_effort(patrol, grid)
    return total
