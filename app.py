"""The rhino patrol planner dashboard: ``streamlit run app.py``.

Opens the park in ``$PARK_DIR`` (default ``data/demo``); the pages are in ``ui/``.
"""

from __future__ import annotations

import streamlit as st


def main() -> None:
    st.set_page_config(page_title="Rhino patrol planner", layout="wide")
    # less empty space above each page's title
    st.html("<style>[data-testid='stMainBlockContainer'] {padding-top: 2.5rem;}</style>")
    pages = [
        st.Page("ui/page_map.py", title="Park map", default=True),
        st.Page("ui/page_risk.py", title="Risk"),
        st.Page("ui/page_plans.py", title="Patrol plans"),
        st.Page("ui/page_monitoring.py", title="Monitoring"),
        st.Page("ui/page_data.py", title="Park data"),
    ]
    st.navigation(pages).run()


main()
