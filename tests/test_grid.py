"""Tests of layers.grid: construction, cell lookups, GeoTIFF round trip."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from layers.errors import GridError
from layers.grid import Grid

UTM = "EPSG:32736"


def test_from_geometry_known_answer():
    g = Grid.from_geometry(box(0, 0, 1000, 500), UTM, cell_size=250)
    assert g.shape == (2, 4)
    assert g.n_cells == 8
    assert g.cell_area_km2 == pytest.approx(0.0625)
    assert g.bounds == (0.0, 0.0, 1000.0, 500.0)
    assert g.crs.to_epsg() == 32736


def test_origin_snapped_to_cell_multiples_so_grids_align():
    g = Grid.from_geometry(box(130, 270, 1130, 980), UTM, cell_size=200)
    assert g.transform.c == 0.0 and g.transform.f == 1000.0
    assert g.shape == (4, 6)  # y 200..1000, x 0..1200


def test_mask_follows_cell_centres():
    # An L-shape: the upper-right 500 m square is missing.
    shape = Polygon([(0, 0), (1000, 0), (1000, 500), (500, 500), (500, 1000), (0, 1000)])
    g = Grid.from_geometry(shape, UTM, cell_size=500)
    assert g.mask.tolist() == [[True, False], [True, True]]
    assert g.n_cells == 3


def test_rowcol_and_cell_id_mark_off_grid_points():
    g = Grid.from_geometry(box(0, 0, 1000, 1000), UTM, cell_size=500)
    rows, cols = g.rowcol([250, 750, -1, 250, np.nan], [750, 250, 10, 1001, 5])
    assert rows.tolist() == [0, 1, -1, -1, -1]
    assert cols.tolist() == [0, 1, -1, -1, -1]
    assert g.cell_id([250, 750, 2000], [750, 250, 0]).tolist() == [0, 3, -1]


@settings(max_examples=50, deadline=None)
@given(
    st.integers(0, 9),
    st.integers(0, 14),
    st.sampled_from([100.0, 250.0, 500.0, 2000.0]),
)
def test_centres_map_back_to_their_cell(row, col, size):
    g = Grid(Affine(size, 0, 10 * size, 0, -size, 50 * size), (10, 15), UTM)
    x, y = g.xy(row, col)
    r, c = g.rowcol(x, y)
    assert (int(r), int(c)) == (row, col)


@pytest.mark.parametrize("size", [50, 5000])
def test_cell_size_out_of_range(size):
    with pytest.raises(GridError, match="cell_size_m"):
        Grid.from_geometry(box(0, 0, 10_000, 10_000), UTM, cell_size=size)


def test_geographic_crs_and_empty_geometry_are_refused():
    with pytest.raises(GridError, match="projected"):
        Grid.from_geometry(box(35, -2, 35.1, -1.9), "EPSG:4326", cell_size=500)
    with pytest.raises(GridError, match="empty"):
        Grid.from_geometry(Polygon(), UTM, cell_size=500)


def test_bad_mask_shape_and_rotated_transform():
    with pytest.raises(GridError, match="mask"):
        Grid(Affine(10, 0, 0, 0, -10, 0), (2, 3), UTM, mask=np.ones((3, 2), bool))
    with pytest.raises(GridError, match="north-up"):
        Grid(Affine(10, 1, 0, 0, -10, 0), (2, 3), UTM)
    with pytest.raises(GridError, match="north-up"):  # south-up: rows would run northwards
        Grid(Affine(-10, 0, 0, 0, 10, 0), (2, 3), UTM)


def test_check_and_empty():
    g = Grid(Affine(100, 0, 0, 0, -100, 0), (2, 3), UTM)
    assert g.empty().shape == (2, 3) and np.isnan(g.empty()).all()
    assert g.check(np.zeros((4, 2, 3))).shape == (4, 2, 3)
    with pytest.raises(GridError, match="expected"):
        g.check(np.zeros((3, 2)))


def test_geotiff_round_trip(tmp_path):
    shape = Polygon([(0, 0), (1000, 0), (1000, 500), (500, 500), (500, 1000), (0, 1000)])
    g = Grid.from_geometry(shape, UTM, cell_size=500)
    bands = np.arange(8, dtype=np.float32).reshape(2, 2, 2)
    path = g.write_geotiff(tmp_path / "out.tif", bands, names=["a", "b"])
    g2, data, names = Grid.from_raster(path)
    assert names == ["a", "b"]
    assert g2.shape == g.shape and g2.transform == g.transform and g2.crs == g.crs
    assert g2.mask.tolist() == g.mask.tolist()
    assert np.isnan(data[:, 0, 1]).all()  # outside the park
    assert data[0, 1, 1] == 3.0 and data[1, 0, 0] == 4.0


def test_cog_output(tmp_path):
    g = Grid.from_geometry(box(0, 0, 2000, 2000), UTM, cell_size=500)
    path = g.write_geotiff(tmp_path / "cog.tif", np.ones(g.shape), cog=True)
    _, data, _ = Grid.from_raster(path)
    assert data.shape == (1, 4, 4) and np.all(data == 1)


def test_to_dict():
    g = Grid.from_geometry(box(0, 0, 1000, 500), UTM, cell_size=250)
    d = g.to_dict()
    assert d["epsg"] == 32736 and d["shape"] == [2, 4] and d["cell_size_m"] == 250
    assert d["transform"] == [250.0, 0.0, 0.0, 0.0, -250.0, 500.0]
