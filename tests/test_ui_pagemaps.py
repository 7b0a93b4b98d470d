"""The Patrol plans page's map is rendered once per (plan, surface), not on every rerun (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptest_env import APP, no_exception, use_history_free_park
from streamlit.testing.v1 import AppTest

from ui import maps

TIMEOUT = 180


@pytest.fixture
def new_park(tmp_path, monkeypatch) -> Path:
    return use_history_free_park(monkeypatch, tmp_path)


def test_the_plan_map_is_built_once_per_plan(new_park, monkeypatch):
    built = []
    original = maps.park_base_map

    def counting(*args, **kwargs):
        built.append(kwargs.get("plan"))
        return original(*args, **kwargs)

    monkeypatch.setattr(maps, "park_base_map", counting)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_risk.py").run()
    at.button(key="risk_fit").click().run()
    no_exception(at)
    at.switch_page("ui/page_plans.py").run()
    no_exception(at)
    before = len(built)
    at.run()
    assert len(built) == before, "a rerun of the page draws the kept map"
    at.number_input(key="plan_days").set_value(1)
    at.number_input(key="plan_teams").set_value(1)
    at.slider(key="plan_km").set_value(8.0)
    at.button(key="plan_go").click().run()
    no_exception(at)
    with_plan = [p for p in built[before:] if p is not None]
    assert len(with_plan) == 1, "the new plan's map is built once"
    n = len(built)
    at.run()
    at.run()
    assert len(built) == n, "reruns with the same plan and surface build nothing"
