"""Planned patrol routes on the map: one coloured line per patrol with its figures."""

from __future__ import annotations

import html

import folium

from ui.maps.styles import ROUTE_COLOURS


def route_bounds(plan, pad: float = 0.08) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` (degrees) around every route of ``plan``, or ``None``."""
    from pyproj import Transformer

    lons, lats = [], []
    for p in getattr(plan, "patrols", None) or []:
        if len(p.path_xy) < 2:
            continue
        to_ll = Transformer.from_crs(p.crs, "EPSG:4326", always_xy=True)
        lon, lat = to_ll.transform(p.path_xy[:, 0], p.path_xy[:, 1])
        lons += [min(lon), max(lon)]
        lats += [min(lat), max(lat)]
    if not lons:
        return None
    dx, dy = (max(lons) - min(lons)) * pad + 1e-3, (max(lats) - min(lats)) * pad + 1e-3
    return [[min(lats) - dy, min(lons) - dx], [max(lats) + dy, max(lons) + dx]]


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
            f"Date: {p.date}<br>{p.length_km:.1f} km, {p.hours:.1f} h<br>Expected finds: {p.expected_risk:.2f} (attacks this patrol would detect, if the map is right)"
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
