"""Rasters as map overlays: hillshade, colour maps, warping to Web Mercator, image layers.

Rasters (hillshade, NDVI, densities, effort, risk) are drawn as image
overlays warped to Web Mercator and embedded as PNG (or JPEG) data URLs.
"""

from __future__ import annotations

import base64
import dataclasses
import io
from dataclasses import dataclass

import folium
import numpy as np

from ui.maps.legend import ScaleEntry
from ui.maps.styles import BACKGROUND, CATEGORY_COLOURS, LEGEND_RAMPS, RASTER_CMAPS, RASTER_UNITS


def hillshade(elevation: np.ndarray, cell_size: float, azimuth: float = 315.0, altitude: float = 45.0) -> np.ndarray:
    """Shaded relief in [0, 1] of an elevation array (NaN stays NaN).

    Examples
    --------
    >>> z = np.tile(np.arange(5.0), (4, 1)) * 10.0   # slope rising to the east
    >>> hs = hillshade(z, cell_size=10.0)
    >>> bool(np.allclose(hs, hs[0, 0]))
    True
    """
    z = np.asarray(elevation, dtype=float)
    filled = np.where(np.isfinite(z), z, np.nanmean(z) if np.isfinite(z).any() else 0.0)
    dz_drow, dz_dcol = np.gradient(filled, cell_size)
    # surface normal with x east, y north (rows grow southward)
    nx, ny = -dz_dcol, dz_drow
    norm = np.sqrt(nx**2 + ny**2 + 1.0)
    az, alt = np.radians(azimuth), np.radians(altitude)
    light = (np.sin(az) * np.cos(alt), np.cos(az) * np.cos(alt), np.sin(alt))
    shade = np.clip((nx * light[0] + ny * light[1] + light[2]) / norm, 0.0, 1.0)
    return np.where(np.isfinite(z), shade, np.nan)


def colourize(values: np.ndarray, cmap: str, vmin: float | None = None, vmax: float | None = None, alpha: float = 1.0):
    """RGBA uint8 image of ``values`` through a matplotlib colour map; NaN is transparent.

    Returns the image and the ``(vmin, vmax)`` used.
    """
    import matplotlib

    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    if vmin is None:
        vmin = float(np.nanmin(v)) if finite.any() else 0.0
    if vmax is None:
        vmax = float(np.nanmax(v)) if finite.any() else 1.0
    span = (vmax - vmin) or 1.0
    norm = np.clip((np.where(finite, v, vmin) - vmin) / span, 0.0, 1.0)
    rgba = matplotlib.colormaps[cmap](norm)
    rgba[..., 3] = np.where(finite, alpha, 0.0)
    return (rgba * 255).round().astype(np.uint8), (float(vmin), float(vmax))


def colourize_classes(values: np.ndarray, colours: dict, alpha: float = 1.0) -> np.ndarray:
    """RGBA uint8 image of class codes, one colour per code (``{code: "#rrggbb"}``); other values transparent."""
    from matplotlib.colors import to_rgba

    v = np.asarray(values, dtype=float)
    out = np.zeros((*v.shape, 4), dtype=np.uint8)
    for code, colour in colours.items():
        rgba = (np.array(to_rgba(colour, alpha)) * 255).round().astype(np.uint8)
        out[v == code] = rgba
    return out


def class_colours(codes, names: dict | None = None, colours: dict | None = None) -> tuple[dict, list]:
    """Colours and legend entries of class ``codes``: ``({code: colour}, [(label, colour)])``."""
    names = names or {}
    out, entries = {}, []
    for i, code in enumerate(sorted(int(c) for c in codes)):
        colour = (colours or {}).get(code) or CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)]
        out[code] = colour
        entries.append((names.get(code) or f"class {code}", colour))
    return out, entries


def ramp(cmap: str, n: int = 6) -> list[str]:
    """``n`` hex colours along a matplotlib colour map, for legends."""
    if n == 6 and cmap in LEGEND_RAMPS:
        return list(LEGEND_RAMPS[cmap])  # the map page's legends need no matplotlib import
    import matplotlib
    from matplotlib.colors import to_hex

    cm = matplotlib.colormaps[cmap]
    return [to_hex(cm(i / (n - 1))) for i in range(n)]


def png_data_url(rgba: np.ndarray) -> str:
    """A ``data:image/png`` URL of an RGBA uint8 image."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG", optimize=False, compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def jpeg_data_url(rgba: np.ndarray, background: str = BACKGROUND, quality: int = 80) -> str:
    """A ``data:image/jpeg`` URL of an RGBA image flattened on ``background`` (smaller than PNG for relief)."""
    from matplotlib.colors import to_rgb
    from PIL import Image

    bg = (np.array(to_rgb(background)) * 255).astype(np.float32)
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = (rgba[..., :3].astype(np.float32) * alpha + bg * (1 - alpha)).round().astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(buf, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def to_mercator(array: np.ndarray, transform, crs, categorical: bool = False, max_size: int = 900):
    """Warp a north-up array in ``crs`` to Web Mercator for an image overlay.

    Returns ``(warped, bounds)`` with ``bounds = [[south, west], [north, east]]``
    in degrees; cells with no data are NaN.
    """
    from pyproj import Transformer
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    src = np.asarray(array, dtype=np.float32)
    rows, cols = src.shape
    left, top = transform.c, transform.f
    right = left + cols * transform.a
    bottom = top + rows * transform.e
    dst_crs = "EPSG:3857"
    dst_transform, width, height = calculate_default_transform(crs, dst_crs, cols, rows, left, bottom, right, top)
    scale = max(width, height) / max_size
    if scale > 1:
        width, height = max(1, int(width / scale)), max(1, int(height / scale))
        dst_transform, width, height = calculate_default_transform(
            crs, dst_crs, cols, rows, left, bottom, right, top, dst_width=width, dst_height=height
        )
    dst = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        src,
        dst,
        src_transform=transform,
        src_crs=crs,
        src_nodata=np.nan,
        dst_transform=dst_transform,
        dst_crs=dst_crs,
        dst_nodata=np.nan,
        resampling=Resampling.nearest if categorical else Resampling.bilinear,
    )
    to_ll = Transformer.from_crs(dst_crs, "EPSG:4326", always_xy=True)
    west, north = to_ll.transform(dst_transform.c, dst_transform.f)
    east, south = to_ll.transform(dst_transform.c + width * dst_transform.a, dst_transform.f + height * dst_transform.e)
    return dst, [[south, west], [north, east]]


@dataclass
class Overlay:
    """A raster ready for the map: PNG data URL, bounds in degrees, legend entry."""

    name: str
    url: str
    bounds: list
    scale: ScaleEntry | None = None
    opacity: float = 0.7
    show: bool = True


def overlay_to_dict(overlay: Overlay) -> dict:
    """An :class:`Overlay` as plain JSON-able values (kept on disk as JSON, never pickled)."""
    return dataclasses.asdict(overlay)


def overlay_from_dict(d: dict) -> Overlay:
    """The :class:`Overlay` that :func:`overlay_to_dict` gave ``d`` of."""
    d = dict(d)
    scale = d.pop("scale", None)
    if scale is not None:
        scale = ScaleEntry(**{**scale, "categories": [tuple(c) for c in scale.get("categories") or ()]})
    return Overlay(**d, scale=scale)


def grid_overlay(
    name: str,
    values: np.ndarray,
    grid,
    cmap: str,
    units: str,
    vmin: float | None = None,
    vmax: float | None = None,
    categorical: bool = False,
    opacity: float = 0.7,
    show: bool = True,
    classes: dict | None = None,
) -> Overlay:
    """An :class:`Overlay` of an array on the park grid (risk, effort, classes...).

    With ``classes`` (``{code: (name, colour)}``) the values are class codes,
    drawn in those colours with a legend of names instead of a ramp.
    """
    v = np.where(grid.mask, np.asarray(values, dtype=np.float32), np.nan)
    warped, bounds = to_mercator(v, grid.transform, grid.crs, categorical=categorical or bool(classes))
    if classes:
        colours = {code: colour for code, (_name, colour) in classes.items()}
        rgba = colourize_classes(warped, colours)
        entries = [(name, colour) for _code, (name, colour) in sorted(classes.items())]
        scale = ScaleEntry(name, units, [], 0.0, 0.0, show, categories=entries)
        return Overlay(name, png_data_url(rgba), bounds, scale, opacity, show)
    if vmin is None and np.isfinite(v).any():
        vmin = float(np.nanmin(v))
    if vmax is None and np.isfinite(v).any():
        vmax = float(np.nanmax(v))
    rgba, (lo, hi) = colourize(warped, cmap, vmin, vmax)
    return Overlay(name, png_data_url(rgba), bounds, ScaleEntry(name, units, ramp(cmap), lo, hi, show), opacity, show)


def _read_decimated(path, max_size: int):
    """Band 1 of a raster file read at most ``max_size`` pixels a side: (float32 with NaN nodata, transform, crs)."""
    import rasterio
    from affine import Affine

    with rasterio.open(path) as src:
        factor = max(1.0, max(src.width, src.height) / max_size)
        out_shape = (max(1, int(src.height / factor)), max(1, int(src.width / factor)))
        data = src.read(1, out_shape=out_shape, masked=True).astype(np.float32).filled(np.nan)
        t = src.transform @ Affine.scale(src.width / out_shape[1], src.height / out_shape[0])
        return data, t, src.crs


def raster_file_overlay(
    name: str,
    path,
    cmap: str | None = None,
    units: str | None = None,
    categorical: bool = False,
    max_size: int = 900,
    class_names: dict | None = None,
) -> Overlay:
    """An :class:`Overlay` of a raster file (read decimated to about ``max_size`` pixels).

    A categorical raster gets one distinct colour per class and a legend of
    the class names (``class_names``: ``{code: name}``; "class N" otherwise).
    """
    data, t, crs = _read_decimated(path, max_size)
    warped, bounds = to_mercator(data, t, crs, categorical=categorical, max_size=max_size)
    key = name.lower()
    units = units or RASTER_UNITS.get(key, "value in the file's units")
    if categorical:
        codes = np.unique(warped[np.isfinite(warped)]).astype(int)
        colours, entries = class_colours(codes[:24], class_names)
        rgba = colourize_classes(warped, colours)
        scale = ScaleEntry(name, units, [], 0.0, 0.0, False, categories=entries)
        return Overlay(name, png_data_url(rgba), bounds, scale, 0.7, False)
    cmap = cmap or RASTER_CMAPS.get(key, "viridis")
    rgba, (lo, hi) = colourize(warped, cmap)
    return Overlay(name, png_data_url(rgba), bounds, ScaleEntry(name, units, ramp(cmap), lo, hi, False), 0.7, False)


def hillshade_overlay(path, max_size: int = 900) -> Overlay:
    """The park's hillshade basemap from its DEM file (grey relief, no legend ramp)."""
    data, t, crs = _read_decimated(path, max_size)
    if crs is not None and crs.is_geographic:
        cell = abs(t.a) * 111_320.0 * np.cos(np.radians(t.f + t.e * data.shape[0] / 2))
    else:
        cell = abs(t.a)
    shade = hillshade(data, cell)
    warped, bounds = to_mercator(shade, t, crs, max_size=max_size)
    rgba, _ = colourize(warped, "gray", 0.0, 1.0)
    return Overlay("Hillshade (from the DEM)", jpeg_data_url(rgba), bounds, None, 0.55, True)


def add_overlay(m: folium.Map, overlay: Overlay) -> folium.raster_layers.ImageOverlay:
    """Add an :class:`Overlay` to ``m`` as a toggleable image layer."""
    layer = folium.raster_layers.ImageOverlay(
        image=overlay.url,
        bounds=overlay.bounds,
        name=overlay.name,
        opacity=overlay.opacity,
        show=overlay.show,
        overlay=True,
        control=True,
        zindex=1,
    )
    layer.add_to(m)
    return layer


def overlay_group(overlay: Overlay) -> folium.FeatureGroup:
    """An :class:`Overlay` wrapped in a toggleable group (for layers that follow the filters)."""
    group = folium.FeatureGroup(name=overlay.name, show=overlay.show)
    folium.raster_layers.ImageOverlay(
        image=overlay.url, bounds=overlay.bounds, opacity=overlay.opacity, control=False, zindex=2
    ).add_to(group)
    return group
