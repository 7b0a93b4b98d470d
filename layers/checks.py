"""The checks run on every layer while a park loads.

Each check takes a layer and the :class:`~layers.report.LoadReport`, writes
what it found as :class:`~layers.report.Problem` entries (with a ``check``
name such as ``"missing_crs"``), and returns the repaired layer.  Rows that
cannot be used are listed with their file, 1-based row number and reason;
the rest of the layer is kept.  All checks are vectorised: they run on
millions of GPS fixes in seconds.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .defaults import COL_SOURCE_ROW
from .report import ERROR, FATAL, INFO, WARNING, LoadReport

MAX_LISTED_ROWS = 50  # rows listed one by one per check and layer; the rest are counted


def report_rows(
    report: LoadReport,
    severity: str,
    layer: str,
    file,
    rows,
    message: str,
    fix: str = "",
    check: str = "",
    limit: int = MAX_LISTED_ROWS,
) -> None:
    """Add one problem per row (up to ``limit``), then one summary of the rows left over."""
    rows = [int(r) for r in np.asarray(rows).ravel()]
    for r in rows[:limit]:
        report.add(severity, layer, file, message, fix, row=r, check=check)
    if len(rows) > limit:
        rest = rows[limit:]
        report.add(
            severity,
            layer,
            file,
            f"{len(rest)} more rows (from row {rest[0]} to row {rest[-1]}): {message}",
            fix,
            check=check,
        )


def _rows(gdf, mask) -> np.ndarray:
    if COL_SOURCE_ROW in gdf.columns:
        return gdf.loc[mask, COL_SOURCE_ROW].to_numpy()
    return np.flatnonzero(np.asarray(mask)) + 1


# --- CRS ------------------------------------------------------------------
def fits_lonlat(gdf: gpd.GeoDataFrame) -> bool:
    """Whether every coordinate could be longitude/latitude (either order)."""
    if len(gdf) == 0:
        return True
    minx, miny, maxx, maxy = gdf.total_bounds
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        return False
    normal = -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90
    swapped = -90 <= minx and maxx <= 90 and -180 <= miny and maxy <= 180
    return bool(normal or swapped)


def _fits_near(gdf: gpd.GeoDataFrame, crs, boundary: gpd.GeoDataFrame, margin: float = 0.2) -> bool:
    """Whether most coordinates of ``gdf``, read in ``crs``, fall near ``boundary``."""
    minx, miny, maxx, maxy = boundary.to_crs(crs).total_bounds
    pad = margin * max(maxx - minx, maxy - miny) + 10_000
    xy = shapely.get_coordinates(gdf.geometry.values[:: max(1, len(gdf) // 1000)])
    if not len(xy):
        return False
    near = (xy[:, 0] >= minx - pad) & (xy[:, 0] <= maxx + pad) & (xy[:, 1] >= miny - pad) & (xy[:, 1] <= maxy + pad)
    return bool(near.mean() >= 0.8)


def check_crs(
    gdf: gpd.GeoDataFrame,
    layer: str,
    file,
    report: LoadReport,
    fatal: bool = False,
    park_crs=None,
    boundary: gpd.GeoDataFrame | None = None,
):
    """Make sure ``gdf`` has a CRS.

    A layer without one is assumed to be in EPSG:4326 when its coordinates
    fit longitude/latitude ranges, or in the park's metric CRS
    (``park_crs``) when its coordinates read in that CRS fall on or near the
    park ``boundary`` (warning ``missing_crs`` either way); otherwise it
    cannot be placed: error (or fatal for the boundary) and ``None`` is
    returned.
    """
    if gdf.crs is not None:
        return gdf
    if park_crs is not None and boundary is not None and len(gdf) and not fits_lonlat(gdf):
        if _fits_near(gdf, park_crs, boundary):
            report.add(
                WARNING,
                layer,
                file,
                "the file does not say its coordinate reference system (CRS); its coordinates fall on the park "
                f"when read in the park's CRS, so {park_crs.to_string()} was assumed",
                f'set crs = "{park_crs.to_string()}" under [columns.{layer}] in park.toml (or add a .prj file) '
                "to confirm",
                check="missing_crs",
            )
            return gdf.set_crs(park_crs)
    if fits_lonlat(gdf):
        report.add(
            WARNING,
            layer,
            file,
            "the file does not say its coordinate reference system (CRS); its coordinates fit longitude/latitude, "
            "so EPSG:4326 (WGS84 degrees) was assumed",
            "add a .prj file, export the layer with its CRS, or set crs under [columns." + layer + "] in park.toml",
            check="missing_crs",
        )
        return gdf.set_crs("EPSG:4326")
    minx, miny, maxx, maxy = gdf.total_bounds
    report.add(
        FATAL if fatal else ERROR,
        layer,
        file,
        f"the file does not say its coordinate reference system (CRS) and its coordinates "
        f"(x {minx:.6g} to {maxx:.6g}, y {miny:.6g} to {maxy:.6g}) are not longitude/latitude, "
        "so the layer cannot be placed; layer skipped",
        'export the layer with its CRS (a .prj file), or set crs = "EPSG:<code>" under [columns.'
        + layer
        + "] in park.toml",
        check="missing_crs",
    )
    return None


# --- geometry -----------------------------------------------------------------
_KIND_TYPES = {
    "polygon": ("Polygon", "MultiPolygon"),
    "point": ("Point", "MultiPoint"),
    "line": ("LineString", "MultiLineString", "LinearRing"),
}


def check_geometry(gdf: gpd.GeoDataFrame, layer: str, file, report: LoadReport, kind: str | None = None):
    """Drop rows without geometry, repair invalid geometry, keep only ``kind`` geometries.

    Missing or empty geometries are rejected (error per row, ``missing_geometry``);
    invalid ones are repaired with :func:`shapely.make_valid` (warning
    ``invalid_geometry``); with ``kind`` (``"polygon"``, ``"point"``,
    ``"line"``) rows of another type are rejected (``wrong_geometry``).
    Multi-points become their first point.
    """
    geom = gdf.geometry.values
    missing = np.asarray(shapely.is_missing(geom) | shapely.is_empty(geom), dtype=bool)
    if missing.any():
        report_rows(
            report,
            ERROR,
            layer,
            file,
            _rows(gdf, missing),
            "no geometry; row rejected",
            "give the row a location",
            "missing_geometry",
        )
        gdf = gdf.loc[~missing]
    type_ids = shapely.get_type_id(gdf.geometry.values)
    if (
        kind in (None, "point") and len(type_ids) and (type_ids == 0).all()
    ):  # points: valid unless a coordinate is not finite
        xy = shapely.get_coordinates(gdf.geometry.values)
        invalid = np.zeros(len(type_ids), dtype=bool)
        bad_xy = ~np.isfinite(xy).all(axis=1)
        if bad_xy.any():
            report_rows(
                report,
                ERROR,
                layer,
                file,
                _rows(gdf, bad_xy),
                "coordinates are not numbers; row rejected",
                "fill in the coordinates",
                "missing_geometry",
            )
            return gdf.loc[~bad_xy]
        return gdf
    invalid = ~np.asarray(shapely.is_valid(gdf.geometry.values), dtype=bool)
    if invalid.any():
        reasons = shapely.is_valid_reason(gdf.geometry.values[invalid])
        rows = _rows(gdf, invalid)
        for r, why in list(zip(rows, reasons))[:MAX_LISTED_ROWS]:
            report.add(
                WARNING,
                layer,
                file,
                f"invalid geometry ({why}); repaired with make_valid",
                "fix the geometry in QGIS (Vector > Geometry Tools > Fix Geometries)",
                row=int(r),
                check="invalid_geometry",
            )
        if len(rows) > MAX_LISTED_ROWS:
            report.add(
                WARNING,
                layer,
                file,
                f"{len(rows) - MAX_LISTED_ROWS} more invalid geometries repaired",
                check="invalid_geometry",
            )
        gdf = gdf.copy()
        fixed = shapely.make_valid(gdf.geometry.values[invalid])
        if kind == "polygon":  # make_valid may return collections: keep their polygonal part
            fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
        col = gdf.geometry.name
        values = gdf[col].values.copy()
        values[invalid] = fixed
        gdf[col] = gpd.GeoSeries(values, index=gdf.index, crs=gdf.crs)
    if kind is not None:
        types = gdf.geometry.geom_type.to_numpy()
        wrong = ~np.isin(types, _KIND_TYPES[kind])
        if wrong.any():
            found = ", ".join(sorted(set(types[wrong].astype(str))))
            report_rows(
                report,
                ERROR,
                layer,
                file,
                _rows(gdf, wrong),
                f"geometry is {found}, but this layer needs {kind}s; row rejected",
                f"keep only {kind} features in this file",
                "wrong_geometry",
            )
            gdf = gdf.loc[~wrong]
        if kind == "point" and (gdf.geom_type == "MultiPoint").any():
            gdf = gdf.copy()
            multi = (gdf.geom_type == "MultiPoint").to_numpy()
            col = gdf.geometry.name
            values = gdf[col].values.copy()
            values[multi] = shapely.get_geometry(values[multi], 0)
            gdf[col] = gpd.GeoSeries(values, index=gdf.index, crs=gdf.crs)
    return gdf


def _polygonal(g):
    if g is None or g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else g


# --- location ---------------------------------------------------------------------
def _inside(boundary, x, y) -> np.ndarray:
    shapely.prepare(boundary)
    return np.asarray(shapely.contains_xy(boundary, x, y), dtype=bool)


def fix_swapped(gdf: gpd.GeoDataFrame, boundary, layer: str, file, report: LoadReport) -> gpd.GeoDataFrame:
    """Swap x and y of points that fall outside ``boundary`` but inside it once swapped.

    ``boundary`` is a shapely geometry in ``gdf``'s CRS.  Typical of
    latitude typed in the longitude column.  Warning ``swapped_coordinates``.
    """
    if len(gdf) == 0:
        return gdf
    pts = (gdf.geom_type == "Point").to_numpy()
    if not pts.any():
        return gdf
    x = shapely.get_x(gdf.geometry.values)
    y = shapely.get_y(gdf.geometry.values)
    swap = pts & np.isfinite(x) & np.isfinite(y)
    swap[swap] = ~_inside(boundary, x[swap], y[swap])
    swap[swap] = _inside(boundary, y[swap], x[swap])
    if not swap.any():
        return gdf
    report_rows(
        report,
        WARNING,
        layer,
        file,
        _rows(gdf, swap),
        "x and y (longitude and latitude) look swapped: the point is inside the park only once swapped; swapped back",
        "check the longitude and latitude columns of these rows",
        "swapped_coordinates",
        limit=10,
    )
    gdf = gdf.copy()
    col = gdf.geometry.name
    values = gdf[col].values.copy()
    values[swap] = shapely.points(y[swap], x[swap])
    gdf[col] = gpd.GeoSeries(values, index=gdf.index, crs=gdf.crs)
    return gdf


def check_outside(gdf: gpd.GeoDataFrame, boundary, layer: str, file, report: LoadReport, list_rows: bool = True):
    """Warn (``outside_boundary``) about points outside ``boundary``; they are kept.

    Returns the boolean mask of points outside.
    """
    if len(gdf) == 0:
        return np.zeros(0, dtype=bool)
    x = shapely.get_x(gdf.geometry.values)
    y = shapely.get_y(gdf.geometry.values)
    outside = ~_inside(boundary, x, y)
    n = int(outside.sum())
    if n:
        if list_rows:
            report_rows(
                report,
                WARNING,
                layer,
                file,
                _rows(gdf, outside),
                "point lies outside the park boundary; kept",
                "check the coordinates if it should be inside",
                "outside_boundary",
                limit=20,
            )
        else:
            report.add(
                WARNING,
                layer,
                file,
                f"{n} of {len(gdf)} points ({100 * n / len(gdf):.1f} %) lie outside the park boundary; kept",
                "nothing to do if patrols left the park; else check the coordinates",
                check="outside_boundary",
            )
    return outside


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
    rows = _rows(gdf, np.ones(len(gdf), dtype=bool))
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


# --- rasters ---------------------------------------------------------------------------
def raster_coverage(info, boundary: gpd.GeoDataFrame) -> float:
    """Share (0-1) of the boundary's area inside the raster's extent."""
    if info.crs is None:
        return 0.0
    b = boundary.to_crs(info.crs)
    geom = shapely.union_all(b.geometry.values)
    if geom.is_empty or geom.area == 0:
        return 0.0
    return float(shapely.intersection(geom, shapely.box(*info.bounds)).area / geom.area)


def check_raster(info, boundary: gpd.GeoDataFrame, name: str, report: LoadReport) -> bool:
    """Check a raster's CRS and coverage of the park; ``False`` when it cannot be used."""
    file = info.path.name
    if info.crs is None:
        report.add(
            ERROR,
            name,
            file,
            "the raster does not say its coordinate reference system (CRS); raster skipped",
            "export it again as a GeoTIFF with its CRS (or assign one in QGIS)",
            check="missing_crs",
        )
        return False
    share = raster_coverage(info, boundary)
    if share < 0.999:
        report.add(
            WARNING if share > 0 else ERROR,
            name,
            file,
            f"the raster covers {100 * share:.1f} % of the park's area; cells outside it get no value"
            + ("; raster skipped" if share == 0 else ""),
            "use a raster that covers the whole park (check its CRS if it should)",
            check="raster_coverage",
        )
        return share > 0
    return True


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


__all__ = [
    "check_crs",
    "check_empty",
    "check_geometry",
    "check_outside",
    "check_raster",
    "drop_duplicates",
    "fits_lonlat",
    "fix_swapped",
    "normalise_types",
    "parse_times",
    "raster_coverage",
    "report_rows",
]
