"""One park's monthly run, as a Dask worker does it: risk map, score, plan and report.

:func:`run_park` never raises for a park's own problem (a missing boundary, too
little data): it returns a summary row with ``status="failed"`` and the error
message, so a broken park never stops the others.  It skips a park whose
fingerprint (:mod:`batch.fingerprint`) is the one its last successful run
recorded.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from layers.defaults import ATTACK_TYPES
from layers.errors import LayersError
from patrols.errors import PatrolsError
from riskmodel.errors import RiskModelError

from .defaults import (
    CODE_PACKAGES,
    COL_AUC,
    COL_CELLS,
    COL_CPU,
    COL_ERROR,
    COL_FILES,
    COL_FOUND,
    COL_PARK,
    COL_PEAK_MB,
    COL_REPORT,
    COL_SECONDS,
    COL_STATUS,
    MEMORY_SAMPLE_S,
    PLAN_FOLDER,
    RECORD_FILE,
    REPORT_FILE,
    RISK_FILE,
    STATUS_DONE,
    STATUS_FAILED,
    STATUS_UNCHANGED,
)
from .errors import BatchError
from .fingerprint import park_digests

PARK_ERRORS: tuple[type[BaseException], ...] = (LayersError, RiskModelError, PatrolsError, BatchError)


class PeakMemory:
    """Peak resident memory (MB) of this process while the ``with`` block runs, sampled by a thread."""

    def __init__(self, every_s: float = MEMORY_SAMPLE_S):
        import psutil  # installed with dask.distributed

        self._proc = psutil.Process()
        self._every = every_s
        self._stop = threading.Event()
        self.peak_mb = 0.0

    def _sample(self) -> None:
        self.peak_mb = max(self.peak_mb, self._proc.memory_info().rss / 1e6)

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self._sample()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def monitoring_report():
    """The ``monitoring`` package's ``(monthly_report, MonitoringError)``, or None when it is not installed.

    The one optional import of the batch runner: ``monitoring`` is a separate
    package that a worker may not have installed; its parks then get "not
    available" in the summary's report column instead of failing.
    """
    try:
        from monitoring.errors import MonitoringError
        from monitoring.report import monthly_report
    except ImportError:
        return None
    return monthly_report, MonitoringError


def empty_row(park: str) -> dict:
    """A summary row with nothing known yet."""
    return {
        COL_PARK: park,
        COL_STATUS: STATUS_FAILED,
        COL_SECONDS: float("nan"),
        COL_CPU: float("nan"),
        COL_PEAK_MB: float("nan"),
        COL_AUC: float("nan"),
        COL_FOUND: 0,
        COL_CELLS: 0,
        COL_REPORT: "not asked",
        COL_FILES: "",
        COL_ERROR: "",
    }


def code_packages(options: dict) -> tuple[str, ...]:
    """The packages whose code a run with ``options`` depends on."""
    return (*CODE_PACKAGES, "monitoring") if options.get("report") else CODE_PACKAGES


def previous_run(out: Path, fingerprint: str) -> dict | None:
    """The recorded row of the last successful run with this fingerprint whose files are all still there."""
    record = out / RECORD_FILE
    if not record.exists():
        return None
    try:
        saved = json.loads(record.read_text())
    except (OSError, ValueError):
        return None  # unreadable: run again
    row = saved.get("row", {})
    files = [f for f in str(row.get(COL_FILES, "")).split(";") if f]
    if saved.get("fingerprint") != fingerprint or row.get(COL_STATUS) != STATUS_DONE:
        return None
    if not all((out.parent / f).exists() for f in files):
        return None
    return row


def found_auc(risk: np.ndarray, counts: np.ndarray, mask: np.ndarray) -> tuple[float, int]:
    """AUC of ``risk`` against the cells with a found incident (``counts`` summed over the horizon), and their number."""
    from riskmodel.metrics import roc_auc

    found = counts.sum(axis=0)[mask]
    n = int(found.sum())
    if n == 0 or (found > 0).all():
        return float("nan"), n
    return float(roc_auc(risk[mask], found > 0)), n


def run_park(folder, out_root, options: dict) -> dict:
    """Run one park: fit and write its risk map; score it; plan and report when asked.

    Parameters
    ----------
    folder : path
        The park folder (holding ``park.toml``).
    out_root : path
        The batch's output folder; this park writes into ``out_root/<folder name>/``.
    options : dict
        ``train_until`` (``YYYY-MM-DD``), ``horizon_months``, ``model``, ``types``
        (list of incident types), ``plan`` and ``report`` (bool), ``teams``, ``km``.

    Returns
    -------
    dict
        The park's summary row (:data:`batch.defaults.SUMMARY_COLUMNS`).
    """
    folder, out_root = Path(folder), Path(out_root)
    out = out_root / folder.name
    row = empty_row(folder.name)
    t0, cpu0 = time.perf_counter(), time.process_time()
    try:
        digests = park_digests(folder, options, code_packages(options))
        fingerprint = hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()
        before = previous_run(out, fingerprint)
        if before is not None:
            return {**before, COL_STATUS: STATUS_UNCHANGED, COL_SECONDS: time.perf_counter() - t0}
        out.mkdir(parents=True, exist_ok=True)
        with PeakMemory() as mem:
            written = _run(folder, out, options, row)
        row.update({COL_STATUS: STATUS_DONE, COL_PEAK_MB: round(mem.peak_mb, 1)})
        row[COL_FILES] = ";".join(str(p.relative_to(out_root)) for p in written)
        row[COL_SECONDS] = round(time.perf_counter() - t0, 2)
        row[COL_CPU] = round(time.process_time() - cpu0, 2)
        (out / RECORD_FILE).write_text(
            json.dumps({"fingerprint": fingerprint, "inputs": digests, "options": options, "row": row}, indent=1)
        )
    except PARK_ERRORS as exc:
        row.update({COL_STATUS: STATUS_FAILED, COL_ERROR: str(exc), COL_SECONDS: round(time.perf_counter() - t0, 2)})
    return row


def _run(folder: Path, out: Path, options: dict, row: dict) -> list[Path]:
    from layers.park import load_park
    from riskmodel.cli.fit import refuse_park_inputs
    from riskmodel.surface import fit_risk, park_arrays

    types = tuple(options.get("types") or ATTACK_TYPES)
    horizon = int(options["horizon_months"])
    park = load_park(folder)
    risk_path = out / RISK_FILE
    refuse_park_inputs(park, risk_path)
    arr = park_arrays(park, types)
    surface = fit_risk(park, options["train_until"], horizon, model=options["model"], types=types, arrays=arr)
    written = surface.write(risk_path)
    row[COL_CELLS] = int(arr.mask.sum())
    n_train = arr.n_train(options["train_until"])
    scored = arr.counts[n_train : n_train + horizon]
    if len(scored) == horizon:  # the horizon's finds are in the data: score the map against them
        row[COL_AUC], row[COL_FOUND] = found_auc(surface.risk, scored, arr.mask)
    plan = None
    if options.get("plan"):
        plan, files = _plan(park, surface, out, options)
        written += files
    if options.get("report"):
        report = monitoring_report()
        if report is None:
            row[COL_REPORT] = "not available"
        else:
            monthly_report, monitoring_error = report
            month = str(surface.periods[0] - 1)
            try:
                summary = monthly_report(park, month, out / REPORT_FILE, risk=surface, plan=plan)
            except monitoring_error as exc:
                raise BatchError(f"monthly report of {month}: {exc}") from exc
            row[COL_REPORT] = "written"
            written.append(Path(summary.path))
    return [Path(p) for p in written]


def _plan(park, surface, out: Path, options: dict):
    """Next month's plan over the risk map, written to ``out/plan`` (the previous run's plan replaced)."""
    from patrols.export import write_plan
    from patrols.planner import plan_patrols

    start = surface.periods[0].start_time.date()
    days = int((surface.periods[-1].end_time.normalize() - pd.Timestamp(start)).days) + 1
    reward = np.where(park.grid.mask, np.nan_to_num(surface.risk, nan=0.0), 0.0)
    kwargs = {k: options[k] for k in ("teams", "km") if options.get(k) is not None}
    plan = plan_patrols(park, reward, start=start, days=days, **kwargs)
    target, fresh = out / PLAN_FOLDER, out / (PLAN_FOLDER + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    files = write_plan(plan, fresh, park=park, risk=surface)
    shutil.rmtree(target, ignore_errors=True)
    fresh.rename(target)
    return plan, [target / Path(f).relative_to(fresh) for f in files]
