"""Field files of patrols and plans, each opened in a real reader (gpxpy, GDAL, geopandas, pandas, poppler)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import geopandas as gpd
import gpxpy
import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import Polygon

from layers.grid import Grid
from patrols.errors import ExportError
from patrols.export import (
    EXPORT_MARKER,
    gpx_bytes,
    plan_id,
    plan_zip_bytes,
    waypoint_distances_km,
    waypoint_table,
    write_geojson,
    write_gpx,
    write_kml,
    write_plan,
    write_sheet_pdf,
    write_waypoints_csv,
)
from patrols.navpoints import with_navigation_waypoints
from patrols.route import Patrol, Plan, Waypoint

CRS = "EPSG:32736"  # UTM 36S
X0, Y0 = 420_000.0, 7_980_000.0
POST = 'Ngoma & <Post> "HQ"'  # every XML-special character


def make_patrol(patrol_id="P1", n=60, team=1, elevation=True, n_wp=6, crs=CRS, x0=X0, y0=Y0, post=POST) -> Patrol:
    """A closed loop of ``n`` vertices from the post, with ``n_wp`` waypoints along it (post first and last)."""
    t = np.linspace(0.0, 2 * np.pi, n)
    path = np.c_[x0 + 3000 * np.sin(t) + 2000 * (1 - np.cos(t)), y0 + 2500 * np.sin(t) * np.cos(t / 2)]
    path[-1] = path[0]
    idx = np.linspace(0, n - 1, n_wp).round().astype(int)[1:-1]
    wps = [Waypoint(post, *path[0], kind="post")]
    wps += [Waypoint(f"W{i + 1} <snare> & co", *path[j], note="ford" if i == 0 else "") for i, j in enumerate(idx)]
    wps.append(Waypoint(post, *path[-1], kind="post"))
    rng = np.random.default_rng(5)
    elev = 1100 + 50 * np.sin(3 * t) + rng.normal(0, 2, n) if elevation else None
    return Patrol(
        patrol_id,
        post,
        team,
        dt.date(2026, 12, 1),
        "foot",
        path,
        crs,
        waypoints=wps,
        elevation_m=elev,
        hours=5.5,
        expected_risk=0.375,
    )


def expected_lonlat(patrol: Patrol) -> np.ndarray:
    tr = Transformer.from_crs(patrol.crs, "EPSG:4326", always_xy=True)
    return np.c_[tr.transform(patrol.path_xy[:, 0], patrol.path_xy[:, 1])]


def square_patrol() -> Patrol:
    """A 1 km square walked anticlockwise from the post: waypoints at the corners, 0-4 km along."""
    sq = np.array([[0, 0], [1000, 0], [1000, 1000], [0, 1000], [0, 0]], dtype=float) + [X0, Y0]
    wps = [Waypoint("post", *sq[0], kind="post")] + [Waypoint(f"c{i}", *sq[i]) for i in (1, 2, 3)]
    wps.append(Waypoint("post", *sq[4], kind="post"))
    return Patrol("SQ", "post", 2, dt.date(2026, 12, 2), "foot", sq, CRS, waypoints=wps)


@pytest.fixture(scope="module")
def patrol() -> Patrol:
    return make_patrol()


@pytest.fixture(scope="module")
def park_and_risk():
    poly = Polygon([(X0 - 6000, Y0 - 6000), (X0 + 12000, Y0 - 7000), (X0 + 13000, Y0 + 8000), (X0 - 7000, Y0 + 7000)])
    grid = Grid.from_geometry(poly, CRS, 250)
    cx, cy = grid.centres()
    risk = np.exp(-((cx - X0 - 4000) ** 2 + (cy - Y0) ** 2) / (2 * 3000.0**2))
    park = SimpleNamespace(name="Demo & <Park>", grid=grid, boundary=gpd.GeoDataFrame(geometry=[poly], crs=CRS))
    return park, SimpleNamespace(risk=risk.astype(np.float32), grid=grid)


# --- waypoint table ----------------------------------------------------------
def test_waypoint_distances_known_answer():
    p = square_patrol()
    assert p.length_km == pytest.approx(4.0)
    np.testing.assert_allclose(waypoint_distances_km(p), [0, 1, 2, 3, 4], atol=1e-9)


def test_out_and_back_places_the_return_post_at_the_end():
    path = np.array([[0, 0], [2000, 0], [0, 0]], dtype=float) + [X0, Y0]
    wps = [
        Waypoint("post", X0, Y0, kind="post"),
        Waypoint("turn", X0 + 2000, Y0),
        Waypoint("post", X0, Y0, kind="post"),
    ]
    p = Patrol("OB", "post", 1, dt.date(2026, 12, 1), "foot", path, CRS, waypoints=wps)
    np.testing.assert_allclose(waypoint_distances_km(p), [0, 2, 4])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-5000, 5000), st.floats(-5000, 5000)), min_size=2, max_size=12), st.data())
def test_waypoint_distances_are_ordered_and_within_the_route(points, data):
    path = np.asarray(points) + [X0, Y0]
    picks = sorted(data.draw(st.lists(st.integers(0, len(path) - 1), min_size=1, max_size=6)))
    wps = [Waypoint(f"w{i}", *path[i]) for i in picks]
    p = Patrol("H", "post", 1, dt.date(2026, 12, 1), "foot", path, CRS, waypoints=wps)
    d = waypoint_distances_km(p)
    assert np.all(np.diff(d) >= -1e-9)
    assert d.min() >= 0 and d.max() <= p.length_km + 1e-9


def test_csv_utm_round_trips_to_lat_lon(tmp_path, patrol):
    path = write_waypoints_csv(patrol, tmp_path / "w.csv")
    df = pd.read_csv(path, encoding="utf-8-sig")
    assert list(df.columns[:10]) == [
        "no",
        "name",
        "kind",
        "lat",
        "lon",
        "utm_zone",
        "utm_hemisphere",
        "easting_m",
        "northing_m",
        "distance_km",
    ]
    assert df["name"].iloc[0] == POST and (df["utm_zone"] == "36K").all() and (df["utm_hemisphere"] == "south").all()
    tr = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(df["easting_m"].to_numpy(), df["northing_m"].to_numpy())
    np.testing.assert_allclose(lon, df["lon"], atol=2e-6)
    np.testing.assert_allclose(lat, df["lat"], atol=2e-6)
    assert df["distance_km"].iloc[0] == 0 and df["distance_km"].iloc[-1] == pytest.approx(patrol.length_km, abs=1e-3)
    assert df["distance_km"].is_monotonic_increasing


def test_csv_of_a_non_utm_park_uses_each_point_s_utm_zone(tmp_path):
    # Africa Albers equal-area: not UTM, so every point gets its own zone (32.2 E, 18.3 S -> 36S)
    lcc = "+proj=aea +lat_1=20 +lat_2=-23 +lat_0=0 +lon_0=25 +datum=WGS84 +units=m"
    ll_to = Transformer.from_crs("EPSG:4326", lcc, always_xy=True)
    x0, y0 = ll_to.transform(32.2, -18.3)
    p = make_patrol(crs=lcc, x0=x0, y0=y0)
    df = pd.read_csv(write_waypoints_csv(p, tmp_path / "w.csv"), encoding="utf-8-sig")
    assert set(df["utm_zone"]) == {"36K"} and set(df["utm_hemisphere"]) == {"south"}
    tr = Transformer.from_crs("EPSG:32736", "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(df["easting_m"].to_numpy(), df["northing_m"].to_numpy())
    np.testing.assert_allclose(np.c_[lon, lat], df[["lon", "lat"]].to_numpy(), atol=2e-6)


def test_utm_zone_follows_the_point_across_a_zone_edge():
    lcc = "+proj=aea +lat_1=20 +lat_2=-23 +lat_0=0 +lon_0=25 +datum=WGS84 +units=m"
    ll_to = Transformer.from_crs("EPSG:4326", lcc, always_xy=True)
    a, b = ll_to.transform([29.9, 30.1], [2.0, -2.0])
    wps = [Waypoint("a", a[0], b[0]), Waypoint("b", a[1], b[1])]
    p = Patrol("Z", "a", 1, dt.date(2026, 12, 1), "foot", np.c_[a, b], lcc, waypoints=wps)
    table = waypoint_table(p, navigation=False)
    assert table["utm_zone"].tolist() == ["35N", "36M"] and table["utm_hemisphere"].tolist() == ["north", "south"]


def test_a_utm_park_on_another_datum_gets_wgs84_utm_of_its_zone():
    # Arc 1950 / UTM zone 36S: GPS units work in WGS84, so E/N are WGS84 UTM 36S (a shift of about 100-300 m)
    arc = Transformer.from_crs("EPSG:32736", "EPSG:20936", always_xy=True)
    x, y = arc.transform(X0, Y0)
    p = Patrol(
        "D", "a", 1, dt.date(2026, 12, 1), "foot", [(x, y), (x + 10, y)], "EPSG:20936", waypoints=[Waypoint("a", x, y)]
    )
    row = waypoint_table(p).iloc[0]
    assert row["utm_zone"] == "36K" and abs(row["easting_m"] - X0) < 0.2 and abs(row["northing_m"] - Y0) < 0.2
    assert np.hypot(x - X0, y - Y0) > 50


# --- GPX -------------------------------------------------------------------------
def test_gpx_reads_back_in_gpxpy(tmp_path, patrol):
    gpx = gpxpy.parse(write_gpx(patrol, tmp_path / "p.gpx").read_text(encoding="utf-8"))
    assert gpx.version == "1.1" and gpx.name == "Patrol P1"
    assert gpx.time.date() == dt.date(2026, 12, 1)
    pts = gpx.tracks[0].segments[0].points
    got = np.array([[q.longitude, q.latitude] for q in pts])
    np.testing.assert_allclose(got, expected_lonlat(patrol), atol=1e-6)
    np.testing.assert_allclose([q.elevation for q in pts], patrol.elevation_m, atol=0.051)
    names = [w.name for w in gpx.waypoints]
    wps = with_navigation_waypoints(patrol).waypoints  # the sheet's waypoints: the patrol's own, turns, checkpoints
    assert names == [w.name for w in wps[:-1]]  # the post, met again at the end, is listed once
    w1 = names.index("W1 <snare> & co")
    assert names[0] == POST and set(names) >= {w.name for w in patrol.waypoints}
    assert gpx.waypoints[0].symbol == "Flag, Red" and gpx.waypoints[w1].symbol == "Flag, Blue"
    assert "ford" in gpx.waypoints[w1].description and "km along the route" in gpx.waypoints[w1].description
    assert f"no. {len(wps)} at {patrol.length_km:.2f} km" in gpx.waypoints[0].description


def test_gpx_reads_back_in_gdal(tmp_path, patrol):
    path = write_gpx(patrol, tmp_path / "p.gpx")
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"waypoints", "tracks", "track_points"} <= layers
    wpts = pyogrio.read_dataframe(path, layer="waypoints")
    wps = with_navigation_waypoints(patrol).waypoints[:-1]
    assert wpts["name"].tolist() == [w.name for w in wps]
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform([w.x for w in wps], [w.y for w in wps])
    np.testing.assert_allclose(np.c_[wpts.geometry.x, wpts.geometry.y], np.c_[lon, lat], atol=1e-6)
    tracks = pyogrio.read_dataframe(path, layer="tracks")
    assert len(tracks) == 1 and tracks["name"].iloc[0] == "Patrol P1"
    coords = np.array([c[:2] for line in tracks.geometry.iloc[0].geoms for c in line.coords])
    np.testing.assert_allclose(coords, expected_lonlat(patrol), atol=1e-6)
    tp = pyogrio.read_dataframe(path, layer="track_points")
    np.testing.assert_allclose(tp["ele"], patrol.elevation_m, atol=0.051)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(-2e5, 2e5), st.floats(-2e5, 2e5)), min_size=2, max_size=8))
def test_gpx_coordinates_round_trip_anywhere_in_the_zone(offsets):
    path = np.asarray(offsets) + [500_000.0, 7_500_000.0]
    p = Patrol("R", "post", 1, dt.date(2026, 12, 1), "foot", path, CRS, waypoints=[Waypoint("a", *path[0])])
    gpx = gpxpy.parse(gpx_bytes(p).decode())
    got = np.array([[q.longitude, q.latitude] for q in gpx.tracks[0].segments[0].points])
    np.testing.assert_allclose(got, expected_lonlat(p), atol=1e-6, rtol=0)


def test_gpx_without_elevation_has_no_ele():
    text = gpx_bytes(make_patrol(elevation=False)).decode()
    assert "<ele>" not in text and text.count("<trkpt") == 60


# --- KML -------------------------------------------------------------------------
def test_kml_reads_back_in_gdal(tmp_path, patrol):
    path = write_kml(patrol, tmp_path / "p.kml")
    layers = [name for name, _ in pyogrio.list_layers(path)]
    frames = {name: pyogrio.read_dataframe(path, layer=name) for name in layers}
    for f in frames.values():  # LIBKML says "description", the older KML driver "Description"
        f.columns = [c.capitalize() if c != "geometry" else c for c in f.columns]
    lines = pd.concat([f[f.geom_type.str.contains("LineString")] for f in frames.values()])
    points = pd.concat([f[f.geom_type.str.contains("Point")] for f in frames.values()])
    assert len(lines) == 1 and lines["Name"].iloc[0] == "Patrol P1"
    assert "km" in lines["Description"].iloc[0] and "h" in lines["Description"].iloc[0]
    np.testing.assert_allclose(np.asarray(lines.geometry.iloc[0].coords)[:, :2], expected_lonlat(patrol), atol=1e-6)
    assert points["Name"].tolist() == [w.name for w in with_navigation_waypoints(patrol).waypoints[:-1]]
    assert lines["Post"].iloc[0] == POST and float(lines["Distance_km"].iloc[0]) == pytest.approx(
        patrol.length_km, abs=1e-3
    )


def test_kml_styles_line_and_post(tmp_path, patrol):
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.parse(write_kml(patrol, tmp_path / "p.kml")).getroot()
    line = root.find(".//k:Style[@id='route']/k:LineStyle", ns)
    assert line.find("k:color", ns).text == "ff9e4e1f" and float(line.find("k:width", ns).text) > 1
    urls = [pm.find("k:styleUrl", ns).text for pm in root.iter("{http://www.opengis.net/kml/2.2}Placemark")]
    assert urls[0] == "#route" and urls[1] == "#post" and urls[2] == "#waypoint"
    desc = root.find("k:Document/k:Placemark/k:description", ns).text
    assert "2026-12-01" in desc and "km" in desc and " h" in desc


# --- GeoJSON ---------------------------------------------------------------------
def test_geojson_reads_back_in_geopandas(tmp_path, patrol):
    df = gpd.read_file(write_geojson(patrol, tmp_path / "p.geojson"))
    assert df.crs.to_epsg() == 4326
    route = df[df["feature"] == "route"]
    assert len(route) == 1 and route["distance_km"].iloc[0] == pytest.approx(patrol.length_km, abs=1e-3)
    assert route["duration_h"].iloc[0] == 5.5 and route["post"].iloc[0] == POST
    np.testing.assert_allclose(np.asarray(route.geometry.iloc[0].coords)[:, :2], expected_lonlat(patrol), atol=1e-6)
    wpts = df[df["feature"] != "route"]
    wps = with_navigation_waypoints(patrol).waypoints
    assert wpts["name"].tolist() == [w.name for w in wps]
    assert wpts["no"].tolist() == list(range(1, len(wps) + 1))


# --- PDF -------------------------------------------------------------------------
def render(pdf: Path, out: Path) -> list[Path]:
    assert shutil.which("pdftoppm"), "poppler's pdftoppm is needed (apt-get install poppler-utils)"
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(out / "page")], check=True, timeout=60)
    return sorted(out.glob("page*.png"))


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    return " ".join(out.split())


def page_pixels(png: Path) -> np.ndarray:
    import matplotlib.image as mpimg

    return mpimg.imread(png)[..., :3]


def test_pdf_sheet_is_one_nonblank_a4_page(tmp_path, patrol, park_and_risk):
    park, risk = park_and_risk
    pdf = write_sheet_pdf(
        patrol, tmp_path / "s.pdf", risk=risk.risk, grid=risk.grid, boundary=park.boundary, park_name=park.name
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = render(pdf, tmp_path)
    assert len(pages) == 1
    img = page_pixels(pages[0])
    h, w = img.shape[:2]
    assert abs(h / w - 297 / 210) < 0.01  # A4 portrait
    assert img.var() > 0.01
    # the risk background paints warm colours: many pixels with red well above blue
    assert ((img[..., 0] - img[..., 2]) > 0.3).mean() > 0.05
    text = pdf_text(pdf)
    for expected in (
        "Patrol P1",
        "DEMO & <PARK>",
        POST,
        "Poaching risk (probability of attack, 0-1)",
        "17.1 km",
        "5.5 h",
    ):
        assert expected in text, expected
    assert "Elevation (m)" in text and "Distance along route (km)" in text


def test_pdf_sheet_labels_a_raster_that_is_not_a_probability(tmp_path, park_and_risk):
    _, risk = park_and_risk
    pdf = write_sheet_pdf(make_patrol(elevation=False), tmp_path / "r.pdf", risk=risk.risk * 40, grid=risk.grid)
    text = pdf_text(pdf)
    assert "Reward (values of the given raster)" in text and "Elevation (m)" not in text


def test_a_one_point_patrol_still_exports(tmp_path):
    p = Patrol("one", "post", 1, dt.date(2026, 12, 1), "vehicle", [(X0, Y0)], CRS)
    files = write_plan(Plan("Demo Park", dt.date(2026, 12, 1), 1, [p]), tmp_path / "o")
    assert len(files) == 9  # five files, the summaries, the roster and the zip
    gpx = gpxpy.parse((tmp_path / "o" / "one" / "one.gpx").read_text(encoding="utf-8"))
    assert len(gpx.tracks[0].segments[0].points) == 1 and not gpx.waypoints
    assert len(render(tmp_path / "o" / "one" / "one_sheet.pdf", tmp_path)) == 1


def test_pdf_sheet_long_route_without_risk_stays_one_page(tmp_path):
    p = make_patrol(n=400, n_wp=90, elevation=False)
    pages = render(write_sheet_pdf(p, tmp_path / "long.pdf"), tmp_path)
    assert len(pages) == 1 and page_pixels(pages[0]).var() > 0.01
    text = pdf_text(tmp_path / "long.pdf")
    m = re.search(r"(\d+) more waypoints \(no\. (\d+)-90\)", text)
    assert m and int(m.group(1)) + int(m.group(2)) - 1 == 90 and int(m.group(2)) > 10  # most of the page is used
    assert POST in text


# --- plans -----------------------------------------------------------------------
def make_plan(ids=("2026-12-01 Ngoma/1", "2026-12-01 Ngoma/2")) -> Plan:
    patrols = [make_patrol(pid, team=i + 1, elevation=i == 0) for i, pid in enumerate(ids)]
    return Plan("Demo Park", dt.date(2026, 12, 1), 1, patrols, settings={"teams": 2}, total_risk=0.7, best_risk=0.72)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, park_and_risk):
    park, risk = park_and_risk
    out = tmp_path_factory.mktemp("plan") / "out"
    calls = []
    written = write_plan(make_plan(), out, park=park, risk=risk, progress=lambda f, m: calls.append((f, m)))
    return out, written, calls


def test_plan_writes_every_file_and_a_zip(exported):
    out, written, calls = exported
    rel = sorted(p.relative_to(out).as_posix() for p in written)
    for folder in ("2026-12-01 Ngoma_1", "2026-12-01 Ngoma_2"):
        for suffix in (".gpx", ".kml", ".geojson", "_waypoints.csv", "_sheet.pdf"):
            assert f"{folder}/{folder}{suffix}" in rel
    assert {"summary.csv", "summary.json", "roster.pdf", "plan.zip"} <= set(rel) and len(rel) == 14
    assert written[-1].name == "plan.zip" and all(p.is_file() for p in written)
    with zipfile.ZipFile(out / "plan.zip") as zf:
        assert sorted(zf.namelist()) == sorted(r for r in rel if r != "plan.zip")
        for name in zf.namelist():
            assert zf.read(name) == (out / name).read_bytes()
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)


def test_plan_summary_has_units_and_totals(exported):
    out, _, _ = exported
    df = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    assert {"distance_km", "duration_h", "expected_risk_cells"} <= set(df.columns) and len(df) == 2
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert doc["totals"]["distance_km"] == pytest.approx(df["distance_km"].sum())
    assert doc["totals"]["duration_h"] == pytest.approx(11.0)
    assert doc["totals"]["expected_risk_cells_sum_of_patrols"] == pytest.approx(0.75)
    assert doc["totals"]["expected_risk_cells_plan"] == pytest.approx(0.7)
    assert doc["units"]["distance_km"] == "km" and doc["settings"] == {"teams": 2}


def test_plan_files_open_in_their_readers(exported):
    out, written, _ = exported
    for path in written:
        if path.suffix == ".gpx":
            assert len(pyogrio.read_dataframe(path, layer="tracks")) == 1
        elif path.suffix == ".kml":
            assert pyogrio.list_layers(path).size
        elif path.suffix == ".geojson":
            assert len(gpd.read_file(path)) == 1 + len(with_navigation_waypoints(make_patrol()).waypoints)
        elif path.suffix == ".pdf":
            assert path.read_bytes()[:5] == b"%PDF-"


def test_plan_reexport_of_the_same_plan_overwrites_and_drops_stale_files(tmp_path):
    out = tmp_path / "out"
    write_plan(make_plan(("A", "B")), out)
    written = write_plan(make_plan(("A",)), out)  # same plan id, one patrol fewer
    assert not (out / "B").exists()
    present = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert present == sorted([p.relative_to(out).as_posix() for p in written] + [EXPORT_MARKER])


def test_plan_refuses_a_folder_with_other_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "my notes.txt").write_text("keep me")
    with pytest.raises(ExportError, match="my notes.txt.*empty folder"):
        write_plan(make_plan(("A",)), out)
    assert (out / "my notes.txt").read_text() == "keep me" and len(list(out.iterdir())) == 1
    # a file added by the user to a previous export is protected too
    out2 = tmp_path / "out2"
    write_plan(make_plan(("A",)), out2)
    (out2 / "A" / "edited.gpx").write_text("mine")
    with pytest.raises(ExportError, match="edited.gpx"):
        write_plan(make_plan(("A",)), out2)


def test_plan_refuses_the_export_of_another_plan(tmp_path):
    out = tmp_path / "out"
    write_plan(make_plan(("A",)), out)
    other = make_plan(("A",))
    other.start = dt.date(2027, 1, 1)
    assert plan_id(other) != plan_id(make_plan(("A",)))
    with pytest.raises(ExportError, match="another plan"):
        write_plan(other, out)


def test_plan_zip_bytes_match_the_written_zip(tmp_path):
    plan = make_plan(("A",))
    data = plan_zip_bytes(plan)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = sorted(zf.namelist())
        gpx = gpxpy.parse(zf.read("A/A.gpx").decode())
    assert names == [
        "A/A.geojson",
        "A/A.gpx",
        "A/A.kml",
        "A/A_sheet.pdf",
        "A/A_waypoints.csv",
        "roster.pdf",
        "summary.csv",
        "summary.json",
    ]
    assert gpx.waypoints[0].name == POST
    write_plan(plan, tmp_path / "o")
    assert (tmp_path / "o" / "plan.zip").read_bytes() == data


def test_repeated_patrol_ids_are_refused():
    with pytest.raises(ExportError, match="unique"):
        plan_zip_bytes(make_plan(("A", "A")))


def test_pdf_sheets_drawn_from_several_threads_keep_their_style(monkeypatch):
    """Sessions of the app draw sheets at once: each sees the sheet's rcParams, and the globals are left as found."""
    import threading
    import time

    import matplotlib as mpl

    from patrols import sheet

    seen = []
    header = sheet._header

    def slow_header(*args, **kwargs):
        time.sleep(0.05)  # widen the window in which another thread would leave its rc_context
        seen.append((mpl.rcParams["text.parse_math"], mpl.rcParams["pdf.fonttype"]))
        return header(*args, **kwargs)

    monkeypatch.setattr(sheet, "_header", slow_header)
    before = (mpl.rcParams["text.parse_math"], mpl.rcParams["pdf.fonttype"])
    out = [None] * 4

    def draw(i):
        out[i] = sheet.sheet_pdf(make_patrol(patrol_id=f"P{i}", elevation=False))

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(pdf is not None and pdf.startswith(b"%PDF") for pdf in out)
    assert seen == [(False, 3)] * 4
    assert (mpl.rcParams["text.parse_math"], mpl.rcParams["pdf.fonttype"]) == before
