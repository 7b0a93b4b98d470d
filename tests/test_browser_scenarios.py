"""The Scenarios page in a real headless Chromium, offline: place a post by clicking the map, run, compare, download."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from test_browser import ARTIFACTS, CHROMIUM, app_server, goto_page, leaflet_frame, offline_page, small_park, wait_idle

__all__ = ["small_park"]  # the demo park fixture of test_browser, used here


@pytest.mark.browser
def test_scenario_by_clicking_the_map_run_compare_download(small_park, tmp_path):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: make browser"
    park = tmp_path / "park"
    shutil.copytree(small_park, park)
    with app_server(park, tmp_path / "parks", log=tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        with offline_page(pw) as page:
            page.goto(url)
            leaflet_frame(page, timeout=60)
            wait_idle(page)
            goto_page(page, "Scenarios")
            page.get_by_role("tab", name="New scenario").click(timeout=180_000)
            frame = leaflet_frame(page, timeout=60)
            box = frame.frame_element().bounding_box()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the park's centre
            wait_idle(page)
            page.wait_for_timeout(1000)
            wait_idle(page)
            name = page.get_by_label("Scenario name")
            name.fill("Clicked post")
            name.press("Enter")
            wait_idle(page)
            page.get_by_role("button", name="Save the scenario").click()
            wait_idle(page)
            saved = park / "scenarios" / "clicked-post.toml"
            page.wait_for_timeout(500)
            assert saved.is_file(), page.inner_text("body")[-2000:]
            text = saved.read_text()
            assert "[[posts.add]]" in text and 'crs = "EPSG:4326"' in text

            page.get_by_role("tab", name="Run and compare").click(timeout=60_000)
            page.get_by_role("button", name="Run and compare").click()
            page.get_by_role("heading", name="Cost-effectiveness").wait_for(timeout=600_000)
            wait_idle(page, timeout=300)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ARTIFACTS / "scenarios.png"), full_page=True)
            files = {}
            for label, suffix in (("Comparison (CSV)", "csv"), ("Comparison (PDF)", "pdf")):
                with page.expect_download(timeout=60_000) as info:
                    page.get_by_role("button", name=label).click()
                files[suffix] = tmp_path / f"comparison.{suffix}"
                info.value.save_as(files[suffix])
            assert page.blocked == [], f"the app asked the network for {page.blocked}"
            assert not page.errors, page.errors
    table = pd.read_csv(files["csv"])
    assert {"baseline", "Clicked post", "Clicked post vs baseline"} <= set(table.columns)
    posts = table.loc[table["outcome"] == "posts manned"]
    assert float(posts["Clicked post vs baseline"].iloc[0]) == 1.0
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(files["pdf"]), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 10_000
