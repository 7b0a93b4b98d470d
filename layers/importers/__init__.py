"""Importers for field-system exports: SMART patrol XML, EarthRanger events, Parquet/GeoParquet.

A park's ``patrols`` and ``incidents`` may point at these files directly;
:func:`layers.readers.read_vector` sends them here when :func:`detect`
recognises them.  Every importer returns a GeoDataFrame in WGS84 (or the
file's own CRS) with ``COL_SOURCE_FILE`` and ``COL_SOURCE_ROW``:

* ``role="patrols"``: GPS fixes with ``COL_TRACK`` and tz-aware UTC ``COL_TIME``;
* other roles: points with ``COL_TIME`` and a ``COL_TYPE`` label that
  :func:`layers.checks.normalise_types` maps to the incident types.

Rows that cannot be used (no location, unreadable time) are left out and
listed, with file and 1-based row, in the load report (and in
``gdf.attrs["rejected"]`` as ``(row, message, fix, severity)``).

The track readers used by :mod:`layers.fieldimport` (and, for lines, by the
park loader) live beside them: :mod:`.kml` (KML/KMZ tracks and waypoints),
:mod:`.lines` (patrol legs as lines without vertex times) and
:mod:`.erpatrols` (EarthRanger patrol segments cutting their leaders'
observations into patrol tracks).

Examples
--------
>>> detect("data/smart/SMART_000006_001.xml")  # doctest: +SKIP
'smart-xml'
>>> read("data/smart/SMART_000006_001.xml", "patrols")[["track_id", "time"]].head(2)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from ..errors import LayerReadError
from ..files import check_file
from . import earthranger, parquet, smart, smart_csv

FORMATS = {
    "smart-xml": "SMART patrol XML",
    "smart-csv": "SMART patrol observation CSV",
    "earthranger-csv": "EarthRanger event CSV",
    "earthranger-json": "EarthRanger events or patrols as JSON",
    "parquet": "Parquet/GeoParquet (EarthRanger events or patrols, GPS fixes, points)",
}


def detect(path: str | Path) -> str | None:
    """The field-system format of a file from its first bytes: a key of :data:`FORMATS`, or ``None``.

    Never raises on a missing or unreadable file (returns ``None``): the
    generic readers report those.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(8192)
    except OSError:
        return None
    if head.startswith(parquet.MAGIC):
        return "parquet"
    if smart.looks_like(head):
        return "smart-xml"
    if earthranger.looks_like_json(head):
        return "earthranger-json"
    text = head.lstrip(b"\xef\xbb\xbf")
    if text[:1] not in (b"<", b"{", b"[") and b"\x00" not in text:
        first = text.split(b"\n", 1)[0].decode("utf-8", errors="replace")
        if earthranger.looks_like_csv(first):
            return "earthranger-csv"
        if smart_csv.looks_like(first):
            return "smart-csv"
    return None


def read(
    path: str | Path, role: str | None = None, report=None, layer_name: str | None = None, max_rows: int | None = None
) -> gpd.GeoDataFrame:
    """Read a field-system export for a park role.

    Parameters
    ----------
    path : str or Path
        A SMART patrol XML, an EarthRanger event CSV, or a Parquet/GeoParquet export.
    role : str, optional
        ``"patrols"`` for GPS fixes; anything else for events/observations.
    report : LoadReport, optional
        Rejected rows are listed here (file, row, reason, fix).
    layer_name : str, optional
        Layer name in the report; defaults to ``role`` or the file stem.
    max_rows : int, optional
        Return at most the first rows (to peek at a file).

    Returns
    -------
    geopandas.GeoDataFrame
        See the module docstring; ``attrs["n_records"]`` counts the records read.

    Raises
    ------
    LayerReadError
        The file is not one of :data:`FORMATS`, is damaged, or holds nothing for the role.
    """
    path = Path(path)
    check_file(path)
    fmt = detect(path)
    if fmt == "smart-xml":
        gdf = smart.read(path, role, max_rows)
    elif fmt == "earthranger-json":
        gdf = earthranger.read_json(path, role, max_rows)
    elif fmt == "smart-csv":
        gdf = smart_csv.read(path, role, max_rows)
    elif fmt == "earthranger-csv":
        gdf = earthranger.read_csv(path, role, max_rows)
    elif fmt == "parquet":
        gdf = parquet.read(path, role, max_rows)
    else:
        raise LayerReadError(
            f"{path}: not a field-system export this project reads ({', '.join(FORMATS.values())}). "
            "Fix: export from SMART as patrol XML, from EarthRanger as CSV, or give the layer as GPX/CSV/GeoJSON"
        )
    gdf.attrs["format"] = fmt
    if report is not None:
        from ..report import INFO
        from .common import Rejects

        layer = layer_name or role or path.stem
        for note in gdf.attrs.get("notes", []):
            report.add(INFO, layer, path.name, f"read as {FORMATS[fmt]}: {note}", check="import_note")
        Rejects(path.name, list(gdf.attrs.get("rejected", []))).flush(report, layer, check="bad_row")
    return gdf


__all__ = ["FORMATS", "detect", "read"]
