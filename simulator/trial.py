"""A simulated field trial: what following the plans would have bought, month by month.

On a park with a hidden truth (a demo park's ``truth/``), the last
``months`` months of its records are replayed.  Each month, for every arm
(the park's historical patrolling, and the planner at each ``explore``
setting):

1. the risk model is refitted on the data the arm has up to the end of the
   previous month (the park's own records before the trial, then the arm's
   own simulated months: never a later month);
2. the arm's effort of the month is walked: the historical arm walks the km
   the park's rangers actually walked that month; a plan arm plans the month
   from the refitted risk surface, with the same km as the historical
   patrols of that month, and walks its routes;
3. each true attack of the month (``truth/attacks.csv``) is found with the
   detection model's probability given the km walked in its cell (the same
   random draw for every arm, so the arms differ only by where they walked);
4. the finds and the km walked are added to the arm's data for the next month.

Each month records the attacks found, the km walked, finds per 100 km and
the model's error against the truth (mean absolute error of the probability
that a cell is attacked in the month, over the park and over the cells
nobody patrolled in the 12 months before the trial).  The park's folder is
only read: the arm's data live in memory (the park's arrays, see
:class:`riskmodel.surface.ParkArrays`) and, when a work folder is given, each
month's finds and routes are written there.

The simulator drives the risk model and the planner; neither imports it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from layers.defaults import COL_TIME, COL_TYPE, DEFAULT_PATROL_KM, DETECTION_SWEEP_KM, detection_probability

from .defaults import TRIAL_HISTORY_MONTHS, TRIAL_MAX_MONTHS, TRIAL_MIN_HISTORY_MONTHS, TRIAL_N_MEMBERS
from .errors import SettingsError

Progress = Callable[[float, str], None] | None
HISTORY = "historical"


@dataclass
class TrialData:
    """One arm's data: the park's arrays up to the trial, then the arm's own months (km and finds)."""

    arrays: object  # riskmodel.surface.ParkArrays of the months before the trial
    km: list[np.ndarray] = field(default_factory=list)
    counts: list[np.ndarray] = field(default_factory=list)
    found_ids: set = field(default_factory=set)

    def upto(self) -> object:
        """The arm's arrays with every month it has walked so far (and nothing later)."""
        base = self.arrays
        if not self.km:
            return base
        periods = pd.period_range(base.periods[0], periods=len(base.periods) + len(self.km), freq="M")
        return replace(
            base,
            km=np.concatenate([base.km, np.stack(self.km).astype(base.km.dtype)]),
            counts=np.concatenate([base.counts, np.stack(self.counts).astype(base.counts.dtype)]),
            periods=periods,
        )

    def add(self, km: np.ndarray, found: pd.DataFrame, shape) -> None:
        """Add a month: the km walked per cell and the attacks found (each attack once)."""
        new = found[~found["attack"].isin(self.found_ids)].drop_duplicates("attack")
        self.found_ids.update(new["attack"])
        counts = np.bincount(new["cell"].to_numpy(int), minlength=shape[0] * shape[1]).reshape(shape)
        self.km.append(np.asarray(km, dtype=float))
        self.counts.append(counts)


def default_fit(arrays, month: pd.Period):
    """The recommended risk model fitted on ``arrays`` up to the month before ``month``, for ``month``."""
    from riskmodel.surface import fit_risk

    train_until = (month - 1).end_time.date()
    return fit_risk(None, train_until, 1, arrays=arrays, settings={"n_members": TRIAL_N_MEMBERS})


def draw_finds(attacks: pd.DataFrame, km: np.ndarray, cell_area_km2: float, sweep_km: float, u: np.ndarray):
    """The attacks found given ``km`` walked per cell: attack ``i`` is found when ``u[i]`` < its detection probability."""
    flat = np.asarray(km, dtype=float).ravel()
    p = detection_probability(flat[attacks["cell"].to_numpy(int)], cell_area_km2, sweep_km)
    return attacks[np.asarray(u) < p]


def run_trial(
    folder,
    months: int = 6,
    explore=(0.0,),
    teams: int = 1,
    km: float = DEFAULT_PATROL_KM,
    seed: int = 0,
    work=None,
    fit: Callable | None = None,
    progress: Progress = None,
) -> pd.DataFrame:
    """Run the trial; one row per arm and month.

    Parameters
    ----------
    folder : path
        A park folder with a ``truth/`` (a demo park).
    months : int
        Months replayed (the last ``months`` of the truth), 1-24.
    explore : sequence of float
        One plan arm per value (see :func:`patrols.planner.plan_patrols`).
    teams : int
        Teams per post in the plans.
    km : float
        km per patrol and day.
    seed : int
        Seed of the detection draws and the plans.
    work : path, optional
        Folder to write each arm's monthly finds and routes into (never the park's folder).
    fit : callable, optional
        ``fit(arrays, month) -> RiskSurface``; the recommended model by default.
    progress : callable, optional

    Returns
    -------
    pandas.DataFrame
        Columns ``arm, month, km, attacks, found, found_per_100km, error, error_unsearched``.
    """
    from layers.park import load_park
    from patrols.cost import travel_cost_for_park
    from patrols.explore import learning_value
    from patrols.planner import plan_effort, plan_patrols
    from riskmodel.surface import park_arrays
    from riskmodel.truth import has_truth, read_truth

    folder = Path(folder)
    if not has_truth(folder):
        raise SettingsError(f"{folder}: no truth/ folder; a trial needs a demo park (python -m simulator demo)")
    if not 1 <= int(months) <= TRIAL_MAX_MONTHS:
        raise SettingsError(f"--months must be between 1 and {TRIAL_MAX_MONTHS}, got {months}")
    explore = [float(x) for x in explore]
    if any(x < 0 for x in explore):
        raise SettingsError(f"explore values must be 0 or more, got {explore}")
    if work is not None:
        work = Path(work).resolve()
        if work == folder.resolve() or folder.resolve() in work.parents:
            raise SettingsError(f"{work}: the work folder must be outside the park's folder {folder}")
    fit = fit or default_fit
    say = progress or (lambda f, m: None)
    park = load_park(folder)
    truth = read_truth(folder, park.grid)
    arrays = park_arrays(park)
    grid = park.grid
    sweep = float(truth.meta.get("sweep_km", DETECTION_SWEEP_KM))
    area = grid.cell_area_km2
    trial_periods = [p for p in truth.periods[-int(months) :] if p in arrays.periods]
    if len(trial_periods) < int(months):
        raise SettingsError(f"{folder}: the truth and the records share fewer than {months} months")
    k0 = arrays.periods.get_loc(trial_periods[0])
    if k0 < TRIAL_MIN_HISTORY_MONTHS:
        raise SettingsError(
            f"{folder}: only {k0} months of records before the trial; it needs at least "
            f"{TRIAL_MIN_HISTORY_MONTHS} (use fewer --months)"
        )
    base = replace(arrays, km=arrays.km[:k0], counts=arrays.counts[:k0], periods=arrays.periods[:k0])
    recent = arrays.km[max(0, k0 - TRIAL_HISTORY_MONTHS) : k0].sum(axis=0)
    unsearched = grid.mask & (recent <= 0)
    attacks = truth.attacks
    attacks = attacks[attacks[COL_TYPE].isin(list(arrays.types)) & (attacks["cell"] >= 0)].copy()
    attacks["attack"] = attacks["attack_id"] if "attack_id" in attacks.columns else np.arange(len(attacks))
    attacks["month"] = attacks[COL_TIME].dt.tz_convert(None).dt.to_period("M")
    arms = [HISTORY] + [f"plan (explore {x:g})" for x in explore]
    data = {arm: TrialData(base) for arm in arms}
    cost = travel_cost_for_park(park, "foot")
    n_posts = len(park.posts)
    rng = np.random.default_rng(seed)
    rows = []
    steps = len(trial_periods) * len(arms)
    for i, month in enumerate(trial_periods):
        of_month = attacks[attacks["month"] == month]
        u = rng.random(len(of_month))  # common random numbers: the same draw for every arm
        hist_km = arrays.km[k0 + i].astype(float)
        p_true = np.where(grid.mask, 1.0 - np.exp(-truth.intensity_sum([month])), np.nan)
        first = dt.date(month.year, month.month, 1)
        days = calendar.monthrange(month.year, month.month)[1]
        active = int(min(days, max(1, round(hist_km.sum() / (n_posts * teams * km)))))
        for j, arm in enumerate(arms):
            say((i * len(arms) + j) / steps, f"{month}: {arm}")
            surface = fit(data[arm].upto(), month)
            risk = np.asarray(surface.risk, dtype=float)
            err = np.abs(risk - p_true)
            plan = None
            if arm == HISTORY:
                walked = hist_km
            else:
                x = explore[j - 1]
                plan = plan_patrols(
                    park, np.nan_to_num(risk), first, active, teams=teams, km=km, cost=cost, seed=seed + i,
                    explore=x, uncertainty=learning_value(risk, surface.uncertainty, surface.unsearched),
                )  # fmt: skip
                walked = plan_effort(plan, grid)
            found = draw_finds(of_month, walked, area, sweep, u)
            data[arm].add(walked, found, grid.shape)
            if work is not None:
                _write_month(work, arm, month, found, plan)
            walked_km = float(walked[grid.mask].sum())
            rows.append(
                {
                    "arm": arm,
                    "month": str(month),
                    "km": walked_km,
                    "attacks": len(of_month),
                    "found": len(found),
                    "found_per_100km": 100 * len(found) / walked_km if walked_km > 0 else float("nan"),
                    "error": float(np.nanmean(err[grid.mask])),
                    "error_unsearched": float(np.nanmean(err[unsearched])) if unsearched.any() else float("nan"),
                }
            )
    say(1.0, "trial done")
    table = pd.DataFrame(rows)
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)
        table.to_csv(work / "trial.csv", index=False)
    return table


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Per arm: km, attacks found, found per 100 km, that against the historical arm, and the error trend."""
    out = []
    hist = table[table["arm"] == HISTORY]
    h_rate = 100 * hist["found"].sum() / hist["km"].sum() if len(hist) and hist["km"].sum() > 0 else np.nan
    for arm, t in table.groupby("arm", sort=False):
        rate = 100 * t["found"].sum() / t["km"].sum() if t["km"].sum() > 0 else np.nan
        e = t["error_unsearched"].to_numpy()
        out.append(
            {
                "arm": arm,
                "km": float(t["km"].sum()),
                "found": int(t["found"].sum()),
                "found_per_100km": rate,
                "vs_historical": rate / h_rate if h_rate > 0 else np.nan,
                "error_first": float(t["error"].iloc[0]),
                "error_last": float(t["error"].iloc[-1]),
                "error_unsearched_first": float(e[0]),
                "error_unsearched_last": float(e[-1]),
                "error_unsearched_falls_monthly": bool(np.all(np.diff(e) <= 0)),
            }
        )
    return pd.DataFrame(out)


def _write_month(work: Path, arm: str, month, found: pd.DataFrame, plan) -> None:
    """``WORK/<arm>/<YYYY-MM>/finds.csv`` (the attacks found) and, for a plan, ``routes.geojson``."""
    slug = "-".join("".join(ch if ch.isalnum() or ch == "." else " " for ch in arm).split())
    out = work / slug / str(month)
    out.mkdir(parents=True, exist_ok=True)
    cols = [c for c in ("attack", COL_TIME, COL_TYPE, "x", "y", "cell") if c in found.columns]
    found[cols].to_csv(out / "finds.csv", index=False)
    if plan is not None:
        feats = [
            {
                "type": "Feature",
                "properties": {"patrol": p.patrol_id, "post": p.post, "team": p.team, "date": str(p.date),
                               "km": round(p.length_km, 3), "hours": round(p.hours, 3)},
                "geometry": {"type": "LineString", "coordinates": np.round(p.path_xy, 1).tolist()},
            }
            for p in plan.patrols
        ]  # fmt: skip
        crs = {"type": "name", "properties": {"name": plan.patrols[0].crs.to_string()}} if plan.patrols else None
        (out / "routes.geojson").write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": feats}))
