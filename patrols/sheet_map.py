"""The map panel of the patrol sheet: the route over the risk background and park boundary.

Numbered waypoints, direction arrows, a UTM grid, scale bar, north arrow (true
north), legend, colour bar and, when the map shows a small part of the park, an
overview of the whole park.  Drawn on a :class:`matplotlib.figure.Figure` by
:func:`draw_map`; the page around it is laid out by :mod:`patrols.sheet`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Rectangle
from pyproj import Transformer

from .coords import WGS84
from .labels import team_colour
from .landmarks import LABEL_BOX, Landmarks, draw_landmarks, draw_terrain
from .profile import along_km
from .route import Patrol
from .sheet_style import INK, MUTED, shorten

__all__ = ["MapParts", "WAYPOINT_LABELS", "WAYPOINT_MARKERS", "draw_map"]

RISK_CMAP = "YlOrRd"
RISK_ALPHA = 0.45  # faint, so the terrain and landmarks under it show
# kind -> (marker, relative size) and the legend's words for it
WAYPOINT_MARKERS = {"waypoint": ("o", 1.0), "turn": ("o", 1.0), "checkpoint": ("h", 0.95), "camp": ("^", 1.1)}
WAYPOINT_LABELS = {
    "waypoint": "Waypoint (no. in the table)",
    "turn": "Turn (no. in the table)",
    "checkpoint": "Checkpoint every 2 km at most",
    "camp": "Camp",
}
BOUNDARY_COLOUR = "#1b5e20"


def _nice(value: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above ``value``."""
    if value <= 0:
        return 1.0
    exp = math.floor(math.log10(value))
    for m in (5, 2, 1):
        if m * 10**exp <= value:
            return m * 10**exp
    return 10**exp  # pragma: no cover


def _extent(patrol: Patrol, aspect: float, min_size_m: float = 1500.0) -> tuple[float, float, float, float]:
    """Map extent around the route and waypoints, padded, with the axes' width/height ``aspect``."""
    pts = [patrol.path_xy] if len(patrol.path_xy) else []
    if patrol.waypoints:
        pts.append(np.array([[w.x, w.y] for w in patrol.waypoints]))
    xy = np.vstack(pts) if pts else np.zeros((1, 2))
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max((x1 - x0) * 1.18, min_size_m)
    h = max((y1 - y0) * 1.18, min_size_m)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2


def _north_angle(patrol: Patrol, x: float, y: float) -> float:
    """Angle (radians, counter-clockwise from grid up) of true north at ``(x, y)``."""
    try:
        to_ll = Transformer.from_crs(patrol.crs, WGS84, always_xy=True)
        to_xy = Transformer.from_crs(WGS84, patrol.crs, always_xy=True)
        lon, lat = to_ll.transform(x, y)
        x2, y2 = to_xy.transform(lon, min(lat + 0.01, 89.9))
        return math.atan2(-(x2 - x), y2 - y)
    except Exception:  # a north arrow never stops a sheet
        return 0.0


def _boundary_lines(boundary) -> list[np.ndarray]:
    """Rings of a (Multi)Polygon, GeoSeries or GeoDataFrame as ``(n, 2)`` arrays."""
    if boundary is None:
        return []
    if hasattr(boundary, "union_all"):
        boundary = boundary.union_all()
    geoms = getattr(boundary, "geoms", [boundary])
    rings = []
    for g in geoms:
        if g.geom_type == "Polygon":
            rings.append(np.asarray(g.exterior.coords))
            rings.extend(np.asarray(r.coords) for r in g.interiors)
        elif g.geom_type in ("LineString", "LinearRing"):
            rings.append(np.asarray(g.coords))
    return rings


def _route_points(patrol: Patrol, extent, table_xy: np.ndarray) -> np.ndarray:
    """Points of the route every ~1 % of the map's width, with the waypoints: what corner furniture must not cover."""
    x0, x1, _, _ = extent
    step = max((x1 - x0) / 100.0, 1.0)
    path = patrol.path_xy
    pts = [table_xy] if len(table_xy) else []
    for a, b in zip(path[:-1], path[1:]):
        n = max(int(np.hypot(*(b - a)) // step), 1)
        t = np.linspace(0.0, 1.0, n + 1)[:, None]
        pts.append(a + t * (b - a))
    return np.vstack(pts) if pts else np.zeros((0, 2))


CORNERS = {"lower left": (0.0, 0.0), "lower right": (1.0, 0.0), "upper left": (0.0, 1.0), "upper right": (1.0, 1.0)}


def _corner_box(corner: str, w: float, h: float, margin: float = 0.015) -> tuple[float, float, float, float]:
    """``(x, y, w, h)`` in axes fractions of a box of size ``w x h`` in a corner of the axes."""
    cx, cy = CORNERS[corner]
    return (margin if cx == 0 else 1 - margin - w, margin if cy == 0 else 1 - margin - h, w, h)


def _crowding(points_frac: np.ndarray, box) -> int:
    x, y, w, h = box
    if len(points_frac) == 0:
        return 0
    fx, fy = points_frac[:, 0], points_frac[:, 1]
    return int(((fx >= x - 0.02) & (fx <= x + w + 0.02) & (fy >= y - 0.02) & (fy <= y + h + 0.02)).sum())


def _scale_bar(ax, extent, box) -> None:
    """A two-part scale bar in the box ``(x, y, w, h)`` (axes fractions)."""
    x0, x1, y0, y1 = extent
    length = _nice((x1 - x0) * box[2] * 0.8)
    bx = x0 + (box[0] + 0.02) * (x1 - x0)
    by = y0 + (box[1] + 0.02) * (y1 - y0)
    hh = 0.012 * (y1 - y0)
    ax.add_patch(
        Rectangle(
            (bx - 0.012 * (x1 - x0), by - 0.01 * (y1 - y0)),
            length + 0.024 * (x1 - x0),
            0.07 * (y1 - y0),
            fc="white",
            ec="none",
            alpha=0.8,
            zorder=19,
        )
    )
    for i in range(2):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 2, by), length / 2, hh, fc=INK if i == 0 else "white", ec=INK, lw=0.8, zorder=20
            )
        )
    unit, div = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    ax.text(bx, by + 1.8 * hh, "0", ha="center", va="bottom", fontsize=7, zorder=21)
    ax.text(bx + length, by + 1.8 * hh, f"{length / div:g} {unit}", ha="center", va="bottom", fontsize=7, zorder=21)
    ax.text(bx + length / 2, by + 1.8 * hh, f"{0.5 * length / div:g}", ha="center", va="bottom", fontsize=7, zorder=21)


def _north_arrow(fig: Figure, rect, angle: float) -> None:
    """The north arrow (true north, ``angle`` from grid up) beside the map, in figure coordinates (no axes)."""
    x, y, w, h = rect
    fig_w, fig_h = fig.get_size_inches()
    cx, cy = x + w / 2, y + h * 0.42
    size = h * 0.75 * fig_h  # inches
    dx, dy = -math.sin(angle) * size / fig_w, math.cos(angle) * size / fig_h
    arrow = FancyArrow(
        cx - dx / 2,
        cy - dy / 2,
        dx,
        dy,
        width=0.04 * size / fig_w,
        head_width=0.16 * size / fig_w,
        head_length=0.28 * size / fig_h,
        length_includes_head=True,
        transform=fig.transFigure,
        fc=INK,
        ec="white",
        lw=0.8,
    )
    fig.add_artist(arrow)
    fig.text(cx + dx * 0.55, cy + dy * 0.55, "N", ha="center", va="bottom", fontsize=10, fontweight="bold", color=INK)


def _risk_layer(ax, risk, grid, extent):
    """Draw the part of ``risk`` (on ``grid``) inside ``extent``; returns the image or None."""
    risk = np.asarray(grid.check(risk, "risk"), dtype=float)
    x0, x1, y0, y1 = extent
    cs = grid.cell_size
    gx0, gy1 = grid.transform.c, grid.transform.f
    c0 = max(int(math.floor((x0 - gx0) / cs)), 0)
    c1 = min(int(math.ceil((x1 - gx0) / cs)), grid.shape[1])
    r0 = max(int(math.floor((gy1 - y1) / cs)), 0)
    r1 = min(int(math.ceil((gy1 - y0) / cs)), grid.shape[0])
    finite = risk[np.isfinite(risk) & grid.mask]
    vmax = float(np.nanmax(finite)) if finite.size else 1.0
    norm = Normalize(vmin=0.0, vmax=vmax if vmax > 0 else 1.0)
    if c1 <= c0 or r1 <= r0:
        return None, norm
    sub = np.where(grid.mask[r0:r1, c0:c1], risk[r0:r1, c0:c1], np.nan)
    sub = np.ma.masked_invalid(sub)
    ext = (gx0 + c0 * cs, gx0 + c1 * cs, gy1 - r1 * cs, gy1 - r0 * cs)
    img = ax.imshow(sub, extent=ext, origin="upper", cmap=RISK_CMAP, norm=norm, interpolation="none", alpha=RISK_ALPHA)
    return img, norm


@dataclass
class MapParts:
    """What :func:`draw_map` drew, for the page around it and for checks: axes, legend, the post's place."""

    ax: object
    legend: object
    post_xy: list[tuple[float, float]]
    layers: list[str]


def draw_map(
    fig: Figure,
    patrol: Patrol,
    table: pd.DataFrame,
    rect,
    risk,
    grid,
    boundary,
    risk_label: str,
    landmarks: Landmarks | None = None,
    legend_rect=None,
) -> MapParts:
    """Draw the map of ``patrol`` in the figure rectangle ``rect`` (figure fractions).

    Parameters
    ----------
    fig : Figure
    patrol : Patrol
        With the waypoints of ``table``, in its order.
    table : DataFrame
        The patrol's :func:`patrols.tables.waypoint_table` (numbers and kinds of the markers).
    rect : sequence of 4 floats
        ``[left, bottom, width, height]`` of the map; the colour bar and north arrow go to its right.
    risk, grid
        Risk array on ``grid`` for the background, or None.
    boundary
        The park boundary in the patrol's CRS, or None.
    risk_label : str
        The colour bar's label.
    landmarks : Landmarks, optional
        Roads, rivers, waterholes, fords, villages and terrain (see :mod:`patrols.landmarks`).
    legend_rect : sequence of 4 floats, optional
        Where the legend goes (figure fractions), outside the map; by default a band under it.

    Returns
    -------
    MapParts
    """
    ax = fig.add_axes(rect)
    fig_w, fig_h = fig.get_size_inches()
    aspect = (rect[2] * fig_w) / (rect[3] * fig_h)
    extent = _extent(patrol, aspect)
    x0, x1, y0, y1 = extent
    colour = team_colour(patrol.team)
    ax.set_facecolor("#fbfbf8")
    drawn: list[str] = []
    handles = []

    if draw_terrain(ax, landmarks, extent):
        drawn.append("terrain")
    img = None
    if risk is not None and grid is not None:
        img, norm = _risk_layer(ax, risk, grid, extent)
        drawn.append("risk")
        cax = fig.add_axes([rect[0] + rect[2] + 0.016, rect[1] + 0.01, 0.014, rect[3] * 0.72])
        from matplotlib.cm import ScalarMappable

        cb = fig.colorbar(img if img is not None else ScalarMappable(norm=norm, cmap=RISK_CMAP), cax=cax)
        cb.set_label(risk_label, fontsize=7)
        cb.ax.tick_params(labelsize=6.5, length=2)
        cb.outline.set_linewidth(0.5)
        cb.solids.set_alpha(RISK_ALPHA)

    for ring in _boundary_lines(boundary):
        ax.plot(ring[:, 0], ring[:, 1], color=BOUNDARY_COLOUR, lw=1.4, ls=(0, (5, 2)), zorder=5)
    if boundary is not None:
        handles.append(Line2D([], [], color=BOUNDARY_COLOUR, lw=1.4, ls=(0, (5, 2)), label="Park boundary"))

    wp_xy = np.array([[w.x, w.y] for w in patrol.waypoints]) if patrol.waypoints else np.zeros((0, 2))
    marks = draw_landmarks(ax, landmarks, extent, avoid=wp_xy)
    drawn += [h.get_label() for h in marks]

    halo = [patheffects.withStroke(linewidth=5, foreground="white")]
    path = patrol.path_xy
    if len(path):
        ax.plot(path[:, 0], path[:, 1], color=colour, lw=2.4, zorder=10, path_effects=halo, solid_capstyle="round")
        _direction_arrows(ax, patrol, colour)
    handles.append(Line2D([], [], color=colour, lw=2.4, label=f"Route ({patrol.length_km:.1f} km), arrows: direction"))

    # waypoints: the post as a square, others as numbered markers
    n = len(table)
    fs = 6.5 if n <= 30 else 5.2
    ms = 10.5 if n <= 30 else 8.5
    post_xy: list[tuple[float, float]] = []
    kinds = set()
    for row, wp in zip(table.itertuples(index=False), patrol.waypoints):
        kinds.add(row.kind)
        if row.kind == "post":
            if (wp.x, wp.y) in post_xy:
                continue
            post_xy.append((wp.x, wp.y))
            ax.plot(wp.x, wp.y, marker="s", ms=12, mfc=INK, mec="white", mew=1.5, zorder=17, gid="post")
            ax.annotate(
                shorten(wp.name, 24),
                (wp.x, wp.y),
                xytext=(9, -11),
                textcoords="offset points",
                fontsize=8,
                fontweight="bold",
                zorder=18,
                bbox=LABEL_BOX,
            )
            continue
        marker, size = WAYPOINT_MARKERS.get(row.kind, WAYPOINT_MARKERS["waypoint"])
        ax.plot(wp.x, wp.y, marker=marker, ms=ms * size, mfc="white", mec=colour, mew=1.3, zorder=15)
        ax.text(wp.x, wp.y, str(row.no), color=INK, fontsize=fs, ha="center", va="center", zorder=16)
    handles.append(Line2D([], [], marker="s", ls="", ms=8, mfc=INK, mec="white", label="Post: start and end (no. 1)"))
    for kind, label in WAYPOINT_LABELS.items():
        if kind in kinds:
            marker, size = WAYPOINT_MARKERS[kind]
            handles.append(Line2D([], [], marker=marker, ls="", ms=7 * size, mfc="white", mec=colour, label=label))
    handles += marks

    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    _utm_grid(ax, patrol, extent)
    # corner furniture where the route is not: the scale bar first, then the park overview
    pts = _route_points(patrol, extent, wp_xy)
    frac = np.c_[(pts[:, 0] - x0) / (x1 - x0), (pts[:, 1] - y0) / (y1 - y0)] if len(pts) else np.zeros((0, 2))
    order = sorted(CORNERS, key=lambda c: _crowding(frac, _corner_box(c, 0.30, 0.08)))
    _scale_bar(ax, extent, _corner_box(order[0], 0.30, 0.08))
    for corner in order[1:]:
        box = _corner_box(corner, 0.24, 0.26)
        if _crowding(frac, box) == 0:
            if _overview(ax, patrol, extent, boundary, colour, box):
                drawn.append("overview")
            break
    arrow_h = 0.065
    _north_arrow(
        fig,
        [rect[0] + rect[2] + 0.004, rect[1] + rect[3] - arrow_h, 0.06, arrow_h],
        _north_angle(patrol, (x0 + x1) / 2, (y0 + y1) / 2),
    )
    if legend_rect is None:
        legend_rect = [rect[0], rect[1] - 0.075, rect[2], 0.05]
    leg = fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=legend_rect,
        bbox_transform=fig.transFigure,
        mode="expand",
        ncol=3,
        fontsize=6.8,
        frameon=False,
        borderaxespad=0.0,
        handlelength=2.0,
        columnspacing=1.0,
        labelspacing=0.35,
    )
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
    return MapParts(ax, leg, post_xy, drawn)


def _overview(ax, patrol: Patrol, extent, boundary, colour: str, box) -> bool:
    """A small map of the whole park in ``box`` (axes fractions) when the map shows a small part of it.

    Drawn in the map's own axes coordinates (an inset axes costs a tenth of a second per sheet).
    """
    rings = _boundary_lines(boundary)
    if not rings:
        return False
    x0, x1, y0, y1 = extent
    allxy = np.vstack(rings)
    (bx0, by0), (bx1, by1) = allxy.min(axis=0), allxy.max(axis=0)
    if (x1 - x0) * (y1 - y0) > 0.5 * (bx1 - bx0) * (by1 - by0):
        return False  # the map already shows most of the park
    ux0, uy0, uw, uh = box
    # park metres -> map metres (factor k, to fit the box) -> axes fraction; the map axes are to scale
    k = 0.88 * min(uw * (x1 - x0) / max(bx1 - bx0, 1.0), (uh - 0.03) * (y1 - y0) / max(by1 - by0, 1.0))
    scale_x, scale_y = k / (x1 - x0), k / (y1 - y0)
    cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
    ox, oy = ux0 + uw / 2, uy0 + (uh - 0.03) / 2

    def to_box(xy):
        return np.c_[ox + (xy[:, 0] - cx) * scale_x, oy + (xy[:, 1] - cy) * scale_y]

    t = ax.transAxes
    ax.add_patch(Rectangle((ux0, uy0), uw, uh, transform=t, fc="white", ec=MUTED, lw=0.6, zorder=25))
    for ring in rings:
        r = to_box(ring)
        ax.fill(r[:, 0], r[:, 1], transform=t, fc="#e8efe4", ec=BOUNDARY_COLOUR, lw=0.6, zorder=26)
    route = to_box(patrol.path_xy)
    ax.plot(route[:, 0], route[:, 1], transform=t, color=colour, lw=0.8, zorder=27)
    frame = to_box(np.array([[x0, y0], [x1, y1]]))
    ax.add_patch(
        Rectangle(tuple(frame[0]), *(frame[1] - frame[0]), transform=t, fc="none", ec="#c62828", lw=1.0, zorder=28)
    )
    ax.text(ux0 + 0.01, uy0 + uh - 0.01, "Park overview", transform=t, fontsize=5.5, color=INK, va="top", zorder=29)
    return True


def _direction_arrows(ax, patrol: Patrol, colour: str) -> None:
    """Small arrows along the route showing the walking direction."""
    path = patrol.path_xy
    along = along_km(patrol)
    total = along[-1] if len(along) else 0.0
    if total <= 0:
        return
    for frac in (0.12, 0.37, 0.62, 0.87):
        d = frac * total
        i = int(np.clip(np.searchsorted(along, d) - 1, 0, len(path) - 2))
        seg = path[i + 1] - path[i]
        if not np.any(seg):
            continue
        t = (d - along[i]) / max(along[i + 1] - along[i], 1e-12)
        p = path[i] + t * seg
        u = seg / np.hypot(*seg)
        ax.annotate(
            "",
            xy=p + u,
            xytext=p - u,
            arrowprops={"arrowstyle": "-|>,head_length=0.9,head_width=0.55", "color": colour, "lw": 0, "shrinkA": 0},
            zorder=12,
        )


def _utm_grid(ax, patrol: Patrol, extent) -> None:
    """Grid lines every 1, 2 or 5 km (or m) with their UTM labels in km, drawn without tick machinery."""
    x0, x1, y0, y1 = extent
    step = _nice((x1 - x0) / 5)
    xs = np.arange(math.ceil(x0 / step) * step, x1, step)
    ys = np.arange(math.ceil(y0 / step) * step, y1, step)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.vlines(xs, y0, y1, colors="#8e8e8e", lw=0.4, alpha=0.7, zorder=3)
    ax.hlines(ys, x0, x1, colors="#8e8e8e", lw=0.4, alpha=0.7, zorder=3)
    fmt = (lambda v: f"{v / 1000:.0f}") if step >= 1000 else (lambda v: f"{v / 1000:.1f}")
    bottom = ax.get_xaxis_transform()  # x in data, y in axes fraction
    left = ax.get_yaxis_transform()
    for v in xs:
        ax.text(v, -0.006, fmt(v), transform=bottom, ha="center", va="top", fontsize=6.3, color=MUTED)
    for v in ys:
        ax.text(-0.006, v, fmt(v), transform=left, ha="right", va="center", fontsize=6.3, color=MUTED, rotation=90)
    zone = patrol.crs.utm_zone
    name = (
        f"UTM zone {zone[:-1]} {'north' if zone[-1] == 'N' else 'south'}" if zone else (patrol.crs.name or "park CRS")
    )
    ax.annotate(
        f"{name}: easting and northing (km), grid every {step / 1000:g} km",
        xy=(1.0, 0.0),
        xycoords="axes fraction",
        xytext=(0, -10),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=6.3,
        color=MUTED,
    )
