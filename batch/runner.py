"""The batch over every park folder of a directory, one Dask task per park.

:func:`run_batch` connects to a scheduler (``tcp://host:8786``) or starts a
``LocalCluster`` of worker processes, submits :func:`batch.task.run_park` for
each park, reports each park as it finishes, and writes the summary table
``OUT/summary.csv``.  A task that crashes its worker or raises an unexpected
error is recorded as failed with that error; the other parks go on.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from riskmodel.models import RECOMMENDED

from .defaults import (
    COL_ERROR,
    COL_PARK,
    COL_STATUS,
    HORIZON_MONTHS,
    STATUS_FAILED,
    SUMMARY_COLUMNS,
    SUMMARY_FILE,
    THREADS_PER_WORKER,
    WORKER_MEMORY_LIMIT,
)
from .errors import BatchError, SchedulerError
from .task import empty_row, run_park

Report = Callable[[int, int, dict], None] | None


def find_parks(parks_dir) -> list[Path]:
    """Every folder directly under ``parks_dir`` holding a ``park.toml``, sorted by name."""
    parks_dir = Path(parks_dir)
    if not parks_dir.is_dir():
        raise BatchError(f"{parks_dir}: no such folder. Fix: give the folder that holds the park folders")
    parks = sorted(p for p in parks_dir.iterdir() if p.is_dir() and (p / "park.toml").is_file())
    if not parks:
        raise BatchError(
            f"{parks_dir}: no park folder (a sub-folder with a park.toml) in it. "
            "Fix: point at the folder holding the parks, or draft a park.toml with python -m layers init"
        )
    return parks


def batch_options(
    train_until,
    plan: bool = False,
    report: bool = False,
    horizon_months: int = HORIZON_MONTHS,
    model: str = RECOMMENDED,
    types=None,
    teams: int | None = None,
    km: float | None = None,
) -> dict:
    """The options of a run, checked, as the JSON-able dict every task gets (and every fingerprint hashes)."""
    try:
        day = dt.date.fromisoformat(str(train_until))
    except ValueError as exc:
        raise BatchError(f"--train-until {train_until!r} is not a date. Fix: write it as YYYY-MM-DD") from exc
    return {
        "train_until": day.isoformat(),
        "horizon_months": int(horizon_months),
        "model": model,
        "types": list(types) if types else None,
        "plan": bool(plan),
        "report": bool(report),
        "teams": teams,
        "km": km,
    }


def check_out(out: Path, parks: list[Path]) -> None:
    """Refuse an output folder that is, or lies inside, one of the parks (their files are never written)."""
    out = out.resolve()
    for park in parks:
        p = park.resolve()
        if out == p or p in out.parents:
            raise BatchError(
                f"--out {out} lies inside the park folder {park}, whose files are never written. "
                "Fix: write the batch's outputs elsewhere, e.g. --out out/batch"
            )


def connect(scheduler: str | None = None, workers: int = 2, memory_limit: str = WORKER_MEMORY_LIMIT):
    """A ``dask.distributed.Client``: to ``scheduler`` when given, else to a new ``LocalCluster`` of ``workers`` processes."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise SchedulerError(
                f"cannot reach the Dask scheduler at {scheduler} ({exc}). Fix: start one with `dask scheduler` "
                "and workers with `dask worker " + scheduler + "`, or leave out --scheduler to run locally"
            ) from exc
    if workers < 1:
        raise BatchError(f"--workers {workers}: give at least one worker")
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=THREADS_PER_WORKER,
        processes=True,
        memory_limit=memory_limit,
        dashboard_address=":0",  # a free port: several clusters may run on one machine
    )
    return Client(cluster)


def run_batch(parks_dir, out, options: dict, client=None, report: Report = None) -> pd.DataFrame:
    """Run every park under ``parks_dir`` on the cluster of ``client``; write and return the summary.

    Parameters
    ----------
    parks_dir : path
        Folder holding the park folders.
    out : path
        Output folder: ``out/<park>/`` per park and ``out/summary.csv``.
    options : dict
        From :func:`batch_options`.
    client : distributed.Client, optional
        Default: a local cluster of two workers, closed at the end.
    report : callable, optional
        ``report(done, total, row)`` called as each park finishes.

    Returns
    -------
    pandas.DataFrame
        One row per park, columns :data:`batch.defaults.SUMMARY_COLUMNS`.
    """
    from distributed import as_completed

    parks = find_parks(parks_dir)
    out = Path(out)
    check_out(out, parks)
    out.mkdir(parents=True, exist_ok=True)
    own = client is None
    client = client or connect()
    try:
        # a new key per run: a key of an earlier run on the same client would give back that run's result
        futures = {
            client.submit(
                run_park, str(p.resolve()), str(out.resolve()), options, key=f"{p.name}-{uuid.uuid4().hex}", pure=False
            ): p
            for p in parks
        }
        rows = []
        for future in as_completed(futures):
            park = futures[future]
            if future.status == "finished":
                row = future.result()
            else:  # an unexpected error or a lost worker: recorded, the others go on
                exc = future.exception()
                row = {**empty_row(park.name), COL_ERROR: f"{type(exc).__name__}: {exc}"}
            rows.append(row)
            if report:
                report(len(rows), len(futures), row)
    finally:
        if own:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS)).sort_values(COL_PARK, ignore_index=True)
    summary[COL_STATUS] = summary[COL_STATUS].fillna(STATUS_FAILED)
    summary.to_csv(out / SUMMARY_FILE, index=False)
    return summary
