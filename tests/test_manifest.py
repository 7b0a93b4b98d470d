"""Tests of layers.manifest: reading park.toml and drafting one for a folder."""

from __future__ import annotations

import tomllib

import numpy as np
import parkfiles as pf
import pytest

from layers.draft import draft_manifest
from layers.errors import ManifestError
from layers.manifest import read_manifest


def write(folder, text):
    (folder / "park.toml").write_text(text, encoding="utf-8")
    return folder


def test_reads_the_full_example(tmp_path):
    pf.make_park(tmp_path)
    m = read_manifest(tmp_path)
    assert m.name == "Tiny Park" and m.cell_size_m == 500.0 and m.crs is None
    assert m.layers["boundary"] == tmp_path / "boundary.geojson"
    assert set(m.layers) == {"boundary", "incidents", "patrols", "posts"}
    assert set(m.features) == {"roads", "rivers", "villages", "waterholes"}
    assert m.rasters["landcover"].categorical and not m.rasters["dem"].categorical
    assert m.rasters["landcover"].path == tmp_path / "landcover.tif"
    assert m.columns["incidents"] == {"time": "date", "type": "category"}
    assert m.missing_files() == {}


def test_defaults_and_missing_files_are_named(tmp_path):
    write(tmp_path, '[layers]\nboundary = "b.geojson"\n[layers.rasters]\ndem = "dem.tif"\n')
    m = read_manifest(tmp_path / "park.toml")
    assert m.name == tmp_path.name and m.cell_size_m == 500.0
    assert set(m.missing_files()) == {"boundary", "dem"}


def test_no_manifest_says_how_to_make_one(tmp_path):
    with pytest.raises(ManifestError, match="python -m layers init"):
        read_manifest(tmp_path)


def test_toml_syntax_error_names_file_line_and_fix(tmp_path):
    write(tmp_path, '[park]\nname = Tiny Park\n[layers]\nboundary = "b.geojson"\n')
    with pytest.raises(ManifestError) as info:
        read_manifest(tmp_path)
    text = str(info.value)
    assert "park.toml, line 2" in text and "name = Tiny Park" in text and "Fix:" in text
    assert isinstance(info.value.__cause__, tomllib.TOMLDecodeError)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[park]\ncell_size_m = 50\n[layers]\nboundary = "b.shp"\n', "outside 100-2000"),
        ('[park]\ncell_size_m = "big"\n[layers]\nboundary = "b.shp"\n', "not a number"),
        ('[park]\nname = "P"\n', "no \\[layers\\]"),
        ('[layers]\nincidents = "i.csv"\n', "names no boundary"),
        ('[layers]\nboundary = "b.shp"\nroads = "r.shp"\n', "unknown layer role 'roads'"),
        ("[layers]\nboundary = 3\n", "file name in quotes"),
        ('[layers]\nboundary = "b.shp"\n[columns.incidents]\ndate = "d"\n', "unknown keys"),
    ],
)
def test_impossible_manifests_are_refused_with_a_fix(tmp_path, text, match):
    write(tmp_path, text)
    with pytest.raises(ManifestError, match=match):
        read_manifest(tmp_path)


def test_draft_guesses_roles(tmp_path):
    pf.write_geojson(tmp_path / "park_boundary.geojson", pf.boundary_gdf())
    pf.write_geojson(tmp_path / "zones.geojson", pf.boundary_gdf().assign(name="zone"))
    pf.write_csv(tmp_path / "records.csv", pf.incidents_frame(10))
    pf.write_gpx(tmp_path / "tracks.gpx", 2, 10)
    pf.write_gpkg(tmp_path / "ranger_posts.gpkg", pf.points_gdf(3, crs=pf.UTM))
    pf.write_zipped_shp(tmp_path / "roads.zip", pf.lines_gdf(pf.UTM))
    pf.write_geotiff(tmp_path / "dem.tif")
    pf.write_geotiff(tmp_path / "landcover.tif", dtype="uint8", values=np.arange(400) % 4)
    (tmp_path / "broken.geojson").write_bytes(b"\x00garbage")
    text = draft_manifest(tmp_path)
    data = tomllib.loads(text)  # the draft is valid TOML
    assert data["layers"]["boundary"] == "park_boundary.geojson"
    assert data["layers"]["incidents"] == "records.csv"
    assert data["layers"]["patrols"] == "tracks.gpx"
    assert data["layers"]["posts"] == "ranger_posts.gpkg"
    assert data["layers"]["features"] == {"roads": "roads.zip", "zones": "zones.geojson"}
    assert data["layers"]["rasters"]["dem"] == "dem.tif"
    assert data["layers"]["rasters"]["landcover"] == {"path": "landcover.tif", "categorical": True}
    assert "broken.geojson" in text
    (tmp_path / "park.toml").write_text(text)
    assert read_manifest(tmp_path).layers["boundary"].name == "park_boundary.geojson"


def test_draft_of_a_folder_without_boundary_comments_the_role(tmp_path):
    pf.write_csv(tmp_path / "incidents.csv", pf.incidents_frame(5))
    text = draft_manifest(tmp_path)
    assert '# boundary = "?"' in text
    with pytest.raises(ManifestError):
        draft_manifest(tmp_path / "nope")


def test_draft_finds_shapefiles_in_subfolders_and_skips_truth(tmp_path):
    (tmp_path / "kruger_clip").mkdir()
    (tmp_path / "truth").mkdir()
    pf.write_shp(tmp_path / "kruger_clip" / "kruger_clip.shp", pf.boundary_gdf())
    pf.write_geojson(tmp_path / "truth" / "attacks.geojson", pf.points_gdf(2))
    pf.write_csv_xy(tmp_path / "collar_traj.csv", 3)
    text = draft_manifest(tmp_path)
    data = tomllib.loads(text)
    assert data["layers"]["boundary"] == "kruger_clip/kruger_clip.shp"
    assert "attacks" not in text
    assert data["layers"]["features"] == {"collar_traj": "collar_traj.csv"}  # no time column: not patrols


def test_park_timezone_is_the_default_of_every_layer_and_checked(tmp_path):
    from layers.park import load_park

    utc = load_park(pf.make_park(tmp_path / "utc"))
    toml = pf.PARK_TOML.replace("cell_size_m = 500\n", 'cell_size_m = 500\ntimezone = "Africa/Nairobi"\n')
    local = load_park(pf.make_park(tmp_path / "eat", toml=toml))
    assert local.manifest.timezone == "Africa/Nairobi" and utc.manifest.timezone == "UTC"
    # the file's times carry no zone: read as Nairobi time (UTC+3), they are three hours earlier in UTC
    shift = (utc.incidents["time"].reset_index(drop=True) - local.incidents["time"].reset_index(drop=True)).unique()
    assert list(shift) == [np.timedelta64(3, "h")]
    # a layer's own timezone wins
    toml_own = toml.replace('type = "category"\n', 'type = "category"\ntimezone = "UTC"\n')
    own = load_park(pf.make_park(tmp_path / "own", toml=toml_own))
    assert (own.incidents["time"].to_numpy() == utc.incidents["time"].to_numpy()).all()
    with pytest.raises(ManifestError, match=r"not a known time zone.*Fix"):
        read_manifest(tmp_path, text=toml.replace("Africa/Nairobi", "Africa/Atlantis"))
    with pytest.raises(ManifestError, match=r"\[park\] layer applies to one layer"):
        read_manifest(tmp_path, text=toml.replace("cell_size_m = 500\n", 'cell_size_m = 500\nlayer = "x"\n'))
