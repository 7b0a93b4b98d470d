"""The map widget with its base map rendered once: a filter change sends only the layers that follow it.

``streamlit_folium.st_folium`` renders the whole folium map to Leaflet script on
every rerun: on the demo park that is 0.3-0.5 s of server CPU and 0.6 MB of
script (the rasters travel as PNG data), while a filter change only swaps the
incident and effort layers.  :func:`show` keeps the rendered base map (its
script, header, bounds and asset links) per ``base_key`` for the whole server
process, so every session and rerun showing the same base map reuses it, and
renders only the filtered layers and the layer control, as ``st_folium`` does.

With a cache folder (the app's private 0700 cache) the rendered strings are
also kept on disk as JSON (:mod:`ui.diskjson`), so a new server process draws
its first map without building or rendering the folium map.  The map's
elements get ids derived from ``base_key`` (:func:`fix_ids`), so a map built
again later, to render new filtered layers against, has the names the kept
script uses.

It calls the pieces of ``streamlit_folium`` 0.27 that ``st_folium`` is made of
(pinned in ``requirements.txt``); ``tests/test_mapview.py`` checks that the
widget receives what ``st_folium`` would send.
"""

from __future__ import annotations

import hashlib
import importlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import branca
import folium
import folium.elements
import numpy as np
import streamlit as st
import streamlit_folium as sf

from ui import diskjson

MAX_BASES = 24  # rendered base maps kept per server process
MAX_LAYER_SETS = 96  # rendered sets of filtered layers kept per server process


def plan_key(plan) -> str:
    """A digest of a plan's routes (equal plans, equal keys), for map caches."""
    if plan is None:
        return ""
    h = hashlib.sha1(f"{plan.start}|{plan.days}".encode())
    for p in plan.patrols:
        h.update(f"{p.patrol_id}|{p.post}|{p.team}|{p.date}|{p.length_km:.4f}".encode())
        h.update(np.ascontiguousarray(p.path_xy, dtype=float).tobytes())
    return h.hexdigest()[:16]


def array_digest(array) -> str:
    """A short digest of an array's values (``""`` for ``None``), for map caches."""
    if array is None:
        return ""
    a = np.ascontiguousarray(array)
    return hashlib.sha1(a.tobytes() + str((a.dtype, a.shape)).encode()).hexdigest()[:16]


@dataclass
class RenderedBase:
    """A base map rendered once, and the map object the filtered layers are rendered against.

    ``map`` is ``None`` for a base read from disk until layers need it: ``build``
    then makes it again (with the same element ids).
    """

    map: folium.Map | None
    html: str
    header: str
    script: str
    map_id: str
    css_links: list[str]
    js_links: list[str]
    lock: threading.Lock
    build: Callable[[], folium.Map] | None = None

    def folium_map(self) -> folium.Map:
        """The folium map (built again from ``build`` for a base read from disk)."""
        if self.map is None:
            self.map = self.build()
        return self.map


def fix_ids(m: folium.Map, seed: str) -> folium.Map:
    """Give ``m``, its figure and every element below ids derived from ``seed`` (same map, same names)."""
    n = 0
    seen = set()

    def walk(el):
        nonlocal n
        if id(el) in seen:
            return
        seen.add(id(el))
        el._id = hashlib.sha1(f"{seed}:{n}".encode()).hexdigest()[:32]
        n += 1
        children = getattr(el, "_children", None)
        if children:
            renamed = OrderedDict()
            for name, child in children.items():
                old = child.get_name()
                walk(child)
                renamed[child.get_name() if name == old else name] = child  # templates use the keys as names
            el._children = renamed
        for part in ("header", "html", "script"):  # a figure's or a popup's own elements
            sub = getattr(el, part, None)
            if isinstance(sub, branca.element.Element):
                walk(sub)

    walk(m.get_root())
    return m


def key_digest(key) -> str:
    """A digest of a cache key and of the code that draws maps (a new version draws again)."""
    parts = [repr(key), folium.__version__, getattr(sf, "__version__", "")]
    here = Path(__file__).resolve().parent
    for f in sorted([*here.joinpath("maps").glob("*.py"), here / "mapview.py"]):
        parts.append(f"{f.name}:{f.stat().st_mtime_ns}")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:24]


def _links(m) -> tuple[list[str], list[str]]:
    """The CSS and JavaScript links of every element of ``m`` (as ``st_folium`` collects them)."""
    css, js = [], []

    def walk(el):
        if isinstance(el, branca.colormap.ColorMap):
            js.insert(0, "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js")
            js.insert(0, "https://d3js.org/d3.v4.min.js")
        if isinstance(el, folium.elements.JSCSSMixin) or isinstance(el, branca.colormap.ColorMap):
            css.extend(href for _, href in getattr(el, "default_css", []))
            js.extend(src for _, src in getattr(el, "default_js", []))
        for child in getattr(el, "_children", {}).values():
            walk(child)

    walk(m)
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


def render_base(m: folium.Map) -> RenderedBase:
    """Render ``m`` once, as ``st_folium`` does before sending it."""
    m.get_root().render()
    m.render()
    html, header = sf._get_html(m), sf._get_header(m)
    script = sf._get_map_string(m)
    css, js = _links(m)
    return RenderedBase(m, html, header, script, sf.get_full_id(m), css, js, threading.Lock())


_BASE_FIELDS = ("html", "header", "script", "map_id", "css_links", "js_links")


def _prepare(base: RenderedBase) -> None:
    """Build the map object of a base read from disk, and import what drawing a filtered overlay needs."""
    with base.lock:
        try:
            base.folium_map()
        except Exception:  # the next filter change builds it and shows the error
            pass
    for name in ("matplotlib", "rasterio.warp"):  # colour ramps and warping of the effort overlay
        try:
            importlib.import_module(name)
        except ImportError:  # pragma: no cover - the overlay reports it when drawn
            pass


def _read_base(disk, digest: str, build) -> RenderedBase | None:
    kept = diskjson.read(disk, f"mapbase-{digest}") if disk is not None else None
    if not isinstance(kept, dict) or any(not isinstance(kept.get(f), (str, list)) for f in _BASE_FIELDS):
        return None
    return RenderedBase(None, *(kept[f] for f in _BASE_FIELDS), threading.Lock(), build)


@st.cache_resource(show_spinner=False)
def _bases() -> dict:
    """Rendered base maps and filtered layers of this server process by key (oldest first), and their lock."""
    return {"bases": OrderedDict(), "layers": OrderedDict(), "lock": threading.Lock()}


def rendered(base_key: tuple, build: Callable[[], folium.Map], disk=None) -> RenderedBase:
    """The rendered base map of ``base_key``, built and rendered on first use (or read from ``disk``)."""
    store = _bases()
    with store["lock"]:
        hit = store["bases"].get(base_key)
        if hit is not None:
            store["bases"].move_to_end(base_key)
            return hit
    digest = key_digest(base_key)
    made = lambda: fix_ids(build(), digest)  # noqa: E731
    # rendering names the elements as the kept script does: the filtered layers' control refers to them
    out = _read_base(disk, digest, lambda: render_base(made()).map)
    if out is None:
        out = render_base(made())
        if disk is not None:
            diskjson.write(disk, f"mapbase-{digest}", {f: getattr(out, f) for f in _BASE_FIELDS})
    with store["lock"]:
        store["bases"][base_key] = out
        while len(store["bases"]) > MAX_BASES:
            store["bases"].popitem(last=False)
    return out


def layer_strings(base: RenderedBase, layers: Sequence[folium.FeatureGroup], control) -> tuple[str | None, str | None]:
    """Leaflet script of the filtered ``layers`` and of the layer control listing them with the base's layers."""
    with base.lock:  # the layers are added to the shared map only while they are rendered
        m = base.folium_map()
        before = set(m._children)
        try:
            groups = None
            if layers:
                groups = "".join(sf._get_feature_group_string(g, map=m, idx=i) for i, g in enumerate(layers))
            lc = sf._get_layer_control_string(control, m) if control is not None else None
        finally:
            for name in set(m._children) - before:
                del m._children[name]
    return groups, lc


def _layer_parts(base: RenderedBase, layers: Sequence[folium.FeatureGroup], control) -> tuple:
    """What the widget gets of the filtered layers: their script, the layer control, CSS and JS links."""
    groups, lc = layer_strings(base, layers, control)
    css, js = list(base.css_links), list(base.js_links)
    for g in layers:
        more_css, more_js = _links(g)
        css, js = list(dict.fromkeys(css + more_css)), list(dict.fromkeys(js + more_js))
    return groups, lc, css, js


def rendered_layers(base_key: tuple, base: RenderedBase, layer_key, layers, control, disk=None) -> tuple:
    """:func:`_layer_parts`, kept per ``(base_key, layer_key)`` when ``layer_key`` is given (``layers`` may be a callable).

    With ``disk`` they are kept there too, as JSON.
    """
    if layer_key is None:
        return _layer_parts(base, list(layers() if callable(layers) else layers or []), control)
    store, key = _bases(), (base_key, layer_key)
    with store["lock"]:
        hit = store["layers"].get(key)
        if hit is not None:
            store["layers"].move_to_end(key)
            return hit
    name = f"maplayers-{key_digest(key)}"
    kept = diskjson.read(disk, name) if disk is not None else None
    if isinstance(kept, list) and len(kept) == 4:
        out = tuple(kept)
    else:
        out = _layer_parts(base, list(layers() if callable(layers) else layers or []), control)
        if disk is not None:
            diskjson.write(disk, name, list(out))
    with store["lock"]:
        store["layers"][key] = out
        while len(store["layers"]) > MAX_LAYER_SETS:
            store["layers"].popitem(last=False)
    return out


def show(
    build: Callable[[], folium.Map],
    base_key: tuple,
    key: str,
    layers=None,
    height: int = 600,
    layer_control=None,
    layer_key=None,
    disk=None,
) -> None:
    """Draw the base map of ``base_key`` (``build()`` makes it the first time) with the filtered ``layers``.

    ``base_key`` must change whenever what ``build`` draws changes (the park's
    files, the overlays, the plan, the legend's entries).  With ``layer_key``
    (which must change whenever the layers do) the layers' script is kept too,
    and ``layers`` may be a callable making them, called only the first time.
    With ``disk`` (a private cache folder) both are kept there between server starts.
    """
    base = rendered(base_key, build, disk)
    groups, lc, css, js = rendered_layers(base_key, base, layer_key, layers, layer_control, disk)
    if base.map is None:  # read from disk: build the map object now, before a filter change needs it
        threading.Thread(target=_prepare, args=(base,), name="map-prepare", daemon=True).start()
    hash_key = sf.generate_js_hash(base.script, key, False)

    def on_change():
        st.session_state[key] = st.session_state.get(hash_key, {})

    sf._component_func(
        script=base.script,
        header=base.header,
        html=base.html,
        id=base.map_id,
        key=hash_key,
        height=height,
        width=None,
        returned_objects=[],
        default={},  # returned_objects=[]: the map sends nothing back
        zoom=None,
        center=None,
        feature_group=groups,
        return_on_hover=False,
        layer_control=lc,
        pixelated=False,
        css_links=css,
        js_links=js,
        on_change=on_change,
        wrap_longitude=False,
    )
