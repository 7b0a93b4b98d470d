"""Tests of layers.importers: SMART patrol XML, EarthRanger events, Parquet exports, and parks that use them."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import parkfiles as pf
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString, box
from shared_data import SHARED_DATA

from layers.checks import normalise_types
from layers.defaults import COL_SOURCE_FILE, COL_SOURCE_ROW, COL_TIME, COL_TRACK, COL_TYPE
from layers.draft import draft_manifest
from layers.effort import compute_effort
from layers.errors import LayerReadError
from layers.importers import FORMATS, detect, read
from layers.importers.earthranger import _location_xy
from layers.park import load_park
from layers.readers import read_vector
from layers.report import ERROR, WARNING, LoadReport

DATA = SHARED_DATA
SMART_XML = DATA / "smart" / "SMART_000006_001.xml"
SMART_PARQUET = DATA / "smart" / "mara_triangle_smart_patrol_tracks_2024-01.parquet"
ER_CSV = DATA / "earthranger" / "mara_elephant_sighting_events.csv"
ER_EVENTS = DATA / "earthranger" / "patrol_events.parquet"
ER_PATROLS = DATA / "earthranger" / "patrols.parquet"
real = pytest.mark.skipif(not DATA.is_dir(), reason=f"the real sample files are not here ({DATA} is missing)")

NS = "http://www.smartconservationsoftware.org/xml/1.3/patrol"
PARK_TOML = '[park]\nname = "Import Park"\ncell_size_m = {cell}\n[layers]\nboundary = "boundary.geojson"\n{extra}'


def normalised(labels) -> list[str]:
    return normalise_types(pd.Series(list(labels)), "incidents", "f", LoadReport()).tolist()


def problems(report, severity=None):
    return [p for p in report.problems if severity is None or p.severity == severity]


# --- tiny SMART XML built in code -------------------------------------------------------------
def track_hex(lines) -> str:
    """Hex EWKB (big-endian, Z flag) of a MultiLineString of (lon, lat, epoch ms) lines, as SMART writes it."""
    return shapely.to_wkb(MultiLineString(lines), hex=True, output_dimension=3, byte_order=0, flavor="extended")


def observation(category: str, **attrs) -> str:
    inner = "".join(
        f'<ns2:attributes attributeKey="{k}"><ns2:itemKey>{v}</ns2:itemKey></ns2:attributes>' for k, v in attrs.items()
    )
    return f'<ns2:observations categoryKey="{category}">{inner}</ns2:observations>'


def waypoint(wid: int, x, y, time: str, *observations: str) -> str:
    obs = observation("position.", positiontype="start") + "".join(observations)
    return f'<ns2:waypoints id="{wid}" x="{x}" y="{y}" time="{time}"><ns2:groups>{obs}</ns2:groups></ns2:waypoints>'


def smart_xml(days: list[str]) -> str:
    body = "".join(days)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<ns2:patrol xmlns:ns2="{NS}" patrolType="GROUND" id="P-1">\n'
        f'<ns2:legs startDate="2024-03-01" id="1">{body}</ns2:legs>\n</ns2:patrol>\n'
    )


def day(date: str, start: str, waypoints: str, lines=None) -> str:
    track = f'<ns2:track geom="{track_hex(lines)}" distance="1.0"/>' if lines else ""
    return f'<ns2:days date="{date}" startTime="{start}" endTime="23:00:00">{waypoints}{track}</ns2:days>'


def ms(ts: str) -> float:
    return pd.Timestamp(ts).value / 1e6


def tiny_smart(path: Path) -> Path:
    """Two days of one patrol in the tiny park: local time is UTC+3 (East Africa).

    Day 1: a track east along latitude -2.1 from 35.05 E, 6 fixes 1 minute apart
    (one fix without a time), three waypoints (an elephant carcass, a snare, a
    waypoint with a broken x).  Day 2: no track, one rhino carcass.
    """
    t0 = ms("2024-03-01T06:00:00Z")
    line = [(35.05 + 0.002 * i, -2.1, t0 + 60_000 * i) for i in range(6)]
    line[3] = (line[3][0], line[3][1], 0.0)  # no time
    wps1 = (
        waypoint(1, 35.052, -2.1, "09:02:00", observation("animals.carcass.", species="loxodontaafricana_rl12392."))
        + waypoint(2, 35.056, -2.1, "09:04:30", observation("humanactivity.weaponsequipment.snare."))
        + waypoint(3, "not-a-number", -2.1, "09:05:00", observation("animals.carcass."))
    )
    wps2 = waypoint(4, 35.07, -2.12, "10:00:00", observation("animals.carcass.", species="dicerosbicornis_rl6557."))
    text = smart_xml([day("2024-03-01", "09:00:00", wps1, [line]), day("2024-03-02", "09:30:00", wps2)])
    path.write_text(text, encoding="utf-8")
    return path


def test_tiny_smart_tracks(tmp_path):
    path = tiny_smart(tmp_path / "patrol.xml")
    assert detect(path) == "smart-xml"
    report = LoadReport()
    gdf = read(path, "patrols", report=report)
    assert len(gdf) == 5 and gdf.attrs["n_records"] == 6
    assert gdf[COL_SOURCE_ROW].tolist() == [1, 2, 3, 5, 6]
    assert (gdf[COL_SOURCE_FILE] == "patrol.xml").all()
    assert gdf[COL_TRACK].nunique() == 1 and gdf[COL_TRACK].iloc[0] == "P-1 leg 1 2024-03-01"
    assert str(gdf[COL_TIME].dt.tz) == "UTC"
    assert gdf[COL_TIME].iloc[0] == pd.Timestamp("2024-03-01T06:00:00Z")
    assert gdf[COL_TIME].iloc[-1] == pd.Timestamp("2024-03-01T06:05:00Z")
    assert gdf.crs.to_epsg() == 4326 and gdf.geometry.x.iloc[1] == pytest.approx(35.052)
    bad = problems(report, ERROR)
    assert [(p.file, p.row) for p in bad] == [("patrol.xml", 4)] and "time" in bad[0].message


def test_tiny_smart_observations(tmp_path):
    path = tiny_smart(tmp_path / "patrol.xml")
    report = LoadReport()
    gdf = read(path, "incidents", report=report)
    # position markers are left out; the waypoint with x = "not-a-number" is rejected with its row
    assert gdf[COL_SOURCE_ROW].tolist() == [1, 2, 4] and gdf.attrs["n_records"] == 4
    bad = problems(report, ERROR)
    assert [(p.file, p.row) for p in bad] == [("patrol.xml", 3)] and "waypoint 3" in bad[0].message
    assert normalised(gdf[COL_TYPE]) == ["elephant_carcass", "snare", "rhino_carcass"]
    # local 09:02 with a track starting at 06:00 UTC on a day starting 09:00 local: UTC+3
    assert gdf[COL_TIME].iloc[0] == pd.Timestamp("2024-03-01T06:02:00Z")
    # day 2 has no track: the patrol's offset is used
    assert gdf[COL_TIME].iloc[2] == pd.Timestamp("2024-03-02T07:00:00Z")


def test_smart_without_track_offset_keeps_local_times(tmp_path):
    path = tmp_path / "p.xml"
    path.write_text(
        smart_xml([day("2024-03-02", "09:30:00", waypoint(1, 35.07, -2.12, "10:00:00", observation("x.")))])
    )
    gdf = read(path, "incidents")
    assert gdf[COL_TIME].dt.tz is None and gdf[COL_TIME].iloc[0] == pd.Timestamp("2024-03-02 10:00:00")
    assert gdf.attrs["notes"] and "timezone" in gdf.attrs["notes"][0]
    with pytest.raises(LayerReadError, match="holds no GPS track"):
        read(path, "patrols")


def test_corrupt_smart_xml(tmp_path):
    text = tiny_smart(tmp_path / "good.xml").read_text()
    path = tmp_path / "cut.xml"
    path.write_text(text[: len(text) // 2])
    assert detect(path) == "smart-xml"
    with pytest.raises(LayerReadError, match=r"cut\.xml: not a readable SMART patrol XML \(broken XML at line \d+"):
        read(path, "patrols")
    with pytest.raises(LayerReadError, match="Fix: export the patrol again"):
        read_vector(path, role="patrols")


def test_hostile_and_oversized_smart_xml_are_refused_before_parsing(tmp_path, monkeypatch):
    from layers.importers import common

    text = tiny_smart(tmp_path / "good.xml").read_text()
    head, rest = text.split("<ns2:patrol", 1)
    laughs = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi")
    )
    for name, dtd in (("bomb.xml", laughs), ("xxe.xml", '<!ENTITY x SYSTEM "file:///etc/passwd">')):
        path = tmp_path / name
        path.write_text(f'{head}<!DOCTYPE ns2:patrol [{dtd}]><ns2:patrol note="&{name[0]};"{rest}')
        assert detect(path) == "smart-xml"
        with pytest.raises(LayerReadError, match=rf"{name}: the SMART patrol XML declares a DTD or entities"):
            read(path, "patrols")
    monkeypatch.setattr(common, "MAX_XML_BYTES", len(text) - 1)
    with pytest.raises(LayerReadError, match=r"good\.xml: the SMART patrol XML is .* above the limit"):
        read(tmp_path / "good.xml", "patrols")
    monkeypatch.undo()
    assert len(read(tmp_path / "good.xml", "patrols"))  # the same file within the limit reads


def test_smart_track_that_cannot_be_decoded(tmp_path):
    text = tiny_smart(tmp_path / "good.xml").read_text()
    start = text.index('geom="') + len('geom="')
    path = tmp_path / "bad.xml"
    path.write_text(text[:start] + "zz" + text[start + 2 :])
    report = LoadReport()
    with pytest.raises(LayerReadError, match="holds no GPS track"):
        read(path, "patrols", report=report)


@real
def test_real_smart_xml():
    gdf = read(SMART_XML, "patrols")
    assert len(gdf) == 7 and gdf[COL_TRACK].nunique() == 1
    assert gdf[COL_TIME].iloc[0] == pd.Timestamp("2025-12-17T20:48:25.008Z")
    assert gdf[COL_TIME].is_monotonic_increasing
    assert gdf.geometry.x.between(-77.2, -77.19).all() and gdf.geometry.y.between(38.76, 38.77).all()
    obs = read(SMART_XML, "incidents")
    assert len(obs) == 9 and obs[COL_TIME].notna().all()
    # the file's day starts at 20:48:25 and its track at 20:48:25.008 UTC: offset 0
    assert obs[COL_TIME].iloc[0] == pd.Timestamp("2025-12-17T20:50:41Z")
    types = dict(zip(obs["category"], normalised(obs[COL_TYPE])))
    assert types["animals.bushmeat."] == "seizure"
    assert types["humanactivity.timber.firewood."] == "seizure"  # confiscated
    assert types["features.waterhole."] == "other"


# --- EarthRanger -----------------------------------------------------------------------------------
def er_frame() -> pd.DataFrame:
    loc = "{{'latitude': '{:.4f}', 'longitude': '{:.4f}'}}"
    return pd.DataFrame(
        {
            "id": [f"e{i}" for i in range(1, 8)],
            "location": [
                loc.format(-2.10, 35.05),
                loc.format(-2.11, 35.06),
                loc.format(-2.12, 35.07),
                loc.format(-2.13, 35.08),
                "{'latitude': '-2.1', 'longit",  # broken
                "",  # missing
                loc.format(-2.14, 35.09),
            ],
            "time": [
                "2024-03-01 09:00:00+03:00",
                "2024-03-02 10:00:00+03:00",
                "2024-03-03 11:00:00+03:00",
                "2024-03-04 12:00:00+03:00",
                "2024-03-05 12:00:00+03:00",
                "2024-03-06 12:00:00+03:00",
                "yesterday",
            ],
            "event_type": [
                "snare_rep",
                "carcass_rep",
                "carcass_rep",
                "elephant_sighting",
                "snare_rep",
                "snare_rep",
                "snare_rep",
            ],
            "event_details": [
                "{}",
                "{'species': 'elephant', 'tusks': 'removed'}",
                "{'carcass_species': 'Black rhino'}",
                "{'count': 4}",
                "{}",
                "{}",
                "{}",
            ],
            "updates": ["[]"] * 7,
        }
    )


def test_tiny_earthranger_csv(tmp_path):
    path = pf.write_csv(tmp_path / "events.csv", er_frame())
    assert detect(path) == "earthranger-csv"
    report = LoadReport()
    gdf = read(path, "incidents", report=report)
    assert gdf[COL_SOURCE_ROW].tolist() == [1, 2, 3, 4]
    assert normalised(gdf[COL_TYPE]) == ["snare", "elephant_carcass", "rhino_carcass", "other"]
    assert gdf[COL_TIME].iloc[0] == pd.Timestamp("2024-03-01T06:00:00Z")
    assert (gdf.geometry.x.iloc[1], gdf.geometry.y.iloc[1]) == (35.06, -2.11)
    assert "updates" not in gdf.columns and gdf["event_type"].iloc[1] == "carcass_rep"
    bad = {p.row: p.message for p in problems(report, ERROR)}
    assert sorted(bad) == [5, 6, 7] and all(p.file == "events.csv" for p in problems(report))
    assert "location" in bad[5] and "longit" in bad[5] and "'yesterday'" in bad[7]


def test_earthranger_geometry_column_stands_in_for_a_broken_location(tmp_path):
    df = er_frame().iloc[:5].assign(geometry=["", "", "", "", "POINT (35.1 -2.15)"])
    gdf = read(pf.write_csv(tmp_path / "events.csv", df), "incidents")
    assert gdf[COL_SOURCE_ROW].tolist() == [1, 2, 3, 4, 5]
    assert (gdf.geometry.x.iloc[4], gdf.geometry.y.iloc[4]) == (35.1, -2.15)


def test_earthranger_events_are_not_tracks(tmp_path):
    path = pf.write_csv(tmp_path / "events.csv", er_frame())
    with pytest.raises(LayerReadError, match="holds events, not GPS tracks. Fix: point incidents at it"):
        read(path, "patrols")


@given(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False))
@settings(max_examples=50, deadline=None)
def test_location_dict_strings_round_trip(lat, lon):
    assert _location_xy(str({"latitude": repr(lat), "longitude": lon})) == (lon, lat)


@real
def test_real_earthranger_csv():
    report = LoadReport()
    gdf = read(ER_CSV, "incidents", report=report)
    assert len(gdf) == 76 and not problems(report)
    assert gdf[COL_TIME].iloc[0] == pd.Timestamp("2021-09-02T12:15:15.678Z")
    raw = pd.read_csv(ER_CSV)
    wkt = gpd.GeoSeries.from_wkt(raw["geometry"])
    assert np.allclose(gdf.geometry.x, wkt.x) and np.allclose(gdf.geometry.y, wkt.y)
    assert set(normalised(gdf[COL_TYPE])) == {"other"}  # elephant sightings are not incidents


@real
def test_real_earthranger_parquet():
    events = read(ER_EVENTS, "incidents")
    assert len(events) == 118 and str(events[COL_TIME].dt.tz) == "UTC"
    types = dict(zip(events["event_type"], normalised(events[COL_TYPE])))
    assert types["poacher_camp_rep"] == "poacher_camp" and types["fire_rep"] == "other"
    nested = read(ER_PATROLS, "incidents")
    assert sorted(nested["event_id"]) == sorted(events["event_id"])
    with pytest.raises(LayerReadError, match="no GPS fixes"):
        read(ER_PATROLS, "patrols")


# --- Parquet -------------------------------------------------------------------------------------------
def relocations(n: int = 6) -> gpd.GeoDataFrame:
    t = pd.date_range("2024-03-01T06:00:00Z", periods=n, freq="1min")
    return gpd.GeoDataFrame(
        {
            "groupby_col": ["A"] * (n // 2) + ["B"] * (n - n // 2),
            "fixtime": t,
            "junk_status": [False, True] + [False] * (n - 2),
            "extra": [[1]] * n,
        },
        geometry=gpd.points_from_xy(35.05 + 0.002 * np.arange(n), np.full(n, -2.1)),
        crs="EPSG:4326",
    )


def test_geoparquet_fixes(tmp_path):
    path = tmp_path / "fixes.parquet"
    relocations().to_parquet(path)
    assert detect(path) == "parquet"
    report = LoadReport()
    gdf = read(path, "patrols", report=report)
    assert gdf[COL_SOURCE_ROW].tolist() == [1, 3, 4, 5, 6]
    assert gdf[COL_TRACK].tolist() == ["A", "A", "B", "B", "B"] and "extra" not in gdf.columns
    assert [(p.severity, p.row) for p in problems(report)] == [(WARNING, 2)]
    plain = read(path, None)
    assert len(plain) == 6 and "fixtime" in plain.columns


def test_parquet_with_lon_lat_in_a_projected_crs(tmp_path):
    g = relocations().to_crs(pf.UTM)
    path = tmp_path / "utm.parquet"
    g.to_parquet(path)
    gdf = read(path, "patrols")
    assert gdf.crs.to_epsg() == 32736 and np.allclose(gdf.geometry.x, g.geometry.x[gdf[COL_SOURCE_ROW] - 1])
    df = pd.DataFrame({"lon": [35.1, np.nan], "lat": [-2.1, -2.2], "time": ["2024-03-01T06:00Z", "2024-03-01T06:01Z"]})
    df.to_parquet(tmp_path / "plain.parquet")
    report = LoadReport()
    gdf = read(tmp_path / "plain.parquet", "patrols", report=report)
    assert len(gdf) == 1 and [p.row for p in problems(report, ERROR)] == [2]


def test_corrupt_parquet(tmp_path):
    good = tmp_path / "good.parquet"
    relocations().to_parquet(good)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(LayerReadError, match=r"cut\.parquet: cannot be read as Parquet .*Fix:"):
        read(cut, "patrols")


@real
def test_real_smart_parquet():
    gdf = read(SMART_PARQUET, "patrols")
    assert len(gdf) == 32145 and gdf[COL_TRACK].nunique() == 18
    assert str(gdf[COL_TIME].dt.tz) == "UTC" and gdf[COL_TIME].notna().all()
    assert gdf.geometry.x.between(34.5, 35.5).all() and gdf.geometry.y.between(-2, -1).all()


def test_detect_leaves_other_files_alone(tmp_path):
    assert detect(pf.write_csv(tmp_path / "i.csv", pf.incidents_frame(3))) is None
    assert detect(pf.write_gpx(tmp_path / "t.gpx", 1, 5)) is None
    (tmp_path / "meta.xml").write_text("<metadata><title>roads</title></metadata>")
    assert detect(tmp_path / "meta.xml") is None
    assert detect(tmp_path / "missing.xml") is None
    with pytest.raises(LayerReadError, match="not a field-system export"):
        read(tmp_path / "i.csv", "incidents")
    assert set(FORMATS) == {"smart-xml", "smart-csv", "earthranger-csv", "earthranger-json", "parquet"}


# --- whole parks --------------------------------------------------------------------------------------
def park_folder(folder: Path, boundary, extra: str, cell: int = 100) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pf.write_geojson(folder / "boundary.geojson", gpd.GeoDataFrame(geometry=[boundary], crs="EPSG:4326"))
    (folder / "park.toml").write_text(PARK_TOML.format(cell=cell, extra=extra))
    return folder


def test_park_with_smart_patrols_and_earthranger_incidents(tmp_path):
    folder = park_folder(tmp_path / "park", pf.boundary_polygon(), 'patrols = "patrol.xml"\nincidents = "events.csv"\n')
    tiny_smart(folder / "patrol.xml")
    pf.write_csv(folder / "events.csv", er_frame())
    park = load_park(folder)
    assert len(park.tracks) == 5 and park.tracks.crs == park.crs
    assert park.incidents[COL_TYPE].tolist() == ["snare", "elephant_carcass", "rhino_carcass", "other"]
    assert str(park.incidents[COL_TIME].dt.tz) == "UTC"
    rejected = [(p.file, p.row) for p in park.report.problems if p.severity == ERROR and p.row is not None]
    assert sorted(rejected) == [("events.csv", 5), ("events.csv", 6), ("events.csv", 7), ("patrol.xml", 4)]
    effort = compute_effort(park)
    # five fixes one minute apart along latitude -2.1 from 35.050 to 35.060 E: about 1.11 km
    expected = LineString([(35.05, -2.1), (35.06, -2.1)])
    km = gpd.GeoSeries([expected], crs="EPSG:4326").to_crs(park.crs).length.iloc[0] / 1000
    assert effort.km.sum() == pytest.approx(km, rel=1e-3)


@real
def test_park_with_the_real_smart_xml(tmp_path):
    folder = park_folder(tmp_path / "va", box(-77.21, 38.75, -77.18, 38.77), 'patrols = "patrol.xml"\n', cell=100)
    shutil.copy(SMART_XML, folder / "patrol.xml")
    park = load_park(folder)
    assert len(park.tracks) == 7
    effort = compute_effort(park)
    assert effort.km.sum() > 0
    # the export says the day's track is 0.0097 km long
    assert effort.km.sum() == pytest.approx(0.009733, rel=0.02)


def test_corrupt_xml_in_a_park_is_reported_and_the_park_loads(tmp_path):
    folder = park_folder(tmp_path / "park", pf.boundary_polygon(), 'patrols = "patrol.xml"\n')
    text = tiny_smart(tmp_path / "good.xml").read_text()
    (folder / "patrol.xml").write_text(text[:300])
    park = load_park(folder)
    assert len(park.tracks) == 0
    unreadable = [p for p in park.report.problems if p.check == "unreadable"]
    assert unreadable and unreadable[0].file == "patrol.xml" and "broken XML" in unreadable[0].message


def test_draft_manifest_finds_field_exports(tmp_path):
    folder = tmp_path / "park"
    folder.mkdir()
    pf.write_geojson(folder / "boundary.geojson", pf.boundary_gdf())
    tiny_smart(folder / "patrol.xml")
    pf.write_csv(folder / "events.csv", er_frame())
    (folder / "roads.shp.xml").write_text("<metadata/>")
    text = draft_manifest(folder)
    assert 'patrols = "patrol.xml"' in text and 'incidents = "events.csv"' in text
    assert "roads.shp.xml" not in text
