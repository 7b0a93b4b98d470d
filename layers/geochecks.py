"""The geometry checks run on every layer while a park loads: CRS, geometry, location, raster coverage.

Each check takes a layer and the :class:`~layers.report.LoadReport`, writes
what it found as :class:`~layers.report.Problem` entries (with a ``check``
name such as ``"missing_crs"``), and returns the repaired layer.  Rows that
cannot be used are listed with their file, 1-based row number and reason;
the rest of the layer is kept.  All checks are vectorised: they run on
millions of GPS fixes in seconds.  The checks of table columns (times,
types, duplicates) are in :mod:`layers.checks`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from .defaults import MAX_RASTER_PIXELS
from .report import ERROR, FATAL, MAX_LISTED_ROWS, WARNING, LoadReport, report_rows, source_rows


# --- CRS ------------------------------------------------------------------
def fits_lonlat(gdf: gpd.GeoDataFrame) -> bool:
    """Whether every coordinate could be longitude/latitude (either order)."""
    if len(gdf) == 0:
        return True
    minx, miny, maxx, maxy = gdf.total_bounds
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        return False
    normal = -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90
    swapped = -90 <= minx and maxx <= 90 and -180 <= miny and maxy <= 180
    return bool(normal or swapped)


def _fits_near(gdf: gpd.GeoDataFrame, crs, boundary: gpd.GeoDataFrame, margin: float = 0.2) -> bool:
    """Whether most coordinates of ``gdf``, read in ``crs``, fall near ``boundary``."""
    minx, miny, maxx, maxy = boundary.to_crs(crs).total_bounds
    pad = margin * max(maxx - minx, maxy - miny) + 10_000
    xy = shapely.get_coordinates(gdf.geometry.values[:: max(1, len(gdf) // 1000)])
    if not len(xy):
        return False
    near = (xy[:, 0] >= minx - pad) & (xy[:, 0] <= maxx + pad) & (xy[:, 1] >= miny - pad) & (xy[:, 1] <= maxy + pad)
    return bool(near.mean() >= 0.8)


def check_crs(
    gdf: gpd.GeoDataFrame,
    layer: str,
    file,
    report: LoadReport,
    fatal: bool = False,
    park_crs=None,
    boundary: gpd.GeoDataFrame | None = None,
):
    """Make sure ``gdf`` has a CRS.

    A layer without one is assumed to be in EPSG:4326 when its coordinates
    fit longitude/latitude ranges, or in the park's metric CRS
    (``park_crs``) when its coordinates read in that CRS fall on or near the
    park ``boundary`` (warning ``missing_crs`` either way); otherwise it
    cannot be placed: error (or fatal for the boundary) and ``None`` is
    returned.
    """
    if gdf.crs is not None:
        return gdf
    if park_crs is not None and boundary is not None and len(gdf) and not fits_lonlat(gdf):
        if _fits_near(gdf, park_crs, boundary):
            report.add(
                WARNING,
                layer,
                file,
                "the file does not say its coordinate reference system (CRS); its coordinates fall on the park "
                f"when read in the park's CRS, so {park_crs.to_string()} was assumed",
                f'set crs = "{park_crs.to_string()}" under [columns.{layer}] in park.toml (or add a .prj file) '
                "to confirm",
                check="missing_crs",
            )
            return gdf.set_crs(park_crs)
    if fits_lonlat(gdf):
        report.add(
            WARNING,
            layer,
            file,
            "the file does not say its coordinate reference system (CRS); its coordinates fit longitude/latitude, "
            "so EPSG:4326 (WGS84 degrees) was assumed",
            "add a .prj file, export the layer with its CRS, or set crs under [columns." + layer + "] in park.toml",
            check="missing_crs",
        )
        return gdf.set_crs("EPSG:4326")
    minx, miny, maxx, maxy = gdf.total_bounds
    report.add(
        FATAL if fatal else ERROR,
        layer,
        file,
        f"the file does not say its coordinate reference system (CRS) and its coordinates "
        f"(x {minx:.6g} to {maxx:.6g}, y {miny:.6g} to {maxy:.6g}) are not longitude/latitude, "
        "so the layer cannot be placed; layer skipped",
        'export the layer with its CRS (a .prj file), or set crs = "EPSG:<code>" under [columns.'
        + layer
        + "] in park.toml",
        check="missing_crs",
    )
    return None


# --- geometry -----------------------------------------------------------------
_KIND_TYPES = {
    "polygon": ("Polygon", "MultiPolygon"),
    "point": ("Point", "MultiPoint"),
    "line": ("LineString", "MultiLineString", "LinearRing"),
}


def check_geometry(gdf: gpd.GeoDataFrame, layer: str, file, report: LoadReport, kind: str | None = None):
    """Drop rows without geometry, repair invalid geometry, keep only ``kind`` geometries.

    Missing or empty geometries are rejected (error per row, ``missing_geometry``);
    invalid ones are repaired with :func:`shapely.make_valid` (warning
    ``invalid_geometry``); with ``kind`` (``"polygon"``, ``"point"``,
    ``"line"``) rows of another type are rejected (``wrong_geometry``).
    Multi-points become their first point.
    """
    geom = gdf.geometry.values
    missing = np.asarray(shapely.is_missing(geom) | shapely.is_empty(geom), dtype=bool)
    if missing.any():
        report_rows(
            report,
            ERROR,
            layer,
            file,
            source_rows(gdf, missing),
            "no geometry; row rejected",
            "give the row a location",
            "missing_geometry",
        )
        gdf = gdf.loc[~missing]
    type_ids = shapely.get_type_id(gdf.geometry.values)
    if (
        kind in (None, "point") and len(type_ids) and (type_ids == 0).all()
    ):  # points: valid unless a coordinate is not finite
        xy = shapely.get_coordinates(gdf.geometry.values)
        invalid = np.zeros(len(type_ids), dtype=bool)
        bad_xy = ~np.isfinite(xy).all(axis=1)
        if gdf.crs is not None and gdf.crs.is_geographic:  # lat 200 is no place on earth
            far = ~bad_xy & ((np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90))
            if far.any():
                report_rows(
                    report,
                    ERROR,
                    layer,
                    file,
                    source_rows(gdf, far),
                    "coordinates outside longitude -180..180, latitude -90..90; row rejected",
                    "correct the coordinates: decimal degrees, longitude within -180..180 and latitude within -90..90",
                    "out_of_range",
                )
                gdf = gdf.loc[~far]
                xy = xy[~far]
                type_ids = type_ids[~far]
                invalid = invalid[~far]
                bad_xy = bad_xy[~far]
        if bad_xy.any():
            report_rows(
                report,
                ERROR,
                layer,
                file,
                source_rows(gdf, bad_xy),
                "coordinates are not numbers; row rejected",
                "fill in the coordinates",
                "missing_geometry",
            )
            return gdf.loc[~bad_xy]
        return gdf
    invalid = ~np.asarray(shapely.is_valid(gdf.geometry.values), dtype=bool)
    if invalid.any():
        reasons = shapely.is_valid_reason(gdf.geometry.values[invalid])
        rows = source_rows(gdf, invalid)
        for r, why in list(zip(rows, reasons))[:MAX_LISTED_ROWS]:
            report.add(
                WARNING,
                layer,
                file,
                f"invalid geometry ({why}); repaired with make_valid",
                "fix the geometry in QGIS (Vector > Geometry Tools > Fix Geometries)",
                row=int(r),
                check="invalid_geometry",
            )
        if len(rows) > MAX_LISTED_ROWS:
            report.add(
                WARNING,
                layer,
                file,
                f"{len(rows) - MAX_LISTED_ROWS} more invalid geometries repaired",
                check="invalid_geometry",
            )
        gdf = gdf.copy()
        fixed = shapely.make_valid(gdf.geometry.values[invalid])
        if kind == "polygon":  # make_valid may return collections: keep their polygonal part
            fixed = np.array([polygonal(g) for g in fixed], dtype=object)
        col = gdf.geometry.name
        values = gdf[col].values.copy()
        values[invalid] = fixed
        gdf[col] = gpd.GeoSeries(values, index=gdf.index, crs=gdf.crs)
    if kind is not None:
        types = gdf.geometry.geom_type.to_numpy()
        wrong = ~np.isin(types, _KIND_TYPES[kind])
        if wrong.any():
            found = ", ".join(sorted(set(types[wrong].astype(str))))
            report_rows(
                report,
                ERROR,
                layer,
                file,
                source_rows(gdf, wrong),
                f"geometry is {found}, but this layer needs {kind}s; row rejected",
                f"keep only {kind} features in this file",
                "wrong_geometry",
            )
            gdf = gdf.loc[~wrong]
        if kind == "point" and (gdf.geom_type == "MultiPoint").any():
            gdf = gdf.copy()
            multi = (gdf.geom_type == "MultiPoint").to_numpy()
            col = gdf.geometry.name
            values = gdf[col].values.copy()
            values[multi] = shapely.get_geometry(values[multi], 0)
            gdf[col] = gpd.GeoSeries(values, index=gdf.index, crs=gdf.crs)
    return gdf


def polygonal(g):
    """The polygonal part of a geometry (a repaired polygon may come back as a collection with lines)."""
    if g is None or g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else g


# --- location ---------------------------------------------------------------------
def inside(boundary, x, y) -> np.ndarray:
    """Whether each point ``(x, y)`` lies inside ``boundary`` (a shapely geometry in the same CRS)."""
    shapely.prepare(boundary)
    return np.asarray(shapely.contains_xy(boundary, x, y), dtype=bool)


def fix_swapped(gdf: gpd.GeoDataFrame, boundary, layer: str, file, report: LoadReport) -> gpd.GeoDataFrame:
    """Swap x and y of points that fall outside ``boundary`` but inside it once swapped.

    ``boundary`` is a shapely geometry in ``gdf``'s CRS.  Typical of
    latitude typed in the longitude column.  Warning ``swapped_coordinates``.
    """
    if len(gdf) == 0:
        return gdf
    pts = (gdf.geom_type == "Point").to_numpy()
    if not pts.any():
        return gdf
    x = shapely.get_x(gdf.geometry.values)
    y = shapely.get_y(gdf.geometry.values)
    swap = pts & np.isfinite(x) & np.isfinite(y)
    swap[swap] = ~inside(boundary, x[swap], y[swap])
    swap[swap] = inside(boundary, y[swap], x[swap])
    if not swap.any():
        return gdf
    report_rows(
        report,
        WARNING,
        layer,
        file,
        source_rows(gdf, swap),
        "x and y (longitude and latitude) look swapped: the point is inside the park only once swapped; swapped back",
        "check the longitude and latitude columns of these rows",
        "swapped_coordinates",
        limit=10,
    )
    gdf = gdf.copy()
    col = gdf.geometry.name
    values = gdf[col].values.copy()
    values[swap] = shapely.points(y[swap], x[swap])
    gdf[col] = gpd.GeoSeries(values, index=gdf.index, crs=gdf.crs)
    return gdf


def check_outside(gdf: gpd.GeoDataFrame, boundary, layer: str, file, report: LoadReport, list_rows: bool = True):
    """Warn (``outside_boundary``) about points outside ``boundary``; they are kept.

    Returns the boolean mask of points outside.
    """
    if len(gdf) == 0:
        return np.zeros(0, dtype=bool)
    x = shapely.get_x(gdf.geometry.values)
    y = shapely.get_y(gdf.geometry.values)
    outside = ~inside(boundary, x, y)
    n = int(outside.sum())
    if n:
        if list_rows:
            report_rows(
                report,
                WARNING,
                layer,
                file,
                source_rows(gdf, outside),
                "point lies outside the park boundary; kept",
                "check the coordinates if it should be inside",
                "outside_boundary",
                limit=20,
            )
        else:
            report.add(
                WARNING,
                layer,
                file,
                f"{n} of {len(gdf)} points ({100 * n / len(gdf):.1f} %) lie outside the park boundary; kept",
                "nothing to do if patrols left the park; else check the coordinates",
                check="outside_boundary",
            )
    return outside


# --- rasters ---------------------------------------------------------------------------
def raster_coverage(info, boundary: gpd.GeoDataFrame) -> float:
    """Share (0-1) of the boundary's area inside the raster's extent."""
    if info.crs is None:
        return 0.0
    b = boundary.to_crs(info.crs)
    geom = shapely.union_all(b.geometry.values)
    if geom.is_empty or geom.area == 0:
        return 0.0
    return float(shapely.intersection(geom, shapely.box(*info.bounds)).area / geom.area)


def check_raster(info, boundary: gpd.GeoDataFrame, name: str, report: LoadReport) -> bool:
    """Check a raster's CRS and coverage of the park; ``False`` when it cannot be used."""
    file = info.path.name
    if info.width * info.height > MAX_RASTER_PIXELS:
        report.add(
            ERROR,
            name,
            file,
            f"the raster's header claims {info.width:,} x {info.height:,} = {info.width * info.height:,} pixels, "
            f"above the limit of {MAX_RASTER_PIXELS:,}; raster skipped",
            "clip the raster to the park (QGIS: Raster > Extraction > Clip Raster by Extent) or coarsen it",
            check="raster_too_large",
        )
        return False
    if info.crs is None:
        report.add(
            ERROR,
            name,
            file,
            "the raster does not say its coordinate reference system (CRS); raster skipped",
            "export it again as a GeoTIFF with its CRS (or assign one in QGIS)",
            check="missing_crs",
        )
        return False
    share = raster_coverage(info, boundary)
    if share < 0.999:
        report.add(
            WARNING if share > 0 else ERROR,
            name,
            file,
            f"the raster covers {100 * share:.1f} % of the park's area; cells outside it get no value"
            + ("; raster skipped" if share == 0 else ""),
            "use a raster that covers the whole park (check its CRS if it should)",
            check="raster_coverage",
        )
        return share > 0
    return True


__all__ = [
    "check_crs",
    "check_geometry",
    "check_outside",
    "check_raster",
    "fits_lonlat",
    "fix_swapped",
    "inside",
    "polygonal",
    "raster_coverage",
]
