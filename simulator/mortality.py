"""Natural deaths of elephants and rhinos, and the carcasses patrols find.

Animals also die of age, drought, disease and fights.  Their carcasses are
found by the same patrols, with the same detection model as the poachers'
attacks, and enter the incident book with a natural (or unknown) cause and
the incident type ``carcass``, which is not an attack: they never change the
risk model's attack data.

The share of illegal carcasses among all carcasses found (PIKE, for
elephants) is what monitoring reads, and MIKE sites report 0.3-0.7.  The
natural death rate is therefore the larger of a plain mortality (a few per
cent of the animals a year) and the rate at which the expected PIKE of the
found carcasses equals a target drawn for the park.

All draws come from the generator passed in (the register's own stream), so
the poachers, the patrols and the truth of a seed do not change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from layers.defaults import detection_probability

from .landscape import Landscape
from .rangers import Patrol


@dataclass(frozen=True)
class Mortality:
    """Natural deaths of one species."""

    species: str  # "elephant" or "rhino": the landscape's density surface of the same name
    illegal_type: str  # the attack type of the species' poached carcasses
    annual_rate: float  # share of the animals dying of natural causes in a year
    pike: tuple[float, float]  # range of the target share of illegal carcasses among those found
    peak_month: int  # natural deaths peak late in the dry season
    labels: tuple[tuple[str, float], ...]  # free-text labels of a natural carcass and their shares
    notes: tuple[str, ...]


MORTALITY = (
    Mortality(
        "elephant", "elephant_carcass", 0.03, (0.35, 0.65), 10,
        (("Elephant carcass - natural", 0.45), ("Carcass (natural)", 0.3), ("Natural carcass", 0.25)),
        ("Old bull, tusks intact", "Calf, natural causes", "Drought, tusks recovered", "Found dead near water, tusks intact"),
    ),
    Mortality(
        "rhino", "rhino_carcass", 0.025, (0.45, 0.75), 10,
        (("Rhino carcass - natural", 0.5), ("Carcass (natural)", 0.3), ("Natural carcass", 0.2)),
        ("Horns intact", "Fight wounds, horns intact", "Calf, natural causes"),
    ),
)  # fmt: skip
UNKNOWN_CAUSE_SHARE = 0.15  # natural deaths recorded with an unknown cause
UNKNOWN_LABELS = ("Carcass (cause unknown)", "{Species} carcass - cause unknown")
POSITION_SD_M = 50.0  # a carcass is found within sight of the patrol's path


def natural_carcasses(
    land: Landscape,
    effort: np.ndarray,
    starts: list[int],
    days: list[int],
    months_of_year: np.ndarray,
    patrols: list[Patrol],
    illegal_found: dict[str, int],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Carcasses of natural deaths found by patrols.

    Parameters
    ----------
    land : Landscape
        The park (density surfaces on the grid as ``land.covariates``).
    effort : numpy.ndarray
        True km per cell and month, ``(T, rows, cols)``.
    starts, days : list of int
        Start (epoch s) and length in days of every month.
    months_of_year : numpy.ndarray
        Calendar month (1-12) of every period.
    patrols : list of Patrol
        Every patrol, in month order: a carcass is found at the moment and
        place the nearest patrol of that month passed.
    illegal_found : dict
        Number of found illegal carcasses per attack type (calibrates PIKE).
    rng : numpy.random.Generator
        The register's random stream.

    Returns
    -------
    pandas.DataFrame
        One row per found carcass, sorted by time: ``t`` (int64 s), ``x``,
        ``y`` (park CRS), ``lon``, ``lat``, ``species``, ``cause`` (natural or
        unknown), ``label`` and ``notes``.
    """
    grid = land.grid
    cell_area = grid.cell_area_km2
    p_found = detection_probability(effort, cell_area)
    fix_t, fix_x, fix_y = _fixes(patrols)
    rows = []
    for m in MORTALITY:
        density = np.where(grid.mask, np.nan_to_num(land.covariates[m.species], nan=0.0).clip(min=0.0), 0.0)
        season = 1.0 + 0.5 * np.cos(2 * np.pi * (np.asarray(months_of_year) - m.peak_month) / 12.0)
        deaths = (m.annual_rate / 12.0) * season[:, None, None] * (density * cell_area)[None]  # per cell and month
        expected_found = float((deaths * p_found).sum())
        pike = rng.uniform(*m.pike)
        target = illegal_found.get(m.illegal_type, 0) * (1.0 - pike) / pike
        if expected_found > 0 and target > expected_found:
            deaths = deaths * (target / expected_found)
        n = rng.poisson(deaths)
        found = rng.binomial(n, p_found)
        for t, cell in zip(*_cells(found, grid.shape)):
            lo_t, hi_t = starts[t], starts[t] + days[t] * 86400
            x0, y0 = grid.transform.c, grid.transform.f
            r, c = divmod(int(cell), grid.shape[1])
            cx, cy = x0 + (c + 0.5) * grid.cell_size, y0 - (r + 0.5) * grid.cell_size
            sel = np.flatnonzero((fix_t >= lo_t) & (fix_t < hi_t))
            if sel.size == 0:
                continue
            j = sel[np.argmin(np.hypot(fix_x[sel] - cx, fix_y[sel] - cy))]
            unknown = rng.uniform() < UNKNOWN_CAUSE_SHARE
            if unknown:
                label = str(rng.choice(UNKNOWN_LABELS)).format(Species=m.species.capitalize())
            else:
                names, shares = zip(*m.labels)
                label = names[int(rng.choice(len(names), p=np.array(shares)))]
            x, y = fix_x[j] + rng.normal(0.0, POSITION_SD_M), fix_y[j] + rng.normal(0.0, POSITION_SD_M)
            if not shapely.contains_xy(land.boundary, x, y):  # at the edge: where the patrol stood
                x, y = fix_x[j], fix_y[j]
            rows.append(
                (int(fix_t[j]), float(x), float(y), m.species,
                 "unknown" if unknown else "natural", label, str(rng.choice(m.notes)))
            )  # fmt: skip
    df = pd.DataFrame(rows, columns=["t", "x", "y", "species", "cause", "label", "notes"])
    df = df.sort_values("t", kind="stable").reset_index(drop=True)
    lon, lat = land.to_lonlat.transform(df["x"].to_numpy(float), df["y"].to_numpy(float))
    df["lon"], df["lat"] = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return df


def _cells(counts: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(period, flat cell) of every unit of ``counts`` ``(T, rows, cols)``, repeated by count."""
    flat = counts.reshape(counts.shape[0], -1)
    t, cell = np.nonzero(flat)
    k = flat[t, cell]
    return np.repeat(t, k), np.repeat(cell, k)


def _fixes(patrols: list[Patrol]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not patrols:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    return (
        np.concatenate([p.t for p in patrols]),
        np.concatenate([p.x for p in patrols]),
        np.concatenate([p.y for p in patrols]),
    )
