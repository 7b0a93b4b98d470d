"""The park map put together: base map with legend, the layers that follow the filters, the whole map."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import folium

from ui.maps.legend import Legend, ScaleEntry, legend_html
from ui.maps.offline import add_online_tiles, base_map, layer_control, localize
from ui.maps.raster import Overlay, add_overlay, overlay_group
from ui.maps.routes import add_routes, route_bounds
from ui.maps.styles import INCIDENT_COLOURS, TRACK_COLOUR
from ui.maps.vector import (
    add_boundary,
    add_features,
    add_posts,
    incident_groups,
    incident_swatches,
    park_bounds,
    track_group,
)


def park_base_map(
    park,
    overlays: Sequence[Overlay] = (),
    plan=None,
    incident_types: Iterable[str] = (),
    extra_scales: Sequence[ScaleEntry] = (),
    online_tiles: bool = True,
    show_features: bool = True,
    legend_open: bool = True,
    tracks: bool = False,
    open_on_routes: bool = False,
) -> folium.Map:
    """The part of the park map that does not follow the filters, with its legend and no layer control.

    ``incident_types``, ``extra_scales`` and ``tracks`` (GPS tracks drawn) only
    fill the legend, so that it stays the same while the filtered layers
    (:func:`filter_layers`) change; those scales stay in the legend whatever the
    layer swaps.  ``legend_open=False`` folds the legend to its title (maps whose
    routes it would hide).  ``open_on_routes`` opens the map on the plan's routes.
    """
    bounds = route_bounds(plan) if plan is not None and open_on_routes else None
    m = base_map(bounds or park_bounds(park))
    scales = []
    for ov in overlays:
        add_overlay(m, ov)
        if ov.scale is not None:
            scales.append(ov.scale)
    scales += [replace(sc, follows_layer=False) for sc in extra_scales]
    swatches = [("Park boundary", "#111111", "line")]
    add_boundary(m, park.boundary)
    if show_features:
        swatches += add_features(m, getattr(park, "features", {}) or {})
    posts = getattr(park, "posts", None)
    if posts is not None and len(posts):
        add_posts(m, posts)
        swatches.append(("Ranger post", "#ffd92f", "dot"))
    swatches += incident_swatches(incident_types)
    if tracks:
        swatches.append(("Patrol GPS tracks", TRACK_COLOUR, "line"))
    if plan is not None:
        swatches += add_routes(m, plan)
    if online_tiles:
        add_online_tiles(m)
    Legend(legend_html(swatches, scales), expanded=legend_open).add_to(m)
    return localize(m)


def filter_layers(
    incidents=None, overlays: Sequence[Overlay] = (), tracks=None, incident_table=None
) -> list[folium.FeatureGroup]:
    """The layers that follow the filters: rasters of the period, GPS tracks, incidents by type.

    ``incident_table`` is :func:`ui.maps.vector.incident_rows` of the frame ``incidents`` was filtered from.
    """
    groups = [overlay_group(ov) for ov in overlays]
    tracks_group = track_group(tracks) if tracks is not None else None
    if tracks_group is not None:
        groups.append(tracks_group)
    groups += incident_groups(incidents, rows=incident_table)
    for g in groups:
        localize(g)
    return groups


def park_map(
    park,
    incidents=None,
    overlays: Sequence[Overlay] = (),
    plan=None,
    tracks=None,
    online_tiles: bool = True,
    show_features: bool = True,
    filtered_overlays: Sequence[Overlay] = (),
) -> folium.Map:
    """The park on one offline map: rasters, boundary, features, posts, incidents, routes, legend, layer control.

    Parameters
    ----------
    park : layers.park.Park
        The loaded park (boundary, posts, features).
    incidents : GeoDataFrame, optional
        The incidents to draw (already filtered); ``park.incidents`` is not drawn unless given.
    overlays : sequence of Overlay
        Rasters (hillshade first), drawn in order under the vectors.
    plan : patrols.route.Plan, optional
        Planned patrol routes.
    tracks : GeoDataFrame, optional
        GPS fixes of patrol tracks.
    filtered_overlays : sequence of Overlay
        Rasters that follow the filters (patrol effort of the period).
    """
    types = list(dict.fromkeys(incidents["type"].astype(str))) if incidents is not None and len(incidents) else []
    m = park_base_map(
        park,
        overlays,
        plan=plan,
        incident_types=[t for t in INCIDENT_COLOURS if t in types] + [t for t in types if t not in INCIDENT_COLOURS],
        extra_scales=[ov.scale for ov in filtered_overlays if ov.scale is not None],
        online_tiles=online_tiles,
        show_features=show_features,
        tracks=tracks is not None and len(tracks) > 1,
    )
    for group in filter_layers(incidents, filtered_overlays, tracks):
        group.add_to(m)
    layer_control().add_to(m)
    return localize(m)
