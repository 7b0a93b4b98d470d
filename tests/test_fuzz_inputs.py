"""Hostile and broken inputs: none ends in a traceback, none loads damaged data without a word, none reads or
writes outside the park folder.  Hypothesis cases plus hand-made cases of each kind; the suite prints how many
cases it ran."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import parkfiles as pf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.cli import main
from layers.errors import FatalLoadError, LayersError
from layers.fieldimport import import_files
from layers.park import load_park
from layers.store import ParkStore

CASES = {"n": 0}


@pytest.fixture(scope="module", autouse=True)
def count_cases():
    yield
    sys.__stdout__.write(f"\nfuzz inputs: {CASES['n']} cases run\n")


def ran(n: int = 1) -> None:
    CASES["n"] += n


@pytest.fixture(scope="module")
def base_park(tmp_path_factory):
    return pf.make_park(tmp_path_factory.mktemp("fuzz") / "park")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` but the store, with its hash."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith("store.gpkg")
    }


def problems(report, check):
    return [p for p in report.problems if p.check == check]


# --- hypothesis: any bytes, any name ---------------------------------------------------------------
EXTENSIONS = (".csv", ".gpx", ".xml", ".json", ".kml", ".kmz", ".zip", ".geojson", ".shp", ".parquet", ".txt")
HEADS = (
    b"",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"<?xml version='1.0'?><gpx>",
    b'<patrol xmlns="http://www.smartconservationsoftware.org/xml/1.3/patrol">',
    b'{"type": "FeatureCollection", "features": [',
    b'[{"event_type": "snare_rep", "location": ',
    b"Patrol ID,Waypoint ID,Waypoint Date,X,Y\n",
    b"lon,lat,date,type\n",
    b"PK\x03\x04",
    b"PAR1",
    b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>x</name>',
    b'<kml xmlns:gx="http://www.google.com/kml/ext/2.2"><Placemark><gx:Track><when>2024-01-01T00:00Z</when>',
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=st.sampled_from(HEADS), body=st.binary(max_size=400), ext=st.sampled_from(EXTENSIONS))
def test_any_bytes_never_traceback_and_touch_nothing(tmp_path_factory, base_park, head, body, ext):
    ran()
    outside = tmp_path_factory.mktemp("export")
    f = outside / f"export{ext}"
    f.write_bytes(head + body)
    before, before_out = snapshot(base_park), snapshot(outside)
    run = import_files(base_park, [f], dry_run=True)
    text = run.to_text()
    assert "Traceback" not in text
    for entry in run.files:
        assert entry.error or entry.result is not None
    assert snapshot(base_park) == before and snapshot(outside) == before_out


ROW = st.fixed_dictionaries(
    {
        "lon": st.one_of(st.floats(34.9, 35.3), st.just(float("nan")), st.just(500.0), st.just(float("inf"))),
        "lat": st.one_of(st.floats(-2.3, -1.9), st.just(200.0), st.just(-91.0)),
        "date": st.one_of(
            st.datetimes(min_value=pd.Timestamp("2020-01-01"), max_value=pd.Timestamp("2026-01-01")).map(str),
            st.sampled_from(["1900-01-01 10:00", "9999-12-31 23:00", "", "yesterday", "31/02/2024"]),
        ),
        "category": st.sampled_from(["snare", "Elephant carcass", "arrest", "", "ufo", "poacher camp"]),
    }
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=25))
def test_every_row_is_added_merged_or_rejected_with_its_row(tmp_path_factory, rows):
    ran()
    park = pf.make_park(tmp_path_factory.mktemp("p") / "park")
    f = park.parent / "field.csv"
    pd.DataFrame(rows).to_csv(f, index=False)
    run = import_files(park, [f])
    [entry] = run.files
    if entry.error:  # e.g. no row with a readable date at all: said, never a traceback
        assert "Fix:" in entry.error
        return
    r = entry.result
    assert r.added + r.merged + len({row for _, row, _ in r.rejected}) == len(rows)
    assert all(1 <= row <= len(rows) for _, row, _ in r.rejected)
    got = ParkStore(park).records("incidents")
    assert len(got) == r.added
    assert got["time"].dt.year.between(1980, 2099).all()
    assert got.geometry.y.between(-90, 90).all() and np.isfinite(got.geometry.x).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(1, 40),
    shift_s=st.integers(0, 200),
    shift_m=st.floats(0, 200),
    seed=st.integers(0, 10_000),
)
def test_merging_is_idempotent_and_never_loses_a_far_record(tmp_path_factory, n, shift_s, shift_m, seed):
    ran()
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    t = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(n) * 3600, unit="s")
    pts = shapely.points(35.0 + rng.random(n) * 0.2, -2.2 + rng.random(n) * 0.2)
    a = gpd.GeoDataFrame({"time": t, "type": "snare"}, geometry=pts, crs=4326)
    b = a.copy()
    b["time"] += pd.Timedelta(seconds=shift_s)
    b = b.set_geometry(b.to_crs(32736).translate(shift_m, 0).to_crs(4326))
    store = ParkStore(tmp_path_factory.mktemp("s"))
    store.import_records("incidents", a, "a.csv")
    r = store.import_records("incidents", b, "b.csv")
    same = shift_s <= 60 and shift_m <= 49.9
    if same:
        assert r.added == 0
    elif shift_s > 60 or shift_m > 50.1:
        assert r.added == n
    counts = store.counts()
    assert store.import_records("incidents", b, "b.csv").import_id is None and store.counts() == counts


# --- hand-made cases, by kind ----------------------------------------------------------------------
def test_truncated_gpx_is_reported(tmp_path):
    ran(2)
    park = pf.make_park(tmp_path / "park")
    text = (park / "patrols.gpx").read_bytes()
    (park / "patrols.gpx").write_bytes(text[: int(len(text) * 0.6)])
    report = load_park(park).report
    found = problems(report, "cut_short") + problems(report, "unreadable")
    assert found and any("cut short" in p.message or "cannot be read" in p.message for p in found)
    run = import_files(park, [park / "patrols.gpx"], kind="patrols")
    [entry] = run.files
    assert (entry.error and "cut short" in entry.error) or any("cut short" in n for n in entry.notes)


def test_truncated_csv_last_row_is_rejected(tmp_path):
    ran(2)
    park = pf.make_park(tmp_path / "park")
    text = (park / "incidents.csv").read_bytes()
    (park / "incidents.csv").write_bytes(text[: len(text) - 9])  # stops inside the last row's category
    p = load_park(park)
    cut = problems(p.report, "cut_short")
    assert cut and cut[0].row == 20 and len(p.incidents) == 19
    run = import_files(park, [park / "incidents.csv"])
    assert any("cut short" in reason for _, _, reason in run.rejected)


@pytest.mark.parametrize(
    "column,value,check",
    [
        ("lat", "200", "out_of_range"),
        ("lon", "-500", "out_of_range"),
        ("date", "1900-01-01 10:00", "bad_date"),
        ("date", "9999-12-31 10:00", "bad_date"),
    ],
)
def test_impossible_values_are_rejected_with_their_row(tmp_path, column, value, check):
    ran(2)
    park = pf.make_park(tmp_path / "park")
    df = pd.read_csv(park / "incidents.csv", dtype=str)
    df.loc[4, column] = value
    df.to_csv(park / "incidents.csv", index=False)
    p = load_park(park)
    assert [q.row for q in problems(p.report, check)] == [5]
    assert len(p.incidents) == 19
    run = import_files(park, [park / "incidents.csv"])
    assert [row for _, row, _ in run.rejected] == [5]


@pytest.mark.parametrize(
    "snippet,word",
    [
        ('[columns.incidents]\ntime = "date"\ntype = "category"\ntimzone = "Africa/Nairobi"\n', "timezone"),
        ('[colums.incidents]\ntime = "date"\n', "columns"),
        ('[park]\nname = "P"\ncel_size_m = 250\n', "cell_size_m"),
    ],
)
def test_misspelt_manifest_keys_are_reported(tmp_path, snippet, word):
    ran()
    park = pf.make_park(tmp_path / "park")
    toml = (park / "park.toml").read_text()
    if snippet.startswith("[park]"):
        toml = toml.replace('[park]\nname = "Tiny Park"\n', snippet)
    else:
        toml = toml.replace('[columns.incidents]\ntime = "date"\ntype = "category"\n', snippet)
    (park / "park.toml").write_text(toml)
    with pytest.raises(FatalLoadError, match=word):
        load_park(park)


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink"])
def test_manifest_paths_outside_the_park_are_refused(tmp_path, how):
    ran(2)
    park = pf.make_park(tmp_path / "park")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (park / "posts.gpkg").rename(outside / "posts.gpkg")
    entry = {"absolute": str(outside / "posts.gpkg"), "dotdot": "../elsewhere/posts.gpkg", "symlink": "posts.gpkg"}
    if how == "symlink":
        (park / "posts.gpkg").symlink_to(outside / "posts.gpkg")
    toml = (park / "park.toml").read_text().replace('posts = "posts.gpkg"', f'posts = "{entry[how]}"')
    (park / "park.toml").write_text(toml)
    with pytest.raises(FatalLoadError, match="allow_outside"):
        load_park(park)
    (park / "park.toml").write_text(toml.replace("[park]\n", "[park]\nallow_outside = true\n"))
    assert len(load_park(park).posts) == 4


def test_init_never_writes_through_a_symlink_or_over_an_edited_draft(tmp_path, capsys):
    ran(3)
    park = pf.make_park(tmp_path / "park")
    target = tmp_path / "outside.toml"
    (park / "park.toml").unlink()
    (park / "park.toml").symlink_to(target)  # a dangling link pointing outside the park
    assert main(["init", str(park)]) == 0
    assert not target.exists()
    draft = park / "park.draft.toml"
    assert draft.exists() and not draft.is_symlink()
    draft.write_text(draft.read_text() + "\n# my edits\n")
    edited = draft.read_text()
    assert main(["init", str(park)]) == 0
    assert draft.read_text() == edited and (park / "park.draft-2.toml").exists()
    assert main(["init", str(park)]) == 0  # the same draft again: nothing new
    assert not (park / "park.draft-3.toml").exists()
    capsys.readouterr()


def test_utf16_csv_gets_an_encoding_message(tmp_path):
    ran(2)
    park = pf.make_park(tmp_path / "park")
    df = pd.read_csv(park / "incidents.csv", dtype=str)
    df.to_csv(park / "incidents.csv", index=False, encoding="utf-16")
    p = load_park(park)
    assert any("UTF-16" in q.message for q in p.report.problems if q.layer == "incidents")
    run = import_files(park, [park / "incidents.csv"])
    assert "UTF-16" in run.files[0].error and "separator" not in run.files[0].error


@pytest.mark.parametrize(
    "name,content",
    [
        ("events.json", b'[{"event_type": "snare_rep", "location": {"latitude": -2.1, "longi'),
        ("events.json", b'{"data": {"results": [{"event_type": "x", "time": "nope", "location": null}]}}'),
        ("obs.csv", b"Patrol ID,Waypoint ID,Waypoint Date,X,Y\nP1,1,32/13/2024,abc,-2.1\nP1,2,,35.1,\n"),
        ("smart.xml", b'<patrol xmlns="http://www.smartconservationsoftware.org/xml/1.3/patrol" id="P"><legs>'),
        ("tracks.gpx", b'<?xml version="1.0"?><gpx><trk><trkseg><trkpt lat="-2.1" lon="35.1"></trkpt>'),
        ("empty.csv", b""),
        ("blank.geojson", b"   \n  "),
        ("bomb.zip", b"PK\x03\x04" + b"\x00" * 100),
        ("points.geojson", b'{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null}]}'),
    ],
)
def test_damaged_exports_are_reported_not_raised(tmp_path, base_park, name, content):
    ran()
    f = tmp_path / name
    f.write_bytes(content)
    before = snapshot(base_park)
    run = import_files(base_park, [f], dry_run=True)
    assert run.files
    for entry in run.files:
        assert entry.error or entry.result is not None
        if entry.error:
            assert "Fix:" in entry.error
        else:
            assert entry.result.added == 0 and (entry.result.rejected or entry.notes or entry.result.merged == 0)
    assert snapshot(base_park) == before


# --- the track readers: KML/KMZ, shapefile lines, GPX ---------------------------------------------------
KML_TRACK = (
    '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">'
    "<Document><Placemark><name>walk</name><gx:Track>"
    + "".join(f"<when>2024-03-01T06:0{i}:00Z</when>" for i in range(5))
    + "".join(f"<gx:coord>35.1{i} -2.1 0</gx:coord>" for i in range(5))
    + "</gx:Track></Placemark>"
    "<Placemark><name>Snare</name><TimeStamp><when>2024-03-01T06:03:00Z</when></TimeStamp>"
    "<Point><coordinates>35.12,LAT</coordinates></Point></Placemark></Document></kml>"
)


def _zip(path, members, method=None):
    import zipfile

    with zipfile.ZipFile(path, "w", method or zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def _legs_shp(folder, prj: str | None):
    import geopandas as gpd
    from shapely.geometry import LineString

    legs = gpd.GeoDataFrame(
        {"Patrol_ID": ["P1"], "Start_Date": ["2024-03-04"], "End_Date": ["2024-03-05"]},
        geometry=[LineString([(35.05, -2.15), (35.07, -2.15)])],
        crs=pf.WGS84,
    )
    if prj == "utm":  # coordinates in metres; the .prj deleted below
        legs = legs.to_crs(pf.UTM)
    elif prj == "wrong":  # lon/lat under a .prj that says UTM
        legs = legs.set_crs(pf.UTM, allow_override=True)
    return pf.write_shp(folder / "legs.shp", legs, prj=prj == "wrong")


def _gpx_9999(folder):
    path = folder / "future.gpx"
    path.write_text(
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        '<trkpt lat="-2.1" lon="35.1"><time>9999-01-01T00:00:00Z</time></trkpt>'
        '<trkpt lat="-2.1" lon="35.101"><time>2024-01-01T00:01:00Z</time></trkpt>'
        '<trkpt lat="-2.1" lon="35.102"><time>2024-01-01T00:02:00Z</time></trkpt></trkseg></trk></gpx>'
    )
    return path


TRACK_CASES = {
    "kml-lat-200": lambda d: (d / "t.kml").write_text(KML_TRACK.replace("LAT", "200")) and d / "t.kml",
    "kml-cut": lambda d: (d / "t.kml").write_text(KML_TRACK[:300]) and d / "t.kml",
    "kmz-cut": lambda d: (
        (d / "t.kmz").write_bytes(
            _zip(d / "full.kmz", [("doc.kml", KML_TRACK.replace("LAT", "-2.1") * 5)]).read_bytes()[:400]
        )
        and d / "t.kmz"
    ),
    "kmz-bomb": lambda d: _zip(d / "bomb.kmz", [("doc.kml", b"<kml>" + b" " * (30 * 1024**2) + b"</kml>")]),
    "kmz-escape": lambda d: _zip(d / "x.kmz", [("doc.kml", KML_TRACK), ("../../../../tmp/evil.kml", KML_TRACK)]),
    "kml-span-1900-9999": lambda d: (
        (d / "s.kml").write_text(
            KML_TRACK.replace("LAT", "-2.1").replace(
                "<Placemark><name>walk</name>",
                "<Placemark><name>line</name><TimeSpan><begin>1900-01-01</begin><end>9999-01-01</end></TimeSpan>"
                "<LineString><coordinates>35.1,-2.1 35.2,-2.1</coordinates></LineString></Placemark>"
                "<Placemark><name>walk</name>",
            )
        )
        and d / "s.kml"
    ),
    "kml-entities": lambda d: (d / "e.kml").write_text('<!DOCTYPE k [<!ENTITY a "b">]><kml>&a;</kml>') and d / "e.kml",
    "shp-no-prj-metres": lambda d: _legs_shp(d, "utm"),
    "shp-wrong-prj": lambda d: _legs_shp(d, "wrong"),
    "gpx-9999": _gpx_9999,
}


@pytest.mark.parametrize("case", sorted(TRACK_CASES))
def test_track_readers_report_damage_and_touch_nothing(tmp_path, base_park, case):
    ran()
    folder = tmp_path / "export"
    folder.mkdir()
    path = TRACK_CASES[case](folder)
    before, before_out = snapshot(base_park), snapshot(tmp_path)
    run = import_files(base_park, [path], dry_run=True)
    assert run.files
    for entry in run.files:
        assert entry.error or entry.result is not None
        if entry.error:
            assert "Fix:" in entry.error and "Traceback" not in entry.error
    # damage is never silent: the file is refused, or the damaged rows are listed with their row
    refused = [e for e in run.files if e.error]
    assert refused or run.rejected, run.to_text()
    if case in ("kml-lat-200", "gpx-9999", "kml-span-1900-9999"):
        rows = {"kml-lat-200": {2}, "gpx-9999": {1}, "kml-span-1900-9999": {1}}[case]
        assert not refused and {r for _, r, _ in run.rejected} == rows
    assert snapshot(base_park) == before and snapshot(tmp_path) == before_out
    assert not Path("/tmp/evil.kml").exists()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(
        unique=True,
        elements=st.sampled_from(["doc.kml", "a/doc.kml", "../doc.kml", "/abs.kml", "C:/x.kml", "img.png", "b.kml"]),
        min_size=1,
        max_size=4,
    ),
    body=st.binary(max_size=300),
    keep=st.floats(0.1, 1.0),
)
def test_any_kmz_never_tracebacks(tmp_path_factory, base_park, names, body, keep):
    ran()
    folder = tmp_path_factory.mktemp("kmz")
    full = _zip(folder / "full.kmz", [(n, KML_TRACK.encode().replace(b"LAT", body[:20]) + body) for n in names])
    path = folder / "x.kmz"
    path.write_bytes(full.read_bytes()[: max(4, int(full.stat().st_size * keep))])
    before = snapshot(base_park)
    run = import_files(base_park, [path], dry_run=True)
    for entry in run.files:
        assert entry.error or entry.result is not None
    assert "Traceback" not in run.to_text() and snapshot(base_park) == before


def test_store_named_in_the_manifest_or_a_symlink_is_refused(tmp_path):
    ran(2)
    park = pf.make_park(tmp_path / "park")
    (park / "store.gpkg").symlink_to(tmp_path / "elsewhere.gpkg")
    with pytest.raises(LayersError, match="link"):
        import_files(park, [park / "incidents.csv"])
    assert not (tmp_path / "elsewhere.gpkg").exists()
    # a store that cannot be read never stops the park from loading
    (park / "store.gpkg").unlink()
    (park / "store.gpkg").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    assert len(load_park(park).incidents) == 20


# --- parks that load but cannot be fitted: check warns, fit stops with a message ---------------------
def _fit(park, capsys, *extra):
    from riskmodel.cli import main as risk_main

    code = risk_main(
        ["fit", str(park), "--train-until", "2024-12-31", "--out", str(park.parent / "out" / "risk.tif"), *extra]
    )
    err = capsys.readouterr().err
    return code, err


def _incidents(park, **changes):
    df = pd.read_csv(park / "incidents.csv", dtype=str)
    for col, value in changes.items():
        df[col] = value
    df.to_csv(park / "incidents.csv", index=False)


def _outside(park):
    _incidents(park, lon="30.0", lat="-10.0")


def _not_attacks(park):
    _incidents(park, category="arrest")


def _unpatrolled(park):
    _incidents(park, date="2019-06-01 10:00")  # years before any patrol: none in a patrolled cell and month


def _metres_as_degrees(park):
    df = pd.read_csv(park / "incidents.csv", dtype=str)
    df["lon"], df["lat"] = "511000", "9770000"  # UTM metres in lon/lat columns
    df.to_csv(park / "incidents.csv", index=False)


def _nodata_raster(park):
    pf.write_geotiff(park / "dem.tif", pf.UTM, values=np.full((20, 20), -9999.0), nodata=-9999.0)


def _one_cell(park):
    import geopandas as gpd
    from shapely.geometry import box

    gpd.GeoDataFrame({"name": ["P"]}, geometry=[box(35.1, -2.1, 35.1045, -2.0955)], crs=4326).to_file(
        park / "boundary.geojson", driver="GeoJSON"
    )


@pytest.mark.parametrize(
    "damage",
    [_outside, _not_attacks, _unpatrolled, _metres_as_degrees, _nodata_raster, _one_cell],
    ids=lambda f: f.__name__,
)
def test_unfittable_parks_are_warned_by_check_and_stopped_by_fit(tmp_path, capsys, damage):
    ran(2)
    park = pf.make_park(tmp_path / "park")
    damage(park)
    assert main(["check", str(park)]) == 0
    out = capsys.readouterr().out
    assert "the risk model cannot be fitted" in out
    code, err = _fit(park, capsys)
    assert code == 2 and "\nerror: " in err and "Fix:" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "damage",
    [_outside, _not_attacks, _unpatrolled, _metres_as_degrees, _nodata_raster, _one_cell],
    ids=lambda f: f.__name__,
)
def test_unfittable_parks_are_stopped_by_evaluate(tmp_path, capsys, damage):
    ran(1)
    from riskmodel.cli import main as risk_main

    park = pf.make_park(tmp_path / "park")
    damage(park)
    code = risk_main(["evaluate", str(park), "--train-until", "2024-12-31"])
    err = capsys.readouterr().err
    assert code == 2 and "\nerror: " in err and "Fix:" in err and "Traceback" not in err


def test_evaluate_checks_its_horizon_before_loading(tmp_path, capsys):
    ran(2)
    from riskmodel.cli import main as risk_main

    for months in ("0", "100000"):
        code = risk_main(
            ["evaluate", str(tmp_path / "no-park"), "--train-until", "2024-12-31", "--horizon-months", months]
        )
        err = capsys.readouterr().err
        assert code == 2 and "limit" in err and "no-park" not in err


def test_sizes_that_drive_memory_are_checked_first(tmp_path, capsys):
    ran(3)
    import geopandas as gpd
    import rasterio
    from affine import Affine
    from shapely.geometry import MultiPolygon, box

    park = pf.make_park(tmp_path / "park")
    code, err = _fit(park, capsys, "--horizon-months", "100000")
    assert code == 2 and "limit" in err
    # a sparse GeoTIFF whose header claims 10 billion pixels: refused from its header
    with rasterio.open(
        park / "dem.tif",
        "w",
        driver="GTiff",
        width=100_000,
        height=100_000,
        count=1,
        dtype="uint8",
        crs=pf.UTM,
        transform=Affine(1, 0, 480000, 0, -1, 9800000),
        tiled=True,
        sparse_ok=True,
        compress="deflate",
    ):
        pass
    assert (park / "dem.tif").stat().st_size < 50_000_000
    p = load_park(park)
    assert problems(p.report, "raster_too_large") and "dem" not in p.rasters
    # a tiny island 2,000 km away would stretch the grid
    main_part = pf.boundary_polygon()
    island = box(52.0, -20.0, 52.001, -19.999)
    gpd.GeoDataFrame({"name": ["P"]}, geometry=[MultiPolygon([main_part, island])], crs=4326).to_file(
        park / "boundary.geojson", driver="GeoJSON"
    )
    with pytest.raises(FatalLoadError, match="limit of") as info:
        load_park(park)
    assert "island" in str(info.value.report.problems[-1])


def test_plan_and_fit_refuse_what_they_cannot_do_safely(tmp_path, capsys):
    ran(6)
    from patrols.cli import main as patrols_main
    from riskmodel.cli import main as risk_main

    park = pf.make_park(tmp_path / "park")
    before = snapshot(park)
    grid = load_park(park, skip=("patrols",)).grid
    nan_risk = grid.write_geotiff(tmp_path / "nan.tif", [grid.empty()])
    inf_risk = grid.write_geotiff(tmp_path / "inf.tif", [np.where(grid.mask, np.inf, np.nan).astype("float32")])
    ok_risk = grid.write_geotiff(tmp_path / "ok.tif", [np.where(grid.mask, 0.1, np.nan).astype("float32")])
    plan = ["plan", str(park), "--start", "2024-02-01", "--teams", "1", "--km", "5"]
    cases = [
        (plan + ["--risk", str(ok_risk), "--days", "100000", "--out", str(tmp_path / "o")], "--days"),
        (plan + ["--risk", str(nan_risk), "--days", "1", "--out", str(tmp_path / "o")], "NaN"),
        (plan + ["--risk", str(inf_risk), "--days", "1", "--out", str(tmp_path / "o")], "infinite"),
        (plan + ["--risk", str(ok_risk), "--days", "1", "--out", str(park)], "never overwritten"),
    ]
    for argv, word in cases:
        assert patrols_main(argv) == 2
        err = capsys.readouterr().err
        assert word in err and "Fix:" in err, err
    fit = ["fit", str(park), "--out", str(park / "dem.tif")]
    assert risk_main(fit + ["--train-until", "2024-12-31"]) == 2
    assert "never overwritten" in capsys.readouterr().err
    fit = ["fit", str(park), "--out", str(tmp_path / "r.tif"), "--train-until", "2031-01-31"]
    assert risk_main(fit) == 2
    assert "after the data's last month" in capsys.readouterr().err
    assert snapshot(park) == before


def test_orienteering_file_with_30000_points_is_refused_before_work(tmp_path, capsys):
    ran()
    from patrols.cli import main as patrols_main

    f = tmp_path / "big.txt"
    rng = np.random.default_rng(0)
    pts = rng.random((30_000, 3)) * 100
    f.write_text("50 1\n" + "\n".join(f"{x:.2f} {y:.2f} {s:.0f}" for x, y, s in pts) + "\n")
    assert patrols_main(["solve-op", str(f)]) == 2
    err = capsys.readouterr().err
    assert "limit of 5,000" in err and "Fix:" in err
