"""The Park data page's import: uploaded field files into the open park's store."""

from __future__ import annotations

import parkfiles as pf
from apptest_env import APP, use_park
from streamlit.testing.v1 import AppTest

from layers.fieldimport import import_uploads
from layers.store import ParkStore


def test_import_uploads_keeps_the_names_and_leaves_nothing_behind(tmp_path):
    park = pf.make_park(tmp_path / "park")
    gpx = pf.write_gpx(tmp_path / "walk.gpx", n_tracks=2, n_points=20, seed=5).read_bytes()
    csv = pf.write_csv(tmp_path / "x.csv", pf.incidents_frame(4, seed=9)).read_bytes()
    run = import_uploads(park, {"../../evil/walk.gpx": gpx, "more.csv": csv})
    assert (run.added, len(run.failed)) == (44, 0)
    store = ParkStore(park)
    assert set(store.records("patrols")["source_file"]) == {"walk.gpx"}
    assert set(store.records("incidents")["source_file"]) == {"more.csv"}
    assert not (tmp_path / "evil").exists()
    dry = import_uploads(park, {"more.csv": csv}, dry_run=True)
    assert dry.dry_run and dry.added == 0 and dry.merged == 4


def test_data_page_offers_the_import(tmp_path, monkeypatch):
    park = pf.make_park(tmp_path / "park")
    use_park(monkeypatch, park, tmp_path)
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("ui/page_data.py").run()
    assert not at.exception
    assert "Import field data" in [s.value for s in at.subheader]
    button = next(b for b in at.button if b.key == "data_import")
    assert button.disabled  # nothing uploaded yet
    assert not (park / "store.gpkg").exists()  # opening the page writes nothing
