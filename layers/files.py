"""Checking a layer file before it is read: it exists, is not empty or oversized, and what it holds.

Files are sniffed by their first bytes, so a file with the wrong extension is
read by what it holds; empty, garbage and oversized files (including zip
bombs) are refused with a :class:`~layers.errors.LayerReadError` naming the
file and the fix.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .errors import LayerReadError

# Limits against hostile or accidental huge files (module constants so tests can lower them).
MAX_FILE_BYTES = 4 * 1024**3
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
MAX_COMPRESSION_RATIO = 200.0  # uncompressed / compressed, checked above ZIP_RATIO_MIN_BYTES
ZIP_RATIO_MIN_BYTES = 64 * 1024**2
MAX_ZIP_MEMBERS = 10_000

VECTOR_KINDS = ("json", "gpkg", "shp", "zip", "kml", "gpx", "csv", "fgb")
EXT_KIND = {
    ".geojson": "json",
    ".json": "json",
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".zip": "zip",
    ".kml": "kml",
    ".kmz": "zip",
    ".gpx": "gpx",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".fgb": "fgb",
    ".tif": "tiff",
    ".tiff": "tiff",
}
FORMATS_HINT = "GeoJSON, GeoPackage, a zipped Shapefile, KML, GPX or CSV with lon/lat, x/y or WKT columns"


# --- sniffing --------------------------------------------------------------
def sniff(path: Path) -> str:
    """What a file holds, from its first bytes: a kind of :data:`EXT_KIND` or ``"empty"``/``"binary"``."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if not head.strip():
        return "empty"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:4] == b"\x00\x00\x27\x0a":
        return "shp"
    if head.startswith(b"fgb"):
        return "fgb"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        low = head.lower()
        if b"<gpx" in low:
            return "gpx"
        if b"<kml" in low:
            return "kml"
        return "xml"
    if text.startswith((b"{", b"[")):
        return "json"
    if b"\x00" in head:
        return "binary"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            decoded = head.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
            return "binary"
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in decoded) / max(1, len(decoded))
        return "csv" if printable > 0.95 else "binary"
    return "csv"


def check_file(path: Path) -> str:
    """The kind of a layer file (see :func:`sniff`), after checking it exists, is a file, not empty and not too big.

    Raises
    ------
    LayerReadError
        The file is missing, a folder, empty, blank or oversized.
    """
    if not path.exists():
        raise LayerReadError(f"{path}: file not found. Fix: correct the path in park.toml or add the file")
    if path.is_dir():
        raise LayerReadError(f"{path}: is a folder, not a file. Fix: name a file in park.toml")
    size = path.stat().st_size
    if size == 0:
        raise LayerReadError(f"{path}: the file is empty (0 bytes). Fix: export the layer again")
    if size > MAX_FILE_BYTES:
        raise LayerReadError(
            f"{path}: the file is {size / 1e9:.1f} GB, above the {MAX_FILE_BYTES / 1e9:.1f} GB limit. "
            "Fix: clip it to the park or split it"
        )
    kind = sniff(path)
    if kind == "empty":
        raise LayerReadError(f"{path}: the file holds only blank space. Fix: export the layer again")
    if kind == "binary":
        with open(path, "rb") as f:
            head = f.read(4096)
        odd, even = head[1::2], head[0::2]
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (
            len(head) > 8 and (odd.count(0) > 0.4 * len(odd) or even.count(0) > 0.4 * len(even))
        ):
            raise LayerReadError(
                f"{path}: the file is UTF-16 text (as Excel's 'Unicode text' saves it), not UTF-8. "
                "Fix: save it again as 'CSV UTF-8' (or any UTF-8 text)"
            )
    return kind


def cut_short(path: Path, kind: str) -> str | None:
    """A note when a text file ends before its end (a GPX/KML without its closing tag, a CSV mid-row), else None."""
    closing = {"gpx": b"</gpx>", "kml": b"</kml>"}.get(kind)
    try:
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - 2048))
            tail = f.read()
    except OSError:
        return None
    if closing is not None and closing not in tail.lower():
        return f"the file ends without {closing.decode()}: it was cut short (a copy or a download that stopped)"
    if kind == "csv" and tail and tail[-1:] not in (b"\n", b"\r"):
        return "the file does not end with a line break: its last row may be cut short"
    return None


def escapes_archive(name: str) -> bool:
    """Whether a zip member's path points outside the archive: absolute, a drive letter, or ``..``."""
    import re
    from pathlib import PurePosixPath

    unix = name.replace("\\", "/")
    return unix.startswith("/") or ".." in PurePosixPath(unix).parts or bool(re.match(r"^[A-Za-z]:", name))


def zip_member(path: Path) -> str:
    """The vector file inside a zip archive, after checking the archive is safe to open."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LayerReadError(f"{path}: not a valid zip archive ({exc}). Fix: zip the layer's files again") from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise LayerReadError(f"{path}: the archive holds {len(infos)} files. Fix: zip only the layer's files")
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNCOMPRESSED_BYTES or (total > ZIP_RATIO_MIN_BYTES and total / packed > MAX_COMPRESSION_RATIO):
        raise LayerReadError(
            f"{path}: the archive would expand to {total / 1e6:.0f} MB from {packed / 1e6:.1f} MB "
            f"(ratio {total / packed:.0f}), which looks like a damaged or hostile zip. "
            "Fix: unzip it yourself and point park.toml at the layer file"
        )
    escaping = [i.filename for i in infos if escapes_archive(i.filename)]
    if escaping:
        raise LayerReadError(
            f"{path}: the archive holds a path that points outside it ({escaping[0][:80]!r}); it was not opened. "
            "Fix: zip the layer's files again"
        )
    names = [i.filename for i in infos if not i.is_dir() and "__MACOSX" not in i.filename]
    for ext in (".shp", ".gpkg", ".geojson", ".json", ".kml", ".gpx", ".fgb", ".csv"):
        found = sorted(n for n in names if n.lower().endswith(ext))
        if found:
            return found[0]
    if path.suffix.lower() == ".kmz":
        return ""
    raise LayerReadError(
        f"{path}: the archive holds no vector layer (files: {', '.join(names[:8]) or 'none'}). "
        "Fix: zip the .shp together with its .shx, .dbf and .prj files"
    )


def sidecar_crs(path: Path) -> str | None:
    """The text of the ``.prj`` file beside ``path``, or ``None`` when there is none or it cannot be read."""
    prj = path.with_suffix(".prj")
    if prj.exists():
        try:
            return prj.read_text(errors="replace")
        except OSError:
            return None
    return None
