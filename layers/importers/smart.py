"""SMART patrol XML exports (schema ``smartconservationsoftware.org/xml/<version>/patrol``).

A SMART patrol file holds one patrol: ``patrol -> legs -> days``.  Each day
has a ``track`` whose ``geom`` is hex EWKB of a MultiLineString with Z, Z
being the fix time in epoch milliseconds (UTC), and ``waypoints`` (``x`` =
longitude, ``y`` = latitude, ``time`` = local time of day) holding
``observations`` with a dotted ``categoryKey`` and ``attributes``.

* ``role="patrols"``: the GPS fixes of the day tracks, one ``track_id`` per
  line of each day (``"<patrol> leg <leg> <date>"``), tz-aware UTC ``time``.
* any other role: one point per observation (``position.`` markers left
  out), ``type`` a readable label made from the category key (``"animals >
  carcass (elephant)"``) for :func:`layers.checks.normalise_types`.

Waypoint times are local.  Where a day has both a start time and a track,
the offset between them (a multiple of 15 minutes) turns them into UTC; else
they stay naive, and the park's ``timezone`` option applies.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from ..defaults import COL_TIME, COL_TRACK, COL_TYPE
from ..errors import LayerReadError
from .common import Rejects, finish, read_xml_bytes, species_word

NAMESPACE_MARK = b"smartconservationsoftware.org/xml"
_QUARTER_H_S = 15 * 60
_OFFSET_TOLERANCE_S = 120
_FIX_EXPORT = "export the patrol again from SMART (Patrol > Export > XML)"


def looks_like(head: bytes) -> bool:
    """Whether the first bytes of a file are a SMART patrol XML."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<") and NAMESPACE_MARK in head and b"patrol" in head


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(elem, name: str):
    return [c for c in elem if _local(c.tag) == name]


def _parse(path: Path) -> ET.Element:
    try:
        root = ET.fromstring(read_xml_bytes(path, "SMART patrol XML", f"{_FIX_EXPORT}, a month or a patrol at a time"))
    except ET.ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        where = f" at line {line}, column {col}" if line else ""
        raise LayerReadError(
            f"{path}: not a readable SMART patrol XML (broken XML{where}: {str(exc).split(':')[0]}). "
            f"Fix: {_FIX_EXPORT}; a file cut short by a copy or an e-mail is the usual cause"
        ) from exc
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot be read ({exc}). Fix: check the file and its permissions") from exc
    if _local(root.tag) != "patrol":
        raise LayerReadError(
            f"{path}: a SMART XML whose root is <{_local(root.tag)}>, not <patrol>. "
            "Fix: export a patrol (not a query or a data model) from SMART"
        )
    return root


def _day_offset_s(day, coords_z: np.ndarray | None) -> float | None:
    """Local minus UTC in seconds for a day, from its start time and its first track fix; ``None`` if unknown."""
    if coords_z is None or not len(coords_z):
        return None
    valid = coords_z[np.isfinite(coords_z) & (coords_z > 0)]
    start = pd.to_datetime(f"{day.get('date', '')} {day.get('startTime', '')}", errors="coerce")
    if pd.isna(start) or not len(valid):
        return None
    first = valid.min()
    diff = (start - pd.Timestamp(0)).total_seconds() - first / 1000.0
    offset = round(diff / _QUARTER_H_S) * _QUARTER_H_S
    if abs(diff - offset) > _OFFSET_TOLERANCE_S or abs(offset) > 14 * 3600:
        return None
    return float(offset)


def _decode_track(hexgeom: str):
    """Lines of a day track as a list of ``(n, 3)`` arrays (lon, lat, epoch ms)."""
    geom = shapely.from_wkb(bytes.fromhex(hexgeom.strip()))
    parts = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    return [shapely.get_coordinates(p, include_z=True) for p in parts if not p.is_empty]


def _walk(root):
    """``(leg, day, track lines or None, track error or None)`` for every day of the patrol."""
    for leg in _children(root, "legs"):
        for day in _children(leg, "days"):
            lines, error = None, None
            tracks = _children(day, "track")
            if tracks and tracks[0].get("geom"):
                try:
                    lines = _decode_track(tracks[0].get("geom"))
                except (ValueError, shapely.errors.GEOSException) as exc:
                    error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            yield leg, day, lines, error


def read_tracks(path: Path, max_rows: int | None = None) -> pd.DataFrame:
    """GPS fixes of the day tracks; see the module docstring."""
    root = _parse(path)
    patrol = root.get("id", path.stem)
    rejects = Rejects(path.name)
    ids, times, xs, ys, legs, days = [], [], [], [], [], []
    n_days = 0
    for leg, day, lines, error in _walk(root):
        n_days += 1
        where = f"patrol {patrol}, leg {leg.get('id', '?')}, day {day.get('date', '?')}"
        if error is not None:
            rejects.add(None, f"{where}: the track geometry cannot be decoded ({error}); track skipped", _FIX_EXPORT)
            continue
        for k, xyz in enumerate(lines or []):
            name = f"{patrol} leg {leg.get('id', '?')} {day.get('date', '?')}" + (f" part {k + 1}" if k else "")
            z = xyz[:, 2] if xyz.shape[1] == 3 else np.full(len(xyz), np.nan)
            ids += [name] * len(xyz)
            times.append(z)
            xs.append(xyz[:, 0])
            ys.append(xyz[:, 1])
            legs += [leg.get("id")] * len(xyz)
            days += [day.get("date")] * len(xyz)
    n = len(ids)
    if n == 0:
        raise LayerReadError(
            f"{path}: the SMART patrol {patrol} holds no GPS track ({n_days} days, none with a track geometry). "
            "Fix: export the patrol with its tracks, or give the patrols as GPX"
        )
    z = np.concatenate(times)
    x, y = np.concatenate(xs), np.concatenate(ys)
    rows = np.arange(1, n + 1)
    ok_t = np.isfinite(z) & (z > 0)
    time = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns, UTC]")
    time[ok_t] = pd.to_datetime(z[ok_t].astype(np.int64), unit="ms", utc=True)
    ok_xy = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    rejects.add_rows(rows[~ok_t], "GPS fix without a time (the track's Z value is not epoch milliseconds); rejected")
    rejects.add_rows(rows[ok_t & ~ok_xy], "GPS fix with coordinates outside -180..180, -90..90; rejected")
    keep = ok_t & ok_xy
    if max_rows is not None:
        keep &= rows <= max_rows
    data = {
        COL_TRACK: np.asarray(ids, dtype=object)[keep],
        COL_TIME: time[keep].reset_index(drop=True),
        "patrol": patrol,
        "leg": np.asarray(legs, dtype=object)[keep],
        "day": np.asarray(days, dtype=object)[keep],
    }
    return finish(data, shapely.points(x[keep], y[keep]), path, rows[keep], rejects, n)


def _label(category: str, attrs: dict[str, list[str]]) -> str:
    """A readable type label: category words, the species for carcasses, and what action was taken."""
    words = [w for w in category.strip(".").split(".") if w]
    label = " > ".join(words) or "(no category)"
    extra = []
    species = species_word(" ".join(attrs.get("species", [])))
    if species:
        extra.append(species)
    for key, values in attrs.items():
        if key.startswith("actiontaken"):
            extra += [v.strip(".").split(".")[-1] for v in values if v]
    return label + (f" ({', '.join(extra)})" if extra else "")


def _attributes(obs) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for a in _children(obs, "attributes"):
        values = [v.text.strip() for v in a if v.text and v.text.strip()]
        out.setdefault(a.get("attributeKey", ""), []).extend(values)
    return out


def read_observations(path: Path, max_rows: int | None = None) -> pd.DataFrame:
    """One point per waypoint observation; see the module docstring."""
    root = _parse(path)
    patrol = root.get("id", path.stem)
    rejects = Rejects(path.name)
    records = []
    offsets = []
    day_offsets = {}
    for leg, day, lines, _ in _walk(root):
        z = np.concatenate([c[:, 2] for c in lines if c.shape[1] == 3]) if lines else None
        off = _day_offset_s(day, z)
        day_offsets[id(day)] = off
        if off is not None:
            offsets.append(off)
        for wp in _children(day, "waypoints"):
            for obs in wp.iter():
                if _local(obs.tag) != "observations":
                    continue
                category = obs.get("categoryKey", "")
                if category.strip(".") == "position":
                    continue
                attrs = _attributes(obs)
                records.append(
                    {
                        "patrol": patrol,
                        "leg": leg.get("id"),
                        "waypoint": wp.get("id"),
                        "date": day.get("date", ""),
                        "clock": wp.get("time", ""),
                        "x": wp.get("x"),
                        "y": wp.get("y"),
                        "category": category,
                        COL_TYPE: _label(category, attrs),
                        "attributes": "; ".join(f"{k}={','.join(v)}" for k, v in attrs.items() if v),
                        "_day": id(day),
                    }
                )
    if not records:
        raise LayerReadError(
            f"{path}: the SMART patrol {patrol} holds no observations. "
            "Fix: point incidents at a file with observations, or use this file for patrols only"
        )
    df = pd.DataFrame(records)
    n = len(df)
    rows = np.arange(1, n + 1)
    fallback = float(pd.Series(offsets).mode().iloc[0]) if offsets else None
    off = df["_day"].map(day_offsets).astype(float)
    if fallback is not None:
        off = off.fillna(fallback)
    local = pd.to_datetime(df["date"] + " " + df["clock"], format="mixed", errors="coerce")
    notes = []
    if off.notna().all():
        time = (local - pd.to_timedelta(off, unit="s")).dt.tz_localize("UTC")
    else:
        time = local
        notes.append(
            "waypoint times are local and no track tells their UTC offset; they are read in the park's timezone "
            "(UTC unless timezone is set under [columns.incidents])"
        )
    x = pd.to_numeric(df["x"], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(df["y"], errors="coerce").to_numpy(dtype=float)
    ok_xy = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    ok_t = time.notna().to_numpy()
    for r, wp, d in zip(rows[~ok_xy], df["waypoint"][~ok_xy], df["date"][~ok_xy]):
        rejects.add(r, f"observation at waypoint {wp} ({d}) has no usable x/y location; rejected", _FIX_EXPORT)
    bad_t = ok_xy & ~ok_t
    for r, wp, d, c in zip(rows[bad_t], df["waypoint"][bad_t], df["date"][bad_t], df["clock"][bad_t]):
        rejects.add(r, f"observation at waypoint {wp}: date {d!r} and time {c!r} cannot be read; rejected", _FIX_EXPORT)
    keep = ok_xy & ok_t
    if max_rows is not None:
        keep &= rows <= max_rows
    out = df.drop(columns=["x", "y", "clock", "date", "_day"]).loc[keep].reset_index(drop=True)
    out.insert(0, COL_TIME, time[keep].reset_index(drop=True))
    return finish(out, shapely.points(x[keep], y[keep]), path, rows[keep], rejects, n, notes=notes)


def read(path: Path, role: str | None, max_rows: int | None = None):
    """Tracks for ``role="patrols"``, observations otherwise."""
    return read_tracks(path, max_rows) if role == "patrols" else read_observations(path, max_rows)


__all__ = ["looks_like", "read", "read_observations", "read_tracks"]
