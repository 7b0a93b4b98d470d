"""What the Scenarios page draws: a scenario's map, the cost-effectiveness chart, the kept results.

Plain helpers over :mod:`patrols.scenarios` results (no library logic here);
results live in ``st.session_state["scenarios"]`` for the park they were run on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from shapely.geometry import Point

from layers.defaults import COL_NAME
from patrols.scenarios.compare import plot_cost_effectiveness
from ui import maps, mapview

STATE = "scenarios"


def session_results(park) -> dict | None:
    """The scenario results run on this park in this session, or ``None``."""
    r = st.session_state.get(STATE)
    if r and r.get("park") == str(park.folder):
        return r
    return None


def keep_results(park, results, curve, risk_label: str) -> None:
    """Keep a run's results in the session, with a key naming them (their maps are rendered once per key)."""
    key = "|".join(f"{r.name}:{mapview.plan_key(r.plan)}:{mapview.array_digest(r.km)}" for r in results)
    st.session_state[STATE] = {
        "park": str(park.folder),
        "results": results,
        "curve": curve,
        "risk": risk_label,
        "key": hashlib.sha1(key.encode()).hexdigest()[:16],
    }


def setup_park(park, result):
    """The park with the posts of a scenario's set-up (added and moved ones where the scenario puts them)."""
    posts = [p for p in result.setup.posts.values() if p.teams > 0]
    gdf = gpd.GeoDataFrame(
        {
            COL_NAME: [
                f"{p.name} ({p.teams} team{'s' if p.teams != 1 else ''}{', ' + p.change if p.change else ''})"
                for p in posts
            ]
        },
        geometry=[Point(p.x, p.y) for p in posts],
        crs=park.grid.crs,
    )
    return dataclasses.replace(park, posts=gdf) if dataclasses.is_dataclass(park) else park


def result_map(park, result):
    """A scenario's month on the park map: km patrolled per cell and its posts."""
    km = np.where(result.km > 0, result.km, np.nan)
    overlay = maps.grid_overlay("km patrolled", km, park.grid, "viridis", "km per cell in the month", vmin=0.0)
    return maps.park_base_map(
        setup_park(park, result), [overlay], show_features=False, online_tiles=False, legend_open=False
    )


def cost_effectiveness_png(ce, curve) -> bytes:
    """Expected detections against ranger-days: one point per scenario and the team-adding curve (PNG)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    plot_cost_effectiveness(ax, ce, curve, label="scenarios (risk -/+ 1 sd)")
    for _, row in ce.iterrows():
        ax.annotate(
            row["scenario"],
            (row["ranger_days"], row["expected_detections"]),
            fontsize=7,
            xytext=(4, 3),
            textcoords="offset points",
        )
    ax.set_xlabel("ranger-days per month")
    ax.set_ylabel("expected attacks detected\nper month")
    ax.margins(x=0.2, y=0.15)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def suggestion_map(park, suggestion):
    """The park map with its posts and the suggested sites (named with their marginal gain)."""
    sites = gpd.GeoDataFrame(
        {COL_NAME: [f"{s.name}: +{s.gain:.2f} attacks a month in reach" for s in suggestion.sites]},
        geometry=[Point(s.x, s.y) for s in suggestion.sites],
        crs=park.grid.crs,
    )
    posts = park.posts[[COL_NAME, "geometry"]].to_crs(park.grid.crs) if len(park.posts) else sites.iloc[:0]
    both = gpd.GeoDataFrame(pd.concat([posts, sites], ignore_index=True), crs=park.grid.crs)
    view = dataclasses.replace(park, posts=both) if dataclasses.is_dataclass(park) else park
    return maps.park_base_map(view, show_features=False, online_tiles=False, legend_open=False)
