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
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import EntryPoint
from multiprocessing.connection import Connection
from typing import Any

from ..analysis.decompose import record_fields
from ..analysis.latency import arrival_fields
from ..model.backend import Backend
from ..model.calls import bind, inline_sync
from ..model.cpuwork import adopt, calibrate, check
from ..model.errors import PluginError
from ..model.recorder import Recorder
from ..model.trace import Trace
from ..model.workload import ModelError, StepKind, Workload
from ..store.resultstore import StoreError
from ..store.tracestore import MAX_STORED_TASKS, StoredTrace, TraceStore
from .instructions import Counter
from .ioserver import ensure_open_files, open_files_needed
from .isolation import check_leftovers, contain, exit_if_stuck, running
from .protocol import send
from .registry import BACKENDS_GROUP, SCENARIOS_GROUP, check_backend, check_scenario
from .schedstat import Region, ThreadExits
from .solo import nominal_fields, solo_times

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
    endpoints: tuple[tuple[str, str], ...] = ()
    """How to reach the servers the workload asked for (``Workload.services``)."""
    log_path: str = ""
    """Where the worker's stdout and stderr go; the parent reads its tail after a fault."""
    calibration_rate: float | None = None
    """The sweep's CPU rate; adopted, then checked quickly if the workload has cpu steps."""
    helper_pids: tuple[int, ...] = ()
    """Processes the runs depend on besides the worker's own children (the latency server)."""
    retries_disturbed: int = 0
    """How many times a disturbed counted run is run again, at once, in this process."""
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
        common = _calibration(request, workload)
        counter = Counter(request.instructions_dir) if request.instructions_dir else None
    except BaseException:
        send(conn, {"event": "failed", "run": 0, "error": _error_text()})
        return
    send(conn, {"event": "ready"})
    alive_before = running()
    outcome = _runs(conn, backend, workload, request, common, counter=counter)
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
    common: dict[str, Any],
    *,
    counter: Counter | None = None,
) -> dict[str, Any] | None:
    """Warm-ups, then counted runs, one message each; the failure message if one raised.

    A counted run that comes out disturbed is sent with ``retry`` set and run again at
    once, up to ``retries_disturbed`` times: the replacement shares the process, the unit
    of replication, and the parent stores every attempt.
    """
    traces = TraceStore(request.traces_path) if request.traces_path else None
    helpers = request.helper_pids
    short = _warmup_copy(workload) if request.warmup else workload
    for index in range(request.warmup):
        try:
            measurement, _ = measure(backend, short, helpers, counter)
        except BaseException:
            return {"event": "failed", "run": 0, "warmup": True, "error": _error_text()}
        send(
            conn,
            {
                "event": "run",
                "run": index - request.warmup,
                "warmup": True,
                "measurement": measurement,
            },
        )
    if StepKind.CALL in workload.kinds:  # after the warm-ups: imports and caches are warm

        def alone(solo_workload: Workload) -> Trace:
            """The solo run, again while disturbed; if every attempt was, the least one."""
            attempts: list[tuple[float, int, Trace]] = []
            for _ in range(request.retries_disturbed + 1):
                measurement, trace = measure(backend, solo_workload, helpers, None)
                if not measurement.get("disturbed"):
                    return trace
                attempts.append((measurement.get("others_wait_s") or 0.0, len(attempts), trace))
            return min(attempts)[2]

        try:
            solo = solo_times(backend, workload, alone)
        except BaseException:
            error = "while measuring the calls alone (solo times): " + _error_text()
            return {"event": "failed", "run": 0, "warmup": False, "error": error}
        workload, nominal = nominal_fields(workload, solo)
        common = common | nominal
    for run in range(request.repeat):
        attempt = 0
        while True:
            try:
                measurement, trace = measure(backend, workload, helpers, counter)
            except BaseException:
                return {"event": "failed", "run": run, "warmup": False, "error": _error_text()}
            retry = bool(measurement.get("disturbed")) and attempt < request.retries_disturbed
            measurement |= common | {"id": uuid.uuid4().hex, "attempt": attempt}
            keep = run < request.keep_traces and len(workload.tasks) <= MAX_STORED_TASKS
            if traces is not None and keep and not retry:
                # traces are large: they go straight to their file, never through the pipe
                try:
                    traces.append(StoredTrace.capture(measurement["id"], trace, workload))
                except StoreError as exc:  # a full disk: say which file, not "crashed"
                    error = f"cannot keep the run's trace: {exc}"
                    return {"event": "failed", "run": run, "warmup": False, "error": error}
                measurement["trace_stored"] = True
            message = {"event": "run", "run": run, "warmup": False, "measurement": measurement}
            send(conn, message | ({"retry": True} if retry else {}))
            if not retry:
                break
            attempt += 1
    return None


WARMUP_SCALE = 0.1
"""Warm-ups run the workload with every duration scaled by this: the same tasks and code
paths (imports, first calls, the allocator's growth) for a tenth of the time."""
_WARMUP_COPY_MAX_TASKS = 100_000
"""Above this, a scaled copy costs more memory than its shorter warm-up saves in time."""


def _warmup_copy(workload: Workload) -> Workload:
    if len(workload.tasks) > _WARMUP_COPY_MAX_TASKS:
        return workload
    try:
        return workload.scaled(WARMUP_SCALE)
    except ModelError:  # a plugin's workload that cannot be scaled warms up at full length
        return workload


def _calibration(request: WorkerRequest, workload: Workload) -> dict[str, Any]:
    """With the sweep's rate and cpu steps, this process's quick own check of it: every
    run carries the result, and analysis flags those beyond ``CHECK_TOLERANCE``."""
    if request.calibration_rate is None or StepKind.CPU not in workload.kinds:
        return {}
    return {"calibration_drift": check(request.calibration_rate)}


def _prepare(request: WorkerRequest) -> tuple[Backend, Workload]:
    scenario = EntryPoint(request.scenario, request.scenario_ref, SCENARIOS_GROUP).load()
    backend_cls = EntryPoint(request.backend, request.backend_ref, BACKENDS_GROUP).load()
    for problem in (
        check_scenario(request.scenario, scenario),
        check_backend(request.backend, backend_cls),
    ):
        if problem:
            raise PluginError(problem)
    workload: Workload = scenario.workload(request.params)
    ThreadExits.install()
    if request.calibration_rate is not None:
        adopt(request.calibration_rate)  # before the backend: its pool processes inherit it
    elif StepKind.CPU in workload.kinds:
        calibrate()  # a worker outside a sweep: its own rate, before any timed run
    if StepKind.IO in workload.kinds:
        ensure_open_files(open_files_needed(workload.io_connections))
        workload = dataclasses.replace(workload, io_address=request.io_address)
    if workload.services:
        connections = max(connections for _, connections in workload.services)
        ensure_open_files(open_files_needed(connections))  # a client holds one per connection
        workload = dataclasses.replace(workload, endpoints=request.endpoints)
    backend_cls.prepare_process()  # a fresh process of its own, as own_process backends need
    backend: Backend = backend_cls(**request.options)
    if StepKind.CALL in workload.kinds:  # each call's variant for this backend (as planned)
        workload = bind(workload, backend_cls.call_variants(backend.config))
    return backend, workload


def measure(
    backend: Backend,
    workload: Workload,
    helpers: tuple[int, ...] = (),
    counter: Counter | None = None,
) -> tuple[dict[str, Any], Trace]:
    """Run ``workload`` once on ``backend``; return what the run record keeps, and the trace.

    ``helpers`` are processes besides the worker's descendants whose run-queue wait
    counts (the latency server). With a ``counter`` (instruction mode), the instructions
    of ``execute`` are counted too.
    """
    workload.prepare_run()
    recorder = Recorder(workload)
    started_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    alive_before = running()
    # The harness's own objects (modules, the workload, the last run's figures) must not be
    # traced by the collector inside the run: collect them now, then freeze them, so the
    # run's garbage collections cost what the workload's own objects cost.
    gc.collect()
    gc.freeze()
    region = Region(helpers=helpers)
    region.begin()
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
        region.end()
        gc.unfreeze()
    trace = recorder.trace()
    trace.check(workload)
    if not type(backend).keeps_workers:
        check_leftovers(alive_before)
    return {
        **record_fields(
            trace,
            workload,
            blocks_scheduler(backend, workload),
            backend.concurrency(backend.config),
        ),
        "cores": os.cpu_count(),
        "started_at": started_at,
        "wall_s": trace.wall_s,
        "cpu_s": cpu_s,
        "voluntary_switches": usage_after[0] - usage_before[0],
        "involuntary_switches": usage_after[1] - usage_before[1],
        "peak_rss_kib": usage_after[2],
        "figures": trace.figures,
        "task_path": recorder.task_path,
        "gil_enabled": _gil_enabled(),
        **trace.summary(),
        **arrival_fields(trace, workload),
        **region.figures(),
        **({} if counted is None else {"instructions": counted}),
    }, trace


def blocks_scheduler(backend: Backend, workload: Workload) -> frozenset[StepKind]:
    """The step kinds that stop the scheduler in this run: the backend's, plus ``call``
    where a sync function runs inline on a loop that a ``block`` step stops."""
    kinds = type(backend).blocks_scheduler
    if StepKind.CALL in workload.kinds and StepKind.BLOCK in kinds and inline_sync(workload):
        return kinds | {StepKind.CALL}
    return kinds


def _gil_enabled() -> bool:
    """As this process runs now: a free-threaded build re-enables the GIL with PYTHON_GIL=1
    or when it imports an extension module that does not declare it can run without."""
    enabled = getattr(sys, "_is_gil_enabled", None)
    return True if enabled is None else bool(enabled())


def _usage() -> tuple[int, int, int]:
    if resource is None:  # pragma: no cover
        return (0, 0, 0)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_nvcsw, usage.ru_nivcsw, usage.ru_maxrss


def _error_text() -> str:
    """The exception with the innermost frames: enough to find the bug, short enough to show.

    A group (trio's nursery and anyio's task group wrap a task's error in one) ends its
    text with the box it draws; the first exception inside it is added as the last line,
    which is the line a report shows.
    """
    text = "".join(traceback.format_exc(limit=-3)).strip()
    raised = sys.exc_info()[1]
    inner = raised
    while isinstance(getattr(inner, "exceptions", None), tuple) and inner.exceptions:  # type: ignore[union-attr]
        inner = inner.exceptions[0]  # type: ignore[union-attr]
    if inner is not raised and inner is not None:
        text += f"\n{type(inner).__name__}: {inner}"
    return text
