"""Kept work in the park store (risk maps, plans) and the manifest saved with validation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import parkfiles as pf
import pytest
from shapely.geometry import box

from layers.draft import draft_manifest
from layers.errors import ManifestError
from layers.grid import Grid
from layers.manifest import read_manifest, save_manifest
from patrols.errors import PatrolsError
from patrols.kept import MAX_KEPT, keep_plan, kept_plans, load_plan, plan_from_bytes
from patrols.route import Patrol, Plan, Waypoint
from riskmodel.errors import RiskModelError
from riskmodel.kept import keep_surface, kept_surfaces, load_surface
from riskmodel.riskmap import RiskSurface, risk_classes


def grid(rows=5, cols=7) -> Grid:
    return Grid.from_geometry(box(0, 0, cols * 500, rows * 500), "EPSG:32736", cell_size=500)


def surface(g: Grid, seed: int = 0) -> RiskSurface:
    risk = np.random.default_rng(seed).uniform(0, 0.2, g.shape).astype(np.float32)
    return RiskSurface(
        grid=g,
        risk=risk,
        uncertainty=risk / 10,
        classes=risk_classes(risk, g.mask),
        model="effort-aware",
        periods=pd.period_range("2026-11", periods=2, freq="M"),
        meta={"sweep_km": 0.15},
    )


def plan(n: int = 2) -> Plan:
    patrols = [
        Patrol(
            patrol_id=f"P{i}",
            post="North",
            team=i + 1,
            date=dt.date(2026, 11, 1),
            kind="foot",
            path_xy=np.array([[0, 0], [1000, 250.5], [0, 0]]),
            crs="EPSG:32736",
            waypoints=[Waypoint("North", 0, 0, "post"), Waypoint("W1", 1000, 250.5, note="high risk")],
            cells=np.array([[0, 0], [0, 1]]),
            elevation_m=np.array([1000.0, 1010.0, 1000.0]),
            hours=1.5,
            expected_risk=0.01 * (i + 1),
        )
        for i in range(n)
    ]
    return Plan(park="Tiny", start=dt.date(2026, 11, 1), days=1, patrols=patrols, settings={"km": np.float64(20)})


def test_a_kept_risk_map_comes_back_whole(tmp_path):
    g = grid()
    s = surface(g)
    name = keep_surface(tmp_path, s, {"model": "effort-aware", "train_until": "2026-10-31", "horizon": 2})
    assert keep_surface(tmp_path, s, {"model": "effort-aware", "train_until": "2026-10-31", "horizon": 2}) == name
    keep_surface(tmp_path, surface(g, 1), {"model": "kde", "horizon": 1}, role="forecast")
    listed = kept_surfaces(tmp_path, role="risk")
    assert list(listed["name"]) == [name] and listed["months"][0] == "2026-11 to 2026-12"
    back, meta = load_surface(tmp_path, name, g)
    assert np.array_equal(back.risk, s.risk) and np.array_equal(back.classes, s.classes)
    assert list(back.periods) == list(s.periods) and back.kind == "fitted" and meta["settings"]["horizon"] == 2
    with pytest.raises(RiskModelError, match="grid"):
        load_surface(tmp_path, name, grid(6, 7))
    with pytest.raises(RiskModelError, match="no kept risk map"):
        load_surface(tmp_path, "nope", g)


def test_no_store_lists_nothing_and_creates_nothing(tmp_path):
    assert len(kept_surfaces(tmp_path)) == 0 and len(kept_plans(tmp_path)) == 0
    assert not list(tmp_path.iterdir())


def test_a_kept_plan_comes_back_whole_and_old_ones_go(tmp_path):
    p = plan()
    name = keep_plan(tmp_path, p, {"risk_name": "risk-x"})
    back, meta = load_plan(tmp_path, name)
    assert meta["risk_name"] == "risk-x" and meta["patrols"] == 2
    assert [q.patrol_id for q in back.patrols] == ["P0", "P1"]
    assert np.allclose(back.patrols[0].path_xy, p.patrols[0].path_xy)
    assert back.patrols[1].waypoints[1].note == "high risk" and back.patrols[1].expected_risk == 0.02
    assert back.start == p.start and back.settings == {"km": 20.0}
    for _ in range(MAX_KEPT + 2):
        keep_plan(tmp_path, p)
    assert len(kept_plans(tmp_path)) == MAX_KEPT
    with pytest.raises(PatrolsError, match="not a kept patrol plan"):
        plan_from_bytes(b"{}")


def test_the_draft_names_the_crs_the_park_loads_with(tmp_path):
    from layers.park import load_park

    # the tiny park moved 15 degrees west lies in UTM zone 34 south, not the 36 of the old fixed comment
    gdf = pf.boundary_gdf()
    gdf["geometry"] = gdf.geometry.translate(-15.0, 0.0)
    pf.write_geojson(tmp_path / "boundary.geojson", gdf)
    text = draft_manifest(tmp_path)
    assert '# crs = "EPSG:32734"' in text
    (tmp_path / "park.toml").write_text(text)
    assert load_park(tmp_path).crs.to_epsg() == 32734


def test_save_manifest_validates_and_keeps_the_old_file(tmp_path):
    folder = pf.make_park(tmp_path)
    old = (folder / "park.toml").read_text()
    with pytest.raises(ManifestError, match="cell_size_m"):
        save_manifest(folder, old.replace("cell_size_m = 500", "cell_size_m = 5"))
    assert (folder / "park.toml").read_text() == old and not list(folder.glob("*.bak"))
    with pytest.raises(ManifestError, match="line"):
        read_manifest(folder, text="[park\nname = 1")
    manifest, backup = save_manifest(folder, old.replace("cell_size_m = 500", "cell_size_m = 1000"))
    assert manifest.cell_size_m == 1000 and backup.read_text() == old


def test_class_names_of_a_categorical_raster_come_from_the_manifest(tmp_path):
    folder = pf.make_park(tmp_path)
    text = (folder / "park.toml").read_text()
    named = text.replace(
        'landcover = { path = "landcover.tif", categorical = true }',
        'landcover = { path = "landcover.tif", classes = { 1 = "Grassland", 2 = "Shrubland" } }',
    )
    layer = read_manifest(folder, text=named).rasters["landcover"]
    assert layer.categorical and layer.classes == {1: "Grassland", 2: "Shrubland"}
    with pytest.raises(ManifestError, match="not a class code"):
        read_manifest(folder, text=named.replace("1 = ", "grass = "))
