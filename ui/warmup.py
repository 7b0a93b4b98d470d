"""What a new server process prepares before the first visitor: the pages' imports and the park of ``$PARK_DIR``.

A visitor's first page otherwise pays for importing pandas, geopandas, folium
and the library (1.5-3 s of CPU on a small machine) and for reading the
park's kept view from the disk cache.  :func:`start` does both in a
background thread when the server starts (``app.py``'s lifespan), so a first
visit arriving later finds them done and one arriving sooner waits only for
what is left (imports are not done twice).
"""

from __future__ import annotations

import importlib
import logging
import threading

MODULES = (
    "numpy",
    "pandas",
    "geopandas",
    "pyproj",
    "folium",
    "folium.plugins",
    "streamlit_folium",
    "ui.auth",
    "ui.common",
    "ui.maps",
    "ui.mapview",
    "ui.riskview",
)
_LOG = logging.getLogger(__name__)


def warm() -> list[str]:
    """Import the pages' modules and load the park view of the default park; the names of what failed."""
    failed = []
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a missing module is the page's to report, with its message
            failed.append(f"{name}: {exc}")
    try:  # a component declared outside a page run is not registered: register it as its first run would
        import streamlit_folium
        from streamlit.runtime import get_instance

        get_instance().component_registry.register_component(streamlit_folium._component_func)
    except Exception as exc:
        failed.append(f"map component: {exc}")
    try:
        from ui import common

        folder = common.default_park_dir()
        common.park_view(folder)
    except Exception as exc:  # the page shows the park's own error when a visitor opens it
        failed.append(f"park: {exc}")
    return failed


def start() -> threading.Thread:
    """Run :func:`warm` in a daemon thread (the server answers meanwhile)."""

    def run():
        for problem in warm():
            _LOG.info("warm-up skipped %s", problem)

    t = threading.Thread(target=run, name="warm-up", daemon=True)
    t.start()
    return t
