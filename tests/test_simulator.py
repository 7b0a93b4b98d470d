"""Tests of the simulator: the demo park generator on small parks, and its command line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from layers.defaults import (
    ATTACK_TYPES,
    CARCASS_CAUSES,
    CASE_COLUMNS,
    CASE_EVENTS,
    COL_CASE,
    COL_CAUSE,
    COL_NATIONALITY,
    COL_PEOPLE,
    COL_SPECIES,
    COL_TYPE,
    SEIZURE_ITEMS,
    detection_probability,
)
from layers.grid import Grid
from simulator import BEHAVIOURS, generate_demo_park
from simulator.demo import month_starts
from simulator.errors import BoundaryFileError, SettingsError
from simulator.landscape import build_landscape, random_boundary, utm_crs
from simulator.poachers import PoacherProcess
from simulator.rangers import Rangers

SMALL = {"area_km2": 150, "months": 12, "seed": 1}


@pytest.fixture(scope="module")
def park(tmp_path_factory) -> Path:
    return generate_demo_park(tmp_path_factory.mktemp("demo") / "park", **SMALL)


@pytest.fixture(scope="module")
def truth(park):
    meta = json.loads((park / "truth" / "truth.json").read_text())
    grid, intensity, names = Grid.from_raster(park / "truth" / "intensity.tif")
    _, effort, _ = Grid.from_raster(park / "truth" / "effort.tif")
    attacks = pd.read_csv(park / "truth" / "attacks.csv", keep_default_na=False)
    return meta, grid, intensity, names, effort, attacks


def test_small_park_is_fast(tmp_path):
    t0 = time.process_time()  # CPU time of this process: not slowed by other work on the machine
    generate_demo_park(tmp_path / "p", **SMALL)
    assert time.process_time() - t0 < 5.0  # about 1.5 s


def test_same_seed_same_files(park, tmp_path):
    again = generate_demo_park(tmp_path / "again", **SMALL)
    names = sorted(p.relative_to(park).as_posix() for p in park.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    for name in names:
        if name.endswith(".gpkg"):  # GeoPackages store their own write time: compare the content
            a, b = pyogrio.read_dataframe(park / name), pyogrio.read_dataframe(again / name)
            assert a.equals(b), name
        else:
            assert (park / name).read_bytes() == (again / name).read_bytes(), name


def test_other_seed_other_park(park, tmp_path):
    other = generate_demo_park(tmp_path / "other", area_km2=150, months=2, seed=2)
    assert (park / "boundary.geojson").read_bytes() != (other / "boundary.geojson").read_bytes()


@pytest.mark.parametrize(
    "name, epsg",
    [
        ("boundary.geojson", 4326),
        ("posts.gpkg", 32736),
        ("roads.zip", 32736),
        ("rivers.geojson", 4326),
        ("fords.geojson", 4326),
        ("villages.kml", 4326),
    ],
)
def test_vectors_readable_with_their_crs(park, name, epsg):
    path = park / name
    gdf = pyogrio.read_dataframe(f"/vsizip/{path}" if name.endswith(".zip") else path)
    assert len(gdf) > 0
    assert gdf.crs.to_epsg() == epsg
    assert gdf.geometry.is_valid.all()


def test_enough_features(park):
    posts = pyogrio.read_dataframe(park / "posts.gpkg")
    assert len(posts) >= 6 and posts["name"].is_unique
    assert len(pyogrio.read_dataframe(park / "rivers.geojson")) >= 2
    assert len(pyogrio.read_dataframe(park / "fords.geojson")) >= 1
    boundary = pyogrio.read_dataframe(park / "boundary.geojson").to_crs(32736).geometry.iloc[0]
    villages = pyogrio.read_dataframe(park / "villages.kml").to_crs(32736)
    assert len(villages) >= 5
    assert not villages.within(boundary).any()  # villages are outside the park
    assert posts.within(boundary).all()
    wh = pd.read_csv(park / "waterholes.csv")
    pts = shapely.from_wkt(wh["wkt"].to_numpy())
    assert shapely.contains(boundary, pts).all()  # WKT in the park's UTM metres


@pytest.mark.parametrize(
    "name, epsg, dtype",
    [
        ("dem.tif", 4326, "int16"),
        ("ndvi.tif", 32736, "float32"),
        ("landcover.tif", 32736, "uint8"),
        ("elephant_density.tif", 32736, "float32"),
        ("rhino_density.tif", 32736, "float32"),
    ],
)
def test_rasters_readable_and_cover_the_park(park, name, epsg, dtype):
    from rasterio.warp import transform_bounds

    boundary = pyogrio.read_dataframe(park / "boundary.geojson").geometry.iloc[0]
    with rasterio.open(park / name) as src:
        assert src.crs.to_epsg() == epsg
        assert src.dtypes[0] == dtype
        assert src.nodata is not None
        data = src.read(1, masked=True)
        left, bottom, right, top = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
    minx, miny, maxx, maxy = boundary.bounds
    assert left <= minx and right >= maxx and bottom <= miny and top >= maxy
    assert data.count() > 0
    if name == "landcover.tif":
        assert set(np.unique(data.compressed())) <= {1, 2, 3, 4, 5, 6}
        assert len(np.unique(data.compressed())) >= 3
    if name == "dem.tif":
        assert np.ptp(data) > 30  # relief: hills and valleys


def test_manifest_and_readme(park):
    import tomllib

    m = tomllib.loads((park / "park.toml").read_text())
    assert m["park"]["crs"] == "EPSG:32736" and m["park"]["cell_size_m"] == 500
    for path in list(m["layers"].values())[:6]:
        assert (park / path).exists()
    assert m["layers"]["cases"] == "cases.csv" and m["layers"]["sections"] == "sections.geojson"
    for path in m["layers"]["features"].values():
        assert (park / path).exists()
    readme = (park / "README.md").read_text()
    assert "truth/" in readme and "2025-11" in readme and "2026-10" in readme


def test_boundary_area_as_asked():
    rng = np.random.default_rng(0)
    for area in (150.0, 2000.0, 3500.0, 5000.0):
        poly = random_boundary(rng, area, (350_000.0, 7_300_000.0))
        assert poly.is_valid and poly.geom_type == "Polygon"
        assert poly.area / 1e6 == pytest.approx(area, rel=0.01)
        assert poly.area / poly.convex_hull.area < 0.97  # irregular


def test_small_park_area(park, truth):
    meta = truth[0]
    assert meta["area_km2"] == pytest.approx(150, rel=0.01)


def test_truth_files(park, truth):
    meta, grid, intensity, names, effort, attacks = truth
    assert meta["behaviour"] == "mixed" and meta["seed"] == 1
    assert meta["sweep_km"] > 0 and meta["description"]
    assert meta["periods"][0] == "2025-11" and meta["periods"][-1] == "2026-10" and len(meta["periods"]) == 12
    assert names == meta["periods"]
    assert tuple(meta["shape"]) == grid.shape and meta["transform"] == list(grid.transform)[:6]
    assert intensity.shape == (12,) + grid.shape
    inside = intensity[:, grid.mask]
    assert np.isfinite(inside).all() and (inside > 0).all()  # attacks can happen everywhere
    assert list(attacks.columns) == ["attack_id", "time", "x", "y", "lon", "lat", "type", "found", "incident_id"]
    assert set(attacks["type"]) <= set(ATTACK_TYPES)
    # attacks are where the intensity is: counts match the expectation
    assert len(attacks) == pytest.approx(inside.sum(), rel=0.2)


def test_truth_grid_is_the_park_grid(park, truth):
    meta, grid, *_ = truth
    boundary = pyogrio.read_dataframe(park / "boundary.geojson").to_crs(meta["epsg"]).geometry.iloc[0]
    g = Grid.from_geometry(boundary, f"EPSG:{meta['epsg']}", meta["cell_size_m"])
    assert g.shape == grid.shape
    assert tuple(g.transform) == pytest.approx(tuple(grid.transform))


def test_found_only_where_and_when_patrolled(park, truth):
    meta, grid, intensity, names, effort, attacks = truth
    found = attacks[attacks["found"].astype(str) == "True"]
    assert len(found) > 0
    rows, cols = grid.rowcol(found["x"].to_numpy(), found["y"].to_numpy())
    assert (rows >= 0).all()
    period = pd.to_datetime(found["time"]).dt.strftime("%Y-%m").map(names.index).to_numpy()
    assert (effort[period, rows, cols] > 0).all()
    # every found attack has its incident, and no other attack has one
    assert (found["incident_id"] != "").all()
    assert (attacks.loc[attacks["found"].astype(str) == "False", "incident_id"] == "").all()


def test_share_found_matches_the_detection_model(truth):
    meta, grid, intensity, names, effort, attacks = truth
    rows, cols = grid.rowcol(attacks["x"].to_numpy(), attacks["y"].to_numpy())
    period = pd.to_datetime(attacks["time"]).dt.strftime("%Y-%m").map(names.index).to_numpy()
    p = detection_probability(effort[period, rows, cols], grid.cell_area_km2, meta["sweep_km"])
    n_found = int((attacks["found"].astype(str) == "True").sum())
    assert abs(n_found - p.sum()) < 4 * np.sqrt((p * (1 - p)).sum()) + 2


def test_incidents(park, truth):
    attacks = truth[5]
    inc = pd.read_csv(park / "incidents.csv", keep_default_na=False)
    assert list(inc.columns) == ["id", "date", "type", "lat", "lon", "item", "quantity", "unit", "notes",
                                 COL_SPECIES, COL_CAUSE, COL_CASE, COL_PEOPLE, COL_NATIONALITY]  # fmt: skip
    assert inc["id"].is_unique
    times = pd.to_datetime(inc["date"], format="%Y-%m-%d %H:%M")
    assert times.is_monotonic_increasing
    assert times.min() >= pd.Timestamp("2025-11-01") and times.max() <= pd.Timestamp("2026-11-01")
    assert set(inc["id"]) >= set(attacks.loc[attacks["incident_id"] != "", "incident_id"])
    labels = set(inc["type"])
    assert labels <= {"Snare", "Wire snare", "Elephant carcass", "Rhino carcass", "Carcass - rhino", "Poacher camp",
                      "Arrest", "Seizure", "Carcass (natural)", "Natural carcass", "Elephant carcass - natural",
                      "Rhino carcass - natural", "Carcass (cause unknown)", "Elephant carcass - cause unknown",
                      "Rhino carcass - cause unknown"}  # fmt: skip
    seizures = inc[inc["type"] == "Seizure"]
    assert (seizures["item"] != "").all() and (seizures["unit"] != "").all()
    # found on a patrol: each find lies within the time span of a track that day
    tp = pyogrio.read_dataframe(park / "patrols.gpx", layer="track_points")
    tt = pd.to_datetime(tp["time"]).dt.tz_convert(None)
    span = tt.groupby(tp["track_fid"]).agg(["min", "max"])
    finds = times[~inc["type"].isin(["Arrest", "Seizure"])]
    lo = span["min"].dt.floor("min").to_numpy()
    hi = span["max"].to_numpy()
    ok = [((lo <= t) & (t <= hi)).any() for t in finds.to_numpy()]
    assert all(ok)


def test_patrol_tracks(park):
    tracks = pyogrio.read_dataframe(park / "patrols.gpx", layer="tracks")
    assert tracks.crs.to_epsg() == 4326
    assert tracks["name"].str.match(r".+ Post - Team \d - \d{4}-\d{2}-\d{2}$").all()
    assert set(tracks["type"]) <= {"foot", "vehicle"} and "foot" in set(tracks["type"])
    tp = pyogrio.read_dataframe(park / "patrols.gpx", layer="track_points")
    t = pd.to_datetime(tp["time"])
    dt = t.groupby(tp["track_fid"]).diff().dt.total_seconds().dropna()
    assert dt.median() == 120  # a fix every 2 minutes
    assert (dt > 0).all()
    # patrols are day trips starting in the morning (UTC+2)
    start = t.groupby(tp["track_fid"]).min().dt.hour
    assert start.between(3, 6).all()


def test_effort_is_uneven():
    land = build_landscape(np.random.default_rng(8), 500.0, 1500.0)
    rangers = Rangers(land, np.random.default_rng(9))
    effort = sum(rangers.month(1_700_000_000 + 30 * 86400 * t, 30).effort(land.grid.shape) for t in range(6))
    total = effort[land.grid.mask]
    assert (total == 0).mean() > 0.25  # much of the park is not visited in half a year
    top = np.sort(total)[::-1]
    assert top[: len(top) // 10].sum() > 0.5 * top.sum()  # a tenth of the park gets most of the effort
    # patrols keep to roads: cells on a road get more effort than cells off them
    on_road = land.covariates["d_road"][land.grid.mask] < 300
    assert total[on_road].mean() > 2 * total[~on_road].mean()


def test_behaviours_differ():
    land = build_landscape(np.random.default_rng(3), 500.0, 600.0)
    rangers = Rangers(land, np.random.default_rng(4))
    effort = np.stack([rangers.month(1_700_000_000 + 30 * 86400 * t, 30).effort(land.grid.shape) for t in range(4)])
    maps = {}
    for name in ("bushmeat", "ivory", "displacement", "hotspot"):
        proc = PoacherProcess(name, land, np.random.default_rng(5), np.arange(1, 5))
        maps[name] = sum(proc.intensity(3, effort).values())[land.grid.mask]
    names = list(maps)
    corr = np.corrcoef([np.log(maps[n]) for n in names])
    off = corr[np.triu_indices(len(names), 1)]
    assert off.max() < 0.75, dict(zip(names, corr.round(2).tolist()))
    assert np.median(np.abs(off)) < 0.5


def test_displacement_avoids_recent_effort():
    land = build_landscape(np.random.default_rng(3), 500.0, 600.0)
    proc = PoacherProcess("displacement", land, np.random.default_rng(5), np.arange(1, 3))
    effort = np.zeros((2,) + land.grid.shape)
    before = sum(proc.intensity(1, effort).values())
    r, c = np.argwhere(land.grid.mask)[len(np.argwhere(land.grid.mask)) // 2]
    effort[0, r - 2 : r + 3, c - 2 : c + 3] = 20.0
    after = sum(proc.intensity(1, effort).values())
    assert after[r, c] < 0.5 * before[r, c]
    assert after[land.grid.mask].sum() == pytest.approx(before[land.grid.mask].sum(), rel=1e-6)  # they move


@pytest.mark.parametrize("behaviour", sorted(BEHAVIOURS))
def test_every_behaviour_runs(tmp_path, behaviour):
    out = generate_demo_park(tmp_path / behaviour, area_km2=100, months=2, seed=3, behaviour=behaviour)
    meta = json.loads((out / "truth" / "truth.json").read_text())
    assert meta["behaviour"] == behaviour and meta["description"] == BEHAVIOURS[behaviour].description


def test_user_boundary(tmp_path):
    import geopandas as gpd

    # a polygon near Etosha (UTM 33S), given in web mercator
    ring = [(16.0, -19.0), (16.12, -19.01), (16.14, -19.1), (16.05, -19.13), (15.99, -19.07)]
    gdf = gpd.GeoDataFrame({"name": ["My park"]}, geometry=[Polygon(ring)], crs="EPSG:4326").to_crs(3857)
    path = tmp_path / "mine.gpkg"
    gdf.to_file(path, driver="GPKG")
    from simulator.cli import main

    assert main(["demo", str(tmp_path / "park"), "--boundary", str(path), "--months", "2", "--seed", "4"]) == 0
    out = tmp_path / "park"
    assert 'crs = "EPSG:32733"' in (out / "park.toml").read_text()
    meta = json.loads((out / "truth" / "truth.json").read_text())
    expected = gpd.GeoSeries([Polygon(ring)], crs=4326).to_crs(32733).area.iloc[0] / 1e6
    assert meta["area_km2"] == pytest.approx(expected, rel=0.01)
    b = pyogrio.read_dataframe(out / "boundary.geojson").to_crs(32733).geometry.iloc[0]
    g = Grid.from_geometry(b, "EPSG:32733", 500)
    assert list(g.shape) == meta["shape"]
    assert utm_crs(16.05, -19.05).to_epsg() == 32733


def test_bad_arguments(tmp_path):
    with pytest.raises(SettingsError, match="behaviour"):
        generate_demo_park(tmp_path / "x", behaviour="aliens", **SMALL)
    with pytest.raises(SettingsError, match="cell size"):
        generate_demo_park(tmp_path / "x", cell_size_m=5, **SMALL)
    with pytest.raises(BoundaryFileError, match="not found"):
        generate_demo_park(tmp_path / "x", boundary=tmp_path / "missing.geojson", **SMALL)
    bad = tmp_path / "points.geojson"
    bad.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                   '"geometry":{"type":"Point","coordinates":[31,-24]}}]}')  # fmt: skip
    with pytest.raises(BoundaryFileError, match="no polygon"):
        generate_demo_park(tmp_path / "x", boundary=bad, **SMALL)


def test_loads_as_a_park(park, truth):
    from layers.park import load_park

    p = load_park(park)
    assert not [pr for pr in p.report.problems if pr.severity == "fatal"]
    assert p.crs.to_epsg() == 32736
    grid = truth[1]
    assert p.grid.shape == grid.shape
    assert tuple(p.grid.transform) == pytest.approx(tuple(grid.transform))
    assert (p.grid.mask == grid.mask).all()
    assert len(p.incidents) == len(pd.read_csv(park / "incidents.csv"))
    assert set(p.incidents["type"]) <= {
        "snare",
        "elephant_carcass",
        "rhino_carcass",
        "poacher_camp",
        "arrest",
        "seizure",
        "carcass",
    }
    assert "waterholes" in p.features and len(p.features["waterholes"]) > 0


def test_layers_demo_alias_runs_the_simulator(tmp_path, capsys):
    from layers.cli import main

    assert main(["demo", str(tmp_path / "p"), "--area-km2", "60", "--months", "1", "--seed", "5"]) == 0
    assert (tmp_path / "p" / "park.toml").exists() and (tmp_path / "p" / "truth" / "truth.json").exists()
    capsys.readouterr()
    assert main(["demo", str(tmp_path / "q"), "--cell-size", "5"]) == 2  # a message, no traceback
    assert "cell size 5 m" in capsys.readouterr().err
    assert not (tmp_path / "q").exists()


def test_layers_and_riskmodel_do_not_import_the_simulator():
    import ast

    root = Path(__file__).resolve().parents[1]
    offenders = []
    for package in ("layers", "riskmodel"):
        for path in sorted((root / package).rglob("*.py")):
            if path == root / "layers" / "cli" / "demo.py":  # the thin `python -m layers demo` alias
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                offenders += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] == "simulator"]
    assert offenders == []


def test_check_cli_reports_no_fatal_problem(park):
    from layers.cli import main

    assert main(["check", str(park)]) == 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), area=st.floats(20.0, 20000.0))
def test_random_boundary_invariants(seed, area):
    poly = random_boundary(np.random.default_rng(seed), area, (500_000.0, 7_000_000.0))
    assert poly.is_valid and poly.geom_type == "Polygon"
    assert poly.area / 1e6 == pytest.approx(area, rel=1e-6)
    minx, miny, maxx, maxy = poly.bounds  # compact, not a sliver: sides of the order of sqrt(area)
    side = np.sqrt(area * 1e6)
    assert 0.5 * side < maxx - minx < 3 * side and 0.5 * side < maxy - miny < 4 * side
    assert abs((minx + maxx) / 2 - 500_000) < side and abs((miny + maxy) / 2 - 7_000_000) < 2 * side


@settings(max_examples=50, deadline=None)
@given(end=st.dates(min_value=pd.Timestamp("2000-01-01").date(), max_value=pd.Timestamp("2040-12-31").date()),
       months=st.integers(1, 60))  # fmt: skip
def test_month_starts_are_contiguous(end, months):
    labels, starts, days = month_starts(str(end), months)
    assert len(labels) == len(starts) == len(days) == months
    assert labels[-1] == f"{end.year:04d}-{end.month:02d}" and days[-1] == end.day
    # each month starts where the previous one ended
    assert all(starts[i] + days[i] * 86400 == starts[i + 1] for i in range(months - 1))


def test_progress_is_reported(tmp_path):
    calls = []
    generate_demo_park(tmp_path / "p", area_km2=60, months=2, seed=5, progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in calls)


# --- batches of parks (simulator.batch, python -m simulator parks) ---------------
TINY_BATCH = {"area_km2": (40.0, 80.0), "cell_size_m": (500.0, 1000.0), "months": (1, 2)}


def test_parks_cli_writes_parks_that_load(tmp_path, capsys):
    from layers.park import load_park
    from simulator.batch import draw_parks
    from simulator.cli import main

    args = ["parks", str(tmp_path / "b"), "--n", "3", "--seed", "11", "--area-km2", "40", "80"]
    assert main(args + ["--cell-size", "500", "1000", "--months", "1", "2"]) == 0
    assert "wrote 3 parks" in capsys.readouterr().out
    index = pd.read_csv(tmp_path / "b" / "parks.csv")
    assert list(index["name"]) == ["park-01", "park-02", "park-03"]
    assert [p.name for p in sorted((tmp_path / "b").iterdir()) if p.is_dir()] == list(index["name"])
    drawn = draw_parks(3, 11, **TINY_BATCH)
    for row, drawn_park in zip(index.itertuples(), drawn):
        park = load_park(tmp_path / "b" / row.name)
        assert not [pr for pr in park.report.problems if pr.severity == "fatal"]
        meta = json.loads((tmp_path / "b" / row.name / "truth" / "truth.json").read_text())
        assert meta["area_km2"] == pytest.approx(row.area_km2, rel=0.01)
        assert meta["cell_size_m"] == park.grid.cell_size == row.cell_size_m == drawn_park.cell_size_m
        assert len(meta["periods"]) == row.months and meta["behaviour"] == row.behaviour
        assert meta["seed"] == row.seed == drawn_park.seed


def test_drawn_parks_vary_and_do_not_depend_on_n():
    from simulator.batch import draw_parks

    parks = draw_parks(40, seed=3)
    assert draw_parks(5, seed=3) == parks[:5] and draw_parks(5, seed=4) != parks[:5]
    assert all(300 <= p.area_km2 <= 6000 and 250 <= p.cell_size_m <= 1000 for p in parks)
    assert all(p.cell_size_m % 50 == 0 and 12 <= p.months <= 48 and 0.6 <= p.elongation <= 2.0 for p in parks)
    assert max(p.area_km2 for p in parks) > 3 * min(p.area_km2 for p in parks)
    assert len({p.behaviour for p in parks}) == len(BEHAVIOURS) and len({p.seed for p in parks}) == 40
    assert len({p.cell_size_m for p in parks}) > 5 and len({p.months for p in parks}) > 5


def test_elongation_stretches_the_boundary():
    def aspect(e):
        poly = random_boundary(np.random.default_rng(0), 500.0, (0.0, 0.0), elongation=e)
        minx, miny, maxx, maxy = poly.bounds
        return (maxy - miny) / (maxx - minx), poly.area / 1e6

    (a1, s1), (a2, s2) = aspect(1.0), aspect(2.0)
    assert a2 == pytest.approx(2 * a1, rel=0.02) and s1 == pytest.approx(500.0) and s2 == pytest.approx(500.0)


def test_batches_are_checked_before_work_starts(tmp_path):
    from simulator.batch import check_batch, draw_parks, generate_parks

    for n in (0, 10_000, 2.5, True):
        with pytest.raises(SettingsError, match="number of parks"):
            draw_parks(n)
    with pytest.raises(SettingsError, match="reversed"):
        draw_parks(2, area_km2=(500.0, 100.0))
    with pytest.raises(SettingsError, match="park-01: area 5 km2"):
        check_batch(tmp_path / "b", draw_parks(2, area_km2=(5.0, 5.0)))
    with pytest.raises(SettingsError, match="cell-months"):
        check_batch(tmp_path / "b", draw_parks(2, area_km2=(20000.0, 20000.0), cell_size_m=(100.0, 100.0)))
    with pytest.raises(SettingsError, match="MB free"):
        check_batch(tmp_path / "b", draw_parks(200, area_km2=(20000.0, 20000.0), months=(240, 240),
                                               cell_size_m=(2000.0, 2000.0)))  # fmt: skip
    assert not (tmp_path / "b").exists()
    (tmp_path / "b" / "park-02").mkdir(parents=True)
    (tmp_path / "b" / "park-02" / "mine.txt").write_text("keep")
    with pytest.raises(SettingsError, match="would replace .*park-02"):
        generate_parks(tmp_path / "b", 2, **TINY_BATCH)
    assert sorted(p.name for p in (tmp_path / "b").rglob("*")) == ["mine.txt", "park-02"]


# --- the register: species, causes, cases, sections ------------------------------
def test_register_columns_and_cases_are_consistent(park):
    inc = pd.read_csv(park / "incidents.csv", dtype=str, keep_default_na=False)
    cases = pd.read_csv(park / "cases.csv", dtype=str, keep_default_na=False)
    assert list(cases.columns) == list(CASE_COLUMNS) and set(cases["event"]) <= set(CASE_EVENTS)
    refs = set(inc.loc[inc[COL_CASE] != "", COL_CASE])
    assert set(cases["case_ref"]) == refs and len(refs) > 0  # every case is on an incident and back
    arrests = inc[inc["type"] == "Arrest"]
    assert (arrests[COL_CASE] != "").all()  # every arrest opens a case
    assert arrests[COL_PEOPLE].astype(int).between(1, 4).all()
    assert (inc.loc[inc["type"] != "Arrest", [COL_PEOPLE, COL_NATIONALITY]] == "").all().all()
    assert set(inc.loc[inc[COL_CASE] != "", "type"]) <= {"Arrest", "Seizure"}
    closing = {"convicted", "acquitted", "withdrawn"}
    opened = pd.to_datetime(arrests.groupby(COL_CASE)["date"].min())
    for ref, steps in cases.groupby("case_ref", sort=False):
        dates = pd.to_datetime(steps["date"])
        assert dates.is_monotonic_increasing and steps["event"].iloc[0] == "opened", ref
        ends = steps["event"].isin(closing).to_numpy()
        assert ends.sum() <= 1 and not ends[:-1].any(), ref  # at most one outcome, and it is the last step
        assert ((steps["sentence"] != "") == (steps["event"] == "convicted")).all(), ref
        if steps["event"].iloc[-1] in ("convicted", "acquitted") and ref in opened.index:
            months = (dates.iloc[-1] - opened[ref]).days / 30.44
            assert 2 <= months <= 18.5, ref
    assert pd.to_datetime(cases["date"]).max() <= pd.Timestamp("2026-10-31")


def test_carcasses_and_seizures_of_the_register(park):
    inc = pd.read_csv(park / "incidents.csv", dtype=str, keep_default_na=False)
    carcass = inc["type"].str.contains("arcass")
    assert set(inc.loc[carcass, COL_CAUSE]) <= set(CARCASS_CAUSES) and (inc.loc[carcass, COL_CAUSE] != "").all()
    assert set(inc.loc[carcass, COL_SPECIES]) <= {"elephant", "rhino"} and (inc.loc[~carcass, COL_CAUSE] == "").all()
    natural = carcass & (inc[COL_CAUSE] != "illegal")
    assert natural.sum() > 0 and (inc.loc[natural, "type"].str.contains("(?i)natural|unknown")).all()
    assert inc["id"].is_unique and pd.to_datetime(inc["date"]).is_monotonic_increasing
    seizures = inc[inc["type"] == "Seizure"]
    assert set(seizures["item"]) <= set(SEIZURE_ITEMS) and set(seizures["unit"]) <= {"kg", "pieces", "rounds"}
    assert (seizures["quantity"].astype(float) > 0).all()
    assert set(inc.loc[inc["type"] != "Seizure", "item"]) == {""}


def test_natural_carcasses_do_not_change_the_attack_data(park, truth):
    from layers.park import load_park

    attacks = truth[5]
    inc = load_park(park).incidents
    natural = inc[COL_CAUSE].isin(["natural", "unknown"])
    assert natural.sum() > 0 and (inc.loc[natural, COL_TYPE] == "carcass").all()
    found = attacks[attacks["found"]]
    loaded = inc[inc[COL_TYPE].isin(ATTACK_TYPES)]
    assert sorted(loaded["id"]) == sorted(found["incident_id"])  # the attack data are exactly the found attacks
    types = found.set_index("incident_id")["type"]
    assert (loaded.set_index("id")[COL_TYPE].sort_index() == types.sort_index()).all()


def test_register_draws_leave_attacks_patrols_and_truth_unchanged(tmp_path, monkeypatch):
    import simulator.mortality as mortality
    import simulator.register as register

    kw = {"area_km2": 80, "months": 6, "seed": 12}
    a = generate_demo_park(tmp_path / "a", **kw)
    monkeypatch.setattr(register, "SNARE_SPECIES_KNOWN", 0.1)  # other register draws ...
    monkeypatch.setattr(register, "OUTCOMES", (("convicted", 0.9), ("acquitted", 0.05), ("withdrawn", 0.05)))
    monkeypatch.setattr(mortality, "UNKNOWN_CAUSE_SHARE", 0.7)
    b = generate_demo_park(tmp_path / "b", **kw)
    for name in ["patrols.gpx", "truth/attacks.csv", "truth/intensity.tif", "truth/effort.tif", "truth/truth.json"]:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name  # ... the same park
    ia, ib = (pd.read_csv(p / "incidents.csv", dtype=str, keep_default_na=False) for p in (a, b))
    book = ["id", "date", "type", "lat", "lon", "notes"]
    pick = ~ia["type"].isin(["Arrest", "Seizure"]) & (ia[COL_CAUSE].isin(["illegal", ""]))
    assert ia.loc[pick, book].merge(ib[book], how="left", indicator=True)["_merge"].eq("both").all()
    assert not ia[COL_SPECIES].equals(ib[COL_SPECIES]) or not ia[COL_CAUSE].equals(ib[COL_CAUSE])


def test_natural_deaths_make_a_realistic_pike():
    from simulator.mortality import natural_carcasses

    land = build_landscape(np.random.default_rng(21), 500.0, 800.0)
    rangers = Rangers(land, np.random.default_rng(22))
    starts = [1_700_000_000 + 30 * 86400 * t for t in range(12)]
    months = [rangers.month(s, 30) for s in starts]
    effort = np.stack([m.effort(land.grid.shape) for m in months])
    patrols = [p for m in months for p in m.patrols]
    args = (land, effort, starts, [30] * 12, np.arange(1, 13), patrols)
    pikes = []
    for seed in range(5):
        nat = natural_carcasses(*args, {"elephant_carcass": 150, "rhino_carcass": 40}, np.random.default_rng(seed))
        n = (nat["species"] == "elephant").sum()
        pikes.append(150 / (150 + n))
        assert set(nat["cause"]) <= {"natural", "unknown"} and nat["t"].is_monotonic_increasing
        inside = shapely.contains_xy(land.boundary, nat["x"].to_numpy(), nat["y"].to_numpy())
        assert inside.all()
    assert all(0.3 <= p <= 0.7 for p in pikes) and np.ptp(pikes) > 0.02  # MIKE sites: about 0.3-0.7
    # without poaching, natural deaths still occur at the plain mortality rate, and are found less often
    base = natural_carcasses(*args, {}, np.random.default_rng(0))
    assert 0 < (base["species"] == "elephant").sum() < 150 * 0.35 / 0.65


def test_sections_cover_the_park(park):
    import geopandas as gpd

    sections = gpd.read_file(park / "sections.geojson")
    boundary = gpd.read_file(park / "boundary.geojson").to_crs(32736).geometry.iloc[0]
    sec = sections.to_crs(32736)
    assert 3 <= len(sec) <= 6 and sec["name"].is_unique and sec["name"].str.endswith(" section").all()
    assert sec.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    union = shapely.union_all(sec.geometry.values)
    assert union.symmetric_difference(boundary).area < 1e-4 * boundary.area  # they cover the park ...
    assert sec.area.sum() == pytest.approx(boundary.area, rel=1e-4)  # ... without overlapping
    posts = pyogrio.read_dataframe(park / "posts.gpkg")
    assert set(sec["post"]) <= set(posts["name"])


# --- the behaviour registry ---------------------------------------------------------
def test_a_new_behaviour_plugs_in_without_changing_the_others(tmp_path, monkeypatch):
    from simulator import behaviours
    from simulator.behaviours import Behaviour, register_behaviour

    kw = {"area_km2": 60, "months": 3, "seed": 4}
    before = generate_demo_park(tmp_path / "before", behaviour="hotspot", **kw)

    def rivers(p, t, effort):  # snares along rivers, at a random strength drawn once per park
        return {"snare": (1.0, p.norm(np.exp(-p.c["d_river"] / p.state["rivers"])))}, 1.0

    monkeypatch.setattr(behaviours, "BEHAVIOURS", dict(behaviours.BEHAVIOURS))
    monkeypatch.setattr("simulator.poachers.BEHAVIOURS", behaviours.BEHAVIOURS)
    monkeypatch.setattr("simulator.demo.BEHAVIOURS", behaviours.BEHAVIOURS)
    register_behaviour("rivers", Behaviour("Snares along rivers.", rivers,
                                           setup=lambda p: p.child_rng("rivers").uniform(500.0, 1500.0)))  # fmt: skip
    after = generate_demo_park(tmp_path / "after", behaviour="hotspot", **kw)
    for name in ["truth/attacks.csv", "truth/intensity.tif", "incidents.csv"]:
        assert (before / name).read_bytes() == (after / name).read_bytes(), name
    out = generate_demo_park(tmp_path / "rivers", behaviour="rivers", **kw)
    attacks = pd.read_csv(out / "truth" / "attacks.csv")
    assert set(attacks["type"]) == {"snare"}
    meta = json.loads((out / "truth" / "truth.json").read_text())
    assert meta["description"] == "Snares along rivers." and meta["mix"] == {"rivers": 1.0}
    with pytest.raises(SettingsError, match="not registered"):
        register_behaviour("blend", Behaviour("?", blend={"rivers": 0.5, "aliens": 0.5}))
