"""The park store: imports with dedupe and provenance, edits, documents, migration, safety, atomic writes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from layers import store as store_mod
from layers.errors import StoreError
from layers.store import SCHEMA_VERSION, ParkStore, migrate, open_store

REPO = Path(__file__).resolve().parents[1]


def incidents(n=20, seed=0, start="2024-03-01", ids=True):
    rng = np.random.default_rng(seed)
    t = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(np.sort(rng.integers(0, 30 * 86400, n)), unit="s")
    data = {"time": t, "type": rng.choice(["snare", "poacher_camp", "arrest"], n), "Species": "none"}
    if ids:
        data["source_id"] = [f"smart:P{seed}/{i}/1" for i in range(n)]
    pts = shapely.points(31 + rng.random(n) * 0.5, -24 - rng.random(n) * 0.5)
    return gpd.GeoDataFrame(data, geometry=pts, crs="EPSG:4326")


def fixes(n_tracks=4, per=500, seed=0, start="2024-03-01"):
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n_tracks):
        t = pd.Timestamp(start, tz="UTC") + pd.Timedelta(days=k) + pd.to_timedelta(np.arange(per) * 30, unit="s")
        lon = 31.2 + np.cumsum(rng.normal(0, 2e-4, per))
        lat = -24.2 + np.cumsum(rng.normal(0, 2e-4, per))
        frames.append(
            gpd.GeoDataFrame(
                {"track_id": f"T{seed}-{k}", "time": t, "transport": "Vehicle" if k == 0 else "foot"},
                geometry=shapely.points(lon, lat),
                crs="EPSG:4326",
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["source_row"] = np.arange(1, len(out) + 1)
    return out


def test_import_twice_changes_nothing_and_keeps_provenance(tmp_path):
    s = open_store(tmp_path)
    assert s.path == tmp_path / "store.gpkg" and s.schema_version == SCHEMA_VERSION
    gdf = incidents()
    first = s.import_records("incidents", gdf, "export1.csv", user="ann")
    assert (first.added, first.merged, first.rejected) == (20, 0, [])
    before = s.counts()
    again = s.import_records("incidents", gdf, "export1.csv", user="ann")
    assert (again.added, again.merged, again.import_id) == (0, 20, None)
    assert s.counts() == before
    recs = s.records("incidents", crs="EPSG:32736")
    assert recs.crs.to_epsg() == 32736 and len(recs) == 20
    assert set(recs["source_file"]) == {"export1.csv"}
    assert sorted(recs["source_row"]) == list(range(1, 21))
    assert (recs["import_id"] == first.import_id).all() and recs["imported_at"].notna().all()
    assert recs["time"].dt.tz is not None
    assert (recs.sort_values("source_row")["type"].to_numpy() == gdf["type"].to_numpy()).all()
    assert s.imports()["user"].tolist() == ["ann"]


def test_overlapping_exports_give_the_union_once(tmp_path):
    s = open_store(tmp_path)
    a = incidents(30, seed=1, ids=False)
    s.import_records("incidents", a.iloc[:20], "jan.csv")
    r = s.import_records("incidents", a.iloc[10:], "jan_feb.csv")
    assert (r.added, r.merged) == (10, 10)
    assert len(s.records("incidents")) == 30
    # the same incidents moved 20 m and 30 s are the same; 200 m away they are not
    moved = a.iloc[:5].copy()
    moved["time"] += pd.Timedelta(seconds=30)
    moved = moved.set_geometry(moved.to_crs(32736).translate(20, 0).to_crs(4326))
    assert s.import_records("incidents", moved, "gps.csv").merged == 5
    far = moved.set_geometry(moved.to_crs(32736).translate(200, 0).to_crs(4326))
    assert s.import_records("incidents", far, "gps2.csv").added == 5
    # sources of merged rows are kept
    with sqlite3.connect(s.path) as conn:
        n = conn.execute("SELECT count(*) FROM record_sources WHERE source_file = 'jan_feb.csv'").fetchone()[0]
    assert n == 10


def test_two_records_of_one_system_with_different_ids_stay_two(tmp_path):
    s = open_store(tmp_path)
    a = incidents(2, ids=True)
    a["time"] = a["time"].iloc[0]
    a = a.set_geometry([a.geometry.iloc[0]] * 2)
    a["type"] = "snare"
    r = s.import_records("incidents", a, "x.csv")
    assert r.added == 2  # two snares at one waypoint are two observations
    dup = pd.concat([a, a.iloc[:1]], ignore_index=True)
    assert s.import_records("incidents", dup, "y.csv").added == 0


def test_bad_rows_are_rejected_with_file_row_and_reason(tmp_path):
    s = open_store(tmp_path)
    gdf = incidents(6)
    gdf.loc[1, "geometry"] = shapely.Point(31, 200)
    gdf.loc[2, "time"] = pd.NaT
    gdf.loc[3, "time"] = pd.Timestamp("1900-01-01", tz="UTC")
    gdf.loc[4, "geometry"] = None
    gdf["source_row"] = np.arange(2, 8)
    r = s.import_records("incidents", gdf, "bad.csv")
    assert r.added == 2
    rows = {row: reason for _, row, reason in r.rejected}
    assert set(rows) == {3, 4, 5, 6}
    assert "latitude" in rows[3] and "time" in rows[4] and "1900" in rows[5] and "point" in rows[6]
    assert all(f == "bad.csv" for f, _, _ in r.rejected)


def test_tracks_merge_the_same_patrol_from_two_exports(tmp_path):
    s = open_store(tmp_path)
    f = fixes()
    r = s.import_records("patrols", f, "smart_tracks.shp")
    assert (r.added, r.merged) == (2000, 0)
    assert s.import_records("patrols", f, "smart_tracks.shp").import_id is None
    assert s.counts()["patrol_tracks"] == 4
    # the same patrols from a GPS unit: every other fix, other track names, 3 s later, a few metres off
    gps = f.iloc[::2].copy()
    gps["track_id"] = "unit-" + gps["track_id"]
    gps["time"] += pd.Timedelta(seconds=3)
    gps = gps.set_geometry(gps.to_crs(32736).translate(4, 3).to_crs(4326))
    r = s.import_records("patrols", gps, "unit.gpx")
    assert (r.added, r.merged) == (0, 1000)
    other = fixes(2, seed=5, start="2024-03-02")  # other patrols on the same days
    assert s.import_records("patrols", other, "other.gpx").added == 1000
    got = s.records("patrols", crs="EPSG:32736")
    assert len(got) == 3000
    assert set(got["transport"]) == {"vehicle", "foot"}
    assert {"source_file", "source_row", "import_id", "imported_at", "record_id"} <= set(got.columns)
    first = got[got["source_file"] == "smart_tracks.shp"].sort_values("source_row")
    assert first["source_row"].tolist() == list(range(1, 2001))
    assert (first["time"].to_numpy() == f["time"].to_numpy()).all()


def test_store_opens_in_ogr_as_a_geopackage(tmp_path):
    s = open_store(tmp_path)
    s.import_records("incidents", incidents(), "a.csv")
    s.import_records("patrols", fixes(2, 50), "t.gpx")
    s.record_edit("incidents", 1, "type", "snare", "arrest", "ann")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio reads the M of the track lines as plain lines
        layers = dict(pyogrio.list_layers(s.path))
        tracks = pyogrio.read_dataframe(s.path, layer="patrol_tracks")
    assert layers["incidents"] == "Point" and layers["patrol_tracks"] in ("LineString", "Measured LineString")
    inc = pyogrio.read_dataframe(s.path, layer="incidents")
    assert len(inc) == 20 and inc.crs.to_epsg() == 4326
    assert np.allclose(sorted(inc.geometry.x), sorted(incidents().geometry.x))
    assert len(tracks) == 2 and tracks.geometry.iloc[0].geom_type == "LineString"
    assert len(pyogrio.read_dataframe(s.path, layer="edits")) == 1


def test_edits_undo_and_apply(tmp_path):
    s = open_store(tmp_path)
    reg = pd.DataFrame({"incident_id": ["a", "b"], "type": ["snare", "snare"], "quantity": [1.0, 2.0]})
    e1 = s.record_edit("incidents", "a", "type", "snare", "poacher_camp", user="ann")
    s.record_edit("incidents", "b", "quantity", 2.0, 5.0, user="ann")
    s.record_edit("incidents", "c", "*", None, {"type": "seizure", "quantity": 3}, user="bob")
    s.record_edit("cases", "k1", "status", "open", "closed", user="bob")
    out = s.apply_edits("incidents", reg, "incident_id")
    assert out["type"].tolist() == ["poacher_camp", "snare", "seizure"]
    assert out["quantity"].tolist() == [1.0, 5.0, 3.0]
    assert reg["type"].tolist() == ["snare", "snare"]  # the input is untouched
    u = s.undo(e1, user="cy")
    log = s.edits("incidents")
    assert list(log.columns) == [
        "edit_id",
        "time",
        "user",
        "table",
        "record_id",
        "field",
        "before",
        "after",
        "undone",
        "undo_of",
    ]
    assert log.set_index("edit_id").loc[e1, "undone"] and log.set_index("edit_id").loc[u, "undo_of"] == e1
    assert log.set_index("edit_id").loc[u, "after"] == "snare"
    assert s.apply_edits("incidents", reg, "incident_id")["type"].tolist() == ["snare", "snare", "seizure"]
    with pytest.raises(StoreError, match="already undone"):
        s.undo(e1)
    assert len(s.edits()) == 5


def test_documents(tmp_path):
    s = open_store(tmp_path)
    s.put_document("plan", "week 1", b"\x00gpx", {"days": 7})
    s.put_document("plan", "week 1", b"new", {"days": 8})
    s.put_document("scenario", "more teams", b"{}", {})
    doc = s.get_document("plan", "week 1")
    assert doc.data == b"new" and doc.meta == {"days": 8}
    assert s.list_documents("plan")["name"].tolist() == ["week 1"]
    assert s.delete_document("plan", "week 1") and s.get_document("plan", "week 1") is None
    assert not s.delete_document("plan", "week 1")


def test_keep_newest_and_reading_without_a_store(tmp_path, monkeypatch):
    from layers import storelog
    from layers.store import read_document, read_documents

    assert read_documents(tmp_path / "none", "plan").empty and read_document(tmp_path / "none", "plan", "a") is None
    s = open_store(tmp_path)
    for i in range(5):  # one document a second, so "newest" is well defined
        monkeypatch.setattr(storelog, "_now", lambda i=i: f"2026-01-01T00:00:0{i}+00:00")
        s.put_document("plan", f"p{i}", b"x")
    s.put_document("scenario", "keep me", b"{}")
    assert read_documents(tmp_path, "plan")["name"].tolist() == ["p4", "p3", "p2", "p1", "p0"]
    assert sorted(s.keep_newest("plan", 2)) == ["p0", "p1", "p2"]
    assert read_documents(tmp_path, "plan")["name"].tolist() == ["p4", "p3"]
    assert read_document(tmp_path, "scenario", "keep me").data == b"{}"


def test_older_store_is_migrated(tmp_path):
    path = tmp_path / "store.gpkg"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, upto=1)  # a store as the first version wrote it
    conn.close()
    s = ParkStore(tmp_path)
    assert s.schema_version == SCHEMA_VERSION
    r = s.import_records("patrols", fixes(1, 20), "t.gpx")
    assert r.added == 20 and s.records("patrols")["transport"].iloc[0] == "vehicle"
    s.record_edit("incidents", 1, "type", "a", "b")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE store_meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        ParkStore(tmp_path)


def test_refuses_symlinks_park_inputs_and_foreign_files(tmp_path):
    target = tmp_path / "elsewhere.gpkg"
    target.write_bytes(b"")
    park = tmp_path / "park"
    park.mkdir()
    (park / "store.gpkg").symlink_to(target)
    with pytest.raises(StoreError, match="link"):
        open_store(park)
    (park / "store.gpkg").unlink()
    (park / "park.toml").write_text('[park]\nname = "P"\n[layers]\nboundary = "store.gpkg"\n')
    with pytest.raises(StoreError, match="boundary"):
        open_store(park)
    (park / "park.toml").write_text('[park]\nname = "P"\n[layers]\nboundary = "b.geojson"\n')
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4326).to_file(park / "store.gpkg")
    with pytest.raises(StoreError, match="not a park store"):
        open_store(park)
    assert target.read_bytes() == b""
    with pytest.raises(StoreError, match="no store"):
        ParkStore(tmp_path, create=False)
    assert not ParkStore.exists(tmp_path)


class _SmallDisk(ParkStore):
    """A store whose 'disk' holds only a few more pages than it has."""

    @contextmanager
    def _connect(self):
        with super()._connect() as conn:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + 3}")
            yield conn


def test_full_disk_leaves_the_store_whole(tmp_path):
    s = open_store(tmp_path)
    s.import_records("incidents", incidents(), "a.csv")
    before = s.records("incidents")
    small = _SmallDisk(tmp_path)
    with pytest.raises(StoreError, match="full") as info:
        small.import_records("patrols", fixes(20, 500), "big.gpx")
    assert "Fix:" in str(info.value)
    assert s.counts()["patrol_tracks"] == 0 and s.counts()["imports"] == 1
    pd.testing.assert_frame_equal(s.records("incidents"), before)


def test_two_sessions_writing_at_once(tmp_path):
    open_store(tmp_path)
    errors = []

    def work(seed):
        try:
            s = ParkStore(tmp_path)
            for k in range(3):
                s.import_records("incidents", incidents(10, seed=seed * 10 + k), f"s{seed}-{k}.csv")
                s.record_edit("incidents", k, "type", "a", "b", user=f"u{seed}")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    s = ParkStore(tmp_path)
    assert len(s.records("incidents")) == 90 and len(s.edits()) == 9
    with sqlite3.connect(s.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    sys.path.insert(0, {tests!r})
    from test_store import fixes
    from layers.store import ParkStore

    def progress(fraction, message):
        if fraction >= 0.9:  # every record written, not yet committed
            print("inside", flush=True)
            time.sleep(600)

    ParkStore({folder!r}).import_records("patrols", fixes(30, 400, seed=9), "big.gpx", progress=progress)
    """
)


def test_kill_mid_import_leaves_previous_state(tmp_path):
    s = open_store(tmp_path)
    s.import_records("incidents", incidents(), "a.csv")
    s.import_records("patrols", fixes(2, 100), "t.gpx")
    before = (s.counts(), s.records("incidents"), s.records("patrols"))
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(repo=str(REPO), tests=str(REPO / "tests"), folder=str(tmp_path)))
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "inside"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    after = ParkStore(tmp_path)
    assert after.counts() == before[0]
    pd.testing.assert_frame_equal(after.records("incidents"), before[1])
    pd.testing.assert_frame_equal(after.records("patrols"), before[2])
    with sqlite3.connect(after.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert after.import_records("patrols", fixes(30, 400, seed=9), "big.gpx").added == 12000


def test_unknown_kind():
    with pytest.raises(StoreError, match="incidents or patrols"):
        store_mod._table("cars")
