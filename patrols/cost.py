"""Travel cost over terrain and least-cost paths on the park grid.

A :class:`CostSurface` gives, for every grid cell, the time in seconds it
takes to cross one metre of it on foot or by vehicle, and whether the cell
may be entered at all.  Walking speed follows Tobler's hiking function of the
slope; roads are faster; rivers are crossed only at fords (or, on foot, with a
heavy time penalty); impassable areas and, unless allowed, cells outside the
park are blocked.

Least-cost paths use scikit-image's :class:`skimage.graph.MCP_Geometric`
(8-connected moves, a move costing its length times the mean cost of its two
cells).  :class:`Reach` holds one such search from a set of source cells,
optionally limited to a window of the grid, and gives travel times, path
lengths and traced paths to every cell.

Examples
--------
>>> import numpy as np
>>> from shapely.geometry import box
>>> from layers.grid import Grid
>>> g = Grid.from_geometry(box(0, 0, 1000, 1000), "EPSG:32736", cell_size=250)
>>> surface = travel_cost(g)
>>> reach = surface.reach([(0, 0)])
>>> round(float(reach.lengths_m()[0, 3]))
750
>>> round(float(reach.seconds[0, 3]) / 60, 1)  # 750 m off-road at 4 km/h
11.2

References
----------
Tobler, W. (1993). Three presentations on geographical analysis and modeling.
NCGIA Technical Report 93-1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from layers.defaults import FOOT_SPEED_KMH, VEHICLE_SPEED_KMH

from .errors import PatrolsError, UnreachableError

KINDS = ("foot", "vehicle")

# Foot: off-road walking is slower than on a track; scaled so that flat bush
# walking is FOOT_SPEED_KMH while a flat road or track gives Tobler's 5.04 km/h.
RIVER_PENALTY_S = 3600.0  # time to wade or swim across one river cell on foot, away from fords
VEHICLE_OFFROAD_KMH = 10.0  # driving off-road, near a road, on flat ground
VEHICLE_OFFROAD_MAX_M = 1000.0  # vehicles leave roads by at most this distance
VEHICLE_MAX_SLOPE = 0.3  # rise over run; steeper cells are blocked to vehicles off-road


def tobler_speed_kmh(slope) -> np.ndarray:
    """Tobler's hiking function: walking speed in km/h on a signed slope (rise over run).

    ``6 * exp(-3.5 * |slope + 0.05|)``: about 5.04 km/h on flat ground, fastest
    (6 km/h) slightly downhill, slower on steep ground either way.

    >>> round(float(tobler_speed_kmh(0.0)), 2)
    5.04
    """
    slope = np.asarray(slope, dtype=float)
    return 6.0 * np.exp(-3.5 * np.abs(slope + 0.05))


def isotropic_tobler_s_per_m(slope) -> np.ndarray:
    """Seconds per metre on ground of slope magnitude ``slope``, averaged over uphill and downhill.

    A least-cost search on a grid cannot tell the direction of a move within
    a cell, so the cost of a cell is the mean of the time up and the time down.
    """
    slope = np.abs(np.asarray(slope, dtype=float))
    up = 3.6 / tobler_speed_kmh(slope)
    down = 3.6 / tobler_speed_kmh(-slope)
    return 0.5 * (up + down)


FOOT_OFFROAD_FACTOR = FOOT_SPEED_KMH / float(tobler_speed_kmh(0.0))


def slope_from_dem(dem: np.ndarray, cell_size: float) -> np.ndarray:
    """Slope magnitude (rise over run) of a DEM; missing values filled with the mean elevation."""
    dem = np.asarray(dem, dtype=float)
    if not np.isfinite(dem).any():
        return np.zeros(dem.shape)
    filled = np.where(np.isfinite(dem), dem, np.nanmean(dem))
    if min(filled.shape) < 2:
        return np.zeros(dem.shape)
    dy, dx = np.gradient(filled, cell_size)
    return np.hypot(dx, dy)


def cost_kernel(
    slope: np.ndarray,
    river: np.ndarray,
    road: np.ndarray,
    ford: np.ndarray,
    blocked: np.ndarray,
    cell_size: float,
    kind: str = "foot",
    road_distance_m: np.ndarray | None = None,
) -> np.ndarray:
    """Seconds per metre for every cell from boolean layers; ``inf`` where the cell cannot be entered.

    Parameters
    ----------
    slope : (R, C) float
        Slope magnitude (rise over run).
    river, road, ford, blocked : (R, C) bool
        Cells holding a river, a road, a ford; cells that may not be entered.
    cell_size : float
        Side of a cell in metres.
    kind : {"foot", "vehicle"}
    road_distance_m : (R, C) float, optional
        Distance to the nearest road cell; computed from ``road`` when omitted.
    """
    if kind not in KINDS:
        raise PatrolsError(f"unknown patrol kind {kind!r}; use one of {', '.join(KINDS)}")
    slope = np.nan_to_num(np.asarray(slope, dtype=float), nan=0.0)
    crossing = ford | road  # fords and bridges
    if kind == "foot":
        s_per_m = isotropic_tobler_s_per_m(slope)
        s_per_m = np.where(road, s_per_m, s_per_m / FOOT_OFFROAD_FACTOR)
        s_per_m = np.where(river & ~crossing, s_per_m + RIVER_PENALTY_S / cell_size, s_per_m)
    else:
        if road_distance_m is None:
            road_distance_m = _distance_to(road, cell_size)
        # Slower on slopes in proportion to Tobler's walking slowdown.
        slow = isotropic_tobler_s_per_m(slope) / isotropic_tobler_s_per_m(0.0)
        on_road = 3.6 / VEHICLE_SPEED_KMH * np.ones(slope.shape)
        off_road = 3.6 / VEHICLE_OFFROAD_KMH * slow
        s_per_m = np.where(road, on_road, off_road)
        too_far = ~road & ((road_distance_m > VEHICLE_OFFROAD_MAX_M) | (slope > VEHICLE_MAX_SLOPE))
        s_per_m = np.where(too_far | (river & ~crossing), np.inf, s_per_m)
    return np.where(blocked, np.inf, s_per_m)


def _distance_to(mask: np.ndarray, cell_size: float) -> np.ndarray:
    from scipy.ndimage import distance_transform_edt

    if not mask.any():
        return np.full(mask.shape, np.inf)
    return distance_transform_edt(~mask) * cell_size


@dataclass(frozen=True, eq=False)
class CostSurface:
    """Travel cost on a grid.

    Attributes
    ----------
    grid : layers.grid.Grid
    s_per_m : (R, C) float64
        Seconds to cross one metre of each cell; ``inf`` where blocked.
    passable : (R, C) bool
        Cells a patrol may enter.
    kind : str
        ``"foot"`` or ``"vehicle"``.
    elevation : (R, C) float or None
        The DEM on the grid, kept for elevation profiles.
    """

    grid: object
    s_per_m: np.ndarray
    passable: np.ndarray
    kind: str = "foot"
    elevation: np.ndarray | None = None

    @property
    def speed_kmh(self) -> np.ndarray:
        """Travel speed in km/h per cell (0 where blocked)."""
        with np.errstate(divide="ignore"):
            return np.where(self.passable, 3.6 / self.s_per_m, 0.0)

    def reach(self, sources, window: tuple[int, int, int, int] | None = None, weight=None) -> Reach:
        """Least travel time from ``sources`` (``(row, col)`` cells) to every cell of ``window``.

        ``window`` is ``(row0, row1, col0, col1)`` (end exclusive); the whole
        grid when omitted.  ``weight`` (window-shaped, in (0, 1]) biases the
        path search (see :class:`Reach`).  Raises :class:`UnreachableError`
        when a source is blocked.
        """
        return Reach(self, sources, window, weight=weight)

    def window_around(self, cell: tuple[int, int], radius_m: float) -> tuple[int, int, int, int]:
        """The window of cells within ``radius_m`` (plus one cell) of ``cell``, clipped to the grid."""
        k = int(np.ceil(radius_m / self.grid.cell_size)) + 1
        rows, cols = self.s_per_m.shape
        r, c = int(cell[0]), int(cell[1])
        return max(0, r - k), min(rows, r + k + 1), max(0, c - k), min(cols, c + k + 1)

    def least_cost_path(self, start: tuple[int, int], end: tuple[int, int]) -> np.ndarray:
        """Cells ``(n, 2)`` of the least-time path from ``start`` to ``end`` over the whole grid."""
        return self.reach([start]).path_to(end)


class Reach:
    """One least-cost search (``MCP_Geometric``) from source cells, within a window.

    Parameters
    ----------
    surface : CostSurface
    sources : sequence of (row, col)
    window : (row0, row1, col0, col1), optional
        Part of the grid searched (end exclusive); the whole grid by default.
    weight : (r, c) array in (0, 1], optional
        Multiplies the cost of each window cell for the search only, e.g. to
        draw paths through cells worth patrolling; times and lengths reported
        are always true ones along the paths found.

    Attributes
    ----------
    window : (row0, row1, col0, col1)
    seconds : (r, c) float
        Travel time in seconds along the path found to each cell of the
        window (the least time when ``weight`` is not given; ``inf`` when unreachable).
    """

    def __init__(self, surface: CostSurface, sources, window=None, weight: np.ndarray | None = None):
        from skimage.graph import MCP_Geometric

        rows, cols = surface.s_per_m.shape
        self.surface = surface
        self.window = window if window is not None else (0, rows, 0, cols)
        r0, r1, c0, c1 = self.window
        self.origin = np.array([r0, c0])
        sources = np.atleast_2d(np.asarray(sources, dtype=int))
        local = sources - self.origin
        for (r, c), (lr, lc) in zip(sources, local):
            if not (0 <= lr < r1 - r0 and 0 <= lc < c1 - c0) or not surface.passable[r, c]:
                raise UnreachableError(
                    f"cell (row {r}, col {c}) is blocked or off the grid; move the post or start onto passable ground"
                )
        self._s_per_m = surface.s_per_m[r0:r1, c0:c1]
        costs = self._s_per_m if weight is None else self._s_per_m * weight
        cell = surface.grid.cell_size
        self._mcp = MCP_Geometric(costs, fully_connected=True, sampling=(cell, cell))
        cumulative, self._traceback = self._mcp.find_costs([tuple(x) for x in local])
        self.sources = sources
        self._lengths = None
        self._tree = None
        if weight is None:
            self.seconds = np.asarray(cumulative)
        else:
            s = self._s_per_m.ravel()
            parent, step_m = self._parents()
            with np.errstate(invalid="ignore"):
                step_s = np.where(step_m > 0, step_m * 0.5 * (s + s[parent]), 0.0)
            both = self._accumulate(np.column_stack([step_s, step_m]))
            self.seconds, self._lengths = both[..., 0], both[..., 1]

    def local(self, cells) -> np.ndarray:
        """Grid cells to window coordinates."""
        return np.asarray(cells, dtype=int) - self.origin

    def _parents(self) -> tuple[np.ndarray, np.ndarray]:
        """Flat index of each cell's predecessor (itself for sources and unreached cells) and the step length in m."""
        if self._tree is None:
            tb = np.asarray(self._traceback)
            offsets = np.asarray(self._mcp.offsets, dtype=int)
            idx = np.arange(tb.size)
            rr, cc = np.divmod(idx, tb.shape[1])
            valid = (tb >= 0).ravel()
            t = np.where(valid, tb.ravel(), 0)
            # An offset points from a cell's predecessor to the cell.
            parent = np.where(valid, (rr - offsets[t, 0]) * tb.shape[1] + (cc - offsets[t, 1]), idx)
            step = np.where(valid, np.hypot(offsets[t, 0], offsets[t, 1]) * self.surface.grid.cell_size, 0.0)
            self._tree = (parent, step)
        return self._tree

    def _accumulate(self, step: np.ndarray) -> np.ndarray:
        """Sum of per-step values along the path to each cell, by pointer doubling over the traceback.

        ``step`` is ``(n,)`` or ``(n, k)`` (k quantities summed at once) over the flat window.
        """
        parent, _ = self._parents()
        total = np.asarray(step, dtype=float).copy()
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            total = total + total[parent]
            parent = grand
        tb = np.asarray(self._traceback)
        out = total.reshape(tb.shape + total.shape[1:])
        reached = tb >= 0
        local = self.sources - self.origin
        reached[local[:, 0], local[:, 1]] = True
        out[~reached] = np.inf
        return out

    def lengths_m(self) -> np.ndarray:
        """Length in metres of the path found to each cell of the window (``inf`` when unreachable).

        Computed for all cells at once by pointer doubling over the traceback.
        """
        if self._lengths is None:
            _, step = self._parents()
            self._lengths = self._accumulate(step)
        return self._lengths

    def path_to(self, cell) -> np.ndarray:
        """Grid cells ``(n, 2)`` of the least-time path from the nearest source to ``cell``."""
        lr, lc = self.local(cell)
        if not (0 <= lr < self.seconds.shape[0] and 0 <= lc < self.seconds.shape[1]) or not np.isfinite(
            self.seconds[lr, lc]
        ):
            raise UnreachableError(f"cell (row {cell[0]}, col {cell[1]}) cannot be reached over passable ground")
        path = np.asarray(self._mcp.traceback((int(lr), int(lc))), dtype=int).reshape(-1, 2)
        return path + self.origin


def travel_cost(
    grid,
    dem: np.ndarray | None = None,
    rivers=None,
    roads=None,
    fords=None,
    impassable=None,
    kind: str = "foot",
    allow_outside: bool = False,
) -> CostSurface:
    """Build the travel-cost surface of a grid.

    Parameters
    ----------
    grid : layers.grid.Grid
    dem : (R, C) array, optional
        Elevation in metres on the grid; flat ground when omitted.
    rivers, roads, fords, impassable : optional
        Each either a boolean (R, C) array on the grid or geometries in the
        grid's CRS (a GeoDataFrame, GeoSeries, a shapely geometry or a list of
        them).  Rivers and roads are burned with every cell they touch; a ford
        opens the river cells around it (its cell and the eight neighbours).
    kind : {"foot", "vehicle"}
    allow_outside : bool
        Let patrols leave the park boundary (``grid.mask``).

    Returns
    -------
    CostSurface
    """
    if kind not in KINDS:
        raise PatrolsError(f"unknown patrol kind {kind!r}; use one of {', '.join(KINDS)}")
    shape = grid.shape
    river = _as_mask(rivers, grid, "rivers")
    road = _as_mask(roads, grid, "roads")
    ford = _as_mask(fords, grid, "fords")
    if ford.any():
        from scipy.ndimage import binary_dilation

        ford = binary_dilation(ford, structure=np.ones((3, 3), bool)) & (river | ford)
    blocked = _as_mask(impassable, grid, "impassable", all_touched=False)
    if not allow_outside:
        blocked = blocked | ~grid.mask
    elevation = None
    if dem is not None:
        elevation = grid.check(np.asarray(dem, dtype=float), "dem")
        slope = slope_from_dem(elevation, grid.cell_size)
    else:
        slope = np.zeros(shape)
    s_per_m = cost_kernel(slope, river, road, ford, blocked, grid.cell_size, kind)
    passable = np.isfinite(s_per_m)
    return CostSurface(grid=grid, s_per_m=s_per_m, passable=passable, kind=kind, elevation=elevation)


def _as_mask(layer, grid, name: str, all_touched: bool = True) -> np.ndarray:
    """A boolean mask on the grid from an array or geometries in the grid's CRS."""
    if layer is None:
        return np.zeros(grid.shape, dtype=bool)
    if isinstance(layer, np.ndarray):
        return grid.check(layer, name).astype(bool)
    import rasterio.features

    geoms = _geometries(layer)
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return np.zeros(grid.shape, dtype=bool)
    return rasterio.features.rasterize(
        [(g, 1) for g in geoms],
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        all_touched=all_touched,
        dtype="uint8",
    ).astype(bool)


def _geometries(layer) -> list:
    if hasattr(layer, "geometry") and hasattr(layer, "crs"):  # GeoDataFrame / GeoSeries
        return list(layer.geometry)
    if hasattr(layer, "geom_type"):
        return [layer]
    return list(layer)


def travel_cost_for_park(park, kind: str = "foot", allow_outside: bool = False) -> CostSurface:
    """Travel cost of a loaded park: its DEM, and the features named roads, rivers, fords and impassable.

    Features are looked up by name in ``park.features`` (``roads``/``tracks``
    for roads, ``rivers``/``streams``, ``fords``/``crossings``,
    ``impassable``/``lakes``); the DEM is ``park.rasters["dem"]`` resampled onto
    the grid (bilinear, :func:`layers.covariates.resample_raster`).
    """
    features = getattr(park, "features", {}) or {}

    def pick(*names):
        found = [features[n] for n in names if n in features]
        if not found:
            return None
        return [g for gdf in found for g in gdf.geometry]

    dem = park_dem(park)
    return travel_cost(
        park.grid,
        dem=dem,
        rivers=pick("rivers", "river", "streams"),
        roads=pick("roads", "road", "tracks"),
        fords=pick("fords", "ford", "crossings"),
        impassable=pick("impassable", "lakes", "lake"),
        kind=kind,
        allow_outside=allow_outside,
    )


def park_dem(park) -> np.ndarray | None:
    """The park's DEM (``park.rasters["dem"]``) resampled bilinearly onto its grid, or ``None``."""
    from layers.covariates import resample_raster

    rasters = getattr(park, "rasters", {}) or {}
    layer = rasters.get("dem")
    if layer is None:
        return None
    return resample_raster(getattr(layer, "path", layer), park.grid).astype(float)
