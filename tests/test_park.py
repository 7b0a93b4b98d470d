"""Tests of layers.park.load_park and layers.crs on whole tiny parks, good and bad."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import parkfiles as pf
import pytest
import shapely
from shapely.geometry import Point, box

from layers.crs import park_crs, utm_epsg
from layers.defaults import (
    COL_ITEM,
    COL_NAME,
    COL_QUANTITY,
    COL_SOURCE_FILE,
    COL_SOURCE_ROW,
    COL_TIME,
    COL_TRACK,
    COL_TYPE,
    COL_UNIT,
    INCIDENT_TYPES,
)
from layers.errors import FatalLoadError, ManifestError
from layers.park import Park, RasterLayer, load_park
from layers.report import ERROR, FATAL, INFO, WARNING

MINIMAL = '[park]\nname = "Tiny Park"\n[layers]\nboundary = "boundary.geojson"\n{extra}'


def checks_of(report, severity=None):
    return {p.check for p in report.problems if severity is None or p.severity == severity}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Park:
    return load_park(pf.make_park(tmp_path_factory.mktemp("tiny")))


def test_full_tiny_park_loads(tiny):
    assert isinstance(tiny, Park) and tiny.name == "Tiny Park"
    assert tiny.crs.to_epsg() == 32736 and not tiny.has_truth
    assert not tiny.report.fatal and checks_of(tiny.report, ERROR) == set()
    # every vector in the park CRS
    for gdf in [tiny.boundary, tiny.posts, tiny.incidents, tiny.tracks, *tiny.features.values()]:
        assert gdf.crs == tiny.crs
    assert len(tiny.boundary) == 1 and tiny.boundary.geom_type.iloc[0] == "Polygon"
    expected_area = pf.boundary_gdf(pf.UTM).area.iloc[0]
    assert tiny.boundary.area.iloc[0] == pytest.approx(expected_area, rel=1e-9)
    # grid
    assert tiny.grid.cell_size == 500 and tiny.grid.crs == tiny.crs
    assert tiny.grid.n_cells * tiny.grid.cell_area_km2 == pytest.approx(expected_area / 1e6, rel=0.03)
    # layers
    assert set(tiny.features) == {"roads", "rivers", "villages", "waterholes"}
    assert tiny.rasters == {
        "dem": RasterLayer("dem", tiny.folder / "dem.tif", False),
        "landcover": RasterLayer("landcover", tiny.folder / "landcover.tif", True),
    }
    assert tiny.posts[COL_NAME].tolist() == ["Post 1", "Post 2", "Post 3", "Post 4"]
    assert [s.layer for s in tiny.report.layers][:4] == ["boundary", "incidents", "patrols", "posts"]


def test_skipped_layers_come_back_empty_and_are_reported(tiny):
    light = load_park(tiny.folder, skip=("patrols",))
    assert len(tiny.tracks) > 0 and len(light.tracks) == 0
    assert {"track_id", "time"} <= set(light.tracks.columns) and light.tracks.crs == tiny.crs
    assert len(light.incidents) == len(tiny.incidents) and light.grid.shape == tiny.grid.shape
    assert "skipped" in checks_of(light.report, INFO) and "skipped" not in checks_of(tiny.report)


def test_incidents_are_normalised(tiny):
    inc = tiny.incidents
    assert len(inc) == 20
    for col in (COL_TIME, COL_TYPE, "type_raw", COL_ITEM, COL_QUANTITY, COL_UNIT, COL_SOURCE_FILE, COL_SOURCE_ROW):
        assert col in inc.columns
    assert str(inc[COL_TIME].dtype).endswith("UTC]")
    assert set(inc[COL_TYPE]) <= set(INCIDENT_TYPES)
    raw = pf.incidents_frame(20).set_index("id")
    row = inc.iloc[0]
    assert row[COL_SOURCE_FILE] == "incidents.csv"
    assert row["type_raw"] == raw.loc[int(row["id"]), "category"]
    assert row[COL_TIME] == pd.Timestamp(raw.loc[int(row["id"]), "date"], tz="UTC")
    assert inc[COL_TIME].is_monotonic_increasing


def test_tracks_are_sorted_and_reprojected(tiny):
    tr = tiny.tracks
    assert list(tr.columns) == [COL_TRACK, COL_TIME, COL_SOURCE_FILE, COL_SOURCE_ROW, "geometry"]
    assert len(tr) == 150 and sorted(tr[COL_TRACK].unique()) == [0, 1, 2]
    assert (tr.groupby(COL_TRACK)[COL_TIME].apply(lambda s: s.is_monotonic_increasing)).all()
    track, times, lon, lat = pf.track_arrays(3, 50)
    back = tr.to_crs(4326)
    np.testing.assert_allclose(back.geometry.x, lon, atol=1e-6)  # the GPX holds 6 decimals
    np.testing.assert_allclose(back.geometry.y, lat, atol=1e-6)


def test_layers_in_wgs84_and_utm_line_up(tmp_path):
    # the same points as a lon/lat CSV (incidents) and a UTM GeoPackage (posts) land at the same place
    folder = pf.make_park(tmp_path)
    xy = pf.inside_points(4, 7)
    pd.DataFrame({"lon": xy[:, 0], "lat": xy[:, 1], "date": "2024-05-01", "category": "Snare"}).to_csv(
        folder / "incidents.csv", index=False
    )
    pts = gpd.GeoDataFrame({"name": list("ABCD")}, geometry=shapely.points(xy), crs=4326)
    pf.write_gpkg(folder / "posts.gpkg", pts.to_crs("EPSG:32737"))  # another zone, on purpose
    park = load_park(folder)
    inc = park.incidents.sort_values(COL_SOURCE_ROW)
    np.testing.assert_allclose(inc.geometry.x, park.posts.geometry.x, atol=1e-3)
    np.testing.assert_allclose(inc.geometry.y, park.posts.geometry.y, atol=1e-3)


def test_manifest_crs_override(tmp_path):
    folder = pf.make_park(tmp_path, toml=MINIMAL.replace("[layers]", 'crs = "EPSG:21037"\n[layers]').format(extra=""))
    park = load_park(folder)
    assert park.crs.to_epsg() == 21037 and park.grid.crs.to_epsg() == 21037
    assert checks_of(park.report, ERROR) == {"missing_layer"}


def test_cell_size_argument(tmp_path):
    park = load_park(pf.make_park(tmp_path, toml=MINIMAL.format(extra="")), cell_size=1000)
    assert park.grid.cell_size == 1000


def test_park_crs_utm_zones():
    assert utm_epsg(35.1, -2.1) == 32736
    assert utm_epsg(1.5, 11.0) == 32631
    assert utm_epsg(180.0, 10.0) == 32660
    b = gpd.GeoDataFrame(geometry=[box(1.0, 10.5, 2.0, 11.5)], crs=4326).to_crs(3857)
    assert park_crs(b).to_epsg() == 32631
    assert park_crs(b, "EPSG:32736").to_epsg() == 32736
    with pytest.raises(ManifestError, match="not a projected CRS in metres"):
        park_crs(b, "EPSG:4326")
    with pytest.raises(ManifestError, match="not a projected CRS in metres"):
        park_crs(b, "EPSG:2227")  # US feet
    with pytest.raises(ManifestError, match="not a CRS"):
        park_crs(b, "EPSG:nonsense")


# --- each documented check triggered by a bad file ---------------------------------------
def test_bad_incident_file_triggers_row_checks(tmp_path):
    folder = pf.make_park(tmp_path)
    df = pf.incidents_frame(6)
    df.loc[1, "date"] = "not a date"  # row 2
    df.loc[2, ["lon", "lat"]] = [df.loc[2, "lat"], df.loc[2, "lon"]]  # row 3 swapped
    df.loc[3, ["lon", "lat"]] = [35.5, -2.5]  # row 4 outside
    df = pd.concat([df, df.iloc[[0]]], ignore_index=True)  # row 7 duplicates row 1
    df.loc[6, "category"] = "Goat theft"  # ... but a different type: not a duplicate
    df = pd.concat([df, df.iloc[[4]]], ignore_index=True)  # row 8 duplicates row 5
    df.loc[7, "date"] = pd.Timestamp(df.loc[4, "date"]).strftime("%Y-%m-%dT%H:%M:00+00:00")
    df.to_csv(folder / "incidents.csv", index=False)
    park = load_park(folder)
    by = {p.check: p for p in park.report.problems}
    assert by["bad_date"].row == 2 and by["bad_date"].severity == ERROR and by["bad_date"].file == "incidents.csv"
    assert by["swapped_coordinates"].row == 3
    assert by["outside_boundary"].row == 4 and by["outside_boundary"].severity == WARNING
    assert by["duplicate"].row == 8 and "row 5" in by["duplicate"].message
    assert by["unknown_type"].severity == WARNING
    assert sorted(park.incidents[COL_SOURCE_ROW]) == [1, 3, 4, 5, 6, 7]
    assert park.incidents.set_index(COL_SOURCE_ROW).loc[7, COL_TYPE] == "other"
    inc3 = park.incidents.set_index(COL_SOURCE_ROW).geometry.loc[3]
    assert park.boundary_geometry.contains(inc3)
    summary = next(s for s in park.report.layers if s.layer == "incidents")
    assert (summary.read, summary.kept) == (8, 6)


def test_missing_crs_invalid_geometry_and_empty_layers(tmp_path):
    folder = pf.make_park(tmp_path)
    # boundary as a shapefile without .prj and with a self-intersecting ring (lon/lat: CRS assumed)
    bow = shapely.Polygon([(35.0, -2.2), (35.2, -2.0), (35.2, -2.2), (35.0, -2.0)])
    pf.write_shp(folder / "b.shp", gpd.GeoDataFrame({"n": [1]}, geometry=[bow], crs=4326), prj=False)
    # roads in web mercator without .prj: cannot be placed; posts in the park's UTM zone without .prj: assumed
    pf.write_shp(folder / "roads.shp", pf.lines_gdf("EPSG:3857"), prj=False)
    pf.write_shp(folder / "posts.shp", pf.points_gdf(3, crs=pf.UTM), prj=False)
    pf.write_geojson(folder / "rivers.geojson", pf.lines_gdf().iloc[:0])
    text = pf.PARK_TOML.replace("boundary.geojson", "b.shp").replace("roads.zip", "roads.shp")
    text = text.replace("posts.gpkg", "posts.shp")
    (folder / "park.toml").write_text(text)
    park = load_park(folder)
    kinds = {(p.check, p.layer, p.severity) for p in park.report.problems}
    assert ("missing_crs", "boundary", WARNING) in kinds
    assert ("invalid_geometry", "boundary", WARNING) in kinds
    assert ("missing_crs", "roads", ERROR) in kinds
    assert ("missing_crs", "posts", WARNING) in kinds
    np.testing.assert_allclose(park.posts.geometry.x, pf.points_gdf(3, crs=pf.UTM).geometry.x)
    assert ("empty_layer", "rivers", WARNING) in kinds
    assert set(park.features) == {"villages", "waterholes"}
    assert park.boundary.is_valid.all() and park.boundary.area.iloc[0] > 0


def test_raster_not_covering_the_park(tmp_path):
    folder = pf.make_park(tmp_path)
    b = pf.boundary_gdf(pf.UTM).total_bounds
    pf.write_geotiff(folder / "dem.tif", bounds=(b[0], b[1], (b[0] + b[2]) / 2, b[3]))
    (folder / "landcover.tif").write_bytes(b"garbage" * 10)
    park = load_park(folder)
    by = {(p.check, p.layer): p for p in park.report.problems}
    assert by[("raster_coverage", "dem")].severity == WARNING and "%" in by[("raster_coverage", "dem")].message
    assert by[("unreadable", "landcover")].severity == ERROR
    assert set(park.rasters) == {"dem"}


def test_missing_optional_layers_and_files(tmp_path):
    folder = pf.make_park(tmp_path, toml=MINIMAL.format(extra='posts = "nowhere.gpkg"\n'))
    park = load_park(folder)
    assert {(p.check, p.layer) for p in park.report.problems} >= {
        ("missing_layer", "incidents"),
        ("missing_layer", "patrols"),
        ("missing_file", "posts"),
    }
    assert len(park.incidents) == 0 and len(park.tracks) == 0 and len(park.posts) == 0
    for col in (COL_TIME, COL_TYPE, COL_SOURCE_ROW):
        assert col in park.incidents.columns
    assert str(park.incidents[COL_TIME].dtype) == "datetime64[ns, UTC]"
    assert park.tracks[COL_TRACK].dtype == np.int64
    assert park.incidents.crs == park.crs


def test_corrupt_optional_layer_does_not_stop_the_load(tmp_path):
    folder = pf.make_park(tmp_path)
    (folder / "patrols.gpx").write_bytes(b"<gpx><trk><trkseg><trkpt lat='x'")
    (folder / "villages.kml").write_bytes(b"")
    park = load_park(folder)
    unreadable = {p.layer for p in park.report.problems if p.check == "unreadable"}
    assert unreadable == {"patrols", "villages"}
    assert len(park.tracks) == 0 and len(park.incidents) == 20


def test_posts_get_unique_names(tmp_path):
    folder = pf.make_park(tmp_path)
    posts = pf.points_gdf(3)
    posts["name"] = ["Camp", "Camp", None]
    pf.write_gpkg(folder / "posts.gpkg", posts)
    park = load_park(folder)
    assert park.posts[COL_NAME].tolist() == ["Camp (1)", "Camp (2)", "Post 3"]
    assert "duplicate_name" in checks_of(park.report)


# --- fatal cases --------------------------------------------------------------------------------
def fatal(folder):
    with pytest.raises(FatalLoadError) as info:
        load_park(folder)
    assert info.value.report is not None and info.value.report.fatal
    return info.value


def test_fatal_no_boundary_file(tmp_path):
    folder = pf.make_park(tmp_path)
    (folder / "boundary.geojson").unlink()
    exc = fatal(folder)
    assert "boundary.geojson" in str(exc) and "file not found" in str(exc) and "Fix:" in str(exc)


def test_fatal_boundary_is_points(tmp_path):
    folder = pf.make_park(tmp_path)
    pf.write_geojson(folder / "boundary.geojson", pf.points_gdf(3))
    exc = fatal(folder)
    assert {p.check for p in exc.report.problems if p.severity == FATAL} == {"empty_layer"}
    assert "wrong_geometry" in checks_of(exc.report, ERROR)


def test_fatal_boundary_garbage_or_without_crs(tmp_path):
    folder = pf.make_park(tmp_path)
    (folder / "boundary.geojson").write_bytes(b"\x89\x00\x13 random bytes" * 20)
    exc = fatal(folder)
    assert "boundary.geojson" in str(exc) and exc.report.problems[0].check == "unreadable"
    pf.write_shp(folder / "b.shp", pf.boundary_gdf(pf.UTM), prj=False)
    (folder / "park.toml").write_text(MINIMAL.format(extra="").replace("boundary.geojson", "b.shp"))
    exc = fatal(folder)
    assert "missing_crs" in checks_of(exc.report, FATAL)


def test_fatal_no_manifest_or_bad_manifest(tmp_path):
    exc = fatal(tmp_path)
    assert "python -m layers init" in str(exc)
    (tmp_path / "park.toml").write_text("[park\nname = 1")
    exc = fatal(tmp_path)
    assert "line 1" in str(exc) and exc.report.problems[0].check == "manifest"


def test_fatal_bad_crs_override(tmp_path):
    folder = pf.make_park(tmp_path, toml=MINIMAL.replace("[layers]", 'crs = "EPSG:4326"\n[layers]').format(extra=""))
    exc = fatal(folder)
    assert "park_crs" in checks_of(exc.report, FATAL) and "metres" in str(exc)


def test_park_with_truth_folder(tmp_path):
    folder = pf.make_park(tmp_path, toml=MINIMAL.format(extra=""))
    (folder / "truth").mkdir()
    assert load_park(folder).has_truth


def test_large_track_file_loads_fast(tmp_path):
    import time

    folder = pf.make_park(tmp_path, n_tracks=20, n_points=5000, toml=MINIMAL.format(extra='patrols = "patrols.gpx"\n'))
    t0 = time.process_time()
    park = load_park(folder)
    elapsed = time.process_time() - t0
    assert len(park.tracks) == 100_000
    assert elapsed < 5.0, f"loading 100,000 GPS fixes took {elapsed:.1f} s of CPU"


def test_boundary_made_of_several_polygons_is_dissolved(tmp_path):
    folder = pf.make_park(tmp_path, toml=MINIMAL.format(extra=""))
    parts = gpd.GeoDataFrame(
        {"zone": ["w", "e"]}, geometry=[box(35.0, -2.2, 35.1, -2.0), box(35.1, -2.2, 35.2, -2.0)], crs=4326
    )
    pf.write_geojson(folder / "boundary.geojson", parts)
    park = load_park(folder)
    assert len(park.boundary) == 1 and park.boundary.geom_type.iloc[0] == "Polygon"
    assert park.boundary_geometry.contains(Point(park.grid.xy(10, 10)))


def test_tracks_from_csv_are_grouped_and_sorted(tmp_path):
    folder = pf.make_park(tmp_path, toml=MINIMAL.format(extra='patrols = "fixes.csv"\n'))
    track, times, lon, lat = pf.track_arrays(2, 4)
    df = pd.DataFrame(
        {
            "Patrol_ID": np.where(track == 0, "P-B", "P-A"),
            "Timestamp": pd.to_datetime(times, unit="s").strftime("%Y-%m-%dT%H:%M:%S+03:00"),
            "Lng": lon,
            "Lat": lat,
        }
    ).iloc[::-1]  # newest first, as some exports are
    df.loc[df.index[0], "Timestamp"] = "bad"
    df.to_csv(folder / "fixes.csv", index=False)
    park = load_park(folder)
    tr = park.tracks
    assert len(tr) == 7 and [p.row for p in park.report.problems if p.check == "bad_date"] == [1]
    # "P-A" sorts first: it is the second track of the file, and lost its newest fix (row 1)
    assert tr[COL_TRACK].tolist() == [0] * 3 + [1] * 4
    expected = pd.to_datetime(times[4:7], unit="s", utc=True) - pd.Timedelta(hours=3)
    assert tr[COL_TIME].iloc[:3].tolist() == list(expected)
    assert tr[COL_SOURCE_ROW].tolist() == [4, 3, 2, 8, 7, 6, 5]
    np.testing.assert_allclose(tr.to_crs(4326).geometry.x.iloc[:3], lon[4:7], atol=1e-9)


def test_progress_is_reported(tmp_path):
    calls = []
    load_park(pf.make_park(tmp_path), progress=lambda f, msg: calls.append((f, msg)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert any("patrol" in msg for _, msg in calls)
