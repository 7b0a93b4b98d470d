"""Writing the demo park as a park office keeps its files: mixed formats and CRSs.

| file | format | CRS |
|---|---|---|
| boundary.geojson, rivers.geojson, fords.geojson | GeoJSON | EPSG:4326 |
| posts.gpkg | GeoPackage | park UTM |
| roads.zip | zipped ESRI Shapefile | park UTM |
| villages.kml | KML | EPSG:4326 |
| waterholes.csv | CSV with a WKT column | park UTM (x/y in metres) |
| dem.tif | GeoTIFF int16, ~90 m (3 arc-seconds) | EPSG:4326 |
| ndvi.tif | GeoTIFF float32, 250 m | park UTM |
| landcover.tif | GeoTIFF uint8, 100 m, categorical, nodata 0 | park UTM |
| elephant_density.tif, rhino_density.tif | GeoTIFF float32, 1 km, animals per km2 | park UTM |
| incidents.csv | CSV, lat/lon, date "YYYY-MM-DD HH:MM" UTC, register columns | EPSG:4326 |
| cases.csv | CSV, one row per step of a case, date "YYYY-MM-DD" | - |
| sections.geojson | GeoJSON polygons with a name | EPSG:4326 |
| patrols.gpx | GPX 1.1 tracks | EPSG:4326 |
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from affine import Affine
from pyproj import Transformer

from .landscape import LANDCOVER_CLASSES, Landscape

_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def _lonlat(land: Landscape, x, y):
    return land.to_lonlat.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def _to4326(land: Landscape, geoms):
    import geopandas as gpd

    return gpd.GeoSeries(geoms, crs=land.crs).to_crs("EPSG:4326")


# --- vectors --------------------------------------------------------------
def write_vectors(out: Path, land: Landscape) -> None:
    """boundary, posts, roads, rivers, fords, villages and waterholes."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    gpd.GeoDataFrame({"name": ["Demo Park"], "area_km2": [round(land.boundary.area / 1e6, 1)]},
                     geometry=_to4326(land, [land.boundary]).values, crs="EPSG:4326").to_file(
        out / "boundary.geojson", driver="GeoJSON", COORDINATE_PRECISION=6)  # fmt: skip

    posts = gpd.GeoDataFrame(
        {
            "name": [p[0] for p in land.posts],
            "teams": [p[3] for p in land.posts],
            "kind": ["sanctuary post" if "Sanctuary" in p[0] else "ranger post" for p in land.posts],
        },
        geometry=[Point(round(p[1], 1), round(p[2], 1)) for p in land.posts],
        crs=land.crs,
    )
    posts.to_file(out / "posts.gpkg", driver="GPKG", layer="posts")

    roads = gpd.GeoDataFrame(
        {"name": [r.name for r in land.roads], "class": [r.kind for r in land.roads]},
        geometry=[LineString(np.round(r.coords, 1)) for r in land.roads],
        crs=land.crs,
    )
    _write_zipped_shapefile(roads, out / "roads.zip", "roads")

    rivers = gpd.GeoDataFrame(
        {"name": [r[0] for r in land.rivers], "kind": [r[1] for r in land.rivers]},
        geometry=_to4326(land, [r[2] for r in land.rivers]).values,
        crs="EPSG:4326",
    )
    rivers.to_file(out / "rivers.geojson", driver="GeoJSON", COORDINATE_PRECISION=6)

    fords = gpd.GeoDataFrame(
        {"name": [f"Ford {i + 1}" for i in range(len(land.fords))]},
        geometry=_to4326(land, [Point(*f) for f in land.fords]).values,
        crs="EPSG:4326",
    )
    fords.to_file(out / "fords.geojson", driver="GeoJSON", COORDINATE_PRECISION=6)

    _write_kml(out / "villages.kml", land)

    wh = pd.DataFrame(
        {
            "id": [w[0] for w in land.waterholes],
            "name": [f"{w[1].title()} {w[0][2:]}" for w in land.waterholes],
            "kind": [w[1] for w in land.waterholes],
            "perennial": ["yes" if w[1] in ("borehole", "dam") else "no" for w in land.waterholes],
            "wkt": [f"POINT ({w[2]:.1f} {w[3]:.1f})" for w in land.waterholes],
        }
    )
    wh.to_csv(out / "waterholes.csv", index=False, lineterminator="\n")


def _write_zipped_shapefile(gdf, path: Path, stem: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{stem}.shp"
        gdf.to_file(shp, driver="ESRI Shapefile", ENCODING="UTF-8")
        dbf = shp.with_suffix(".dbf")
        raw = bytearray(dbf.read_bytes())
        raw[1:4] = bytes([126, 1, 1])  # the dbf header's "last update" date: fixed, for byte-identical files
        dbf.write_bytes(bytes(raw))
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(Path(tmp).iterdir()):
                info = zipfile.ZipInfo(f.name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, f.read_bytes())


def _write_kml(path: Path, land: Landscape) -> None:
    lon, lat = _lonlat(land, [v[1] for v in land.villages], [v[2] for v in land.villages])
    marks = []
    for v, lo, la in zip(land.villages, lon, lat):
        marks.append(
            f"    <Placemark>\n      <name>{escape(v[0])}</name>\n"
            f'      <ExtendedData><Data name="population"><value>{v[3]}</value></Data></ExtendedData>\n'
            f"      <Point><coordinates>{lo:.6f},{la:.6f},0</coordinates></Point>\n    </Placemark>"
        )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n  <Document>\n'
        "    <name>Villages</name>\n" + "\n".join(marks) + "\n  </Document>\n</kml>\n"
    )
    path.write_text(text, encoding="utf-8")


# --- rasters --------------------------------------------------------------
def _write_tif(path: Path, data: np.ndarray, transform: Affine, crs, nodata, categorical=False) -> None:
    import rasterio

    profile = {
        "driver": "GTiff",
        "height": data.shape[0],
        "width": data.shape[1],
        "count": 1,
        "dtype": data.dtype.name,
        "crs": crs,
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
    }
    if data.shape[0] >= 256 and data.shape[1] >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        if categorical:
            colours = {0: (0, 0, 0, 0), 1: (230, 220, 140, 255), 2: (190, 200, 110, 255), 3: (120, 170, 80, 255),
                       4: (40, 110, 50, 255), 5: (160, 140, 130, 255), 6: (70, 130, 220, 255)}  # fmt: skip
            dst.write_colormap(1, colours)
            dst.update_tags(1, **{f"class_{k}": v for k, v in LANDCOVER_CLASSES.items()})


def _utm_frame(land: Landscape, res: float, margin: float):
    minx, miny, maxx, maxy = land.boundary.bounds
    x0 = np.floor((minx - margin) / res) * res
    y1 = np.ceil((maxy + margin) / res) * res
    cols = int(np.ceil((maxx + margin - x0) / res))
    rows = int(np.ceil((y1 - (miny - margin)) / res))
    t = Affine(res, 0, x0, 0, -res, y1)
    r, c = np.indices((rows, cols))
    return t, x0 + (c + 0.5) * res, y1 - (r + 0.5) * res


def _inside(land: Landscape, transform, shape, buffer_m: float) -> np.ndarray:
    import rasterio.features

    return rasterio.features.geometry_mask(
        [land.boundary.buffer(buffer_m)], out_shape=shape, transform=transform, invert=True, all_touched=True
    )


def write_rasters(out: Path, land: Landscape, rng: np.random.Generator) -> None:
    """dem (EPSG:4326, ~90 m), ndvi (250 m), landcover (100 m) and the densities (1 km)."""
    from pyproj import CRS

    # DEM in geographic coordinates, 3 arc-seconds, like SRTM
    fwd = Transformer.from_crs(land.crs, "EPSG:4326", always_xy=True)
    minx, miny, maxx, maxy = land.boundary.buffer(6000).bounds
    lo, la = fwd.transform([minx, maxx, minx, maxx], [miny, miny, maxy, maxy])
    d = 3.0 / 3600.0
    lon0, lat1 = np.floor(min(lo) / d) * d, np.ceil(max(la) / d) * d
    cols, rows = int(np.ceil((max(lo) - lon0) / d)), int(np.ceil((lat1 - min(la)) / d))
    t = Affine(d, 0, lon0, 0, -d, lat1)
    r, c = np.indices((rows, cols))
    inv = Transformer.from_crs("EPSG:4326", land.crs, always_xy=True)
    x, y = inv.transform(lon0 + (c + 0.5) * d, lat1 - (r + 0.5) * d)
    dem = land.elevation.sample(x, y, order=3) + rng.normal(0, 1.5, x.shape)
    _write_tif(out / "dem.tif", np.round(dem).astype(np.int16), t, CRS.from_epsg(4326), -32768)

    crs = land.crs
    t, x, y = _utm_frame(land, 250.0, 5000.0)
    ndvi = np.clip(land.ndvi.sample(x, y) + rng.normal(0, 0.015, x.shape), -0.1, 0.95).astype(np.float32)
    _write_tif(out / "ndvi.tif", ndvi, t, crs, -9999.0)

    t, x, y = _utm_frame(land, 100.0, 4000.0)
    lc = land_cover_at(land, x, y, rng)
    lc[~_inside(land, t, x.shape, 3000.0)] = 0
    _write_tif(out / "landcover.tif", lc, t, crs, 0, categorical=True)

    t, x, y = _utm_frame(land, 1000.0, 3000.0)
    inside = _inside(land, t, x.shape, 1500.0)
    off = (np.arange(4) + 0.5) / 4 * 1000.0 - 500.0  # block means of 4x4 samples per 1 km cell
    for name, surface in (("elephant_density", land.elephant), ("rhino_density", land.rhino)):
        acc = np.zeros(x.shape)
        for ox in off:
            for oy in off:
                acc += surface.sample(x + ox, y + oy)
        dens = np.where(inside, np.round(acc / 16.0, 3), -9999.0).astype(np.float32)
        _write_tif(out / f"{name}.tif", dens, t, crs, -9999.0)


def land_cover_at(land: Landscape, x, y, rng) -> np.ndarray:
    """Land-cover classes at points, from NDVI, slope and water (see LANDCOVER_CLASSES)."""
    ndvi = land.ndvi.sample(x, y) + rng.normal(0, 0.02, np.shape(x))
    res = land.elevation.transform.a
    z = land.elevation.data
    gy, gx = np.gradient(z.astype(float), res)
    from .landscape import Surface

    slope = Surface(np.hypot(gx, gy), land.elevation.transform).sample(x, y)
    lc = np.full(np.shape(x), 2, dtype=np.uint8)
    lc[ndvi < 0.27] = 1
    lc[ndvi >= 0.38] = 3
    lc[ndvi >= 0.52] = 4
    lc[slope > 0.12] = 5
    for _, _, wx, wy in land.waterholes:
        lc[np.hypot(np.asarray(x) - wx, np.asarray(y) - wy) < 120] = 6
    return lc


# --- records ----------------------------------------------------------------
def write_gpx(path: Path, tracks: list[dict], land: Landscape) -> int:
    """Write one GPX track per patrol; returns the number of fixes written.

    Each item of ``tracks`` has ``name``, ``kind``, ``desc``, ``t`` (int64 s),
    ``x`` and ``y`` (park CRS).
    """
    if tracks:
        t = np.concatenate([tr["t"] for tr in tracks])
        x = np.concatenate([tr["x"] for tr in tracks])
        y = np.concatenate([tr["y"] for tr in tracks])
        lon, lat = _lonlat(land, x, y)
        ele = land.elevation.sample(x, y)
        ts = np.datetime_as_string(t.astype("datetime64[s]"), unit="s")
        pts = [
            f'<trkpt lat="{a:.6f}" lon="{o:.6f}"><ele>{e:.1f}</ele><time>{s}Z</time></trkpt>'
            for a, o, e, s in zip(lat.tolist(), lon.tolist(), ele.tolist(), ts.tolist())
        ]
        bounds = np.cumsum([0] + [len(tr["t"]) for tr in tracks])
    else:
        pts, bounds = [], [0]
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write(
            '<gpx version="1.1" creator="Demo Park ranger GPS export" xmlns="http://www.topografix.com/GPX/1/1">\n'
        )
        fh.write("  <metadata><name>Demo Park patrol tracks</name></metadata>\n")
        for i, tr in enumerate(tracks):
            fh.write(f"  <trk>\n    <name>{escape(tr['name'])}</name>\n    <desc>{escape(tr['desc'])}</desc>\n")
            fh.write(f"    <type>{tr['kind']}</type>\n    <trkseg>\n      ")
            fh.write("\n      ".join(pts[bounds[i] : bounds[i + 1]]))
            fh.write("\n    </trkseg>\n  </trk>\n")
        fh.write("</gpx>\n")
    return len(pts)


def write_incidents(path: Path, incidents: pd.DataFrame) -> None:
    """incidents.csv: one row per incident, coordinates with 6 decimals (about 0.1 m)."""
    incidents.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_cases(path: Path, cases: pd.DataFrame) -> None:
    """cases.csv: one row per step of a case (long format)."""
    cases.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_sections(path: Path, land: Landscape, names: list[str], posts: list[str], polygons: list) -> None:
    """sections.geojson: the park's sections (name, section post, area) in longitude/latitude."""
    import geopandas as gpd

    area = [round(g.area / 1e6, 1) for g in polygons]
    gpd.GeoDataFrame({"name": names, "post": posts, "area_km2": area},
                     geometry=_to4326(land, polygons).values, crs="EPSG:4326").to_file(
        path, driver="GeoJSON", COORDINATE_PRECISION=6)  # fmt: skip


def write_manifest(out: Path, land: Landscape, cell_size_m: float) -> None:
    epsg = land.crs.to_epsg()
    classes = ", ".join(f"{code} = {json.dumps(name)}" for code, name in LANDCOVER_CLASSES.items())
    text = f"""# Demo Park: a synthetic park with a hidden poacher process (see README.md)
[park]
name = "Demo Park"
cell_size_m = {cell_size_m:g}
crs = "EPSG:{epsg}"

[layers]
boundary = "boundary.geojson"
incidents = "incidents.csv"
patrols = "patrols.gpx"
posts = "posts.gpkg"
cases = "cases.csv"
sections = "sections.geojson"

[layers.features]
roads = "roads.zip"
rivers = "rivers.geojson"
fords = "fords.geojson"
villages = "villages.kml"
waterholes = "waterholes.csv"

[layers.rasters]
dem = "dem.tif"
ndvi = "ndvi.tif"
landcover = {{ path = "landcover.tif", categorical = true, classes = {{ {classes} }} }}
elephant_density = "elephant_density.tif"
rhino_density = "rhino_density.tif"

[columns.incidents]
time = "date"
type = "type"
timezone = "UTC"

[columns.waterholes]
wkt = "wkt"
crs = "EPSG:{epsg}"
"""
    (out / "park.toml").write_text(text, encoding="utf-8")


def write_truth(out: Path, land: Landscape, info: dict, intensity: np.ndarray, effort: np.ndarray,
                periods: list[str], attacks: pd.DataFrame) -> None:  # fmt: skip
    """The hidden truth: truth.json, intensity.tif, effort.tif and attacks.csv in ``out/truth``."""
    tdir = out / "truth"
    tdir.mkdir(parents=True, exist_ok=True)
    grid = land.grid
    meta = {
        **info,
        "periods": periods,
        "cell_size_m": grid.cell_size,
        "crs": grid.crs.to_wkt(),
        "epsg": grid.crs.to_epsg(),
        "transform": list(grid.transform)[:6],
        "shape": list(grid.shape),
    }
    (tdir / "truth.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    grid.write_geotiff(tdir / "intensity.tif", intensity, names=periods)
    grid.write_geotiff(tdir / "effort.tif", effort, names=periods)
    attacks.to_csv(tdir / "attacks.csv", index=False, lineterminator="\n")


def write_readme(
    out: Path, land: Landscape, info: dict, periods: list[str], cell_size_m: float, register: dict
) -> None:
    """OUT/README.md: what the park is, its dates, files and CRSs.

    ``register`` holds the register's figures: ``n_incidents``, ``n_natural``,
    ``n_elephant_illegal``, ``n_elephant``, ``n_cases``, ``n_case_rows``,
    ``n_convicted``, ``n_closed``, ``n_open``, ``n_sections``.
    """
    epsg = land.crs.to_epsg()
    r = register
    pike = f"{r['n_elephant_illegal'] / r['n_elephant']:.2f}" if r["n_elephant"] else "not defined (no carcass found)"
    conv = f"{100 * r['n_convicted'] / r['n_closed']:.0f} %" if r["n_closed"] else "not defined (no case closed)"
    first, last = periods[0], periods[-1]
    classes = "\n".join(f"| {k} | {v} |" for k, v in LANDCOVER_CLASSES.items())
    text = f"""# Demo Park

A synthetic park of {info["area_km2"]:,.0f} km2 for trying the tool, with ranger posts, roads,
rivers, villages outside the boundary, waterholes, relief, vegetation and animal counts, and
{len(periods)} months of patrol GPS tracks and incident records, from {info["first_day"]} to
{info["last_day"]} (months {first} to {last}). All times are UTC.

It was written by `python -m simulator demo` with seed {info["seed"]} and cell size {cell_size_m:g} m;
the same command and seed write the same files.

## Files

| file | content | format | CRS |
|---|---|---|---|
| park.toml | the manifest naming every layer | TOML | park CRS EPSG:{epsg} |
| boundary.geojson | park boundary | GeoJSON | EPSG:4326 |
| posts.gpkg | {len(land.posts)} ranger posts (name, teams) | GeoPackage | EPSG:{epsg} |
| roads.zip | roads and patrol tracks (name, class) | zipped Shapefile | EPSG:{epsg} |
| rivers.geojson | rivers and streams | GeoJSON | EPSG:4326 |
| fords.geojson | river crossings | GeoJSON | EPSG:4326 |
| villages.kml | {len(land.villages)} villages outside the park (population) | KML | EPSG:4326 |
| waterholes.csv | {len(land.waterholes)} waterholes, geometry in column `wkt` | CSV + WKT | EPSG:{epsg} (metres) |
| dem.tif | elevation, m | GeoTIFF int16, 3 arc-seconds (~90 m) | EPSG:4326 |
| ndvi.tif | NDVI | GeoTIFF float32, 250 m | EPSG:{epsg} |
| landcover.tif | land cover classes (below), 0 = no data | GeoTIFF uint8, 100 m | EPSG:{epsg} |
| elephant_density.tif, rhino_density.tif | animals per km2 (aerial counts) | GeoTIFF float32, 1 km | EPSG:{epsg} |
| incidents.csv | {r["n_incidents"]:,} incidents: id, date (YYYY-MM-DD HH:MM, UTC), type, lat, lon, item, quantity, unit, notes, species, cause, case_ref, people, nationality (below) | CSV | EPSG:4326 |
| cases.csv | {r["n_cases"]:,} cases in {r["n_case_rows"]:,} rows, one per step: case_ref, event, date (YYYY-MM-DD), sentence, note | CSV | - |
| sections.geojson | {r["n_sections"]} park sections (name, post, area_km2) | GeoJSON | EPSG:4326 |
| patrols.gpx | {info["n_patrols"]:,} patrol tracks, one per patrol, a fix every ~2 min | GPX 1.1 | EPSG:4326 |

Land cover classes:

| value | class |
|---|---|
{classes}

## The register

Besides what patrols found (snares, poached carcasses, camps) and the arrests and
seizures that followed, `incidents.csv` holds {r["n_natural"]:,} carcasses of elephants and
rhinos that died of natural (or unknown) causes, with labels such as "Carcass (natural)" or
"Elephant carcass - natural": they load as type `carcass`, which is not an attack. Columns:
`species` (elephant or rhino for carcasses, the target species of a snare where known, the
species of a seized product), `cause` (carcasses: illegal, natural, unknown), `case_ref`
(arrests and seizures that opened a case), `people` (arrests, 1-4) and `nationality`
(arrests, sometimes empty). Seizures give an item (ivory, rhino_horn, pangolin_scales,
bushmeat, firearm, ammunition, snare) with a quantity in kg, pieces or rounds. PIKE (illegal
elephant carcasses / all elephant carcasses found) is {pike} ({r["n_elephant_illegal"]:,} of
{r["n_elephant"]:,}).

`cases.csv` follows every arrest (and some seizures) through the courts, one row per step
(opened, charged, convicted, acquitted, withdrawn; the sentence of a conviction): verdicts
come 2-18 months after the arrest, {conv} of the {r["n_closed"]:,} closed cases ended in a
conviction, and {r["n_open"]:,} were still open on {info["last_day"]}.

## The hidden truth (`truth/`)

`truth/` holds what no park knows: the true attack intensity per cell and month
(`intensity.tif`, expected attacks, one band per month), every attack found or not
(`attacks.csv`), the true patrol effort in km per cell and month (`effort.tif`) and
`truth.json` (poacher behaviour, seed, detection sweep width, grid). Model code never
reads it; it exists only to score risk models and patrol plans.
"""
    (out / "README.md").write_text(text, encoding="utf-8")
