"""Comparing scenarios: the outcomes table, cost-effectiveness, the team-adding curve, CSV and PDF.

- :func:`comparison_table`: one row per outcome, one column per scenario, and
  each scenario's difference from the baseline (the first result);
- :func:`cost_effectiveness`: expected detections against ranger-days, one row per scenario;
- :func:`team_curve`: teams added one at a time to a set-up, each at the post
  where it buys the most expected detections (planned over the reward the
  set-up and the teams before it leave, with the planner's saturating
  reward), with what each extra team-day buys;
- :func:`write_comparison_csv`, :func:`write_comparison_pdf`: the exports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from layers.defaults import detection_probability

from ..errors import ExportError
from ..planner import plan_effort
from .model import Scenario, Setup, baseline
from .outcomes import OUTCOME_ROWS, Outcomes
from .run import Progress, ScenarioContext, ScenarioResult, run_scenario

PERCENT = {"risk_covered", "high_risk_in_reach"}


TRUTH_ROWS = ("expected_detections", "risk_covered", "high_risk_in_reach_km2", "high_risk_in_reach")


def _rows(outcomes: Outcomes, prefix: str = "", keys=None) -> list[tuple[str, str, float]]:
    rows = []
    for key, label, unit in OUTCOME_ROWS:
        if keys is not None and key not in keys:
            continue
        v = getattr(outcomes, key)
        rows.append((prefix + label.strip(), unit, 100.0 * v if key in PERCENT else float(v)))
    for species, share in outcomes.habitat_visited.items() if keys is None else ():
        rows.append((f"{prefix}{species} core habitat (top 25 % density) visited", "%", 100.0 * share))
    return rows


def comparison_table(results: list[ScenarioResult]) -> pd.DataFrame:
    """Outcomes side by side, and each scenario's difference from the first (the baseline).

    Rows under the hidden truth (demo parks) follow, prefixed ``truth:``.
    Columns: ``outcome``, ``unit``, one per scenario, then ``<name> vs <baseline>`` per other scenario.
    """
    if not results:
        return pd.DataFrame(columns=["outcome", "unit"])
    names = _unique([r.name for r in results])
    order: dict[tuple[str, str], dict[str, float]] = {}
    for name, r in zip(names, results):
        rows = _rows(r.outcomes)
        if r.truth is not None:
            rows += _rows(r.truth, "truth: ", TRUTH_ROWS)
        for label, unit, value in rows:
            order.setdefault((label, unit), {})[name] = value
    frame = pd.DataFrame(
        [
            {"outcome": label, "unit": unit, **{n: values.get(n, np.nan) for n in names}}
            for (label, unit), values in order.items()
        ]
    )
    base = names[0]
    for name in names[1:]:
        frame[f"{name} vs {base}"] = frame[name] - frame[base]
    return frame


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def cost_effectiveness(results: list[ScenarioResult]) -> pd.DataFrame:
    """One row per scenario: ranger-days, team-days, expected detections (range), and under the truth."""
    rows = []
    for name, r in zip(_unique([r.name for r in results]), results):
        o = r.outcomes
        rows.append(
            {
                "scenario": name,
                "ranger_days": o.ranger_days,
                "team_days": o.team_days,
                "expected_detections": o.expected_detections,
                "detections_low": o.detections_low,
                "detections_high": o.detections_high,
                "detections_per_100_ranger_days": 100 * o.expected_detections / o.ranger_days if o.ranger_days else 0.0,
                "truth_detections": r.truth.expected_detections if r.truth is not None else np.nan,
            }
        )
    return pd.DataFrame(rows)


def team_curve(
    park,
    context: ScenarioContext,
    base: Scenario | None = None,
    steps: int = 4,
    base_result: ScenarioResult | None = None,
    progress: Progress = None,
) -> pd.DataFrame:
    """Add teams one at a time to ``base`` (default the baseline), each where it buys the most.

    Each step tries one more team at every manned post, planned for the month
    over the reward the set-up and the earlier steps leave, and keeps the
    best.  The planned teams are then put in the order of what each adds
    (at every position, the one adding most to the teams before it): under
    the saturating detection model a team adds less on top of more effort,
    so that order makes each extra team buy no more than the one before,
    whatever the route search's noise.  Every point is the detections of a
    set of planned teams; the last is the set of all of them.

    Returns one row per step (0 = ``base``): ``step``, ``post``, ``teams``,
    ``team_days``, ``ranger_days``, ``expected_detections``, ``gain`` (of
    that step), ``gain_per_team_day``, and ``truth_detections`` (NaN without
    a hidden truth).
    """
    base = base or baseline()
    first = base_result or run_scenario(park, base, context=context)
    setup = first.setup
    km = first.km.copy()
    days = min(setup.days_per_month, context.month_days)
    area = context.grid.cell_area_km2

    def detections(lam, effort, sweep):
        return float((lam * detection_probability(effort, area, sweep)).sum())

    def model(effort):
        return detections(context.intensity, effort, context.sweep_km)

    def truth_of(effort):
        if context.truth_intensity is None:
            return np.nan
        return detections(context.truth_intensity, effort, context.truth_sweep_km)

    manned = [p for p in setup.posts.values() if p.teams > 0] or list(setup.posts.values())
    planned: list[tuple[str, np.ndarray]] = []
    for step in range(1, int(steps) + 1):
        best = None
        for i, post in enumerate(manned):
            one = Setup(
                scenario=f"{setup.scenario} + team at {post.name}",
                posts={post.name: type(post)(post.name, post.x, post.y, 1, post.kind)},
                days_per_month=setup.days_per_month,
                km=setup.km,
                hours=setup.hours,
                days_per_patrol=setup.days_per_patrol,
                rangers_per_team=setup.rangers_per_team,
            )
            extra = plan_effort(context.plan(one, prior_km=km), context.grid)
            value = model(km + extra)
            if best is None or value > best[0]:
                best = (value, post.name, extra)
            if progress is not None:
                progress(((step - 1) + (i + 1) / len(manned)) / steps, f"team {step}: tried {post.name}")
        _, name, extra = best
        km += extra
        planned.append((name, extra))

    effort = first.km.copy()
    current = first.outcomes.expected_detections
    rows = [_curve_row(0, "", setup, setup.teams, days, current, 0.0, truth_of(effort))]
    left = list(planned)
    for step in range(1, len(planned) + 1):
        values = [model(effort + extra) for _, extra in left]
        k = int(np.argmax(values))
        name, extra = left.pop(k)
        effort = effort + extra
        rows.append(
            _curve_row(step, name, setup, setup.teams + step, days, values[k], values[k] - current, truth_of(effort))
        )
        current = values[k]
    return pd.DataFrame(rows)


def _curve_row(step, post, setup: Setup, teams: int, days: int, value: float, gain: float, truth: float) -> dict:
    return {
        "step": step,
        "post": post,
        "teams": teams,
        "team_days": teams * days,
        "ranger_days": teams * days * setup.rangers_per_team,
        "expected_detections": value,
        "gain": gain,
        "gain_per_team_day": gain / days if step else np.nan,
        "truth_detections": truth,
    }


# --------------------------------------------------------------------------- exports


def write_comparison_csv(results: list[ScenarioResult], path) -> Path:
    """The comparison table as CSV (values rounded to 4 significant digits)."""
    path = Path(path)
    table = comparison_table(results)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(path, index=False, float_format="%.4g")
    except OSError as exc:
        raise ExportError(f"{path}: cannot write the comparison ({exc}); pick a folder you can write to") from exc
    return path


def comparison_figure(results: list[ScenarioResult], curve: pd.DataFrame | None = None, title: str = ""):
    """A one-page matplotlib figure: outcomes table, cost-effectiveness chart and each scenario's map."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    n_maps = min(len(results), 4)
    fig = plt.figure(figsize=(11.69, 8.27))  # A4 landscape
    fig.text(0.02, 0.97, title or "Scenario comparison", fontsize=13, fontweight="bold", va="top")
    fig.text(
        0.02,
        0.935,
        "Each scenario's month planned from the same risk map; expected attacks detected = sum over cells of "
        "expected attacks x detection probability of the km planned there.",
        fontsize=7,
        va="top",
    )
    table = comparison_table(results)
    names = _unique([r.name for r in results])
    shown = table[["outcome", "unit", *names]]
    ax = fig.add_axes([0.02, 0.40, 0.56, 0.52])
    ax.axis("off")
    cells = [[o, u, *[_fmt(v) for v in row]] for o, u, *row in shown.itertuples(index=False)]
    labels = ["outcome", "unit", *["\n".join(textwrap.wrap(n, 18)[:3]) for n in names]]
    width = 0.44 / max(len(names), 1)
    tab = ax.table(
        cellText=cells,
        colLabels=labels,
        loc="upper left",
        cellLoc="right",
        colWidths=[0.40, 0.14, *[width] * len(names)],
    )
    tab.auto_set_font_size(False)
    tab.set_fontsize(6.5)
    for (r, c), cell in tab.get_celld().items():
        cell.set_linewidth(0.3)
        if c == 0:
            cell.set_text_props(ha="left")
        if r == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_height(cell.get_height() * 2.6)
    ax2 = fig.add_axes([0.66, 0.47, 0.32, 0.43])
    ce = cost_effectiveness(results)
    plot_cost_effectiveness(ax2, ce, curve, label="scenarios (range: risk -/+ 1 sd)")
    for k, row in ce.iterrows():
        ax2.annotate(
            str(k + 1),
            (row["ranger_days"], row["expected_detections"]),
            fontsize=7,
            xytext=(4, 2),
            textcoords="offset points",
        )
    ax2.set_xlabel("ranger-days per month", fontsize=8)
    ax2.set_ylabel("expected attacks detected per month", fontsize=8)
    ax2.set_title("cost-effectiveness (numbers: scenarios below)", fontsize=9)
    ax2.legend(fontsize=6, loc="lower right")
    ax2.tick_params(labelsize=7)
    ax2.margins(x=0.15, y=0.15)
    gap = 0.96 / max(n_maps, 1)
    for i, r in enumerate(results[:n_maps]):
        axm = fig.add_axes([0.02 + i * gap, 0.03, gap * 0.92, 0.32])
        _map(axm, r, f"{i + 1}. {names[i]}")
    return fig


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "-"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def _map(ax, result: ScenarioResult, name: str) -> None:
    """km patrolled per cell, the cells within a day's reach, and the posts (added or moved ones in red)."""
    import textwrap

    from matplotlib.patches import Patch

    park = np.where(np.asarray(result.grid.mask), 0.0, np.nan) if result.grid is not None else None
    if park is not None:
        ax.imshow(park, cmap="Greys", vmin=0, vmax=10, interpolation="nearest")
    ax.imshow(np.where(result.reach, 1.0, np.nan), cmap="Greys", vmin=0, vmax=4, interpolation="nearest")
    km = np.where(result.km > 0, result.km, np.nan)
    im = ax.imshow(km, cmap="viridis", interpolation="nearest")
    cb = ax.figure.colorbar(im, ax=ax, fraction=0.04, pad=0.01)
    cb.set_label("km patrolled per cell in the month", fontsize=6)
    cb.ax.tick_params(labelsize=6)
    handles = [Patch(color="0.75", label="within a day's patrol of a post"), Patch(color="0.93", label="park")]
    if result.grid is not None:
        for changed, style in ((False, dict(marker="^", color="black")), (True, dict(marker="*", color="red"))):
            posts = [p for p in result.setup.posts.values() if bool(p.change) == changed]
            if posts:
                rows, cols = result.grid.rowcol(np.array([p.x for p in posts]), np.array([p.y for p in posts]))
                label = "added or moved post" if changed else "post"
                handles.append(ax.scatter(cols, rows, s=25, edgecolor="white", linewidth=0.5, label=label, **style))
    ax.legend(handles=handles, fontsize=5, loc="lower left", framealpha=0.8)
    head = "\n".join(textwrap.wrap(name, 40)[:2])
    ax.set_title(f"{head}\n{result.outcomes.expected_detections:.1f} expected detections a month", fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_cost_effectiveness(ax, ce, curve=None, label: str = "scenarios (range: risk -/+ 1 sd)") -> None:
    """Draw expected detections against ranger-days on ``ax``: the team-adding curve and the scenarios' ranges.

    ``ce`` is :func:`cost_effectiveness`'s table, ``curve`` :func:`team_curve`'s (or None); the
    caller labels the points and the axes.
    """
    if curve is not None and len(curve):
        ax.plot(
            curve["ranger_days"],
            curve["expected_detections"],
            "-o",
            color="0.55",
            ms=3,
            label="adding teams one at a time",
        )
    err = np.vstack(
        [ce["expected_detections"] - ce["detections_low"], ce["detections_high"] - ce["expected_detections"]]
    )
    ax.errorbar(ce["ranger_days"], ce["expected_detections"], yerr=err, fmt="o", color="C0", capsize=2, label=label)


def write_comparison_pdf(
    results: list[ScenarioResult], path, curve: pd.DataFrame | None = None, title: str = ""
) -> Path:
    """The comparison as a one-page PDF (table, cost-effectiveness chart, maps)."""
    import matplotlib.pyplot as plt

    path = Path(path)
    fig = comparison_figure(results, curve, title)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="pdf")
    except OSError as exc:
        raise ExportError(f"{path}: cannot write the comparison PDF ({exc}); pick a folder you can write to") from exc
    finally:
        plt.close(fig)
    return path


__all__ = [
    "comparison_table",
    "cost_effectiveness",
    "team_curve",
    "write_comparison_csv",
    "write_comparison_pdf",
    "comparison_figure",
]
