"""The analysis grid: one north-up raster grid over the park in a metric CRS.

Every array the project computes per cell (covariates, effort, incident
counts, risk, travel cost) has the grid's ``shape`` and is aligned to its
``transform``.  Cells outside the park are ``False`` in ``mask``.

Examples
--------
>>> from shapely.geometry import box
>>> g = Grid.from_geometry(box(0, 0, 1000, 500), "EPSG:32736", cell_size=250)
>>> g.shape, int(g.mask.sum()), g.cell_area_km2
((2, 4), 8, 0.0625)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS

from .defaults import MAX_CELL_SIZE_M, MAX_GRID_CELLS, MIN_CELL_SIZE_M
from .errors import GridError


@dataclass(frozen=True, eq=False)
class Grid:
    """A north-up grid of square cells.

    Parameters
    ----------
    transform : affine.Affine
        Maps (col, row) to (x, y) of the cell's upper-left corner.
    shape : tuple of int
        ``(rows, cols)``.
    crs : pyproj.CRS
        A projected CRS with metre units.
    mask : numpy.ndarray of bool, optional
        ``True`` for cells whose centre lies inside the park.  All ``True``
        when omitted.
    """

    transform: Affine
    shape: tuple[int, int]
    crs: CRS
    mask: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self):
        crs = CRS.from_user_input(self.crs)
        object.__setattr__(self, "crs", crs)
        object.__setattr__(self, "shape", (int(self.shape[0]), int(self.shape[1])))
        if self.mask is None:
            object.__setattr__(self, "mask", np.ones(self.shape, dtype=bool))
        mask = np.asarray(self.mask, dtype=bool)
        if mask.shape != self.shape:
            raise GridError(f"mask has shape {mask.shape}, expected the grid's {self.shape}")
        object.__setattr__(self, "mask", mask)
        if (
            self.transform.a <= 0
            or abs(self.transform.a + self.transform.e) > 1e-9 * abs(self.transform.a)
            or self.transform.b
            or self.transform.d
        ):
            raise GridError("the grid transform must be north-up with square cells")

    # --- construction ---------------------------------------------------
    @classmethod
    def from_geometry(cls, geometry, crs, cell_size: float) -> Grid:
        """Build the grid covering ``geometry`` (in ``crs``) with square cells.

        The origin is snapped to a multiple of ``cell_size`` so that grids of
        the same CRS and cell size always align.  A cell is inside the park
        when its centre is inside ``geometry``.
        """
        import rasterio.features

        cell_size = float(cell_size)
        if not MIN_CELL_SIZE_M <= cell_size <= MAX_CELL_SIZE_M:
            raise GridError(
                f"cell size {cell_size:g} m is outside the supported {MIN_CELL_SIZE_M:g}-"
                f"{MAX_CELL_SIZE_M:g} m; set [park] cell_size_m in park.toml"
            )
        crs = CRS.from_user_input(crs)
        if not crs.is_projected:
            raise GridError(f"the grid needs a projected CRS in metres, got {crs.name!r}")
        if geometry is None or geometry.is_empty:
            raise GridError("cannot build a grid over an empty geometry")
        minx, miny, maxx, maxy = geometry.bounds
        x0 = np.floor(minx / cell_size) * cell_size
        y1 = np.ceil(maxy / cell_size) * cell_size
        cols = max(1, int(np.ceil((maxx - x0) / cell_size)))
        rows = max(1, int(np.ceil((y1 - miny) / cell_size)))
        if rows * cols > MAX_GRID_CELLS:
            parts = list(getattr(geometry, "geoms", [geometry]))
            far = ""
            if len(parts) > 1:
                main = max(parts, key=lambda g: g.area)
                gap = max(main.distance(g) for g in parts) / 1000
                far = f"; the boundary has {len(parts)} parts, one {gap:,.0f} km from the largest (a stray island?)"
            raise GridError(
                f"the grid would be {rows:,} x {cols:,} = {rows * cols:,} cells of {cell_size:g} m "
                f"({(maxx - minx) / 1000:,.0f} x {(maxy - miny) / 1000:,.0f} km), above the limit of "
                f"{MAX_GRID_CELLS:,} cells{far}. Fix: remove far parts from the boundary, or set a larger "
                "[park] cell_size_m"
            )
        transform = Affine(cell_size, 0.0, x0, 0.0, -cell_size, y1)
        mask = rasterio.features.geometry_mask(
            [geometry], out_shape=(rows, cols), transform=transform, invert=True, all_touched=False
        )
        return cls(transform=transform, shape=(rows, cols), crs=crs, mask=mask)

    # --- properties -----------------------------------------------------
    @property
    def cell_size(self) -> float:
        """Side of a cell in metres."""
        return float(self.transform.a)

    @property
    def cell_area_km2(self) -> float:
        """Area of one cell in km2."""
        return self.cell_size**2 / 1e6

    @property
    def n_cells(self) -> int:
        """Number of cells inside the park."""
        return int(self.mask.sum())

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of the whole grid in the grid's CRS."""
        rows, cols = self.shape
        x0, y1 = self.transform.c, self.transform.f
        return (x0, y1 - rows * self.cell_size, x0 + cols * self.cell_size, y1)

    # --- coordinates ----------------------------------------------------
    def xy(self, rows, cols) -> tuple[np.ndarray, np.ndarray]:
        """Centres of cells ``(rows, cols)`` in the grid CRS."""
        rows = np.asarray(rows, dtype=float)
        cols = np.asarray(cols, dtype=float)
        x = self.transform.c + (cols + 0.5) * self.cell_size
        y = self.transform.f - (rows + 0.5) * self.cell_size
        return x, y

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` arrays of every cell centre, each of the grid's shape."""
        rows, cols = np.indices(self.shape)
        return self.xy(rows, cols)

    def rowcol(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Cells holding points ``(x, y)``; ``-1`` for points off the grid."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        cols = np.floor((x - self.transform.c) / self.cell_size)
        rows = np.floor((self.transform.f - y) / self.cell_size)
        bad = ~np.isfinite(cols) | ~np.isfinite(rows)
        bad |= (rows < 0) | (rows >= self.shape[0]) | (cols < 0) | (cols >= self.shape[1])
        rows = np.where(bad, -1, rows).astype(np.int64)
        cols = np.where(bad, -1, cols).astype(np.int64)
        return rows, cols

    def cell_id(self, x, y) -> np.ndarray:
        """Flat index ``row * cols + col`` of the cells holding ``(x, y)``; -1 off the grid."""
        rows, cols = self.rowcol(x, y)
        return np.where(rows < 0, -1, rows * self.shape[1] + cols)

    # --- arrays ----------------------------------------------------------
    def empty(self, dtype=np.float32, fill=np.nan) -> np.ndarray:
        """A new array of the grid's shape filled with ``fill``."""
        return np.full(self.shape, fill, dtype=dtype)

    def check(self, array: np.ndarray, name: str = "array") -> np.ndarray:
        """Return ``array`` if its last two axes match the grid, else raise :class:`GridError`."""
        array = np.asarray(array)
        if array.shape[-2:] != self.shape:
            raise GridError(f"{name} has shape {array.shape}, expected (..., {self.shape[0]}, {self.shape[1]})")
        return array

    def to_dict(self) -> dict:
        """A JSON-serialisable description of the grid (without the mask)."""
        return {
            "crs": self.crs.to_wkt(),
            "epsg": self.crs.to_epsg(),
            "transform": list(self.transform)[:6],
            "shape": list(self.shape),
            "cell_size_m": self.cell_size,
        }

    def write_geotiff(
        self,
        path: str | Path,
        bands,
        names=None,
        nodata: float = -9999.0,
        cog: bool = False,
        tags: dict[str, str] | None = None,
    ) -> Path:
        """Write ``bands`` (2-D or 3-D array) as a GeoTIFF aligned to the grid.

        Cells outside the park get ``nodata``.  ``names`` become band
        descriptions and ``tags`` dataset metadata tags.  With ``cog=True`` the
        file is a Cloud-Optimised GeoTIFF.
        """
        import rasterio

        path = Path(path)
        data = self.check(np.asarray(bands, dtype=np.float32), "bands")
        if data.ndim == 2:
            data = data[None]
        data = np.where(self.mask[None] & np.isfinite(data), data, np.float32(nodata)).astype(np.float32)
        profile = {
            "driver": "COG" if cog else "GTiff",
            "height": self.shape[0],
            "width": self.shape[1],
            "count": data.shape[0],
            "dtype": "float32",
            "crs": self.crs.to_wkt(),
            "transform": self.transform,
            "nodata": nodata,
            "compress": "deflate",
        }
        if not cog:
            profile["tiled"] = self.shape[0] >= 256 and self.shape[1] >= 256
        path.parent.mkdir(parents=True, exist_ok=True)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(data)
            for i, name in enumerate(names or [], start=1):
                dst.set_band_description(i, str(name))
            if tags:
                dst.update_tags(**{str(k): str(v) for k, v in tags.items()})
        return path

    @classmethod
    def from_raster(cls, path: str | Path) -> tuple[Grid, np.ndarray, list[str]]:
        """Read a GeoTIFF written by :meth:`write_geotiff`: grid, bands, band names."""
        import rasterio

        with rasterio.open(path) as src:
            data = src.read(masked=True)
            names = [d or f"band_{i + 1}" for i, d in enumerate(src.descriptions)]
            mask = ~np.ma.getmaskarray(data).all(axis=0)
            grid = cls(
                transform=src.transform, shape=(src.height, src.width), crs=CRS.from_user_input(src.crs), mask=mask
            )
        return grid, np.ma.filled(data.astype(np.float32), np.nan), names
