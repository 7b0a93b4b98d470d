"""Patrol plans: routes from the posts over the risk surface, their figures and field files."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from layers.defaults import DEFAULT_PATROL_KM, DEFAULT_TEAMS_PER_POST
from ui import common, maps, riskview

st.title("Patrol plans")
park = common.require_park()
plan_patrols = common.optional("patrols.planner", "plan_patrols")
export = {
    name: common.optional("patrols.export", name)
    for name in ("gpx_bytes", "kml_bytes", "sheet_pdf_bytes", "waypoints_csv_bytes", "plan_zip_bytes", "plan_summary")
}

risk = common.session_risk(park)
posts_all = [str(n) for n in park.posts["name"]] if len(park.posts) else []

with st.sidebar:
    st.header("Plan settings")
    posts = st.multiselect("Ranger posts", posts_all, default=posts_all, key="plan_posts")
    teams = st.number_input("Teams per post", 1, 6, DEFAULT_TEAMS_PER_POST, key="plan_teams")
    default_start = (
        (pd.Timestamp(risk["settings"]["train_until"]) + pd.Timedelta(days=1)).date() if risk else dt.date.today()
    )
    start = st.date_input("First day", value=default_start, key="plan_start")
    days = st.number_input("Days", 1, 31, 3, key="plan_days")
    kind = st.radio("Patrol kind", ["foot", "vehicle"], horizontal=True, key="plan_kind")
    km = st.slider(
        "Distance per patrol (km)", 4.0, 120.0 if kind == "vehicle" else 40.0, DEFAULT_PATROL_KM, 1.0, key="plan_km"
    )
    randomness = st.slider(
        "Unpredictability (0 = best routes, 1 = most random)", 0.0, 1.0, 0.0, 0.1, key="plan_randomness"
    )
    seed = st.number_input("Random seed", 0, 10_000, 0, key="plan_seed")

if plan_patrols is None:
    common.not_available("Patrol planning", "patrols.planner.plan_patrols")
    st.stop()

if risk is None:
    st.info(
        "No risk surface fitted in this session: planning first fits the recommended model with its default "
        "settings. Fit and compare models on the Risk page.",
    )

if st.button("Plan patrols", type="primary", disabled=not posts, key="plan_go"):
    bar = st.progress(0.0, text="Starting...")
    if risk is None:
        risk = common.run_library(
            lambda: riskview.fit_default(park, common.progress_callback(bar)), "The risk model could not be fitted"
        )
    if risk is not None:
        plan = common.run_library(
            lambda: plan_patrols(
                park,
                risk["surface"].risk,
                start,
                int(days),
                posts=list(posts),
                teams=int(teams),
                km=float(km),
                kind=kind,
                randomness=float(randomness),
                seed=int(seed),
                progress=common.progress_callback(bar),
            ),
            "The plan could not be made",
        )
        if plan is not None:
            st.session_state["plan"] = {"park": str(park.folder), "plan": plan}
    bar.empty()

current = common.session_plan(park)
if current is None:
    overlays = common.risk_overlays(risk["surface"]) if risk else []
    base = maps.park_base_map(park, list(common.raster_overlays(str(park.folder))) + overlays)
    common.show_map(base, key="plan_map")
    st.stop()

plan = current["plan"]
summary = plan.summary()
total_km = float(summary["km"].sum())
c = st.columns(4)
c[0].metric("Patrols (count)", f"{len(plan.patrols)}")
c[1].metric("Distance (km)", f"{total_km:,.1f}")
c[2].metric("Expected risk covered (attacked cells found)", f"{plan.total_risk:.3f}")
if plan.best_risk:
    c[3].metric("Share of the best plan (%)", f"{100 * plan.total_risk / plan.best_risk:.0f}")

overlays = list(common.raster_overlays(str(park.folder)))
if risk:
    overlays += common.risk_overlays(risk["surface"])
common.show_map(maps.park_base_map(park, overlays, plan=plan), key="plan_map", height=520)
table = summary.drop(columns=["post"], errors="ignore").rename(
    columns={
        "km": "distance (km)",
        "hours": "duration (h)",
        "expected_risk": "expected risk covered (attacked cells found)",
    }
)
st.dataframe(table, hide_index=True, width="stretch")

st.subheader("Field files")
ids = [p.patrol_id for p in plan.patrols]
if not ids:
    st.warning("The plan has no patrol: check the posts and the distance per patrol.")
    st.stop()
chosen = st.selectbox("Patrol", ids, key="plan_file_patrol")
patrol = plan.patrols[ids.index(chosen)]
surface = risk["surface"] if risk else None
files = [
    ("GPX", "gpx_bytes", ".gpx", "application/gpx+xml", lambda f: f(patrol)),
    ("KML", "kml_bytes", ".kml", "application/vnd.google-earth.kml+xml", lambda f: f(patrol)),
    (
        "PDF sheet",
        "sheet_pdf_bytes",
        "_sheet.pdf",
        "application/pdf",
        lambda f: f(
            patrol,
            risk=None if surface is None else surface.risk,
            grid=park.grid,
            boundary=park.boundary.union_all(),
            park_name=park.name,
        ),
    ),
    ("CSV waypoints", "waypoints_csv_bytes", "_waypoints.csv", "text/csv", lambda f: f(patrol)),
]
cols = st.columns(len(files) + 1)
for col, (label, fname, suffix, mime, call) in zip(cols, files):
    fn = export[fname]
    if fn is None:
        col.caption(f"{label}: not available")
        continue
    col.download_button(
        f"{label}",
        data=lambda fn=fn, call=call: call(fn),
        file_name=f"{chosen}{suffix}",
        mime=mime,
        on_click="ignore",
        key=f"dl_{fname}_{chosen}",
    )
if export["plan_zip_bytes"] is not None:
    cols[-1].download_button(
        "Whole plan (zip)",
        data=lambda: export["plan_zip_bytes"](plan, park=park, risk=surface),
        file_name="plan.zip",
        mime="application/zip",
        on_click="ignore",
        key="dl_plan_zip",
        type="primary",
    )
else:
    cols[-1].caption("Plan zip: not available")
