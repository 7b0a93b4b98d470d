"""The dashboard without a browser: every page through AppTest, and the folium maps as objects."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from apptest_env import APP, ROOT, no_traceback, use_park
from streamlit.testing.v1 import AppTest

TIMEOUT = 120


@pytest.fixture(scope="module")
def small_park(tmp_path_factory) -> Path:
    """A 150 km2 demo park with 12 months of data (built once for the module)."""
    from simulator import generate_demo_park

    return Path(generate_demo_park(tmp_path_factory.mktemp("park") / "small", area_km2=150, months=12, seed=1))


@pytest.fixture(scope="module")
def park(small_park):
    from layers.park import load_park

    return load_park(small_park)


@pytest.fixture
def app_env(small_park, tmp_path, monkeypatch):
    for kept in small_park.glob("store.gpkg*"):  # each test starts with no kept risk map or plan
        kept.unlink()
    use_park(monkeypatch, small_park, tmp_path)
    return small_park


def metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in at.metric]}")


def plan_one_day(at: AppTest, km: float | None = None) -> None:
    """Plan one day for one team per post (``km`` per patrol when given) and check the page shows no error."""
    at.number_input(key="plan_days").set_value(1)
    at.number_input(key="plan_teams").set_value(1)
    if km is not None:
        at.slider(key="plan_km").set_value(km)
    at.button(key="plan_go").click().run()
    no_traceback(at)
    assert not at.error, [e.value for e in at.error]


# --- park map page ------------------------------------------------------------------------
def test_map_page_summary_and_filters(app_env, park):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    no_traceback(at)
    assert not at.error
    assert int(metric(at, "Incidents (count)").replace(",", "")) == len(park.incidents)
    km_all = float(metric(at, "Patrolled (km)").replace(",", ""))
    assert km_all > 0

    # one incident type only: the count is that type's
    types = at.multiselect(key="map_types")
    one = types.value[0]
    types.set_value([one]).run()
    no_traceback(at)
    expected = int((park.incidents["type"].astype(str) == one).sum())
    assert int(metric(at, "Incidents (count)").replace(",", "")) == expected
    table = at.dataframe[0].value
    assert list(table["type"]) == [one.replace("_", " ")]

    # one month at a time: fewer km than the whole period, incidents of that month only
    at.toggle(key="map_one_month").set_value(True).run()
    no_traceback(at)
    month = at.select_slider(key="map_month").value
    p = pd.Period(month, "M")
    t = park.incidents["time"].dt.tz_convert(None).dt.to_period("M")
    expected = int(((park.incidents["type"].astype(str) == one) & (t == p)).sum())
    assert int(metric(at, "Incidents (count)").replace(",", "")) == expected
    assert float(metric(at, "Patrolled (km)").replace(",", "")) < km_all

    # GPS tracks of the month drawn on request (the map page loads the fixes only then)
    at.checkbox(key="map_tracks").check().run()
    no_traceback(at)
    assert not at.error


def test_bad_park_folder_shows_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATROL_AUTH", "off")
    monkeypatch.setenv("PARK_DIR", str(tmp_path / "nowhere"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    no_traceback(at)
    assert at.error and "does not exist" in at.error[0].value

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "park.toml").write_text('[park]\nname = "Bad"\n[layers]\nboundary = "missing.geojson"\n')
    monkeypatch.setenv("PARK_DIR", str(bad))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    no_traceback(at)
    assert at.error, "a park whose boundary file is missing must show st.error"
    assert "missing.geojson" in at.error[0].value


# --- risk and plans ------------------------------------------------------------------------
def test_risk_then_plan(app_env, park):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_risk.py").run()
    no_traceback(at)
    assert at.info, "before fitting, the page says what to do"
    at.number_input(key="risk_horizon").set_value(2)
    at.button(key="risk_fit").click().run()
    no_traceback(at)
    assert not at.error, [e.value for e in at.error]
    risk = at.session_state["risk"]
    assert risk["settings"]["horizon"] == 2 and len(risk["surface"].periods) == 2
    assert any(m.label == "Highest chance of attack (%)" for m in at.metric)
    share = risk["surface"].meta["history_free_blend"]["area_share_weight_over_half"]
    assert any(f"({100 * share:.0f} % of the park)" in c.value for c in at.caption), [c.value for c in at.caption]
    from ui import common

    layers = {o.name: o for o in common.risk_overlays(risk["surface"])}
    assert "Where nobody looked" in layers and not layers["Where nobody looked"].show
    assert "no patrol nearby in 12 months" in layers["Where nobody looked"].scale.units

    at.switch_page("ui/page_plans.py").run()
    no_traceback(at)
    plan_one_day(at, km=10.0)
    plan = at.session_state["plan"]["plan"]
    posts = at.multiselect(key="plan_posts").value
    assert len(plan.patrols) == len(posts)
    table = at.dataframe[0].value
    assert len(table) == len(plan.patrols)
    assert (table["distance (km)"] <= 10.0 + 1e-6).all()
    downloads = at.get("download_button")
    assert len(downloads) == 4 * len(plan.patrols), "GPX, KML, PDF, CSV of every patrol (the zip is prepared on demand)"

    # fewer posts give fewer patrols
    at.multiselect(key="plan_posts").set_value(posts[:1])
    at.button(key="plan_go").click().run()
    no_traceback(at)
    assert len(at.session_state["plan"]["plan"].patrols) == 1


def last_day(park):
    return max(park.incidents["time"].max(), park.tracks["time"].max()).tz_convert("UTC").date()


def test_plan_defaults_to_a_forecast_from_the_last_data(app_env, park):
    last = last_day(park)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_plans.py").run()
    no_traceback(at)
    assert at.date_input(key="plan_start").value == last + pd.Timedelta(days=1)
    assert at.radio(key="plan_risk_source").options == ["Forecast from all data (recommended)"]
    assert any(str(last) in i.value for i in at.info), "the page names the forecast's cut-off before planning"
    plan_one_day(at, km=10.0)
    forecast = at.session_state["forecast"]
    assert forecast["settings"]["train_until"] == str(last) and forecast["settings"]["horizon"] == 3
    periods = forecast["surface"].periods
    assert periods[0] == pd.Period(last, "M") + 1 and len(periods) == 3
    assert at.session_state["plan"]["risk"]["settings"] == forecast["settings"]
    assert "risk" not in at.session_state, "the planning forecast does not replace the Risk page's surface"
    assert any(f"up to **{last}**" in c.value for c in at.caption), [c.value for c in at.caption]
    assert not at.warning, "the plan's days are inside the forecast's months"
    # the field files are made on the first download only, not on every rerun
    at.number_input(key="plan_seed").set_value(3).run()
    no_traceback(at)
    assert at.session_state["plan"]["files"] == {}

    # a shorter horizon is another forecast, fitted when planning
    at.number_input(key="plan_horizon").set_value(1).run()
    no_traceback(at)
    assert any("fitted when you press" in i.value for i in at.info)


def test_plan_on_the_risk_page_surface(app_env, park):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_risk.py").run()
    at.button(key="risk_fit").click().run()
    no_traceback(at)
    risk = at.session_state["risk"]
    at.switch_page("ui/page_plans.py").run()
    no_traceback(at)
    source = at.radio(key="plan_risk_source")
    assert len(source.options) == 2
    source.set_value("risk page").run()
    no_traceback(at)
    # the validation surface forecasts months before the park's last data: planning after it is flagged
    assert at.warning and "outside the months" in at.warning[0].value
    assert any(f"up to **{risk['settings']['train_until']}**" in c.value for c in at.caption)
    plan_one_day(at)
    assert at.session_state["plan"]["risk"]["settings"] == risk["settings"]
    assert "forecast" not in at.session_state


def test_covers_known_answers():
    from ui import riskview

    entry = {"surface": type("S", (), {"periods": pd.period_range("2026-11", periods=3, freq="M")})()}
    assert riskview.covers(entry, pd.Timestamp("2026-11-01").date(), 3)
    assert riskview.covers(entry, pd.Timestamp("2027-01-29").date(), 3)
    assert not riskview.covers(entry, pd.Timestamp("2027-01-30").date(), 3)
    assert not riskview.covers(entry, pd.Timestamp("2026-10-31").date(), 1)


def test_view_loads_without_the_gps_tracks(small_park, park):
    from ui import common

    light = common._load_without_tracks(str(small_park))
    assert len(light.tracks) == 0 and len(park.tracks) > 0
    assert len(light.incidents) == len(park.incidents)
    assert light.grid.shape == park.grid.shape and sorted(light.features) == sorted(park.features)
    for name, layer in light.rasters.items():
        assert layer.path.is_file() and layer.path.parent == small_park.resolve(), name
    assert common.last_data_date(park) == last_day(park)


# --- park data --------------------------------------------------------------------------------
def test_data_page_report_and_switch(app_env, tmp_path):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("ui/page_data.py").run()
    no_traceback(at)
    assert at.success and "Loaded" in at.success[0].value
    layers = at.dataframe[0].value
    assert "boundary" in set(layers["layer"])

    # only the configured parks are offered: no server path can be typed
    assert not [t for t in at.text_input if t.key == "data_park_path"]
    from ui import auth

    assert at.selectbox(key="data_park_choice").options == [str(p) for p in auth.known_parks()]
    assert str(tmp_path) not in " ".join(at.selectbox(key="data_park_choice").options)


def test_create_park_from_uploads(app_env, small_park, tmp_path):
    from ui import common

    files = {p.name: p.read_bytes() for p in small_park.iterdir() if p.is_file() and p.name != "park.toml"}
    folder, text = common.create_park("My Park", files)
    assert folder.parent == tmp_path / "parks" and folder.name == "my-park"
    assert (folder / "park.toml").read_text() == text
    assert 'name = "My Park"' in text and "boundary" in text
    assert sorted(p.name for p in folder.iterdir() if p.name != "park.toml") == sorted(files)
    # the same name never overwrites: a second folder is made
    folder2, _ = common.create_park("My Park", {"park.toml": b"[park]\n"})
    assert folder2.name == "my-park-2"
    assert (folder2 / "park.toml").read_bytes() == b"[park]\n"  # the upload is kept
    assert (folder2 / "park.draft.toml").exists()


# --- maps as objects ------------------------------------------------------------------------------
def test_park_map_layers_legend_and_offline_assets(park):
    from ui import maps

    over = maps.grid_overlay(
        "Risk of attack", np.random.default_rng(0).random(park.grid.shape), park.grid, "inferno_r", "probability"
    )
    m = maps.park_map(park, incidents=park.incidents, overlays=[over])
    html = maps.map_html(m)
    # every script and stylesheet is served by the app
    links = maps.asset_links(m)
    assert links and all(u.startswith("/app/static/") for u in links)
    for url in links:
        assert (ROOT / "static" / url.removeprefix("/app/static/")).is_file(), url
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith("/app/static/"), src
    # online tiles exist but are off
    assert "tile.openstreetmap.org" in html
    names = {getattr(c, "layer_name", None) for c in m._children.values()}
    assert "Park boundary" in names and "Risk of attack" in names
    present = set(park.incidents["type"].astype(str))
    for t in present:
        assert any(n and n.startswith(f"Incidents: {t.replace('_', ' ')}") for n in names), t
    legend = next(c for c in m._children.values() if isinstance(c, maps.Legend))
    assert "probability" in legend.html and "Ranger post" in legend.html
    for t in present:
        assert t.replace("_", " ") in legend.html.lower()


def test_legend_folds_and_routes_take_one_line(park):
    from ui import maps

    folded = maps.park_base_map(park, legend_open=False)
    legend = next(c for c in folded._children.values() if isinstance(c, maps.Legend))
    assert legend.open is False
    html = maps.map_html(folded)
    assert "<details" in html and "Legend</summary>" in html
    opened = next(c for c in maps.park_base_map(park)._children.values() if isinstance(c, maps.Legend))
    assert opened.open is True


def test_online_tiles_are_off_by_default(park):
    import folium

    from ui import maps

    m = maps.park_map(park)
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert len(tiles) == 2 and all(not t.show for t in tiles)


def test_localize_refuses_unknown_assets():
    import folium

    from ui import maps

    class Strange(folium.MacroElement):
        default_js = [("strange", "https://example.org/strange.js")]

    m = maps.base_map()
    Strange().add_to(m)
    with pytest.raises(ValueError, match="strange.js"):
        maps.localize(m)


def test_incident_popup_has_date_type_and_details():
    from ui import maps

    row = {
        "time": pd.Timestamp("2025-03-04 05:06", tz="UTC"),
        "type": "seizure",
        "type_raw": "Ivory seizure",
        "item": "ivory",
        "quantity": 12.5,
        "unit": "kg",
        "source_file": "incidents.csv",
        "source_row": 7,
    }
    text = maps.incident_popup(row)
    assert "2025-03-04 05:06 UTC" in text and "seizure" in text and "ivory 12.5 kg" in text and "row 7" in text
    # in the park's time zone (park.toml [park] timezone): East Africa is three hours ahead
    assert "2025-03-04 08:06 EAT" in maps.incident_popup(row, zone="Africa/Nairobi")
    assert maps.local_time_text("2025-12-31T22:30:00+00:00", "Africa/Johannesburg") == "2026-01-01 00:30 SAST"
    assert maps.local_time_text(pd.NaT, "Africa/Nairobi") == "NaT"


def test_hillshade_known_answers():
    from ui import maps

    flat = maps.hillshade(np.zeros((4, 5)), 10.0)
    assert np.allclose(flat, np.sin(np.radians(45.0)))
    # a slope facing the light (north-west) is brighter than one facing away
    rising_east = np.tile(np.arange(5.0), (4, 1)) * 10.0
    west_facing = maps.hillshade(rising_east, 10.0)  # rises to the east: faces west, toward the light
    east_facing = maps.hillshade(rising_east[:, ::-1], 10.0)
    assert west_facing.mean() > east_facing.mean()
    z = np.ones((3, 3))
    z[1, 1] = np.nan
    assert np.isnan(maps.hillshade(z, 10.0)[1, 1])


def test_overlay_bounds_cover_the_park(park):
    from ui import maps

    ov = maps.grid_overlay("x", np.ones(park.grid.shape), park.grid, "viridis", "unit")
    (s, w), (n, e) = ov.bounds
    (ps, pw), (pn, pe) = maps.park_bounds(park)
    assert s <= ps + 1e-6 and w <= pw + 1e-6 and n >= pn - 1e-6 and e >= pe - 1e-6
    assert ov.url.startswith("data:image/png;base64,")


def test_capture_curve_known_answer():
    from ui import riskview

    score = np.array([[4.0, 3.0], [2.0, 1.0]])
    outcome = np.array([[1, 0], [1, 0]])
    curve = riskview.capture_curve(score, outcome, np.ones((2, 2), bool))
    assert list(curve["share of incidents captured (%)"]) == [50.0, 50.0, 100.0, 100.0]
    assert list(curve["share of park area (%)"]) == [25.0, 50.0, 75.0, 100.0]


def test_validation_table_from_an_evaluation():
    from ui import riskview

    ev = {
        "found": {"effort-aware": {"auc": 0.8, "capture_top10pct": 0.4}, "kde": {"auc": 0.6, "capture_top10pct": 0.2}},
        "truth": {"effort-aware": {"auc": 0.85}, "kde": {"auc": 0.55}, "bayes_limit": {"auc": 0.9}},
        "ratio_to_bayes_limit": {"effort-aware": {"auc": 0.85 / 0.9, "capture_top10pct": 0.9}},
    }
    t = riskview.validation_table(ev)
    labels = riskview.MODEL_LABELS
    assert list(t["model"]) == [labels["effort-aware"], labels["kde"], riskview.ROW_LABELS["bayes_limit"]]
    assert t.loc[0, "vs found incidents: found in the riskiest 10 % of the park (%)"] == "40.00"
    assert t.loc[2, "vs true attacks: ranking skill (AUC, 0.5 = chance, 1 = perfect)"] == "0.90"
    assert t.loc[0, "ranking skill / best possible (ratio)"] == f"{0.85 / 0.9:.2f}"
    assert t.loc[1, "ranking skill / best possible (ratio)"] == "–", "no number is an empty mark, not None"
    assert "None" not in t.to_string()
