"""Sign-in in a real headless Chromium: a ranger and a manager sign in and see what their roles allow."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from test_browser import ARTIFACTS, CHROMIUM, app_server, goto_page, leaflet_frame, offline_page, wait_idle

PW = "correct horse battery"


@pytest.fixture(scope="module")
def small_park(tmp_path_factory) -> Path:
    from simulator import generate_demo_park

    return Path(generate_demo_park(tmp_path_factory.mktemp("park") / "small", area_km2=150, months=12, seed=1))


def sign_in(page, url: str, name: str) -> None:
    page.goto(url)
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(PW)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text(f"Signed in as {name}").wait_for(timeout=60_000)


def nav_titles(page) -> list[str]:
    return [t.strip() for t in page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()]


def layer_names(frame) -> str:
    return frame.query_selector(".leaflet-control-layers").text_content() or ""  # collapsed: not visible


@pytest.mark.browser
def test_ranger_and_manager_sign_in(small_park, tmp_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    from access.users import UserStore

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: make browser"
    users = tmp_path / "conf" / "users.json"
    store = UserStore(users, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    import geopandas as gpd

    post = str(gpd.read_file(small_park / "posts.gpkg")["name"].iloc[0])
    store.add("amina", PW, "ranger", posts=[post], parks=["*"])
    store.add("boss", PW, "manager", parks=["*"])
    env = {"PATROL_AUTH": "on", "PATROL_USERS_FILE": str(users)}
    shots = ARTIFACTS / "access"
    shots.mkdir(parents=True, exist_ok=True)
    with (
        app_server(small_park, tmp_path / "parks", log=tmp_path / "streamlit.log", env=env) as url,
        sync_playwright() as pw,
    ):
        with offline_page(pw) as page:
            page.goto(url)
            page.get_by_role("button", name="Sign in", exact=True).wait_for(timeout=60_000)
            assert nav_titles(page) in ([], ["Sign in"]), "a signed-out visitor gets the sign-in page only"
            page.get_by_label("User name").fill("amina")
            page.get_by_label("Password", exact=True).fill("wrong password!")
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.get_by_text("Wrong user name or password").wait_for(timeout=30_000)

            sign_in(page, url, "amina")
            leaflet_frame(page, timeout=60)
            wait_idle(page)  # the map page reruns once the effort is computed: take the frame after it
            page.wait_for_timeout(500)
            frame = leaflet_frame(page)
            assert nav_titles(page) == ["Park map", "Patrol plans", "Indicators", "Park data"]
            layers = layer_names(frame).lower()
            assert "elevation" in layers and "density" not in layers, layers
            page.screenshot(path=str(shots / "ranger-map.png"))
            goto_page(page, "Patrol plans")
            wait_idle(page)
            page.get_by_text("Ranger posts").wait_for(timeout=30_000)
            leaflet_frame(page, timeout=60)
            page.wait_for_timeout(500)
            page.screenshot(path=str(shots / "ranger-plans.png"))
            goto_page(page, "Indicators")
            page.get_by_role("button", name="Indicators (CSV)").wait_for(timeout=60_000)
            wait_idle(page)
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name="Indicators (CSV)").click()
            csv = Path(info.value.path()).read_text()
            assert csv.startswith("month,") and "lon" not in csv.split("\n")[0]
            assert page.blocked == [], f"the app asked the network for {page.blocked}"

        with offline_page(pw) as page:
            sign_in(page, url, "boss")
            leaflet_frame(page, timeout=60)
            wait_idle(page)  # the map page reruns once the effort is computed: take the frame after it
            page.wait_for_timeout(500)
            frame = leaflet_frame(page)
            assert "Risk" in nav_titles(page) and "Users and audit log" in nav_titles(page)
            assert "density" in layer_names(frame).lower()
            goto_page(page, "Users and audit log")
            page.get_by_text("Audit log of this park").wait_for(timeout=30_000)
            wait_idle(page)
            page.wait_for_timeout(500)
            page.screenshot(path=str(shots / "manager-users.png"))
            assert page.blocked == [], f"the app asked the network for {page.blocked}"
            assert not page.errors, page.errors
    from access.audit import AuditLog

    monkeypatch.setenv("PATROL_AUDIT_DIR", str(tmp_path / "audit"))  # where app_server keeps the audit logs
    events = AuditLog(small_park).events(store.get("boss"))
    assert list(events["event"]) == ["sign-in-failed", "sign-in", "download", "sign-in"]
    assert list(events["user"])[1:] == ["amina", "amina", "boss"]
    assert events["what"][2] == "indicators (CSV)", "the download is recorded when it is made"
