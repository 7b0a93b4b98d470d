"""The map's legend and colours: distinct colours per layer, named categories, scales that stay, routes in view."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import parkfiles as pf
import pytest
from matplotlib.colors import to_rgba
from shapely.geometry import LineString, Point

from layers.park import load_park
from patrols.route import Patrol, Plan
from ui import maps


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    folder = pf.make_park(tmp_path_factory.mktemp("maps") / "park")
    return load_park(folder)


def legend_of(m) -> str:
    return next(c for c in m._children.values() if isinstance(c, maps.Legend)).html


def test_no_two_kinds_of_thing_share_a_colour():
    features = {k: v["color"] for k, v in maps.FEATURE_STYLES.items()}
    incidents = dict(maps.INCIDENT_COLOURS)
    assert features["waterholes"] != incidents["arrest"]
    assert len({features["villages"], features["fords"], features["gates"]}) == 3
    fixed = set(features.values()) | set(incidents.values()) | {maps.TRACK_COLOUR}
    assert not set(maps.ROUTE_COLOURS) & (set(features.values()) | {maps.TRACK_COLOUR, "#ffd92f"})  # posts: yellow
    assert len(set(features.values())) == len(features) and len(set(incidents.values())) == len(incidents)
    assert not fixed & set(maps.SPARE_FEATURE_COLOURS)


def test_land_cover_is_drawn_as_named_classes_of_distinct_colours(park, tmp_path):
    codes = np.repeat(np.array([[1, 2], [3, 5]], dtype="uint8"), 10, axis=0).repeat(10, axis=1)
    path = pf.write_geotiff(tmp_path / "lc.tif", pf.UTM, dtype="uint8", values=codes)
    names = {1: "Grassland", 2: "Shrubland", 3: "Woodland"}
    over = maps.raster_file_overlay("Land cover", path, categorical=True, class_names=names)
    entries = dict(over.scale.categories)
    assert list(entries) == ["Grassland", "Shrubland", "Woodland", "class 5"]
    assert len(set(entries.values())) == 4
    html = maps.legend_html(scales=[over.scale])
    assert "Grassland" in html and "class 5" in html and "linear-gradient" not in html
    # the image holds exactly the legend's colours (no blend between codes)
    import base64
    import io

    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(base64.b64decode(over.url.split(",", 1)[1]))))
    seen = {tuple(px[:3]) for px in img.reshape(-1, 4) if px[3] > 0}
    allowed = {tuple((np.array(to_rgba(c)[:3]) * 255).round().astype(int)) for c in entries.values()}
    assert seen and seen <= allowed


def test_risk_classes_are_named_categories(park):
    from riskmodel.riskmap import CLASS_NAMES, RiskSurface, risk_classes
    from ui.common import risk_overlays

    risk = np.where(park.grid.mask, np.random.default_rng(0).random(park.grid.shape), np.nan).astype(np.float32)
    surface = RiskSurface(park.grid, risk, risk * 0, risk_classes(risk, park.grid.mask), "kde", None)
    classes = next(o for o in risk_overlays(surface) if o.name == "Risk classes")
    assert [n for n, _ in classes.scale.categories] == list(CLASS_NAMES.values())


def test_filtered_scales_stay_in_the_legend_and_tracks_are_listed(park):
    effort = maps.ScaleEntry("Patrol effort", "km per cell", maps.ramp("Greens"), 0.0, 3.0, True)
    m = maps.park_base_map(park, [], extra_scales=[effort], tracks=True)
    html = legend_of(m)
    assert "Patrol effort" in html and 'data-layer="Patrol effort"' not in html  # not hidden by layer swaps
    assert "Patrol GPS tracks" in html


def test_points_in_a_line_layer_are_dots_with_a_legend_entry(park):
    mixed = gpd.GeoDataFrame(
        {"name": ["river", "ford"]},
        geometry=[LineString([(35.02, -2.19), (35.12, -2.03)]), Point(35.06, -2.1)],
        crs="EPSG:4326",
    ).to_crs(park.crs)
    m = maps.base_map(maps.park_bounds(park))
    swatches = maps.add_features(m, {"streams": mixed})
    assert ("Streams", swatches[0][1], "line") in swatches and any("(points)" in s[0] for s in swatches)
    html = maps.map_html(m)
    assert "L.marker(" not in html  # no default pin
    assert "L.CircleMarker(" in html or "L.circleMarker(" in html


def test_the_plan_map_opens_on_the_routes(park):
    post = park.posts.geometry.iloc[0]
    path = np.array([[post.x, post.y], [post.x + 2000, post.y + 1000], [post.x, post.y]])
    patrol = Patrol("P1", "Post 1", 1, dt.date(2026, 1, 1), "foot", path, park.crs)
    plan = Plan("Tiny", dt.date(2026, 1, 1), 1, [patrol])
    (s, w), (n, e) = maps.route_bounds(plan)
    (ps, pw), (pn, pe) = maps.park_bounds(park)
    assert (n - s) < 0.5 * (pn - ps) and (e - w) < 0.5 * (pe - pw)
    m = maps.park_base_map(park, [], plan=plan, open_on_routes=True)
    html = maps.map_html(m)
    assert f"{s:.6f}"[:7] in html  # fitBounds on the routes
