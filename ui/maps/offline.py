"""The offline Leaflet map: assets served from ``./static/``, the plain background, tiles and controls.

Leaflet and its plugins are served by the app itself from ``./static/``
(Streamlit serves it at ``/app/static/``); :func:`localize` rewrites every
element's script and stylesheet links to those files and refuses any link it
does not know, so no map ever waits on a CDN.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
from branca.element import MacroElement
from jinja2 import Template

from ui.maps.styles import BACKGROUND

STATIC_URL = "/app/static"

# CDN links folium and its plugins ask for, mapped to the files in ./static/.
# ``None`` means the file is not needed by anything this app draws and is dropped.
_LEAFLET_JS = f"{STATIC_URL}/leaflet/leaflet.js"
_LEAFLET_CSS = f"{STATIC_URL}/leaflet/leaflet.css"
_JQUERY_JS = f"{STATIC_URL}/jquery/jquery.min.js"
_CLUSTER_JS = f"{STATIC_URL}/markercluster/leaflet.markercluster.js"
_CLUSTER_CSS = f"{STATIC_URL}/markercluster/MarkerCluster.css"
_CLUSTER_DEFAULT_CSS = f"{STATIC_URL}/markercluster/MarkerCluster.Default.css"
_LOCAL_BY_NAME = {
    "leaflet": _LEAFLET_JS,
    "leaflet_css": _LEAFLET_CSS,
    "markerclusterjs": _CLUSTER_JS,
    "markerclustercss": _CLUSTER_CSS,
    "markerclusterdefaultcss": _CLUSTER_DEFAULT_CSS,
    "jquery": _JQUERY_JS,  # folium's popups build their content with jQuery
    # folium.Map's other extras: Bootstrap, glyphicons, Font Awesome and
    # awesome-markers are only used by folium.Icon markers, which this app does not draw.
    "bootstrap": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers": None,
    "awesome_markers_css": None,
    "awesome_markers_font_css": None,
    "awesome_rotate_css": None,
}


class OfflineMap(folium.Map):
    """A :class:`folium.Map` that loads Leaflet from the app's own static files."""

    # Marker clusters are loaded with the map: layers added later by the app may need them.
    default_js = [("leaflet", _LEAFLET_JS), ("jquery", _JQUERY_JS), ("markerclusterjs", _CLUSTER_JS)]
    default_css = [
        ("leaflet_css", _LEAFLET_CSS),
        ("markerclustercss", _CLUSTER_CSS),
        ("markerclusterdefaultcss", _CLUSTER_DEFAULT_CSS),
    ]


def localize(m: folium.Map) -> folium.Map:
    """Point every script and stylesheet of ``m`` and its children at ``/app/static``.

    Raises
    ------
    ValueError
        If an element asks for an asset this app does not ship (add it to
        ``./static/`` and to ``_LOCAL_BY_NAME``).
    """

    def walk(element):
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(m):
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if not links:
                continue
            local = []
            for name, url in links:
                if url.startswith(STATIC_URL):
                    local.append((name, url))
                    continue
                if name not in _LOCAL_BY_NAME:
                    raise ValueError(f"{type(element).__name__} needs {url!r}, which is not served from ./static/")
                if _LOCAL_BY_NAME[name] is not None:
                    local.append((name, _LOCAL_BY_NAME[name]))
            setattr(element, attr, local)
    return m


def asset_links(m: folium.Map) -> list[str]:
    """Every script and stylesheet URL that ``m`` and its children ask for."""
    out = []

    def walk(element):
        for attr in ("default_js", "default_css"):
            out.extend(url for _, url in getattr(element, attr, None) or [])
        for child in getattr(element, "_children", {}).values():
            walk(child)

    walk(m)
    return out


class Background(MacroElement):
    """A plain background colour for the map container (the basemap offline)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.getContainer().style.background = {{ this.colour|tojson }};
(function () {
    var style = document.createElement("style");
    style.innerHTML = ".leaflet-control-layers, .leaflet-control-scale { font: 12px/1.4 sans-serif; }"
        + ".leaflet-control-layers-list label { margin: 0; }";
    document.head.appendChild(style);
})();
{% endmacro %}
"""
    )

    def __init__(self, colour: str = BACKGROUND):
        super().__init__()
        self._name = "Background"
        self.colour = colour


def base_map(bounds_ll: Sequence[Sequence[float]] | None = None, height: int = 600) -> OfflineMap:
    """An empty offline map with a plain background, fitted to ``[[s, w], [n, e]]``."""
    m = OfflineMap(location=[0, 0], zoom_start=2, tiles=None, control_scale=True, prefer_canvas=True)
    # With no tile layer nothing sets the zoom range; marker clusters need it.
    m.options["max_zoom"] = 18
    m.options["min_zoom"] = 3
    m.options["zoom_snap"] = 0.25  # fit the park tightly
    Background().add_to(m)
    if bounds_ll is not None:
        m.fit_bounds(bounds_ll)
    return m


def add_online_tiles(m: folium.Map) -> None:
    """OpenStreetMap and satellite tiles as optional layers, off by default.

    They need the internet: unchecked they make no request, and offline they
    simply stay blank.
    """
    folium.TileLayer(
        "OpenStreetMap", name="OpenStreetMap (online only)", overlay=True, show=False, control=True
    ).add_to(m)
    folium.TileLayer(
        tiles="https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        attr="Esri World Imagery",
        name="Satellite (online only)",
        overlay=True,
        show=False,
        control=True,
    ).add_to(m)


def layer_control(collapsed: bool = True) -> folium.LayerControl:
    """The layer switcher, top right: folded to Leaflet's layers button (hover or tap to open) so it hides no map."""
    return folium.LayerControl(collapsed=collapsed, position="topright")


def map_html(m: folium.Map) -> str:
    """The full standalone HTML of ``m`` (used by tests and screenshots)."""
    return m.get_root().render()
