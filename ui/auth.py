"""Who is using this session: sign-in (users file or OpenID Connect), roles on the pages, the audit trail.

The rules live in :mod:`access`; this module only keeps the signed-in
:class:`access.users.Session` in ``st.session_state`` (one per browser
session, never shared), chooses the pages a role gets, and stops a page whose
guard refuses.

* ``PATROL_AUTH=off``: nobody signs in, everyone may do everything but read
  the user list and the audit log (the operator's explicit choice).
* Nobody signed in and the app opened on the demo park: the demo runs without
  sign-in on the demo park only, and every page says so.
* Otherwise: the Sign in page until someone signs in.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from access import guard, roles
from access.audit import DOWNLOAD, SIGN_IN, SIGN_IN_FAILED, SIGN_OUT, AuditLog
from access.defaults import OPEN, auth_switched_off
from access.errors import AccessError, AuditError, PermissionDenied, SessionExpired, SignInError
from access.users import User, UserStore, check_session, new_session
from ui import common, times

SESSION_KEY = "access_session"
MESSAGE_KEY = "access_message"

PAGES = {
    "map": ("ui/page_map.py", "Park map"),
    "risk": ("ui/page_risk.py", "Risk"),
    "plans": ("ui/page_plans.py", "Patrol plans"),
    "scenarios": ("ui/page_scenarios.py", "Scenarios"),
    "monitoring": ("ui/page_monitoring.py", "Monitoring"),
    "indicators": ("ui/page_indicators.py", "Indicators"),
    "data": ("ui/page_data.py", "Park data"),
    "users": ("ui/page_users.py", "Users and audit log"),
    "signin": ("ui/page_signin.py", "Sign in"),
}


# --- configuration -----------------------------------------------------------------------------
def oidc_providers() -> list[str] | None:
    """The OpenID Connect providers of ``.streamlit/secrets.toml``'s ``[auth]``, or ``None`` when not configured.

    ``[]`` means the single default provider (``client_id`` directly under ``[auth]``).
    """
    try:
        auth = st.secrets.get("auth")
    except Exception:  # no secrets.toml at all
        return None
    if not auth:
        return None
    named = [k for k, v in dict(auth).items() if hasattr(v, "keys") and "client_id" in v]
    if named:
        return named
    return [] if "client_id" in auth else None


def is_demo_park(folder: str | Path) -> bool:
    try:
        return Path(folder).resolve() == common.DEFAULT_PARK.resolve()
    except OSError:
        return False


def known_parks() -> list[Path]:
    """The configured parks: the demo park, every park saved under the parks folder, and ``$PARK_DIR``."""
    found = []
    if (common.DEFAULT_PARK / "park.toml").is_file():
        found.append(common.DEFAULT_PARK)
    root = common.parks_root()
    if root.is_dir():
        found += [p for p in sorted(root.iterdir()) if (p / "park.toml").is_file()]
    env = os.environ.get(common.PARK_ENV)
    if env and not any(Path(env).resolve() == p.resolve() for p in found):
        found.insert(0, Path(env))
    return found


# --- the user ----------------------------------------------------------------------------------
def _audit(event: str, user, what: str, detail: dict | None = None, folder=None) -> None:
    """Record in the audit log of ``folder`` (default: the session's park); a failure is shown, not raised."""
    try:
        AuditLog(folder or common.park_dir()).record(event, user, what, detail)
    except AuditError as exc:
        st.warning(f"The audit log could not be written: {exc}")


def _from_oidc() -> User | None:
    """The users-file user whose e-mail is the signed-in OpenID Connect identity's."""
    if oidc_providers() is None or not getattr(st.user, "is_logged_in", False):
        return None
    email = str(getattr(st.user, "email", "") or "")
    try:
        user = UserStore().by_email(email)
    except AccessError as exc:
        st.session_state[MESSAGE_KEY] = f"{exc}"
        return None
    if user is None:
        st.session_state[MESSAGE_KEY] = (
            f"{email or 'This account'} signed in with the identity provider but is not in the users file. "
            "Fix: a manager adds it (`python -m access add NAME --email ADDRESS ...`)"
        )
    return user


def current_user() -> User | None:
    """The user of this session, or ``None`` (the page should then offer sign-in)."""
    if auth_switched_off():
        return guard.open_user()
    session = st.session_state.get(SESSION_KEY)
    if session is not None:
        try:
            return check_session(session)
        except SessionExpired as exc:
            st.session_state.pop(SESSION_KEY, None)
            st.session_state[MESSAGE_KEY] = str(exc)
            _audit(SIGN_OUT, session.user, "session expired")
    user = _from_oidc()
    if user is not None:
        st.session_state[SESSION_KEY] = new_session(user, method="oidc")
        _audit(SIGN_IN, user, "OpenID Connect")
        return user
    if is_demo_park(common.park_dir()):
        return User(name="no-sign-in", role=OPEN, parks=(str(common.DEFAULT_PARK),), display="Demo, no sign-in")
    return None


def user() -> User:
    """The user of this session, or stop the page (the navigation only offers Sign in then)."""
    u = current_user()
    if u is None:
        st.info("Please sign in.")
        st.stop()
    return u


def sign_in(name: str, password: str) -> User | None:
    """Check a name and password against the users file; record the attempt. ``None`` (and a message) if refused."""
    try:
        session = UserStore().authenticate(name.strip().lower(), password)
    except SignInError as exc:
        st.session_state[MESSAGE_KEY] = str(exc)
        _audit(SIGN_IN_FAILED, None, f"password for {name.strip().lower()!r}", {"reason": str(exc)})
        return None
    except AccessError as exc:
        st.session_state[MESSAGE_KEY] = f"Sign-in is not possible: {exc}"
        return None
    st.session_state[SESSION_KEY] = session
    st.session_state.pop(MESSAGE_KEY, None)
    parks = guard.allowed_parks(session.user, known_parks())
    if parks and not any(Path(common.park_dir()).resolve() == p.resolve() for p in parks):
        common.set_park_dir(parks[0])
    _audit(SIGN_IN, session.user, "password")
    return session.user


def sign_out() -> None:
    session = st.session_state.pop(SESSION_KEY, None)
    for key in ("risk", "plan", "park_dir"):
        st.session_state.pop(key, None)
    if session is not None:
        _audit(SIGN_OUT, session.user, session.method)
        if session.method == "oidc":
            st.logout()


# --- pages ---------------------------------------------------------------------------------------
def page_keys(u: User | None) -> list[str]:
    """The pages ``u`` gets, the default first."""
    if u is None:
        return ["signin"]
    keys = []
    if roles.can(u, roles.MAP):
        keys.append("map")
    if roles.can(u, roles.RISK):
        keys.append("risk")
    if roles.can(u, roles.PLAN):
        keys.append("plans")
    if roles.can(u, roles.SCENARIOS):
        keys.append("scenarios")
    if roles.can(u, roles.MONITORING):
        keys.append("monitoring")
    if roles.can(u, roles.INDICATORS):
        keys.append("indicators")
    keys.append("data")
    if roles.can(u, roles.USERS):
        keys.append("users")
    if u.role == OPEN and not auth_switched_off():
        keys.append("signin")
    return keys


def pages(u: User | None) -> list:
    return [st.Page(PAGES[k][0], title=PAGES[k][1], default=i == 0) for i, k in enumerate(page_keys(u))]


def banner(u: User | None) -> None:
    """Who is signed in (and until when), with a Sign out button; the no-sign-in warning on every page."""
    if u is None:
        return
    if u.role == OPEN:
        if auth_switched_off():
            st.sidebar.caption("Sign-in is switched off (`PATROL_AUTH=off`): everyone using this app sees everything.")
        else:
            st.warning(
                "Demo park without sign-in: anyone can use it. Other parks need a signed-in user (the Sign in page)."
            )
        return
    session = st.session_state.get(SESSION_KEY)
    with st.sidebar:
        zone = times.folder_zone(common.park_dir())
        until = f" · until {times.clock_text(session.expires, zone)}" if session is not None else ""
        st.caption(f"Signed in as **{u.label}**{until}")
        if st.button("Sign out", key="access_sign_out"):
            sign_out()
            st.rerun()


def require(permission: str, what: str = "") -> User:
    """The user, when the guard lets them have ``permission``; otherwise an error and the page stops."""
    u = user()
    try:
        guard.require(u, permission, what)
    except PermissionDenied as exc:
        st.error(str(exc))
        st.stop()
    return u


def require_park(u: User, light: bool = False):
    """The session's park when ``u`` may open it (:func:`access.guard.check_park`), else an error and stop."""
    try:
        guard.check_park(u, common.park_dir(), known_parks())
    except PermissionDenied as exc:
        st.error(str(exc))
        st.stop()
    return common.require_park(light=light)


def audited(make: Callable[[], bytes], u: User, what: str, folder) -> Callable[[], bytes]:
    """A download's data callable that records the download (who, what, which park) when it is made."""

    def data() -> bytes:
        out = make()
        _audit(DOWNLOAD, u, what, {"bytes": len(out)}, folder=folder)
        return out

    return data
