"""access.users, access.roles, access.guard, access.audit and the access command line, on small data."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import stat
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from argon2 import PasswordHasher
from shapely.geometry import Point

from access import guard, roles
from access.audit import EXACT_EXPORT, SIGN_IN, AuditLog
from access.cli import main as cli
from access.defaults import LOCKOUT_ATTEMPTS, MANAGER, PLANNER, RANGER, VIEWER
from access.errors import PermissionDenied, SessionExpired, SignInError, UserError, UsersFileError
from access.users import User, UserStore, check_session, new_session

PW = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # the tests' hashes: argon2id, cheap
T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path) -> UserStore:
    s = UserStore(tmp_path / "conf" / "users.json", hasher=FAST)
    s.add("amina", PW, RANGER, posts=["North"], parks=[str(tmp_path / "park")])
    s.add("boss", PW, MANAGER, parks=["*"])
    return s


# --- users file ---------------------------------------------------------------------------------
def test_users_file_is_private_and_holds_no_password(store):
    st = os.stat(store.path)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.path.parent).st_mode) == 0o700
    text = store.path.read_text()
    assert PW not in text and "$argon2id$" in text
    assert [u.name for u in store.users()] == ["amina", "boss"]
    assert store.get("amina") == User("amina", RANGER, ("North",), (str(store.path.parent.parent / "park"),))


def test_add_checks_name_role_password_and_duplicates(store):
    with pytest.raises(UserError, match="already exists"):
        store.add("amina", PW, RANGER)
    with pytest.raises(UserError, match="Unknown role"):
        store.add("carl", PW, "admin")
    with pytest.raises(UserError, match="at least"):
        store.add("carl", "short", RANGER)
    with pytest.raises(UserError, match="not allowed"):
        store.add("../etc", PW, RANGER)
    store.set_role("amina", PLANNER)
    assert store.get("amina").role == PLANNER
    store.remove("amina")
    with pytest.raises(UserError, match="No user"):
        store.get("amina")


def test_a_users_file_others_can_write_is_refused(store):
    os.chmod(store.path, 0o666)
    with pytest.raises(UsersFileError, match="chmod 600"):
        store.users()


def test_sign_in_lock_out_and_unlock(store):
    session = store.authenticate("amina", PW, now=T0)
    assert session.user.name == "amina" and session.method == "password"
    with pytest.raises(SignInError, match="Wrong user name or password"):
        store.authenticate("nobody", PW, now=T0)
    for i in range(LOCKOUT_ATTEMPTS):
        with pytest.raises(SignInError, match="Wrong"):
            store.authenticate("amina", "wrong password!", now=T0 + dt.timedelta(seconds=i))
    # locked: even the right password is refused, until the lock-out ends
    with pytest.raises(SignInError, match="locked"):
        store.authenticate("amina", PW, now=T0 + dt.timedelta(minutes=1))
    assert store.status("amina", now=T0 + dt.timedelta(minutes=1))["locked_until"] is not None
    assert store.authenticate("amina", PW, now=T0 + dt.timedelta(minutes=16)).user.name == "amina"
    # a manager's new password lifts a lock-out at once
    for _ in range(LOCKOUT_ATTEMPTS):
        with pytest.raises(SignInError):
            store.authenticate("amina", "wrong password!", now=T0 + dt.timedelta(hours=1))
    store.set_password("amina", "a brand new password")
    assert store.authenticate("amina", "a brand new password", now=T0 + dt.timedelta(hours=1))


def test_fewer_failures_than_the_limit_do_not_lock(store):
    for _ in range(LOCKOUT_ATTEMPTS - 1):
        with pytest.raises(SignInError):
            store.authenticate("amina", "wrong password!", now=T0)
    assert store.authenticate("amina", PW, now=T0)  # and the count starts again
    assert store.status("amina")["failed"] == 0


def test_sessions_expire():
    s = new_session(User("amina", RANGER), hours=8, now=T0)
    assert check_session(s, now=T0 + dt.timedelta(hours=7, minutes=59)).name == "amina"
    with pytest.raises(SessionExpired, match="expired"):
        check_session(s, now=T0 + dt.timedelta(hours=8))
    with pytest.raises(SessionExpired, match="Not signed in"):
        check_session(None)


def test_command_line_reads_passwords_from_stdin_never_argv(tmp_path, monkeypatch, capsys):
    users = str(tmp_path / "u" / "users.json")
    monkeypatch.setattr("sys.stdin", io.StringIO(PW + "\n"))
    assert cli(["add", "joe", "--role", "ranger", "--post", "South", "--password-stdin", "--users", users]) == 0
    assert UserStore(users).authenticate("joe", PW).user.posts == ("South",)
    assert cli(["set-role", "joe", "viewer", "--users", users]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    assert cli(["set-password", "joe", "--password-stdin", "--users", users]) == 0
    assert cli(["set-access", "joe", "--post", "East", "--post", "West", "--users", users]) == 0
    capsys.readouterr()
    assert cli(["list", "--json", "--users", users]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {"name": "joe", "role": "viewer", "posts": ["East", "West"], "parks": [], "failed": 0, "locked_until": None}
    ]
    assert cli(["remove", "nobody", "--users", users]) == 2  # an error message, no traceback
    assert "No user 'nobody'" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # there is no --password option
        cli(["add", "x", "--role", "ranger", "--password", PW, "--users", users])


# --- roles and guard ---------------------------------------------------------------------------
RANGER_U = User("amina", RANGER, posts=("North",))
PLANNER_U = User("pat", PLANNER, parks=("*",))
MANAGER_U = User("boss", MANAGER, parks=("*",))
VIEWER_U = User("vic", VIEWER, parks=("*",))


def test_require_by_role():
    assert roles.can(PLANNER_U, roles.RISK) and roles.can(MANAGER_U, roles.USERS)
    for user, perm in [(RANGER_U, roles.RISK), (RANGER_U, roles.USERS), (VIEWER_U, roles.MAP), (PLANNER_U, "users")]:
        with pytest.raises(PermissionDenied, match="may not see"):
            guard.require(user, perm)
    with pytest.raises(PermissionDenied, match="signed-out"):
        guard.require(None, roles.MAP)


class _Park:
    """The parts of a park the guard reads."""

    def __init__(self):
        self.rasters = {"dem": "dem.tif", "rhino_density": "r.tif", "elephant_density": "e.tif", "ndvi": "n.tif"}
        self.features = {"roads": "roads", "rhino_sightings": "rs", "carcasses": "c"}
        self.incidents = gpd.GeoDataFrame(
            {"type": ["snare", "rhino_carcass", "arrest", "elephant_carcass"]},
            geometry=[Point(i, i) for i in range(4)],
            crs="EPSG:32736",
        )


def test_park_layers_for_drops_animal_locations_for_rangers_only():
    park = _Park()
    seen = guard.park_layers_for(RANGER_U, park)
    assert set(seen.rasters) == {"dem", "ndvi"} and set(seen.features) == {"roads"}
    assert list(seen.incidents["type"]) == ["snare", "arrest"]
    assert len(park.incidents) == 4 and "rhino_density" in park.rasters  # the original is untouched
    assert guard.park_layers_for(PLANNER_U, park) is park
    with pytest.raises(PermissionDenied):
        guard.park_layers_for(VIEWER_U, park)


def _plan():
    from patrols.route import Patrol, Plan

    def patrol(pid, post):
        return Patrol(pid, post, 1, dt.date(2026, 11, 1), "foot", np.array([[0, 0], [1000, 0]]), "EPSG:32736")

    return Plan("Tiny", dt.date(2026, 11, 1), 1, [patrol("N-1", "North"), patrol("S-1", "South")])


def test_plan_for_gives_a_ranger_their_posts_patrols_only():
    plan = _plan()
    assert [p.patrol_id for p in guard.plan_for(RANGER_U, plan).patrols] == ["N-1"]
    assert len(plan.patrols) == 2
    assert guard.plan_for(PLANNER_U, plan) is plan
    assert guard.posts_for(RANGER_U, ["North", "South"]) == ["North"]
    assert guard.posts_for(MANAGER_U, ["North", "South"]) == ["North", "South"]
    with pytest.raises(PermissionDenied, match="S-1"):
        guard.patrol_for(RANGER_U, plan.patrols[1])
    with pytest.raises(PermissionDenied):
        guard.plan_for(VIEWER_U, plan)
    with pytest.raises(PermissionDenied):
        guard.risk_for(RANGER_U, object())


def test_allowed_parks_come_from_the_users_list(tmp_path):
    a, b, other = tmp_path / "a", tmp_path / "b", tmp_path / "other"
    for p in (a, b, other):
        p.mkdir()
        (p / "park.toml").write_text("[park]\n")
    ranger = User("amina", RANGER, parks=(str(a), str(other)))
    assert guard.allowed_parks(ranger, [a, b]) == [a, other]  # a listed park outside the catalogue is added
    assert guard.allowed_parks(MANAGER_U, [a, b]) == [a, b]
    assert guard.allowed_parks(User("x", RANGER), [a, b]) == []
    assert guard.check_park(ranger, a, [a, b]) == a
    with pytest.raises(PermissionDenied, match="may not open"):
        guard.check_park(ranger, b, [a, b])
    with pytest.raises(PermissionDenied):
        guard.check_park(ranger, "/etc", [a, b])


def test_indicators_are_aggregates_for_viewers():
    park = _Park()
    park.incidents["time"] = pd.to_datetime(["2026-01-05", "2026-01-09", "2026-02-01", "2026-02-03"], utc=True)
    table = guard.indicators_for(VIEWER_U, park)
    assert list(table["month"]) == ["2026-01", "2026-02"]
    assert list(table["incidents (count)"]) == [2, 2]
    assert "geometry" not in table.columns and not any(c in table.columns for c in ("x", "y", "lon", "lat"))


def test_user_list_is_for_managers(store):
    assert [u.name for u in guard.users_for(MANAGER_U, store)] == ["amina", "boss"]
    for u in (RANGER_U, PLANNER_U, VIEWER_U):
        with pytest.raises(PermissionDenied, match="user list"):
            guard.users_for(u, store)


# --- audit log ---------------------------------------------------------------------------------
def test_audit_log_is_private_append_only_and_for_managers(tmp_path):
    park = tmp_path / "park"
    park.mkdir()
    log = AuditLog(park)
    log.record(SIGN_IN, RANGER_U, "password")
    log.record(EXACT_EXPORT, MANAGER_U, "outside export", {"reason": "police case"})
    assert log.path == park / ".patrol" / "audit.sqlite"
    assert stat.S_IMODE(os.stat(log.path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(log.path).st_mode) == 0o600
    events = log.events(MANAGER_U)
    assert list(events["event"]) == [SIGN_IN, EXACT_EXPORT]
    assert list(events["user"]) == ["amina", "boss"] and json.loads(events["detail"][1])["reason"] == "police case"
    assert set(events["park"]) == {str(park.resolve())}
    for u in (RANGER_U, PLANNER_U, VIEWER_U):
        with pytest.raises(PermissionDenied, match="audit log"):
            log.events(u)
    con = sqlite3.connect(log.path)
    for sql in ("UPDATE events SET user = 'x'", "DELETE FROM events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    con.close()
    assert len(log.events(MANAGER_U)) == 2


def test_audit_dir_setting_keeps_logs_out_of_a_read_only_park(tmp_path, monkeypatch):
    monkeypatch.setenv("PATROL_AUDIT_DIR", str(tmp_path / "audit"))
    log = AuditLog(tmp_path / "park")
    log.record(SIGN_IN, RANGER_U, "password")
    assert Path(log.path).parent == tmp_path / "audit" and not (tmp_path / "park").exists()
