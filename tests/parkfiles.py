"""Tiny park files in many formats, written in code for tests.

The tiny park lies near 35.1 E, 2.1 S (UTM zone 36 south, EPSG:32736): a
square of 0.2 x 0.2 degrees (about 22 x 22 km) with a notch cut from its
north-east corner.  Every function writes one file into a folder and
returns its path; :func:`make_park` writes a whole park folder in mixed
formats and CRSs with its ``park.toml``.

Examples
--------
>>> import tempfile, pathlib
>>> folder = make_park(pathlib.Path(tempfile.mkdtemp()))
>>> (folder / "park.toml").exists()
True
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon

from layers.defaults import COL_SOURCE_ROW

WEST, SOUTH, EAST, NORTH = 35.0, -2.2, 35.2, -2.0
UTM = "EPSG:32736"
WGS84 = "EPSG:4326"
START = pd.Timestamp("2024-01-01T06:00:00Z")


def boundary_polygon() -> Polygon:
    """The tiny park in lon/lat: a square with its north-east corner cut off."""
    return Polygon([(WEST, SOUTH), (EAST, SOUTH), (EAST, NORTH - 0.05), (EAST - 0.05, NORTH), (WEST, NORTH)])


def boundary_gdf(crs: str = WGS84) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["Tiny Park"]}, geometry=[boundary_polygon()], crs=WGS84).to_crs(crs)


def inside_points(n: int, seed: int = 0) -> np.ndarray:
    """``n`` (lon, lat) points inside the park, away from its edge."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(WEST + 0.01, EAST - 0.06, n)
    lat = rng.uniform(SOUTH + 0.01, NORTH - 0.06, n)
    return np.column_stack([lon, lat])


TYPE_LABELS = ("Snare", "Wire snare", "Elephant carcass", "Carcass - rhino", "Poacher camp", "Arrest", "Seizure")


def incidents_frame(n: int = 20, seed: int = 0) -> pd.DataFrame:
    """Incidents with lon, lat, an ISO date and free-text type labels."""
    rng = np.random.default_rng(seed)
    xy = inside_points(n, seed)
    times = START + pd.to_timedelta(rng.integers(0, 365 * 24, n), unit="h")
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "lon": xy[:, 0].round(6),
            "lat": xy[:, 1].round(6),
            "date": times.strftime("%Y-%m-%d %H:%M"),
            "category": [TYPE_LABELS[i % len(TYPE_LABELS)] for i in range(n)],
        }
    )


def points_gdf(n: int = 5, seed: int = 0, crs: str = WGS84, prefix: str = "Post") -> gpd.GeoDataFrame:
    xy = inside_points(n, seed)
    gdf = gpd.GeoDataFrame({"name": [f"{prefix} {i + 1}" for i in range(n)]}, geometry=shapely.points(xy), crs=WGS84)
    return gdf.to_crs(crs)


def lines_gdf(crs: str = WGS84) -> gpd.GeoDataFrame:
    lines = [
        LineString([(WEST - 0.05, -2.1), (EAST + 0.05, -2.12)]),
        LineString([(35.1, SOUTH - 0.05), (35.08, NORTH)]),
    ]
    return gpd.GeoDataFrame({"name": ["Main road", "North track"]}, geometry=lines, crs=WGS84).to_crs(crs)


# --- writers --------------------------------------------------------------------
def write_vector(gdf: gpd.GeoDataFrame, path: Path, driver: str | None = None) -> Path:
    path = Path(path)
    gdf.to_file(path, driver=driver, engine="pyogrio")
    return path


def write_geojson(path, gdf) -> Path:
    return write_vector(gdf, path, "GeoJSON")


def write_gpkg(path, gdf) -> Path:
    return write_vector(gdf, path, "GPKG")


def write_shp(path, gdf, prj: bool = True) -> Path:
    path = write_vector(gdf, path, "ESRI Shapefile")
    if not prj:
        path.with_suffix(".prj").unlink(missing_ok=True)
    return path


def write_zipped_shp(path, gdf, folder_inside: str = "") -> Path:
    """A zipped shapefile (``.shp``, ``.shx``, ``.dbf``, ``.prj``), optionally in a folder inside the zip."""
    path = Path(path)
    tmp = path.parent / f"_{path.stem}_shp"
    tmp.mkdir(exist_ok=True)
    shp = write_shp(tmp / f"{path.stem}.shp", gdf)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(tmp.iterdir()):
            if f.stem == shp.stem:
                zf.write(f, f"{folder_inside}{f.name}")
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    return path


def write_kml(path, gdf) -> Path:
    return write_vector(gdf.to_crs(WGS84), path, "KML")


def write_csv(path, df: pd.DataFrame, sep: str = ",") -> Path:
    path = Path(path)
    df.to_csv(path, index=False, sep=sep)
    return path


def write_csv_xy(path, n: int = 5, crs: str = UTM, seed: int = 0, names=("x", "y")) -> Path:
    gdf = points_gdf(n, seed, crs)
    df = pd.DataFrame({names[0]: gdf.geometry.x.round(2), names[1]: gdf.geometry.y.round(2), "name": gdf["name"]})
    return write_csv(path, df)


def write_csv_wkt(path, gdf: gpd.GeoDataFrame, column: str = "WKT") -> Path:
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    df[column] = shapely.to_wkt(gdf.geometry.values, rounding_precision=7)
    return write_csv(path, df)


def track_arrays(n_tracks: int = 3, n_points: int = 50, seed: int = 0, step_s: int = 60):
    """Random-walk GPS tracks inside the park: ``(track, time, lon, lat)`` arrays."""
    rng = np.random.default_rng(seed)
    starts = inside_points(n_tracks, seed + 1)
    steps = rng.normal(0, 0.0003, (n_tracks, n_points, 2))
    steps[:, 0] = 0
    pos = starts[:, None, :] + np.cumsum(steps, axis=1)
    pos[..., 0] = np.clip(pos[..., 0], WEST + 0.005, EAST - 0.055)
    pos[..., 1] = np.clip(pos[..., 1], SOUTH + 0.005, NORTH - 0.055)
    track = np.repeat(np.arange(n_tracks), n_points)
    t0 = START.value // 10**9 + np.arange(n_tracks) * 86400
    times = (t0[:, None] + np.arange(n_points)[None, :] * step_s).ravel()
    return track, times, pos[..., 0].ravel(), pos[..., 1].ravel()


def write_gpx(path, n_tracks: int = 3, n_points: int = 50, seed: int = 0, step_s: int = 60) -> Path:
    """A GPX file of tracks with timestamps, written directly as text (fast for millions of fixes)."""
    path = Path(path)
    track, times, lon, lat = track_arrays(n_tracks, n_points, seed, step_s)
    stamps = pd.to_datetime(times, unit="s").strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy()
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="tests" '
            'xmlns="http://www.topografix.com/GPX/1/1">\n'
        )
        for k in range(n_tracks):
            sel = slice(k * n_points, (k + 1) * n_points)
            pts = "".join(
                f'<trkpt lat="{la:.6f}" lon="{lo:.6f}"><time>{s}</time></trkpt>\n'
                for la, lo, s in zip(lat[sel], lon[sel], stamps[sel])
            )
            f.write(f"<trk><name>Patrol {k + 1}</name><trkseg>\n{pts}</trkseg></trk>\n")
        f.write("</gpx>\n")
    return path


def write_geotiff(path, crs: str = UTM, bounds=None, shape=(20, 20), dtype="float32", values=None, nodata=None) -> Path:
    """A one-band GeoTIFF over ``bounds`` (default: the park, in ``crs``) filled with ``values`` or a ramp."""
    import rasterio
    from affine import Affine

    path = Path(path)
    if bounds is None:
        b = boundary_gdf(crs).total_bounds
        pad = 0.02 * max(b[2] - b[0], b[3] - b[1])
        bounds = (b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad)
    rows, cols = shape
    if values is None:
        values = np.add.outer(np.arange(rows), np.arange(cols)).astype(dtype)
    values = np.asarray(values, dtype=dtype).reshape(rows, cols)
    profile = {
        "driver": "GTiff",
        "height": rows,
        "width": cols,
        "count": 1,
        "dtype": dtype,
        "crs": crs,
        "transform": Affine(
            (bounds[2] - bounds[0]) / cols, 0, bounds[0], 0, -(bounds[3] - bounds[1]) / rows, bounds[3]
        ),
    }
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
    return path


PARK_TOML = """[park]
name = "Tiny Park"
cell_size_m = 500

[layers]
boundary = "boundary.geojson"
incidents = "incidents.csv"
patrols = "patrols.gpx"
posts = "posts.gpkg"

[layers.features]
roads = "roads.zip"
rivers = "rivers.geojson"
villages = "villages.kml"
waterholes = "waterholes.csv"

[layers.rasters]
dem = "dem.tif"
landcover = { path = "landcover.tif", categorical = true }

[columns.incidents]
time = "date"
type = "category"
"""


def make_park(
    folder, n_incidents: int = 20, n_tracks: int = 3, n_points: int = 50, seed: int = 0, toml: str | None = None
) -> Path:
    """Write a whole tiny park in mixed formats and CRSs; return the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_geojson(folder / "boundary.geojson", boundary_gdf(WGS84))
    write_csv(folder / "incidents.csv", incidents_frame(n_incidents, seed))
    write_gpx(folder / "patrols.gpx", n_tracks, n_points, seed)
    write_gpkg(folder / "posts.gpkg", points_gdf(4, seed + 2, UTM))
    write_zipped_shp(folder / "roads.zip", lines_gdf(UTM))
    rivers = gpd.GeoDataFrame(
        {"name": ["Tiny River"]}, geometry=[LineString([(35.02, -2.19), (35.06, -2.1), (35.12, -2.03)])], crs=WGS84
    )
    write_geojson(folder / "rivers.geojson", rivers.to_crs("EPSG:3857"))
    villages = gpd.GeoDataFrame(
        {"name": ["Kijiji", "Mto"]}, geometry=[Point(34.97, -2.1), Point(35.23, -2.15)], crs=WGS84
    )
    write_kml(folder / "villages.kml", villages)
    write_csv_wkt(folder / "waterholes.csv", points_gdf(3, seed + 3, WGS84, "Waterhole"))
    write_geotiff(folder / "dem.tif", UTM, values=None)
    cats = np.random.default_rng(seed).integers(1, 5, (20, 20)).astype("uint8")
    write_geotiff(folder / "landcover.tif", WGS84, dtype="uint8", values=cats)
    (folder / "park.toml").write_text(toml if toml is not None else PARK_TOML, encoding="utf-8")
    return folder


# --- in-memory layers for the checks ---------------------------------------------
def frame(geoms, crs=None, **cols) -> gpd.GeoDataFrame:
    """A layer of ``geoms`` with ``cols`` and 1-based ``COL_SOURCE_ROW``, as a reader returns it."""
    gdf = gpd.GeoDataFrame(cols, geometry=list(geoms), crs=crs)
    gdf[COL_SOURCE_ROW] = np.arange(1, len(gdf) + 1)
    return gdf


def problems(report, check: str) -> list:
    """The problems of ``report`` found by ``check``."""
    return [p for p in report.problems if p.check == check]
