"""Exact orienteering by a MILP solved with HiGHS (``scipy.optimize.milp``).

Formulation on a directed graph (so asymmetric distances are fine): binary arc
variables ``x[i, j]`` and visit variables ``y[i]``; flow conservation
(``in(i) = out(i) = y[i]`` for every node but the start and end), one arc out of
the start and one into the end, the length budget, and generalised subtour
elimination cuts added lazily: solve, find the cycles not connected to the
start, add for each such cycle ``S`` and each ``k`` in ``S`` the cut
``sum_{i, j in S} x[i, j] <= sum_{i in S} y[i] - y[k]``, and solve again, until
the solution is one route. Meant for small instances (up to about 20-30 nodes).
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from .errors import PatrolsError
from .op_core import OPSolution, prepare_instance, route_length


def _cycles(succ: dict[int, int], start: int) -> tuple[list[int], list[list[int]]]:
    """Split a successor map into the route from ``start`` and the other cycles."""
    route, seen = [start], {start}
    v = start
    while v in succ:
        v = succ[v]
        route.append(v)
        if v in seen:
            break
        seen.add(v)
    cycles = []
    for a in succ:
        if a in seen:
            continue
        cyc, v = [a], succ[a]
        seen.add(a)
        while v != a and v not in seen:
            cyc.append(v)
            seen.add(v)
            v = succ.get(v, a)
        cycles.append(cyc)
    return route, cycles


def solve_op_exact(
    dist: np.ndarray,
    scores: np.ndarray,
    budget: float,
    start: int = 0,
    end: int | None = None,
    time_limit: float = 60.0,
    saturation: np.ndarray | None = None,
) -> OPSolution:
    """Optimal orienteering route by a MILP with lazy subtour cuts (HiGHS).

    Parameters
    ----------
    dist, scores, budget, start, end, saturation
        As in :func:`patrols.op.solve_op`.
    time_limit : float
        Total seconds allowed over all MILP solves.

    Returns
    -------
    OPSolution
        With ``optimal=True`` (a time-out raises instead of returning a route
        that may not be optimal).

    Raises
    ------
    PatrolsError
        When HiGHS does not prove optimality within ``time_limit`` seconds.
    UnreachableError
        When the end cannot be reached within the budget.
    """
    t0 = time.perf_counter()
    D, s, budget, start, end, closed = prepare_instance(dist, scores, budget, start, end, saturation)
    n = D.shape[0]
    # only nodes that can be on a feasible route and are worth visiting
    keep = [start] + ([] if closed else [end])
    keep += [v for v in range(n) if v not in (start, end) and s[v] > 0 and D[start, v] + D[v, end] <= budget]
    nodes = np.array(keep, dtype=int)
    k = len(nodes)
    if k <= (1 if closed else 2):
        route = [start, end]
        return OPSolution(route, float(s[np.unique(route)].sum()), route_length(D, route), optimal=True)
    Dk = D[np.ix_(nodes, nodes)]
    sk = s[nodes]
    e = 0 if closed else 1
    arcs = [(i, j) for i in range(k) for j in range(k) if i != j and np.isfinite(Dk[i, j])]
    arcs = [(i, j) for i, j in arcs if j != 0 or closed]  # nothing enters the start of an open route
    arcs = [(i, j) for i, j in arcs if i != e or closed]  # nothing leaves the end of an open route
    na = len(arcs)
    nv = na + k  # variables: arcs, then visits y
    ai = np.array([a[0] for a in arcs])
    aj = np.array([a[1] for a in arcs])
    cost = np.zeros(nv)
    cost[na:] = -sk  # maximise score
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0

    def add(coefs: dict[int, float], lb: float, ub: float) -> None:
        nonlocal r
        for c, v in coefs.items():
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lo.append(lb)
        hi.append(ub)
        r += 1

    for v in range(k):
        out_idx = np.flatnonzero(ai == v)
        in_idx = np.flatnonzero(aj == v)
        if v == 0 or v == e:
            if closed:
                add({**dict.fromkeys(out_idx.tolist(), 1.0), na + v: -1.0}, 0, 0)
                add({**dict.fromkeys(in_idx.tolist(), 1.0), na + v: -1.0}, 0, 0)
            elif v == 0:
                add(dict.fromkeys(out_idx.tolist(), 1.0), 1, 1)
            else:
                add(dict.fromkeys(in_idx.tolist(), 1.0), 1, 1)
        else:
            add({**dict.fromkeys(out_idx.tolist(), 1.0), na + v: -1.0}, 0, 0)
            add({**dict.fromkeys(in_idx.tolist(), 1.0), na + v: -1.0}, 0, 0)
    add(dict(enumerate(Dk[ai, aj].tolist())), -np.inf, budget)
    # no 2-cycles between two customers (cheap and strong)
    pair = {(i, j): idx for idx, (i, j) in enumerate(arcs)}
    for (i, j), idx in pair.items():
        if i < j and (j, i) in pair and i not in (0, e) and j not in (0, e):
            add({idx: 1.0, pair[(j, i)]: 1.0}, -np.inf, 1)
    bounds_lo = np.zeros(nv)
    bounds_hi = np.ones(nv)
    bounds_lo[na + 0] = 0.0 if closed else 1.0
    if not closed:
        bounds_lo[na + e] = 1.0
    integrality = np.ones(nv)
    while True:
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0:
            raise PatrolsError(f"the exact solver ran out of time ({time_limit:g} s); raise time_limit.")
        A = coo_matrix((vals, (rows, cols)), shape=(r, nv)).tocsr()
        res = milp(
            cost,
            constraints=LinearConstraint(A, np.array(lo), np.array(hi)),
            integrality=integrality,
            bounds=Bounds(bounds_lo, bounds_hi),
            options={"time_limit": left, "mip_rel_gap": 0.0},
        )
        if res.status != 0 or res.x is None:
            raise PatrolsError(f"the exact solver stopped without a proven optimum: {res.message}")
        x = res.x[:na] > 0.5
        succ = {int(ai[t]): int(aj[t]) for t in np.flatnonzero(x)}
        route, cycles = _cycles(succ, 0)
        if not cycles:
            break
        for cyc in cycles:
            cset = set(cyc)
            inside = [t for t in range(na) if ai[t] in cset and aj[t] in cset]
            for kk in cyc:
                coefs = dict.fromkeys(inside, 1.0)
                for v in cyc:
                    if v != kk:
                        coefs[na + v] = -1.0
                add(coefs, -np.inf, 0)
    if len(route) == 1:
        route = [0, 0]
    full = [int(nodes[i]) for i in route]
    return OPSolution(full, float(s[np.unique(full)].sum()), route_length(D, full), optimal=True)
