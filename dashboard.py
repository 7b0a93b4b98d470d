"""The rhino patrol planner dashboard's page script (``streamlit run app.py`` serves it).

Opens the park in ``$PARK_DIR`` (default ``data/demo``); the pages are in ``ui/``.
Who may see which page is decided by :mod:`ui.auth` (sign-in, roles).
"""

from __future__ import annotations

import streamlit as st

from ui import auth


def main() -> None:
    st.set_page_config(page_title="Rhino patrol planner", layout="wide")
    # less empty space above each page's title
    st.html("<style>[data-testid='stMainBlockContainer'] {padding-top: 2.5rem;}</style>")
    user = auth.current_user()
    auth.banner(user)
    st.navigation(auth.pages(user)).run()


main()
