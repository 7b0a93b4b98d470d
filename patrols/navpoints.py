"""Waypoints a ranger can navigate by: one at every turn of the route and at most every 2 km.

The planner names the post and the cells worth visiting; walking from one to
the next on paper alone also needs a point wherever the route changes
direction and a point at least every :data:`~patrols.defaults.WAYPOINT_MAX_GAP_KM`
along it, the way back to the post included.  :func:`with_navigation_waypoints`
adds those points (kinds ``"turn"`` and ``"checkpoint"``, each with the true
bearing to walk from it) between the patrol's own waypoints, in route order.
Every field file (GPX, KML, GeoJSON, CSV, the PDF sheet) is written from the
same augmented list, so paper and GPS agree.

Turns are found on the route simplified by Douglas-Peucker with
:data:`~patrols.defaults.ROUTE_SIMPLIFY_M`, so the steps of a route drawn
along grid cells are not each a turn.

Examples
--------
>>> import datetime as dt
>>> from patrols.route import Patrol, Waypoint
>>> leg = [(500000, 8000000), (503000, 8000000), (503000, 8003000), (500000, 8000000)]
>>> post = Waypoint("Alpha", 500000, 8000000, kind="post")
>>> p = Patrol("P", "Alpha", 1, dt.date(2026, 12, 1), "foot", leg, "EPSG:32736",
...            waypoints=[post, Waypoint("W1", 503000, 8003000), post])
>>> [w.kind for w in with_navigation_waypoints(p).waypoints]  # legs of 3, 3 and 4.2 km
['post', 'checkpoint', 'turn', 'checkpoint', 'waypoint', 'checkpoint', 'checkpoint', 'post']
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
from pyproj import Geod

from .coords import lonlat
from .defaults import ROUTE_SIMPLIFY_M, TURN_MERGE_M, TURN_MIN_DEG, WAYPOINT_MAX_GAP_KM
from .profile import along_km, waypoint_distances_km
from .route import Patrol, Waypoint

__all__ = [
    "NAVIGATION_KINDS",
    "compass_point",
    "navigation_waypoints",
    "route_bearings",
    "route_turns",
    "simplify_indices",
    "with_navigation_waypoints",
]

NAVIGATION_KINDS = ("turn", "checkpoint")  # kinds of the waypoints added here
_GEOD = Geod(ellps="WGS84")
_POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def compass_point(bearing_deg: float) -> str:
    """The 8-point compass name of a bearing (degrees from true north): ``compass_point(50) == 'NE'``."""
    return _POINTS[int(((float(bearing_deg) % 360) + 22.5) // 45) % 8]


def simplify_indices(xy: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Indices of the vertices Douglas-Peucker keeps (first and last always), in order."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(xy)
    if n <= 2:
        return np.arange(n)
    keep = np.zeros(n, dtype=bool)
    keep[[0, n - 1]] = True
    # local turning at each vertex breaks ties: a leg parallel to the chord is all equally far from it,
    # and the corner where it starts is the vertex to keep
    seg = np.diff(xy, axis=0)
    heading = np.arctan2(seg[:, 1], seg[:, 0])
    bend = np.zeros(n)
    bend[1:-1] = np.abs(np.angle(np.exp(1j * (heading[1:] - heading[:-1]))))
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        a, b = xy[i], xy[j]
        ab = b - a
        pts = xy[i + 1 : j]
        norm = math.hypot(*ab)
        if norm < 1e-9:  # a loop back to the same place: distance to that point
            d = np.hypot(*(pts - a).T)
        else:
            d = np.abs(ab[0] * (pts[:, 1] - a[1]) - ab[1] * (pts[:, 0] - a[0])) / norm
        near = np.flatnonzero(d >= d.max() - 1.0)
        k = int(near[np.argmax(bend[i + 1 + near])])
        if d[k] > tolerance_m:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return np.flatnonzero(keep)


def _bearings(patrol: Patrol, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True bearings (degrees, 0-360) from points ``a`` to points ``b`` (park CRS, ``(n, 2)``)."""
    if len(a) == 0:
        return np.zeros(0)
    lon1, lat1 = lonlat(a[:, 0], a[:, 1], patrol.crs)
    lon2, lat2 = lonlat(b[:, 0], b[:, 1], patrol.crs)
    az, _, _ = _GEOD.inv(lon1, lat1, lon2, lat2)
    return np.mod(np.asarray(az, dtype=float), 360.0)


def route_turns(
    patrol: Patrol, min_deg: float = TURN_MIN_DEG, simplify_m: float = ROUTE_SIMPLIFY_M
) -> list[tuple[int, float, float]]:
    """The turns of a route: ``(vertex index, metres along the route, signed turn in degrees)``.

    A turn is a vertex of the simplified route where the heading changes by
    more than ``min_deg``; positive turns are to the left (anticlockwise).
    """
    path = patrol.path_xy
    keep = simplify_indices(path, simplify_m)
    if len(keep) < 3:
        return []
    along = along_km(patrol) * 1000.0
    legs = np.diff(path[keep], axis=0)
    heading = np.arctan2(legs[:, 1], legs[:, 0])
    turn = np.degrees(np.angle(np.exp(1j * (heading[1:] - heading[:-1]))))
    return [(int(keep[k + 1]), float(along[keep[k + 1]]), float(t)) for k, t in enumerate(turn) if abs(t) > min_deg]


def _point_at(patrol: Patrol, along_m: np.ndarray, metres: float) -> tuple[np.ndarray, int]:
    """The point ``metres`` along the route, and the index of the segment it lies on."""
    path = patrol.path_xy
    i = int(np.clip(np.searchsorted(along_m, metres, side="right") - 1, 0, len(path) - 2))
    span = along_m[i + 1] - along_m[i]
    t = 0.0 if span <= 0 else (metres - along_m[i]) / span
    return path[i] + t * (path[i + 1] - path[i]), i


def _code(patrol: Patrol) -> str:
    """A short prefix for the names of added waypoints: post code, team and date (``ALP1-1201``)."""
    code = re.sub(r"[^A-Za-z0-9]", "", str(patrol.post))[:3].upper() or "WP"
    day = getattr(patrol.date, "strftime", None)
    return f"{code}{patrol.team}-{patrol.date:%m%d}" if day else f"{code}{patrol.team}"


def route_bearings(patrol: Patrol, distances_km, ahead_m: float = 200.0) -> np.ndarray:
    """True bearing (degrees) of the route leaving each of ``distances_km`` along it; NaN at its end."""
    d = np.asarray(distances_km, dtype=float).ravel() * 1000.0
    out = np.full(len(d), np.nan)
    if len(patrol.path_xy) < 2 or len(d) == 0:
        return out
    along = along_km(patrol) * 1000.0
    total = float(along[-1])
    ok = d < total - 1.0
    if ok.any():
        a = np.array([_point_at(patrol, along, m)[0] for m in d[ok]])
        b = np.array([_point_at(patrol, along, min(m + ahead_m, total))[0] for m in d[ok]])
        out[ok] = _bearings(patrol, a, b)
    return out


def navigation_waypoints(
    patrol: Patrol,
    max_gap_km: float = WAYPOINT_MAX_GAP_KM,
    turn_deg: float = TURN_MIN_DEG,
    simplify_m: float = ROUTE_SIMPLIFY_M,
    merge_m: float = TURN_MERGE_M,
) -> list[Waypoint]:
    """The patrol's waypoints with a turn point at every turn and a checkpoint at most every ``max_gap_km``.

    Parameters
    ----------
    patrol : Patrol
    max_gap_km : float
        Longest distance along the route between two consecutive waypoints.
    turn_deg : float
        Smallest change of heading (degrees) that counts as a turn.
    simplify_m : float
        Douglas-Peucker tolerance (metres) before looking for turns.
    merge_m : float
        A turn within this distance (metres along the route) of an existing
        waypoint is not given its own.

    Returns
    -------
    list of Waypoint
        The patrol's own waypoints, unchanged and in their order, with the new
        ones (kinds ``"turn"`` and ``"checkpoint"``) between them in route
        order.  Their notes give the true bearing to walk on.
    """
    path = patrol.path_xy
    own = list(patrol.waypoints)
    if len(path) < 2 or patrol.length_km <= 0:
        return own
    along = along_km(patrol) * 1000.0
    total = float(along[-1])
    own_m = waypoint_distances_km(patrol) * 1000.0 if own else np.zeros(0)
    # the route runs from its first vertex to its last: those are stops too, whatever waypoints are given
    stops = sorted({0.0, total, *own_m.tolist()})
    added: list[tuple[float, str, float]] = []  # (metres along, kind, signed turn)
    for _, m, t in route_turns(patrol, turn_deg, simplify_m):
        if min(abs(m - s) for s in [*stops, *(a[0] for a in added)]) > merge_m:
            added.append((m, "turn", t))
    marks = sorted([*stops, *(a[0] for a in added)])
    gap = max_gap_km * 1000.0
    for a, b in zip(marks[:-1], marks[1:]):
        n = math.ceil((b - a) / gap - 1e-3) - 1  # 2 m of slack: applying twice adds nothing
        for k in range(1, n + 1):
            added.append((a + k * (b - a) / (n + 1), "checkpoint", 0.0))
    if not added:
        return _back_at_post(patrol, own)
    added.sort()
    pts = np.array([_point_at(patrol, along, m)[0] for m, _, _ in added])
    ahead = np.array([_point_at(patrol, along, min(m + 200.0, total))[0] for m, _, _ in added])
    bearing = _bearings(patrol, pts, ahead)
    code = _code(patrol)
    new: list[tuple[float, Waypoint]] = []
    n_turn = n_check = 0
    for (m, kind, t), (x, y), b in zip(added, pts, bearing):
        head = f"head {compass_point(b)} ({b:03.0f}\u00b0)"
        if kind == "turn":
            n_turn += 1
            name = f"{code}-T{n_turn:02d}"
            note = f"turn {'left' if t > 0 else 'right'} {abs(t):.0f}\u00b0, then {head}"
        else:
            n_check += 1
            name = f"{code}-C{n_check:02d}"
            note = f"keep on the route, {head}"
        new.append((m, Waypoint(name, float(x), float(y), kind=kind, note=note)))
    # merge in route order; an own waypoint goes before a new one at the same distance
    out: list[Waypoint] = []
    j = 0
    for w, m in zip(own, own_m):
        while j < len(new) and new[j][0] < m - 1e-6:
            out.append(new[j][1])
            j += 1
        out.append(w)
    out += [w for _, w in new[j:]]
    return _back_at_post(patrol, out)


def _back_at_post(patrol: Patrol, waypoints: list[Waypoint]) -> list[Waypoint]:
    """``waypoints`` ending with the post again when the route ends there (the way back is part of the patrol)."""
    posts = [w for w in waypoints if w.kind == "post"]
    if not posts or len(patrol.path_xy) < 2:
        return waypoints
    post, end, last = posts[0], patrol.path_xy[-1], waypoints[-1]
    if math.hypot(post.x - end[0], post.y - end[1]) > 1.0:
        return waypoints  # the route ends elsewhere (a multi-day patrol's camp, a pick-up point)
    if last.kind == "post" and math.hypot(last.x - end[0], last.y - end[1]) <= 1.0:
        return waypoints
    return [*waypoints, Waypoint(post.name, post.x, post.y, kind="post", note="end: back at the post")]


def with_navigation_waypoints(patrol: Patrol, **kwargs) -> Patrol:
    """A copy of ``patrol`` whose waypoints are :func:`navigation_waypoints` (the patrol itself if none are added).

    Applying it twice adds nothing the second time.
    """
    waypoints = navigation_waypoints(patrol, **kwargs)
    if len(waypoints) == len(patrol.waypoints):  # only ever adds: same length, same list
        return patrol
    return dataclasses.replace(patrol, waypoints=waypoints)
