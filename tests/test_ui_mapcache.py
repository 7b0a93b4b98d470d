"""The map kept on disk as JSON: overlays, rendered base maps and filtered layers survive a server restart."""

from __future__ import annotations

import json
import os
import pickle
import re

import numpy as np
import parkfiles as pf
import pytest
import streamlit_folium as sf

from layers.park import load_park
from ui import diskjson, maps, mapview


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    folder = pf.make_park(tmp_path_factory.mktemp("mapcache") / "park")
    return load_park(folder)


def overlays(park):
    risk = np.linspace(0, 1, park.grid.shape[0] * park.grid.shape[1]).reshape(park.grid.shape)
    classes = (risk * 3).astype(int).astype(float)
    return [
        maps.grid_overlay("Risk of attack", risk, park.grid, "inferno_r", "probability", vmin=0.0),
        maps.grid_overlay(
            "Risk classes", classes, park.grid, "RdYlGn", "share", classes={0: ("low", "#00ff00"), 1: ("high", "#f00")}
        ),
    ]


def test_legend_ramps_are_matplotlibs():
    import matplotlib
    from matplotlib.colors import to_hex

    for name, colours in maps.LEGEND_RAMPS.items():
        cm = matplotlib.colormaps[name]
        assert list(colours) == [to_hex(cm(i / 5)) for i in range(6)], name
        assert maps.ramp(name) == list(colours)
    assert len(maps.ramp("Greens", n=3)) == 3  # other lengths still come from matplotlib


def test_an_overlay_survives_json(park):
    for o in overlays(park):
        back = maps.overlay_from_dict(json.loads(json.dumps(maps.overlay_to_dict(o))))
        assert (back.name, back.url, back.opacity, back.show) == (o.name, o.url, o.opacity, o.show)
        assert np.allclose(back.bounds, o.bounds)
        assert list(back.scale.colours) == list(o.scale.colours)
        assert [tuple(c) for c in back.scale.categories] == [tuple(c) for c in o.scale.categories]
        assert maps.legend_html(scales=[back.scale]) == maps.legend_html(scales=[o.scale])


def private(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    os.chmod(folder, 0o700)
    return folder


def test_json_is_read_only_from_a_private_folder(tmp_path):
    folder = private(tmp_path)
    assert diskjson.write(folder, "mapbase-x", {"a": [1, 2]})
    assert diskjson.read(folder, "mapbase-x") == {"a": [1, 2]}
    assert (folder / "mapbase-x.json").stat().st_mode & 0o077 == 0
    os.chmod(folder, 0o755)  # opened to others: nothing in it is trusted any more
    assert diskjson.read(folder, "mapbase-x") is None
    assert not diskjson.write(folder, "mapbase-y", {"a": 1})
    os.chmod(folder, 0o700)
    (folder / "mapbase-p.json").write_bytes(pickle.dumps({"a": 1}))  # not JSON: never loaded
    os.chmod(folder / "mapbase-p.json", 0o600)
    assert diskjson.read(folder, "mapbase-p") is None


def test_old_files_are_pruned(tmp_path):
    folder = private(tmp_path)
    for i in range(5):
        diskjson.write(folder, f"maplayers-{i}", i)
    diskjson.prune(folder, "maplayers-", keep=2)
    assert sorted(p.name for p in folder.glob("maplayers-*")) == ["maplayers-3.json", "maplayers-4.json"]


def build(park):
    return maps.park_base_map(park, overlays(park), incident_types=list(maps.INCIDENT_COLOURS))


def test_fixed_ids_render_the_same_script_twice(park):
    a = mapview.render_base(mapview.fix_ids(build(park), "seed"))
    b = mapview.render_base(mapview.fix_ids(build(park), "seed"))
    c = mapview.render_base(mapview.fix_ids(build(park), "other"))
    assert a.script == b.script and a.html == b.html and a.map_id == b.map_id
    assert c.script != a.script


def widget_calls(monkeypatch) -> list[dict]:
    calls = []
    monkeypatch.setattr(sf, "_component_func", lambda **kw: calls.append(kw))
    return calls


def test_a_new_process_draws_the_kept_map_without_building_it(park, tmp_path, monkeypatch):
    folder = private(tmp_path)
    calls = widget_calls(monkeypatch)
    built = []

    def make():
        built.append(1)
        return build(park)

    inc = park.incidents
    both = sorted(inc["type"].unique())
    key = ("test-mapcache", str(tmp_path))
    mapview.show(
        make,
        key,
        "m",
        lambda: maps.filter_layers(inc),
        layer_key=("all",),
        disk=folder,
        layer_control=maps.layer_control(),
    )
    assert built == [1]
    first = calls[-1]
    mapview._bases.clear()  # a new server process: nothing in memory
    prepared = []
    monkeypatch.setattr(mapview, "_prepare", prepared.append)  # the background build, checked below
    mapview.show(make, key, "m", lambda: 1 / 0, layer_key=("all",), disk=folder, layer_control=maps.layer_control())
    assert built == [1], "the base map and the layers came from disk"
    assert len(prepared) == 1 and prepared[0].map is None, "the map object is built in the background"
    again = calls[-1]
    assert {k: v for k, v in again.items() if k != "on_change"} == {k: v for k, v in first.items() if k != "on_change"}
    # new layers need the map object: it is built again, with the names the kept script uses
    sel = inc[inc["type"] == both[0]]
    mapview.show(
        make,
        key,
        "m",
        lambda: maps.filter_layers(sel),
        layer_key=("one",),
        disk=folder,
        layer_control=maps.layer_control(),
    )
    assert built == [1, 1]
    third = calls[-1]
    assert third["script"] == first["script"]
    assert third["feature_group"] != first["feature_group"]
    names = set(re.findall(r"image_overlay_div_\d+", first["script"]))
    assert names and all(n in third["layer_control"] for n in names), "the layer control names the kept overlays"
