"""Drafting a ``park.toml`` for a folder of files: which file is the boundary, the posts, the incidents...

:func:`draft_manifest` looks at the names, columns and geometry of the files
under a folder and writes a commented draft for the user to check
(``python -m layers init``); :mod:`layers.manifest` reads the result.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .defaults import DEFAULT_CELL_SIZE_M, MAX_CELL_SIZE_M, MIN_CELL_SIZE_M
from .errors import ManifestError
from .manifest import ROLES

VECTOR_EXTENSIONS = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".kml", ".kmz", ".gpx", ".csv", ".fgb")
EXPORT_EXTENSIONS = (".xml", ".parquet", ".geoparquet")  # field-system exports, kept when layers.importers knows them
RASTER_EXTENSIONS = (".tif", ".tiff", ".img", ".vrt", ".asc")
_BOUNDARY_WORDS = ("boundary", "park", "border", "limit", "outline", "area", "extent")
_POST_WORDS = ("post", "camp", "station", "ranger", "base", "outpost", "picket")
_INCIDENT_WORDS = ("incident", "event", "observation", "record", "snare", "carcass", "poach")
_TIME_WORDS = ("time", "date", "datetime", "timestamp", "when")
_TYPE_NAMES = ("type", "category", "incident", "incidenttype", "eventtype", "kind", "class", "observation")
_TRACK_WORDS = ("track", "patrol", "gps", "traj", "fixes", "collar")


def _key(name: str) -> str:
    key = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_").lower()
    return key or "layer"


def _has(words, names) -> bool:
    names = [n.lower() for n in names]
    return any(any(w in n for w in words) for n in names)


def _has_type_column(names) -> bool:
    normed = [re.sub(r"[^a-z0-9]", "", n.lower()) for n in names]
    return any(n in _TYPE_NAMES or n.endswith(("type", "category")) for n in normed)


def _candidate_files(folder: Path, depth: int = 3) -> list[Path]:
    """Layer files in ``folder`` and its subfolders (not ``truth/`` nor hidden ones)."""
    found = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if len(rel.parts) > depth or any(part.startswith(".") or part == "truth" for part in rel.parts):
            continue
        if p.is_file() and p.suffix.lower() in VECTOR_EXTENSIONS + RASTER_EXTENSIONS:
            found.append(p)
        elif p.is_file() and p.suffix.lower() in EXPORT_EXTENSIONS and _field_export(p):  # SMART XML, Parquet
            found.append(p)
    return found


def _field_export(path: Path) -> str | None:
    """The field-system format of a file (``"smart-xml"``, ``"earthranger-csv"``, ``"parquet"``) or ``None``."""
    from .importers import detect

    return detect(path)


def _is_track_file(path: Path) -> bool:
    """GPX files and SMART patrol XML exports hold patrol tracks."""
    return path.suffix.lower() == ".gpx" or (path.suffix.lower() == ".xml" and _field_export(path) == "smart-xml")


def _describe_vector(path: Path) -> tuple[str, list[str], int] | None:
    """``(geometry kind, field names, feature count)`` or ``None`` when unreadable."""
    from .readers import read_vector

    try:
        gdf = read_vector(path, role="patrols" if _is_track_file(path) else None, max_rows=200)
    except Exception:
        return None
    kinds = set(gdf.geometry.geom_type.dropna().unique()) if len(gdf) else set()
    if kinds and kinds <= {"Polygon", "MultiPolygon"}:
        kind = "polygon"
    elif kinds and kinds <= {"Point", "MultiPoint"}:
        kind = "point"
    elif kinds and kinds <= {"LineString", "MultiLineString", "LinearRing"}:
        kind = "line"
    else:
        kind = "mixed" if kinds else "empty"
    return kind, [c for c in gdf.columns if c != "geometry"], len(gdf)


def _crs_comment(boundary: Path | None) -> str:
    """The commented ``crs`` line of a draft: the metric CRS the park will load with (its boundary's UTM zone)."""
    from .crs import park_crs
    from .readers import read_vector

    if boundary is not None:
        try:
            crs = park_crs(read_vector(boundary, role="boundary"))
            code = crs.to_epsg()
        except Exception:  # an unreadable boundary is reported when the park is loaded
            code = None
        if code:
            return f'# crs = "EPSG:{code}"  # the park loads in this metric CRS (the UTM zone of the boundary) unless you set another'
    return '# crs = ...  # optional metric CRS, e.g. "EPSG:32736"; default: the UTM zone of the boundary'


def _raster_categorical(path: Path) -> bool | None:
    import numpy as np
    import rasterio

    try:
        with rasterio.open(path) as src:
            if not np.issubdtype(np.dtype(src.dtypes[0]), np.integer):
                return False
            scale = max(1, max(src.height, src.width) // 256)
            data = src.read(1, masked=True, out_shape=(max(1, src.height // scale), max(1, src.width // scale)))
            values = np.unique(np.ma.compressed(data))
            return len(values) <= 32
    except Exception:
        return None


def draft_manifest(folder: str | Path) -> str:
    """Draft the text of a ``park.toml`` for a folder of layer files.

    Roles are guessed from file names and geometry types: the polygon layer
    named like a boundary (else the first polygon layer) is the boundary;
    points with a time and a type column are incidents; GPX files (or points
    with a time and a track column) are patrols; points named like posts,
    camps or stations are posts; other vectors are features; rasters are
    rasters, categorical when integer-valued with few distinct values.
    Files that cannot be read are listed in comments.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ManifestError(f"{folder}: not a folder. Fix: give the folder that holds the park's layer files")
    files = _candidate_files(folder)
    roles: dict[str, Path] = {}
    polygons: list[Path] = []
    features: dict[str, Path] = {}
    rasters: dict[str, tuple[Path, bool]] = {}
    skipped: list[str] = []
    for p in files:
        stem = p.stem.lower()
        if p.suffix.lower() in RASTER_EXTENSIONS:
            cat = _raster_categorical(p)
            if cat is None:
                skipped.append(f"{p.name} (unreadable raster)")
            else:
                rasters[_key(p.stem)] = (p, cat)
            continue
        desc = _describe_vector(p)
        if desc is None:
            skipped.append(f"{p.name} (not a readable layer)")
            continue
        kind, cols, _ = desc
        has_time = _has(_TIME_WORDS, cols)
        if _is_track_file(p) and has_time and "patrols" not in roles:
            roles["patrols"] = p
        elif kind == "polygon":
            polygons.append(p)
        elif kind == "point" and has_time and _has_type_column(cols) and "incidents" not in roles:
            roles["incidents"] = p
        elif (
            kind == "point"
            and has_time
            and (_has(("track", "patrol"), cols) or any(w in stem for w in _TRACK_WORDS))
            and "patrols" not in roles
        ):
            roles["patrols"] = p
        elif kind == "point" and any(w in stem for w in _POST_WORDS) and "posts" not in roles:
            roles["posts"] = p
        elif kind == "point" and any(w in stem for w in _INCIDENT_WORDS) and "incidents" not in roles:
            roles["incidents"] = p
        else:
            features[_key(p.stem)] = p
    if polygons:
        named = [p for p in polygons if any(w in p.stem.lower() for w in _BOUNDARY_WORDS)]
        roles["boundary"] = (named or polygons)[0]
        for p in polygons:
            if p != roles["boundary"]:
                features[_key(p.stem)] = p

    def q(p: Path) -> str:
        return json.dumps(p.relative_to(folder).as_posix())

    lines = [
        f"# Draft park manifest for {folder.resolve().name}: check every role before use.",
        "# Roles were guessed from file names and geometry types.",
        "[park]",
        f"name = {json.dumps(folder.resolve().name.replace('_', ' ').replace('-', ' ').title())}",
        f"cell_size_m = {DEFAULT_CELL_SIZE_M:g}  # metres, {MIN_CELL_SIZE_M:g}-{MAX_CELL_SIZE_M:g}",
        _crs_comment(roles.get("boundary")),
        "",
        "[layers]",
    ]
    for role in ROLES:
        if role in roles:
            lines.append(f"{role} = {q(roles[role])}")
        else:
            lines.append(f'# {role} = "?"  # no file looked like the {role}')
    lines += ["", "[layers.features]"]
    lines += [f"{name} = {q(p)}" for name, p in features.items()]
    lines += ["", "[layers.rasters]"]
    for name, (p, cat) in rasters.items():
        lines.append(f"{name} = {{ path = {q(p)}, categorical = true }}" if cat else f"{name} = {q(p)}")
    if "incidents" in roles:
        lines += [
            "",
            "# [columns.incidents]  # say which columns mean what if the guesses are wrong",
            '# time = "date"',
            '# type = "category"',
            '# date_format = "%d/%m/%Y"',
        ]
    if skipped:
        lines += ["", "# Files not used (could not be read):"] + [f"#   {s}" for s in skipped]
    return "\n".join(lines) + "\n"
