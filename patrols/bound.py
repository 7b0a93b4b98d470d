"""A route-free upper bound on what a period's patrol km can find.

Routes must walk through the cells between their waypoints and come back
to their post; without that constraint, the best use of ``K`` km over the
cells a patrol can reach (those within half a patrol's length of a post)
is the allocation ``x`` that maximises

    sum_i value_i * (1 - exp(-rate * x_i)),  sum_i x_i = K,  x_i >= 0,

with ``rate = sweep_km / cell_area_km2`` (the detection model,
:func:`layers.defaults.detection_probability`).  The objective is concave,
so the optimum is a water-filling: every cell walked has the same marginal
finds per km, ``value_i * rate * exp(-rate * x_i) = mu``, i.e.
``x_i = max(0, log(value_i * rate / mu) / rate)``, with ``mu`` set by
bisection so that the km add up to ``K``.  A plan's finds divided by this
bound is its efficiency (1 is out of reach for real routes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import PatrolsError


@dataclass
class Bound:
    """The route-free optimum: ``found`` (expected finds), ``km`` (per cell, like the value) and ``cells`` walked."""

    found: float
    km: np.ndarray
    cells: int


def water_fill(value: np.ndarray, total_km: float, rate: float, allowed: np.ndarray | None = None) -> Bound:
    """The allocation of ``total_km`` over cells maximising ``sum value * (1 - exp(-rate * km))``.

    Parameters
    ----------
    value : array
        Expected attacks (or any reward) per cell, >= 0.
    total_km : float
        km to spread.
    rate : float
        Detection rate per km, ``sweep_km / cell_area_km2``.
    allowed : bool array, optional
        Cells that may be walked (all by default).

    >>> b = water_fill(np.array([1.0, 1.0]), 2.0, 1.0)
    >>> b.km.tolist(), round(b.found, 4)
    ([1.0, 1.0], 1.2642)
    """
    if rate <= 0 or total_km < 0:
        raise PatrolsError(f"the detection rate must be positive and the km not negative (got {rate:g}, {total_km:g})")
    v = np.clip(np.nan_to_num(np.asarray(value, dtype=float), nan=0.0), 0.0, None)
    if allowed is not None:
        v = np.where(np.asarray(allowed, dtype=bool), v, 0.0)
    flat = v.ravel()
    km = np.zeros_like(flat)
    top = flat.max(initial=0.0)
    if total_km == 0 or top <= 0:
        return Bound(0.0, km.reshape(v.shape), 0)
    gain = flat * rate  # marginal finds per km at zero effort

    def spent(log_mu: float) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.clip((np.log(gain) - log_mu) / rate, 0.0, None)

    lo = np.log(top * rate) - total_km * rate - 50.0  # mu small enough that every km is spent
    hi = np.log(top * rate)  # mu at the best cell's margin: nothing spent
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if spent(mid).sum() > total_km:
            lo = mid
        else:
            hi = mid
    km = spent(hi)
    if km.sum() > 0:
        km *= total_km / km.sum()
    found = float((flat * (1.0 - np.exp(-rate * km))).sum())
    return Bound(found, km.reshape(v.shape), int((km > 0).sum()))


def reachable_area(cost, posts: dict[str, tuple[float, float]], km: float) -> np.ndarray:
    """Grid cells within half a patrol of ``km`` (least-cost length) of any post: ``(rows, cols)`` bool."""
    from .graph import PostGraph

    grid = cost.grid
    out = np.zeros(grid.shape, dtype=bool)
    for name, xy in posts.items():
        graph = PostGraph(cost, name, xy, km, "km")
        r0, r1, c0, c1 = graph.window
        out[r0:r1, c0:c1] |= graph.reachable
    return out


def route_free_bound(
    cost, posts: dict[str, tuple[float, float]], value: np.ndarray, total_km: float, patrol_km: float, rate: float
) -> Bound:
    """The route-free bound of ``total_km`` over the cells within half of ``patrol_km`` of the posts."""
    return water_fill(value, total_km, rate, reachable_area(cost, posts, patrol_km))
