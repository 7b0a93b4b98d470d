"""The dashboard on a park with no history, kept work and the park list (AppTest, no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from nohistory import make_history_free_park
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 180


@pytest.fixture
def new_park(tmp_path, monkeypatch) -> Path:
    folder = make_history_free_park(tmp_path / "new-park")
    monkeypatch.setenv("PARK_DIR", str(folder))
    monkeypatch.setenv("PARKS_DIR", str(tmp_path / "parks"))
    monkeypatch.setenv("PARK_CACHE_DIR", str(tmp_path / "cache"))
    return folder


def texts(at: AppTest) -> str:
    parts = [e.value for kind in (at.info, at.caption, at.markdown, at.warning, at.success) for e in kind]
    return "\n".join(str(p) for p in parts)


def ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_a_park_with_no_history_opens_gets_a_prior_and_plans(new_park):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    ok(at)
    assert "pass periods" not in texts(at)

    at.switch_page("ui/page_risk.py").run()
    ok(at)
    at.button(key="risk_fit").click().run()
    ok(at)
    shown = texts(at)
    assert "Prior risk" in shown and "no dated incident or GPS track" in shown

    at.switch_page("ui/page_plans.py").run()
    ok(at)
    at.number_input(key="plan_days").set_value(1)
    at.number_input(key="plan_teams").set_value(1)
    at.slider(key="plan_km").set_value(8.0)
    at.button(key="plan_go").click().run()
    ok(at)
    assert int(next(m.value for m in at.metric if m.label == "Patrols (count)")) == 4
    assert "Prior risk" in texts(at)

    at.switch_page("ui/page_map.py").run()
    ok(at)
