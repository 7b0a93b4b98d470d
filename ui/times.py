"""Times as the park's people read them: in the park's time zone (park.toml ``[park] timezone``), zone named."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import maps


def park_zone(park) -> str:
    """The time zone a park's times are shown in (a loaded Park or a ParkView): ``[park] timezone``, else UTC."""
    manifest = getattr(park, "manifest", None)
    return str(getattr(manifest, "timezone", None) or getattr(park, "timezone", None) or "UTC")


def made_text(updated, park) -> str:
    """When kept work was made, in the park's time zone (``2026-05-03 14:20 EAT``)."""
    return maps.local_time_text(updated, park_zone(park))


@st.cache_resource(show_spinner=False, max_entries=32)
def _folder_zone(folder: str, mtime_ns: int) -> str:
    from layers.errors import LayersError
    from layers.manifest import read_manifest

    try:
        return read_manifest(folder).timezone
    except (LayersError, OSError):
        return "UTC"  # an unreadable park.toml is the park page's to report; times stay in UTC


def folder_zone(folder: str | Path) -> str:
    """The time zone of the park in ``folder`` (its ``park.toml``), read once per version of the file."""
    path = Path(folder) / "park.toml"
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return "UTC"
    return _folder_zone(str(folder), mtime)


def clock_text(when, zone: str) -> str:
    """The time of day of ``when`` in ``zone``, with the zone's abbreviation (``14:20 EAT``)."""
    return maps.local_time_text(when, zone).split(" ", 1)[1]
