"""Colours, line styles, units and titles of every map layer (one place for the map's defaults)."""

from __future__ import annotations

BACKGROUND = "#e9e4d8"  # plain basemap colour where no hillshade is drawn

INCIDENT_COLOURS = {
    "snare": "#e6550d",
    "elephant_carcass": "#6a51a3",
    "rhino_carcass": "#cb181d",
    "poacher_camp": "#8c564b",
    "arrest": "#f0027f",  # magenta: no water blue
    "seizure": "#17becf",
    "carcass": "#bcbddc",  # natural or unknown cause: not an attack
    "other": "#737373",
}
FEATURE_STYLES = {
    "roads": {"color": "#8c6d31", "weight": 2, "dashArray": None},
    "rivers": {"color": "#2b8cbe", "weight": 2, "dashArray": None},
    "villages": {"color": "#525252", "weight": 1, "dashArray": None},
    "waterholes": {"color": "#08306b", "weight": 1, "dashArray": None},
    "fords": {"color": "#01665e", "weight": 1, "dashArray": None},
    "gates": {"color": "#bf812d", "weight": 1, "dashArray": None},
}
# other feature layers take these in turn (each distinct from the fixed colours above and the incident colours)
SPARE_FEATURE_COLOURS = ("#35978f", "#8073ac", "#b35806", "#4d9221", "#c51b7d", "#7f3b08")
DEFAULT_FEATURE_STYLE = {"color": "#525252", "weight": 1.5, "dashArray": "4 3"}
# route colours: none of the road brown, river blue, village grey or effort green
ROUTE_COLOURS = ("#e41a1c", "#ff7f00", "#984ea3", "#f781bf", "#00bcd4", "#1a1a1a", "#0000cd", "#66a61e")
TRACK_COLOUR = "#238b45"
# distinct colours of categories (land cover classes and the like), in class order
CATEGORY_COLOURS = (
    "#b8e186", "#dfc27d", "#7fbc41", "#276419", "#969696", "#4393c3",
    "#fdb863", "#8073ac", "#e08214", "#c51b7d", "#35978f", "#542788",
)  # fmt: skip
# risk classes 1 (top 5 %) to 4 (the rest): red to pale
RISK_CLASS_COLOURS = {1: "#b2182b", 2: "#ef8a62", 3: "#fddbc7", 4: "#e0e0e0"}
RASTER_UNITS = {
    "dem": "m above sea level",
    "elevation": "m above sea level",
    "ndvi": "NDVI, unitless -1 to 1",
    "elephant_density": "elephants per km²",
    "rhino_density": "rhinos per km²",
    "landcover": "land cover class",
}
RASTER_TITLES = {"dem": "Elevation (DEM)", "elevation": "Elevation", "ndvi": "NDVI"}
RASTER_CMAPS = {"ndvi": "YlGn", "elephant_density": "Purples", "rhino_density": "Reds", "landcover": "tab20"}

# Six legend colours along the colour maps the pages use (matplotlib's values, checked by
# tests/test_ui_mapcache.py): a legend then needs no matplotlib import on the map page.
LEGEND_RAMPS = {
    "Greens": ("#f7fcf5", "#d3eecd", "#98d594", "#4bb062", "#157f3b", "#00441b"),
    "inferno_r": ("#fcffa4", "#fca50a", "#dd513a", "#932667", "#420a68", "#000004"),
    "Blues": ("#f7fbff", "#d0e1f2", "#94c4df", "#4a98c9", "#1764ab", "#08306b"),
    "Greys": ("#ffffff", "#e2e2e2", "#b5b5b5", "#7a7a7a", "#404040", "#000000"),
    "viridis": ("#440154", "#414487", "#2a788e", "#22a884", "#7ad151", "#fde725"),
    "YlGn": ("#ffffe5", "#e5f5ac", "#a2d88a", "#4cb063", "#15793e", "#004529"),
    "Purples": ("#fcfbfd", "#e2e2ef", "#b6b6d8", "#8683bd", "#61409b", "#3f007d"),
    "Reds": ("#fff5f0", "#fdcab5", "#fc8a6a", "#f14432", "#bc141a", "#67000d"),
}
