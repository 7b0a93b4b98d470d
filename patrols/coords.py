"""Coordinates of the field files: WGS84 longitude/latitude and the UTM zone GPS units show.

Patrols hold their coordinates in the park's metric CRS; the field files are in
WGS84 longitude/latitude (7 decimals, about 1 cm), and the waypoint table adds
WGS84 UTM easting/northing with the zone and latitude band.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from pyproj import CRS, Transformer

from .route import Patrol

__all__ = ["DECIMALS", "WGS84", "latitude_band", "lonlat", "path_lonlat", "utm_crs"]

WGS84 = CRS.from_epsg(4326)
DECIMALS = 7  # 1e-7 degree is about 1 cm
UTM_BANDS = "CDEFGHJKLMNPQRSTUVWX"  # 8 degree latitude bands from 80 S; X spans 72-84 N


_LOCAL = threading.local()  # transformers are made once per CRS and thread (making one costs milliseconds)


def _to_wgs84(crs: CRS) -> Transformer:
    cache = getattr(_LOCAL, "to_wgs84", None)
    if cache is None:
        cache = _LOCAL.to_wgs84 = {}
    crs = CRS.from_user_input(crs)
    key = crs.to_wkt()
    if key not in cache:
        if len(cache) > 32:
            cache.clear()
        cache[key] = Transformer.from_crs(crs, WGS84, always_xy=True)
    return cache[key]


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


def path_lonlat(patrol: Patrol) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (WGS84, degrees) of each vertex of the patrol's path."""
    return lonlat(patrol.path_xy[:, 0], patrol.path_xy[:, 1], patrol.crs)
