"""The grid/graph core of the planner: candidate waypoints around a post and their distances.

A patrol leaves its post and comes back within a budget (km or hours), so
it never gets further from the post than half the budget: every search runs
inside that window of the grid, which keeps it fast on fine grids.  From the
post, :class:`PostGraph` finds the cells it can reach and back; candidate
waypoints are the local maxima of the reward still to be collected; the
distances between candidates come from least-cost searches (one per
candidate, cached for the whole plan); a route over candidates is expanded
back into the cells walked.
"""

from __future__ import annotations

import numpy as np

from .cost import CostSurface, Reach
from .defaults import TEAM_OVERLAP_PENALTY
from .errors import UnreachableError

MAX_POST_SNAP_M = 2000.0  # a post off passable ground starts from the nearest passable cell within this distance


class PostGraph:
    """Reach, candidate waypoints and least-cost legs around one post.

    Parameters
    ----------
    cost : CostSurface
    name : str
        The post's name.
    xy : (float, float)
        The post's coordinates in the grid CRS.
    budget : float
        Patrol budget, in ``unit``.
    unit : {"km", "hours"}
    """

    def __init__(self, cost: CostSurface, name: str, xy, budget: float, unit: str = "km"):
        self.cost = cost
        self.name = name
        self.xy = (float(xy[0]), float(xy[1]))
        self.unit = unit
        grid = cost.grid
        self.cell, self.lead_m = _snap(cost, self.xy, name)
        cx, cy = grid.xy(*self.cell)
        self.cell_xy = (float(cx), float(cy))
        self.lead_s = self.lead_m * float(cost.s_per_m[self.cell])
        # Budget left for the route between the post's cell and back.
        lead = 2 * (self.lead_m / 1000.0 if unit == "km" else self.lead_s / 3600.0)
        self.budget = float(budget) - lead
        if self.budget <= 0:
            raise UnreachableError(
                f"post {name!r} is {self.lead_m:.0f} m from passable ground, more than half the "
                f"budget of {budget:g} {unit}; raise the budget or move the post"
            )
        if unit == "km":
            radius_m = self.budget * 1000.0 / 2
        else:
            fastest_kmh = float(cost.speed_kmh.max())
            radius_m = self.budget * fastest_kmh * 1000.0 / 2
        self.window = cost.window_around(self.cell, radius_m)
        self.home = cost.reach([self.cell], self.window)
        self.reachable = self._measure(self.home) <= self.budget / 2 + 1e-9
        self._reaches: dict[tuple[int, int], Reach] = {tuple(self.cell): self.home}
        self._weight: np.ndarray | None = None

    def set_value(
        self,
        value: np.ndarray | None,
        bias: float,
        avoid: np.ndarray | None = None,
        penalty: float = TEAM_OVERLAP_PENALTY,
    ) -> None:
        """Draw the legs of later routes through cells of high ``value`` (a grid array).

        A cell's travel cost is multiplied by ``1 - bias * value / max(value)``
        for the path search only (times and lengths stay true), and by
        ``1 + penalty * avoid`` where ``avoid`` (a grid array in [0, 1], e.g.
        the cells another team of the post walks that day) is given.
        ``bias`` 0 or ``value`` None, without ``avoid``, gives least-time legs.
        Cached legs are dropped (kept when they and the new ones are least-time).
        """
        if (value is None or bias <= 0) and (avoid is None or penalty <= 0):
            if self._weight is not None:  # legs drawn through valued cells before: back to least-time legs
                self._reaches = {tuple(self.cell): self.home}
                self._weight = None
            return  # least-time legs do not depend on the value: the cached ones stay valid
        self._reaches = {}
        self._weight = None
        weight = None
        if value is not None and bias > 0:
            local = np.clip(np.nan_to_num(self.local(value), nan=0.0), 0.0, None)
            top = float(local.max())
            if top > 0:
                weight = 1.0 - min(float(bias), 0.95) * local / top
        if avoid is not None and penalty > 0:
            away = 1.0 + float(penalty) * np.clip(np.nan_to_num(self.local(avoid), nan=0.0), 0.0, 1.0)
            if (away > 1.0).any():
                weight = away if weight is None else weight * away
        self._weight = weight
        if weight is None:
            self._reaches[tuple(self.cell)] = self.home

    # --- measures ---------------------------------------------------------
    def _measure(self, reach: Reach) -> np.ndarray:
        """Distance in budget units from a reach's source to each window cell."""
        if self.unit == "km":
            return reach.lengths_m() / 1000.0
        return reach.seconds / 3600.0

    def reach_from(self, cell) -> Reach:
        """The least-cost search from ``cell`` within the post's window (cached)."""
        key = (int(cell[0]), int(cell[1]))
        if key not in self._reaches:
            self._reaches[key] = self.cost.reach([key], self.window, weight=self._weight)
        return self._reaches[key]

    def local(self, values: np.ndarray) -> np.ndarray:
        """The post's window of a grid array."""
        r0, r1, c0, c1 = self.window
        return values[r0:r1, c0:c1]

    # --- candidates -------------------------------------------------------
    def candidates(self, value: np.ndarray, k: int = 60, spacing: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """Up to ``k`` candidate waypoints within reach, spread over the high values of ``value`` (a grid array).

        A cell's score is ``value`` summed over its 3x3 neighbourhood (what a
        route passing there collects).  The window is cut into blocks of
        ``spacing`` x ``spacing`` cells; each block offers its best cell, and
        the ``k`` best offers are kept, so candidates cover broad high-value
        areas, not only their peaks.  Returns grid cells ``(k, 2)`` and
        scores ``(k,)``, best first.
        """
        from scipy.ndimage import uniform_filter

        local = np.where(self.reachable, np.nan_to_num(self.local(value), nan=0.0), 0.0)
        box = uniform_filter(local, size=3, mode="constant") * 9.0
        box = np.where(self.reachable, box, 0.0)
        home = np.asarray(self.cell) - np.array([self.window[0], self.window[2]])
        box[home[0], home[1]] = 0.0
        b = max(1, int(spacing))
        rows, cols = box.shape
        pr, pc = -rows % b, -cols % b
        padded = np.pad(box, ((0, pr), (0, pc)))
        nr, nc = padded.shape[0] // b, padded.shape[1] // b
        blocks = padded.reshape(nr, b, nc, b).transpose(0, 2, 1, 3).reshape(nr, nc, b * b)
        arg = blocks.argmax(axis=2)
        best = np.take_along_axis(blocks, arg[..., None], axis=2)[..., 0]
        br, bc = np.nonzero(best > 0)
        if br.size == 0:
            return np.empty((0, 2), dtype=int), np.empty(0)
        a = arg[br, bc]
        peaks = np.column_stack([br * b + a // b, bc * b + a % b])
        scores = best[br, bc]
        order = np.argsort(-scores, kind="stable")[:k]
        cells = peaks[order] + np.array([self.window[0], self.window[2]])
        return cells.astype(int), scores[order]

    def distances(self, cells: np.ndarray) -> np.ndarray:
        """Pairwise least-cost distances (budget units) between the post (node 0) and ``cells``."""
        return self.matrices(cells)[0]

    def matrices(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairwise distances in budget units, and travel times in hours, between the post (node 0) and ``cells``.

        Both are measured along the same legs (those :meth:`expand` walks).
        """
        nodes = np.vstack([np.asarray(self.cell)[None], np.asarray(cells, dtype=int).reshape(-1, 2)])
        local = nodes - np.array([self.window[0], self.window[2]])
        dist = np.empty((len(nodes), len(nodes)))
        hours = np.empty((len(nodes), len(nodes)))
        for i, node in enumerate(nodes):
            reach = self.reach_from(node)
            dist[i] = self._measure(reach)[local[:, 0], local[:, 1]]
            hours[i] = reach.seconds[local[:, 0], local[:, 1]] / 3600.0
        np.fill_diagonal(dist, 0.0)
        np.fill_diagonal(hours, 0.0)
        return dist, hours

    def hours_left(self, max_hours: float) -> float:
        """Hours of travel left for the route between the post's cell and back, out of ``max_hours``."""
        return float(max_hours) - 2 * self.lead_s / 3600.0

    # --- routes -----------------------------------------------------------
    def expand(self, nodes: np.ndarray, order) -> tuple[np.ndarray, float, float, np.ndarray]:
        """Cells walked along a route visiting ``nodes[order]`` from the post and back.

        ``nodes`` holds the post's cell at index 0; ``order`` lists the
        visited candidate indices (without the post).  Returns the cells
        ``(n, 2)`` (starting and ending at the post's cell), the length in
        metres and the time in seconds, both between the post's cell and back,
        and the index in those cells of each stop (the post, the waypoints, the post).
        """
        stops = [0, *[int(i) for i in order], 0]
        pieces = [np.asarray(self.cell, dtype=int)[None]]
        at = [0]
        n = 1
        metres = 0.0
        seconds = 0.0
        for a, b in zip(stops[:-1], stops[1:]):
            if a == b:
                at.append(n - 1)
                continue
            reach = self.reach_from(nodes[a])
            path = reach.path_to(nodes[b])
            lb, cb = reach.local(nodes[b])
            metres += float(reach.lengths_m()[lb, cb])
            seconds += float(reach.seconds[lb, cb])
            pieces.append(path[1:])
            n += len(path) - 1
            at.append(n - 1)
        return np.vstack(pieces), metres, seconds, np.asarray(at, dtype=int)


def _snap(cost: CostSurface, xy, name: str) -> tuple[tuple[int, int], float]:
    """The post's cell, or the nearest passable cell within MAX_POST_SNAP_M; and the distance to its centre."""
    grid = cost.grid
    rows, cols = grid.rowcol(xy[0], xy[1])
    r, c = int(rows), int(cols)
    if r >= 0 and cost.passable[r, c]:
        cx, cy = grid.xy(r, c)
        return (r, c), float(np.hypot(cx - xy[0], cy - xy[1]))
    cx, cy = grid.centres()
    d = np.hypot(cx - xy[0], cy - xy[1])
    d = np.where(cost.passable, d, np.inf)
    i = int(np.argmin(d))
    if not np.isfinite(d.flat[i]) or d.flat[i] > MAX_POST_SNAP_M:
        raise UnreachableError(
            f"post {name!r} is more than {MAX_POST_SNAP_M:.0f} m from any passable cell of the park; "
            "check the post's coordinates or allow patrols outside the boundary"
        )
    r, c = divmod(i, grid.shape[1])
    return (r, c), float(d.flat[i])
