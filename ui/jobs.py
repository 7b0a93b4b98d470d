"""Long library calls (risk fits, evaluations, month plans) off the server process, shared by every session.

Ten people at a headquarters share one server process on a small machine.
A fit asked for by one session runs in the job worker PROCESS (one, started
with ``spawn`` on first use; :mod:`ui.jobtasks`): at a lower CPU priority,
with one numeric thread, and with its own interpreter lock, so the sessions
that are only drawing pages keep the server's CPU and lock.  Identical
requests (same park files, same settings) from other sessions wait for the
same run instead of starting another, and later ones get the kept result at
once (``MAX_KEPT`` per server process, oldest finished dropped first).

The task reports ``progress(fraction, message)`` through a queue; a relay
thread of the server copies it into the :class:`Job`, and the page that waits
polls the job every ``POLL_S`` and moves its own bar.  Results come back by
pickling; a task's error comes back as the library's exception with its
message (:func:`ui.jobtasks.portable`), and a worker that dies (out of memory)
is replaced and its jobs fail with :class:`JobFailed`.

Calls that cannot be sent to another process (closures) run on one shared
worker thread of the server instead (``result(key, compute)`` without
``args``), with one numeric thread.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import sys
import threading
import time
import types
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from ui import jobtasks

MAX_KEPT = 8  # results kept per server process
POLL_S = 0.25  # how often a waiting page relays the job's progress
WORKERS = 1  # jobs run at once (the rest wait in line)
JOB_THREADS = 1  # BLAS/OpenMP threads of a running job
START_METHOD = "spawn"  # never fork a threaded server
WARM_MODULES = ("riskmodel.surface", "riskmodel.evaluation", "patrols.planner", "ui.common")


class JobFailed(RuntimeError):
    """The job worker process stopped (killed, out of memory) before the job finished."""


@dataclass
class Job:
    """One shared run: its future and the last progress it reported."""

    future: Future
    fraction: float = 0.0
    message: str = "Waiting for the server..."
    started: float = field(default_factory=time.monotonic)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def progress(self, fraction: float, message: str = "") -> None:
        self.fraction, self.message = float(fraction), message or self.message


@st.cache_resource(show_spinner=False)
def _registry() -> dict:
    """This process's jobs by key (running and finished), the lock, the worker thread and the worker process."""
    return {
        "jobs": {},
        "by_id": {},
        "lock": threading.Lock(),
        "pool": ThreadPoolExecutor(WORKERS, thread_name_prefix="patrol-job"),
        "processes": None,
        "queue": None,
    }


def _relay(queue, by_id: dict) -> None:
    """Copy the workers' progress messages into their jobs (a daemon thread of the server)."""
    while True:
        try:
            job_id, fraction, message = queue.get()
        except (EOFError, OSError):  # the queue is closed: the server is stopping
            return
        job = by_id.get(job_id)
        if job is not None:
            job.progress(fraction, message)


def _processes(reg: dict) -> ProcessPoolExecutor:
    """The job worker process pool, started (or restarted after a crash) when needed; call under the lock."""
    if reg["processes"] is not None:
        return reg["processes"]
    ctx = multiprocessing.get_context(START_METHOD)
    if reg["queue"] is None:
        reg["queue"] = ctx.Queue()
        threading.Thread(
            target=_relay, args=(reg["queue"], reg["by_id"]), name="patrol-job-progress", daemon=True
        ).start()
    reg["processes"] = ProcessPoolExecutor(
        WORKERS,
        mp_context=ctx,
        initializer=jobtasks.start_worker,
        initargs=(reg["queue"], JOB_THREADS, jobtasks.NICE, WARM_MODULES),
    )
    return reg["processes"]


def _limited(compute: Callable, job: Job):
    def run():
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - scikit-learn depends on it
            return compute(job.progress)
        with threadpool_limits(limits=JOB_THREADS):
            return compute(job.progress)

    return run


@contextmanager
def _plain_main():
    """A bare ``__main__`` while a worker is spawned (the pool starts its process inside ``submit``).

    A spawned process runs the parent's ``__main__`` file again; while a page
    runs, streamlit's ``__main__`` is the app script, which must not run in the worker.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _start(reg: dict, job: Job, compute: Callable, args: tuple | None) -> Future:
    if args is None:
        return reg["pool"].submit(_limited(compute, job))
    with _plain_main():
        try:
            return _processes(reg).submit(jobtasks.run_task, job.id, compute, tuple(args), JOB_THREADS)
        except BrokenProcessPool:  # the worker died since the last job: start a new one
            reg["processes"] = None
            return _processes(reg).submit(jobtasks.run_task, job.id, compute, tuple(args), JOB_THREADS)


def submit(key: tuple, compute: Callable, args: tuple | None = None) -> Job:
    """The job for ``key``: the running or finished one when there is one, else ``compute`` started now.

    Without ``args``, ``compute(progress)`` runs on the server's worker thread
    and must not touch streamlit.  With ``args``, ``compute(progress, *args)``
    runs in the job worker process: ``compute`` must be a top-level function
    of an importable module (:mod:`ui.jobtasks`) and ``args`` and its result
    must pickle.  ``progress(fraction, message)`` is the job's own.
    """
    reg = _registry()
    with reg["lock"]:
        jobs = reg["jobs"]
        job = jobs.get(key)
        if job is not None and not (job.future.done() and job.future.exception() is not None):
            return job  # running, or finished well: shared
        if job is not None:  # failed: run again
            reg["by_id"].pop(job.id, None)
        job = Job(Future())
        reg["by_id"][job.id] = job
        job.future = _start(reg, job, compute, args)
        jobs[key] = job
        finished = [k for k, j in jobs.items() if j.future.done()]
        while len(jobs) > MAX_KEPT and finished:
            reg["by_id"].pop(jobs.pop(finished.pop(0)).id, None)
    return job


def result(key: tuple, compute: Callable, progress: Callable[[float, str], None] | None = None, args=None):
    """Run (or share) the job for ``key`` and wait for it, relaying its progress to ``progress``.

    ``args`` sends the job to the worker process (see :func:`submit`).  Raises
    what ``compute`` raised (a failed job is not kept: the next request runs it
    again), or :class:`JobFailed` when the worker process died.
    """
    job = submit(key, compute, args)
    while True:
        try:
            return job.future.result(timeout=POLL_S)
        except TimeoutError:
            if progress is not None:
                progress(job.fraction, job.message)
        except BrokenProcessPool:
            reg = _registry()
            with reg["lock"]:
                reg["processes"] = None  # the next job starts a new worker
            raise JobFailed(
                "The server's job worker stopped before the job finished (out of memory, or stopped by the "
                "system). Fix: try again; if it stops again, close other work on the server or use a smaller park."
            ) from None


def restart() -> None:
    """Let the job worker process go: the next job starts a new one (running jobs finish in the old one)."""
    reg = _registry()
    with reg["lock"]:
        pool, reg["processes"] = reg["processes"], None
    if pool is not None:
        pool.shutdown(wait=False)


def warm() -> None:
    """Start the job worker now (it imports the libraries in the background), so the first fit does not wait for it."""
    submit(("warm-up",), jobtasks.warm_up, ())


def array_key(array) -> str:
    """A short digest of an array's values, for job keys (equal arrays, equal keys)."""
    a = np.ascontiguousarray(array)
    return hashlib.sha1(a.tobytes() + str((a.dtype, a.shape)).encode()).hexdigest()[:16]


def running() -> int:
    """How many jobs are running or waiting in this server process."""
    return sum(not j.future.done() for j in _registry()["jobs"].values())
