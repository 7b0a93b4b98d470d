"""Patrol sheets a ranger can navigate by, and the month roster: landmarks, waypoints, legend, roster, zip."""

from __future__ import annotations

import datetime as dt
import io
import math
import shutil
import subprocess
import zipfile
from types import SimpleNamespace

import geopandas as gpd
import gpxpy
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from pypdf import PdfReader
from shapely.geometry import LineString, Point, Polygon

from layers.grid import Grid
from patrols.defaults import TURN_MERGE_M
from patrols.export import plan_zip_bytes
from patrols.landmarks import kind_of_layer, landmarks_from_park
from patrols.navpoints import compass_point, navigation_waypoints, with_navigation_waypoints
from patrols.profile import waypoint_distances_km
from patrols.roster import roster_order, roster_pdf_bytes
from patrols.route import Patrol, Plan, Waypoint
from patrols.sheet import sheet_parts, sheet_pdf, table_lines, uses_core_fonts
from patrols.tables import waypoint_table

CRS = "EPSG:32736"
X0, Y0 = 420_000.0, 7_980_000.0


def legs_patrol(corners, step=100.0, post="Ngoma", team=1, day=1, pid=None) -> Patrol:
    """A route along straight legs through ``corners`` (metres from the post), densified every ``step`` m."""
    corners = np.asarray(corners, dtype=float) + [X0, Y0]
    pts = [corners[0]]
    for a, b in zip(corners[:-1], corners[1:]):
        n = max(int(np.hypot(*(b - a)) // step), 1)
        pts += [a + (b - a) * k / n for k in range(1, n + 1)]
    path = np.asarray(pts)
    wps = [Waypoint(post, *path[0], kind="post", note="start and end")]
    date = dt.date(2026, 12, day)
    return Patrol(pid or f"{date:%Y%m%d}-{post}-T{team}", post, team, date, "foot", path, CRS, waypoints=wps)


# --- navigation waypoints ----------------------------------------------------------
def test_compass_points():
    assert [compass_point(b) for b in (0, 44, 46, 90, 181, 270, 330, 359)] == [
        "N",
        "NE",
        "NE",
        "E",
        "S",
        "W",
        "NW",
        "N",
    ]


def test_a_square_walk_gets_its_corners_a_checkpoint_per_leg_and_the_post_back():
    # 3 km legs east, north, west, south: three corners (the fourth is the post) and 3 km > 2 km between them
    p = legs_patrol([(0, 0), (3000, 0), (3000, 3000), (0, 3000), (0, 0)])
    wps = with_navigation_waypoints(p).waypoints
    kinds = [w.kind for w in wps]
    assert kinds == ["post", "checkpoint", "turn", "checkpoint", "turn", "checkpoint", "turn", "checkpoint", "post"]
    turns = [(round(w.x - X0), round(w.y - Y0)) for w in wps if w.kind == "turn"]
    assert turns == [(3000, 0), (3000, 3000), (0, 3000)]
    assert wps[2].note.startswith("turn left 90") and "head N (000" in wps[2].note
    assert wps[-1].note == "end: back at the post"
    np.testing.assert_allclose(waypoint_distances_km(with_navigation_waypoints(p)), np.arange(0, 12.1, 1.5), atol=1e-6)


def test_the_way_back_to_the_post_gets_checkpoints():
    # out 1 km, then a 6 km leg back: the return leg must not be 6 km without a waypoint
    p = legs_patrol([(0, 0), (0, 1000), (6000, 1000), (0, 0)])
    d = waypoint_distances_km(with_navigation_waypoints(p))
    assert d[-1] == pytest.approx(p.length_km) and np.diff(d).max() <= 2.0 + 1e-6


@st.composite
def corner_routes(draw):
    """Routes of 3-7 straight legs of 1-5 km, each turning by 45-170 degrees, and back to the post."""
    n = draw(st.integers(3, 7))
    heading = draw(st.floats(0, 2 * math.pi))
    pts, turns = [np.zeros(2)], []
    for i in range(n):
        if i:
            turn = draw(st.floats(45, 170)) * draw(st.sampled_from([-1, 1]))
            heading += math.radians(turn)
            turns.append(len(pts) - 1)
        length = draw(st.floats(1000, 5000))
        pts.append(pts[-1] + length * np.array([math.cos(heading), math.sin(heading)]))
    pts.append(np.zeros(2))
    return np.asarray(pts), turns


@settings(max_examples=30, deadline=None)
@given(corner_routes())
def test_waypoints_at_most_2_km_apart_and_at_every_turn(route):
    corners, turn_ids = route
    p = legs_patrol(corners, step=90.0)
    nav = with_navigation_waypoints(p)
    d = waypoint_distances_km(nav)
    assert d[0] == 0 and d[-1] == pytest.approx(p.length_km, abs=1e-6)
    assert np.diff(d).max() <= 2.0 + 1e-3  # along the route, the way back to the post included
    wp_xy = np.array([[w.x, w.y] for w in nav.waypoints])
    # every turn of 45 degrees or more: a waypoint within the merge distance of the corner (a turn that
    # close to another waypoint shares it), plus one 90 m step of the drawn route
    for i in turn_ids:
        corner = corners[i] + [X0, Y0]
        near = np.hypot(*(wp_xy - corner).T).min()
        assert near <= TURN_MERGE_M + 90.0, f"no waypoint near the turn at leg {i}"
    assert [w for w in nav.waypoints if w.kind not in ("turn", "checkpoint")][:1] == p.waypoints  # own kept
    assert len(with_navigation_waypoints(nav).waypoints) == len(nav.waypoints)  # applying twice adds nothing


def test_a_route_along_grid_steps_is_not_a_turn_at_every_step():
    # a staircase of 250 m cell steps heading north-east is one straight line to walk
    stairs = [(250 * (k // 2 + k % 2), 250 * (k // 2)) for k in range(25)]
    p = legs_patrol([*stairs, (0, 0)], step=250.0)
    turns = [w for w in navigation_waypoints(p) if w.kind == "turn"]
    assert len(turns) <= 2


# --- the sheet ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def park(tmp_path_factory):
    """A small park: boundary, roads, a river, waterholes, fords, villages and a DEM with a hill."""
    import rasterio
    from rasterio.transform import from_origin

    folder = tmp_path_factory.mktemp("park")
    poly = Polygon([(X0 - 9000, Y0 - 9000), (X0 + 12000, Y0 - 9000), (X0 + 12000, Y0 + 9000), (X0 - 9000, Y0 + 9000)])
    xs = np.arange(X0 - 10000, X0 + 13000, 90.0)
    ys = np.arange(Y0 + 10000, Y0 - 10000, -90.0)
    gx, gy = np.meshgrid(xs, ys)
    dem = 900 + 300 * np.exp(-((gx - X0 - 2500) ** 2 + (gy - Y0 - 1500) ** 2) / (2 * 1500.0**2))
    with rasterio.open(
        folder / "dem.tif", "w", driver="GTiff", width=len(xs), height=len(ys), count=1, dtype="float32",
        crs=CRS, transform=from_origin(xs[0] - 45, ys[0] + 45, 90, 90),
    ) as dst:  # fmt: skip
        dst.write(dem.astype("float32"), 1)

    def gdf(geoms, names=None):
        return gpd.GeoDataFrame({"name": names or [""] * len(geoms)}, geometry=geoms, crs=CRS)

    features = {
        "roads": gdf([LineString([(X0 - 8000, Y0 + 500), (X0 + 11000, Y0 + 800)])], ["Main road"]),
        "rivers": gdf([LineString([(X0 + 1500, Y0 - 8000), (X0 + 1800, Y0 + 8000)])], ["Mbizi river"]),
        "waterholes": gdf([Point(X0 + 2600, Y0 + 1200)], ["Nyati pan"]),
        "fords": gdf([Point(X0 + 1650, Y0 + 650)]),
        "villages": gdf([Point(X0 + 1000, Y0 + 2200)], ["Chikwizo"]),
    }
    grid = Grid.from_geometry(poly, CRS, 250)
    return SimpleNamespace(
        name="Test Park",
        crs=gpd.GeoSeries([poly], crs=CRS).crs,
        boundary=gpd.GeoDataFrame(geometry=[poly], crs=CRS),
        features=features,
        rasters={"dem": SimpleNamespace(name="dem", path=folder / "dem.tif", categorical=False)},
        grid=grid,
    )


def sample_patrol(**kwargs) -> Patrol:
    p = legs_patrol([(0, 0), (3000, 0), (3000, 3000), (500, 3500), (0, 0)], **kwargs)
    p.waypoints.append(
        Waypoint("NGO1-1201-01", X0 + 3000, Y0 + 1500, note="snare line reported here last month by the Mbizi team")
    )
    p.waypoints.sort(key=lambda w: 0 if w.kind == "post" else 1)
    p.hours, p.expected_risk = 5.2, 0.42
    return p


def test_layer_kinds_from_their_names():
    assert kind_of_layer("main_roads", "LineString") == "road"
    assert kind_of_layer("Rivers", "MultiLineString") == "river"
    assert kind_of_layer("waterholes", "Point") == "water" and kind_of_layer("fords", "Point") == "ford"
    assert kind_of_layer("villages", "Polygon") == "village" and kind_of_layer("fence", "LineString") == "line"


def test_the_sheet_map_shows_the_landmarks_and_terrain(park, tmp_path):
    landmarks = landmarks_from_park(park)
    assert landmarks.shade is not None and np.nanmax(landmarks.shade) > np.nanmin(landmarks.shade) + 0.1  # the hill
    risk = np.where(park.grid.mask, 0.2, np.nan)
    fig, parts = sheet_parts(sample_patrol(), risk=risk, grid=park.grid, boundary=park.boundary, landmarks=landmarks)
    assert {"terrain", "risk", "Road or track", "River or stream", "Waterhole", "Ford", "Village"} <= set(parts.layers)
    labels = {t.get_text() for t in parts.legend.get_texts()}
    assert {"Road or track", "River or stream", "Waterhole", "Ford", "Village", "Park boundary"} <= labels
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(sheet_pdf(sample_patrol(), risk=risk, grid=park.grid, boundary=park.boundary, landmarks=landmarks))
    assert shutil.which("pdftotext") and shutil.which("pdftoppm"), "poppler-utils are needed"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for words in ("Chikwizo", "Nyati pan", "Waterhole", "Road or track", "EXPECTED FINDS", "km", "N"):
        assert words in text, words
    assert "cells*" not in text and "reported here last month by the Mbizi team" in " ".join(text.split())
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1


def _display_boxes(fig, parts):
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    post = parts.ax.transData.transform(parts.post_xy)
    return parts.legend.get_window_extent(renderer), parts.ax.get_window_extent(renderer), post


@pytest.mark.parametrize("where", [(0, 0), (-5500, 2500), (10500, -8000)])
def test_the_post_is_on_the_map_and_not_under_the_legend(park, where):
    # the post at the map's lower left, upper left or far corner of the route: never under the legend
    p = legs_patrol(np.array([(0, 0), (3000, 0), (3000, 3000), (0, 0)]) + where)
    fig, parts = sheet_parts(p, boundary=park.boundary, landmarks=landmarks_from_park(park, terrain=False))
    legend, axes, post = _display_boxes(fig, parts)
    for x, y in post:
        assert axes.x0 < x < axes.x1 and axes.y0 < y < axes.y1  # on the map
        assert not (legend.x0 - 8 <= x <= legend.x1 + 8 and legend.y0 - 8 <= y <= legend.y1 + 8)


def test_the_note_column_wraps_and_never_cuts(park):
    note = "cross the river at the ford below the fig tree, then follow the old elephant path to the pan"
    p = sample_patrol()
    p.waypoints[1].note = note
    table = waypoint_table(p)
    lines = table_lines(table)
    row = next(ls for ls in lines if "fig tree" in " ".join(ls))
    assert len(row) >= 2
    assert " ".join(" ".join(line.split()) for line in row).endswith(note.split()[-1])
    assert all(word in " ".join(" ".join(row).split()) for word in note.split())


def test_names_outside_the_pdf_fonts_fall_back_to_embedded_fonts(park, tmp_path):
    p = sample_patrol(post="Ŋgoma")
    assert not uses_core_fonts(p) and uses_core_fonts(sample_patrol())
    pdf = tmp_path / "u.pdf"
    pdf.write_bytes(sheet_pdf(p))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Ŋgoma" in text


# --- roster and zip -------------------------------------------------------------
def month(n_days=2) -> Plan:
    patrols = [
        legs_patrol([(0, 0), (2500 + 300 * t, 0), (2500, 2500), (0, 0)], post=post, team=t, day=d)
        for d in range(1, n_days + 1)
        for post in ("Ngoma", "Alpha")
        for t in (1, 2)
    ]
    return Plan("Test Park", dt.date(2026, 12, 1), n_days, patrols[::-1], total_risk=1.5)


def test_the_roster_has_a_cover_then_every_sheet_in_day_and_post_order(tmp_path):
    plan = month()
    order = roster_order(plan)
    assert [(p.date.day, p.post, p.team) for p in order[:3]] == [(1, "Alpha", 1), (1, "Alpha", 2), (1, "Ngoma", 1)]
    calls = []
    pdf = roster_pdf_bytes(plan, progress=lambda f, m: calls.append(f))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1 + len(plan.patrols)
    cover = reader.pages[0].extract_text()
    assert (
        "Alpha" in cover
        and "Ngoma" in cover
        and "2 / 3" in cover
        and f"{len(plan.patrols)} / {1 + len(plan.patrols)}" in cover
    )
    for k, patrol in enumerate(order, start=2):  # each sheet page is that patrol's
        assert patrol.patrol_id in reader.pages[k - 1].extract_text()
    assert calls == sorted(calls) and calls[-1] == 1.0


def test_the_plan_zip_holds_the_roster_and_gpx_agrees_with_the_sheet(tmp_path):
    plan = month(1)
    data = plan_zip_bytes(plan)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert "roster.pdf" in names
        assert len(PdfReader(io.BytesIO(zf.read("roster.pdf"))).pages) == 1 + len(plan.patrols)
        gpx_names = [n for n in names if n.endswith(".gpx")]
        assert len(gpx_names) == len(plan.patrols)
        for name in gpx_names:
            gpx = gpxpy.parse(zf.read(name).decode("utf-8"))
            csv = pd.read_csv(io.BytesIO(zf.read(name.replace(".gpx", "_waypoints.csv"))), encoding="utf-8-sig")
            assert [w.name for w in gpx.waypoints] == list(dict.fromkeys(csv["name"]))  # the post once
            assert {"turn", "checkpoint"} & set(csv["kind"]) and np.diff(csv["distance_km"]).max() <= 2.0 + 1e-3


def test_worker_processes_make_the_same_files(tmp_path):
    plan = month(1)
    serial = zipfile.ZipFile(io.BytesIO(plan_zip_bytes(plan, workers=1, roster=False)))
    parallel = zipfile.ZipFile(io.BytesIO(plan_zip_bytes(plan, workers=2, roster=False)))
    assert serial.namelist() == parallel.namelist()
    for name in serial.namelist():
        if not name.endswith(".pdf"):
            assert serial.read(name) == parallel.read(name), name
        else:
            assert len(PdfReader(io.BytesIO(parallel.read(name))).pages) == 1
