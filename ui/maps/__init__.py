"""Folium maps of a park that draw with no network.

Every function here is plain (no streamlit): it takes park objects or arrays
and returns a :class:`folium.Map` or a piece of one, so tests can inspect the
map as an object.  The pages import this package; each concept lives in its
own module:

- :mod:`ui.maps.styles`: colours, line styles, raster units and titles;
- :mod:`ui.maps.offline`: the offline Leaflet map, its local assets, background, tiles, layer control;
- :mod:`ui.maps.legend`: the foldable legend of swatches and colour ramps;
- :mod:`ui.maps.raster`: hillshade and raster overlays warped to Web Mercator;
- :mod:`ui.maps.vector`: boundary, features, posts, clustered incidents, GPS tracks;
- :mod:`ui.maps.routes`: planned patrol routes;
- :mod:`ui.maps.parkmap`: the park map put together from the above.
"""

from __future__ import annotations

from ui.maps.legend import Legend, ScaleEntry, legend_html
from ui.maps.offline import (
    STATIC_URL,
    Background,
    OfflineMap,
    add_online_tiles,
    asset_links,
    base_map,
    layer_control,
    localize,
    map_html,
)
from ui.maps.parkmap import filter_layers, park_base_map, park_map
from ui.maps.raster import (
    Overlay,
    add_overlay,
    class_colours,
    colourize,
    colourize_classes,
    grid_overlay,
    hillshade,
    hillshade_overlay,
    jpeg_data_url,
    overlay_from_dict,
    overlay_group,
    overlay_to_dict,
    png_data_url,
    ramp,
    raster_file_overlay,
    to_mercator,
)
from ui.maps.routes import add_routes, route_bounds
from ui.maps.styles import (
    BACKGROUND,
    DEFAULT_FEATURE_STYLE,
    FEATURE_STYLES,
    INCIDENT_COLOURS,
    LEGEND_RAMPS,
    RASTER_CMAPS,
    RASTER_TITLES,
    RASTER_UNITS,
    RISK_CLASS_COLOURS,
    ROUTE_COLOURS,
    SPARE_FEATURE_COLOURS,
    TRACK_COLOUR,
)
from ui.maps.vector import (
    add_boundary,
    add_features,
    add_posts,
    incident_groups,
    incident_popup,
    incident_rows,
    incident_swatches,
    local_time_text,
    park_bounds,
    track_group,
)

__all__ = [
    "LEGEND_RAMPS",
    "overlay_from_dict",
    "overlay_to_dict",
    "BACKGROUND",
    "DEFAULT_FEATURE_STYLE",
    "FEATURE_STYLES",
    "INCIDENT_COLOURS",
    "RASTER_CMAPS",
    "RASTER_TITLES",
    "RASTER_UNITS",
    "RISK_CLASS_COLOURS",
    "ROUTE_COLOURS",
    "TRACK_COLOUR",
    "SPARE_FEATURE_COLOURS",
    "STATIC_URL",
    "Background",
    "Legend",
    "OfflineMap",
    "Overlay",
    "ScaleEntry",
    "add_boundary",
    "add_features",
    "add_online_tiles",
    "add_overlay",
    "add_posts",
    "add_routes",
    "asset_links",
    "base_map",
    "class_colours",
    "colourize",
    "colourize_classes",
    "filter_layers",
    "grid_overlay",
    "hillshade",
    "hillshade_overlay",
    "incident_groups",
    "incident_popup",
    "local_time_text",
    "incident_rows",
    "incident_swatches",
    "jpeg_data_url",
    "layer_control",
    "legend_html",
    "localize",
    "map_html",
    "overlay_group",
    "park_base_map",
    "park_bounds",
    "park_map",
    "png_data_url",
    "ramp",
    "route_bounds",
    "raster_file_overlay",
    "to_mercator",
    "track_group",
]
