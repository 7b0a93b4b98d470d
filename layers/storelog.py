"""The park store's edit log and documents (mixed into :class:`layers.store.ParkStore`).

Edits never change a record in place: each is a row of the ``edits`` table
(who, when, which table, record and field, the value before and after, as
JSON), and :meth:`EditsMixin.apply_edits` replays them over a table.  Field
``"*"`` adds a whole record (``before`` empty, ``after`` the record as a dict)
or removes one (``after`` empty).  An undo is itself an edit, and marks the
edit it undoes.

Documents are named blobs with JSON metadata, one table for plans, fitted
results and scenarios (``kind`` tells them apart).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import StoreError

WHOLE_RECORD = "*"


@dataclass
class Document:
    """A stored document: its kind and name, the bytes, metadata, when and by whom it was last written."""

    kind: str
    name: str
    data: bytes
    meta: dict
    updated: str
    user: str


def to_json(value) -> str | None:
    """A value as JSON text for the edit log (``None`` stays ``None``; times as ISO text)."""
    if value is None:
        return None
    return json.dumps(_plain(value), ensure_ascii=False)


def _plain(v):
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, pd.Timestamp | np.datetime64):
        return None if pd.isna(v) else pd.Timestamp(v).isoformat()
    if v is None or isinstance(v, str | int | float | bool):
        return v
    if getattr(v, "geom_type", None):  # a shapely geometry
        return v.wkt
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class EditsMixin:
    """The edit log of the register (needs ``transaction``, ``_connect`` and ``_login``-like ``user``)."""

    def record_edit(self, table: str, record_id, field: str, before, after, user: str | None = None) -> int:
        """Log one edit and return its ``edit_id``.

        Parameters
        ----------
        table : str
            The table edited (``"incidents"``, ``"cases"``...).
        record_id
            The record's id in that table (kept as text).
        field : str
            The column changed, or ``"*"`` for a whole record added (``before``
            is ``None``, ``after`` a dict) or removed (``after`` is ``None``).
        before, after
            The values (any JSON-able value; times become ISO text).
        user : str, optional
            Who made the edit (default: the login name).
        """
        if not str(table).strip() or not str(field).strip():
            raise StoreError("an edit needs a table and a field. Fix: name both (field '*' for a whole record)")
        if field == WHOLE_RECORD and after is not None and not isinstance(after, dict):
            raise StoreError("a whole-record edit ('*') takes the record as a dict. Fix: pass after={column: value}")
        from .storerecords import login

        with self.transaction("record an edit") as conn:
            cur = conn.execute(
                "INSERT INTO edits (time, user, table_name, record_id, field, before, after) VALUES (?,?,?,?,?,?,?)",
                (_now(), user or login(), str(table), str(record_id), str(field), to_json(before), to_json(after)),
            )
            return int(cur.lastrowid)

    def edits(self, table: str | None = None) -> pd.DataFrame:
        """The edit log, oldest first: edit_id, time, user, table, record_id, field, before, after, undone, undo_of.

        ``before`` and ``after`` are the values read back from JSON.
        """
        sql = (
            'SELECT edit_id, time, user, table_name AS "table", record_id, field, before, after, undone, undo_of '
            "FROM edits"
        )
        args: tuple = ()
        if table is not None:
            sql += " WHERE table_name = ?"
            args = (str(table),)
        with self._connect() as conn:
            df = pd.read_sql_query(sql + " ORDER BY edit_id", conn, params=args)
        for c in ("before", "after"):
            df[c] = [json.loads(v) if isinstance(v, str) else None for v in df[c]]
        df["undone"] = df["undone"].fillna(0).astype(bool)
        df["undo_of"] = df["undo_of"].astype("Int64")
        return df

    def undo(self, edit_id: int, user: str | None = None) -> int:
        """Undo an edit: log the reverse edit (returned) and mark the original as undone."""
        from .storerecords import login

        with self.transaction("undo an edit") as conn:
            row = conn.execute(
                "SELECT table_name, record_id, field, before, after, undone, undo_of FROM edits WHERE edit_id = ?",
                (int(edit_id),),
            ).fetchone()
            if row is None:
                raise StoreError(f"no edit {edit_id} in the store. Fix: pick an edit_id from the edit log")
            table, record, fld, before, after, undone, undo_of = row
            if undone:
                raise StoreError(f"edit {edit_id} is already undone. Fix: make the edit again to redo it")
            if undo_of is not None:
                raise StoreError(f"edit {edit_id} is itself an undo. Fix: make the edit again to redo it")
            cur = conn.execute(
                "INSERT INTO edits (time, user, table_name, record_id, field, before, after, undo_of) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (_now(), user or login(), table, record, fld, after, before, int(edit_id)),
            )
            conn.execute("UPDATE edits SET undone = 1 WHERE edit_id = ?", (int(edit_id),))
            return int(cur.lastrowid)

    def apply_edits(self, table: str, df: pd.DataFrame, id_column: str) -> pd.DataFrame:
        """``df`` with the table's edits (those not undone) replayed in order; ``df`` itself is not changed.

        Edits of a record that is not in ``df`` are skipped and listed in
        ``out.attrs["edits_skipped"]`` (edit ids).  A whole record added to a
        GeoDataFrame takes its point from ``lon``/``lat`` (WGS 84) or ``x``/``y``
        (the frame's CRS) in the record.
        """
        log = self.edits(table)
        log = log[~log["undone"] & log["undo_of"].isna()]
        out = df.copy()
        skipped = []
        ids = out[id_column].astype(str)
        for e in log.itertuples(index=False):
            rid = str(e.record_id)
            hit = (ids == rid).to_numpy()
            if e.field == WHOLE_RECORD:
                if e.after is None:
                    out, ids = out.loc[~hit], ids.loc[~hit]
                    continue
                if hit.any():
                    skipped.append(int(e.edit_id))
                    continue
                out = _append(out, dict(e.after), id_column, rid)
                ids = out[id_column].astype(str)
                continue
            if not hit.any():
                skipped.append(int(e.edit_id))
                continue
            out = _set(out, hit, e.field, e.after)
        out.attrs["edits_skipped"] = skipped
        return out


def _coerce(series: pd.Series, value):
    if value is None:
        return None
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return pd.to_datetime(value, utc=True)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return pd.to_datetime(value)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return pd.to_numeric(value, errors="coerce")
    return value


def _set(out: pd.DataFrame, hit: np.ndarray, field: str, value) -> pd.DataFrame:
    if field not in out.columns:
        out[field] = None
    v = _coerce(out[field], value)
    if v is not None and pd.api.types.is_integer_dtype(out[field].dtype) and float(v) != int(v):
        out[field] = out[field].astype(float)
    if v is None and not pd.api.types.is_object_dtype(out[field].dtype):
        v = np.nan if pd.api.types.is_numeric_dtype(out[field].dtype) else pd.NaT
    out.loc[hit, field] = v
    return out


def _append(out: pd.DataFrame, record: dict, id_column: str, rid: str) -> pd.DataFrame:
    record = dict(record)
    record.setdefault(id_column, rid)
    geom_name = getattr(out, "_geometry_column_name", None)
    if geom_name is not None:
        import geopandas as gpd
        import shapely

        geom = None
        if "lon" in record and "lat" in record:
            pt = gpd.GeoSeries([shapely.Point(float(record["lon"]), float(record["lat"]))], crs="EPSG:4326")
            geom = pt.to_crs(out.crs).iloc[0] if out.crs is not None else pt.iloc[0]
        elif "x" in record and "y" in record:
            geom = shapely.Point(float(record["x"]), float(record["y"]))
        elif isinstance(record.get(geom_name), str):
            geom = shapely.from_wkt(record[geom_name])
        record[geom_name] = geom
    row = {}
    for c, v in record.items():
        row[c] = _coerce(out[c], v) if c in out.columns and c != geom_name else v
    new = pd.DataFrame([row])
    if geom_name is not None:
        import geopandas as gpd

        new = gpd.GeoDataFrame(new, geometry=geom_name, crs=out.crs)
    if not len(out):
        return new.reindex(columns=list(dict.fromkeys([*out.columns, *new.columns])))
    return pd.concat([out, new], ignore_index=True)


class DocumentsMixin:
    """Named documents (plans, fitted results, scenarios) in the store."""

    def put_document(self, kind: str, name: str, data: bytes, meta: dict | None = None, user: str | None = None):
        """Write (or replace) the document ``name`` of ``kind``."""
        from .storerecords import login

        if not isinstance(data, bytes | bytearray | memoryview):
            raise StoreError(f"document {kind}/{name}: data must be bytes. Fix: encode it (e.g. text.encode())")
        if not str(kind).strip() or not str(name).strip():
            raise StoreError("a document needs a kind and a name. Fix: give both")
        with self.transaction(f"save {kind} {name}") as conn:
            conn.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                (str(kind), str(name), bytes(data), to_json(meta or {}), _now(), user or login()),
            )

    def get_document(self, kind: str, name: str) -> Document | None:
        """The document, or ``None`` when there is none of that kind and name."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT kind, name, data, meta, updated, user FROM documents WHERE kind = ? AND name = ?",
                (str(kind), str(name)),
            ).fetchone()
        if row is None:
            return None
        return Document(row[0], row[1], bytes(row[2]), json.loads(row[3] or "{}"), row[4], row[5])

    def list_documents(self, kind: str | None = None) -> pd.DataFrame:
        """kind, name, bytes, updated, user and meta of the documents (of one ``kind``), by name."""
        sql = "SELECT kind, name, length(data) AS bytes, updated, user, meta FROM documents"
        args: tuple = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            args = (str(kind),)
        with self._connect() as conn:
            df = pd.read_sql_query(sql + " ORDER BY kind, name", conn, params=args)
        df["meta"] = [json.loads(m or "{}") for m in df["meta"]]
        return df

    def keep_newest(self, kind: str, n: int) -> list[str]:
        """Delete all but the ``n`` most recently written documents of ``kind``; returns the deleted names."""
        docs = self.list_documents(kind).sort_values("updated", ascending=False)
        old = [str(name) for name in docs["name"].iloc[max(int(n), 0) :]]
        for name in old:
            self.delete_document(kind, name)
        return old

    def delete_document(self, kind: str, name: str) -> bool:
        """Delete a document; ``True`` when there was one."""
        with self.transaction(f"delete {kind} {name}") as conn:
            cur = conn.execute("DELETE FROM documents WHERE kind = ? AND name = ?", (str(kind), str(name)))
            return cur.rowcount > 0


__all__ = ["WHOLE_RECORD", "Document", "DocumentsMixin", "EditsMixin", "to_json"]
