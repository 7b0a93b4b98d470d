"""python -m layers import: the real SMART and EarthRanger files, a SMART observation CSV round trip, overlaps,
the store seen by load_park and effort, and the command line."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import parkfiles as pf
import pytest
from shared_data import SHARED_DATA

from layers.cli import main
from layers.effort import compute_effort
from layers.fieldimport import detect_format, import_files
from layers.importers import smart
from layers.importers.smart_csv import date_order
from layers.park import load_park
from layers.store import ParkStore

SMART_XML = SHARED_DATA / "smart" / "SMART_000006_001.xml"
SMART_PARQUET = SHARED_DATA / "smart" / "mara_triangle_smart_patrol_tracks_2024-01.parquet"
ER_CSV = SHARED_DATA / "earthranger" / "mara_elephant_sighting_events.csv"
ER_EVENTS = SHARED_DATA / "earthranger" / "patrol_events.parquet"
ER_PATROLS = SHARED_DATA / "earthranger" / "patrols.parquet"
needs_shared = pytest.mark.skipif(not SMART_XML.exists(), reason=f"shared data not found in {SHARED_DATA}")


@pytest.fixture
def park(tmp_path):
    return pf.make_park(tmp_path / "park")


def one(run, file, kind):
    [f] = [f for f in run.files if f.file == file and f.kind == kind]
    assert f.error is None, f.error
    return f.result


@needs_shared
def test_real_smart_and_earthranger_files(park):
    run = import_files(park, [SMART_XML, SMART_PARQUET, ER_CSV, ER_EVENTS, ER_PATROLS], user="test")
    # SMART XML: one patrol, 7 fixes of which 3 repeat a fix of the same second; 9 observations
    xml_fixes = smart.read_tracks(SMART_XML)
    assert len(xml_fixes) == 7
    r = one(run, SMART_XML.name, "patrols")
    assert (r.added, r.merged) == (4, 3)
    r = one(run, SMART_XML.name, "incidents")
    assert (r.added, r.merged, r.rejected) == (9, 0, [])
    # Mara Triangle SMART tracks: 32,145 fixes of 18 patrols, 21,998 of them exact repeats (team rosters)
    raw = pd.read_parquet(SMART_PARQUET)
    exact = int(raw.duplicated(["groupby_col", "fixtime"]).sum())
    assert len(raw) == 32145 and raw["groupby_col"].nunique() == 18 and exact == 21998
    r = one(run, SMART_PARQUET.name, "patrols")
    assert r.added + r.merged == 32145 and r.merged >= exact and r.added >= 32145 - exact - 50
    # EarthRanger: 76 sighting events; 118 patrol events; the same 118 again inside the patrols' segments
    assert one(run, ER_CSV.name, "incidents").added == 76
    assert one(run, ER_EVENTS.name, "incidents").added == 118
    r = one(run, ER_PATROLS.name, "incidents")
    assert (r.added, r.merged) == (0, 118)
    store = ParkStore(park)
    inc = store.records("incidents")
    assert len(inc) == 9 + 76 + 118
    assert inc["source_file"].value_counts().to_dict() == {ER_EVENTS.name: 118, ER_CSV.name: 76, SMART_XML.name: 9}
    assert inc["source_row"].min() >= 1 and inc["import_id"].notna().all() and inc["imported_at"].notna().all()
    fixes = store.records("patrols")
    assert len(fixes) == 4 + one(run, SMART_PARQUET.name, "patrols").added
    assert fixes.loc[fixes["source_file"] == SMART_PARQUET.name, "track_id"].nunique() == 18
    # unmapped SMART categories are kept as other, with their path, and listed
    assert "features.waterhole" in run.unmapped and "total:" in run.to_text()
    types = inc.loc[inc["source_file"] == SMART_XML.name].set_index("category")["type"]
    assert types["humanactivity.timber.firewood."] == "seizure"  # confiscated
    assert types["features.waterhole."] == "other"


def _smart_csv_from_xml(path: Path, order: str = "dayfirst") -> tuple[pd.DataFrame, float]:
    """A SMART observation query export built from the observations of a SMART patrol XML; and its UTC offset."""

    def local(tag):
        return tag.rsplit("}", 1)[-1]

    root = ET.parse(path).getroot()
    rows = []
    for leg in (c for c in root if local(c.tag) == "legs"):
        for day in (c for c in leg if local(c.tag) == "days"):
            for wp in (c for c in day if local(c.tag) == "waypoints"):
                for obs in (o for o in wp.iter() if local(o.tag) == "observations"):
                    key = obs.get("categoryKey", "")
                    if key.strip(".") == "position":
                        continue
                    attrs = {}
                    for a in (c for c in obs if local(c.tag) == "attributes"):
                        vals = [v.text.strip() for v in a if v.text and v.text.strip()]
                        attrs[a.get("attributeKey")] = ",".join(vals)
                    parts = [p for p in key.strip(".").split(".") if p]
                    date = pd.Timestamp(day.get("date"))
                    rows.append(
                        {
                            "Patrol ID": root.get("id"),
                            "Type": "Ground",
                            "Station": "",
                            "Mandate": "Law enforcement",
                            "Patrol Leg ID": leg.get("id"),
                            "Patrol Transport Type": "On foot",
                            "Waypoint ID": wp.get("id"),
                            "Waypoint Date": date.strftime("%d/%m/%Y" if order == "dayfirst" else "%m/%d/%Y"),
                            "Waypoint Time": wp.get("time"),
                            "X": wp.get("x"),
                            "Y": wp.get("y"),
                            "Comment": "",
                            **{f"Observation Category {i}": p.title() for i, p in enumerate(parts)},
                            "Species": attrs.get("species", ""),
                            "Action Taken": next((v for k, v in attrs.items() if k.startswith("actiontaken")), ""),
                        }
                    )
    df = pd.DataFrame(rows)
    first_local = pd.Timestamp(f"{root.find('.//{*}days').get('date')} {rows[0]['Waypoint Time']}")
    first_utc = smart.read_observations(path)["time"].iloc[0].tz_localize(None)
    return df, (first_local - first_utc).total_seconds() / 3600


@needs_shared
def test_smart_observation_csv_round_trips_to_the_same_incidents(tmp_path):
    xml_park = pf.make_park(tmp_path / "xml")
    csv_park = pf.make_park(tmp_path / "csv")
    df, offset = _smart_csv_from_xml(SMART_XML)
    assert len(df) == 9
    zone = f"Etc/GMT{-int(offset):+d}" if offset else "UTC"
    toml = (csv_park / "park.toml").read_text().replace('type = "category"', f'type = "category"\ntimezone = "{zone}"')
    (csv_park / "park.toml").write_text(toml)
    export = tmp_path / "observations.csv"
    df.to_csv(export, index=False)
    assert detect_format(export) == "smart-csv"
    import_files(xml_park, [SMART_XML], kind="incidents")
    run = import_files(csv_park, [export])
    assert any("day first" in n for n in run.files[0].notes)
    a = ParkStore(xml_park).records("incidents").sort_values("source_id").reset_index(drop=True)
    b = ParkStore(csv_park).records("incidents").sort_values("source_id").reset_index(drop=True)
    assert len(a) == len(b) == 9
    assert a["source_id"].tolist() == b["source_id"].tolist()
    assert a["type"].tolist() == b["type"].tolist()
    assert (a["time"].dt.floor("s") == b["time"].dt.floor("s")).all()
    assert np.allclose(a.geometry.x, b.geometry.x) and np.allclose(a.geometry.y, b.geometry.y)
    # and into the same store: every CSV row is the same record as an XML observation
    r = import_files(xml_park, [export]).files[0].result
    assert (r.added, r.merged) == (0, 9)


def test_date_order_is_told_from_the_data():
    assert date_order(pd.Series(["12/17/2025", "01/02/2025"]))[0] == "monthfirst"
    assert date_order(pd.Series(["17/12/2025", "01/02/2025"]))[0] == "dayfirst"
    order, note = date_order(pd.Series(["01/02/2025"]))
    assert order == "dayfirst" and "could not be told" in note
    assert date_order(pd.Series(["2025-12-17"]))[0] == "iso"


@needs_shared
def test_month_first_export_reads_the_right_dates(tmp_path, park):
    df, _ = _smart_csv_from_xml(SMART_XML, order="monthfirst")
    export = tmp_path / "us.csv"
    df.to_csv(export, index=False)
    run = import_files(park, [export])
    assert any("month first" in n for n in run.files[0].notes)
    assert (ParkStore(park).records("incidents")["time"].dt.month == 12).all()


@needs_shared
def test_overlapping_exports_give_the_union_once_and_twice_changes_nothing(tmp_path, park):
    lines = ER_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    raw = pd.read_csv(ER_CSV)
    assert len(raw) == 76
    # split on record boundaries: rows 1-50 and 31-76 (quoted fields hold no line breaks in this file)
    assert len(lines) == 77
    jan, feb = tmp_path / "export_a.csv", tmp_path / "export_b.csv"
    jan.write_text(lines[0] + "".join(lines[1:51]), encoding="utf-8")
    feb.write_text(lines[0] + "".join(lines[31:]), encoding="utf-8")
    run = import_files(park, [jan, feb])
    assert [(f.result.added, f.result.merged) for f in run.files] == [(50, 0), (26, 20)]
    store = ParkStore(park)
    assert len(store.records("incidents")) == 76
    before = store.counts()
    again = import_files(park, [feb])
    assert (again.added, again.merged) == (0, 46) and store.counts() == before


def test_load_park_and_effort_see_the_store(tmp_path, park):
    before = load_park(park)
    assert "transport" not in before.tracks.columns
    km_before = compute_effort(before).total_km()
    walk = pf.write_gpx(tmp_path / "walk.gpx", n_tracks=2, n_points=60, seed=11)
    flight = pf.write_gpx(tmp_path / "flight.gpx", n_tracks=1, n_points=60, seed=12)
    import_files(park, [walk], kind="patrols")
    import_files(park, [flight], kind="patrols", transport="aircraft")
    incidents = tmp_path / "more.csv"
    pf.write_csv(incidents, pf.incidents_frame(5, seed=21))
    import_files(park, [incidents])
    after = load_park(park)
    assert len(after.tracks) == len(before.tracks) + 180
    assert len(after.incidents) == len(before.incidents) + 5
    assert set(after.tracks["transport"]) == {"foot", "aircraft"}
    ground = compute_effort(after)
    assert ground.total_km() > km_before
    with_air = compute_effort(after, transport=["foot", "aircraft"])
    only_air = compute_effort(after, transport="aircraft")
    assert with_air.total_km() == pytest.approx(ground.total_km() + only_air.total_km(), rel=1e-5)
    assert only_air.total_km() > 0
    # the park's own file imported again is recognised: loading counts it once
    import_files(park, [park / "incidents.csv"])
    again = load_park(park)
    assert len(again.incidents) == len(after.incidents)
    assert any(p.check == "store_duplicates" for p in again.report.problems)


def test_cli_dry_run_writes_nothing(tmp_path, park, capsys):
    walk = pf.write_gpx(tmp_path / "walk.gpx", n_tracks=2, n_points=30, seed=3)
    assert main(["import", str(park), str(walk), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "60 GPS fixes added" in out and "dry run" in out
    assert ParkStore(park).counts()["patrol_tracks"] == 0
    assert main(["import", str(park), str(walk), "--as", "patrols"]) == 0
    assert ParkStore(park).counts()["patrol_tracks"] == 2
    bad = tmp_path / "utf16.csv"
    bad.write_text("lon,lat,date,type\n35.1,-2.1,2024-01-01,snare\n", encoding="utf-16")
    assert main(["import", str(park), str(bad)]) == 1
    assert "UTF-16" in capsys.readouterr().out


def test_rejected_rows_are_listed_with_file_and_row(tmp_path, park):
    csv = tmp_path / "field.csv"
    csv.write_text(
        "lon,lat,date,category\n35.1,-2.1,2024-01-03,snare\n35.1,200,2024-01-04,snare\n"
        "35.1,-2.1,1900-01-01,snare\n35.1,-2.1,not a date,snare\n",
        encoding="utf-8",
    )
    run = import_files(park, [csv])
    assert run.added == 1
    rows = {row for _, row, _ in run.rejected}
    assert {2, 3, 4} <= rows
    text = run.to_text()
    assert "field.csv, row 3" in text and "1900" in text


def test_categories_mapping_in_park_toml(tmp_path, park):
    toml = (park / "park.toml").read_text() + '\n[categories]\n"features.waterhole" = "poacher_camp"\n'
    (park / "park.toml").write_text(toml)
    csv = tmp_path / "obs.csv"
    csv.write_text(
        "Patrol ID,Waypoint ID,Waypoint Date,Waypoint Time,X,Y,Observation Category 0,Observation Category 1\n"
        "P1,1,03/01/2024,10:00:00,35.1,-2.1,Features,Waterhole\n"
        "P1,2,03/01/2024,11:00:00,35.1,-2.11,Human Activity,Snare\n"
        "P1,3,03/01/2024,12:00:00,35.1,-2.12,Animals,Bird nest\n",
        encoding="utf-8",
    )
    run = import_files(park, [csv])
    got = ParkStore(park).records("incidents").sort_values("source_row")["type"].tolist()
    assert got == ["poacher_camp", "snare", "other"]
    assert run.unmapped == {"animals.birdnest": 1}


def test_cybertracker_geojson_and_kml_exports(tmp_path, park):
    import geopandas as gpd
    import shapely

    ct = tmp_path / "cybertracker.csv"
    ct.write_text(
        "CTID,Date,Time,Latitude,Longitude,Sighting\n"
        "1,2024-02-03,06:10:00,-2.10,35.10,Snare\n"
        "2,2024-02-03,07:15:00,-2.11,35.11,Elephant carcass\n",
        encoding="utf-8",
    )
    assert detect_format(ct) == "cybertracker-csv"
    pts = shapely.points([35.05, 35.06], [-2.15, -2.16])
    gj = gpd.GeoDataFrame(
        {"time": ["2024-03-01T10:00:00Z", "2024-03-02T10:00:00Z"], "type": ["snare", "poacher camp"]},
        geometry=pts,
        crs=4326,
    )
    gj.to_file(tmp_path / "events.geojson", driver="GeoJSON")
    gj.assign(Name=gj["type"]).drop(columns="type").to_file(tmp_path / "marks.kml", driver="KML")
    run = import_files(park, [ct, tmp_path / "events.geojson", tmp_path / "marks.kml"], kind="incidents")
    assert [f.format for f in run.files] == ["cybertracker-csv", "json", "kml"]
    assert [f.result.added for f in run.files] == [2, 2, 0]  # the KML marks repeat the GeoJSON events
    got = ParkStore(park).records("incidents").sort_values("time")
    assert got["type"].tolist() == ["snare", "elephant_carcass", "snare", "poacher_camp"]
    assert got["time"].iloc[0] == pd.Timestamp("2024-02-03T06:10:00Z")
