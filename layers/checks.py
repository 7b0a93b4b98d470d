"""The table checks run on every layer while a park loads: times, incident types, duplicates, emptiness.

Each check takes a layer and the :class:`~layers.report.LoadReport`, writes
what it found as :class:`~layers.report.Problem` entries (with a ``check``
name such as ``"bad_time"``), and returns the repaired column or layer.
Rows that cannot be used are listed with their file, 1-based row number and
reason; the rest of the layer is kept.  All checks are vectorised.  The
checks of CRS, geometry, location and rasters are in :mod:`layers.geochecks`.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .defaults import RECORD_MAX_YEAR, RECORD_MIN_YEAR
from .report import ERROR, INFO, MAX_LISTED_ROWS, WARNING, LoadReport, source_rows

# --- times --------------------------------------------------------------------------
_SLASHED = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?!\d)(.*)$"
_HAS_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)\s*$"


def parse_times(
    values: pd.Series,
    layer: str,
    file,
    rows,
    report: LoadReport,
    date_format: str | None = None,
    timezone: str | None = None,
    list_rows: bool = True,
) -> pd.Series:
    """Parse dates and times to tz-aware UTC; ``NaT`` where unparseable (error ``bad_date`` per row).

    Day/month order of dates such as ``03/04/2024`` is decided from the
    values: day-first if some value has a first number above 12, month-first
    if some has a second number above 12, else day-first; a warning
    (``ambiguous_dates``) says which reading was used unless ``date_format``
    is given.  Values without a UTC offset are taken in ``timezone``
    (default UTC).
    """
    index = values.index
    rows = np.asarray(rows)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        out = values.dt.tz_convert("UTC")
        naive = pd.Series(False, index=index)
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values
        naive = values.notna()
    else:
        s = values.astype("string").str.strip()
        s = s.mask(s == "")
        naive = s.notna() & ~s.str.contains(_HAS_OFFSET, regex=True, na=False)
        if date_format:
            out = pd.to_datetime(s, format=date_format, errors="coerce", utc=True)
        else:
            s = _reorder_slashed(s, layer, file, rows, report)
            out = pd.to_datetime(s, format="ISO8601", errors="coerce", utc=True)
            retry = out.isna() & s.notna()
            if retry.any():
                out.loc[retry] = pd.to_datetime(s[retry], format="mixed", errors="coerce", utc=True, dayfirst=True)
    if not isinstance(out.dtype, pd.DatetimeTZDtype):
        out = pd.to_datetime(out, errors="coerce", utc=True)
    if not timezone and naive.any():
        report.add(
            INFO,
            layer,
            file,
            f"{int(naive.sum())} dates/times carry no UTC offset; they were taken as UTC",
            f'set timezone = "Africa/Nairobi" (the park\'s zone) under [columns.{layer}] if they are local times',
            check="naive_times",
        )
    if timezone and naive.any():
        try:
            local = out[naive].dt.tz_localize(None).dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
        except Exception as exc:
            report.add(
                ERROR,
                layer,
                file,
                f"unknown time zone {timezone!r} ({exc}); times taken as UTC",
                'use a name such as "Africa/Nairobi" for timezone under [columns]',
                check="bad_timezone",
            )
        else:
            out = out.copy()
            out.loc[naive] = local.dt.tz_convert("UTC")
    bad = (out.isna() & values.notna()).to_numpy() | values.isna().to_numpy()
    if bad.any():
        shown = values.astype("string").fillna("(empty)").to_numpy()
        if list_rows:
            for r, v in list(zip(rows[bad], shown[bad]))[:MAX_LISTED_ROWS]:
                report.add(
                    ERROR,
                    layer,
                    file,
                    f"date/time {v!r} cannot be read; row rejected",
                    'write dates as 2024-03-31 14:05, or set date_format (e.g. "%d/%m/%Y %H:%M") under '
                    f"[columns.{layer}] in park.toml",
                    row=int(r),
                    check="bad_date",
                )
        n_rest = int(bad.sum()) - (MAX_LISTED_ROWS if list_rows else 0)
        if n_rest > 0:
            report.add(
                ERROR,
                layer,
                file,
                f"{n_rest} {'more ' if list_rows else ''}rows have a date/time that cannot be read; rejected",
                f"set date_format under [columns.{layer}]",
                check="bad_date",
            )
    return implausible_dates(out, values, layer, file, rows, report)


def implausible_dates(out: pd.Series, values: pd.Series, layer: str, file, rows, report: LoadReport) -> pd.Series:
    """Dates before ``RECORD_MIN_YEAR`` or from ``RECORD_MAX_YEAR`` on set to ``NaT``, each row reported (``bad_date``)."""
    lo = pd.Timestamp(f"{RECORD_MIN_YEAR}-01-01", tz="UTC")
    hi = pd.Timestamp(f"{RECORD_MAX_YEAR}-01-01", tz="UTC")
    odd = (out.notna() & ((out < lo) | (out > hi))).to_numpy()
    if not odd.any():
        return out
    shown = values.astype("string").fillna("(empty)").to_numpy()
    odd_rows = np.asarray(rows)[odd]
    for r, v in list(zip(odd_rows, shown[odd]))[:MAX_LISTED_ROWS]:
        report.add(
            ERROR,
            layer,
            file,
            f"date {v!r} is before {RECORD_MIN_YEAR} or after {RECORD_MAX_YEAR}; row rejected",
            "correct the date (a device clock not set gives 1900, 1970 or 9999)",
            row=int(r),
            check="bad_date",
        )
    if odd.sum() > MAX_LISTED_ROWS:
        report.add(
            ERROR,
            layer,
            file,
            f"{int(odd.sum()) - MAX_LISTED_ROWS} more rows dated before {RECORD_MIN_YEAR} or after {RECORD_MAX_YEAR}; rejected",
            check="bad_date",
        )
    out = out.copy()
    out[odd] = pd.NaT
    return out


def _reorder_slashed(s: pd.Series, layer: str, file, rows, report: LoadReport) -> pd.Series:
    """Rewrite ``dd/mm/yyyy`` or ``mm/dd/yyyy`` dates as ISO ``yyyy-mm-dd``, deciding the order from the data."""
    m = s.str.extract(_SLASHED)
    slashed = m[0].notna().to_numpy()
    if not slashed.any():
        return s
    a = m.loc[slashed, 0].astype(int).to_numpy()
    b = m.loc[slashed, 1].astype(int).to_numpy()
    srows = np.asarray(rows)[slashed]
    first_big, second_big = a > 12, b > 12
    example = None
    if first_big.any() and not second_big.any():
        dayfirst, why = True, "the first number is above 12 in some rows"
        example = int(srows[np.argmax(first_big)])
    elif second_big.any() and not first_big.any():
        dayfirst, why = False, "the second number is above 12 in some rows"
        example = int(srows[np.argmax(second_big)])
    elif first_big.any() and second_big.any():
        dayfirst = first_big.sum() >= second_big.sum()
        why = "rows disagree (some have the first number above 12, some the second); the rows that do not fit are rejected"
    else:
        dayfirst, why = True, "no value tells (every day is 12 or less), so day-first (dd/mm/yyyy) was assumed"
    reading = "day-first (dd/mm/yyyy)" if dayfirst else "month-first (mm/dd/yyyy)"
    report.add(
        WARNING,
        layer,
        file,
        f"dates such as {s[slashed].iloc[0]!r} could be day-first or month-first; read as {reading}: {why}"
        + (f" (e.g. row {example})" if example else ""),
        f'set date_format = "{"%d/%m/%Y" if dayfirst else "%m/%d/%Y"}" under [columns.{layer}] in park.toml to confirm',
        check="ambiguous_dates",
    )
    day, month = (a, b) if dayfirst else (b, a)
    year = m.loc[slashed, 2].to_numpy().astype(str)
    year = np.where(np.char.str_len(year) == 2, np.char.add("20", year), year)
    rest = m.loc[slashed, 3].fillna("").to_numpy().astype(str)
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    iso = [f"{y}-{mo:02d}-{d:02d}{r}" if k else "not a date" for y, mo, d, r, k in zip(year, month, day, rest, ok)]
    s = s.copy()
    s.loc[slashed] = iso
    return s


# --- duplicates, emptiness -----------------------------------------------------------
def drop_duplicates(
    gdf: gpd.GeoDataFrame, keys: list[str], layer: str, file, report: LoadReport, precision_m: float = 1.0
) -> gpd.GeoDataFrame:
    """Drop rows with the same ``keys`` and location (to ``precision_m``); warning ``duplicate`` per row."""
    if len(gdf) < 2:
        return gdf
    x = np.round(shapely.get_x(gdf.geometry.values) / precision_m)
    y = np.round(shapely.get_y(gdf.geometry.values) / precision_m)
    frame = pd.DataFrame({k: gdf[k].to_numpy() for k in keys})
    frame["_x"], frame["_y"] = x, y
    dup = frame.duplicated(keep="first").to_numpy()
    if not dup.any():
        return gdf
    rows = source_rows(gdf, np.ones(len(gdf), dtype=bool))
    first = pd.Series(rows).groupby([frame[c] for c in frame.columns], dropna=False).transform("first").to_numpy()
    for r, f in list(zip(rows[dup], first[dup]))[:MAX_LISTED_ROWS]:
        report.add(
            WARNING,
            layer,
            file,
            f"duplicate of row {int(f)} (same {', '.join(keys)} and location); dropped",
            "remove the repeated record from the file",
            row=int(r),
            check="duplicate",
        )
    if dup.sum() > MAX_LISTED_ROWS:
        report.add(
            WARNING, layer, file, f"{int(dup.sum()) - MAX_LISTED_ROWS} more duplicates dropped", check="duplicate"
        )
    return gdf.loc[~dup]


def check_empty(gdf, layer: str, file, report: LoadReport, severity: str = WARNING) -> bool:
    """Report an empty layer (``empty_layer``); return ``True`` when empty."""
    if gdf is None or len(gdf) == 0:
        report.add(
            severity,
            layer,
            file,
            "the layer holds no usable record",
            "check that the right file is named in park.toml and that it holds features",
            check="empty_layer",
        )
        return True
    return False


# --- incident types ------------------------------------------------------------------------
_TYPE_RULES = (
    ("rhino_carcass", r"rhino"),
    ("elephant_carcass", r"elephant|\bele\b|tusk|ivory carcass"),
    ("snare", r"snare|wire|trap|gin\b|noose"),
    ("poacher_camp", r"camp"),
    ("arrest", r"arrest|suspect|apprehen|detain|poacher caught|caught"),
    ("seizure", r"seiz|confiscat|recover|ivory|horn|bushmeat|firearm|rifle|weapon"),
)
# A carcass whose label says it died of natural or unknown causes is a "carcass", not an attack.
_CARCASS_WORDS = r"carcass|carcase|dead|mortality"
_NATURAL_CAUSE = r"natural|cause unknown|unknown cause|not poached|non poaching|old age|drought|disease"


def normalise_types(raw: pd.Series, layer: str, file, report: LoadReport) -> pd.Series:
    """Map free-text incident labels onto :data:`layers.defaults.INCIDENT_TYPES`; unknown -> ``"other"``.

    Poached carcasses need "rhino" or "elephant" in the label; a carcass whose
    label gives a natural or unknown cause ("Carcass (natural)", "Elephant
    carcass - natural", "Carcass, cause unknown") is a ``"carcass"``, not an
    attack.  Unknown labels are reported once each (warning ``unknown_type``).
    """
    text = raw.astype("string").fillna("").str.strip()
    uniques = pd.unique(text.to_numpy())
    mapping = {}
    for label in uniques:
        low = str(label).lower().replace("_", " ").replace("-", " ")
        found = "other"
        if low in ("snare", "elephant carcass", "rhino carcass", "poacher camp", "arrest", "seizure", "carcass"):
            found = low.replace(" ", "_")
        elif re.search(_CARCASS_WORDS, low) and re.search(_NATURAL_CAUSE, low):
            found = "carcass"
        else:
            for name, pattern in _TYPE_RULES:
                if re.search(pattern, low):
                    if name in ("rhino_carcass", "elephant_carcass") and not re.search(
                        r"carcass|carcase|dead|kill|poached|shot", low
                    ):
                        if "horn" in low or "ivory" in low or "tusk" in low:
                            found = "seizure"
                            break
                        continue
                    found = name
                    break
        mapping[label] = found
        if found == "other":
            n = int((text == label).sum())
            report.add(
                WARNING,
                layer,
                file,
                f"incident type {str(label) or '(empty)'!r} ({n} rows) is not a known type; loaded as 'other'",
                "use one of snare, elephant carcass, rhino carcass, poacher camp, arrest, seizure, "
                "or carcass (natural) for a natural death",
                check="unknown_type",
            )
    return text.map(mapping).astype(object)


__all__ = ["check_empty", "drop_duplicates", "implausible_dates", "normalise_types", "parse_times"]
