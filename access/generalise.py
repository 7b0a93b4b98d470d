"""Protected locations: which layers are sensitive, and how to coarsen them for people outside the park.

Points are moved to the centre of their cell on a coarse grid anchored at the
origin of the park's metric CRS (cell edges at multiples of ``cell_m``, 5 km by
default) and, by default, counted per cell; rasters are averaged over blocks
at least ``cell_m`` wide.  Every attribute that holds a position (``lon``,
``lat``, ``x``, ``wkt``...) is dropped.  Other packages (reports, indicator
and seizure exports, scenario maps) call these before writing anything meant
to leave the park.
"""

from __future__ import annotations

import fnmatch

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from shapely.geometry import LineString

from .defaults import (
    ANIMAL_PATTERNS,
    CARCASS_TYPES_PATTERN,
    COORDINATE_COLUMNS,
    DEFAULT_SENSITIVE,
    GENERALISE_CELL_M,
    ROUTE_BUFFER_M,
)
from .errors import AccessError

COUNT = "count"  # the column of generalised point counts


def sensitive_patterns(park_or_manifest) -> tuple[str, ...]:
    """The park's sensitive layer names or patterns: ``[access] sensitive`` of park.toml, else the defaults."""
    manifest = getattr(park_or_manifest, "manifest", park_or_manifest)
    table = getattr(manifest, "access", None) or {}
    listed = table.get("sensitive")
    return tuple(listed) if listed is not None else DEFAULT_SENSITIVE


def generalise_cell(park_or_manifest) -> float:
    """The park's generalisation grid in metres (``[access] generalise_m``, default 5 km)."""
    manifest = getattr(park_or_manifest, "manifest", park_or_manifest)
    table = getattr(manifest, "access", None) or {}
    return float(table.get("generalise_m") or GENERALISE_CELL_M)


def is_sensitive(name: str, patterns=DEFAULT_SENSITIVE) -> bool:
    """Whether layer ``name`` matches one of ``patterns`` (fnmatch, case-insensitive)."""
    low = str(name).lower()
    return any(fnmatch.fnmatchcase(low, str(p).lower()) for p in patterns)


def is_animal_layer(name: str) -> bool:
    """Densities, rhino or elephant records, carcasses: the layers hidden from rangers' maps."""
    return is_sensitive(name, ANIMAL_PATTERNS)


def is_carcass_type(incident_type: str) -> bool:
    return fnmatch.fnmatchcase(str(incident_type).lower(), CARCASS_TYPES_PATTERN)


def _check_metric(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None or not gdf.crs.is_projected:
        raise AccessError(
            f"{what}: generalising needs a metric (projected) CRS, got {gdf.crs}. "
            "Fix: reproject to the park's CRS first (park.crs)"
        )


def snap(values, cell_m: float) -> np.ndarray:
    """Each coordinate moved to the centre of its ``cell_m`` cell (cells at multiples of ``cell_m``)."""
    return (np.floor(np.asarray(values, dtype=float) / cell_m) + 0.5) * cell_m


def generalise_points(
    gdf: gpd.GeoDataFrame,
    cell_m: float = GENERALISE_CELL_M,
    by: list[str] | tuple[str, ...] = (),
    aggregate: bool = True,
) -> gpd.GeoDataFrame:
    """Points on a coarse grid, with no attribute that gives a position away.

    Parameters
    ----------
    gdf : GeoDataFrame
        Points (other geometries by their representative point) in a metric CRS.
    cell_m : float
        Side of the coarse cells in metres (5 km by default).
    by : columns
        With ``aggregate``: count the points per cell and value of these columns
        (e.g. ``["type"]``, or a month column).
    aggregate : bool
        ``True``: one row per cell (and ``by`` value) with a ``count`` column.
        ``False``: every row kept, moved to its cell centre, position columns
        dropped (other attributes kept: choose them before calling).

    Returns
    -------
    GeoDataFrame in the same CRS.
    """
    if cell_m <= 0:
        raise AccessError(f"generalisation cell of {cell_m} m: it must be positive. Fix: e.g. 5000")
    _check_metric(gdf, "generalise_points")
    geoms = gdf.geometry
    pts = geoms.where(geoms.geom_type == "Point", geoms.representative_point()) if len(gdf) else geoms
    valid = ~pts.is_empty & pts.notna() if len(gdf) else np.zeros(0, bool)
    gdf, pts = gdf[valid], pts[valid]
    cx, cy = snap(pts.x.to_numpy(), cell_m), snap(pts.y.to_numpy(), cell_m)
    if aggregate:
        by = [c for c in by if c in gdf.columns]
        table = pd.DataFrame({"cx": cx, "cy": cy})
        for c in by:
            table[c] = gdf[c].astype(str).to_numpy()
        counts = table.groupby(["cx", "cy", *by], sort=True).size().rename(COUNT).reset_index()
        out = counts.drop(columns=["cx", "cy"])
        return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(counts["cx"], counts["cy"]), crs=gdf.crs)
    keep = [c for c in gdf.columns if c != gdf.geometry.name and str(c).lower() not in COORDINATE_COLUMNS]
    out = pd.DataFrame(gdf[keep]).reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(cx, cy), crs=gdf.crs)


def generalise_raster(
    array: np.ndarray, transform: Affine, cell_m: float = GENERALISE_CELL_M
) -> tuple[np.ndarray, Affine]:
    """The mean of ``array`` over blocks at least ``cell_m`` wide, and the coarse grid's transform.

    NaN cells are left out of each block's mean; a block of NaN stays NaN.
    The block is ``ceil(cell_m / pixel size)`` pixels on a side.
    """
    a = np.asarray(array, dtype="float64")
    if a.ndim != 2:
        raise AccessError(f"generalise_raster: a (rows, cols) array is needed, got shape {a.shape}")
    px = abs(transform.a)
    k = max(1, int(np.ceil(cell_m / px - 1e-9)))
    rows, cols = -(-a.shape[0] // k), -(-a.shape[1] // k)
    padded = np.full((rows * k, cols * k), np.nan)
    padded[: a.shape[0], : a.shape[1]] = a
    blocks = padded.reshape(rows, k, cols, k)
    n = np.isfinite(blocks).sum(axis=(1, 3))
    total = np.nansum(blocks, axis=(1, 3))
    coarse = np.where(n > 0, total / np.maximum(n, 1), np.nan).astype("float32")
    return coarse, transform @ Affine.scale(k, k)


def risk_near_route(risk: np.ndarray, grid, patrol, buffer_m: float = ROUTE_BUFFER_M) -> np.ndarray:
    """``risk`` kept only within ``buffer_m`` of the patrol's route (NaN elsewhere).

    A patrol's printed sheet then shows the risk the team walks through, not
    the park's hot cells beyond its route.
    """
    risk = np.asarray(risk, dtype="float32")
    path = np.asarray(patrol.path_xy, dtype=float).reshape(-1, 2)
    if len(path) == 0:
        return np.full_like(risk, np.nan)
    line = LineString(path) if len(path) > 1 else gpd.points_from_xy(path[:, 0], path[:, 1])[0]
    xs, ys = grid.centres()
    centres = gpd.GeoSeries(gpd.points_from_xy(np.ravel(xs), np.ravel(ys)))
    near = centres.distance(line).to_numpy().reshape(risk.shape) <= buffer_m + grid.cell_size / 2
    return np.where(near, risk, np.nan).astype("float32")


def finest_offset(gdf: gpd.GeoDataFrame, cell_m: float) -> float:
    """The largest distance (m) of any vertex of ``gdf`` from a cell centre of the ``cell_m`` grid.

    0 (up to rounding) when every coordinate is generalised; used by tests and
    by :func:`check_generalised`.
    """
    _check_metric(gdf, "finest_offset")
    if not len(gdf):
        return 0.0
    coords = gdf.geometry.get_coordinates().to_numpy()
    off = np.abs(coords - snap(coords, cell_m))
    return float(off.max()) if off.size else 0.0


def check_generalised(gdf: gpd.GeoDataFrame, cell_m: float, what: str = "layer", tol_m: float = 1.0) -> None:
    """Raise :class:`AccessError` when a coordinate of ``gdf`` is finer than the ``cell_m`` grid."""
    worst = finest_offset(gdf, cell_m)
    if worst > tol_m:
        raise AccessError(f"{what}: a coordinate is {worst:.0f} m off the {cell_m:g} m grid: it is not generalised")
