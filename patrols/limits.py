"""Routes within both limits of a patrol: its length (or hours) budget and the hours of daylight.

The route search works on one distance matrix; a route short enough in km
can still be too long in hours (river crossings, steep ground).
:func:`within_limits` checks a route against both and, when the hours are
exceeded, takes the better of a route searched on travel times and the
route with its least valuable stops dropped, so that no patrol is planned
longer than its hours limit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def closed_length(dist: np.ndarray, stops: Sequence[int]) -> float:
    """Length of the closed route ``0 -> stops -> 0`` over ``dist``."""
    seq = [0, *stops, 0]
    return float(sum(dist[a, b] for a, b in zip(seq[:-1], seq[1:])))


def drop_stops(
    stops: Sequence[int], dist: np.ndarray, hours: np.ndarray, scores: np.ndarray, budget: float, hour_budget: float
) -> list[int]:
    """Drop stops from a closed route until it is within ``budget`` (over ``dist``) and ``hour_budget`` (over ``hours``).

    Each round removes the stop that loses the least score per hour saved
    (the least valuable stop when no removal saves time).  The empty route
    is within any non-negative budget, so this always ends.

    >>> d = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0.0]])
    >>> drop_stops([1, 2], d, 2 * d, np.array([0, 5, 1.0]), budget=3, hour_budget=4)
    [1]
    """
    route = [int(s) for s in stops]
    while route and (closed_length(dist, route) > budget + 1e-9 or closed_length(hours, route) > hour_budget + 1e-9):
        seq = [0, *route, 0]
        best = None
        for k in range(1, len(seq) - 1):
            a, v, b = seq[k - 1], seq[k], seq[k + 1]
            saved = hours[a, v] + hours[v, b] - hours[a, b]
            key = (0, scores[v] / saved) if saved > 1e-12 else (1, scores[v])
            if best is None or key < best[0]:
                best = (key, k - 1)
        route.pop(best[1])
    return route


def within_limits(
    route: Sequence[int],
    dist: np.ndarray,
    hours: np.ndarray,
    scores: np.ndarray,
    budget: float,
    hour_budget: float,
    solve: Callable[[np.ndarray, np.ndarray, float], list[int]] | None = None,
) -> list[int]:
    """``route`` if within both limits; else the best-scoring of two routes that are.

    Parameters
    ----------
    route : stops of a closed route from node 0 (without node 0)
    dist, hours : (n, n) arrays
        Distances in budget units and travel times in hours along the same legs.
    scores : (n,) array
    budget, hour_budget : float
        Limits of the route over ``dist`` and over ``hours``.
    solve : callable, optional
        ``solve(matrix, scores, budget) -> stops``: the route search, run once
        more on the travel times when ``route`` is too long in hours.
    """
    route = [int(s) for s in route]
    if closed_length(hours, route) <= hour_budget + 1e-9 and closed_length(dist, route) <= budget + 1e-9:
        return route
    options = [drop_stops(route, dist, hours, scores, budget, hour_budget)]
    if solve is not None:
        options.append(drop_stops(solve(hours, scores, hour_budget), dist, hours, scores, budget, hour_budget))
    values = [float(np.sum(scores[o])) if o else 0.0 for o in options]
    return options[int(np.argmax(values))]
