"""Parquet and GeoParquet exports: EarthRanger events and patrols, GPS fixes (ecoscope relocations), any points.

GPS fixes as ecoscope returns them from SMART or EarthRanger
(``groupby_col``, ``fixtime``, ``junk_status``, WKB ``geometry``) give,
for ``role="patrols"``, fixes with ``track_id`` and UTC ``time``; fixes
flagged as junk by the export are left out.  Any other parquet table with
point geometry (GeoParquet, a WKB or WKT column, or lon/lat columns) is
read as it is, for the park's own column guessing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from ..defaults import COL_TIME, COL_TRACK
from ..errors import LayerReadError
from ..report import WARNING
from ..tabular import LAT_ALIASES, LON_ALIASES, WKT_ALIASES, find_column, numbers
from .common import WGS84, Rejects, finish, parse_utc

MAGIC = b"PAR1"
TIME_COLUMNS = ("fixtime", "time", "recorded_at", "timestamp", "datetime", "date_time", "time_utc")
TRACK_COLUMNS = ("groupby_col", "track_id", "patrol_id", "subject_id", "subject_name", "patrol_serial_number")


def _table(path: Path, max_rows: int | None):
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        if max_rows is None:
            table = pf.read()
        else:
            batches = []
            n = 0
            for batch in pf.iter_batches(batch_size=max(1, min(max_rows, 65536))):
                batches.append(batch)
                n += batch.num_rows
                if n >= max_rows:
                    break
            import pyarrow as pa

            table = pa.Table.from_batches(batches, schema=pf.schema_arrow).slice(0, max_rows)
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LayerReadError(
            f"{path}: cannot be read as Parquet ({msg}). Fix: the file is damaged or cut short; export it again"
        ) from exc
    meta = table.schema.metadata or {}
    return table, meta


def _crs(meta: dict):
    import json

    geo = meta.get(b"geo")
    if not geo:
        return None, None
    try:
        info = json.loads(geo)
        col = info.get("primary_column", "geometry")
        crs = (info.get("columns", {}).get(col) or {}).get("crs", WGS84)
        if isinstance(crs, dict):
            from pyproj import CRS

            crs = CRS.from_json_dict(crs)
        return col, crs if crs is not None else WGS84
    except (ValueError, AttributeError, TypeError):
        return None, None


def _geometry(df: pd.DataFrame, path: Path, geo_col: str | None):
    """Geometry array and the names of the columns it came from."""
    col = geo_col if geo_col in df.columns else find_column(df.columns, WKT_ALIASES)
    if col is not None:
        raw = df[col].to_numpy(dtype=object)
        geom = np.full(len(raw), None, dtype=object)
        is_bytes = np.array([isinstance(v, bytes | bytearray) for v in raw], dtype=bool)
        is_text = np.array([isinstance(v, str) for v in raw], dtype=bool)
        if is_bytes.any():
            geom[is_bytes] = shapely.from_wkb(raw[is_bytes], on_invalid="ignore")
        if is_text.any():
            geom[is_text] = shapely.from_wkt(raw[is_text], on_invalid="ignore")
        return geom, [col]
    lon, lat = find_column(df.columns, LON_ALIASES), find_column(df.columns, LAT_ALIASES)
    if lon and lat:
        return shapely.points(numbers(df[lon]), numbers(df[lat])), [lon, lat]
    raise LayerReadError(
        f"{path}: a Parquet table without geometry (columns: {', '.join(map(str, df.columns[:20]))}). "
        "Fix: export it as GeoParquet, or with lon and lat columns"
    )


def _first(columns, names) -> str | None:
    lower = {str(c).lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def read(path: Path, role: str | None, max_rows: int | None = None):
    """A Parquet/GeoParquet export; see the module docstring."""
    from . import earthranger

    table, meta = _table(path, max_rows)
    df = table.to_pandas()
    if "patrol_segments" in df.columns:
        return earthranger.patrol_events(df, path, role, max_rows)
    if "event_type" in df.columns:
        if role == "patrols":
            raise LayerReadError(earthranger._NOT_TRACKS.format(path=path, what="patrol events"))
        return earthranger.events(df, path, max_rows)
    geo_col, crs = _crs(meta)
    geom, used = _geometry(df, path, geo_col)
    n = len(df)
    rows = np.arange(1, n + 1)
    rejects = Rejects(path.name)
    bad = np.array([g is None or g.is_empty for g in geom], dtype=bool)
    points = ~bad & (shapely.get_type_id(np.where(bad, None, geom)) == 0)
    if points.any():
        xy = shapely.get_coordinates(list(geom[points]))
        bad[np.flatnonzero(points)[~np.isfinite(xy).all(axis=1)]] = True
    rejects.add_rows(rows[bad], f"row without a usable geometry in {', '.join(used)}; rejected")
    keep = ~bad
    rest = df.drop(columns=used)
    if role == "patrols":
        tcol, kcol = _first(rest.columns, TIME_COLUMNS), _first(rest.columns, TRACK_COLUMNS)
        if tcol is None:
            raise LayerReadError(
                f"{path}: GPS fixes without a time column (columns: {', '.join(map(str, rest.columns[:20]))}). "
                "Fix: export the fixes with their time (fixtime)"
            )
        times = parse_utc(rest[tcol])
        bad_t = keep & times.isna().to_numpy()
        shown = rest[tcol].astype("string").fillna("(empty)")
        for r in rows[bad_t]:
            rejects.add(r, f"GPS fix time {shown.iloc[r - 1]!r} cannot be read; rejected")
        keep &= ~bad_t
        if "junk_status" in rest.columns:
            junk = keep & rest["junk_status"].fillna(False).astype(bool).to_numpy()
            rejects.add_rows(rows[junk], "GPS fix flagged as junk by the export; left out", "", WARNING)
            keep &= ~junk
        track = rest[kcol].astype("string").fillna("(none)").to_numpy(dtype=object) if kcol else np.zeros(n, int)
        other = rest.drop(columns=[c for c in (tcol, kcol, COL_TIME, COL_TRACK) if c and c in rest.columns])
        other = other[[c for c in other.columns if other[c].dtype != object or not _is_nested(other[c])]]
        data = {COL_TRACK: track[keep], COL_TIME: times[keep].reset_index(drop=True)}
        data.update({c: other[c][keep].reset_index(drop=True) for c in other.columns})
        return finish(data, geom[keep], path, rows[keep], rejects, n, crs or WGS84)
    data = rest.loc[keep].reset_index(drop=True)
    return finish(data, geom[keep], path, rows[keep], rejects, n, crs or WGS84)


def _is_nested(series: pd.Series) -> bool:
    """Whether an object column holds lists, dicts or arrays (dropped from GPS fixes)."""
    sample = series.dropna().head(20)
    return any(isinstance(v, list | dict | np.ndarray | bytes) for v in sample)


__all__ = ["MAGIC", "read"]
