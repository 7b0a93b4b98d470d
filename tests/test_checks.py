"""Tests of layers.checks: each check on tiny layers with known answers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import parkfiles as pf
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS
from shapely.geometry import LineString, Point, Polygon, box

from layers import checks
from layers.defaults import ATTACK_TYPES, COL_SOURCE_ROW, INCIDENT_TYPES
from layers.readers import raster_info
from layers.report import ERROR, FATAL, WARNING, LoadReport


def frame(geoms, crs=None, **cols):
    gdf = gpd.GeoDataFrame(cols, geometry=list(geoms), crs=crs)
    gdf[COL_SOURCE_ROW] = np.arange(1, len(gdf) + 1)
    return gdf


def problems(report, check):
    return [p for p in report.problems if p.check == check]


def test_missing_crs_assumed_wgs84_when_coordinates_fit():
    report = LoadReport()
    out = checks.check_crs(frame([Point(35.1, -2.1)]), "posts", "p.csv", report)
    assert out.crs.to_epsg() == 4326
    (p,) = problems(report, "missing_crs")
    assert p.severity == WARNING and "EPSG:4326" in p.message and p.file == "p.csv"


@pytest.mark.parametrize(("fatal", "severity"), [(False, ERROR), (True, FATAL)])
def test_missing_crs_with_metric_coordinates_is_an_error(fatal, severity):
    report = LoadReport()
    assert checks.check_crs(frame([Point(730000, 9770000)]), "roads", "r.shp", report, fatal=fatal) is None
    (p,) = problems(report, "missing_crs")
    assert p.severity == severity and "730000" in p.message and "crs" in p.fix


def test_missing_crs_assumed_park_crs_when_points_fall_on_the_park():
    boundary = pf.boundary_gdf(pf.WGS84)
    on_park = pf.points_gdf(3, crs=pf.UTM).set_crs(None, allow_override=True)
    report = LoadReport()
    out = checks.check_crs(on_park, "waterholes", "w.csv", report, park_crs=CRS(pf.UTM), boundary=boundary)
    assert out.crs.to_epsg() == 32736
    assert "EPSG:32736 was assumed" in problems(report, "missing_crs")[0].message
    elsewhere = frame([Point(100_000, 1_000_000)])
    assert checks.check_crs(elsewhere, "w", "w.csv", report, park_crs=CRS(pf.UTM), boundary=boundary) is None
    assert problems(report, "missing_crs")[-1].severity == ERROR


def test_invalid_geometry_is_repaired_missing_and_wrong_types_rejected():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    gdf = frame([box(0, 0, 1, 1), bowtie, None, LineString([(0, 0), (1, 1)])], crs="EPSG:32736")
    report = LoadReport()
    out = checks.check_geometry(gdf, "boundary", "b.geojson", report, kind="polygon")
    assert out[COL_SOURCE_ROW].tolist() == [1, 2]
    assert out.is_valid.all() and out.geometry.iloc[1].area == pytest.approx(0.5)
    assert [p.row for p in problems(report, "invalid_geometry")] == [2]
    assert "Self-intersection" in problems(report, "invalid_geometry")[0].message
    assert [(p.row, p.severity) for p in problems(report, "missing_geometry")] == [(3, ERROR)]
    assert [p.row for p in problems(report, "wrong_geometry")] == [4]


def test_points_with_nan_coordinates_are_rejected():
    gdf = frame(shapely.points([[1, 2], [np.nan, 3], [4, 5]]), crs="EPSG:4326")
    report = LoadReport()
    out = checks.check_geometry(gdf, "incidents", "i.csv", report, kind="point")
    assert out[COL_SOURCE_ROW].tolist() == [1, 3]
    assert [p.row for p in problems(report, "missing_geometry")] == [2]


def test_swapped_lat_lon_is_fixed():
    b = pf.boundary_polygon()
    gdf = frame([Point(35.05, -2.15), Point(-2.12, 35.08), Point(36.0, -2.1)], crs="EPSG:4326")
    report = LoadReport()
    out = checks.fix_swapped(gdf, b, "incidents", "i.csv", report)
    assert (out.geometry.x.tolist(), out.geometry.y.tolist()) == ([35.05, 35.08, 36.0], [-2.15, -2.12, -2.1])
    (p,) = problems(report, "swapped_coordinates")
    assert p.row == 2 and p.severity == WARNING


def test_points_outside_the_boundary_are_kept_and_listed():
    gdf = frame([Point(0.5, 0.5), Point(2, 2), Point(-1, 0.5)])
    report = LoadReport()
    outside = checks.check_outside(gdf, box(0, 0, 1, 1), "incidents", "i.csv", report)
    assert outside.tolist() == [False, True, True]
    assert [p.row for p in problems(report, "outside_boundary")] == [2, 3]
    report = LoadReport()
    checks.check_outside(gdf, box(0, 0, 1, 1), "patrols", "t.gpx", report, list_rows=False)
    (p,) = problems(report, "outside_boundary")
    assert p.row is None and "2 of 3 points (66.7 %)" in p.message


def parse(values, **kw):
    report = LoadReport()
    s = pd.Series(values, dtype=object)
    out = checks.parse_times(s, "incidents", "i.csv", np.arange(1, len(s) + 1), report, **kw)
    return out, report


def test_iso_times_with_and_without_offsets():
    out, report = parse(["2024-03-31 14:05", "2024-03-31T16:05:00+02:00", "2024-04-01"])
    assert out.tolist() == [pd.Timestamp("2024-03-31 14:05", tz="UTC")] * 2 + [pd.Timestamp("2024-04-01", tz="UTC")]
    assert str(out.dtype).endswith("UTC]")
    (p,) = report.problems
    assert p.check == "naive_times" and p.severity == "info" and p.message.startswith("2 dates/times")


def test_unparseable_dates_reject_the_row_with_its_number():
    out, report = parse(["2024-01-05", "yesterday", None, "2024-02-30"])
    assert out.isna().tolist() == [False, True, True, True]
    bad = problems(report, "bad_date")
    assert [p.row for p in bad] == [2, 3, 4] and all(p.severity == ERROR for p in bad)
    assert "'yesterday'" in bad[0].message and "date_format" in bad[0].fix


def test_day_first_when_a_first_number_is_above_12():
    out, report = parse(["03/04/2024", "25/12/2023 08:30"])
    assert out.tolist() == [pd.Timestamp("2024-04-03", tz="UTC"), pd.Timestamp("2023-12-25 08:30", tz="UTC")]
    (p,) = problems(report, "ambiguous_dates")
    assert "day-first" in p.message and "row 2" in p.message


def test_month_first_when_a_second_number_is_above_12():
    out, report = parse(["03/04/2024", "12/25/2023"])
    assert out.tolist() == [pd.Timestamp("2024-03-04", tz="UTC"), pd.Timestamp("2023-12-25", tz="UTC")]
    assert "month-first" in problems(report, "ambiguous_dates")[0].message


def test_ambiguous_dates_warn_which_reading_was_used():
    out, report = parse(["03/04/2024", "05/06/24"])
    assert out.tolist() == [pd.Timestamp("2024-04-03", tz="UTC"), pd.Timestamp("2024-06-05", tz="UTC")]
    (p,) = problems(report, "ambiguous_dates")
    assert p.severity == WARNING and "no value tells" in p.message and "%d/%m/%Y" in p.fix


def test_date_format_and_timezone():
    out, report = parse(["03/04/2024 10:00"], date_format="%m/%d/%Y %H:%M", timezone="Africa/Nairobi")
    assert out.iloc[0] == pd.Timestamp("2024-03-04 07:00", tz="UTC") and not report.problems
    out, report = parse(["2024-01-01 10:00"], timezone="Mars/Olympus")
    assert problems(report, "bad_timezone")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=pd.Timestamp("2000-01-01"), max_value=pd.Timestamp("2030-12-31")),
        min_size=1,
        max_size=20,
    )
)
def test_day_first_dates_round_trip(times):
    times = [pd.Timestamp(t).floor("min") for t in times] + [pd.Timestamp("2024-01-31 10:00")]
    text = [t.strftime("%d/%m/%Y %H:%M") for t in times]
    out, report = parse(text)
    assert out.tolist() == [t.tz_localize("UTC") for t in times]
    assert not problems(report, "bad_date")


def test_duplicates_dropped_and_listed():
    t = pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-02"], utc=True)
    gdf = frame(
        [Point(0, 0), Point(0.2, 0), Point(0, 0), Point(0, 0)], time=t, type=["snare", "snare", "arrest", "snare"]
    )
    report = LoadReport()
    out = checks.drop_duplicates(gdf, ["time", "type"], "incidents", "i.csv", report)
    assert out[COL_SOURCE_ROW].tolist() == [1, 3, 4]
    (p,) = problems(report, "duplicate")
    assert p.row == 2 and "duplicate of row 1" in p.message


def test_empty_layer():
    report = LoadReport()
    assert checks.check_empty(frame([]), "posts", "p.gpkg", report)
    assert not checks.check_empty(frame([Point(0, 0)]), "posts", "p.gpkg", report)
    assert [p.check for p in report.problems] == ["empty_layer"]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Snare", "snare"),
        ("Wire snare", "snare"),
        ("Elephant carcass", "elephant_carcass"),
        ("Carcass - rhino", "rhino_carcass"),
        ("RHINO_CARCASS", "rhino_carcass"),
        ("Poacher camp", "poacher_camp"),
        ("Arrest", "arrest"),
        ("Seizure", "seizure"),
        ("Ivory seized", "seizure"),
        ("Rhino horn", "seizure"),
        ("Elephant sighting", "other"),
        ("Fire", "other"),
        ("Carcass (natural)", "carcass"),
        ("Natural carcass", "carcass"),
        ("Elephant carcass - natural", "carcass"),
        ("Rhino carcass, natural causes", "carcass"),
        ("Elephant carcass - cause unknown", "carcass"),
        ("CARCASS", "carcass"),
        ("Natural spring", "other"),
    ],
)
def test_incident_types(label, expected):
    report = LoadReport()
    out = checks.normalise_types(pd.Series([label]), "incidents", "i.csv", report)
    assert out.tolist() == [expected]
    assert bool(problems(report, "unknown_type")) == (expected == "other")


def test_natural_carcasses_are_not_attacks():
    labels = ["Elephant carcass", "Elephant carcass - natural", "Carcass (natural)", "Rhino carcass", "Snare"]
    out = checks.normalise_types(pd.Series(labels), "incidents", "i.csv", LoadReport()).tolist()
    assert out == ["elephant_carcass", "carcass", "carcass", "rhino_carcass", "snare"]
    assert "carcass" in INCIDENT_TYPES and "carcass" not in ATTACK_TYPES
    assert [t in ATTACK_TYPES for t in out] == [True, False, False, True, True]


def test_raster_coverage_share(tmp_path):
    boundary = pf.boundary_gdf(pf.UTM)
    minx, miny, maxx, maxy = boundary.total_bounds
    full = raster_info(pf.write_geotiff(tmp_path / "full.tif"))
    report = LoadReport()
    assert checks.check_raster(full, boundary, "dem", report) and not report.problems
    west = raster_info(
        pf.write_geotiff(tmp_path / "west.tif", bounds=(minx - 10, miny - 10, (minx + maxx) / 2, maxy + 10))
    )
    share = checks.raster_coverage(west, boundary)
    expected = boundary.clip(box(minx - 10, miny - 10, (minx + maxx) / 2, maxy + 10)).area.sum() / boundary.area.sum()
    assert share == pytest.approx(expected, rel=1e-6) and 0.4 < share < 0.6
    assert checks.check_raster(west, boundary, "ndvi", report)
    (p,) = problems(report, "raster_coverage")
    assert p.severity == WARNING and f"{100 * share:.1f} %" in p.message
    far = raster_info(pf.write_geotiff(tmp_path / "far.tif", bounds=(0, 0, 1000, 1000)))
    assert not checks.check_raster(far, boundary, "far", report)
    assert problems(report, "raster_coverage")[-1].severity == ERROR
