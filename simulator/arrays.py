"""A tiny simulated park on arrays: known attack intensity, biased patrols, imperfect detection.

Used by the tests and the benchmark to exercise the risk model without
files.  Attacks in a cell and period are ``Poisson(lambda)``; each is found
with probability ``1 - exp(-s e / A)`` given the km ``e`` walked there.

Examples
--------
>>> sim = simulate_park(rows=20, cols=30, months=12, seed=1)
>>> sim.km.shape, sim.intensity.shape, sim.covariates.shape
((12, 20, 30), (12, 20, 30), (3, 20, 30))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter

from layers.defaults import DETECTION_SWEEP_KM


@dataclass
class SimulatedPark:
    covariates: np.ndarray  # (F, rows, cols) float32
    names: list[str]
    km: np.ndarray  # (T, rows, cols) float32
    found: np.ndarray  # (T, rows, cols) int32
    attacks: np.ndarray  # (T, rows, cols) int32, found or not
    intensity: np.ndarray  # (T, rows, cols) float32, expected attacks
    mask: np.ndarray  # (rows, cols) bool
    periods: pd.PeriodIndex
    cell_size_m: float


def simulate_park(
    rows: int = 40,
    cols: int = 60,
    months: int = 24,
    cell_size_m: float = 500.0,
    seed: int = 0,
    effort_bias: float = 1.0,
    attacks_per_month: float = 60.0,
    patrol_km_per_month: float = 1500.0,
    sweep_km: float = DETECTION_SWEEP_KM,
    start: str = "2023-01",
) -> SimulatedPark:
    """Simulate a park where attacks rise away from the road and patrols stay near it.

    ``effort_bias`` in [0, 1]: 0 spreads patrols evenly, 1 keeps them near
    the road (where attacks are rarest).
    """
    rng = np.random.default_rng(seed)
    cs = cell_size_m / 1000.0
    rr, cc = np.indices((rows, cols)).astype(float)
    road_row = rows * 0.3
    dist_road = np.abs(rr - road_row) * cs
    vil_r, vil_c = rows * 0.8, cols * 0.9
    dist_village = np.hypot(rr - vil_r, cc - vil_c) * cs
    field = gaussian_filter(rng.normal(size=(rows, cols)), sigma=max(rows, cols) / 10)
    field = (field - field.mean()) / (field.std() + 1e-9)
    mask = np.ones((rows, cols), bool)
    mask[: max(1, rows // 10), : max(1, cols // 5)] = False  # an irregular corner outside
    # attack intensity: farther from the road, near the village, and the smooth field
    lin = 0.9 * dist_road / (dist_road.max() + 1e-9) * 3 - 0.25 * dist_village / (dist_village.max() + 1e-9) * 3
    lin = lin + 0.6 * field
    base = np.exp(lin) * mask
    base = base / base.sum() * attacks_per_month
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(months) / 12)
    intensity = (season[:, None, None] * base[None]).astype(np.float32)
    # patrol effort: concentrated near the road when biased
    pref = (1 - effort_bias) + effort_bias * np.exp(-dist_road / (3 * cs + 0.5))
    pref = pref * mask
    pref = pref / pref.sum()
    km = np.zeros((months, rows, cols), np.float32)
    for t in range(months):
        noise = rng.gamma(2.0, 0.5, size=(rows, cols))
        share = pref * noise
        km[t] = share / share.sum() * patrol_km_per_month * (rng.random((rows, cols)) < 0.6)
    attacks = rng.poisson(intensity).astype(np.int32)
    p = 1 - np.exp(-sweep_km * km / (cs * cs))
    found = rng.binomial(attacks, p).astype(np.int32)
    covs = np.stack([dist_road, dist_village, field]).astype(np.float32)
    covs[:, ~mask] = np.nan
    return SimulatedPark(
        covariates=covs,
        names=["dist_road", "dist_village", "ndvi"],
        km=km,
        found=found,
        attacks=attacks,
        intensity=intensity,
        mask=mask,
        periods=pd.period_range(start, periods=months, freq="M"),
        cell_size_m=cell_size_m,
    )
