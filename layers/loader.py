"""Reading one park's layers by role: each read, checked, reprojected and normalised to the park's columns.

:class:`LayerLoader` holds one load (the manifest, the report, the park CRS
once the boundary is read); :func:`layers.park.load_park` drives it role by
role.  Incidents get ``COL_TIME``, ``COL_TYPE``, ``type_raw``, ``COL_ITEM``,
``COL_QUANTITY``, ``COL_UNIT``; GPS tracks ``COL_TRACK`` and ``COL_TIME``;
posts ``COL_NAME``; every layer keeps ``COL_SOURCE_FILE`` and ``COL_SOURCE_ROW``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import checks, geochecks
from .crs import park_crs, reproject
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
from .errors import LayerReadError, ManifestError
from .importers.lines import fixes_from_lines, is_lines
from .manifest import Manifest, RasterLayer
from .rasters import raster_info
from .readers import read_gpx_fixes, read_vector
from .report import ERROR, FATAL, WARNING, LayerSummary, LoadReport, report_rows
from .tabular import find_column

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
POST_COLUMNS = (COL_NAME, COL_SOURCE_FILE, COL_SOURCE_ROW)


_DTYPES = {COL_TIME: "datetime64[ns, UTC]", COL_TRACK: "int64", COL_SOURCE_ROW: "int64", COL_QUANTITY: "float64"}


def empty_layer(columns, crs) -> gpd.GeoDataFrame:
    """An empty layer with the normalised columns and dtypes, in ``crs``."""
    data = {c: pd.Series(dtype=_DTYPES.get(c, object)) for c in columns}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


class LayerLoader:
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
        if gdf.attrs.get("cut_short"):
            self.report.add(
                WARNING, name, file, gdf.attrs["cut_short"], "copy or export the file again", check="cut_short"
            )
        for note in gdf.attrs.get("read_notes", []):
            self.report.add(WARNING, name, file, note, "rename the file to match its format", check="wrong_extension")
        n_read = int(gdf.attrs.get("n_records", len(gdf)))
        gdf.attrs["n_read"] = n_read
        gdf = geochecks.check_crs(
            gdf, name, file, self.report, fatal=fatal, park_crs=self.crs, boundary=self.boundary_gdf
        )
        if gdf is None:
            return None
        gdf = geochecks.check_geometry(gdf, name, file, self.report, kind=kind)
        if kind == "point" and self.boundary_gdf is not None and len(gdf):
            local = shapely.union_all(self.boundary_gdf.to_crs(gdf.crs).geometry.values)
            gdf = geochecks.fix_swapped(gdf, local, name, file, self.report)
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
        out = gpd.GeoDataFrame({COL_NAME: [self.m.name]}, geometry=[geochecks.polygonal(geom)], crs=self.crs)
        self.boundary_geom = out.geometry.iloc[0]
        out.attrs["n_read"] = gdf.attrs.get("n_read", len(gdf))
        self.summary("boundary", path, out, kept=len(gdf))
        self.report.layers[-1].kept = len(gdf)
        return out

    def incidents(self, path: Path) -> gpd.GeoDataFrame:
        name = "incidents"
        gdf = self.read(name, path, name, "point")
        if gdf is None or checks.check_empty(gdf, name, path.name, self.report, severity=ERROR):
            return empty_layer(INCIDENT_COLUMNS, self.crs)
        opts = self.m.options(name)
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
            return empty_layer(INCIDENT_COLUMNS, self.crs)
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
        geochecks.check_outside(out, self.boundary_geom, name, path.name, self.report)
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
            return empty_layer(TRACK_COLUMNS, self.crs)
        if fixes is not None:  # fast path: GPX track points as arrays, one geometry build at the end
            from pyproj import Transformer

            n_read = len(fixes)
            if fixes.attrs.get("cut_short"):
                self.report.add(
                    WARNING, name, path.name, fixes.attrs["cut_short"], "copy or export the file again", "cut_short"
                )
            x, y = Transformer.from_crs(fixes.attrs["crs"], self.crs, always_xy=True).transform(
                fixes["x"].to_numpy(), fixes["y"].to_numpy()
            )
            table = fixes.drop(columns=["x", "y"])
            bad = ~(np.isfinite(x) & np.isfinite(y))
            if bad.any():
                report_rows(
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
            lines = _holds_lines(path)
            gdf = self.read(name, path, name, "line" if lines else "point")
            if gdf is None or checks.check_empty(gdf, name, path.name, self.report, severity=ERROR):
                return empty_layer(TRACK_COLUMNS, self.crs)
            n_read = gdf.attrs.get("n_read", len(gdf))
            if lines:  # patrol legs without vertex times (SMART tracks as shapefile): fixes along each line
                gdf = self._line_fixes(gdf, path)
            gdf = self.to_park(gdf)
            x, y = shapely.get_x(gdf.geometry.values), shapely.get_y(gdf.geometry.values)
            table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
            bad = np.zeros(len(table), dtype=bool)
        if checks.check_empty(table, name, path.name, self.report, severity=ERROR):
            return empty_layer(TRACK_COLUMNS, self.crs)
        opts = self.m.options(name)
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
            return empty_layer(TRACK_COLUMNS, self.crs)
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
        outside = int((~geochecks.inside(self.boundary_geom, x, y)).sum()) if len(out) else 0
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

    def _line_fixes(self, gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
        """Fixes made along patrol legs given as lines, times spread over each leg's dates (see ``lines``)."""
        try:
            fixes = fixes_from_lines(gdf.to_crs("EPSG:4326"), path, self.m.columns.get("patrols", {}), self.report)
        except LayerReadError as exc:
            text = str(exc)
            self.report.add(
                ERROR,
                "patrols",
                path.name,
                text.split(" Fix: ")[0] + "; layer skipped",
                text.split(" Fix: ")[-1],
                check="missing_column",
            )
            fixes = pd.DataFrame({"lon": [], "lat": [], COL_TIME: [], COL_TRACK: [], COL_SOURCE_ROW: []})
        for note in fixes.attrs.get("notes", []):
            self.report.add(WARNING, "patrols", path.name, note, "", check="line_times")
        out = gpd.GeoDataFrame(
            fixes.drop(columns=["lon", "lat"]),
            geometry=gpd.points_from_xy(fixes["lon"], fixes["lat"]),
            crs="EPSG:4326",
        )
        out[COL_SOURCE_FILE] = path.name
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
            return empty_layer(POST_COLUMNS, self.crs)
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
                report_rows(
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
        geochecks.check_outside(out, self.boundary_geom, name, path.name, self.report)
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
        ok = geochecks.check_raster(info, self.boundary_gdf, layer.name, self.report)
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


def _holds_lines(path: Path) -> bool:
    """Whether a patrols file is a layer of lines (a peek at its first features; False when it cannot be read)."""
    try:
        return is_lines(read_vector(path, role="patrols", max_rows=20))
    except LayerReadError:
        return False
