"""Indicators: incidents per month and type, km patrolled and incidents per 100 km; no location at all."""

from __future__ import annotations

import streamlit as st

from access import guard, roles
from ui import auth, common

st.title("Indicators")
user = auth.require(roles.INDICATORS, "the indicators")
park = auth.require_park(user, light=True)
effort = common.run_library(lambda: common.effort(str(park.folder)), "The patrol effort could not be computed")
table = common.run_library(lambda: guard.indicators_for(user, park, effort), "The indicators could not be computed")
if table is None:
    st.stop()
st.caption(f"{park.name}: monthly totals over the whole park (no locations).")
c = st.columns(3)
c[0].metric("Incidents (count)", f"{int(table['incidents (count)'].sum()):,}")
if "patrolled (km)" in table:
    km = float(table["patrolled (km)"].sum())
    c[1].metric("Patrolled (km)", f"{km:,.0f}")
    c[2].metric("Incidents per 100 km", f"{100 * table['incidents (count)'].sum() / km:.2f}" if km else "n/a")
    st.markdown("**Km patrolled per month**")
    st.bar_chart(table, x="month", y="patrolled (km)", height=220)
counts = [col for col in table.columns if col.endswith("(count)") and col != "incidents (count)"]
if counts:
    st.markdown("**Incidents per month, by type (count)**")
    st.bar_chart(table, x="month", y=counts, height=260)
st.dataframe(table, hide_index=True, width="stretch")
st.download_button(
    "Indicators (CSV)",
    auth.audited(lambda: table.to_csv(index=False).encode("utf-8"), user, "indicators (CSV)", park.folder),
    file_name="indicators.csv",
    mime="text/csv",
    on_click="ignore",
    key="dl_indicators",
)
