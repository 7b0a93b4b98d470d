"""Patrol plans: routes for the next days from the posts over a risk forecast, their figures and field files.

A ranger plans the period that has not happened yet: by default the risk is a
forecast of the recommended model trained on every day of data (up to the
park's last incident or GPS fix) for the months after it, and the plan starts
the day after that last date.  The surface fitted on the Risk page (often a
validation cut-off in the past) can be used instead.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from access import guard, roles
from access.exports import patrol_files_for
from layers.defaults import DEFAULT_PATROL_KM, DEFAULT_TEAMS_PER_POST
from patrols.defaults import DEFAULT_EXPLORE
from patrols.kept import keep_plan, kept_plans
from patrols.landmarks import landmarks_from_park
from patrols.roster import ROSTER_NAME
from ui import auth, common, exports, jobs, jobtasks, maps, mapview, riskview, times

FORECAST = riskview.FORECAST
RISK_PAGE = riskview.RISK_PAGE
ROWS_PER_DAY_PICKER = 16  # above this many patrols the downloads are listed one day at a time

st.title("Patrol plans")
user = auth.require(roles.PLAN, "patrol plans")
park = guard.park_layers_for(user, auth.require_park(user))
jobs.warm()  # the job worker starts (and imports the libraries) while the user sets up the fit
sees_risk = roles.can(user, roles.RISK)

risk_page = common.session_risk(park) if sees_risk else None
last_day = common.last_data_date(park)
posts_all = guard.posts_for(user, [str(n) for n in park.posts["name"]] if len(park.posts) else [])
if not posts_all:
    st.warning(f"{user.label} belongs to no post of {park.name}. Fix: a manager adds the post (`python -m access`).")
    st.stop()

with st.sidebar:
    st.header("Risk to plan on")
    source = riskview.risk_source_radio(risk_page, key="plan_risk_source")
    if not risk_page and sees_risk:
        st.caption("Fit a surface on the Risk page to plan on it instead.")
    horizon = riskview.DEFAULT_HORIZON
    if source == FORECAST:
        horizon = st.number_input("Forecast horizon (months)", 1, 12, riskview.DEFAULT_HORIZON, key="plan_horizon")
    st.header("Plan settings")
    posts = st.multiselect("Ranger posts", posts_all, default=posts_all, key="plan_posts")
    teams = st.number_input("Teams per post", 1, 6, DEFAULT_TEAMS_PER_POST, key="plan_teams")
    default_start = (last_day + dt.timedelta(days=1)) if last_day else dt.date.today()
    start = st.date_input(
        "First day", value=default_start, key="plan_start", help="By default the day after the park's last data."
    )
    days = st.number_input("Days", 1, 31, 3, key="plan_days")
    kind = st.radio("Patrol kind", ["foot", "vehicle"], horizontal=True, key="plan_kind")
    km = st.slider(
        "Distance per patrol (km)", 4.0, 120.0 if kind == "vehicle" else 40.0, DEFAULT_PATROL_KM, 1.0, key="plan_km"
    )
    randomness = st.slider(
        "Unpredictability (0 = best routes, 1 = most random)", 0.0, 1.0, 0.0, 0.1, key="plan_randomness"
    )
    explore = st.slider(
        "Exploration (0 = expected finds only)",
        0.0,
        3.0,
        float(DEFAULT_EXPLORE),
        0.25,
        key="plan_explore",
        help="Weight of finding out: routes also go where the risk map is uncertain, mostly ground nobody has "
        "searched for a year (1 about doubles its value). The plan's expected finds count the risk alone.",
    )
    seed = st.number_input("Random seed", 0, 10_000, 0, key="plan_seed")

# --- the risk surface used -------------------------------------------------------------------
if source == FORECAST:
    chosen = riskview.session_forecast(park, int(horizon))
    f = riskview.forecast_settings(park, int(horizon))
    if chosen is None:
        first = pd.Period(pd.Timestamp(f["train_until"]), "M") + 1
        st.info(
            f"Risk used for planning: a forecast of the **{riskview.MODEL_LABELS.get(f['model'], f['model'])}** model "
            f"trained on all data up to **{f['train_until']}** (the park's last incident or GPS fix), for "
            f"**{first} to {first + int(horizon) - 1}** ({int(horizon)} months). It is fitted when you press "
            "**Plan patrols**.",
        )
else:
    chosen = risk_page
if chosen is not None:
    st.caption(
        ("Risk used for planning: " if source == FORECAST else "Risk used for planning (Risk page): ")
        + riskview.describe(chosen)
        + "."
    )
    if not riskview.covers(chosen, start, int(days)):
        st.warning(
            f"The plan's days ({start} to {start + dt.timedelta(days=int(days) - 1)}) fall outside the months this "
            "risk surface forecasts: use the forecast from all data, or change the first day.",
        )

if st.button("Plan patrols", type="primary", disabled=not posts, key="plan_go"):
    bar = st.progress(0.0, text="Starting...")
    if chosen is None:
        chosen = common.run_library(
            lambda: riskview.fit_forecast(park, int(horizon), common.progress_callback(bar)),
            "The risk forecast could not be fitted",
        )
    if chosen is not None:
        settings = dict(
            posts=tuple(posts),
            teams=int(teams),
            km=float(km),
            kind=kind,
            randomness=float(randomness),
            seed=int(seed),
            explore=float(explore),
        )
        risk_now = chosen["surface"].risk
        key = ("plan", str(park.folder), common.stamp(park.folder), jobs.array_key(risk_now), str(start), int(days))
        key += tuple(sorted(settings.items()))
        surface = chosen["surface"]
        args = (str(park.folder), common.stamp(park.folder), user, risk_now, surface.uncertainty, surface.unsearched)
        args += (start, int(days), dict(settings, posts=list(posts)))
        plan = common.run_library(
            lambda: jobs.result(key, jobtasks.plan_task, common.progress_callback(bar), args=args),
            "The plan could not be made",
        )
        if plan is not None:
            entry = {"park": str(park.folder), "plan": plan, "risk": chosen, "files": {}}
            meta = {"risk_name": chosen.get("kept"), "risk": getattr(chosen["surface"], "label", "")}
            entry["kept"] = common.keep_work(lambda: keep_plan(park.folder, plan, meta), "The plan")
            st.session_state["plan"] = entry
    bar.empty()
    if chosen is not None and common.session_plan(park) is not None:
        st.rerun()  # the caption above names the surface just fitted

current = common.session_plan(park)
kept = common.run_library(lambda: kept_plans(park.folder), "The kept plans could not be listed")
if kept is not None and len(kept):
    labels = {
        r.name: f"{r.start}, {r.days} days, {r.patrols} patrols, {r.km:,.0f} km (made {times.made_text(r.updated, park)})"
        for r in kept.itertuples()
    }
    names = list(labels)
    now = current.get("kept") if current else None
    if now in names and st.session_state.get("plan_kept_shown") != now:
        st.session_state["plan_kept"] = now  # a new or restored plan: the selector shows it
        st.session_state["plan_kept_shown"] = now
    picked = st.selectbox(
        f"Kept plans of this park ({len(names)})",
        names,
        format_func=labels.get,
        key="plan_kept",
        help="Every plan made here is kept in the park's store and comes back after a reload or a park switch.",
    )
    if picked != now:
        current = common.restore_plan(park, picked) or current


def plan_map_key(overlays, surface, shown_plan) -> tuple:
    """Everything the plan map draws (the plan as the user may see it, the surface): rendered once per key."""
    return (
        "plan_map",
        str(park.folder),
        common.stamp(park.folder),
        user.role,
        tuple(user.posts or ()),
        tuple(getattr(o, "name", "") for o in overlays),
        mapview.array_digest(surface.risk) if surface is not None else "",
        mapview.plan_key(shown_plan),
    )


if current is None:
    overlays = list(common.raster_overlays(str(park.folder), park=park))
    if chosen is not None and sees_risk:
        overlays += common.risk_overlays(guard.risk_for(user, chosen["surface"]))
    common.show_map(
        lambda: maps.park_base_map(park, overlays, legend_open=False),
        key="plan_map",
        base_key=plan_map_key(overlays, chosen["surface"] if chosen is not None and sees_risk else None, None),
        layer_key=(),  # no layer follows a filter here: the layer control is kept too
    )
    st.stop()

plan = guard.plan_for(user, current["plan"])
used = current.get("risk") or chosen
surface = used["surface"] if used else None
if used is not None and used is not chosen:
    st.caption(
        "This plan was made on: " + riskview.describe(used) + ". Press **Plan patrols** to plan on the surface above."
    )
summary = plan.summary()
total_km = float(summary["km"].sum())
c = st.columns(4)
c[0].metric("Patrols (count)", f"{len(plan.patrols)}")
c[1].metric("Distance (km)", f"{total_km:,.1f}")
c[2].metric(
    "Expected finds (count)",
    f"{plan.total_risk:.2f}",
    help="How many attacks the plan's patrols are expected to detect, if the risk map is right: the sum over the "
    "places walked of their risk times the chance that a patrol walking there finds a sign.",
)
if plan.best_risk and float(plan.settings.get("randomness", 0) or 0) > 0:
    c[3].metric(
        "Finds kept from the best plan (%)",
        f"{100 * plan.total_risk / plan.best_risk:.0f}",
        help="Unpredictable routes give up some expected finds: this is their share of the best routes' finds.",
    )

overlays = list(common.raster_overlays(str(park.folder), park=park))
if surface is not None and sees_risk:
    overlays += common.risk_overlays(guard.risk_for(user, surface))
common.show_map(
    lambda: maps.park_base_map(park, overlays, plan=plan, legend_open=False, open_on_routes=True),
    key="plan_map",
    height=520,
    base_key=plan_map_key(overlays, surface if sees_risk else None, plan),
    layer_key=(),
)
table = summary.drop(columns=["post"], errors="ignore").rename(
    columns={
        "km": "distance (km)",
        "hours": "duration (h)",
        "expected_risk": "expected finds (attacks detected)",
    }
)
table["expected finds (attacks detected)"] = table["expected finds (attacks detected)"].round(2)
st.dataframe(table, hide_index=True, width="stretch")

# --- field files: the bytes are made on the first download and kept with the plan ----------------
st.subheader("Field files")
if not plan.patrols:
    st.warning("The plan has no patrol: check the posts and the distance per patrol.")
    st.stop()
files: dict = current.setdefault("files", {})
risk_array = None if surface is None else surface.risk

FILES = [  # label, file name suffix (as in the plan's zip), MIME type
    ("GPX", ".gpx", "application/gpx+xml"),
    ("KML", ".kml", "application/vnd.google-earth.kml+xml"),
    ("PDF sheet", "_sheet.pdf", "application/pdf"),
    ("CSV", "_waypoints.csv", "text/csv"),
]


def patrol_file(suffix: str, patrol) -> bytes:
    """One field file of ``patrol``, the same bytes as in the plan's zip (made once per patrol and plan).

    The files come from :func:`access.exports.patrol_files_for`: navigation waypoints at every turn, the sheet
    with the park's landmarks (read once per plan), the risk only along the route.
    """
    if patrol.patrol_id not in files:
        if "landmarks" not in current:
            current["landmarks"] = landmarks_from_park(park)
        files[patrol.patrol_id] = patrol_files_for(
            user, patrol, park=park, risk=risk_array, grid=park.grid, landmarks=current["landmarks"]
        )
    bundle = files[patrol.patrol_id]
    return next(data for name, data in bundle.items() if name.endswith(suffix))


zip_key = ("plan-zip", str(park.folder), current.get("kept") or id(plan), user.name, user.role)
zip_args = (str(park.folder), common.stamp(park.folder), user, plan, surface)


def zip_work(progress) -> bytes:
    """The whole plan's files as one zip, as the user may carry it (:func:`ui.jobtasks.plan_zip_task`).

    It is made in the job worker process (no streamlit there); this server thread only waits and relays
    the progress.  A ranger gets their own posts' patrols, the risk only along each route.
    """
    make = lambda: jobs.result(zip_key + zip_args[1:2], jobtasks.plan_zip_task, progress, args=zip_args)  # noqa: E731
    return auth.audited(make, user, f"plan zip ({len(plan.patrols)} patrols)", park.folder)()


top = st.columns([3, 1])
top[0].caption(
    "Each patrol's GPX (GPS units), KML (Google Earth), printable PDF sheet and CSV of waypoints. "
    f"The whole plan ({len(plan.patrols)} patrols) is zipped once in the background, with its progress shown, "
    "then offered with the roster (every sheet in one PDF, to print); you may keep working meanwhile."
)
with top[1]:
    exports.show(
        exports.get(zip_key),
        "Prepare the whole plan (zip)",
        "plan.zip",
        "application/zip",
        lambda: exports.start(zip_key, "Whole plan (zip)", zip_work, errors=common.library_errors()),
        key="dl_plan_zip",
    )
    roster = exports.zip_member(exports.get(zip_key), ROSTER_NAME)
    if roster:
        st.download_button(
            f"Roster: every sheet in one PDF ({len(roster) / 1e6:,.1f} MB)",
            data=roster,
            file_name=f"roster-{plan.start}.pdf",
            mime="application/pdf",
            on_click="ignore",
            key="dl_plan_roster",
            width="stretch",
        )

colour = {p.patrol_id: maps.ROUTE_COLOURS[i % len(maps.ROUTE_COLOURS)] for i, p in enumerate(plan.patrols)}
shown = list(plan.patrols)
if len(shown) > ROWS_PER_DAY_PICKER:
    dates = sorted({str(p.date) for p in shown})
    day = st.selectbox("Day", dates, key="plan_file_day")
    shown = [p for p in shown if str(p.date) == day]
for patrol in shown:
    row = st.columns([3, 1, 1, 1, 1], vertical_alignment="center")
    row[0].markdown(
        f"<span style='color:{colour[patrol.patrol_id]};font-size:1.2em'>&#9632;</span> **{patrol.patrol_id}** · "
        f"{patrol.length_km:.1f} km, {patrol.hours:.1f} h",
        help=f"{patrol.post}, team {patrol.team}, {patrol.date}",
        unsafe_allow_html=True,
    )
    for col, (label, suffix, mime) in zip(row[1:], FILES):
        col.download_button(
            label,
            data=auth.audited(
                lambda suffix=suffix, patrol=patrol: patrol_file(suffix, patrol),
                user,
                f"{label} of patrol {patrol.patrol_id}",
                park.folder,
            ),
            file_name=f"{patrol.patrol_id}{suffix}",
            mime=mime,
            on_click="ignore",
            key=f"dl_{suffix.strip('._')}_{patrol.patrol_id}",
            width="stretch",
        )
