"""Landmarks of the patrol sheet's map: roads, rivers, waterholes, fords, villages and the terrain.

:func:`landmarks_from_park` gathers them once per plan from a loaded park
(its feature layers, already in the park CRS, and its DEM raster, resampled
once to a fine grid and shaded); :func:`draw_landmarks` draws the part inside
one map's extent and returns the legend entries of what it drew.  A feature
layer's kind (road, river, water, ford, village, gate) is told from its name
in ``park.toml`` (``[layers.features]``); other layers are drawn in grey.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from layers.defaults import COL_NAME

from .sheet_style import INK, shorten

__all__ = [
    "LANDMARK_STYLES",
    "Landmarks",
    "draw_landmarks",
    "hillshade",
    "kind_of_layer",
    "landmarks_from_park",
]

DEM_ROLE = "dem"
DEM_CELL_M = 100.0  # the sheet's terrain: fine enough for a 10-20 km map
DEM_MAX_CELLS = 6_000_000  # a larger park gets coarser terrain (checked before reading)
MAX_LABELS = 14  # names written on one map (villages, waterholes, gates)
# a pale box behind a name (a stroked halo would turn the text into outlines: slower, and not searchable)
LABEL_BOX = {"boxstyle": "square,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.7}

# kind -> (legend label, colour, line width or marker, marker size, label the names?)
LANDMARK_STYLES: dict[str, dict] = {
    "road": {"label": "Road or track", "color": "#8d5524", "lw": 1.1, "ls": "-"},
    "river": {"label": "River or stream", "color": "#4aa3df", "lw": 1.2, "ls": "-"},
    "line": {"label": "Other line feature", "color": "#8a8a8a", "lw": 0.8, "ls": "--"},
    "water": {"label": "Waterhole", "color": "#1e88e5", "marker": "o", "ms": 5.5, "names": True},
    "ford": {"label": "Ford", "color": "#0d47a1", "marker": "D", "ms": 4.5, "names": False},
    "village": {"label": "Village", "color": "#212121", "marker": "p", "ms": 6.5, "names": True},
    "gate": {"label": "Gate", "color": "#6d4c41", "marker": "X", "ms": 5.5, "names": True},
    "point": {"label": "Other place", "color": "#757575", "marker": "v", "ms": 4.5, "names": False},
}
_KEYWORDS = (
    ("road", ("road", "track", "path", "firebreak")),
    ("river", ("river", "stream", "drainage", "creek", "spruit")),
    ("water", ("water", "dam", "borehole", "pan", "spring", "trough")),
    ("ford", ("ford", "crossing", "drift")),
    ("village", ("village", "settlement", "town", "homestead", "boma", "community")),
    ("gate", ("gate", "entrance")),
)


def kind_of_layer(name: str, geom_type: str) -> str:
    """The landmark kind of a feature layer from its name (``"main_roads"`` -> ``"road"``) and geometry type."""
    lowered = str(name).lower()
    line = "Line" in str(geom_type) or "Polygon" in str(geom_type)
    for kind, words in _KEYWORDS:
        if any(w in lowered for w in words):
            if kind in ("road", "river") and not line:
                return "point"
            if kind not in ("road", "river") and line and "Polygon" not in str(geom_type):
                return "line"
            return kind
    return "line" if line else "point"


def hillshade(elevation: np.ndarray, cell_size: float, azimuth: float = 315.0, altitude: float = 45.0) -> np.ndarray:
    """Shaded relief in 0-1 (1 lit) of an elevation array, light from ``azimuth`` (degrees from north); NaN kept."""
    z = np.asarray(elevation, dtype=float)
    filled = np.where(np.isfinite(z), z, np.nanmean(z) if np.isfinite(z).any() else 0.0)
    dzdy, dzdx = np.gradient(filled, cell_size)
    slope = np.arctan(np.hypot(dzdx, dzdy))
    aspect = np.arctan2(-dzdx, dzdy)  # rows run south: +dzdy is downhill to the north
    az, alt = math.radians(360.0 - azimuth + 90.0), math.radians(altitude)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    return np.where(np.isfinite(z), np.clip(shade, 0.0, 1.0), np.nan).astype(np.float32)


@dataclass
class Landmarks:
    """What the sheet's map shows besides the route: feature layers by kind and shaded terrain.

    Attributes
    ----------
    lines : dict of kind to list of (n, 2) arrays
        Roads, rivers and other lines (polygon outlines included) in the park CRS.
    points : dict of kind to (xy (n, 2) array, names list)
        Waterholes, fords, villages, gates and other places.
    shade : (rows, cols) float array or None
        Hillshade (0-1) of the DEM on ``shade_extent``.
    shade_extent : (x0, x1, y0, y1) or None
        Bounds of ``shade`` in the park CRS (north-up, square cells).
    """

    lines: dict[str, list[np.ndarray]] = field(default_factory=dict)
    points: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)
    shade: np.ndarray | None = None
    shade_extent: tuple[float, float, float, float] | None = None
    cp1252: bool = True  # every name can be written with the PDF's own fonts

    @property
    def empty(self) -> bool:
        """Whether there is nothing to draw."""
        return not self.lines and not self.points and self.shade is None


def _parts(geom) -> list:
    return list(getattr(geom, "geoms", [geom]))


def _terrain(park) -> tuple[np.ndarray | None, tuple | None]:
    """Hillshade of the park's DEM (``rasters["dem"]``) on a fine grid over the boundary, or ``(None, None)``."""
    from layers.covariates import resample_raster
    from layers.errors import LayersError
    from layers.grid import Grid

    rasters = getattr(park, "rasters", None) or {}
    layer = rasters.get(DEM_ROLE)
    boundary = getattr(park, "boundary", None)
    if layer is None or boundary is None or len(boundary) == 0:
        return None, None
    geom = boundary.union_all() if hasattr(boundary, "union_all") else boundary
    x0, y0, x1, y1 = geom.bounds
    cell = max(DEM_CELL_M, math.sqrt((x1 - x0) * (y1 - y0) / DEM_MAX_CELLS))
    cell = min(cell, 2000.0)
    try:
        grid = Grid.from_geometry(geom.envelope.buffer(2 * cell), park.crs, cell)
        dem = resample_raster(layer.path, grid)
    except (LayersError, OSError, ValueError):
        return None, None  # no terrain is better than no sheet
    if not np.isfinite(dem).any():
        return None, None
    gx0, gy1 = grid.transform.c, grid.transform.f
    rows, cols = grid.shape
    return hillshade(dem, cell), (gx0, gx0 + cols * cell, gy1 - rows * cell, gy1)


def landmarks_from_park(park, terrain: bool = True) -> Landmarks:
    """The landmarks of a loaded park (:class:`layers.park.Park`): its feature layers and its DEM's hillshade.

    Reads the DEM once (the other layers are already in memory); call it
    once per plan and pass the result to every sheet.  Layers that cannot be
    drawn are left out: landmarks never stop a sheet.
    """
    out = Landmarks()
    for name, gdf in (getattr(park, "features", None) or {}).items():
        if gdf is None or len(gdf) == 0:
            continue
        geoms = gdf.geometry
        geom_type = str(geoms.geom_type.mode().iloc[0]) if len(geoms) else ""
        kind = kind_of_layer(name, geom_type)
        names = gdf[COL_NAME].astype(str).tolist() if COL_NAME in gdf.columns else [""] * len(gdf)
        if kind in ("road", "river", "line"):
            arrays = out.lines.setdefault(kind, [])
            for geom in geoms:
                if geom is None or geom.is_empty:
                    continue
                for part in _parts(geom):
                    if part.geom_type == "Polygon":
                        arrays.append(np.asarray(part.exterior.coords)[:, :2])
                    elif part.geom_type in ("LineString", "LinearRing"):
                        arrays.append(np.asarray(part.coords)[:, :2])
        else:
            xy, labels = [], []
            for geom, label in zip(geoms, names):
                if geom is None or geom.is_empty:
                    continue
                p = geom if geom.geom_type == "Point" else geom.representative_point()
                xy.append((p.x, p.y))
                labels.append("" if label in ("nan", "None") else label)
            if xy:
                old_xy, old_names = out.points.get(kind, (np.empty((0, 2)), []))
                out.points[kind] = (np.vstack([old_xy, np.asarray(xy, dtype=float)]), old_names + labels)
    try:
        for _, labels in out.points.values():
            "".join(labels).encode("cp1252")
    except UnicodeEncodeError:
        out.cp1252 = False
    if terrain:
        out.shade, out.shade_extent = _terrain(park)
    return out


def _inside(xy: np.ndarray, extent, pad: float = 0.0) -> np.ndarray:
    x0, x1, y0, y1 = extent
    return (xy[:, 0] >= x0 - pad) & (xy[:, 0] <= x1 + pad) & (xy[:, 1] >= y0 - pad) & (xy[:, 1] <= y1 + pad)


def _overlaps(line: np.ndarray, extent, pad: float = 0.0) -> bool:
    """Whether the bounding box of ``line`` meets ``extent`` (a long straight road may have no vertex inside)."""
    x0, x1, y0, y1 = extent
    (lx0, ly0), (lx1, ly1) = line.min(axis=0), line.max(axis=0)
    return lx0 <= x1 + pad and lx1 >= x0 - pad and ly0 <= y1 + pad and ly1 >= y0 - pad


def draw_terrain(ax, landmarks: Landmarks | None, extent) -> bool:
    """Draw the hillshade inside ``extent`` in greys (under everything); returns whether any was drawn."""
    if landmarks is None or landmarks.shade is None:
        return False
    sx0, sx1, sy0, sy1 = landmarks.shade_extent
    rows, cols = landmarks.shade.shape
    cell = (sx1 - sx0) / cols
    x0, x1, y0, y1 = extent
    c0, c1 = max(int((x0 - sx0) // cell) - 1, 0), min(int(math.ceil((x1 - sx0) / cell)) + 1, cols)
    r0, r1 = max(int((sy1 - y1) // cell) - 1, 0), min(int(math.ceil((sy1 - y0) / cell)) + 1, rows)
    if c1 <= c0 or r1 <= r0:
        return False
    sub = np.ma.masked_invalid(landmarks.shade[r0:r1, c0:c1])
    ext = (sx0 + c0 * cell, sx0 + c1 * cell, sy1 - r1 * cell, sy1 - r0 * cell)
    ax.imshow(sub, extent=ext, origin="upper", cmap="Greys_r", vmin=-0.6, vmax=1.15, interpolation="none", zorder=0)
    return True


def draw_landmarks(ax, landmarks: Landmarks | None, extent, avoid: np.ndarray | None = None) -> list[Line2D]:
    """Draw the landmarks inside ``extent`` on ``ax``; returns legend handles of the kinds drawn.

    ``avoid`` (``(n, 2)`` points, e.g. the waypoints) keeps names from being
    written on top of them.
    """
    if landmarks is None:
        return []
    handles = []
    x0, x1, y0, y1 = extent
    pad = 0.02 * (x1 - x0)
    for kind in ("river", "road", "line"):
        arrays = [a for a in landmarks.lines.get(kind, []) if len(a) > 1 and _overlaps(a, extent, pad)]
        if not arrays:
            continue
        st = LANDMARK_STYLES[kind]
        ax.add_collection(
            LineCollection(
                arrays, colors=st["color"], linewidths=st["lw"], linestyles=st["ls"], zorder=4, capstyle="round"
            )
        )
        handles.append(Line2D([], [], color=st["color"], lw=st["lw"] + 0.3, ls=st["ls"], label=st["label"]))
    labels_left = MAX_LABELS
    near = max(0.03 * (x1 - x0), 1.0)
    for kind in ("village", "water", "gate", "ford", "point"):
        if kind not in landmarks.points:
            continue
        xy, names = landmarks.points[kind]
        on = _inside(xy, extent)
        if not on.any():
            continue
        st = LANDMARK_STYLES[kind]
        ax.plot(
            xy[on, 0],
            xy[on, 1],
            ls="",
            marker=st["marker"],
            ms=st["ms"],
            mfc=st["color"],
            mec="white",
            mew=0.7,
            zorder=7,
        )
        handles.append(
            Line2D([], [], ls="", marker=st["marker"], ms=st["ms"], mfc=st["color"], mec="white", label=st["label"])
        )
        if not st.get("names"):
            continue
        for i in np.flatnonzero(on):
            if labels_left <= 0:
                break
            if not names[i]:
                continue
            if avoid is not None and len(avoid) and np.hypot(*(avoid - xy[i]).T).min() < near:
                continue
            ax.annotate(
                shorten(names[i], 18),
                (xy[i, 0], xy[i, 1]),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=5.8,
                color=INK,
                style="italic",
                zorder=8,
                bbox=LABEL_BOX,
                annotation_clip=True,
            )
            labels_left -= 1
    return handles
