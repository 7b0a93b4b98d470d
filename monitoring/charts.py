"""Charts of the indicators and maps of a month, as matplotlib figures (no pyplot state; used by the report and the page).

Every trend chart puts the patrol effort beside the counts (a second axis or
a panel), since more finds after more patrolling is no evidence of more
poaching; every map has a legend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from layers.defaults import COL_NAME, COL_TYPE, SEIZURE_ITEMS

from .defaults import EFFORT_COLOUR, PARK_WIDE, REGISTER_TYPES, RISK_CLASS_COLOURS, RISK_CLASS_LABELS, TYPE_COLOURS
from .indicators import indicator_series

__all__ = [
    "case_funnel_chart",
    "cpue_chart",
    "figure_png",
    "incidents_effort_chart",
    "month_map",
    "pike_chart",
    "risk_map",
    "seizures_chart",
]


def figure_png(fig: Figure, dpi: int = 130) -> bytes:
    """A figure as PNG bytes."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _ticks(ax, labels: list[str], every: int | None = None) -> None:
    n = len(labels)
    every = every or max(1, int(np.ceil(n / 12)))
    pos = list(range(0, n, every))
    ax.set_xticks(pos)
    ax.set_xticklabels([labels[i] for i in pos], rotation=45, ha="right", fontsize=7)


def _legend(fig: Figure, handles, labels, ncol: int) -> None:
    """The legend of a trend chart, below its axes (never over the data)."""
    fig.legend(handles, labels, loc="outside lower center", ncol=ncol, fontsize=7, frameon=False)


def _label(t: str) -> str:
    return t.replace("_", " ")


def incidents_effort_chart(table: pd.DataFrame, section: str = PARK_WIDE, types=None, size=(7.5, 3.2)) -> Figure:
    """Incidents per type and period (stacked bars) with the patrol km beside them (line, right axis)."""
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    periods = list(pd.unique(table["period"]))
    x = np.arange(len(periods))
    bottom = np.zeros(len(periods))
    types = [t for t in (types or REGISTER_TYPES)]
    for t in types:
        v = indicator_series(table, "incidents", f"type={t}", section).fillna(0).to_numpy()
        if v.sum() == 0:
            continue
        ax.bar(x, v, bottom=bottom, color=TYPE_COLOURS.get(t, "#999999"), label=_label(t), width=0.8)
        bottom += v
    ax.set_ylabel("incidents")
    km = indicator_series(table, "patrol_km", "", section)
    handles, labels = ax.get_legend_handles_labels()
    if km.notna().any():
        ax2 = ax.twinx()
        ax2.plot(x, km.to_numpy(), color=EFFORT_COLOUR, lw=2, marker="o", ms=3)
        ax2.set_ylabel("patrol km", color=EFFORT_COLOUR)
        ax2.set_ylim(bottom=0)
        handles.append(Line2D([], [], color=EFFORT_COLOUR, lw=2, marker="o", ms=3))
        labels.append("patrol km (right axis)")
    _legend(fig, handles, labels, 5)
    ax.set_ylim(0, max(1.0, bottom.max()) * 1.05)
    _ticks(ax, periods)
    ax.set_title("Incidents per type, with the patrol effort beside them", fontsize=9)
    return fig


def cpue_chart(table: pd.DataFrame, section: str = PARK_WIDE, size=(7.5, 2.8)) -> Figure:
    """Finds per 100 km and per patrol-day (left), with patrol-days (bars, right axis)."""
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    periods = list(pd.unique(table["period"]))
    x = np.arange(len(periods))
    days = indicator_series(table, "patrol_days", "", section).fillna(0).to_numpy()
    ax2 = ax.twinx()
    ax2.bar(x, days, color=EFFORT_COLOUR, alpha=0.25, width=0.8)
    ax2.set_ylabel("patrol-days", color=EFFORT_COLOUR)
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    c100 = indicator_series(table, "cpue_100km", "type=finds", section).to_numpy()
    cday = indicator_series(table, "cpue_patrol_day", "type=finds", section).to_numpy()
    ax.plot(x, c100, color="#b2182b", lw=2, marker="o", ms=3, label="finds per 100 km")
    ax.plot(x, cday * 10, color="#ef8a62", lw=1.5, ls="--", label="finds per 10 patrol-days")
    ax.set_ylabel("finds per unit effort")
    ax.set_ylim(bottom=0)
    _legend(
        fig,
        [*ax.get_legend_handles_labels()[0], Patch(color=EFFORT_COLOUR, alpha=0.25)],
        [*ax.get_legend_handles_labels()[1], "patrol-days (right axis)"],
        3,
    )
    _ticks(ax, periods)
    ax.set_title("Catch per unit effort (finds: snares, carcasses, camps)", fontsize=9)
    return fig


def pike_chart(table: pd.DataFrame, section: str = PARK_WIDE, mike=None, size=(7.5, 2.8)) -> Figure:
    """PIKE per period with its 95 % Wilson interval and the carcass counts; optionally a MIKE site's PIKE per year."""
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    periods = list(pd.unique(table["period"]))
    x = np.arange(len(periods))
    rows = table[(table.indicator == "pike") & (table.section == section)].set_index("period").reindex(periods)
    ok = rows["denominator"].fillna(0).to_numpy() > 0
    ax2 = ax.twinx()
    ax2.bar(x, rows["denominator"].fillna(0).to_numpy(), color="#bbbbbb", width=0.8, alpha=0.5)
    ax2.set_ylabel("elephant carcasses", color="#777777")
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    v, lo, hi = rows["value"].to_numpy(), rows["lower"].to_numpy(), rows["upper"].to_numpy()
    ax.errorbar(x[ok], v[ok], yerr=[v[ok] - lo[ok], hi[ok] - v[ok]], fmt="o", color="#762a83", ms=4, capsize=2)
    handles = [
        Line2D([], [], color="#762a83", marker="o", ls="-", ms=4),
        Patch(color="#bbbbbb", alpha=0.5),
    ]
    labels = ["park PIKE with 95 % interval", "elephant carcasses (right axis)"]
    if mike is not None and len(mike):
        years = {p[:4] for p in periods}
        m = mike[mike["year"].astype(str).isin(years)]
        name = mike["name"].iloc[0]
        for _, r in m.iterrows():
            idx = [i for i, p in enumerate(periods) if p[:4] == str(r["year"])]
            ax.plot([idx[0] - 0.4, idx[-1] + 0.4], [r["pike"]] * 2, color="#1b7837", lw=1.5)
        if len(m):
            handles.append(Line2D([], [], color="#1b7837", lw=1.5))
            labels.append(f"MIKE {name} PIKE per year")
        else:  # the MIKE table ends before the park's history starts: say so rather than draw nothing
            last = mike.sort_values("year").iloc[-1]
            ax.text(0.99, 0.03, f"MIKE {name}: last year {last['year']}, PIKE {last['pike']:.2f}", ha="right",
                    va="bottom", fontsize=7, color="#1b7837", transform=ax.transAxes)  # fmt: skip
    ax.axhline(0.5, color="#999999", lw=0.8, ls=":")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("PIKE (illegal / all)")
    _legend(fig, handles, labels, 3)
    _ticks(ax, periods)
    ax.set_title("PIKE: proportion of elephant carcasses illegally killed", fontsize=9)
    return fig


def seizures_chart(table: pd.DataFrame, section: str = PARK_WIDE, size=(7.5, 2.8)) -> Figure:
    """Seizures per item and period (stacked bars) with the patrol km (line, right axis)."""
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    periods = list(pd.unique(table["period"]))
    x = np.arange(len(periods))
    bottom = np.zeros(len(periods))
    palette = ["#8c510a", "#d8b365", "#5ab4ac", "#01665e", "#762a83", "#af8dc3", "#7fbf7b", "#999999"]
    for item, colour in zip(SEIZURE_ITEMS, palette, strict=True):
        v = indicator_series(table, "seizures", f"item={item}", section).fillna(0).to_numpy()
        if v.sum():
            ax.bar(x, v, bottom=bottom, color=colour, label=_label(item), width=0.8)
            bottom += v
    ax.set_ylabel("seizures")
    ax.set_ylim(0, max(1.0, bottom.max()) * 1.05)
    handles, labels = ax.get_legend_handles_labels()
    km = indicator_series(table, "patrol_km", "", section)
    if km.notna().any():
        ax2 = ax.twinx()
        ax2.plot(x, km.to_numpy(), color=EFFORT_COLOUR, lw=1.5)
        ax2.set_ylabel("patrol km", color=EFFORT_COLOUR)
        ax2.set_ylim(bottom=0)
        handles.append(Line2D([], [], color=EFFORT_COLOUR, lw=1.5))
        labels.append("patrol km (right axis)")
    _legend(fig, handles, labels, 5)
    _ticks(ax, periods)
    ax.set_title("Seizures per item", fontsize=9)
    return fig


def case_funnel_chart(cases: pd.DataFrame, size=(7.5, 2.4)) -> Figure:
    """The case funnel: cases opened, charged, closed, convicted (from ``Register.case_summary()``)."""
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    n = len(cases)
    stages = [
        ("cases opened", n),
        ("charged", int(cases["charged"].notna().sum()) if n else 0),
        ("closed", int(cases["outcome"].notna().sum()) if n else 0),
        ("convicted", int((cases["outcome"] == "convicted").sum()) if n else 0),
    ]
    colours = ["#4575b4", "#74add1", "#fdae61", "#d73027"]
    y = np.arange(len(stages))[::-1]
    ax.barh(y, [s[1] for s in stages], color=colours)
    for yi, (_name, v) in zip(y, stages, strict=True):
        share = f" ({100 * v / n:.0f} %)" if n else ""
        ax.text(v, yi, f" {v}{share}", va="center", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels([s[0] for s in stages], fontsize=8)
    ax.set_xlim(0, max(1, n) * 1.25)
    ax.set_xlabel("cases")
    withdrawn = int((cases["outcome"] == "withdrawn").sum()) if n else 0
    acquitted = int((cases["outcome"] == "acquitted").sum()) if n else 0
    ax.set_title(f"From arrest to conviction (closed: {acquitted} acquitted, {withdrawn} withdrawn)", fontsize=9)
    return fig


def _boundary(ax, boundary) -> None:
    if boundary is None:
        return
    for poly in getattr(boundary, "geoms", [boundary]):
        xs, ys = poly.exterior.xy
        ax.plot(np.asarray(xs) / 1000, np.asarray(ys) / 1000, color="#333333", lw=1)


def _frame_km(ax) -> None:
    ax.set_aspect("equal")
    ax.set_xlabel("easting (km)", fontsize=7)
    ax.set_ylabel("northing (km)", fontsize=7)
    ax.tick_params(labelsize=6)


def month_map(
    register, month_incidents, tracks=None, size=(7.5, 6.0), title: str = "", cell_m: float | None = None
) -> Figure:
    """The month's incidents by type and its patrol tracks on the park, with sections and posts; a legend.

    With ``cell_m`` the incidents are generalised (:func:`access.generalise.generalise_points`): one square
    per ``cell_m`` cell and type, labelled with its count, so the map gives no exact place away.
    """
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    _boundary(ax, register.boundary)
    handles, labels = [Line2D([], [], color="#333333", lw=1)], ["park boundary"]
    if register.sections is not None:
        for geom, name in zip(register.sections.geometry.values, register.sections[COL_NAME], strict=True):
            for poly in getattr(geom, "geoms", [geom]):
                xs, ys = poly.exterior.xy
                ax.plot(np.asarray(xs) / 1000, np.asarray(ys) / 1000, color="#888888", lw=0.6, ls="--")
            c = geom.representative_point()
            ax.text(c.x / 1000, c.y / 1000, str(name), fontsize=6, color="#555555", ha="center")
        handles.append(Line2D([], [], color="#888888", lw=0.6, ls="--"))
        labels.append("sections")
    if tracks is not None and len(tracks):
        xy = shapely.get_coordinates(tracks.geometry.values) / 1000
        tid = pd.factorize(tracks["track_id"])[0] if "track_id" in tracks else np.zeros(len(tracks), int)
        brk = np.flatnonzero(np.diff(tid) != 0) + 1
        for seg in np.split(np.arange(len(xy)), brk):
            ax.plot(xy[seg, 0], xy[seg, 1], color=EFFORT_COLOUR, lw=0.5, alpha=0.6)
        handles.append(Line2D([], [], color=EFFORT_COLOUR, lw=1))
        labels.append("patrol tracks of the month")
    if register.posts is not None and len(register.posts):
        px = shapely.get_x(register.posts.geometry.values) / 1000
        py = shapely.get_y(register.posts.geometry.values) / 1000
        ax.scatter(px, py, marker="^", s=40, color="black", zorder=5)
        handles.append(Line2D([], [], marker="^", color="black", ls=""))
        labels.append("ranger posts")
    inc = month_incidents
    if cell_m is not None:
        _cells(ax, inc, cell_m, handles, labels)
        inc = inc.iloc[:0]
    for t in REGISTER_TYPES + ("other",):
        sel = inc[inc[COL_TYPE] == t] if len(inc) else inc
        if not len(sel):
            continue
        ax.scatter(
            shapely.get_x(sel.geometry.values) / 1000,
            shapely.get_y(sel.geometry.values) / 1000,
            s=28,
            color=TYPE_COLOURS.get(t, "#999999"),
            edgecolor="white",
            linewidth=0.5,
            zorder=6,
        )
        handles.append(Line2D([], [], marker="o", color=TYPE_COLOURS.get(t, "#999999"), ls=""))
        labels.append(f"{_label(t)} ({len(sel)})")
    _frame_km(ax)
    ax.legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    ax.set_title(title or "Incidents and patrols of the month", fontsize=9)
    return fig


def _cells(ax, inc, cell_m: float, handles: list, labels: list) -> None:
    """Generalised incidents: a square per cell and type (types side by side) with its count."""
    from access.generalise import COUNT, generalise_points

    if not len(inc):
        return
    cells = generalise_points(inc[[COL_TYPE, inc.geometry.name]], cell_m, by=[COL_TYPE])
    types = [t for t in REGISTER_TYPES + ("other",) if t in set(cells[COL_TYPE])]
    types += sorted(set(cells[COL_TYPE]) - set(types))
    km = cell_m / 1000.0
    step = km / max(len(types), 1)
    for i, t in enumerate(types):
        sel = cells[cells[COL_TYPE] == t]
        colour = TYPE_COLOURS.get(t, "#999999")
        for x, y, n in zip(sel.geometry.x / 1000, sel.geometry.y / 1000, sel[COUNT], strict=True):
            left = x - km / 2 + i * step
            ax.add_patch(Rectangle((left, y - km / 2), step, km, color=colour, alpha=0.55, lw=0, zorder=6))
            ax.text(left + step / 2, y, str(int(n)), fontsize=6, ha="center", va="center", zorder=7)
        handles.append(Patch(color=colour, alpha=0.55))
        labels.append(f"{_label(t)} ({int(sel[COUNT].sum())}), per {km:g} km cell")


def risk_map(risk, boundary=None, posts=None, size=(7.5, 5.0), title: str = "", cell_m: float | None = None) -> Figure:
    """A risk surface's classes (top 5 %, 10 %, 25 % of the park's area) with a legend.

    With ``cell_m`` the risk is averaged over blocks at least ``cell_m`` wide first
    (:func:`access.generalise.generalise_raster`) and the classes are those of the blocks.
    """
    from matplotlib.colors import ListedColormap

    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    grid = risk.grid
    x0, y0, x1, y1 = grid.bounds
    classes = np.asarray(risk.classes, dtype=float)
    if cell_m is not None:
        from access.generalise import generalise_raster
        from riskmodel.riskmap import risk_classes

        values = np.where(grid.mask, np.asarray(risk.risk, dtype=float), np.nan)
        coarse, t = generalise_raster(values, grid.transform, cell_m)
        classes = risk_classes(coarse, np.isfinite(coarse)).astype(float)
        x0, y1 = t.c, t.f
        x1, y0 = x0 + t.a * coarse.shape[1], y1 + t.e * coarse.shape[0]
    classes[classes == 0] = np.nan
    cmap = ListedColormap([RISK_CLASS_COLOURS[k] for k in (1, 2, 3, 4)])
    ax.imshow(
        classes,
        extent=(x0 / 1000, x1 / 1000, y0 / 1000, y1 / 1000),
        cmap=cmap,
        vmin=0.5,
        vmax=4.5,
        interpolation="nearest",
    )
    _boundary(ax, boundary)
    handles = [Patch(color=RISK_CLASS_COLOURS[k]) for k in (1, 2, 3, 4)]
    labels = [RISK_CLASS_LABELS[k] for k in (1, 2, 3, 4)]
    if posts is not None and len(posts):
        ax.scatter(shapely.get_x(posts.geometry.values) / 1000, shapely.get_y(posts.geometry.values) / 1000,
                   marker="^", s=40, color="black")  # fmt: skip
        handles.append(Line2D([], [], marker="^", color="black", ls=""))
        labels.append("ranger posts")
    _frame_km(ax)
    ax.legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
              title="risk of an attack", title_fontsize=7)  # fmt: skip
    if cell_m is not None:
        title = f"{title or 'Risk next month'} (averaged over {cell_m / 1000:g} km blocks)"
    ax.set_title(title or "Risk next month", fontsize=9)
    return fig
