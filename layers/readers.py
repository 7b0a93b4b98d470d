"""Reading vector layer files: any GDAL vector (GeoJSON, GPKG, SHP, zipped SHP, KML, GPX, FGB) and CSV.

Every third-party error (pyogrio, GDAL) is translated here into
:class:`~layers.errors.LayerReadError` whose message names the file and says
what to do.  The file is checked and sniffed first (:mod:`layers.files`), so
a file with the wrong extension is read by what it holds; CSV tables are
read by :mod:`layers.tabular`, field-system exports by :mod:`layers.importers`,
rasters are described by :mod:`layers.rasters`.

Every vector read gets ``COL_SOURCE_FILE`` and ``COL_SOURCE_ROW`` (the
1-based record number in the file) so later checks can point at rows.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import importers
from .defaults import COL_SOURCE_FILE, COL_SOURCE_ROW
from .errors import LayerReadError
from .files import EXT_KIND, FORMATS_HINT, check_file, cut_short, sidecar_crs, zip_member
from .tabular import read_csv_layer


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
    if check_file(path) != "gpx":
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
        short = cut_short(path, "gpx")
        if short:
            raise LayerReadError(f"{path}: {short}. Fix: copy or export the GPX file again") from exc
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
    df.attrs["cut_short"] = cut_short(path, "gpx")
    return df


_GPX_TRACK = re.compile(rb"<(?:\w+:)?trk(?:\s[^>]*)?>\s*(?:<(?:\w+:)?name>([^<]*)</(?:\w+:)?name>)?")


def gpx_track_names(path: Path, n_tracks: int) -> np.ndarray | None:
    """The ``<name>`` of each GPX track (by track number), or ``None`` when they cannot all be told.

    A scan of the file's bytes (memory-mapped), not a second XML parse: a track's name is its first child.
    """
    import mmap

    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            found = [g.group(1) for g in _GPX_TRACK.finditer(m)]
    except (OSError, ValueError):
        return None
    if len(found) != n_tracks or all(n is None for n in found):
        return None
    from xml.sax.saxutils import unescape

    text = [None if n is None else unescape(n.decode("utf-8", "replace")).strip() or None for n in found]
    return np.asarray(text, dtype=object)


def gpx_waypoint_count(path: Path) -> int:
    """How many waypoints a GPX file holds (0 when it cannot be told: the track reader reports a broken file)."""
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(str(path), layer="waypoints", force_feature_count=True)
        return int(info.get("features") or 0)
    except Exception:  # a broken GPX: the track reader reports it
        return 0


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
    kind = check_file(path)
    # --- field-system exports (SMART XML, EarthRanger CSV, Parquet): see layers.importers ---
    if importers.detect(path) is not None:
        gdf = importers.read(path, role, report=report, layer_name=layer_name, max_rows=max_rows)
        gdf.attrs["read_notes"] = []
        return gdf
    # --- end of field-system exports ---
    if kind == "tiff":
        raise LayerReadError(
            f"{path}: this is a raster (GeoTIFF), not a vector layer. Fix: list it under [layers.rasters] in park.toml"
        )
    if kind in ("binary", "xml"):
        # Maybe a format GDAL still knows; translate the failure if not.
        kind = EXT_KIND.get(path.suffix.lower(), kind)
    expected = EXT_KIND.get(path.suffix.lower())
    notes = []
    if expected and expected != kind and not (expected == "zip" and kind == "zip"):
        notes.append(
            f"the file name ends in {path.suffix} but the file holds {kind.upper()} data; it was read as {kind.upper()}"
        )
    if kind == "csv":
        gdf = read_csv_layer(path, columns, max_rows, report, layer_name)
    else:
        source = str(path)
        if kind == "zip":
            member = zip_member(path)
            source = f"/vsizip/{path.resolve()}/{member}" if member else str(path)
            kind = EXT_KIND.get(Path(member).suffix.lower(), "zip") if member else "kml"
            if kind == "csv":
                raise LayerReadError(f"{path}: holds a CSV table; unzip it and point park.toml at the CSV file")
        gdf = _gdal_read(source, path, kind, role, columns.get("layer"), max_rows)
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
            raise LayerReadError(
                f"{path}: the layer has no geometry. Fix: export it with its geometry, or as CSV with lon/lat"
            )
        if gdf.crs is None and kind == "shp":
            crs = sidecar_crs(path)
            if crs:
                gdf = gdf.set_crs(crs)
        gdf[COL_SOURCE_FILE] = path.name
        gdf[COL_SOURCE_ROW] = np.arange(1, len(gdf) + 1)
    gdf.attrs["read_notes"] = notes
    gdf.attrs["cut_short"] = cut_short(path, kind)
    gdf.attrs.setdefault("n_records", len(gdf))
    return gdf
