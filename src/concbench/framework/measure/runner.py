"""The parent side of a measurement: plan the jobs, run each in fresh workers, store each run.

Planning resolves every name, parameter and option first, so bad input fails before
anything runs. Running never lets one job's fault stop the sweep: a raise, a hang past
the limit, a dead worker or a missing library each become a record with its status, and
every record is appended to the store as soon as it exists.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import multiprocessing
import os
import platform
import signal
import sysconfig
import tempfile
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from ..model.params import ParameterError
from ..store.records import RunRecord, SchemaError, Status, field_problem
from ..store.resultstore import ResultStore
from ..store.tracestore import trace_path
from . import instructions
from .environment import write_environment
from .interrupt import Interrupted, Interruptions, sigint_blocked
from .ioserver import LatencyServer, ServerError, check_open_files, open_files_needed
from .isolation import output_tail
from .protocol import Closed, Garbled, receive
from .registry import BACKENDS_GROUP, SCENARIOS_GROUP, Registry
from .resume import JobKey, Stored, Todo, job_key
from .worker import WorkerRequest, worker_main

__all__ = ["Job", "Observer", "RunSettings", "Runner", "plan"]

_STARTUP_S = 60.0
"""Time a worker may take to import, build the workload and calibrate before its first run."""
_PARENT_FIELDS = frozenset(
    {"scenario", "params", "backend", "options", "status", "error", "tasks", "serial_s"}
    | {"ideal_s", "machine_bound_s", "overhead_s", "run", "process", "python"}
    | {"implementation", "schema", "steps", "env", "note", "measure"}
)
"""Record fields the parent fills from the plan; a worker's measurement may not set them."""
_MAX_TIMEOUT_S = 7 * 24 * 3600.0
"""A week per run; beyond that the limit is meaningless and waits overflow."""


@dataclass(frozen=True)
class RunSettings:
    repeat: int = 3
    warmup: int = 1
    processes: int = 1
    timeout_s: float = 60.0
    keep_traces: int = 1
    """Counted runs per worker process whose full trace is kept (the first ones)."""
    measure: str = instructions.TIME
    """``time``, or ``instructions``: each worker runs under callgrind (measure/instructions.py)."""

    def __post_init__(self) -> None:
        checks = [
            ("--repeat", self.repeat, self.repeat >= 1, "an integer >= 1"),
            ("--warmup", self.warmup, self.warmup >= 0, "an integer >= 0"),
            ("--processes", self.processes, self.processes >= 1, "an integer >= 1"),
            (
                "--timeout",
                self.timeout_s,
                math.isfinite(self.timeout_s) and 0 < self.timeout_s <= _MAX_TIMEOUT_S,
                f"a number of seconds > 0 and <= {_MAX_TIMEOUT_S:g} (a week)",
            ),
        ]
        for name, value, ok, allowed in checks:
            if not ok:
                raise ParameterError(f"{name} must be {allowed}, got {value!r}")
        _check_measure(self.measure)


@dataclass(frozen=True)
class Job:
    """One (scenario, parameters, backend, options) cell of a sweep, with its references."""

    scenario: str
    params: Mapping[str, Any]
    backend: str
    options: Mapping[str, Any]
    tasks: int
    serial_s: float
    ideal_s: float
    machine_bound_s: float
    scenario_ref: str = ""
    backend_ref: str = ""
    skip_reason: str | None = None
    steps: int = 0
    note: str = ""
    io_connections: int = 0
    """Requests the workload can have open at once; > 0 means it needs a latency server."""

    @property
    def key(self) -> JobKey:
        """The job's identity in a result store, as resuming matches it."""
        return job_key(self.scenario, self.params, self.backend, self.options, _implementation())

    def record(self, status: Status, **fields: Any) -> RunRecord:
        return RunRecord(
            scenario=self.scenario,
            params=dict(self.params),
            backend=self.backend,
            options=dict(self.options),
            status=status,
            tasks=self.tasks,
            serial_s=self.serial_s,
            ideal_s=self.ideal_s,
            machine_bound_s=self.machine_bound_s,
            python=platform.python_version(),
            implementation=_implementation(),
            steps=self.steps,
            note=self.note,
            **({"started_at": _now(), "id": uuid.uuid4().hex} | fields),
        )


def plan(
    registry: Registry,
    scenario: str,
    params: Mapping[str, object],
    backends: Sequence[tuple[str, Mapping[str, object]]],
    *,
    matrix: bool = False,
) -> list[Job]:
    """Resolve one scenario against several backends; raises before anything runs.

    ``backends`` pairs each backend name with its options. A backend that cannot run here
    or cannot express the workload still yields a job, marked with the reason to skip it;
    so does one that asks to be left out of the default matrix, when ``matrix`` is set.
    """
    recipe = registry.scenario(scenario)
    resolved = recipe.resolve(params)
    workload = recipe.build(**resolved)
    if workload.io_connections:
        given = ", ".join(f"{name}={value}" for name, value in resolved.items())
        check_open_files(
            open_files_needed(workload.io_connections), f"scenario {scenario!r} ({given})"
        )
    cores = os.cpu_count() or 1
    jobs = []
    for name, given_options in backends:
        backend = registry.backend(name)
        options = backend.resolve_options(given_options)
        config = {option.name: option.default for option in backend.options} | options
        reason = (
            backend.unavailable_reason(config)
            or backend.unsupported_reason(workload)
            or backend.check_resources(workload, config)
        )
        if matrix and not reason:
            reason = backend.compare_skip_reason(workload, config)
        jobs.append(
            Job(
                scenario=scenario,
                params=resolved,
                backend=name,
                options=options,
                tasks=len(workload.tasks),
                serial_s=workload.serial_s,
                ideal_s=workload.ideal_s,
                machine_bound_s=workload.machine_bound_s(cores),
                scenario_ref=registry.reference(SCENARIOS_GROUP, scenario),
                backend_ref=registry.reference(BACKENDS_GROUP, name),
                skip_reason=reason,
                steps=workload.task_steps,
                io_connections=workload.io_connections,
                note=backend.note(workload, config) or "",
            )
        )
    return jobs


class Observer(Protocol):
    """Told what happens, in order; the CLI draws progress from it. Must not raise."""

    def job_started(self, job: Job, runs: int) -> None: ...

    def recorded(self, record: RunRecord) -> None: ...


class _Silent:
    def job_started(self, job: Job, runs: int) -> None:
        pass

    def recorded(self, record: RunRecord) -> None:
        pass


@dataclass
class _Worker:
    """One worker process, the parent's end of its pipe, and the file its output goes to."""

    process: Any
    receiver: Any
    log_path: str = ""

    def tail(self, label: str = "last output of the worker") -> str:
        """The end of the worker's stdout and stderr, as a paragraph for an error text."""
        tail = output_tail(self.log_path)
        return f"\n{label}:\n{tail}" if tail else ""


@dataclass
class Runner:
    store: ResultStore
    settings: RunSettings = field(default_factory=RunSettings)
    observer: Observer = field(default_factory=_Silent)
    environment: dict[str, Any] | None = None
    """The machine's description (framework/environment.py), written beside the store."""
    keep_traces: bool = True
    """Whether workers append their first runs' full traces to ``<store>.traces.jsonl``."""
    _env_id: str = field(default="", init=False)
    _signals: Interruptions = field(default_factory=Interruptions, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.environment is not None:
            self._env_id = write_environment(self.store.path, self.environment)

    def todo(self, job: Job, stored: Stored | None = None) -> Todo:
        """The worker processes ``job`` still needs, each with its run indices."""
        return (stored or Stored()).todo(
            job.key,
            skip=job.skip_reason is not None,
            processes=self.settings.processes,
            repeat=self.settings.repeat,
        )

    def run(self, jobs: Iterable[Job], stored: Stored | None = None) -> list[RunRecord]:
        """Run every job (only what ``stored`` lacks, when resuming).

        SIGINT or SIGTERM stops the running worker and raises :class:`Interrupted`
        carrying the records made so far; each of them is already in the store.
        """
        records: list[RunRecord] = []
        with self._signals:
            try:
                for job in jobs:
                    self._signals.check()
                    todo = self.todo(job, stored)
                    if not todo:
                        continue
                    self.observer.job_started(job, sum(len(runs) for _, runs in todo))
                    if job.skip_reason:
                        self._keep(records, job.record(Status.SKIPPED, error=job.skip_reason))
                    elif not job.io_connections:
                        self._run_processes(job, todo, None, records)
                    else:
                        self._run_with_server(job, todo, records)
            except Interrupted as stop:
                stop.records = records
                raise
        return records

    def _run_with_server(self, job: Job, todo: Todo, records: list[RunRecord]) -> None:
        """One latency server per job, in its own process, for that job's runs only."""
        try:
            server = LatencyServer.start(job.io_connections)
        except ServerError as exc:
            self._keep(records, job.record(Status.FAILED, error=f"latency server: {exc}"))
            return
        try:
            self._run_processes(job, todo, server.address, records)
        finally:
            server.stop()

    def _run_processes(
        self,
        job: Job,
        todo: Todo,
        io_address: tuple[str, int] | None,
        records: list[RunRecord],
    ) -> None:
        for process, runs in todo:
            if not self._run_process(job, process, runs, io_address, records):
                break  # the fault would repeat; the sweep moves to the next job

    def _keep(self, records: list[RunRecord], record: RunRecord) -> None:
        if self._env_id:
            record = dataclasses.replace(record, env=self._env_id)
        if self.settings.measure != instructions.TIME:
            record = dataclasses.replace(record, measure=self.settings.measure)
        self.store.append(record)
        records.append(record)
        self.observer.recorded(record)

    def _run_process(
        self,
        job: Job,
        process: int,
        runs: tuple[int, ...],
        io_address: tuple[str, int] | None,
        records: list[RunRecord],
    ) -> bool:
        """Run one worker to completion; False when it ended in a fault."""
        context = multiprocessing.get_context("spawn")  # fresh interpreter, no inherited state
        receiver, sender = context.Pipe(duplex=False)
        log_fd, log_path = tempfile.mkstemp(prefix="concbench-worker-", suffix=".log")
        os.close(log_fd)
        counts = self._counting_directory()
        request = WorkerRequest(
            scenario=job.scenario,
            scenario_ref=job.scenario_ref,
            params=dict(job.params),
            backend=job.backend,
            backend_ref=job.backend_ref,
            options=dict(job.options),
            warmup=self.settings.warmup,
            repeat=len(runs),
            keep_traces=self.settings.keep_traces,
            traces_path=str(trace_path(self.store.path)) if self.keep_traces else "",
            io_address=io_address,
            log_path=log_path,
            instructions_dir=counts,
        )
        # not a daemon: a backend may start processes of its own; _stop() ends it for certain
        child = context.Process(target=worker_main, args=(sender, request))
        worker = _Worker(child, receiver, log_path)
        try:
            with sigint_blocked(), _spawned_under(counts):
                worker.process.start()
            sender.close()
            return self._collect(job, process, runs, worker, records)
        finally:
            receiver.close()
            _stop(worker.process)
            os.unlink(log_path)
            if counts:
                instructions.remove_counts(counts)

    def _counting_directory(self) -> str:
        """Where an instruction-mode worker counts; empty when runs are timed."""
        if self.settings.measure != instructions.INSTRUCTIONS:
            return ""
        return instructions.counting_directory()

    def _slowdown(self) -> int:
        """How much longer a run may take: callgrind runs Python code about 200 times slower."""
        return instructions.SLOWDOWN if self.settings.measure == instructions.INSTRUCTIONS else 1

    def _collect(
        self,
        job: Job,
        process: int,
        runs: tuple[int, ...],
        worker: _Worker,
        records: list[RunRecord],
    ) -> bool:
        limit = (_STARTUP_S + self.settings.timeout_s) * self._slowdown()
        done = 0  # counted runs received; the next one is runs[done]

        def fault(status: Status, error: str) -> bool:
            run = runs[done] if done < len(runs) else runs[-1] + 1
            self._keep(records, job.record(status, run=run, process=process, error=error))
            return False

        while True:
            if not self._signals.wait(worker.receiver, limit):
                _stop(worker.process)
                return fault(
                    Status.TIMEOUT,
                    f"run exceeded the time limit of {self.settings.timeout_s:g} s "
                    + ("" if self._slowdown() == 1 else f"x {self._slowdown()} under callgrind ")
                    + "(raise it with --timeout)"
                    + worker.tail("where the worker was"),
                )
            message = receive(worker.receiver)
            if isinstance(message, Closed):
                _stop(worker.process)
                return fault(Status.CRASHED, _death(worker.process.exitcode) + worker.tail())
            if isinstance(message, Garbled):
                return fault(Status.FAILED, f"the worker broke the protocol: {message.reason}")
            limit = self.settings.timeout_s * self._slowdown()
            event = message["event"]
            if event == "run" and not message.get("warmup"):
                try:
                    record = self._measured(job, process, runs[done], message["measurement"])
                except (IndexError, KeyError, SchemaError, TypeError) as exc:
                    return fault(Status.FAILED, f"the worker broke the protocol: {exc}")
                self._keep(records, record)
                done += 1
            elif event == "failed":
                phase = " (during warm-up)" if message.get("warmup") else ""
                return fault(Status.FAILED, message["error"] + phase)
            elif event == "done":
                return True

    @staticmethod
    def _measured(job: Job, process: int, run: int, measured: dict[str, Any]) -> RunRecord:
        """An ``ok`` record from a worker's measurement, which may only fill measured fields."""
        for name, value in measured.items():
            owned = name in _PARENT_FIELDS
            problem = f"{name!r} is not a measured field" if owned else field_problem(name, value)
            if problem:
                raise SchemaError(problem)
        overhead_s = measured["wall_s"] - job.ideal_s
        return job.record(Status.OK, run=run, process=process, overhead_s=overhead_s, **measured)


def _check_measure(measure: str) -> None:
    """``--measure`` names a known measure, and instruction counting works here."""
    if measure not in instructions.MEASURES:
        allowed = ", ".join(instructions.MEASURES)
        raise ParameterError(f"--measure must be one of {allowed}, got {measure!r}")
    if measure == instructions.INSTRUCTIONS:
        reason = instructions.unavailable_reason()
        if reason:
            raise ParameterError(reason)


def _spawned_under(counts: str) -> contextlib.AbstractContextManager[None]:
    return instructions.spawned_under_callgrind(counts) if counts else contextlib.nullcontext()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _implementation() -> str:
    """``CPython 3.11.7``, with ``free-threaded`` when the build has no GIL."""
    name = f"{platform.python_implementation()} {platform.python_version()}"
    return name + (" free-threaded" if sysconfig.get_config_var("Py_GIL_DISABLED") else "")


def _stop(worker: Any) -> None:
    """End a worker for certain: politely, then by force."""
    if worker.is_alive():
        worker.terminate()
        worker.join(2)
    if worker.is_alive():
        worker.kill()
    worker.join()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"worker process was killed by {name}"
    return f"worker process exited with code {exitcode} without reporting"
