"""SMART patrol observation query exported as CSV.

Columns (SMART desktop, any language for the values): Patrol ID, Type,
Patrol Start Date, Patrol End Date, Station, Team, Objective, Mandate, Armed,
Patrol Leg ID, Leader, Pilot, Patrol Transport Type, Waypoint ID, Waypoint
Date, Waypoint Time, X, Y, Comment, Observation Category 0..3, then one column
per attribute (Species, Age of Sign, Action Taken...).  X is the longitude and
Y the latitude.

Dates follow the locale of the machine that exported them: ``17/12/2025``,
``12/17/2025``, ``17.12.2025``, ``2025-12-17`` or ``17-Dec-2025``.  The order is
decided from the data (a first number above 12 means day-first, a second
above 12 month-first; when no value tells, day-first) and a note says which
was chosen.  Times are the patrol's local time: they come back naive, and
the park's ``timezone`` applies.

Each row becomes one observation with ``category`` (the dotted path of the
category names), ``COL_TYPE`` (a readable label), ``patrol``, ``leg``,
``waypoint``, ``transport``, ``mandate`` and the attribute columns.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from ..defaults import COL_MANDATE, COL_TIME, COL_TRANSPORT, COL_TYPE
from ..errors import LayerReadError
from ..tabular import norm_name, read_csv_table
from .categories import category_path
from .common import Rejects, finish

REQUIRED = ("patrolid", "waypointid", "waypointdate", "x", "y")
_FIX = "export the patrol observation query again from SMART as CSV"
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})\s*$")
_TRANSPORT_WORDS = (
    ("aircraft", r"air|plane|heli|flight|ultralight|microlight|drone"),
    ("boat", r"boat|canoe|kayak|water|marine|river"),
    ("vehicle", r"vehicle|car|truck|motor|bike|moto|4x4|quad|horse|road"),
    ("foot", r"foot|walk|ground|pied|pie|pata"),
)


def looks_like(header: str) -> bool:
    """Whether a CSV header line is a SMART observation export (Patrol ID, Waypoint ID, Waypoint Date, X, Y)."""
    names = {norm_name(c.strip().strip('"')) for c in re.split(r"[,;\t]", header)}
    return set(REQUIRED) <= names


def transport_type(value) -> str | None:
    """foot, vehicle, boat or aircraft for a SMART transport type name (any common language), else ``None``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).lower()
    for name, pattern in _TRANSPORT_WORDS:
        if re.search(pattern, text):
            return name
    return None


def date_order(values: pd.Series) -> tuple[str, str]:
    """``("dayfirst"|"monthfirst"|"iso"|"text", note)`` for a column of dates, from the values themselves."""
    s = values.astype("string").dropna().str.strip()
    parts = s.str.extract(_NUMERIC_DATE)
    numeric = parts.notna().all(axis=1)
    if not numeric.any():
        return "text", "dates read as written (month names or another form)"
    a = pd.to_numeric(parts.loc[numeric, 0])
    b = pd.to_numeric(parts.loc[numeric, 1])
    if (a > 31).any():
        return "iso", "dates read year first (2025-12-17)"
    if (a > 12).any() and not (b > 12).any():
        return "dayfirst", "dates read day first (17/12/2025): some dates have a first number above 12"
    if (b > 12).any() and not (a > 12).any():
        return "monthfirst", "dates read month first (12/17/2025): some dates have a second number above 12"
    if (a > 12).any() and (b > 12).any():
        return "mixed", "dates mix day-first and month-first forms"
    return "dayfirst", (
        "dates read day first (17/12/2025); no date had a number above 12, so the order could not be told "
        "from the data: check one date against SMART"
    )


def _parse_dates(dates: pd.Series, clock: pd.Series, order: str) -> pd.Series:
    text = dates.astype("string").str.strip() + " " + clock.astype("string").fillna("00:00:00").str.strip()
    if order == "iso":
        return pd.to_datetime(text, format="mixed", errors="coerce", yearfirst=True)
    if order in ("dayfirst", "monthfirst"):
        return pd.to_datetime(text, format="mixed", errors="coerce", dayfirst=order == "dayfirst")
    return pd.to_datetime(text, format="mixed", errors="coerce")


def read(path: Path, role: str | None = None, max_rows: int | None = None):
    """Observations of a SMART observation CSV; see the module docstring."""
    if role == "patrols":
        raise LayerReadError(
            f"{path}: a SMART observation export holds waypoints, not GPS tracks. Fix: import it as incidents, "
            "and the patrol tracks from the patrol XML or as shapefile/GPX"
        )
    df = read_csv_table(path, None)
    cols = {norm_name(c): c for c in df.columns}
    missing = [k for k in REQUIRED if k not in cols]
    if missing:
        raise LayerReadError(f"{path}: not a SMART observation export (no {', '.join(missing)} column). Fix: {_FIX}")
    n = len(df)
    rows = np.arange(1, n + 1)
    rejects = Rejects(path.name)
    order, note = date_order(df[cols["waypointdate"]])
    clock = df[cols["waypointtime"]] if "waypointtime" in cols else pd.Series("00:00:00", index=df.index)
    time = _parse_dates(df[cols["waypointdate"]], clock, order)
    if isinstance(time.dtype, pd.DatetimeTZDtype):
        time = time.dt.tz_convert("UTC")
    x = pd.to_numeric(df[cols["x"]], errors="coerce").to_numpy(float)
    y = pd.to_numeric(df[cols["y"]], errors="coerce").to_numpy(float)
    ok_xy = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    ok_t = time.notna().to_numpy()
    rejects.add_rows(
        rows[~ok_xy], "observation without a usable X/Y (longitude/latitude, -180..180, -90..90); rejected", _FIX
    )
    rejects.add_rows(rows[ok_xy & ~ok_t], "waypoint date and time cannot be read; rejected", _FIX)
    cat_cols = sorted(
        (c for k, c in cols.items() if re.fullmatch(r"observationcategory\d+", k)), key=lambda c: norm_name(c)
    )
    names = df[cat_cols].astype("string") if cat_cols else pd.DataFrame(index=df.index)
    paths = [category_path(r) for r in names.itertuples(index=False)] if cat_cols else [""] * n
    labels = [" > ".join(str(v) for v in r if isinstance(v, str) and v.strip()) for r in names.itertuples(index=False)]
    keep = ok_xy & ok_t
    if max_rows is not None:
        keep &= rows <= max_rows
    out = pd.DataFrame(
        {
            COL_TIME: time[keep].reset_index(drop=True),
            COL_TYPE: np.asarray(labels or [""] * n, dtype=object)[keep],
            "category": np.asarray(paths, dtype=object)[keep],
            "patrol": df[cols["patrolid"]].astype("string").to_numpy(dtype=object)[keep],
            "waypoint": df[cols["waypointid"]].astype("string").to_numpy(dtype=object)[keep],
        }
    )
    if "patrollegid" in cols:
        out["leg"] = df[cols["patrollegid"]].astype("string").to_numpy(dtype=object)[keep]
    if "patroltransporttype" in cols:
        raw = df[cols["patroltransporttype"]]
        out[COL_TRANSPORT] = [transport_type(v) for v in raw.to_numpy(dtype=object)[keep]]
    if "mandate" in cols:
        out[COL_MANDATE] = df[cols["mandate"]].to_numpy(dtype=object)[keep]
    skip = {cols[k] for k in ("x", "y", "waypointdate", "waypointtime", "patrolid", "waypointid") if k in cols}
    skip |= set(cat_cols) | {cols.get("patroltransporttype"), cols.get("mandate"), cols.get("patrollegid")}
    for c in df.columns:
        if c not in skip:
            out[str(c)] = df[c].to_numpy(dtype=object)[keep]
    notes = [note]
    return finish(out, shapely.points(x[keep], y[keep]), path, rows[keep], rejects, n, notes=notes)


__all__ = ["date_order", "looks_like", "read", "transport_type"]
