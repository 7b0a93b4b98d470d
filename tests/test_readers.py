"""Tests of layers.readers, layers.files, layers.tabular and layers.rasters: every format, column aliases, hostile and corrupt files."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import parkfiles as pf
import pytest
import shapely
from shared_data import SHARED_DATA

from layers import files, readers
from layers.defaults import COL_SOURCE_FILE, COL_SOURCE_ROW
from layers.errors import LayerReadError
from layers.rasters import raster_info
from layers.readers import read_vector
from layers.report import LoadReport


def assert_posts(gdf, n=3, crs=4326):
    assert len(gdf) == n
    assert gdf.crs.to_epsg() == crs
    assert gdf[COL_SOURCE_ROW].tolist() == list(range(1, n + 1))
    assert (gdf.geom_type == "Point").all()
    back = gdf.to_crs(4326)
    expected = pf.inside_points(n, 0)
    np.testing.assert_allclose(np.column_stack([back.geometry.x, back.geometry.y]), expected, atol=1e-5)


@pytest.mark.parametrize(
    ("name", "writer"),
    [
        ("posts.geojson", pf.write_geojson),
        ("posts.gpkg", pf.write_gpkg),
        ("posts.shp", pf.write_shp),
        ("posts.zip", pf.write_zipped_shp),
    ],
)
@pytest.mark.parametrize("crs", [4326, 32736])
def test_gdal_vector_formats(tmp_path, name, writer, crs):
    path = writer(tmp_path / name, pf.points_gdf(3, crs=f"EPSG:{crs}"))
    gdf = read_vector(path)
    assert_posts(gdf, crs=crs)
    assert gdf["name"].tolist() == ["Post 1", "Post 2", "Post 3"]
    assert gdf[COL_SOURCE_FILE].iloc[0] == name


def test_zipped_shapefile_in_a_subfolder(tmp_path):
    path = pf.write_zipped_shp(tmp_path / "roads.zip", pf.lines_gdf(pf.UTM), folder_inside="data/roads/")
    gdf = read_vector(path)
    assert len(gdf) == 2 and gdf.crs.to_epsg() == 32736 and (gdf.geom_type == "LineString").all()


def test_kml(tmp_path):
    gdf = read_vector(pf.write_kml(tmp_path / "posts.kml", pf.points_gdf(3)))
    assert_posts(gdf)
    assert gdf["Name"].tolist() == ["Post 1", "Post 2", "Post 3"]


def test_gpx_tracks_and_waypoints(tmp_path):
    path = pf.write_gpx(tmp_path / "t.gpx", n_tracks=2, n_points=5)
    tracks = read_vector(path, role="patrols")
    assert len(tracks) == 10 and tracks.crs.to_epsg() == 4326
    assert tracks["track_fid"].tolist() == [0] * 5 + [1] * 5
    assert str(tracks["time"].dtype).endswith("UTC]")
    assert tracks["time"].iloc[0] == pd.Timestamp("2024-01-01T06:00:00Z")
    _, times, lon, lat = pf.track_arrays(2, 5)
    np.testing.assert_allclose(tracks.geometry.x, lon, atol=1e-6)
    np.testing.assert_allclose(tracks.geometry.y, lat, atol=1e-6)
    # Without the patrols role a GPX with no waypoints still gives its track points.
    assert len(read_vector(path)) == 10


def test_csv_lonlat_aliases_and_case(tmp_path):
    df = pf.incidents_frame(3).rename(columns={"lon": "Longitude", "lat": "LATITUDE"})
    gdf = read_vector(pf.write_csv(tmp_path / "i.csv", df))
    assert gdf.crs.to_epsg() == 4326
    np.testing.assert_allclose(gdf.geometry.x, df["Longitude"])
    assert "Longitude" not in gdf.columns and "category" in gdf.columns
    df = pf.incidents_frame(3).rename(columns={"lon": "lng", "lat": "lat"})
    assert len(read_vector(pf.write_csv(tmp_path / "j.csv", df, sep=";"))) == 3


def test_csv_xy_with_crs_from_manifest(tmp_path):
    path = pf.write_csv_xy(tmp_path / "p.csv", 3, names=("Easting", "Northing"))
    gdf = read_vector(path, columns={"crs": "EPSG:32736"})
    assert_posts(gdf, crs=32736)
    no_crs = read_vector(path)
    assert no_crs.crs is None  # the missing-CRS check decides


def test_csv_xy_with_prj_sidecar(tmp_path):
    path = pf.write_csv_xy(tmp_path / "p.csv", 3)
    (tmp_path / "p.prj").write_text(pf.boundary_gdf(pf.UTM).crs.to_wkt())
    assert read_vector(path).crs.to_epsg() == 32736


def test_csv_wkt(tmp_path):
    gdf = read_vector(pf.write_csv_wkt(tmp_path / "w.csv", pf.lines_gdf()), columns={"crs": "EPSG:4326"})
    assert (gdf.geom_type == "LineString").all() and gdf.crs.to_epsg() == 4326
    assert "WKT" not in gdf.columns


def test_csv_mapped_columns_and_wrong_mapping(tmp_path):
    df = pd.DataFrame({"gps_e": [35.1], "gps_s": [-2.1], "t": ["2024-01-01"]})
    path = pf.write_csv(tmp_path / "m.csv", df)
    gdf = read_vector(path, columns={"lon": "GPS_E", "lat": "gps_s"})
    assert gdf.geometry.x.iloc[0] == 35.1
    with pytest.raises(LayerReadError, match="'nope', which is not in the file"):
        read_vector(path, columns={"lon": "nope", "lat": "gps_s"})
    with pytest.raises(LayerReadError, match="no coordinate columns"):
        read_vector(path)


def test_csv_rows_without_coordinates_are_listed(tmp_path):
    df = pd.DataFrame({"lon": ["35.1", "", "abc", "35.12"], "lat": ["-2.1", "-2.1", "-2.1", "-2,11"]})
    report = LoadReport()
    gdf = read_vector(pf.write_csv(tmp_path / "c.csv", df), report=report, layer_name="incidents")
    assert gdf[COL_SOURCE_ROW].tolist() == [1, 4]
    assert gdf.geometry.y.iloc[1] == pytest.approx(-2.11)  # decimal comma
    bad = [p for p in report.problems if p.check == "bad_coordinates"]
    assert [p.row for p in bad] == [2, 3] and all(p.file == "c.csv" for p in bad)


def test_earthranger_location_dicts(tmp_path):
    df = pd.DataFrame({"location": ["{'latitude': '-2.1', 'longitude': '35.1'}"], "event_type": ["snare"]})
    gdf = read_vector(pf.write_csv(tmp_path / "er.csv", df))
    assert (gdf.geometry.x.iloc[0], gdf.geometry.y.iloc[0]) == (35.1, -2.1)


def test_wrong_extension_is_read_by_content(tmp_path):
    path = pf.write_csv(tmp_path / "posts.geojson", pf.incidents_frame(2))
    gdf = read_vector(path)
    assert len(gdf) == 2
    assert "CSV" in gdf.attrs["read_notes"][0] and ".geojson" in gdf.attrs["read_notes"][0]
    gpkg = pf.write_gpkg(tmp_path / "posts.gpkg", pf.points_gdf(3))
    assert len(read_vector(gpkg.rename(tmp_path / "posts.shp"))) == 3


@pytest.mark.parametrize(
    ("content", "name", "match"),
    [
        (b"", "empty.geojson", "empty"),
        (b"   \n\n", "blank.csv", "blank space"),
        (b"\x00\x01\x02garbage\xff" * 50, "junk.geojson", "cannot be read"),
        (b'{"type": "FeatureCollection", "features": [', "cut.geojson", "cannot be read"),
        (b"PK\x03\x04 this is not really a zip", "bad.zip", "not a valid zip"),
        (b"just one line of words\n", "words.csv", "not a CSV table"),
        (b"II*\x00" + b"\x00" * 100, "raster.shp", "raster"),
    ],
)
def test_hostile_and_corrupt_files_fail_clearly(tmp_path, content, name, match):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LayerReadError, match=match) as info:
        read_vector(path)
    assert name in str(info.value) and "Fix:" in str(info.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(LayerReadError, match="file not found"):
        read_vector(tmp_path / "nope.geojson")
    with pytest.raises(LayerReadError, match="folder"):
        read_vector(tmp_path)


def test_shapefile_without_sidecars(tmp_path):
    path = pf.write_shp(tmp_path / "p.shp", pf.points_gdf(3))
    path.with_suffix(".shx").unlink()
    path.with_suffix(".dbf").unlink()
    try:
        gdf = read_vector(path)  # GDAL may rebuild the index
    except LayerReadError as exc:
        assert ".shx" in str(exc) or "p.shp" in str(exc)
    else:
        assert len(gdf) == 3


def test_zip_bomb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "ZIP_RATIO_MIN_BYTES", 1024**2)
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("roads.shp", b"\x00" * (8 * 1024**2))
    with pytest.raises(LayerReadError, match="hostile"):
        read_vector(path)
    monkeypatch.setattr(files, "MAX_UNCOMPRESSED_BYTES", 100)
    with pytest.raises(LayerReadError, match="expand"):
        read_vector(pf.write_zipped_shp(tmp_path / "r.zip", pf.lines_gdf()))


def test_oversized_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    with pytest.raises(LayerReadError, match="limit"):
        read_vector(pf.write_geojson(tmp_path / "b.geojson", pf.boundary_gdf()))


def test_zip_without_a_layer(tmp_path):
    path = tmp_path / "docs.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(LayerReadError, match="no vector layer"):
        read_vector(path)


def test_raster_info(tmp_path):
    path = pf.write_geotiff(tmp_path / "dem.tif", shape=(10, 12), nodata=-1)
    info = raster_info(path)
    assert (info.width, info.height, info.count) == (12, 10, 1)
    assert info.crs.to_epsg() == 32736 and info.nodata == -1 and info.dtype == "float32"


@pytest.mark.parametrize(
    ("content", "match"),
    [(b"", "empty"), (b"\x00\x01garbage" * 40, "cannot be read as a raster"), (b'{"type": "Feature"}', "vector")],
)
def test_bad_rasters(tmp_path, content, match):
    path = tmp_path / "dem.tif"
    path.write_bytes(content)
    with pytest.raises(LayerReadError, match=match):
        raster_info(path)


def test_truncated_geotiff(tmp_path):
    path = pf.write_geotiff(tmp_path / "dem.tif", shape=(64, 64))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(LayerReadError, match="dem.tif"):
        raster_info(path)


def test_point_wkb_fast_path_matches_shapely():
    import pyarrow as pa

    pts = shapely.points(np.array([[1.5, -2.25], [35.0, 0.0]]))
    arr = pa.array(list(shapely.to_wkb(pts, byte_order=1)), type=pa.binary())
    out = readers._points_from_wkb(arr)
    assert shapely.equals(out, pts).all()
    mixed = pa.array(list(shapely.to_wkb([pts[0], shapely.box(0, 0, 1, 1)])), type=pa.binary())
    assert shapely.get_type_id(readers._points_from_wkb(mixed)).tolist() == [0, 3]


SHARED = SHARED_DATA / "parks"


@pytest.mark.skipif(
    not SHARED.is_dir(), reason="the shared real-data folder ../shared/data is not beside the repository"
)
def test_real_park_files():
    kruger = read_vector(SHARED / "kruger/waterholes/waterpoints_zambatis_2011.shp")
    assert len(kruger) == 514 and kruger.crs.to_epsg() == 32736
    mara = read_vector(SHARED / "mara/maec_4zones_UTM36S.gpkg")
    assert len(mara) == 4 and mara.crs.to_epsg() == 32736
    pendjari = read_vector(SHARED / "pendjari/pendjari.geojson")
    assert (pendjari.geom_type.isin(["Polygon", "MultiPolygon"])).all() and pendjari.crs.to_epsg() == 4326
    buffalo = read_vector(SHARED / "w-niger/buffalo_w_np_traj_utm31n.csv", columns={"crs": "EPSG:32631"})
    assert len(buffalo) > 100 and buffalo.crs.to_epsg() == 32631 and "timestamp_utc" in buffalo.columns
    info = raster_info(SHARED / "w-niger/w_np_habitat_30m.tif")
    assert info.crs.to_epsg() == 32631
