"""Siting new posts: where N new posts would add the most expected detections.

A maximum-coverage search over the planner's reach.  Each candidate site
covers the cells a day's patrol from it can reach and come back from
(:class:`patrols.graph.PostGraph`, the planner's own reach window).  A cell is
worth what the current set-up leaves undetected there: its monthly attack
intensity times ``exp(-rate * km)`` of the baseline plan's effort (the
planner's saturating reward).  :func:`suggest_posts` picks ``n`` sites
greedily (each the largest marginal gain given the ones before it; the
classic ``1 - 1/e`` guarantee of maximum coverage) or exactly (a mixed-integer
programme solved by HiGHS through :func:`scipy.optimize.milp`), and returns
them with their marginal gains and as a :class:`~patrols.scenarios.model.Scenario`.

Candidates are a regular lattice of passable cells inside the park, or only
those within a distance of roads, or the points of a candidates layer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..errors import ScenarioError, UnreachableError
from ..graph import PostGraph
from .defaults import DEFAULT_SCENARIO_CRS, SITING_CANDIDATES, SITING_SPACING_KM
from .model import PostChange, Scenario, baseline, resolve
from .run import Progress, RiskInput, ScenarioContext, run_scenario


@dataclass
class Site:
    """A suggested post: coordinates in the park CRS and lon/lat, and its marginal gain.

    ``gain`` is in expected attacks a month, within a day's reach of the site,
    that the set-up before it leaves undetected (given the sites chosen
    before it); ``share`` is that gain over the park's expected attacks.
    """

    name: str
    x: float
    y: float
    lon: float
    lat: float
    gain: float
    share: float


@dataclass
class Suggestion:
    """The result of :func:`suggest_posts`."""

    sites: list[Site]
    scenario: Scenario
    method: str
    candidates: int
    candidates_xy: np.ndarray = field(repr=False)
    candidate_gain: np.ndarray = field(repr=False)  # each candidate's gain alone

    def table(self):
        import pandas as pd

        return pd.DataFrame([s.__dict__ for s in self.sites])


def candidate_cells(
    park,
    cost,
    near_roads_km: float | None = None,
    spacing_km: float = SITING_SPACING_KM,
    limit: int = SITING_CANDIDATES,
) -> np.ndarray:
    """Grid cells ``(k, 2)`` of a regular lattice of passable cells inside the park (near roads when asked).

    The lattice spacing starts at ``spacing_km`` and widens until at most ``limit`` cells remain.
    """
    grid = park.grid
    ok = np.asarray(grid.mask, bool) & np.asarray(cost.passable, bool)
    if near_roads_km is not None:
        features = getattr(park, "features", {}) or {}
        roads = [g for name in ("roads", "road", "tracks") if name in features for g in features[name].geometry]
        if not roads:
            raise ScenarioError("the park has no roads layer; add [layers.features] roads = ... or drop --near-roads")
        from layers.covariates import distance_to

        ok &= np.asarray(distance_to(grid, roads)) <= near_roads_km * 1000.0
    step = max(1, int(round(spacing_km * 1000.0 / grid.cell_size)))
    while True:
        sub = np.zeros_like(ok)
        off = step // 2
        sub[off::step, off::step] = True
        cells = np.argwhere(ok & sub)
        if len(cells) <= limit or step > max(grid.shape):
            break
        step += 1
    if len(cells) == 0:
        raise ScenarioError("no admissible candidate site: the park has no passable cell there; widen --near-roads")
    return cells


def _layer_cells(park, layer) -> np.ndarray:
    import geopandas as gpd

    if not isinstance(layer, gpd.GeoDataFrame):
        from layers.readers import read_vector

        layer = read_vector(layer)
    pts = layer.to_crs(park.grid.crs).geometry.centroid
    rows, cols = park.grid.rowcol(pts.x.to_numpy(), pts.y.to_numpy())
    rows, cols = np.atleast_1d(rows), np.atleast_1d(cols)
    inside = (rows >= 0) & (cols >= 0)
    inside[inside] = np.asarray(park.grid.mask)[rows[inside], cols[inside]]
    if not inside.any():
        raise ScenarioError("no point of the candidates layer lies inside the park; check its CRS")
    return np.column_stack([rows[inside], cols[inside]])


def coverage_matrix(cost, cells: np.ndarray, budget: float, unit: str = "km", progress: Progress = None):
    """Sparse (cells of the grid x candidates) 0/1 matrix: which cells a day's patrol from each candidate reaches."""
    from scipy.sparse import csc_matrix

    grid = cost.grid
    cols_ = grid.shape[1]
    rows_idx, cand_idx, kept = [], [], []
    for j, (r, c) in enumerate(cells):
        x, y = grid.xy(int(r), int(c))
        try:
            g = PostGraph(cost, f"site {j}", (float(x), float(y)), budget, unit)
        except UnreachableError:
            continue
        lr, lc = np.nonzero(g.reachable)
        rows_idx.append((lr + g.window[0]) * cols_ + lc + g.window[2])
        cand_idx.append(np.full(len(lr), len(kept)))
        kept.append(j)
        if progress is not None and j % 10 == 0:
            progress(j / len(cells), f"reach of candidate site {j + 1} of {len(cells)}")
    if not kept:
        raise ScenarioError("no candidate site can reach the park within a day's patrol")
    data = np.ones(sum(len(r) for r in rows_idx))
    a = csc_matrix(
        (data, (np.concatenate(rows_idx), np.concatenate(cand_idx))), shape=(grid.shape[0] * grid.shape[1], len(kept))
    )
    return a, np.asarray(kept)


def greedy_cover(a, w: np.ndarray, n: int) -> tuple[list[int], list[float]]:
    """Greedy maximum coverage: ``n`` columns of ``a`` and their marginal gains of weight ``w`` (per row)."""
    left = np.asarray(w, dtype=float).copy()
    chosen, gains = [], []
    for _ in range(n):
        g = a.T @ left
        g[chosen] = -1.0
        j = int(np.argmax(g))
        if g[j] <= 0:
            break
        chosen.append(j)
        gains.append(float(g[j]))
        left[a[:, j].nonzero()[0]] = 0.0
    return chosen, gains


def exact_cover(a, w: np.ndarray, n: int, time_limit: float = 30.0) -> list[int]:
    """Maximum coverage solved exactly (HiGHS MILP): the ``n`` columns of ``a`` covering the most weight."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix, eye, hstack

    w = np.asarray(w, dtype=float)
    rows = np.nonzero((w > 0) & (np.asarray(a.sum(axis=1)).ravel() > 0))[0]
    sub = csr_matrix(a[rows])
    k, m = sub.shape[1], len(rows)
    c = np.concatenate([np.zeros(k), -w[rows]])
    cover = hstack([-sub, eye(m, format="csr")]).tocsr()  # y_c <= sum_j a_cj x_j
    count = np.concatenate([np.ones(k), np.zeros(m)])[None]
    cons = [LinearConstraint(cover, -np.inf, 0.0), LinearConstraint(count, n, n)]
    res = milp(
        c,
        constraints=cons,
        integrality=np.concatenate([np.ones(k), np.zeros(m)]),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit},
    )
    if res.x is None:
        raise ScenarioError(f"the exact siting search found no solution ({res.message}); use method='greedy'")
    return [int(j) for j in np.argsort(-res.x[:k])[:n] if res.x[j] > 0.5]


def suggest_posts(
    park,
    risk: RiskInput,
    n: int,
    candidates="inside",
    near_roads_km: float | None = None,
    base: Scenario | None = None,
    method: str = "greedy",
    kind: str | None = None,
    context: ScenarioContext | None = None,
    progress: Progress = None,
    base_result=None,
) -> Suggestion:
    """Where ``n`` new posts would add the most expected detections to ``base`` (default the baseline).

    Parameters
    ----------
    park : layers.park.Park
    risk : RiskInput
    n : int
        Posts to add (1-10).
    candidates : "inside", a GeoDataFrame or a path
        Candidate sites: a lattice anywhere inside the park (``"inside"``),
        or the points of a layer.
    near_roads_km : float, optional
        Keep only lattice sites within this distance of a road.
    base : Scenario, optional
        The set-up the posts are added to.
    method : {"greedy", "exact"}
    kind : {"foot", "vehicle"}, optional
        Patrol kind of the new posts (default: the set-up's).
    context : ScenarioContext, optional
    progress : callable, optional
    base_result : ScenarioResult, optional
        ``base`` already run in ``context`` (skips planning it again).

    Returns
    -------
    Suggestion
        The sites with their marginal gains, and the scenario adding them to ``base``.
    """
    if not 1 <= int(n) <= 10:
        raise ScenarioError(f"suggest 1 to 10 posts at a time, not {n}")
    if method not in ("greedy", "exact"):
        raise ScenarioError(f"unknown siting method {method!r}; use 'greedy' or 'exact'")
    base = base or baseline()
    ctx = context or ScenarioContext(park, risk)

    def sub(lo, hi):
        return None if progress is None else (lambda f, m: progress(lo + (hi - lo) * f, m))

    base_run = base_result or run_scenario(park, base, context=ctx, progress=sub(0.0, 0.5))
    setup = base_run.setup
    kind = kind or (base.kind or next((p.kind for p in setup.posts.values()), "foot"))
    cost = ctx.cost(kind)
    if isinstance(candidates, str) and candidates == "inside":
        cells = candidate_cells(park, cost, near_roads_km)
    else:
        cells = _layer_cells(park, candidates)
    budget, unit = (setup.hours, "hours") if setup.hours is not None else (setup.km, "km")
    a, kept = coverage_matrix(cost, cells, budget, unit, progress=sub(0.5, 0.95))
    cells = cells[kept]
    rate = ctx.sweep_km / ctx.grid.cell_area_km2
    w = (ctx.intensity * np.exp(-rate * base_run.km)).ravel()
    alone = np.asarray(a.T @ w).ravel()
    chosen, gains = greedy_cover(a, w, int(n))
    if method == "exact":
        chosen = exact_cover(a, w, int(n))
        left, gains = w.copy(), []
        for j in chosen:
            gains.append(float(a[:, j].T @ left))
            left[a[:, j].nonzero()[0]] = 0.0
    from pyproj import Transformer

    to_ll = Transformer.from_crs(ctx.grid.crs, DEFAULT_SCENARIO_CRS, always_xy=True)
    total = float(ctx.intensity.sum())
    sites = []
    taken = set(setup.posts)
    for i, (j, g) in enumerate(zip(chosen, gains), start=1):
        x, y = ctx.grid.xy(int(cells[j, 0]), int(cells[j, 1]))
        lon, lat = to_ll.transform(float(x), float(y))
        name = f"Suggested post {i}"
        while name in taken:
            name += "'"
        sites.append(Site(name, float(x), float(y), float(lon), float(lat), g, g / total if total > 0 else 0.0))
    from pyproj import CRS

    to_base = Transformer.from_crs(ctx.grid.crs, base.crs, always_xy=True)
    digits = 6 if CRS.from_user_input(base.crs).is_geographic else 1
    new = []
    for site in sites:
        bx, by = to_base.transform(site.x, site.y)
        new.append(
            PostChange(site.name, round(float(bx), digits), round(float(by), digits), teams=base.teams, kind=kind)
        )
    plural = "s" if len(sites) != 1 else ""
    scenario = dataclasses.replace(
        base,
        name=f"{len(sites)} suggested post{plural}" + ("" if base.is_baseline else f" + {base.name}"),
        description=(
            f"{len(sites)} new post{plural} where a day's patrol reaches the most risk the set-up leaves "
            f"({method} maximum coverage)"
        ),
        add_posts=[*base.add_posts, *new],
        source=None,
    )
    resolve(scenario, park)  # the suggested posts must fit the park
    if progress is not None:
        progress(1.0, f"suggested {len(sites)} post(s)")
    xy = np.column_stack(ctx.grid.xy(cells[:, 0], cells[:, 1]))
    return Suggestion(sites, scenario, method, len(cells), xy, alone)
