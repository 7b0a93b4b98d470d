"""Register edits that lose nothing: kept in the park store's edit log, applied on load, undoable.

A manager adds a case outcome, corrects an incident's type or quantity, or
adds a seizure that was never recorded.  None of this touches the park's own
files: each edit is one row of the store's edit log (``layers.store``; who,
when, table, record, field, before, after), and :func:`open_register` replays
the edits that are not undone over the incidents and the case table every
time the register is loaded.  An undo is itself logged.

Examples
--------
>>> editor = RegisterEditor(park)  # doctest: +SKIP
>>> editor.add_case_outcome("CR-004", "convicted", "2026-09-30", sentence="2 years", user="warden")  # doctest: +SKIP
>>> editor.register().case_summary().set_index("case_ref").loc["CR-004", "status"]  # doctest: +SKIP
'convicted'
"""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd

from layers.defaults import (
    CASE_EVENTS,
    COL_CASE,
    COL_CAUSE,
    COL_INCIDENT_ID,
    COL_ITEM,
    COL_NATIONALITY,
    COL_PEOPLE,
    COL_QUANTITY,
    COL_SPECIES,
    COL_TIME,
    COL_TYPE,
    COL_UNIT,
)
from layers.errors import StoreError

from .cases import CASE_ROW_ID
from .defaults import REGISTER_TYPES
from .errors import EditError
from .register import Register, load_register, normalise_item

__all__ = ["EDITABLE_FIELDS", "RegisterEditor", "open_register"]

INCIDENTS, CASES = "incidents", "cases"
# Fields of an incident a manager may correct, and how a value is checked.
EDITABLE_FIELDS = (COL_TYPE, COL_QUANTITY, COL_UNIT, COL_ITEM, COL_PEOPLE, COL_SPECIES, COL_CAUSE, COL_CASE,
                   COL_NATIONALITY)  # fmt: skip


def _applier(store):
    def apply(table: str, frame: pd.DataFrame, id_column: str) -> pd.DataFrame:
        try:
            return store.apply_edits(table, frame, id_column)
        except StoreError as exc:
            raise EditError(str(exc)) from exc

    return apply


def open_register(park, create_store: bool = False) -> Register:
    """The register of ``park`` with the edits of its store applied (the plain register when it has no store).

    Opening never creates a store unless ``create_store`` is true.
    """
    from layers.store import ParkStore, open_store

    if not create_store and not ParkStore.exists(park.folder):
        return load_register(park)
    return load_register(park, edits=_applier(open_store(park.folder)))


class RegisterEditor:
    """Edits of one park's register, through the park store.

    Parameters
    ----------
    park : layers.park.Park
        The loaded park (its folder holds the store, created on the first edit).
    """

    def __init__(self, park):
        self.park = park
        self._store = None
        self._register: Register | None = None

    @property
    def store(self):
        """The park store (opened, or created, on first use)."""
        if self._store is None:
            from layers.store import open_store

            try:
                self._store = open_store(self.park.folder)
            except StoreError as exc:
                raise EditError(str(exc)) from exc
        return self._store

    def register(self) -> Register:
        """The register with every edit applied (reloaded after each edit)."""
        if self._register is None:
            self._register = open_register(self.park)
        return self._register

    def _record(self, table, record_id, field, before, after, user) -> int:
        try:
            edit_id = self.store.record_edit(table, record_id, field, before, after, user)
        except StoreError as exc:
            raise EditError(str(exc)) from exc
        self._register = None
        return edit_id

    # --- incidents -----------------------------------------------------------------
    def correct_incident(self, incident_id: str, field: str, value, user: str | None = None) -> int:
        """Correct one field of an incident (its type, quantity, item, unit, people, ...); returns the edit id.

        Raises
        ------
        EditError
            For an unknown incident or field, a type not in ``REGISTER_TYPES``, a negative or non-numeric
            quantity or number of people.
        """
        if field not in EDITABLE_FIELDS:
            raise EditError(f"field {field!r} cannot be edited. Fix: edit one of {', '.join(EDITABLE_FIELDS)}")
        inc = self.register().incidents
        hit = inc[inc[COL_INCIDENT_ID].astype(str) == str(incident_id)]
        if not len(hit):
            raise EditError(f"no incident {incident_id!r} in the register. Fix: pick an incident_id from the register")
        value = self._check(field, value)
        before = hit.iloc[0][field]
        before = None if _missing(before) else before
        if _same(before, value):
            raise EditError(f"incident {incident_id}: {field} is already {value!r}; nothing to change")
        return self._record(INCIDENTS, incident_id, field, before, value, user)

    def add_seizure(
        self,
        time,
        lon: float,
        lat: float,
        item: str,
        quantity: float | None = None,
        unit: str | None = None,
        case_ref: str | None = None,
        user: str | None = None,
    ) -> str:
        """Add a seizure that was never recorded (WGS 84 position); returns its new incident id."""
        t = pd.to_datetime(time, utc=True, errors="coerce")
        if pd.isna(t):
            raise EditError(f"seizure date {time!r} cannot be read. Fix: write it as YYYY-MM-DD")
        if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise EditError(f"seizure place ({lon}, {lat}) is not a longitude and latitude. Fix: give WGS 84 degrees")
        quantity = None if quantity is None else self._check(COL_QUANTITY, quantity)
        item_name = normalise_item(pd.Series([item])).iloc[0]
        if _missing(item_name):
            raise EditError("a seizure needs an item. Fix: say what was seized (ivory, rhino horn, firearm, ...)")
        new_id = f"EDIT-{uuid.uuid4().hex[:8]}"
        record = {
            COL_INCIDENT_ID: new_id,
            COL_TIME: t.isoformat(),
            COL_TYPE: "seizure",
            "type_raw": "seizure (added in the register)",
            COL_ITEM: item_name,
            COL_QUANTITY: quantity,
            COL_UNIT: unit or None,
            COL_CASE: case_ref or None,
            "lon": float(lon),
            "lat": float(lat),
        }
        self._record(INCIDENTS, new_id, "*", None, record, user)
        return new_id

    # --- cases ------------------------------------------------------------------------
    def add_case_outcome(
        self,
        case_ref: str,
        event: str,
        date,
        sentence: str | None = None,
        note: str | None = None,
        user: str | None = None,
    ) -> int:
        """Add a step to a case's prosecution history (``opened``, ``charged``, ``convicted``, ...); returns the edit id."""
        if event not in CASE_EVENTS:
            raise EditError(f"{event!r} is not a prosecution step. Fix: use one of {', '.join(CASE_EVENTS)}")
        d = pd.to_datetime(date, utc=True, errors="coerce")
        if pd.isna(d):
            raise EditError(f"date {date!r} cannot be read. Fix: write it as YYYY-MM-DD")
        reg = self.register()
        known = set(reg.cases["case_ref"].dropna().astype(str)) | set(reg.incidents[COL_CASE].dropna().astype(str))
        if str(case_ref) not in known:
            raise EditError(
                f"no case {case_ref!r} in the register. Fix: pick a case reference from the case table, "
                "or give the arrest or seizure its case reference first"
            )
        row_id = f"edit:{uuid.uuid4().hex[:8]}"
        record = {CASE_ROW_ID: row_id, "case_ref": str(case_ref), "event": event, "date": d.isoformat(),
                  "sentence": sentence or None, "note": note or None, "source_file": "store edit"}  # fmt: skip
        return self._record(CASES, row_id, "*", None, record, user)

    # --- the log ------------------------------------------------------------------------
    def log(self) -> pd.DataFrame:
        """The register's edits (incidents and cases), oldest first, with ``undone`` and ``undo_of``."""
        from layers.store import ParkStore

        if self._store is None and not ParkStore.exists(self.park.folder):
            return pd.DataFrame(
                columns=[
                    "edit_id",
                    "time",
                    "user",
                    "table",
                    "record_id",
                    "field",
                    "before",
                    "after",
                    "undone",
                    "undo_of",
                ]  # fmt: skip
            )
        log = self.store.edits()
        return log[log["table"].isin([INCIDENTS, CASES])].reset_index(drop=True)

    def undo(self, edit_id: int, user: str | None = None) -> int:
        """Undo an edit (logged as an edit itself); returns the undo's edit id."""
        log = self.log()
        if int(edit_id) not in set(log["edit_id"]):
            raise EditError(f"no register edit {edit_id}. Fix: pick an edit_id from the edit log")
        try:
            undo_id = self.store.undo(int(edit_id), user)
        except StoreError as exc:
            raise EditError(str(exc)) from exc
        self._register = None
        return undo_id

    @staticmethod
    def _check(field: str, value):
        if field == COL_TYPE:
            if value not in REGISTER_TYPES:
                raise EditError(f"type {value!r} is not an incident type. Fix: use one of {', '.join(REGISTER_TYPES)}")
            return value
        if field in (COL_QUANTITY, COL_PEOPLE):
            try:
                v = float(value)
            except (TypeError, ValueError) as exc:
                raise EditError(f"{field} {value!r} is not a number. Fix: write a number such as 12.5") from exc
            if not np.isfinite(v) or v < 0:
                raise EditError(f"{field} {value!r} must be zero or more. Fix: write the amount recorded")
            return v
        return None if value is None or str(value).strip() == "" else str(value).strip()


def _missing(v) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _same(a, b) -> bool:
    if _missing(a) and _missing(b):
        return True
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return a == b
