"""Raster layers: what a raster file holds (CRS, extent, size, type), without reading its pixels.

Every rasterio error is translated into :class:`~layers.errors.LayerReadError`
naming the file and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import LayerReadError
from .files import VECTOR_KINDS, check_file


@dataclass(frozen=True)
class RasterInfo:
    """What a raster file holds, without its pixels."""

    path: Path
    crs: object  # pyproj.CRS or None
    bounds: tuple[float, float, float, float]
    width: int
    height: int
    count: int
    dtype: str
    nodata: float | None
    res: tuple[float, float]


def raster_info(path: str | Path) -> RasterInfo:
    """Open a raster (GeoTIFF or any format rasterio reads) and describe it.

    Raises
    ------
    LayerReadError
        The file is missing, empty, oversized, not a raster, or damaged.
    """
    import rasterio
    from pyproj import CRS

    path = Path(path)
    kind = check_file(path)
    if kind in VECTOR_KINDS and kind not in ("zip",):
        raise LayerReadError(
            f"{path}: this holds a vector layer ({kind.upper()}), not a raster. Fix: list it under "
            "[layers.features] in park.toml"
        )
    try:
        with rasterio.open(path) as src:
            if src.count < 1 or src.width < 1 or src.height < 1:
                raise LayerReadError(f"{path}: the raster has no pixels. Fix: export it again")
            crs = CRS.from_user_input(src.crs) if src.crs else None
            # Touch one pixel so a truncated file fails here, not later.
            src.read(1, window=((0, 1), (0, 1)))
            return RasterInfo(
                path, crs, tuple(src.bounds), src.width, src.height, src.count, src.dtypes[0], src.nodata, src.res
            )
    except LayerReadError:
        raise
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LayerReadError(
            f"{path}: cannot be read as a raster ({msg.replace(str(path), path.name)}). "
            "Fix: export it again as a GeoTIFF (in QGIS: Export > Save As, format GeoTIFF)"
        ) from exc
