"""The GeoPackage pieces of the park store: the required tables and GeoPackage binary point geometries.

Only what :mod:`layers.store` needs, written with the standard ``sqlite3``
module so that no GDAL handle ever holds the store open: the three required
metadata tables (``gpkg_spatial_ref_sys``, ``gpkg_contents``,
``gpkg_geometry_columns``), the application id and version, and the
GeoPackage binary encoding of points (header ``GP``, version 0, flags, SRS id,
then little-endian WKB), vectorised with numpy for millions of GPS fixes.

Examples
--------
>>> blobs = encode_points(np.array([30.5]), np.array([-24.1]))
>>> len(blobs[0]), blobs[0][:2]
(29, b'GP')
>>> decode_points(blobs)
(array([30.5]), array([-24.1]))
"""

from __future__ import annotations

import sqlite3
import struct

import numpy as np
import shapely

APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_VERSION = 10300  # GeoPackage 1.3, in PRAGMA user_version
WGS84_SRS_ID = 4326

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]'
)

# A point blob: 8-byte header (magic, version, flags = little-endian and no envelope, SRS id) + 21-byte WKB.
_POINT_DTYPE = np.dtype(
    [
        ("magic", "S2"),
        ("version", "u1"),
        ("flags", "u1"),
        ("srs", "<i4"),
        ("order", "u1"),
        ("wkb_type", "<u4"),
        ("x", "<f8"),
        ("y", "<f8"),
    ]
)
POINT_BLOB_BYTES = _POINT_DTYPE.itemsize  # 29
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def create_core_tables(conn: sqlite3.Connection) -> None:
    """Create the GeoPackage metadata tables and their required rows (idempotent)."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {GPKG_VERSION}")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, "
        "organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, "
        "description TEXT)"
    )
    conn.executemany(
        "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
            ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
            ("WGS 84 geodetic", WGS84_SRS_ID, "EPSG", 4326, _WGS84_WKT, "longitude/latitude coordinates in WGS 84"),
        ],
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, "
        "identifier TEXT UNIQUE, description TEXT DEFAULT '', "
        "last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), "
        "min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, "
        "CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))"
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
        "geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, "
        "CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), "
        "CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), "
        "CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))"
    )


def register_table(
    conn: sqlite3.Connection,
    table: str,
    description: str,
    geometry: str | None = "POINT",
    column: str = "geom",
    m: int = 0,
) -> None:
    """List a table in ``gpkg_contents`` (features when ``geometry`` is given, else attributes)."""
    kind = "features" if geometry else "attributes"
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
        "VALUES (?, ?, ?, ?, ?)",
        (table, kind, table, description, WGS84_SRS_ID if geometry else None),
    )
    if geometry:
        conn.execute(
            "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, ?)",
            (table, column, geometry, WGS84_SRS_ID, int(m)),
        )


def touch(conn: sqlite3.Connection, table: str, bounds: tuple[float, float, float, float] | None = None) -> None:
    """Update a table's ``last_change`` (and its extent, widened to ``bounds``) in ``gpkg_contents``."""
    conn.execute(
        "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?", (table,)
    )
    if bounds is not None and all(np.isfinite(bounds)):
        conn.execute(
            "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?1), ?1), min_y = min(coalesce(min_y, ?2), ?2), "
            "max_x = max(coalesce(max_x, ?3), ?3), max_y = max(coalesce(max_y, ?4), ?4) WHERE table_name = ?5",
            (*map(float, bounds), table),
        )


def encode_points(x: np.ndarray, y: np.ndarray, srs_id: int = WGS84_SRS_ID) -> list[bytes]:
    """GeoPackage binary blobs of 2-D points (one ``bytes`` per point)."""
    n = len(x)
    arr = np.empty(n, dtype=_POINT_DTYPE)
    arr["magic"] = b"GP"
    arr["version"] = 0
    arr["flags"] = 1  # little-endian, no envelope, not empty, standard GeoPackage
    arr["srs"] = srs_id
    arr["order"] = 1
    arr["wkb_type"] = 1  # Point
    arr["x"] = x
    arr["y"] = y
    raw = arr.tobytes()
    size = POINT_BLOB_BYTES
    return [raw[i : i + size] for i in range(0, n * size, size)]


def decode_points(blobs) -> tuple[np.ndarray, np.ndarray]:
    """x and y of GeoPackage point blobs; NaN for empty, missing or non-point geometries."""
    blobs = list(blobs)
    n = len(blobs)
    if n == 0:
        return np.empty(0), np.empty(0)
    if all(isinstance(b, bytes) and len(b) == POINT_BLOB_BYTES for b in blobs):
        arr = np.frombuffer(b"".join(blobs), dtype=_POINT_DTYPE)
        if (arr["flags"] == 1).all() and (arr["wkb_type"] == 1).all():
            return arr["x"].astype(float), arr["y"].astype(float)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    for i, b in enumerate(blobs):
        geom = decode_geometry(b)
        if geom is not None and geom.geom_type == "Point" and not geom.is_empty:
            x[i], y[i] = geom.x, geom.y
    return x, y


def decode_geometry(blob) -> shapely.Geometry | None:
    """One GeoPackage binary geometry as a shapely geometry (``None`` when missing or unreadable)."""
    if not isinstance(blob, bytes | bytearray | memoryview) or len(blob) < 8 or bytes(blob[:2]) != b"GP":
        return None
    flags = blob[3]
    envelope = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
    if envelope is None:
        return None
    try:
        return shapely.from_wkb(bytes(blob[8 + envelope :]))
    except shapely.errors.GEOSException:
        return None


def encode_line_m(x: np.ndarray, y: np.ndarray, m: np.ndarray, srs_id: int = WGS84_SRS_ID) -> bytes:
    """A GeoPackage binary LineString M (ISO WKB type 2002); a single point is written twice (a line needs two)."""
    if len(x) == 1:
        x, y, m = np.repeat(x, 2), np.repeat(y, 2), np.repeat(m, 2)
    coords = np.column_stack([x, y, m]).astype("<f8")
    header = b"GP\x00\x01" + struct.pack("<i", srs_id) + b"\x01" + struct.pack("<II", 2002, len(coords))
    return header + coords.tobytes()


def decode_line_m(blob: bytes) -> np.ndarray:
    """``(n, 3)`` x, y, m of a GeoPackage binary LineString M (as :func:`encode_line_m` writes it, or any LineString).

    A LineString without M gives NaN in the third column; anything else gives an empty array.
    """
    if not isinstance(blob, bytes | bytearray | memoryview) or len(blob) < 17 or bytes(blob[:2]) != b"GP":
        return np.empty((0, 3))
    blob = bytes(blob)
    env = _ENVELOPE_BYTES.get((blob[3] >> 1) & 0b111)
    if env is None:
        return np.empty((0, 3))
    wkb = blob[8 + env :]
    order = "<" if wkb[0] == 1 else ">"
    wkb_type, n = struct.unpack(order + "II", wkb[1:9])
    dims = {2: 2, 1002: 3, 2002: 3, 3002: 4}.get(wkb_type)
    if dims is None or len(wkb) < 9 + 8 * dims * n:
        return np.empty((0, 3))
    arr = np.frombuffer(wkb, dtype=order + "f8", count=dims * n, offset=9).reshape(n, dims)
    out = np.full((n, 3), np.nan)
    out[:, :2] = arr[:, :2]
    if wkb_type == 2002:
        out[:, 2] = arr[:, 2]
    elif wkb_type == 3002:
        out[:, 2] = arr[:, 3]
    return out


def srs_id_of(blob: bytes) -> int:
    """The SRS id written in a GeoPackage binary geometry's header."""
    order = "<" if blob[3] & 1 else ">"
    return struct.unpack(order + "i", bytes(blob[4:8]))[0]


__all__ = [
    "APPLICATION_ID",
    "GPKG_VERSION",
    "POINT_BLOB_BYTES",
    "WGS84_SRS_ID",
    "create_core_tables",
    "decode_geometry",
    "decode_line_m",
    "decode_points",
    "encode_line_m",
    "encode_points",
    "register_table",
    "srs_id_of",
    "touch",
]
