"""Reading layer files: any GDAL vector, CSV with coordinates or WKT, and rasters.

Every third-party error (pyogrio, GDAL, rasterio, pandas, zipfile) is
translated here into :class:`~layers.errors.LayerReadError` whose message
names the file and says what to do.  Files are sniffed by their first bytes,
so a file with the wrong extension is read by what it holds; empty, garbage
and oversized files (including zip bombs) are refused with a clear message.

Every vector read gets ``COL_SOURCE_FILE`` and ``COL_SOURCE_ROW`` (the
1-based record number in the file) so later checks can point at rows.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .defaults import COL_SOURCE_FILE, COL_SOURCE_ROW
from .errors import LayerReadError

# Limits against hostile or accidental huge files (module constants so tests can lower them).
MAX_FILE_BYTES = 4 * 1024**3
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
MAX_COMPRESSION_RATIO = 200.0  # uncompressed / compressed, checked above ZIP_RATIO_MIN_BYTES
ZIP_RATIO_MIN_BYTES = 64 * 1024**2
MAX_ZIP_MEMBERS = 10_000

VECTOR_KINDS = ("json", "gpkg", "shp", "zip", "kml", "gpx", "csv", "fgb")
_EXT_KIND = {
    ".geojson": "json",
    ".json": "json",
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".zip": "zip",
    ".kml": "kml",
    ".kmz": "zip",
    ".gpx": "gpx",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".fgb": "fgb",
    ".tif": "tiff",
    ".tiff": "tiff",
}
FORMATS_HINT = "GeoJSON, GeoPackage, a zipped Shapefile, KML, GPX or CSV with lon/lat, x/y or WKT columns"

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


# --- sniffing --------------------------------------------------------------
def sniff(path: Path) -> str:
    """What a file holds, from its first bytes: a kind of :data:`_EXT_KIND` or ``"empty"``/``"binary"``."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if not head.strip():
        return "empty"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:4] == b"\x00\x00\x27\x0a":
        return "shp"
    if head.startswith(b"fgb"):
        return "fgb"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        low = head.lower()
        if b"<gpx" in low:
            return "gpx"
        if b"<kml" in low:
            return "kml"
        return "xml"
    if text.startswith((b"{", b"[")):
        return "json"
    if b"\x00" in head:
        return "binary"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            decoded = head.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
            return "binary"
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in decoded) / max(1, len(decoded))
        return "csv" if printable > 0.95 else "binary"
    return "csv"


def _check_file(path: Path) -> str:
    if not path.exists():
        raise LayerReadError(f"{path}: file not found. Fix: correct the path in park.toml or add the file")
    if path.is_dir():
        raise LayerReadError(f"{path}: is a folder, not a file. Fix: name a file in park.toml")
    size = path.stat().st_size
    if size == 0:
        raise LayerReadError(f"{path}: the file is empty (0 bytes). Fix: export the layer again")
    if size > MAX_FILE_BYTES:
        raise LayerReadError(
            f"{path}: the file is {size / 1e9:.1f} GB, above the {MAX_FILE_BYTES / 1e9:.1f} GB limit. "
            "Fix: clip it to the park or split it"
        )
    kind = sniff(path)
    if kind == "empty":
        raise LayerReadError(f"{path}: the file holds only blank space. Fix: export the layer again")
    return kind


def _zip_member(path: Path) -> str:
    """The vector file inside a zip archive, after checking the archive is safe to open."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LayerReadError(f"{path}: not a valid zip archive ({exc}). Fix: zip the layer's files again") from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise LayerReadError(f"{path}: the archive holds {len(infos)} files. Fix: zip only the layer's files")
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNCOMPRESSED_BYTES or (total > ZIP_RATIO_MIN_BYTES and total / packed > MAX_COMPRESSION_RATIO):
        raise LayerReadError(
            f"{path}: the archive would expand to {total / 1e6:.0f} MB from {packed / 1e6:.1f} MB "
            f"(ratio {total / packed:.0f}), which looks like a damaged or hostile zip. "
            "Fix: unzip it yourself and point park.toml at the layer file"
        )
    names = [i.filename for i in infos if not i.is_dir() and "__MACOSX" not in i.filename]
    for ext in (".shp", ".gpkg", ".geojson", ".json", ".kml", ".gpx", ".fgb", ".csv"):
        found = sorted(n for n in names if n.lower().endswith(ext))
        if found:
            return found[0]
    if path.suffix.lower() == ".kmz":
        return ""
    raise LayerReadError(
        f"{path}: the archive holds no vector layer (files: {', '.join(names[:8]) or 'none'}). "
        "Fix: zip the .shp together with its .shx, .dbf and .prj files"
    )


def _explain(path: Path, exc: Exception, kind: str) -> LayerReadError:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    msg = msg.replace(str(path), path.name)
    low = msg.lower()
    if kind == "shp" and (".shx" in low or ".dbf" in low or "unable to open" in low):
        fix = "copy the .shx, .dbf and .prj files beside the .shp, or zip them all together"
    elif "not recognized" in low or "unsupported" in low or "not a supported" in low:
        fix = f"the file is damaged or in a format GDAL does not read; export it as {FORMATS_HINT}"
    else:
        fix = f"open the file in QGIS to check it, then export it again as {FORMATS_HINT}"
    return LayerReadError(f"{path}: cannot be read as a {kind.upper()} layer ({msg}). Fix: {fix}")


# --- vectors -----------------------------------------------------------------
def _gdal_read(source: str, path: Path, kind: str, role: str | None, layer: str | None, max_rows: int | None):
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            listed = pyogrio.list_layers(source)
    except Exception as exc:
        raise _explain(path, exc, kind) from exc
    names = [str(n) for n in listed[:, 0]]
    if not names:
        raise LayerReadError(f"{path}: the file holds no layer. Fix: export the layer again as {FORMATS_HINT}")
    kwargs = {"use_arrow": True}
    if max_rows is not None:
        kwargs["max_features"] = max_rows

    def read(name, **extra):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return pyogrio.read_dataframe(source, layer=name, **kwargs, **extra)
        except Exception as exc:
            raise _explain(path, exc, kind) from exc

    if layer is not None:
        if layer not in names:
            raise LayerReadError(
                f"{path}: no layer {layer!r} (layers: {', '.join(names)}). Fix: correct layer under [columns]"
            )
        return read(layer)
    if kind == "gpx":
        if role == "patrols" and "track_points" in names:
            try:
                gdf = _read_points_fast(source, "track_points", ["time", "track_fid", "track_seg_id"], max_rows)
            except Exception as exc:
                raise _explain(path, exc, kind) from exc
            if len(gdf):
                return gdf
        for name in ("waypoints", "track_points", "route_points"):
            if name in names:
                gdf = read(name)
                if len(gdf):
                    return gdf
        return read(names[0])
    frames = []
    for name in names:
        gdf = read(name)
        if len(gdf):
            frames.append(gdf)
            if kind != "kml":  # KML folders are parts of one layer; other formats: first non-empty layer
                break
    if not frames:
        return read(names[0])
    if len(frames) == 1:
        return frames[0]
    crs = frames[0].crs
    return gpd.GeoDataFrame(pd.concat([f.to_crs(crs) if f.crs else f for f in frames], ignore_index=True), crs=crs)


def _points_from_wkb(wkb) -> np.ndarray:
    """Points from a pyarrow binary array of WKB; 2-D little-endian points are decoded with numpy."""
    wkb = wkb.combine_chunks() if hasattr(wkb, "combine_chunks") else wkb
    n = len(wkb)
    if n and wkb.null_count == 0:
        offsets = np.frombuffer(wkb.buffers()[1], dtype=np.int32)[wkb.offset : wkb.offset + n + 1]
        if (np.diff(offsets) == 21).all():
            blob = np.frombuffer(wkb.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(n, 21)
            if (blob[:, 0] == 1).all() and (blob[:, 1:5].view("<u4").ravel() == 1).all():
                xy = blob[:, 5:21].copy().view("<f8")
                return shapely.points(xy[:, 0], xy[:, 1])
    return shapely.from_wkb(np.asarray(wkb.to_numpy(zero_copy_only=False), dtype=object))


def _read_points_fast(source: str, layer: str, columns: list[str], max_rows: int | None) -> gpd.GeoDataFrame:
    """Read a point layer through Arrow, decoding point WKB with numpy (millions of GPS fixes in seconds)."""
    import pyogrio

    kwargs = {} if max_rows is None else {"max_features": max_rows}
    meta, table = pyogrio.read_arrow(source, layer=layer, columns=columns, **kwargs)
    geom_name = meta.get("geometry_name") or "wkb_geometry"
    geometry = _points_from_wkb(table.column(geom_name))
    data = {}
    for name in table.column_names:
        if name == geom_name:
            continue
        values = table.column(name).combine_chunks().to_numpy(zero_copy_only=False)
        if np.issubdtype(values.dtype, np.datetime64):
            values = pd.Series(values).dt.tz_localize("UTC")  # GPX times are UTC
        data[name] = values
    crs = meta.get("crs") or "EPSG:4326"
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)


def read_gpx_fixes(path: str | Path, max_rows: int | None = None) -> pd.DataFrame | None:
    """GPS fixes of a GPX file's tracks as plain arrays, without building point geometries.

    Returns a DataFrame with ``x`` (longitude), ``y`` (latitude), ``time``
    (tz-aware UTC), ``track_fid``, ``track_seg_id``, ``COL_SOURCE_FILE`` and
    ``COL_SOURCE_ROW``, or ``None`` when the file is not a GPX with track
    points.  Used for millions of fixes: about twice as fast and half the
    memory of :func:`read_vector`.

    Raises
    ------
    LayerReadError
        The file is missing, empty, oversized or damaged.
    """
    import pyogrio

    path = Path(path)
    if _check_file(path) != "gpx":
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            names = [str(n) for n in pyogrio.list_layers(str(path))[:, 0]]
            if "track_points" not in names:
                return None
            kwargs = {} if max_rows is None else {"max_features": max_rows}
            meta, table = pyogrio.read_arrow(
                str(path), layer="track_points", columns=["time", "track_fid", "track_seg_id"], **kwargs
            )
    except Exception as exc:
        raise _explain(path, exc, "gpx") from exc
    if table.num_rows == 0:
        return None
    geom_name = meta.get("geometry_name") or "wkb_geometry"
    wkb = table.column(geom_name).combine_chunks()
    n = len(wkb)
    offsets = np.frombuffer(wkb.buffers()[1], dtype=np.int32)[wkb.offset : wkb.offset + n + 1]
    if wkb.null_count == 0 and (np.diff(offsets) == 21).all():
        blob = np.frombuffer(wkb.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(n, 21)
        xy = blob[:, 5:21].copy().view("<f8")
        if not (blob[:, 0] == 1).all():  # big-endian WKB
            xy = blob[:, 5:21].copy().view(">f8").astype("<f8")
    else:
        xy = shapely.get_coordinates(_points_from_wkb(wkb))
        if len(xy) != n:
            return None
    time = pd.Series(table.column("time").combine_chunks().to_numpy(zero_copy_only=False))
    if not isinstance(time.dtype, pd.DatetimeTZDtype):
        time = time.dt.tz_localize("UTC")  # GPX times are UTC
    df = pd.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "time": time,
            "track_fid": table.column("track_fid").to_numpy(),
            "track_seg_id": table.column("track_seg_id").to_numpy(),
            COL_SOURCE_FILE: pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [path.name]),
            COL_SOURCE_ROW: np.arange(1, n + 1),
        }
    )
    df.attrs["crs"] = meta.get("crs") or "EPSG:4326"
    return df


def _sidecar_crs(path: Path):
    prj = path.with_suffix(".prj")
    if prj.exists():
        try:
            return prj.read_text(errors="replace")
        except OSError:
            return None
    return None


def _read_csv_table(path: Path, max_rows: int | None) -> pd.DataFrame:
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
            return pd.read_csv(path, sep=sep, encoding=encoding, nrows=max_rows, dtype=str, keep_default_na=True)
        except UnicodeDecodeError as exc:
            last_exc = exc
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
            raise LayerReadError(
                f"{path}: cannot be read as CSV ({str(exc).strip().splitlines()[0]}). "
                "Fix: check that every line has as many separators as the header, and quote text holding commas"
            ) from exc
    raise LayerReadError(f"{path}: unknown text encoding ({last_exc}). Fix: save the CSV as UTF-8")


def _numbers(series: pd.Series) -> np.ndarray:
    s = series.astype("string").str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _csv_geometry(df: pd.DataFrame, path: Path, columns: dict):
    """``(geometry array, crs or None, names of the coordinate columns)`` for a CSV table."""
    cols = list(df.columns)
    lon = find_column(cols, LON_ALIASES, columns.get("lon"), path, "lon")
    lat = find_column(cols, LAT_ALIASES, columns.get("lat"), path, "lat")
    crs = columns.get("crs")
    if lon and lat:
        geom = shapely.points(_numbers(df[lon]), _numbers(df[lat]))
        return geom, crs or "EPSG:4326", [lon, lat]
    x = find_column(cols, X_ALIASES, columns.get("x"), path, "x")
    y = find_column(cols, Y_ALIASES, columns.get("y"), path, "y")
    if x and y:
        geom = shapely.points(_numbers(df[x]), _numbers(df[y]))
        return geom, crs or _sidecar_crs(path), [x, y]
    wkt = find_column(cols, WKT_ALIASES, columns.get("wkt"), path, "wkt")
    if wkt:
        text = df[wkt].astype("string").fillna("").to_numpy(dtype=object)
        geom = shapely.from_wkt(text, on_invalid="ignore")
        return geom, crs or _sidecar_crs(path), [wkt]
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


def _read_csv(path: Path, columns: dict, max_rows: int | None, report, layer_name: str):
    df = _read_csv_table(path, max_rows)
    geom, crs, used = _csv_geometry(df, path, columns)
    bad = shapely.is_missing(geom) | ~np.asarray(shapely.is_valid_input(geom))
    bad |= np.asarray(shapely.is_empty(geom), dtype=bool)
    pts = shapely.get_type_id(geom) == 0
    if pts.any():
        xy = shapely.get_coordinates(geom[pts & ~bad]) if (pts & ~bad).any() else np.empty((0, 2))
        finite = np.ones(len(geom), dtype=bool)
        finite[np.flatnonzero(pts & ~bad)] = np.isfinite(xy).all(axis=1)
        bad |= ~finite
    n_records = len(df)
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
            from .checks import report_rows

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
    gdf.attrs["n_records"] = n_records
    return gdf


def read_vector(
    path: str | Path,
    role: str | None = None,
    columns: dict | None = None,
    report=None,
    layer_name: str | None = None,
    max_rows: int | None = None,
) -> gpd.GeoDataFrame:
    """Read one vector layer file into a GeoDataFrame in the file's own CRS.

    Parameters
    ----------
    path : str or Path
        GeoJSON, GeoPackage, Shapefile (also zipped), KML/KMZ, GPX, FlatGeobuf
        or CSV with lon/lat, x/y or WKT columns.  The format is taken from the
        file's content, not its extension.
    role : str, optional
        ``"patrols"`` reads a GPX file's ``track_points`` (time, track_fid,
        track_seg_id); other roles read its waypoints.
    columns : dict, optional
        The manifest's ``[columns.<layer>]`` table: ``lon``, ``lat``, ``x``,
        ``y``, ``wkt``, ``crs`` (for CSV) and ``layer`` (which layer of a
        multi-layer file).
    report : LoadReport, optional
        CSV rows without usable coordinates are listed here (and dropped).
    layer_name : str, optional
        Name of the layer in the report (defaults to ``role`` or the file stem).
    max_rows : int, optional
        Read at most this many records (used to peek at a file).

    Returns
    -------
    geopandas.GeoDataFrame
        With ``COL_SOURCE_FILE`` and ``COL_SOURCE_ROW`` (1-based record number).
        ``crs`` is ``None`` when the file does not say it.

    Raises
    ------
    LayerReadError
        The file is missing, empty, damaged, oversized or not a vector layer.
    """
    path = Path(path)
    columns = dict(columns or {})
    layer_name = layer_name or role or path.stem
    kind = _check_file(path)
    # --- field-system exports (SMART XML, EarthRanger CSV, Parquet): see layers.importers ---
    from .importers import detect as detect_export
    from .importers import read as read_export

    if detect_export(path) is not None:
        gdf = read_export(path, role, report=report, layer_name=layer_name, max_rows=max_rows)
        gdf.attrs["read_notes"] = []
        return gdf
    # --- end of field-system exports ---
    if kind == "tiff":
        raise LayerReadError(
            f"{path}: this is a raster (GeoTIFF), not a vector layer. Fix: list it under [layers.rasters] in park.toml"
        )
    if kind in ("binary", "xml"):
        # Maybe a format GDAL still knows; translate the failure if not.
        kind = _EXT_KIND.get(path.suffix.lower(), kind)
    expected = _EXT_KIND.get(path.suffix.lower())
    notes = []
    if expected and expected != kind and not (expected == "zip" and kind == "zip"):
        notes.append(
            f"the file name ends in {path.suffix} but the file holds {kind.upper()} data; it was read as {kind.upper()}"
        )
    if kind == "csv":
        gdf = _read_csv(path, columns, max_rows, report, layer_name)
    else:
        source = str(path)
        if kind == "zip":
            member = _zip_member(path)
            source = f"/vsizip/{path.resolve()}/{member}" if member else str(path)
            kind = _EXT_KIND.get(Path(member).suffix.lower(), "zip") if member else "kml"
            if kind == "csv":
                raise LayerReadError(f"{path}: holds a CSV table; unzip it and point park.toml at the CSV file")
        gdf = _gdal_read(source, path, kind, role, columns.get("layer"), max_rows)
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
            raise LayerReadError(
                f"{path}: the layer has no geometry. Fix: export it with its geometry, or as CSV with lon/lat"
            )
        if gdf.crs is None and kind == "shp":
            crs = _sidecar_crs(path)
            if crs:
                gdf = gdf.set_crs(crs)
        gdf[COL_SOURCE_FILE] = path.name
        gdf[COL_SOURCE_ROW] = np.arange(1, len(gdf) + 1)
    gdf.attrs["read_notes"] = notes
    gdf.attrs.setdefault("n_records", len(gdf))
    return gdf


# --- rasters ---------------------------------------------------------------
@dataclass(frozen=True)
class RasterInfo:
    """What a raster file holds, without its pixels."""

    path: Path
    crs: object  # pyproj.CRS or None
    bounds: tuple[float, float, float, float]
    width: int
    height: int
    count: int
    dtype: str
    nodata: float | None
    res: tuple[float, float]


def raster_info(path: str | Path) -> RasterInfo:
    """Open a raster (GeoTIFF or any format rasterio reads) and describe it.

    Raises
    ------
    LayerReadError
        The file is missing, empty, oversized, not a raster, or damaged.
    """
    import rasterio
    from pyproj import CRS

    path = Path(path)
    kind = _check_file(path)
    if kind in VECTOR_KINDS and kind not in ("zip",):
        raise LayerReadError(
            f"{path}: this holds a vector layer ({kind.upper()}), not a raster. Fix: list it under "
            "[layers.features] in park.toml"
        )
    try:
        with rasterio.open(path) as src:
            if src.count < 1 or src.width < 1 or src.height < 1:
                raise LayerReadError(f"{path}: the raster has no pixels. Fix: export it again")
            crs = CRS.from_user_input(src.crs) if src.crs else None
            # Touch one pixel so a truncated file fails here, not later.
            src.read(1, window=((0, 1), (0, 1)))
            return RasterInfo(
                path, crs, tuple(src.bounds), src.width, src.height, src.count, src.dtypes[0], src.nodata, src.res
            )
    except LayerReadError:
        raise
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LayerReadError(
            f"{path}: cannot be read as a raster ({msg.replace(str(path), path.name)}). "
            "Fix: export it again as a GeoTIFF (in QGIS: Export > Save As, format GeoTIFF)"
        ) from exc
