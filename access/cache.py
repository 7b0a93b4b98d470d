"""A disk cache no other account can poison: a private folder, checked files, signed pickles.

Loaded parks are Python objects (GeoDataFrames, grids) that only pickle
keeps whole, and unpickling runs code.  So a cached pickle is loaded only when

* its folder is a real folder owned by this account with mode 0700
  (:func:`access.files.private_dir`; otherwise the cache is refused and the
  value computed), and
* the file is owned by this account, not writable by others, and carries the
  HMAC-SHA256 of its bytes under a key kept in that folder (``.key``, 0600).

A file planted there by someone else (or left by another installation) fails
the check and is deleted unread.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
from collections.abc import Callable
from pathlib import Path

from .errors import UnsafeLocation
from .files import check_private, private_dir, write_private

KEY_NAME = ".key"
SUFFIX = ".pickle"
_TAG = 32  # bytes of the HMAC-SHA256 at the head of each file


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rhino-patrol`` or ``~/.cache/rhino-patrol`` (never the shared temporary folder)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "rhino-patrol"


class SafeCache:
    """Signed pickles in a private folder. Every method raises :class:`UnsafeLocation` for an unsafe folder."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).expanduser()

    def _key(self) -> bytes:
        private_dir(self.folder)
        path = self.folder / KEY_NAME
        if not path.exists():
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(secrets.token_bytes(32))
        check_private(path, directory=False)
        if path.stat().st_mode & 0o044:
            raise UnsafeLocation(f"{path}: the cache key is readable by other accounts. Fix: chmod 600 {path}")
        key = path.read_bytes()
        if len(key) < 32:
            raise UnsafeLocation(f"{path}: the cache key is too short. Fix: delete it (the cache starts afresh)")
        return key

    def path(self, name: str) -> Path:
        return self.folder / f"{name}{SUFFIX}"

    def load(self, name: str):
        """The cached value, or ``KeyError`` when there is none or it fails a check (then it is deleted)."""
        key = self._key()
        path = self.path(name)
        if not path.is_file():
            raise KeyError(name)
        try:
            check_private(path, directory=False)
            blob = path.read_bytes()
        except (UnsafeLocation, OSError):
            path.unlink(missing_ok=True)
            raise KeyError(name) from None
        tag, body = blob[:_TAG], blob[_TAG:]
        if len(blob) <= _TAG or not hmac.compare_digest(tag, hmac.new(key, body, hashlib.sha256).digest()):
            path.unlink(missing_ok=True)  # not written by this cache: never unpickled
            raise KeyError(name)
        return pickle.loads(body)

    def store(self, name: str, value) -> Path:
        key = self._key()
        body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return write_private(self.path(name), hmac.new(key, body, hashlib.sha256).digest() + body, 0o600)

    def prune(self, prefix: str, keep: str) -> None:
        """Delete the entries whose name starts with ``prefix`` except ``keep`` (older versions of one park)."""
        for stale in self.folder.glob(f"{prefix}*{SUFFIX}"):
            if stale.name != f"{keep}{SUFFIX}":
                stale.unlink(missing_ok=True)

    def cached(self, name: str, compute: Callable):
        """``load(name)``, else ``compute()`` stored under ``name``.

        An unsafe folder raises :class:`UnsafeLocation` before anything is read;
        a failure to store only loses the cache.
        """
        try:
            return self.load(name)
        except KeyError:
            pass
        value = compute()
        try:
            self.store(name, value)
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            pass
        return value
