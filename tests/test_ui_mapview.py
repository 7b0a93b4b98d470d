"""ui.mapview: the base map rendered once sends the widget what st_folium would, whatever the layers."""

from __future__ import annotations

import re
import time

import numpy as np
import parkfiles as pf
import pytest
import streamlit_folium as sf

from layers.park import load_park
from ui import maps, mapview

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    folder = pf.make_park(tmp_path_factory.mktemp("mapview") / "park")
    return load_park(folder)


def build(park):
    risk = np.linspace(0, 1, park.grid.shape[0] * park.grid.shape[1]).reshape(park.grid.shape)
    overlays = [maps.grid_overlay("Risk of attack", risk, park.grid, "inferno_r", "probability", vmin=0.0)]
    return maps.park_base_map(park, overlays, incident_types=list(maps.INCIDENT_COLOURS))


def layers(park, n: int):
    inc = park.incidents
    assert len(inc["type"].unique()) >= 2, "the small park has incidents of two types"
    sel = inc[inc["type"].isin(sorted(inc["type"].unique())[:n])]
    return maps.filter_layers(sel)


def captured(monkeypatch) -> list[dict]:
    calls = []
    monkeypatch.setattr(sf, "_component_func", lambda **kw: calls.append(kw))
    return calls


def normalised(kw: dict) -> dict:
    """The widget's arguments without folium's random element ids and the callback."""
    return {k: HEX_ID.sub("ID", v) if isinstance(v, str) else v for k, v in kw.items() if k != "on_change"}


def test_the_cached_base_map_sends_what_st_folium_sends(park, monkeypatch):
    calls = captured(monkeypatch)
    key = ("test-mapview", time.monotonic())
    for n in (2, 1, 0):  # fewer layers each time: none of the earlier ones may stay behind
        sf.st_folium(
            build(park),
            key="m",
            height=500,
            use_container_width=True,
            returned_objects=[],
            feature_group_to_add=layers(park, n) or None,
            layer_control=maps.layer_control(),
        )
        mapview.show(lambda: build(park), key, "m", layers(park, n), height=500, layer_control=maps.layer_control())
        expected, got = normalised(calls[-2]), normalised(calls[-1])
        assert got.keys() == expected.keys()
        for name in expected:
            assert got[name] == expected[name], (n, name)
        assert len(expected["script"]) > 1000 and (n == 0 or "feature_group_0" in expected["feature_group"])


def test_a_base_map_is_built_once_per_key(park, monkeypatch):
    captured(monkeypatch)
    builds = []

    def counted():
        builds.append(1)
        return build(park)

    key = ("test-mapview-once", time.monotonic())
    for n in (2, 1):
        mapview.show(counted, key, "m", layers(park, n), layer_control=maps.layer_control())
    assert len(builds) == 1
    mapview.show(counted, (*key, "other"), "m", layers(park, 1), layer_control=maps.layer_control())
    assert len(builds) == 2


def test_filtered_layers_are_kept_per_layer_key(park, monkeypatch):
    calls = captured(monkeypatch)
    made = []

    def make(n):
        def run():
            made.append(n)
            return layers(park, n)

        return run

    key = ("test-mapview-layers", time.monotonic())
    for n in (2, 1, 2, 1):
        mapview.show(lambda: build(park), key, "m", make(n), layer_control=maps.layer_control(), layer_key=n)
    assert made == [2, 1], "each set of layers rendered once"
    assert calls[0]["feature_group"] == calls[2]["feature_group"] != calls[1]["feature_group"]
    assert (
        calls[1]["feature_group"].count("map_div.addLayer") == 1
        and calls[0]["feature_group"].count("map_div.addLayer") == 2
    )


def test_risk_rasters_are_written_once_per_surface(park):
    import io
    import zipfile

    from riskmodel.prior import prior_risk
    from ui import riskview

    surface = prior_risk(park)
    files, zipped = riskview.raster_files(surface)
    assert riskview.raster_files(surface)[1] is zipped, "the second call reuses the bytes"
    names = zipfile.ZipFile(io.BytesIO(zipped)).namelist()
    assert sorted(names) == sorted(files) and any(n.endswith("_classes.tif") for n in names)
    assert all(data[:2] in (b"II", b"MM") for name, data in files.items() if name.endswith(".tif")), "GeoTIFF bytes"
