"""ui.jobs: long calls run in the worker process (or thread), shared by identical requests, progress relayed."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from riskmodel.errors import RiskModelError
from ui import jobs, jobtasks


def test_identical_requests_share_one_run_and_others_wait_in_line():
    calls, lock = [], threading.Lock()
    gate = threading.Event()

    def compute(progress):
        with lock:
            calls.append(threading.current_thread().name)
        progress(0.5, "half way")
        gate.wait(5)
        return {"value": 42}

    key = ("test-shared", time.monotonic())
    seen = []
    results = []

    def session():
        results.append(jobs.result(key, compute, lambda f, m: seen.append((f, m))))

    threads = [threading.Thread(target=session) for _ in range(5)]
    for t in threads:
        t.start()
    time.sleep(3 * jobs.POLL_S)
    assert jobs.running() >= 1
    gate.set()
    for t in threads:
        t.join(10)
    assert len(calls) == 1 and calls[0].startswith("patrol-job"), "one run, on the worker thread"
    assert all(r is results[0] for r in results) and results[0] == {"value": 42}
    assert (0.5, "half way") in seen, "the waiting pages got the job's progress"
    assert jobs.result(key, lambda p: {"value": 0}) is results[0], "a later request gets the kept result"


def test_a_failed_job_is_not_kept():
    key = ("test-fail", time.monotonic())
    with pytest.raises(ValueError, match="bad input"):
        jobs.result(key, lambda p: (_ for _ in ()).throw(ValueError("bad input")))
    assert jobs.result(key, lambda p: "second try") == "second try"


def test_jobs_run_with_one_numeric_thread():
    from threadpoolctl import threadpool_info

    def compute(progress):
        return [i["num_threads"] for i in threadpool_info()]

    threads = jobs.result(("test-threads", time.monotonic()), compute)
    assert threads and set(threads) == {jobs.JOB_THREADS}


def test_array_key_follows_values():
    a = np.arange(6, dtype="float32").reshape(2, 3)
    assert jobs.array_key(a) == jobs.array_key(a.copy())
    b = a.copy()
    b[0, 0] = 9
    assert jobs.array_key(a) != jobs.array_key(b) and jobs.array_key(a) != jobs.array_key(a.astype("float64"))


# --- the worker process --------------------------------------------------------------
# Tasks sent to the worker process are top-level functions of an importable module.
def counted_task(progress, runs: str, gate: str):
    """Count the run in ``runs``, report half way, wait for ``gate`` to exist, return the worker's pid."""
    import os
    from pathlib import Path

    with open(runs, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    progress(0.5, "half way")
    deadline = time.monotonic() + 20
    while not Path(gate).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    progress(1.0, "done")
    return os.getpid()


class RowsError(RiskModelError):
    """A library error whose constructor pickle cannot call again."""

    def __init__(self, what: str, rows: int):
        super().__init__(f"{what}: {rows} rows left. Fix: choose an earlier cut-off")


def failing_task(progress, kind: str):
    progress(0.1, "starting")
    if kind == "library":
        raise RowsError("training table", 0)
    raise ValueError("bad input in row 3")


def worker_state(progress):
    import os

    from threadpoolctl import threadpool_info

    return os.getpid(), os.nice(0), sorted({i["num_threads"] for i in threadpool_info()})


def dying_task(progress):
    import os

    os._exit(3)


def test_process_jobs_share_one_run_and_relay_progress(tmp_path):
    runs, gate = tmp_path / "runs.txt", tmp_path / "gate"
    key = ("test-process-shared", time.monotonic())
    seen, results = [], []

    def session():
        results.append(jobs.result(key, counted_task, lambda f, m: seen.append((f, m)), args=(str(runs), str(gate))))

    threads = [threading.Thread(target=session) for _ in range(2)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120  # the first job also starts the worker
    while (0.5, "half way") not in seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (0.5, "half way") in seen, "the waiting pages got the worker's progress"
    gate.touch()
    for t in threads:
        t.join(60)
    assert len(results) == 2 and results[0] == results[1] != os.getpid(), "one result, from another process"
    assert runs.read_text().splitlines() == [str(results[0])], "two identical requests ran once"
    assert jobs.result(key, counted_task, args=(str(runs), str(gate))) == results[0], "later: the kept result"
    assert len(runs.read_text().splitlines()) == 1


def test_process_job_errors_reach_the_page_as_the_library_message():
    with pytest.raises(RiskModelError, match="training table: 0 rows left. Fix: choose an earlier cut-off") as err:
        jobs.result(("test-process-fail", time.monotonic()), failing_task, args=("library",))
    assert type(err.value) is RiskModelError, "the unpicklable subclass comes back as its library's root"
    with pytest.raises(ValueError, match="bad input in row 3"):
        jobs.result(("test-process-fail-2", time.monotonic()), failing_task, args=("other",))


def test_the_worker_runs_at_lower_priority_with_one_numeric_thread():
    pid, nice, threads = jobs.result(("test-process-state", time.monotonic()), worker_state, args=())
    assert pid != os.getpid()
    assert nice >= os.nice(0) + jobtasks.NICE or nice == 19
    assert threads == [jobs.JOB_THREADS]


def test_a_dead_worker_is_reported_and_replaced():
    with pytest.raises(jobs.JobFailed, match="try again"):
        jobs.result(("test-process-dies", time.monotonic()), dying_task, args=())
    pid, _, _ = jobs.result(("test-process-after", time.monotonic()), worker_state, args=())
    assert pid != os.getpid()


def main_file(progress):
    import sys

    return getattr(sys.modules.get("__mp_main__"), "__file__", None), getattr(sys.modules["__main__"], "__file__", None)


def test_the_worker_does_not_run_the_page_script(tmp_path, monkeypatch):
    import sys
    import types

    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('the page script ran in the worker')\n")
    page_main = types.ModuleType("__main__")
    page_main.__file__ = str(script)  # what streamlit makes __main__ while a page runs
    monkeypatch.setitem(sys.modules, "__main__", page_main)
    jobs.restart()  # a new worker, spawned while the page's __main__ is in place
    files = jobs.result(("test-process-main", time.monotonic()), main_file, args=())
    assert str(script) not in files
    assert sys.modules["__main__"] is page_main, "the page's __main__ is back"
