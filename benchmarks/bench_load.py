"""Benchmark: load a 5,000 km2 park at 250 m with three years of GPS tracks.

Builds a seeded synthetic park folder in real formats (GeoJSON boundary,
posts and roads in lon/lat, GPX tracks of about 2 million fixes, CSV
incidents, a GeoTIFF DEM in UTM), then runs, in a fresh process so the
figures are its own: load, grid, covariates, monthly effort.  Prints the
time of each stage in seconds and the peak resident memory in MB.

Targets: under 30 s in total and under 2 GB.

Usage::

    .venv/bin/python benchmarks/bench_load.py [--folder DIR] [--fixes 2000000] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

UTM = "EPSG:32736"
AREA_KM2 = 5000.0
CELL_M = 250
CENTRE = (500_000.0, 7_300_000.0)  # UTM 36S, near 24.4 S 33 E
START = np.datetime64("2022-01-01T00:00:00", "s")
DAYS = 3 * 365
FIX_S = 30
TIME_LIMIT_S = 30.0
MEMORY_LIMIT_MB = 2048.0


# --- building the park folder ---------------------------------------------------------
def _boundary(rng: np.random.Generator):
    from shapely.geometry import Polygon

    angles = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    wobble = 1 + 0.12 * np.sin(3 * angles + 1) + 0.06 * np.cos(7 * angles) + rng.normal(0, 0.01, angles.size)
    poly = Polygon(np.column_stack([np.cos(angles) * wobble, np.sin(angles) * wobble]))
    scale = np.sqrt(AREA_KM2 * 1e6 / poly.area)
    from shapely import affinity

    return affinity.translate(affinity.scale(poly, scale, scale, origin=(0, 0)), *CENTRE)


def _to_lonlat(x, y):
    from pyproj import Transformer

    return Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform(x, y)


def _write_gpx(path: Path, tracks: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> int:
    """Write GPX 1.1 with a fast string writer; returns the number of fixes."""
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write('<gpx version="1.1" creator="bench_load" xmlns="http://www.topografix.com/GPX/1/1">\n')
        for k, (lon, lat, t) in enumerate(tracks):
            stamps = np.datetime_as_string(t, unit="s")
            body = "".join(
                f'<trkpt lat="{a:.6f}" lon="{b:.6f}"><time>{c}Z</time></trkpt>\n'
                for a, b, c in zip(lat.tolist(), lon.tolist(), stamps.tolist())
            )
            f.write(f"<trk><name>patrol {k}</name><trkseg>\n{body}</trkseg></trk>\n")
            n += len(lon)
        f.write("</gpx>\n")
    return n


def build_park(folder: Path, n_fixes: int = 2_000_000, seed: int = 7) -> dict:
    """Write the synthetic park folder; returns a summary."""
    import geopandas as gpd
    import pandas as pd
    import rasterio
    from affine import Affine
    from shapely.geometry import LineString, Point

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    boundary = _boundary(rng)
    gpd.GeoDataFrame({"name": ["Bench Park"]}, geometry=[boundary], crs=UTM).to_crs("EPSG:4326").to_file(
        folder / "boundary.geojson", driver="GeoJSON"
    )
    minx, miny, maxx, maxy = boundary.bounds

    # posts inside the park
    posts = []
    while len(posts) < 8:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if boundary.buffer(-3000).contains(p):
            posts.append(p)
    gpd.GeoDataFrame({"name": [f"Post {i + 1}" for i in range(len(posts))]}, geometry=posts, crs=UTM).to_crs(
        "EPSG:4326"
    ).to_file(folder / "posts.geojson", driver="GeoJSON")

    # roads: smooth random walks joining posts
    roads = []
    for i in range(len(posts)):
        a, b = posts[i], posts[(i + 1) % len(posts)]
        s = np.linspace(0, 1, 60)[:, None]
        line = (1 - s) * np.array(a.coords[0]) + s * np.array(b.coords[0])
        line[1:-1] += np.cumsum(rng.normal(0, 300, (58, 2)), axis=0) * np.sin(np.pi * s[1:-1])
        roads.append(LineString(line))
    gpd.GeoDataFrame({"name": [f"road {i}" for i in range(len(roads))]}, geometry=roads, crs=UTM).to_crs(
        "EPSG:4326"
    ).to_file(folder / "roads.geojson", driver="GeoJSON")

    # DEM in UTM at 100 m, a little larger than the park
    res = 100.0
    x0, y1 = minx - 5000, maxy + 5000
    w, h = int((maxx - minx + 10000) / res), int((maxy - miny + 10000) / res)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dem = 600 + 200 * np.sin(xx / 150) * np.cos(yy / 210) + 0.5 * yy + rng.normal(0, 2, (h, w)).astype(np.float32)
    with rasterio.open(
        folder / "dem.tif",
        "w",
        driver="GTiff",
        width=w,
        height=h,
        count=1,
        dtype="float32",
        crs=UTM,
        transform=Affine(res, 0, x0, 0, -res, y1),
        nodata=-9999,
        compress="deflate",
        tiled=True,
    ) as dst:
        dst.write(dem.astype(np.float32), 1)

    # tracks: correlated random walks from posts, one fix every 30 s
    per_track = 900
    n_tracks = max(1, n_fixes // per_track)
    days = rng.integers(0, DAYS, n_tracks)
    starts = START + days.astype("timedelta64[D]") + rng.integers(5 * 3600, 9 * 3600, n_tracks).astype("timedelta64[s]")
    origin = rng.integers(0, len(posts), n_tracks)
    heading = rng.uniform(0, 2 * np.pi, (n_tracks, 1)) + np.cumsum(rng.normal(0, 0.15, (n_tracks, per_track)), axis=1)
    step = rng.gamma(4.0, 10.0, (n_tracks, per_track))  # about 40 m per 30 s = 4.8 km/h
    px = np.array([p.x for p in posts])[origin, None] + np.cumsum(step * np.cos(heading), axis=1)
    py = np.array([p.y for p in posts])[origin, None] + np.cumsum(step * np.sin(heading), axis=1)
    spikes = rng.random((n_tracks, per_track)) < 0.001
    px = np.where(spikes, px + rng.normal(0, 3000, px.shape), px)
    t = starts[:, None] + (np.arange(per_track) * FIX_S).astype("timedelta64[s]")
    gaps = rng.random(n_tracks) < 0.2
    t[gaps, per_track // 2 :] += np.timedelta64(2, "h")
    lon, lat = _to_lonlat(px.ravel(), py.ravel())
    lon, lat = lon.reshape(px.shape), lat.reshape(px.shape)
    order = np.argsort(starts)
    n = _write_gpx(folder / "patrols.gpx", [(lon[i], lat[i], t[i]) for i in order])

    # incidents: near tracks
    n_inc = 3000
    pick = rng.integers(0, n_tracks * per_track, n_inc)
    ix, iy = px.ravel()[pick] + rng.normal(0, 80, n_inc), py.ravel()[pick] + rng.normal(0, 80, n_inc)
    ilon, ilat = _to_lonlat(ix, iy)
    types = rng.choice(["Snare", "Wire snare", "Elephant carcass", "Carcass - rhino", "Poacher camp", "Arrest"], n_inc)
    pd.DataFrame(
        {
            "date": pd.to_datetime(t.ravel()[pick]).strftime("%Y-%m-%d %H:%M:%S"),
            "category": types,
            "lon": np.round(ilon, 6),
            "lat": np.round(ilat, 6),
        }
    ).to_csv(folder / "incidents.csv", index=False)

    (folder / "park.toml").write_text(
        "[park]\n"
        'name = "Bench Park"\n'
        f"cell_size_m = {CELL_M}\n"
        f'crs = "{UTM}"\n\n'
        "[layers]\n"
        'boundary = "boundary.geojson"\n'
        'incidents = "incidents.csv"\n'
        'patrols = "patrols.gpx"\n'
        'posts = "posts.geojson"\n\n'
        "[layers.features]\n"
        'roads = "roads.geojson"\n\n'
        "[layers.rasters]\n"
        'dem = "dem.tif"\n\n'
        "[columns.incidents]\n"
        'time = "date"\n'
        'type = "category"\n'
    )
    return {"fixes": n, "tracks": n_tracks, "incidents": n_inc, "gpx_mb": (folder / "patrols.gpx").stat().st_size / 1e6}


# --- running the pipeline ---------------------------------------------------------------
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def _load_without_park(folder: Path):
    """Read the folder directly with pyogrio (used when layers.park is not available)."""
    from types import SimpleNamespace

    import geopandas as gpd
    import pandas as pd
    import pyogrio

    from layers.defaults import COL_TIME, COL_TRACK, COL_TYPE
    from layers.grid import Grid

    boundary = gpd.read_file(folder / "boundary.geojson").to_crs(UTM)
    posts = gpd.read_file(folder / "posts.geojson").to_crs(UTM)
    roads = gpd.read_file(folder / "roads.geojson").to_crs(UTM)
    fixes = pyogrio.read_dataframe(
        folder / "patrols.gpx", layer="track_points", columns=["track_fid", "time"], use_arrow=True
    )
    fixes = fixes.rename(columns={"track_fid": COL_TRACK, "time": COL_TIME}).to_crs(UTM)
    inc = pd.read_csv(folder / "incidents.csv")
    incidents = gpd.GeoDataFrame(
        {COL_TIME: pd.to_datetime(inc["date"], utc=True), COL_TYPE: "snare"},
        geometry=gpd.points_from_xy(inc["lon"], inc["lat"]),
        crs="EPSG:4326",
    ).to_crs(UTM)
    raster = SimpleNamespace(name="dem", path=folder / "dem.tif", categorical=False)
    park = SimpleNamespace(
        boundary=boundary,
        posts=posts,
        features={"roads": roads},
        rasters={"dem": raster},
        tracks=fixes,
        incidents=incidents,
        crs=UTM,
        grid=None,
    )
    return park, lambda: Grid.from_geometry(boundary.union_all(), UTM, CELL_M)


def run(folder: Path) -> dict:
    """Load, grid, covariates and monthly effort; times in s, memory in MB."""
    from layers.covariates import compute_covariates
    from layers.effort import compute_effort

    out: dict = {"stages": []}
    t_all = time.perf_counter()

    def stage(name, fn):
        t0, c0 = time.perf_counter(), time.process_time()
        value = fn()
        out["stages"].append(
            {
                "stage": name,
                "seconds": time.perf_counter() - t0,
                "cpu_seconds": time.process_time() - c0,
                "peak_mb": _peak_mb(),
            }
        )
        return value

    try:
        from layers.park import load_park
    except ImportError:
        load_park = None
    if load_park is not None:
        park = stage("load (layers.park.load_park, grid included)", lambda: load_park(folder))
        out["loader"] = "layers.park.load_park"
        stage("grid (built by load_park)", lambda: park.grid)
    else:
        park, make_grid = stage(
            "load (pyogrio directly: layers.park not available)", lambda: _load_without_park(folder)
        )
        out["loader"] = "pyogrio (layers.park not available)"
        park.grid = stage("grid", make_grid)
    cov = stage("covariates", lambda: compute_covariates(park))
    effort = stage("monthly effort", lambda: compute_effort(park, freq="M"))
    out["total_seconds"] = time.perf_counter() - t_all
    out["peak_mb"] = _peak_mb()
    out["grid"] = {"shape": list(park.grid.shape), "cells_in_park": park.grid.n_cells, "cell_m": park.grid.cell_size}
    out["covariates"] = cov.names
    out["fixes"] = int(len(park.tracks))
    out["effort"] = {"periods": len(effort.periods), "km": effort.total_km(), "cleaning": str(effort.cleaning)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="park folder to build (default: a temporary folder)")
    parser.add_argument("--fixes", type=int, default=2_000_000, help="number of GPS fixes (default 2,000,000)")
    parser.add_argument("--keep", action="store_true", help="keep the folder after the run")
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)  # child process: run on an existing folder
    args = parser.parse_args(argv)
    if args.run:
        print(json.dumps(run(args.run)))
        return 0

    tmp = None
    folder = args.folder
    if folder is None:
        tmp = Path(tempfile.mkdtemp(prefix="bench_load_"))
        folder = tmp / "park"
    t0 = time.perf_counter()
    info = build_park(folder, args.fixes)
    print(
        f"built {folder} in {time.perf_counter() - t0:.1f} s: {info['fixes']:,} GPS fixes in {info['tracks']:,} tracks "
        f"({info['gpx_mb']:.0f} MB of GPX), {info['incidents']:,} incidents"
    )
    load1 = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load1:.1f} (other work slows the wall-clock figures)")
    proc = subprocess.run([sys.executable, __file__, "--run", str(folder)], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, sep="\n")
        return proc.returncode
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"loader: {res['loader']}")
    g = res["grid"]
    print(f"grid: {g['shape'][0]} x {g['shape'][1]} cells of {g['cell_m']:.0f} m, {g['cells_in_park']:,} in the park")
    for s in res["stages"]:
        print(
            f"  {s['stage']:<52} {s['seconds']:7.2f} s (CPU {s['cpu_seconds']:6.2f} s)"
            f"   peak so far {s['peak_mb']:7.0f} MB"
        )
    print(f"covariates: {', '.join(res['covariates'])}")
    print(f"effort: {res['effort']['periods']} months, {res['effort']['km']:,.0f} km inside the park")
    print(f"cleaning: {res['effort']['cleaning']}")
    ok_t = res["total_seconds"] < TIME_LIMIT_S
    ok_m = res["peak_mb"] < MEMORY_LIMIT_MB
    print(
        f"TOTAL {res['total_seconds']:.1f} s (target < {TIME_LIMIT_S:.0f} s: {'met' if ok_t else 'MISSED'}), "
        f"peak memory {res['peak_mb']:.0f} MB (target < {MEMORY_LIMIT_MB:.0f} MB: {'met' if ok_m else 'MISSED'})"
    )
    if tmp is not None and not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    elif tmp is not None:
        print(f"kept {folder}")
    return 0 if ok_t and ok_m else 1


if __name__ == "__main__":
    raise SystemExit(main())
