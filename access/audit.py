"""The audit log of a park: sign-ins (and refusals), downloads and exports — who, when, what, which park.

An append-only SQLite file beside the park's data,
``<park>/.patrol/audit.sqlite`` (folder 0700, file 0600), or one file per park
under ``$PATROL_AUDIT_DIR`` when that is set (e.g. for a read-only park
folder).  Triggers refuse every UPDATE and DELETE.  Only managers read it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pandas as pd

from .defaults import AUDIT_DIR_NAME, AUDIT_ENV, AUDIT_FILE_NAME
from .errors import AuditError
from .files import check_private, private_dir
from .guard import require
from .roles import AUDIT

# events
SIGN_IN, SIGN_IN_FAILED, SIGN_OUT = "sign-in", "sign-in-failed", "sign-out"
DOWNLOAD, EXPORT, EXACT_EXPORT = "download", "export", "exact-export"
DENIED = "denied"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    event TEXT NOT NULL,
    what TEXT NOT NULL,
    park TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
COLUMNS = ["time", "user", "role", "event", "what", "park", "detail"]


def audit_path(park_folder: str | Path) -> Path:
    """Where the audit log of ``park_folder`` is kept."""
    folder = Path(park_folder).resolve()
    root = os.environ.get(AUDIT_ENV)
    if root:
        key = hashlib.sha1(str(folder).encode()).hexdigest()[:12]
        return Path(root).expanduser() / f"{folder.name}-{key}.sqlite"
    return folder / AUDIT_DIR_NAME / AUDIT_FILE_NAME


class AuditLog:
    """The audit log of one park folder."""

    def __init__(self, park_folder: str | Path):
        self.park = Path(park_folder).resolve()
        self.path = audit_path(self.park)

    def _connect(self, create: bool) -> sqlite3.Connection:
        try:
            if create:
                private_dir(self.path.parent)
                if not self.path.exists():
                    os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            check_private(self.path, directory=False)
            con = sqlite3.connect(self.path, timeout=10)
            con.executescript(_SCHEMA)
            return con
        except (OSError, sqlite3.Error) as exc:
            raise AuditError(
                f"{self.path}: the audit log cannot be opened ({exc}). "
                f"Fix: make the park folder writable, or set ${AUDIT_ENV} to a folder of this account"
            ) from exc

    def record(self, event: str, user, what: str, detail: dict | None = None, when=None) -> None:
        """Append one event; ``user`` is a :class:`access.users.User` (or ``None``, recorded as ``-``)."""
        when = when or dt.datetime.now(dt.UTC)
        row = (
            when.isoformat(timespec="seconds"),
            getattr(user, "name", None) or str(user or "-"),
            getattr(user, "role", "") or "",
            event,
            what,
            str(self.park),
            json.dumps(detail or {}, sort_keys=True, default=str),
        )
        con = self._connect(create=True)
        try:
            with con:
                con.execute(f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        except sqlite3.Error as exc:
            raise AuditError(f"{self.path}: the event could not be recorded ({exc})") from exc
        finally:
            con.close()

    def events(self, user, event: str | None = None) -> pd.DataFrame:
        """Every recorded event, oldest first (managers only: :class:`PermissionDenied` otherwise)."""
        require(user, AUDIT, "the audit log")
        if not self.path.exists():
            return pd.DataFrame(columns=COLUMNS)
        con = self._connect(create=False)
        try:
            sql, args = f"SELECT {', '.join(COLUMNS)} FROM events", ()
            if event is not None:
                sql, args = sql + " WHERE event = ?", (event,)
            return pd.read_sql_query(sql + " ORDER BY id", con, params=args)
        except (sqlite3.Error, pd.errors.DatabaseError) as exc:
            raise AuditError(f"{self.path}: the audit log cannot be read ({exc})") from exc
        finally:
            con.close()
