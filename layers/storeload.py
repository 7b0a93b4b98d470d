"""Loading a park reads its files, then its store: imported incidents and GPS tracks join the park's own.

:func:`add_store_records` is the last step of :func:`layers.park.load_park`.
It never creates a store (a park without one loads as before) and never
writes one.  Store records that repeat a record of the park's own files
(the same type within a minute and 50 m; the same patrol's fixes) are
counted once, and the report says so.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import storetracks
from .dedupe import match_points
from .defaults import (
    COL_SOURCE_FILE,
    COL_SOURCE_ROW,
    COL_TIME,
    COL_TRACK,
    COL_TRANSPORT,
    COL_TYPE,
    DEFAULT_TRANSPORT,
    DUPLICATE_INCIDENT_M,
    DUPLICATE_INCIDENT_S,
    STORE_NAME,
)
from .errors import StoreError
from .geochecks import check_outside, inside
from .report import INFO, WARNING, LayerSummary, LoadReport
from .store import ParkStore

# Store columns that are not the park's (kept on the records beside the normalised ones).
_DROP = ("record_id", "attributes")


def _lonlat(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    if not len(gdf):
        return np.empty(0), np.empty(0)
    g = gdf.geometry.to_crs("EPSG:4326") if gdf.crs is not None else gdf.geometry
    return shapely.get_x(g.values), shapely.get_y(g.values)


def _seconds(times: pd.Series) -> np.ndarray:
    return times.astype("datetime64[ns, UTC]").array.asi8 / 1e9


def _incidents(store: ParkStore, crs, boundary, own: gpd.GeoDataFrame, report: LoadReport) -> gpd.GeoDataFrame:
    recs = store.records("incidents", crs)
    n = len(recs)
    if n == 0:
        return own
    if len(own):
        types = pd.Index(pd.unique(pd.concat([own[COL_TYPE], recs[COL_TYPE]]).astype(str)))
        lon_o, lat_o = _lonlat(own)
        lon_n, lat_n = _lonlat(recs.to_crs("EPSG:4326"))
        match = match_points(
            _seconds(own[COL_TIME]),
            lon_o,
            lat_o,
            types.get_indexer(own[COL_TYPE].astype(str)),
            _seconds(recs[COL_TIME]),
            lon_n,
            lat_n,
            types.get_indexer(recs[COL_TYPE].astype(str)),
            DUPLICATE_INCIDENT_S,
            DUPLICATE_INCIDENT_M,
        )
        repeats = int((match >= 0).sum())
        if repeats:
            report.add(
                INFO,
                "incidents",
                STORE_NAME,
                f"{repeats} imported incidents repeat incidents of the park's own files; counted once",
                check="store_duplicates",
            )
        recs = recs.loc[match < 0]
    recs = recs.drop(columns=[c for c in _DROP if c in recs.columns])
    for file, sub in recs.groupby(COL_SOURCE_FILE, sort=True):
        check_outside(sub, boundary, "incidents", f"{STORE_NAME} ({file})", report, list_rows=len(sub) < 1000)
    report.layers.append(LayerSummary("incidents (store)", STORE_NAME, n, len(recs), crs.to_string(), "Point"))
    if not len(recs):
        return own
    out = pd.concat([own, recs], ignore_index=True) if len(own) else recs.reset_index(drop=True)
    out = gpd.GeoDataFrame(out, geometry=own.geometry.name, crs=crs)
    return out.sort_values([COL_TIME, COL_SOURCE_ROW], kind="stable").reset_index(drop=True)


def _tracks(store: ParkStore, crs, boundary, own: gpd.GeoDataFrame, report: LoadReport) -> gpd.GeoDataFrame:
    fixes = store.records("patrols")
    n = len(fixes)
    if n == 0:
        return own
    own = own.copy()
    if COL_TRANSPORT not in own.columns:
        own[COL_TRANSPORT] = DEFAULT_TRANSPORT
    lon, lat = _lonlat(fixes)
    recs = pd.DataFrame(
        {
            "lon": lon,
            "lat": lat,
            "t_ms": (fixes[COL_TIME].astype("datetime64[ns, UTC]").array.asi8 // 10**6),
            COL_TRACK: fixes["record_id"].astype(str).to_numpy(),
            COL_SOURCE_FILE: fixes[COL_SOURCE_FILE].to_numpy(),
            "_i": np.arange(n),
        }
    )
    if len(own):
        lon_o, lat_o = _lonlat(own)
        old = pd.DataFrame(
            {
                "record_id": own[COL_TRACK].to_numpy(),
                "lon": lon_o,
                "lat": lat_o,
                "t_ms": own[COL_TIME].astype("datetime64[ns, UTC]").array.asi8 // 10**6,
            }
        )
        kept, _, repeats = storetracks.plan(old, recs)
        if repeats:
            report.add(
                INFO,
                "patrols",
                STORE_NAME,
                f"{repeats} imported GPS fixes repeat the park's own tracks; counted once",
                check="store_duplicates",
            )
        fixes = fixes.iloc[np.sort(kept["_i"].to_numpy())]
    if not len(fixes):
        return own
    fixes = fixes.to_crs(crs)
    offset = int(own[COL_TRACK].max()) + 1 if len(own) else 0
    track = pd.factorize(fixes["record_id"], sort=True)[0].astype(np.int64) + offset
    fixes = fixes.drop(columns=["record_id"]).assign(**{COL_TRACK: track})
    fixes[COL_TRANSPORT] = fixes[COL_TRANSPORT].fillna(DEFAULT_TRANSPORT)
    x, y = shapely.get_x(fixes.geometry.values), shapely.get_y(fixes.geometry.values)
    outside = int((~inside(boundary, x, y)).sum())
    if outside:
        report.add(
            WARNING,
            "patrols",
            STORE_NAME,
            f"{outside} of {len(fixes)} imported GPS fixes lie outside the park boundary; kept",
            "nothing to do if patrols left the park; else check the coordinates",
            check="outside_boundary",
        )
    report.layers.append(LayerSummary("patrols (store)", STORE_NAME, n, len(fixes), crs.to_string(), "Point"))
    out = pd.concat([own, fixes], ignore_index=True) if len(own) else fixes
    out = gpd.GeoDataFrame(out, geometry=own.geometry.name, crs=crs)
    return out.sort_values([COL_TRACK, COL_TIME], kind="stable").reset_index(drop=True)


def add_store_records(
    folder: str | Path,
    crs,
    boundary,
    incidents: gpd.GeoDataFrame,
    tracks: gpd.GeoDataFrame,
    report: LoadReport,
    skip: Collection[str] = (),
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The park's incidents and tracks with the store's records added (unchanged when it has no store).

    Parameters
    ----------
    folder : str or Path
        The park folder.
    crs : pyproj.CRS
        The park's metric CRS (the layers' CRS).
    boundary : shapely geometry
        The park boundary in ``crs``.
    incidents, tracks : geopandas.GeoDataFrame
        The layers read from the park's files.
    report : LoadReport
        What was added and repeated goes here; a store that cannot be read is
        a warning, never a failure.
    skip : collection of str
        Roles not to read (``"incidents"``, ``"patrols"``), as in :func:`~layers.park.load_park`.

    Returns
    -------
    incidents, tracks : geopandas.GeoDataFrame
        When the store adds tracks, ``tracks`` gets a ``COL_TRANSPORT``
        column (the park's own tracks are ``DEFAULT_TRANSPORT``).
    """
    if not ParkStore.exists(folder):
        return incidents, tracks
    try:
        store = ParkStore(folder, create=False)
        if "incidents" not in skip:
            incidents = _incidents(store, crs, boundary, incidents, report)
        if "patrols" not in skip:
            tracks = _tracks(store, crs, boundary, tracks, report)
    except StoreError as exc:
        text = str(exc)
        report.add(
            WARNING,
            "store",
            STORE_NAME,
            text.split(" Fix: ")[0] + "; the park loads without its imported records",
            text.split(" Fix: ")[-1] if " Fix: " in text else "",
            check="store_unreadable",
        )
    return incidents, tracks


__all__ = ["add_store_records"]
