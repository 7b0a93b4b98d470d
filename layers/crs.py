"""The park's metric CRS (the UTM zone of the boundary's centroid unless the manifest names one), and reprojecting.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> b = gpd.GeoDataFrame(geometry=[box(35.0, -2.5, 35.5, -2.0)], crs="EPSG:4326")
>>> park_crs(b).to_epsg()
32736
"""

from __future__ import annotations

import math

import geopandas as gpd
import shapely
from pyproj import CRS

from .errors import ManifestError


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS84 UTM zone holding ``(lon, lat)`` (326zz north, 327zz south)."""
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"({lon}, {lat}) is not a longitude/latitude pair")
    zone = min(60, int(math.floor((lon + 180.0) / 6.0)) + 1)
    return (32600 if lat >= 0 else 32700) + zone


def check_metric_crs(crs, where: str = "[park] crs in park.toml") -> CRS:
    """Parse ``crs`` and make sure it is projected in metres, else :class:`ManifestError`."""
    try:
        crs = CRS.from_user_input(crs)
    except Exception as exc:
        raise ManifestError(
            f'{where}: {crs!r} is not a CRS ({exc}). Fix: write an EPSG code such as "EPSG:32736"'
        ) from exc
    units = {a.unit_name for a in crs.axis_info}
    if not crs.is_projected or not units <= {"metre", "meter"}:
        raise ManifestError(
            f"{where}: {crs.name!r} is not a projected CRS in metres (units: {', '.join(sorted(units)) or 'none'}). "
            'Fix: use a UTM zone such as "EPSG:32736", or remove the line to use the boundary\'s UTM zone'
        )
    return crs


def park_crs(boundary: gpd.GeoDataFrame, override=None) -> CRS:
    """The metric CRS of a park.

    Parameters
    ----------
    boundary : geopandas.GeoDataFrame
        The park boundary, in any CRS (it must have one).
    override : str or CRS, optional
        A CRS from the manifest; it must be projected with metre units.

    Returns
    -------
    pyproj.CRS
        ``override`` when given, else the WGS84 UTM zone (north or south) of
        the boundary's centroid.

    Raises
    ------
    ManifestError
        ``override`` is not a projected CRS in metres.
    """
    if override is not None:
        return check_metric_crs(override)
    if boundary.crs is None:
        raise ValueError("the boundary has no CRS")
    geo = boundary.to_crs("EPSG:4326")
    centre = shapely.union_all(geo.geometry.values).centroid
    return CRS.from_epsg(utm_epsg(centre.x, centre.y))


def reproject(gdf: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """``gdf.to_crs(crs)``, with a fast path for large point layers (one transform of the coordinate arrays)."""
    if len(gdf) < 10_000 or not (shapely.get_type_id(gdf.geometry.values) == 0).all():
        return gdf.to_crs(crs)
    from pyproj import Transformer

    xy = shapely.get_coordinates(gdf.geometry.values)
    x, y = Transformer.from_crs(gdf.crs, crs, always_xy=True).transform(xy[:, 0], xy[:, 1])
    out = gdf.drop(columns=gdf.geometry.name)
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(shapely.points(x, y), index=gdf.index, crs=crs), crs=crs)
