"""The park store: imported records, edits and documents in one GeoPackage in the park folder.

The park's own files are never modified.  What is added later (records
imported from SMART, EarthRanger or GPS units; register edits; plans, fitted
results and scenarios) lives in ``<park>/store.gpkg``, a GeoPackage that a GIS
officer opens in QGIS (tables ``incidents`` and ``track_fixes`` are point
layers in WGS 84; ``imports``, ``record_sources``, ``edits`` and ``documents``
are attribute tables).

Every write is one SQLite transaction (``BEGIN IMMEDIATE``, write-ahead log,
a busy timeout): a process killed mid-import or a full disk leaves the
previous state whole, and two sessions writing at once wait for each other
instead of corrupting the file.  The schema has a version (``store_meta``)
and older stores are migrated when opened.

Examples
--------
>>> store = open_store("data/mypark")  # doctest: +SKIP
>>> result = store.import_records("incidents", gdf, "smart_2024-01.csv")  # doctest: +SKIP
>>> result.added, result.merged, len(result.rejected)  # doctest: +SKIP
"""

from __future__ import annotations

import getpass
import json
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

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
    COL_MANDATE,
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
    STORE_BUSY_TIMEOUT_S,
    STORE_NAME,
    TRANSPORT_TYPES,
)
from .errors import ManifestError, StoreError
from .storelog import DocumentsMixin, EditsMixin
from .storetracks import TABLE as TRACKS

SCHEMA_VERSION = 3
KINDS = {"incidents": "incidents", "patrols": TRACKS, "tracks": TRACKS, "fixes": TRACKS}
# Columns of the record tables besides fid, geom and the time; all stored as text unless listed in _NUMERIC.
INCIDENT_FIELDS = (COL_TYPE, "type_raw", "category", COL_ITEM, COL_QUANTITY, COL_UNIT, COL_SOURCE_ID, "attributes")
FIX_FIELDS = storetracks.TRACK_FIELDS
PROVENANCE = (COL_SOURCE_FILE, COL_SOURCE_ROW, COL_IMPORT_ID, COL_IMPORTED_AT)
_NUMERIC = {COL_QUANTITY: "REAL", COL_SOURCE_ROW: "INTEGER", COL_IMPORT_ID: "INTEGER"}


@dataclass
class ImportResult:
    """What one import did: records added, merged into records already there, and rows rejected.

    ``rejected`` holds ``(file, row, reason)``; ``import_id`` is ``None`` when
    nothing changed (the file had been imported before) or on a dry run.
    """

    kind: str
    source_file: str
    added: int = 0
    merged: int = 0
    rejected: list[tuple[str, int | None, str]] = field(default_factory=list)
    import_id: int | None = None
    dry_run: bool = False

    def summary(self) -> str:
        """One line: ``file: N added, M merged, R rejected``."""
        what = "records" if self.kind == "incidents" else "GPS fixes"
        note = " (dry run: nothing written)" if self.dry_run else ""
        return (
            f"{self.source_file}: {self.added} {what} added, {self.merged} merged with records already in the "
            f"store, {len(self.rejected)} rejected{note}"
        )


# --- schema and migrations ----------------------------------------------------
def _table_sql(table: str, fields) -> str:
    cols = ", ".join(f'"{c}" {_NUMERIC.get(c, "TEXT")}' for c in (*fields, *PROVENANCE))
    return (
        f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, '
        f'"{COL_TIME}" DATETIME, t_ms INTEGER, {cols})'
    )


def _v1(conn: sqlite3.Connection) -> None:
    """Records with provenance, the import log and the sources of merged records."""
    gpkg.create_core_tables(conn)
    conn.execute("CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute(
        "CREATE TABLE imports (import_id INTEGER PRIMARY KEY AUTOINCREMENT, time DATETIME, user TEXT, kind TEXT, "
        "source_file TEXT, added INTEGER, merged INTEGER, rejected INTEGER, rejected_rows TEXT)"
    )
    conn.execute(_table_sql("incidents", INCIDENT_FIELDS))
    storetracks.create_v1(conn)
    conn.execute(
        "CREATE TABLE record_sources (kind TEXT, record_id INTEGER, source_file TEXT, source_row INTEGER, "
        "import_id INTEGER)"
    )
    conn.execute("CREATE INDEX incidents_t ON incidents (t_ms)")
    conn.execute("CREATE INDEX record_sources_r ON record_sources (kind, record_id)")
    gpkg.register_table(conn, "incidents", "incidents imported into the park store")
    gpkg.register_table(conn, "imports", "one row per import", geometry=None)
    gpkg.register_table(conn, "record_sources", "every file row merged into a record", geometry=None)


def _v2(conn: sqlite3.Connection) -> None:
    """The edit log and the documents (plans, fitted results, scenarios)."""
    conn.execute(
        "CREATE TABLE edits (edit_id INTEGER PRIMARY KEY AUTOINCREMENT, time DATETIME, user TEXT, "
        "table_name TEXT, record_id TEXT, field TEXT, before TEXT, after TEXT, undone INTEGER DEFAULT 0, "
        "undo_of INTEGER)"
    )
    conn.execute(
        "CREATE TABLE documents (kind TEXT, name TEXT, data BLOB, meta TEXT, updated DATETIME, user TEXT, "
        "PRIMARY KEY (kind, name))"
    )
    gpkg.register_table(conn, "edits", "register edits, oldest first", geometry=None)
    gpkg.register_table(conn, "documents", "plans, fitted results and scenarios", geometry=None)


def _v3(conn: sqlite3.Connection) -> None:
    """Transport type and mandate on GPS fixes."""
    conn.execute(f'ALTER TABLE {TRACKS} ADD COLUMN "{COL_TRANSPORT}" TEXT')
    conn.execute(f'ALTER TABLE {TRACKS} ADD COLUMN "{COL_MANDATE}" TEXT')


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1, 2: _v2, 3: _v3}


def migrate(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> int:
    """Bring a store's schema to version ``upto`` inside one transaction; returns the version reached."""
    version = _version(conn)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the park store has schema version {version}, newer than this program's {SCHEMA_VERSION}. "
            "Fix: update the program"
        )
    if version >= upto:
        return version
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn)  # another session may have migrated meanwhile
        for v in range(version + 1, upto + 1):
            MIGRATIONS[v](conn)
            conn.execute("INSERT OR REPLACE INTO store_meta VALUES ('schema_version', ?)", (str(v),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return max(version, upto)


def _version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0]) if row else 0


def _store_error(path: Path, exc: sqlite3.Error, doing: str) -> StoreError:
    text = str(exc)
    if "full" in text.lower():
        fix = "free disk space, then run it again; the store is as it was before"
    elif "locked" in text.lower() or "busy" in text.lower():
        fix = "another session is writing to the store; try again in a minute"
    elif "readonly" in text.lower() or "read-only" in text.lower():
        fix = "the park folder is read-only; copy the park somewhere writable"
    else:
        fix = f"check the file; if it is damaged, move {path.name} aside (the park's own files are untouched)"
    return StoreError(f"{path}: cannot {doing} ({text}). Fix: {fix}")


class _Discard(Exception):
    """Raised inside :meth:`ParkStore.transaction` to roll back without an error (dry runs, no change)."""


# --- the store ----------------------------------------------------------------
class ParkStore(EditsMixin, DocumentsMixin):
    """The store of one park folder (created on first use, migrated when older).

    Parameters
    ----------
    folder : str or Path
        The park folder.
    create : bool
        Create the store when it does not exist (else :class:`StoreError`).

    Raises
    ------
    StoreError
        The store's path is a symlink, one of the park's inputs, or a file
        that is not a park store; or the store cannot be opened.
    """

    def __init__(self, folder: str | Path, create: bool = True):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise StoreError(f"{self.folder}: not a folder. Fix: give the park folder (the one holding park.toml)")
        self.path = self.folder / STORE_NAME
        _refuse_unsafe(self.path, self.folder)
        if not self.path.exists() and not create:
            raise StoreError(f"{self.path}: the park has no store yet. Fix: import records first")
        if self.path.exists() and not _is_store(self.path):
            raise StoreError(
                f"{self.path}: a file of that name exists and is not a park store. "
                f"Fix: rename that file; the store is always {STORE_NAME} in the park folder"
            )
        with self._connect() as conn:
            try:
                if _version(conn) == 0:
                    conn.execute("PRAGMA journal_mode = WAL")
                migrate(conn)
            except sqlite3.Error as exc:
                raise _store_error(self.path, exc, "open the store") from exc

    @staticmethod
    def exists(folder: str | Path) -> bool:
        """Whether a park folder has a store (a regular file, not a symlink)."""
        path = Path(folder) / STORE_NAME
        return path.is_file() and not path.is_symlink()

    @property
    def schema_version(self) -> int:
        """The schema version of the store (see :data:`MIGRATIONS`)."""
        with self._connect() as conn:
            return _version(conn)

    @contextmanager
    def _connect(self):
        try:
            conn = sqlite3.connect(self.path, timeout=STORE_BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise _store_error(self.path, exc, "open the store") from exc
        try:
            conn.execute("PRAGMA synchronous = FULL")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self, doing: str = "write to the store"):
        """A write transaction (``BEGIN IMMEDIATE``): committed on success, rolled back on any error."""
        with self._connect() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _store_error(self.path, exc, doing) from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except _Discard:
                conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK") if conn.in_transaction else None
                raise _store_error(self.path, exc, doing) from exc
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # --- records ------------------------------------------------------------
    def import_records(
        self,
        kind: str,
        gdf: gpd.GeoDataFrame,
        source_file: str,
        user: str | None = None,
        dry_run: bool = False,
        progress: Callable[[float, str], None] | None = None,
    ) -> ImportResult:
        """Add records to the store, merging those already there; all or nothing.

        Parameters
        ----------
        kind : {"incidents", "patrols"}
            Incidents (points with ``COL_TIME`` and ``COL_TYPE``) or GPS fixes
            (points with ``COL_TRACK`` and ``COL_TIME``; ``COL_TRANSPORT`` and
            ``COL_MANDATE`` kept when present).
        gdf : geopandas.GeoDataFrame
            The records, in any CRS; ``COL_SOURCE_ROW`` gives their row in the
            file (else their position, from 1).
        source_file : str
            The file they came from (its name is kept as provenance).
        user : str, optional
            Who imported them (default: the login name).
        dry_run : bool
            Work out the result, write nothing.
        progress : callable, optional
            ``progress(fraction, message)``; called inside the transaction.

        Returns
        -------
        ImportResult
            A record is merged, not added, when the store holds one with the
            same source id, or of the same type within a minute and 50 m
            (incidents), or a fix at the same second within 20 m (patrols).
            Importing the same file twice changes nothing.
        """
        table = _table(kind)
        say = progress or (lambda f, m: None)
        user = user or _login()
        name = Path(str(source_file)).name
        recs, rejected = _prepare(gdf, table, name)
        result = ImportResult(kind, name, rejected=rejected, dry_run=dry_run)
        now = pd.Timestamp.now(tz="UTC")
        with self.transaction(f"import {name}") as conn:
            cur = conn.execute(
                "INSERT INTO imports (time, user, kind, source_file) VALUES (?, ?, ?, ?)",
                (_iso(now), user, table, name),
            )
            import_id = int(cur.lastrowid)
            say(0.2, f"{name}: matching {len(recs):,} records against the store")
            if table == TRACKS:
                sources = self._merge_tracks(conn, recs, result, import_id, _iso(now), name, say)
            else:
                sources = self._merge_incidents(conn, recs, result, import_id, now, name, say)
            say(0.9, f"{name}: {result.added:,} added, {result.merged:,} merged")
            changed = bool(result.added or sources)
            if dry_run or not changed:
                raise _Discard
            conn.execute(
                "UPDATE imports SET added = ?, merged = ?, rejected = ?, rejected_rows = ? WHERE import_id = ?",
                (result.added, result.merged, len(rejected), json.dumps(rejected[:10_000]), import_id),
            )
            if result.added:
                x, y = recs["lon"].to_numpy(), recs["lat"].to_numpy()
                gpkg.touch(conn, table, (x.min(), y.min(), x.max(), y.max()))
            gpkg.touch(conn, "imports")
            result.import_id = import_id
        return result

    def _merge_incidents(self, conn, recs, result, import_id, now, name, say) -> list:
        old = _candidates(conn, "incidents", recs)
        match, known = _match("incidents", old, recs)
        new_rows = recs.loc[match == -1]
        sources = []
        merged = recs.loc[match >= 0]
        if len(merged):
            rec_ids = old["fid"].to_numpy()[match[match >= 0]]
            for rid, f, r in zip(rec_ids, merged[COL_SOURCE_FILE], merged[COL_SOURCE_ROW]):
                key = (int(rid), f, int(r))
                if key not in known:
                    known.add(key)
                    sources.append(("incidents", *key, import_id))
        say(0.5, f"{name}: writing {len(new_rows):,} new records")
        _insert(conn, "incidents", new_rows, import_id, now)
        conn.executemany("INSERT INTO record_sources VALUES (?, ?, ?, ?, ?)", sources)
        result.added, result.merged = len(new_rows), len(recs) - len(new_rows)
        return sources

    def _merge_tracks(self, conn, recs, result, import_id, now_iso, name, say) -> list:
        pad = int(1000 * DUPLICATE_FIX_S) + 1
        old = storetracks.read(conn, int(recs["t_ms"].min()) - pad, int(recs["t_ms"].max()) + pad) if len(recs) else []
        new_fixes, per_track, n_merged = storetracks.plan(old, recs)
        sources = []
        if per_track:
            own = dict(zip(old["record_id"].astype(int), old[COL_SOURCE_FILE]))
            have = {
                (int(r), f)
                for r, f in conn.execute("SELECT record_id, source_file FROM record_sources WHERE kind = ?", (TRACKS,))
            }
            for fid in per_track:
                if own.get(int(fid)) != name and (int(fid), name) not in have:
                    sources.append((TRACKS, int(fid), name, None, import_id))
        say(0.5, f"{name}: writing {len(new_fixes):,} new GPS fixes")
        storetracks.insert(conn, new_fixes, import_id, now_iso)
        conn.executemany("INSERT INTO record_sources VALUES (?, ?, ?, ?, ?)", sources)
        result.added, result.merged = len(new_fixes), n_merged
        return sources

    def records(self, kind: str, crs=None) -> gpd.GeoDataFrame:
        """The store's records of one kind, with their provenance columns, in ``crs`` (default WGS 84).

        Columns: ``record_id``, ``COL_TIME`` (UTC), the kind's fields
        (:data:`INCIDENT_FIELDS` or :data:`FIX_FIELDS`) and :data:`PROVENANCE`.
        """
        table = _table(kind)
        if table == TRACKS:
            return self._fixes(crs)
        fields = INCIDENT_FIELDS
        cols = ", ".join(f'"{c}"' for c in (*fields, *PROVENANCE))
        with self._connect() as conn:
            try:
                rows = conn.execute(f'SELECT fid, geom, t_ms, {cols} FROM "{table}" ORDER BY fid').fetchall()
            except sqlite3.Error as exc:
                raise _store_error(self.path, exc, f"read {table}") from exc
        names = ["record_id", "geom", "t_ms", *fields, *PROVENANCE]
        df = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame(columns=names)
        x, y = gpkg.decode_points(df["geom"].tolist())
        time = pd.to_datetime(pd.to_numeric(df["t_ms"]).astype("Int64"), unit="ms", utc=True)
        out = df.drop(columns=["geom", "t_ms"])
        out.insert(1, COL_TIME, time.astype("datetime64[ns, UTC]"))
        out[COL_QUANTITY] = pd.to_numeric(out[COL_QUANTITY])
        return _finish(out, x, y, crs)

    def _fixes(self, crs) -> gpd.GeoDataFrame:
        with self._connect() as conn:
            try:
                df = storetracks.read(conn)
            except sqlite3.Error as exc:
                raise _store_error(self.path, exc, f"read {TRACKS}") from exc
        x, y = df["lon"].to_numpy(float), df["lat"].to_numpy(float)
        time = pd.to_datetime(df["t_ms"].to_numpy(np.int64), unit="ms", utc=True)
        out = df.drop(columns=["lon", "lat", "t_ms"])
        out.insert(1, COL_TIME, time)
        return _finish(out, x, y, crs)

    def imports(self) -> pd.DataFrame:
        """The import log: one row per import that changed the store."""
        with self._connect() as conn:
            return pd.read_sql_query(
                "SELECT import_id, time, user, kind, source_file, added, merged, rejected FROM imports "
                "ORDER BY import_id",
                conn,
            )

    def counts(self) -> dict[str, int]:
        """Rows per table of the store (incidents, patrol_tracks, imports, record_sources, edits, documents)."""
        out = {}
        with self._connect() as conn:
            for t in ("incidents", TRACKS, "imports", "record_sources", "edits", "documents"):
                out[t] = int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])
        return out


def open_store(folder: str | Path) -> ParkStore:
    """The store of a park folder, created if it has none (see :class:`ParkStore`)."""
    return ParkStore(folder, create=True)


def _finish(out: pd.DataFrame, x: np.ndarray, y: np.ndarray, crs) -> gpd.GeoDataFrame:
    """Records with their points, typed provenance columns, in ``crs`` (WGS 84 when ``None``)."""
    out[COL_SOURCE_ROW] = pd.to_numeric(out[COL_SOURCE_ROW]).astype("int64")
    out[COL_IMPORT_ID] = pd.to_numeric(out[COL_IMPORT_ID]).astype("int64")
    out["record_id"] = pd.to_numeric(out["record_id"]).astype("int64")
    out[COL_IMPORTED_AT] = pd.to_datetime(out[COL_IMPORTED_AT], utc=True, format="ISO8601")
    gdf = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(shapely.points(x, y), crs="EPSG:4326"), crs="EPSG:4326")
    if crs is not None and len(gdf):
        from pyproj import Transformer

        tx, ty = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(x, y)
        gdf = gdf.set_geometry(gpd.GeoSeries(shapely.points(tx, ty), index=gdf.index, crs=crs), crs=crs)
    elif crs is not None:
        gdf = gdf.to_crs(crs)
    return gdf


# --- helpers --------------------------------------------------------------------
def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _iso(t: pd.Timestamp) -> str:
    return t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _table(kind: str) -> str:
    try:
        return KINDS[str(kind).lower()]
    except KeyError:
        raise StoreError(f"unknown record kind {kind!r}. Fix: use incidents or patrols") from None


def _refuse_unsafe(path: Path, folder: Path) -> None:
    if path.is_symlink():
        raise StoreError(f"{path}: is a symbolic link; the store is never written through a link. Fix: remove the link")
    try:
        from .manifest import read_manifest

        manifest = read_manifest(folder)
    except ManifestError:
        return
    target = path.resolve()
    for role, p in manifest.all_files().items():
        try:
            same = Path(p).resolve() == target
        except OSError:
            same = False
        if same:
            raise StoreError(
                f"{path}: park.toml names this file as the {role} layer; the store never writes a park input. "
                f"Fix: rename that layer's file (the store is always {STORE_NAME})"
            )


def _is_store(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                return False
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=STORE_BUSY_TIMEOUT_S)
        try:
            return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'store_meta'").fetchone() is not None
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        return False


def _prepare(gdf: gpd.GeoDataFrame, table: str, name: str) -> tuple[pd.DataFrame, list]:
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


def _candidates(conn: sqlite3.Connection, table: str, recs: pd.DataFrame) -> pd.DataFrame:
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


def _match(table: str, old: pd.DataFrame, recs: pd.DataFrame) -> tuple[np.ndarray, set]:
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


def _insert(conn: sqlite3.Connection, table: str, recs: pd.DataFrame, import_id: int, now: pd.Timestamp) -> None:
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
        [_iso(now)] * n,
    ]
    names = ", ".join(f'"{c}"' for c in ("geom", COL_TIME, "t_ms", *fields, *PROVENANCE))
    marks = ", ".join("?" * (3 + len(fields) + len(PROVENANCE)))
    conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', zip(*columns))


__all__ = ["ImportResult", "KINDS", "MIGRATIONS", "ParkStore", "SCHEMA_VERSION", "migrate", "open_store"]
