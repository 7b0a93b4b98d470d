"""What the job worker process runs: its start-up, the task wrapper and the dashboard's long library calls.

:mod:`ui.jobs` starts one worker process (``spawn``) with :func:`start_worker`
as its initializer: lower CPU priority, one numeric thread, the libraries
imported once.  Each job is :func:`run_task` with a task function of this
module (or any importable top-level function) and its picklable arguments;
the task's ``progress(fraction, message)`` goes through the queue the
server's relay thread reads.  The worker loads parks itself (from the
dashboard's signed disk cache, which the server wrote when it loaded the
park) and keeps the last ones it used, so the page sends only the folder.

Nothing here is imported at the top that a spawned worker would not need
before :func:`start_worker` has limited the numeric threads.
"""

from __future__ import annotations

import os
import pickle
from collections import OrderedDict
from collections.abc import Callable

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
NICE = 10  # how much lower the worker's CPU priority is than the server's
PARKS_KEPT = 2  # loaded parks a worker keeps in memory

_QUEUE = None  # the progress queue of this worker process (set by start_worker)
_PARKS: OrderedDict = OrderedDict()


def start_worker(queue, threads: int = 1, nice: int = NICE, warm: tuple[str, ...] = ()) -> None:
    """Initializer of the job worker: lower priority, ``threads`` numeric threads, ``warm`` modules imported."""
    global _QUEUE
    _QUEUE = queue
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    try:
        os.nice(nice)
    except OSError:  # pragma: no cover - not allowed on this system: same priority
        pass
    import importlib

    for module in warm:
        try:
            importlib.import_module(module)
        except ImportError:  # pragma: no cover - a missing optional part fails in its task, with its message
            pass
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)  # the numeric libraries already loaded
    import threading

    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="parent-watch", daemon=True).start()


def _exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """End this worker when the server that started it is gone (killed before it could stop its workers)."""
    import time

    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(0)


def report_progress(job_id: str) -> Callable[[float, str], None]:
    """The ``progress(fraction, message)`` of job ``job_id``: a message on the worker's queue."""

    def progress(fraction: float, message: str = "") -> None:
        if _QUEUE is not None:
            _QUEUE.put((job_id, float(fraction), str(message or "")))

    return progress


def portable(exc: BaseException) -> BaseException:
    """``exc`` when it survives pickling to the server, else an exception of its library's root with its message.

    The page then shows the library's own sentence (:func:`ui.common.run_library`).
    """
    try:
        back = pickle.loads(pickle.dumps(exc))
        if str(back) == str(exc):
            return exc
    except Exception:
        pass
    from ui.common import library_errors

    for cls in type(exc).__mro__:
        if cls in library_errors():
            return cls(str(exc))
    return RuntimeError(f"{type(exc).__name__}: {exc}")


def run_task(job_id: str, task: Callable, args: tuple, threads: int = 1):
    """Run ``task(progress, *args)`` in the worker; its error comes back as :func:`portable` made it."""
    from threadpoolctl import threadpool_limits

    try:
        with threadpool_limits(limits=threads):  # also the libraries a task loads itself
            return task(report_progress(job_id), *args)
    except Exception as exc:
        raise portable(exc) from None


def warm_up(progress) -> str:
    """A task that does nothing: the worker has started and imported the libraries."""
    return "ready"


# --- the dashboard's tasks --------------------------------------------------------
def worker_park(folder: str, content_stamp: str):
    """The park of ``folder`` in the worker: kept, else from the dashboard's disk cache, else loaded."""
    key = (folder, content_stamp)
    if key in _PARKS:
        _PARKS.move_to_end(key)
        return _PARKS[key]
    from layers.park import load_park
    from ui.common import disk_cached

    park = disk_cached("park", folder, content_stamp, lambda: load_park(folder))
    _PARKS[key] = park
    while len(_PARKS) > PARKS_KEPT:
        _PARKS.popitem(last=False)
    return park


def fit_task(progress, folder: str, content_stamp: str, model: str, train_until: str, horizon: int, weights: dict):
    """:func:`riskmodel.surface.fit_risk` on the park of ``folder``."""
    from riskmodel.surface import fit_risk

    park = worker_park(folder, content_stamp)
    return fit_risk(park, train_until, horizon, model=model, progress=progress, prior_weights=dict(weights))


def evaluate_task(progress, folder: str, content_stamp: str, train_until: str, horizon: int) -> dict:
    """:func:`riskmodel.evaluation.evaluate` on the park of ``folder``, as a dict."""
    from riskmodel.evaluation import evaluate

    park = worker_park(folder, content_stamp)
    return evaluate(park, train_until, horizon, progress=progress).to_dict()


def plan_task(progress, folder: str, content_stamp: str, user, risk, uncertainty, unsearched, start, days, settings):
    """:func:`patrols.planner.plan_patrols` over ``risk`` on the park as ``user`` sees it."""
    from access import guard
    from patrols.explore import learning_value
    from patrols.planner import plan_patrols

    park = guard.park_layers_for(user, worker_park(folder, content_stamp))
    value = learning_value(risk, uncertainty, unsearched)
    return plan_patrols(park, risk, start, int(days), **settings, progress=progress, uncertainty=value)


def scenarios_task(progress, folder: str, content_stamp: str, user, risk, scenarios: list, curve_steps: int):
    """:func:`patrols.scenarios.run_scenarios` (and the team curve when ``curve_steps``) over ``risk`` (a ``RiskInput``)."""
    from access import guard
    from patrols.scenarios import run_scenarios, team_curve
    from patrols.scenarios.run import ScenarioContext

    park = guard.park_layers_for(user, worker_park(folder, content_stamp))
    ctx = ScenarioContext(park, risk)
    results = run_scenarios(park, scenarios, context=ctx, progress=progress)
    curve = team_curve(park, ctx, steps=int(curve_steps), base_result=results[0]) if curve_steps else None
    return results, curve


def plan_zip_task(progress, folder: str, content_stamp: str, user, plan, surface) -> bytes:
    """The plan's zip as ``user`` may carry it (:func:`patrols.export.plan_zip_bytes` or, for a ranger,
    :func:`access.exports.plan_zip_for`), made in the worker on the park as ``user`` sees it."""
    from access import guard, roles
    from access.exports import plan_zip_for
    from patrols import export

    park = guard.park_layers_for(user, worker_park(folder, content_stamp))
    if roles.can(user, roles.PLANS_ALL) and roles.can(user, roles.RISK):
        return export.plan_zip_bytes(plan, park=park, risk=surface, progress=progress)
    progress(0.05, "making your patrols' files")
    return plan_zip_for(user, plan, park=park, risk=None if surface is None else surface.risk)


def suggest_task(progress, folder: str, content_stamp: str, user, risk, n: int, near_roads_km, method: str):
    """:func:`patrols.scenarios.suggest_posts` over ``risk`` (a ``RiskInput``) on the park as ``user`` sees it."""
    from access import guard
    from patrols.scenarios import suggest_posts

    park = guard.park_layers_for(user, worker_park(folder, content_stamp))
    return suggest_posts(park, risk, int(n), near_roads_km=near_roads_km, method=method, progress=progress)
