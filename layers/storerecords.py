"""Records on their way into the park store: checked, flattened, matched against what is stored, written.

:func:`prepare` turns an importer's GeoDataFrame into a flat table (WGS 84
lon/lat, time in ms, the kind's fields, source file and row) and lists the
rows it rejects with the reason; :func:`match_incidents` finds the incidents
already stored (same source id, or the same type within a minute and 50 m);
:func:`insert_incidents` writes the new ones.  GPS fixes are matched and
written by :mod:`layers.storetracks`.
"""

from __future__ import annotations

import getpass
import json
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import gpkg, storetracks
from .dedupe import match_points, match_within
from .defaults import (
    COL_IMPORT_ID,
    COL_IMPORTED_AT,
    COL_ITEM,
    COL_QUANTITY,
    COL_SOURCE_FILE,
    COL_SOURCE_ID,
    COL_SOURCE_ROW,
    COL_TIME,
    COL_TRACK,
    COL_TRANSPORT,
    COL_TYPE,
    COL_UNIT,
    DUPLICATE_FIX_M,
    DUPLICATE_FIX_S,
    DUPLICATE_INCIDENT_M,
    DUPLICATE_INCIDENT_S,
    RECORD_MIN_YEAR,
    TRANSPORT_TYPES,
)

INCIDENT_FIELDS = (COL_TYPE, "type_raw", "category", COL_ITEM, COL_QUANTITY, COL_UNIT, COL_SOURCE_ID, "attributes")
FIX_FIELDS = storetracks.TRACK_FIELDS
PROVENANCE = (COL_SOURCE_FILE, COL_SOURCE_ROW, COL_IMPORT_ID, COL_IMPORTED_AT)


def login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def iso_time(t: pd.Timestamp) -> str:
    return t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def prepare(gdf: gpd.GeoDataFrame, table: str, name: str) -> tuple[pd.DataFrame, list]:
    """Records as a flat table (lon, lat, t_ms, fields, provenance) and the rows rejected, with reasons."""
    n = len(gdf)
    rows = (
        pd.to_numeric(gdf[COL_SOURCE_ROW], errors="coerce").fillna(-1).astype("int64").to_numpy()
        if COL_SOURCE_ROW in gdf
        else np.arange(1, n + 1)
    )
    files = gdf[COL_SOURCE_FILE].astype(str).to_numpy() if COL_SOURCE_FILE in gdf else np.full(n, name, dtype=object)
    geoms = gdf.geometry.values if n else np.empty(0, dtype=object)
    is_point = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms) if n else np.zeros(0, bool)
    x = np.where(is_point, shapely.get_x(geoms), np.nan) if n else np.empty(0)
    y = np.where(is_point, shapely.get_y(geoms), np.nan) if n else np.empty(0)
    crs = gdf.crs
    if crs is not None and n and not crs.equals("EPSG:4326"):
        from pyproj import Transformer

        x, y = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
        x, y = np.asarray(x, float), np.asarray(y, float)
    times = gdf[COL_TIME] if COL_TIME in gdf else pd.Series(pd.NaT, index=gdf.index)
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        times = pd.to_datetime(times, utc=True, errors="coerce", format="mixed")
    t_ms = times.dt.tz_convert("UTC").astype("datetime64[ms, UTC]").array.asi8.astype(np.int64)
    has_t = times.notna().to_numpy()
    lo = pd.Timestamp(f"{RECORD_MIN_YEAR}-01-01", tz="UTC").value // 10**6
    hi = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)).value // 10**6
    reasons = np.full(n, "", dtype=object)
    reasons[~is_point] = "no point location (empty, missing or not a point); rejected"
    bad_xy = is_point & ~(np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90))
    reasons[bad_xy] = "coordinates outside longitude -180..180, latitude -90..90; rejected"
    ok = reasons == ""
    reasons[ok & ~has_t] = "no readable date and time; rejected"
    ok = reasons == ""
    odd = ok & ((t_ms < lo) | (t_ms > hi))
    for i in np.flatnonzero(odd):
        reasons[i] = f"dated {times.iloc[i]:%Y-%m-%d}, before {RECORD_MIN_YEAR} or in the future; rejected"
    keep = reasons == ""
    rejected = [(str(files[i]), int(rows[i]), str(reasons[i])) for i in np.flatnonzero(~keep)]
    out = pd.DataFrame({"lon": x[keep], "lat": y[keep], "t_ms": t_ms[keep]})
    out[COL_SOURCE_FILE] = files[keep]
    out[COL_SOURCE_ROW] = rows[keep]
    fields = INCIDENT_FIELDS if table == "incidents" else FIX_FIELDS
    sub = gdf.loc[keep]
    for c in fields:
        if c == "attributes" and c not in gdf:
            out[c] = _attributes(sub)
        elif c in gdf:
            vals = sub[c].to_numpy()
            out[c] = pd.to_numeric(vals, errors="coerce") if c == COL_QUANTITY else _text(vals)
        else:
            out[c] = None
    if table == "incidents":
        out[COL_TYPE] = out[COL_TYPE].fillna("other")
    else:
        out[COL_TRACK] = out[COL_TRACK].fillna(name)
        tr = out[COL_TRANSPORT].astype("string").str.lower().str.strip()
        out[COL_TRANSPORT] = tr.where(tr.isin(TRANSPORT_TYPES), None).astype(object)
    return out, rejected


def _text(values: np.ndarray) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    ok = s.notna().to_numpy()
    out = np.full(len(s), None, dtype=object)
    if ok.all() and pd.api.types.is_string_dtype(pd.Series(values).dtype):
        out[:] = s.to_numpy(dtype=object)
    elif ok.any():
        out[ok] = s[ok].astype(str).to_numpy(dtype=object)
    return out


_SKIP_ATTR = {COL_TIME, COL_TYPE, COL_SOURCE_FILE, COL_SOURCE_ROW, "geometry", *INCIDENT_FIELDS}


def _attributes(sub: gpd.GeoDataFrame) -> list[str | None]:
    """The other columns of each record as one JSON object (text), for QGIS and for later use."""
    cols = [c for c in sub.columns if c not in _SKIP_ATTR and c != sub.geometry.name]
    if not cols:
        return [None] * len(sub)
    frame = pd.DataFrame(sub[cols]).astype(object)
    out = []
    for rec in frame.to_dict("records"):
        rec = {str(k): _jsonable(v) for k, v in rec.items()}
        rec = {k: v for k, v in rec.items() if v is not None and v != ""}
        out.append(json.dumps(rec, ensure_ascii=False) if rec else None)
    return out


def _jsonable(v):
    if v is None:
        return None
    if isinstance(v, float | np.floating):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.integer | np.bool_):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.isoformat()
    if v is pd.NaT or (not isinstance(v, str | bytes | list | dict | tuple) and pd.isna(v)):
        return None
    if isinstance(v, int | bool | str):
        return v
    return str(v)


def candidates(conn: sqlite3.Connection, table: str, recs: pd.DataFrame) -> pd.DataFrame:
    """Records already in the store that the new ones might repeat (same time window, or same source id)."""
    cols = ["fid", "geom", "t_ms", COL_SOURCE_FILE, COL_SOURCE_ROW]
    extra = [COL_TYPE, COL_SOURCE_ID] if table == "incidents" else []
    empty = pd.DataFrame(columns=[*cols, *extra, "lon", "lat"])
    if not len(recs):
        return empty
    pad = int(1000 * max(DUPLICATE_INCIDENT_S, DUPLICATE_FIX_S)) + 1
    sel = ", ".join(f'"{c}"' for c in (*cols, *extra))
    rows = conn.execute(
        f'SELECT {sel} FROM "{table}" WHERE t_ms BETWEEN ? AND ?',
        (int(recs["t_ms"].min()) - pad, int(recs["t_ms"].max()) + pad),
    ).fetchall()
    if table == "incidents":
        ids = [i for i in recs[COL_SOURCE_ID].dropna().unique().tolist()]
        for lo in range(0, len(ids), 500):
            chunk = ids[lo : lo + 500]
            rows += conn.execute(
                f'SELECT {sel} FROM incidents WHERE "{COL_SOURCE_ID}" IN ({",".join("?" * len(chunk))})', chunk
            ).fetchall()
    if not rows:
        return empty
    df = pd.DataFrame.from_records(rows, columns=[*cols, *extra]).drop_duplicates("fid").reset_index(drop=True)
    df["lon"], df["lat"] = gpkg.decode_points(df["geom"].tolist())
    return df.drop(columns="geom")


def _namespace(ids: pd.Series) -> np.ndarray:
    s = ids.astype("string")
    return s.str.split(":", n=1).str[0].where(s.str.contains(":", regex=False), s).fillna("").to_numpy(dtype=object)


def match_incidents(table: str, old: pd.DataFrame, recs: pd.DataFrame) -> tuple[np.ndarray, set]:
    """For each new record, the row of ``old`` it repeats, or -1 (new), or -2 (repeats an earlier new record).

    Also returns the ``(record_id, file, row)`` sources already known for the old records.
    """
    n = len(recs)
    match = np.full(n, -1, dtype=np.int64)
    known = set()
    if len(old):
        known = {(int(r), f, int(w)) for r, f, w in zip(old["fid"], old[COL_SOURCE_FILE], old[COL_SOURCE_ROW])}
    if n == 0:
        return match, known
    t_new = recs["t_ms"].to_numpy(np.float64) / 1000.0
    lon_new, lat_new = recs["lon"].to_numpy(), recs["lat"].to_numpy()
    if table == "incidents":
        max_s, max_m = DUPLICATE_INCIDENT_S, DUPLICATE_INCIDENT_M
        types = pd.Index(pd.unique(pd.concat([recs[COL_TYPE], old.get(COL_TYPE, pd.Series(dtype=object))])))
        g_new = types.get_indexer(recs[COL_TYPE])
        id_new = recs[COL_SOURCE_ID].astype("string").fillna("").to_numpy(dtype=object)
        ns_new = _namespace(recs[COL_SOURCE_ID])
    else:
        max_s, max_m = DUPLICATE_FIX_S, DUPLICATE_FIX_M
        g_new = np.zeros(n, dtype=np.int64)
    if len(old):
        if table == "incidents":
            id_old = old[COL_SOURCE_ID].astype("string").fillna("").to_numpy(dtype=object)
            ns_old = _namespace(old[COL_SOURCE_ID])
            by_id = {v: i for i, v in enumerate(id_old) if v}
            for i, v in enumerate(id_new):
                if v and v in by_id:
                    match[i] = by_id[v]

            def allowed(i, j):  # two different ids of the same system are two records
                return ~((ns_new[i] == ns_old[j]) & (ns_new[i] != "") & (id_new[i] != id_old[j]))

            g_old = types.get_indexer(old[COL_TYPE])
        else:
            allowed, g_old = None, np.zeros(len(old), dtype=np.int64)
        rest = np.flatnonzero(match < 0)
        m = match_points(
            old["t_ms"].to_numpy(np.float64) / 1000.0,
            old["lon"].to_numpy(),
            old["lat"].to_numpy(),
            g_old,
            t_new[rest],
            lon_new[rest],
            lat_new[rest],
            g_new[rest],
            max_s,
            max_m,
            allowed=None if allowed is None else (lambda i, j: allowed(rest[i], j)),
        )
        match[rest] = m
    rest = np.flatnonzero(match < 0)
    if len(rest) > 1:
        if table == "incidents":
            ids_r, ns_r = id_new[rest], ns_new[rest]

            def allowed_within(i, j):
                same_id = (ids_r[i] == ids_r[j]) & (ids_r[i] != "")
                other_id = (ns_r[i] == ns_r[j]) & (ns_r[i] != "") & (ids_r[i] != ids_r[j])
                return same_id | ~other_id

        else:
            allowed_within = None
        dup = match_within(t_new[rest], lon_new[rest], lat_new[rest], g_new[rest], max_s, max_m, allowed=allowed_within)
        match[rest[dup >= 0]] = -2
    return match, known


def insert_incidents(
    conn: sqlite3.Connection, table: str, recs: pd.DataFrame, import_id: int, now: pd.Timestamp
) -> None:
    if not len(recs):
        return
    fields = INCIDENT_FIELDS if table == "incidents" else FIX_FIELDS
    t_ms = recs["t_ms"].to_numpy(np.int64)
    iso = np.char.add(np.datetime_as_string(t_ms.astype("datetime64[ms]"), unit="ms"), "Z").tolist()
    blobs = gpkg.encode_points(recs["lon"].to_numpy(), recs["lat"].to_numpy())
    columns = [blobs, iso, t_ms.tolist()]
    for c in fields:
        col = recs[c].to_numpy(dtype=object)
        if c == COL_QUANTITY:
            col = [None if v is None or not np.isfinite(v) else float(v) for v in col]
        columns.append(col.tolist() if hasattr(col, "tolist") else col)
    n = len(recs)
    columns += [
        recs[COL_SOURCE_FILE].astype(str).tolist(),
        recs[COL_SOURCE_ROW].astype("int64").tolist(),
        [import_id] * n,
        [iso_time(now)] * n,
    ]
    names = ", ".join(f'"{c}"' for c in ("geom", COL_TIME, "t_ms", *fields, *PROVENANCE))
    marks = ", ".join("?" * (3 + len(fields) + len(PROVENANCE)))
    conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', zip(*columns))


__all__ = [
    "FIX_FIELDS",
    "INCIDENT_FIELDS",
    "PROVENANCE",
    "candidates",
    "insert_incidents",
    "iso_time",
    "login",
    "match_incidents",
    "prepare",
]
