"""The parent side of a measurement: plan the jobs, run each in fresh workers, store each run.

Planning resolves every name, parameter and option first, so bad input fails before
anything runs. Running never lets one job's fault stop the sweep: a raise, a hang past
the limit, a dead worker or a missing library each become a record with its status, and
every record is appended to the store as soon as it exists.
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import signal
import sysconfig
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from .params import ParameterError
from .records import RunRecord, Status
from .registry import BACKENDS_GROUP, SCENARIOS_GROUP, Registry
from .store import ResultStore
from .worker import WorkerRequest, worker_main

__all__ = ["Job", "Observer", "RunSettings", "Runner", "plan"]

_STARTUP_S = 60.0
"""Time a worker may take to import, build the workload and calibrate before its first run."""


@dataclass(frozen=True)
class RunSettings:
    repeat: int = 3
    warmup: int = 1
    processes: int = 1
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        checks = [
            ("--repeat", self.repeat, self.repeat >= 1, "an integer >= 1"),
            ("--warmup", self.warmup, self.warmup >= 0, "an integer >= 0"),
            ("--processes", self.processes, self.processes >= 1, "an integer >= 1"),
            ("--timeout", self.timeout_s, self.timeout_s > 0, "a number of seconds > 0"),
        ]
        for name, value, ok, allowed in checks:
            if not ok:
                raise ParameterError(f"{name} must be {allowed}, got {value!r}")


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
    note: str = ""

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
            note=self.note,
            **({"started_at": _now()} | fields),
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
    cores = os.cpu_count() or 1
    jobs = []
    for name, given_options in backends:
        backend = registry.backend(name)
        options = backend.resolve_options(given_options)
        every_option = {option.name: option.default for option in backend.options} | options
        reason = backend.unavailable_reason(every_option) or backend.unsupported_reason(workload)
        if matrix and not reason:
            reason = backend.compare_skip_reason(workload, every_option)
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
                note=backend.note(workload, every_option) or "",
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
class Runner:
    store: ResultStore
    settings: RunSettings = field(default_factory=RunSettings)
    observer: Observer = field(default_factory=_Silent)

    def run(self, jobs: Iterable[Job]) -> list[RunRecord]:
        records: list[RunRecord] = []
        for job in jobs:
            self.observer.job_started(job, self.settings.repeat * self.settings.processes)
            if job.skip_reason:
                self._keep(records, job.record(Status.SKIPPED, error=job.skip_reason))
                continue
            for process in range(self.settings.processes):
                if not self._run_process(job, process, records):
                    break  # the fault would repeat; the sweep moves to the next job
        return records

    def _keep(self, records: list[RunRecord], record: RunRecord) -> None:
        self.store.append(record)
        records.append(record)
        self.observer.recorded(record)

    def _run_process(self, job: Job, process: int, records: list[RunRecord]) -> bool:
        """Run one worker to completion; False when it ended in a fault."""
        context = multiprocessing.get_context("spawn")  # fresh interpreter, no inherited state
        receiver, sender = context.Pipe(duplex=False)
        request = WorkerRequest(
            scenario=job.scenario,
            scenario_ref=job.scenario_ref,
            params=dict(job.params),
            backend=job.backend,
            backend_ref=job.backend_ref,
            options=dict(job.options),
            warmup=self.settings.warmup,
            repeat=self.settings.repeat,
        )
        # not a daemon: a backend may start processes of its own; _stop() ends it for certain
        worker = context.Process(target=worker_main, args=(sender, request))
        worker.start()
        sender.close()
        try:
            return self._collect(job, process, receiver, worker, records)
        finally:
            receiver.close()
            _stop(worker)

    def _collect(
        self,
        job: Job,
        process: int,
        receiver: Any,
        worker: Any,
        records: list[RunRecord],
    ) -> bool:
        limit = _STARTUP_S + self.settings.timeout_s
        run = 0
        while True:
            if not receiver.poll(limit):
                _stop(worker)
                self._keep(
                    records,
                    job.record(
                        Status.TIMEOUT,
                        run=run,
                        process=process,
                        error=f"run exceeded the time limit of {self.settings.timeout_s:g} s "
                        "(raise it with --timeout)",
                    ),
                )
                return False
            try:
                message = receiver.recv()
            except (EOFError, OSError):
                _stop(worker)
                self._keep(
                    records,
                    job.record(
                        Status.CRASHED, run=run, process=process, error=_death(worker.exitcode)
                    ),
                )
                return False
            limit = self.settings.timeout_s
            event = message["event"]
            if event == "run" and not message["warmup"]:
                measured = message["measurement"]
                self._keep(
                    records,
                    job.record(
                        Status.OK,
                        run=run,
                        process=process,
                        overhead_s=measured["wall_s"] - job.ideal_s,
                        **measured,
                    ),
                )
                run += 1
            elif event == "failed":
                phase = " (during warm-up)" if message.get("warmup") else ""
                self._keep(
                    records,
                    job.record(
                        Status.FAILED, run=run, process=process, error=message["error"] + phase
                    ),
                )
                return False
            elif event == "done":
                return True


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
