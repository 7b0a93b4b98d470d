"""Comparable outcomes of a planned month: expected detections, risk covered, reach, habitat, effort.

Everything is computed from arrays on the park grid:

- the monthly *attack intensity* ``lam`` (expected attacks per cell and
  month): a risk surface holds ``risk``, the probability of at least one
  attack in its horizon of ``H`` months, so under a Poisson count
  ``lam = -ln(1 - risk) / H`` (:func:`monthly_intensity`); a hidden truth
  gives it directly;
- the plan's *effort* ``km`` walked per cell in the month;
- the detection model :func:`layers.defaults.detection_probability`.

Expected attacks detected per month are ``sum(lam * p(km))``.  Their range
takes ``risk -/+ RISK_RANGE_SD`` standard deviations of the risk ensemble in
every cell at once (a conservative band: cells are not independent).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from layers.defaults import DETECTION_SWEEP_KM, detection_probability

from .defaults import CORE_HABITAT_SHARE, HIGH_RISK_SHARE, MAX_RISK, RISK_RANGE_SD


def monthly_intensity(risk: np.ndarray, horizon_months: int = 1) -> np.ndarray:
    """Expected attacks per cell and month from the probability of at least one attack in ``horizon_months``.

    >>> round(float(monthly_intensity(np.array([1 - np.exp(-0.2)]), 2)[0]), 3)
    0.1
    """
    p = np.clip(np.nan_to_num(np.asarray(risk, dtype=float), nan=0.0), 0.0, MAX_RISK)
    return -np.log1p(-p) / max(int(horizon_months), 1)


def top_share_mask(values: np.ndarray, mask: np.ndarray, share: float) -> np.ndarray:
    """Cells of ``mask`` whose ``values`` rank in the top ``share`` of its area (ties included)."""
    v = np.where(mask, np.nan_to_num(np.asarray(values, dtype=float), nan=-np.inf), -np.inf)
    inside = v[mask]
    if inside.size == 0:
        return np.zeros(mask.shape, bool)
    k = max(1, int(round(share * inside.size)))
    cut = np.sort(inside)[::-1][k - 1]
    return mask & (v >= cut) & np.isfinite(v)


@dataclass
class Outcomes:
    """What a month of patrols buys, in units a planner compares.

    Attributes
    ----------
    expected_detections : float
        Expected attacks detected in the month.
    detections_low, detections_high : float
        Its range from the risk's uncertainty (equal to it under a truth).
    expected_attacks : float
        Expected attacks in the park in the month.
    risk_covered : float
        Share of those expected attacks the plan detects (0-1).
    high_risk_km2 : float
        Area of the high-risk cells (top ``HIGH_RISK_SHARE`` of the park by risk).
    high_risk_in_reach_km2, high_risk_in_reach : float
        The part of it within a day's patrol of a post (km2, and share 0-1).
    habitat_visited : dict
        ``{species: share of its core habitat (top CORE_HABITAT_SHARE by density) walked in the month}``.
    km, patrol_hours : float
    patrols, team_days, ranger_days, posts, teams : int
    """

    expected_detections: float
    detections_low: float
    detections_high: float
    expected_attacks: float
    risk_covered: float
    high_risk_km2: float
    high_risk_in_reach_km2: float
    high_risk_in_reach: float
    km: float
    patrol_hours: float
    patrols: int
    team_days: int
    ranger_days: int
    posts: int
    teams: int
    habitat_visited: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


# The outcome table's rows: attribute, label, unit.
OUTCOME_ROWS = (
    ("expected_detections", "expected attacks detected", "per month"),
    ("detections_low", "  range: low (risk - 1 sd)", "per month"),
    ("detections_high", "  range: high (risk + 1 sd)", "per month"),
    ("risk_covered", "share of the park's risk covered", "%"),
    ("high_risk_in_reach_km2", "high-risk area (top 10 %) within a day's reach", "km2"),
    ("high_risk_in_reach", "  share of the high-risk area", "%"),
    ("km", "distance patrolled", "km per month"),
    ("ranger_days", "ranger-days", "per month"),
    ("team_days", "team-days", "per month"),
    ("patrol_hours", "patrol hours", "h per month"),
    ("patrols", "patrols", "per month"),
    ("posts", "posts manned", ""),
    ("teams", "teams", ""),
)


def compute_outcomes(
    intensity: np.ndarray,
    km: np.ndarray,
    grid,
    reach: np.ndarray,
    *,
    effort_summary: dict,
    intensity_low: np.ndarray | None = None,
    intensity_high: np.ndarray | None = None,
    rank: np.ndarray | None = None,
    habitats: dict[str, np.ndarray] | None = None,
    sweep_km: float = DETECTION_SWEEP_KM,
) -> Outcomes:
    """Outcomes of a month's effort ``km`` under the monthly attack ``intensity``.

    Parameters
    ----------
    intensity : (R, C) array
        Expected attacks per cell in the month.
    km : (R, C) array
        km walked per cell in the month.
    grid : layers.grid.Grid
    reach : (R, C) bool
        Cells within a day's patrol of a manned post.
    effort_summary : dict
        ``km``, ``patrol_hours``, ``patrols``, ``team_days``, ``ranger_days``, ``posts``, ``teams`` of the plan.
    intensity_low, intensity_high : (R, C) array, optional
        Intensity at the low and high end of the risk's uncertainty.
    rank : (R, C) array, optional
        What ranks cells into the high-risk area (default ``intensity``).
    habitats : dict, optional
        ``{species: density raster on the grid}``.
    sweep_km : float
        Sweep width of the detection model.
    """
    mask = np.asarray(grid.mask, bool)
    lam = np.where(mask, np.nan_to_num(np.asarray(intensity, dtype=float), nan=0.0), 0.0)
    lam = np.clip(lam, 0.0, None)
    p = detection_probability(np.asarray(km, dtype=float), grid.cell_area_km2, sweep_km)
    found = float((lam * p).sum())

    def found_at(values):
        if values is None:
            return found
        v = np.where(mask, np.clip(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0), 0.0, None), 0.0)
        return float((v * p).sum())

    low, high = found_at(intensity_low), found_at(intensity_high)
    total = float(lam.sum())
    high_risk = top_share_mask(lam if rank is None else rank, mask, HIGH_RISK_SHARE)
    area = grid.cell_area_km2
    hr_km2 = float(high_risk.sum()) * area
    in_reach = float((high_risk & np.asarray(reach, bool)).sum()) * area
    visited = {}
    for species, density in (habitats or {}).items():
        core = top_share_mask(density, mask & np.isfinite(density), CORE_HABITAT_SHARE)
        n = int(core.sum())
        visited[species] = float((core & (np.asarray(km) > 0)).sum() / n) if n else float("nan")
    return Outcomes(
        expected_detections=found,
        detections_low=min(low, found),
        detections_high=max(high, found),
        expected_attacks=total,
        risk_covered=found / total if total > 0 else 0.0,
        high_risk_km2=hr_km2,
        high_risk_in_reach_km2=in_reach,
        high_risk_in_reach=in_reach / hr_km2 if hr_km2 > 0 else 0.0,
        habitat_visited=visited,
        **{
            k: effort_summary[k]
            for k in ("km", "patrol_hours", "patrols", "team_days", "ranger_days", "posts", "teams")
        },
    )


def risk_band(risk: np.ndarray, uncertainty: np.ndarray | None, horizon_months: int):
    """Monthly intensity at ``risk -/+ RISK_RANGE_SD * uncertainty`` (None, None without an uncertainty)."""
    if uncertainty is None or not np.isfinite(uncertainty).any():
        return None, None
    sd = np.nan_to_num(np.asarray(uncertainty, dtype=float), nan=0.0)
    r = np.nan_to_num(np.asarray(risk, dtype=float), nan=0.0)
    return (
        monthly_intensity(r - RISK_RANGE_SD * sd, horizon_months),
        monthly_intensity(r + RISK_RANGE_SD * sd, horizon_months),
    )
