"""The printable one-page A4 sheet of a patrol (PDF, drawn with matplotlib's Agg/PDF backends).

Top to bottom: title (park, patrol, post, team, date, kind) and key figures
(distance, expected duration, expected risk covered); a map of the route over
the risk background and park boundary, with numbered waypoints, a UTM grid,
scale bar, north arrow (true north), legend and colour bar; the elevation
profile when elevations are known; the waypoint table (truncated with a note
when the route has more waypoints than fit on the page).

The map panel is drawn by :mod:`patrols.sheet_map`; this module lays out the
page and draws the header, profile, table and footer.

No pyplot: figures are built as :class:`matplotlib.figure.Figure` objects.
The few settings only rcParams carry (font, math parsing, PDF font type) are
set for the drawing and saving of one sheet at a time, under a lock: rcParams
are global, and the app draws sheets from several sessions' threads.
"""

from __future__ import annotations

import io
import textwrap
import threading
from contextlib import contextmanager

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .errors import ExportError
from .labels import safe_name, team_colour
from .landmarks import Landmarks, landmarks_from_park
from .navpoints import compass_point, route_bearings, with_navigation_waypoints
from .profile import along_km, elevations
from .route import Patrol
from .sheet_map import MapParts, draw_map
from .sheet_style import INK, MUTED, shorten
from .tables import waypoint_table

A4_INCHES = (8.27, 11.69)
RISK_LABEL = "Poaching risk (probability of attack, 0-1)"
REWARD_LABEL = "Reward (values of the given raster)"
TABLE_ROW_IN = 0.122  # height of a table line (inches)
FINDS_HELP = (
    "how many places with poaching sign (snares, carcasses, camps) this patrol is expected to find, "
    "from the risk map and the chance of seeing sign along the route"
)
# The PDF's own fonts (Helvetica, Courier: every reader has them, nothing is embedded, 2x faster to
# write), or DejaVu embedded as Type 3 when a name holds a letter they lack (see core_fonts_cover).
RC = {"text.parse_math": False, "font.family": "DejaVu Sans", "pdf.fonttype": 3}
RC_CORE = {
    "text.parse_math": False,
    "pdf.use14corefonts": True,
    "font.family": "sans-serif",
    "font.sans-serif": ["Helvetica", "DejaVu Sans"],
    "font.monospace": ["Courier", "DejaVu Sans Mono"],
}
_RC_LOCK = threading.RLock()  # one sheet at a time under RC (re-entrant: sheet_pdf draws, then saves)


@contextmanager
def sheet_rc(core: bool = False):
    """``RC`` (``RC_CORE`` with ``core``) in matplotlib's global rcParams, held by one thread at a time."""
    import logging

    import matplotlib as mpl

    quiet = logging.getLogger("matplotlib.font_manager")
    level = quiet.level
    with _RC_LOCK, mpl.rc_context(RC_CORE if core else RC):
        quiet.setLevel(logging.ERROR)  # "Helvetica not found" while a PNG preview falls back to DejaVu
        try:
            yield
        finally:
            quiet.setLevel(level)


def core_fonts_cover(*texts) -> bool:
    """Whether the PDF's own fonts (Windows-1252 letters) can write every one of ``texts``."""
    try:
        for text in texts:
            str(text).encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


# --- text helpers -------------------------------------------------------------
def _date_long(value) -> str:
    day = pd.Timestamp(value)
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}"


# --- the parts of the sheet (the map is in patrols.sheet_map) -----------------
def _header(fig: Figure, patrol: Patrol, park_name: str | None, n_wp: int) -> None:
    if park_name:
        fig.text(0.05, 0.974, shorten(park_name, 80).upper(), fontsize=8.5, fontweight="bold", color=MUTED)
    fig.text(0.95, 0.974, "PATROL SHEET", fontsize=8.5, fontweight="bold", color=MUTED, ha="right")
    title = f"Patrol {patrol.patrol_id}"
    size = 17 if len(title) <= 40 else 14 if len(title) <= 50 else 12
    fig.text(0.05, 0.953, shorten(title, 62), fontsize=size, fontweight="bold", color=INK, va="baseline")
    sub = (
        f"Post {shorten(patrol.post, 40)}   \u00b7   Team {patrol.team}   \u00b7   "
        f"{str(patrol.kind).capitalize()} patrol   \u00b7   {_date_long(patrol.date)}"
    )
    fig.text(0.05, 0.937, shorten(sub, 92), fontsize=10, color=MUTED, va="baseline")
    fig.add_artist(Line2D([0.05, 0.95], [0.927, 0.927], color=team_colour(patrol.team), lw=2.5))
    figures = [
        ("Distance", f"{patrol.length_km:.1f} km"),
        ("Expected duration", f"{patrol.hours:.1f} h"),
        ("Expected finds", f"{patrol.expected_risk:.2f}"),
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


def _profile(fig: Figure, patrol: Patrol, table: pd.DataFrame, rect, elev: np.ndarray) -> None:
    ax = fig.add_axes(rect)
    km = along_km(patrol)
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


TABLE_FONT = 6.4  # points, DejaVu Sans Mono: one text per line of the table keeps the PDF fast
# column header, width (characters), right-aligned?
TABLE_COLUMNS = (
    ("No.", 3, True),
    ("Name", 14, False),
    ("Kind", 10, False),
    ("Lat (\u00b0)", 9, True),
    ("Lon (\u00b0)", 9, True),
    ("Zone", 4, False),
    ("UTM E", 7, True),
    ("UTM N", 8, True),
    ("km", 5, True),
    ("Next", 15, False),
)
NOTE_CHARS = 34  # the note column wraps at this width


def _cell(text: str, width: int, right: bool) -> str:
    text = shorten(text, width)
    return text.rjust(width) if right else text.ljust(width)


def table_lines(table: pd.DataFrame, bearings: np.ndarray | None = None) -> list[list[str]]:
    """The waypoint table as fixed-width lines, one list of lines per waypoint (the note wrapped, never cut)."""
    rows = []
    km = table["distance_km"].to_numpy(dtype=float) if len(table) else np.zeros(0)
    for i, row in enumerate(table.itertuples(index=False)):
        nxt = ""
        if i + 1 < len(table):
            nxt = f"{km[i + 1] - km[i]:.1f} km"
            if bearings is not None and np.isfinite(bearings[i]):
                nxt += f" {compass_point(bearings[i])} {bearings[i]:03.0f}\u00b0"
        values = [
            str(row.no),
            str(row.name),
            str(row.kind),
            f"{row.lat:.5f}",
            f"{row.lon:.5f}",
            str(row.utm_zone),
            f"{row.easting_m:.0f}",
            f"{row.northing_m:.0f}",
            f"{row.distance_km:.2f}",
            nxt,
        ]
        head = "  ".join(_cell(v, w, r) for v, (_, w, r) in zip(values, TABLE_COLUMNS))
        note = textwrap.wrap(str(row.note or ""), NOTE_CHARS) or [""]
        pad = " " * len(head)
        rows.append([f"{head}  {note[0]}"] + [f"{pad}  {line}" for line in note[1:]])
    return rows


def _table(fig: Figure, table: pd.DataFrame, rect, bearings: np.ndarray | None = None) -> None:
    """The waypoint table in ``rect`` (figure fractions), drawn on the figure itself (an axes costs time)."""
    x0, y0, w, h = rect
    fig_h = fig.get_size_inches()[1]
    step = TABLE_ROW_IN / fig_h
    max_lines = max(int(h * fig_h / TABLE_ROW_IN) - 1, 2)  # below the header
    rows = table_lines(table, bearings)
    n = len(rows)
    shown, used = 0, 0
    for lines in rows:
        if used + len(lines) > max_lines - (1 if shown + 1 < n else 0):
            break
        shown, used = shown + 1, used + len(lines)
    mono = {"family": "monospace", "fontsize": TABLE_FONT, "va": "center", "color": INK}
    header = "  ".join(_cell(h, w, r) for h, w, r in TABLE_COLUMNS) + "  Note"
    top = y0 + h
    y = top - step / 2
    fig.text(x0, top + step * 0.45, "Waypoints", fontsize=8.5, fontweight="bold", color=INK, va="bottom")
    fig.add_artist(Rectangle((x0 - 0.005, y - step / 2), w + 0.01, step, fc="#e6e6e6", ec="none"))
    fig.text(x0, y, header, fontweight="bold", **mono)
    for i, lines in enumerate(rows[:shown]):
        if i % 2:
            band = Rectangle((x0 - 0.005, y - step * (len(lines) + 0.5)), w + 0.01, step * len(lines), fc="#f3f3f3")
            band.set_edgecolor("none")
            fig.add_artist(band)
        for line in lines:
            y -= step
            fig.text(x0, y, line, **mono)
    if shown < n:
        y -= step
        fig.text(
            x0,
            y,
            f"\u2026 {n - shown} more waypoints (no. {shown + 1}-{n}): see the waypoint CSV or GPX file",
            fontsize=7,
            style="italic",
            va="center",
            color=MUTED,
        )
    if n == 0:
        fig.text(x0, y - step, "No waypoints.", fontsize=7, style="italic", va="center", color=MUTED)


def _footer(fig: Figure, patrol: Patrol, risk_given: bool) -> None:
    crs = patrol.crs
    epsg = crs.to_epsg()
    crs_txt = f"{crs.name} (EPSG:{epsg})" if epsg else crs.name
    lines = [
        f"Expected finds: {FINDS_HELP}." + ("" if risk_given else " No risk map was given for this sheet."),
        "Coordinates: latitude/longitude in WGS 84; UTM easting/northing in metres (WGS 84), zone with its latitude "
        "band as GPS units show it. Next: distance along the route to the next waypoint and the true bearing to set off on.",
        f"Map grid: {shorten(crs_txt, 70)}. The north arrow points to true north. Shading shows the terrain, lit from the north-west.",
    ]
    fig.add_artist(Line2D([0.05, 0.95], [0.047, 0.047], color="#cccccc", lw=0.6))
    for i, line in enumerate(lines):
        for j, part in enumerate(textwrap.wrap(line, 150)):
            fig.text(0.05, 0.039 - (i * 2 + j) * 0.0082, part, fontsize=5.8, color=MUTED, va="center")
    fig.text(
        0.95, 0.0065, f"Patrol {shorten(patrol.patrol_id, 60)}", fontsize=6.3, color=MUTED, ha="right", va="center"
    )


def _layout(n_lines: int, profile: bool, colour_bar: bool):
    """Rectangles (figure fractions) of the map, its legend, the elevation profile and the table below the header.

    The table gets the room its lines need (up to the page's limit); the map
    takes the rest, between 30 % and 48 % of the page height.
    """
    fig_h = A4_INCHES[1]
    top, bottom = 0.852, 0.062
    legend_h, profile_h, profile_gap, table_title = 0.088, 0.068, 0.052, 0.02
    table_need = (n_lines + 1.5) * TABLE_ROW_IN / fig_h
    room = top - bottom - legend_h - table_title - (profile_h + profile_gap if profile else 0.0)
    map_h = float(np.clip(room - table_need, 0.29, 0.48))
    map_rect = [0.075, top - map_h, 0.80 if colour_bar else 0.84, map_h]
    legend_rect = [0.075, top - map_h - legend_h + 0.002, 0.875, legend_h - 0.036]
    y = top - map_h - legend_h
    profile_rect = None
    if profile:
        profile_rect = [0.085, y - 0.02 - profile_h, 0.865, profile_h]
        y = profile_rect[1] - profile_gap + 0.02
    table_rect = [0.05, bottom, 0.90, y - table_title - bottom]
    return map_rect, legend_rect, profile_rect, table_rect


# --- public -------------------------------------------------------------------
def sheet_context(park=None, risk=None, landmarks: Landmarks | None = None) -> dict:
    """The keyword arguments of :func:`sheet_pdf` shared by every sheet of a plan, read once.

    Parameters
    ----------
    park : layers.park.Park, optional
        Gives the boundary, the name, the landmarks and the grid of a bare ``risk`` array.
    risk : RiskSurface, (array, Grid) or array, optional
        The risk background.
    landmarks : Landmarks, optional
        Built from ``park`` (:func:`patrols.landmarks.landmarks_from_park`) when not given.

    Raises
    ------
    ExportError
        A bare risk array without a park.
    """
    grid = getattr(park, "grid", None)
    array = None
    if risk is not None:
        if hasattr(risk, "risk") and hasattr(risk, "grid"):  # a riskmodel RiskSurface
            array, grid = np.asarray(risk.risk, dtype=float), risk.grid
        elif isinstance(risk, tuple) and len(risk) == 2:  # (array, grid)
            array, grid = np.asarray(risk[0], dtype=float), risk[1]
        else:
            array = np.asarray(risk, dtype=float)
            if grid is None:
                raise ExportError("a bare risk array needs the park (for its grid); pass park= or a RiskSurface")
    boundary = getattr(park, "boundary", None)
    if boundary is not None and hasattr(boundary, "union_all"):
        boundary = boundary.union_all()
    if landmarks is None and park is not None:
        landmarks = landmarks_from_park(park)
    return {
        "risk": array,
        "grid": grid,
        "boundary": boundary,
        "park_name": getattr(park, "name", None),
        "landmarks": landmarks,
    }


def sheet_parts(
    patrol: Patrol,
    risk=None,
    grid=None,
    boundary=None,
    park_name: str | None = None,
    risk_label: str | None = None,
    landmarks: Landmarks | None = None,
    core: bool | None = None,
) -> tuple[Figure, MapParts]:
    """The sheet as a matplotlib :class:`~matplotlib.figure.Figure` (A4 portrait) and what its map drew.

    Parameters
    ----------
    patrol : Patrol
        Its waypoints get the turn points and checkpoints of
        :func:`patrols.navpoints.with_navigation_waypoints`, as in every field file.
    risk : (rows, cols) array, optional
        Risk on ``grid``, drawn faintly under the route with a colour bar.
    grid : layers.grid.Grid, optional
        Needed with ``risk``.
    boundary : shapely geometry, GeoSeries or GeoDataFrame, optional
        The park boundary in the patrol's CRS.
    park_name : str, optional
    risk_label : str, optional
        Colour bar label (with units); by default a probability when every
        value is within 0-1, else the values of the given raster.
    landmarks : Landmarks, optional
        Roads, rivers, waterholes, fords, villages and terrain
        (:func:`patrols.landmarks.landmarks_from_park`, built once per plan).
    core : bool, optional
        Write with the PDF's own fonts (by default when they have every letter
        of the sheet, see :func:`core_fonts_cover`).
    """
    if core is None:
        core = uses_core_fonts(patrol, park_name, landmarks)
    with sheet_rc(core):
        fig = Figure(figsize=A4_INCHES)
        if risk is not None and risk_label is None:
            finite = np.asarray(risk, dtype=float)
            finite = finite[np.isfinite(finite)]
            risk_label = RISK_LABEL if finite.size == 0 or (finite.min() >= 0 and finite.max() <= 1) else REWARD_LABEL
        patrol = with_navigation_waypoints(patrol)
        table = waypoint_table(patrol, navigation=False)
        bearings = route_bearings(patrol, table["distance_km"].to_numpy(dtype=float)) if len(table) else None
        n_lines = sum(len(lines) for lines in table_lines(table, bearings))
        elev = elevations(patrol)
        _header(fig, patrol, park_name, len(table))
        map_rect, legend_rect, profile_rect, table_rect = _layout(n_lines, elev is not None, risk is not None)
        parts = draw_map(fig, patrol, table, map_rect, risk, grid, boundary, risk_label, landmarks, legend_rect)
        if elev is not None:
            _profile(fig, patrol, table, profile_rect, elev)
        _table(fig, table, table_rect, bearings)
        _footer(fig, patrol, risk is not None)
    return fig, parts


def uses_core_fonts(patrol: Patrol, park_name: str | None = None, landmarks: Landmarks | None = None) -> bool:
    """Whether a sheet of ``patrol`` can be written with the PDF's own fonts (every name in Windows-1252)."""
    texts = [park_name or "", patrol.patrol_id, patrol.post, *(w.name + w.note for w in patrol.waypoints)]
    return core_fonts_cover(*texts) and (landmarks is None or landmarks.cp1252)


def sheet_figure(patrol: Patrol, **kwargs) -> Figure:
    """The sheet as a matplotlib :class:`~matplotlib.figure.Figure` (A4 portrait); see :func:`sheet_parts`."""
    return sheet_parts(patrol, **kwargs)[0]


def sheet_pdf(
    patrol: Patrol,
    risk=None,
    grid=None,
    boundary=None,
    park_name: str | None = None,
    risk_label: str | None = None,
    landmarks: Landmarks | None = None,
) -> bytes:
    """The sheet as the bytes of a one-page A4 PDF (see :func:`sheet_parts`)."""
    core = uses_core_fonts(patrol, park_name, landmarks)
    fig, _ = sheet_parts(
        patrol,
        risk=risk,
        grid=grid,
        boundary=boundary,
        park_name=park_name,
        risk_label=risk_label,
        landmarks=landmarks,
        core=core,
    )
    buf = io.BytesIO()
    metadata = {
        "Title": f"Patrol {patrol.patrol_id}",
        "Subject": f"{patrol.kind} patrol from {patrol.post}, team {patrol.team}, {pd.Timestamp(patrol.date).date()}",
        "Creator": "rhino-patrol planner",
        "CreationDate": None,
    }
    with sheet_rc(core):
        fig.savefig(buf, format="pdf", metadata=metadata)
    return buf.getvalue()


def sheet_png(patrol: Patrol, dpi: int = 100, **kwargs) -> bytes:
    """The sheet as PNG bytes (a preview for the app)."""
    fig = sheet_figure(patrol, **{"core": False, **kwargs})  # Agg draws with DejaVu
    buf = io.BytesIO()
    with sheet_rc():
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def sheet_filename(patrol: Patrol) -> str:
    """File name of a patrol's sheet: ``<patrol_id>_sheet.pdf``."""
    return f"{safe_name(patrol.patrol_id)}_sheet.pdf"
