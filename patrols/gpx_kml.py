"""GPX and KML files of a patrol: the track or route line and its named waypoints, in WGS84.

GPX 1.1 for GPS units (Garmin, OsmAnd) and KML for Google Earth; both readable
by GDAL.  Waypoints met twice at the same place (the post of a loop) are
written once (see :func:`patrols.tables.unique_waypoints`).
"""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd

from .coords import DECIMALS, path_lonlat
from .labels import CREATOR, RISK_UNIT, date_str, describe, patrol_title, team_colour
from .profile import elevations
from .route import Patrol
from .tables import unique_waypoints, waypoint_table

__all__ = ["gpx_bytes", "kml_bytes"]

# Garmin symbol names (understood by Garmin units, BaseCamp and OsmAnd).
GPX_SYMBOLS = {"post": "Flag, Red", "camp": "Campground", "waypoint": "Flag, Blue"}
KML_ICONS = {
    "post": "http://maps.google.com/mapfiles/kml/shapes/homegardenbusiness.png",
    "camp": "http://maps.google.com/mapfiles/kml/shapes/campground.png",
    "waypoint": "http://maps.google.com/mapfiles/kml/paddle/wht-blank.png",
}


def _start_time(value) -> dt.datetime:
    """The patrol's date as a UTC datetime at midnight (the files' time stamp)."""
    day = pd.Timestamp(value)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def gpx_bytes(patrol: Patrol) -> bytes:
    """GPX 1.1 of a patrol: metadata, named waypoints (``wpt``) and the track (``trk/trkseg/trkpt``).

    Elevations are written when known.  Readable by Garmin units and BaseCamp,
    OsmAnd, gpxpy and GDAL.
    """
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.version = "1.1"
    gpx.creator = CREATOR
    gpx.name = patrol_title(patrol)
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
    track = gpxpy.gpx.GPXTrack(name=patrol_title(patrol), description=describe(patrol))
    track.type = patrol.kind
    segment = gpxpy.gpx.GPXTrackSegment()
    lon, lat = path_lonlat(patrol)
    elev = elevations(patrol)
    for i in range(len(lon)):
        z = None if elev is None or not np.isfinite(elev[i]) else round(float(elev[i]), 1)
        segment.points.append(gpxpy.gpx.GPXTrackPoint(latitude=float(lat[i]), longitude=float(lon[i]), elevation=z))
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1").encode("utf-8")


def _kml_colour(hex_rgb: str, alpha: int = 255) -> str:
    """KML colour ``aabbggrr`` from ``#rrggbb``."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha:02x}{b}{g}{r}"


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
    sub(doc, "name", patrol_title(patrol))
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
    sub(route, "name", patrol_title(patrol))
    sub(
        route,
        "description",
        f"Post {patrol.post}, team {patrol.team}, {patrol.kind} patrol on {date_str(patrol.date)}. "
        f"Distance {patrol.length_km:.1f} km, expected duration {patrol.hours:.1f} h, "
        f"Expected risk covered {patrol.expected_risk:.3f}: {RISK_UNIT}.",
    )
    sub(route, "styleUrl", "#route")
    ext = sub(route, "ExtendedData")
    for key, value in (
        ("patrol", patrol.patrol_id),
        ("post", patrol.post),
        ("team", patrol.team),
        ("date", date_str(patrol.date)),
        ("kind", patrol.kind),
        ("distance_km", round(patrol.length_km, 3)),
        ("duration_h", round(patrol.hours, 3)),
        ("expected_risk_cells", round(patrol.expected_risk, 6)),
    ):
        sub(sub(ext, "Data", name=key), "value", value)
    ls = sub(route, "LineString")
    sub(ls, "tessellate", 1)
    sub(ls, "altitudeMode", "clampToGround")
    lon, lat = path_lonlat(patrol)
    sub(ls, "coordinates", _coord_text(lon, lat, elevations(patrol)))

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
