"""EarthRanger exports: the event CSV, and events or patrols as ecoscope writes them to parquet.

* The event CSV stores ``location`` as a Python dict string
  (``{'latitude': '-1.21', 'longitude': '35.15'}``), ``time`` with a UTC
  offset, ``event_type`` (``snare_rep``, ``carcass_rep``,
  ``mep_elephant_sighting``...) and ``event_details`` as a dict string.
* ``patrol_events`` parquet: one row per event, with ``time``,
  ``event_type`` and a WKB ``geometry`` (or a ``geojson`` dict).
* ``patrols`` parquet: one row per patrol whose ``patrol_segments`` hold
  their events; they hold no GPS fixes, so they serve incidents only.

Events become points with tz-aware UTC ``time`` and a ``type`` label for
:func:`layers.checks.normalise_types`: the event type, with the species
added to carcass events (``"carcass_rep (elephant)"``) so that they map to
elephant or rhino carcasses.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from ..defaults import COL_TIME, COL_TYPE
from ..errors import LayerReadError
from ..tabular import read_csv_table
from .common import Rejects, finish, parse_utc, species_word

# Columns kept (when present) beside time, type and geometry; the rest (updates, files, URLs...) are dropped.
KEEP_COLUMNS = (
    "id",
    "serial_number",
    "event_type",
    "event_type_display",
    "event_category",
    "title",
    "priority",
    "priority_label",
    "state",
    "comment",
    "message",
    "patrol_id",
    "patrol_serial_number",
    "patrol_subject",
    "patrol_type",
)
_CARCASS_WORDS = re.compile(r"carcass|carcase|mortality|dead|death|poach|kill", re.IGNORECASE)
_MAX_LITERAL_CHARS = 100_000
_FIX_LOCATION = "give the event a location in EarthRanger, then export again"
_NOT_TRACKS = (
    "{path}: an EarthRanger {what} export holds events, not GPS tracks. Fix: point incidents at it in park.toml, "
    "and patrols at the patrol tracks (GPX, or the patrol observations as parquet or CSV)"
)


def looks_like_csv(header: str) -> bool:
    """Whether a CSV header line is an EarthRanger event export (``location`` and ``event_type`` columns)."""
    names = {re.sub(r"[^a-z_]", "", c.strip().strip('"').lower()) for c in header.split(",")}
    return {"location", "event_type"} <= names


def _literal(value):
    """A dict or list from a Python/JSON literal string (or the value itself); ``None`` if unreadable."""
    if isinstance(value, dict | list):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)) or not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > _MAX_LITERAL_CHARS:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None


def _float(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return np.nan


def _location_xy(value) -> tuple[float, float]:
    """``(lon, lat)`` from an EarthRanger location dict (or its string); NaN when missing or broken."""
    d = _literal(value)
    if isinstance(d, dict):
        return _float(d.get("longitude")), _float(d.get("latitude"))
    return np.nan, np.nan


def _geojson_xy(value) -> tuple[float, float]:
    d = _literal(value)
    if isinstance(d, dict):
        coords = (d.get("geometry") or {}).get("coordinates") if isinstance(d.get("geometry"), dict) else None
        coords = d.get("coordinates") if coords is None else coords
        if coords is not None and len(coords) >= 2:
            return _float(coords[0]), _float(coords[1])
    return np.nan, np.nan


def _geometry_xy(values: pd.Series) -> np.ndarray:
    """``(n, 2)`` lon/lat from a WKT text or WKB bytes column; NaN where missing or not a point."""
    out = np.full((len(values), 2), np.nan)
    raw = values.to_numpy(dtype=object)
    is_bytes = np.array([isinstance(v, bytes | bytearray) for v in raw], dtype=bool)
    is_text = np.array([isinstance(v, str) and v.strip() != "" for v in raw], dtype=bool)
    geom = np.full(len(raw), None, dtype=object)
    if is_bytes.any():
        geom[is_bytes] = shapely.from_wkb(raw[is_bytes], on_invalid="ignore")
    if is_text.any():
        geom[is_text] = shapely.from_wkt(raw[is_text], on_invalid="ignore")
    pts = np.array([g is not None and g.geom_type == "Point" and not g.is_empty for g in geom], dtype=bool)
    if pts.any():
        out[pts] = shapely.get_coordinates(list(geom[pts]))[:, :2]
    return out


def _label(event_type, details) -> str:
    """The event type, with the species added to carcass-like events."""
    label = "" if event_type is None or pd.isna(event_type) else str(event_type).strip()
    if _CARCASS_WORDS.search(label):
        d = _literal(details)
        text = " ".join(str(v) for k, v in d.items() if "species" in str(k).lower()) if isinstance(d, dict) else ""
        species = species_word(text) or species_word(details if isinstance(details, str) else str(d or ""))
        if species and species not in label.lower():
            label = f"{label} ({species})"
    return label


def events(df: pd.DataFrame, path: Path, max_rows: int | None = None):
    """Events of any EarthRanger table (CSV or parquet) as incident points; see the module docstring."""
    n = len(df)
    rows = np.arange(1, n + 1)
    rejects = Rejects(path.name)
    xy = np.full((n, 2), np.nan)
    sources = []
    if "location" in df.columns:
        xy = np.array([_location_xy(v) for v in df["location"].to_numpy(dtype=object)], dtype=float).reshape(n, 2)
        sources.append("location")
    for col, fn in (("geometry", _geometry_xy), ("geojson", None)):
        if col not in df.columns:
            continue
        sources.append(col)
        missing = ~np.isfinite(xy).all(axis=1)
        if missing.any():
            if fn is not None:
                xy[missing] = fn(df[col][missing])
            else:
                xy[missing] = np.array([_geojson_xy(v) for v in df[col][missing].to_numpy(dtype=object)], dtype=float)
    ok_xy = np.isfinite(xy).all(axis=1) & (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90)
    ok_xy &= ~((xy[:, 0] == 0) & (xy[:, 1] == 0))  # (0, 0): a device without a fix
    notes = []
    if "time" in df.columns:
        times = parse_utc(df["time"])
    else:  # kept without time: the park's loader reports the missing column
        times = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
        notes.append("the export has no time column; its events carry no time")
    ok_t = times.notna().to_numpy() | ("time" not in df.columns)
    shown = df["location"].astype("string").fillna("(empty)").str.slice(0, 60) if "location" in df else None
    for r in rows[~ok_xy]:
        value = f" ({shown.iloc[r - 1]!r})" if shown is not None else ""
        where = " or ".join(sources) or "any column"
        rejects.add(r, f"event without a usable location in {where}{value}; rejected", _FIX_LOCATION)
    if "time" in df.columns:
        raw_time = df["time"].astype("string").fillna("(empty)")
        for r in rows[ok_xy & ~ok_t]:
            rejects.add(
                r,
                f"event time {raw_time.iloc[r - 1]!r} cannot be read; rejected",
                "export again; EarthRanger times look like 2021-09-02 15:15:15+03:00",
            )
    keep = ok_xy & ok_t
    if max_rows is not None:
        keep &= rows <= max_rows
    details = df["event_details"] if "event_details" in df.columns else pd.Series(None, index=df.index, dtype=object)
    etype = df["event_type"] if "event_type" in df.columns else pd.Series("", index=df.index, dtype=object)
    labels = [_label(t, d) for t, d in zip(etype[keep], details[keep])]
    out = {COL_TYPE: labels}
    if "time" in df.columns:
        out = {COL_TIME: times[keep].reset_index(drop=True), **out}
    for col in KEEP_COLUMNS:
        if col in df.columns:
            values = df[col][keep].reset_index(drop=True)
            out["event_id" if col == "id" else col] = values
    geometry = shapely.points(xy[keep, 0], xy[keep, 1])
    return finish(out, geometry, path, rows[keep], rejects, n, notes=notes)


def read_csv(path: Path, role: str | None, max_rows: int | None = None):
    """An EarthRanger event CSV as incident points (``role="patrols"`` is refused: events are not tracks)."""
    if role == "patrols":
        raise LayerReadError(_NOT_TRACKS.format(path=path, what="event CSV"))
    return events(read_csv_table(path, None), path, max_rows)


def patrol_segments(patrols: pd.DataFrame) -> pd.DataFrame:
    """One row per segment of an EarthRanger patrols table (as the API or ecoscope returns it).

    Columns: ``patrol_id``, ``serial_number``, ``title``, ``state``, ``objective``, ``segment_id``,
    ``patrol_type``, ``leader`` and ``leader_id`` (the subject whose observations are the track), ``start_time`` and
    ``end_time`` (UTC), ``start_lon``/``start_lat``, ``end_lon``/``end_lat``, ``n_events``.
    """

    def get(d, *keys):
        for k in keys:
            d = d.get(k) if isinstance(d, dict) else None
        return d

    rows = []
    for rec in patrols.to_dict("records"):
        for seg in [] if rec.get("patrol_segments") is None else list(rec["patrol_segments"]):
            if not isinstance(seg, dict):
                continue
            events = seg.get("events")
            rows.append(
                {
                    "patrol_id": rec.get("id"),
                    "serial_number": rec.get("serial_number"),
                    "title": rec.get("title"),
                    "state": rec.get("state"),
                    "objective": rec.get("objective"),
                    "segment_id": seg.get("id"),
                    "patrol_type": seg.get("patrol_type"),
                    "leader": get(seg, "leader", "name"),
                    "leader_id": get(seg, "leader", "id"),
                    "start_time": get(seg, "time_range", "start_time"),
                    "end_time": get(seg, "time_range", "end_time"),
                    "start_lon": get(seg, "start_location", "longitude"),
                    "start_lat": get(seg, "start_location", "latitude"),
                    "end_lon": get(seg, "end_location", "longitude"),
                    "end_lat": get(seg, "end_location", "latitude"),
                    "n_events": 0 if events is None else len(events),
                }
            )
    cols = ["patrol_id", "serial_number", "title", "state", "objective", "segment_id", "patrol_type", "leader"]
    cols += ["leader_id"]
    cols += ["start_time", "end_time", "start_lon", "start_lat", "end_lon", "end_lat", "n_events"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("start_time", "end_time"):
        out[c] = parse_utc(out[c].astype(object))
    return out


def patrol_events(patrols: pd.DataFrame, path: Path, role: str | None, max_rows: int | None = None):
    """The events held in the segments of an EarthRanger patrols table."""
    if role == "patrols":
        segs = patrol_segments(patrols)
        who = ", ".join(
            f"{s.leader or '?'} {s.start_time:%Y-%m-%d %H:%M} to {s.end_time:%Y-%m-%d %H:%M}"
            for s in segs.head(5).itertuples()
            if pd.notna(s.start_time) and pd.notna(s.end_time)
        )
        raise LayerReadError(
            f"{path}: EarthRanger patrols: {patrols['id'].nunique() if 'id' in patrols else len(patrols)} patrols "
            f"in {len(segs)} segments ({who or 'no times'}) with {int(segs['n_events'].sum())} events, but no "
            "GPS fixes: EarthRanger gives a patrol's track as its subject's observations between the segment's "
            "start and end. Fix: export those observations (ecoscope's patrol observations as parquet, or GPX) "
            "and import them as patrols; this file gives the incidents"
        )
    records = []
    for pid, serial, segments in zip(
        patrols.get("id", pd.Series(None, index=patrols.index)),
        patrols.get("serial_number", pd.Series(None, index=patrols.index)),
        patrols["patrol_segments"],
    ):
        for seg in [] if segments is None else list(segments):
            if not isinstance(seg, dict):
                continue
            leader = seg.get("leader") if isinstance(seg.get("leader"), dict) else {}
            for ev in [] if seg.get("events") is None else list(seg.get("events")):
                if not isinstance(ev, dict):
                    continue
                gj = ev.get("geojson") if isinstance(ev.get("geojson"), dict) else {}
                props = gj.get("properties") if isinstance(gj.get("properties"), dict) else {}
                records.append(
                    {
                        "id": ev.get("id"),
                        "serial_number": ev.get("serial_number"),
                        "event_type": ev.get("event_type"),
                        "title": ev.get("title"),
                        "priority": ev.get("priority"),
                        "state": ev.get("state"),
                        "time": props.get("datetime") or ev.get("time"),
                        "geojson": gj,
                        "patrol_id": pid,
                        "patrol_serial_number": serial,
                        "patrol_subject": leader.get("name"),
                        "patrol_type": seg.get("patrol_type"),
                    }
                )
    if not records:
        raise LayerReadError(
            f"{path}: the EarthRanger patrols hold no events. Fix: export the patrol events, or give incidents as CSV"
        )
    return events(pd.DataFrame(records), path, max_rows)


def looks_like_json(head: bytes) -> bool:
    """Whether the first bytes of a JSON file are EarthRanger events or patrols (as the API returns them)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] not in (b"{", b"[") or b'"FeatureCollection"' in head:
        return False
    return b'"event_type"' in head or b'"patrol_segments"' in head


MAX_JSON_BYTES = 512 * 1024**2


def read_json(path: Path, role: str | None, max_rows: int | None = None):
    """EarthRanger events or patrols as JSON (a list, or the API's ``{"data": {"results": [...]}}``)."""
    import json

    if path.stat().st_size > MAX_JSON_BYTES:
        raise LayerReadError(
            f"{path}: {path.stat().st_size / 1e6:.0f} MB of JSON, above the {MAX_JSON_BYTES / 1e6:.0f} MB limit. "
            "Fix: export a shorter period"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise LayerReadError(
            f"{path}: not readable JSON ({str(exc).splitlines()[0]}); the file may be cut short. "
            "Fix: export the events from EarthRanger again"
        ) from exc
    for key in ("data", "results"):
        if isinstance(data, dict) and key in data:
            data = data[key]
    if isinstance(data, dict):
        data = data.get("results", [data])
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise LayerReadError(f"{path}: the JSON holds no list of EarthRanger events or patrols. Fix: export again")
    df = pd.DataFrame(data)
    if "patrol_segments" in df.columns:
        return patrol_events(df, path, role, max_rows)
    if role == "patrols":
        raise LayerReadError(_NOT_TRACKS.format(path=path, what="event JSON"))
    return events(df, path, max_rows)


__all__ = [
    "events",
    "looks_like_csv",
    "looks_like_json",
    "patrol_events",
    "patrol_segments",
    "read_csv",
    "read_json",
]
