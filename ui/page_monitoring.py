"""Monitoring: indicators with the effort beside them, PIKE, seizures, cases, the register and its editor, the report."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from access import guard, roles
from access.exports import allow_exact
from layers.defaults import CASE_EVENTS
from monitoring import charts
from monitoring.defaults import FIND_TYPES, PARK_WIDE, PERIOD_KINDS, REGISTER_TYPES
from monitoring.edits import EDITABLE_FIELDS
from monitoring.indicators import filter_indicators
from monitoring.report import format_figure, monthly_report, period_figure
from monitoring.trend import indicator_trend
from ui import auth, common, monitoringview

st.title("Monitoring")
viewer = auth.require(roles.MONITORING, "monitoring")
park = guard.park_layers_for(viewer, auth.require_park(viewer))
folder = str(park.folder)
reg = common.run_library(lambda: monitoringview.register(folder), "The register cannot be read")
if reg is None:
    st.stop()
for problem in reg.report.problems:
    st.warning(str(problem))

# --- filters -----------------------------------------------------------------------------------
c1, c2, c3 = st.columns([1, 2, 2])
period = c1.selectbox("Period", list(PERIOD_KINDS), key="mon_period")
table = common.run_library(lambda: monitoringview.indicators(folder, period), "The indicators cannot be computed")
if table is None or not len(table):
    st.info("No dated incident, patrol or case in this park yet: nothing to show.")
    st.stop()
labels = list(pd.unique(table["period"]))
start, end = c2.select_slider("Periods", options=labels, value=(labels[max(0, len(labels) - 24)], labels[-1]),
                              key="mon_range")  # fmt: skip
kind = "section" if reg.section_kind == "sections" else "nearest post"
section = c3.selectbox(f"Whole park or one {kind}", [PARK_WIDE, *reg.section_names()], key="mon_section")
types = st.multiselect("Incident types", list(REGISTER_TYPES), default=list(REGISTER_TYPES), key="mon_types")
shown = filter_indicators(table, start, end, section, types)

# --- key figures and the trend ------------------------------------------------------------------
m = st.columns(5)
figures = [
    (f"Finds in {end} (count)", "incidents", [f"type={t}" for t in FIND_TYPES if t in types], 0),
    ("Patrol distance (km)", "patrol_km", "", 0),
    ("Finds per 100 km", "cpue_100km", "type=finds", 2),
    ("PIKE (illegal / all elephant carcasses)", "pike", "species=elephant", 2),
    ("People arrested (count)", "people_arrested", "", 0),
]
for col, (label, indicator, breakdown, decimals) in zip(m, figures, strict=True):
    col.metric(label, format_figure(period_figure(shown, indicator, breakdown, end, section), decimals))
window = {"month": 12, "quarter": 4, "year": 1}[period]
trend = common.run_library(lambda: indicator_trend(shown, section, window=window), "No trend statement")
if trend is not None:
    st.info(
        f"**Trend, effort taken into account** ({trend.periods_after[0]} to {trend.periods_after[-1]} against "
        f"{trend.periods_before[0]} to {trend.periods_before[-1]}): {trend.statement}."
    )

# --- charts ---------------------------------------------------------------------------------------
tabs = st.tabs(["Incidents and effort", "Finds per effort", "PIKE", "Seizures", "Cases"])
with tabs[0]:
    st.pyplot(charts.incidents_effort_chart(shown, section, types), width="stretch")
with tabs[1]:
    st.pyplot(charts.cpue_chart(shown, section), width="stretch")
with tabs[2]:
    st.pyplot(charts.pike_chart(shown, section), width="stretch")
    st.caption("PIKE = illegal over all elephant carcasses (CITES MIKE); bars: 95 % Wilson score interval.")
with tabs[3]:
    st.pyplot(charts.seizures_chart(shown, section), width="stretch")
with tabs[4]:
    cases = reg.case_summary()
    st.pyplot(charts.case_funnel_chart(cases), width="stretch")

with st.expander("Indicator table", expanded=False):
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(
        "One row per park, period, section, indicator and breakdown; value = numerator / denominator for rates "
        "(CPUE denominators: km / 100, patrol-days, hours); lower and upper: 95 % Wilson interval of a proportion."
    )

# --- the register and its editor -------------------------------------------------------------------
st.subheader("Register")
inc = reg.incidents
cols = ["incident_id", "time", "type", "species", "cause", "item", "quantity", "unit", "people", "case_ref", "section"]
view = inc[inc["type"].isin(types)]
if section != PARK_WIDE:
    view = view[view["section"] == section]
st.dataframe(pd.DataFrame(view[cols]), hide_index=True, width="stretch", height=250)
cases = reg.case_summary()
st.markdown(f"**Cases** ({len(cases)}; {int((cases['status'] == 'open').sum())} open)")
shown_cases = cases.copy()
for col in shown_cases.columns:  # dates as days, steps not taken yet as blanks (not "None")
    if pd.api.types.is_datetime64_any_dtype(shown_cases[col]):
        shown_cases[col] = shown_cases[col].dt.strftime("%Y-%m-%d")
    elif pd.api.types.is_float_dtype(shown_cases[col]):  # days and people as whole numbers
        shown_cases[col] = shown_cases[col].round().astype("Int64")
st.dataframe(shown_cases.astype(object).where(shown_cases.notna(), ""), hide_index=True, width="stretch", height=200)

if roles.can(viewer, roles.REGISTER_EDIT):
    user = (
        viewer.name
        if viewer.role != roles.OPEN
        else st.text_input("Your name (kept in the edit log)", value="", key="mon_user")
    )
    ed1, ed2, ed3 = st.tabs(["Add a case outcome", "Correct an incident", "Add a missing seizure"])
    with ed1:
        refs = sorted(set(cases["case_ref"].astype(str)))
        a, b, c = st.columns(3)
        ref = a.selectbox("Case", refs, key="mon_case") if refs else None
        event = b.selectbox("Step", list(CASE_EVENTS), index=2, key="mon_event")
        when = c.date_input("Date", value=dt.date.today(), key="mon_event_date")
        sentence = st.text_input("Sentence (convictions)", key="mon_sentence")
        if st.button("Add to the case", key="mon_add_outcome", disabled=not refs):
            done = common.run_library(
                lambda: monitoringview.editor(folder).add_case_outcome(ref, event, when, sentence, user=user or None),
                "The outcome was not added",
            )
            if done is not None:
                st.success(f"{event} added to {ref} (edit {done}).")
                st.rerun()
    with ed2:
        a, b, c = st.columns(3)
        iid = a.selectbox("Incident", list(inc["incident_id"].astype(str)), key="mon_inc_id")
        fld = b.selectbox("Field", list(EDITABLE_FIELDS), key="mon_field")
        value = c.text_input("New value", key="mon_value")
        if st.button("Correct", key="mon_correct"):
            done = common.run_library(
                lambda: monitoringview.editor(folder).correct_incident(iid, fld, value, user=user or None),
                "The correction was not made",
            )
            if done is not None:
                st.success(f"{iid}: {fld} corrected (edit {done}).")
                st.rerun()
    with ed3:
        a, b, c = st.columns(3)
        s_date = a.date_input("Date", value=dt.date.today(), key="mon_sz_date")
        s_lon = b.number_input("Longitude", value=0.0, format="%.5f", key="mon_sz_lon")
        s_lat = c.number_input("Latitude", value=0.0, format="%.5f", key="mon_sz_lat")
        a, b, c, d = st.columns(4)
        s_item = a.text_input("Item", key="mon_sz_item")
        s_qty = b.number_input("Quantity", value=0.0, min_value=0.0, key="mon_sz_qty")
        s_unit = c.text_input("Unit", value="kg", key="mon_sz_unit")
        s_case = d.text_input("Case reference", key="mon_sz_case")
        if st.button("Add the seizure", key="mon_sz_add"):
            done = common.run_library(
                lambda: monitoringview.editor(folder).add_seizure(
                    s_date, s_lon, s_lat, s_item, s_qty, s_unit, s_case or None, user=user or None
                ),
                "The seizure was not added",
            )
            if done is not None:
                st.success(f"Seizure {done} added.")
                st.rerun()

    log = monitoringview.editor(folder).log()
    with st.expander(f"Edit log ({len(log)} edits)", expanded=False):
        st.dataframe(log, hide_index=True, width="stretch")
        undoable = [int(e) for e, u, o in zip(log["edit_id"], log["undone"], log["undo_of"], strict=True)
                    if not u and pd.isna(o)]  # fmt: skip
        if undoable:
            which = st.selectbox("Edit to undo", undoable[::-1], key="mon_undo_id")
            if st.button("Undo", key="mon_undo"):
                done = common.run_library(
                    lambda: monitoringview.editor(folder).undo(which, user=user or None), "Not undone"
                )
                if done is not None:
                    st.rerun()

# --- downloads ------------------------------------------------------------------------------------------
st.subheader("Report and exports")
months = list(pd.unique(monitoringview.indicators(folder, "month")["period"]))
a, b = st.columns(2)
month = a.selectbox("Month of the report", months[::-1], key="mon_report_month")
with_risk = b.checkbox("With next month's risk map (fits the model: takes a while)", value=True, key="mon_report_risk")
exact, reason = False, ""
if roles.can(viewer, roles.EXACT_EXPORT):
    exact = st.checkbox(
        "Exact places of the sensitive layers (managers only; recorded in the audit log)",
        value=False,
        key="mon_report_exact",
        help="By default the report, meant for the authority, shows incidents per coarse cell and the risk averaged "
        "over blocks of that grid.",
    )
    if exact:
        reason = st.text_input("Reason (recorded)", key="mon_report_reason")
if st.button("Make the monthly report", key="mon_report_go", disabled=exact and not reason.strip()):
    bar = st.progress(0.0, text="Making the report...")

    def make_report():
        if exact:
            allow_exact(viewer, folder, f"monthly report {month}", reason)
        return monthly_report(
            park,
            month,
            None,
            register=reg,
            steps=monitoringview.steps(folder),
            fit_risk=with_risk,
            progress=lambda f, msg: bar.progress(min(1.0, f), text=msg),
            exact_locations=exact,
        )

    summary = common.run_library(make_report, "The report cannot be made")  # fmt: skip
    if summary is not None:
        st.session_state["mon_report"] = {"park": folder, "month": month, "pdf": summary.pdf}
made = st.session_state.get("mon_report")
if made and made["park"] == folder:
    st.download_button(
        "Download the report (PDF)",
        data=auth.audited(lambda: made["pdf"], viewer, f"monthly report {made['month']}", folder),
        file_name=f"report-{made['month']}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key="mon_report_dl",
    )
st.download_button(
    f"Download the indicators (CSV, per {period})",
    data=auth.audited(lambda: table.to_csv(index=False).encode("utf-8"), viewer, f"indicators CSV ({period})", folder),
    file_name=f"indicators-{period}.csv",
    mime="text/csv",
    on_click="ignore",
    key="mon_csv_dl",
)
