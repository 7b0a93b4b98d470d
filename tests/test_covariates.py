"""Covariates on tiny grids with known answers."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon, box
from shared_data import SHARED_DATA

from layers.covariates import (
    Covariates,
    compute_covariates,
    covariate_names,
    distance_to,
    distance_to_boundary,
    resample_raster,
    ruggedness,
    slope,
)
from layers.errors import GridError, LayerReadError
from layers.grid import Grid

CRS = "EPSG:32736"


def grid5() -> Grid:
    """5 x 5 cells of 100 m, origin (0, 0), all inside."""
    return Grid.from_geometry(box(0, 0, 500, 500), CRS, cell_size=100)


def write_tif(path, data, transform, crs=CRS, nodata=None, dtype="float32"):
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data.astype(dtype), 1)
    return path


# --- distances ---------------------------------------------------------------------
def test_distance_to_single_point_on_5x5_grid():
    g = grid5()
    d = distance_to(g, [Point(250, 250)])
    x, y = g.centres()
    assert d.dtype == np.float32 and d.shape == (5, 5)
    np.testing.assert_allclose(d, np.hypot(x - 250, y - 250), atol=1e-3)
    assert d[2, 2] == 0
    assert d[0, 0] == pytest.approx(np.hypot(200, 200), abs=1e-3)


def test_distance_to_line_and_feature_outside_the_grid():
    g = grid5()
    # a road along y = 700, above the grid: the top row (centre y = 450) is 250 m from it
    d = distance_to(g, gpd.GeoSeries([LineString([(-1000, 700), (2000, 700)])], crs=CRS))
    np.testing.assert_allclose(d[:, 2], [250, 350, 450, 550, 650], atol=1e-3)
    # a diagonal line through the origin: distance |x - y| / sqrt(2)
    d = distance_to(g, [LineString([(-100, -100), (900, 900)])])
    x, y = g.centres()
    np.testing.assert_allclose(d, np.abs(x - y) / np.sqrt(2), atol=1e-3)


def test_distance_to_polygon_is_zero_inside_and_to_outline_outside():
    g = grid5()
    poly = box(0, 0, 200, 500)  # the two left columns
    d = distance_to(g, [poly])
    assert (d[:, :2] == 0).all()
    np.testing.assert_allclose(d[0, 2:], [50, 150, 250], atol=1e-3)
    d_outline = distance_to(g, [poly], inside_zero=False)
    np.testing.assert_allclose(d_outline[0, :2], [50, 50], atol=1e-3)


def test_distance_to_nothing_is_nan():
    d = distance_to(grid5(), [])
    assert np.isnan(d).all()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(-300, 800), st.floats(-300, 800)), min_size=1, max_size=8))
def test_distance_to_points_matches_brute_force(points):
    g = grid5()
    d = distance_to(g, [Point(p) for p in points])
    x, y = g.centres()
    pts = np.array(points)
    brute = np.min(np.hypot(x[..., None] - pts[:, 0], y[..., None] - pts[:, 1]), axis=-1)
    np.testing.assert_allclose(d, brute, rtol=1e-6, atol=1e-2)


def test_distance_to_boundary_inside_only():
    park = Polygon([(0, 0), (500, 0), (500, 500), (0, 500)])
    g = Grid.from_geometry(Polygon([(0, 0), (500, 0), (0, 500)]), CRS, cell_size=100)  # a triangle
    d = distance_to_boundary(g, gpd.GeoDataFrame(geometry=[park], crs=CRS))
    assert np.isnan(d[~g.mask]).all()
    assert d[4, 0] == pytest.approx(50, abs=1e-3)  # bottom-left cell
    assert d[2, 1] == pytest.approx(150, abs=1e-3)


# --- rasters ---------------------------------------------------------------------------
def test_resample_bilinear_ramp_and_mode_on_categories(tmp_path):
    g = grid5()
    # source at 50 m covering -200..700 m: value = x of the pixel centre (a ramp)
    n = 18
    xs = -200 + 25 + 50 * np.arange(n)
    ramp = np.tile(xs, (n, 1))
    tif = write_tif(tmp_path / "ramp.tif", ramp, Affine(50, 0, -200, 0, -50, 700))
    out = resample_raster(tif, g)
    x, _ = g.centres()
    np.testing.assert_allclose(out, x, atol=1e-3)

    # categories at 50 m on exactly the grid: each 100 m cell holds 3 pixels of 2 and 1 of 7
    cats = np.full((10, 10), 2, dtype=np.int32)
    cats[::2, ::2] = 7
    tif = write_tif(tmp_path / "cats.tif", cats, Affine(50, 0, 0, 0, -50, 500), dtype="int32")
    mode = resample_raster(tif, g, categorical=True)
    assert (mode == 2).all()
    bilinear = resample_raster(tif, g, categorical=False)
    assert not np.isin(bilinear, [2, 7]).all()  # bilinear blends codes into values that are no class


def test_resample_nan_where_nodata_or_not_covered(tmp_path):
    g = grid5()
    data = np.arange(25, dtype=np.float32).reshape(5, 5)
    data[0, 0] = -1
    # covers only the left 300 m of the grid at the grid's own resolution
    tif = write_tif(tmp_path / "part.tif", data[:, :3], Affine(100, 0, 0, 0, -100, 500), nodata=-1)
    out = resample_raster(tif, g, categorical=True)
    assert np.isnan(out[0, 0])
    np.testing.assert_array_equal(out[1:, :3], data[1:, :3])
    assert np.isnan(out[:, 3:]).all()


def test_resample_reprojects_from_lonlat(tmp_path):
    g = grid5()
    # a constant raster in lon/lat around the grid (UTM 36S x=0..500 is far west of the zone: use a wide box)
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform([0, 500], [0, 500])
    transform = Affine(0.001, 0, min(lon) - 0.05, 0, -0.001, max(lat) + 0.05)
    tif = write_tif(tmp_path / "ll.tif", np.full((200, 200), 5.0), transform, crs="EPSG:4326")
    np.testing.assert_allclose(resample_raster(tif, g), 5.0)


def test_resample_raster_errors(tmp_path):
    bad = tmp_path / "bad.tif"
    bad.write_text("not a raster")
    with pytest.raises(LayerReadError, match="bad.tif"):
        resample_raster(bad, grid5())


# --- terrain -------------------------------------------------------------------------------
@pytest.mark.parametrize(("a", "b"), [(0.1, 0.0), (0.0, -0.25), (0.3, 0.4)])
def test_slope_and_ruggedness_of_a_tilted_plane(a, b):
    g = grid5()
    x, y = g.centres()
    dem = 1000 + a * x + b * y
    np.testing.assert_allclose(slope(dem, g.cell_size), np.degrees(np.arctan(np.hypot(a, b))), atol=1e-4)
    # Riley TRI of a plane: sqrt(6 (a^2 + b^2)) * cell size away from the edges
    tri = ruggedness(dem)
    np.testing.assert_allclose(tri[1:-1, 1:-1], np.sqrt(6 * (a * a + b * b)) * g.cell_size, rtol=1e-5)


def test_ruggedness_of_a_single_peak():
    dem = np.zeros((3, 3))
    dem[1, 1] = 10
    assert ruggedness(dem)[1, 1] == pytest.approx(np.sqrt(8 * 100))
    assert ruggedness(dem)[0, 0] == pytest.approx(10)  # only one neighbour differs


# --- the park wrapper --------------------------------------------------------------------------
def small_park(tmp_path):
    boundary = Polygon([(0, 0), (1000, 0), (1000, 600), (400, 1000), (0, 1000)])
    g = Grid.from_geometry(boundary, CRS, cell_size=100)
    dem = write_tif(
        tmp_path / "dem.tif",
        np.add.outer(np.arange(24)[::-1] * 5.0, np.arange(24) * 2.0),
        Affine(50, 0, -100, 0, -50, 1100),
    )
    lc = write_tif(tmp_path / "lc.tif", np.ones((12, 12)) * 3, Affine(100, 0, -100, 0, -100, 1100), dtype="int16")
    return SimpleNamespace(
        grid=g,
        boundary=gpd.GeoDataFrame(geometry=[boundary], crs=CRS),
        posts=gpd.GeoDataFrame({"name": ["A"]}, geometry=[Point(150, 150)], crs=CRS),
        features={
            "roads": gpd.GeoDataFrame(geometry=[LineString([(0, 500), (1000, 500)])], crs=CRS),
            "villages": gpd.GeoDataFrame(geometry=[Point(1500, 1500)], crs=CRS),
        },
        rasters={
            "dem": SimpleNamespace(name="dem", path=dem, categorical=False),
            "landcover": SimpleNamespace(name="landcover", path=lc, categorical=True),
        },
    )


def test_compute_covariates_on_a_small_park(tmp_path):
    park = small_park(tmp_path)
    calls = []
    cov = compute_covariates(park, progress=lambda f, m: calls.append((f, m)))
    assert cov.names == covariate_names(["roads", "villages"], ["dem", "landcover"])
    assert cov.names == [
        "dist_roads_m",
        "dist_villages_m",
        "dist_boundary_m",
        "dist_posts_m",
        "dem",
        "landcover",
        "slope_deg",
        "ruggedness_m",
    ]
    assert cov.categorical == {"landcover"}
    assert cov.data.dtype == np.float32 and cov.data.shape == (8, *park.grid.shape)
    outside = ~park.grid.mask
    assert outside.any() and np.isnan(cov.data[:, outside]).all()
    assert np.isfinite(cov.data[:, park.grid.mask]).all()
    assert cov["dist_roads_m"][4, 0] == pytest.approx(50)  # centre y = 550
    assert cov["dist_posts_m"][8, 1] == pytest.approx(0)
    assert (cov["landcover"][park.grid.mask] == 3).all()
    # plane rising 5 m per 50 m northwards and 2 m per 50 m eastwards
    assert cov["slope_deg"][5, 5] == pytest.approx(np.degrees(np.arctan(np.hypot(0.1, 0.04))), abs=1e-3)
    assert calls and calls[-1][0] == 1.0 and all(0 <= f <= 1 for f, _ in calls)


def test_covariates_frame_and_geotiff(tmp_path):
    park = small_park(tmp_path)
    cov = compute_covariates(park)
    frame = cov.to_frame(coords=True)
    assert len(frame) == park.grid.n_cells
    assert list(frame.columns) == ["row", "col", "x", "y", *cov.names]
    first = frame.iloc[0]
    assert frame.index[0] == first["row"] * park.grid.shape[1] + first["col"]
    assert frame["dist_roads_m"].to_numpy() == pytest.approx(cov["dist_roads_m"][park.grid.mask])
    path = cov.write(tmp_path / "out" / "covariates.tif")
    grid, bands, names = Grid.from_raster(path)
    assert names == cov.names
    np.testing.assert_array_equal(grid.mask, park.grid.mask)
    np.testing.assert_allclose(bands, cov.data, equal_nan=True)


def test_covariates_checks_shape():
    with pytest.raises(GridError, match="expected"):
        Covariates(names=["a", "b"], data=np.zeros((1, 5, 5)), grid=grid5())
    with pytest.raises(KeyError, match="available"):
        Covariates(names=["a"], data=np.zeros((1, 5, 5)), grid=grid5())["b"]


def test_resample_reads_only_what_covers_the_grid(tmp_path):
    g = grid5()
    # a large raster (20 km wide) whose values say where they are: only a window near the grid is used
    n = 400
    xs = -10_000 + 25 + 50 * np.arange(n)
    tif = write_tif(tmp_path / "big.tif", np.tile(xs, (n, 1)), Affine(50, 0, -10_000, 0, -50, 10_000))
    x, _ = g.centres()
    np.testing.assert_allclose(resample_raster(tif, g), x, atol=1e-3)
    far = write_tif(tmp_path / "far.tif", np.ones((10, 10)), Affine(50, 0, 50_000, 0, -50, 50_000))
    assert np.isnan(resample_raster(far, g)).all()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-400, 900), st.floats(-400, 900)), min_size=2, max_size=6),
    st.sampled_from([100.0, 250.0, 500.0]),
)
def test_distance_to_lines_within_an_eighth_of_a_cell(vertices, cell):
    g = Grid.from_geometry(box(0, 0, 1000, 1000), CRS, cell_size=cell)
    line = LineString(vertices)
    d = distance_to(g, [line])
    x, y = g.centres()
    exact = shapely.distance(shapely.points(x, y), line)
    assert np.all(d >= exact - 1e-2)
    assert np.all(d <= exact + cell / 8 + 1e-2)


HABITAT = SHARED_DATA / "parks/w-niger/w_np_habitat_30m.tif"


@pytest.mark.skipif(not HABITAT.exists(), reason=f"real habitat raster not found at {HABITAT} (shared data missing)")
def test_real_categorical_habitat_raster_mode():
    with rasterio.open(HABITAT) as src:
        source = src.read(1)
        bounds = src.bounds
    g = Grid.from_geometry(box(*bounds).buffer(-500, join_style="mitre"), "EPSG:32631", cell_size=250)
    mode = resample_raster(HABITAT, g, categorical=True)
    classes = set(np.unique(source[source != 0]).tolist())  # 0 is the raster's nodata
    found = np.unique(mode[np.isfinite(mode)])
    assert set(found.tolist()) <= classes and len(found) == len(classes)
    assert np.isfinite(mode).mean() > 0.9
    # each cell holds about 8 x 8 source pixels: the mode is the most common class of its block
    x, y = g.xy(10, 10)
    with rasterio.open(HABITAT) as src:
        r, c = src.index(x, y)
    block = source[r - 3 : r + 4, c - 3 : c + 4]
    values, counts = np.unique(block[block != 0], return_counts=True)
    assert mode[10, 10] in values[counts >= counts.max() - 8]
    bilinear = resample_raster(HABITAT, g)
    assert not set(np.unique(bilinear[np.isfinite(bilinear)]).tolist()) <= classes


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-3000, 3000), st.floats(-3000, 3000)), min_size=2, max_size=8),
    st.lists(st.tuples(st.floats(-3000, 3000), st.floats(-3000, 3000)), max_size=4),
)
def test_bounded_nearest_search_equals_the_plain_search(vertices, points):
    from layers.covariates import nearest_distance

    v = np.array(vertices)
    x, y = np.meshgrid(np.arange(0, 1000, 100) + 50.0, np.arange(0, 800, 100) + 50.0)
    pts = np.array(points).reshape(-1, 2)
    plain = nearest_distance(x, y, pts, v[:-1], v[1:], spacing=25.0)
    bounded = nearest_distance(x, y, pts, v[:-1], v[1:], spacing=25.0, upper_bound_cell=100.0)
    geoms = [LineString(vertices), *[Point(p) for p in points]]
    with np.errstate(divide="ignore", invalid="ignore"):  # GEOS on a zero-length line
        true = np.min([shapely.distance(shapely.points(x, y), g) for g in geoms], axis=0).ravel()
    # equal but for ties between equally near samples; both within half the spacing of the truth
    assert np.mean(np.isclose(bounded, plain, rtol=1e-12, atol=1e-9)) > 0.9
    for d in (plain, bounded):
        assert np.all(d >= true - 1e-6) and np.all(d <= true + 12.5 + 1e-6)
