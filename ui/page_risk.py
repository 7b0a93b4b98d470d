"""Risk: fit a model up to a cut-off date, see the risk map, compare models, download."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st

from access import guard, roles
from layers.defaults import ATTACK_TYPES
from riskmodel.defaults import PRIOR_FACTOR_LABELS
from riskmodel.kept import kept_surfaces
from riskmodel.prior import PRIOR_MODEL
from ui import auth, common, jobs, maps, mapview, riskview, times

st.title("Risk")
user = auth.require(roles.RISK, "the risk map")
park = guard.park_layers_for(user, auth.require_park(user))
jobs.warm()  # the job worker starts (and imports the libraries) while the user sets up the fit

defaults = riskview.default_settings(park)
months = common.park_months(park)
with st.sidebar:
    st.header("Model")
    names = riskview.models(park)
    model = st.selectbox(
        "Model",
        names,
        format_func=lambda n: riskview.MODEL_LABELS.get(n, n),
        key="risk_model",
        help=riskview.MODEL_HELP,
    )
    if not months:
        st.caption(
            "This park has no dated incident or GPS track yet, so no model can learn from its history: "
            "the map is a prior from its habitat, animals and access, weighted as you choose below."
        )
    if model == PRIOR_MODEL:
        with st.expander("Weights of the prior (expert knowledge)", expanded=not months):
            st.caption(riskview.PRIOR_HELP)
            riskview.weight_inputs(park)
    lo = months[1].start_time.date() if len(months) > 1 else None
    hi = months[-1].end_time.date() if months else None
    train_until = st.date_input(
        "Training cut-off (last day used to fit)" if months else "Map the months after",
        value=defaults["train_until"],
        min_value=lo,
        max_value=hi,
        key="risk_cutoff",
    )
    horizon = st.number_input("Horizon (months after the cut-off)", 1, 12, defaults["horizon"], key="risk_horizon")
    if months:
        st.caption(
            "The default cut-off keeps the last months out of training so the model can be checked on them. "
            "The Patrol plans page forecasts from all data instead."
        )
    go = st.button(
        "Map the prior risk" if model == PRIOR_MODEL else "Fit the risk model", type="primary", key="risk_fit"
    )

if go:
    bar = st.progress(0.0, text="Starting...")
    common.run_library(
        lambda: riskview.fit(park, model, train_until, int(horizon), progress=common.progress_callback(bar)),
        "The risk model could not be fitted",
    )
    bar.empty()

current = common.session_risk(park)
kept = common.run_library(lambda: kept_surfaces(park.folder, role="risk"), "The kept risk maps could not be listed")
if kept is not None and len(kept):
    labels = {r.name: f"{r.label}, {r.months} (made {times.made_text(r.updated, park)})" for r in kept.itertuples()}
    now = current.get("kept") if current else None
    if now in labels and st.session_state.get("risk_kept_shown") != now:
        st.session_state["risk_kept"] = now  # a new or restored map: the selector shows it
        st.session_state["risk_kept_shown"] = now
    picked = st.selectbox(
        f"Kept risk maps of this park ({len(labels)})",
        list(labels),
        format_func=labels.get,
        key="risk_kept",
        help="Every map fitted here is kept in the park's store and comes back after a reload or a park switch.",
    )
    if picked != now:
        current = common.restore_risk(park, "risk", picked) or current
if current is None:
    st.info("Choose a model, a cut-off date and a horizon, then press **Fit the risk model**.")
    st.stop()

surface = guard.risk_for(user, current["surface"])
s = current["settings"]
grid = surface.grid
risk = np.where(grid.mask, np.asarray(surface.risk, dtype=float), np.nan)
if surface.is_prior:
    st.info(
        f"**{surface.label}**, for {riskview.month_range(surface.periods)}. "
        + (surface.meta.get("fallback", "") + " ")
        + "Weights used: "
        + ", ".join(
            f"{PRIOR_FACTOR_LABELS[k].lower()} {100 * v:.0f} %" for k, v in surface.meta.get("weights", {}).items()
        )
        + (
            f"; no layer for: {', '.join(surface.meta['factors_missing']).lower()}"
            if surface.meta.get("factors_missing")
            else ""
        )
        + ". The probabilities assume "
        + f"{surface.meta.get('assumed_attacks_per_100km2_month', 1):g} attack per 100 km² and month on average; "
        "the ranking of places, which plans follow, does not depend on it."
    )
else:
    st.caption(
        f"Model **{riskview.MODEL_LABELS.get(s['model'], s['model'])}**, trained on data up to {s['train_until']}, "
        f"risk for {riskview.month_range(surface.periods)}."
    )
classes = np.asarray(surface.classes)[grid.mask]
cell = f"{grid.cell_size:.0f} m"
c = st.columns(4)
c[0].metric(
    "Mean chance of attack (%)",
    f"{100 * np.nanmean(risk):.1f}",
    help=f"Mean over the park's {cell} squares of the chance of at least one attack in the horizon.",
)
c[1].metric(
    "Highest chance of attack (%)",
    f"{100 * np.nanmax(risk):.1f}",
    help=f"The chance of at least one attack in the horizon in the riskiest {cell} square.",
)
c[2].metric(
    "Riskiest 5 % of park (km²)",
    f"{(classes == 1).sum() * grid.cell_area_km2:,.0f}",
    help="The area of risk class 1: the places with the highest risk, 5 % of the park's area.",
)
c[3].metric(
    "Places expected hit (count)",
    f"{np.nansum(risk):,.0f}",
    help=f"Sum over the {cell} squares of their chance of at least one attack in the horizon.",
)

# incidents found in the horizon: what the map should have predicted
cut = pd.Timestamp(s["train_until"]).tz_localize("UTC") + pd.Timedelta(days=1)
end = cut + pd.DateOffset(months=int(s["horizon"]))
held = park.incidents
if len(held):
    held = held[(held["time"] >= cut) & (held["time"] < end) & held["type"].astype(str).isin(ATTACK_TYPES)]

tab_map, tab_val, tab_dl = st.tabs(["Risk map", "Validation", "Downloads"], key="risk_tab")
with tab_map:
    overlays = list(common.raster_overlays(str(park.folder))) + common.risk_overlays(surface)
    base_key = ("risk_map", str(park.folder), common.stamp(park.folder), user.role)
    base_key += (tuple(getattr(o, "name", "") for o in overlays), mapview.array_digest(surface.risk))
    common.show_map(
        lambda: maps.park_base_map(park, overlays, incident_types=[t for t in ATTACK_TYPES], show_features=False),
        key="risk_map",
        layers=lambda: maps.filter_layers(held),
        base_key=base_key,
        layer_key=(str(cut), str(end)),
    )
    st.caption(
        f"Markers: the {len(held)} attack incidents found in the horizon ({cut.date()} to {(end - pd.Timedelta(days=1)).date()}). "
        "Layers: risk, its uncertainty and classes (1 = top 5 % of the park's area, 2 = top 10 %, 3 = top 25 %, 4 = the rest)."
    )
    blend = surface.meta.get("history_free_blend") or {}
    if "area_share_weight_over_half" in blend:
        share = float(blend["area_share_weight_over_half"])
        st.caption(
            f"Where nobody looked: {share * grid.mask.sum() * grid.cell_area_km2:,.0f} km² ({100 * share:.0f} % of the park) "
            f"had little or no patrol effort nearby in the {blend['search_window_periods']} months before the cut-off. "
            "There the risk rests on the habitat, access and past patrol effort, not on past finds."
        )

with tab_val:
    effort = common.effort(str(park.folder))
    if effort is not None and len(held):
        periods = pd.PeriodIndex(effort.periods).asfreq("M")
        p0 = pd.Period(cut.tz_convert(None), "M")
        inside = np.asarray((periods >= p0) & (periods < p0 + int(s["horizon"])))
        outcome = np.asarray(effort.counts(list(ATTACK_TYPES)))[inside].sum(axis=0)
        curve = riskview.capture_curve(risk, outcome, grid.mask)
        curve = curve.rename(columns={"share of incidents captured (%)": "this model (%)"})
        curve["chance (%)"] = curve["share of park area (%)"]
        st.markdown("**Capture curve**: share of the held-out attack incidents in the riskiest share of the park")
        st.line_chart(curve, x="share of park area (%)", y=["this model (%)", "chance (%)"], height=280)
    if surface.is_prior:
        st.caption(
            "A prior cannot be checked here: the park has no months of incidents after the cut-off to compare it with."
        )
    elif st.button("Compare every model and baseline on the held-out months", key="risk_eval"):
        bar = st.progress(0.0, text="Evaluating...")
        result = common.run_library(
            lambda: riskview.evaluate(park, s["train_until"], s["horizon"], progress=common.progress_callback(bar)),
            "The models could not be evaluated",
        )
        bar.empty()
        if result is not None:
            current["evaluation"] = result
    evaluation = current.get("evaluation")
    if evaluation:
        riskview.show_evaluation(evaluation, model=s["model"])

with tab_dl:
    files, zipped = common.run_library(lambda: riskview.raster_files(surface), "The rasters could not be written") or (
        {},
        b"",
    )
    if files:
        st.download_button(
            f"Risk rasters (zip of {len(files)} GeoTIFF files)",
            auth.audited(lambda: zipped, user, "risk rasters (zip)", park.folder),
            file_name="risk-rasters.zip",
            mime="application/zip",
            on_click="ignore",
            key="dl_risk_zip",
        )
        for name, data in files.items():
            st.download_button(
                name,
                auth.audited(lambda data=data: data, user, f"risk raster {name}", park.folder),
                file_name=name,
                on_click="ignore",
                key=f"dl_{name}",
            )
    metrics = {"settings": s, "evaluation": current.get("evaluation")}
    st.download_button(
        "Metrics (JSON)",
        json.dumps(metrics, indent=2, default=str),
        file_name="risk-metrics.json",
        mime="application/json",
        on_click="ignore",
        key="dl_risk_metrics",
    )
