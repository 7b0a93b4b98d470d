"""Patrol tracks in the park store: one row per track, its fixes a LineString M (M = time in seconds).

Millions of GPS fixes would be millions of rows; stored as one line per
track (``patrol_tracks``) they write in seconds and open in QGIS as the
patrols' lines.  Each row keeps its fixes' source rows (``rows``, int32),
the first source row, the file, the import, the transport type and mandate.

A new track is the same patrol as a stored one when at least
:data:`SAME_TRACK_SHARE` of its fixes inside the stored track's time span lie
within :data:`~layers.defaults.DUPLICATE_FIX_M` metres of the stored track at
the same time (interpolated): those fixes are merged, the rest are added.
Fixes repeated inside one file (the same second, within that distance) count
once.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd

from . import gpkg
from .dedupe import match_within, metres_apart
from .defaults import (
    COL_MANDATE,
    COL_PATROL,
    COL_SOURCE_FILE,
    COL_SOURCE_ROW,
    COL_TRACK,
    COL_TRANSPORT,
    DUPLICATE_FIX_M,
    DUPLICATE_FIX_S,
)

TABLE = "patrol_tracks"
SAME_TRACK_SHARE = 0.8
TRACK_FIELDS = (COL_TRACK, COL_PATROL, COL_TRANSPORT, COL_MANDATE)


def create_v1(conn: sqlite3.Connection) -> None:
    """The table of schema version 1 (transport and mandate came in version 3)."""
    conn.execute(
        f"CREATE TABLE {TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom LINESTRING, "
        f'"{COL_TRACK}" TEXT, "{COL_PATROL}" TEXT, start_time DATETIME, end_time DATETIME, t0_ms INTEGER, '
        "t1_ms INTEGER, n_fixes INTEGER, rows BLOB, source_file TEXT, source_row INTEGER, import_id INTEGER, "
        "imported_at DATETIME)"
    )
    conn.execute(f"CREATE INDEX {TABLE}_t ON {TABLE} (t0_ms, t1_ms)")
    gpkg.register_table(conn, TABLE, "patrol GPS tracks imported into the park store (M = time, s)", "LINESTRING", m=1)


def read(conn: sqlite3.Connection, t_lo: int | None = None, t_hi: int | None = None) -> pd.DataFrame:
    """Stored fixes (one row per fix) of the tracks overlapping ``[t_lo, t_hi]`` ms (all by default).

    Columns: ``record_id`` (the track's fid), ``lon``, ``lat``, ``t_ms``, the
    track fields, ``source_file``, ``source_row``, ``import_id``, ``imported_at``.
    """
    sql = (
        f'SELECT fid, geom, n_fixes, rows, "{COL_TRACK}", "{COL_PATROL}", "{COL_TRANSPORT}", "{COL_MANDATE}", '
        f"source_file, import_id, imported_at FROM {TABLE}"
    )
    args: tuple = ()
    if t_lo is not None:
        sql += " WHERE t1_ms >= ? AND t0_ms <= ?"
        args = (int(t_lo), int(t_hi))
    rows = conn.execute(sql + " ORDER BY fid", args).fetchall()
    cols = ["record_id", "lon", "lat", "t_ms", *TRACK_FIELDS, COL_SOURCE_FILE, COL_SOURCE_ROW, "import_id"]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*cols, "imported_at"]})
    coords, src_rows, counts = [], [], []
    for r in rows:
        xym = gpkg.decode_line_m(r[1])[: int(r[2] or 0)]
        coords.append(xym)
        rr = np.frombuffer(r[3], dtype="<i4") if r[3] else np.zeros(0, dtype="<i4")
        src_rows.append(rr[: len(xym)] if len(rr) >= len(xym) else np.full(len(xym), -1))
        counts.append(len(xym))
    xym = np.concatenate(coords)
    counts = np.asarray(counts)
    meta = pd.DataFrame.from_records(
        [r[:1] + r[4:] for r in rows],
        columns=["record_id", *TRACK_FIELDS, COL_SOURCE_FILE, "import_id", "imported_at"],
    )
    out = meta.loc[np.repeat(np.arange(len(meta)), counts)].reset_index(drop=True)
    out.insert(1, "lon", xym[:, 0])
    out.insert(2, "lat", xym[:, 1])
    out.insert(3, "t_ms", np.round(xym[:, 2] * 1000).astype(np.int64))
    out[COL_SOURCE_ROW] = np.concatenate(src_rows).astype(np.int64)
    return out


def plan(old: pd.DataFrame, recs: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, int], int]:
    """Which new fixes repeat stored ones: the fixes to add, merged fixes per stored track, and the merged count.

    ``recs`` are prepared fixes (``lon``, ``lat``, ``t_ms``, track fields,
    source file and row).  A fix repeating an earlier fix of the same batch
    is merged too.
    """
    n = len(recs)
    if n == 0:
        return recs, {}, 0
    recs = recs.sort_values([COL_TRACK, "t_ms"], kind="stable").reset_index(drop=True)
    t = recs["t_ms"].to_numpy(np.float64) / 1000.0
    lon, lat = recs["lon"].to_numpy(), recs["lat"].to_numpy()
    dup = match_within(t, lon, lat, np.zeros(n, dtype=np.int64), DUPLICATE_FIX_S, DUPLICATE_FIX_M)
    merged = dup >= 0
    per_track: dict[int, int] = {}
    if len(old):
        old = old.sort_values(["record_id", "t_ms"], kind="stable")
        o_id = old["record_id"].to_numpy()
        o_t = old["t_ms"].to_numpy(np.float64) / 1000.0
        o_lon, o_lat = old["lon"].to_numpy(), old["lat"].to_numpy()
        starts = np.flatnonzero(np.r_[True, o_id[1:] != o_id[:-1]])
        ends = np.r_[starts[1:], len(o_id)]
        spans = [(int(o_id[a]), a, b, o_t[a], o_t[b - 1]) for a, b in zip(starts, ends)]
        span_t0 = np.array([s[3] for s in spans])
        span_t1 = np.array([s[4] for s in spans])
        key = recs[COL_TRACK].astype(str) + "\x00" + recs[COL_SOURCE_FILE].astype(str)
        codes = pd.factorize(key)[0]
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0, True])
        for a, b in zip(bounds[:-1], bounds[1:]):
            idx = order[a:b]
            lo, hi = t[idx].min(), t[idx].max()
            for k in np.flatnonzero((span_t1 >= lo - DUPLICATE_FIX_S) & (span_t0 <= hi + DUPLICATE_FIX_S)):
                fid, s0, s1, t0, t1 = spans[k]
                inside = idx[(t[idx] >= t0 - DUPLICATE_FIX_S) & (t[idx] <= t1 + DUPLICATE_FIX_S) & ~merged[idx]]
                if not len(inside):
                    continue
                ix = np.interp(t[inside], o_t[s0:s1], o_lon[s0:s1])
                iy = np.interp(t[inside], o_t[s0:s1], o_lat[s0:s1])
                close = metres_apart(ix, iy, lon[inside], lat[inside]) <= DUPLICATE_FIX_M
                if close.mean() >= SAME_TRACK_SHARE:
                    merged[inside] = True
                    per_track[fid] = per_track.get(fid, 0) + len(inside)
    return recs.loc[~merged].reset_index(drop=True), per_track, int(merged.sum())


def insert(conn: sqlite3.Connection, fixes: pd.DataFrame, import_id: int, imported_at: str) -> None:
    """Write new fixes as one track row per (track id, file)."""
    if not len(fixes):
        return
    fixes = fixes.sort_values([COL_TRACK, COL_SOURCE_FILE, "t_ms"], kind="stable").reset_index(drop=True)
    codes = pd.factorize(fixes[COL_TRACK].astype(str) + "\x00" + fixes[COL_SOURCE_FILE].astype(str))[0]
    cuts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
    first = {c: fixes[c].to_numpy(dtype=object) for c in (COL_PATROL, COL_TRANSPORT, COL_MANDATE)}
    lon, lat = fixes["lon"].to_numpy(float), fixes["lat"].to_numpy(float)
    t_all = fixes["t_ms"].to_numpy(np.int64)
    src_all = fixes[COL_SOURCE_ROW].to_numpy().astype("<i4")
    tracks, files = fixes[COL_TRACK].to_numpy(dtype=object), fixes[COL_SOURCE_FILE].to_numpy(dtype=object)
    rows = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        t_ms = t_all[a:b]
        blob = gpkg.encode_line_m(lon[a:b], lat[a:b], t_ms / 1000.0)
        src = src_all[a:b]

        def value(col, a=a, b=b):  # the track's value: its first fix's that has one
            v = [x for x in first[col][a:b][:50] if x is not None and not pd.isna(x)]
            return None if not v else str(v[0])

        track, file = tracks[a], files[a]
        rows.append(
            (
                blob,
                str(track),
                value(COL_PATROL),
                value(COL_TRANSPORT),
                value(COL_MANDATE),
                _iso(t_ms[0]),
                _iso(t_ms[-1]),
                int(t_ms[0]),
                int(t_ms[-1]),
                int(b - a),
                src.tobytes(),
                str(file),
                int(src.min()),
                import_id,
                imported_at,
            )
        )
    conn.executemany(
        f'INSERT INTO {TABLE} (geom, "{COL_TRACK}", "{COL_PATROL}", "{COL_TRANSPORT}", "{COL_MANDATE}", start_time, '
        "end_time, t0_ms, t1_ms, n_fixes, rows, source_file, source_row, import_id, imported_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def _iso(t_ms: int) -> str:
    return str(np.datetime64(int(t_ms), "ms")) + "Z"


__all__ = ["SAME_TRACK_SHARE", "TABLE", "TRACK_FIELDS", "create_v1", "insert", "plan", "read"]
