"""End to end in a real headless Chromium, with every non-localhost request refused.

Starts ``streamlit run app.py`` on a free port with a small demo park, waits
for the Leaflet map inside the component's iframe, fits the risk model, plans
patrols, downloads a GPX and parses it, and saves screenshots (1366x850) to
``tests/artifacts/``.  The helpers here are also used by
``benchmarks/bench_app.py``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 850}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


# --- helpers (shared with the benchmark) --------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(
    park_dir: str | Path,
    parks_dir: str | Path | None = None,
    log: Path | None = None,
    env=None,
    port: int | None = None,
    args=(),
):
    """Run ``streamlit run app.py`` on ``port`` (a free local one by default); yield its base URL.

    Sign-in is off (``PATROL_AUTH=off``) unless ``env`` says otherwise; ``args`` are more
    ``streamlit run`` options (e.g. ``--secrets.files``).
    """
    port = port or free_port()
    env = {"PATROL_AUTH": "off", **os.environ, "PARK_DIR": str(park_dir), **(env or {})}
    if parks_dir is not None:
        env["PARKS_DIR"] = str(parks_dir)
        env.setdefault("PARK_CACHE_DIR", str(Path(parks_dir).parent / "park-cache"))
        env.setdefault("PATROL_AUDIT_DIR", str(Path(parks_dir).parent / "audit"))
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", *args,
    ]  # fmt: skip
    out = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start (exit code {proc.poll()})") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()


@contextmanager
def offline_page(playwright):
    """A Chromium page that refuses (and records in ``page.blocked``) every non-localhost request."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    blocked: list[str] = []

    def route(r):
        url = r.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in LOCAL_HOSTS:
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    context.route("**/*", route)
    page.blocked = blocked
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    try:
        yield page
    finally:
        context.close()
        browser.close()


def leaflet_frame(page, timeout: float = 30.0):
    """The frame holding a drawn Leaflet map (``.leaflet-container`` with a size); waits for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame == page.main_frame:
                continue
            try:
                el = frame.query_selector(".leaflet-container")
                box = el.bounding_box() if el else None
            except Exception:  # a frame being replaced
                continue
            if box and box["height"] > 100:
                iframe = frame.frame_element()
                if iframe.bounding_box() and iframe.bounding_box()["height"] > 100:
                    return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"no Leaflet map drawn within {timeout:.0f} s; page errors: {page.errors}")


def wait_idle(page, timeout: float = 120.0) -> None:
    """Wait until the app is not running a script."""
    page.wait_for_timeout(300)
    busy = [
        '[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]',
        '[data-testid="stSpinner"]',
        '[data-testid="stSkeleton"]',
        '[data-stale="true"]',
    ]
    page.wait_for_function(
        f"() => !document.querySelector({', '.join(busy)!r})",
        timeout=timeout * 1000,
    )


def goto_page(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
    page.wait_for_timeout(300)


def walkthrough(page, url: str, shots: Path, days: int = 1, teams: int = 1, slow_s: float = 180.0) -> dict:
    """Every page as a user would: map, fit, plan, download a GPX, park data. Returns timings and the GPX.

    ``slow_s`` is how long the fit, the model comparison and the plan may take (a busy machine needs more).
    """
    shots.mkdir(parents=True, exist_ok=True)
    out: dict = {}
    t0 = time.monotonic()
    page.goto(url)
    frame = leaflet_frame(page, timeout=60)
    out["map_s"] = time.monotonic() - t0
    assert frame.query_selector(".leaflet-control-layers"), "the map has a layer control"
    assert frame.query_selector(".park-legend"), "the map has a legend"
    wait_idle(page, slow_s)
    page.wait_for_timeout(800)
    page.screenshot(path=str(shots / "map.png"))

    goto_page(page, "Risk")
    page.get_by_role("button", name="Fit the risk model").click()
    page.get_by_text("Highest chance of attack (%)").wait_for(timeout=slow_s * 1000)
    wait_idle(page, slow_s)
    leaflet_frame(page)
    page.wait_for_timeout(800)
    page.screenshot(path=str(shots / "risk.png"))
    page.get_by_role("tab", name="Validation").click()
    page.get_by_role("button", name="Compare every model").click()
    page.get_by_text("Validation on the held-out months").wait_for(timeout=slow_s * 1000)
    wait_idle(page, slow_s)
    page.wait_for_timeout(800)
    page.screenshot(path=str(shots / "risk-validation.png"))

    goto_page(page, "Patrol plans")
    page.get_by_label("Days").fill(str(days))
    page.get_by_label("Days").press("Enter")
    page.get_by_label("Teams per post").fill(str(teams))
    page.get_by_label("Teams per post").press("Enter")
    wait_idle(page, slow_s)
    page.get_by_role("button", name="Plan patrols").click()
    page.get_by_text("Field files").wait_for(timeout=slow_s * 1000)
    wait_idle(page, slow_s)
    leaflet_frame(page)
    page.wait_for_timeout(800)
    page.screenshot(path=str(shots / "plans.png"))
    page.get_by_text("Field files").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "plans-files.png"))
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="GPX", exact=True).first.click()
    gpx_path = shots / "patrol.gpx"
    info.value.save_as(gpx_path)
    out["gpx"] = gpx_path

    goto_page(page, "Park data")
    page.get_by_text("Layers loaded").wait_for(timeout=60_000)
    page.get_by_text("Open a park").wait_for(timeout=30_000)
    wait_idle(page, slow_s)
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / "data.png"))
    return out


# --- the test -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_park(tmp_path_factory) -> Path:
    from simulator import generate_demo_park

    return Path(generate_demo_park(tmp_path_factory.mktemp("park") / "small", area_km2=150, months=12, seed=1))


@pytest.mark.browser
def test_app_in_a_real_browser_offline(small_park, tmp_path):
    import gpxpy
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: make browser"
    with app_server(small_park, tmp_path / "parks", log=tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        with offline_page(pw) as page:
            result = walkthrough(page, url, ARTIFACTS)
            assert page.blocked == [], f"the app asked the network for {page.blocked}"
            assert not page.errors, page.errors
    gpx = gpxpy.parse(result["gpx"].read_text())
    points = [p for t in gpx.tracks for s in t.segments for p in s.points]
    assert len(points) >= 2
    first, last = points[0], points[-1]
    assert abs(first.latitude - last.latitude) < 1e-3 and abs(first.longitude - last.longitude) < 1e-3, (
        "a patrol starts and ends at its post"
    )
    for name in ("map", "risk", "risk-validation", "plans", "plans-files", "data"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
