"""The parent side of a measurement: plan the jobs, run each in fresh workers, store each run.

Planning resolves every name, parameter and option first, so bad input fails before
anything runs. Running never lets one job's fault stop the sweep: a raise, a hang past
the limit, a dead worker or a missing library each become a record with its status, and
every record is appended to the store as soon as it exists.

This module is the entry that the CLI, the tests and plugins' scripts import; each part
of the work lives in a module of its own: the settings (measure/settings.py), the jobs
(measure/job.py) and their planning (measure/planner.py), the order of work
(measure/sweeploop.py), one worker process (measure/workerprocess.py, started and ended
by measure/spawning.py, its measurements admitted by measure/measured.py), the servers a
workload needs (measure/served.py), the store's writer (measure/keeper.py), the sweep's
seed, canary and log line (measure/sweep.py) and the progress hook (measure/observer.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..store.records import RunRecord
from ..store.resultstore import ResultStore
from ..store.tracestore import trace_path
from .calibration import Calibration
from .interrupt import Interrupted, Interruptions
from .job import Job
from .keeper import Keeper
from .observer import Observer, Silent
from .planner import plan, plan_sweep
from .resume import Stored, Todo
from .settings import MAX_PROCESSES, MAX_REPEAT, MAX_RETRIES, RETRIES_DISTURBED, RunSettings
from .spawning import main_script_hidden
from .sweep import Sweep
from .sweeploop import SweepLoop, runs_to_do
from .workerprocess import WorkerLauncher

__all__ = [
    "MAX_PROCESSES",
    "MAX_REPEAT",
    "MAX_RETRIES",
    "RETRIES_DISTURBED",
    "Job",
    "Observer",
    "RunSettings",
    "Runner",
    "plan",
    "plan_sweep",
]

_main_script_hidden = main_script_hidden
"""Its name before measure/spawning.py, which docs/reproducibility.md cites."""


@dataclass
class Runner:
    """Runs planned jobs into one store; one runner may run several sweeps into it, and
    keeps the calibration the first one measured for the next."""

    store: ResultStore
    settings: RunSettings = field(default_factory=RunSettings)
    observer: Observer = field(default_factory=Silent)
    environment: dict[str, Any] | None = None
    """The machine's description (framework/environment.py), written beside the store."""
    keep_traces: bool = True
    """Whether workers append their first runs' full traces to ``<store>.traces.jsonl``."""
    calibration: Calibration | None = None
    """The sweep's CPU rate when given (``--calibration``, a resumed store); else measured
    in this process before the first job that has cpu steps."""
    _signals: Interruptions = field(default_factory=Interruptions, init=False, repr=False)

    def todo(self, job: Job, stored: Stored | None = None) -> Todo:
        """The worker processes ``job`` still needs, each with its run indices."""
        return runs_to_do(job, self.settings, stored)

    def run(self, jobs: Iterable[Job], stored: Stored | None = None) -> list[RunRecord]:
        """Run every job (only what ``stored`` lacks, when resuming).

        SIGINT or SIGTERM stops the running worker and raises :class:`Interrupted`
        carrying the records made so far; each of them is already in the store.
        """
        jobs = list(jobs)
        with self._signals:
            sweep = self._begin(jobs, stored)
            keeper = Keeper(
                self.store,
                self.observer,
                measure=self.settings.measure,
                env_id=sweep.env_id,
                calibration_rate=self.calibration.rate if self.calibration else None,
            )
            launcher = WorkerLauncher(
                self.settings,
                keeper,
                self._signals,
                sweep,
                traces_path=str(trace_path(self.store.path)) if self.keep_traces else "",
                calibration_rate=keeper.calibration_rate,
            )
            loop = SweepLoop(
                self.settings, sweep, keeper, self.observer, self._signals, launcher, stored
            )
            finished = False
            try:
                loop.run(jobs)
                finished = True
            except Interrupted as stop:
                stop.records = keeper.records
                raise
            finally:
                sweep.end(self.store.path, self.calibration, finished=finished)
        return keeper.records

    def _begin(self, jobs: list[Job], stored: Stored | None) -> Sweep:
        """One calibration before any job, when a job has cpu steps and none was given; the
        sweep's seed, environment record and first canary sample (measure/sweep.py)."""
        if self.calibration is None and any(j.uses_cpu and not j.skip_reason for j in jobs):
            self.calibration = Calibration.measure()
        return Sweep.begin(
            stored,
            order_seed=self.settings.order_seed,
            calibration=self.calibration,
            environment=self.environment,
            store_path=self.store.path,
        )
