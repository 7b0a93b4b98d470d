"""The prior risk surface of a park with no history, and the fallback to it (library and command line)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
from hypothesis import given, settings
from hypothesis import strategies as st
from nohistory import make_history_free_park

from layers.effort import compute_effort
from layers.grid import Grid
from layers.park import load_park
from riskmodel.defaults import PRIOR_DISTANCE_KM, PRIOR_WEIGHTS
from riskmodel.errors import RiskModelError
from riskmodel.prior import check_weights, prior_factors, prior_from_arrays, prior_risk
from riskmodel.surface import fit_risk

ONLY = {k: 0.0 for k in PRIOR_WEIGHTS}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return make_history_free_park(tmp_path_factory.mktemp("new") / "park")


@pytest.fixture(scope="module")
def park(folder):
    return load_park(folder)


def small_grid(rows: int = 6, cols: int = 8) -> Grid:
    from shapely.geometry import box

    return Grid.from_geometry(box(0, 0, cols * 1000, rows * 1000), "EPSG:32736", cell_size=1000)


def test_effort_of_a_park_without_dated_records_is_empty(park):
    effort = compute_effort(park)
    assert len(effort.periods) == 0
    assert effort.km.shape == (0, *park.grid.shape)
    assert effort.counts().shape == (0, *park.grid.shape)


def test_the_animal_factor_alone_puts_all_risk_where_the_rhinos_are(park):
    surface = prior_risk(park, weights={**ONLY, "animals": 1.0}, horizon_months=2, start="2027-03-15")
    assert surface.kind == "prior" and surface.is_prior and "prior" in surface.label.lower()
    assert [str(p) for p in surface.periods] == ["2027-03", "2027-04"]
    # the density raster is 1 in the western half of its extent, 0 in the east
    with rasterio.open(park.rasters["rhino_density"].path) as src:
        west_edge, east_edge = src.bounds.left, src.bounds.right
    cols_x = park.grid.transform.c + (np.arange(park.grid.shape[1]) + 0.5) * park.grid.cell_size
    split = 0.5 * (west_edge + east_edge)
    east = park.grid.mask & (cols_x[None, :] > split + park.grid.cell_size)
    west = park.grid.mask & (cols_x[None, :] < split - park.grid.cell_size)
    assert east.any() and west.any()
    assert np.all(surface.risk[east] == 0.0)
    assert np.all(surface.risk[west] > 0.0)
    # the level is the assumed rate: mean expected attacks per cell = rate * cell area * months
    lam = -np.log1p(-surface.risk[park.grid.mask].astype(np.float64))
    expected = surface.meta["assumed_attacks_per_100km2_month"] / 100 * park.grid.cell_area_km2 * 2
    assert lam.mean() == pytest.approx(expected, rel=1e-3)
    assert surface.meta["weights"] == {"animals": 1.0}
    assert "Vegetation (NDVI)" in surface.meta["factors_missing"]


def test_the_boundary_factor_fades_with_its_distance_scale():
    grid = small_grid()
    d = np.arange(grid.shape[1], dtype=float)[None, :].repeat(grid.shape[0], 0) * 1000.0  # metres, by column
    surface = prior_from_arrays(grid, d[None], ["dist_boundary_m"], weights={**ONLY, "boundary": 1.0})
    lam = -np.log1p(-surface.risk.astype(np.float64))
    # one column further is 1 km further: the expected attacks fall by exp(-1 km / scale)
    ratio = lam[:, 1:] / lam[:, :-1]
    assert np.allclose(ratio, np.exp(-1.0 / PRIOR_DISTANCE_KM["boundary"]), rtol=1e-4)


def test_posts_factor_is_high_far_from_posts():
    grid = small_grid()
    d = np.arange(grid.shape[1], dtype=float)[None, :].repeat(grid.shape[0], 0) * 1000.0
    f = prior_factors(["dist_posts_m"], d[None], grid.mask)
    assert f["posts"]["value"][0, 0] == 0.0 and np.all(np.diff(f["posts"]["value"][0]) > 0)


def test_bad_weights_are_clear_errors(park):
    with pytest.raises(RiskModelError, match="unknown prior factor 'rhinos'"):
        check_weights({"rhinos": 1})
    with pytest.raises(RiskModelError, match="number of 0 or more"):
        check_weights({"roads": -1})
    with pytest.raises(RiskModelError, match="every weight"):
        prior_risk(park, weights=ONLY)


@settings(max_examples=25, deadline=None)
@given(
    weights=st.fixed_dictionaries({k: st.floats(0.0, 10.0) for k in ("boundary", "villages", "posts")}),
    factor=st.floats(0.1, 100.0),
)
def test_scaling_every_weight_leaves_the_map_unchanged(weights, factor):
    grid = small_grid()
    rng = np.random.default_rng(3)
    cov = rng.uniform(0, 8000, (3, *grid.shape))
    names = ["dist_boundary_m", "dist_villages_m", "dist_posts_m"]
    if sum(weights.values()) == 0:
        weights["boundary"] = 1.0
    a = prior_from_arrays(grid, cov, names, weights={**ONLY, **weights})
    b = prior_from_arrays(grid, cov, names, weights={**ONLY, **{k: v * factor for k, v in weights.items()}})
    assert np.allclose(a.risk, b.risk, rtol=1e-5)
    assert np.all((a.risk >= 0) & (a.risk < 1))
    assert set(np.unique(a.classes[grid.mask])) <= {1, 2, 3, 4}


def test_fit_risk_falls_back_to_the_prior_and_says_so(park, tmp_path):
    messages = []
    surface = fit_risk(park, None, 1, progress=lambda f, m: messages.append(m))
    assert surface.kind == "prior"
    assert "no dated incident or GPS track" in surface.meta["fallback"]
    assert any("prior" in m for m in messages)
    paths = surface.write(tmp_path / "risk.tif")
    with rasterio.open(paths[0]) as src:
        assert src.tags()["kind"] == "prior" and "prior" in src.tags()["label"].lower()
        assert "PRIOR" in src.descriptions[0]
    meta = json.loads((tmp_path / "risk.json").read_text())
    assert meta["kind"] == "prior" and meta["fallback"]


def test_command_line_fits_the_prior_then_plans_from_it(folder, tmp_path, capsys):
    from patrols.cli import main as patrols_main
    from riskmodel.cli import main as risk_main

    out = tmp_path / "risk.tif"
    assert risk_main(["fit", str(folder), "--out", str(out), "--weight", "roads=0"]) == 0
    err = capsys.readouterr().err
    assert "no dated incident or GPS track" in err and "Prior risk" in err and "roads" not in err.split("weights:")[1]
    assert risk_main(["fit", str(folder), "--out", str(out), "--weight", "rhinos=2"]) != 0
    assert "unknown prior factor 'rhinos'" in capsys.readouterr().err
    plan_dir = tmp_path / "plan"
    argv = ["plan", str(folder), "--risk", str(out), "--start", "2026-12-01", "--days", "1", "--teams", "1"]
    assert patrols_main([*argv, "--km", "8", "--out", str(plan_dir)]) == 0
    gpx = sorted(plan_dir.rglob("*.gpx"))
    assert len(gpx) >= 4  # one patrol per post at least
