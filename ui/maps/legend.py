"""The map legend: a foldable Leaflet control of swatches and colour ramps with units."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from branca.element import MacroElement
from jinja2 import Template


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


@dataclass
class ScaleEntry:
    """A colour ramp in the legend: title, units, colours and the value range."""

    title: str
    units: str
    colours: Sequence[str]
    vmin: float
    vmax: float
    shown: bool = True  # whether its layer is on when the map opens
    categories: Sequence[tuple[str, str]] = ()  # (name, colour) of each class: boxes instead of a ramp
    follows_layer: bool = True  # shown only while its layer is on (False: layers swapped by the filters)


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
        display = "" if s.shown or not s.follows_layer else "display:none;"
        layer = f' data-layer="{html.escape(s.title)}"' if s.follows_layer else ""
        if s.categories:
            boxes = "".join(
                f"<div style='white-space:nowrap'><span style=\"display:inline-block;width:12px;height:10px;"
                f'background:{c};border:1px solid #333"></span> {html.escape(n)}</div>'
                for n, c in s.categories
            )
            parts.append(
                f'<div{layer} style="margin-top:4px;max-width:260px;{display}">'
                f"{html.escape(s.title)} <i>({html.escape(s.units)})</i>{boxes}</div>"
            )
            continue
        parts.append(
            f'<div{layer} style="margin-top:4px;max-width:230px;{display}">'
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
