"""Colours, line styles, units and titles of every map layer (one place for the map's defaults)."""

from __future__ import annotations

BACKGROUND = "#e9e4d8"  # plain basemap colour where no hillshade is drawn

INCIDENT_COLOURS = {
    "snare": "#e6550d",
    "elephant_carcass": "#6a51a3",
    "rhino_carcass": "#cb181d",
    "poacher_camp": "#8c564b",
    "arrest": "#2171b5",
    "seizure": "#17becf",
    "carcass": "#bcbddc",  # natural or unknown cause: not an attack
    "other": "#737373",
}
FEATURE_STYLES = {
    "roads": {"color": "#8c6d31", "weight": 2, "dashArray": None},
    "rivers": {"color": "#2b8cbe", "weight": 2, "dashArray": None},
    "villages": {"color": "#636363", "weight": 1, "dashArray": None},
    "waterholes": {"color": "#08519c", "weight": 1, "dashArray": None},
}
DEFAULT_FEATURE_STYLE = {"color": "#525252", "weight": 1.5, "dashArray": "4 3"}
ROUTE_COLOURS = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999")
RASTER_UNITS = {
    "dem": "m above sea level",
    "elevation": "m above sea level",
    "ndvi": "NDVI, unitless -1 to 1",
    "elephant_density": "elephants per km²",
    "rhino_density": "rhinos per km²",
    "landcover": "class code",
}
RASTER_TITLES = {"dem": "Elevation (DEM)", "elevation": "Elevation", "ndvi": "NDVI"}
RASTER_CMAPS = {"ndvi": "YlGn", "elephant_density": "Purples", "rhino_density": "Reds", "landcover": "tab20"}
