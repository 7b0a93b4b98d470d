"""Park map: every layer of the park, incidents filtered by period and type, summary figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from access import guard, roles
from ui import auth, common, maps, mapview, riskview

st.title("Park map")
user = auth.require(roles.MAP, "the park map")
park = guard.park_layers_for(user, auth.require_park(user, light=True))
st.caption(
    f"{park.name} · folder `{park.folder}` · CRS {park.crs.to_string() if hasattr(park.crs, 'to_string') else park.crs}"
)

incidents = park.incidents
months = park.months
present = [t for t in maps.INCIDENT_COLOURS if len(incidents) and t in set(incidents["type"].astype(str))]

with st.sidebar:
    st.header("Filters")
    types = st.multiselect(
        "Incident types", present, default=present, format_func=lambda t: t.replace("_", " "), key="map_types"
    )
    if months:
        labels = [str(p) for p in months]
        one_month = st.toggle("One month at a time", value=False, key="map_one_month")
        if one_month:
            month = st.select_slider("Month", options=labels, value=labels[-1], key="map_month")
            period = (month, month)
        else:
            period = st.select_slider(
                "Period (months)", options=labels, value=(labels[0], labels[-1]), key="map_period"
            )
    else:
        period = None
    show_tracks = st.checkbox("Draw GPS tracks of the period (slower)", value=False, key="map_tracks")


def significant(value: float) -> str:
    """Two significant figures, never rounded to a misleading 0.0: 0.032, 0.32, 3.2, 32."""
    if value == 0:
        return "0"
    return f"{value:.2g}" if abs(value) < 100 else f"{value:,.0f}"


# --- filter -------------------------------------------------------------------------
if period is not None:
    p0, p1 = pd.Period(period[0], "M"), pd.Period(period[1], "M")
    t0 = p0.start_time.tz_localize("UTC")
    t1 = p1.end_time.tz_localize("UTC")
else:
    p0 = p1 = t0 = t1 = None

sel = incidents
if len(sel):
    sel = sel[sel["type"].astype(str).isin(types)]
    if t0 is not None:
        sel = sel[(sel["time"] >= t0) & (sel["time"] <= t1)]


@st.cache_resource(show_spinner=False, max_entries=48)
def effort_of_months(folder: str, content_stamp: str, first: str, last: str):
    """Km patrolled from month ``first`` to ``last``, its effort overlay and legend ramp (kept per period)."""
    return effort_of_period(common.effort(folder), (first, last))


@st.cache_resource(show_spinner=False, max_entries=48)
def km_of_months(folder: str, content_stamp: str, first: str, last: str):
    """Km patrolled from month ``first`` to ``last`` and the effort's legend ramp, without drawing its overlay."""
    return effort_of_period(common.effort(folder), (first, last), draw=False)


def effort_scale_max(effort) -> float:
    """A fixed top of the effort colour scale: the 95th percentile of km per cell and month."""
    km = np.asarray(effort.km)
    positive = km[km > 0]
    return float(np.percentile(positive, 95)) if positive.size else 1.0


def effort_of_period(effort, period, draw: bool = True):
    """Km patrolled in the filtered period, its effort overlay and the legend ramp (``None, [], []`` without it).

    With ``draw=False`` the overlay is not drawn (the list is empty): the map's
    layers, kept on disk, usually need it not.
    """
    if effort is None or period is None:
        return None, [], []
    p0, p1 = pd.Period(period[0], "M"), pd.Period(period[1], "M")
    periods = pd.PeriodIndex(effort.periods).asfreq("M")
    in_range = np.asarray((periods >= p0) & (periods <= p1))
    n_months = max(int(in_range.sum()), 1)
    km_cells = np.asarray(effort.km)[in_range].sum(axis=0) if in_range.any() else np.zeros(park.grid.shape)
    km_total = float(np.nansum(km_cells))
    units = f"km walked per {park.grid.cell_size:.0f} m cell and month, mean of the period"
    vmax = effort_scale_max(effort)
    scale = [maps.ScaleEntry("Patrol effort", units, maps.ramp("Greens"), 0.0, vmax, True)]
    layers = []
    if km_total > 0 and draw:
        mean = km_cells / n_months
        layers.append(
            maps.grid_overlay(
                "Patrol effort",
                np.where(mean > 0, mean, np.nan),
                park.grid,
                "Greens",
                units,
                vmin=0.0,
                vmax=vmax,
                show=True,  # streamlit-folium adds the filtered layers switched on: the legend shows its ramp
            )
        )
    return km_total, layers, scale


# The effort reads every GPS fix: the first paint uses it only when it is already at hand.
effort_now = common.effort_if_ready(str(park.folder))
if effort_now is not None and period is not None:
    km_total, _, effort_scale = km_of_months(str(park.folder), common.stamp(park.folder), period[0], period[1])
else:
    km_total, effort_scale = None, []


def filtered_overlays() -> list:
    """The effort overlay of the period, drawn only when the filtered layers are rendered."""
    if effort_now is None or period is None:
        return []
    return effort_of_months(str(park.folder), common.stamp(park.folder), period[0], period[1])[1]


overlays = list(common.raster_overlays(str(park.folder), park=park))
risk = common.session_risk(park) if roles.can(user, roles.RISK) else None
if risk is not None:
    overlays += common.risk_overlays(guard.risk_for(user, risk["surface"]), show_risk=False)
plan = common.session_plan(park)
if plan is not None:
    plan = dict(plan, plan=guard.plan_for(user, plan["plan"]))

tracks = None
if show_tracks and park.has_tracks and t0 is not None:
    fixes = common.load_park(str(park.folder)).tracks
    tracks = fixes[(fixes["time"] >= t0) & (fixes["time"] <= t1)]

has_effort = effort_now is not None and float(np.asarray(effort_now.km).sum(dtype=np.float64)) > 0
base_scales = effort_scale if has_effort else []
draw_tracks = tracks is not None and len(tracks) > 1
base_key = (  # everything the base map draws: it is rendered once per key for every session
    "park_map",
    str(park.folder),
    common.stamp(park.folder),
    user.role,
    tuple(user.posts or ()),
    tuple(getattr(o, "name", "") for o in overlays),
    mapview.array_digest(risk["surface"].risk) if risk is not None else "",
    mapview.plan_key(plan["plan"]) if plan else "",
    tuple(present),
    repr(base_scales),
    draw_tracks,
)
base = lambda: maps.park_base_map(  # noqa: E731
    park,
    overlays,
    plan=plan["plan"] if plan else None,
    incident_types=present,
    extra_scales=base_scales,
    tracks=draw_tracks,
)
layer_key = (tuple(types), tuple(period) if period else None, draw_tracks, effort_now is not None)  # what they draw
layers = lambda: maps.filter_layers(  # noqa: E731
    sel, filtered_overlays(), tracks, incident_table=common.incident_table(str(park.folder))
)

left, right = st.columns([5, 2])
with left:
    common.show_map(base, key="park_map", layers=layers, base_key=base_key, layer_key=layer_key)
with right:
    label = riskview.month_range(list(period)) if period else "all dates"
    st.subheader("Filtered period")
    st.caption(label)
    st.metric("Incidents (count)", f"{len(sel):,}")
    if effort_now is None:
        computed = common.run_library(
            lambda: common.effort(str(park.folder)), "The patrol effort could not be computed"
        )
        km_total = effort_of_period(computed, period)[0]
    if km_total is not None:
        st.metric("Patrolled (km)", f"{km_total:,.0f}")
        cpue = 100.0 * len(sel) / km_total if km_total > 0 else float("nan")
        st.metric(
            "Incidents found per 100 km patrolled",
            significant(cpue) if np.isfinite(cpue) else "n/a: no patrols",
            help="Catch per unit effort (CPUE): incidents in the filtered period divided by the km walked, times 100.",
        )
    if not months:
        st.caption(
            "No dated incident or GPS track yet: the map shows the park's layers. "
            "The Risk page maps a prior risk from habitat, animals and access, and the Patrol plans page plans on it."
        )
    counts = sel["type"].astype(str).value_counts() if len(sel) else pd.Series(dtype=int)
    table = pd.DataFrame(
        {"type": [t.replace("_", " ") for t in types], "incidents (count)": [int(counts.get(t, 0)) for t in types]}
    )
    if km_total:
        table["per 100 km patrolled"] = [significant(100.0 * n / km_total) for n in table["incidents (count)"]]
    st.dataframe(table, hide_index=True, width="stretch")

if effort_now is None and km_total is not None:
    st.rerun()  # the effort is now at hand: add its layer to the map
