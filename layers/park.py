"""A loaded park: every layer read, checked, reprojected once to the park's metric CRS, and its grid.

Examples
--------
>>> park = load_park("data/demo")  # doctest: +SKIP
>>> park.crs.to_epsg(), park.grid.shape, len(park.incidents)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
from pyproj import CRS

from .errors import FatalLoadError, GridError, ManifestError
from .grid import Grid
from .loader import INCIDENT_COLUMNS, POST_COLUMNS, TRACK_COLUMNS, LayerLoader, empty_layer
from .manifest import Manifest, RasterLayer, read_manifest
from .report import ERROR, FATAL, INFO, WARNING, LoadReport
from .storeload import add_store_records

__all__ = ["Park", "RasterLayer", "load_park"]


@dataclass
class Park:
    """A park loaded by :func:`load_park`; every vector is in ``crs`` (projected, metres)."""

    folder: Path
    name: str
    crs: CRS
    manifest: Manifest
    report: LoadReport
    boundary: gpd.GeoDataFrame
    posts: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    tracks: gpd.GeoDataFrame
    features: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    rasters: dict[str, RasterLayer] = field(default_factory=dict)
    grid: Grid | None = None

    @property
    def has_truth(self) -> bool:
        """Whether the folder holds a ``truth/`` folder (demo parks: used only to score models)."""
        return (Path(self.folder) / "truth").is_dir()

    @property
    def boundary_geometry(self):
        """The boundary as one shapely (Multi)Polygon in ``crs``."""
        return self.boundary.geometry.iloc[0]


def _fatal(report: LoadReport, name: str) -> FatalLoadError:
    first = next(p for p in report.problems if p.severity == FATAL)
    return FatalLoadError(f"park {name!r} cannot be loaded: {first}", report)


def load_park(
    folder: str | Path,
    cell_size: float | None = None,
    progress: Callable[[float, str], None] | None = None,
    skip: Collection[str] = (),
) -> Park:
    """Read, check and reproject every layer of a park folder, and build its grid.

    Parameters
    ----------
    folder : str or Path
        A folder holding ``park.toml``.
    cell_size : float, optional
        Grid cell size in metres; defaults to the manifest's ``cell_size_m``.
    progress : callable, optional
        ``progress(fraction, message)`` called as layers load.
    skip : collection of str, optional
        Roles not to read (``"patrols"``, ``"incidents"``, ``"posts"``): they
        come back empty, with an info line in the report.  A map that does
        not draw the GPS tracks loads much faster with ``skip=("patrols",)``.

    Returns
    -------
    Park
        Its ``report`` lists every problem found (warnings and rejected rows).

    Raises
    ------
    FatalLoadError
        When the park cannot be loaded (no manifest, no usable boundary, a
        bad CRS or cell size); ``exc.report`` holds every problem found.
    """
    folder = Path(folder)
    report = LoadReport(park=folder.name)
    try:
        manifest = read_manifest(folder)
    except ManifestError as exc:
        text = str(exc)
        report.add(
            FATAL,
            "park",
            str(folder / "park.toml"),
            text.split(" Fix: ")[0],
            text.split(" Fix: ")[-1] if " Fix: " in text else "",
            check="manifest",
        )
        raise FatalLoadError(f"park {folder.name!r} cannot be loaded: {text}", report) from exc
    report.park = manifest.name
    loader = LayerLoader(manifest, report, progress)
    say = loader.progress

    missing = manifest.missing_files()
    for name, path in missing.items():
        required = name == "boundary"
        report.add(
            FATAL if required else ERROR,
            name,
            path.name,
            f"file not found: {path}" + ("" if required else "; layer skipped"),
            f"correct the path of {name} in park.toml, or add the file",
            check="missing_file",
        )
    for role, severity in (("incidents", ERROR), ("patrols", ERROR), ("posts", WARNING)):
        if role not in manifest.layers:
            report.add(
                severity,
                role,
                "park.toml",
                f"names no {role} layer; the park loads without it",
                f'add {role} = "<file>" under [layers] in park.toml',
                check="missing_layer",
            )

    say(0.0, "reading the boundary")
    boundary = None if "boundary" in missing else loader.boundary(manifest.layers["boundary"])
    if boundary is None or report.fatal:
        if not report.fatal:
            report.add(
                FATAL,
                "boundary",
                manifest.layers["boundary"].name,
                "no usable boundary",
                "name a polygon layer of the park as boundary in park.toml",
                check="no_boundary",
            )
        raise _fatal(report, manifest.name)
    crs = loader.crs

    def layer(role, fn):
        path = manifest.layers.get(role)
        if path is None or role in missing:
            return None
        if role in skip:
            report.add(INFO, role, path.name, "not read (skipped on request)", check="skipped")
            return None
        return fn(path)

    say(0.1, "reading incidents")
    incidents = layer("incidents", loader.incidents)
    say(0.25, "reading patrol tracks")
    tracks = layer("patrols", loader.tracks)
    say(0.6, "reading posts")
    posts = layer("posts", loader.posts)
    incidents = incidents if incidents is not None else empty_layer(INCIDENT_COLUMNS, crs)
    tracks = tracks if tracks is not None else empty_layer(TRACK_COLUMNS, crs)
    posts = posts if posts is not None else empty_layer(POST_COLUMNS, crs)

    features: dict[str, gpd.GeoDataFrame] = {}
    for i, (name, path) in enumerate(manifest.features.items()):
        say(0.65 + 0.15 * i / max(1, len(manifest.features)), f"reading {name}")
        if name in missing:
            continue
        gdf = loader.feature(name, path)
        if gdf is not None:
            features[name] = gdf
    rasters: dict[str, RasterLayer] = {}
    for name, rl in manifest.rasters.items():
        say(0.8, f"checking raster {name}")
        if name not in missing and loader.raster(rl):
            rasters[name] = rl

    say(0.85, "reading the park store")
    incidents, tracks = add_store_records(folder, crs, loader.boundary_geom, incidents, tracks, report, skip)

    say(0.9, "building the grid")
    size = float(cell_size) if cell_size is not None else manifest.cell_size_m
    try:
        grid = Grid.from_geometry(loader.boundary_geom, crs, size)
    except GridError as exc:
        report.add(FATAL, "grid", None, str(exc), "set [park] cell_size_m between 100 and 2000 m", check="grid")
        raise _fatal(report, manifest.name) from exc
    report.add(
        INFO,
        "grid",
        None,
        f"{grid.shape[0]} x {grid.shape[1]} cells of {grid.cell_size:g} m, {grid.n_cells} inside the park "
        f"({grid.n_cells * grid.cell_area_km2:.0f} km2), CRS {crs.to_string()}",
        check="grid",
    )
    if report.fatal:
        raise _fatal(report, manifest.name)
    say(1.0, "loaded")
    return Park(
        folder, manifest.name, crs, manifest, report, boundary, posts, incidents, tracks, features, rasters, grid
    )
