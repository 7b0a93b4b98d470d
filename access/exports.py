"""Exports, role by role: a ranger's patrol files, and a park's layers for people outside the park.

``outside_export`` is the one way the dashboard shares a park's layers with
people outside it (partners, donors, the press): sensitive layers (park.toml
``[access] sensitive``) are generalised to the coarse grid (points counted per
5 km cell and type, rasters averaged over 5 km blocks), or dropped; only a
manager may keep exact locations, and that choice is written to the audit log
before the bytes are made.
"""

from __future__ import annotations

import json

import numpy as np

from patrols.export import zip_bytes

from .audit import EXACT_EXPORT, EXPORT, AuditLog
from .errors import AccessError, PermissionDenied
from .generalise import generalise_cell, generalise_points, generalise_raster, is_sensitive, sensitive_patterns
from .guard import patrol_for, plan_for, require, sheet_risk_for
from .roles import DOWNLOADS, PARK_DATA, can
from .roles import EXACT_EXPORT as EXACT_PERMISSION

README_NAME = "README.txt"


def check_exact(user, reason: str) -> None:
    """Raise unless ``user`` may keep exact places of sensitive layers in an outside export (a manager, a reason)."""
    if not can(user, EXACT_PERMISSION):
        raise PermissionDenied(
            f"{getattr(user, 'name', 'A signed-out visitor')} ({getattr(user, 'role', '-')}) may not export exact "
            "locations of sensitive layers: only a manager may. Fix: export generalised layers, or ask a manager"
        )
    if not str(reason or "").strip():
        raise AccessError("An export with exact locations needs a reason, recorded in the audit log. Fix: give one")


def allow_exact(user, park_folder, what: str, reason: str, audit: AuditLog | None = None) -> None:
    """A manager's choice to keep exact places in the outside export ``what`` (e.g. a monthly report).

    Checks the permission and the reason (:func:`check_exact`) and records the
    choice in the park's audit log as an ``exact-export`` before anything is made.
    """
    check_exact(user, reason)
    (audit or AuditLog(park_folder)).record(EXACT_EXPORT, user, what, {"reason": reason, "exact": True})


# --- patrol files ---------------------------------------------------------------------------
def patrol_files_for(user, patrol, park=None, risk=None, grid=None, landmarks=None) -> dict[str, bytes]:
    """The field files of one patrol for ``user``: route and waypoints, the risk only along the route.

    ``landmarks`` (:func:`patrols.landmarks.landmarks_from_park`, made once per plan) puts roads, rivers,
    waterholes and terrain on the sheet; made from ``park`` when not given.
    """
    from patrols.export import patrol_files
    from patrols.landmarks import landmarks_from_park

    patrol_for(user, patrol)
    if landmarks is None and park is not None:
        landmarks = landmarks_from_park(park)
    grid = grid if grid is not None else getattr(park, "grid", None)
    near = sheet_risk_for(user, patrol, risk, grid)
    boundary = getattr(park, "boundary", None)
    boundary = boundary.union_all() if boundary is not None and hasattr(boundary, "union_all") else boundary
    return patrol_files(
        patrol, risk=near, grid=grid, boundary=boundary, park_name=getattr(park, "name", None), landmarks=landmarks
    )


def plan_zip_for(user, plan, park=None, risk=None, grid=None) -> bytes:
    """The plan's zip as ``user`` may carry it: a ranger's own posts' patrols, the risk only along each route."""
    from patrols.export import plan_summary, summary_json_bytes
    from patrols.roster import ROSTER_NAME, roster_pdf_bytes

    require(user, DOWNLOADS, "patrol files")
    from patrols.landmarks import landmarks_from_park

    mine = plan_for(user, plan)
    landmarks = landmarks_from_park(park) if park is not None and mine.patrols else None  # read once per plan
    files: dict[str, bytes] = {}
    sheets: dict[str, bytes] = {}
    for patrol in mine.patrols:
        mine_files = patrol_files_for(user, patrol, park=park, risk=risk, grid=grid, landmarks=landmarks)
        files.update(mine_files)
        sheets[patrol.patrol_id] = next(data for name, data in mine_files.items() if name.endswith("_sheet.pdf"))
    if mine.patrols:  # every sheet in one PDF, as the planners' zip has it
        files[ROSTER_NAME] = roster_pdf_bytes(mine, park=park, sheets=sheets, landmarks=landmarks)
    files["summary.csv"] = plan_summary(mine).to_csv(index=False).encode("utf-8-sig")
    files["summary.json"] = summary_json_bytes(mine)
    return zip_bytes(files)


# --- outside exports ---------------------------------------------------------------------------
def _geojson(gdf) -> bytes:
    return gdf.to_crs("EPSG:4326").to_json(drop_id=True, default=str).encode("utf-8")


def _geotiff(array: np.ndarray, transform, crs) -> bytes:
    from rasterio.io import MemoryFile

    with MemoryFile() as mem:
        profile = dict(driver="GTiff", height=array.shape[0], width=array.shape[1], count=1, dtype="float32")
        with mem.open(**profile, crs=crs, transform=transform, nodata=np.nan) as dst:
            dst.write(array.astype("float32"), 1)
        return mem.read()


def _read_raster(layer):
    import rasterio

    with rasterio.open(layer.path) as src:
        data = src.read(1, masked=True).astype("float32").filled(np.nan)
        return data, src.transform, src.crs


def outside_export(
    user,
    park,
    *,
    exact: bool = False,
    drop: bool = False,
    cell_m: float | None = None,
    reason: str = "",
    audit: AuditLog | None = None,
) -> bytes:
    """A zip of the park's layers for people outside the park, and an audit record of it.

    Parameters
    ----------
    user : access.users.User
        Who exports; needs the ``park_data`` permission (planners, managers).
    park : layers.park.Park
    exact : bool
        Keep exact locations of sensitive layers: managers only, with a
        ``reason``; recorded in the audit log as an ``exact-export``.
    drop : bool
        Leave sensitive layers out instead of generalising them.
    cell_m : float, optional
        The coarse grid (default: park.toml ``[access] generalise_m``, else 5 km).
    audit : AuditLog, optional
        Default: the park's own log.

    Returns
    -------
    bytes of a zip: ``<layer>.geojson`` (WGS84) for vectors, ``<raster>.tif`` for
    rasters, and a README.txt saying what was generalised or dropped.
    """
    require(user, PARK_DATA, "the park's layers")
    if exact:
        check_exact(user, reason)
    cell = float(cell_m or generalise_cell(park))
    patterns = sensitive_patterns(park)
    audit = audit or AuditLog(park.folder)
    vectors = {"boundary": park.boundary, "posts": park.posts, "incidents": park.incidents, **dict(park.features)}
    rasters = dict(park.rasters)
    done: dict[str, str] = {}
    for name in list(vectors) + list(rasters):
        if not is_sensitive(name, patterns):
            done[name] = "as recorded"
        elif exact:
            done[name] = "EXACT locations (manager's override)"
        elif drop:
            done[name] = "left out (sensitive)"
        else:
            done[name] = f"generalised to a {cell / 1000:g} km grid"
    detail = {"layers": done, "cell_m": cell, "reason": reason}
    audit.record(EXACT_EXPORT if exact else EXPORT, user, "outside export (zip of layers)", detail)

    files: dict[str, bytes] = {}
    for name, gdf in vectors.items():
        if gdf is None or not len(gdf) or done[name].startswith("left out"):
            continue
        if done[name].startswith("generalised"):
            by = ["type"] if "type" in gdf.columns else []
            gdf = generalise_points(gdf, cell, by=by)
        elif name == "incidents":  # exact or not sensitive: no source file paths
            gdf = gdf.drop(columns=[c for c in ("source_file",) if c in gdf.columns])
        files[f"{name}.geojson"] = _geojson(gdf)
    for name, layer in rasters.items():
        if done[name].startswith("left out"):
            continue
        data, transform, crs = _read_raster(layer)
        if done[name].startswith("generalised"):
            data, transform = generalise_raster(data, transform, cell)
        files[f"{name}.tif"] = _geotiff(data, transform, crs)
    lines = [f"{park.name}: layers for sharing outside the park.", ""]
    lines += [f"{name}: {how}" for name, how in done.items()]
    lines += ["", f"Generalised points are counted per {cell:g} m cell (the point is the cell's centre)."]
    files[README_NAME] = "\n".join(lines).encode("utf-8")
    files["export.json"] = json.dumps(detail, indent=1).encode("utf-8")
    return zip_bytes(files)
