"""Patrol plans: routes from the ranger posts over a period, with saturating reward.

One core (:class:`Planner`) plans a period patrol by patrol: for each day,
post and team it scores candidate waypoints by the reward still to be
collected, asks its strategy for a route over them within the budget,
expands the route into the cells walked, and adds that effort to the plan's
coverage, so later patrols go elsewhere.  A cell's covered value is
``reward * detection_probability(km walked there in the plan)``
(:func:`layers.defaults.detection_probability`): walking a cell twice earns less.

Strategies differ only in how they pick a route over the candidates:

- :class:`GreedyPlanner`: cheapest-ratio insertion, then 2-opt;
- :class:`OrienteeringPlanner` (default): the orienteering heuristic :func:`patrols.op.solve_op`;
- :class:`RandomisedPlanner`: a mixed strategy over good routes (perturbed
  rewards) whose expected reward stays within a stated share of the best.

:func:`plan_patrols` is the entry point.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import numpy as np

from layers.defaults import (
    COL_NAME,
    DEFAULT_PATROL_KM,
    DEFAULT_TEAMS_PER_POST,
    DETECTION_SWEEP_KM,
    detection_probability,
)

from .camps import camp_waypoints, segment_pieces, split_days
from .cost import CostSurface, travel_cost_for_park
from .defaults import LOOP_SHARE, MAX_DAY_HOURS, TEAM_OVERLAP_PENALTY
from .errors import PatrolsError, UnreachableError
from .explore import exploration_bonus
from .graph import PostGraph
from .greedy import greedy_route, route_length
from .limits import within_limits
from .loops import add_search_loops, draw_loops
from .route import Patrol, Plan, Waypoint
from .smooth import smooth_path
from .walked import patrol_effort, plan_effort

__all__ = [
    "GreedyPlanner",
    "OrienteeringPlanner",
    "Planner",
    "RandomisedPlanner",
    "greedy_route",
    "plan_effort",
    "plan_patrols",
    "patrol_effort",
    "post_locations",
    "route_length",
]

Progress = Callable[[float, str], None] | None


# --------------------------------------------------------------------------- the core


class Planner:
    """Plans a period of patrols over a cost surface; subclasses choose each route.

    Parameters
    ----------
    candidates : int
        Candidate waypoints per patrol (local maxima of the remaining reward).
    spacing : int
        Spacing of candidates, in cells (one candidate at most per block of that side).
    path_bias : float in [0, 1)
        Draws the legs between waypoints through cells still worth
        patrolling (0: least-time legs).
    op_stall : int
        A route search stops after this many rounds without improvement
        (plans are reproducible for a given seed).
    op_time_s : float
        Safety time limit of one route search, in seconds.
    bias_every : int
        Legs are redrawn through the cells still worth patrolling every this
        many patrol days (1: every day; more is faster, the legs lag the
        remaining reward by up to that many days).
    loop_share : float in [0, 1)
        Share of each patrol's budget kept from the route search for search
        loops in the route's best cells (see :mod:`patrols.loops`).
    """

    name = "base"

    def __init__(
        self,
        candidates: int = 60,
        spacing: int = 3,
        path_bias: float = 0.8,
        op_stall: int = 10,
        op_time_s: float = 1.0,
        bias_every: int = 1,
        loop_share: float = LOOP_SHARE,
    ):
        self.loop_share = float(loop_share)
        self.candidates = candidates
        self.path_bias = path_bias
        self.spacing = spacing
        self.op_stall = op_stall
        self.op_time_s = op_time_s
        self.bias_every = max(1, int(bias_every))

    # --- the strategy hook --------------------------------------------------
    def choose(self, dist: np.ndarray, scores: np.ndarray, budget: float, rng: np.random.Generator) -> list[int]:
        """Visited candidate indices (1-based, node 0 is the post) of a closed route within ``budget``."""
        raise NotImplementedError

    # --- planning -----------------------------------------------------------
    def plan(
        self,
        cost: CostSurface,
        reward: np.ndarray,
        posts: dict[str, tuple[float, float]],
        start: dt.date,
        days: int,
        teams: int = DEFAULT_TEAMS_PER_POST,
        budget: float = DEFAULT_PATROL_KM,
        unit: str = "km",
        seed: int = 0,
        park_name: str = "",
        sweep_km: float = DETECTION_SWEEP_KM,
        progress: Progress = None,
        patrol_days: int = 1,
        graphs: dict | None = None,
        max_hours: float = MAX_DAY_HOURS,
        bonus: np.ndarray | None = None,
    ) -> Plan:
        """Plan ``days`` days of ``teams`` patrols from each post; see :func:`plan_patrols`.

        ``budget`` is per day; a patrol lasts ``patrol_days`` days (camping
        out between them) with ``budget * patrol_days`` in all, and at most
        ``max_hours * patrol_days`` hours of travel.  ``bonus`` (a grid array)
        is added to the reward for choosing routes only: the plan's expected
        figures count ``reward`` alone.  ``graphs`` is an optional cache of the
        posts' :class:`PostGraph` shared by plans over the same cost surface and
        budget (filled here).
        """
        grid = cost.grid
        reward = self._grid_array(reward, grid, "reward")
        target = reward if bonus is None else reward + self._grid_array(bonus, grid, "exploration bonus")
        area = grid.cell_area_km2
        rate = sweep_km / area  # detection: 1 - exp(-rate * km)
        pass_km = grid.cell_size / 1000.0
        p_pass = float(detection_probability(pass_km, area, sweep_km))
        rng = np.random.default_rng(seed)
        graphs = {} if graphs is None else graphs
        effort = np.zeros(grid.shape)
        patrols: list[Patrol] = []
        starts = list(range(0, days, patrol_days))
        total = len(starts) * len(posts) * teams
        done = 0
        for k_day, day in enumerate(starts):
            date = start + dt.timedelta(days=day)
            n_days = min(patrol_days, days - day)
            for name, xy in posts.items():
                key = (name, float(xy[0]), float(xy[1]), n_days, budget, unit)
                if key not in graphs:
                    graphs[key] = PostGraph(cost, name, xy, budget * n_days, unit)
                graph = graphs[key]
                hour_budget = graph.hours_left(max_hours * n_days)
                if unit == "hours":
                    hour_budget = min(hour_budget, graph.budget)
                if hour_budget <= 0:
                    raise UnreachableError(
                        f"post {name!r} needs {2 * graph.lead_s / 3600:.1f} h to reach the centre of its cell and "
                        f"back ({graph.lead_m:.0f} m over slow ground such as a river), more than the hours limit "
                        f"of {max_hours * n_days:g} h; raise the limit or move the post"
                    )
                walked = np.zeros(grid.shape)  # cells the post's teams walk this day
                for team in range(1, teams + 1):
                    remaining = target * np.exp(-rate * effort)
                    # the first team's legs run through what is worth patrolling (redrawn every bias_every days,
                    # or after another team's day); later teams keep away from the cells the post's other teams
                    # walk that day (dearer to cross, worth less as waypoints)
                    apart = remaining / (1.0 + TEAM_OVERLAP_PENALTY * walked) if team > 1 else remaining
                    if team > 1:
                        graph.set_value(apart, self.path_bias, avoid=walked)
                    elif teams > 1 or k_day % self.bias_every == 0:
                        graph.set_value(apart, self.path_bias)
                    cells, scores = graph.candidates(apart * p_pass, self.candidates, self.spacing)
                    nodes = np.vstack([np.asarray(graph.cell)[None], cells])
                    order: list[int] = []
                    if len(cells):
                        dist, hours = graph.matrices(cells)
                        node_scores = np.concatenate([[0.0], scores])
                        # a share of the budget is kept for search loops in the route's best cells
                        route_budget = graph.budget * (1.0 - self.loop_share)
                        order = self.choose(dist, node_scores, route_budget, rng)
                        order = within_limits(
                            order,
                            dist,
                            hours,
                            node_scores,
                            route_budget,
                            hour_budget * (1.0 - self.loop_share),
                            solve=lambda m, sc, b: self.choose(m, sc, b, rng),
                        )
                    looping = (remaining, effort, rate, hour_budget)
                    patrol, km_cells = self._patrol(graph, nodes, order, scores, date, team, cost, n_days, looping)
                    before = detection_probability(effort, area, sweep_km)
                    effort += km_cells
                    walked = np.maximum(walked, (km_cells > 0).astype(float))
                    gain = reward * (detection_probability(effort, area, sweep_km) - before)
                    patrol.expected_risk = float(gain.sum())
                    patrols.append(patrol)
                    done += 1
                    if progress is not None:
                        progress(done / total, f"planned {patrol.patrol_id}")
        plan = Plan(park=park_name, start=start, days=days, patrols=patrols)
        plan.total_risk = float((reward * detection_probability(effort, area, sweep_km)).sum())
        plan.best_risk = plan.total_risk
        plan.settings["strategy"] = self.name
        plan.settings["max_hours"] = float(max_hours)
        return plan

    @staticmethod
    def _grid_array(values, grid, what: str) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        if values.shape != grid.shape:
            raise PatrolsError(
                f"the {what} raster has shape {values.shape}, the park grid {grid.shape}; "
                "resample it onto the park grid first (the plan command does this for a GeoTIFF)"
            )
        return np.clip(np.nan_to_num(values, nan=0.0), 0.0, None)

    def _patrol(
        self, graph: PostGraph, nodes, order, scores, date, team, cost, n_days=1, looping=None
    ) -> tuple[Patrol, np.ndarray]:
        """Build the :class:`Patrol` of a route, and the km it walks in each cell.

        ``looping`` is ``(value, effort, rate, hour_budget)``: the km and hours the route leaves
        unused are spent as search loops in its best cells (:func:`patrols.loops.search_loops`).
        """
        grid = cost.grid
        cells, metres, seconds, stops = graph.expand(nodes, order)
        fixed_cells = np.zeros(len(cells), dtype=bool)
        fixed_cells[stops] = True  # the waypoints stay on the cells the route was searched through
        if looping is not None and len(order):
            value, _, rate, hour_budget = looping  # value: the reward left after the plan's effort so far
            cells, metres, seconds, fixed_cells = add_search_loops(
                graph, cost, cells, metres, seconds, fixed_cells, value, rate, hour_budget
            )
        cx, cy = grid.xy(cells[:, 0], cells[:, 1])
        xy = np.column_stack([cx, cy])
        xy = draw_loops(xy, cells, grid.cell_size)  # loop vertices offset from their cell's centre
        post = np.asarray(graph.xy)[None]
        fixed = np.concatenate([[True], fixed_cells, [True]])
        stepped = np.vstack([post, xy, post])
        path_xy = smooth_path(stepped, cost, fixed)
        drawn_m = float(np.hypot(*np.diff(path_xy, axis=0).T).sum())
        grid_m = float(np.hypot(*np.diff(stepped, axis=0).T).sum())
        if drawn_m > grid_m:  # smoothing never lengthens a route beyond its budget
            path_xy, drawn_m = stepped, grid_m
        # the drawn route is a little shorter than the cell-by-cell one: walked at the same pace
        pace = drawn_m / grid_m if grid_m > 0 else 1.0
        elevation = None
        if cost.elevation is not None:
            elev = cost.elevation[cells[:, 0], cells[:, 1]].astype(float)
            elevation = np.concatenate([[elev[0]], elev, [elev[-1]]])
        hours = pace * (seconds + 2 * graph.lead_s) / 3600.0
        camps = []
        if n_days > 1:  # camps at equal shares of the walking time: every day within its hours
            camps = camp_waypoints(split_days(path_xy, segment_pieces(path_xy, cost.s_per_m, grid), n_days), hours)
        waypoints = [Waypoint(name=graph.name, x=graph.xy[0], y=graph.xy[1], kind="post", note="start and end")]
        # Names unique across a plan, short enough for GPS units: post code, team, date, number.
        code = _slug(graph.name).replace("_", "")[:3].upper() or "WP"
        for k, i in enumerate(order, start=1):
            wx, wy = grid.xy(*nodes[int(i)])
            waypoints.append(
                Waypoint(
                    name=f"{code}{team}-{date:%m%d}-{k:02d}",
                    x=float(wx),
                    y=float(wy),
                    kind="waypoint",
                    note=f"turning point {k}, reward {scores[int(i) - 1]:.3g}",
                )
            )
        waypoints += camps
        patrol = Patrol(
            patrol_id=f"{date:%Y%m%d}-{_slug(graph.name)}-T{team}",
            post=graph.name,
            team=team,
            date=date,
            kind=cost.kind,
            path_xy=path_xy,
            crs=grid.crs,
            waypoints=waypoints,
            cells=cells,
            elevation_m=elevation,
            length_km=drawn_m / 1000.0,
            hours=hours,
        )
        return patrol, patrol_effort(patrol, grid)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "post"


# --------------------------------------------------------------------------- strategies


class GreedyPlanner(Planner):
    """Routes by cheapest-ratio insertion and 2-opt: fast, a baseline."""

    name = "greedy"

    def choose(self, dist, scores, budget, rng):
        return greedy_route(dist, scores, budget)


class OrienteeringPlanner(Planner):
    """Routes by the orienteering heuristic (:func:`patrols.op.solve_op`): the default."""

    name = "orienteering"

    def choose(self, dist, scores, budget, rng):
        try:
            from .op import solve_op
        except ImportError:  # the orienteering module is optional for the planner
            return greedy_route(dist, scores, budget)
        seed = int(rng.integers(2**31))
        sol = solve_op(
            dist,
            scores,
            budget,
            start=0,
            end=None,
            seed=seed,
            time_limit=self.op_time_s,
            stall=self.op_stall,
            max_iter=3 * self.op_stall,
        )
        return [v for v in sol.route if v != 0]


class RandomisedPlanner(Planner):
    """A mixed strategy over good routes: each route is the best one under randomly perturbed rewards.

    Rewards are multiplied by log-normal noise (spread grows with
    ``randomness``) and a share ``randomness / 2`` of candidates is hidden;
    a perturbed route is kept only when it collects, under the true
    rewards, at least ``1 - randomness / 2`` of what the best route would
    (else the best route is used), so a cell's coverage becomes a
    probability while the expected reward stays within that share.

    Parameters
    ----------
    randomness : float in [0, 1]
    base : Planner, optional
        The strategy that finds the best route (default :class:`OrienteeringPlanner`).
    tries : int
        Perturbed routes tried before falling back to the best one.
    """

    name = "randomised"

    def __init__(self, randomness: float = 0.5, base: Planner | None = None, tries: int = 4, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= randomness <= 1.0:
            raise PatrolsError(f"randomness must be between 0 and 1, got {randomness:g}")
        self.randomness = float(randomness)
        self.base = base or OrienteeringPlanner(**kwargs)
        self.tries = tries

    @property
    def target_share(self) -> float:
        """Least share of the best route's reward a randomised route must keep."""
        return 1.0 - 0.5 * self.randomness

    def choose(self, dist, scores, budget, rng):
        best = self.base.choose(dist, scores, budget, rng)
        best_value = float(scores[best].sum()) if best else 0.0
        if self.randomness <= 0 or best_value <= 0:
            return best
        sigma = 1.5 * self.randomness
        for _ in range(self.tries):
            noisy = scores * rng.lognormal(0.0, sigma, size=len(scores))
            noisy[rng.random(len(scores)) < self.randomness / 2] = 0.0
            noisy[0] = 0.0
            route = self.base.choose(dist, noisy, budget, rng)
            if route and float(scores[route].sum()) >= self.target_share * best_value:
                return route
        return best


STRATEGIES = {cls.name: cls for cls in (GreedyPlanner, OrienteeringPlanner)}


# --------------------------------------------------------------------------- entry point


def plan_patrols(
    park,
    reward: np.ndarray,
    start,
    days: int,
    posts: list[str] | None = None,
    teams: int = DEFAULT_TEAMS_PER_POST,
    km: float = DEFAULT_PATROL_KM,
    kind: str = "foot",
    randomness: float = 0.0,
    seed: int = 0,
    progress: Progress = None,
    *,
    hours: float | None = None,
    strategy: str = "orienteering",
    cost: CostSurface | None = None,
    sweep_km: float = DETECTION_SWEEP_KM,
    patrol_days: int = 1,
    max_hours: float = MAX_DAY_HOURS,
    explore: float = 0.0,
    uncertainty: np.ndarray | None = None,
) -> Plan:
    """Plan the patrols of a period from the park's posts.

    Parameters
    ----------
    park : layers.park.Park
        Needs ``grid``, ``posts`` (points with ``COL_NAME``), ``name``; and
        ``features``/``rasters`` for the travel cost unless ``cost`` is given.
    reward : (R, C) array
        Value of covering each cell: a risk surface or any raster on the grid.
    start : datetime.date or str
        First day of the plan (``YYYY-MM-DD``).
    days : int
        Days planned; every team patrols once a day (or once every ``patrol_days``).
    posts : list of str, optional
        Names of the posts to plan from (all by default).
    teams : int
        Teams per post.
    km : float
        Largest length of one patrol (or of each day of a multi-day patrol), in km, out and back.
    kind : {"foot", "vehicle"}
    randomness : float in [0, 1]
        0 gives the best plan; above 0 a mixed strategy over good routes whose
        expected reward stays at least ``1 - randomness / 2`` of the best plan's
        (the share reached is ``plan.settings["share_of_best"]``).
    seed : int
    progress : callable, optional
        ``progress(fraction, message)``.
    hours : float, optional
        Budget each patrol in hours of travel instead of km.
    strategy : {"orienteering", "greedy"}
    cost : CostSurface, optional
        Travel cost to use (built from the park when omitted).
    sweep_km : float
        Sweep width of the detection model, in km.
    patrol_days : int
        Days each patrol lasts, camping out between them (1: day patrols).
        Longer patrols reach ground further from the posts; camps are
        waypoints of kind ``"camp"``.
    max_hours : float
        Longest travel time of a patrol per day, in hours on the cost surface
        (default :data:`patrols.defaults.MAX_DAY_HOURS`, what daylight allows):
        no patrol is planned longer, whatever its km budget.
    explore : float, >= 0
        Weight of learning against expected finds: routes are chosen on
        ``reward + explore * uncertainty`` (an upper-confidence bound, see
        :func:`patrols.explore.exploration_bonus`); 0 plans for expected
        finds only.  The plan's figures count ``reward`` alone.
    uncertainty : (R, C) array, optional
        What is not known of the risk, in its units, e.g.
        :func:`patrols.explore.learning_value` of a risk surface; needed
        when ``explore`` > 0.

    Returns
    -------
    Plan
        ``total_risk`` is the reward covered by the whole plan (after
        saturation), ``best_risk`` the same for the deterministic plan.
    """
    if days < 1 or teams < 1 or patrol_days < 1:
        raise PatrolsError(
            f"days, teams and patrol days must be at least 1 (got {days} days, {teams} teams per post, "
            f"{patrol_days} days per patrol)"
        )
    if hours is None and km <= 0 or hours is not None and hours <= 0:
        raise PatrolsError("the patrol budget (km or hours) must be positive")
    if strategy not in STRATEGIES:
        raise PatrolsError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    if not 0.0 <= randomness <= 1.0:
        raise PatrolsError(f"randomness must be between 0 and 1, got {randomness:g}")
    if not max_hours > 0:
        raise PatrolsError(f"the hours limit of a patrol day must be positive, got {max_hours:g}")
    bonus = exploration_bonus(reward, uncertainty, explore)
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    if isinstance(start, dt.datetime):
        start = start.date()
    post_xy = post_locations(park, posts)
    if cost is None:
        cost = travel_cost_for_park(park, kind)
    elif cost.kind != kind:
        kind = cost.kind
    unit, budget = ("hours", float(hours)) if hours is not None else ("km", float(km))
    name = str(getattr(park, "name", "") or "")
    common = dict(
        cost=cost,
        reward=reward,
        posts=post_xy,
        start=start,
        days=int(days),
        teams=int(teams),
        budget=budget,
        unit=unit,
        park_name=name,
        sweep_km=sweep_km,
        patrol_days=int(patrol_days),
        max_hours=float(max_hours),
        bonus=bonus,
    )
    base_cls = STRATEGIES[strategy]

    def report(lo, hi):
        if progress is None:
            return None
        return lambda f, msg: progress(lo + (hi - lo) * f, msg)

    best = base_cls().plan(seed=seed, progress=report(0.0, 0.5 if randomness > 0 else 1.0), **common)
    plan = best
    share = 1.0
    used = 0.0
    if randomness > 0:
        target = 1.0 - 0.5 * randomness
        r = randomness
        for attempt in range(3):
            planner = RandomisedPlanner(randomness=r, base=base_cls())
            lo = 0.5 + 0.5 * attempt / 3
            trial = planner.plan(seed=seed + 1 + attempt, progress=report(lo, lo + 0.5 / 3), **common)
            trial_share = trial.total_risk / best.total_risk if best.total_risk > 0 else 1.0
            if trial_share >= target - 1e-9:
                plan, share, used = trial, trial_share, r
                break
            r /= 2
        plan.best_risk = best.total_risk
        plan.settings["target_share"] = target
    plan.settings.update(
        {
            "posts": list(post_xy),
            "teams": int(teams),
            "days": int(days),
            "km": None if hours is not None else float(km),
            "hours": None if hours is None else float(hours),
            "patrol_days": int(patrol_days),
            "kind": kind,
            "randomness": float(randomness),
            "randomness_used": used,
            "share_of_best": share,
            "seed": int(seed),
            "strategy": strategy if randomness == 0 or used == 0 else f"randomised {strategy}",
            "cell_size_m": cost.grid.cell_size,
            "sweep_km": sweep_km,
            "max_hours": float(max_hours),
            "explore": float(explore),
        }
    )
    if progress is not None:
        progress(1.0, f"planned {len(plan.patrols)} patrols")
    return plan


def post_locations(park, names: list[str] | None) -> dict[str, tuple[float, float]]:
    """``{name: (x, y)}`` of the chosen posts, in the park CRS."""
    gdf = getattr(park, "posts", None)
    if gdf is None or len(gdf) == 0:
        raise PatrolsError("the park has no ranger posts; add a posts layer to park.toml ([layers] posts = ...)")
    all_names = [str(n) for n in gdf[COL_NAME]]
    points = {str(n): (float(g.x), float(g.y)) for n, g in zip(gdf[COL_NAME], gdf.geometry.centroid)}
    if not names:
        return points
    missing = [n for n in names if n not in points]
    if missing:
        raise PatrolsError(f"unknown post(s) {', '.join(missing)}; the park's posts are {', '.join(all_names)}")
    return {n: points[n] for n in names}
