"""The register, patrol steps and indicator tables for the Monitoring page, cached per park folder and content.

The folder's content stamp changes when the park store changes, so a register
edit shows at the next run of the page.  The stamp is a hashed argument of the
cached functions (no leading underscore: Streamlit leaves such arguments out
of the cache key).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monitoring.edits import RegisterEditor, open_register
from monitoring.effort import effort_steps
from monitoring.indicators import compute_indicators
from ui import common


@st.cache_resource(show_spinner="Reading the register...", max_entries=4)
def _register(folder: str, stamp_key: str):
    return open_register(common.load_park(folder))


def register(folder: str):
    """The park's register with its edits applied (cached)."""
    return _register(folder, common.stamp(folder))


@st.cache_resource(show_spinner="Patrol effort from the GPS tracks...", max_entries=4)
def _steps(folder: str, stamp_key: str):
    park = common.load_park(folder)
    reg = _register(folder, stamp_key)
    return common.disk_cached(
        "monitoring-steps", folder, stamp_key, lambda: effort_steps(park.tracks, reg.section_codes)
    )


def steps(folder: str):
    """The park's patrol steps with their sections (cached, also on disk)."""
    return _steps(folder, common.stamp(folder))


@st.cache_data(show_spinner="Computing the indicators...", max_entries=12)
def _indicators(folder: str, stamp_key: str, period: str) -> pd.DataFrame:
    return compute_indicators(_register(folder, stamp_key), _steps(folder, stamp_key), period)


def indicators(folder: str, period: str) -> pd.DataFrame:
    """The indicator table of the park for ``period`` (``month``, ``quarter``, ``year``), cached."""
    return _indicators(folder, common.stamp(folder), period)


def editor(folder: str) -> RegisterEditor:
    """An editor of the park's register (not cached: every edit goes straight to the store)."""
    return RegisterEditor(common.load_park(folder))
