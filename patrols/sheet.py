"""The printable one-page A4 sheet of a patrol (PDF, drawn with matplotlib's Agg/PDF backends).

Top to bottom: title (park, patrol, post, team, date, kind) and key figures
(distance, expected duration, expected risk covered); a map of the route over
the risk background and park boundary, with numbered waypoints, a UTM grid,
scale bar, north arrow (true north), legend and colour bar; the elevation
profile when elevations are known; the waypoint table (truncated with a note
when the route has more waypoints than fit on the page).

No pyplot: figures are built as :class:`matplotlib.figure.Figure` objects.
The few settings only rcParams carry (font, math parsing, PDF font type) are
set for the drawing and saving of one sheet at a time, under a lock: rcParams
are global, and the app draws sheets from several sessions' threads.
"""

from __future__ import annotations

import io
import math
import threading
from contextlib import contextmanager

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Rectangle
from pyproj import Transformer

from .export import RISK_UNIT, WGS84, _along_km, _elevations, safe_name, team_colour, waypoint_table
from .route import Patrol

A4_INCHES = (8.27, 11.69)
RISK_LABEL = "Poaching risk (probability of attack, 0-1)"
REWARD_LABEL = "Reward (values of the given raster)"
RISK_CMAP = "YlOrRd"
RISK_ALPHA = 0.75
INK = "#222222"
MUTED = "#666666"
BOUNDARY_COLOUR = "#1b5e20"
MAX_NAME_CHARS = 30
TABLE_ROW_IN = 0.17  # height of a table row (inches)
RC = {"text.parse_math": False, "font.family": "DejaVu Sans", "pdf.fonttype": 3}  # Type 3: 3x faster to embed
_RC_LOCK = threading.RLock()  # one sheet at a time under RC (re-entrant: sheet_pdf draws, then saves)


@contextmanager
def _sheet_style():
    """``RC`` in matplotlib's global rcParams, held by one thread at a time."""
    import matplotlib as mpl

    with _RC_LOCK, mpl.rc_context(RC):
        yield


# --- geometry helpers -------------------------------------------------------
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


def _shorten(text: str, n: int = MAX_NAME_CHARS) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _date_long(value) -> str:
    day = pd.Timestamp(value)
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}"


# --- the parts of the sheet ------------------------------------------------
def _header(fig: Figure, patrol: Patrol, park_name: str | None, n_wp: int) -> None:
    if park_name:
        fig.text(0.05, 0.974, _shorten(park_name, 80).upper(), fontsize=8.5, fontweight="bold", color=MUTED)
    fig.text(0.95, 0.974, "PATROL SHEET", fontsize=8.5, fontweight="bold", color=MUTED, ha="right")
    title = f"Patrol {patrol.patrol_id}"
    size = 17 if len(title) <= 40 else 14 if len(title) <= 50 else 12
    fig.text(0.05, 0.953, _shorten(title, 62), fontsize=size, fontweight="bold", color=INK, va="baseline")
    sub = (
        f"Post {_shorten(patrol.post, 40)}   \u00b7   Team {patrol.team}   \u00b7   "
        f"{str(patrol.kind).capitalize()} patrol   \u00b7   {_date_long(patrol.date)}"
    )
    fig.text(0.05, 0.937, _shorten(sub, 92), fontsize=10, color=MUTED, va="baseline")
    fig.add_artist(Line2D([0.05, 0.95], [0.927, 0.927], color=team_colour(patrol.team), lw=2.5))
    figures = [
        ("Distance", f"{patrol.length_km:.1f} km"),
        ("Expected duration", f"{patrol.hours:.1f} h"),
        ("Expected risk covered", f"{patrol.expected_risk:.3f} cells*"),
        ("Waypoints", f"{n_wp}"),
    ]
    w = 0.9 / len(figures)
    for i, (label, value) in enumerate(figures):
        x = 0.05 + i * w
        fig.add_artist(
            Rectangle((x + 0.004, 0.872), w - 0.008, 0.050, transform=fig.transFigure, fc="#f3f3f3", ec="none")
        )
        fig.text(x + 0.014, 0.908, label.upper(), fontsize=7, color=MUTED, fontweight="bold")
        fig.text(x + 0.014, 0.880, value, fontsize=14, color=INK, fontweight="bold")


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


def _map(fig: Figure, patrol: Patrol, table: pd.DataFrame, rect, risk, grid, boundary, risk_label: str) -> None:
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
                _shorten(wp.name, 24),
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
    along = _along_km(patrol)
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


def _profile(fig: Figure, patrol: Patrol, table: pd.DataFrame, rect, elev: np.ndarray) -> None:
    ax = fig.add_axes(rect)
    km = _along_km(patrol)
    ok = np.isfinite(elev)
    colour = team_colour(patrol.team)
    lo, hi = float(np.nanmin(elev)), float(np.nanmax(elev))
    pad = max((hi - lo) * 0.15, 10.0)
    ax.fill_between(km[ok], lo - pad, elev[ok], color=colour, alpha=0.15, lw=0)
    ax.plot(km[ok], elev[ok], color=colour, lw=1.4)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlim(0, max(km[-1], 1e-3))
    for row in table.itertuples(index=False):
        ax.axvline(row.distance_km, color="#bbbbbb", lw=0.5, zorder=0)
        if len(table) <= 30:
            ax.text(row.distance_km, hi + pad * 0.55, str(row.no), fontsize=6, ha="center", va="center", color=MUTED)
    ax.set_xlabel("Distance along route (km)", fontsize=7.5, labelpad=1)
    ax.set_ylabel("Elevation (m)", fontsize=7.5)
    ax.tick_params(labelsize=7, length=2)
    climb = float(np.nansum(np.clip(np.diff(elev[ok]), 0, None)))
    ax.set_title(
        f"Elevation profile  \u00b7  {lo:.0f}-{hi:.0f} m, total climb {climb:.0f} m",
        fontsize=8.5,
        loc="left",
        fontweight="bold",
        color=INK,
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _table(fig: Figure, table: pd.DataFrame, rect) -> None:
    ax = fig.add_axes(rect)
    ax.axis("off")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig_h = fig.get_size_inches()[1]
    row_h_in = TABLE_ROW_IN
    max_rows = max(int(rect[3] * fig_h / row_h_in) - 1, 2)  # below the header
    n = len(table)
    shown = table if n <= max_rows else table.iloc[: max_rows - 1]
    cols = [
        ("No.", 0.00, "left"),
        ("Name", 0.05, "left"),
        ("Kind / note", 0.30, "left"),
        ("Lat (\u00b0)", 0.545, "right"),
        ("Lon (\u00b0)", 0.625, "right"),
        ("Zone", 0.69, "right"),
        ("UTM E (m)", 0.80, "right"),
        ("UTM N (m)", 0.90, "right"),
        ("km", 1.00, "right"),
    ]
    step = row_h_in / (rect[3] * fig_h)
    y = 1 - step / 2
    ax.text(0, 1 + step * 0.45, "Waypoints", fontsize=8.5, fontweight="bold", color=INK, va="bottom")
    ax.add_patch(Rectangle((-0.01, y - step / 2), 1.02, step, fc="#e6e6e6", ec="none"))
    for label, x, ha in cols:
        ax.text(x, y, label, fontsize=7, fontweight="bold", ha=ha, va="center", color=INK)
    for i, row in enumerate(shown.itertuples(index=False)):
        y -= step
        if i % 2:
            ax.add_patch(Rectangle((-0.01, y - step / 2), 1.02, step, fc="#f6f6f6", ec="none"))
        values = [
            str(row.no),
            _shorten(row.name),
            _shorten(f"{row.kind}" + (f": {row.note}" if row.note else ""), 21),
            f"{row.lat:.5f}",
            f"{row.lon:.5f}",
            str(row.utm_zone),
            f"{row.easting_m:.0f}",
            f"{row.northing_m:.0f}",
            f"{row.distance_km:.2f}",
        ]
        for (_, x, ha), v in zip(cols, values):
            ax.text(
                x, y, v, fontsize=7, ha=ha, va="center", color=INK, family="DejaVu Sans Mono" if ha == "right" else None
            )
    if len(shown) < n:
        y -= step
        ax.text(
            0.05,
            y,
            f"\u2026 {n - len(shown)} more waypoints (no. {len(shown) + 1}-{n}): see the waypoint CSV or GPX file",
            fontsize=7,
            style="italic",
            va="center",
            color=MUTED,
        )
    if n == 0:
        ax.text(0.05, y - step, "No waypoints.", fontsize=7, style="italic", va="center", color=MUTED)


def _footer(fig: Figure, patrol: Patrol, risk_given: bool) -> None:
    crs = patrol.crs
    epsg = crs.to_epsg()
    crs_txt = f"{crs.name} (EPSG:{epsg})" if epsg else crs.name
    lines = [
        f"* Expected risk covered: {RISK_UNIT}."
        + ("" if risk_given else " No risk background was given for this map."),
        "Coordinates: latitude/longitude in WGS 84; UTM easting/northing in metres (WGS 84), "
        "zone with its latitude band as GPS units show it.",
        f"Map grid: {_shorten(crs_txt, 70)}. The north arrow points to true north.",
    ]
    fig.add_artist(Line2D([0.05, 0.95], [0.044, 0.044], color="#cccccc", lw=0.6))
    for i, line in enumerate(lines):
        fig.text(0.05, 0.035 - i * 0.0105, line, fontsize=6.3, color=MUTED, va="center")
    fig.text(0.95, 0.0140, "Page 1 of 1", fontsize=6.3, color=MUTED, ha="right", va="center")


def _layout(n_rows: int, profile: bool, colour_bar: bool):
    """Rectangles (figure fractions) of the map, elevation profile and table below the header.

    The table gets the room its rows need (up to the page's limit); the map
    takes the rest, between 36 % and 50 % of the page height.
    """
    fig_h = A4_INCHES[1]
    top, bottom = 0.852, 0.058
    map_label, profile_h, profile_gap, table_title = 0.045, 0.085, 0.065, 0.022
    table_need = (n_rows + 1.5) * TABLE_ROW_IN / fig_h
    room = top - bottom - map_label - table_title - (profile_h + profile_gap if profile else 0.0)
    map_h = float(np.clip(room - table_need, 0.36, 0.50))
    map_rect = [0.075, top - map_h, 0.80 if colour_bar else 0.85, map_h]
    y = top - map_h - map_label
    profile_rect = None
    if profile:
        profile_rect = [0.085, y - 0.02 - profile_h, 0.865, profile_h]
        y = profile_rect[1] - profile_gap + 0.02
    table_rect = [0.05, bottom, 0.90, y - table_title - bottom]
    return map_rect, profile_rect, table_rect


# --- public -------------------------------------------------------------------
def sheet_figure(
    patrol: Patrol,
    risk=None,
    grid=None,
    boundary=None,
    park_name: str | None = None,
    risk_label: str | None = None,
) -> Figure:
    """The sheet as a matplotlib :class:`~matplotlib.figure.Figure` (A4 portrait).

    Parameters
    ----------
    patrol : Patrol
    risk : (rows, cols) array, optional
        Risk on ``grid``, drawn under the route with a colour bar.
    grid : layers.grid.Grid, optional
        Needed with ``risk``.
    boundary : shapely geometry, GeoSeries or GeoDataFrame, optional
        The park boundary in the patrol's CRS.
    park_name : str, optional
    risk_label : str, optional
        Colour bar label (with units); by default a probability when every
        value is within 0-1, else the values of the given raster.
    """
    with _sheet_style():
        fig = Figure(figsize=A4_INCHES)
        if risk is not None and risk_label is None:
            finite = np.asarray(risk, dtype=float)
            finite = finite[np.isfinite(finite)]
            risk_label = RISK_LABEL if finite.size == 0 or (finite.min() >= 0 and finite.max() <= 1) else REWARD_LABEL
        table = waypoint_table(patrol)
        elev = _elevations(patrol)
        _header(fig, patrol, park_name, len(table))
        map_rect, profile_rect, table_rect = _layout(len(table), elev is not None, risk is not None)
        _map(fig, patrol, table, map_rect, risk, grid, boundary, risk_label)
        if elev is not None:
            _profile(fig, patrol, table, profile_rect, elev)
        _table(fig, table, table_rect)
        _footer(fig, patrol, risk is not None)
    return fig


def sheet_pdf(
    patrol: Patrol,
    risk=None,
    grid=None,
    boundary=None,
    park_name: str | None = None,
    risk_label: str | None = None,
) -> bytes:
    """The sheet as the bytes of a one-page A4 PDF (see :func:`sheet_figure`)."""
    fig = sheet_figure(patrol, risk=risk, grid=grid, boundary=boundary, park_name=park_name, risk_label=risk_label)
    buf = io.BytesIO()
    metadata = {
        "Title": f"Patrol {patrol.patrol_id}",
        "Subject": f"{patrol.kind} patrol from {patrol.post}, team {patrol.team}, {pd.Timestamp(patrol.date).date()}",
        "Creator": "rhino-patrol planner",
        "CreationDate": None,
    }
    with _sheet_style():
        fig.savefig(buf, format="pdf", metadata=metadata)
    return buf.getvalue()


def sheet_png(patrol: Patrol, dpi: int = 100, **kwargs) -> bytes:
    """The sheet as PNG bytes (a preview for the app)."""
    fig = sheet_figure(patrol, **kwargs)
    buf = io.BytesIO()
    with _sheet_style():
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def sheet_filename(patrol: Patrol) -> str:
    """File name of a patrol's sheet: ``<patrol_id>_sheet.pdf``."""
    return f"{safe_name(patrol.patrol_id)}_sheet.pdf"
