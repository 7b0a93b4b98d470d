"""Search loops: km a patrol spends searching around the best cells of its route.

A route over the grid passes each cell once, walking about one cell side
there; the detection model (``1 - exp(-rate * km)``) rewards more km in the
cells worth most, as much as it rewards reaching further ones.  Given a
route and the km (and hours) it leaves unused, :func:`search_loops` spends
them as small closed loops inside the route's cells, one loop at a time in
the cell whose next loop adds the most expected finds (a greedy marginal
allocation, optimal for this concave reward).  A loop is a small square
around the cell's centre, one cell side long: it stays in the cell.
"""

from __future__ import annotations

import numpy as np

LOOP_VERTICES = 5  # vertices of one loop (four corners, back at the centre)


def search_loops(
    cells: np.ndarray,
    value: np.ndarray,
    effort: np.ndarray,
    rate: float,
    cell_size_m: float,
    slack_km: float,
    slack_s: float,
    s_per_m: np.ndarray,
) -> dict[int, int]:
    """Loops to add along a route: ``{index in cells: number of loops}`` (the cell's first visit).

    Parameters
    ----------
    cells : (n, 2) int
        The route's cells in order.
    value : (R, C) array
        Reward still to be collected per cell.
    effort : (R, C) array
        km this route already walks per cell (``value`` is what is left after earlier patrols).
    rate : float
        Detection rate per km (``sweep_km / cell_area_km2``).
    cell_size_m : float
    slack_km, slack_s : float
        km and seconds the route leaves unused.
    s_per_m : (R, C) array
        Travel cost (seconds per metre) of each cell.

    >>> v = np.array([[1.0, 0.0]])
    >>> search_loops(np.array([[0, 0], [0, 1]]), v, np.zeros((1, 2)), 1.0, 500, 1.6, 1e9, np.ones((1, 2)))
    {0: 3}
    """
    loop_km = cell_size_m / 1000.0
    first: dict[tuple[int, int], int] = {}
    for i, (r, c) in enumerate(np.asarray(cells, dtype=int)):
        first.setdefault((int(r), int(c)), i)
    if not first or slack_km < loop_km:
        return {}
    keys = list(first)
    rr = np.array([k[0] for k in keys])
    cc = np.array([k[1] for k in keys])
    v = np.nan_to_num(value[rr, cc], nan=0.0)
    e = effort[rr, cc].astype(float).copy()
    cost_s = loop_km * 1000.0 * s_per_m[rr, cc]
    loops = np.zeros(len(keys), dtype=int)
    km_left, s_left = float(slack_km), float(slack_s)
    while km_left >= loop_km:
        gain = v * np.exp(-rate * e) * (1.0 - np.exp(-rate * loop_km))
        gain = np.where(cost_s <= s_left, gain, -1.0)
        k = int(np.argmax(gain))
        if gain[k] <= 0:
            break
        loops[k] += 1
        e[k] += loop_km
        km_left -= loop_km
        s_left -= cost_s[k]
    return {first[keys[k]]: int(n) for k in np.flatnonzero(loops) for n in [loops[k]]}


def loop_vertices(x: float, y: float, cell_size_m: float, n: int) -> np.ndarray:
    """``n`` square loops around ``(x, y)``, each one cell side long, ending where they start: ``(5 n, 2)``."""
    d = cell_size_m / (3.0 + np.sqrt(2.0))  # centre to corner, three sides, corner to centre: one cell side
    square = np.array([[x + d / 2, y + d / 2], [x - d / 2, y + d / 2], [x - d / 2, y - d / 2], [x + d / 2, y - d / 2]])
    return np.vstack([np.vstack([square, [[x, y]]])[[0, 1, 2, 3, 4]] for _ in range(int(n))])


def add_search_loops(graph, cost, cells, metres, seconds, fixed, value, rate, hour_budget):
    """A route's cells with search loops inserted in the km and hours it leaves unused.

    ``graph`` is the route's :class:`patrols.graph.PostGraph`; ``cells``,
    ``metres``, ``seconds`` what it expanded to; ``fixed`` its vertices that
    must not move; ``value`` the reward still to be collected per cell.
    Returns the four with the loops added (a loop's cell repeated once per
    vertex, those vertices fixed).
    """
    grid = cost.grid
    used = graph.budget - (metres / 1000.0 if graph.unit == "km" else seconds / 3600.0)
    slack_s = hour_budget * 3600.0 - seconds
    slack_km = used if graph.unit == "km" else slack_s / 3600.0 * float(cost.speed_kmh.max())
    own = np.zeros(grid.shape)
    np.add.at(own, (cells[:, 0], cells[:, 1]), grid.cell_size / 1000.0)
    loops = search_loops(cells, value, own, rate, grid.cell_size, slack_km, slack_s, cost.s_per_m)
    if not loops:
        return cells, metres, seconds, fixed
    pieces, flags = [], []
    for i in range(len(cells)):
        pieces.append(cells[i : i + 1])
        flags.append([fixed[i] or i in loops])
        n = loops.get(i, 0)
        if n:
            pieces.append(np.repeat(cells[i : i + 1], LOOP_VERTICES * n, axis=0))
            flags.append([True] * (LOOP_VERTICES * n))
            metres += n * grid.cell_size
            seconds += n * grid.cell_size * float(cost.s_per_m[cells[i, 0], cells[i, 1]])
    return np.vstack(pieces), metres, seconds, np.concatenate(flags).astype(bool)


def draw_loops(xy, cells, cell_size):
    """Vertices at the cell centres ``xy``, with each run of a repeated cell drawn as its search loops."""
    out = xy.copy()
    i = 0
    while i < len(cells):
        j = i
        while j + 1 < len(cells) and (cells[j + 1] == cells[i]).all():
            j += 1
        if j > i:
            n = (j - i) // LOOP_VERTICES
            out[i + 1 : i + 1 + LOOP_VERTICES * n] = loop_vertices(xy[i, 0], xy[i, 1], cell_size, n)
        i = j + 1
    return out
