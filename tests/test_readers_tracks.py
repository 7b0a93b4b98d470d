"""Track readers of python -m layers import: SMART patrol legs as shapefile (lines without vertex times), GPX
without times, KML/KMZ tracks and waypoints (and hostile KMZ), CyberTracker CSV, EarthRanger patrols."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import parkfiles as pf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString
from shared_data import SHARED_DATA

from layers.effort import compute_effort
from layers.errors import LayerReadError
from layers.fieldimport import detect_format, import_files, import_uploads
from layers.importers import earthranger, kml
from layers.importers.lines import spread_line
from layers.park import load_park
from layers.store import ParkStore

ER_PATROLS = SHARED_DATA / "earthranger" / "patrols.parquet"


@pytest.fixture
def park(tmp_path):
    return pf.make_park(tmp_path / "park")


def entry(run, kind=None):
    [f] = [f for f in run.files if kind is None or f.kind == kind]
    return f


# --- SMART patrol legs as shapefile ---------------------------------------------------------------------
def smart_legs() -> gpd.GeoDataFrame:
    """Three SMART patrol legs in UTM 36S inside the tiny park: a line, a two-part line, a vehicle leg."""
    a = LineString([(35.05, -2.15), (35.07, -2.15), (35.07, -2.12)])
    b = MultiLineString([[(35.02, -2.18), (35.03, -2.18)], [(35.04, -2.18), (35.04, -2.165)]])
    c = LineString([(35.03, -2.05), (35.09, -2.05)])
    return gpd.GeoDataFrame(
        {
            "Patrol_ID": ["KRU-001", "KRU-001", "KRU-002"],
            "Leg_ID": ["1", "2", "1"],
            "Start_Date": ["2024-03-04", "2024-03-05", "2024-04-10"],
            "End_Date": ["2024-03-04", "2024-03-06", "2024-04-10"],
            "Transport": ["On foot", "On foot", "Vehicle"],
            "Mandate": ["Law enforcement"] * 3,
        },
        geometry=[a, b, c],
        crs=pf.WGS84,
    ).to_crs(pf.UTM)


def test_smart_legs_as_shapefile_give_their_length_as_effort_in_their_period(tmp_path, park):
    legs = smart_legs()
    shp = pf.write_shp(tmp_path / "smart_tracks.shp", legs)
    assert detect_format(shp) == "shp"
    before = compute_effort(load_park(park))
    run = import_files(park, [shp])
    f = entry(run)
    assert f.kind == "patrols" and f.error is None, f.error
    assert any("spread evenly" in n for n in f.notes) and "spread evenly" in run.to_text()
    fixes = ParkStore(park).records("patrols")
    fixes = fixes[fixes["source_file"] == shp.name]
    assert sorted(fixes["source_row"].unique()) == [1, 2, 3]
    # the two-part leg is two tracks: the 1 km between its parts is not walked
    assert fixes["track_id"].nunique() == 4
    assert set(fixes["transport"]) == {"foot", "vehicle"} and set(fixes["mandate"]) == {"Law enforcement"}
    assert set(fixes["patrol_id"]) == {"KRU-001", "KRU-002"}
    # times: within each leg's dates (a date alone runs to the end of that day)
    t = fixes.groupby("source_row")["time"].agg(["min", "max"])
    assert t.loc[1, "min"] == pd.Timestamp("2024-03-04T00:00Z") and t.loc[1, "max"] == pd.Timestamp("2024-03-05T00:00Z")
    assert t.loc[2, "max"] == pd.Timestamp("2024-03-07T00:00Z")
    # effort: the km of every line, in its month
    after = compute_effort(load_park(park))
    added = after.km_per_period() - before.km_per_period().reindex(after.km_per_period().index, fill_value=0)
    foot = legs.geometry.iloc[:2].length.sum() / 1000
    vehicle = legs.geometry.iloc[2].length / 1000
    assert added[pd.Period("2024-03", "M")] == pytest.approx(foot, rel=0.01)
    assert added[pd.Period("2024-04", "M")] == pytest.approx(vehicle, rel=0.01)
    assert added.drop([pd.Period("2024-03", "M"), pd.Period("2024-04", "M")]).abs().max() < 1e-6
    # importing it again changes nothing
    again = entry(import_files(park, [shp]))
    assert again.result.added == 0


def test_park_toml_may_name_smart_legs_as_its_patrols(tmp_path):
    park = pf.make_park(tmp_path / "park")
    legs = smart_legs()
    pf.write_shp(park / "legs.shp", legs)
    toml = park / "park.toml"
    toml.write_text(toml.read_text().replace('patrols = "patrols.gpx"', 'patrols = "legs.shp"'))
    loaded = load_park(park)
    assert loaded.tracks["source_row"].nunique() == 3
    assert any(p.check == "line_times" for p in loaded.report.problems)
    assert compute_effort(loaded).total_km() == pytest.approx(legs.length.sum() / 1000, rel=0.01)


def test_uploaded_shapefile_is_read_with_its_sidecars(tmp_path, park):
    shp = pf.write_shp(tmp_path / "legs.shp", smart_legs())
    uploads = {f.name: f.read_bytes() for f in sorted(tmp_path.iterdir()) if f.stem == "legs"}
    assert {".shp", ".dbf", ".shx", ".prj"} <= {Path(n).suffix for n in uploads}
    run = import_uploads(park, uploads, dry_run=True)
    assert [(f.file, f.kind, f.error) for f in run.files] == [(shp.name, "patrols", None)]
    assert run.added > 0


def test_cli_imports_legs_and_kmz(tmp_path, park, capsys):
    from layers.cli import main

    shp = pf.write_shp(tmp_path / "legs.shp", smart_legs())
    kmz = write_kmz(tmp_path / "walks.kmz", KML.encode())
    assert main(["import", str(park), str(shp), str(kmz)]) == 0
    out = capsys.readouterr().out
    assert "spread evenly" in out and "walks.kmz" in out and "rejected: walks.kmz, row 3" in out
    escape = write_kmz(tmp_path / "escape.kmz", KML.encode(), extra=[("../x.kml", b"<kml/>")])
    assert main(["import", str(park), str(escape)]) == 1
    assert "outside the archive" in capsys.readouterr().out


def test_smart_legs_without_dates_or_with_a_bad_date_are_reported(tmp_path, park):
    legs = smart_legs()
    legs.loc[1, "Start_Date"] = "not a date"
    legs.loc[2, "End_Date"] = "2025-06-01"  # 417 days: a date error, not a leg
    shp = pf.write_shp(tmp_path / "legs.shp", legs)
    run = import_files(park, [shp])
    assert sorted(row for _, row, _ in run.rejected) == [2, 3]
    assert "above the limit of 62 days" in run.to_text()
    undated = pf.write_shp(tmp_path / "undated.shp", legs.drop(columns=["Start_Date", "End_Date"]))
    f = entry(import_files(park, [undated], kind="patrols"))
    assert f.error and "start and end date" in f.error and "Fix:" in f.error


def test_leg_date_columns_named_in_park_toml(tmp_path, park):
    legs = smart_legs().rename(columns={"Start_Date": "Dt_A", "End_Date": "Dt_B"})
    shp = pf.write_shp(tmp_path / "legs.shp", legs)
    assert "start and end date" in entry(import_files(park, [shp], kind="patrols")).error
    toml = park / "park.toml"
    toml.write_text(toml.read_text() + '\n[columns.patrols]\nstart = "Dt_A"\nend = "Dt_B"\n')
    assert not [p for p in load_park(park).report.problems if "unknown" in p.message.lower()]
    f = entry(import_files(park, [shp], kind="patrols"))
    assert f.error is None and f.result.added > 0 and "(Dt_A)" in " ".join(f.notes)


def test_spread_line_keeps_the_vertices_and_spaces_the_fixes():
    start, end = pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-03", tz="UTC")
    lon, lat, t = spread_line([35.0, 35.01, 35.01], [-2.0, -2.0, -2.01], start, end)
    assert {(35.01, -2.0)} <= set(zip(lon.round(9), lat.round(9)))
    assert t.iloc[0] == start and t.iloc[-1] == end and t.is_monotonic_increasing
    assert t.diff().max() <= pd.Timedelta(minutes=15)  # never a gap the track cleaning would cut at


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.tuples(st.floats(-0.02, 0.02), st.floats(-0.02, 0.02)), min_size=1, max_size=12),
    hours=st.floats(0.0, 120.0),
)
def test_spread_line_invariants(steps, hours):
    from layers.importers.lines import LINE_STEP_M, step_lengths_m

    xy = np.vstack([[35.0, -2.0], np.array([35.0, -2.0]) + np.cumsum(steps, axis=0)])
    start = pd.Timestamp("2024-01-01", tz="UTC")
    end = start + pd.Timedelta(hours=hours)
    lon, lat, t = spread_line(xy[:, 0], xy[:, 1], start, end)
    length = step_lengths_m(xy[:, 0], xy[:, 1]).sum()
    assert step_lengths_m(lon, lat).sum() == pytest.approx(length, rel=1e-6, abs=1e-6)  # the line's own length
    assert t.iloc[0] == start and t.iloc[-1] == end and t.is_monotonic_increasing
    assert (t.diff().dropna() <= pd.Timedelta(minutes=15, seconds=1)).all()
    assert (step_lengths_m(lon, lat) <= LINE_STEP_M + 1e-6).all()


def test_shapefile_without_prj_or_with_a_wrong_prj(tmp_path, park):
    legs = smart_legs()
    # no .prj, coordinates in metres: the CRS cannot be guessed
    shp = pf.write_shp(tmp_path / "noprj.shp", legs, prj=False)
    f = entry(import_files(park, [shp], kind="patrols"))
    assert f.error and "coordinate system" in f.error and "Fix:" in f.error
    # no .prj, lon/lat: read as WGS84
    ll = pf.write_shp(tmp_path / "lonlat.shp", legs.to_crs(pf.WGS84), prj=False)
    assert entry(import_files(park, [ll], kind="patrols")).error is None
    # a .prj that says UTM over lon/lat coordinates
    wrong = pf.write_shp(tmp_path / "wrong.shp", legs.to_crs(pf.WGS84).set_crs(pf.UTM, allow_override=True))
    f = entry(import_files(park, [wrong], kind="patrols"))
    assert f.error and ".prj is wrong" in f.error


def test_gpx_track_names_are_kept_as_the_patrol(tmp_path, park):
    gpx = pf.write_gpx(tmp_path / "smart.gpx", n_tracks=2, n_points=20)
    import_files(park, [gpx], kind="patrols")
    fixes = ParkStore(park).records("patrols")
    fixes = fixes[fixes["source_file"] == gpx.name]
    assert sorted(fixes["patrol_id"].unique()) == ["Patrol 1", "Patrol 2"]
    assert fixes.groupby("track_id")["patrol_id"].nunique().max() == 1


def test_gpx_without_times_is_refused_with_what_to_do(tmp_path, park):
    gpx = tmp_path / "smart_tracks.gpx"
    gpx.write_text(
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>P1</name>'
        '<trkseg><trkpt lat="-2.1" lon="35.1"/><trkpt lat="-2.11" lon="35.1"/></trkseg></trk></gpx>'
    )
    f = entry(import_files(park, [gpx], kind="patrols"))
    assert f.error and "no times" in f.error and "shapefile" in f.error


# --- KML and KMZ -------------------------------------------------------------------------------------------
KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2"><Document>
<Placemark><name>Morning walk</name><gx:MultiTrack>
  <gx:Track><when>2024-05-02T06:00:00Z</when><when>2024-05-02T06:01:00Z</when><when>2024-05-02T06:02:00Z</when>
    <gx:coord>35.100 -2.100 1200</gx:coord><gx:coord>35.101 -2.100 1201</gx:coord><gx:coord>35.102 -2.100 1202</gx:coord>
  </gx:Track>
  <gx:Track><when>2024-05-02T08:00:00Z</when><when>2024-05-02T08:01:00Z</when>
    <gx:coord>35.110 -2.110 0</gx:coord><gx:coord>35.111 -2.110 0</gx:coord></gx:Track>
</gx:MultiTrack></Placemark>
<Folder><Placemark><name>Road patrol</name><TimeSpan><begin>2024-05-03T06:00:00Z</begin><end>2024-05-03T07:00:00Z</end>
  </TimeSpan><MultiGeometry><LineString><coordinates>35.05,-2.15,0 35.06,-2.15,0</coordinates></LineString>
  <Point><coordinates>35.05,-2.15,0</coordinates></Point></MultiGeometry></Placemark></Folder>
<Placemark><name>Old line</name><LineString><coordinates>35.0,-2.1 35.01,-2.1</coordinates></LineString></Placemark>
<Placemark><name>Snare</name><TimeStamp><when>2024-05-02T06:30:00Z</when></TimeStamp>
  <Point><coordinates>35.101,-2.1001</coordinates></Point></Placemark>
<Placemark><name>Elephant carcass</name><description>tusks removed</description>
  <TimeStamp><when>2024-05-04T10:00:00Z</when></TimeStamp><Point><coordinates>35.12,-2.12,0</coordinates></Point>
</Placemark>
</Document></kml>
"""


def write_kmz(path, doc: bytes, name: str = "doc.kml", extra=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, doc)
        for n, data in extra:
            zf.writestr(n, data)
    return path


def test_kml_tracks_lines_and_waypoints(tmp_path):
    content = kml.read_kml(tmp_path / "x.kml", KML.encode())
    fx = content.fixes
    assert fx.groupby("track_id").size().to_dict()["Morning walk#1.1"] == 3
    assert fx["track_id"].nunique() == 3  # two gx:Tracks and the road patrol's line
    road = fx[fx["track_id"].str.startswith("Road patrol")]
    assert road["time"].min() == pd.Timestamp("2024-05-03T06:00Z") and road["time"].max() == pd.Timestamp(
        "2024-05-03T07:00Z"
    )
    assert list(content.points["name"]) == ["Road patrol", "Snare", "Elephant carcass"]
    assert [(r, "without times" in m) for r, m, *_ in content.track_rejects.items] == [(3, True)]
    assert any("spread evenly" in n for n in content.notes)


def test_kml_and_kmz_import_the_same_records(tmp_path):
    a, b = pf.make_park(tmp_path / "a"), pf.make_park(tmp_path / "b")
    path = tmp_path / "walks.kml"
    path.write_text(KML, encoding="utf-8")
    kmz = write_kmz(tmp_path / "walks.kmz", KML.encode(), extra=[("files/photo.jpg", b"\xff\xd8jpeg")])
    assert detect_format(path) == "kml" and detect_format(kmz) == "kmz"
    ra, rb = import_files(a, [path]), import_files(b, [kmz])
    for run in (ra, rb):
        assert [(f.kind, f.error) for f in run.files] == [("patrols", None), ("incidents", None)]
        assert entry(run, "patrols").result.added > 5 and [r for _, r, _ in run.rejected] == [3]
    sa, sb = ParkStore(a), ParkStore(b)
    assert sa.counts() == sb.counts()
    inc = sb.records("incidents").sort_values("time")
    assert inc["type"].tolist() == ["snare", "other", "elephant_carcass"]
    # the KMZ into the store that holds the KML: every record merges
    again = import_files(a, [kmz])
    assert again.added == 0 and again.merged > 0


def test_hostile_and_damaged_kmz_are_refused(tmp_path, monkeypatch):
    escape = write_kmz(tmp_path / "escape.kmz", KML.encode(), extra=[("../../evil.kml", b"<kml/>")])
    with pytest.raises(LayerReadError, match="outside the archive"):
        kml.read_kml(escape)
    absolute = write_kmz(tmp_path / "abs.kmz", KML.encode(), name="/etc/doc.kml")
    with pytest.raises(LayerReadError, match="outside the archive"):
        kml.read_kml(absolute)
    bomb = write_kmz(tmp_path / "bomb.kmz", b"<kml>" + b" " * (40 * 1024**2) + b"</kml>")
    assert bomb.stat().st_size < 200_000
    with pytest.raises(LayerReadError, match="zip bomb"):
        kml.read_kml(bomb)
    monkeypatch.setattr(kml, "MAX_KML_BYTES", 1000)
    with pytest.raises(LayerReadError, match="limit"):
        kml.read_kml(write_kmz(tmp_path / "big.kmz", KML.encode()))
    monkeypatch.undo()
    good = write_kmz(tmp_path / "good.kmz", KML.encode() * 20)
    cut = tmp_path / "cut.kmz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(LayerReadError, match="cut short|damaged"):
        kml.read_kml(cut)
    xxe = tmp_path / "xxe.kml"
    xxe.write_text('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa">]><kml>&a;</kml>')
    with pytest.raises(LayerReadError, match="entities"):
        kml.read_kml(xxe)
    half = tmp_path / "half.kml"
    half.write_text(KML[: len(KML) // 2])
    with pytest.raises(LayerReadError, match="cut short"):
        kml.read_kml(half)


def test_kml_with_latitude_200_is_rejected_by_row(tmp_path, park):
    bad = KML.replace("<coordinates>35.12,-2.12,0</coordinates>", "<coordinates>35.12,200,0</coordinates>")
    path = tmp_path / "bad.kml"
    path.write_text(bad)
    run = import_files(park, [path], kind="incidents")
    assert (5, True) in [(row, "latitude" in why) for _, row, why in run.rejected]
    assert run.added == 2


# --- CyberTracker --------------------------------------------------------------------------------------------
def test_cybertracker_export_columns(tmp_path, park):
    # CyberTracker's desktop table export: Id, Date and Time (the PC's locale, here day first), Latitude,
    # Longitude, Altitude, Accuracy, then one column per screen element of the sequence
    ct = tmp_path / "ct_export.csv"
    ct.write_text(
        "Id,Date,Time,Latitude,Longitude,Altitude,Accuracy,Observation,Species,Count,Notes\n"
        "101,13/02/2024,06:10:05,-2.1000,35.1000,1210,4,Snare,,3,wire\n"
        "102,13/02/2024,07:15:00,-2.1100,35.1100,1215,5,Carcass,Elephant,1,\n"
        "103,14/02/2024,08:00:00,-2.1200,35.1200,1190,6,Poacher camp,,,old fire\n",
        encoding="utf-8",
    )
    run = import_files(park, [ct])
    f = entry(run)
    assert f.error is None and f.result.added == 3
    got = ParkStore(park).records("incidents").sort_values("time")
    assert got["type"].tolist() == ["snare", "elephant_carcass", "poacher_camp"]
    assert got["time"].iloc[0] == pd.Timestamp("2024-02-13T06:10:05Z")
    assert np.allclose(got.geometry.y, [-2.1, -2.11, -2.12])


# --- EarthRanger patrols -------------------------------------------------------------------------------------
@pytest.mark.skipif(not ER_PATROLS.exists(), reason=f"shared data not found in {SHARED_DATA}")
def test_earthranger_patrols_hold_segments_and_events_not_tracks(park):
    raw = pd.read_parquet(ER_PATROLS)
    segments = earthranger.patrol_segments(raw)
    assert len(raw) == 2 and len(segments) == 2
    assert sorted(segments["leader"]) == ["eco_1", "eco_2"]
    assert segments["n_events"].sum() == 118
    assert (segments["end_time"] > segments["start_time"]).all()
    assert segments["start_time"].min() == pd.Timestamp("2015-01-10T21:50Z")
    f = entry(import_files(park, [ER_PATROLS], kind="patrols"))
    assert f.error and "2 patrols" in f.error and "2 segments" in f.error and "observations" in f.error


@pytest.mark.skipif(not ER_PATROLS.exists(), reason=f"shared data not found in {SHARED_DATA}")
def test_earthranger_segments_cut_their_leaders_observations_into_patrol_tracks(tmp_path, park):
    import shapely

    segments = earthranger.patrol_segments(pd.read_parquet(ER_PATROLS))
    eco1 = pd.date_range("2015-01-10T20:00Z", "2015-01-11T08:00Z", freq="5min")  # segment 21:50 to 06:50
    eco2 = pd.date_range("2015-02-10T21:00Z", "2015-02-10T22:00Z", freq="5min")  # segment from 21:50
    other = pd.date_range("2015-01-10T22:00Z", periods=10, freq="5min")  # leads no segment
    times = eco1.append(eco2).append(other)
    subject = ["eco_1"] * len(eco1) + ["eco_2"] * len(eco2) + ["driver"] * len(other)
    n = len(times)
    obs = gpd.GeoDataFrame(
        {"groupby_col": subject, "fixtime": times, "junk_status": False},
        geometry=shapely.points(38.61 + 0.0005 * np.arange(n) % 0.05, np.full(n, -2.15)),
        crs=pf.WGS84,
    )
    path = tmp_path / "subject_observations.parquet"
    obs.to_parquet(path)
    run = import_files(park, [path, ER_PATROLS])
    f = entry(run, "patrols")
    assert f.error is None, f.error
    inside1 = int(((eco1 >= pd.Timestamp("2015-01-10T21:50Z")) & (eco1 <= pd.Timestamp("2015-01-11T06:50Z"))).sum())
    assert f.result.added == inside1 + 3 + 10
    assert any("left out (not on patrol)" in n for n in f.notes)
    fixes = ParkStore(park).records("patrols")
    on = fixes[fixes["patrol_id"].notna()]
    assert len(on) == inside1 + 3 and set(on["patrol_id"]) <= set(segments["serial_number"].astype(str))
    assert on["track_id"].nunique() == 2 and on["track_id"].str.startswith(("eco_1/", "eco_2/")).all()
    assert (fixes["track_id"] == "driver").sum() == 10


def test_earthranger_patrols_json_and_subject_fixes_as_csv(tmp_path, park):
    import json

    patrols = [
        {
            "id": "p-1",
            "serial_number": 801,
            "title": "Night patrol",
            "patrol_segments": [
                {
                    "id": "s-1",
                    "leader": {"name": "Ranger A", "id": "u-1"},
                    "time_range": {"start_time": "2024-06-01T18:00:00Z", "end_time": "2024-06-01T20:00:00Z"},
                    "events": [],
                }
            ],
        }
    ]
    er = tmp_path / "patrols.json"
    er.write_text(json.dumps({"data": {"results": patrols}}))
    times = pd.date_range("2024-06-01T17:00Z", "2024-06-01T21:00Z", freq="10min")
    fixes = pd.DataFrame(
        {"subject_name": "Ranger A", "time": times.strftime("%Y-%m-%dT%H:%M:%SZ"), "lon": 35.1, "lat": -2.1}
    )
    fixes["lon"] = 35.1 + 0.001 * np.arange(len(fixes))
    csv = tmp_path / "ranger_a.csv"
    fixes.to_csv(csv, index=False)
    run = import_files(park, [csv, er], kind="patrols")
    f = [f for f in run.files if f.file == csv.name][0]
    assert f.error is None and f.result.added == 13  # 18:00 to 20:00 every 10 minutes
    assert [e.error is not None for e in run.files if e.file == er.name] == [True]  # it holds no fixes itself
    stored = ParkStore(park).records("patrols")
    assert set(stored.loc[stored["source_file"] == csv.name, "patrol_id"]) == {"801"}
