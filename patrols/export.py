"""Field files of a patrol plan: GPX, KML, GeoJSON, waypoint CSV, the PDF sheet, summaries and one zip.

Patrols hold their coordinates in the park's metric CRS; every file written
here is in WGS84 longitude/latitude (7 decimals, about 1 cm), except the UTM
columns of the waypoint CSV.  Each format has a ``*_bytes`` function (for
download buttons, nothing touches the disk) and a ``write_*`` function that
writes those bytes to a path.  :func:`write_plan` writes every file of every
patrol of a plan into one folder, with the plan summary and ``plan.zip``, and
refuses to overwrite files it did not write itself.

Examples
--------
>>> import datetime as dt
>>> from patrols.route import Patrol, Waypoint
>>> p = Patrol("P1", "Alpha", 1, dt.date(2026, 12, 1), "foot",
...            [(500000, 8000000), (502000, 8000000), (500000, 8000000)], "EPSG:32736",
...            waypoints=[Waypoint("Alpha", 500000, 8000000, kind="post")])
>>> round(p.length_km, 1)
4.0
>>> waypoint_table(p)[["name", "utm_zone", "easting_m"]].to_dict("records")
[{'name': 'Alpha', 'utm_zone': '36K', 'easting_m': 500000.0}]
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from .errors import ExportError
from .route import Patrol, Plan

__all__ = [
    "describe",
    "EXPORT_MARKER",
    "geojson_bytes",
    "gpx_bytes",
    "kml_bytes",
    "lonlat",
    "patrol_files",
    "plan_id",
    "plan_summary",
    "plan_zip_bytes",
    "safe_name",
    "sheet_pdf_bytes",
    "summary_json_bytes",
    "team_colour",
    "unique_waypoints",
    "latitude_band",
    "utm_crs",
    "waypoint_distances_km",
    "waypoint_table",
    "waypoints_csv_bytes",
    "write_geojson",
    "write_gpx",
    "write_kml",
    "write_plan",
    "write_sheet_pdf",
    "write_waypoints_csv",
]

WGS84 = CRS.from_epsg(4326)
DECIMALS = 7  # 1e-7 degree is about 1 cm
UTM_BANDS = "CDEFGHJKLMNPQRSTUVWX"  # 8 degree latitude bands from 80 S; X spans 72-84 N
EXPORT_MARKER = "plan-export.json"  # written into an export folder: which plan, which files
ZIP_NAME = "plan.zip"
CREATOR = "rhino-patrol planner"

# Garmin symbol names (understood by Garmin units, BaseCamp and OsmAnd).
GPX_SYMBOLS = {"post": "Flag, Red", "camp": "Campground", "waypoint": "Flag, Blue"}
# Team colours, reused by the KML line and the PDF sheet: dark cool colours that stand out
# on the yellow-red risk background and on Google Earth's imagery.
TEAM_COLOURS = ("#1f4e9e", "#6a1b9a", "#00796b", "#0277bd", "#4527a0", "#37474f", "#ad1457", "#2e7d32")
KML_ICONS = {
    "post": "http://maps.google.com/mapfiles/kml/shapes/homegardenbusiness.png",
    "camp": "http://maps.google.com/mapfiles/kml/shapes/campground.png",
    "waypoint": "http://maps.google.com/mapfiles/kml/paddle/wht-blank.png",
}

# Column names of the waypoint CSV and the plan summary (units in the names).
WAYPOINT_COLUMNS = [
    "no",
    "name",
    "kind",
    "lat",
    "lon",
    "utm_zone",
    "utm_hemisphere",
    "easting_m",
    "northing_m",
    "distance_km",
    "note",
]
SUMMARY_COLUMNS = [
    "patrol",
    "post",
    "team",
    "date",
    "kind",
    "distance_km",
    "duration_h",
    "expected_risk_cells",
    "waypoints",
]
RISK_UNIT = "attacked cells expected to be found (sum over cells of risk x detection probability)"

Progress = Callable[[float, str], None]


# --- coordinates ----------------------------------------------------------
def _to_wgs84(crs: CRS) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(crs), WGS84, always_xy=True)


def lonlat(x, y, crs) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (WGS84, degrees) of points ``(x, y)`` in ``crs``."""
    lon, lat = _to_wgs84(crs).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.round(np.asarray(lon, dtype=float), DECIMALS), np.round(np.asarray(lat, dtype=float), DECIMALS)


def utm_crs(lon: float, lat: float, like=None) -> CRS:
    """The WGS84 UTM CRS for a point: that of ``like`` when it is a WGS84 UTM CRS, else the point's zone.

    A UTM CRS on another datum (e.g. Arc 1950 / UTM zone 36S) gives the WGS84
    UTM CRS of the same zone and hemisphere, which is what GPS units show.
    """
    if like is not None:
        like = CRS.from_user_input(like)
        zone = like.utm_zone
        if zone is not None:
            epsg = (32600 if zone[-1] == "N" else 32700) + int(zone[:-1])
            return like if like.to_epsg() == epsg else CRS.from_epsg(epsg)
    zone = int(math.floor((float(lon) + 180.0) / 6.0)) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def latitude_band(lat: float) -> str:
    """The UTM latitude band letter GPS units show after the zone number (``K`` for 18 S)."""
    return UTM_BANDS[int(np.clip((float(lat) + 80.0) // 8.0, 0, len(UTM_BANDS) - 1))]


def _path_lonlat(patrol: Patrol) -> tuple[np.ndarray, np.ndarray]:
    return lonlat(patrol.path_xy[:, 0], patrol.path_xy[:, 1], patrol.crs)


def _elevations(patrol: Patrol) -> np.ndarray | None:
    """Elevation per path vertex, or None when unknown (missing, wrong length or all NaN)."""
    elev = patrol.elevation_m
    if elev is None:
        return None
    elev = np.asarray(elev, dtype=float).ravel()
    if len(elev) != len(patrol.path_xy) or not np.isfinite(elev).any():
        return None
    return elev


def _along_km(patrol: Patrol) -> np.ndarray:
    """Cumulative distance (km) at each vertex of the path."""
    if len(patrol.path_xy) == 0:
        return np.zeros(0)
    steps = np.hypot(*np.diff(patrol.path_xy, axis=0).T) if len(patrol.path_xy) > 1 else np.zeros(0)
    return np.concatenate([[0.0], np.cumsum(steps)]) / 1000.0


def waypoint_distances_km(patrol: Patrol) -> np.ndarray:
    """Distance along the route (km) of each waypoint, in waypoint order.

    Waypoints are met in order: each one is placed at the nearest point of the
    route at or after the previous waypoint (the first of equally near points),
    so the post of an out-and-back route is at 0 km at the start and at the
    route's length when listed again at the end.
    """
    path = patrol.path_xy
    out = np.zeros(len(patrol.waypoints))
    if len(path) < 2 or not patrol.waypoints:
        return out
    a, b = path[:-1], path[1:]
    ab = b - a
    seg_len2 = np.maximum((ab**2).sum(axis=1), 1e-12)
    cum = _along_km(patrol)
    seg = 0
    t_prev = 0.0
    for i, wp in enumerate(patrol.waypoints):
        p = np.array([wp.x, wp.y])
        t = np.clip(((p - a) * ab).sum(axis=1) / seg_len2, 0.0, 1.0)
        t[seg] = max(t[seg], t_prev)  # never step back inside the current segment
        d = np.hypot(*(a + t[:, None] * ab - p).T)
        d[:seg] = np.inf
        best = int(np.flatnonzero(d <= d.min() + 1.0)[0])  # within 1 m of the nearest: take the first
        seg, t_prev = best, float(t[best])
        out[i] = cum[best] + t_prev * math.sqrt(seg_len2[best]) / 1000.0
    return out


def waypoint_table(patrol: Patrol) -> pd.DataFrame:
    """One row per waypoint: number, name, kind, lat/lon, UTM zone and easting/northing, km along the route.

    UTM coordinates (WGS84) are those of the park's UTM zone when the park CRS
    is UTM, else of the point's own zone.  ``utm_zone`` is written as GPS units
    show it, zone number and latitude band (``36K``); ``utm_hemisphere`` says
    north or south.
    """
    wps = patrol.waypoints
    if not wps:
        return pd.DataFrame(columns=WAYPOINT_COLUMNS)
    x = np.array([w.x for w in wps], dtype=float)
    y = np.array([w.y for w in wps], dtype=float)
    lon, lat = lonlat(x, y, patrol.crs)
    east, north = np.empty(len(wps)), np.empty(len(wps))
    zones, hemis = [], []
    for i, (lo, la) in enumerate(zip(lon, lat)):
        crs = utm_crs(lo, la, like=patrol.crs)
        if crs == patrol.crs:
            east[i], north[i] = x[i], y[i]
        else:
            east[i], north[i] = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lo, la)
        zone = crs.utm_zone
        zones.append(f"{zone[:-1]}{latitude_band(la)}")
        hemis.append("north" if zone[-1] == "N" else "south")
    return pd.DataFrame(
        {
            "no": np.arange(1, len(wps) + 1),
            "name": [w.name for w in wps],
            "kind": [w.kind for w in wps],
            "lat": lat,
            "lon": lon,
            "utm_zone": zones,
            "utm_hemisphere": hemis,
            "easting_m": np.round(east, 1),
            "northing_m": np.round(north, 1),
            "distance_km": np.round(waypoint_distances_km(patrol), 3),
            "note": [w.note for w in wps],
        },
        columns=WAYPOINT_COLUMNS,
    )


def unique_waypoints(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of a :func:`waypoint_table` without repeats of the same name at the same place.

    GPS units merge or rename waypoints that share a name, so GPX and KML
    files list such a point once (the post of a loop, met at the start and at
    the end); its ``desc`` column says every number and distance it stands for.
    """
    if table.empty:
        return table.assign(desc=pd.Series(dtype=str))
    key = table["name"].astype(str) + "|" + table["lat"].round(6).astype(str) + "|" + table["lon"].round(6).astype(str)
    rows = []
    for _, group in table.groupby(key, sort=False):
        first = group.iloc[0].copy()
        where = " and ".join(f"no. {r.no} at {r.distance_km:.2f} km" for r in group.itertuples(index=False))
        first["desc"] = f"{first['kind']}, {where} along the route" + (f"; {first['note']}" if first["note"] else "")
        rows.append(first)
    return pd.DataFrame(rows).sort_values("no").reset_index(drop=True)


# --- text -------------------------------------------------------------------
def _date_str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _start_time(value) -> dt.datetime:
    """The patrol's date as a UTC datetime at midnight (the files' time stamp)."""
    day = pd.Timestamp(value)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def describe(patrol: Patrol) -> str:
    """One line describing a patrol, with units: ``foot patrol from Alpha, team 1, 2026-12-01: 12.3 km, 3.1 h``."""
    return (
        f"{patrol.kind} patrol from {patrol.post}, team {patrol.team}, {_date_str(patrol.date)}: "
        f"{patrol.length_km:.1f} km, {patrol.hours:.1f} h, expected risk covered {patrol.expected_risk:.3f}"
    )


def safe_name(text: str) -> str:
    """``text`` made safe as a file or folder name on every system."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", str(text)).strip(" .")
    return name or "patrol"


def _title(patrol: Patrol) -> str:
    return f"Patrol {patrol.patrol_id}"


# --- GPX ----------------------------------------------------------------------
def gpx_bytes(patrol: Patrol) -> bytes:
    """GPX 1.1 of a patrol: metadata, named waypoints (``wpt``) and the track (``trk/trkseg/trkpt``).

    Elevations are written when known.  Readable by Garmin units and BaseCamp,
    OsmAnd, gpxpy and GDAL.
    """
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.version = "1.1"
    gpx.creator = CREATOR
    gpx.name = _title(patrol)
    gpx.description = describe(patrol)
    gpx.time = _start_time(patrol.date)
    for row in unique_waypoints(waypoint_table(patrol)).itertuples(index=False):
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=float(row.lat),
                longitude=float(row.lon),
                name=str(row.name),
                description=row.desc,
                symbol=GPX_SYMBOLS.get(row.kind, GPX_SYMBOLS["waypoint"]),
                type=str(row.kind),
            )
        )
    track = gpxpy.gpx.GPXTrack(name=_title(patrol), description=describe(patrol))
    track.type = patrol.kind
    segment = gpxpy.gpx.GPXTrackSegment()
    lon, lat = _path_lonlat(patrol)
    elev = _elevations(patrol)
    for i in range(len(lon)):
        z = None if elev is None or not np.isfinite(elev[i]) else round(float(elev[i]), 1)
        segment.points.append(gpxpy.gpx.GPXTrackPoint(latitude=float(lat[i]), longitude=float(lon[i]), elevation=z))
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1").encode("utf-8")


# --- KML ----------------------------------------------------------------------
def _kml_colour(hex_rgb: str, alpha: int = 255) -> str:
    """KML colour ``aabbggrr`` from ``#rrggbb``."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha:02x}{b}{g}{r}"


def team_colour(team: int) -> str:
    """The colour (``#rrggbb``) drawing team ``team``'s routes in every file."""
    return TEAM_COLOURS[(int(team) - 1) % len(TEAM_COLOURS)]


def _coord_text(lon, lat, elev=None) -> str:
    parts = []
    for i in range(len(lon)):
        s = f"{lon[i]:.{DECIMALS}f},{lat[i]:.{DECIMALS}f}"
        if elev is not None and np.isfinite(elev[i]):
            s += f",{elev[i]:.1f}"
        parts.append(s)
    return " ".join(parts)


def kml_bytes(patrol: Patrol) -> bytes:
    """KML of a patrol: a styled route line and one placemark per waypoint (the post with its own style).

    Readable by Google Earth and GDAL's KML/LIBKML drivers; text is
    XML-escaped.
    """
    ns = "http://www.opengis.net/kml/2.2"
    ET.register_namespace("", ns)

    def sub(parent, tag, text=None, **attrib):
        el = ET.SubElement(parent, f"{{{ns}}}{tag}", attrib)
        if text is not None:
            el.text = str(text)
        return el

    root = ET.Element(f"{{{ns}}}kml")
    doc = sub(root, "Document")
    sub(doc, "name", _title(patrol))
    sub(doc, "description", describe(patrol))
    colour = team_colour(patrol.team)
    style = sub(doc, "Style", id="route")
    line_style = sub(style, "LineStyle")
    sub(line_style, "color", _kml_colour(colour))
    sub(line_style, "width", 4)
    for kind, icon_colour, scale in (("post", "#ffffff", 1.3), ("camp", "#ffffff", 1.1), ("waypoint", colour, 0.9)):
        st = sub(doc, "Style", id=kind)
        icon_style = sub(st, "IconStyle")
        sub(icon_style, "color", _kml_colour(icon_colour))
        sub(icon_style, "scale", scale)
        sub(sub(icon_style, "Icon"), "href", KML_ICONS[kind])
        sub(sub(st, "LabelStyle"), "scale", 0.9)

    route = sub(doc, "Placemark")
    sub(route, "name", _title(patrol))
    sub(
        route,
        "description",
        f"Post {patrol.post}, team {patrol.team}, {patrol.kind} patrol on {_date_str(patrol.date)}. "
        f"Distance {patrol.length_km:.1f} km, expected duration {patrol.hours:.1f} h, "
        f"Expected risk covered {patrol.expected_risk:.3f}: {RISK_UNIT}.",
    )
    sub(route, "styleUrl", "#route")
    ext = sub(route, "ExtendedData")
    for key, value in (
        ("patrol", patrol.patrol_id),
        ("post", patrol.post),
        ("team", patrol.team),
        ("date", _date_str(patrol.date)),
        ("kind", patrol.kind),
        ("distance_km", round(patrol.length_km, 3)),
        ("duration_h", round(patrol.hours, 3)),
        ("expected_risk_cells", round(patrol.expected_risk, 6)),
    ):
        sub(sub(ext, "Data", name=key), "value", value)
    ls = sub(route, "LineString")
    sub(ls, "tessellate", 1)
    sub(ls, "altitudeMode", "clampToGround")
    lon, lat = _path_lonlat(patrol)
    sub(ls, "coordinates", _coord_text(lon, lat, _elevations(patrol)))

    folder = sub(doc, "Folder")
    sub(folder, "name", "Waypoints")
    for row in unique_waypoints(waypoint_table(patrol)).itertuples(index=False):
        pm = sub(folder, "Placemark")
        sub(pm, "name", row.name)
        utm = f"UTM {row.utm_zone} ({row.utm_hemisphere}) E {row.easting_m:.0f} m N {row.northing_m:.0f} m"
        sub(pm, "description", f"{row.desc}; {utm}")
        sub(pm, "styleUrl", f"#{row.kind if row.kind in KML_ICONS else 'waypoint'}")
        sub(sub(pm, "Point"), "coordinates", _coord_text([row.lon], [row.lat]))
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


# --- GeoJSON ------------------------------------------------------------------
def _jsonable(value):
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dt.date | pd.Timestamp):
        return _date_str(value)
    return value


def geojson_bytes(patrol: Patrol) -> bytes:
    """GeoJSON (RFC 7946, WGS84) FeatureCollection: the route line with its figures, then the waypoints."""
    lon, lat = _path_lonlat(patrol)
    elev = _elevations(patrol)
    coords = []
    for i in range(len(lon)):
        c = [float(lon[i]), float(lat[i])]
        if elev is not None and np.isfinite(elev[i]):
            c.append(round(float(elev[i]), 1))
        coords.append(c)
    route = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "feature": "route",
            "name": _title(patrol),
            "patrol": patrol.patrol_id,
            "post": patrol.post,
            "team": int(patrol.team),
            "date": _date_str(patrol.date),
            "kind": patrol.kind,
            "distance_km": round(float(patrol.length_km), 3),
            "duration_h": round(float(patrol.hours), 3),
            "expected_risk_cells": _jsonable(float(patrol.expected_risk)),
            "no": None,
            "distance_along_km": None,
            "note": "",
        },
    }
    features = [route]
    for row in waypoint_table(patrol).itertuples(index=False):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(row.lon), float(row.lat)]},
                "properties": {
                    "feature": row.kind,
                    "name": row.name,
                    "patrol": patrol.patrol_id,
                    "post": patrol.post,
                    "team": int(patrol.team),
                    "date": _date_str(patrol.date),
                    "kind": patrol.kind,
                    "distance_km": None,
                    "duration_h": None,
                    "expected_risk_cells": None,
                    "no": int(row.no),
                    "distance_along_km": float(row.distance_km),
                    "note": row.note,
                },
            }
        )
    doc = {"type": "FeatureCollection", "name": _title(patrol), "features": features}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


# --- CSV ----------------------------------------------------------------------
def waypoints_csv_bytes(patrol: Patrol) -> bytes:
    """CSV of the waypoints (UTF-8 with a byte-order mark so spreadsheets show accents)."""
    return waypoint_table(patrol).to_csv(index=False).encode("utf-8-sig")


def sheet_pdf_bytes(patrol: Patrol, risk=None, grid=None, boundary=None, park_name: str | None = None) -> bytes:
    """The printable one-page A4 PDF sheet of a patrol (see :mod:`patrols.sheet`)."""
    from .sheet import sheet_pdf

    return sheet_pdf(patrol, risk=risk, grid=grid, boundary=boundary, park_name=park_name)


# --- writing one patrol -------------------------------------------------------
def _write(path, data: bytes) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}; choose a folder you can write to") from exc
    return path


def write_gpx(patrol: Patrol, path) -> Path:
    """Write the patrol's GPX 1.1 file (see :func:`gpx_bytes`); returns the path."""
    return _write(path, gpx_bytes(patrol))


def write_kml(patrol: Patrol, path) -> Path:
    """Write the patrol's KML file (see :func:`kml_bytes`); returns the path."""
    return _write(path, kml_bytes(patrol))


def write_geojson(patrol: Patrol, path) -> Path:
    """Write the patrol's GeoJSON file (see :func:`geojson_bytes`); returns the path."""
    return _write(path, geojson_bytes(patrol))


def write_waypoints_csv(patrol: Patrol, path) -> Path:
    """Write the patrol's waypoint CSV (see :func:`waypoint_table`); returns the path."""
    return _write(path, waypoints_csv_bytes(patrol))


def write_sheet_pdf(patrol: Patrol, path, risk=None, grid=None, boundary=None, park_name: str | None = None) -> Path:
    """Write the patrol's one-page A4 PDF sheet; ``risk`` is an array on ``grid``, ``boundary`` a geometry in the park CRS."""
    return _write(path, sheet_pdf_bytes(patrol, risk=risk, grid=grid, boundary=boundary, park_name=park_name))


# --- a whole plan -------------------------------------------------------------
def plan_id(plan: Plan) -> str:
    """The plan's identifier: ``plan.settings["plan_id"]`` if set, else park, start date and days."""
    given = plan.settings.get("plan_id") if isinstance(plan.settings, dict) else None
    return str(given) if given else f"{plan.park}-{_date_str(plan.start)}-{int(plan.days)}d"


def plan_summary(plan: Plan) -> pd.DataFrame:
    """One row per patrol with units in the column names (``distance_km``, ``duration_h``, ``expected_risk_cells``)."""
    rows = [
        {
            "patrol": p.patrol_id,
            "post": p.post,
            "team": int(p.team),
            "date": _date_str(p.date),
            "kind": p.kind,
            "distance_km": round(float(p.length_km), 3),
            "duration_h": round(float(p.hours), 3),
            "expected_risk_cells": float(p.expected_risk),
            "waypoints": len(p.waypoints),
        }
        for p in plan.patrols
    ]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def summary_json_bytes(plan: Plan) -> bytes:
    """The plan summary as JSON: settings, per-patrol figures and totals, with units."""
    table = plan_summary(plan)
    doc = {
        "plan_id": plan_id(plan),
        "park": plan.park,
        "start": _date_str(plan.start),
        "days": int(plan.days),
        "settings": {str(k): _jsonable(v) for k, v in (plan.settings or {}).items()},
        "units": {
            "distance_km": "km",
            "duration_h": "hours",
            "expected_risk_cells": RISK_UNIT,
        },
        "totals": {
            "patrols": len(plan.patrols),
            "distance_km": round(float(table["distance_km"].sum()), 3),
            "duration_h": round(float(table["duration_h"].sum()), 3),
            "expected_risk_cells_sum_of_patrols": float(table["expected_risk_cells"].sum()),
            "expected_risk_cells_plan": float(plan.total_risk),
            "expected_risk_cells_best_plan": float(plan.best_risk),
        },
        "patrols": [{k: _jsonable(v) for k, v in r.items()} for r in table.to_dict("records")],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def _risk_inputs(park, risk):
    """``(risk array, grid, boundary geometry, park name)`` from the loose arguments of :func:`write_plan`."""
    grid = getattr(park, "grid", None)
    array = None
    if risk is not None:
        if hasattr(risk, "risk") and hasattr(risk, "grid"):  # a riskmodel RiskSurface
            array, grid = np.asarray(risk.risk, dtype=float), risk.grid
        elif isinstance(risk, tuple) and len(risk) == 2:  # (array, grid)
            array, grid = np.asarray(risk[0], dtype=float), risk[1]
        else:
            array = np.asarray(risk, dtype=float)
            if grid is None:
                raise ExportError("a bare risk array needs the park (for its grid); pass park= or a RiskSurface")
    boundary = getattr(park, "boundary", None)
    if boundary is not None and hasattr(boundary, "union_all"):
        boundary = boundary.union_all()
    return array, grid, boundary, getattr(park, "name", None)


def patrol_files(patrol: Patrol, risk=None, grid=None, boundary=None, park_name: str | None = None) -> dict[str, bytes]:
    """The five files of one patrol, ``{relative path: bytes}`` under ``<patrol_id>/``."""
    folder = safe_name(patrol.patrol_id)
    stem = f"{folder}/{folder}"
    return {
        f"{stem}.gpx": gpx_bytes(patrol),
        f"{stem}.kml": kml_bytes(patrol),
        f"{stem}.geojson": geojson_bytes(patrol),
        f"{stem}_waypoints.csv": waypoints_csv_bytes(patrol),
        f"{stem}_sheet.pdf": sheet_pdf_bytes(patrol, risk=risk, grid=grid, boundary=boundary, park_name=park_name),
    }


def _plan_files(plan: Plan, park=None, risk=None, progress: Progress | None = None) -> dict[str, bytes]:
    array, grid, boundary, park_name = _risk_inputs(park, risk)
    park_name = park_name or plan.park
    ids = [safe_name(p.patrol_id) for p in plan.patrols]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ExportError(f"patrol ids must be unique to get one folder each; repeated: {', '.join(dupes[:5])}")
    files: dict[str, bytes] = {}
    n = max(len(plan.patrols), 1)
    for i, patrol in enumerate(plan.patrols):
        if progress is not None:
            progress(i / n, f"writing the files of patrol {patrol.patrol_id} ({i + 1} of {n})")
        files.update(patrol_files(patrol, risk=array, grid=grid, boundary=boundary, park_name=park_name))
    files["summary.csv"] = plan_summary(plan).to_csv(index=False).encode("utf-8-sig")
    files["summary.json"] = summary_json_bytes(plan)
    return files


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def plan_zip_bytes(plan: Plan, park=None, risk=None, progress: Progress | None = None) -> bytes:
    """Every file of :func:`write_plan` (except ``plan.zip`` itself) as the bytes of one zip."""
    data = _zip(_plan_files(plan, park=park, risk=risk, progress=progress))
    if progress is not None:
        progress(1.0, "zip ready")
    return data


def _check_out_dir(out_dir: Path, pid: str) -> list[str]:
    """Files of a previous export of plan ``pid`` in ``out_dir``; raise if anything else is there."""
    if not out_dir.exists():
        return []
    if not out_dir.is_dir():
        raise ExportError(f"{out_dir} is a file, not a folder; choose an empty folder for the plan's files")
    present = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())
    if not present:
        return []
    marker = out_dir / EXPORT_MARKER
    previous: dict = {}
    if marker.is_file():
        try:
            previous = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
    if not previous:
        raise ExportError(
            f"{out_dir} already holds {len(present)} file(s) that are not a plan export "
            f"(e.g. {', '.join(present[:3])}); choose an empty folder so nothing of yours is overwritten"
        )
    if previous.get("plan_id") != pid:
        raise ExportError(
            f"{out_dir} holds the export of another plan ({previous.get('plan_id')!r}, this one is {pid!r}); "
            "choose an empty folder, or delete that folder first if the old plan is no longer needed"
        )
    ours = set(previous.get("files", [])) | {EXPORT_MARKER}
    foreign = [p for p in present if p not in ours]
    if foreign:
        raise ExportError(
            f"{out_dir} holds file(s) not written by the previous export of plan {pid!r} "
            f"(e.g. {', '.join(foreign[:3])}); choose an empty folder so nothing of yours is overwritten"
        )
    return sorted(ours - {EXPORT_MARKER})


def write_plan(plan: Plan, out_dir, park=None, risk=None, progress: Progress | None = None) -> list[Path]:
    """Write every field file of a plan into ``out_dir``.

    For each patrol ``<out_dir>/<patrol_id>/`` gets a GPX, KML, GeoJSON,
    waypoint CSV and PDF sheet; ``out_dir`` gets ``summary.csv``,
    ``summary.json`` and ``plan.zip`` (all of those files).

    Parameters
    ----------
    plan : Plan
    out_dir : path
        An empty (or new) folder, or the folder of a previous export of the
        same plan (see :func:`plan_id`), whose files are then replaced.
    park : layers.park.Park, optional
        Gives the boundary and name on the PDF sheets, and the grid of a bare
        ``risk`` array.
    risk : RiskSurface, (array, Grid) or array, optional
        The risk background of the PDF sheets.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    list of Path
        Every file written, ``plan.zip`` last.

    Raises
    ------
    ExportError
        ``out_dir`` holds files not written by a previous export of this plan,
        or a file cannot be written.
    """
    out_dir = Path(out_dir)
    pid = plan_id(plan)
    old = _check_out_dir(out_dir, pid)
    files = _plan_files(plan, park=park, risk=risk, progress=progress)
    if progress is not None:
        progress(0.95, "writing files and the zip")
    zip_data = _zip(files)
    names = [*files, ZIP_NAME]
    for stale in set(old) - set(names):  # files of the previous export of this plan that are gone now
        try:
            (out_dir / stale).unlink(missing_ok=True)
            parent = (out_dir / stale).parent
            if parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
        except OSError as exc:
            raise ExportError(f"cannot remove the old file {out_dir / stale}: {exc.strerror or exc}") from exc
    # the marker goes first (listing old and new files), so an interrupted export can be redone
    marker = {"plan_id": pid, "park": plan.park, "files": sorted(set(names) | set(old))}
    _write(out_dir / EXPORT_MARKER, json.dumps(marker, ensure_ascii=False, indent=1).encode("utf-8"))
    written = [_write(out_dir / name, data) for name, data in files.items()]
    written.append(_write(out_dir / ZIP_NAME, zip_data))
    marker["files"] = names
    _write(out_dir / EXPORT_MARKER, json.dumps(marker, ensure_ascii=False, indent=1).encode("utf-8"))
    if progress is not None:
        progress(1.0, f"{len(written)} files written to {out_dir}")
    return written
