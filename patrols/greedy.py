"""Greedy closed routes: cheapest-ratio insertion, shortened by 2-opt (the planner's baseline strategy)."""

from __future__ import annotations

import numpy as np

from .limits import closed_length


def route_length(dist: np.ndarray, stops) -> float:
    """Length of the closed route ``0 -> stops -> 0`` over ``dist``."""
    return closed_length(dist, stops)


def greedy_route(dist: np.ndarray, scores: np.ndarray, budget: float) -> list[int]:
    """Closed route from node 0 by cheapest-ratio insertion, shortened by 2-opt after each insertion.

    Returns the visited nodes in order, without node 0.
    """
    n = len(scores)
    route: list[int] = []
    free = set(range(1, n))
    length = 0.0
    while free:
        seq = [0, *route, 0]
        best = None
        for v in free:
            if scores[v] <= 0:
                continue
            extra = dist[seq[:-1], v] + dist[v, seq[1:]] - dist[seq[:-1], seq[1:]]
            i = int(np.argmin(extra))
            if length + extra[i] > budget + 1e-9:
                continue
            ratio = scores[v] / max(extra[i], 1e-9)
            if best is None or ratio > best[0]:
                best = (ratio, v, i, extra[i])
        if best is None:
            break
        _, v, i, _ = best
        route.insert(i, v)
        free.discard(v)
        route = _two_opt(dist, route)
        length = route_length(dist, route)
    return route


def _two_opt(dist: np.ndarray, route: list[int]) -> list[int]:
    improved = True
    while improved and len(route) > 2:
        improved = False
        seq = [0, *route, 0]
        for i in range(1, len(seq) - 2):
            for j in range(i + 1, len(seq) - 1):
                new = seq[:i] + seq[i : j + 1][::-1] + seq[j + 1 :]
                if route_length(dist, new[1:-1]) < route_length(dist, seq[1:-1]) - 1e-9:
                    seq = new
                    improved = True
        route = seq[1:-1]
    return route
