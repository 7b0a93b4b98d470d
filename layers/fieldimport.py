"""Importing field data into a park's store: formats detected, records normalised, merged, reported.

:func:`import_files` reads each file (SMART patrol XML and observation CSV,
SMART tracks as shapefile or GPX, EarthRanger events as CSV, JSON or Parquet
and patrols with their segments, GPX tracks and waypoints, KML/KMZ, GeoJSON,
CyberTracker or any CSV with coordinates), normalises it to incidents or GPS
fixes, and adds it to :class:`layers.store.ParkStore` in one transaction
per file.  The park's own files are never touched.

Examples
--------
>>> run = import_files("data/mypark", ["export_jan.csv"], dry_run=True)  # doctest: +SKIP
>>> print(run.to_text())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import importers
from .checks import normalise_types, parse_times
from .defaults import (
    COL_ITEM,
    COL_MANDATE,
    COL_PATROL,
    COL_QUANTITY,
    COL_SOURCE_FILE,
    COL_SOURCE_ID,
    COL_SOURCE_ROW,
    COL_TIME,
    COL_TRACK,
    COL_TRANSPORT,
    COL_TYPE,
    COL_UNIT,
    TRANSPORT_TYPES,
)
from .errors import LayerReadError, LayersError
from .files import check_file
from .geochecks import fits_lonlat
from .importers import erpatrols, kml
from .importers.categories import map_categories, read_mapping
from .importers.common import species_word
from .importers.lines import fixes_from_lines, is_lines
from .importers.smart_csv import transport_type
from .loader import ITEM_ALIASES, QUANTITY_ALIASES, TIME_ALIASES, TRACK_ALIASES, TYPE_ALIASES, UNIT_ALIASES
from .manifest import read_manifest
from .readers import gpx_track_names, gpx_waypoint_count, read_gpx_fixes, read_vector
from .report import ERROR, LoadReport
from .store import ImportResult, ParkStore
from .tabular import find_column, norm_name

KINDS = ("incidents", "patrols")
FORMATS = {
    **importers.FORMATS,
    "gpx": "GPX tracks and waypoints",
    "kml": "KML",
    "kmz": "KMZ (zipped KML)",
    "json": "GeoJSON",
    "shp": "Shapefile (SMART patrol legs as lines, or points)",
    "zip": "zipped Shapefile or KMZ",
    "gpkg": "GeoPackage",
    "fgb": "FlatGeobuf",
    "cybertracker-csv": "CyberTracker CSV",
    "csv": "CSV with coordinates",
}
_CYBERTRACKER_MARKS = ("cybertracker", "ctid", "sighting", "observationtype", "sequencenumber")
_TYPE_EXTRA = ("sighting", "observationtype", "what", "name", "sym", "symbol", "desc", "description")
_DATE_ONLY = ("date",)
_CLOCK = ("time", "clock")
_TRANSPORT_ALIASES = ("transport", "transporttype", "patroltransporttype", "mode", "patroltype", "type")
_MANDATE_ALIASES = ("mandate", "patrolmandate", "objective")
_PATROL_ALIASES = ("patrol", "patrolid", "patrolserialnumber", "groupbycol")
_ID_ALIASES = ("eventid", "serialnumber", "id", "ctid", "uuid", "guid")


@dataclass
class FileImport:
    """One file's import: its format and kind, the store's :class:`ImportResult`, notes, or the error."""

    file: str
    format: str
    kind: str
    result: ImportResult | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class ImportRun:
    """Every file of one import, and the SMART categories no mapping named (path -> count)."""

    files: list[FileImport] = field(default_factory=list)
    unmapped: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def added(self) -> int:
        return sum(f.result.added for f in self.files if f.result)

    @property
    def merged(self) -> int:
        return sum(f.result.merged for f in self.files if f.result)

    @property
    def rejected(self) -> list[tuple[str, int | None, str]]:
        return [r for f in self.files if f.result for r in f.result.rejected]

    @property
    def failed(self) -> list[FileImport]:
        return [f for f in self.files if f.error]

    def to_text(self, max_rows: int = 50) -> str:
        """What was added, merged and rejected, file by file, with every rejected row's file, row and reason."""
        lines = []
        for f in self.files:
            what = FORMATS.get(f.format, f.format)
            if f.error:
                lines.append(f"{f.file} ({what}, {f.kind}): not imported: {f.error}")
                continue
            lines.append(f"{f.result.summary()} [{what}, {f.kind}]")
            lines += [f"  note: {n}" for n in f.notes]
        rejected = self.rejected
        for file, row, reason in rejected[:max_rows]:
            lines.append(f"  rejected: {file}, row {row}: {reason}")
        if len(rejected) > max_rows:
            lines.append(f"  ... and {len(rejected) - max_rows} more rejected rows")
        if self.unmapped:
            lines.append(
                "SMART categories kept as 'other' (map them under [categories] in park.toml, "
                'e.g. "humanactivity.weaponsequipment.snare" = "snare"):'
            )
            lines += [f"  {p}: {n}" for p, n in sorted(self.unmapped.items(), key=lambda kv: -kv[1])]
        total = f"total: {self.added} added, {self.merged} merged, {len(rejected)} rejected"
        lines.append(total + (" (dry run: the store is unchanged)" if self.dry_run else ""))
        return "\n".join(lines)


def detect_format(path: str | Path) -> str:
    """The format of a file, from its content: a key of :data:`FORMATS`.

    Raises
    ------
    LayerReadError
        The file is missing, empty, oversized, or not a format read here.
    """
    path = Path(path)
    kind = check_file(path)
    fmt = importers.detect(path)
    if fmt is not None:
        return fmt
    if kind == "csv":
        with open(path, "rb") as f:
            header = f.readline(65536).decode("utf-8", errors="replace")
        names = {norm_name(c) for c in header.replace(";", ",").replace("\t", ",").split(",")}
        low = header.lower()
        if any(m in names for m in _CYBERTRACKER_MARKS) or "cybertracker" in low:
            return "cybertracker-csv"
        return "csv"
    if kind == "zip" and kml.is_kmz(path):
        return "kmz"
    if kind in FORMATS:
        return kind
    raise LayerReadError(
        f"{path}: not a format this import reads (found {kind}). Fix: export as one of {', '.join(FORMATS.values())}"
    )


def kinds_of(path: Path, fmt: str) -> list[str]:
    """The kinds of records a file holds: SMART XML and GPX give patrols and incidents; others one kind."""
    if fmt in ("smart-xml",):
        return ["patrols", "incidents"]
    if fmt in ("smart-csv", "earthranger-csv", "earthranger-json", "cybertracker-csv"):
        return ["incidents"]
    if fmt == "gpx":
        return ["patrols", "incidents"]
    if fmt in ("kml", "kmz"):
        try:
            content = kml.read_kml_once(path)
        except LayersError:
            return ["incidents"]  # the read says why
        kinds = (["patrols"] if len(content.fixes) else []) + (["incidents"] if len(content.points) else [])
        return kinds or ["incidents"]
    try:
        peek = read_vector(path, role=None, max_rows=50)
    except LayersError:
        return ["incidents"]
    if is_lines(peek):  # patrol legs as lines (SMART tracks as shapefile)
        return ["patrols"]
    cols = [c for c in peek.columns if c != peek.geometry.name]
    has_type = find_column(cols, TYPE_ALIASES + _TYPE_EXTRA[:3]) is not None
    has_track = find_column(cols, TRACK_ALIASES + _PATROL_ALIASES) is not None
    return ["patrols"] if has_track and not has_type else ["incidents"]


def _mapped(opts: dict, key: str, cols) -> str | None:
    """The park.toml column for ``key`` when this file has it (an export keeps its own names otherwise)."""
    name = opts.get(key)
    if name and norm_name(name) in {norm_name(c) for c in cols}:
        return name
    return None


def _rejected(report: LoadReport, file: str) -> list[tuple[str, int | None, str]]:
    return [(p.file or file, p.row, p.message) for p in report.problems if p.severity == ERROR and p.row is not None]


def _to_wgs84(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        if not len(gdf) or fits_lonlat(gdf):
            return gdf.set_crs("EPSG:4326", allow_override=True)
        raise LayerReadError(
            f"{path}: the file does not say its coordinate system, and its coordinates are not longitude/latitude. "
            'Fix: export it with its .prj (or as GeoJSON), or set crs = "EPSG:<code>" under [columns.<kind>]'
        )
    if len(gdf) and gdf.crs.is_projected and fits_lonlat(gdf):
        raise LayerReadError(
            f"{path}: the file says its coordinates are in {gdf.crs.name} (metres), but they look like "
            "longitude/latitude in degrees: its .prj is wrong. Fix: export it again with the right .prj, or "
            'delete the .prj and set crs = "EPSG:4326" under [columns.<kind>]'
        )
    return gdf


def _share(flags: pd.Series) -> float:
    """Share of true values (missing count as false; 0 for no values)."""
    arr = flags.to_numpy(dtype=bool, na_value=False)
    return float(arr.mean()) if len(arr) else 0.0


def _times(gdf, cols, opts, path, report, kind) -> pd.Series:
    if COL_TIME in gdf.columns and isinstance(gdf[COL_TIME].dtype, pd.DatetimeTZDtype):
        return gdf[COL_TIME]
    tcol = find_column(cols, TIME_ALIASES, _mapped(opts, "time", cols), path, "time")
    values = gdf[tcol] if tcol is not None else None
    # CyberTracker and others: the date and the time of day in two columns
    if values is not None and not pd.api.types.is_datetime64_any_dtype(values.dtype):
        text = values.astype("string")
        has_clock = _share(text.str.contains(":", regex=False)) > 0.5
        has_date = _share(text.str.contains(r"\d[-/.]\d", regex=True)) > 0.5
        other = [c for c in cols if c != tcol]
        partner = find_column(other, _CLOCK) if has_date and not has_clock else None
        partner = partner or (find_column(other, _DATE_ONLY) if has_clock and not has_date else None)
        if partner is not None:
            pair = gdf[partner].astype("string").str.strip()
            values = text.str.strip() + " " + pair if has_date else pair + " " + text.str.strip()
    if values is None:
        raise LayerReadError(
            f"{path}: no date/time column (columns: {', '.join(map(str, cols[:20]))}). "
            f'Fix: map it under [columns.{kind}] in park.toml, e.g. time = "date"'
        )
    return parse_times(
        values,
        kind,
        path.name,
        gdf[COL_SOURCE_ROW].to_numpy(),
        report,
        opts.get("date_format"),
        opts.get("timezone"),
        list_rows=len(gdf) < 10_000,
    )


def _source_ids(gdf: pd.DataFrame, fmt: str) -> pd.Series:
    if fmt in ("smart-xml", "smart-csv") and {"patrol", "waypoint"} <= set(gdf.columns):
        key = gdf["patrol"].astype(str) + "/" + gdf["waypoint"].astype(str)
        n = gdf.groupby(key, sort=False).cumcount() + 1
        return ("smart:" + key + "/" + n.astype(str)).astype(object)
    if fmt.startswith("earthranger") or fmt == "parquet":
        for c in ("event_id", "serial_number"):
            if c in gdf.columns and gdf[c].notna().any():
                return ("earthranger:" + gdf[c].astype("string")).astype(object).where(gdf[c].notna(), None)
    return pd.Series(None, index=gdf.index, dtype=object)


def _kml_content(path: Path, report: LoadReport, kind: str) -> kml.KmlContent:
    content = kml.read_kml_once(path)
    rejects = content.track_rejects if kind == "patrols" else content.point_rejects
    rejects.flush(report, kind, check="bad_row")
    return content


def _kml_points(path: Path, report: LoadReport) -> gpd.GeoDataFrame:
    """A KML/KMZ's waypoints as points in WGS84 (its tracks are read as patrols)."""
    content = _kml_content(path, report, "incidents")
    if not len(content.points):
        raise LayerReadError(f"{path}: the KML holds no waypoints (Placemark points). Fix: import it as patrols")
    return kml.points_layer(content)


def read_incidents(path: Path, fmt: str, opts: dict, mapping: dict, report: LoadReport):
    """A file's incidents, normalised for the store; and the SMART categories left unmapped."""
    if fmt == "gpx":  # a GPX's incidents are its waypoints, never its track points
        opts = {**opts, "layer": "waypoints"}
        if gpx_waypoint_count(path) == 0:
            raise LayerReadError(f"{path}: the GPX file holds no waypoints. Fix: import it as patrols")
    if fmt in ("kml", "kmz"):
        gdf = _kml_points(path, report)
    else:
        gdf = read_vector(path, role="incidents", columns=opts, report=report, layer_name="incidents")
    if not len(gdf) and not _rejected(report, path.name):
        raise LayerReadError(f"{path}: the file holds no records (only a header?). Fix: export it again with its data")
    gdf = _to_wgs84(gdf, path)
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    time = _times(gdf, cols, opts, path, report, "incidents")
    unmapped: dict[str, int] = {}
    if "category" in gdf.columns and fmt in ("smart-xml", "smart-csv"):
        species = gdf[find_column(cols, ("species",))] if find_column(cols, ("species",)) else None
        action_col = find_column(cols, ("actiontaken", "action"))
        actions = gdf[action_col] if action_col else None
        if fmt == "smart-xml" and "attributes" in gdf.columns:
            species, actions = gdf["attributes"], gdf[COL_TYPE]
        types, unmapped = map_categories(gdf["category"], species, actions, mapping)
        raw = gdf[COL_TYPE].astype("string")
    else:
        filled = [c for c in cols if gdf[c].notna().any()]  # a KML's empty description is no type
        ycol = find_column(filled, TYPE_ALIASES + _TYPE_EXTRA, _mapped(opts, "type", filled), path, "type")
        if ycol is None:
            raise LayerReadError(
                f"{path}: no incident type column (columns: {', '.join(map(str, cols[:20]))}). "
                'Fix: map it under [columns.incidents] in park.toml, e.g. type = "category"'
            )
        raw = gdf[ycol].astype("string")
        types = normalise_types(raw, "incidents", path.name, report)
        scol = find_column([c for c in filled if c != ycol], ("species", "speciesname", "animal"))
        if scol is not None:  # a "Carcass" row whose species column names elephant or rhino (CyberTracker)
            words = gdf[scol].map(species_word)
            poached = (types == "carcass") & words.notna()
            types = types.where(~poached, words + "_carcass")
    out = {COL_TIME: time, COL_TYPE: types, "type_raw": raw.astype(object)}
    if "category" in gdf.columns:
        out["category"] = gdf["category"]
    for col, aliases in ((COL_ITEM, ITEM_ALIASES), (COL_QUANTITY, QUANTITY_ALIASES), (COL_UNIT, UNIT_ALIASES)):
        found = find_column(cols, aliases, _mapped(opts, col, cols))
        if found is not None and found not in (COL_TYPE, "type_raw"):
            out[col] = gdf[found]
    out[COL_SOURCE_ID] = _source_ids(gdf, fmt)
    used = set(out) | {COL_TIME, COL_TYPE}
    rest = gdf[[c for c in gdf.columns if c not in used]]
    frame = gpd.GeoDataFrame(pd.DataFrame(out, index=gdf.index).join(rest), geometry=gdf.geometry.name, crs=gdf.crs)
    return frame, unmapped


def _point_fixes(gdf: gpd.GeoDataFrame, path: Path, opts: dict, report: LoadReport) -> gpd.GeoDataFrame:
    """GPS fixes of a point layer: track, time, transport, mandate and patrol found by column name."""
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    time = _times(gdf, cols, opts, path, report, "patrols")
    kcol = find_column(cols, TRACK_ALIASES + _PATROL_ALIASES, _mapped(opts, "track", cols), path, "track")
    track = gdf[kcol].astype(str) if kcol is not None else pd.Series(path.stem, index=gdf.index)
    extra = {}
    for col, aliases in ((COL_TRANSPORT, _TRANSPORT_ALIASES), (COL_MANDATE, _MANDATE_ALIASES)):
        found = find_column(cols, aliases)
        if found is not None:
            extra[col] = gdf[found]
    pcol = find_column(cols, _PATROL_ALIASES)
    if pcol is not None:
        extra[COL_PATROL] = gdf[pcol].astype("string")
    extra.update({c: gdf[c] for c in erpatrols.SUBJECT_COLUMNS if c in cols})  # to match EarthRanger leaders
    gdf = gpd.GeoDataFrame(
        {
            COL_TRACK: track,
            COL_TIME: time,
            COL_SOURCE_FILE: gdf[COL_SOURCE_FILE],
            COL_SOURCE_ROW: gdf[COL_SOURCE_ROW],
            **extra,
        },
        geometry=gdf.geometry,
        crs=gdf.crs,
    )
    return gdf


def read_fixes(path: Path, fmt: str, opts: dict, report: LoadReport, transport: str | None, segments=None):
    """A file's GPS fixes, normalised for the store (track id, time, transport, mandate, patrol).

    ``segments``: EarthRanger patrol segments given in the same import (:mod:`layers.importers.erpatrols`).
    """
    fixes = read_gpx_fixes(path) if fmt == "gpx" else None
    if fmt in ("kml", "kmz"):
        content = _kml_content(path, report, "patrols")
        if not len(content.fixes):
            raise LayerReadError(f"{path}: the KML holds no tracks with times. Fix: import it as incidents")
        gdf = content.fixes
        gdf.attrs["notes"] = content.notes
    elif fixes is not None and fixes["time"].isna().all():
        raise LayerReadError(
            f"{path}: the GPX tracks have no times, and effort needs the patrol's dates. Fix: export the tracks "
            "with their times, or SMART's patrol tracks as shapefile (each leg with its start and end dates)"
        )
    elif fixes is not None:  # plain arrays: no point geometry built for millions of fixes
        gdf = pd.DataFrame(
            {
                COL_TRACK: fixes["track_fid"].to_numpy(np.int64) * 100_000 + fixes["track_seg_id"].to_numpy(np.int64),
                COL_TIME: fixes["time"],
                COL_SOURCE_FILE: path.name,
                COL_SOURCE_ROW: fixes[COL_SOURCE_ROW].to_numpy(),
                "lon": fixes["x"].to_numpy(),
                "lat": fixes["y"].to_numpy(),
            }
        )
        fid = fixes["track_fid"].to_numpy(np.int64)
        names = gpx_track_names(path, int(fid.max()) + 1 if len(fid) else 0)
        if names is not None:  # a SMART GPX names each track by its patrol
            gdf[COL_PATROL] = names[fid]
        gdf.attrs["crs"] = fixes.attrs.get("crs") or "EPSG:4326"
        gdf.attrs["cut_short"] = fixes.attrs.get("cut_short")
        bad = gdf[COL_TIME].isna().to_numpy()
        for r in gdf.loc[bad, COL_SOURCE_ROW].to_numpy()[:50]:
            report.add(ERROR, "patrols", path.name, "GPS fix without a time; rejected", row=int(r), check="bad_date")
    else:
        gdf = _to_wgs84(read_vector(path, role="patrols", columns=opts, report=report, layer_name="patrols"), path)
        if is_lines(gdf):  # SMART patrol legs: lines with start and end dates, no time per vertex
            gdf = fixes_from_lines(gdf.to_crs("EPSG:4326"), path, opts, report)
        else:
            gdf = _point_fixes(gdf, path, opts, report)
    if segments is not None and fixes is None:
        notes = list(gdf.attrs.get("notes", []))
        gdf, note = erpatrols.assign_segments(gdf, segments)
        gdf.attrs["notes"] = notes + ([note] if note else [])
    if COL_TRANSPORT in gdf.columns:
        gdf[COL_TRANSPORT] = [transport_type(v) or transport for v in gdf[COL_TRANSPORT].to_numpy(dtype=object)]
    elif transport is not None:
        gdf[COL_TRANSPORT] = transport
    return gdf


def import_files(
    folder: str | Path,
    files: Sequence[str | Path],
    kind: str | None = None,
    dry_run: bool = False,
    user: str | None = None,
    transport: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> ImportRun:
    """Import field files into a park's store (created on first use).

    Parameters
    ----------
    folder : str or Path
        The park folder (holding ``park.toml``).
    files : list of str or Path
        The exports to import, anywhere on disk: only read, never changed.
    kind : {"incidents", "patrols"}, optional
        Import every file as this kind; by default each file gives what it holds.
    dry_run : bool
        Work out and report the result; write nothing.
    user : str, optional
        Who imports (kept with every record; default: the login name).
    transport : str, optional
        The transport type of tracks whose file does not say (foot, vehicle, boat, aircraft).
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    ImportRun
        A file that cannot be read is listed with its error; the other files still import.

    Raises
    ------
    LayersError
        The park folder has no readable ``park.toml``, or the store cannot be opened.
    """
    if kind is not None and kind not in KINDS:
        raise LayersError(f"unknown kind {kind!r}. Fix: use --as incidents or --as patrols")
    if transport is not None and transport not in TRANSPORT_TYPES:
        raise LayersError(f"unknown transport {transport!r}. Fix: use one of {', '.join(TRANSPORT_TYPES)}")
    folder = Path(folder)
    manifest = read_manifest(folder)
    mapping = read_mapping(folder)
    store = ParkStore(folder)
    say = progress or (lambda f, m: None)
    run = ImportRun(dry_run=dry_run)
    inputs = {p.resolve() for p in manifest.all_files().values() if p.exists()}
    found = [s for s in (erpatrols.segments_from_file(p) for p in files if Path(p).is_file()) if s is not None]
    segments = pd.concat(found, ignore_index=True) if found else None
    for i, name in enumerate(files):
        path = Path(name)
        say(i / max(1, len(files)), f"reading {path.name}")
        try:
            if path.resolve() == store.path.resolve():
                raise LayerReadError(f"{path}: this is the park store itself. Fix: import export files")
            fmt = detect_format(path)
        except (LayersError, OSError) as exc:
            run.files.append(FileImport(path.name, "?", kind or "?", error=str(exc)))
            continue
        kinds = [kind] if kind else kinds_of(path, fmt)
        for k in kinds:
            report = LoadReport(park=manifest.name)
            entry = FileImport(path.name, fmt, k)
            if path.resolve() in inputs:
                entry.notes.append("this file is also a layer of park.toml; records it repeats are counted once")
            try:
                opts = manifest.options(k)
                if k == "incidents":
                    gdf, unmapped = read_incidents(path, fmt, opts, mapping, report)
                    for p, n in unmapped.items():
                        run.unmapped[p] = run.unmapped.get(p, 0) + n
                else:
                    gdf = read_fixes(path, fmt, opts, report, transport, segments)
            except (LayersError, OSError, ValueError) as exc:
                if kind is None and len(kinds) > 1 and "holds no" in str(exc):
                    continue  # e.g. a GPX with tracks but no waypoints
                entry.error = str(exc)
                run.files.append(entry)
                continue
            entry.notes += [p.message for p in report.problems if p.row is None and p.severity != ERROR][:10]
            if gdf.attrs.get("cut_short"):
                entry.notes.insert(0, f"WARNING: {gdf.attrs['cut_short']}; the records before the cut were read")
            entry.notes += [f"read as {FORMATS.get(fmt, fmt)}: {n}" for n in gdf.attrs.get("notes", [])]
            read_rejects = _rejected(report, path.name)
            say((i + 0.5) / max(1, len(files)), f"adding {len(gdf):,} {k} from {path.name} to the store")
            entry.result = store.import_records(k, gdf, path.name, user=user, dry_run=dry_run)
            seen = {(f, r) for f, r, _ in read_rejects}
            entry.result.rejected = read_rejects + [x for x in entry.result.rejected if (x[0], x[1]) not in seen]
            run.files.append(entry)
    kml.clear_cache()
    say(1.0, f"{run.added:,} added, {run.merged:,} merged, {len(run.rejected):,} rejected")
    return run


def import_uploads(
    folder: str | Path,
    uploads: dict[str, bytes],
    kind: str | None = None,
    dry_run: bool = False,
    user: str | None = None,
    transport: str | None = None,
) -> ImportRun:
    """:func:`import_files` for files given as bytes (uploads): each is held in a private temporary folder
    (outside the park) while it is read, and removed after; the provenance keeps the uploaded name.

    A shapefile's sidecars (``.dbf``, ``.shx``, ``.prj``, ``.cpg``) uploaded with its ``.shp`` are kept
    beside it and read with it, not imported as files of their own.
    """
    import tempfile

    names = [Path(str(name)).name or f"upload-{i + 1}" for i, name in enumerate(uploads)]
    shp_stems = {Path(n).stem.lower() for n in names if n.lower().endswith(".shp")}
    with tempfile.TemporaryDirectory(prefix="park-import-") as tmp:
        paths, folders = [], {}
        for i, (safe, data) in enumerate(zip(names, uploads.values())):
            stem, ext = Path(safe).stem.lower(), Path(safe).suffix.lower()
            sidecar = ext in SHAPEFILE_SIDECARS and stem in shp_stems
            key = stem if (sidecar or ext == ".shp") else f"#{i}"  # one folder per shapefile, else per file
            sub = folders.setdefault(key, Path(tmp) / str(len(folders)))
            sub.mkdir(exist_ok=True)
            if (sub / safe).exists():  # the same name twice: its own folder
                sub = Path(tmp) / f"dup-{i}"
                sub.mkdir()
            (sub / safe).write_bytes(bytes(data))
            if not sidecar:
                paths.append(sub / safe)
        return import_files(folder, paths, kind=kind, dry_run=dry_run, user=user, transport=transport)


SHAPEFILE_SIDECARS = (".dbf", ".shx", ".prj", ".cpg", ".qix", ".sbn", ".sbx")


__all__ = ["FORMATS", "FileImport", "ImportRun", "detect_format", "import_files", "import_uploads", "kinds_of"]
