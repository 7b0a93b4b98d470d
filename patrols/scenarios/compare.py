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
from .model import Scenario, Setup, baseline, resolve
from .outcomes import OUTCOME_ROWS, Outcomes
from .run import Progress, ScenarioContext, ScenarioResult, run_scenario

PERCENT = {"risk_covered", "high_risk_in_reach"}


def _rows(outcomes: Outcomes, prefix: str = "") -> list[tuple[str, str, float]]:
    rows = []
    for key, label, unit in OUTCOME_ROWS:
        v = getattr(outcomes, key)
        rows.append((prefix + label, unit, 100.0 * v if key in PERCENT else float(v)))
    for species, share in outcomes.habitat_visited.items():
        rows.append((f"{prefix}{species} core habitat (top 25 % density) visited", "%", 100.0 * share))
    return rows


def comparison_table(results: list[ScenarioResult]) -> pd.DataFrame:
    """Outcomes side by side, and each scenario's difference from the first (the baseline).

    Rows under the hidden truth (demo parks) follow, prefixed ``truth:``.
    Columns: ``outcome``, ``unit``, one per scenario, then ``<name> vs <baseline>`` per other scenario.
    """
    if not results:
        return pd.DataFrame(columns=["outcome", "unit"])
    frame = None
    names = _unique([r.name for r in results])
    for name, r in zip(names, results):
        rows = _rows(r.outcomes)
        if r.truth is not None:
            rows += [x for x in _rows(r.truth, "truth: ") if x[1] not in ("km per month", "h per month", "")][:6]
        col = pd.DataFrame(rows, columns=["outcome", "unit", name])
        frame = col if frame is None else frame.merge(col, on=["outcome", "unit"], how="outer", sort=False)
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
    best.  Returns one row per step (0 = ``base``): ``step``, ``post``,
    ``teams``, ``team_days``, ``ranger_days``, ``expected_detections``,
    ``gain`` (of that step), ``gain_per_team_day``, and
    ``truth_detections`` when the park has a hidden truth.
    """
    base = base or baseline()
    first = base_result or run_scenario(park, base, context=context)
    setup = first.setup
    km = first.km.copy()
    days = min(setup.days_per_month, context.month_days)
    area = context.grid.cell_area_km2

    def detections(lam, effort, sweep):
        return float((lam * detection_probability(effort, area, sweep)).sum())

    def truth_of(effort):
        if context.truth_intensity is None:
            return np.nan
        return detections(context.truth_intensity, effort, context.truth_sweep_km)

    rows = [
        {
            "step": 0,
            "post": "",
            "teams": setup.teams,
            "team_days": setup.team_days,
            "ranger_days": setup.team_days * setup.rangers_per_team,
            "expected_detections": first.outcomes.expected_detections,
            "gain": 0.0,
            "gain_per_team_day": np.nan,
            "truth_detections": truth_of(km),
        }
    ]
    manned = [p for p in setup.posts.values() if p.teams > 0] or list(setup.posts.values())
    teams = setup.teams
    current = rows[0]["expected_detections"]
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
            plan = context.plan(one, prior_km=km)
            extra = plan_effort(plan, context.grid)
            value = detections(context.intensity, km + extra, context.sweep_km)
            if best is None or value > best[0]:
                best = (value, post.name, extra)
            if progress is not None:
                progress(((step - 1) + (i + 1) / len(manned)) / steps, f"team {step}: tried {post.name}")
        value, name, extra = best
        km += extra
        teams += 1
        rows.append(
            {
                "step": step,
                "post": name,
                "teams": teams,
                "team_days": teams * days,
                "ranger_days": teams * days * setup.rangers_per_team,
                "expected_detections": value,
                "gain": value - current,
                "gain_per_team_day": (value - current) / days,
                "truth_detections": truth_of(km),
            }
        )
        current = value
    return pd.DataFrame(rows)


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
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.gridspec import GridSpec

    n_maps = min(len(results), 4)
    fig = plt.figure(figsize=(11.69, 8.27))  # A4 landscape
    gs = GridSpec(2, max(n_maps, 2), figure=fig, height_ratios=[1.15, 1.0], hspace=0.3, wspace=0.15)
    fig.suptitle(title or "Scenario comparison", fontsize=13, fontweight="bold", x=0.02, ha="left")
    table = comparison_table(results)
    names = _unique([r.name for r in results])
    shown = table[["outcome", "unit", *names]].copy()
    ax = fig.add_subplot(gs[0, : max(n_maps, 2) - 1])
    ax.axis("off")
    cells = [[o, u, *[_fmt(v) for v in row]] for o, u, *row in shown.itertuples(index=False)]
    tab = ax.table(cellText=cells, colLabels=["outcome", "unit", *names], loc="upper left", cellLoc="right")
    tab.auto_set_font_size(False)
    tab.set_fontsize(6.5)
    tab.scale(1.0, 1.05)
    for (r, c), cell in tab.get_celld().items():
        if c == 0:
            cell.set_text_props(ha="left")
        if r == 0:
            cell.set_text_props(fontweight="bold")
    ax2 = fig.add_subplot(gs[0, max(n_maps, 2) - 1])
    ce = cost_effectiveness(results)
    if curve is not None and len(curve):
        ax2.plot(
            curve["ranger_days"],
            curve["expected_detections"],
            "-o",
            color="0.5",
            ms=3,
            label="adding teams one at a time",
        )
    err = np.vstack(
        [ce["expected_detections"] - ce["detections_low"], ce["detections_high"] - ce["expected_detections"]]
    )
    ax2.errorbar(
        ce["ranger_days"], ce["expected_detections"], yerr=err, fmt="o", color="C0", capsize=2, label="scenarios"
    )
    for _, row in ce.iterrows():
        ax2.annotate(
            row["scenario"],
            (row["ranger_days"], row["expected_detections"]),
            fontsize=6,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax2.set_xlabel("ranger-days per month")
    ax2.set_ylabel("expected attacks detected per month")
    ax2.set_title("cost-effectiveness", fontsize=9)
    ax2.legend(fontsize=6, loc="lower right")
    ax2.tick_params(labelsize=7)
    for i, r in enumerate(results[:n_maps]):
        axm = fig.add_subplot(gs[1, i])
        _map(axm, r, names[i])
    return fig


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "-"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def _map(ax, result: ScenarioResult, name: str) -> None:
    """km patrolled per cell, the cells within a day's reach, and the posts (added or moved ones in red)."""
    km = np.where(result.km > 0, result.km, np.nan)
    ax.imshow(np.where(result.reach, 1.0, np.nan), cmap="Greys", vmin=0, vmax=4, interpolation="nearest")
    im = ax.imshow(km, cmap="viridis", interpolation="nearest")
    cb = ax.figure.colorbar(im, ax=ax, fraction=0.04, pad=0.01)
    cb.set_label("km patrolled per cell in the month", fontsize=6)
    cb.ax.tick_params(labelsize=6)
    if result.grid is not None:
        for changed, style in ((False, dict(marker="^", color="black")), (True, dict(marker="*", color="red"))):
            posts = [p for p in result.setup.posts.values() if bool(p.change) == changed]
            if posts:
                rows, cols = result.grid.rowcol(np.array([p.x for p in posts]), np.array([p.y for p in posts]))
                label = "added or moved post" if changed else "post"
                ax.scatter(cols, rows, s=25, edgecolor="white", linewidth=0.5, label=label, **style)
        ax.legend(fontsize=5, loc="lower left")
    ax.set_title(f"{name}: {result.outcomes.expected_detections:.1f} detections a month", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("grey: within a day's patrol of a manned post", fontsize=6)


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
    "resolve",
]
