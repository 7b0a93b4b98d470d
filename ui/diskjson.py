"""Plain JSON files in the app's private cache folder: rendered maps and raster overlays between server starts.

What the map draws (Leaflet script, PNG data URLs, bounds, legend entries) is
text and numbers, so it is kept as JSON: a file here can never run code when it
is read back, unlike a pickle.  The folder is the private (0700) cache of
:mod:`access.cache`; a folder or file that fails :func:`access.files.check_private`
is not used (the value is computed as if nothing were kept).
"""

from __future__ import annotations

import json
from pathlib import Path

from access.errors import UnsafeLocation
from access.files import check_private, private_dir, write_private
from ui import maps

SUFFIX = ".json"
MAX_FILES = 400  # kept files of one kind; the oldest go first


def read(folder: str | Path, name: str):
    """The JSON value kept under ``name`` in ``folder``, or ``None`` (none, unsafe or unreadable)."""
    path = Path(folder) / f"{name}{SUFFIX}"
    try:
        if not path.is_file():
            return None
        check_private(Path(folder), directory=True)
        check_private(path, directory=False)
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnsafeLocation, OSError, ValueError):
        return None


def write(folder: str | Path, name: str, value) -> bool:
    """Keep ``value`` (JSON-able) under ``name``; ``False`` when the folder is unsafe or cannot be written."""
    try:
        folder = private_dir(folder)
        write_private(folder / f"{name}{SUFFIX}", json.dumps(value, separators=(",", ":")).encode("utf-8"))
    except (UnsafeLocation, OSError, TypeError, ValueError):
        return False
    prune(folder, name.split("-", 1)[0] + "-")
    return True


def prune(folder: Path, prefix: str, keep: int = MAX_FILES) -> None:
    """Delete the oldest files named ``prefix*`` beyond ``keep``."""
    try:
        files = sorted(folder.glob(f"{prefix}*{SUFFIX}"), key=lambda p: p.stat().st_mtime_ns)
    except OSError:
        return
    for stale in files[: max(0, len(files) - keep)]:
        stale.unlink(missing_ok=True)


def cached_overlays(folder: str | Path, name: str, compute) -> list:
    """Map overlays (:class:`ui.maps.Overlay`) kept under ``name``, else ``compute()`` and keep them."""
    kept = read(folder, name)
    if isinstance(kept, list):
        try:
            return [maps.overlay_from_dict(d) for d in kept]
        except (TypeError, KeyError):
            pass  # another version's layout: computed again
    out = compute()
    write(folder, name, [maps.overlay_to_dict(o) for o in out])
    return out
