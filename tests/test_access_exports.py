"""access.generalise and access.exports: sensitive layers leave the park only on the coarse grid."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from parkfiles import PARK_TOML, UTM, make_park, write_geotiff
from shapely.geometry import Point

from access import generalise as gen
from access.audit import EXACT_EXPORT, EXPORT, AuditLog
from access.defaults import MANAGER, PLANNER, RANGER
from access.errors import AccessError, PermissionDenied
from access.exports import outside_export, patrol_files_for, plan_zip_for
from access.users import User

CELL = 5000.0
PLANNER_U, MANAGER_U, RANGER_U = User("pat", PLANNER), User("boss", MANAGER), User("amina", RANGER, ("North",))


# --- points and rasters ------------------------------------------------------------------------
def test_generalise_points_known_answer():
    gdf = gpd.GeoDataFrame(
        {"type": ["snare", "snare", "arrest"], "lon": [1.0, 2.0, 3.0]},
        geometry=[Point(100, 100), Point(4900, 4999), Point(5001, 12000)],
        crs=UTM,
    )
    out = gen.generalise_points(gdf, CELL, by=["type"])
    got = sorted(zip(out.geometry.x, out.geometry.y, out["type"], out[gen.COUNT]))
    assert got == [(2500.0, 2500.0, "snare", 2), (7500.0, 12500.0, "arrest", 1)]
    kept = gen.generalise_points(gdf, CELL, aggregate=False)
    assert "lon" not in kept.columns and list(kept["type"]) == ["snare", "snare", "arrest"]
    assert gen.finest_offset(kept, CELL) == 0.0
    with pytest.raises(AccessError, match="metric"):
        gen.generalise_points(gdf.to_crs("EPSG:4326"), CELL)


@settings(max_examples=40, deadline=None)
@given(
    xy=st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e7, 1e7)), min_size=1, max_size=30),
    cell=st.sampled_from([1000.0, 2500.0, 5000.0]),
)
def test_generalised_points_lie_on_cell_centres_and_keep_the_count(xy, cell):
    gdf = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs=UTM)
    out = gen.generalise_points(gdf, cell)
    assert gen.finest_offset(out, cell) < 1e-6 * max(1.0, np.abs(np.asarray(xy)).max())
    assert int(out[gen.COUNT].sum()) == len(xy)
    # every point is within half a cell (per axis) of where it was counted
    snapped = gen.snap(np.asarray(xy), cell)
    assert np.all(np.abs(snapped - np.asarray(xy)) <= cell / 2 + 1e-6)


def test_generalise_raster_block_means():
    a = np.arange(16, dtype=float).reshape(4, 4)
    a[0, 0] = np.nan
    coarse, t = gen.generalise_raster(a, Affine(500, 0, 1000, 0, -500, 9000), cell_m=1000)
    assert coarse.shape == (2, 2) and t.a == 1000 and t.e == -1000 and (t.c, t.f) == (1000, 9000)
    assert coarse[0, 0] == pytest.approx((1 + 4 + 5) / 3)
    assert coarse[1, 1] == pytest.approx((10 + 11 + 14 + 15) / 4)
    coarse, t = gen.generalise_raster(np.ones((3, 5)), Affine(400, 0, 0, 0, -400, 0), cell_m=1000)
    assert t.a == 1200 and coarse.shape == (1, 2)  # blocks of ceil(1000 / 400) = 3 pixels


def test_sensitive_layers_from_park_toml_or_defaults():
    class M:
        access = {}

    assert gen.sensitive_patterns(M) == gen.DEFAULT_SENSITIVE
    for name in ("incidents", "rhino_density", "elephant_records", "carcasses"):
        assert gen.is_sensitive(name)
    assert not gen.is_sensitive("roads")
    M.access = {"sensitive": ["waterholes"], "generalise_m": 2000}
    assert gen.sensitive_patterns(M) == ("waterholes",) and gen.generalise_cell(M) == 2000.0


# --- a park with sensitive layers --------------------------------------------------------------
@pytest.fixture(scope="module")
def park(tmp_path_factory):
    from layers.park import load_park

    folder = tmp_path_factory.mktemp("sens") / "park"
    toml = PARK_TOML.replace("[layers.rasters]\n", '[layers.rasters]\nrhino_density = "rhino_density.tif"\n')
    toml += '\n[access]\nsensitive = ["incidents", "*density*", "waterholes"]\n'
    make_park(folder, n_incidents=40, toml=toml)
    rng = np.random.default_rng(3)
    write_geotiff(folder / "rhino_density.tif", UTM, values=rng.random((20, 20)).astype("float32"))
    return load_park(folder)


def _zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _sensitive_coordinates_ok(files: dict[str, bytes], park, cell: float) -> None:
    """Every sensitive vector's vertices on cell centres; every sensitive raster's pixels >= the cell."""
    patterns = gen.sensitive_patterns(park)
    for name, data in files.items():
        stem = name.rsplit(".", 1)[0]
        if not gen.is_sensitive(stem, patterns):
            continue
        if name.endswith(".geojson"):
            gdf = gpd.read_file(io.BytesIO(data)).to_crs(park.crs)
            assert gen.finest_offset(gdf, cell) < 0.01, name
            assert not {"lon", "lat", "x", "y", "wkt", "id", "source_row"} & set(gdf.columns), name
        elif name.endswith(".tif"):
            with rasterio.MemoryFile(data) as mem, mem.open() as src:
                assert abs(src.transform.a) >= cell - 1e-6 and abs(src.transform.e) >= cell - 1e-6, name


def test_every_outside_export_is_generalised_unless_a_manager_overrode_it(park, tmp_path):
    log = AuditLog(tmp_path / "auditpark")
    assert len(park.incidents) and "rhino_density" in park.rasters and "waterholes" in park.features
    files = _zip(outside_export(PLANNER_U, park, audit=log))
    assert {"incidents.geojson", "rhino_density.tif", "waterholes.geojson", "roads.geojson"} <= set(files)
    _sensitive_coordinates_ok(files, park, CELL)
    inc = gpd.read_file(io.BytesIO(files["incidents.geojson"]))
    assert int(inc["count"].sum()) == len(park.incidents)
    assert "generalised to a 5 km grid" in files["README.txt"].decode()
    # the exact positions of the park's files are not in the bytes
    lon = f"{park.incidents.to_crs('EPSG:4326').geometry.x.iloc[0]:.5f}"
    assert lon.encode() not in files["incidents.geojson"]

    dropped = _zip(outside_export(MANAGER_U, park, drop=True, audit=log))
    assert not {"incidents.geojson", "rhino_density.tif", "waterholes.geojson"} & set(dropped)
    assert "roads.geojson" in dropped

    with pytest.raises(PermissionDenied, match="only a manager"):
        outside_export(PLANNER_U, park, exact=True, reason="x", audit=log)
    with pytest.raises(AccessError, match="needs a reason"):
        outside_export(MANAGER_U, park, exact=True, audit=log)
    with pytest.raises(PermissionDenied):
        outside_export(RANGER_U, park, audit=log)
    events = log.events(MANAGER_U)
    assert list(events["event"]) == [EXPORT, EXPORT]  # refused exports record nothing and give nothing

    exact = _zip(outside_export(MANAGER_U, park, exact=True, reason="police case 12/26", audit=log))
    gdf = gpd.read_file(io.BytesIO(exact["incidents.geojson"])).to_crs(park.crs)
    assert gen.finest_offset(gdf, CELL) > 1.0  # exact: the override is real...
    events = log.events(MANAGER_U)
    last = events.iloc[-1]  # ...and recorded: who, what, why
    assert last["event"] == EXACT_EXPORT and last["user"] == "boss"
    detail = json.loads(last["detail"])
    assert detail["reason"] == "police case 12/26" and detail["layers"]["incidents"].startswith("EXACT")


# --- patrol files ------------------------------------------------------------------------------------
def _patrol(park, post="North"):
    from patrols.route import Patrol, Waypoint

    g = park.grid
    x0, y0 = g.xy(np.array([g.shape[0] // 2]), np.array([2]))
    path = np.array([[x0[0], y0[0]], [x0[0] + 3000, y0[0]], [x0[0], y0[0]]])
    wp = [Waypoint("P", *path[0], kind="post"), Waypoint("W1", *path[1])]
    return Patrol(f"{post}-1", post, 1, dt.date(2026, 11, 1), "foot", path, park.crs, waypoints=wp)


def test_patrol_sheet_risk_is_kept_along_the_route_only(park):
    patrol = _patrol(park)
    risk = np.where(park.grid.mask, 0.5, np.nan).astype("float32")
    near = gen.risk_near_route(risk, park.grid, patrol, buffer_m=1000)
    xs, ys = park.grid.centres()
    from shapely.geometry import LineString

    d = gpd.GeoSeries(gpd.points_from_xy(xs.ravel(), ys.ravel())).distance(LineString(patrol.path_xy))
    d = d.to_numpy().reshape(risk.shape)
    inside = park.grid.mask
    assert np.all(np.isnan(near[inside & (d > 1000 + park.grid.cell_size)]))
    assert np.all(near[inside & (d < 500)] == 0.5)
    assert np.isfinite(near).sum() < np.isfinite(risk).sum() / 4


def test_patrol_files_carry_route_and_waypoints_only(park):
    """GPX/KML/GeoJSON/CSV of a patrol hold its route and waypoints; nothing beyond the route."""
    patrol = _patrol(park)
    risk = np.where(park.grid.mask, np.random.default_rng(0).random(park.grid.shape), np.nan).astype("float32")
    files = patrol_files_for(RANGER_U, patrol, park=park, risk=risk)
    from patrols.export import lonlat

    lon, lat = lonlat(patrol.path_xy[:, 0], patrol.path_xy[:, 1], park.crs)
    gj = gpd.read_file(io.BytesIO(files["North-1/North-1.geojson"])).to_crs(park.crs)
    line = gpd.GeoSeries.from_xy(patrol.path_xy[:, 0], patrol.path_xy[:, 1]).union_all().convex_hull.buffer(50)
    assert gj.geometry.within(line).all()  # every feature lies on the route
    gpx = files["North-1/North-1.gpx"].decode()
    # the field files carry the route's own waypoints plus its navigation points (turns, every 2 km);
    # the GPX names the post once though the route starts and ends there
    from patrols.navpoints import with_navigation_waypoints

    nav = with_navigation_waypoints(patrol)
    assert gpx.count("<trkpt") == len(patrol.path_xy) and gpx.count("<wpt") == len(
        {w.name for w in nav.waypoints}
    )  # the post once
    with pytest.raises(PermissionDenied):
        patrol_files_for(RANGER_U, _patrol(park, "South"), park=park, risk=risk)


def test_plan_zip_for_a_ranger_holds_their_posts_patrols(park):
    from patrols.route import Plan

    plan = Plan(park.name, dt.date(2026, 11, 1), 1, [_patrol(park, "North"), _patrol(park, "South")])
    files = _zip(plan_zip_for(RANGER_U, plan, park=park))
    names = set(files)
    assert any(n.startswith("North-1/") for n in names) and not any(n.startswith("South-1/") for n in names)
    from pypdf import PdfReader

    from patrols.roster import ROSTER_NAME, cover_page_count

    roster = PdfReader(io.BytesIO(files[ROSTER_NAME]))  # the ranger's own patrols only, in one PDF
    mine = Plan(park.name, plan.start, 1, [plan.patrols[0]])
    assert len(roster.pages) == cover_page_count(mine) + 1
    names = set(_zip(plan_zip_for(PLANNER_U, plan, park=park)))
    assert any(n.startswith("South-1/") for n in names)


def test_plan_zip_sheets_carry_the_parks_landmarks_read_once(park, monkeypatch):
    """Every sheet of a ranger's zip gets the park's landmarks (roads, rivers, terrain), read once per plan."""
    from patrols import export, landmarks
    from patrols.route import Plan

    calls, seen = [], []
    real = landmarks.landmarks_from_park

    def counting(p, *a, **k):
        calls.append(p)
        return real(p, *a, **k)

    sheet = export.sheet_pdf_bytes

    def spy(patrol, risk=None, grid=None, boundary=None, park_name=None, landmarks=None):
        seen.append(landmarks)
        return sheet(patrol, risk, grid, boundary, park_name, landmarks)

    monkeypatch.setattr(landmarks, "landmarks_from_park", counting)
    monkeypatch.setattr(export, "sheet_pdf_bytes", spy)
    plan = Plan(park.name, dt.date(2026, 11, 1), 1, [_patrol(park, "North"), _patrol(park, "North")])
    plan_zip_for(RANGER_U, plan, park=park)
    assert len(calls) == 1 and len(seen) == 2
    assert all(s is not None and s is seen[0] for s in seen)
