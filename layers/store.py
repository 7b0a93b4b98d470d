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
from .defaults import (
    COL_IMPORT_ID,
    COL_IMPORTED_AT,
    COL_MANDATE,
    COL_QUANTITY,
    COL_SOURCE_FILE,
    COL_SOURCE_ROW,
    COL_TIME,
    COL_TRANSPORT,
    DUPLICATE_FIX_S,
    STORE_BUSY_TIMEOUT_S,
    STORE_NAME,
)
from .errors import ManifestError, StoreError
from .storelog import DocumentsMixin, EditsMixin
from .storerecords import (
    INCIDENT_FIELDS,
    PROVENANCE,
    candidates,
    insert_incidents,
    iso_time,
    login,
    match_incidents,
    prepare,
)
from .storetracks import TABLE as TRACKS

SCHEMA_VERSION = 3
KINDS = {"incidents": "incidents", "patrols": TRACKS, "tracks": TRACKS, "fixes": TRACKS}
# Columns of the record tables besides fid, geom and the time; all stored as text unless listed in _NUMERIC.
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
            f"{self.source_file}: {self.added} {what} added, {self.merged} merged (repeats of stored records or of "
            f"earlier rows), {len(self.rejected)} rejected{note}"
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
        user = user or login()
        name = Path(str(source_file)).name
        recs, rejected = prepare(gdf, table, name)
        result = ImportResult(kind, name, rejected=rejected, dry_run=dry_run)
        now = pd.Timestamp.now(tz="UTC")
        with self.transaction(f"import {name}") as conn:
            cur = conn.execute(
                "INSERT INTO imports (time, user, kind, source_file) VALUES (?, ?, ?, ?)",
                (iso_time(now), user, table, name),
            )
            import_id = int(cur.lastrowid)
            say(0.2, f"{name}: matching {len(recs):,} records against the store")
            if table == TRACKS:
                sources = self._merge_tracks(conn, recs, result, import_id, iso_time(now), name, say)
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
        old = candidates(conn, "incidents", recs)
        match, known = match_incidents("incidents", old, recs)
        if len(old):
            known |= {
                (int(r), f, int(w))
                for r, f, w in conn.execute(
                    "SELECT record_id, source_file, source_row FROM record_sources WHERE kind = 'incidents' "
                    "AND source_file = ?",
                    (name,),
                )
            }
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
        insert_incidents(conn, "incidents", new_rows, import_id, now)
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


def read_documents(folder: str | Path, kind: str) -> pd.DataFrame:
    """The documents of ``kind`` in the park's store, newest first (empty when the park has no store).

    Columns as :meth:`ParkStore.list_documents`.  Raises :class:`StoreError` when the store cannot be read.
    """
    if not ParkStore.exists(folder):
        return pd.DataFrame(columns=["kind", "name", "bytes", "updated", "user", "meta"])
    docs = ParkStore(folder, create=False).list_documents(kind)
    return docs.sort_values("updated", ascending=False, ignore_index=True)


def read_document(folder: str | Path, kind: str, name: str):
    """The document ``name`` of ``kind`` in the park's store, or ``None`` (also when there is no store)."""
    if not ParkStore.exists(folder):
        return None
    return ParkStore(folder, create=False).get_document(kind, name)


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


__all__ = [
    "ImportResult",
    "KINDS",
    "MIGRATIONS",
    "ParkStore",
    "SCHEMA_VERSION",
    "migrate",
    "open_store",
    "read_document",
    "read_documents",
]
