"""Files only this account can touch: private folders, atomic private writes, checked uploads.

Every folder the app keeps secrets or executable caches in is made with mode
0700 and checked before use: it must be a real folder (not a symbolic link),
owned by the account running the app, and closed to group and others.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

from .defaults import PRIVATE_DIR_MODE, UPLOAD_MAX_MB, UPLOAD_TYPES
from .errors import UnsafeLocation, UploadRejected


def check_private(path: str | Path, *, directory: bool | None = None) -> Path:
    """Raise :class:`UnsafeLocation` unless ``path`` is owned by this account and closed to others.

    A folder must have no group or other permission bits at all; a file must
    not be writable by group or others.  Symbolic links are refused.
    """
    path = Path(path)
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise UnsafeLocation(f"{path}: cannot be checked ({exc.strerror or exc})") from exc
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeLocation(f"{path}: is a symbolic link. Fix: point the setting at a real folder")
    is_dir = stat.S_ISDIR(st.st_mode)
    if directory is not None and is_dir != directory:
        raise UnsafeLocation(f"{path}: is not a {'folder' if directory else 'file'}")
    if st.st_uid != os.geteuid():
        raise UnsafeLocation(
            f"{path}: belongs to account {st.st_uid}, not to this app's account ({os.geteuid()}). "
            "Fix: remove it, or point the setting at a folder of this account"
        )
    loose = st.st_mode & (0o077 if is_dir else 0o022)
    if loose:
        raise UnsafeLocation(
            f"{path}: mode {stat.S_IMODE(st.st_mode):o} lets other accounts "
            f"{'read or write it' if is_dir else 'write it'}. Fix: chmod {'700' if is_dir else '600'} {path}"
        )
    return path


def private_dir(path: str | Path) -> Path:
    """Create ``path`` (and missing parents) with mode 0700 if needed, then check it with :func:`check_private`."""
    path = Path(path).expanduser()
    if not path.exists():
        try:
            path.mkdir(parents=True, mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            pass
        except OSError as exc:
            raise UnsafeLocation(f"{path}: cannot be created ({exc.strerror or exc})") from exc
        os.chmod(path, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
    return check_private(path, directory=True)


def write_private(path: str | Path, data: bytes, mode: int = 0o600) -> Path:
    """Write ``data`` to ``path`` atomically (a temporary file beside it, then a rename), with ``mode``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- uploads ---------------------------------------------------------------------------------
def sanitise_name(name: str) -> str:
    """A safe file name from an uploaded one: no folders, no leading dots, only letters, digits, ``._-``."""
    base = re.split(r"[\\/]", str(name))[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-")
    return base[:120]


def check_upload(name: str, size: int, max_mb: float = UPLOAD_MAX_MB, types=UPLOAD_TYPES) -> str:
    """The sanitised name of an upload, or :class:`UploadRejected` naming the file and the rule it breaks."""
    safe = sanitise_name(name)
    if not safe:
        raise UploadRejected(f"{name!r}: no usable file name. Fix: rename the file (letters, digits, . _ -)")
    lower = safe.lower()
    if not any(lower.endswith(t) for t in types):
        raise UploadRejected(f"{name}: files of this type are not accepted. Fix: upload one of {', '.join(types)}")
    if size > max_mb * 1024 * 1024:
        raise UploadRejected(
            f"{name}: {size / 1024 / 1024:,.1f} MB is over the {max_mb:g} MB limit per file. "
            "Fix: split or compress it, or copy it into the park folder on the server"
        )
    return safe


def save_uploads(folder: str | Path, files: dict[str, bytes], max_mb: float = UPLOAD_MAX_MB) -> list[Path]:
    """Check every upload first, then write them inside ``folder`` only (never overwriting a file).

    Raises :class:`UploadRejected` before anything is written when one file
    breaks a rule, or when two uploads get the same sanitised name.
    """
    folder = Path(folder).resolve()
    names: dict[str, bytes] = {}
    for name, data in files.items():
        safe = check_upload(name, len(data), max_mb=max_mb)
        if safe.lower() in {n.lower() for n in names}:
            raise UploadRejected(f"{name}: two uploads are both named {safe!r}. Fix: rename one of them")
        names[safe] = data
    written = []
    for safe, data in names.items():
        target = (folder / safe).resolve()
        if target.parent != folder:
            raise UploadRejected(f"{safe}: would be written outside {folder}")
        try:
            with open(target, "xb") as fh:  # "x": never overwrite
                fh.write(data)
        except FileExistsError:
            raise UploadRejected(f"{safe}: a file of that name is already in {folder}; it is kept") from None
        written.append(target)
    return written
