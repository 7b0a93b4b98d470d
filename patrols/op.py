"""Orienteering: the best-scoring route within a length budget, on any distance matrix.

The orienteering problem (OP) asks for a route from a start node to an end node
(or back to the start) whose length stays within a budget and whose visited nodes
collect the largest total score. This module holds

- :func:`solve_op`, an iterated local search on any distance matrix (symmetric or
  not, metric or not, e.g. least-cost paths over terrain);

and gives, from the modules that define them, the rest of the orienteering API:

- :func:`read_op_instance`, :class:`OPInstance`, :class:`OPSolution` and
  :func:`route_length` (in :mod:`patrols.op_core`, shared by both solvers);
- :func:`solve_op_exact` (in :mod:`patrols.op_exact`), a MILP solved with HiGHS for
  small instances, used to check the heuristic.

The search is built from vectorised moves on the route: cheapest-ratio insertion,
2-opt and or-opt (segments of 1 to 3 nodes, either orientation) to shorten the
route, replacement of a visited node by a better unvisited one, and perturbations
(removing a stretch of the route, removing random nodes, forcing a node in and
repairing). It keeps the best route found.

References
----------
Tsiligirides, T. (1984). Heuristic methods applied to orienteering. JORS 35(9), 797-809.
Chao, I.-M., Golden, B. L., Wasil, E. A. (1996). A fast and effective heuristic for the
orienteering problem. EJOR 88(3), 475-489.
Vansteenwegen, P., Souffriau, W., Vanden Berghe, G., Van Oudheusden, D. (2009). Iterated
local search for the team orienteering problem with time windows. C&OR 36(12), 3281-3290.
"""

from __future__ import annotations

import time

import numpy as np

from .op_core import OPInstance, OPSolution, prepare_instance, read_op_instance, route_length
from .op_exact import solve_op_exact

__all__ = [
    "OPInstance",
    "OPSolution",
    "read_op_instance",
    "route_length",
    "solve_op",
    "solve_op_exact",
]


# Search settings (tuned on the published sets; see benchmarks/bench_op.py)
STALL = 1500  # default number of rounds without a better route before stopping
RESTART = 150  # rounds without a better route before a new randomised start
BACK_TO_BEST = 50  # rounds without a better route before going back to the best one
DEVIATION = 0.02  # record-to-record travel: accept routes within 2 % of the best score
NOISE = 0.3  # random damping of the insertion ratios after a perturbation
POWERS = (1.0, 1.0, 2.0, 1.0, 0.5, 3.0)  # insertion ratio score**power / cost, cycled over rounds


# --------------------------------------------------------------------------- search


class _Search:
    """Iterated local search on a reduced problem where node 0 is the start.

    Node ``e`` (0 for a closed route, 1 otherwise) is the end; the other nodes
    are candidates (positive score, reachable within the budget).
    """

    def __init__(self, D: np.ndarray, s: np.ndarray, budget: float, end: int, rng: np.random.Generator):
        self.D = D
        self.s = s
        self.T = budget
        self.end = end
        self.rng = rng
        self.n = len(s)
        scale = max(1.0, budget, float(np.max(D[np.isfinite(D)], initial=0.0)))
        self.tol = 1e-9 * scale
        self.eps = 1e-7 * scale
        self.fixed = np.zeros(self.n, dtype=bool)
        self.fixed[[0, end]] = True
        self._mask_cache: dict[int, list[np.ndarray]] = {}

    # ----- bookkeeping
    def length(self, R: np.ndarray) -> float:
        return float(self.D[R[:-1], R[1:]].sum())

    def score(self, R: np.ndarray) -> float:
        return float(self.s[R[1:-1]].sum()) + float(self.s[0]) + (float(self.s[self.end]) if self.end else 0.0)

    def visited(self, R: np.ndarray) -> np.ndarray:
        vis = self.fixed.copy()
        vis[R] = True
        return vis

    # ----- length-reducing moves
    def _masks(self, m: int) -> list[np.ndarray]:
        """Forbidden cells of the move matrices for a route of ``m`` edges (cached)."""
        masks = self._mask_cache.get(m)
        if masks is None:
            edges = np.arange(m)
            masks = [np.tri(m, m, 1, dtype=bool)]  # 2-opt: only j >= i + 2
            for L in (1, 2, 3):
                st = np.arange(1, m - L + 1)
                masks.append((edges[None, :] >= (st - 1)[:, None]) & (edges[None, :] <= (st + L - 1)[:, None]))
            self._mask_cache[m] = masks
        return masks

    def _best_shortening(self, R: np.ndarray) -> tuple[float, tuple | None]:
        """Best 2-opt or or-opt move (segments of 1-3 nodes, either orientation) on ``R``."""
        m = len(R) - 1
        if m < 3:
            return 0.0, None
        A = self.D[np.ix_(R, R)]  # A[x, y]: distance from the node at position x to the one at y
        w = np.diagonal(A, 1)
        wr = np.diagonal(A, -1)
        F = np.concatenate(([0.0], np.cumsum(w)))
        B = np.concatenate(([0.0], np.cumsum(wr)))
        masks = self._masks(m)
        # 2-opt: reverse positions i+1..j
        delta = A[:m, :m] + A[1:, 1:] - w[:, None] - w[None, :] + (B[None, :m] - F[None, :m]) - (B - F)[1:, None]
        delta[masks[0]] = np.inf
        k = int(np.argmin(delta))
        best = float(delta.flat[k])
        move = ("2opt", *divmod(k, m)) if best < 0 else None
        # or-opt: move the segment at positions st..st+L-1 onto edge e
        for L in (1, 2, 3):
            ns = m - L
            if ns < 1:
                break
            gain = w[:ns] + w[L : L + ns] - np.diagonal(A, L + 1)[:ns]
            base = -(w[None, :] + gain[:, None])
            fwd = A[:m, 1 : ns + 1].T + A[L : L + ns, 1:] + base
            fwd[masks[L]] = np.inf
            k = int(np.argmin(fwd))
            if fwd.flat[k] < best:
                best = float(fwd.flat[k])
                i, e = divmod(k, m)
                move = ("or", i + 1, L, e, False)
            if L > 1:
                inner = (B[L:m] - B[1 : ns + 1]) - (F[L:m] - F[1 : ns + 1])
                rev = A[:m, L : L + ns].T + A[1 : ns + 1, 1:] + base + inner[:, None]
                rev[masks[L]] = np.inf
                k = int(np.argmin(rev))
                if rev.flat[k] < best:
                    best = float(rev.flat[k])
                    i, e = divmod(k, m)
                    move = ("or", i + 1, L, e, True)
        return best, move

    def shorten(self, R: np.ndarray) -> np.ndarray:
        """2-opt and or-opt, best improvement, until neither shortens the route."""
        while True:
            delta, mv = self._best_shortening(R)
            if mv is None or delta >= -self.tol:
                return R
            if mv[0] == "2opt":
                _, i, j = mv
                R = R.copy()
                R[i + 1 : j + 1] = R[i + 1 : j + 1][::-1]
            else:
                _, st, L, e, rev_flag = mv
                seg = R[st : st + L]
                if rev_flag:
                    seg = seg[::-1]
                rest = np.concatenate((R[:st], R[st + L :]))
                pos = e + 1 if e < st - 1 else e - L + 1
                R = np.concatenate((rest[:pos], seg, rest[pos:]))

    # ----- score-raising moves
    def _insertion_costs(self, R: np.ndarray, U: np.ndarray) -> np.ndarray:
        D = self.D
        a, b = R[:-1], R[1:]
        return D[a[None, :], U[:, None]] + D[U[:, None], b[None, :]] - D[a, b][None, :]

    def insert(
        self,
        R: np.ndarray,
        length: float,
        noise: float = 0.0,
        power: float = 1.0,
        banned: np.ndarray | None = None,
    ) -> tuple[np.ndarray, float, bool]:
        """Insert unvisited nodes by best score**power / added-length ratio while the budget allows.

        ``banned`` nodes (e.g. those a perturbation just removed) are not inserted.
        """
        changed = False
        vis = self.visited(R)
        if banned is not None:
            vis[banned] = True
        while True:
            U = np.flatnonzero(~vis)
            if U.size == 0:
                break
            C = self._insertion_costs(R, U)
            pos = np.argmin(C, axis=1)
            c = C[np.arange(U.size), pos]
            feas = length + c <= self.T + self.tol
            if not feas.any():
                break
            ratio = (self.s[U] if power == 1.0 else self.s[U] ** power) / np.maximum(c, self.eps)
            if noise:
                ratio = ratio * self.rng.uniform(1.0 - noise, 1.0, size=U.size)
            ratio[~feas] = -np.inf
            k = int(np.argmax(ratio))
            R = np.insert(R, pos[k] + 1, U[k])
            length += float(c[k])
            vis[U[k]] = True
            changed = True
        return R, length, changed

    def replace(self, R: np.ndarray, length: float) -> tuple[np.ndarray, float, bool]:
        """Swap one visited node for an unvisited one: more score, or the same score and shorter."""
        D, s = self.D, self.s
        vis = self.visited(R)
        U = np.flatnonzero(~vis)
        m = len(R) - 1
        if U.size == 0 or m < 2:
            return R, length, False
        C = self._insertion_costs(R, U)
        # the three cheapest edges per node are enough to skip the two edges next to the removed node
        k3 = min(3, m)
        order = np.argsort(C, axis=1)[:, :k3]
        vals = np.take_along_axis(C, order, axis=1)
        k = np.arange(1, m)
        u, p, q = R[1:-1], R[:-2], R[2:]
        dpq = D[p, q]
        rem = D[p, u] + D[u, q] - dpq
        merged = D[p[:, None], U[None, :]] + D[U[None, :], q[:, None]] - dpq[:, None]
        kk = k[:, None, None]
        ok = (order[None] != kk - 1) & (order[None] != kk)
        other = np.where(ok, vals[None], np.inf).min(axis=2)
        newlen = (length - rem)[:, None] + np.minimum(merged, other)
        gain = s[U][None, :] - s[u][:, None]
        good = (newlen <= self.T + self.tol) & (
            (gain > self.tol) | ((gain >= -self.tol) & (newlen < length - self.tol))
        )
        if not good.any():
            return R, length, False
        gi, gj = np.nonzero(good)
        pick = np.lexsort((newlen[gi, gj], -gain[gi, gj]))[0]
        kpos, v = int(k[gi[pick]]), int(U[gj[pick]])
        R = np.delete(R, kpos)
        c = D[R[:-1], v] + D[v, R[1:]] - D[R[:-1], R[1:]]
        e = int(np.argmin(c))
        R = np.insert(R, e + 1, v)
        return R, self.length(R), True

    def local(self, R: np.ndarray) -> tuple[np.ndarray, float]:
        """Shorten, insert, replace until no move helps."""
        R = self.shorten(R)
        length = self.length(R)
        while True:
            R, length, ch = self.insert(R, length)
            if ch:
                R = self.shorten(R)
                length = self.length(R)
                continue
            R, length, ch = self.replace(R, length)
            if ch:
                R = self.shorten(R)
                length = self.length(R)
                continue
            return R, length

    # ----- perturbations
    def drop_to_budget(self, R: np.ndarray, keep: int = -1) -> np.ndarray:
        """Remove nodes with the lowest score per saved length until the route fits the budget."""
        D = self.D
        length = self.length(R)
        while length > self.T + self.tol and len(R) > 2:
            p, u, q = R[:-2], R[1:-1], R[2:]
            saved = D[p, u] + D[u, q] - D[p, q]
            ratio = self.s[u] / np.maximum(saved, self.eps)
            ratio[u == keep] = np.inf
            k = int(np.argmin(ratio)) + 1
            if not np.isfinite(ratio[k - 1]):
                break
            length -= float(saved[k - 1])
            R = np.delete(R, k)
        return R

    def perturb(self, R: np.ndarray, strength: int) -> np.ndarray:
        rng = self.rng
        m = len(R) - 1
        kind = rng.integers(4)
        if kind == 3 and m >= 4:  # exchange two stretches (double bridge), shorten, then repair
            i, j, k = np.sort(rng.choice(np.arange(1, m), size=3, replace=False))
            R = np.concatenate((R[:i], R[j:k], R[i:j], R[k:]))
            R = self.shorten(R)
            return self.drop_to_budget(R)
        if kind == 0 and m >= 2:  # remove a stretch of the route
            size = int(rng.integers(1, min(strength, m - 1) + 1))
            at = int(rng.integers(1, m - size + 1))
            return np.concatenate((R[:at], R[at + size :]))
        if kind == 1 and m >= 2:  # remove random nodes
            size = int(rng.integers(1, min(strength, m - 1) + 1))
            drop = rng.choice(np.arange(1, m), size=size, replace=False)
            return np.delete(R, drop)
        # force an unvisited node in, then repair
        U = np.flatnonzero(~self.visited(R))
        if U.size == 0:
            return R
        v = int(rng.choice(U))
        c = self.D[R[:-1], v] + self.D[v, R[1:]] - self.D[R[:-1], R[1:]]
        R = np.insert(R, int(np.argmin(c)) + 1, v)
        R = self.shorten(R)
        return self.drop_to_budget(R, keep=v)


def _iterate(search: _Search, t0: float, time_limit: float | None, max_iter: int | None, stall: int) -> np.ndarray:
    """Iterated local search from a greedy route; returns the best route found."""
    e = search.end
    best, best_len = search.local(np.array([0, e], dtype=int))
    best_score = search.score(best)
    total = float(search.s.sum())
    cur, cur_len, cur_score = best, best_len, best_score
    it = since = 0
    t_last = time.perf_counter()
    strength = 1
    while best_score < total - 1e-12 * max(total, 1.0):  # stop at once when every node is on the route
        if (max_iter is not None and it >= max_iter) or since >= stall:
            break
        now = time.perf_counter()
        if time_limit is not None and now - t0 + 2.0 * (now - t_last) > 0.9 * time_limit:
            break  # the next round would likely overrun the limit
        t_last = now
        it += 1
        since += 1
        cand = search.perturb(cur, strength)
        removed = np.setdiff1d(cur, cand)
        power = POWERS[it % len(POWERS)]
        cand, cl = search.insert(cand, search.length(cand), noise=NOISE, power=power, banned=removed)[:2]
        cand, cl = search.local(cand)
        cs = search.score(cand)
        if cs > best_score + 1e-12 or (cs >= best_score - 1e-12 and cl < best_len - search.tol):
            best, best_len, best_score = cand, cl, cs
            since = 0
            strength = 1
        if cs > cur_score + 1e-12 or (cs >= cur_score - 1e-12 and cl <= cur_len + search.tol):
            cur, cur_len, cur_score = cand, cl, cs
            continue
        strength = strength + 1 if strength < max(2, (len(cur) - 1) // 2) else 1
        if since % RESTART == 0:  # a new randomised start, far from the best
            empty = np.array([0, e], dtype=int)
            cur, cur_len = search.local(search.insert(empty, search.length(empty), noise=0.6)[0])
            cur_score = search.score(cur)
        elif since % BACK_TO_BEST == 0:
            cur, cur_len, cur_score = best, best_len, best_score
        elif cs >= best_score * (1.0 - DEVIATION):  # record-to-record travel
            cur, cur_len, cur_score = cand, cl, cs
    return best


def solve_op(
    dist: np.ndarray,
    scores: np.ndarray,
    budget: float,
    start: int = 0,
    end: int | None = None,
    seed: int = 0,
    time_limit: float = 1.0,
    max_iter: int | None = None,
    saturation: np.ndarray | None = None,
    stall: int | None = None,
) -> OPSolution:
    """Best-scoring route within a length budget (iterated local search).

    Parameters
    ----------
    dist : (n, n) array
        Travel cost from node i to node j, >= 0; may be asymmetric and need not
        satisfy the triangle inequality (e.g. least-cost paths over terrain);
        ``np.inf`` where there is no path. The diagonal is ignored.
    scores : (n,) array
        Reward of each node, >= 0, collected once when the node is visited.
    budget : float
        Largest route length, in the units of ``dist``.
    start : int
        Index of the start node.
    end : int or None
        Index of the end node; None (or ``start``) asks for a closed route back
        to the start.
    seed : int
        Seed of the random perturbations. With the same seed and inputs the
        result is the same, unless the time limit is what stops the search
        (set ``max_iter`` or ``stall`` low enough, or ``time_limit=None``, for
        strict reproducibility).
    time_limit : float or None
        Wall-clock limit of the call, in seconds; the search stops early enough
        (before 90 % of it, allowing for one more round) to return within it.
    max_iter : int or None
        Largest number of perturbation rounds (default: no limit besides
        ``stall`` and ``time_limit``).
    saturation : (n,) array in [0, 1] or None
        Share of each node's reward already collected (e.g. by routes planned
        earlier in the month, as the detection probability of their effort). The
        route then earns ``scores * (1 - saturation)``. A planner that plans
        routes one after another either passes the raw rewards with the updated
        saturation at each call, or passes already-discounted rewards with
        ``saturation=None``: both give the same result. Within one route a node
        is visited at most once, so its reward is counted once. After a route
        that detects with probability ``p[i]`` at node ``i``, the planner updates
        ``saturation = 1 - (1 - saturation) * (1 - p)`` before the next call.
    stall : int or None
        Stop after this many rounds without improving the best route (default
        ``STALL``, 1500).

    Returns
    -------
    OPSolution
        ``route`` from ``start`` to ``end`` (a closed route lists the start
        first and last), its effective ``score`` and ``length``.

    Raises
    ------
    UnreachableError
        When the end cannot be reached from the start within the budget.
    ValueError
        When the inputs have wrong shapes or values.

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0, 0], [0, 1], [1, 1], [1, 0], [5, 5]], dtype=float)
    >>> d = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    >>> sol = solve_op(d, np.array([0, 1, 1, 1, 10.0]), budget=4.0)
    >>> sol.route, sol.score, sol.length
    ([0, 3, 2, 1, 0], 3.0, 4.0)
    """
    t0 = time.perf_counter()
    D, s, budget, start, end, closed = prepare_instance(dist, scores, budget, start, end, saturation)
    n = D.shape[0]
    # reduce to the useful nodes: start, end, and reachable nodes with a positive score
    others = np.setdiff1d(np.arange(n), [start, end])
    if others.size:
        reach = (D[start, others] + D[others, end] <= budget * (1 + 1e-12)) & (s[others] > 0)
        others = others[reach]
    nodes = np.concatenate(([start], [] if closed else [end], others)).astype(int)
    e = 0 if closed else 1
    Dr = D[np.ix_(nodes, nodes)]
    finite = np.isfinite(Dr)
    if not finite.all():
        big = 10.0 * (budget + float(Dr[finite].max(initial=0.0)) + 1.0)
        Dr = np.where(finite, Dr, big)
    sr = s[nodes]
    search = _Search(Dr, sr, budget, e, np.random.default_rng(seed))
    R = np.array([0, e], dtype=int)
    if others.size:
        R = _iterate(search, t0, time_limit, max_iter, STALL if stall is None else stall)
    route = [int(nodes[i]) for i in R]
    return OPSolution(route=route, score=float(s[np.unique(route)].sum()), length=route_length(D, route))
