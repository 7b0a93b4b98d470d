"""Park sections: 3-6 named areas covering the park, each run from a section post.

Parks divide their area into sections, named after the ranger post the
section ranger works from.  The section posts are spread out (farthest-point
order from the post farthest from the park's centre); every ranger post
joins the section of its nearest section post, and a section is the union of
its posts' Voronoi cells, clipped to the boundary.  No random draw: the
sections follow from the posts.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPoint

from .landscape import Landscape

MIN_SECTIONS, MAX_SECTIONS = 3, 6
KM2_PER_SECTION = 700.0


def section_count(area_km2: float, n_posts: int) -> int:
    """Number of sections of a park: about one per 700 km2, 3-6, at most one per post."""
    return int(min(max(MIN_SECTIONS, round(area_km2 / KM2_PER_SECTION)), MAX_SECTIONS, n_posts))


def park_sections(land: Landscape) -> tuple[list[str], list[str], list]:
    """Names, section posts and polygons (park CRS) of the park's sections, covering the boundary.

    Returns
    -------
    (list of str, list of str, list of shapely geometries)
        ``"<post> section"`` names, the name of each section's post, and
        each section's (Multi)Polygon.
    """
    names = [p[0] for p in land.posts]
    xy = np.array([[p[1], p[2]] for p in land.posts])
    k = section_count(land.boundary.area / 1e6, len(xy))
    centre = land.boundary.centroid
    chosen = [int(np.argmax(np.hypot(xy[:, 0] - centre.x, xy[:, 1] - centre.y)))]
    d = np.hypot(*(xy - xy[chosen[0]]).T)
    while len(chosen) < k:
        j = int(np.argmax(d))
        chosen.append(j)
        d = np.minimum(d, np.hypot(*(xy - xy[j]).T))
    owner = np.argmin(np.hypot(xy[:, None, 0] - xy[chosen, 0], xy[:, None, 1] - xy[chosen, 1]), axis=1)
    extent = land.boundary.buffer(np.sqrt(land.boundary.area)).envelope
    cells = list(shapely.voronoi_polygons(MultiPoint(xy), extend_to=extent, ordered=True).geoms)
    polygons = []
    for s in range(k):
        region = shapely.union_all([cells[i] for i in np.flatnonzero(owner == s)])
        part = shapely.make_valid(land.boundary.intersection(region))
        if part.geom_type == "GeometryCollection":  # keep the areas, drop slivers of lines or points
            part = shapely.union_all([g for g in part.geoms if g.area > 0])
        polygons.append(part)
    hq = [names[j] for j in chosen]
    return [f"{n.removesuffix(' Post')} section" for n in hq], hq, polygons
