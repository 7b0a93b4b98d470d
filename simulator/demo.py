"""The demo park: a realistic park folder written from a hidden poacher process.

:func:`generate_demo_park` writes a park folder (``park.toml`` and its
layers, in mixed formats and CRSs) and, in ``truth/``, the hidden truth used
only to score models: the attack intensity per cell and month, every attack
(found or not) and the true patrol effort.

Examples
--------
>>> from simulator import generate_demo_park  # doctest: +SKIP
>>> folder = generate_demo_park("data/demo", seed=7)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from layers.defaults import MAX_CELL_SIZE_M, MIN_CELL_SIZE_M

from .defaults import AREA_KM2_LIMITS, DEMO_AREA_KM2, ELONGATION_LIMITS, MAX_MONTHS
from .errors import SettingsError
from .landscape import Landscape, build_landscape, read_user_boundary
from .poachers import ANNUAL_ATTACKS_PER_KM2, BEHAVIOURS, MIX, PoacherProcess, smoothed_finds
from .rangers import Rangers, observe
from .records import incident_table
from .writers import write_gpx, write_incidents, write_manifest, write_rasters, write_readme, write_truth, write_vectors

__all__ = ["BEHAVIOURS", "check_settings", "generate_demo_park", "month_starts"]


def month_starts(end: str, months: int) -> tuple[list[str], list[int], list[int]]:
    """Period labels, start (epoch s) and number of days of the ``months`` months ending with ``end``."""
    end_day = pd.Timestamp(end)
    last = end_day.to_period("M")
    periods = pd.period_range(end=last, periods=months, freq="M")
    labels, starts, days = [], [], []
    for p in periods:
        start = np.datetime64(f"{p.year:04d}-{p.month:02d}-01", "s")
        n = p.days_in_month if p != last else end_day.day
        labels.append(f"{p.year:04d}-{p.month:02d}")
        starts.append(int(start.astype(np.int64)))
        days.append(int(n))
    return labels, starts, days


def check_settings(
    behaviour: str = "mixed",
    boundary: str | Path | None = None,
    area_km2: float = DEMO_AREA_KM2,
    cell_size_m: float = 500.0,
    months: int = 36,
    fix_interval_s: int = 120,
    elongation: float = 1.0,
    end: str = "2026-10-31",
) -> None:
    """Raise :class:`~simulator.errors.SettingsError` if a setting of :func:`generate_demo_park` is out of range."""
    if behaviour not in BEHAVIOURS:
        raise SettingsError(f"unknown poacher behaviour {behaviour!r}; choose one of: {', '.join(BEHAVIOURS)}")
    if not MIN_CELL_SIZE_M <= float(cell_size_m) <= MAX_CELL_SIZE_M:
        raise SettingsError(f"cell size {cell_size_m:g} m is outside {MIN_CELL_SIZE_M:g}-{MAX_CELL_SIZE_M:g} m")
    lo, hi = AREA_KM2_LIMITS
    if boundary is None and not lo <= float(area_km2) <= hi:
        raise SettingsError(f"area {area_km2:g} km2 is outside the supported {lo:,g}-{hi:,g} km2")
    if not 1 <= int(months) <= MAX_MONTHS:
        raise SettingsError(f"months must be 1-{MAX_MONTHS}, got {months}")
    if int(fix_interval_s) < 1:
        raise SettingsError(f"the GPS fix interval must be at least 1 s, got {fix_interval_s}")
    lo, hi = ELONGATION_LIMITS
    if not lo <= float(elongation) <= hi:
        raise SettingsError(f"elongation {elongation:g} is outside {lo:g}-{hi:g}")
    try:
        pd.Timestamp(end)
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"last day {end!r} is not a date; give it as YYYY-MM-DD") from exc


def generate_demo_park(
    out: str | Path,
    seed: int = 7,
    behaviour: str = "mixed",
    boundary: str | Path | None = None,
    area_km2: float = DEMO_AREA_KM2,
    cell_size_m: float = 500.0,
    months: int = 36,
    end: str = "2026-10-31",
    fix_interval_s: int = 120,
    progress: Callable[[float, str], None] | None = None,
    elongation: float = 1.0,
) -> Path:
    """Write a demo park folder with its hidden truth.

    Parameters
    ----------
    out : path
        Folder to write (created; existing files of the same names are replaced).
    seed : int
        Seed of every random draw: the same seed writes the same files.
    behaviour : str
        Poacher behaviour, a key of :data:`BEHAVIOURS`.
    boundary : path, optional
        A polygon file (any GDAL vector format and CRS) to use as the park
        boundary instead of a random one; the park CRS is its UTM zone.
    area_km2 : float
        Area of the random boundary in km2 (10-20,000; ignored with ``boundary``).
    cell_size_m : float
        Cell size of the analysis grid written to ``park.toml`` and of the truth.
    months : int
        Months of patrols and incidents, ending with the month of ``end``.
    end : str
        Last day of records, ``YYYY-MM-DD``.
    fix_interval_s : int
        Seconds between GPS fixes of the patrol tracks.
    progress : callable, optional
        ``progress(fraction, message)`` called as the work advances.
    elongation : float
        Extra north-south stretch of the random boundary (0.25-4; below 1
        stretches it east-west; ignored with ``boundary``).

    Returns
    -------
    pathlib.Path
        The park folder.
    """
    check_settings(behaviour, boundary, area_km2, cell_size_m, months, fix_interval_s, elongation, end)

    def report(f: float, msg: str) -> None:
        if progress is not None:
            progress(float(min(max(f, 0.0), 1.0)), msg)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    land_ss, ranger_ss, poacher_ss, record_ss, gps_ss, raster_ss = np.random.SeedSequence(int(seed)).spawn(6)
    report(0.0, "building the landscape")
    user = read_user_boundary(boundary) if boundary is not None else None
    land = build_landscape(np.random.default_rng(land_ss), float(cell_size_m), float(area_km2), user, float(elongation))

    labels, starts, days = month_starts(end, int(months))
    months_of_year = np.array([int(lab[5:]) for lab in labels])
    rangers = Rangers(land, np.random.default_rng(ranger_ss), fix_interval_s=int(fix_interval_s))
    poachers = PoacherProcess(behaviour, land, np.random.default_rng(poacher_ss), months_of_year)
    grid = land.grid
    T = len(labels)
    effort = np.zeros((T,) + grid.shape)
    intensity = np.zeros((T,) + grid.shape, dtype=np.float32)
    finds = np.zeros(grid.shape)
    patrols, attacks = [], []
    for t in range(T):
        report(0.05 + 0.6 * t / T, f"simulating {labels[t]}")
        month = rangers.month(starts[t], days[t], smoothed_finds(finds, grid.cell_size))
        effort[t] = month.effort(grid.shape)
        lam = poachers.intensity(t, effort)
        intensity[t] = sum(lam.values())
        att = poachers.attacks(lam, effort[t], starts[t], days[t], month)
        counts = np.bincount(att.cell[att.found], minlength=grid.shape[0] * grid.shape[1]).reshape(grid.shape)
        finds = 0.6 * finds + counts
        patrols.extend(month.patrols)
        attacks.append(att)

    report(0.7, "writing the incident records")
    table = _attack_table(land, attacks)
    incidents, incident_of = incident_table(
        table["type"].to_numpy(), table["lon"].to_numpy(), table["lat"].to_numpy(),
        table["found"].to_numpy(), table.pop("found_t").to_numpy(), np.random.default_rng(record_ss),
    )  # fmt: skip
    table["incident_id"] = incident_of
    write_incidents(out / "incidents.csv", incidents)

    report(0.75, "writing the patrol tracks")
    gps = np.random.default_rng(gps_ss)
    tracks = []
    for p in patrols:
        t_, x_, y_ = observe(p, gps)
        day = np.datetime_as_string(np.datetime64(int(p.t[0]), "s"), unit="D")
        tracks.append({
            "name": f"{p.post} - Team {p.team} - {day}", "kind": p.kind, "t": t_, "x": x_, "y": y_,
            "desc": f"{'Vehicle' if p.kind == 'vehicle' else 'Foot'} patrol from {p.post}, team {p.team}",
        })  # fmt: skip
    n_fixes = write_gpx(out / "patrols.gpx", tracks, land)

    report(0.85, "writing the layers")
    write_vectors(out, land)
    write_rasters(out, land, np.random.default_rng(raster_ss))
    write_manifest(out, land, float(cell_size_m))
    info = {
        "behaviour": behaviour,
        "description": BEHAVIOURS[behaviour],
        "seed": int(seed),
        "sweep_km": poachers.sweep_km,
        "detection": "layers.defaults.detection_probability(km walked in the cell that month, cell_area_km2, sweep_km)",
        "mix": dict(MIX) if behaviour == "mixed" else {behaviour: 1.0},
        "attacks_per_km2_year": ANNUAL_ATTACKS_PER_KM2,
        **({"random_process": poachers.random.recipe} if poachers.random is not None else {}),
        "first_day": f"{labels[0]}-01",
        "last_day": str(pd.Timestamp(end).date()),
        "area_km2": round(land.boundary.area / 1e6, 1),
        "n_attacks": len(table),
        "n_found": int(table["found"].sum()),
        "n_incidents": len(incidents),
        "n_patrols": len(patrols),
        "n_fixes": n_fixes,
        "patrol_km": round(float(effort.sum()), 1),
    }
    write_truth(out, land, info, intensity, effort.astype(np.float32), labels, table)
    write_readme(out, land, info, labels, float(cell_size_m))
    report(1.0, "done")
    return out


def _attack_table(land: Landscape, attacks) -> pd.DataFrame:
    x = np.concatenate([a.x for a in attacks])
    y = np.concatenate([a.y for a in attacks])
    t = np.concatenate([a.t for a in attacks])
    order = np.argsort(t, kind="stable")
    x, y, t = x[order], y[order], t[order]
    lon, lat = land.to_lonlat.transform(x, y)
    df = pd.DataFrame(
        {
            "attack_id": [f"A{i + 1:06d}" for i in range(len(x))],
            "time": pd.to_datetime(t, unit="s").strftime("%Y-%m-%d %H:%M:%S"),
            "x": np.round(x, 1),
            "y": np.round(y, 1),
            "lon": np.round(lon, 6),
            "lat": np.round(lat, 6),
            "type": np.concatenate([a.type for a in attacks]).astype(str)[order],
            "found": np.concatenate([a.found for a in attacks])[order],
            "found_t": np.concatenate([a.found_t for a in attacks])[order],
        }
    )
    return df
