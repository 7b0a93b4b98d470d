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
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import checks
from .crs import park_crs
from .defaults import (
    COL_ITEM,
    COL_NAME,
    COL_QUANTITY,
    COL_SOURCE_FILE,
    COL_SOURCE_ROW,
    COL_TIME,
    COL_TRACK,
    COL_TYPE,
    COL_UNIT,
)
from .errors import FatalLoadError, GridError, LayerReadError, ManifestError
from .grid import Grid
from .manifest import Manifest, RasterLayer, read_manifest
from .readers import find_column, raster_info, read_gpx_fixes, read_vector
from .report import ERROR, FATAL, INFO, WARNING, LayerSummary, LoadReport

__all__ = ["Park", "RasterLayer", "load_park"]

TIME_ALIASES = (
    "time",
    "datetime",
    "date",
    "timestamp",
    "datetimeutc",
    "eventtime",
    "reportedat",
    "when",
    "dateandtime",
    "fixtime",
    "eventdate",
    "datetaken",
    "utctime",
)
TYPE_ALIASES = ("type", "category", "incident", "incidenttype", "eventtype", "class", "kind", "observation", "event")
NAME_ALIASES = ("name", "postname", "station", "post", "label", "title", "camp")
TRACK_ALIASES = ("trackid", "track", "patrolid", "patrol", "trackfid", "id", "tripid")
ITEM_ALIASES = ("item", "items", "seizeditem", "what", "commodity", "product")
QUANTITY_ALIASES = ("quantity", "qty", "amount", "count", "number", "weight", "weightkg")
UNIT_ALIASES = ("unit", "units", "uom")

INCIDENT_COLUMNS = (COL_TIME, COL_TYPE, "type_raw", COL_ITEM, COL_QUANTITY, COL_UNIT, COL_SOURCE_FILE, COL_SOURCE_ROW)
TRACK_COLUMNS = (COL_TRACK, COL_TIME, COL_SOURCE_FILE, COL_SOURCE_ROW)


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


def reproject(gdf: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """``gdf.to_crs(crs)``, with a fast path for large point layers (one transform of the coordinate arrays)."""
    if len(gdf) < 10_000 or not (shapely.get_type_id(gdf.geometry.values) == 0).all():
        return gdf.to_crs(crs)
    from pyproj import Transformer

    xy = shapely.get_coordinates(gdf.geometry.values)
    x, y = Transformer.from_crs(gdf.crs, crs, always_xy=True).transform(xy[:, 0], xy[:, 1])
    out = gdf.drop(columns=gdf.geometry.name)
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(shapely.points(x, y), index=gdf.index, crs=crs), crs=crs)


_DTYPES = {COL_TIME: "datetime64[ns, UTC]", COL_TRACK: "int64", COL_SOURCE_ROW: "int64", COL_QUANTITY: "float64"}


def _empty(columns, crs) -> gpd.GeoDataFrame:
    """An empty layer with the normalised columns and dtypes, in ``crs``."""
    data = {c: pd.Series(dtype=_DTYPES.get(c, object)) for c in columns}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


class _Loader:
    """One load: the manifest, the report, the park CRS once the boundary is read."""

    def __init__(self, manifest: Manifest, report: LoadReport, progress):
        self.m = manifest
        self.report = report
        self.progress = progress or (lambda f, msg: None)
        self.crs: CRS | None = None
        self.boundary_geom = None  # in self.crs
        self.boundary_gdf: gpd.GeoDataFrame | None = None

    # --- reading one layer -------------------------------------------------
    def read(self, name: str, path: Path, role: str | None, kind: str, fatal: bool = False):
        """Read, check CRS and geometry, fix swapped points; returns the layer in its own CRS or ``None``."""
        file = path.name
        try:
            gdf = read_vector(
                path, role=role, columns=self.m.columns.get(name, {}), report=self.report, layer_name=name
            )
        except LayerReadError as exc:
            self.report.add(
                FATAL if fatal else ERROR,
                name,
                file,
                str(exc).split(" Fix: ")[0] + "; layer skipped",
                str(exc).split(" Fix: ")[-1] if " Fix: " in str(exc) else "",
                check="unreadable",
            )
            return None
        for note in gdf.attrs.get("read_notes", []):
            self.report.add(WARNING, name, file, note, "rename the file to match its format", check="wrong_extension")
        n_read = int(gdf.attrs.get("n_records", len(gdf)))
        gdf.attrs["n_read"] = n_read
        gdf = checks.check_crs(gdf, name, file, self.report, fatal=fatal, park_crs=self.crs, boundary=self.boundary_gdf)
        if gdf is None:
            return None
        gdf = checks.check_geometry(gdf, name, file, self.report, kind=kind)
        if kind == "point" and self.boundary_gdf is not None and len(gdf):
            local = shapely.union_all(self.boundary_gdf.to_crs(gdf.crs).geometry.values)
            gdf = checks.fix_swapped(gdf, local, name, file, self.report)
        gdf.attrs["n_read"] = n_read
        return gdf

    def to_park(self, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        n_read = gdf.attrs.get("n_read", len(gdf))
        if gdf.crs != self.crs:
            gdf = reproject(gdf, self.crs)
        gdf.attrs["n_read"] = n_read
        return gdf

    def summary(self, name: str, path: Path, gdf, kept: int | None = None) -> None:
        n_read = gdf.attrs.get("n_read", len(gdf)) if gdf is not None else 0
        kind = (
            ", ".join(sorted(set(gdf.geom_type.dropna().unique())))
            if gdf is not None and len(gdf) < 200_000
            else ("Point" if gdf is not None else "")
        )
        self.report.layers.append(
            LayerSummary(
                name,
                path.name,
                int(n_read),
                int(len(gdf) if kept is None else kept),
                str(self.crs.to_string()) if self.crs else "",
                kind,
            )
        )

    def column(self, gdf, name: str, key: str, aliases) -> str | None:
        mapped = self.m.columns.get(name, {}).get(key)
        try:
            return find_column(
                [c for c in gdf.columns if c != gdf.geometry.name],
                aliases,
                mapped,
                Path(str(gdf[COL_SOURCE_FILE].iloc[0])) if len(gdf) else None,
                key,
            )
        except LayerReadError as exc:
            self.report.add(ERROR, name, gdf[COL_SOURCE_FILE].iloc[0], str(exc), check="missing_column")
            return None

    # --- layers ---------------------------------------------------------------
    def boundary(self, path: Path) -> gpd.GeoDataFrame | None:
        gdf = self.read("boundary", path, "boundary", "polygon", fatal=True)
        if gdf is None:
            return None
        if checks.check_empty(gdf, "boundary", path.name, self.report, severity=FATAL):
            return None
        geom = shapely.union_all(gdf.geometry.values)
        if geom.is_empty or geom.area == 0:
            self.report.add(
                FATAL,
                "boundary",
                path.name,
                "the boundary has no area",
                "use a polygon layer of the park",
                check="empty_layer",
            )
            return None
        native = gpd.GeoDataFrame({COL_NAME: [self.m.name]}, geometry=[geom], crs=gdf.crs)
        try:
            self.crs = park_crs(native, self.m.crs)
        except ManifestError as exc:
            self.report.add(FATAL, "park", self.m.path.name if self.m.path else None, str(exc), check="park_crs")
            return None
        except ValueError as exc:
            self.report.add(
                FATAL,
                "boundary",
                path.name,
                f"cannot choose a UTM zone ({exc})",
                'set crs = "EPSG:<code>" under [park]',
                check="park_crs",
            )
            return None
        self.boundary_gdf = native
        out = native.to_crs(self.crs)
        geom = shapely.make_valid(out.geometry.iloc[0])
        out = gpd.GeoDataFrame({COL_NAME: [self.m.name]}, geometry=[checks._polygonal(geom)], crs=self.crs)
        self.boundary_geom = out.geometry.iloc[0]
        out.attrs["n_read"] = gdf.attrs.get("n_read", len(gdf))
        self.summary("boundary", path, out, kept=len(gdf))
        self.report.layers[-1].kept = len(gdf)
        return out

    def incidents(self, path: Path) -> gpd.GeoDataFrame:
        name = "incidents"
        gdf = self.read(name, path, name, "point")
        if gdf is None or checks.check_empty(gdf, name, path.name, self.report, severity=ERROR):
            return _empty(INCIDENT_COLUMNS, self.crs)
        opts = self.m.columns.get(name, {})
        tcol = self.column(gdf, name, "time", TIME_ALIASES)
        ycol = self.column(gdf, name, "type", TYPE_ALIASES)
        if tcol is None or ycol is None:
            missing = " and ".join(w for w, c in (("date/time", tcol), ("type", ycol)) if c is None)
            self.report.add(
                ERROR,
                name,
                path.name,
                f"no {missing} column found (columns: {', '.join(map(str, gdf.columns[:20]))}); layer skipped",
                f'map them under [columns.{name}] in park.toml, e.g. time = "date", type = "category"',
                check="missing_column",
            )
            return _empty(INCIDENT_COLUMNS, self.crs)
        gdf = self.to_park(gdf)
        times = checks.parse_times(
            gdf[tcol],
            name,
            path.name,
            gdf[COL_SOURCE_ROW].to_numpy(),
            self.report,
            opts.get("date_format"),
            opts.get("timezone"),
        )
        raw = gdf[ycol].astype("string")
        types = checks.normalise_types(raw, name, path.name, self.report)
        extra = {}
        for col, key, aliases in (
            (COL_ITEM, "item", ITEM_ALIASES),
            (COL_QUANTITY, "quantity", QUANTITY_ALIASES),
            (COL_UNIT, "unit", UNIT_ALIASES),
        ):
            found = self.column(gdf, name, key, aliases)
            extra[col] = gdf[found] if found is not None else pd.Series(np.nan, index=gdf.index, dtype=object)
        extra[COL_QUANTITY] = pd.to_numeric(extra[COL_QUANTITY], errors="coerce").astype(float)
        drop = {tcol, ycol} | {
            c for c in (COL_TIME, COL_TYPE, "type_raw", COL_ITEM, COL_QUANTITY, COL_UNIT) if c in gdf
        }
        rest = gdf.drop(columns=[c for c in drop if c != gdf.geometry.name])
        out = gpd.GeoDataFrame(
            {COL_TIME: times, COL_TYPE: types, "type_raw": raw.astype(object), **extra}, index=gdf.index
        ).join(rest)
        out = gpd.GeoDataFrame(out, geometry=gdf.geometry.name, crs=self.crs)
        out = out.loc[out[COL_TIME].notna().to_numpy()]
        out = checks.drop_duplicates(out, [COL_TIME, COL_TYPE], name, path.name, self.report)
        checks.check_outside(out, self.boundary_geom, name, path.name, self.report)
        out = out.sort_values([COL_TIME, COL_SOURCE_ROW], kind="stable").reset_index(drop=True)
        out.attrs["n_read"] = gdf.attrs.get("n_read", len(gdf))
        self.summary(name, path, out)
        return out

    def tracks(self, path: Path) -> gpd.GeoDataFrame:
        name = "patrols"
        try:
            fixes = read_gpx_fixes(path)
        except LayerReadError as exc:
            text = str(exc)
            self.report.add(
                ERROR,
                name,
                path.name,
                text.split(" Fix: ")[0] + "; layer skipped",
                text.split(" Fix: ")[-1] if " Fix: " in text else "",
                check="unreadable",
            )
            return _empty(TRACK_COLUMNS, self.crs)
        if fixes is not None:  # fast path: GPX track points as arrays, one geometry build at the end
            from pyproj import Transformer

            n_read = len(fixes)
            x, y = Transformer.from_crs(fixes.attrs["crs"], self.crs, always_xy=True).transform(
                fixes["x"].to_numpy(), fixes["y"].to_numpy()
            )
            table = fixes.drop(columns=["x", "y"])
            bad = ~(np.isfinite(x) & np.isfinite(y))
            if bad.any():
                checks.report_rows(
                    self.report,
                    ERROR,
                    name,
                    path.name,
                    table.loc[bad, COL_SOURCE_ROW].to_numpy(),
                    "GPS fix without usable coordinates; rejected",
                    "",
                    "missing_geometry",
                )
        else:
            gdf = self.read(name, path, name, "point")
            if gdf is None or checks.check_empty(gdf, name, path.name, self.report, severity=ERROR):
                return _empty(TRACK_COLUMNS, self.crs)
            n_read = gdf.attrs.get("n_read", len(gdf))
            gdf = self.to_park(gdf)
            x, y = shapely.get_x(gdf.geometry.values), shapely.get_y(gdf.geometry.values)
            table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
            bad = np.zeros(len(table), dtype=bool)
        if checks.check_empty(table, name, path.name, self.report, severity=ERROR):
            return _empty(TRACK_COLUMNS, self.crs)
        opts = self.m.columns.get(name, {})
        cols = list(table.columns)
        tcol = self._column(cols, table, name, "time", TIME_ALIASES, path)
        if tcol is None:
            self.report.add(
                ERROR,
                name,
                path.name,
                "the GPS fixes have no time column; layer skipped",
                f"export tracks with timestamps, or map time under [columns.{name}]",
                check="missing_column",
            )
            return _empty(TRACK_COLUMNS, self.crs)
        kcol = self._column(cols, table, name, "track", TRACK_ALIASES, path)
        times = checks.parse_times(
            table[tcol],
            name,
            path.name,
            table[COL_SOURCE_ROW].to_numpy(),
            self.report,
            opts.get("date_format"),
            opts.get("timezone"),
            list_rows=len(table) < 10_000,
        )
        if kcol is None:
            self.report.add(
                WARNING,
                name,
                path.name,
                "no track id column; all fixes taken as one track",
                f"map track under [columns.{name}]",
                check="missing_column",
            )
            track = np.zeros(len(table), dtype=np.int64)
        else:
            track = pd.factorize(table[kcol], sort=True)[0].astype(np.int64)
        keep = ~bad & times.notna().to_numpy()
        idx = np.flatnonzero(keep)
        t_ns = times.array.asi8
        idx = idx[np.lexsort((t_ns[idx], track[idx]))]
        x, y = x[idx], y[idx]
        out = gpd.GeoDataFrame(
            {
                COL_TRACK: track[idx],
                COL_TIME: times.array[idx],
                COL_SOURCE_FILE: pd.Categorical(table[COL_SOURCE_FILE].to_numpy()[idx]),
                COL_SOURCE_ROW: table[COL_SOURCE_ROW].to_numpy()[idx],
            },
            geometry=gpd.GeoSeries(shapely.points(x, y), crs=self.crs),
            crs=self.crs,
        )
        outside = int((~checks._inside(self.boundary_geom, x, y)).sum()) if len(out) else 0
        if outside:
            self.report.add(
                WARNING,
                name,
                path.name,
                f"{outside} of {len(out)} GPS fixes ({100 * outside / len(out):.1f} %) lie outside the "
                "park boundary; kept",
                "nothing to do if patrols left the park; else check the coordinates",
                check="outside_boundary",
            )
        self.report.layers.append(LayerSummary(name, path.name, int(n_read), len(out), self.crs.to_string(), "Point"))
        return out

    def _column(self, cols, table, name: str, key: str, aliases, path: Path) -> str | None:
        mapped = self.m.columns.get(name, {}).get(key)
        try:
            return find_column(cols, aliases, mapped, path, key)
        except LayerReadError as exc:
            self.report.add(ERROR, name, path.name, str(exc), check="missing_column")
            return None

    def posts(self, path: Path) -> gpd.GeoDataFrame:
        name = "posts"
        gdf = self.read(name, path, name, "point")
        if gdf is None or checks.check_empty(gdf, name, path.name, self.report):
            return _empty((COL_NAME, COL_SOURCE_FILE, COL_SOURCE_ROW), self.crs)
        gdf = self.to_park(gdf)
        ncol = self.column(gdf, name, "name", NAME_ALIASES)
        if ncol is None:
            self.report.add(
                WARNING,
                name,
                path.name,
                "no name column; posts named Post 1, Post 2, ...",
                f"add a name column or map name under [columns.{name}]",
                check="missing_column",
            )
            names = pd.Series([f"Post {i}" for i in range(1, len(gdf) + 1)], index=gdf.index)
        else:
            names = gdf[ncol].astype("string").fillna("").str.strip()
            blank = (names == "").to_numpy()
            names[blank] = [f"Post {r}" for r in gdf.loc[blank, COL_SOURCE_ROW]]
            dup = names.duplicated(keep=False).to_numpy()
            if dup.any():
                checks.report_rows(
                    self.report,
                    WARNING,
                    name,
                    path.name,
                    gdf.loc[dup, COL_SOURCE_ROW].to_numpy(),
                    "post name is not unique; the row number was added to it",
                    "give every post its own name",
                    "duplicate_name",
                )
                names[dup] = [f"{n} ({r})" for n, r in zip(names[dup], gdf.loc[dup, COL_SOURCE_ROW])]
        rest = gdf.drop(columns=[c for c in (ncol, COL_NAME) if c is not None and c in gdf.columns])
        out = gpd.GeoDataFrame(
            rest.assign(**{COL_NAME: names.astype(object).to_numpy()}), geometry=gdf.geometry.name, crs=self.crs
        )
        out = out[[COL_NAME] + [c for c in out.columns if c != COL_NAME]].reset_index(drop=True)
        checks.check_outside(out, self.boundary_geom, name, path.name, self.report)
        self.summary(name, path, out)
        return out

    def feature(self, name: str, path: Path) -> gpd.GeoDataFrame | None:
        gdf = self.read(name, path, None, None)
        if gdf is None or checks.check_empty(gdf, name, path.name, self.report):
            return None
        gdf = self.to_park(gdf).reset_index(drop=True)
        self.summary(name, path, gdf)
        return gdf

    def raster(self, layer: RasterLayer) -> bool:
        try:
            info = raster_info(layer.path)
        except LayerReadError as exc:
            text = str(exc)
            self.report.add(
                ERROR,
                layer.name,
                layer.path.name,
                text.split(" Fix: ")[0] + "; raster skipped",
                text.split(" Fix: ")[-1] if " Fix: " in text else "",
                check="unreadable",
            )
            return False
        ok = checks.check_raster(info, self.boundary_gdf, layer.name, self.report)
        self.report.layers.append(
            LayerSummary(
                layer.name,
                layer.path.name,
                info.width * info.height,
                info.width * info.height if ok else 0,
                info.crs.to_string() if info.crs else "none",
                f"raster {info.width}x{info.height} {info.dtype}",
            )
        )
        return ok


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
    loader = _Loader(manifest, report, progress)
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
    incidents = incidents if incidents is not None else _empty(INCIDENT_COLUMNS, crs)
    tracks = tracks if tracks is not None else _empty(TRACK_COLUMNS, crs)
    posts = posts if posts is not None else _empty((COL_NAME, COL_SOURCE_FILE, COL_SOURCE_ROW), crs)

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
