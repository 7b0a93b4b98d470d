"""Folium maps of a park that draw with no network.

Every function here is plain (no streamlit): it takes park objects or arrays
and returns a :class:`folium.Map` or a piece of one, so tests can inspect the
map as an object.  Leaflet and its plugins are served by the app itself from
``./static/`` (Streamlit serves it at ``/app/static/``); :func:`localize`
rewrites every element's script and stylesheet links to those files and
refuses any link it does not know, so no map ever waits on a CDN.

Rasters (hillshade, NDVI, densities, effort, risk) are drawn as image
overlays warped to Web Mercator and embedded as PNG data URLs.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import folium
import numpy as np
from branca.element import MacroElement
from folium.plugins import FastMarkerCluster
from jinja2 import Template

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


# --- offline assets ---------------------------------------------------------
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


# --- legends -----------------------------------------------------------------
class Legend(MacroElement):
    """A Leaflet control holding an HTML legend (drawn inside the map's script)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
{{ this.get_name() }}.onAdd = function (map) {
    var div = L.DomUtil.create("div", "park-legend");
    // a <details> element: the legend folds to one line so it never hides the map for long
    div.innerHTML = "<details" + ({{ this.open|tojson }} ? " open" : "") + "><summary style='cursor:pointer;font-weight:bold'>Legend</summary>" + {{ this.html|tojson }} + "</details>";
    div.style.cssText = "background: rgba(255,255,255,0.88); padding: 3px 7px; border-radius: 4px;"
        + "font: 11px/1.3 sans-serif; max-height: 45%; max-width: 300px; overflow-y: auto;"
        + "box-shadow: 0 1px 4px rgba(0,0,0,0.3);";
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
(function (map, legend) {
    // show a colour ramp only while its layer is on the map
    function toggle(name, on) {
        legend.getContainer().querySelectorAll("[data-layer]").forEach(function (el) {
            if (el.getAttribute("data-layer") === name) { el.style.display = on ? "" : "none"; }
        });
    }
    map.on("overlayadd", function (e) { toggle(e.name, true); });
    map.on("overlayremove", function (e) { toggle(e.name, false); });
})({{ this._parent.get_name() }}, {{ this.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self, html_text: str, position: str = "bottomleft", expanded: bool = True):
        super().__init__()
        self._name = "Legend"
        self.html = html_text
        self.position = position
        self.open = bool(expanded)


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


@dataclass
class ScaleEntry:
    """A colour ramp in the legend: title, units, colours and the value range."""

    title: str
    units: str
    colours: Sequence[str]
    vmin: float
    vmax: float
    shown: bool = True  # whether its layer is on when the map opens


def legend_html(
    swatches: Sequence[tuple[str, str, str]] = (), scales: Sequence[ScaleEntry] = (), title: str = ""
) -> str:
    """HTML of a legend: ``swatches`` are ``(label, colour, shape)`` with shape
    ``"dot"``, ``"line"``, ``"box"`` or ``"html"`` (``colour`` is then the icon's HTML);
    ``scales`` are colour ramps with units."""
    parts = [f"<b>{html.escape(title)}</b>"] if title else []
    items = []
    for label, colour, shape in swatches:
        if shape == "dot":
            icon = f'<span style="display:inline-block;width:10px;height:10px;border-radius:50%;background:{colour};border:1px solid #333"></span>'
        elif shape == "line":
            icon = f'<span style="display:inline-block;width:16px;height:0;border-top:3px solid {colour};vertical-align:middle"></span>'
        elif shape == "html":  # ``colour`` is already the icon's HTML
            icon = colour
        else:
            icon = f'<span style="display:inline-block;width:12px;height:10px;background:{colour};border:1px solid #333"></span>'
        items.append(f"<div style='white-space:nowrap'>{icon} {html.escape(label)}</div>")
    if len(items) > 4:  # two columns: half the height over the map
        parts.append(f"<div style='display:grid;grid-template-columns:auto auto;column-gap:8px'>{''.join(items)}</div>")
    else:
        parts += items
    for s in scales:
        gradient = ", ".join(s.colours)
        display = "" if s.shown else "display:none;"
        parts.append(
            f'<div data-layer="{html.escape(s.title)}" style="margin-top:4px;max-width:230px;{display}">'
            f"{html.escape(s.title)} <i>({html.escape(s.units)})</i>"
            f'<div style="width:150px;height:9px;background:linear-gradient(to right, {gradient});border:1px solid #555"></div>'
            f'<div style="display:flex;justify-content:space-between;width:152px">'
            f"<span>{_fmt(s.vmin)}</span><span>{_fmt(s.vmax)}</span></div></div>"
        )
    return "".join(parts)


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    if v != 0 and (abs(v) < 0.01 or abs(v) >= 10000):
        return f"{v:.2g}"
    return f"{v:.3g}"


# --- rasters -------------------------------------------------------------------
def hillshade(elevation: np.ndarray, cell_size: float, azimuth: float = 315.0, altitude: float = 45.0) -> np.ndarray:
    """Shaded relief in [0, 1] of an elevation array (NaN stays NaN).

    Examples
    --------
    >>> z = np.tile(np.arange(5.0), (4, 1)) * 10.0   # slope rising to the east
    >>> hs = hillshade(z, cell_size=10.0)
    >>> bool(np.allclose(hs, hs[0, 0]))
    True
    """
    z = np.asarray(elevation, dtype=float)
    filled = np.where(np.isfinite(z), z, np.nanmean(z) if np.isfinite(z).any() else 0.0)
    dz_drow, dz_dcol = np.gradient(filled, cell_size)
    # surface normal with x east, y north (rows grow southward)
    nx, ny = -dz_dcol, dz_drow
    norm = np.sqrt(nx**2 + ny**2 + 1.0)
    az, alt = np.radians(azimuth), np.radians(altitude)
    light = (np.sin(az) * np.cos(alt), np.cos(az) * np.cos(alt), np.sin(alt))
    shade = np.clip((nx * light[0] + ny * light[1] + light[2]) / norm, 0.0, 1.0)
    return np.where(np.isfinite(z), shade, np.nan)


def colourize(values: np.ndarray, cmap: str, vmin: float | None = None, vmax: float | None = None, alpha: float = 1.0):
    """RGBA uint8 image of ``values`` through a matplotlib colour map; NaN is transparent.

    Returns the image and the ``(vmin, vmax)`` used.
    """
    import matplotlib

    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    if vmin is None:
        vmin = float(np.nanmin(v)) if finite.any() else 0.0
    if vmax is None:
        vmax = float(np.nanmax(v)) if finite.any() else 1.0
    span = (vmax - vmin) or 1.0
    norm = np.clip((np.where(finite, v, vmin) - vmin) / span, 0.0, 1.0)
    rgba = matplotlib.colormaps[cmap](norm)
    rgba[..., 3] = np.where(finite, alpha, 0.0)
    return (rgba * 255).round().astype(np.uint8), (float(vmin), float(vmax))


def ramp(cmap: str, n: int = 6) -> list[str]:
    """``n`` hex colours along a matplotlib colour map, for legends."""
    import matplotlib
    from matplotlib.colors import to_hex

    cm = matplotlib.colormaps[cmap]
    return [to_hex(cm(i / (n - 1))) for i in range(n)]


def png_data_url(rgba: np.ndarray) -> str:
    """A ``data:image/png`` URL of an RGBA uint8 image."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG", optimize=False, compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def jpeg_data_url(rgba: np.ndarray, background: str = BACKGROUND, quality: int = 80) -> str:
    """A ``data:image/jpeg`` URL of an RGBA image flattened on ``background`` (smaller than PNG for relief)."""
    from matplotlib.colors import to_rgb
    from PIL import Image

    bg = (np.array(to_rgb(background)) * 255).astype(np.float32)
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = (rgba[..., :3].astype(np.float32) * alpha + bg * (1 - alpha)).round().astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(buf, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def to_mercator(array: np.ndarray, transform, crs, categorical: bool = False, max_size: int = 900):
    """Warp a north-up array in ``crs`` to Web Mercator for an image overlay.

    Returns ``(warped, bounds)`` with ``bounds = [[south, west], [north, east]]``
    in degrees; cells with no data are NaN.
    """
    from pyproj import Transformer
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    src = np.asarray(array, dtype=np.float32)
    rows, cols = src.shape
    left, top = transform.c, transform.f
    right = left + cols * transform.a
    bottom = top + rows * transform.e
    dst_crs = "EPSG:3857"
    dst_transform, width, height = calculate_default_transform(crs, dst_crs, cols, rows, left, bottom, right, top)
    scale = max(width, height) / max_size
    if scale > 1:
        width, height = max(1, int(width / scale)), max(1, int(height / scale))
        dst_transform, width, height = calculate_default_transform(
            crs, dst_crs, cols, rows, left, bottom, right, top, dst_width=width, dst_height=height
        )
    dst = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        src,
        dst,
        src_transform=transform,
        src_crs=crs,
        src_nodata=np.nan,
        dst_transform=dst_transform,
        dst_crs=dst_crs,
        dst_nodata=np.nan,
        resampling=Resampling.nearest if categorical else Resampling.bilinear,
    )
    to_ll = Transformer.from_crs(dst_crs, "EPSG:4326", always_xy=True)
    west, north = to_ll.transform(dst_transform.c, dst_transform.f)
    east, south = to_ll.transform(dst_transform.c + width * dst_transform.a, dst_transform.f + height * dst_transform.e)
    return dst, [[south, west], [north, east]]


@dataclass
class Overlay:
    """A raster ready for the map: PNG data URL, bounds in degrees, legend entry."""

    name: str
    url: str
    bounds: list
    scale: ScaleEntry | None = None
    opacity: float = 0.7
    show: bool = True


def grid_overlay(
    name: str,
    values: np.ndarray,
    grid,
    cmap: str,
    units: str,
    vmin: float | None = None,
    vmax: float | None = None,
    categorical: bool = False,
    opacity: float = 0.7,
    show: bool = True,
) -> Overlay:
    """An :class:`Overlay` of an array on the park grid (risk, effort, classes...)."""
    v = np.where(grid.mask, np.asarray(values, dtype=np.float32), np.nan)
    warped, bounds = to_mercator(v, grid.transform, grid.crs, categorical=categorical)
    if vmin is None and np.isfinite(v).any():
        vmin = float(np.nanmin(v))
    if vmax is None and np.isfinite(v).any():
        vmax = float(np.nanmax(v))
    rgba, (lo, hi) = colourize(warped, cmap, vmin, vmax)
    return Overlay(name, png_data_url(rgba), bounds, ScaleEntry(name, units, ramp(cmap), lo, hi, show), opacity, show)


def _read_decimated(path, max_size: int):
    """Band 1 of a raster file read at most ``max_size`` pixels a side: (float32 with NaN nodata, transform, crs)."""
    import rasterio
    from affine import Affine

    with rasterio.open(path) as src:
        factor = max(1.0, max(src.width, src.height) / max_size)
        out_shape = (max(1, int(src.height / factor)), max(1, int(src.width / factor)))
        data = src.read(1, out_shape=out_shape, masked=True).astype(np.float32).filled(np.nan)
        t = src.transform @ Affine.scale(src.width / out_shape[1], src.height / out_shape[0])
        return data, t, src.crs


def raster_file_overlay(
    name: str, path, cmap: str | None = None, units: str | None = None, categorical: bool = False, max_size: int = 900
) -> Overlay:
    """An :class:`Overlay` of a raster file (read decimated to about ``max_size`` pixels)."""
    data, t, crs = _read_decimated(path, max_size)
    warped, bounds = to_mercator(data, t, crs, categorical=categorical, max_size=max_size)
    key = name.lower()
    cmap = cmap or RASTER_CMAPS.get(key, "viridis")
    units = units or RASTER_UNITS.get(key, "value in the file's units")
    rgba, (lo, hi) = colourize(warped, cmap)
    return Overlay(name, png_data_url(rgba), bounds, ScaleEntry(name, units, ramp(cmap), lo, hi, False), 0.7, False)


def hillshade_overlay(path, max_size: int = 900) -> Overlay:
    """The park's hillshade basemap from its DEM file (grey relief, no legend ramp)."""
    data, t, crs = _read_decimated(path, max_size)
    if crs is not None and crs.is_geographic:
        cell = abs(t.a) * 111_320.0 * np.cos(np.radians(t.f + t.e * data.shape[0] / 2))
    else:
        cell = abs(t.a)
    shade = hillshade(data, cell)
    warped, bounds = to_mercator(shade, t, crs, max_size=max_size)
    rgba, _ = colourize(warped, "gray", 0.0, 1.0)
    return Overlay("Hillshade (from the DEM)", jpeg_data_url(rgba), bounds, None, 0.55, True)


def add_overlay(m: folium.Map, overlay: Overlay) -> folium.raster_layers.ImageOverlay:
    """Add an :class:`Overlay` to ``m`` as a toggleable image layer."""
    layer = folium.raster_layers.ImageOverlay(
        image=overlay.url,
        bounds=overlay.bounds,
        name=overlay.name,
        opacity=overlay.opacity,
        show=overlay.show,
        overlay=True,
        control=True,
        zindex=1,
    )
    layer.add_to(m)
    return layer


# --- vectors -------------------------------------------------------------------
def _wgs84(gdf, simplify_m: float = 0.0):
    if gdf is None or len(gdf) == 0:
        return None
    g = gdf[[gdf.geometry.name]].copy()
    if simplify_m and g.crs is not None and g.crs.is_projected:
        g[g.geometry.name] = g.geometry.simplify(simplify_m)
    return g.to_crs("EPSG:4326")


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


def park_bounds(park) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the park boundary in degrees."""
    w, s, e, n = park.boundary.to_crs("EPSG:4326").total_bounds
    return [[float(s), float(w)], [float(n), float(e)]]


def add_boundary(m: folium.Map, boundary) -> None:
    g = _wgs84(boundary, simplify_m=20.0)
    if g is None:
        return
    folium.GeoJson(
        g.__geo_interface__,
        name="Park boundary",
        style_function=lambda _f: {"color": "#111111", "weight": 2.5, "fill": False},
        control=True,
    ).add_to(m)


def add_features(m: folium.Map, features: dict) -> list[tuple[str, str, str]]:
    """Add each feature layer (roads, rivers, villages...) styled by name; return legend swatches."""
    swatches = []
    for name, gdf in (features or {}).items():
        g = _wgs84(gdf, simplify_m=30.0)
        if g is None:
            continue
        style = FEATURE_STYLES.get(name.lower(), DEFAULT_FEATURE_STYLE)
        points = g.geom_type.isin(["Point", "MultiPoint"]).all()
        group = folium.FeatureGroup(name=f"{name.replace('_', ' ').capitalize()} ({len(g)})", show=True)
        if points:
            for geom in g.geometry:
                pt = geom if geom.geom_type == "Point" else geom.centroid
                folium.CircleMarker(
                    [pt.y, pt.x], radius=4, color=style["color"], fill=True, fill_opacity=0.8, weight=1, tooltip=name
                ).add_to(group)
            swatches.append((name.replace("_", " ").capitalize(), style["color"], "dot"))
        else:
            st = dict(style)
            folium.GeoJson(
                g.__geo_interface__,
                style_function=lambda _f, st=st: {
                    "color": st["color"],
                    "weight": st["weight"],
                    "dashArray": st["dashArray"],
                    "fillOpacity": 0.15,
                },
            ).add_to(group)
            swatches.append((name.replace("_", " ").capitalize(), style["color"], "line"))
        group.add_to(m)
    return swatches


def add_posts(m: folium.Map, posts, name_col: str = "name") -> None:
    g = posts.to_crs("EPSG:4326") if posts is not None and len(posts) else None
    if g is None:
        return
    group = folium.FeatureGroup(name=f"Ranger posts ({len(g)})", show=True)
    for _, row in g.iterrows():
        label = str(row.get(name_col, "post"))
        folium.CircleMarker(
            [row.geometry.y, row.geometry.x],
            radius=7,
            color="#000000",
            weight=2,
            fill=True,
            fill_color="#ffd92f",
            fill_opacity=1.0,
            tooltip=f"Post: {html.escape(label)}",
            popup=folium.Popup(f"<b>Ranger post</b><br>{html.escape(label)}", max_width=250),
        ).add_to(group)
    group.add_to(m)


_CLUSTER_CALLBACK = """
function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]),
        {radius: 6, color: '#222', weight: 1, fillColor: row[2], fillOpacity: 0.9});
    marker.bindPopup(row[3], {maxWidth: 280});
    return marker;
}
"""


def _cluster_icon(colour: str) -> str:
    return (
        "function (cluster) { var n = cluster.getChildCount();"
        " var s = n < 10 ? 26 : (n < 100 ? 32 : 38);"
        " return L.divIcon({html: '<div style=\"background:" + colour + ";opacity:0.85;border:2px solid #fff;"
        "border-radius:50%;width:' + s + 'px;height:' + s + 'px;line-height:' + (s - 4) + 'px;"
        "text-align:center;color:#fff;font-weight:bold;font:12px sans-serif\">' + n + '</div>',"
        " className: 'incident-cluster', iconSize: L.point(s, s)}); }"
    )


def incident_popup(row, time_col: str = "time", type_col: str = "type") -> str:
    """Popup HTML of one incident: date, type and the details the file had."""
    when = row.get(time_col)
    date = when.strftime("%Y-%m-%d %H:%M UTC") if hasattr(when, "strftime") else str(when)
    lines = [f"<b>{html.escape(str(row.get(type_col, '')).replace('_', ' '))}</b>", f"Date: {html.escape(date)}"]
    raw = row.get("type_raw")
    if isinstance(raw, str) and raw:
        lines.append(f"Recorded as: {html.escape(raw)}")
    item, qty, unit = row.get("item"), row.get("quantity"), row.get("unit")
    if isinstance(item, str) and item:
        q = f"{qty:g} {unit or ''}".strip() if isinstance(qty, (int, float)) and np.isfinite(qty) else ""
        lines.append(f"Seized: {html.escape(item)} {html.escape(q)}")
    for col in ("details", "notes", "note", "description", "comment"):
        val = row.get(col)
        if isinstance(val, str) and val:
            lines.append(html.escape(val))
            break
    src = row.get("source_file")
    if isinstance(src, str) and src:
        lines.append(f"<small>{html.escape(src)}, row {row.get('source_row', '?')}</small>")
    return "<br>".join(lines)


def incident_groups(incidents, types: Iterable[str] | None = None) -> list[folium.FeatureGroup]:
    """Incidents as one clustered, toggleable layer per type, with popups (date, type, details)."""
    groups = []
    if incidents is None or len(incidents) == 0:
        return groups
    g = incidents.to_crs("EPSG:4326")
    present = list(dict.fromkeys(g["type"].astype(str)))
    known = list(types or INCIDENT_COLOURS)
    order = [t for t in known if t in present] + [t for t in present if t not in known]
    records = g.drop(columns=g.geometry.name).to_dict("records")
    xs, ys = g.geometry.x.to_numpy(), g.geometry.y.to_numpy()
    kinds = g["type"].astype(str).to_numpy()
    for t in order:
        idx = np.flatnonzero(kinds == t)
        colour = INCIDENT_COLOURS.get(t, INCIDENT_COLOURS["other"])
        rows = [[float(ys[i]), float(xs[i]), colour, incident_popup(records[i])] for i in idx]
        label = t.replace("_", " ")
        group = folium.FeatureGroup(name=f"Incidents: {label} ({len(idx)})", show=True)
        FastMarkerCluster(
            rows,
            callback=_CLUSTER_CALLBACK,
            icon_create_function=_cluster_icon(colour),
            options={"maxClusterRadius": 40, "disableClusteringAtZoom": 13},
            control=False,
        ).add_to(group)
        groups.append(group)
    return groups


def incident_swatches(types: Iterable[str]) -> list[tuple[str, str, str]]:
    """Legend entries of incident types."""
    return [
        (t.replace("_", " ").capitalize(), INCIDENT_COLOURS.get(t, INCIDENT_COLOURS["other"]), "dot") for t in types
    ]


def overlay_group(overlay: Overlay) -> folium.FeatureGroup:
    """An :class:`Overlay` wrapped in a toggleable group (for layers that follow the filters)."""
    group = folium.FeatureGroup(name=overlay.name, show=overlay.show)
    folium.raster_layers.ImageOverlay(
        image=overlay.url, bounds=overlay.bounds, opacity=overlay.opacity, control=False, zindex=2
    ).add_to(group)
    return group


def add_routes(m: folium.Map, plan) -> list[tuple[str, str, str]]:
    """Each patrol of ``plan`` as a coloured line with its post, km, hours and risk covered."""
    from pyproj import Transformer

    swatches = []
    if plan is None or not plan.patrols:
        return swatches
    group = folium.FeatureGroup(name=f"Planned patrols ({len(plan.patrols)})", show=True)
    for i, p in enumerate(plan.patrols):
        if len(p.path_xy) < 2:
            continue
        to_ll = Transformer.from_crs(p.crs, "EPSG:4326", always_xy=True)
        lon, lat = to_ll.transform(p.path_xy[:, 0], p.path_xy[:, 1])
        colour = ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
        text = (
            f"<b>{html.escape(str(p.patrol_id))}</b><br>Post: {html.escape(str(p.post))}, team {p.team}<br>"
            f"Date: {p.date}<br>{p.length_km:.1f} km, {p.hours:.1f} h<br>Expected risk covered: {p.expected_risk:.3f} attacked cells found"
        )
        folium.PolyLine(
            list(zip(lat, lon)),
            color=colour,
            weight=4,
            opacity=0.9,
            tooltip=f"{p.patrol_id}: {p.length_km:.1f} km",
            popup=folium.Popup(text, max_width=260),
        ).add_to(group)
    n = len(plan.patrols)
    colours = "".join(
        f'<span style="display:inline-block;width:5px;height:0;border-top:3px solid {c};vertical-align:middle"></span>'
        for c in ROUTE_COLOURS[: min(n, len(ROUTE_COLOURS))]
    )
    swatches.append((f"Planned patrol ({n}; one colour each, see the table)", colours, "html"))
    group.add_to(m)
    return swatches


def track_group(tracks, track_col: str = "track_id", max_tracks: int = 300) -> folium.FeatureGroup | None:
    """Patrol GPS tracks as thin lines (at most ``max_tracks``), or ``None`` when there is none."""
    if tracks is None or len(tracks) < 2:
        return None
    g = tracks.to_crs("EPSG:4326")
    x = g.geometry.x.to_numpy()
    y = g.geometry.y.to_numpy()
    ids = g[track_col].to_numpy()
    group = folium.FeatureGroup(name="Patrol tracks", show=True)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    drawn = 0
    for s, e in zip(starts[:max_tracks], ends[:max_tracks]):
        if e - s < 2:
            continue
        step = max(1, (e - s) // 200)
        folium.PolyLine(
            list(zip(y[s:e:step], x[s:e:step])), color="#238b45", weight=1.5, opacity=0.6, tooltip=str(ids[s])
        ).add_to(group)
        drawn += 1
    return group if drawn else None


def layer_control(collapsed: bool = True) -> folium.LayerControl:
    """The layer switcher, top right: folded to Leaflet's layers button (hover or tap to open) so it hides no map."""
    return folium.LayerControl(collapsed=collapsed, position="topright")


def park_base_map(
    park,
    overlays: Sequence[Overlay] = (),
    plan=None,
    incident_types: Iterable[str] = (),
    extra_scales: Sequence[ScaleEntry] = (),
    online_tiles: bool = True,
    show_features: bool = True,
    legend_open: bool = True,
) -> folium.Map:
    """The part of the park map that does not follow the filters, with its legend and no layer control.

    ``incident_types`` and ``extra_scales`` only fill the legend, so that it
    stays the same while the filtered layers (:func:`filter_layers`) change.
    ``legend_open=False`` folds the legend to its title (maps whose routes it would hide).
    """
    m = base_map(park_bounds(park))
    scales = []
    for ov in overlays:
        add_overlay(m, ov)
        if ov.scale is not None:
            scales.append(ov.scale)
    scales += list(extra_scales)
    swatches = [("Park boundary", "#111111", "line")]
    add_boundary(m, park.boundary)
    if show_features:
        swatches += add_features(m, getattr(park, "features", {}) or {})
    posts = getattr(park, "posts", None)
    if posts is not None and len(posts):
        add_posts(m, posts)
        swatches.append(("Ranger post", "#ffd92f", "dot"))
    swatches += incident_swatches(incident_types)
    if plan is not None:
        swatches += add_routes(m, plan)
    if online_tiles:
        add_online_tiles(m)
    Legend(legend_html(swatches, scales), expanded=legend_open).add_to(m)
    return localize(m)


def filter_layers(incidents=None, overlays: Sequence[Overlay] = (), tracks=None) -> list[folium.FeatureGroup]:
    """The layers that follow the filters: rasters of the period, GPS tracks, incidents by type."""
    groups = [overlay_group(ov) for ov in overlays]
    tracks_group = track_group(tracks) if tracks is not None else None
    if tracks_group is not None:
        groups.append(tracks_group)
    groups += incident_groups(incidents)
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
    )
    for group in filter_layers(incidents, filtered_overlays, tracks):
        group.add_to(m)
    layer_control().add_to(m)
    return localize(m)


def map_html(m: folium.Map) -> str:
    """The full standalone HTML of ``m`` (used by tests and screenshots)."""
    return m.get_root().render()
