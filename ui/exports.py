"""Large downloads built once in the background, with progress, then offered (no streamlit in the worker).

A month's plan (hundreds of patrols, a PDF sheet each) takes minutes to zip:
built inside a download button's callback it blocks the page and the browser
gives up.  :func:`start` runs the library call in a worker thread of the
server process, which reports its progress into a :class:`Job`; the page polls
the job (a fragment that reruns every second) and shows the download button
when the bytes are ready.  Jobs are kept per server process (``st.cache_resource``),
so a job started before a reload is still there after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

MAX_JOBS = 6  # finished jobs kept per server process (their bytes stay in memory)


@dataclass
class Job:
    """One background export: its progress, then its bytes or its error."""

    key: tuple
    label: str
    fraction: float = 0.0
    message: str = "starting"
    data: bytes | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    members: dict = field(default_factory=dict)  # files read out of a finished zip, by name

    @property
    def done(self) -> bool:
        return self.finished is not None

    def progress(self, fraction: float, message: str = "") -> None:
        """The library's ``progress(fraction, message)`` callable."""
        self.fraction = min(max(float(fraction), self.fraction), 1.0)  # never moves back
        if message:
            self.message = message

    @property
    def elapsed_s(self) -> float:
        return (self.finished or time.monotonic()) - self.started


@st.cache_resource(show_spinner=False)
def _jobs() -> dict:
    """Jobs of this server process by key (oldest first), and the lock guarding them."""
    return {"jobs": {}, "lock": threading.Lock()}


def get(key: tuple) -> Job | None:
    """The job of ``key``, or ``None`` when none was started."""
    return _jobs()["jobs"].get(key)


def start(key: tuple, label: str, work: Callable[[Callable[[float, str], None]], bytes], errors=()) -> Job:
    """Start ``work(progress) -> bytes`` in a worker thread (once per key); return its job.

    ``errors`` are the exception classes reported as the job's error message;
    any other exception is reported as unexpected (never a traceback).
    """
    store = _jobs()
    with store["lock"]:
        job = store["jobs"].get(key)
        if job is not None and job.error is None:
            return job
        job = Job(key, label)
        store["jobs"][key] = job
        finished = [k for k, j in store["jobs"].items() if j.done]
        for old in finished[: max(0, len(store["jobs"]) - MAX_JOBS)]:
            store["jobs"].pop(old, None)

    def run() -> None:
        try:
            job.data = work(job.progress)
            job.progress(1.0, "ready")
        except errors as exc:
            job.error = str(exc)
        except Exception as exc:  # a bug must not end as a silent, endless spinner
            job.error = f"unexpected {type(exc).__name__}: {exc}. Please report it with the park folder."
        finally:
            job.finished = time.monotonic()

    threading.Thread(target=run, name=f"export-{label}", daemon=True).start()
    return job


def show(job: Job | None, start_label: str, file_name: str, mime: str, begin: Callable[[], Job], key: str) -> None:
    """The export's control: a button to start it, a progress bar while it runs, then the download."""
    if job is None:
        if st.button(start_label, key=f"{key}_start", width="stretch"):
            begin()
            st.rerun()
        return
    if job.error:
        st.error(f"{job.label} could not be made: {job.error}")
        if st.button(f"Try again: {start_label.lower()}", key=f"{key}_retry"):
            begin()
            st.rerun()
        return
    if not job.done:
        _progress(job, key)
        return
    size = len(job.data or b"") / 1e6
    st.download_button(
        f"{job.label} ({size:,.1f} MB)",
        data=job.data,
        file_name=file_name,
        mime=mime,
        on_click="ignore",
        key=f"{key}_download",
        type="primary",
        width="stretch",
    )


def zip_member(job: Job | None, name: str) -> bytes | None:
    """The file ``name`` of a finished zip job (read once), or ``None`` while it runs or when the zip lacks it."""
    if job is None or not job.done or not job.data:
        return None
    if name not in job.members:
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(job.data)) as zf:
            job.members[name] = zf.read(name) if name in zf.namelist() else None
    return job.members[name]


@st.fragment(run_every=1.0)
def _progress(job: Job, key: str) -> None:
    """Progress of a running job, redrawn every second; the whole page reruns once it is done."""
    if job.done:
        st.rerun(scope="app")
    st.progress(job.fraction, text=f"{job.label}: {job.message} ({job.elapsed_s:.0f} s)")
