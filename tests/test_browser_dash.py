"""A park with no history in a real headless Chromium: its map, its prior risk and a plan on it (offline)."""

from __future__ import annotations

from pathlib import Path

import pytest
from nohistory import make_history_free_park
from test_browser import ARTIFACTS, CHROMIUM, app_server, goto_page, leaflet_frame, offline_page, wait_idle


def new_park_walkthrough(page, url: str, shots: Path) -> None:
    """Map, prior risk and a one-day plan of a park with no history; screenshots ``new-park-*.png``."""
    shots.mkdir(parents=True, exist_ok=True)
    page.goto(url)
    leaflet_frame(page, timeout=90)
    wait_idle(page)
    page.get_by_text("No dated incident or GPS track yet").first.wait_for(timeout=60_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(shots / "new-park-map.png"))

    goto_page(page, "Risk")
    page.get_by_role("button", name="Map the prior risk").click()
    page.get_by_text("Prior risk from habitat, animals and access").first.wait_for(timeout=180_000)
    wait_idle(page)
    leaflet_frame(page)
    page.wait_for_timeout(800)
    page.screenshot(path=str(shots / "new-park-risk.png"))

    goto_page(page, "Patrol plans")
    page.get_by_label("Days").fill("1")
    page.get_by_label("Days").press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Plan patrols").click()
    page.get_by_text("Field files").wait_for(timeout=180_000)
    wait_idle(page)
    leaflet_frame(page)
    page.wait_for_timeout(800)
    page.screenshot(path=str(shots / "new-park-plans.png"))


@pytest.mark.browser
def test_a_park_with_no_history_in_a_real_browser(tmp_path):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: make browser"
    park = make_history_free_park(tmp_path / "new-park")
    with app_server(park, tmp_path / "parks", log=tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        with offline_page(pw) as page:
            new_park_walkthrough(page, url, ARTIFACTS)
            assert page.blocked == [], f"the app asked the network for {page.blocked}"
            assert not page.errors, page.errors
    for name in ("new-park-map", "new-park-risk", "new-park-plans"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
