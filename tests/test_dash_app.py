"""The dashboard on a park with no history, kept work and the park list (AppTest, no browser)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from apptest_env import APP, no_exception, use_history_free_park
from nohistory import make_history_free_park
from streamlit.testing.v1 import AppTest

TIMEOUT = 180


@pytest.fixture
def new_park(tmp_path, monkeypatch) -> Path:
    return use_history_free_park(monkeypatch, tmp_path)


def texts(at: AppTest) -> str:
    parts = [e.value for kind in (at.info, at.caption, at.markdown, at.warning, at.success) for e in kind]
    return "\n".join(str(p) for p in parts)


ok = no_exception


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


def test_the_plan_and_the_risk_map_come_back_after_a_reload(new_park):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_risk.py").run()
    at.slider(key="w_roads").set_value(0.0)
    at.button(key="risk_fit").click().run()
    ok(at)
    weights = at.session_state["risk"]["surface"].meta["weights"]
    assert "roads" not in weights
    at.switch_page("ui/page_plans.py").run()
    at.number_input(key="plan_days").set_value(1)
    at.number_input(key="plan_teams").set_value(1)
    at.slider(key="plan_km").set_value(8.0)
    at.button(key="plan_go").click().run()
    ok(at)
    made = at.session_state["plan"]["plan"]

    again = AppTest.from_file(APP, default_timeout=TIMEOUT).run()  # a browser reload: a new session
    again.switch_page("ui/page_plans.py").run()
    ok(again)
    back = again.session_state["plan"]["plan"]
    assert [p.patrol_id for p in back.patrols] == [p.patrol_id for p in made.patrols]
    assert np.allclose(back.patrols[0].path_xy, made.patrols[0].path_xy, atol=0.01)
    assert again.selectbox(key="plan_kept").options  # listed
    again.switch_page("ui/page_risk.py").run()
    ok(again)
    assert again.session_state["risk"]["surface"].meta["weights"] == weights
    assert "Prior risk" in texts(again)


def test_switching_parks_keeps_work_and_the_park_list(new_park, tmp_path):
    other = make_history_free_park(tmp_path / "parks" / "other-park")  # a configured park (the parks folder)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_risk.py").run()
    at.button(key="risk_fit").click().run()
    ok(at)
    at.switch_page("ui/page_data.py").run()
    at.selectbox(key="data_park_choice").set_value(str(other)).run()
    ok(at)
    # both parks stay in the list after the switch
    assert {str(new_park), str(other)} <= set(at.selectbox(key="data_park_choice").options)
    at.selectbox(key="data_park_choice").set_value(str(new_park)).run()
    ok(at)
    at.switch_page("ui/page_risk.py").run()
    ok(at)
    assert at.session_state["risk"]["park"] == str(new_park)  # the fitted map came back


def test_parks_made_from_uploads_are_listed(new_park):
    from ui import common

    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_data.py").run()
    files = {p.name: p.read_bytes() for p in new_park.iterdir() if p.is_file() and p.name != "park.toml"}
    folder, text = common.create_park("Fresh Park", files)  # what the button's callback calls, before the page runs
    assert 'name = "Fresh Park"' in text
    at.run()
    ok(at)
    assert str(folder) in at.selectbox(key="data_park_choice").options
    assert str(new_park) in at.selectbox(key="data_park_choice").options


def test_the_manifest_is_checked_then_saved_with_a_backup(new_park):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_data.py").run()
    area = at.text_area(key=f"data_manifest_{new_park}")
    good = area.value
    area.set_value(good.replace("cell_size_m = 500", "cell_size_m = 5"))
    at.button(key="data_manifest_save").click().run()
    assert at.error and "cell_size_m" in at.error[0].value
    assert (new_park / "park.toml").read_text() == good, "an invalid manifest is not saved"
    at.text_area(key=f"data_manifest_{new_park}").set_value(good.replace("cell_size_m = 500", "cell_size_m = 1000"))
    at.button(key="data_manifest_check").click().run()
    assert any("Valid" in m.value for m in at.success)
    assert (new_park / "park.toml").read_text() == good, "check does not save"
    at.button(key="data_manifest_save").click().run()
    ok(at)
    assert "cell_size_m = 1000" in (new_park / "park.toml").read_text()
    backups = list(new_park.glob("park.*.toml.bak"))
    assert len(backups) == 1 and backups[0].read_text() == good


def test_the_whole_plan_zip_is_built_in_the_background_then_offered(new_park):
    import io
    import time
    import zipfile

    import gpxpy

    from ui import exports

    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_plans.py").run()
    at.number_input(key="plan_days").set_value(1)
    at.number_input(key="plan_teams").set_value(1)
    at.slider(key="plan_km").set_value(8.0)
    at.button(key="plan_go").click().run()
    ok(at)
    n = len(at.session_state["plan"]["plan"].patrols)
    at.button(key="dl_plan_zip_start").click().run()
    ok(at)
    key = ("plan-zip", str(new_park), at.session_state["plan"]["kept"], "no-sign-in", "open")  # one job per user
    job = exports.get(key)
    assert job is not None, "the button started a background job"
    seen = []
    deadline = time.monotonic() + 120
    while not job.done and time.monotonic() < deadline:
        seen.append(job.fraction)
        time.sleep(0.2)
    assert job.done and job.error is None, job.error
    assert seen == sorted(seen), "progress never moves back"
    at.run()
    ok(at)
    labels = [b.label for b in at.get("download_button")]
    assert any(label.startswith("Whole plan (zip)") for label in labels), labels
    with zipfile.ZipFile(io.BytesIO(job.data)) as zf:
        gpx = [name for name in zf.namelist() if name.endswith(".gpx")]
        assert len(gpx) == n
        for name in gpx:
            assert gpxpy.parse(zf.read(name).decode("utf-8")).tracks
