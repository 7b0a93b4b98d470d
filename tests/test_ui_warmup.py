"""The server's warm-up: app.py is an st.App serving dashboard.py, and ui.warmup prepares the first page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import parkfiles as pf

ROOT = Path(__file__).resolve().parent.parent


def test_app_is_an_st_app_serving_the_page_script():
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app and found.app_name == "app"
    assert "dashboard.py" in (ROOT / "app.py").read_text() and (ROOT / "dashboard.py").is_file()


def test_warm_up_imports_the_pages_and_keeps_the_park_view(tmp_path):
    folder = pf.make_park(tmp_path / "park")
    cache = tmp_path / "cache"
    code = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "from ui import warmup\n"
        "failed = warmup.warm()\n"
        "print(json.dumps({'failed': failed, 'new': sorted(set(sys.modules) - before)}))\n"
    )
    env = {**os.environ, "PARK_DIR": str(folder), "PARK_CACHE_DIR": str(cache), "PATROL_AUTH": "off"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # outside a running server there is no component registry to register the map widget in; nothing else fails
    assert [f for f in result["failed"] if not f.startswith("map component")] == []
    assert {"pandas", "geopandas", "folium", "streamlit_folium", "ui.auth", "ui.common", "ui.mapview"} <= set(
        result["new"]
    )
    assert list(cache.glob("view-*")), "the default park's view is kept in the disk cache"
    assert "sklearn" not in result["new"] and "matplotlib" not in result["new"], "the map page needs neither"
