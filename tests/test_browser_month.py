"""A month's plan for every post of the demo park in a real headless Chromium: the whole-plan zip and the roster
PDF arrive, and both open (every GPX parses, the roster has a page per patrol)."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import gpxpy
import pytest
from pypdf import PdfReader
from test_browser import ARTIFACTS, CHROMIUM, ROOT, app_server, goto_page, offline_page, wait_idle

DEMO = ROOT / "data" / "demo"
DAYS, TEAMS = 31, 2


def plan_month_and_download(page, url: str, out: Path, shots: Path) -> tuple[Path, Path]:
    page.goto(url)
    wait_idle(page, 300)
    goto_page(page, "Patrol plans")
    page.get_by_label("Days").fill(str(DAYS))
    page.get_by_label("Days").press("Enter")
    wait_idle(page)
    page.get_by_label("Teams per post").fill(str(TEAMS))
    page.get_by_label("Teams per post").press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Plan patrols").click()
    page.get_by_text("Field files").wait_for(timeout=900_000)
    wait_idle(page, 300)
    page.get_by_role("button", name="Prepare the whole plan (zip)").click()
    page.get_by_text("Whole plan (zip):").first.wait_for(timeout=60_000)  # its progress bar moves meanwhile
    page.screenshot(path=str(shots / "month-zip-progress.png"))
    ready = page.get_by_role("button", name="Whole plan (zip) (")
    ready.wait_for(timeout=1_500_000)
    with page.expect_download(timeout=120_000) as info:
        ready.click()
    zip_path = out / "month-plan.zip"
    info.value.save_as(zip_path)
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="Roster: every sheet in one PDF").click()
    roster_path = out / "month-roster.pdf"
    info.value.save_as(roster_path)
    return zip_path, roster_path


@pytest.mark.browser
def test_a_month_for_every_post_downloads_as_zip_and_roster(tmp_path):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: make browser"
    assert (DEMO / "park.toml").exists(), "the demo park is needed: make demo"
    park = tmp_path / "demo"
    shutil.copytree(DEMO, park, ignore=shutil.ignore_patterns("store.gpkg*", "scenarios"))
    out = tmp_path / "downloads"
    out.mkdir()
    with app_server(park, tmp_path / "parks", log=tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        with offline_page(pw) as page:
            page.set_default_timeout(120_000)
            zip_path, roster_path = plan_month_and_download(page, url, out, ARTIFACTS)
            assert page.blocked == [], f"the app asked the network for {page.blocked}"
            assert not page.errors, page.errors

    import geopandas as gpd

    from layers.manifest import read_manifest

    n_posts = len(gpd.read_file(read_manifest(park).layers["posts"]))
    expected = n_posts * TEAMS * DAYS
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.testzip() is None
        gpx_names = [n for n in zf.namelist() if n.endswith(".gpx")]
        sheets = [n for n in zf.namelist() if n.endswith("_sheet.pdf")]
        assert len(gpx_names) == len(sheets) == expected, (len(gpx_names), expected)
        for name in gpx_names:
            gpx = gpxpy.parse(io.StringIO(zf.read(name).decode("utf-8")))
            assert gpx.tracks and gpx.tracks[0].segments[0].points, name
            assert gpx.waypoints, name
        assert zf.read("roster.pdf") == roster_path.read_bytes()
    roster = PdfReader(roster_path)
    assert len(roster.pages) >= expected + 1  # a cover, then a sheet per patrol
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(roster_path), str(tmp_path / "roster")],
            check=True,
        )
        assert len(list(tmp_path.glob("roster-*.png"))) == 2
