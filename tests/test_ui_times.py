"""Times shown in the park's zone: the signed-in session's expiry."""

from __future__ import annotations

import pandas as pd
import parkfiles as pf
from apptest_env import APP, no_exception, use_park
from streamlit.testing.v1 import AppTest

from access.roles import MANAGER
from access.users import User, new_session
from ui import times


def test_clock_text_is_in_the_zone():
    when = pd.Timestamp("2026-05-03 11:20", tz="UTC")
    assert times.clock_text(when, "Africa/Nairobi") == "14:20 EAT"
    assert times.clock_text(when.tz_convert(None), "UTC") == "11:20 UTC"  # naive times are UTC


def test_folder_zone_reads_park_toml(tmp_path):
    folder = pf.make_park(tmp_path / "park")
    assert times.folder_zone(folder) == "UTC"
    toml = (
        (folder / "park.toml")
        .read_text()
        .replace("cell_size_m = 500\n", 'cell_size_m = 500\ntimezone = "Asia/Kolkata"\n')
    )
    (folder / "park.toml").write_text(toml)
    assert times.folder_zone(folder) == "Asia/Kolkata"
    assert times.folder_zone(tmp_path / "nowhere") == "UTC"


def test_session_expiry_is_shown_in_the_parks_zone(tmp_path, monkeypatch):
    folder = pf.make_park(tmp_path / "park")
    toml = (folder / "park.toml").read_text()
    (folder / "park.toml").write_text(
        toml.replace("cell_size_m = 500\n", 'cell_size_m = 500\ntimezone = "Africa/Nairobi"\n')
    )
    use_park(monkeypatch, folder, tmp_path, sign_in=True)
    session = new_session(User("boss", MANAGER, parks=("*",)))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["access_session"] = session
    at.run()
    no_exception(at, errors=False)
    expected = pd.Timestamp(session.expires).tz_convert("Africa/Nairobi").strftime("%H:%M")
    captions = [c.value for c in at.sidebar.caption if "Signed in as" in c.value]
    assert captions and captions[0].endswith(f"until {expected} EAT"), captions
