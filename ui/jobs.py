"""Long library calls (risk fits, evaluations, month plans) off the page's thread, shared by every session.

Ten people at a headquarters share one server process on a small machine.  A
fit asked for by one session runs on the server's worker thread, not on the
session's script thread; identical requests (same park files, same
settings) from other sessions wait for the same run instead of starting
another, and later ones get the kept result at once.  One worker runs one
job at a time, with the numeric libraries limited to one thread, so a fit
never takes every core from the sessions that are only drawing pages.

The page that asked keeps its progress bar: it polls the job (every
``POLL_S``) and relays the worker's progress to its own bar.  Results are
kept per server process (``MAX_KEPT``, oldest dropped first).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

MAX_KEPT = 8  # results kept per server process
POLL_S = 0.25  # how often a waiting page relays the job's progress
WORKERS = 1  # jobs run at once (the rest wait in line)
JOB_THREADS = 1  # BLAS/OpenMP threads of a running job


@dataclass
class Job:
    """One shared run: its future and the last progress it reported."""

    future: Future
    fraction: float = 0.0
    message: str = "Waiting for the server..."
    started: float = field(default_factory=time.monotonic)

    def progress(self, fraction: float, message: str = "") -> None:
        self.fraction, self.message = float(fraction), message or self.message


@st.cache_resource(show_spinner=False)
def _registry() -> dict:
    """This process's jobs by key (running and finished), with the lock and the worker pool."""
    return {"jobs": {}, "lock": threading.Lock(), "pool": ThreadPoolExecutor(WORKERS, thread_name_prefix="patrol-job")}


def _limited(compute: Callable, job: Job):
    def run():
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - scikit-learn depends on it
            return compute(job.progress)
        with threadpool_limits(limits=JOB_THREADS):
            return compute(job.progress)

    return run


def submit(key: tuple, compute: Callable[[Callable[[float, str], None]], object]) -> Job:
    """The job for ``key``: the running or finished one when there is one, else ``compute`` started now.

    ``compute(progress)`` runs on the worker thread and must not touch
    streamlit; ``progress(fraction, message)`` is the job's own.
    """
    reg = _registry()
    with reg["lock"]:
        jobs = reg["jobs"]
        job = jobs.get(key)
        if job is not None and not (job.future.done() and job.future.exception() is not None):
            return job  # running, or finished well: shared
        job = Job(Future())
        job.future = reg["pool"].submit(_limited(compute, job))
        jobs[key] = job
        finished = [k for k, j in jobs.items() if j.future.done()]
        while len(jobs) > MAX_KEPT and finished:
            jobs.pop(finished.pop(0))
    return job


def result(key: tuple, compute: Callable, progress: Callable[[float, str], None] | None = None):
    """Run (or share) the job for ``key`` and wait for it, relaying its progress to ``progress``.

    Raises what ``compute`` raised (a failed job is not kept: the next request
    runs it again).
    """
    job = submit(key, compute)
    while True:
        try:
            return job.future.result(timeout=POLL_S)
        except TimeoutError:
            if progress is not None:
                progress(job.fraction, job.message)


def array_key(array) -> str:
    """A short digest of an array's values, for job keys (equal arrays, equal keys)."""
    a = np.ascontiguousarray(array)
    return hashlib.sha1(a.tobytes() + str((a.dtype, a.shape)).encode()).hexdigest()[:16]


def running() -> int:
    """How many jobs are running or waiting in this server process."""
    return sum(not j.future.done() for j in _registry()["jobs"].values())
