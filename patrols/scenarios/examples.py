"""The two example scenarios a park ships with (the demo park's generator writes them).

- *A new post in the least patrolled high-risk area*: among the high-risk
  cells (top 10 % of the park by risk), the one whose surroundings
  (Gaussian, ``EXAMPLE_SMOOTH_KM``) the park's GPS tracks walked least in
  their last 12 months, snapped to passable ground;
- *One more team at every post*.

:func:`write_example_scenarios` saves them in ``<park>/scenarios/`` (never
replacing a file already there).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ScenarioError
from .defaults import DEFAULT_SCENARIO_CRS, HIGH_RISK_SHARE
from .io import save_scenario, scenario_path
from .model import PostChange, Scenario
from .outcomes import top_share_mask

EXAMPLE_SMOOTH_KM = 3.0
HISTORY_MONTHS = 12
NEW_POST_NAME = "New post"


def least_patrolled_high_risk_cell(park, risk: np.ndarray, km: np.ndarray | None = None) -> tuple[int, int]:
    """The high-risk cell whose surroundings were walked least (``km``: effort per cell, default from the tracks)."""
    from scipy.ndimage import gaussian_filter

    grid = park.grid
    mask = np.asarray(grid.mask, bool)
    if km is None:
        km = recent_effort(park)
    sigma = EXAMPLE_SMOOTH_KM * 1000.0 / grid.cell_size
    around = gaussian_filter(np.where(mask, km, 0.0), sigma) / np.maximum(
        gaussian_filter(mask.astype(float), sigma), 1e-9
    )
    high = top_share_mask(risk, mask, HIGH_RISK_SHARE)
    from ..cost import travel_cost_for_park

    high &= np.asarray(travel_cost_for_park(park, "foot").passable, bool)
    if not high.any():
        raise ScenarioError("the risk map has no high-risk cell on passable ground; check the risk raster")
    score = np.where(high, around, np.inf)
    r, c = np.unravel_index(int(np.argmin(score)), score.shape)
    return int(r), int(c)


def recent_effort(park) -> np.ndarray:
    """km walked per cell in the last ``HISTORY_MONTHS`` months of the park's tracks (zeros without tracks)."""
    tracks = getattr(park, "tracks", None)
    if tracks is None or len(tracks) == 0:
        return np.zeros(park.grid.shape)
    from layers.effort import compute_effort

    effort = compute_effort(park)
    return np.asarray(effort.km[-HISTORY_MONTHS:], dtype=float).sum(axis=0)


def example_scenarios(park, risk: np.ndarray) -> list[Scenario]:
    """The two example scenarios of ``park`` given its risk map (an array on the park grid)."""
    from pyproj import Transformer

    r, c = least_patrolled_high_risk_cell(park, np.asarray(risk, dtype=float))
    x, y = park.grid.xy(r, c)
    lon, lat = Transformer.from_crs(park.grid.crs, DEFAULT_SCENARIO_CRS, always_xy=True).transform(float(x), float(y))
    return [
        Scenario(
            name="New post in the least patrolled high-risk area",
            description=(
                "a post at the high-risk cell (top 10 % of the park by risk) whose surroundings "
                f"the last {HISTORY_MONTHS} months of patrols walked least"
            ),
            add_posts=[PostChange(NEW_POST_NAME, round(float(lon), 6), round(float(lat), 6))],
        ),
        Scenario(name="One more team at every post", description="every post gets one more team", extra_teams=1),
    ]


def write_example_scenarios(park, risk: np.ndarray | None = None, progress=None) -> list[Path]:
    """Save the example scenarios in ``<park>/scenarios/``; a file already there is kept, not replaced.

    ``risk`` is the park's risk map on its grid; when omitted, the
    recommended risk model is fitted on every month of the park's data and
    its map of the next month is used.  Returns the files written.
    """
    if risk is None:
        risk = forecast_risk(park, progress)
    written = []
    for s in example_scenarios(park, risk):
        if scenario_path(park.folder, s.name).exists():
            continue
        written.append(save_scenario(s, park.folder))
    return written


def forecast_risk(park, progress=None) -> np.ndarray:
    """The recommended model's risk for the month after the park's last incident or GPS fix."""
    import pandas as pd

    from riskmodel.surface import fit_risk

    times = [g["time"].max() for g in (park.incidents, park.tracks) if g is not None and len(g)]
    if not times:
        raise ScenarioError("the park has no incidents or GPS tracks to fit a risk map on; give the risk map instead")
    last = max(times)
    last = pd.Timestamp(last).tz_convert(None) if pd.Timestamp(last).tzinfo else pd.Timestamp(last)
    return fit_risk(park, last.date(), 1, progress=progress).risk
