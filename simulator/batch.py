"""Batches of demo parks: many parks of varied size, shape, cell size, history and behaviour.

:func:`draw_parks` draws the settings of ``n`` parks from one seed (park
``i`` depends only on the seed and ``i``, not on ``n``); :func:`check_batch`
checks them and the room they need before any work starts;
:func:`generate_parks` writes them as ``OUT/park-01``, ``OUT/park-02``, ...
with ``OUT/parks.csv`` listing every park's settings.

Examples
--------
>>> parks = draw_parks(3, seed=1)
>>> [p.name for p in parks]
['park-01', 'park-02', 'park-03']
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .behaviours import BEHAVIOURS
from .defaults import (
    BYTES_PER_KM2_MONTH,
    MAX_CELL_MONTHS,
    MAX_PARKS,
    PARK_NAME,
    PARKS_AREA_KM2,
    PARKS_CELL_SIZE_M,
    PARKS_ELONGATION,
    PARKS_INDEX,
    PARKS_MONTHS,
)
from .demo import check_settings, generate_demo_park
from .errors import SettingsError

__all__ = ["ParkSettings", "check_batch", "draw_parks", "generate_parks"]


@dataclass(frozen=True)
class ParkSettings:
    """The settings of one park of a batch (arguments of :func:`~simulator.demo.generate_demo_park`)."""

    name: str  # folder name inside the batch folder
    seed: int
    behaviour: str
    area_km2: float
    cell_size_m: float
    months: int
    elongation: float

    @property
    def cell_months(self) -> int:
        """Grid cells times months, about the size of the park's arrays (a 30 % margin for the bounding box)."""
        return int(math.ceil(1.3 * self.area_km2 * 1e6 / self.cell_size_m**2) * self.months)

    @property
    def disk_bytes(self) -> int:
        """Estimated bytes the park writes (mostly GPS tracks)."""
        return int(self.area_km2 * self.months * BYTES_PER_KM2_MONTH)


def _check_range(name: str, lo_hi, unit: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in lo_hi)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{name} must be two numbers (lowest, highest), got {lo_hi!r}") from exc
    if not lo <= hi:
        raise SettingsError(f"{name} range {lo:g}-{hi:g} {unit} is reversed; give the lowest first")
    return lo, hi


def draw_parks(
    n: int,
    seed: int = 0,
    area_km2: tuple[float, float] = PARKS_AREA_KM2,
    cell_size_m: tuple[float, float] = PARKS_CELL_SIZE_M,
    months: tuple[int, int] = PARKS_MONTHS,
    elongation: tuple[float, float] = PARKS_ELONGATION,
) -> list[ParkSettings]:
    """Draw the settings of ``n`` parks.

    Parameters
    ----------
    n : int
        Number of parks (1 to :data:`~simulator.defaults.MAX_PARKS`).
    seed : int
        Seed of the batch: the same seed draws the same parks, and park ``i``
        is the same whatever ``n``.
    area_km2, cell_size_m, months, elongation : (low, high)
        Ranges the settings are drawn from: area and elongation log-uniformly,
        cell size among the multiples of 50 m in the range, months uniformly;
        the behaviour uniformly among :data:`~simulator.behaviours.BEHAVIOURS`.

    Returns
    -------
    list of ParkSettings
        Not yet checked against the single-park limits: see :func:`check_batch`.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= int(n) <= MAX_PARKS:
        raise SettingsError(f"the number of parks must be a whole number from 1 to {MAX_PARKS}, got {n!r}")
    a_lo, a_hi = _check_range("area", area_km2, "km2")
    c_lo, c_hi = _check_range("cell size", cell_size_m, "m")
    m_lo, m_hi = _check_range("months", months, "months")
    e_lo, e_hi = _check_range("elongation", elongation, "")
    if min(a_lo, c_lo, e_lo) <= 0 or m_lo < 1:
        raise SettingsError("areas, cell sizes and elongations must be positive and months at least 1")
    cells = np.arange(math.ceil(c_lo / 50.0) * 50.0, c_hi + 1e-9, 50.0)
    if cells.size == 0:  # no multiple of 50 m in the range
        cells = np.array([c_lo])
    behaviours = sorted(BEHAVIOURS)
    width = max(2, len(str(int(n))))
    out = []
    for i, child in enumerate(np.random.SeedSequence(int(seed)).spawn(int(n))):
        rng = np.random.default_rng(child)
        out.append(
            ParkSettings(
                name=PARK_NAME.format(i + 1, width=width),
                seed=int(rng.integers(0, 2**31 - 1)),
                behaviour=behaviours[int(rng.integers(len(behaviours)))],
                area_km2=float(round(math.exp(rng.uniform(math.log(a_lo), math.log(a_hi))), 1)),
                cell_size_m=float(cells[int(rng.integers(cells.size))]),
                months=int(rng.integers(int(m_lo), int(m_hi) + 1)),
                elongation=float(round(math.exp(rng.uniform(math.log(e_lo), math.log(e_hi))), 2)),
            )
        )
    return out


def _free_bytes(folder: Path) -> int:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def check_batch(out: str | Path, parks: list[ParkSettings]) -> int:
    """Check a batch before any work starts; returns the estimated bytes it writes.

    Raises :class:`~simulator.errors.SettingsError` when a park's settings are
    outside the single-park limits, its arrays would be too large, the disk
    has too little room, or a park folder or the index already exists (a
    batch never replaces files).
    """
    out = Path(out)
    for p in parks:
        try:
            check_settings(p.behaviour, None, p.area_km2, p.cell_size_m, p.months, elongation=p.elongation)
        except SettingsError as exc:
            raise SettingsError(f"{p.name}: {exc}") from exc
        if p.cell_months > MAX_CELL_MONTHS:
            raise SettingsError(
                f"{p.name}: {p.area_km2:,g} km2 at {p.cell_size_m:g} m over {p.months} months is about "
                f"{p.cell_months:,} cell-months, more than the {MAX_CELL_MONTHS:,} one park may hold; "
                "give smaller areas, larger cells or fewer months"
            )
    taken = [out / p.name for p in parks if (out / p.name).exists()]
    if (out / PARKS_INDEX).exists():
        taken.append(out / PARKS_INDEX)
    if taken:
        shown = ", ".join(str(t) for t in taken[:3]) + (f" and {len(taken) - 3} more" if len(taken) > 3 else "")
        raise SettingsError(f"the batch would replace {shown}; write it to an empty folder or remove them first")
    need = sum(p.disk_bytes for p in parks)
    free = _free_bytes(out)
    if need > 0.9 * free:
        raise SettingsError(
            f"the {len(parks)} parks need about {need / 1e6:,.0f} MB but {out} has {free / 1e6:,.0f} MB free; "
            "write fewer or smaller parks, or to another disk"
        )
    return need


def generate_parks(
    out: str | Path,
    n: int,
    seed: int = 0,
    area_km2: tuple[float, float] = PARKS_AREA_KM2,
    cell_size_m: tuple[float, float] = PARKS_CELL_SIZE_M,
    months: tuple[int, int] = PARKS_MONTHS,
    elongation: tuple[float, float] = PARKS_ELONGATION,
    end: str = "2026-10-31",
    progress: Callable[[float, str], None] | None = None,
) -> list[Path]:
    """Write ``n`` demo parks of varied settings into ``out`` (``out/park-01``, ...).

    The settings are drawn by :func:`draw_parks` and checked by
    :func:`check_batch` before the first park is written; ``out/parks.csv``
    lists every park's folder and settings.  Parameters are those of
    :func:`draw_parks`, plus the last day of records ``end`` (shared by all
    parks) and ``progress(fraction, message)``.

    Returns
    -------
    list of pathlib.Path
        The park folders, in order.
    """
    parks = draw_parks(n, seed, area_km2, cell_size_m, months, elongation)
    check_settings(end=end)
    check_batch(out, parks)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    index = pd.DataFrame([dataclasses.asdict(p) for p in parks])
    index.to_csv(out / PARKS_INDEX, index=False, lineterminator="\n")
    folders = []
    for i, p in enumerate(parks):

        def step(f: float, msg: str, i: int = i, name: str = p.name) -> None:
            if progress is not None:
                progress((i + f) / len(parks), f"{name}: {msg}")

        folders.append(
            generate_demo_park(
                out / p.name,
                seed=p.seed,
                behaviour=p.behaviour,
                area_km2=p.area_km2,
                cell_size_m=p.cell_size_m,
                months=p.months,
                end=end,
                elongation=p.elongation,
                progress=step,
            )
        )
    return folders
