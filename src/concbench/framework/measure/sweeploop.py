"""The sweep's order of work: workload by workload, their jobs' processes interleaved.

Backends are compared within a workload, so a workload's jobs run together: their
servers started once for all of them (measure/served.py), their worker processes taken
in an interleaved, shuffled order (measure/order.py) so a slow minute of the machine
spreads over every backend instead of landing on one, then topped up where a row is
still too noisy to judge (measure/topup.py). A job whose worker faulted is not run
again in that sweep: the fault would repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..store.records import Status
from . import instructions
from .interrupt import Interruptions
from .ioserver import ServerError
from .job import Job
from .keeper import Keeper
from .observer import Observer
from .order import interleave
from .resume import Stored, Todo, record_key
from .served import Served, Servers
from .settings import RunSettings
from .sweep import Sweep
from .topup import next_process, wants_more
from .workerprocess import WorkerLauncher

__all__ = ["SweepLoop", "by_workload", "runs_to_do"]


def runs_to_do(job: Job, settings: RunSettings, stored: Stored | None = None) -> Todo:
    """The worker processes ``job`` still needs, each with its run indices."""
    return (stored or Stored()).todo(
        job.key,
        skip=job.skip_reason is not None,
        processes=settings.processes,
        repeat=settings.repeat,
    )


def by_workload(jobs: list[Job]) -> list[list[Job]]:
    """Jobs grouped by workload, groups and jobs in the order planned."""
    groups: dict[tuple[str, str], list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.workload_key, []).append(job)
    return list(groups.values())


@dataclass
class SweepLoop:
    """One sweep's jobs carried out; every record goes through ``keeper``."""

    settings: RunSettings
    sweep: Sweep
    keeper: Keeper
    observer: Observer
    signals: Interruptions
    launcher: WorkerLauncher
    stored: Stored | None = None
    """What the store held when the sweep began: only the missing runs are run."""

    def run(self, jobs: list[Job]) -> None:
        for workload in by_workload(jobs):
            self.signals.check()
            self._run_workload(workload)

    def _run_workload(self, jobs: list[Job]) -> None:
        """The jobs of one workload, their worker processes interleaved in time (a skipped
        job is one record in its place), with one latency server for them all if the
        workload needs one."""
        settings, stored = self.settings, self.stored
        planned = [(job, todo) for job in jobs if (todo := runs_to_do(job, settings, stored))]
        runnable = [job for job, _ in planned if not job.skip_reason]
        try:
            servers = Servers.start(runnable)
        except ServerError as exc:
            self._unserved(planned, str(exc))
            return
        try:
            self._run_interleaved(planned, servers.served)
        finally:
            servers.stop()

    def _unserved(self, planned: list[tuple[Job, Todo]], error: str) -> None:
        """A server the workload needs did not start: every job that would run fails."""
        for job, _ in planned:
            if job.skip_reason:
                self.keeper.keep(job.record(Status.SKIPPED, error=job.skip_reason))
            else:
                self.keeper.keep(job.record(Status.FAILED, error=error))

    def _run_interleaved(self, planned: list[tuple[Job, Todo]], served: Served) -> None:
        faulted: set[int] = set()  # ids of the jobs whose worker ended in a fault
        for job, process, runs in interleave(planned, self.sweep.rng):
            self.signals.check()
            if job.skip_reason:
                self.observer.job_started(job, 1)
                self.keeper.keep(job.record(Status.SKIPPED, error=job.skip_reason))
                continue
            self.observer.job_started(job, len(runs))
            if id(job) in faulted:
                continue  # the fault would repeat; the job's other processes are not run
            self._process(job, process, runs, served, faulted)
        self._top_up([job for job, _ in planned], served, faulted)

    def _process(
        self, job: Job, process: int, runs: Sequence[int], served: Served, faulted: set[int]
    ) -> None:
        """One worker process of ``job``; the canary is sampled after it when due."""
        sweep = self.sweep
        sweep.calibrated_jobs |= job.uses_cpu
        if not self.launcher.run(job, process, runs, served):
            faulted.add(id(job))
        sweep.canary.maybe(sweep.next_seq)

    def _top_up(self, jobs: list[Job], served: Served, faulted: set[int]) -> None:
        """A round at a time, one more process for each job whose spread hides the target
        change (measure/topup.py), in a shuffled order, up to ``max_processes``. Timed runs
        only: an instruction count does not vary between processes."""
        ceiling = self.settings.max_processes
        if ceiling is None or self.settings.measure != instructions.TIME:
            return
        earlier = self.stored.records if self.stored else ()
        keep_disturbed = self.settings.keep_disturbed
        repeat = self.settings.repeat
        while True:
            self.signals.check()
            round_ = []
            for job in jobs:
                if job.skip_reason or id(job) in faulted:
                    continue
                mine = [r for r in (*earlier, *self.keeper.records) if record_key(r) == job.key]
                if wants_more(mine, ceiling, keep_disturbed=keep_disturbed):
                    round_.append((job, next_process(mine)))
            if not round_:
                return
            self.sweep.rng.shuffle(round_)
            self.observer.more_planned(len(round_) * repeat)
            for job, process in round_:
                self.observer.job_started(job, repeat)
                self._process(job, process, range(repeat), served, faulted)
