"""Running a scenario: plan its month with the planner and measure what it buys.

:func:`run_scenario` resolves the scenario on the park
(:func:`patrols.scenarios.model.resolve`), plans the month's patrols with
the planner's orienteering strategy over the monthly attack intensity
(:func:`patrols.scenarios.outcomes.monthly_intensity` of the risk surface),
and computes its :class:`~patrols.scenarios.outcomes.Outcomes`; on a park
with a hidden truth (demo parks) the same outcomes under the true intensity
of that month, only to score.

Posts that differ in teams or patrol kind are planned in groups, one after
the other, each over the reward the earlier groups left
(``reward * exp(-rate * km)``): with the planner's saturating reward this is
the same objective as planning them together.

A :class:`ScenarioContext` holds what every scenario of a park and risk map
shares (travel costs, reach of posts, density rasters, the truth): build one
and pass it to run several scenarios.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from layers.defaults import DETECTION_SWEEP_KM

from ..cost import CostSurface, travel_cost_for_park
from ..errors import PatrolsError, ScenarioError
from ..graph import PostGraph
from ..planner import STRATEGIES, plan_effort
from ..route import Plan
from .defaults import SPECIES_RASTERS
from .model import Scenario, Setup, resolve
from .outcomes import Outcomes, compute_outcomes, monthly_intensity, risk_band

Progress = Callable[[float, str], None] | None

# Planner settings of scenario runs: fewer candidates and a shorter route search than a field plan,
# and legs redrawn through the cells still worth patrolling every third day: a park's month in seconds,
# with about the detections of the planner's defaults (comparisons need the same planner for all scenarios).
PLANNER_SETTINGS = {"candidates": 20, "op_stall": 2, "op_time_s": 0.3, "bias_every": 3}


@dataclass
class RiskInput:
    """A risk map for the scenarios: ``risk`` = probability of at least one attack in ``horizon_months``.

    Attributes
    ----------
    risk, uncertainty : (R, C) arrays on the park grid (uncertainty may be None)
    horizon_months : int
    month : pandas.Period
        The month planned (the first of the horizon).
    label : str
        Where the map came from.
    """

    risk: np.ndarray
    uncertainty: np.ndarray | None
    horizon_months: int
    month: pd.Period
    label: str = ""

    @classmethod
    def from_surface(cls, surface, label: str = "fitted risk") -> RiskInput:
        """From a :class:`riskmodel.surface.RiskSurface`."""
        return cls(surface.risk, surface.uncertainty, len(surface.periods), surface.periods[0], label)

    @property
    def intensity(self) -> np.ndarray:
        """Expected attacks per cell in the month."""
        return monthly_intensity(self.risk, self.horizon_months)


def read_risk(path, grid, horizon_months: int | None = None, month=None) -> RiskInput:
    """Read a risk GeoTIFF written by ``python -m riskmodel fit`` (and its ``_uncertainty.tif``, ``.json``).

    The horizon and month come from ``<stem>.json`` (its ``periods``) unless given;
    without them the map covers one month, the next calendar month.
    """
    from layers.covariates import resample_raster
    from layers.grid import Grid

    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such risk raster; write one with `python -m riskmodel fit PARK --out {path}`")

    def on_grid(p: Path) -> np.ndarray:
        try:
            g, bands, _ = Grid.from_raster(p)
        except Exception as exc:  # rasterio and GDAL errors: translated where the file is read
            raise ScenarioError(f"{p}: cannot read the raster ({exc}); check that it is a GeoTIFF") from exc
        if g.shape == grid.shape and g.crs == grid.crs and np.allclose(list(g.transform), list(grid.transform)):
            return np.asarray(bands[0], dtype=float)
        return np.asarray(resample_raster(p, grid), dtype=float)

    risk = on_grid(path)
    unc_path = path.with_name(f"{path.stem}_uncertainty{path.suffix}")
    unc = on_grid(unc_path) if unc_path.is_file() else None
    meta_path = path.with_suffix(".json")
    periods = None
    if meta_path.is_file():
        try:
            periods = json.loads(meta_path.read_text()).get("periods")
        except (OSError, ValueError):
            periods = None
    if periods:
        first, last = pd.Period(periods[0], "M"), pd.Period(periods[-1], "M")
        horizon = horizon_months or (last - first).n + 1
        month = pd.Period(month, "M") if month is not None else first
    else:
        horizon = horizon_months or 1
        today = dt.date.today()
        month = pd.Period(month, "M") if month is not None else pd.Period(today, "M") + 1
    return RiskInput(risk, unc, int(horizon), month, str(path))


@dataclass
class ScenarioResult:
    """A scenario run: its set-up, plan, effort and outcomes (under the risk, and under the truth when known)."""

    scenario: Scenario
    setup: Setup
    plan: Plan
    km: np.ndarray
    reach: np.ndarray
    outcomes: Outcomes
    truth: Outcomes | None = None
    notes: list[str] = field(default_factory=list)
    grid: object = None

    @property
    def name(self) -> str:
        return self.scenario.name


class ScenarioContext:
    """What the scenarios of one park and risk map share; builds costs, reaches and rasters once.

    Parameters
    ----------
    park : layers.park.Park
    risk : RiskInput
    truth : bool
        Also score under the park's hidden truth when it has one (demo parks).
    seed : int
    strategy : {"orienteering", "greedy"}
    costs : dict, optional
        ``{kind: CostSurface}`` already built.
    """

    def __init__(
        self, park, risk: RiskInput, truth: bool = True, seed: int = 0, strategy: str = "orienteering", costs=None
    ):
        if strategy not in STRATEGIES:
            raise PatrolsError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
        self.park = park
        self.grid = park.grid
        self.risk = risk
        self.seed = seed
        self.strategy = strategy
        self.sweep_km = DETECTION_SWEEP_KM
        self.intensity = np.where(self.grid.mask, risk.intensity, 0.0)
        self.low, self.high = risk_band(risk.risk, risk.uncertainty, risk.horizon_months)
        self._costs: dict[str, CostSurface] = dict(costs or {})
        self._reach: dict[tuple, np.ndarray] = {}
        self._graphs: dict[str, dict] = {}  # the planner's post graphs, per patrol kind, shared by every run
        self.habitats = _habitats(park)
        self.truth_intensity, self.truth_sweep_km, self.truth_note = (
            _truth(park, risk.month) if truth else (None, 0, "")
        )
        self.start = dt.date(risk.month.year, risk.month.month, 1)
        self.month_days = calendar.monthrange(risk.month.year, risk.month.month)[1]

    def cost(self, kind: str) -> CostSurface:
        if kind not in self._costs:
            self._costs[kind] = travel_cost_for_park(self.park, kind)
        return self._costs[kind]

    def reach(self, setup: Setup) -> np.ndarray:
        """Cells within one day's patrol (out and back) of a manned post of ``setup``."""
        out = np.zeros(self.grid.shape, bool)
        budget, unit = (setup.hours, "hours") if setup.hours is not None else (setup.km, "km")
        for post in setup.posts.values():
            if post.teams <= 0:
                continue
            key = (post.kind, round(post.x, 1), round(post.y, 1), budget, unit)
            if key not in self._reach:
                g = PostGraph(self.cost(post.kind), post.name, (post.x, post.y), budget, unit)
                full = np.zeros(self.grid.shape, bool)
                r0, r1, c0, c1 = g.window
                full[r0:r1, c0:c1] = g.reachable
                self._reach[key] = full
            out |= self._reach[key]
        return out

    def plan(self, setup: Setup, prior_km: np.ndarray | None = None, progress: Progress = None) -> Plan:
        """Plan ``setup``'s month (over the reward left by ``prior_km``, if given)."""
        groups: dict[tuple[str, int], dict[str, tuple[float, float]]] = {}
        for post in setup.posts.values():
            if post.teams > 0:
                groups.setdefault((post.kind, post.teams), {})[post.name] = (post.x, post.y)
        km = np.zeros(self.grid.shape) if prior_km is None else np.asarray(prior_km, dtype=float).copy()
        rate = self.sweep_km / self.grid.cell_area_km2
        budget, unit = (setup.hours, "hours") if setup.hours is not None else (setup.km, "km")
        days = min(setup.days_per_month, self.month_days)
        patrols = []
        weights = [len(p) * t for (_, t), p in groups.items()]
        done = 0.0
        for ((kind, teams), posts), w in zip(sorted(groups.items()), weights):
            share = w / max(sum(weights), 1)

            def sub(f, msg, lo=done, span=share):
                if progress is not None:
                    progress(lo + span * f, msg)

            planner = STRATEGIES[self.strategy](**PLANNER_SETTINGS)
            part = planner.plan(
                cost=self.cost(kind),
                reward=self.intensity * np.exp(-rate * km),
                posts=posts,
                start=self.start,
                days=days,
                teams=teams,
                budget=budget,
                unit=unit,
                seed=self.seed,
                park_name=str(getattr(self.park, "name", "")),
                sweep_km=self.sweep_km,
                progress=sub if progress is not None else None,
                patrol_days=setup.days_per_patrol,
                graphs=self._graphs.setdefault(kind, {}),
            )
            km += plan_effort(part, self.grid)
            patrols += part.patrols
            done += share
        plan = Plan(park=str(getattr(self.park, "name", "")), start=self.start, days=days, patrols=patrols)
        plan.settings.update({"scenario": setup.scenario, "strategy": self.strategy, **PLANNER_SETTINGS})
        return plan

    def outcomes(self, setup: Setup, plan: Plan, km: np.ndarray, reach: np.ndarray) -> tuple[Outcomes, Outcomes | None]:
        """Outcomes of a plan under the risk, and under the truth when the park has one."""
        days = min(setup.days_per_month, self.month_days)
        teams = setup.teams
        summary = {
            "km": float(sum(p.length_km for p in plan.patrols)),
            "patrol_hours": float(sum(p.hours for p in plan.patrols)),
            "patrols": len(plan.patrols),
            "team_days": int(teams * days),
            "ranger_days": int(teams * days * setup.rangers_per_team),
            "posts": sum(1 for p in setup.posts.values() if p.teams > 0),
            "teams": int(teams),
        }
        common = dict(grid=self.grid, reach=reach, effort_summary=summary, habitats=self.habitats)
        out = compute_outcomes(
            self.intensity, km, intensity_low=self.low, intensity_high=self.high, sweep_km=self.sweep_km, **common
        )
        truth = None
        if self.truth_intensity is not None:
            truth = compute_outcomes(self.truth_intensity, km, sweep_km=self.truth_sweep_km, **common)
        return out, truth


def _habitats(park) -> dict[str, np.ndarray]:
    """Density rasters of the species the park has (``rhino_density``, ``elephant_density``) on its grid."""
    from layers.covariates import resample_raster

    out = {}
    rasters = getattr(park, "rasters", {}) or {}
    for species, name in SPECIES_RASTERS.items():
        layer = rasters.get(name)
        if layer is None:
            continue
        try:
            out[species] = np.asarray(resample_raster(layer.path, park.grid), dtype=float)
        except Exception:  # an unreadable density raster: the load report already names it
            continue
    return out


def _truth(park, month: pd.Period):
    """The true intensity of ``month`` and the truth's sweep width, or (None, 0, why not)."""
    folder = getattr(park, "folder", None)
    if folder is None:
        return None, 0.0, ""
    from riskmodel.truth import has_truth, read_truth

    if not has_truth(folder):
        return None, 0.0, ""
    truth = read_truth(folder, park.grid)
    if month not in truth.periods:
        return (
            None,
            0.0,
            f"the hidden truth has no intensity for {month} (it covers {truth.periods[0]}..{truth.periods[-1]})",
        )
    lam = truth.intensity_sum([month])
    lam = np.where(park.grid.mask & (lam >= 0), np.nan_to_num(lam), 0.0)
    return lam, float(truth.meta.get("sweep_km", DETECTION_SWEEP_KM)), ""


def context_for(park, scenario: Scenario, risk: RiskInput | None, context: ScenarioContext | None, **kwargs):
    """The context a scenario runs in: its own risk file when it names one, else ``context`` or ``risk``."""
    if scenario.risk_file:
        folder = Path(getattr(park, "folder", "."))
        path = Path(scenario.risk_file)
        path = path if path.is_absolute() else folder / path
        costs = context._costs if context is not None else None
        return ScenarioContext(park, read_risk(path, park.grid, scenario.horizon_months), costs=costs, **kwargs)
    if context is not None:
        r = context.risk
        if not scenario.horizon_months or scenario.horizon_months == r.horizon_months:
            return context
        changed = RiskInput(r.risk, r.uncertainty, scenario.horizon_months, r.month, r.label)
        return ScenarioContext(park, changed, costs=context._costs, **kwargs)
    if risk is None:
        raise ScenarioError(
            f"scenario {scenario.name!r} names no risk raster; give one (--risk RISK.tif) or add [risk] file = ... to it"
        )
    if scenario.horizon_months and scenario.horizon_months != risk.horizon_months:
        risk = RiskInput(risk.risk, risk.uncertainty, scenario.horizon_months, risk.month, risk.label)
    return ScenarioContext(park, risk, **kwargs)


def run_scenario(
    park,
    scenario: Scenario,
    risk: RiskInput | None = None,
    context: ScenarioContext | None = None,
    progress: Progress = None,
    **kwargs,
) -> ScenarioResult:
    """Plan ``scenario``'s month on ``park`` and compute its outcomes.

    Parameters
    ----------
    park : layers.park.Park
    scenario : Scenario
    risk : RiskInput, optional
        The risk map (not needed when ``context`` is given or the scenario names its own).
    context : ScenarioContext, optional
        Shared costs and rasters of several runs.
    progress : callable, optional
        ``progress(fraction, message)``.
    **kwargs
        ``truth``, ``seed``, ``strategy`` of a new :class:`ScenarioContext`.

    Returns
    -------
    ScenarioResult
    """
    ctx = context_for(park, scenario, risk, context, **kwargs)
    setup = resolve(scenario, park)
    plan = ctx.plan(setup, progress=progress)
    km = plan_effort(plan, ctx.grid)
    reach = ctx.reach(setup)
    outcomes, truth = ctx.outcomes(setup, plan, km, reach)
    notes = [ctx.truth_note] if ctx.truth_note else []
    if progress is not None:
        progress(1.0, f"{scenario.name}: {outcomes.expected_detections:.2f} expected detections a month")
    return ScenarioResult(scenario, setup, plan, km, reach, outcomes, truth, notes, ctx.grid)


def run_scenarios(
    park, scenarios, risk: RiskInput | None = None, progress: Progress = None, **kwargs
) -> list[ScenarioResult]:
    """Run several scenarios sharing one :class:`ScenarioContext` (the first is usually the baseline)."""
    scenarios = list(scenarios)
    context = kwargs.pop("context", None)
    if context is None and risk is not None:
        context = ScenarioContext(park, risk, **kwargs)
    results = []
    for i, s in enumerate(scenarios):

        def sub(f, msg, i=i):
            if progress is not None:
                progress((i + f) / len(scenarios), msg)

        results.append(run_scenario(park, s, risk, context, progress=sub if progress is not None else None, **kwargs))
    return results
