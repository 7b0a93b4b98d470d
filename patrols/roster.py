"""The month roster: one PDF with a cover listing the plan's patrols by day and post, then every patrol's sheet.

The cover is a table with a row per day and a column per post; each cell
gives the roster pages of the teams' sheets that day (team 1 / team 2).  The sheets are the
same one-page PDFs as the per-patrol files (:func:`patrols.sheet.sheet_pdf`):
pass the ones already made (``sheets=``) and they are put together without
being drawn again, so a plan's zip and its roster cost one drawing per patrol.

Examples
--------
>>> pdf = roster_pdf_bytes(plan, park=park, risk=surface)  # doctest: +SKIP
>>> open("roster.pdf", "wb").write(pdf)  # doctest: +SKIP
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .defaults import ROSTER_DAYS_PER_COVER_PAGE, ROSTER_POSTS_PER_COVER_PAGE
from .errors import ExportError
from .labels import CREATOR, date_str
from .route import Patrol, Plan
from .sheet import A4_INCHES, FINDS_HELP, core_fonts_cover, sheet_context, sheet_pdf, sheet_rc
from .sheet_style import INK, MUTED, shorten

__all__ = ["ROSTER_NAME", "cover_page_count", "roster_order", "roster_pdf_bytes"]

ROSTER_NAME = "roster.pdf"
Progress = Callable[[float, str], None]


def roster_order(plan: Plan) -> list[Patrol]:
    """The plan's patrols in roster order: by day, then post, then team."""
    return sorted(plan.patrols, key=lambda p: (pd.Timestamp(p.date), str(p.post), int(p.team), str(p.patrol_id)))


def _cover_pages(plan: Plan, patrols: list[Patrol], first_sheet_page: int, park_name: str | None) -> list[Figure]:
    """The cover: a grid of days x posts giving each team's sheet page, split over pages when large."""
    days = sorted({pd.Timestamp(p.date).normalize() for p in patrols})
    posts = sorted({str(p.post) for p in patrols})
    page_of = {id(p): first_sheet_page + i for i, p in enumerate(patrols)}
    cell: dict[tuple, list[Patrol]] = {}
    for p in patrols:
        cell.setdefault((pd.Timestamp(p.date).normalize(), str(p.post)), []).append(p)
    day_chunks = [
        days[i : i + ROSTER_DAYS_PER_COVER_PAGE] for i in range(0, max(len(days), 1), ROSTER_DAYS_PER_COVER_PAGE)
    ]
    post_chunks = [
        posts[i : i + ROSTER_POSTS_PER_COVER_PAGE] for i in range(0, max(len(posts), 1), ROSTER_POSTS_PER_COVER_PAGE)
    ]
    n_pages = len(day_chunks) * len(post_chunks)
    km = sum(p.length_km for p in patrols)
    hours = sum(p.hours for p in patrols)
    figs = []
    for k, (dchunk, pchunk) in enumerate((d, c) for d in day_chunks for c in post_chunks):
        fig = Figure(figsize=A4_INCHES)
        if park_name:
            fig.text(0.05, 0.974, shorten(park_name, 80).upper(), fontsize=8.5, fontweight="bold", color=MUTED)
        fig.text(0.95, 0.974, "PATROL ROSTER", fontsize=8.5, fontweight="bold", color=MUTED, ha="right")
        end = pd.Timestamp(plan.start) + pd.Timedelta(days=max(int(plan.days), 1) - 1)
        fig.text(
            0.05,
            0.950,
            f"Patrols {date_str(plan.start)} to {date_str(end)}",
            fontsize=16,
            fontweight="bold",
            color=INK,
            va="baseline",
        )
        fig.text(
            0.05,
            0.933,
            f"{len(patrols)} patrols from {len(posts)} posts  \u00b7  {km:,.0f} km  \u00b7  {hours:,.0f} h on patrol  "
            f"\u00b7  {plan.total_risk:.1f} expected finds for the plan",
            fontsize=9.5,
            color=MUTED,
            va="baseline",
        )
        fig.add_artist(Line2D([0.05, 0.95], [0.922, 0.922], color=INK, lw=1.5))
        fig.text(
            0.05,
            0.905,
            "Each cell gives the pages of the teams' sheets that day from that post (team 1 / team 2 / ...). "
            "Every sheet has its map, waypoints and the way back to the post.",
            fontsize=7.5,
            color=INK,
        )
        top, bottom = 0.885, 0.06
        row_h = min((top - bottom) / (len(dchunk) + 1), 0.03)
        col_w = 0.78 / max(len(pchunk), 1)
        x_post = [0.17 + j * col_w for j in range(len(pchunk))]
        y = top - row_h / 2
        fig.text(0.05, y, "Day", fontsize=7.5, fontweight="bold", va="center", color=INK)
        for x, post in zip(x_post, pchunk):
            fig.text(x, y, shorten(post, max(int(col_w * 120), 6)), fontsize=7, fontweight="bold", va="center")
        fig.add_artist(Line2D([0.05, 0.95], [y - row_h / 2] * 2, color="#999999", lw=0.6))
        for i, day in enumerate(dchunk):
            y -= row_h
            if i % 2:
                fig.add_artist(Line2D([0.05, 0.95], [y, y], color="#f0f0f0", lw=row_h * A4_INCHES[1] * 72, zorder=0))
            fig.text(0.05, y, f"{day:%a} {day.day} {day:%b}", fontsize=7.5, va="center", color=INK)
            for x, post in zip(x_post, pchunk):
                items = sorted(cell.get((day, post), []), key=lambda p: int(p.team))
                text = " / ".join(str(page_of[id(p)]) for p in items) or "\u2013"
                fig.text(x, y, text, fontsize=7, va="center", color=INK if items else MUTED, family="monospace")
        fig.add_artist(Line2D([0.05, 0.95], [0.044, 0.044], color="#cccccc", lw=0.6))
        fig.text(0.05, 0.035, f"Expected finds: {FINDS_HELP}.", fontsize=5.8, color=MUTED, va="center", wrap=True)
        fig.text(0.95, 0.012, f"Cover page {k + 1} of {n_pages}", fontsize=6.3, color=MUTED, ha="right", va="center")
        figs.append(fig)
    return figs


def _cover_pdf(figs: list[Figure], title: str, core: bool) -> bytes:
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with sheet_rc(core), PdfPages(buf, metadata={"Title": title, "Creator": CREATOR, "CreationDate": None}) as pdf:
        for fig in figs:
            pdf.savefig(fig)
    return buf.getvalue()


def cover_page_count(plan: Plan) -> int:
    """How many cover pages the roster of ``plan`` opens with."""
    days = len({pd.Timestamp(p.date).normalize() for p in plan.patrols})
    posts = len({str(p.post) for p in plan.patrols})
    return max(math.ceil(days / ROSTER_DAYS_PER_COVER_PAGE), 1) * max(math.ceil(posts / ROSTER_POSTS_PER_COVER_PAGE), 1)


def roster_pdf_bytes(
    plan: Plan,
    park=None,
    risk=None,
    progress: Progress | None = None,
    sheets: dict[str, bytes] | None = None,
    landmarks=None,
) -> bytes:
    """The plan's roster: cover page(s) listing the patrols by day and post, then one page per patrol's sheet.

    Parameters
    ----------
    plan : Plan
    park : layers.park.Park, optional
        Gives the boundary, name and landmarks (roads, rivers, waterholes,
        fords, villages, terrain) of the sheets, and the grid of a bare ``risk``.
    risk : RiskSurface, (array, Grid) or array, optional
        The risk background of the sheets.
    progress : callable, optional
        ``progress(fraction, message)``, called as each sheet is drawn.
    sheets : dict of str to bytes, optional
        One-page sheet PDFs already made, by patrol id; the others are drawn.
    landmarks : patrols.landmarks.Landmarks, optional
        Built from ``park`` when not given.

    Returns
    -------
    bytes
        The PDF.

    Raises
    ------
    ExportError
        The plan has no patrol.
    """
    from pypdf import PdfReader, PdfWriter

    if not plan.patrols:
        raise ExportError("the plan has no patrol, so there is no roster to make; plan some patrols first")
    patrols = roster_order(plan)
    sheets = dict(sheets or {})
    context = None
    n = len(patrols)
    n_cover = cover_page_count(plan)
    writer = PdfWriter()
    for i, patrol in enumerate(patrols):
        data = sheets.get(patrol.patrol_id)
        if data is None:
            if context is None:
                context = sheet_context(park=park, risk=risk, landmarks=landmarks)
                context["park_name"] = context["park_name"] or plan.park
            data = sheet_pdf(patrol, **context)
        if progress is not None:
            progress(0.95 * (i + 1) / n, f"sheet of patrol {patrol.patrol_id} ({i + 1} of {n})")
        writer.add_page(PdfReader(io.BytesIO(data)).pages[0])
    park_name = getattr(park, "name", None) or plan.park
    core = core_fonts_cover(park_name, *(p.post for p in patrols))
    with sheet_rc(core):
        figs = _cover_pages(plan, patrols, n_cover + 1, park_name)
    cover = PdfReader(io.BytesIO(_cover_pdf(figs, "Patrol roster", core)))
    for k, page in enumerate(cover.pages):
        writer.insert_page(page, k)
    writer.add_metadata({"/Title": f"Patrol roster {plan.park} from {date_str(plan.start)}", "/Creator": CREATOR})
    buf = io.BytesIO()
    writer.write(buf)
    if progress is not None:
        progress(1.0, f"roster ready: {n_cover} cover page(s) and {n} sheets")
    return buf.getvalue()
