"""Register edits through the park store: they survive a reopen, the log lists them, undo restores the value,
and every file the park came with keeps its sha256."""

from __future__ import annotations

import pandas as pd
import pytest
from monitoring_park import file_hashes, register_park

from layers.park import load_park
from monitoring.edits import RegisterEditor, open_register
from monitoring.errors import EditError


@pytest.fixture(scope="module")
def park_folder(tmp_path_factory):
    return register_park(tmp_path_factory.mktemp("park") / "reg")


def test_edits_survive_a_reopen_are_logged_and_undone(park_folder):
    before = file_hashes(park_folder)
    park = load_park(park_folder)
    editor = RegisterEditor(park)
    reg = editor.register()
    cases = reg.case_summary()
    open_ref = cases.loc[cases["status"] == "open", "case_ref"].iloc[0]
    snare = reg.incidents.loc[reg.incidents["type"] == "snare", "incident_id"].iloc[0]
    seizure = reg.incidents.loc[reg.incidents["type"] == "seizure", "incident_id"].iloc[0]
    n_seizures = int((reg.incidents["type"] == "seizure").sum())
    where = reg.incidents[reg.incidents["incident_id"] == snare].to_crs("EPSG:4326").geometry.iloc[0]

    e_case = editor.add_case_outcome(open_ref, "convicted", "2026-09-30", sentence="2 years", user="warden")
    e_type = editor.correct_incident(snare, "type", "poacher_camp", user="warden")
    e_qty = editor.correct_incident(seizure, "quantity", 7.5, user="clerk")
    new_id = editor.add_seizure(
        "2026-08-14", where.x, where.y, "Rhino horn", 2.1, "kg", case_ref=open_ref, user="clerk"
    )

    # a new session: the park and the register loaded again from the folder
    again = open_register(load_park(park_folder))
    inc = again.incidents.set_index("incident_id")
    assert inc.loc[snare, "type"] == "poacher_camp"
    assert inc.loc[seizure, "quantity"] == pytest.approx(7.5)
    assert inc.loc[new_id, "item"] == "rhino_horn" and inc.loc[new_id, "time"] == pd.Timestamp("2026-08-14", tz="UTC")
    assert inc.loc[new_id, "section"] in again.section_names()
    assert int((again.incidents["type"] == "seizure").sum()) == n_seizures + 1
    summary = again.case_summary().set_index("case_ref")
    assert summary.loc[open_ref, "status"] == "convicted" and summary.loc[open_ref, "sentence"] == "2 years"

    log = RegisterEditor(load_park(park_folder)).log()
    assert list(log["edit_id"]) == [e_case, e_type, e_qty, log["edit_id"].iloc[-1]]
    row = log.set_index("edit_id").loc[e_type]
    assert (row["user"], row["field"], row["before"], row["after"]) == ("warden", "type", "snare", "poacher_camp")
    assert log.set_index("edit_id").loc[e_qty, "user"] == "clerk"

    undo_id = RegisterEditor(load_park(park_folder)).undo(e_type, user="warden")
    restored = open_register(load_park(park_folder)).incidents.set_index("incident_id")
    assert restored.loc[snare, "type"] == "snare" and restored.loc[seizure, "quantity"] == pytest.approx(7.5)
    log = RegisterEditor(load_park(park_folder)).log().set_index("edit_id")
    assert bool(log.loc[e_type, "undone"]) and log.loc[undo_id, "undo_of"] == e_type

    after = file_hashes(park_folder)
    assert {k: after[k] for k in before} == before  # every file the park came with is unchanged
    assert all(k.startswith("store.gpkg") for k in set(after) - set(before))


def test_bad_edits_name_the_fix(park_folder):
    editor = RegisterEditor(load_park(park_folder))
    with pytest.raises(EditError, match="no incident"):
        editor.correct_incident("NOPE", "type", "snare")
    some = editor.register().incidents["incident_id"].iloc[0]
    with pytest.raises(EditError, match="not an incident type"):
        editor.correct_incident(some, "type", "lion")
    with pytest.raises(EditError, match="zero or more"):
        editor.correct_incident(some, "quantity", -3)
    with pytest.raises(EditError, match="no case"):
        editor.add_case_outcome("CR-999", "convicted", "2026-01-01")
    with pytest.raises(EditError, match="prosecution step"):
        editor.add_case_outcome("CR-001", "pardoned", "2026-01-01")
