"""CSV tables: reading them, finding columns by their usual names, parsing numbers, CSV point layers.

A CSV is read as text (every column a string), with its separator and
encoding guessed; coordinates are found under the usual names (lon/lat, x/y,
WKT, an EarthRanger ``location``) or the ones mapped in ``park.toml``.
Every pandas error is translated into :class:`~layers.errors.LayerReadError`
naming the file and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .defaults import COL_SOURCE_FILE, COL_SOURCE_ROW
from .errors import LayerReadError
from .files import sidecar_crs
from .report import report_rows

# Column aliases, compared after lower-casing and dropping everything but letters and digits.
LON_ALIASES = ("lon", "long", "longitude", "lng", "decimallongitude", "locationlong", "gpslongitude", "londd", "xlon")
LAT_ALIASES = ("lat", "latitude", "decimallatitude", "locationlat", "gpslatitude", "latdd", "ylat")
X_ALIASES = ("x", "easting", "east", "utmx", "utmeasting", "xcoord", "coordx", "pointx", "eastings")
Y_ALIASES = ("y", "northing", "north", "utmy", "utmnorthing", "ycoord", "coordy", "pointy", "northings")
WKT_ALIASES = ("wkt", "geometry", "geom", "thegeom", "shape", "wktgeom", "wktgeometry", "geometrywkt")


def norm_name(name) -> str:
    """Column name reduced to lower-case letters and digits (``"Long."`` -> ``"long"``)."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def find_column(columns, aliases, mapped: str | None = None, path: Path | None = None, what: str = "") -> str | None:
    """The column of ``columns`` matching ``mapped`` (exactly, else case-insensitively) or one of ``aliases``."""
    columns = list(columns)
    if mapped:
        if mapped in columns:
            return mapped
        for c in columns:
            if norm_name(c) == norm_name(mapped):
                return c
        raise LayerReadError(
            f"{path}: park.toml maps {what} to column {mapped!r}, which is not in the file "
            f"(columns: {', '.join(map(str, columns))}). Fix: correct the name under [columns]"
        )
    normed = {norm_name(c): c for c in columns}
    for alias in aliases:
        if alias in normed:
            return normed[alias]
    return None


def read_csv_table(path: Path, max_rows: int | None = None) -> pd.DataFrame:
    """A CSV (or other delimited text) file as a table of strings, separator and encoding guessed.

    Raises
    ------
    LayerReadError
        The first line has no separator, the table is malformed or the encoding unknown.
    """
    with open(path, "rb") as f:
        first = f.readline(65536).decode("utf-8", errors="replace")
    counts = {sep: first.count(sep) for sep in (",", ";", "\t", "|")}
    sep = max(counts, key=counts.get)
    if counts[sep] == 0:
        raise LayerReadError(
            f"{path}: the first line has no separators (',', ';', tab), so this is not a CSV table. "
            "Fix: save the table as CSV with a header line such as lon,lat,date,type"
        )
    last_exc: Exception | None = None
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            return pd.read_csv(
                path, sep=sep, encoding=encoding, nrows=max_rows, dtype=str, keep_default_na=True, compression=None
            )
        except UnicodeDecodeError as exc:
            last_exc = exc
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
            raise LayerReadError(
                f"{path}: cannot be read as CSV ({str(exc).strip().splitlines()[0]}). "
                "Fix: check that every line has as many separators as the header, and quote text holding commas"
            ) from exc
    raise LayerReadError(f"{path}: unknown text encoding ({last_exc}). Fix: save the CSV as UTF-8")


def numbers(series: pd.Series) -> np.ndarray:
    """Text as floats (a decimal comma accepted); anything else becomes NaN."""
    s = series.astype("string").str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def csv_geometry(df: pd.DataFrame, path: Path, columns: dict):
    """``(geometry array, crs or None, names of the coordinate columns)`` for a CSV table."""
    cols = list(df.columns)
    lon = find_column(cols, LON_ALIASES, columns.get("lon"), path, "lon")
    lat = find_column(cols, LAT_ALIASES, columns.get("lat"), path, "lat")
    crs = columns.get("crs")
    if lon and lat:
        geom = shapely.points(numbers(df[lon]), numbers(df[lat]))
        return geom, crs or "EPSG:4326", [lon, lat]
    x = find_column(cols, X_ALIASES, columns.get("x"), path, "x")
    y = find_column(cols, Y_ALIASES, columns.get("y"), path, "y")
    if x and y:
        geom = shapely.points(numbers(df[x]), numbers(df[y]))
        return geom, crs or sidecar_crs(path), [x, y]
    wkt = find_column(cols, WKT_ALIASES, columns.get("wkt"), path, "wkt")
    if wkt:
        text = df[wkt].astype("string").fillna("").to_numpy(dtype=object)
        geom = shapely.from_wkt(text, on_invalid="ignore")
        return geom, crs or sidecar_crs(path), [wkt]
    loc = next((c for c in cols if norm_name(c) in ("location", "position", "coordinates")), None)
    if loc is not None:  # EarthRanger: {'latitude': '-1.5', 'longitude': '35.1'}
        s = df[loc].astype("string")
        la = pd.to_numeric(s.str.extract(r"['\"]latitude['\"]\s*:\s*['\"]?(-?[\d.]+)")[0], errors="coerce")
        lo = pd.to_numeric(s.str.extract(r"['\"]longitude['\"]\s*:\s*['\"]?(-?[\d.]+)")[0], errors="coerce")
        if la.notna().any():
            geom = shapely.points(lo.to_numpy(dtype=float, na_value=np.nan), la.to_numpy(dtype=float, na_value=np.nan))
            return geom, crs or "EPSG:4326", [loc]
    raise LayerReadError(
        f"{path}: no coordinate columns found (columns: {', '.join(map(str, cols))}). Fix: name them lon and lat "
        "(or x and y with crs under [columns]), or add a WKT column, or map them under [columns.<layer>] in park.toml"
    )


def read_csv_layer(path: Path, columns: dict, max_rows: int | None, report, layer_name: str) -> gpd.GeoDataFrame:
    """A CSV table as a point (or WKT) layer; rows without usable coordinates are reported and dropped."""
    df = read_csv_table(path, max_rows)
    geom, crs, used = csv_geometry(df, path, columns)
    bad = shapely.is_missing(geom) | ~np.asarray(shapely.is_valid_input(geom))
    bad |= np.asarray(shapely.is_empty(geom), dtype=bool)
    pts = shapely.get_type_id(geom) == 0
    if pts.any():
        xy = shapely.get_coordinates(geom[pts & ~bad]) if (pts & ~bad).any() else np.empty((0, 2))
        finite = np.ones(len(geom), dtype=bool)
        finite[np.flatnonzero(pts & ~bad)] = np.isfinite(xy).all(axis=1)
        bad |= ~finite
    n_records = len(df)
    last_cut = _last_row_cut(path, df)
    if last_cut:
        bad[-1] = True
    df = df.drop(columns=used)
    df[COL_SOURCE_FILE] = path.name
    df[COL_SOURCE_ROW] = np.arange(1, len(df) + 1)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, index=df.index), crs=None)
    if crs:
        try:
            gdf = gdf.set_crs(crs, allow_override=True)
        except Exception as exc:
            raise LayerReadError(
                f"{path}: the CRS {str(crs)[:60]!r} is not understood ({exc}). Fix: give an EPSG code such as "
                '"EPSG:32736" under [columns.<layer>] crs'
            ) from exc
    if bad.any():
        rows = gdf.loc[bad, COL_SOURCE_ROW].to_numpy()
        if report is not None:
            report_rows(
                report,
                "error",
                layer_name,
                path.name,
                rows,
                f"no usable coordinates in column(s) {', '.join(map(str, used))}; row rejected",
                "fill in the coordinates as decimal numbers",
                "bad_coordinates",
            )
        gdf = gdf.loc[~bad]
    if last_cut and report is not None:
        report_rows(
            report,
            "error",
            layer_name,
            path.name,
            [n_records],
            "the file ends in the middle of this row (cut short); row rejected",
            "copy or export the file again",
            "cut_short",
        )
    gdf.attrs["n_records"] = n_records
    return gdf


def _last_row_cut(path: Path, df: pd.DataFrame) -> bool:
    """Whether the file stops mid-row: no final line break and the last row lacks fields the header has."""
    if not len(df) or df.shape[1] < 2:
        return False
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 1))
        if f.read(1) in (b"\n", b"\r"):
            return False
    return bool(df.iloc[-1].isna().iloc[-1])
