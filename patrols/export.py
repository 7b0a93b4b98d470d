"""Field files of a patrol plan: GPX, KML, GeoJSON, waypoint CSV, the PDF sheet, summaries and one zip.

Patrols hold their coordinates in the park's metric CRS; every file written
here is in WGS84 longitude/latitude (7 decimals, about 1 cm), except the UTM
columns of the waypoint CSV.  Each format has a ``*_bytes`` function (for
download buttons, nothing touches the disk) and a ``write_*`` function that
writes those bytes to a path.  :func:`write_plan` writes every file of every
patrol of a plan into one folder, with the plan summary and ``plan.zip``, and
refuses to overwrite files it did not write itself.

The formats live in their own modules and are all reachable from here:
:mod:`patrols.gpx_kml` (GPX, KML), :mod:`patrols.tables` (waypoint table and
CSV, GeoJSON, plan summary), :mod:`patrols.sheet` (PDF sheet), with the
coordinates in :mod:`patrols.coords`, distances and elevations along the route
in :mod:`patrols.profile` and names and colours in :mod:`patrols.labels`.  This
module writes them: one patrol's files, a plan's folder and its zip.

Examples
--------
>>> import datetime as dt
>>> from patrols.route import Patrol, Waypoint
>>> p = Patrol("P1", "Alpha", 1, dt.date(2026, 12, 1), "foot",
...            [(500000, 8000000), (502000, 8000000), (500000, 8000000)], "EPSG:32736",
...            waypoints=[Waypoint("Alpha", 500000, 8000000, kind="post")])
>>> round(p.length_km, 1)
4.0
>>> waypoint_table(p)[["name", "utm_zone", "easting_m"]].to_dict("records")
[{'name': 'Alpha', 'utm_zone': '36K', 'easting_m': 500000.0}]
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

from .coords import latitude_band, lonlat, utm_crs
from .defaults import EXPORT_MAX_WORKERS, EXPORT_PARALLEL_MIN_PATROLS
from .errors import ExportError
from .gpx_kml import gpx_bytes, kml_bytes
from .labels import describe, safe_name, team_colour
from .navpoints import with_navigation_waypoints
from .profile import waypoint_distances_km
from .roster import ROSTER_NAME, roster_pdf_bytes
from .route import Patrol, Plan
from .sheet import sheet_context, sheet_pdf
from .tables import (
    geojson_bytes,
    plan_id,
    plan_summary,
    summary_json_bytes,
    unique_waypoints,
    waypoint_table,
    waypoints_csv_bytes,
)

__all__ = [
    "describe",
    "EXPORT_MARKER",
    "export_workers",
    "geojson_bytes",
    "gpx_bytes",
    "kml_bytes",
    "lonlat",
    "patrol_files",
    "plan_id",
    "plan_summary",
    "plan_zip_bytes",
    "zip_bytes",
    "roster_pdf_bytes",
    "sheet_context",
    "safe_name",
    "sheet_pdf_bytes",
    "summary_json_bytes",
    "team_colour",
    "unique_waypoints",
    "latitude_band",
    "utm_crs",
    "waypoint_distances_km",
    "waypoint_table",
    "waypoints_csv_bytes",
    "write_geojson",
    "write_gpx",
    "write_kml",
    "write_plan",
    "write_sheet_pdf",
    "write_waypoints_csv",
]

EXPORT_MARKER = "plan-export.json"  # written into an export folder: which plan, which files
ZIP_NAME = "plan.zip"

Progress = Callable[[float, str], None]


# --- the PDF sheet ------------------------------------------------------------
def sheet_pdf_bytes(
    patrol: Patrol, risk=None, grid=None, boundary=None, park_name: str | None = None, landmarks=None
) -> bytes:
    """The printable one-page A4 PDF sheet of a patrol (see :mod:`patrols.sheet`).

    ``landmarks`` (:func:`patrols.landmarks.landmarks_from_park`, made once per
    plan) puts roads, rivers, waterholes, fords, villages and terrain on its map.
    """
    return sheet_pdf(patrol, risk=risk, grid=grid, boundary=boundary, park_name=park_name, landmarks=landmarks)


# --- writing one patrol -------------------------------------------------------
def _write(path, data: bytes) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}; choose a folder you can write to") from exc
    return path


def write_gpx(patrol: Patrol, path) -> Path:
    """Write the patrol's GPX 1.1 file (see :func:`gpx_bytes`); returns the path."""
    return _write(path, gpx_bytes(patrol))


def write_kml(patrol: Patrol, path) -> Path:
    """Write the patrol's KML file (see :func:`kml_bytes`); returns the path."""
    return _write(path, kml_bytes(patrol))


def write_geojson(patrol: Patrol, path) -> Path:
    """Write the patrol's GeoJSON file (see :func:`geojson_bytes`); returns the path."""
    return _write(path, geojson_bytes(patrol))


def write_waypoints_csv(patrol: Patrol, path) -> Path:
    """Write the patrol's waypoint CSV (see :func:`waypoint_table`); returns the path."""
    return _write(path, waypoints_csv_bytes(patrol))


def write_sheet_pdf(
    patrol: Patrol, path, risk=None, grid=None, boundary=None, park_name: str | None = None, landmarks=None
) -> Path:
    """Write the patrol's one-page A4 PDF sheet; ``risk`` is an array on ``grid``, ``boundary`` a geometry in the park CRS."""
    return _write(path, sheet_pdf_bytes(patrol, risk, grid, boundary, park_name, landmarks))


# --- a whole plan -------------------------------------------------------------
def patrol_files(
    patrol: Patrol, risk=None, grid=None, boundary=None, park_name: str | None = None, landmarks=None
) -> dict[str, bytes]:
    """The five files of one patrol, ``{relative path: bytes}`` under ``<patrol_id>/``.

    Every file lists the same waypoints: the patrol's own with the turn points
    and checkpoints of :func:`patrols.navpoints.with_navigation_waypoints`.
    """
    patrol = with_navigation_waypoints(patrol)  # once, for all five files
    folder = safe_name(patrol.patrol_id)
    stem = f"{folder}/{folder}"
    return {
        f"{stem}.gpx": gpx_bytes(patrol),
        f"{stem}.kml": kml_bytes(patrol),
        f"{stem}.geojson": geojson_bytes(patrol),
        f"{stem}_waypoints.csv": waypoints_csv_bytes(patrol),
        f"{stem}_sheet.pdf": sheet_pdf_bytes(patrol, risk, grid, boundary, park_name, landmarks),
    }


def export_workers(n_patrols: int) -> int:
    """How many processes draw the sheets of a plan of ``n_patrols`` by default (1: this one)."""
    if n_patrols < EXPORT_PARALLEL_MIN_PATROLS:
        return 1
    return max(1, min(os.cpu_count() or 1, EXPORT_MAX_WORKERS))


_WORKER_CONTEXT: dict = {}


def _init_worker(context: dict) -> None:
    _WORKER_CONTEXT.clear()
    _WORKER_CONTEXT.update(context)


def _worker_files(patrol: Patrol) -> dict[str, bytes]:
    return patrol_files(patrol, **_WORKER_CONTEXT)


def _each_patrol_files(patrols: list[Patrol], context: dict, workers: int | None, progress, share: float):
    """``(patrol, files)`` for every patrol, in order; drawn by ``workers`` processes when more than one."""
    n = max(len(patrols), 1)
    workers = export_workers(len(patrols)) if workers is None else max(int(workers), 1)
    done = {}
    if workers > 1 and len(patrols) > 1:
        import multiprocessing
        import pickle
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        try:  # spawn, not fork: the app's threads must not be copied into the workers
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(context,)) as pool:
                futures = {pool.submit(_worker_files, p): i for i, p in enumerate(patrols)}
                for k, future in enumerate(as_completed(futures)):
                    done[futures[future]] = future.result()
                    if progress is not None:
                        progress(share * (k + 1) / n, f"files of {k + 1} of {n} patrols made ({workers} processes)")
        except (BrokenProcessPool, OSError, pickle.PicklingError):
            done = {}  # no worker processes here: draw in this one
    for i, patrol in enumerate(patrols):
        if i not in done:
            if progress is not None:
                progress(share * i / n, f"writing the files of patrol {patrol.patrol_id} ({i + 1} of {n})")
            done[i] = patrol_files(patrol, **context)
        yield patrol, done.pop(i)


def _plan_files(
    plan: Plan,
    park=None,
    risk=None,
    progress: Progress | None = None,
    roster: bool = True,
    workers: int | None = None,
) -> dict[str, bytes]:
    """Every file of a plan's export; the sheets are drawn once, for their own files and the roster."""
    ids = [safe_name(p.patrol_id) for p in plan.patrols]
    seen: set[str] = set()
    dupes = sorted({i for i in ids if i in seen or seen.add(i)})
    if dupes:
        raise ExportError(f"patrol ids must be unique to get one folder each; repeated: {', '.join(dupes[:5])}")
    if progress is not None:
        progress(0.0, "reading the map layers of the sheets (roads, rivers, terrain)")
    context = sheet_context(park=park, risk=risk)
    context["park_name"] = context["park_name"] or plan.park
    files: dict[str, bytes] = {}
    sheets: dict[str, bytes] = {}
    share = 0.9 if roster else 0.97
    for patrol, made in _each_patrol_files(plan.patrols, context, workers, progress, share):
        files.update(made)
        sheets[patrol.patrol_id] = next(v for k, v in made.items() if k.endswith("_sheet.pdf"))
    files["summary.csv"] = plan_summary(plan).to_csv(index=False).encode("utf-8-sig")
    files["summary.json"] = summary_json_bytes(plan)
    if roster and plan.patrols:
        if progress is not None:
            progress(share, f"putting the {len(sheets)} sheets into one roster PDF")
        files[ROSTER_NAME] = roster_pdf_bytes(plan, park=park, sheets=sheets, landmarks=context["landmarks"])
    return files


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """``{name: bytes}`` as one zip (fixed dates, so equal inputs give equal bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def plan_zip_bytes(
    plan: Plan,
    park=None,
    risk=None,
    progress: Progress | None = None,
    roster: bool = True,
    workers: int | None = None,
) -> bytes:
    """Every file of :func:`write_plan` (except ``plan.zip`` itself) as the bytes of one zip.

    ``progress(fraction, message)`` is called as each patrol's files are made;
    ``roster`` adds ``roster.pdf`` (every sheet in one PDF, see
    :func:`patrols.roster.roster_pdf_bytes`); ``workers`` processes draw the
    sheets (by default :func:`export_workers`: several for a large plan).
    """
    data = zip_bytes(_plan_files(plan, park=park, risk=risk, progress=progress, roster=roster, workers=workers))
    if progress is not None:
        progress(0.99, "zipping")
    if progress is not None:
        progress(1.0, "zip ready")
    return data


def _check_out_dir(out_dir: Path, pid: str) -> list[str]:
    """Files of a previous export of plan ``pid`` in ``out_dir``; raise if anything else is there."""
    if not out_dir.exists():
        return []
    if not out_dir.is_dir():
        raise ExportError(f"{out_dir} is a file, not a folder; choose an empty folder for the plan's files")
    present = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())
    if not present:
        return []
    marker = out_dir / EXPORT_MARKER
    previous: dict = {}
    if marker.is_file():
        try:
            previous = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
    if not previous:
        raise ExportError(
            f"{out_dir} already holds {len(present)} file(s) that are not a plan export "
            f"(e.g. {', '.join(present[:3])}); choose an empty folder so nothing of yours is overwritten"
        )
    if previous.get("plan_id") != pid:
        raise ExportError(
            f"{out_dir} holds the export of another plan ({previous.get('plan_id')!r}, this one is {pid!r}); "
            "choose an empty folder, or delete that folder first if the old plan is no longer needed"
        )
    ours = set(previous.get("files", [])) | {EXPORT_MARKER}
    foreign = [p for p in present if p not in ours]
    if foreign:
        raise ExportError(
            f"{out_dir} holds file(s) not written by the previous export of plan {pid!r} "
            f"(e.g. {', '.join(foreign[:3])}); choose an empty folder so nothing of yours is overwritten"
        )
    return sorted(ours - {EXPORT_MARKER})


def write_plan(
    plan: Plan,
    out_dir,
    park=None,
    risk=None,
    progress: Progress | None = None,
    roster: bool = True,
    workers: int | None = None,
) -> list[Path]:
    """Write every field file of a plan into ``out_dir``.

    For each patrol ``<out_dir>/<patrol_id>/`` gets a GPX, KML, GeoJSON,
    waypoint CSV and PDF sheet; ``out_dir`` gets ``summary.csv``,
    ``summary.json``, ``roster.pdf`` (a cover listing the patrols by day and
    post, then every sheet) and ``plan.zip`` (all of those files).

    Parameters
    ----------
    plan : Plan
    out_dir : path
        An empty (or new) folder, or the folder of a previous export of the
        same plan (see :func:`plan_id`), whose files are then replaced.
    park : layers.park.Park, optional
        Gives the boundary and name on the PDF sheets, and the grid of a bare
        ``risk`` array.
    risk : RiskSurface, (array, Grid) or array, optional
        The risk background of the PDF sheets.
    progress : callable, optional
        ``progress(fraction, message)``, called as each patrol's files are made.
    roster : bool
        Whether to write ``roster.pdf``.
    workers : int, optional
        Processes drawing the sheets; by default :func:`export_workers`
        (one for a small plan, up to 4 for a large one).

    Returns
    -------
    list of Path
        Every file written, ``plan.zip`` last.

    Raises
    ------
    ExportError
        ``out_dir`` holds files not written by a previous export of this plan,
        or a file cannot be written.
    """
    out_dir = Path(out_dir)
    pid = plan_id(plan)
    old = _check_out_dir(out_dir, pid)
    files = _plan_files(plan, park=park, risk=risk, progress=progress, roster=roster, workers=workers)
    if progress is not None:
        progress(0.95, "writing files and the zip")
    zip_data = zip_bytes(files)
    names = [*files, ZIP_NAME]
    for stale in set(old) - set(names):  # files of the previous export of this plan that are gone now
        try:
            (out_dir / stale).unlink(missing_ok=True)
            parent = (out_dir / stale).parent
            if parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
        except OSError as exc:
            raise ExportError(f"cannot remove the old file {out_dir / stale}: {exc.strerror or exc}") from exc
    # the marker goes first (listing old and new files), so an interrupted export can be redone
    marker = {"plan_id": pid, "park": plan.park, "files": sorted(set(names) | set(old))}
    _write(out_dir / EXPORT_MARKER, json.dumps(marker, ensure_ascii=False, indent=1).encode("utf-8"))
    written = [_write(out_dir / name, data) for name, data in files.items()]
    written.append(_write(out_dir / ZIP_NAME, zip_data))
    marker["files"] = names
    _write(out_dir / EXPORT_MARKER, json.dumps(marker, ensure_ascii=False, indent=1).encode("utf-8"))
    if progress is not None:
        progress(1.0, f"{len(written)} files written to {out_dir}")
    return written
