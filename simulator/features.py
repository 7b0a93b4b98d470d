"""Features of the demo park: rivers, the rhino sanctuary, villages, gates, roads, fords, waterholes.

Each builder takes the park's ``numpy.random.Generator`` and the base frame
(a raster in the park CRS covering the park and a margin) and returns plain
geometries and tuples; :mod:`simulator.landscape` assembles them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import rasterio.features
import shapely
import shapely.affinity
import shapely.ops
from scipy import ndimage
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from .kernels import Surface, largest, random_points_in, rowcol, smooth_line, smooth_noise

POST_NAMES = (
    "Mbiri",
    "Nyala",
    "Shikoko",
    "Makuleke",
    "Tshokwane",
    "Lubombo",
    "Ngwenya",
    "Mopani",
    "Xikundu",
    "Hlangu",
    "Mahonie",
    "Nkuhlu",
    "Sabiwa",
    "Marula",
    "Gomondwane",
    "Vutome",
)
RIVER_NAMES = ("Mbiri River", "Nyala River", "Shisha River", "Mavumbye Stream", "Nwatindlopfu Stream")
SYLLABLES = ("ma", "ka", "tsi", "nda", "lo", "mbe", "shi", "vu", "ngo", "hla", "ze", "ku", "wa", "ni", "tho", "be")


@dataclass
class RoadEdge:
    """A road between two network nodes (posts and gates), as a polyline."""

    u: int
    v: int
    coords: np.ndarray  # (n, 2) from node u to node v
    name: str
    kind: str


def village_name(rng: np.random.Generator) -> str:
    n = int(rng.integers(2, 4))
    return "".join(rng.choice(SYLLABLES, size=n)).capitalize()


def make_rivers(rng, elev, frame, shape, boundary):
    """Main rivers west to east through low ground, a tributary, and the relief carved so they flow downhill.

    Returns ``(rivers, river_mask, carved_elevation)``.
    """
    from skimage.graph import MCP_Geometric

    res = frame.a
    rows, cols = shape
    e_norm = (elev - elev.min()) / (np.ptp(elev) + 1e-9)
    wiggle = smooth_noise(rng, shape, 1500.0 / res)
    cost = np.exp(3.0 * e_norm + 0.8 * wiggle) + 0.3
    n_main = 2 if boundary.area < 6e9 else 3
    river_mask = np.zeros(shape, dtype=bool)
    paths = []
    # main rivers enter in the west (high) and leave in the east (low)
    # rows of the park's north and south ends: the rivers cross the park
    top = (frame.f - boundary.bounds[3]) / res
    span = (boundary.bounds[3] - boundary.bounds[1]) / res
    fr = np.sort(rng.uniform(0.15, 0.85, n_main))
    fr = (top + span * (fr + np.linspace(0.25, 0.75, n_main)) / 2) / rows
    outside = ~rasterio.features.geometry_mask([boundary], out_shape=shape, transform=frame, invert=True)
    cost = cost * np.where(outside, 3.0, 1.0)
    for i in range(n_main):
        src = (int(fr[i] * rows + rng.normal(0, 0.05 * rows)), 0)
        lo_row, hi_row = top + 0.2 * span, top + 0.8 * span
        dst = (int(np.clip(fr[i] * rows + rng.normal(0, 0.1) * span, lo_row, hi_row)), cols - 1)
        src = (int(np.clip(src[0], 1, rows - 2)), 0)
        mcp = MCP_Geometric(cost, fully_connected=True)
        mcp.find_costs([src], [dst])
        path = np.array(mcp.traceback(dst))
        if river_mask.any():  # join an earlier river at the first contact: a confluence
            near = ndimage.binary_dilation(river_mask, iterations=1)[path[:, 0], path[:, 1]]
            hit = np.flatnonzero(near)
            if hit.size and hit[0] > 5:
                path = path[: hit[0] + 1]
        paths.append(path)
        river_mask[path[:, 0], path[:, 1]] = True
    # a tributary from the highest ground inside the park down to a river
    inside = rasterio.features.geometry_mask([boundary], out_shape=shape, transform=frame, invert=True)
    far = ndimage.distance_transform_edt(~river_mask) * res > 8000
    cand = np.flatnonzero((inside & far).ravel())
    if cand.size:
        w = np.exp(6 * e_norm.ravel()[cand])
        src = np.unravel_index(int(rng.choice(cand, p=w / w.sum())), shape)
        mcp = MCP_Geometric(cost, fully_connected=True)
        costs, _ = mcp.find_costs([src])
        rc = np.argwhere(river_mask)
        end = tuple(rc[np.argmin(costs[rc[:, 0], rc[:, 1]])])
        path = np.array(mcp.traceback(end))
        paths.append(path)
        river_mask[path[:, 0], path[:, 1]] = True

    # carve valleys so that every river flows downhill: bed = running minimum from the source
    bed = np.full(shape, np.inf)
    for path in paths:
        z = np.minimum.accumulate(elev[path[:, 0], path[:, 1]]) - 4.0
        bed[path[:, 0], path[:, 1]] = np.minimum(bed[path[:, 0], path[:, 1]], z)
    dist, (ir, ic) = ndimage.distance_transform_edt(~river_mask, return_indices=True)
    dist = dist * res
    near_bed = bed[ir, ic]
    carved = near_bed + (elev - near_bed) * (1.0 - np.exp(-dist / 2500.0)) ** 0.7
    elev = np.where(elev > near_bed, carved, elev)

    rivers = []
    names = list(rng.permutation(RIVER_NAMES))
    for i, path in enumerate(paths):
        x = frame.c + (path[:, 1] + 0.5) * res
        y = frame.f - (path[:, 0] + 0.5) * res
        coords = smooth_line(np.column_stack([x, y]), 7)
        line = LineString(coords).simplify(res / 4)
        kind = "perennial river" if i < n_main else "seasonal stream"
        rivers.append((names[i], kind, line))
    return rivers, river_mask, elev


def make_sanctuary(rng, boundary, inner, posts_xy, d_river, frame, shape) -> Polygon:
    """An intensive protection zone of about 8 % of the park, near a river."""
    area = boundary.area
    cand = random_points_in(rng, inner, 400)
    d = Surface(d_river, frame).sample(cand[:, 0], cand[:, 1])
    c = cand[np.argsort(d)[int(rng.integers(0, 20))]]
    a = np.sqrt(0.08 * area / np.pi * rng.uniform(1.2, 1.8))
    b = 0.08 * area / (np.pi * a)
    ell = shapely.affinity.scale(Point(0, 0).buffer(1.0, 32), a, b)
    ell = shapely.affinity.rotate(ell, rng.uniform(0, 180))
    ell = shapely.affinity.translate(ell, c[0], c[1]).intersection(inner)
    if ell.geom_type != "Polygon":
        ell = max(getattr(ell, "geoms", [ell]), key=lambda g: g.area)
    return ell


def make_villages(rng, boundary, area, pop_angle) -> list:
    """Villages 1-15 km outside the boundary, most on the populated side ``pop_angle`` (radians)."""
    n = int(np.clip(round(area / 180.0), 8, 30))
    ring = largest(boundary).exterior
    c = boundary.centroid
    out = []
    tries = 0
    while len(out) < n and tries < 50 * n:
        tries += 1
        p = ring.interpolate(rng.uniform(0, ring.length))
        ang = np.arctan2(p.y - c.y, p.x - c.x)
        # two populated sides: most villages face pop_angle, some its opposite side
        w = 0.1 + max(0.0, np.cos(ang - pop_angle)) + 0.5 * max(0.0, np.cos(ang - pop_angle - 2.2))
        if rng.uniform() > w / 1.6:
            continue
        d = 800.0 + rng.exponential(3500.0)
        v = np.array([p.x - c.x, p.y - c.y])
        v /= np.linalg.norm(v) + 1e-9
        q = Point(p.x + d * v[0], p.y + d * v[1])
        if boundary.buffer(500).contains(q) or any(np.hypot(q.x - o[1], q.y - o[2]) < 2000 for o in out):
            continue
        pop = int(rng.lognormal(7.0, 0.8))
        out.append((village_name(rng), float(q.x), float(q.y), pop))
    return out


def make_gates(rng, boundary, villages, n) -> list:
    """Up to ``n`` entrance gates on the boundary facing villages, at least 12 km apart."""
    ring = largest(boundary).exterior
    vil = np.array([[v[1], v[2]] for v in villages]) if villages else np.zeros((0, 2))
    picks = vil[rng.permutation(len(vil))] if len(vil) else random_points_in(rng, boundary.buffer(5000), n)
    out: list = []
    for v in picks:
        p = ring.interpolate(ring.project(Point(v)))
        if all(np.hypot(p.x - g[1], p.y - g[2]) > 12000 for g in out):
            # nudge 150 m inside so the gate is a point of the park
            q = shapely.ops.nearest_points(boundary.buffer(-150), p)[0]
            out.append((f"{village_name(rng)} Gate", float(q.x), float(q.y)))
        if len(out) >= n:
            break
    return out


def make_roads(rng, nodes, n_posts, gates, villages, slope, river_mask, inside, frame, shape, boundary):
    """Least-cost roads over a spanning tree of posts and gates (plus loops), gate access roads and the firebreak."""
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial.distance import cdist
    from skimage.graph import MCP_Geometric

    res = frame.a
    cost = 1.0 + 40.0 * slope + 25.0 * river_mask + 60.0 * ~inside
    d = cdist(nodes, nodes)
    mst = minimum_spanning_tree(d).toarray() > 0
    edges = {tuple(sorted(e)) for e in np.argwhere(mst)}
    for i in range(len(nodes)):  # a few loops: each node may link to its nearest non-neighbour
        order = np.argsort(d[i])[1:]
        for j in order[:3]:
            e = tuple(sorted((i, int(j))))
            if e not in edges and rng.uniform() < 0.35:
                edges.add(e)
                break
    rc = np.column_stack(rowcol(frame, shape, nodes[:, 0], nodes[:, 1]))
    by_source: dict[int, list[int]] = {}
    for u, v in sorted(edges):
        by_source.setdefault(u, []).append(v)
    roads = []
    k = 0
    for u, vs in by_source.items():
        mcp = MCP_Geometric(cost, fully_connected=True)
        mcp.find_costs([tuple(rc[u])], [tuple(rc[v]) for v in vs], find_all_ends=True)
        for v in vs:
            path = np.array(mcp.traceback(tuple(rc[v])))
            x = frame.c + (path[:, 1] + 0.5) * res
            y = frame.f - (path[:, 0] + 0.5) * res
            coords = smooth_line(np.column_stack([x, y]), 5)
            coords = np.vstack([nodes[u], coords[1:-1], nodes[v]])
            coords = np.asarray(LineString(coords).simplify(res / 5).coords)
            k += 1
            kind = "main gravel road" if (u >= n_posts or v >= n_posts) else "patrol track"
            roads.append(RoadEdge(int(u), int(v), coords, f"S{k}", kind))
    # access roads from each gate to the nearest village (outside the park)
    vil = np.array([[v[1], v[2]] for v in villages]) if villages else np.zeros((0, 2))
    for gi in range(len(gates)):
        if not len(vil):
            break
        g = nodes[n_posts + gi]
        j = int(np.argmin(np.hypot(*(vil - g).T)))
        mid = (g + vil[j]) / 2 + rng.normal(0, 300, 2)
        roads.append(RoadEdge(n_posts + gi, -1, np.vstack([g, mid, vil[j]]), f"D{gi + 1}", "public road"))
    # the boundary firebreak track, 400 m inside the fence
    fb = boundary.buffer(-400.0)
    if not fb.is_empty:
        fb = max(getattr(fb, "geoms", [fb]), key=lambda g: g.area)
        roads.append(RoadEdge(-1, -1, np.asarray(fb.exterior.simplify(100).coords), "Firebreak", "firebreak"))
    return roads


def borehole_tracks(nodes, waterholes, slope, river_mask, inside, frame, shape) -> list[RoadEdge]:
    """Maintenance tracks from the nearest post or gate to every borehole and dam (dead ends)."""
    from skimage.graph import MCP_Geometric

    res = frame.a
    cost = 1.0 + 40.0 * slope + 25.0 * river_mask + 60.0 * ~inside
    rc = np.column_stack(rowcol(frame, shape, nodes[:, 0], nodes[:, 1]))
    mcp = MCP_Geometric(cost, fully_connected=True)
    mcp.find_costs([tuple(r) for r in rc])
    start_of = {tuple(r): i for i, r in enumerate(rc)}
    out = []
    for k, (name, kind, x, y) in enumerate(waterholes):
        if kind == "natural pan":
            continue
        end = tuple(int(v) for v in np.ravel(rowcol(frame, shape, [x], [y])))
        path = np.array(mcp.traceback(end))[::-1]  # from a node to the waterhole
        u = start_of.get(tuple(path[0]))
        if u is None or len(path) < 3:
            continue
        xy = np.column_stack([frame.c + (path[:, 1] + 0.5) * res, frame.f - (path[:, 0] + 0.5) * res])
        xy = np.vstack([nodes[u], smooth_line(xy, 5)[1:-1], [x, y]])
        xy = np.asarray(LineString(xy).simplify(res / 5).coords)
        out.append(RoadEdge(int(u), len(nodes) + k, xy, f"{name} track", "patrol track"))
    return out


def make_fords(rng, roads, rivers, boundary) -> np.ndarray:
    river_lines = MultiLineString([r[2] for r in rivers])
    pts = []
    for r in roads:
        if r.kind == "public road":
            continue
        inter = LineString(r.coords).intersection(river_lines)
        for g in getattr(inter, "geoms", [inter]):
            if g.geom_type == "Point" and boundary.contains(g):
                pts.append((g.x, g.y))
    for _, _, line in rivers:  # game and footpath crossings
        for _ in range(2):
            p = line.interpolate(rng.uniform(0.2, 0.8), normalized=True)
            if boundary.contains(p):
                pts.append((p.x, p.y))
    out: list = []
    for p in pts:
        if all(np.hypot(p[0] - q[0], p[1] - q[1]) > 500 for q in out):
            out.append(p)
    return np.array(out, dtype=float).reshape(-1, 2)


def make_waterholes(rng, boundary, inner, rivers, elevation, area) -> list:
    """Boreholes, natural pans (in low ground) and dams (on rivers), spread out inside the park."""
    n = int(np.clip(round(area / 110.0), 8, 60))
    out = []
    cand = random_points_in(rng, inner, 40 * n)
    z = elevation.sample(cand[:, 0], cand[:, 1])
    low = cand[np.argsort(z)[: max(n, len(cand) // 4)]]
    kinds = rng.choice(["borehole", "natural pan", "dam"], size=n, p=[0.55, 0.35, 0.10])
    for i, kind in enumerate(kinds):
        if kind == "dam":
            _, _, line = rivers[int(rng.integers(len(rivers)))]
            p = line.interpolate(rng.uniform(0.25, 0.75), normalized=True)
            if not boundary.contains(p):
                continue
            xy = (p.x, p.y)
        else:
            pool = low if kind == "natural pan" else cand
            for _ in range(30):
                xy = tuple(pool[int(rng.integers(len(pool)))])
                if all(np.hypot(xy[0] - o[2], xy[1] - o[3]) > 2500 for o in out):
                    break
        out.append((f"WH{i + 1:03d}", str(kind), float(xy[0]), float(xy[1])))
    return out
