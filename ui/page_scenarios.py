"""Scenarios: what a new post, more teams or longer patrols would buy, compared side by side.

Scenarios are TOML files in the park's ``scenarios/`` folder (the baseline,
the park's current set-up, is always there).  Each action below is one call
of :mod:`patrols.scenarios`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from access import guard, roles
from patrols.scenarios import (
    PostChange,
    RiskInput,
    Scenario,
    comparison_table,
    cost_effectiveness,
    delete_scenario,
    duplicate_scenario,
    list_scenarios,
    rename_scenario,
    save_scenario,
    scenario_problems,
    write_comparison_pdf,
)
from patrols.scenarios.defaults import BASELINE_KM, BASELINE_PATROL_DAYS_PER_MONTH, BASELINE_TEAMS
from patrols.scenarios.io import scenario_to_toml
from ui import auth, common, jobs, jobtasks, maps, mapview, riskview, scenarioview

FORECAST = riskview.FORECAST
RISK_PAGE = riskview.RISK_PAGE
MAX_MAPS = 3

st.title("Scenarios")
st.caption(
    "What a new post, more teams or longer patrols would buy: each scenario's month is planned from the same "
    "risk map and compared with the park's current set-up (the baseline)."
)
user = auth.require(roles.SCENARIOS, "scenarios")
park = guard.park_layers_for(user, auth.require_park(user))
folder = Path(park.folder)
risk_page = common.session_risk(park)
posts_all = [str(n) for n in park.posts["name"]] if len(park.posts) else []

with st.sidebar:
    st.header("Risk to plan on")
    source = riskview.risk_source_radio(risk_page, key="scen_risk_source")
    st.caption(
        "Scenarios plan the first month the risk surface covers. A Risk-page surface with a past cut-off also scores a demo park under its hidden truth."
    )


def risk_entry(bar):
    """The chosen risk surface (the forecast is fitted on first use)."""
    if source == RISK_PAGE:
        return risk_page
    entry = riskview.session_forecast(park, 1)
    if entry is None:
        entry = common.run_library(
            lambda: riskview.fit_forecast(park, 1, common.progress_callback(bar)),
            "The risk forecast could not be fitted",
        )
    return entry


tab_list, tab_new, tab_suggest, tab_run = st.tabs(["Scenarios", "New scenario", "Suggest posts", "Run and compare"])

# --- the park's scenarios --------------------------------------------------------------------
scenarios = common.run_library(lambda: list_scenarios(folder), "The scenarios could not be listed") or []
names = [s.name for s in scenarios]
with tab_list:
    for problem in scenario_problems(folder):
        st.warning(problem)
    rows = [
        {
            "scenario": s.name,
            "what it changes": s.description or ("nothing: the park's current set-up" if s.is_baseline else ""),
            "file": s.source.name if s.source else "(not a file)",
        }
        for s in scenarios
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    chosen = st.selectbox("Scenario", names, key="scen_pick")
    picked = next((s for s in scenarios if s.name == chosen), None)
    if picked is not None:
        st.code(scenario_to_toml(picked), language="toml")
    c1, c2, c3 = st.columns(3)
    with c1:
        copy_name = st.text_input("Name of the copy", value=f"{chosen} copy" if chosen else "", key="scen_copy_name")
        if st.button("Duplicate", key="scen_copy", disabled=not chosen):
            if common.run_library(lambda: duplicate_scenario(folder, chosen, copy_name), "Not duplicated") is not None:
                st.rerun()
    is_file = picked is not None and picked.source is not None
    with c2:
        new_name = st.text_input("New name", value=chosen or "", key="scen_new_name", disabled=not is_file)
        if st.button("Rename", key="scen_rename", disabled=not is_file):
            if common.run_library(lambda: rename_scenario(folder, chosen, new_name), "Not renamed") is not None:
                st.rerun()
    with c3:
        sure = st.checkbox("Yes, delete its file", key="scen_delete_sure", disabled=not is_file)
        if st.button("Delete", key="scen_delete", disabled=not (is_file and sure)):
            if common.run_library(lambda: delete_scenario(folder, chosen), "Not deleted") is not None:
                st.rerun()
    if not is_file:
        st.caption("The baseline is the park's current set-up: duplicate it to change it.")

# --- a new scenario ----------------------------------------------------------------------------
with tab_new:
    st.subheader("Place a new post (optional)")
    st.caption("Click the map to place the post, or type its coordinates (in any CRS).")
    clicked = None
    try:
        from streamlit_folium import st_folium

        base = maps.park_base_map(park, online_tiles=False)
        out = st_folium(
            base, key="scen_place_map", height=420, use_container_width=True, returned_objects=["last_clicked"]
        )
        clicked = (out or {}).get("last_clicked")
    except Exception as exc:  # the map widget is optional: typed coordinates still work
        st.caption(f"The map could not be drawn ({exc}); type the coordinates.")
    centre = park.boundary.to_crs("EPSG:4326").geometry.iloc[0].representative_point()
    st.session_state.setdefault("scen_x", float(centre.x))
    st.session_state.setdefault("scen_y", float(centre.y))
    st.session_state.setdefault("scen_crs", "EPSG:4326")
    if clicked and clicked != st.session_state.get("scen_click_seen"):  # a new click places the post
        st.session_state["scen_click_seen"] = clicked
        st.session_state["scen_x"], st.session_state["scen_y"] = float(clicked["lng"]), float(clicked["lat"])
        st.session_state["scen_crs"] = "EPSG:4326"
        st.session_state["scen_add"] = True
    add_post = st.checkbox("Add a post", key="scen_add")
    p1, p2, p3, p4 = st.columns(4)
    post_name = p1.text_input("Post name", value="New post", key="scen_post_name")
    crs = p2.text_input("CRS of the coordinates", key="scen_crs", help="EPSG:4326: longitude, latitude")
    x = p3.number_input("x (longitude or easting)", format="%.6f", key="scen_x")
    y = p4.number_input("y (latitude or northing)", format="%.6f", key="scen_y")
    post_teams = st.number_input("Teams at the new post", 0, 10, BASELINE_TEAMS, key="scen_post_teams")

    st.subheader("Other changes")
    o1, o2, o3 = st.columns(3)
    removed = o1.multiselect("Remove posts", posts_all, key="scen_remove")
    teams = o1.number_input("Teams at every post", 0, 10, BASELINE_TEAMS, key="scen_teams")
    extra = o1.number_input("Extra teams at every post", 0, 5, 0, key="scen_extra")
    days = o2.number_input("Patrol days a month", 1, 31, BASELINE_PATROL_DAYS_PER_MONTH, key="scen_days")
    km = o2.number_input("km per patrol and day", 2.0, 150.0, BASELINE_KM, 1.0, key="scen_km")
    kind = o3.radio("Patrol kind", ["foot", "vehicle"], horizontal=True, key="scen_kind")
    days_per_patrol = o3.radio(
        "Days per patrol", [1, 2], horizontal=True, key="scen_dpp", help="2: camping out one night"
    )
    s1, s2 = st.columns(2)
    name = s1.text_input("Scenario name", value="", key="scen_name")
    description = s2.text_input("What it is for", value="", key="scen_desc")
    if st.button("Save the scenario", type="primary", key="scen_save", disabled=not name.strip()):
        scenario = Scenario(
            name=name.strip(),
            description=description,
            crs=crs.strip() or "EPSG:4326",
            add_posts=[PostChange(post_name.strip() or "New post", float(x), float(y), teams=int(post_teams))]
            if add_post
            else [],
            remove_posts=list(removed),
            teams=None if int(teams) == BASELINE_TEAMS else int(teams),
            extra_teams=int(extra),
            days_per_month=None if int(days) == BASELINE_PATROL_DAYS_PER_MONTH else int(days),
            km=None if float(km) == BASELINE_KM else float(km),
            kind=None if kind == "foot" else kind,
            days_per_patrol=None if int(days_per_patrol) == 1 else int(days_per_patrol),
        )

        def save():
            from patrols.scenarios import resolve

            resolve(scenario, park)  # a post outside the park is refused before the file is written
            return save_scenario(scenario, folder)

        path = common.run_library(save, "The scenario was not saved")
        if path is not None:
            st.success(f"Saved {path.name} in {path.parent}")
            st.rerun()

# --- suggest posts ---------------------------------------------------------------------------
with tab_suggest:
    st.caption(
        "Where new posts would add the most expected detections: sites whose day's patrol reaches the most risk the "
        "current set-up leaves (maximum coverage over the planner's reach)."
    )
    g1, g2, g3 = st.columns(3)
    n_posts = g1.number_input("New posts", 1, 5, 1, key="scen_n")
    near = g2.checkbox("Only near roads", key="scen_near")
    near_km = g2.number_input("within (km of a road)", 0.5, 20.0, 2.0, 0.5, key="scen_near_km", disabled=not near)
    exact = g3.checkbox("Exact search (slower)", key="scen_exact")
    if st.button("Suggest posts", key="scen_suggest"):
        bar = st.progress(0.0, text="Starting...")
        entry = risk_entry(bar)
        if entry is not None:

            def suggest():  # in the job worker process, shared by identical requests (ui.jobs)
                risk = RiskInput.from_surface(entry["surface"])
                stamp = common.stamp(folder)
                near_roads = float(near_km) if near else None
                method = "exact" if exact else "greedy"
                key = ("suggest", str(folder), stamp, mapview.array_digest(risk.risk), int(n_posts), near_roads)
                key += (method, user.role, tuple(user.posts or ()))
                args = (str(folder), stamp, user, risk, int(n_posts), near_roads, method)
                return jobs.result(key, jobtasks.suggest_task, common.progress_callback(bar), args=args)

            suggestion = common.run_library(suggest, "No posts could be suggested")
            if suggestion is not None:
                st.session_state["scen_suggestion"] = {"park": str(folder), "suggestion": suggestion}
        bar.empty()
    kept = st.session_state.get("scen_suggestion")
    if kept and kept["park"] == str(folder):
        suggestion = kept["suggestion"]
        table = suggestion.table().rename(
            columns={"gain": "gain (attacks a month in reach)", "share": "share of the park's risk"}
        )
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(
            f"{suggestion.method} search over {suggestion.candidates} candidate sites; gain: expected attacks a month "
            "within a day's patrol of the site that the set-up before it leaves undetected."
        )
        sites = tuple((s.name, round(s.x, 1), round(s.y, 1), round(s.gain, 4)) for s in suggestion.sites)
        common.show_map(
            lambda: scenarioview.suggestion_map(park, suggestion),
            key="scen_suggest_map",
            height=420,
            base_key=("scen_suggest", str(folder), common.stamp(folder), sites),  # rendered once per suggestion
            layer_key=(),
        )
        st.caption("The suggested sites are drawn as posts, named with their gain.")
        st.code(scenario_to_toml(suggestion.scenario), language="toml")
        if st.button("Save as a scenario", key="scen_suggest_save"):
            path = common.run_library(lambda: save_scenario(suggestion.scenario, folder), "Not saved")
            if path is not None:
                st.success(f"Saved {path.name}")
                st.rerun()

# --- run and compare -------------------------------------------------------------------------
with tab_run:
    others = names[1:]
    run_names = st.multiselect(
        "Scenarios to compare with the baseline (none chosen: every scenario)", others, key="scen_run_pick"
    )
    curve_steps = st.number_input(
        "Teams to add one at a time (cost-effectiveness curve; 0 = none)", 0, 6, 0, key="scen_curve"
    )
    if st.button("Run and compare", type="primary", key="scen_run"):
        bar = st.progress(0.0, text="Starting...")
        entry = risk_entry(bar)
        if entry is not None:
            picked_names = run_names or others
            chosen_scenarios = [scenarios[0], *[s for s in scenarios if s.name in picked_names]]

            def run():  # in the job worker process, shared by identical requests (ui.jobs)
                risk = RiskInput.from_surface(entry["surface"])
                stamp = common.stamp(folder)
                key = ("scenarios", str(folder), stamp, mapview.array_digest(risk.risk), repr(chosen_scenarios))
                key += (int(curve_steps), user.role, tuple(user.posts or ()))
                args = (str(folder), stamp, user, risk, chosen_scenarios, int(curve_steps))
                results, curve = jobs.result(key, jobtasks.scenarios_task, common.progress_callback(bar), args=args)
                return results, curve, riskview.describe(entry)

            done = common.run_library(run, "The scenarios could not be run")
            if done is not None:
                scenarioview.keep_results(park, *done)
        bar.empty()
    kept = scenarioview.session_results(park)
    if kept:
        results, curve = kept["results"], kept["curve"]
        st.caption("Risk: " + kept["risk"] + f". Month planned: {results[0].plan.start:%Y-%m}.")
        for note in dict.fromkeys(n for r in results for n in r.notes):
            st.info(note)
        table = comparison_table(results)
        st.dataframe(table.round(3), hide_index=True, width="stretch")
        st.subheader("Cost-effectiveness")
        ce = cost_effectiveness(results)
        if "png" not in kept:  # drawn once per run, not on every rerun
            kept["png"] = scenarioview.cost_effectiveness_png(ce, curve)
        st.image(kept["png"])
        if curve is not None:
            st.dataframe(curve, hide_index=True, width="stretch")
        st.subheader("Maps")
        cols = st.columns(min(len(results), MAX_MAPS))
        for i, (col, r) in enumerate(zip(cols, results[:MAX_MAPS])):
            with col:
                st.markdown(f"**{r.name}**: {r.outcomes.expected_detections:.1f} expected detections a month")
                common.show_map(
                    lambda r=r: scenarioview.result_map(park, r),
                    key=f"scen_map_{i}",
                    height=360,
                    base_key=("scen_result", str(folder), common.stamp(folder), kept.get("key"), i),
                    layer_key=(),
                )
        d1, d2 = st.columns(2)
        d1.download_button(
            "Comparison (CSV)", table.to_csv(index=False).encode(), "scenarios.csv", "text/csv", key="scen_csv"
        )
        if "pdf" not in kept:  # written once per run, not on every rerun
            with tempfile.TemporaryDirectory() as tmp:
                pdf = common.run_library(
                    lambda: write_comparison_pdf(
                        results, Path(tmp) / "scenarios.pdf", curve, title=f"{park.name}: scenarios"
                    ),
                    "The PDF could not be written",
                )
                kept["pdf"] = pdf.read_bytes() if pdf is not None else None
        if kept["pdf"] is not None:
            d2.download_button("Comparison (PDF)", kept["pdf"], "scenarios.pdf", "application/pdf", key="scen_pdf")
