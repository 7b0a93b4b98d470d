"""Patrols and plans: the objects the planner returns and the exporters write.

Coordinates are in the park's metric CRS (``crs``); exporters convert to
WGS84 themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pyproj import CRS


@dataclass
class Waypoint:
    """A named point along a patrol (the post, turning points, high-risk cells)."""

    name: str
    x: float
    y: float
    kind: str = "waypoint"  # "post", "waypoint", "camp"
    note: str = ""


@dataclass
class Patrol:
    """One team's route on one day (or one multi-day patrol with camps).

    Attributes
    ----------
    path_xy : (n, 2) array
        Vertices of the route in the park CRS, starting and ending at the post.
    cells : (n, 2) int array
        ``(row, col)`` of the grid cells visited in order (may be empty when
        the route was not planned on a grid).
    elevation_m : (n,) array or None
        Elevation at each vertex of ``path_xy``, for the profile.
    """

    patrol_id: str
    post: str
    team: int
    date: dt.date
    kind: str  # "foot" or "vehicle"
    path_xy: np.ndarray
    crs: CRS
    waypoints: list[Waypoint] = field(default_factory=list)
    cells: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=int))
    elevation_m: np.ndarray | None = None
    length_km: float = 0.0
    hours: float = 0.0
    expected_risk: float = 0.0  # risk covered: sum over cells of risk * detection probability

    def __post_init__(self):
        self.path_xy = np.asarray(self.path_xy, dtype=float).reshape(-1, 2)
        self.crs = CRS.from_user_input(self.crs)
        if not self.length_km and len(self.path_xy) > 1:
            self.length_km = float(np.hypot(*np.diff(self.path_xy, axis=0).T).sum() / 1000.0)


@dataclass
class Plan:
    """A set of patrols over a period, with its settings and summary."""

    park: str
    start: dt.date
    days: int
    patrols: list[Patrol]
    settings: dict = field(default_factory=dict)
    total_risk: float = 0.0  # expected risk covered by the plan as a whole (after saturation)
    best_risk: float = 0.0  # the same for the deterministic best plan (randomness 0)

    def summary(self) -> pd.DataFrame:
        """One row per patrol: id, post, team, date, kind, km, hours, expected risk covered."""
        rows = [
            {
                "patrol": p.patrol_id,
                "post": p.post,
                "team": p.team,
                "date": p.date,
                "kind": p.kind,
                "km": round(p.length_km, 2),
                "hours": round(p.hours, 2),
                "expected_risk": p.expected_risk,
            }
            for p in self.patrols
        ]
        return pd.DataFrame(rows, columns=["patrol", "post", "team", "date", "kind", "km", "hours", "expected_risk"])
