"""The Monitoring page in a real headless Chromium (offline): filter a period, edit a case outcome, download the
report and the indicator CSV, and check that both open (pdftoppm, pandas)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from monitoring_park import register_park
from test_browser import ARTIFACTS, CHROMIUM, app_server, goto_page, offline_page, wait_idle


@pytest.fixture(scope="module")
def park_folder(tmp_path_factory) -> Path:
    return register_park(tmp_path_factory.mktemp("park") / "reg")


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.locator("input").click()
    box.locator("input").fill(option)
    page.get_by_role("option", name=option, exact=True).first.click()
    wait_idle(page)


@pytest.mark.browser
def test_monitoring_page_in_a_real_browser(park_folder, tmp_path):
    from playwright.sync_api import sync_playwright

    from layers.park import load_park
    from monitoring.edits import open_register

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: make browser"
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed"
    open_ref = open_register(load_park(park_folder)).case_summary().query("status == 'open'")["case_ref"].iloc[0]
    with app_server(park_folder, tmp_path / "parks", log=tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        with offline_page(pw) as page:
            page.goto(url)
            wait_idle(page)
            goto_page(page, "Monitoring")
            page.get_by_text("effort taken into account").wait_for(timeout=180_000)
            wait_idle(page)
            choose(page, "Period", "quarter")
            page.get_by_text("Trend, effort taken into account").wait_for(timeout=120_000)

            page.get_by_label("Your name (kept in the edit log)").fill("warden")
            page.get_by_label("Your name (kept in the edit log)").press("Enter")
            wait_idle(page)
            choose(page, "Case", open_ref)
            page.get_by_role("button", name="Add to the case").click()
            wait_idle(page, timeout=180)
            page.get_by_text("Edit log (1 edits)").wait_for(timeout=120_000)

            page.get_by_text("With next month's risk map").click()  # off: the test need not wait for a fit
            wait_idle(page)
            page.get_by_role("button", name="Make the monthly report").click()
            button = page.get_by_role("button", name="Download the report (PDF)")
            button.wait_for(timeout=180_000)
            page.screenshot(path=str(ARTIFACTS / "monitoring.png"), full_page=False)
            with page.expect_download(timeout=60_000) as info:
                button.click()
            pdf = tmp_path / "report.pdf"
            info.value.save_as(pdf)
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name="Download the indicators (CSV, per quarter)").click()
            csv = tmp_path / "indicators.csv"
            info.value.save_as(csv)
            assert page.blocked == [], f"the app asked the network for {page.blocked}"
            assert not page.errors, page.errors

    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) >= 4
    table = pd.read_csv(csv)
    assert set(table["period_kind"]) == {"quarter"} and len(table) > 100
    status = open_register(load_park(park_folder)).case_summary().set_index("case_ref").loc[open_ref, "status"]
    assert status == "convicted"
