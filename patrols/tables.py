"""Tables of a patrol and of a plan: the waypoint table and its CSV, the GeoJSON features, the plan summary.

Column names carry their units (``distance_km``, ``duration_h``,
``expected_risk_cells``); coordinates are WGS84 (see :mod:`patrols.coords`).
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
from pyproj import Transformer

from .coords import WGS84, latitude_band, lonlat, path_lonlat, utm_crs
from .labels import RISK_UNIT, date_str, patrol_title
from .navpoints import with_navigation_waypoints
from .profile import elevations, waypoint_distances_km
from .route import Patrol, Plan

__all__ = [
    "SUMMARY_COLUMNS",
    "WAYPOINT_COLUMNS",
    "geojson_bytes",
    "plan_id",
    "plan_summary",
    "summary_json_bytes",
    "unique_waypoints",
    "waypoint_table",
    "waypoints_csv_bytes",
]

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


def waypoint_table(patrol: Patrol, navigation: bool = True) -> pd.DataFrame:
    """One row per waypoint: number, name, kind, lat/lon, UTM zone and easting/northing, km along the route.

    With ``navigation`` (the default) the rows are those of
    :func:`patrols.navpoints.with_navigation_waypoints`: the patrol's own
    waypoints plus a turn point at every turn and a checkpoint at most every
    2 km, so every file written from this table agrees.

    UTM coordinates (WGS84) are those of the park's UTM zone when the park CRS
    is UTM, else of the point's own zone.  ``utm_zone`` is written as GPS units
    show it, zone number and latitude band (``36K``); ``utm_hemisphere`` says
    north or south.
    """
    if navigation:
        patrol = with_navigation_waypoints(patrol)
    wps = patrol.waypoints
    if not wps:
        return pd.DataFrame(columns=WAYPOINT_COLUMNS)
    x = np.array([w.x for w in wps], dtype=float)
    y = np.array([w.y for w in wps], dtype=float)
    lon, lat = lonlat(x, y, patrol.crs)
    east, north = np.empty(len(wps)), np.empty(len(wps))
    zones, hemis = [], []
    park_utm = utm_crs(float(lon[0]), float(lat[0]), like=patrol.crs) if patrol.crs.utm_zone else None
    crs_of = [park_utm or utm_crs(lo, la) for lo, la in zip(lon, lat)]
    for crs in {c.to_epsg(): c for c in crs_of}.values():  # one transformation per zone
        on = np.array([c == crs for c in crs_of])
        if crs == patrol.crs:
            east[on], north[on] = x[on], y[on]
        else:
            east[on], north[on] = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon[on], lat[on])
    for crs, la in zip(crs_of, lat):
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
    groups: dict[tuple, list[dict]] = {}  # plain records: a pandas groupby costs tens of ms per patrol
    for rec in table.to_dict("records"):
        key = (str(rec["name"]), round(float(rec["lat"]), 6), round(float(rec["lon"]), 6))
        groups.setdefault(key, []).append(rec)
    rows = []
    for group in groups.values():
        first = dict(group[0])
        where = " and ".join(f"no. {r['no']} at {r['distance_km']:.2f} km" for r in group)
        first["desc"] = f"{first['kind']}, {where} along the route" + (f"; {first['note']}" if first["note"] else "")
        rows.append(first)
    return pd.DataFrame(rows, columns=[*table.columns, "desc"]).sort_values("no").reset_index(drop=True)


def waypoints_csv_bytes(patrol: Patrol) -> bytes:
    """CSV of the waypoints (UTF-8 with a byte-order mark so spreadsheets show accents)."""
    return waypoint_table(patrol).to_csv(index=False).encode("utf-8-sig")


def _jsonable(value):
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dt.date | pd.Timestamp):
        return date_str(value)
    return value


def geojson_bytes(patrol: Patrol) -> bytes:
    """GeoJSON (RFC 7946, WGS84) FeatureCollection: the route line with its figures, then the waypoints."""
    lon, lat = path_lonlat(patrol)
    elev = elevations(patrol)
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
            "name": patrol_title(patrol),
            "patrol": patrol.patrol_id,
            "post": patrol.post,
            "team": int(patrol.team),
            "date": date_str(patrol.date),
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
                    "date": date_str(patrol.date),
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
    doc = {"type": "FeatureCollection", "name": patrol_title(patrol), "features": features}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def plan_id(plan: Plan) -> str:
    """The plan's identifier: ``plan.settings["plan_id"]`` if set, else park, start date and days."""
    given = plan.settings.get("plan_id") if isinstance(plan.settings, dict) else None
    return str(given) if given else f"{plan.park}-{date_str(plan.start)}-{int(plan.days)}d"


def plan_summary(plan: Plan) -> pd.DataFrame:
    """One row per patrol with units in the column names (``distance_km``, ``duration_h``, ``expected_risk_cells``)."""
    rows = [
        {
            "patrol": p.patrol_id,
            "post": p.post,
            "team": int(p.team),
            "date": date_str(p.date),
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
        "start": date_str(plan.start),
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
