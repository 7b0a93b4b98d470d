"""Patrol tracks given as lines without a time per vertex (SMART patrol legs as shapefile, KML lines).

SMART exports a patrol's tracks as one LineString or MultiLineString per
patrol leg, with the patrol id, leg id, start and end dates and the
transport type as attributes, but usually no time per vertex.  Effort needs
km per cell and period, so each line becomes GPS fixes whose times are
spread evenly along the line, by distance, from the leg's start to its end
(a date without a time of day ends at the end of that day).  The line is
densified so that consecutive fixes are at most :data:`LINE_STEP_M` metres
and half the track cleaning's time gap apart: the km of every part stay
the line's length, in the leg's period.  Parts of a MultiLineString are
separate tracks (the gap between parts is not walked).

Examples
--------
>>> lon, lat, t = spread_line([35.0, 35.1], [-2.0, -2.0], pd.Timestamp("2024-01-03", tz="UTC"),
...                           pd.Timestamp("2024-01-04", tz="UTC"))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..checks import parse_times
from ..defaults import (
    COL_MANDATE,
    COL_PATROL,
    COL_SOURCE_FILE,
    COL_SOURCE_ROW,
    COL_TIME,
    COL_TRACK,
    COL_TRANSPORT,
    TRACK_MAX_GAP_S,
)
from ..errors import LayerReadError
from ..report import ERROR, LoadReport
from ..tabular import find_column

LINE_STEP_M = 100.0  # at most this far between the fixes made from a line
MAX_LINE_FIXES = 5_000_000  # fixes made from the lines of one file, checked before they are made
MAX_LEG_DAYS = 62  # a leg (or a KML line's TimeSpan) longer than this is taken as a date error
_EARTH_M = 6_371_008.8
START_ALIASES = (
    "legstartdate",
    "legstart",
    "patrolstartdate",
    "patrolstart",
    "patrolsta",  # shapefile field names are cut to 10 characters
    "startdate",
    "start",
    "begin",
    "datestart",
    "startdt",
    "starttime",
)
END_ALIASES = (
    "legenddate",
    "legend",
    "patrolenddate",
    "patrolend",
    "enddate",
    "end",
    "dateend",
    "finish",
    "enddt",
    "endtime",
)
PATROL_ALIASES = ("patrolid", "patrol", "patrolserialnumber", "patrolsid", "patrolno")
LEG_ALIASES = ("legid", "patrollegid", "patrolleg", "leg", "patrollegi")
TRANSPORT_ALIASES = ("transporttype", "transport", "patroltransporttype", "patroltran", "transportt", "mode")
MANDATE_ALIASES = ("mandate", "patrolmandate", "patrolmand")


def step_lengths_m(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Great-circle distances between consecutive positions, in metres."""
    lon, lat = np.radians(lon), np.radians(lat)
    a = np.sin(np.diff(lat) / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    return 2 * _EARTH_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def n_fixes(lon, lat, start: pd.Timestamp, end: pd.Timestamp, step_m: float = LINE_STEP_M) -> int:
    """How many fixes :func:`spread_line` makes for a line (to check a file's total before making them)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    length = float(np.nansum(step_lengths_m(lon, lat))) if len(lon) > 1 else 0.0
    seconds = max(0.0, (end - start).total_seconds())
    return len(lon) + int(np.ceil(length / step_m)) + int(np.ceil(seconds / (TRACK_MAX_GAP_S / 2)))


def spread_line(lon, lat, start: pd.Timestamp, end: pd.Timestamp, step_m: float = LINE_STEP_M):
    """Fixes along a line with times spread evenly by distance from ``start`` to ``end``.

    The line's own vertices are kept (its length does not change); points are added so that no two
    consecutive fixes are more than ``step_m`` metres or half of ``TRACK_MAX_GAP_S`` apart.

    Returns
    -------
    lon, lat : numpy.ndarray
    time : pandas.Series of tz-aware UTC timestamps
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[ok], lat[ok]
    cum = np.concatenate([[0.0], np.cumsum(step_lengths_m(lon, lat))]) if len(lon) else np.zeros(0)
    total = float(cum[-1]) if len(cum) else 0.0
    seconds = max(0.0, (end - start).total_seconds())
    n = max(1, int(np.ceil(total / step_m)), int(np.ceil(seconds / (TRACK_MAX_GAP_S / 2))))
    if total > 0:
        s = np.union1d(cum, np.linspace(0.0, total, n + 1))
        frac = s / total
        x, y = np.interp(s, cum, lon), np.interp(s, cum, lat)
    else:  # a line that does not move: its fixes stay put for the leg's time
        frac = np.linspace(0.0, 1.0, n + 1)
        x, y = np.full(n + 1, lon[0] if len(lon) else np.nan), np.full(n + 1, lat[0] if len(lat) else np.nan)
    t0 = start.value
    t = pd.Series(pd.to_datetime(t0 + np.round(frac * (end.value - t0)).astype(np.int64), utc=True))
    return x, y, t


def leg_problem(start: pd.Timestamp, end: pd.Timestamp) -> str | None:
    """Why a leg's dates cannot be used (ends before it starts, longer than :data:`MAX_LEG_DAYS`), else ``None``."""
    if end < start:
        return "a patrol leg that ends before it starts; rejected"
    days = (end - start).total_seconds() / 86400
    if days > MAX_LEG_DAYS:
        return (
            f"a patrol leg of {days:,.0f} days ({start:%Y-%m-%d} to {end:%Y-%m-%d}), above the limit of "
            f"{MAX_LEG_DAYS} days: a date error?; rejected"
        )
    return None


def _end_of_day(raw: pd.Series, parsed: pd.Series) -> pd.Series:
    """A date without a time of day (``2024-01-05``) means the end of that day."""
    text = raw.astype("string")
    date_only = ~text.str.contains(":", regex=False, na=False) & parsed.notna()
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        date_only = parsed.notna() & (parsed == parsed.dt.normalize())
    return parsed.where(~date_only, parsed + pd.Timedelta(days=1))


def is_lines(gdf: gpd.GeoDataFrame) -> bool:
    """Whether most geometries of a layer are lines (LineString or MultiLineString)."""
    if not len(gdf):
        return False
    kinds = shapely.get_type_id(gdf.geometry.values)
    return bool(np.isin(kinds, (1, 5)).mean() > 0.5)


def fixes_from_lines(gdf: gpd.GeoDataFrame, path: Path, opts: dict, report: LoadReport) -> pd.DataFrame:
    """GPS fixes of a layer of patrol legs (lines in WGS84) with start and end dates (see the module docstring).

    Returns a plain DataFrame (``lon``, ``lat``, ``COL_TIME``, ``COL_TRACK``, ``COL_PATROL``,
    ``COL_TRANSPORT``, ``COL_MANDATE``, source file and row = the line's 1-based feature number) for
    :meth:`layers.store.ParkStore.import_records`; ``attrs["notes"]`` says how the times were made.

    Raises
    ------
    LayerReadError
        No start/end date columns, or more fixes than :data:`MAX_LINE_FIXES` would be made.
    """
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    scol = find_column(cols, START_ALIASES, opts.get("start"), path, "start")
    ecol = find_column(cols, END_ALIASES, opts.get("end"), path, "end")
    if scol is None or ecol is None:
        raise LayerReadError(
            f"{path}: the tracks are lines without a time per position, and no start and end date columns were "
            f"found (columns: {', '.join(map(str, cols[:20]))}); effort needs the patrol's dates. Fix: export "
            'the patrol tracks with their dates, or name the columns under [columns.patrols], e.g. start = "Start_Date"'
        )
    rows = gdf[COL_SOURCE_ROW].to_numpy()
    times = []
    for col in (scol, ecol):
        parsed = parse_times(
            gdf[col], "patrols", path.name, rows, report, opts.get("date_format"), opts.get("timezone")
        )
        times.append(parsed)
    start, end = times[0], _end_of_day(gdf[ecol], times[1])
    pcol, lcol = find_column(cols, PATROL_ALIASES), find_column(cols, LEG_ALIASES)
    tcol, mcol = find_column(cols, TRANSPORT_ALIASES), find_column(cols, MANDATE_ALIASES)
    parts = []
    for i, geom in enumerate(gdf.geometry.values):
        row = int(rows[i])
        if geom is None or shapely.is_empty(geom) or shapely.get_type_id(geom) not in (1, 5):
            report.add(ERROR, "patrols", path.name, "not a line (empty or another geometry); rejected", row=row)
            continue
        a, b = start.iloc[i], end.iloc[i]
        if pd.isna(a) or pd.isna(b):
            continue  # listed by parse_times with its row
        problem = leg_problem(a, b)
        if problem:
            report.add(ERROR, "patrols", path.name, problem, "correct the leg's start and end dates", row=row)
            continue
        lines = [geom] if shapely.get_type_id(geom) == 1 else list(geom.geoms)
        parts.append((i, row, a, b, [shapely.get_coordinates(g) for g in lines]))
    total = sum(n_fixes(xy[:, 0], xy[:, 1], a, b) for _, _, a, b, xys in parts for xy in xys)
    if total > MAX_LINE_FIXES:
        raise LayerReadError(
            f"{path}: the lines would make {total:,} GPS fixes, above the limit of {MAX_LINE_FIXES:,} (legs too "
            "long or dates too far apart?). Fix: check the start and end dates, or split the export by month"
        )
    frames = []
    for i, row, a, b, xys in parts:
        lengths = [float(np.nansum(step_lengths_m(xy[:, 0], xy[:, 1]))) for xy in xys]
        whole = sum(lengths) or 1.0
        done = 0.0
        base = "/".join(str(gdf[c].iloc[i]) for c in (pcol, lcol) if c is not None) or f"{path.stem}#{row}"
        for k, (xy, length) in enumerate(zip(xys, lengths)):
            # the leg's time shared between its parts by their length
            ta = a + (b - a) * (done / whole)
            done += length
            tb = a + (b - a) * (done / whole)
            x, y, t = spread_line(xy[:, 0], xy[:, 1], ta, tb)
            part = pd.DataFrame({"lon": x, "lat": y, COL_TIME: t})
            part[COL_TRACK] = base if len(xys) == 1 else f"{base}#{k + 1}"
            part[COL_SOURCE_ROW] = row
            for out, c in ((COL_PATROL, pcol), (COL_TRANSPORT, tcol), (COL_MANDATE, mcol)):
                part[out] = None if c is None else gdf[c].iloc[i]
            frames.append(part)
    if not frames:
        df = pd.DataFrame(columns=["lon", "lat", COL_TIME, COL_TRACK, COL_SOURCE_ROW])
    else:
        df = pd.concat(frames, ignore_index=True)
    df[COL_SOURCE_FILE] = path.name
    df.attrs["crs"] = "EPSG:4326"
    df.attrs["notes"] = [
        f"{len(parts)} patrol leg(s) as lines without a time per position: their time was spread evenly along "
        f"each line from the leg's start ({scol}) to its end ({ecol}), so effort is the line's length in the "
        "leg's period; times of day are not real"
    ]
    return df


__all__ = [
    "LINE_STEP_M",
    "MAX_LEG_DAYS",
    "MAX_LINE_FIXES",
    "fixes_from_lines",
    "is_lines",
    "leg_problem",
    "n_fixes",
    "spread_line",
    "step_lengths_m",
]
