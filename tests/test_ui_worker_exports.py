"""The plan's zip and "Suggest posts" run in the job worker process, not in the server (AppTest)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from apptest_env import APP, no_exception, use_history_free_park
from streamlit.testing.v1 import AppTest

from ui import exports, jobs, jobtasks

TIMEOUT = 240


@pytest.fixture
def new_park(tmp_path, monkeypatch) -> Path:
    return use_history_free_park(monkeypatch, tmp_path)


@pytest.fixture
def sent(monkeypatch) -> list:
    """The tasks the pages hand to ui.jobs with arguments (those run in the worker process)."""
    calls = []
    original = jobs.result

    def recording(key, compute, progress=None, args=None):
        calls.append((compute, args is not None))
        return original(key, compute, progress, args=args)

    monkeypatch.setattr(jobs, "result", recording)
    return calls


def test_the_plan_zip_is_made_in_the_worker_process(new_park, sent):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_plans.py").run()
    at.number_input(key="plan_days").set_value(1)
    at.number_input(key="plan_teams").set_value(1)
    at.slider(key="plan_km").set_value(8.0)
    at.button(key="plan_go").click().run()
    no_exception(at)
    at.button(key="dl_plan_zip_start").click().run()
    no_exception(at)
    job = exports.get(("plan-zip", str(new_park), at.session_state["plan"]["kept"], "no-sign-in", "open"))
    deadline = time.monotonic() + TIMEOUT
    while not job.done and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.done and job.error is None, job.error
    assert job.data[:2] == b"PK"
    assert (jobtasks.plan_zip_task, True) in sent


def test_suggested_posts_come_from_the_worker_process(new_park, sent):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_scenarios.py").run()
    no_exception(at)
    at.button(key="scen_suggest").click().run()
    no_exception(at)
    suggestion = at.session_state["scen_suggestion"]["suggestion"]
    assert len(suggestion.sites) == 1
    assert (jobtasks.suggest_task, True) in sent
