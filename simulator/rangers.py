"""Ranger patrols of the demo park: where teams walk and drive, and what their GPS records.

Patrols leave a post in the morning and come back the same day, on foot
(out-and-back or a loop through one to three places) or by vehicle along
the roads.  Where they go is strongly biased: toward roads, near their own
post, and toward places where something was found in recent months.  Most
of the park is rarely visited.

Each patrol is built as a dense path (a point every ~40 m) from a handful of
waypoints with numpy; the GPS fixes are then read off the path at the fix
interval, and noise, spikes and gaps are added by :func:`observe`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .landscape import Landscape

STEP_M = 40.0  # spacing of the dense path
FOOT_KM = (8.0, 22.0)
VEHICLE_KM = (30.0, 90.0)
FOOT_SPEED_KMH = (3.0, 4.2)
VEHICLE_SPEED_KMH = (16.0, 28.0)


@dataclass
class Patrol:
    """One day patrol: true positions at the GPS fix times."""

    post: str
    team: int
    kind: str  # "foot" or "vehicle"
    t: np.ndarray  # int64 seconds since the epoch (UTC)
    x: np.ndarray
    y: np.ndarray


@dataclass
class MonthPatrols:
    """The patrols of one month and their effort, from the dense true paths."""

    patrols: list[Patrol]
    cell: np.ndarray  # flat grid cell of every dense step (-1 off the grid)
    km: np.ndarray  # length of every dense step in km
    t: np.ndarray  # time of every dense step (int64 s)

    def effort(self, shape: tuple[int, int]) -> np.ndarray:
        """km per cell, float64 of ``shape``."""
        ok = self.cell >= 0
        return np.bincount(self.cell[ok], weights=self.km[ok], minlength=shape[0] * shape[1]).reshape(shape)


class Rangers:
    """Generates a park's patrols month by month.

    Parameters
    ----------
    land : Landscape
        The park.
    rng : numpy.random.Generator
        Source of randomness.
    fix_interval_s : int
        Seconds between GPS fixes.
    """

    def __init__(self, land: Landscape, rng: np.random.Generator, fix_interval_s: int = 120):
        self.land = land
        self.rng = rng
        self.dt = int(fix_interval_s)
        grid = land.grid
        cov = land.covariates
        self.inside = np.flatnonzero(grid.mask.ravel())
        gx, gy = grid.centres()
        self.cx = gx.ravel()[self.inside]
        self.cy = gy.ravel()[self.inside]
        road = np.nan_to_num(cov["d_road"].ravel()[self.inside], nan=1e5)
        slope = np.nan_to_num(cov["slope"].ravel()[self.inside])
        self.static = (0.15 + np.exp(-road / 600.0)) * np.exp(-4.0 * slope)
        n = len(land.posts)
        # posts differ: some are busy, some under-staffed
        self.activity = rng.uniform(0.25, 0.65, n)
        self.activity[-1] = 0.8  # the sanctuary post
        # small parks still have six posts: fewer patrols per post keep the effort per km2 realistic
        area_km2 = grid.n_cells * grid.cell_area_km2
        self.activity *= float(np.clip(area_km2 / (450.0 * n), 0.1, 1.0))
        self.reach_m = rng.uniform(2500.0, 4500.0, n)
        self.vehicle_share = rng.uniform(0.05, 0.2, n)
        self._adj = self._road_adjacency()

    # --- road network ---------------------------------------------------
    def _road_adjacency(self) -> dict[int, list[tuple[int, bool]]]:
        adj: dict[int, list[tuple[int, bool]]] = {}
        for i, r in enumerate(self.land.roads):
            if r.u < 0 or r.v < 0:
                continue
            adj.setdefault(r.u, []).append((i, True))
            adj.setdefault(r.v, []).append((i, False))
        return adj

    def _vehicle_path(self, post: int, one_way_m: float) -> np.ndarray | None:
        if post not in self._adj:
            return None
        node, prev, pieces, length = post, -1, [], 0.0
        for _ in range(8):
            options = [o for o in self._adj[node] if o[0] != prev] or self._adj[node]
            ei, fwd = options[int(self.rng.integers(len(options)))]
            road = self.land.roads[ei]
            c = road.coords if fwd else road.coords[::-1]
            pieces.append(c if not pieces else c[1:])
            length += float(np.hypot(*np.diff(c, axis=0).T).sum())
            node, prev = (road.v if fwd else road.u), ei
            if length >= one_way_m:
                break
        out = np.vstack(pieces)
        # cut at the wanted distance
        s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(out, axis=0).T))])
        keep = s <= one_way_m
        keep[: max(2, int(keep.sum()))] = True
        out = out[keep]
        return np.vstack([out, out[::-1][1:]])

    # --- foot patrols ----------------------------------------------------
    def _foot_waypoints(self, post_xy: np.ndarray, cand: np.ndarray, budget_m: float) -> np.ndarray:
        k = len(cand)
        ang = np.arctan2(cand[:, 1] - post_xy[1], cand[:, 0] - post_xy[0])
        cand = cand[np.argsort(ang)] if k > 1 else cand
        tour = np.vstack([post_xy, cand, post_xy])
        length = np.hypot(*np.diff(tour, axis=0).T).sum() * 1.15  # meander adds some
        if length > budget_m:
            cand = post_xy + (cand - post_xy) * (budget_m / length)
        return np.vstack([post_xy, cand, post_xy])

    def _densify(self, vertices: np.ndarray, meander_m: float) -> np.ndarray:
        seg = np.hypot(*np.diff(vertices, axis=0).T)
        s = np.concatenate([[0.0], np.cumsum(seg)])
        if s[-1] <= STEP_M:
            return vertices
        n = int(s[-1] // STEP_M) + 2
        si = np.linspace(0.0, s[-1], n)
        x = np.interp(si, s, vertices[:, 0])
        y = np.interp(si, s, vertices[:, 1])
        if meander_m > 0 and n > 8:
            off = ndimage.gaussian_filter1d(self.rng.standard_normal(n), sigma=30, mode="nearest")
            off *= meander_m / (off.std() + 1e-9)
            taper = np.minimum(1.0, np.minimum(si, s[-1] - si) / 400.0)
            dx = np.gradient(x)
            dy = np.gradient(y)
            norm = np.hypot(dx, dy) + 1e-9
            x = x - off * taper * dy / norm
            y = y + off * taper * dx / norm
        return np.column_stack([x, y])

    # --- timing ------------------------------------------------------------
    def _timed(self, path: np.ndarray, start_s: int, speed_kmh: float, rest_s: float):
        """GPS fix times and positions along ``path``, and the time of every dense point."""
        step = np.hypot(*np.diff(path, axis=0).T)
        s = np.concatenate([[0.0], np.cumsum(step)])
        v = speed_kmh / 3.6
        half = s[-1] / 2
        total = s[-1] / v + rest_s
        tf = np.arange(0.0, total, self.dt)
        if total - tf[-1] >= 1.0:  # the last fix: back at the post
            tf = np.append(tf, total)
        sf = np.where(tf < half / v, tf * v, np.where(tf < half / v + rest_s, half, (tf - rest_s) * v))
        sf = np.minimum(sf, s[-1])
        fx = np.interp(sf, s, path[:, 0])
        fy = np.interp(sf, s, path[:, 1])
        tp = np.where(s < half, s / v, s / v + rest_s)
        return start_s + np.round(tf).astype(np.int64), fx, fy, start_s + np.round(tp).astype(np.int64), step

    # --- a month -------------------------------------------------------------
    def month(self, month_start_s: int, n_days: int, attraction: np.ndarray | None = None) -> MonthPatrols:
        """All patrols of one month.

        ``attraction`` (grid shape, >= 0) multiplies the chance that a place is
        visited (recent finds draw patrols back).
        """
        rng = self.rng
        land = self.land
        grid = land.grid
        extra = 1.0 if attraction is None else 1.0 + attraction.ravel()[self.inside]
        patrols, cells, kms, times = [], [], [], []
        month = int(np.datetime64(month_start_s, "s").astype("datetime64[M]").astype(int) % 12) + 1
        wet = 0.8 if month in (12, 1, 2) else 1.0  # rains make the far areas harder to reach
        for p, (name, px, py, teams) in enumerate(land.posts):
            post_xy = np.array([px, py])
            d = np.hypot(self.cx - px, self.cy - py)
            w = self.static * np.exp(-d / self.reach_m[p]) * extra
            cdf = np.cumsum(w)
            cdf /= cdf[-1]
            out = rng.uniform(size=(n_days, teams)) < self.activity[p] * wet
            for day, team in np.argwhere(out):
                start = month_start_s + int(day) * 86400 + int(rng.uniform(3.3, 5.5) * 3600)
                vehicle = rng.uniform() < self.vehicle_share[p]
                path = None
                if vehicle:
                    path = self._vehicle_path(p, rng.uniform(*VEHICLE_KM) * 500.0)
                    speed = rng.uniform(*VEHICLE_SPEED_KMH)
                    rest = rng.uniform(5, 30) * 60
                if path is None or len(path) < 2:
                    vehicle = False
                    budget = rng.uniform(*FOOT_KM) * 1000.0
                    k = int(rng.choice([1, 1, 2, 3]))
                    idx = np.minimum(np.searchsorted(cdf, rng.uniform(size=k)), len(cdf) - 1)
                    cand = (
                        np.column_stack([self.cx[idx], self.cy[idx]]) + rng.uniform(-0.5, 0.5, (k, 2)) * grid.cell_size
                    )
                    verts = self._foot_waypoints(post_xy, cand, budget)
                    path = self._densify(verts, rng.uniform(150.0, 450.0))
                    speed = rng.uniform(*FOOT_SPEED_KMH)
                    rest = rng.uniform(15, 60) * 60
                else:
                    path = self._densify(path, 0.0)
                tf, fx, fy, tp, step = self._timed(path, start, speed, rest)
                patrols.append(Patrol(name, int(team) + 1, "vehicle" if vehicle else "foot", tf, fx, fy))
                mid = (path[1:] + path[:-1]) / 2
                cells.append(grid.cell_id(mid[:, 0], mid[:, 1]))
                kms.append(step / 1000.0)
                times.append(tp[1:])
        if not patrols:
            empty = np.zeros(0)
            return MonthPatrols([], empty.astype(np.int64), empty, empty.astype(np.int64))
        order = np.argsort([pt.t[0] for pt in patrols], kind="stable")
        return MonthPatrols(
            [patrols[i] for i in order], np.concatenate(cells), np.concatenate(kms), np.concatenate(times)
        )


def observe(patrol: Patrol, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a handheld GPS records of ``patrol``: fixes with noise, a few spikes and gaps.

    Noise is a slowly drifting error (a few metres) plus white noise; about one
    fix in 600 is a spike hundreds of metres to kilometres off; one patrol in
    twenty loses the signal for 10-50 minutes.
    """
    n = len(patrol.t)
    drift = ndimage.gaussian_filter1d(rng.standard_normal((2, n)), sigma=6, axis=1, mode="nearest")
    drift *= 5.0 / (drift.std() + 1e-9) if n > 3 else 0.0
    x = patrol.x + drift[0] + rng.normal(0, 2.5, n)
    y = patrol.y + drift[1] + rng.normal(0, 2.5, n)
    spikes = rng.uniform(size=n) < 1 / 600
    if spikes.any():
        r = rng.uniform(300, 4000, spikes.sum())
        a = rng.uniform(0, 2 * np.pi, spikes.sum())
        x[spikes] += r * np.cos(a)
        y[spikes] += r * np.sin(a)
    keep = np.ones(n, dtype=bool)
    if n > 40 and rng.uniform() < 0.05:
        length = int(rng.uniform(600, 3000) // max(1, (patrol.t[1] - patrol.t[0])))
        s = int(rng.integers(5, max(6, n - length - 5)))
        keep[s : s + length] = False
    return patrol.t[keep], x[keep], y[keep]
