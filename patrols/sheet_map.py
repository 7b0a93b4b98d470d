"""The map panel of the patrol sheet: the route over the risk background and park boundary.

Numbered waypoints, direction arrows, a UTM grid, scale bar, north arrow (true
north), legend, colour bar and, when the map shows a small part of the park, an
overview of the whole park.  Drawn on a :class:`matplotlib.figure.Figure` by
:func:`draw_map`; the page around it is laid out by :mod:`patrols.sheet`.
"""

from __future__ import annotations

import math

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
from .profile import along_km
from .route import Patrol
from .sheet_style import INK, MUTED, shorten

__all__ = ["draw_map"]

RISK_CMAP = "YlOrRd"
RISK_ALPHA = 0.75
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


def _scale_bar(ax, extent) -> None:
    x0, x1, y0, y1 = extent
    length = _nice((x1 - x0) / 4.5)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.045 * (y1 - y0)
    hh = 0.012 * (y1 - y0)
    for i in range(2):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 2, by), length / 2, hh, fc=INK if i == 0 else "white", ec=INK, lw=0.8, zorder=20
            )
        )
    unit, div = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for frac in (0, 0.5, 1):
        val = frac * length / div
        txt = f"{val:g}" + (f" {unit}" if frac == 1 else "")
        ax.text(
            bx + frac * length, by + 1.8 * hh, txt, ha="center", va="bottom", fontsize=7, zorder=21, path_effects=halo
        )


def _north_arrow(ax, extent, angle: float) -> None:
    x0, x1, y0, y1 = extent
    cx, cy = x1 - 0.06 * (x1 - x0), y1 - 0.13 * (y1 - y0)
    size = 0.07 * (y1 - y0)
    dx, dy = -math.sin(angle) * size, math.cos(angle) * size
    ax.add_patch(
        FancyArrow(
            cx - dx / 2,
            cy - dy / 2,
            dx,
            dy,
            width=size * 0.12,
            head_width=size * 0.38,
            head_length=size * 0.42,
            length_includes_head=True,
            fc=INK,
            ec="white",
            lw=0.8,
            zorder=20,
        )
    )
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    ax.text(
        cx + dx * 0.75,
        cy + dy * 0.75,
        "N",
        ha="center",
        va="bottom",
        fontsize=11,
        fontweight="bold",
        zorder=21,
        path_effects=halo,
    )


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
    img = ax.imshow(
        sub, extent=ext, origin="upper", cmap=RISK_CMAP, norm=norm, interpolation="nearest", alpha=RISK_ALPHA
    )
    return img, norm


def draw_map(fig: Figure, patrol: Patrol, table: pd.DataFrame, rect, risk, grid, boundary, risk_label: str) -> None:
    """Draw the map of ``patrol`` in the figure rectangle ``rect`` (figure fractions).

    Parameters
    ----------
    fig : Figure
    patrol : Patrol
    table : DataFrame
        The patrol's :func:`patrols.tables.waypoint_table` (numbers and kinds of the markers).
    rect : sequence of 4 floats
        ``[left, bottom, width, height]`` of the map; the colour bar goes to its right.
    risk, grid
        Risk array on ``grid`` for the background, or None.
    boundary
        The park boundary in the patrol's CRS, or None.
    risk_label : str
        The colour bar's label.
    """
    ax = fig.add_axes(rect)
    fig_w, fig_h = fig.get_size_inches()
    aspect = (rect[2] * fig_w) / (rect[3] * fig_h)
    extent = _extent(patrol, aspect)
    colour = team_colour(patrol.team)
    ax.set_facecolor("#fbfbf8")
    handles = []

    img = None
    if risk is not None and grid is not None:
        img, norm = _risk_layer(ax, risk, grid, extent)
        cax = fig.add_axes([rect[0] + rect[2] + 0.012, rect[1] + 0.02, 0.014, rect[3] - 0.04])
        from matplotlib.cm import ScalarMappable

        cb = fig.colorbar(img if img is not None else ScalarMappable(norm=norm, cmap=RISK_CMAP), cax=cax)
        cb.set_label(risk_label, fontsize=7.5)
        cb.ax.tick_params(labelsize=7)
        cb.outline.set_linewidth(0.5)
        cb.solids.set_alpha(RISK_ALPHA)

    for ring in _boundary_lines(boundary):
        ax.plot(ring[:, 0], ring[:, 1], color=BOUNDARY_COLOUR, lw=1.4, ls=(0, (5, 2)), zorder=5)
    if boundary is not None:
        handles.append(Line2D([], [], color=BOUNDARY_COLOUR, lw=1.4, ls=(0, (5, 2)), label="Park boundary"))

    halo = [patheffects.withStroke(linewidth=5, foreground="white")]
    path = patrol.path_xy
    if len(path):
        ax.plot(path[:, 0], path[:, 1], color=colour, lw=2.4, zorder=10, path_effects=halo, solid_capstyle="round")
        _direction_arrows(ax, patrol, colour)
    handles.append(Line2D([], [], color=colour, lw=2.4, label=f"Route ({patrol.length_km:.1f} km)"))

    # waypoints: the post as a square, others as numbered circles
    n = len(table)
    fs = 7 if n <= 30 else 5.5
    seen_posts = set()
    for row, wp in zip(table.itertuples(index=False), patrol.waypoints):
        if row.kind == "post":
            key = (round(wp.x), round(wp.y))
            if key in seen_posts:
                continue
            seen_posts.add(key)
            ax.plot(wp.x, wp.y, marker="s", ms=11, mfc=INK, mec="white", mew=1.5, zorder=15)
            ax.text(
                wp.x,
                wp.y,
                str(row.no),
                color="white",
                fontsize=fs,
                fontweight="bold",
                ha="center",
                va="center",
                zorder=16,
            )
            ax.annotate(
                shorten(wp.name, 24),
                (wp.x, wp.y),
                xytext=(9, -9),
                textcoords="offset points",
                fontsize=8,
                fontweight="bold",
                zorder=16,
                path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
            )
        else:
            marker = "^" if row.kind == "camp" else "o"
            ax.plot(wp.x, wp.y, marker=marker, ms=11, mfc="white", mec=colour, mew=1.5, zorder=15)
            ax.text(wp.x, wp.y, str(row.no), color=INK, fontsize=fs, ha="center", va="center", zorder=16)
    handles.append(Line2D([], [], marker="s", ls="", ms=8, mfc=INK, mec="white", label="Post (start and end)"))
    if (table["kind"] == "camp").any():
        handles.append(Line2D([], [], marker="^", ls="", ms=8, mfc="white", mec=colour, label="Camp"))
    handles.append(Line2D([], [], marker="o", ls="", ms=8, mfc="white", mec=colour, label="Waypoint (no. in table)"))

    x0, x1, y0, y1 = extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    _utm_grid(ax, patrol, extent)
    _scale_bar(ax, extent)
    _north_arrow(ax, extent, _north_angle(patrol, (x0 + x1) / 2, (y0 + y1) / 2))
    _overview(ax, patrol, extent, boundary, colour)
    leg = ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.92, borderpad=0.6, handlelength=2.2)
    leg.set_zorder(30)
    leg.get_frame().set_linewidth(0.5)
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)


def _overview(ax, patrol: Patrol, extent, boundary, colour: str) -> None:
    """A small map of the whole park in the lower right corner, when it is free and the park is larger."""
    rings = _boundary_lines(boundary)
    if not rings:
        return
    x0, x1, y0, y1 = extent
    allxy = np.vstack(rings)
    (bx0, by0), (bx1, by1) = allxy.min(axis=0), allxy.max(axis=0)
    if (x1 - x0) * (y1 - y0) > 0.5 * (bx1 - bx0) * (by1 - by0):
        return  # the map already shows most of the park
    box = (0.74, 0.02, 0.24, 0.26)  # axes fraction
    pts = [patrol.path_xy] + ([np.array([[w.x, w.y] for w in patrol.waypoints])] if patrol.waypoints else [])
    fx = (np.vstack(pts)[:, 0] - x0) / (x1 - x0)
    fy = (np.vstack(pts)[:, 1] - y0) / (y1 - y0)
    if np.any((fx > box[0] - 0.03) & (fy < box[1] + box[3] + 0.03)):
        return  # the route runs through that corner
    inset = ax.inset_axes(box)
    inset.set_zorder(25)
    for ring in rings:
        inset.fill(ring[:, 0], ring[:, 1], fc="#e8efe4", ec=BOUNDARY_COLOUR, lw=0.6)
    inset.plot(patrol.path_xy[:, 0], patrol.path_xy[:, 1], color=colour, lw=0.8)
    inset.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fc="none", ec="#c62828", lw=1.0))
    pad = 0.05 * max(bx1 - bx0, by1 - by0)
    inset.set_xlim(min(bx0, x0) - pad, max(bx1, x1) + pad)
    inset.set_ylim(min(by0, y0) - pad, max(by1, y1) + pad)
    inset.set_aspect("equal", adjustable="box", anchor="SE")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    for spine in inset.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color(MUTED)
    inset.set_title("Park overview", fontsize=6, pad=2, color=INK, backgroundcolor="white")


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
    x0, x1, y0, y1 = extent
    step = _nice((x1 - x0) / 4)
    xs = np.arange(math.ceil(x0 / step) * step, x1, step)
    ys = np.arange(math.ceil(y0 / step) * step, y1, step)
    ax.set_xticks(xs)
    ax.set_yticks(ys)
    fmt = (lambda v: f"{v / 1000:.0f}") if step >= 1000 else (lambda v: f"{v / 1000:.1f}")
    ax.set_xticklabels([fmt(v) for v in xs], fontsize=6.5, color=MUTED)
    ax.set_yticklabels([fmt(v) for v in ys], fontsize=6.5, color=MUTED, rotation=90, va="center")
    ax.tick_params(length=2, pad=1.5)
    ax.grid(True, color="#9e9e9e", lw=0.4, alpha=0.6, zorder=3)
    zone = patrol.crs.utm_zone
    name = (
        f"UTM zone {zone[:-1]} {'north' if zone[-1] == 'N' else 'south'}" if zone else (patrol.crs.name or "park CRS")
    )
    ax.set_xlabel(f"{name} easting (km)", fontsize=7, color=MUTED, labelpad=2)
    ax.set_ylabel(f"{name} northing (km)", fontsize=7, color=MUTED, labelpad=2)
