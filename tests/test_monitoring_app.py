"""The Monitoring page through AppTest: filters, the trend statement, an edit of a case outcome and its undo,
the report and the indicator CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptest_env import APP, no_exception, use_park
from monitoring_park import file_hashes, register_park
from streamlit.testing.v1 import AppTest

TIMEOUT = 180


@pytest.fixture(scope="module")
def park_folder(tmp_path_factory) -> Path:
    return register_park(tmp_path_factory.mktemp("park") / "reg")


@pytest.fixture
def app_env(park_folder, tmp_path, monkeypatch):
    use_park(monkeypatch, park_folder, tmp_path)
    return park_folder


def test_monitoring_page(app_env):
    from layers.park import load_park
    from monitoring.edits import open_register

    before = file_hashes(app_env)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_monitoring.py").run()
    no_exception(at)
    assert any("effort taken into account" in i.value for i in at.info), [i.value for i in at.info]
    labels = [m.label for m in at.metric]
    assert "Finds per 100 km" in labels and "PIKE (illegal / all elephant carcasses)" in labels

    # a period filter: quarters, the last four
    at.selectbox(key="mon_period").set_value("quarter").run()
    no_exception(at)
    options = at.select_slider(key="mon_range").options
    at.select_slider(key="mon_range").set_value((options[-4], options[-1])).run()
    no_exception(at)
    table = at.expander[0].dataframe[0].value if at.expander else None
    assert table is not None and set(table["period"]) == set(options[-4:]) and set(table["period_kind"]) == {"quarter"}

    # edit a case outcome: an open case convicted
    reg = open_register(load_park(app_env))
    open_ref = reg.case_summary().query("status == 'open'")["case_ref"].iloc[0]
    at.text_input(key="mon_user").set_value("warden")
    at.selectbox(key="mon_case").set_value(open_ref)
    at.selectbox(key="mon_event").set_value("convicted")
    at.button(key="mon_add_outcome").click().run()
    no_exception(at)
    status = open_register(load_park(app_env)).case_summary().set_index("case_ref").loc[open_ref, "status"]
    assert status == "convicted"
    shown = [d.value for d in at.dataframe if "status" in d.value.columns]
    assert shown and shown[0].set_index("case_ref").loc[open_ref, "status"] == "convicted", "the page shows the edit"

    # the report (without the risk map, for speed) and the CSV download
    at.checkbox(key="mon_report_risk").uncheck()
    at.button(key="mon_report_go").click().run()
    no_exception(at)
    pdf = at.session_state["mon_report"]["pdf"]
    assert pdf[:5] == b"%PDF-" and len(pdf) > 10_000
    after = file_hashes(app_env)
    assert {k: after[k] for k in before} == before
