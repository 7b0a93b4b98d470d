"""KML and KMZ from GPS units and phone apps: tracks (``gx:Track``, ``LineString``, ``MultiGeometry``) and waypoints.

A KMZ is a zip holding ``doc.kml`` (or another ``.kml``) and images.  It is
opened only after its directory has been checked: no member path that
escapes the archive (absolute, ``..``, a drive letter), not too many members,
the document's declared size within :data:`MAX_KML_BYTES` and not a zip bomb
(:data:`MAX_KMZ_RATIO`); the document is then read with that size as a hard
cap, so a directory that lies about sizes cannot make it read more.  KML
with a DTD or entity declarations is refused (entity expansion is the
classic XML bomb).

:func:`read_kml` gives a :class:`KmlContent`: GPS fixes (one track per
``gx:Track``, or per line of a Placemark) and waypoints (Placemark points),
each with its 1-based Placemark number as the source row.  Lines without a
time per vertex take their time from the Placemark's ``TimeSpan`` (spread
along the line by :func:`layers.importers.lines.spread_line`); lines with
no time at all are listed as rejected: effort needs a date.

Examples
--------
>>> content = read_kml("walks.kmz")  # doctest: +SKIP
>>> content.fixes[["track_id", "time", "lon", "lat"]].head()  # doctest: +SKIP
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..defaults import COL_SOURCE_FILE, COL_SOURCE_ROW, COL_TIME, COL_TRACK
from ..errors import LayerReadError
from ..files import escapes_archive
from .common import MAX_XML_BYTES, Rejects, parse_utc, refuse_xml_declarations
from .lines import MAX_LINE_FIXES, leg_problem, n_fixes, spread_line

MAX_KML_BYTES = MAX_XML_BYTES  # a KML document (alone or inside a KMZ, uncompressed): parsing takes ~10x in memory
MAX_KMZ_RATIO = 100.0  # uncompressed / compressed size of that document above 1 MB
MAX_KMZ_MEMBERS = 10_000
_RATIO_MIN_BYTES = 1024**2


@dataclass
class KmlContent:
    """What a KML document holds: GPS fixes of its tracks, its waypoints, the Placemarks rejected as either, notes."""

    fixes: pd.DataFrame
    points: pd.DataFrame
    track_rejects: Rejects
    point_rejects: Rejects
    notes: list[str] = field(default_factory=list)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def is_kmz(path: str | Path) -> bool:
    """Whether a zip archive holds a KML document and no other vector layer (a shapefile zip is not a KMZ)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n.lower() for n in zf.namelist()[:MAX_KMZ_MEMBERS]]
    except (zipfile.BadZipFile, OSError, ValueError):
        return Path(path).suffix.lower() == ".kmz"
    has_kml = any(n.endswith(".kml") for n in names)
    return has_kml and not any(n.endswith((".shp", ".gpkg", ".geojson", ".gpx")) for n in names)


def kmz_document(path: Path) -> bytes:
    """The KML document of a KMZ, after the archive's directory was checked (see the module docstring).

    Raises
    ------
    LayerReadError
        Not a zip, damaged or cut short, a member path that escapes, too many members, no KML, or too big.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LayerReadError(
            f"{path}: not a valid KMZ (zip) archive ({exc}); it may be cut short. Fix: copy or export the KMZ again"
        ) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_KMZ_MEMBERS:
            raise LayerReadError(f"{path}: the KMZ holds {len(infos):,} files. Fix: export the KMZ again")
        bad = [i.filename for i in infos if escapes_archive(i.filename)]
        if bad:
            raise LayerReadError(
                f"{path}: the KMZ holds a path that points outside the archive ({bad[0][:80]!r}); it was not "
                "opened. Fix: export the KMZ again from the GPS unit or Google Earth"
            )
        kmls = [i for i in infos if i.filename.lower().endswith(".kml") and not i.is_dir()]
        if not kmls:
            raise LayerReadError(f"{path}: the KMZ holds no .kml document. Fix: export the KMZ again")
        doc = next((i for i in kmls if i.filename.lower() == "doc.kml"), None)
        doc = doc or min(kmls, key=lambda i: (i.filename.count("/"), i.filename))
        size, packed = doc.file_size, max(1, doc.compress_size)
        if size > MAX_KML_BYTES or (size > _RATIO_MIN_BYTES and size / packed > MAX_KMZ_RATIO):
            raise LayerReadError(
                f"{path}: {doc.filename} would expand to {size / 1e6:,.0f} MB from {packed / 1e6:.1f} MB "
                f"(limit {MAX_KML_BYTES / 1e6:,.0f} MB, ratio {MAX_KMZ_RATIO:.0f}): a damaged or hostile archive "
                "(a zip bomb). Fix: unzip it yourself and check the KML"
            )
        try:
            with zf.open(doc) as f:
                data = f.read(MAX_KML_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise LayerReadError(
                f"{path}: {doc.filename} cannot be unpacked ({exc}); the KMZ is damaged or cut short. "
                "Fix: copy or export the KMZ again"
            ) from exc
    if len(data) > MAX_KML_BYTES:
        raise LayerReadError(f"{path}: {doc.filename} is larger than its archive says. Fix: export the KMZ again")
    return data


def _parse(data: bytes, path: Path):
    refuse_xml_declarations(data, path, "KML", "export the KML again from the GPS unit or Google Earth")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        closed = b"</kml>" in data[-4096:].lower()
        why = "it is damaged" if closed else "it ends without </kml>: cut short (a copy or a download that stopped)"
        raise LayerReadError(f"{path}: the KML cannot be read ({exc}); {why}. Fix: copy or export it again") from exc


def _text(el, name: str) -> str | None:
    for child in el:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def _find(el, name: str):
    """Every element named ``name`` under ``el``, in any namespace, in document order."""
    ns = "}" + name
    return [c for c in el.iter() if isinstance(c.tag, str) and (c.tag == name or c.tag.endswith(ns))]


def _xy(parts: list[str], sep: str | None) -> np.ndarray:
    """The first two numbers of each ``lon<sep>lat[<sep>alt]`` text, as an (n, 2) array (NaN where unreadable)."""
    if not parts:
        return np.zeros((0, 2))
    flat = (sep or " ").join(parts).replace(",", " ").split() if sep else " ".join(parts).split()
    for width in (3, 2):  # every tuple alike (the usual case): one numpy conversion
        if len(flat) == width * len(parts):
            try:
                return np.asarray(flat, dtype=float).reshape(len(parts), width)[:, :2]
            except ValueError:
                break
    cols = pd.Series(parts, dtype=object).str.strip().str.split(sep, n=2, expand=True, regex=False)
    xy = np.full((len(parts), 2), np.nan)
    for k in range(min(2, cols.shape[1])):
        xy[:, k] = pd.to_numeric(cols[k], errors="coerce").to_numpy(dtype=float)
    return xy


def _coordinates(text: str | None) -> np.ndarray:
    """A KML ``coordinates`` text (``lon,lat[,alt]`` tuples separated by blanks) as an (n, 2) array."""
    return _xy((text or "").split(), ",")


def _attributes(pm) -> dict:
    out = {}
    for d in _find(pm, "Data"):
        if d.get("name"):
            out[d.get("name")] = _text(d, "value")
    for d in _find(pm, "SimpleData"):
        if d.get("name"):
            out[d.get("name")] = (d.text or "").strip() or None
    return out


_GEOMETRIES = ("Point", "LineString", "Track", "LinearRing", "Polygon")
_CONTAINERS = ("MultiGeometry", "MultiTrack")


def _geometries(el):
    """The Placemark's geometries (Point, LineString, gx:Track), also inside MultiGeometry and gx:MultiTrack."""
    for child in el:
        kind = _local(child.tag)
        if kind in _CONTAINERS:
            yield from _geometries(child)
        elif kind in _GEOMETRIES:
            yield kind, child


def _child(el, name: str):
    return next((c for c in el if _local(c.tag) == name), None)


def read_kml(path: str | Path, data: bytes | None = None) -> KmlContent:
    """The tracks and waypoints of a KML or KMZ file (see the module docstring).

    Returns
    -------
    KmlContent
        ``fixes``: ``lon``, ``lat``, ``time`` (UTC), ``track_id``, source file and row; ``points``: ``lon``,
        ``lat``, ``name``, ``description``, ``time`` (text) and the Placemark's data fields.

    Raises
    ------
    LayerReadError
        The archive or the XML is damaged, cut short, hostile or too big.
    """
    path = Path(path)
    if data is None:
        with open(path, "rb") as f:
            head = f.read(4)
        if head.startswith(b"PK"):
            data = kmz_document(path)
        elif path.stat().st_size > MAX_KML_BYTES:
            raise LayerReadError(
                f"{path}: the KML is {path.stat().st_size / 1e6:,.0f} MB, above the limit of "
                f"{MAX_KML_BYTES / 1e6:,.0f} MB. Fix: split it (by month or by patrol), or export the tracks as GPX"
            )
        else:
            data = path.read_bytes()
    root = _parse(data, path)
    rejects, point_rejects = Rejects(path.name), Rejects(path.name)
    fixes, points, notes = [], [], []
    spread = made = 0
    placemarks = _find(root, "Placemark")
    for row, pm in enumerate(placemarks, start=1):
        name = _text(pm, "name")
        stamp_el, span_el = _child(pm, "TimeStamp"), _child(pm, "TimeSpan")
        stamp = None if stamp_el is None else _text(stamp_el, "when")
        span = (None, None) if span_el is None else (_text(span_el, "begin"), _text(span_el, "end"))
        n_line = 0
        for kind, geom in _geometries(pm):
            if kind == "Point":
                xy = _coordinates(_text(geom, "coordinates"))
                if not len(xy):
                    point_rejects.add(row, "a waypoint without coordinates; rejected", "export the KML again")
                    continue
                rec = {**_attributes(pm), "lon": xy[0, 0], "lat": xy[0, 1], "name": name}
                rec["description"] = _text(pm, "description")
                if stamp or span[0]:
                    rec["time"] = stamp or span[0]
                points.append({**rec, COL_SOURCE_ROW: row})
            elif kind == "Track":
                whens = [(c.text or "").strip() for c in geom if str(c.tag).endswith("when")]
                coords = [(c.text or "") for c in geom if str(c.tag).endswith("coord")]
                if len(whens) != len(coords) or not coords:
                    rejects.add(
                        row,
                        f"a gx:Track with {len(whens)} times and {len(coords)} positions; rejected",
                        "export the track again",
                    )
                    continue
                xy = _xy(coords, None)
                n_line += 1
                fixes.append((f"{name or 'track'}#{row}.{n_line}", xy, parse_utc(pd.Series(whens)), row))
            elif kind == "LineString":
                xy = _coordinates(_text(geom, "coordinates"))
                n_line += 1
                if len(xy) < 2:
                    rejects.add(row, "a line with fewer than two positions; rejected", "export the track again")
                    continue
                begin, end = parse_utc(pd.Series([span[0], span[1]], dtype=object))
                if pd.isna(begin) or pd.isna(end):
                    rejects.add(
                        row,
                        "a line without times (no gx:Track times and no TimeSpan begin/end): effort needs its date; "
                        "rejected",
                        "export the track with its times (GPX, or KML with gx:Track)",
                    )
                    continue
                problem = leg_problem(begin, end)
                made += n_fixes(xy[:, 0], xy[:, 1], begin, end)
                if problem or made > MAX_LINE_FIXES:
                    why = problem or f"the lines would make more than {MAX_LINE_FIXES:,} GPS fixes; rejected"
                    rejects.add(row, why, "correct the Placemark's TimeSpan")
                    continue
                lon, lat, t = spread_line(xy[:, 0], xy[:, 1], begin, end)
                spread += 1
                fixes.append((f"{name or 'line'}#{row}.{n_line}", np.column_stack([lon, lat]), t, row))
    if spread:
        notes.append(
            f"{spread} line(s) had no time per position: their time was spread evenly along the line over the "
            "Placemark's TimeSpan, so effort falls in the right months but times of day are not real"
        )
    if not placemarks:
        notes.append("the KML holds no Placemark")
    frame = _fixes_frame(fixes, path)
    pts = pd.DataFrame(points)
    if len(pts):
        pts[COL_SOURCE_FILE] = path.name
    return KmlContent(frame, pts, rejects, point_rejects, notes)


def _fixes_frame(fixes, path: Path) -> pd.DataFrame:
    if not fixes:
        return pd.DataFrame({"lon": [], "lat": [], COL_TIME: pd.Series([], dtype="datetime64[ns, UTC]")})
    lon = np.concatenate([xy[:, 0] for _, xy, _, _ in fixes])
    lat = np.concatenate([xy[:, 1] for _, xy, _, _ in fixes])
    time = pd.concat([pd.Series(t).reset_index(drop=True) for _, _, t, _ in fixes], ignore_index=True)
    df = pd.DataFrame(
        {
            COL_TRACK: np.concatenate([[tid] * len(xy) for tid, xy, _, _ in fixes]),
            COL_TIME: pd.to_datetime(time, utc=True),
            COL_SOURCE_FILE: path.name,
            COL_SOURCE_ROW: np.concatenate([[row] * len(xy) for _, xy, _, row in fixes]).astype(np.int64),
            "lon": lon,
            "lat": lat,
        }
    )
    df.attrs["crs"] = "EPSG:4326"
    return df


@lru_cache(maxsize=2)
def _read_once(path: str, mtime_ns: int, size: int) -> KmlContent:
    return read_kml(path)


def read_kml_once(path: str | Path) -> KmlContent:
    """:func:`read_kml`, parsed once while the file is unchanged (an import asks for its kinds, tracks and
    waypoints); the tables returned are copies."""
    st = Path(path).stat()
    content = _read_once(str(path), st.st_mtime_ns, st.st_size)
    return replace(content, fixes=content.fixes.copy(), points=content.points.copy())


def clear_cache() -> None:
    """Forget the documents :func:`read_kml_once` kept (an import calls it when it is done)."""
    _read_once.cache_clear()


def points_layer(content: KmlContent) -> gpd.GeoDataFrame:
    """The waypoints as a point layer in WGS84, with the notes in ``attrs["notes"]``."""
    pts = content.points
    gdf = gpd.GeoDataFrame(
        pts.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(pts["lon"], pts["lat"]), crs="EPSG:4326"
    )
    gdf.attrs["notes"] = list(content.notes)
    return gdf


__all__ = [
    "MAX_KML_BYTES",
    "MAX_KMZ_RATIO",
    "KmlContent",
    "clear_cache",
    "is_kmz",
    "kmz_document",
    "points_layer",
    "read_kml",
    "read_kml_once",
]
