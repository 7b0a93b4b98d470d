"""The rhino patrol planner dashboard: ``streamlit run app.py``.

Serves the page script ``dashboard.py`` (the pages are in ``ui/``) and, as
the server starts, prepares in the background what every first page needs
(:mod:`ui.warmup`), so the first visitor does not wait for it.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st


@asynccontextmanager
async def lifespan(_app):
    from ui import warmup

    warmup.start()
    yield


app = st.App(Path(__file__).with_name("dashboard.py"), lifespan=lifespan)
