"""Vector layers of a park: boundary, features, ranger posts, clustered incidents, GPS tracks."""

from __future__ import annotations

import html
import threading
from collections import OrderedDict
from collections.abc import Iterable

import folium
import numpy as np
import pandas as pd
from folium.plugins import FastMarkerCluster

from ui.maps.styles import DEFAULT_FEATURE_STYLE, FEATURE_STYLES, INCIDENT_COLOURS, SPARE_FEATURE_COLOURS, TRACK_COLOUR

_WGS84_MEMO: OrderedDict = OrderedDict()  # (id, rows, simplify) -> (the frame, its WGS84 copy); newest last
WGS84_MEMO_SIZE = 64
_MEMO_LOCK = threading.Lock()


def _wgs84(gdf, simplify_m: float = 0.0):
    """The geometries of ``gdf`` in WGS84 (simplified in metres first), remembered per frame.

    The park's layers are the same objects from one rerun to the next (cached
    by the pages), so each is reprojected once; the frame itself is held with
    its copy, so a new frame never takes an old one's place.
    """
    if gdf is None or len(gdf) == 0:
        return None
    key = (id(gdf), len(gdf), simplify_m)
    with _MEMO_LOCK:
        hit = _WGS84_MEMO.get(key)
        if hit is not None and hit[0] is gdf:
            _WGS84_MEMO.move_to_end(key)
            return hit[1]
    g = gdf[[gdf.geometry.name]].copy()
    if simplify_m and g.crs is not None and g.crs.is_projected:
        g[g.geometry.name] = g.geometry.simplify(simplify_m)
    out = g.to_crs("EPSG:4326")
    with _MEMO_LOCK:  # sessions run in threads of one server
        _WGS84_MEMO[key] = (gdf, out)
        while len(_WGS84_MEMO) > WGS84_MEMO_SIZE:
            _WGS84_MEMO.popitem(last=False)
    return out


def park_bounds(park) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the park boundary in degrees."""
    w, s, e, n = _wgs84(park.boundary).total_bounds
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


def feature_style(name: str, index: int) -> dict:
    """The style of feature layer ``name`` (the ``index``-th of the park): its own, else a spare colour."""
    style = FEATURE_STYLES.get(name.lower())
    if style is None:
        style = dict(DEFAULT_FEATURE_STYLE, color=SPARE_FEATURE_COLOURS[index % len(SPARE_FEATURE_COLOURS)])
    return style


def add_features(m: folium.Map, features: dict) -> list[tuple[str, str, str]]:
    """Add each feature layer (roads, rivers, villages...) styled by name; return legend swatches.

    Points in a layer of lines (a ford on a river layer) are drawn as dots of
    the layer's colour, with their own legend entry, never as default pins.
    """
    swatches = []
    spare = 0
    for name, gdf in (features or {}).items():
        g = _wgs84(gdf, simplify_m=30.0)
        if g is None:
            continue
        style = feature_style(name, spare)
        spare += name.lower() not in FEATURE_STYLES
        label = name.replace("_", " ").capitalize()
        is_point = g.geom_type.isin(["Point", "MultiPoint"]).to_numpy()
        group = folium.FeatureGroup(name=f"{label} ({len(g)})", show=True)
        if (~is_point).any():
            st = dict(style)
            folium.GeoJson(
                g[~is_point].__geo_interface__,
                style_function=lambda _f, st=st: {
                    "color": st["color"],
                    "weight": st["weight"],
                    "dashArray": st["dashArray"],
                    "fillOpacity": 0.15,
                },
            ).add_to(group)
            swatches.append((label, style["color"], "line"))
        if is_point.any():
            # one GeoJSON layer of dots, not one marker element per point: the map renders much faster
            folium.GeoJson(
                g[is_point].__geo_interface__,
                marker=folium.CircleMarker(
                    radius=4, color=style["color"], fill=True, fill_color=style["color"], fill_opacity=0.8, weight=1
                ),
                tooltip=label,
            ).add_to(group)
            swatches.append((label if is_point.all() else f"{label} (points)", style["color"], "dot"))
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


def local_time_text(when, zone: str = "UTC") -> str:
    """``when`` as ``YYYY-MM-DD HH:MM`` in the park's time ``zone``, with the zone's abbreviation (e.g. ``EAT``)."""
    if isinstance(when, str):
        try:
            when = pd.Timestamp(when)
        except ValueError:
            return when
    if not hasattr(when, "strftime") or pd.isna(when):
        return str(when)
    ts = pd.Timestamp(when)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    local = ts.tz_convert(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or zone}"


def incident_popup(row, time_col: str = "time", type_col: str = "type", zone: str = "UTC") -> str:
    """Popup HTML of one incident: date (in the park's time ``zone``), type and the details the file had."""
    date = local_time_text(row.get(time_col), zone)
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


def incident_rows(incidents, zone: str = "UTC") -> pd.DataFrame:
    """Per incident (same index): ``lat``, ``lon``, ``type``, ``colour`` and its ``popup`` HTML.

    The slow part of drawing incidents; a page computes it once for the
    park's incidents and hands it to :func:`incident_groups` with each filter.
    """
    if incidents is None or len(incidents) == 0:
        return pd.DataFrame(columns=["lat", "lon", "type", "colour", "popup"])
    g = incidents.to_crs("EPSG:4326")
    kinds = g["type"].astype(str)
    records = g.drop(columns=g.geometry.name).to_dict("records")
    return pd.DataFrame(
        {
            "lat": g.geometry.y.to_numpy(),
            "lon": g.geometry.x.to_numpy(),
            "type": kinds.to_numpy(),
            "colour": [INCIDENT_COLOURS.get(t, INCIDENT_COLOURS["other"]) for t in kinds],
            "popup": [incident_popup(r, zone=zone) for r in records],
        },
        index=incidents.index,
    )


def incident_groups(incidents, types: Iterable[str] | None = None, rows=None) -> list[folium.FeatureGroup]:
    """Incidents as one clustered, toggleable layer per type, with popups (date, type, details).

    ``rows`` (:func:`incident_rows` of a frame ``incidents`` was filtered from) saves recomputing them.
    """
    groups = []
    if incidents is None or len(incidents) == 0:
        return groups
    table = rows.loc[incidents.index] if rows is not None else incident_rows(incidents)
    present = list(dict.fromkeys(table["type"]))
    known = list(types or INCIDENT_COLOURS)
    order = [t for t in known if t in present] + [t for t in present if t not in known]
    ys, xs = table["lat"].to_numpy(), table["lon"].to_numpy()
    kinds, popups = table["type"].to_numpy(), table["popup"].to_numpy()
    for t in order:
        idx = np.flatnonzero(kinds == t)
        colour = INCIDENT_COLOURS.get(t, INCIDENT_COLOURS["other"])
        rows_t = [[float(ys[i]), float(xs[i]), colour, popups[i]] for i in idx]
        label = t.replace("_", " ")
        group = folium.FeatureGroup(name=f"Incidents: {label} ({len(idx)})", show=True)
        FastMarkerCluster(
            rows_t,
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


def track_group(tracks, track_col: str = "track_id", max_tracks: int = 300) -> folium.FeatureGroup | None:
    """Patrol GPS tracks as thin lines (at most ``max_tracks``), or ``None`` when there is none."""
    if tracks is None or len(tracks) < 2:
        return None
    g = tracks.to_crs("EPSG:4326")
    x = g.geometry.x.to_numpy()
    y = g.geometry.y.to_numpy()
    ids = g[track_col].to_numpy()
    group = folium.FeatureGroup(name="Patrol GPS tracks", show=True)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    drawn = 0
    for s, e in zip(starts[:max_tracks], ends[:max_tracks]):
        if e - s < 2:
            continue
        step = max(1, (e - s) // 200)
        folium.PolyLine(
            list(zip(y[s:e:step], x[s:e:step])), color=TRACK_COLOUR, weight=1.5, opacity=0.6, tooltip=str(ids[s])
        ).add_to(group)
        drawn += 1
    return group if drawn else None
