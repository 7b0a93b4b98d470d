"""A park folder with no history, written in code: boundary, posts, roads, rivers and rasters only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import parkfiles as pf

TOML = """[park]
name = "New Park"
cell_size_m = 500

[layers]
boundary = "boundary.geojson"
posts = "posts.gpkg"

[layers.features]
roads = "roads.zip"
rivers = "rivers.geojson"
villages = "villages.kml"

[layers.rasters]
dem = "dem.tif"
rhino_density = "rhino_density.tif"
"""


def make_history_free_park(folder: Path) -> Path:
    """The tiny park of :mod:`parkfiles` without incidents or tracks, and with a rhino-density raster.

    The rhinos live in the western half (density 1 there, 0 in the east).
    """
    folder = pf.make_park(Path(folder), toml=TOML)
    for name in ("incidents.csv", "patrols.gpx", "waterholes.csv", "landcover.tif"):
        (folder / name).unlink()
    density = np.zeros((20, 20), dtype="float32")
    density[:, :10] = 1.0
    pf.write_geotiff(folder / "rhino_density.tif", pf.UTM, values=density)
    return folder
