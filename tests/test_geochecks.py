"""Tests of layers.geochecks: CRS, geometry, location and raster checks on tiny layers with known answers."""

from __future__ import annotations

import numpy as np
import parkfiles as pf
import pytest
import shapely
from parkfiles import frame, problems
from pyproj import CRS
from shapely.geometry import LineString, Point, Polygon, box

from layers import geochecks
from layers.defaults import COL_SOURCE_ROW
from layers.rasters import raster_info
from layers.report import ERROR, FATAL, WARNING, LoadReport


def test_missing_crs_assumed_wgs84_when_coordinates_fit():
    report = LoadReport()
    out = geochecks.check_crs(frame([Point(35.1, -2.1)]), "posts", "p.csv", report)
    assert out.crs.to_epsg() == 4326
    (p,) = problems(report, "missing_crs")
    assert p.severity == WARNING and "EPSG:4326" in p.message and p.file == "p.csv"


@pytest.mark.parametrize(("fatal", "severity"), [(False, ERROR), (True, FATAL)])
def test_missing_crs_with_metric_coordinates_is_an_error(fatal, severity):
    report = LoadReport()
    assert geochecks.check_crs(frame([Point(730000, 9770000)]), "roads", "r.shp", report, fatal=fatal) is None
    (p,) = problems(report, "missing_crs")
    assert p.severity == severity and "730000" in p.message and "crs" in p.fix


def test_missing_crs_assumed_park_crs_when_points_fall_on_the_park():
    boundary = pf.boundary_gdf(pf.WGS84)
    on_park = pf.points_gdf(3, crs=pf.UTM).set_crs(None, allow_override=True)
    report = LoadReport()
    out = geochecks.check_crs(on_park, "waterholes", "w.csv", report, park_crs=CRS(pf.UTM), boundary=boundary)
    assert out.crs.to_epsg() == 32736
    assert "EPSG:32736 was assumed" in problems(report, "missing_crs")[0].message
    elsewhere = frame([Point(100_000, 1_000_000)])
    assert geochecks.check_crs(elsewhere, "w", "w.csv", report, park_crs=CRS(pf.UTM), boundary=boundary) is None
    assert problems(report, "missing_crs")[-1].severity == ERROR


def test_invalid_geometry_is_repaired_missing_and_wrong_types_rejected():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    gdf = frame([box(0, 0, 1, 1), bowtie, None, LineString([(0, 0), (1, 1)])], crs="EPSG:32736")
    report = LoadReport()
    out = geochecks.check_geometry(gdf, "boundary", "b.geojson", report, kind="polygon")
    assert out[COL_SOURCE_ROW].tolist() == [1, 2]
    assert out.is_valid.all() and out.geometry.iloc[1].area == pytest.approx(0.5)
    assert [p.row for p in problems(report, "invalid_geometry")] == [2]
    assert "Self-intersection" in problems(report, "invalid_geometry")[0].message
    assert [(p.row, p.severity) for p in problems(report, "missing_geometry")] == [(3, ERROR)]
    assert [p.row for p in problems(report, "wrong_geometry")] == [4]


def test_points_with_nan_coordinates_are_rejected():
    gdf = frame(shapely.points([[1, 2], [np.nan, 3], [4, 5]]), crs="EPSG:4326")
    report = LoadReport()
    out = geochecks.check_geometry(gdf, "incidents", "i.csv", report, kind="point")
    assert out[COL_SOURCE_ROW].tolist() == [1, 3]
    assert [p.row for p in problems(report, "missing_geometry")] == [2]


def test_swapped_lat_lon_is_fixed():
    b = pf.boundary_polygon()
    gdf = frame([Point(35.05, -2.15), Point(-2.12, 35.08), Point(36.0, -2.1)], crs="EPSG:4326")
    report = LoadReport()
    out = geochecks.fix_swapped(gdf, b, "incidents", "i.csv", report)
    assert (out.geometry.x.tolist(), out.geometry.y.tolist()) == ([35.05, 35.08, 36.0], [-2.15, -2.12, -2.1])
    (p,) = problems(report, "swapped_coordinates")
    assert p.row == 2 and p.severity == WARNING


def test_points_outside_the_boundary_are_kept_and_listed():
    gdf = frame([Point(0.5, 0.5), Point(2, 2), Point(-1, 0.5)])
    report = LoadReport()
    outside = geochecks.check_outside(gdf, box(0, 0, 1, 1), "incidents", "i.csv", report)
    assert outside.tolist() == [False, True, True]
    assert [p.row for p in problems(report, "outside_boundary")] == [2, 3]
    report = LoadReport()
    geochecks.check_outside(gdf, box(0, 0, 1, 1), "patrols", "t.gpx", report, list_rows=False)
    (p,) = problems(report, "outside_boundary")
    assert p.row is None and "2 of 3 points (66.7 %)" in p.message


def test_raster_coverage_share(tmp_path):
    boundary = pf.boundary_gdf(pf.UTM)
    minx, miny, maxx, maxy = boundary.total_bounds
    full = raster_info(pf.write_geotiff(tmp_path / "full.tif"))
    report = LoadReport()
    assert geochecks.check_raster(full, boundary, "dem", report) and not report.problems
    west = raster_info(
        pf.write_geotiff(tmp_path / "west.tif", bounds=(minx - 10, miny - 10, (minx + maxx) / 2, maxy + 10))
    )
    share = geochecks.raster_coverage(west, boundary)
    expected = boundary.clip(box(minx - 10, miny - 10, (minx + maxx) / 2, maxy + 10)).area.sum() / boundary.area.sum()
    assert share == pytest.approx(expected, rel=1e-6) and 0.4 < share < 0.6
    assert geochecks.check_raster(west, boundary, "ndvi", report)
    (p,) = problems(report, "raster_coverage")
    assert p.severity == WARNING and f"{100 * share:.1f} %" in p.message
    far = raster_info(pf.write_geotiff(tmp_path / "far.tif", bounds=(0, 0, 1000, 1000)))
    assert not geochecks.check_raster(far, boundary, "far", report)
    assert problems(report, "raster_coverage")[-1].severity == ERROR
