"""Exports for reporting and sharing: the indicator table as CSV or JSON, and the seizure-sharing table.

The seizure-sharing table gives other authorities what they need to follow a
seizure to its case (UN GA resolution 71/326, para. 26) without the exact
place: ``date, item, quantity, unit, case_ref, cell_id, cell_lon, cell_lat,
cell_km``; the place is the centre of a ``cell_km`` square (5 km by default)
of the park's metric CRS, given in WGS 84 longitude and latitude.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from access.generalise import snap
from layers.defaults import COL_CASE, COL_ITEM, COL_QUANTITY, COL_TIME, COL_TYPE, COL_UNIT

from .defaults import SHARE_GRID_KM
from .errors import ReportError
from .register import Register

__all__ = ["SHARE_COLUMNS", "indicators_json", "seizure_share", "write_table"]

SHARE_COLUMNS = ("date", "item", "quantity", "unit", "case_ref", "cell_id", "cell_lon", "cell_lat", "cell_km")


def seizure_share(register: Register, cell_km: float = SHARE_GRID_KM) -> pd.DataFrame:
    """The register's seizures with their places generalised to the centre of a ``cell_km`` grid cell.

    Raises
    ------
    ReportError
        For a cell size under 1 km (that would give the place away) or a register without a metric CRS.
    """
    if not cell_km >= 1:
        raise ReportError(f"a sharing cell of {cell_km} km gives the place away. Fix: use 1 km or more (default 5)")
    inc = register.incidents
    sz = inc[(inc[COL_TYPE] == "seizure").to_numpy()]
    if register.crs is None and len(sz):
        raise ReportError("the register has no CRS, so places cannot be generalised")
    size = cell_km * 1000.0
    cx = snap(shapely.get_x(sz.geometry.values), size)  # the grid every outside export uses
    cy = snap(shapely.get_y(sz.geometry.values), size)
    lon, lat = (np.empty(0), np.empty(0))
    if len(sz):
        lon, lat = Transformer.from_crs(register.crs, "EPSG:4326", always_xy=True).transform(cx, cy)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(sz[COL_TIME], utc=True).dt.strftime("%Y-%m-%d").to_numpy(),
            "item": sz[COL_ITEM].to_numpy(),
            "quantity": sz[COL_QUANTITY].to_numpy(dtype=float),
            "unit": sz[COL_UNIT].to_numpy(),
            "case_ref": sz[COL_CASE].to_numpy(),
            "cell_id": [f"{int(a // size)}_{int(b // size)}" for a, b in zip(cx, cy, strict=True)],
            "cell_lon": np.round(lon, 3),
            "cell_lat": np.round(lat, 3),
            "cell_km": cell_km,
        },
        columns=list(SHARE_COLUMNS),
    )


def indicators_json(table: pd.DataFrame) -> str:
    """The indicator table as a JSON list of records (NaN as null)."""
    clean = table.astype(object).where(table.notna(), None)
    return json.dumps(clean.to_dict(orient="records"), indent=1, default=float)


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV (UTF-8, no index); never over a file of the park (the caller chooses ``path``)."""
    path = Path(path)
    if not path.parent.exists():
        raise ReportError(f"{path.parent}: no such folder. Fix: create it or write elsewhere")
    try:
        table.to_csv(path, index=False, encoding="utf-8")
    except OSError as exc:
        raise ReportError(
            f"{path}: cannot be written ({exc.strerror or exc}). Fix: choose a folder you can write to"
        ) from exc
    return path
