"""The Scenarios page through AppTest: create a scenario by typing a post's coordinates, duplicate, run, compare, download."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from apptest_env import APP, no_exception, use_park
from streamlit.testing.v1 import AppTest

TIMEOUT = 300


@pytest.fixture(scope="module")
def small_park(tmp_path_factory) -> Path:
    """A 150 km2 demo park with 12 months of data (its scenarios folder is written by the test)."""
    from simulator import generate_demo_park

    return Path(generate_demo_park(tmp_path_factory.mktemp("park") / "small", area_km2=150, months=12, seed=1))


@pytest.fixture
def app_env(small_park, tmp_path, monkeypatch):
    use_park(monkeypatch, small_park, tmp_path)
    return small_park


def test_create_duplicate_run_compare_download(app_env):
    from layers.park import load_park

    park = load_park(app_env)
    inside = park.boundary.to_crs("EPSG:4326").geometry.iloc[0].representative_point()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_scenarios.py").run()
    no_exception(at)
    assert list(at.dataframe[0].value["scenario"]) == ["baseline"]

    # a new post typed in lon/lat, two patrol days a month
    at.checkbox(key="scen_add").check()
    at.text_input(key="scen_post_name").set_value("Ford")
    at.number_input(key="scen_x").set_value(float(inside.x))
    at.number_input(key="scen_y").set_value(float(inside.y))
    at.number_input(key="scen_post_teams").set_value(1)
    at.text_input(key="scen_name").set_value("Ford post").run()
    at.button(key="scen_save").click().run()
    no_exception(at)
    saved = app_env / "scenarios" / "ford-post.toml"
    assert saved.is_file() and "Ford" in saved.read_text()
    assert list(at.dataframe[0].value["scenario"]) == ["baseline", "Ford post"]

    # a post outside the park is refused with the key and the fix; nothing is written
    at.number_input(key="scen_x").set_value(0.0)
    at.number_input(key="scen_y").set_value(0.0)
    at.text_input(key="scen_name").set_value("Nowhere").run()
    at.button(key="scen_save").click().run()
    assert any("outside the park" in e.value for e in at.error)
    assert not (app_env / "scenarios" / "nowhere.toml").exists()

    # duplicate, then delete the copy
    at.selectbox(key="scen_pick").set_value("Ford post").run()
    at.text_input(key="scen_copy_name").set_value("Ford copy")
    at.button(key="scen_copy").click().run()
    no_exception(at)
    assert (app_env / "scenarios" / "ford-copy.toml").is_file()
    at.selectbox(key="scen_pick").set_value("Ford copy").run()
    at.checkbox(key="scen_delete_sure").check().run()
    at.button(key="scen_delete").click().run()
    no_exception(at)
    assert not (app_env / "scenarios" / "ford-copy.toml").exists()

    # run and compare with the baseline
    at.multiselect(key="scen_run_pick").set_value(["Ford post"])
    at.number_input(key="scen_curve").set_value(1)
    at.button(key="scen_run").click().run()
    no_exception(at)
    results = at.session_state["scenarios"]["results"]
    assert [r.name for r in results] == ["baseline", "Ford post"]
    assert results[1].outcomes.posts == results[0].outcomes.posts + 1
    table = at.dataframe[1].value
    assert "Ford post vs baseline" in table.columns
    downloads = {d.proto.label: d for d in at.get("download_button")}
    assert {"Comparison (CSV)", "Comparison (PDF)"} <= set(downloads)
    from patrols.scenarios import comparison_table, write_comparison_pdf

    # suggest a post (the forecast is reused), then save it as a scenario
    at.button(key="scen_suggest").click().run()
    no_exception(at)
    suggestion = at.session_state["scen_suggestion"]["suggestion"]
    assert len(suggestion.sites) == 1 and suggestion.sites[0].gain > 0
    at.button(key="scen_suggest_save").click().run()
    no_exception(at)
    assert (app_env / "scenarios" / "1-suggested-post.toml").is_file()

    csv = pd.read_csv(io.StringIO(comparison_table(results).to_csv(index=False)))
    assert "Ford post" in csv.columns
    assert write_comparison_pdf(results, app_env.parent / "cmp.pdf").read_bytes()[:4] == b"%PDF"
