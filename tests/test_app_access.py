"""The dashboard by role (AppTest): what a signed-out visitor, a ranger, a planner, a viewer and a manager get.

Each role's limits are checked twice: on the pages, and by calling the guard
functions the pages call.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from apptest_env import APP, ROOT, no_traceback, use_park
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from access import guard, roles
from access.audit import AuditLog
from access.defaults import MANAGER, OPEN, PLANNER, RANGER, VIEWER
from access.errors import PermissionDenied
from access.users import User, UserStore, new_session

TIMEOUT = 120
PW = "correct horse battery"


@pytest.fixture(scope="module")
def small_park(tmp_path_factory) -> Path:
    from simulator import generate_demo_park

    return Path(generate_demo_park(tmp_path_factory.mktemp("park") / "small", area_km2=150, months=12, seed=1))


@pytest.fixture(scope="module")
def park(small_park):
    from layers.park import load_park

    return load_park(small_park)


@pytest.fixture(scope="module")
def full_plan(park):
    """A one-day plan of every post (made by a planner), on a flat reward."""
    from patrols.planner import plan_patrols

    reward = np.where(park.grid.mask, 1.0, np.nan)
    posts = [str(n) for n in park.posts["name"]]
    return plan_patrols(park, reward, dt.date(2026, 11, 1), 1, posts=posts, teams=1, km=8.0)


@pytest.fixture
def env(small_park, tmp_path, monkeypatch):
    use_park(monkeypatch, small_park, tmp_path, sign_in=True)
    return small_park


def users(park) -> dict[str, User]:
    posts = [str(n) for n in park.posts["name"]]
    return {
        RANGER: User("amina", RANGER, posts=(posts[0],), parks=("*",)),
        PLANNER: User("pat", PLANNER, parks=("*",)),
        MANAGER: User("boss", MANAGER, parks=("*",)),
        VIEWER: User("vic", VIEWER, parks=("*",)),
    }


def app(user: User | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if user is not None:
        at.session_state["access_session"] = new_session(user)
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in at.metric]}")


# --- signed out ----------------------------------------------------------------------------------
def test_signed_out_visitor_gets_the_sign_in_page_then_signs_in(env, tmp_path):
    store = UserStore(hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    store.add("amina", PW, RANGER, posts=["North"], parks=["*"])
    at = app()
    no_traceback(at)
    assert titles(at) == ["Sign in"] and not at.get("iframe")
    assert not [b for b in at.button if b.key and b.key.startswith("signin_oidc")], "no OIDC unless configured"
    at.text_input(key="signin_name").set_value("amina")
    at.text_input(key="signin_password").set_value("wrong password!")
    at.button(key="signin_go").click().run()
    no_traceback(at)
    assert titles(at) == ["Sign in"] and "Wrong user name or password" in at.error[0].value
    at.text_input(key="signin_name").set_value("amina")
    at.text_input(key="signin_password").set_value(PW)
    at.button(key="signin_go").click().run()
    no_traceback(at)
    assert titles(at) == ["Park map"], titles(at)
    assert any("Signed in as" in c.value for c in at.sidebar.caption)
    events = AuditLog(env).events(User("boss", MANAGER))
    assert list(events["event"]) == ["sign-in-failed", "sign-in"]
    at.button(key="access_sign_out").click().run()
    assert titles(at) == ["Sign in"]


def test_an_expired_session_gets_the_sign_in_page_again(env, park):
    u = users(park)[PLANNER]
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["access_session"] = new_session(u, hours=8, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=9))
    at.run()
    no_traceback(at)
    assert titles(at) == ["Sign in"] and "expired" in at.error[0].value
    assert "access_session" not in at.session_state


def test_sign_in_page_offers_openid_connect_only_when_configured(env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "patrol",
        "client_secret": "s",
        "server_metadata_url": "https://id.example.org/.well-known/openid-configuration",
    }
    at.run()
    no_traceback(at)
    assert [b.key for b in at.button if b.key and b.key.startswith("signin_oidc")] == ["signin_oidc_default"]


def test_demo_park_runs_without_sign_in_and_says_so_on_every_page(env, monkeypatch):
    from ui import common

    monkeypatch.setattr(common, "DEFAULT_PARK", env)  # the small park plays the demo
    at = app()
    no_traceback(at)
    assert titles(at) == ["Park map"]
    assert any("Demo park without sign-in" in w.value for w in at.warning)
    at.switch_page("ui/page_data.py").run()
    no_traceback(at)
    assert any("Demo park without sign-in" in w.value for w in at.warning)
    assert at.selectbox(key="data_park_choice").options == [str(env)], "the demo visitor opens the demo park only"


# --- roles ----------------------------------------------------------------------------------------
def test_ranger_sees_no_densities_no_risk_no_other_posts_no_users(env, park, full_plan):
    from ui import auth, common

    u = users(park)[RANGER]
    assert auth.page_keys(u) == ["map", "plans", "indicators", "data"]
    at = app(u)
    no_traceback(at)
    assert titles(at) == ["Park map"]
    # the map the page draws holds no density raster
    view = guard.park_layers_for(u, park)
    names = {o.name for o in common.raster_overlays(str(env), park=view)}
    assert names and not any("density" in n.lower() for n in names), names
    assert any("density" in n.lower() for n in {o.name for o in common.raster_overlays(str(env))})
    # the risk page and the user list are not in the navigation...
    for page in ("ui/page_risk.py", "ui/page_users.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    # ...and run on their own, the pages refuse too
    for page, what in (("ui/page_risk.py", "the risk map"), ("ui/page_users.py", "the user list")):
        direct = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT)
        direct.session_state["access_session"] = new_session(u)
        direct.run()
        no_traceback(direct)
        assert direct.error and f"may not see {what}" in direct.error[0].value
        assert not direct.metric and not direct.dataframe
    # ...nor do the guard functions
    for call in (
        lambda: guard.risk_for(u, object()),
        lambda: guard.users_for(u, UserStore()),
        lambda: AuditLog(env).events(u),
        lambda: guard.require(u, roles.ANIMALS),
    ):
        with pytest.raises(PermissionDenied):
            call()
    # plans: only the ranger's post, even when the session holds a plan of every post
    own = u.posts[0]
    assert {p.post for p in full_plan.patrols} > {own}
    at = app(u, plan={"park": str(env), "plan": full_plan, "risk": None, "files": {}})
    at.switch_page("ui/page_plans.py").run()
    no_traceback(at)
    assert at.multiselect(key="plan_posts").options == [own]
    n_own = sum(p.post == own for p in full_plan.patrols)
    assert metric(at, "Patrols (count)") == str(n_own)
    keys = [b.key for b in at.get("download_button")] if at.get("download_button") else []
    other = [p.patrol_id for p in full_plan.patrols if p.post != own]
    assert not any(pid in (k or "") for k in keys for pid in other)
    assert [p.post for p in guard.plan_for(u, full_plan).patrols] == [own] * n_own
    with pytest.raises(PermissionDenied):
        guard.patrol_for(u, next(p for p in full_plan.patrols if p.post != own))


def test_planner_gets_risk_and_every_plan_but_not_the_user_list(env, park, full_plan):
    from ui import auth

    u = users(park)[PLANNER]
    assert auth.page_keys(u) == ["map", "risk", "plans", "scenarios", "monitoring", "indicators", "data"]
    at = app(u, plan={"park": str(env), "plan": full_plan, "risk": None, "files": {}})
    at.switch_page("ui/page_plans.py").run()
    no_traceback(at)
    assert metric(at, "Patrols (count)") == str(len(full_plan.patrols))
    at.switch_page("ui/page_risk.py").run()
    no_traceback(at)
    assert titles(at) == ["Risk"]
    with pytest.raises(PermissionDenied):
        guard.users_for(u, UserStore())


def test_viewer_gets_aggregates_only(env, park):
    from ui import auth

    u = users(park)[VIEWER]
    assert auth.page_keys(u) == ["indicators", "data"]
    at = app(u)
    no_traceback(at)
    assert titles(at) == ["Indicators"]
    assert int(metric(at, "Incidents (count)").replace(",", "")) == len(park.incidents)
    table = at.dataframe[0].value
    assert not {"geometry", "x", "y", "lon", "lat"} & set(table.columns)
    assert not at.get("iframe"), "no map for a viewer"
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("ui/page_map.py")
    at.switch_page("ui/page_data.py").run()
    no_traceback(at)
    assert not at.dataframe, "no load report (it names files and rows) for a viewer"
    with pytest.raises(PermissionDenied):
        guard.park_layers_for(u, park)


def test_manager_reads_the_user_list_and_the_audit_log(env, park):
    store = UserStore(hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    store.add("amina", PW, RANGER, posts=["North"])
    u = users(park)[MANAGER]
    AuditLog(env).record("download", users(park)[RANGER], "GPX of patrol X")
    at = app(u)
    at.switch_page("ui/page_users.py").run()
    no_traceback(at)
    assert titles(at) == ["Users and audit log"]
    people, events = at.dataframe[0].value, at.dataframe[1].value
    assert list(people["user"]) == ["amina"] and "hash" not in " ".join(people.columns)
    assert "GPX of patrol X" in set(events["what"])


def test_a_park_outside_the_users_list_cannot_be_opened(env, park, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("PARK_DIR", str(other))
    u = User("amina", RANGER, posts=("North",), parks=(str(env),))
    at = app(u, park_dir=str(other))
    no_traceback(at)
    assert at.error and "may not open the park folder" in at.error[0].value


def test_the_register_and_its_editor_by_role():
    def user(role):
        return User(name=f"a-{role}", role=role)

    sees = {r for r in (RANGER, PLANNER, MANAGER, VIEWER, OPEN) if roles.can(user(r), roles.MONITORING)}
    edits = {r for r in (RANGER, PLANNER, MANAGER, VIEWER, OPEN) if roles.can(user(r), roles.REGISTER_EDIT)}
    assert sees == {PLANNER, MANAGER, OPEN}  # rangers and viewers: no register with places
    assert edits == {MANAGER, OPEN}
