"""Small numpy kernels shared by the demo park builders: noise, sampling, distances, lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS
from scipy import ndimage
from shapely.geometry import Polygon


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS 84 / UTM CRS of the zone holding ``(lon, lat)``."""
    zone = int(np.clip(np.floor((lon + 180.0) / 6.0) + 1, 1, 60))
    return CRS.from_epsg((32700 if lat < 0 else 32600) + zone)


@dataclass
class Surface:
    """A raster of the base frame in the park CRS, sampled bilinearly anywhere."""

    data: np.ndarray
    transform: Affine

    def sample(self, x, y, order: int = 1) -> np.ndarray:
        """Values at points ``(x, y)`` (arrays of any shape); edges extend outward."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        res = self.transform.a
        col = (x - self.transform.c) / res - 0.5
        row = (self.transform.f - y) / res - 0.5
        out = ndimage.map_coordinates(self.data, [row.ravel(), col.ravel()], order=order, mode="nearest")
        return out.reshape(x.shape)


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma_cells: float) -> np.ndarray:
    """Gaussian-filtered white noise with unit standard deviation."""
    field_ = ndimage.gaussian_filter(rng.standard_normal(shape), sigma=max(sigma_cells, 0.5), mode="reflect")
    return (field_ - field_.mean()) / (field_.std() + 1e-12)


def frame_xy(transform: Affine, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre coordinates of a whole frame."""
    rows, cols = np.indices(shape)
    return transform.c + (cols + 0.5) * transform.a, transform.f - (rows + 0.5) * transform.a


def rowcol(transform: Affine, shape, x, y):
    """Row and column of points in a frame, clipped to its edges."""
    col = np.clip(np.floor((np.asarray(x) - transform.c) / transform.a).astype(int), 0, shape[1] - 1)
    row = np.clip(np.floor((transform.f - np.asarray(y)) / transform.a).astype(int), 0, shape[0] - 1)
    return row, col


def distance_to(mask: np.ndarray, res: float) -> np.ndarray:
    """Distance in metres from every cell to the nearest ``True`` cell."""
    if not mask.any():
        return np.full(mask.shape, 1e6)
    return ndimage.distance_transform_edt(~mask) * res


def rasterize_lines(lines, transform, shape) -> np.ndarray:
    import rasterio.features

    geoms = [g for g in lines if g is not None and not g.is_empty]
    if not geoms:
        return np.zeros(shape, dtype=bool)
    return rasterio.features.rasterize(
        [(g, 1) for g in geoms], out_shape=shape, transform=transform, all_touched=True, dtype="uint8"
    ).astype(bool)


def smooth_line(coords: np.ndarray, window: int = 5) -> np.ndarray:
    """Moving-average smoothing keeping the end points."""
    if len(coords) <= window:
        return coords
    kernel = np.ones(window) / window
    pad = window // 2
    padded = np.pad(coords, ((pad, pad), (0, 0)), mode="edge")
    out = np.column_stack([np.convolve(padded[:, i], kernel, mode="valid") for i in range(2)])
    out[0], out[-1] = coords[0], coords[-1]
    return out


def largest(geom) -> Polygon:
    """The largest polygon of a (Multi)Polygon."""
    return max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)


def random_points_in(rng, geom, n: int) -> np.ndarray:
    """``n`` uniform random points inside ``geom``, shape ``(n, 2)``."""
    minx, miny, maxx, maxy = geom.bounds
    out = []
    while sum(len(o) for o in out) < n:
        pts = np.column_stack([rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)])
        ok = shapely.contains_xy(geom, pts[:, 0], pts[:, 1])
        out.append(pts[ok])
    return np.vstack(out)[:n]


def farthest_points(rng, cand: np.ndarray, k: int) -> np.ndarray:
    """Greedy max-min selection of ``k`` spread-out points from ``cand``."""
    chosen = [int(rng.integers(len(cand)))]
    d = np.hypot(*(cand - cand[chosen[0]]).T)
    for _ in range(k - 1):
        # a little randomness: pick among the five farthest
        top = np.argsort(d)[-5:]
        i = int(rng.choice(top))
        chosen.append(i)
        d = np.minimum(d, np.hypot(*(cand - cand[i]).T))
    return cand[chosen]
