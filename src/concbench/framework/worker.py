"""The child side of a measurement: one fresh process runs one job's warm-ups and runs.

The worker loads the backend and scenario itself, from the same entry-point references
the parent resolved, so process-wide state (uvloop's policy, gevent's patching, a broken
import) never leaks into the parent or into another backend's runs. It reports over a
pipe, one message per run, so that the parent can store each run the moment it ends and
tell a slow run from a dead worker.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import EntryPoint
from multiprocessing.connection import Connection
from typing import Any

from .backend import Backend
from .cpuwork import calibrate
from .model import StepKind, Workload
from .recorder import Recorder
from .registry import BACKENDS_GROUP, SCENARIOS_GROUP, check_backend, check_scenario

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None  # type: ignore[assignment]

__all__ = ["WorkerRequest", "worker_main"]


@dataclass(frozen=True)
class WorkerRequest:
    """Everything a worker needs; plain data, since it crosses a process boundary."""

    scenario: str
    scenario_ref: str
    params: dict[str, Any]
    backend: str
    backend_ref: str
    options: dict[str, Any]
    warmup: int
    repeat: int


def worker_main(conn: Connection, request: WorkerRequest) -> None:
    """Entry point of the worker process. Sends ``ready``, then one message per run."""
    try:
        backend, workload = _prepare(request)
    except Exception:
        conn.send({"event": "failed", "run": 0, "error": _error_text()})
        return
    conn.send({"event": "ready"})
    outcome = _runs(conn, backend, workload, request)
    try:
        backend.close()  # before the last message: the parent stops this process once it has it
    except Exception:
        error = "while closing the backend: " + _error_text()
        outcome = outcome or {"event": "failed", "run": request.repeat, "error": error}
    conn.send(outcome or {"event": "done"})


def _runs(
    conn: Connection, backend: Backend, workload: Workload, request: WorkerRequest
) -> dict[str, Any] | None:
    """Warm-ups, then counted runs, one message each; the failure message if one raised."""
    for index in range(request.warmup + request.repeat):
        warmup = index < request.warmup
        run = index - request.warmup
        try:
            measurement = measure(backend, workload)
        except Exception:
            return {"event": "failed", "run": max(run, 0), "warmup": warmup, "error": _error_text()}
        conn.send({"event": "run", "run": run, "warmup": warmup, "measurement": measurement})
    return None


def _prepare(request: WorkerRequest) -> tuple[Backend, Workload]:
    scenario = EntryPoint(request.scenario, request.scenario_ref, SCENARIOS_GROUP).load()
    backend_cls = EntryPoint(request.backend, request.backend_ref, BACKENDS_GROUP).load()
    for problem in (
        check_scenario(request.scenario, scenario),
        check_backend(request.backend, backend_cls),
    ):
        if problem:
            raise TypeError(problem)
    workload: Workload = scenario.workload(request.params)
    if StepKind.CPU in workload.kinds:
        calibrate()  # once per worker, before any timed run
    backend_cls.prepare_process()  # a fresh process of its own, as own_process backends need
    backend: Backend = backend_cls(**request.options)
    return backend, workload


def measure(backend: Backend, workload: Workload) -> dict[str, Any]:
    """Run ``workload`` once on ``backend`` and return what the run record keeps."""
    recorder = Recorder(workload)
    started_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    usage_before = _usage()
    cpu_before = time.process_time()
    backend.execute(workload, recorder)
    cpu_s = time.process_time() - cpu_before
    usage_after = _usage()
    trace = recorder.trace()
    trace.check(workload)
    return {
        "started_at": started_at,
        "wall_s": trace.wall_s,
        "cpu_s": cpu_s,
        "voluntary_switches": usage_after[0] - usage_before[0],
        "involuntary_switches": usage_after[1] - usage_before[1],
        "peak_rss_kib": usage_after[2],
        "figures": trace.figures,
        **trace.summary(),
    }


def _usage() -> tuple[int, int, int]:
    if resource is None:  # pragma: no cover
        return (0, 0, 0)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_nvcsw, usage.ru_nivcsw, usage.ru_maxrss


def _error_text() -> str:
    """The exception with the innermost frames: enough to find the bug, short enough to show."""
    return "".join(traceback.format_exc(limit=-3)).strip()
