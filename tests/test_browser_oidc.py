"""OpenID Connect sign-in in a real headless Chromium, against a local identity provider.

``oidc-provider-mock`` runs a standards-conforming OpenID provider (discovery,
authorisation, token and JWKS endpoints) on a local port; the app's
``[auth]`` secrets point at it, exactly as they would point at a park's
Google, Microsoft or Keycloak account.  A ranger whose e-mail is in the
users file signs in with it and gets a ranger's pages; an identity that is
not in the users file is refused with the fix; signing out ends the session at
the provider too (RP-initiated logout) and returns to the Sign in page.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from test_browser import ARTIFACTS, CHROMIUM, app_server, free_port, leaflet_frame, offline_page, wait_idle
from test_browser_access import nav_titles

RANGER_EMAIL = "amina@park.example"
SIGN_IN_BUTTON = "Sign in with the park's identity provider"


@pytest.fixture(scope="module")
def small_park(tmp_path_factory) -> Path:
    from simulator import generate_demo_park

    return Path(generate_demo_park(tmp_path_factory.mktemp("park") / "small", area_km2=150, months=12, seed=3))


def write_secrets(path: Path, app_port: int, provider_port: int) -> Path:
    """The ``[auth]`` section a park would write for its provider, pointing at the local one."""
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(16)}"\n'
        'client_id = "patrol-planner"\n'
        'client_secret = "not-a-real-secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    return path


def provider_sign_in(page, url: str, subject: str) -> None:
    """From the app's Sign in page, through the provider's consent form, back to the app."""
    page.goto(url)
    page.get_by_role("button", name=SIGN_IN_BUTTON).click()
    page.get_by_role("heading", name="Authorize Client").wait_for(timeout=180_000)
    page.get_by_role("button", name=subject, exact=True).click()  # the provider's one-click user


def sign_out_through_provider(page, url: str, timeout_s: float = 180.0) -> None:
    """After "Sign out": confirm the provider's end-session form if the app sent the browser there
    (RP-initiated logout), until the app's Sign in page has stood for two seconds."""
    deadline = time.monotonic() + timeout_s
    since = None
    while time.monotonic() < deadline:
        end = page.get_by_role("button", name="End session")
        if end.count() and end.first.is_visible():
            end.first.click()
            since = None
        elif page.url.startswith(url) and page.get_by_role("button", name=SIGN_IN_BUTTON).count():
            since = since or time.monotonic()
            if time.monotonic() - since > 2.0:
                return
        else:
            since = None
        page.wait_for_timeout(250)
    raise AssertionError(f"signing out did not come back to the Sign in page (at {page.url})")


@pytest.mark.browser
def test_sign_in_with_an_openid_connect_provider(small_park, tmp_path, monkeypatch):
    from oidc_provider_mock import User as ProviderUser
    from oidc_provider_mock import run_server_in_thread
    from playwright.sync_api import sync_playwright

    from access.audit import SIGN_IN, SIGN_OUT, AuditLog
    from access.users import UserStore

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: make browser"
    users = tmp_path / "conf" / "users.json"
    store = UserStore(users, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    store.add("amina", "correct horse battery", "ranger", parks=["*"], email=RANGER_EMAIL.upper())
    known = ProviderUser(sub="amina-sub", claims={"email": RANGER_EMAIL, "name": "Amina"})
    stranger = ProviderUser(sub="stranger-sub", claims={"email": "stranger@elsewhere.example"})
    shots = ARTIFACTS / "access"
    shots.mkdir(parents=True, exist_ok=True)
    app_port = free_port()
    with run_server_in_thread(user_claims=[known, stranger]) as provider:
        secrets_file = write_secrets(tmp_path / "secrets.toml", app_port, provider.server_port)
        env = {"PATROL_AUTH": "on", "PATROL_USERS_FILE": str(users)}
        with (
            app_server(
                small_park,
                tmp_path / "parks",
                log=tmp_path / "streamlit.log",
                env=env,
                port=app_port,
                args=("--secrets.files", str(secrets_file)),
            ) as url,
            sync_playwright() as pw,
            offline_page(pw) as page,
        ):
            # an identity the provider vouches for but the park does not know: refused, with the fix
            provider_sign_in(page, url, "stranger-sub")
            page.get_by_text("is not in the users file").wait_for(timeout=180_000)
            assert nav_titles(page) in ([], ["Sign in"])
            page.get_by_text("stranger@elsewhere.example").wait_for(timeout=10_000)
            page.context.clear_cookies()  # the provider's own session stays; the app's is dropped

            provider_sign_in(page, url, "amina-sub")
            page.get_by_text("Signed in as").wait_for(timeout=180_000)
            leaflet_frame(page, timeout=60)
            wait_idle(page)
            assert nav_titles(page) == ["Park map", "Patrol plans", "Indicators", "Park data"]
            page.screenshot(path=str(shots / "oidc-ranger.png"))
            page.get_by_role("button", name="Sign out").click()
            sign_out_through_provider(page, url)
            assert nav_titles(page) in ([], ["Sign in"])
            assert not page.errors, page.errors
    monkeypatch.setenv("PATROL_AUDIT_DIR", str(tmp_path / "audit"))  # where app_server kept it
    manager = store.add("boss", "correct horse battery", "manager", parks=["*"])
    events = AuditLog(small_park).events(manager)
    sign_ins = events[(events.event == SIGN_IN) & (events.user == "amina")]
    assert list(sign_ins.what) == ["OpenID Connect"], events[["user", "event", "what"]]
    assert (events[events.event == SIGN_OUT].user == "amina").any()
