"""The synthetic landscape of the demo park.

Boundary, relief, rivers (following the relief downhill), roads, ranger
posts, gates, villages outside the boundary, waterholes, NDVI, land cover and
elephant and rhino densities.  Everything is built in the park's metric CRS
on a *base frame* (a raster covering the park plus a margin) and sampled
from there onto the analysis grid and onto the output rasters.

All randomness comes from the ``numpy.random.Generator`` passed in, so the
same seed gives the same park.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import rasterio.features
import shapely
import shapely.affinity
from affine import Affine
from pyproj import CRS, Transformer
from scipy import ndimage
from shapely.geometry import LineString, Polygon

from layers.grid import Grid

from .features import (
    POST_NAMES,
    RoadEdge,
    borehole_tracks,
    make_fords,
    make_gates,
    make_rivers,
    make_roads,
    make_sanctuary,
    make_villages,
    make_waterholes,
    village_name,
)
from .kernels import (
    Surface,
    distance_to,
    farthest_points,
    frame_xy,
    random_points_in,
    rasterize_lines,
    rowcol,
    smooth_noise,
    utm_crs,
)

CENTRE_LONLAT = (31.6, -24.2)  # southern African lowveld
MARGIN_M = 12_000.0  # base frame margin around the park (villages, raster coverage)

LANDCOVER_CLASSES = {
    1: "Grassland",
    2: "Shrubland",
    3: "Open woodland",
    4: "Dense woodland and riparian forest",
    5: "Rocky outcrop and bare ground",
    6: "Open water",
}


@dataclass
class Landscape:
    """Every layer of the demo park in its metric CRS (see module docstring)."""

    crs: CRS
    boundary: Polygon
    grid: Grid
    frame: Affine  # base frame transform (north-up, square cells)
    frame_shape: tuple[int, int]
    elevation: Surface
    ndvi: Surface
    landcover: np.ndarray  # uint8 on the base frame
    elephant: Surface
    rhino: Surface
    rivers: list[tuple[str, str, LineString]]  # (name, kind, line)
    fords: np.ndarray  # (n, 2)
    posts: list[tuple[str, float, float, int]]  # (name, x, y, teams)
    gates: list[tuple[str, float, float]]
    nodes: np.ndarray  # (posts + gates, 2) road network nodes, posts first
    roads: list[RoadEdge]
    villages: list[tuple[str, float, float, int]]  # (name, x, y, population)
    waterholes: list[tuple[str, str, float, float]]  # (name, kind, x, y)
    sanctuary: Polygon
    covariates: dict[str, np.ndarray] = field(default_factory=dict)  # on the grid

    @property
    def to_lonlat(self) -> Transformer:
        return Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)


# --- small kernels ---------------------------------------------------------


def random_boundary(
    rng: np.random.Generator, area_km2: float, centre_xy: tuple[float, float], elongation: float = 1.0
) -> Polygon:
    """An irregular, elongated park outline of exactly ``area_km2``.

    ``elongation`` stretches the outline north-south (above 1) or east-west
    (below 1) on top of its random north-south elongation of 1.3-1.8.
    """
    theta = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    log_r = np.zeros_like(theta)
    for k in range(2, 14):
        amp = 0.28 / k**0.9
        log_r += amp * rng.normal() * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    # fine jaggedness (survey lines, rivers as borders)
    jag = ndimage.gaussian_filter1d(rng.standard_normal(theta.size), 2.0, mode="wrap")
    log_r += 0.03 * jag / (jag.std() + 1e-12)
    r = np.exp(log_r)
    elong = rng.uniform(1.3, 1.8)  # north-south elongation, like many lowveld parks
    x = r * np.cos(theta)
    y = r * np.sin(theta) * elong
    if elongation != 1.0:
        y = y * elongation
    poly = shapely.make_valid(Polygon(np.column_stack([x, y])))
    if poly.geom_type != "Polygon":
        poly = max(poly.geoms, key=lambda g: g.area)
    scale = np.sqrt(area_km2 * 1e6 / poly.area)
    poly = shapely.affinity.scale(poly, scale, scale, origin=(0, 0))
    return shapely.affinity.translate(poly, centre_xy[0], centre_xy[1])


# --- the builder -----------------------------------------------------------
def build_landscape(
    rng: np.random.Generator,
    cell_size_m: float = 500.0,
    area_km2: float = 3500.0,
    boundary_lonlat=None,
    elongation: float = 1.0,
) -> Landscape:
    """Build the whole landscape.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all randomness.
    cell_size_m : float
        Cell size of the analysis grid.
    area_km2 : float
        Area of the random boundary (ignored when ``boundary_lonlat`` is given).
    boundary_lonlat : shapely Polygon or MultiPolygon, optional
        A user boundary in longitude/latitude; its UTM zone becomes the park CRS.
    elongation : float
        Extra north-south stretch of the random boundary (see :func:`random_boundary`).
    """
    if boundary_lonlat is not None:
        c = boundary_lonlat.centroid
        crs = utm_crs(c.x, c.y)
        fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        boundary = shapely.make_valid(shapely.transform(boundary_lonlat, fwd.transform, interleaved=False))
        if boundary.geom_type == "GeometryCollection":
            boundary = shapely.union_all([g for g in boundary.geoms if g.area > 0])
    else:
        crs = utm_crs(*CENTRE_LONLAT)
        fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        cx, cy = fwd.transform(*CENTRE_LONLAT)
        boundary = random_boundary(rng, area_km2, (round(cx, -3), round(cy, -3)), elongation)
    grid = Grid.from_geometry(boundary, crs, cell_size_m)
    area = boundary.area / 1e6

    # base frame: park bounds plus a margin, about 250 m cells (coarser for huge parks)
    minx, miny, maxx, maxy = boundary.bounds
    res = max(250.0, np.sqrt((maxx - minx + 2 * MARGIN_M) * (maxy - miny + 2 * MARGIN_M) / 600_000))
    res = float(np.ceil(res / 50.0) * 50.0)
    x0 = np.floor((minx - MARGIN_M) / res) * res
    y1 = np.ceil((maxy + MARGIN_M) / res) * res
    shape = (int(np.ceil((y1 - miny + MARGIN_M) / res)), int(np.ceil((maxx + MARGIN_M - x0) / res)))
    frame = Affine(res, 0, x0, 0, -res, y1)
    fx, fy = frame_xy(frame, shape)
    km = 1000.0 / res  # cells per km

    # --- relief: regional tilt down to the east plus hills of several sizes
    tilt = (fx - fx.mean()) / (fx.max() - fx.min())
    elev = 420.0 - 220.0 * tilt
    for sigma_km, amp in ((14.0, 90.0), (6.0, 55.0), (2.5, 25.0), (1.0, 8.0)):
        elev = elev + amp * smooth_noise(rng, shape, sigma_km * km)
    ridge_y = rng.uniform(miny, maxy)
    elev += 60.0 * np.exp(-(((fy - ridge_y) / 6000.0) ** 2)) * (0.5 + 0.5 * smooth_noise(rng, shape, 8 * km))

    # --- rivers: least-cost paths through low ground, west to east, then carved
    rivers, river_mask, elev = make_rivers(rng, elev, frame, shape, boundary)
    elevation = Surface(elev.astype(np.float32), frame)
    gy, gx = np.gradient(elev, res)
    slope = np.hypot(gx, gy)
    d_river = distance_to(river_mask, res)

    inside = rasterio.features.geometry_mask([boundary], out_shape=shape, transform=frame, invert=True)

    # --- posts: spread out inside, one guarding the rhino sanctuary
    inner = boundary.buffer(-min(1500.0, 0.08 * np.sqrt(boundary.area)))
    if inner.is_empty:
        inner = boundary
    n_posts = int(np.clip(round(area / 450.0), 6, 40))
    cand = random_points_in(rng, inner, 3000)
    posts_xy = farthest_points(rng, cand, n_posts - 1)
    sanctuary = make_sanctuary(rng, boundary, inner, posts_xy, d_river, frame, shape)
    sc = sanctuary.representative_point() if sanctuary.is_empty else sanctuary.centroid
    if not boundary.contains(sc):
        sc = sanctuary.representative_point()
    posts_xy = np.vstack([posts_xy, [sc.x, sc.y]])
    names = list(rng.permutation(POST_NAMES))
    while len(names) < len(posts_xy):  # very large parks: more posts than stock names
        extra = village_name(rng)
        if extra not in names:
            names.append(extra)
    teams = rng.choice([1, 2, 2, 3], size=len(posts_xy), p=[0.35, 0.3, 0.25, 0.1])
    posts = [(f"{names[i]} Post", float(x), float(y), int(teams[i])) for i, (x, y) in enumerate(posts_xy)]
    posts[-1] = (f"{names[-1]} Sanctuary Post", posts[-1][1], posts[-1][2], 2)

    # --- villages outside: pressure from two populated sides
    pop_angle = rng.uniform(0, 2 * np.pi)
    villages = make_villages(rng, boundary, area, pop_angle)

    # --- gates on the boundary, facing the villages
    gates = make_gates(rng, boundary, villages, max(3, int(round(area / 1000.0)) + 1))

    # --- roads: minimum spanning tree of posts and gates plus a few loops
    nodes = np.array([[p[1], p[2]] for p in posts] + [[g[1], g[2]] for g in gates])
    waterholes = make_waterholes(rng, boundary, inner, rivers, elevation, area)
    roads = make_roads(rng, nodes, len(posts), gates, villages, slope, river_mask, inside, frame, shape, boundary)
    roads += borehole_tracks(nodes, waterholes, slope, river_mask, inside, frame, shape)

    # --- fords: where roads cross rivers, plus a few game crossings
    fords = make_fords(rng, roads, rivers, boundary)

    # --- waterholes
    wh_mask = np.zeros(shape, dtype=bool)
    r_, c_ = rowcol(frame, shape, [w[2] for w in waterholes], [w[3] for w in waterholes])
    wh_mask[r_, c_] = True
    d_water = np.minimum(distance_to(wh_mask, res), d_river)

    # --- vegetation
    e_norm = (elev - elev.min()) / (np.ptp(elev) + 1e-9)
    ndvi = (
        0.30
        + 0.30 * np.exp(-d_river / 1200.0)
        + 0.07 * smooth_noise(rng, shape, 3 * km)
        + 0.04 * smooth_noise(rng, shape, 0.8 * km)
        - 0.12 * e_norm
        - 0.8 * np.clip(slope - 0.08, 0, None)
    )
    ndvi = np.clip(ndvi, 0.05, 0.88).astype(np.float32)
    landcover = np.full(shape, 2, dtype=np.uint8)
    landcover[ndvi < 0.27] = 1
    landcover[ndvi >= 0.38] = 3
    landcover[ndvi >= 0.52] = 4
    landcover[slope > 0.12] = 5
    landcover[distance_to(wh_mask, res) < 0.6 * res] = 6

    # --- animals (per km2, from aerial counts)
    veg = ndvi / ndvi.mean()
    elephant = 1.6 * (0.15 + np.exp(-d_water / 2500.0)) * veg * np.exp(0.35 * smooth_noise(rng, shape, 5 * km))
    elephant = np.where(inside, elephant, 0.15 * elephant)
    sanct_mask = rasterio.features.geometry_mask([sanctuary], out_shape=shape, transform=frame, invert=True)
    sanct_soft = ndimage.gaussian_filter(sanct_mask.astype(float), 1.5 * km)
    rhino = (
        (0.03 + 1.2 * sanct_soft) * (0.4 + np.exp(-d_water / 3000.0)) * np.exp(0.2 * smooth_noise(rng, shape, 4 * km))
    )
    rhino = np.where(inside, rhino, 0.0)

    land = Landscape(
        crs=crs,
        boundary=boundary,
        grid=grid,
        frame=frame,
        frame_shape=shape,
        elevation=elevation,
        ndvi=Surface(ndvi, frame),
        landcover=landcover,
        elephant=Surface(elephant.astype(np.float32), frame),
        rhino=Surface(rhino.astype(np.float32), frame),
        rivers=rivers,
        fords=fords,
        posts=posts,
        gates=gates,
        nodes=nodes,
        roads=roads,
        villages=villages,
        waterholes=waterholes,
        sanctuary=sanctuary,
    )
    land.covariates = _grid_covariates(land, slope, d_river, d_water)
    return land


# --- pieces ---------------------------------------------------------------


def _grid_covariates(land: Landscape, slope, d_river, d_water) -> dict[str, np.ndarray]:
    """The landscape seen from the analysis grid (used by the poachers and rangers)."""

    grid = land.grid
    gx, gy = grid.centres()
    frame, shape, res = land.frame, land.frame_shape, land.frame.a
    road_mask = rasterize_lines([LineString(r.coords) for r in land.roads if r.kind != "public road"], frame, shape)
    vil_mask = np.zeros(shape, dtype=bool)
    if land.villages:
        r, c = rowcol(frame, shape, [v[1] for v in land.villages], [v[2] for v in land.villages])
        vil_mask[r, c] = True
    post_mask = np.zeros(shape, dtype=bool)
    r, c = rowcol(frame, shape, [p[1] for p in land.posts], [p[2] for p in land.posts])
    post_mask[r, c] = True

    def at(a):
        return Surface(np.asarray(a, dtype=float), frame).sample(gx, gy)

    cov = {
        "elevation": land.elevation.sample(gx, gy),
        "slope": at(slope),
        "ndvi": land.ndvi.sample(gx, gy),
        "elephant": land.elephant.sample(gx, gy),
        "rhino": land.rhino.sample(gx, gy),
        "d_river": at(d_river),
        "d_water": at(d_water),
        "d_road": at(distance_to(road_mask, res)),
        "d_village": at(distance_to(vil_mask, res)),
        "d_post": at(distance_to(post_mask, res)),
        "d_boundary": np.asarray(
            shapely.distance(shapely.points(gx.ravel(), gy.ravel()), land.boundary.boundary)
        ).reshape(gx.shape),
    }
    return {k: np.where(grid.mask, v, np.nan).astype(np.float64) for k, v in cov.items()}


def read_user_boundary(path) -> Polygon:
    """The union of the polygons in a user's boundary file, in longitude/latitude.

    Files without a CRS are taken as longitude/latitude when their coordinates
    fit, else rejected.
    """
    from pathlib import Path

    import pyogrio

    from .errors import BoundaryFileError

    path = Path(path)
    if not path.exists():
        raise BoundaryFileError(
            f"{path}: boundary file not found; give the path of a polygon file (GeoJSON, GPKG, SHP, KML)"
        )
    try:
        gdf = pyogrio.read_dataframe(path)
    except Exception as exc:  # GDAL errors of any kind
        raise BoundaryFileError(f"{path}: cannot read the boundary ({exc}); give a polygon file GDAL can open") from exc
    gdf = gdf[gdf.geometry.notna() & gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if gdf.empty:
        raise BoundaryFileError(f"{path}: no polygon in the file; the boundary must be a Polygon or MultiPolygon layer")
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise BoundaryFileError(
                f"{path}: the boundary has no CRS and is not in longitude/latitude; save it with its CRS"
            )
        gdf = gdf.set_crs("EPSG:4326")
    geom = shapely.make_valid(shapely.union_all(gdf.to_crs("EPSG:4326").geometry.values))
    if geom.is_empty or geom.area == 0:
        raise BoundaryFileError(f"{path}: the boundary polygon is empty")
    return geom
