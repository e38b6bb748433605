"""The parent side of a measurement: plan the jobs, run each in fresh workers, store each run.

Planning resolves every name, parameter and option first, so bad input fails before
anything runs. Running never lets one job's fault stop the sweep: a raise, a hang past
the limit, a dead worker or a missing library each become a record with its status, and
every record is appended to the store as soon as it exists.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import multiprocessing
import os
import platform
import random
import signal
import sys
import sysconfig
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from ..model.calls import CallVariant, calls_in, check_calls, choose
from ..model.calls import skip_reason as call_skip_reason
from ..model.cpuwork import measure_rate
from ..model.params import ParameterError
from ..model.workload import StepKind, Workload
from ..store.records import RunRecord, SchemaError, Status, field_problem
from ..store.resultstore import ResultStore
from ..store.sweeps import append_sweep
from ..store.tracestore import trace_path
from ..store.values import value_problem
from . import instructions
from .calibration import Calibration
from .canary import Canary
from .environment import write_environment
from .interrupt import Interrupted, Interruptions, sigint_blocked
from .ioserver import LatencyServer, ServerError, check_open_files, open_files_needed
from .isolation import output_tail
from .order import interleave
from .protocol import Closed, Garbled, receive
from .registry import BACKENDS_GROUP, SCENARIOS_GROUP, Registry
from .resume import JobKey, Stored, Todo, job_key, record_key
from .services import check_services, endpoints, start_services, stop_services
from .services import unavailable_reason as services_unavailable
from .topup import next_process, wants_more
from .worker import WorkerRequest, worker_main

__all__ = [
    "MAX_PROCESSES",
    "MAX_REPEAT",
    "RETRIES_DISTURBED",
    "Job",
    "Observer",
    "RunSettings",
    "Runner",
    "plan",
    "plan_sweep",
]

_STARTUP_S = 60.0
"""Time a worker may take to import, build the workload and calibrate before its first run."""
_PARENT_FIELDS = frozenset(
    {"scenario", "params", "backend", "options", "status", "error", "tasks", "serial_s"}
    | {"ideal_s", "machine_bound_s", "overhead_s", "run", "process", "python"}
    | {"implementation", "schema", "steps", "env", "note", "measure"}
    | {"counted", "seq", "calibration_rate"}
)
"""Record fields the parent fills from the plan; a worker's measurement may not set them."""
_SOLO_FIELDS = frozenset({"serial_s", "ideal_s", "machine_bound_s"})
"""Of those, the ones a worker sets for a job with ``call`` steps: they follow from the
solo times it measured (measure/solo.py), which the plan could not know."""
RETRIES_DISTURBED = 2
"""The CLI's default for ``--retries-disturbed``: two re-runs get past a brief burst of
other load (a package install's compile step, a test run) and at most triple the cost of
a run on a machine that stays busy, where the notes then say that every run was disturbed."""
_MAX_TIMEOUT_S = 7 * 24 * 3600.0
"""A week per run; beyond that the limit is meaningless and waits overflow."""
MAX_REPEAT = 100_000
"""Most counted (or warm-up) runs per worker process; beyond it no sweep ends."""
MAX_PROCESSES = 1_000
"""Most fresh worker processes per job (each takes a fraction of a second to start)."""
MAX_RETRIES = 100
"""Most re-runs of one disturbed run: beyond it the machine is not going to be quiet."""


_FROM = "an integer from"


@dataclass(frozen=True)
class RunSettings:
    repeat: int = 3
    warmup: int = 1
    processes: int = 1
    timeout_s: float = 60.0
    keep_traces: int = 1
    """Counted runs per worker process whose full trace is kept (the first ones)."""
    retries_disturbed: int = 0
    """Times a disturbed run is run again (at once, in its worker) before it stands; the
    CLI's default is :data:`RETRIES_DISTURBED`, the bare runner does the runs it is asked."""
    keep_disturbed: bool = False
    """Count disturbed runs in the statistics instead of leaving them out."""
    order_seed: int | None = None
    """Seed of the shuffled order of worker processes; None draws one (and records it)."""
    measure: str = instructions.TIME
    """``time``, or ``instructions``: each worker runs under callgrind (measure/instructions.py)."""
    max_processes: int | None = None
    """Top a job up to this many processes while its spread hides a change of
    ``TARGET_CHANGE`` (measure/topup.py); None: the planned processes only."""

    def __post_init__(self) -> None:
        checks = [
            (
                "--retries-disturbed",
                self.retries_disturbed,
                0 <= self.retries_disturbed <= MAX_RETRIES,
                f"{_FROM} 0 to {MAX_RETRIES}",
            ),
            ("--repeat", self.repeat, 1 <= self.repeat <= MAX_REPEAT, f"{_FROM} 1 to {MAX_REPEAT}"),
            ("--warmup", self.warmup, 0 <= self.warmup <= MAX_REPEAT, f"{_FROM} 0 to {MAX_REPEAT}"),
            (
                "--processes",
                self.processes,
                1 <= self.processes <= MAX_PROCESSES,
                f"{_FROM} 1 to {MAX_PROCESSES}",
            ),
            (
                "--timeout",
                self.timeout_s,
                math.isfinite(self.timeout_s) and 0 < self.timeout_s <= _MAX_TIMEOUT_S,
                f"a number of seconds > 0 and <= {_MAX_TIMEOUT_S:g} (a week)",
            ),
        ]
        if self.max_processes is not None and not (
            self.processes <= self.max_processes <= MAX_PROCESSES
        ):
            checks.append(
                (
                    "--max-processes",
                    self.max_processes,
                    False,
                    f"{_FROM} --processes ({self.processes}) to {MAX_PROCESSES}",
                )
            )
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
    uses_cpu: bool = False
    """The workload has ``cpu`` steps: the sweep must calibrate before running it."""
    services: tuple[tuple[str, int], ...] = ()
    """The servers the workload talks to (``Workload.services``), started for the job."""
    uses_calls: bool = False
    """The workload has ``call`` steps: serial and ideal come from each worker's solo
    times, so they are per row (and per process), not the plan's."""

    @property
    def workload_key(self) -> tuple[str, str]:
        """The workload this job measures: its jobs' processes are interleaved in time."""
        return (self.scenario, json.dumps(dict(self.params), sort_keys=True, default=str))

    @property
    def key(self) -> JobKey:
        """The job's identity in a result store, as resuming matches it."""
        return job_key(self.scenario, self.params, self.backend, self.options, _implementation())

    def record(self, status: Status, **fields: Any) -> RunRecord:
        """A record of this job; ``fields`` may replace the planned serial, ideal and
        machine bound (a worker's, from its solo times)."""
        planned = {
            "serial_s": self.serial_s,
            "ideal_s": self.ideal_s,
            "machine_bound_s": self.machine_bound_s,
        }
        return RunRecord(
            scenario=self.scenario,
            params=dict(self.params),
            backend=self.backend,
            options=dict(self.options),
            status=status,
            tasks=self.tasks,
            python=platform.python_version(),
            implementation=_implementation(),
            steps=self.steps,
            note=self.note,
            **(planned | {"started_at": _now(), "id": uuid.uuid4().hex} | fields),
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
    uses_calls = StepKind.CALL in workload.kinds
    if uses_calls:
        check_calls(workload)  # every function importable by name, as a worker will need
    if workload.io_connections:
        given = ", ".join(f"{name}={value}" for name, value in resolved.items())
        check_open_files(
            open_files_needed(workload.io_connections), f"scenario {scenario!r} ({given})"
        )
    check_services(workload, f"scenario {scenario!r}")
    service_reason = services_unavailable(workload)
    cores = os.cpu_count() or 1
    jobs = []
    for name, given_options in backends:
        backend = registry.backend(name)
        options = backend.resolve_options(given_options)
        config = {option.name: option.default for option in backend.options} | options
        variants = backend.call_variants(config)
        reason = (
            service_reason
            or backend.unavailable_reason(config)
            or backend.unsupported_reason(workload)
            or (call_skip_reason(workload, variants, name) if uses_calls else None)
            or _not_inline_reason(workload, variants, backend)
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
                uses_cpu=StepKind.CPU in workload.kinds,
                services=workload.services,
                uses_calls=uses_calls,
                # a skipped job has no numbers to explain, and a backend's note may
                # assume a workload it can run (processes' pool bound on channels)
                note=""
                if reason
                else _joined(
                    backend.note(workload, config), _inline_note(workload, variants, backend)
                ),
            )
        )
    return jobs


def _not_inline_reason(workload: Workload, variants: Sequence[Any], backend: Any) -> str | None:
    """A call that must not run its sync function inline (``inline=False``) on a backend
    where it would: one whose loop that function blocks (twisted's reactor runs only sync
    functions, inline), which ``choose`` cannot tell from the variants alone."""
    if StepKind.CALL not in workload.kinds or StepKind.BLOCK not in backend.blocks_scheduler:
        return None
    for target in calls_in(workload):
        if not target.inline and choose(target, variants) is CallVariant.SYNC:
            return (
                f"call {target.name!r} has only a sync function, which is not run inline on "
                f"{backend.name}'s loop (it would block it)"
            )
    return None


def _inline_note(workload: Workload, variants: Sequence[Any], backend: Any) -> str | None:
    """Says which calls run their sync function inline on a loop, blocking it."""
    if StepKind.CALL not in workload.kinds or StepKind.BLOCK not in backend.blocks_scheduler:
        return None
    inline = [t.name for t in calls_in(workload) if choose(t, variants) is CallVariant.SYNC]
    if not inline:
        return None
    names = ", ".join(inline)
    return f"sync call {names} runs inline and blocks the loop (like block)"


def _joined(*notes: str | None) -> str:
    return "; ".join(note for note in notes if note)


def plan_sweep(
    registry: Registry,
    scenario: str,
    sets: Sequence[Mapping[str, object]],
    backends: Sequence[tuple[str, Mapping[str, object]]],
    *,
    flag: str = "-p/--param",
) -> list[Job]:
    """:func:`plan` for each parameter set of a sweep, refusing two sets that resolve to
    the same values (``tasks=10,010``): they would run one workload twice, with the same
    identity, and a report would count its runs twice."""
    recipe = registry.scenario(scenario)
    seen: dict[tuple[tuple[str, Any], ...], Mapping[str, object]] = {}
    jobs: list[Job] = []
    for given in sets:
        resolved = recipe.resolve(given)
        key = tuple(sorted(resolved.items()))
        first = seen.setdefault(key, given)
        if first is not given:
            same = "; ".join(
                f"{name}={first[name]!r} and {name}={given[name]!r} are the same value "
                f"({resolved[name]!r})"
                for name in given
                if first.get(name) != given[name]
            )
            raise ParameterError(f"{flag}: {same}: the sweep would run one workload twice")
        jobs += plan(registry, scenario, given, backends)
    return jobs


class Observer(Protocol):
    """Told what happens, in order; the CLI draws progress from it. Must not raise."""

    def job_started(self, job: Job, runs: int) -> None:
        """A worker process of ``job`` with ``runs`` planned runs starts (or is passed over,
        after a fault of its job: its runs will not come)."""

    def recorded(self, record: RunRecord) -> None:
        """A planned run was stored (not told of disturbed attempts that were run again)."""

    def more_planned(self, runs: int) -> None:
        """``runs`` more runs were planned: extra processes for rows too noisy to judge."""


class _Silent:
    def job_started(self, job: Job, runs: int) -> None:
        pass

    def more_planned(self, runs: int) -> None:
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
    calibration: Calibration | None = None
    """The sweep's CPU rate when given (``--calibration``, a resumed store); else measured
    in this process before the first job that has cpu steps."""
    _env_id: str = field(default="", init=False)
    _signals: Interruptions = field(default_factory=Interruptions, init=False, repr=False)
    _sweep: _Sweep | None = field(default=None, init=False, repr=False)
    _endpoints: tuple[tuple[str, str], ...] = field(default=(), init=False, repr=False)
    """How to reach the servers started for the workload being run (services.py)."""

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
        jobs = list(jobs)
        records: list[RunRecord] = []
        with self._signals:
            self._sweep = self._begin(jobs, stored)
            finished = False
            try:
                for workload in _by_workload(jobs):
                    self._signals.check()
                    self._run_workload(workload, stored, records)
                finished = True
            except Interrupted as stop:
                stop.records = records
                raise
            finally:
                self._end(finished)
        return records

    def _begin(self, jobs: list[Job], stored: Stored | None) -> _Sweep:
        """One calibration, the order's seed and the first canary sample, before any job;
        the environment record gets the calibration and the seed."""
        if self.calibration is None and any(j.uses_cpu and not j.skip_reason for j in jobs):
            self.calibration = Calibration.measure()
        seed = self.settings.order_seed
        if seed is None:
            seed = random.SystemRandom().randrange(2**32)
        earlier = [r.seq for r in (stored.records if stored else ()) if r.seq is not None]
        sweep = _Sweep(seed, random.Random(seed), next_seq=max(earlier, default=-1) + 1)
        if self.environment is not None:
            sweep_env: dict[str, Any] = {"order_seed": seed}
            if self.calibration is not None:
                sweep_env["calibration"] = self.calibration.as_dict()
            self._env_id = write_environment(self.store.path, self.environment | sweep_env)
        sweep.canary.sample(sweep.next_seq)
        return sweep

    def _end(self, finished: bool) -> None:
        """The last canary sample and the calibration's re-check (unless interrupted: the
        user waits), then the sweep's line in ``<store>.sweep.jsonl``."""
        sweep = self._sweep
        if sweep is None:
            return
        log: dict[str, Any] = {"env": self._env_id, "order_seed": sweep.seed}
        log |= {"started_at": sweep.started_at, "ended_at": _now(), "finished": finished}
        log["processes"] = sweep.next_seq - sweep.first_seq
        if finished and sweep.canary.samples[-1]["seq"] != sweep.next_seq:
            sweep.canary.sample(sweep.next_seq)  # unless one was just taken after the last
        if self.calibration is not None:
            calibration: dict[str, Any] = self.calibration.as_dict()
            if finished and sweep.calibrated_jobs:
                after = measure_rate()
                calibration |= {"rate_after": after, "change": after / self.calibration.rate - 1}
            log["calibration"] = calibration
        log["canary"] = sweep.canary.samples
        append_sweep(self.store.path, log)
        self._sweep = None

    def _run_workload(
        self, jobs: list[Job], stored: Stored | None, records: list[RunRecord]
    ) -> None:
        """The jobs of one workload, their worker processes interleaved in time (a skipped
        job is one record in its place), with one latency server for them all if the
        workload needs one."""
        planned = [(job, todo) for job in jobs if (todo := self.todo(job, stored))]
        runnable = [job for job, _ in planned if not job.skip_reason]
        connections = max((job.io_connections for job in runnable), default=0)
        needs = [need for job in runnable for need in job.services]
        try:
            server = LatencyServer.start(connections) if connections else None
        except ServerError as exc:
            self._unserved(planned, f"latency server: {exc}", records)
            return
        try:
            started = start_services(needs)
        except ServerError as exc:  # it names the service
            if server is not None:
                server.stop()
            self._unserved(planned, str(exc), records)
            return
        helpers: tuple[int, ...] = (server.pid,) if server else ()
        helpers += tuple(pid for _, running in started for pid in running.pids)
        self._endpoints = endpoints(started)  # every worker of these jobs is told them
        try:
            address = server.address if server else None
            self._run_interleaved(planned, address, helpers, records, stored)
        finally:
            self._endpoints = ()
            stop_services(started)
            if server is not None:
                server.stop()

    def _unserved(
        self, planned: list[tuple[Job, Todo]], error: str, records: list[RunRecord]
    ) -> None:
        """A server the workload needs did not start: every job that would run fails."""
        for job, _ in planned:
            if job.skip_reason:
                self._keep(records, job.record(Status.SKIPPED, error=job.skip_reason))
            else:
                self._keep(records, job.record(Status.FAILED, error=error))

    def _run_interleaved(
        self,
        todo: list[tuple[Job, Todo]],
        io_address: tuple[str, int] | None,
        helpers: tuple[int, ...],
        records: list[RunRecord],
        stored: Stored | None = None,
    ) -> None:
        sweep = self._sweep
        assert sweep is not None
        faulted: set[int] = set()
        for job, process, runs in interleave(todo, sweep.rng):
            self._signals.check()
            if job.skip_reason:
                self.observer.job_started(job, 1)
                self._keep(records, job.record(Status.SKIPPED, error=job.skip_reason))
                continue
            self.observer.job_started(job, len(runs))
            if id(job) in faulted:
                continue  # the fault would repeat; the job's other processes are not run
            self._process(job, process, runs, io_address, records, helpers=helpers, faulted=faulted)
        jobs = [job for job, _ in todo]
        self._top_up(jobs, io_address, records, helpers=helpers, stored=stored, faulted=faulted)

    def _process(
        self,
        job: Job,
        process: int,
        runs: Sequence[int],
        io_address: tuple[str, int] | None,
        records: list[RunRecord],
        *,
        helpers: tuple[int, ...],
        faulted: set[int],
    ) -> None:
        sweep = self._sweep
        assert sweep is not None
        sweep.calibrated_jobs |= job.uses_cpu
        if not self._run_process(job, process, runs, io_address, records, helpers=helpers):
            faulted.add(id(job))
        sweep.canary.maybe(sweep.next_seq)

    def _top_up(
        self,
        jobs: list[Job],
        io_address: tuple[str, int] | None,
        records: list[RunRecord],
        *,
        helpers: tuple[int, ...],
        stored: Stored | None,
        faulted: set[int],
    ) -> None:
        """A round at a time, one more process for each job whose spread hides the target
        change (measure/topup.py), in a shuffled order, up to ``max_processes``. Timed runs
        only: an instruction count does not vary between processes."""
        ceiling = self.settings.max_processes
        sweep = self._sweep
        assert sweep is not None
        if ceiling is None or self.settings.measure != instructions.TIME:
            return
        earlier = stored.records if stored else ()
        keep_disturbed = self.settings.keep_disturbed
        while True:
            self._signals.check()
            round_ = []
            for job in jobs:
                if job.skip_reason or id(job) in faulted:
                    continue
                mine = [r for r in (*earlier, *records) if record_key(r) == job.key]
                if wants_more(mine, ceiling, keep_disturbed=keep_disturbed):
                    round_.append((job, next_process(mine)))
            if not round_:
                return
            sweep.rng.shuffle(round_)
            self.observer.more_planned(len(round_) * self.settings.repeat)
            for job, process in round_:
                self.observer.job_started(job, self.settings.repeat)
                runs = range(self.settings.repeat)
                self._process(
                    job, process, runs, io_address, records, helpers=helpers, faulted=faulted
                )

    def _keep(self, records: list[RunRecord], record: RunRecord, *, planned: bool = True) -> None:
        if self._env_id:
            record = dataclasses.replace(record, env=self._env_id)
        if self.calibration is not None and record.status is Status.OK:
            record = dataclasses.replace(record, calibration_rate=self.calibration.rate)
        if self.settings.measure != instructions.TIME:
            record = dataclasses.replace(record, measure=self.settings.measure)
        self.store.append(record)
        records.append(record)
        if planned:
            self.observer.recorded(record)

    def _run_process(
        self,
        job: Job,
        process: int,
        runs: Sequence[int],
        io_address: tuple[str, int] | None,
        records: list[RunRecord],
        *,
        helpers: tuple[int, ...] = (),
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
            endpoints=self._endpoints,
            log_path=log_path,
            calibration_rate=self.calibration.rate if self.calibration else None,
            helper_pids=helpers,
            retries_disturbed=0
            if self.settings.keep_disturbed
            else self.settings.retries_disturbed,
            instructions_dir=counts,
        )
        seq = self._next_seq()
        # not a daemon: a backend may start processes of its own; _stop() ends it for certain
        child = context.Process(target=worker_main, args=(sender, request))
        worker = _Worker(child, receiver, log_path)
        try:
            with sigint_blocked(), _main_script_hidden(), _spawned_under(counts):
                worker.process.start()
            sender.close()
            return self._collect(job, process, runs, worker, records, seq=seq)
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
        runs: Sequence[int],
        worker: _Worker,
        records: list[RunRecord],
        *,
        seq: int | None = None,
    ) -> bool:
        limit = (_STARTUP_S + self.settings.timeout_s) * self._slowdown()
        done = 0  # counted runs received; the next one is runs[done]

        def fault(status: Status, error: str) -> bool:
            run = runs[done] if done < len(runs) else runs[-1] + 1
            record = job.record(status, run=run, process=process, error=error, seq=seq)
            self._keep(records, record)
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
                retry = bool(message.get("retry"))
                try:
                    measured = message["measurement"]
                    record = self._measured(
                        job, process, runs[done], measured, seq=seq, retry=retry
                    )
                except (IndexError, KeyError, SchemaError, TypeError) as exc:
                    return fault(Status.FAILED, f"the worker broke the protocol: {exc}")
                self._keep(records, record, planned=not retry)
                done += 0 if retry else 1
            elif event == "failed":
                phase = " (during warm-up)" if message.get("warmup") else ""
                return fault(Status.FAILED, message["error"] + phase)
            elif event == "done":
                return True

    def _measured(
        self,
        job: Job,
        process: int,
        run: int,
        measured: dict[str, Any],
        *,
        seq: int | None = None,
        retry: bool = False,
    ) -> RunRecord:
        """An ``ok`` record from a worker's measurement, which may only fill measured fields.

        The parent decides whether it counts: not when it is an attempt run again, nor,
        unless the sweep keeps them, when it was disturbed.
        """
        for name, value in measured.items():
            owned = name in _PARENT_FIELDS and not (job.uses_calls and name in _SOLO_FIELDS)
            problem = f"{name!r} is not a measured field" if owned else field_problem(name, value)
            if problem:
                raise SchemaError(problem)
        if problem := value_problem(measured):  # NaN would stop the store, not just the run
            raise SchemaError(problem)
        overhead_s = measured["wall_s"] - measured.get("ideal_s", job.ideal_s)
        disturbed = bool(measured.get("disturbed"))
        counted = not retry and (self.settings.keep_disturbed or not disturbed)
        return job.record(
            Status.OK,
            run=run,
            process=process,
            overhead_s=overhead_s,
            seq=seq,
            counted=counted,
            **measured,
        )

    def _next_seq(self) -> int | None:
        if self._sweep is None:
            return None
        self._sweep.next_seq += 1
        return self._sweep.next_seq - 1


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """Start spawned workers without running the parent's main module in them again.

    ``spawn`` runs the parent's ``__main__`` (by path for a script, by name for ``-m``) in
    every fresh process before its target, to find what the target may need there. A
    worker needs nothing from it (it loads its plugins by entry point), and for the
    ``concbench`` console script it is the whole CLI: on this machine a worker started in
    0.35 s without it and in 1.1 s with it, under load; a sweep starts one per process of
    every job (docs/performance.md).
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved: dict[str, Any] = {
        name: vars(main)[name] for name in ("__file__", "__spec__") if name in vars(main)
    }
    vars(main).pop("__file__", None)
    vars(main)["__spec__"] = None
    try:
        yield
    finally:
        vars(main).pop("__spec__", None)
        vars(main).update(saved)


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


@dataclass
class _Sweep:
    """What one call of :meth:`Runner.run` keeps while it runs."""

    seed: int
    rng: random.Random
    next_seq: int = 0
    first_seq: int = 0
    canary: Canary = field(default_factory=Canary)
    started_at: str = field(default_factory=_now)
    calibrated_jobs: bool = False
    """Whether a job with cpu steps ran: only then is the calibration checked again."""

    def __post_init__(self) -> None:
        self.first_seq = self.next_seq


def _by_workload(jobs: list[Job]) -> list[list[Job]]:
    """Jobs grouped by workload, groups and jobs in the order planned."""
    groups: dict[tuple[str, str], list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.workload_key, []).append(job)
    return list(groups.values())
