"""The monthly manager report (PDF) and its key figures.

Pages: (1) key figures of the month against the previous month and the same
month last year, and the effort-adjusted trend statement; (2) the month's
incidents and patrol tracks on a map, next month's risk map and the plan
summary when a plan is given; (3) indicator charts, each with the effort
beside it; (4) the case funnel and the open cases.

The report reads the park and writes only the file it is asked for (``out``);
nothing is written into the park folder.

Examples
--------
>>> summary = monthly_report(park, "2026-09", "report.pdf")  # doctest: +SKIP
>>> summary.key_figures.head()  # doctest: +SKIP
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from layers.defaults import COL_TIME, COL_TRACK

from .defaults import FIND_TYPES, PARK_WIDE, REPORT_RISK_MODEL, REPORT_TREND_MONTHS, REPORT_TREND_WINDOW
from .errors import MonitoringError, ReportError
from .indicators import compute_indicators, indicator_value
from .register import Register
from .trend import Trend, indicator_trend

__all__ = [
    "KEY_FIGURES",
    "ReportSummary",
    "format_figure",
    "key_figures",
    "monthly_report",
    "parse_month",
    "period_figure",
    "plan_summary",
]

Progress = Callable[[float, str], None] | None

# (label, indicator, breakdown or a list of breakdowns summed, unit, decimals)
KEY_FIGURES = (
    ("Finds (snares, carcasses, camps)", "incidents", [f"type={t}" for t in FIND_TYPES], "finds", 0),
    ("Snares found", "incidents", "type=snare", "incidents", 0),
    ("Elephant carcasses", "carcasses", "species=elephant", "carcasses", 0),
    ("Rhino carcasses", "carcasses", "species=rhino", "carcasses", 0),
    ("PIKE (illegal / all elephant carcasses)", "pike", "species=elephant", "proportion", 2),
    ("Patrol distance", "patrol_km", "", "km", 0),
    ("Patrols", "patrols", "", "patrols", 0),
    ("Patrol-days", "patrol_days", "", "patrol-days", 0),
    ("Patrol hours", "patrol_hours", "", "h", 0),
    ("Finds per 100 km", "cpue_100km", "type=finds", "per 100 km", 2),
    ("Finds per patrol-day", "cpue_patrol_day", "type=finds", "per patrol-day", 3),
    ("Seizures", "seizures", None, "seizures", 0),
    ("People arrested", "people_arrested", "", "people", 0),
    ("Cases opened", "cases_opened", "", "cases", 0),
    ("Convictions", "case_outcomes", "outcome=convicted", "cases", 0),
)


def parse_month(month) -> pd.Period:
    """A month as ``pandas.Period`` from ``"YYYY-MM"`` (or a date); :class:`ReportError` when it is not one."""
    text = str(month).strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}(-\d{2}.*)?", text):
            raise ValueError(text)
        return pd.Period(text[:7], freq="M")
    except (ValueError, TypeError) as exc:
        raise ReportError(f"{month!r} is not a month. Fix: write the month as YYYY-MM, e.g. 2026-09") from exc


def format_figure(value: float, decimals: int) -> str:
    """How a key figure is printed: ``-`` for no value, thousands separated."""
    if value is None or not np.isfinite(value):
        return "-"
    return f"{value:,.{decimals}f}"


def period_figure(table: pd.DataFrame, indicator: str, breakdown, period: str, section: str = PARK_WIDE) -> float:
    """One figure of an indicator table: the value of a breakdown, the sum of a list of breakdowns, or (``None``)
    of every breakdown; NaN when the table has no such row (PIKE of a period without carcasses is NaN too)."""
    if breakdown is None or isinstance(breakdown, list):
        rows = table[(table.indicator == indicator) & (table.period == period) & (table.section == section)]
        if isinstance(breakdown, list):
            rows = rows[rows.breakdown.isin(breakdown)]
        return float(rows["value"].sum()) if len(rows) else float("nan")
    return indicator_value(table, indicator, period, section, breakdown)


def key_figures(table: pd.DataFrame, month) -> pd.DataFrame:
    """Key figures of ``month`` against the previous month and the same month last year.

    Parameters
    ----------
    table : pandas.DataFrame
        A monthly indicator table (:func:`monitoring.indicators.compute_indicators`).
    month : str or pandas.Period
        ``"YYYY-MM"``.

    Returns
    -------
    pandas.DataFrame
        ``figure, unit, month, previous_month, last_year`` (floats, NaN where the
        table holds no such period) and the same three as printed text
        (``month_text``...).
    """
    p = parse_month(month)
    cols = {"month": str(p), "previous_month": str(p - 1), "last_year": str(p - 12)}
    table = table[(table["section"] == PARK_WIDE).to_numpy() & table["period"].isin(list(cols.values())).to_numpy()]
    rows = []
    for label, ind, b, unit, dec in KEY_FIGURES:
        row = {"figure": label, "unit": unit}
        for key, period in cols.items():
            v = period_figure(table, ind, b, period) if period in set(table["period"]) else float("nan")
            row[key] = v
            row[f"{key}_text"] = format_figure(v, dec)
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class ReportSummary:
    """What :func:`monthly_report` wrote and the figures it printed."""

    path: Path
    month: str
    key_figures: pd.DataFrame
    trend: Trend | None
    open_cases: pd.DataFrame
    pages: int = 0
    notes: list[str] = field(default_factory=list)
    pdf: bytes = b""


def _month_slice(frame, p: pd.Period):
    if frame is None or not len(frame):
        return frame
    t = pd.to_datetime(frame[COL_TIME], utc=True)
    start = p.start_time.tz_localize("UTC")
    end = (p + 1).start_time.tz_localize("UTC")
    return frame[((t >= start) & (t < end)).to_numpy()]


def _image(fig, width_cm: float):
    from reportlab.lib.units import cm
    from reportlab.platypus import Image

    from .charts import figure_png

    png = figure_png(fig)
    w, h = fig.get_size_inches()
    return Image(io.BytesIO(png), width=width_cm * cm, height=width_cm * cm * h / w)


def _table(data: list[list[str]], widths_cm: list[float], header: bool = True, font: int = 8):
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import Table, TableStyle

    t = Table(data, colWidths=[w * cm for w in widths_cm], repeatRows=1 if header else 0)
    style = [
        ("FONTSIZE", (0, 0), (-1, -1), font),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        style.append(("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"))
    t.setStyle(TableStyle(style))
    return t


def plan_summary(plan) -> pd.DataFrame:
    """Patrols, km, hours and expected risk covered per post of a :class:`patrols.route.Plan`."""
    s = plan.summary()
    if not len(s):
        return pd.DataFrame(columns=["post", "patrols", "km", "hours", "expected_risk"])
    return (
        s.groupby("post", sort=True)
        .agg(
            patrols=("patrol", "size"), km=("km", "sum"), hours=("hours", "sum"), expected_risk=("expected_risk", "sum")
        )
        .reset_index()
    )


def monthly_report(
    park,
    month,
    out: str | Path | None,
    register: Register | None = None,
    steps=None,
    risk=None,
    plan=None,
    fit_risk: bool = True,
    risk_model: str = REPORT_RISK_MODEL,
    mike=None,
    progress: Progress = None,
    exact_locations: bool = False,
) -> ReportSummary:
    """Write the monthly manager report of ``month`` as a PDF.

    Parameters
    ----------
    park : layers.park.Park
    month : str
        ``"YYYY-MM"``.
    out : str or Path or None
        The PDF to write (not inside the park folder unless the user asks for it);
        ``None`` writes nothing (the PDF is in ``ReportSummary.pdf``).
    register : Register, optional
        The park's register (with edits applied); loaded from ``park`` when omitted.
    steps : monitoring.effort.EffortSteps, optional
        Patrol steps; computed from ``park.tracks`` when omitted.
    risk : riskmodel.surface.RiskSurface, optional
        Next month's risk map; fitted (``risk_model``, trained up to the end of
        ``month``) when omitted and ``fit_risk`` is true.
    plan : patrols.route.Plan, optional
        A patrol plan for next month, summarised per post when given.
    mike : pandas.DataFrame, optional
        A MIKE site's PIKE per year (:func:`monitoring.mike.mike_pike`) drawn beside the park's.
    progress : callable, optional
        ``progress(fraction, message)``.
    exact_locations : bool
        The report is meant for the park's authority, outside the park: by default
        the park's sensitive layers (``[access] sensitive``: incidents, carcasses...)
        are drawn generalised to its coarse grid (``[access] generalise_m``, 5 km),
        the risk map is averaged over blocks of that grid, and sensitive patrol
        tracks are left out.  ``True`` draws exact places: the caller checks that
        a manager asked for it and records the choice (:mod:`access.audit`).

    Returns
    -------
    ReportSummary
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer

    from . import charts
    from .effort import effort_steps
    from .register import load_register

    say = progress or (lambda f, m: None)
    p = parse_month(month)
    out = Path(out) if out is not None else None
    if out is None:
        pass
    elif out.suffix.lower() != ".pdf":
        raise ReportError(f"{out}: the report is a PDF. Fix: give a file name ending in .pdf")
    elif not out.parent.exists():
        raise ReportError(f"{out.parent}: no such folder. Fix: create it or write the report elsewhere")
    say(0.0, "reading the register")
    register = register if register is not None else load_register(park)
    if steps is None:
        say(0.05, "patrol effort from the GPS tracks")
        steps = effort_steps(park.tracks, register.section_codes)
    say(0.2, "indicators")
    first = p - (REPORT_TREND_MONTHS - 1)
    table = compute_indicators(
        register, steps, "month", start=first.start_time, end=(p + 1).start_time - pd.Timedelta("1s")
    )
    if str(p) not in set(table["period"]):
        raise ReportError(f"{park.name}: no data for {p}. Fix: choose a month the register covers")
    figures = key_figures(table, p)
    trend = None
    notes: list[str] = []
    try:
        trend = indicator_trend(table, window=REPORT_TREND_WINDOW, until=str(p))
    except MonitoringError as exc:  # too short a history: the report says so instead
        notes.append(f"no trend statement: {exc}")
    cases = register.case_summary()
    open_cases = cases[
        (cases["status"] == "open")
        & (pd.to_datetime(cases["opened"], utc=True) < (p + 1).start_time.tz_localize("UTC"))
    ]

    if risk is None and fit_risk:
        say(0.35, f"fitting next month's risk map ({risk_model})")
        from layers.errors import LayersError
        from riskmodel.errors import RiskModelError
        from riskmodel.surface import fit_risk as fit

        try:
            risk = fit(park, train_until=((p + 1).start_time - pd.Timedelta("1D")).date(), horizon_months=1,
                       model=risk_model)  # fmt: skip
        except (RiskModelError, LayersError) as exc:  # a park too young for a model still gets its report
            notes.append(f"no risk map: {exc}")
    cell_m = cell = None  # incidents' grid; the risk map's blocks
    tracks_hidden = False
    if not exact_locations:
        from access.generalise import generalise_cell, is_sensitive, sensitive_patterns

        patterns = sensitive_patterns(park)
        cell = generalise_cell(park)
        cell_m = cell if is_sensitive("incidents", patterns) else None
        tracks_hidden = is_sensitive("tracks", patterns) or is_sensitive("patrol_tracks", patterns)
        if tracks_hidden:
            notes.append("patrol tracks are left out of the maps (a sensitive layer of this park)")
        notes.append(
            f"places are generalised to a {cell / 1000:g} km grid for readers outside the park "
            "(incident counts per cell; risk averaged over blocks)"
        )
    say(0.75, "drawing the pages")
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story = [
        Paragraph(f"{register.name}: monthly report, {p.strftime('%B %Y')}", styles["Title"]),
        Paragraph(
            f"Key figures of {p} against {p - 1} and {p - 12}. Patrol effort from cleaned GPS tracks; "
            "finds are snares, elephant and rhino carcasses and poacher camps.",
            small,
        ),
        Spacer(1, 0.3 * cm),
    ]
    data = [["Figure", "Unit", str(p), str(p - 1), str(p - 12)]]
    for _, r in figures.iterrows():
        data.append([r.figure, r.unit, r.month_text, r.previous_month_text, r.last_year_text])
    story.append(_table(data, [7.0, 2.6, 2.2, 2.2, 2.2]))
    story.append(Spacer(1, 0.4 * cm))
    pike = table[(table.indicator == "pike") & (table.period == str(p)) & (table.section == PARK_WIDE)]
    if len(pike) and pike["denominator"].iloc[0] > 0:
        r = pike.iloc[0]
        story.append(Paragraph(
            f"PIKE this month: {int(r.numerator)} illegal of {int(r.denominator)} elephant carcasses = {r.value:.2f} "
            f"(95 % Wilson interval {r.lower:.2f}-{r.upper:.2f}).", small))  # fmt: skip
    if trend is not None:
        story.append(Paragraph(
            f"<b>Trend</b> ({trend.periods_after[0]} to {trend.periods_after[-1]} against "
            f"{trend.periods_before[0]} to {trend.periods_before[-1]}, effort-adjusted Poisson regression): "
            f"{trend.statement}.", small))  # fmt: skip
    for n in notes:
        story.append(Paragraph(n, small))
    # per section, this month
    names = [s for s in pd.unique(table["section"]) if s != PARK_WIDE]
    if names:
        story.append(Spacer(1, 0.3 * cm))
        story.append(
            Paragraph(
                f"By {('section' if register.section_kind == 'sections' else 'nearest post')}, {p}", styles["Heading4"]
            )
        )
        rows = [["", "Finds", "Patrol km", "Patrol-days", "Finds / 100 km", "Arrested"]]
        this = table[table["period"] == str(p)]
        for s in names:
            finds = sum(indicator_value(this, "incidents", str(p), s, f"type={t}") for t in FIND_TYPES)
            rows.append([
                s,
                format_figure(finds, 0),
                format_figure(indicator_value(this, "patrol_km", str(p), s), 0),
                format_figure(indicator_value(this, "patrol_days", str(p), s), 0),
                format_figure(indicator_value(this, "cpue_100km", str(p), s, "type=finds"), 2),
                format_figure(indicator_value(this, "people_arrested", str(p), s), 0),
            ])  # fmt: skip
        story.append(_table(rows, [5.2, 2.0, 2.4, 2.4, 2.8, 2.0]))
    story.append(PageBreak())

    month_inc = _month_slice(register.incidents, p)
    tracks = _month_slice(park.tracks, p) if park.tracks is not None else None
    if tracks is not None and len(tracks) > 200_000:
        tracks = tracks.iloc[:: int(np.ceil(len(tracks) / 200_000))]
    if tracks is not None and len(tracks) and COL_TRACK in tracks:
        tracks = tracks.sort_values([COL_TRACK, COL_TIME], kind="stable")
    km = indicator_value(table, "patrol_km", str(p))
    story.append(Paragraph(f"Incidents and patrols, {p}", styles["Heading3"]))
    if tracks_hidden:
        tracks = None
    fig = charts.month_map(register, month_inc, tracks, size=(7.5, 5.2), cell_m=cell_m,
                           title=f"{len(month_inc)} incident{'' if len(month_inc) == 1 else 's'}; {format_figure(km, 0)} km of patrol")  # fmt: skip
    story.append(_image(fig, 16.0))
    if risk is not None:
        story.append(Paragraph(f"Risk of an attack, {p + 1}", styles["Heading3"]))
        model = getattr(risk, "model", "")
        fig = charts.risk_map(risk, register.boundary, register.posts, size=(7.5, 4.6), cell_m=cell,
                              title=f"Next month's risk ({model} model, trained to the end of {p})")  # fmt: skip
        story.append(_image(fig, 14.0))
    if plan is not None:
        ps = plan_summary(plan)
        rows = [["Post", "Patrols", "km", "hours", "expected risk covered"]]
        for _, r in ps.iterrows():
            rows.append([str(r.post), f"{int(r.patrols)}", f"{r.km:,.1f}", f"{r.hours:,.1f}", f"{r.expected_risk:.3f}"])
        heading = Paragraph(f"Patrol plan from {plan.start} for {plan.days} days", styles["Heading4"])
        story.append(KeepTogether([heading, _table(rows, [6, 2.2, 2.2, 2.2, 4])]))  # never split over two pages
    story.append(PageBreak())

    story.append(Paragraph(f"Indicators, {first} to {p}", styles["Heading3"]))
    for fig in (
        charts.incidents_effort_chart(table, size=(7.5, 2.9)),
        charts.cpue_chart(table, size=(7.5, 2.5)),
        charts.pike_chart(table, mike=mike, size=(7.5, 2.5)),
        charts.seizures_chart(table, size=(7.5, 2.5)),
    ):
        story.append(_image(fig, 17.5))
    story.append(PageBreak())
    story.append(Paragraph("Cases", styles["Heading3"]))
    story.append(_image(charts.case_funnel_chart(cases, size=(7.5, 2.2)), 17.5))
    conv = table[(table.indicator == "conviction_rate") & (table.section == PARK_WIDE)]
    k, n = conv["numerator"].sum(), conv["denominator"].sum()
    dtv = cases["days_to_verdict"].dropna() if len(cases) else pd.Series(dtype=float)
    story.append(Paragraph(
        f"Cases closed {first} to {p}: {int(n)}, of which {int(k)} convicted"
        + (f" (conviction rate {k / n:.2f})" if n else "")
        + (f"; median {dtv.median():.0f} days from arrest to verdict over {len(dtv)} verdicts (all time)." if len(dtv)
           else "."), small))  # fmt: skip
    story.append(Paragraph(f"Open cases at the end of {p}: {len(open_cases)}", styles["Heading4"]))
    if len(open_cases):
        rows = [["Case", "Section / post", "Arrest", "Opened", "Charged", "Days open", "Items"]]
        end = (p + 1).start_time.tz_localize("UTC")
        for _, r in open_cases.sort_values("opened").iterrows():
            opened = pd.Timestamp(r.opened)
            rows.append([
                str(r.case_ref), str(r.section)[:22], _day(r.arrest_date), _day(r.opened), _day(r.charged),
                f"{(end - opened).days:,}" if pd.notna(opened) else "-", str(r["items"] or "")[:24],
            ])  # fmt: skip
        story.append(_table(rows, [2.6, 3.8, 2.2, 2.2, 2.2, 1.8, 3.2], font=7))

    pages = [0]

    def count(canvas, doc):
        pages[0] = canvas.getPageNumber()
        canvas.setFont("Helvetica", 7)
        canvas.drawRightString(A4[0] - 1.5 * cm, 1.0 * cm, f"{register.name}, {p}: page {canvas.getPageNumber()}")

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=1.5 * cm, rightMargin=1.5 * cm, topMargin=1.5 * cm,
                            bottomMargin=1.5 * cm, title=f"{register.name} monthly report {p}")  # fmt: skip
    doc.build(story, onFirstPage=count, onLaterPages=count)
    try:
        if out is not None:
            out.write_bytes(buf.getvalue())
    except OSError as exc:
        raise ReportError(
            f"{out}: cannot be written ({exc.strerror or exc}). Fix: choose a folder you can write to"
        ) from exc
    say(1.0, f"wrote {out} ({pages[0]} pages)" if out is not None else f"report of {pages[0]} pages")
    return ReportSummary(out, str(p), figures, trend, open_cases, pages[0], notes, buf.getvalue())


def _day(value) -> str:
    return "-" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
