"""Scenarios for planners: what a new post, more teams or longer patrols would buy, compared side by side.

- :mod:`.model`: :class:`Scenario` (changes to the park's current set-up) and :func:`resolve` (the set-up it gives);
- :mod:`.io`: scenario TOML files in ``<park>/scenarios/`` (list, load, save, duplicate, rename, delete);
- :mod:`.run`: :func:`run_scenario` plans the month and computes its outcomes (:mod:`.outcomes`);
- :mod:`.siting`: :func:`suggest_posts`, maximum coverage over the planner's reach;
- :mod:`.compare`: comparison table, cost-effectiveness, the team-adding curve, CSV and PDF;
- :mod:`.examples`: the example scenarios a park ships with.
"""

from __future__ import annotations

from .compare import (
    comparison_table,
    cost_effectiveness,
    team_curve,
    write_comparison_csv,
    write_comparison_pdf,
)
from .examples import example_scenarios, write_example_scenarios
from .io import (
    delete_scenario,
    duplicate_scenario,
    list_scenarios,
    load_scenario,
    read_scenario,
    rename_scenario,
    save_scenario,
    scenario_problems,
)
from .model import PostChange, Scenario, Setup, baseline, resolve
from .outcomes import Outcomes
from .run import RiskInput, ScenarioContext, ScenarioResult, read_risk, run_scenario, run_scenarios
from .siting import Suggestion, suggest_posts

__all__ = [
    "Outcomes",
    "PostChange",
    "RiskInput",
    "Scenario",
    "ScenarioContext",
    "ScenarioResult",
    "Setup",
    "Suggestion",
    "baseline",
    "comparison_table",
    "cost_effectiveness",
    "delete_scenario",
    "duplicate_scenario",
    "example_scenarios",
    "list_scenarios",
    "load_scenario",
    "read_risk",
    "read_scenario",
    "rename_scenario",
    "resolve",
    "run_scenario",
    "run_scenarios",
    "save_scenario",
    "scenario_problems",
    "suggest_posts",
    "team_curve",
    "write_comparison_csv",
    "write_comparison_pdf",
    "write_example_scenarios",
]
