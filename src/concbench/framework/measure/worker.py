"""The child side of a measurement: one fresh process runs one job's warm-ups and runs.

The worker loads the backend and scenario itself, from the same entry-point references
the parent resolved, so process-wide state (uvloop's policy, gevent's patching, a broken
import) never leaks into the parent or into another backend's runs. It reports over a
pipe, one message per run, so that the parent can store each run the moment it ends and
tell a slow run from a dead worker.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import EntryPoint
from multiprocessing.connection import Connection
from typing import Any

from ..analysis.decompose import decompose
from ..model.backend import Backend
from ..model.cpuwork import calibrate
from ..model.recorder import Recorder
from ..model.trace import Trace
from ..model.workload import StepKind, Workload
from ..store.tracestore import MAX_STORED_TASKS, StoredTrace, TraceStore
from .instructions import Counter
from .ioserver import ensure_open_files, open_files_needed
from .isolation import check_leftovers, contain, exit_if_stuck, running
from .protocol import send
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
    keep_traces: int = 1
    """How many counted runs (the first ones) keep their full trace."""
    traces_path: str = ""
    """Where kept traces are appended (``<store>.traces.jsonl``); empty keeps none."""
    io_address: tuple[str, int] | None = None
    """The latency server the runner started for this job, when the workload makes requests."""
    log_path: str = ""
    """Where the worker's stdout and stderr go; the parent reads its tail after a fault."""
    instructions_dir: str = ""
    """Set in instruction mode: the worker runs under callgrind and counts into it."""


def worker_main(conn: Connection, request: WorkerRequest) -> None:
    """Entry point of the worker process. Sends ``ready``, then one message per run."""
    contain(request.log_path or os.devnull)
    try:
        _serve(conn, request)
    finally:
        exit_if_stuck()


def _serve(conn: Connection, request: WorkerRequest) -> None:
    # BaseException too: a plugin's sys.exit() is a fault of that run, reported like any other
    try:
        backend, workload = _prepare(request)
        counter = Counter(request.instructions_dir) if request.instructions_dir else None
    except BaseException:
        send(conn, {"event": "failed", "run": 0, "error": _error_text()})
        return
    send(conn, {"event": "ready"})
    alive_before = running()
    outcome = _runs(conn, backend, workload, request, counter)
    try:
        backend.close()  # before the last message: the parent stops this process once it has it
        if type(backend).keeps_workers:
            check_leftovers(alive_before)
    except BaseException:
        error = "while closing the backend: " + _error_text()
        outcome = outcome or {"event": "failed", "run": request.repeat, "error": error}
    send(conn, outcome or {"event": "done"})


def _runs(
    conn: Connection,
    backend: Backend,
    workload: Workload,
    request: WorkerRequest,
    counter: Counter | None = None,
) -> dict[str, Any] | None:
    """Warm-ups, then counted runs, one message each; the failure message if one raised."""
    traces = TraceStore(request.traces_path) if request.traces_path else None
    for index in range(request.warmup + request.repeat):
        warmup = index < request.warmup
        run = index - request.warmup
        try:
            measurement, trace = measure(backend, workload, counter)
        except BaseException:
            return {"event": "failed", "run": max(run, 0), "warmup": warmup, "error": _error_text()}
        if not warmup:
            measurement["id"] = uuid.uuid4().hex
            keep = run < request.keep_traces and len(workload.tasks) <= MAX_STORED_TASKS
            if traces is not None and keep:
                # traces are large: they go straight to their file, never through the pipe
                traces.append(StoredTrace.capture(measurement["id"], trace, workload))
                measurement["trace_stored"] = True
        send(conn, {"event": "run", "run": run, "warmup": warmup, "measurement": measurement})
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
    if StepKind.IO in workload.kinds:
        ensure_open_files(open_files_needed(workload.io_connections))
        workload = dataclasses.replace(workload, io_address=request.io_address)
    backend_cls.prepare_process()  # a fresh process of its own, as own_process backends need
    backend: Backend = backend_cls(**request.options)
    return backend, workload


def measure(
    backend: Backend, workload: Workload, counter: Counter | None = None
) -> tuple[dict[str, Any], Trace]:
    """Run ``workload`` once on ``backend``; return what the run record keeps, and the trace.

    With a ``counter`` (instruction mode), the instructions of ``execute`` are counted too.
    """
    recorder = Recorder(workload)
    started_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    alive_before = running()
    # The harness's own objects (modules, the workload, the last run's figures) must not be
    # traced by the collector inside the run: collect them now, then freeze them, so the
    # run's garbage collections cost what the workload's own objects cost.
    gc.collect()
    gc.freeze()
    usage_before = _usage()
    cpu_before = time.process_time()
    if counter is not None:
        counter.start()  # the last thing before the run and the first after: both constant
    try:
        backend.execute(workload, recorder)
    finally:
        counted = counter.stop() if counter is not None else None
        cpu_s = time.process_time() - cpu_before
        usage_after = _usage()
        gc.unfreeze()
    trace = recorder.trace()
    trace.check(workload)
    if not type(backend).keeps_workers:
        check_leftovers(alive_before)
    return {
        **decompose(
            trace, workload, type(backend).blocks_scheduler, backend.concurrency(backend.config)
        ),
        "cores": os.cpu_count(),
        "started_at": started_at,
        "wall_s": trace.wall_s,
        "cpu_s": cpu_s,
        "voluntary_switches": usage_after[0] - usage_before[0],
        "involuntary_switches": usage_after[1] - usage_before[1],
        "peak_rss_kib": usage_after[2],
        "figures": trace.figures,
        **trace.summary(),
        **({} if counted is None else {"instructions": counted}),
    }, trace


def _usage() -> tuple[int, int, int]:
    if resource is None:  # pragma: no cover
        return (0, 0, 0)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_nvcsw, usage.ru_nivcsw, usage.ru_maxrss


def _error_text() -> str:
    """The exception with the innermost frames: enough to find the bug, short enough to show."""
    return "".join(traceback.format_exc(limit=-3)).strip()
