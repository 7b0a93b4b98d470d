"""A patrol's route as a profile: distance along it and elevation at each vertex, waypoints' distances.

Shared by the field files (:mod:`patrols.gpx_kml`, :mod:`patrols.tables`) and the
PDF sheet (:mod:`patrols.sheet`, :mod:`patrols.sheet_map`).
"""

from __future__ import annotations

import math

import numpy as np

from .route import Patrol

__all__ = ["along_km", "elevations", "waypoint_distances_km"]


def elevations(patrol: Patrol) -> np.ndarray | None:
    """Elevation per path vertex, or None when unknown (missing, wrong length or all NaN)."""
    elev = patrol.elevation_m
    if elev is None:
        return None
    elev = np.asarray(elev, dtype=float).ravel()
    if len(elev) != len(patrol.path_xy) or not np.isfinite(elev).any():
        return None
    return elev


def along_km(patrol: Patrol) -> np.ndarray:
    """Cumulative distance (km) at each vertex of the path."""
    if len(patrol.path_xy) == 0:
        return np.zeros(0)
    steps = np.hypot(*np.diff(patrol.path_xy, axis=0).T) if len(patrol.path_xy) > 1 else np.zeros(0)
    return np.concatenate([[0.0], np.cumsum(steps)]) / 1000.0


def waypoint_distances_km(patrol: Patrol) -> np.ndarray:
    """Distance along the route (km) of each waypoint, in waypoint order.

    Waypoints are met in order: each one is placed at the nearest point of the
    route at or after the previous waypoint (the first of equally near points),
    so the post of an out-and-back route is at 0 km at the start and at the
    route's length when listed again at the end.
    """
    path = patrol.path_xy
    out = np.zeros(len(patrol.waypoints))
    if len(path) < 2 or not patrol.waypoints:
        return out
    a, b = path[:-1], path[1:]
    ab = b - a
    seg_len2 = np.maximum((ab**2).sum(axis=1), 1e-12)
    cum = along_km(patrol)
    seg = 0
    t_prev = 0.0
    for i, wp in enumerate(patrol.waypoints):
        p = np.array([wp.x, wp.y])
        t = np.clip(((p - a) * ab).sum(axis=1) / seg_len2, 0.0, 1.0)
        t[seg] = max(t[seg], t_prev)  # never step back inside the current segment
        d = np.hypot(*(a + t[:, None] * ab - p).T)
        d[:seg] = np.inf
        best = int(np.flatnonzero(d <= d.min() + 1.0)[0])  # within 1 m of the nearest: take the first
        seg, t_prev = best, float(t[best])
        out[i] = cum[best] + t_prev * math.sqrt(seg_len2[best]) / 1000.0
    return out
