"""What the AppTest suites share: the app's path, the environment that opens it on one park, and the no-error check."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")  # the page script that app.py serves


def use_park(monkeypatch, folder: Path, tmp_path: Path, sign_in: bool = False) -> Path:
    """Point the app at ``folder``, with its park list, cache and audit log under ``tmp_path``.

    ``sign_in=False`` switches sign-in off (roles are tested in test_app_access.py); ``True`` keeps it on,
    with the users file under ``tmp_path/conf``.
    """
    monkeypatch.setenv("PARK_DIR", str(folder))
    monkeypatch.setenv("PARKS_DIR", str(tmp_path / "parks"))
    monkeypatch.setenv("PARK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATROL_AUDIT_DIR", str(tmp_path / "audit"))
    if sign_in:
        monkeypatch.setenv("PATROL_USERS_FILE", str(tmp_path / "conf" / "users.json"))
        monkeypatch.delenv("PATROL_AUTH", raising=False)
    else:
        monkeypatch.setenv("PATROL_AUTH", "off")
    return folder


def use_history_free_park(monkeypatch, tmp_path: Path) -> Path:
    """A park on its first day (layers, no incidents or tracks) written under ``tmp_path``, the app pointed at it."""
    from nohistory import make_history_free_park

    return use_park(monkeypatch, make_history_free_park(tmp_path / "new-park"), tmp_path)


def no_exception(at: AppTest, errors: bool = True) -> None:
    """The run raised nothing (and, with ``errors``, showed no ``st.error``)."""
    assert not at.exception, [e.message for e in at.exception]
    if errors:
        assert not at.error, [e.value for e in at.error]


def no_traceback(at: AppTest) -> None:
    """The run raised nothing (an ``st.error`` the test expects is allowed)."""
    no_exception(at, errors=False)
