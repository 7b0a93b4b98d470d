"""Shared pieces of the field-system importers: rejected rows, species words, output frames."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..defaults import COL_SOURCE_FILE, COL_SOURCE_ROW
from ..errors import LayerReadError
from ..report import ERROR, report_rows

WGS84 = "EPSG:4326"

MAX_XML_BYTES = 128 * 1024**2  # an XML export (SMART patrol, KML): parsing takes about ten times its size in memory
XML_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)  # what an XML bomb or an external entity needs

# Species words that make a carcass label an elephant or rhino carcass for the type normalisation.
_ELEPHANT = re.compile(r"elephant|loxodonta|elephas|proboscidea|\bele\b", re.IGNORECASE)
_RHINO = re.compile(r"rhino|diceros|ceratotherium|rhinocerotidae", re.IGNORECASE)


def species_word(text) -> str | None:
    """``"elephant"`` or ``"rhino"`` when ``text`` names one (common or scientific name), else ``None``."""
    if text is None:
        return None
    text = str(text)
    if _RHINO.search(text):
        return "rhino"
    if _ELEPHANT.search(text):
        return "elephant"
    return None


@dataclass
class Rejects:
    """Rows of a file that could not be used, with the reason, the fix and a severity."""

    file: str
    items: list[tuple[int | None, str, str, str]] = field(default_factory=list)

    def add(self, row: int | None, message: str, fix: str = "", severity: str = ERROR) -> None:
        self.items.append((None if row is None else int(row), message, fix, severity))

    def add_rows(self, rows, message: str, fix: str = "", severity: str = ERROR) -> None:
        for r in np.asarray(rows).ravel():
            self.add(int(r), message, fix, severity)

    def rows(self) -> list[int]:
        """The rejected 1-based rows, in file order."""
        return sorted({r for r, *_ in self.items if r is not None})

    def flush(self, report, layer: str, check: str = "bad_row") -> None:
        """Write the rejections into a :class:`~layers.report.LoadReport`, grouped by message."""
        if report is None:
            return
        groups: dict[tuple[str, str, str], list[int]] = {}
        for row, message, fix, severity in self.items:
            if row is None:
                report.add(severity, layer, self.file, message, fix, check=check)
            else:
                groups.setdefault((message, fix, severity), []).append(row)
        for (message, fix, severity), rows in groups.items():
            report_rows(report, severity, layer, self.file, rows, message, fix, check)


def refuse_xml_declarations(data: bytes, path: Path, what: str, fix: str) -> None:
    """Refuse an XML document that declares a DTD or entities.

    Field-system exports never declare entities; one that does is damaged or hostile (an entity
    bomb, or an external entity reaching for a file on this computer).
    """
    if XML_DECLARATION.search(data):
        raise LayerReadError(
            f"{path}: the {what} declares a DTD or entities, which it never needs (an XML bomb?); it was not read. "
            f"Fix: {fix}"
        )


def read_xml_bytes(path: Path, what: str, fix: str) -> bytes:
    """The bytes of an XML export, read once: refused when above ``MAX_XML_BYTES`` (checked from its size,
    before reading) or when it declares a DTD or entities (:func:`refuse_xml_declarations`)."""
    size = path.stat().st_size
    if size > MAX_XML_BYTES:
        raise LayerReadError(
            f"{path}: the {what} is {size / 1e6:,.0f} MB, above the limit of {MAX_XML_BYTES / 1e6:,.0f} MB. Fix: {fix}"
        )
    data = path.read_bytes()
    refuse_xml_declarations(data, path, what, fix)
    return data


def finish(
    data: dict | pd.DataFrame, geometry, path: Path, rows, rejects: Rejects, n_records: int, crs=WGS84, notes=()
) -> gpd.GeoDataFrame:
    """The importer's output: a GeoDataFrame with source file and row, the rejections and counts in ``attrs``."""
    df = pd.DataFrame(data)
    df[COL_SOURCE_FILE] = path.name
    df[COL_SOURCE_ROW] = np.asarray(rows, dtype=np.int64)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(np.asarray(geometry, dtype=object), index=df.index), crs=crs)
    gdf.attrs["n_records"] = int(n_records)
    gdf.attrs["notes"] = list(notes)
    gdf.attrs["rejected"] = list(rejects.items)
    return gdf


def parse_utc(values: pd.Series) -> pd.Series:
    """Times to tz-aware UTC; values without an offset are taken as UTC; ``NaT`` where unparseable."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.dt.tz_localize("UTC")
    s = values.astype("string").str.strip()
    s = s.mask(s == "")
    out = pd.to_datetime(s, format="ISO8601", errors="coerce", utc=True)
    retry = (out.isna() & s.notna()).to_numpy()
    if retry.any():
        out.loc[retry] = pd.to_datetime(s[retry], format="mixed", errors="coerce", utc=True)
    return out
