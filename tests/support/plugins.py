"""Purpose-built plugins for runner and registry tests: each misbehaves in one way.

They are loaded by ``module:attr`` reference inside real worker processes, so they live in
an importable module rather than inside a test function.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from concbench.framework import (
    Backend,
    Param,
    Recorder,
    Scenario,
    StepKind,
    Task,
    Workload,
    cpu,
    sleep,
)


class GoodBackend(Backend):
    """Runs tasks one after another: slow, but a correct implementation of the contract."""

    name = "good"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        recorder.begin()
        for index, task in enumerate(workload.tasks):
            recorder.spawn(index)
            recorder.start(index)
            for step in task.steps:
                time.sleep(step.seconds)
            recorder.end(index)
        recorder.main_done()
        recorder.finish()


class RaisingBackend(GoodBackend):
    name = "raising"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        raise ValueError("this backend always raises")


class HangingBackend(GoodBackend):
    name = "hanging"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        time.sleep(3600)


class ExitingBackend(GoodBackend):
    name = "exiting"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        os._exit(3)


class ContractBreakingBackend(GoodBackend):
    """Forgets to record the start of every task."""

    name = "liar"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        recorder.begin()
        for index in range(len(workload.tasks)):
            recorder.spawn(index)
            recorder.end(index)
        recorder.main_done()
        recorder.finish()


class MissingLibraryBackend(GoodBackend):
    name = "missing"
    requires = ("concbench_no_such_library",)
    extra = "nosuch"


class SleepOnlyBackend(GoodBackend):
    name = "sleeponly"
    supports = frozenset({StepKind.SLEEP})
    options = (Param("depth", int, 1, "an option to validate", min=1, max=4),)


def _tiny(tasks: int, seconds: float) -> Workload:
    return Workload(tasks=(Task(steps=(sleep(seconds),)),) * tasks)


tiny = Scenario(
    name="tiny",
    summary="a few short sleeps",
    params=(
        Param("tasks", int, 2, "tasks", min=1, max=100),
        Param("seconds", float, 0.01, "sleep per task", min=0, max=10),
    ),
    build=_tiny,
)


cpu_tiny = Scenario(
    name="cpu-tiny",
    summary="a sleep and a little CPU work",
    params=(),
    build=lambda: Workload(tasks=(Task(steps=(sleep(0), cpu(0.01))),)),
)


class FigureBackend(GoodBackend):
    """Reports a cost paid outside the run, and a note, as the processes backend does."""

    name = "figure"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        started = time.perf_counter()
        time.sleep(0.01)  # "start-up", before begin(): outside the measured time
        recorder.figure("warm_up_s", time.perf_counter() - started)
        super().execute(workload, recorder)

    @classmethod
    def note(cls, workload: Workload, options: Mapping[str, Any]) -> str | None:
        return f"{len(workload.tasks)} tasks, one after another"


class BadCloseBackend(GoodBackend):
    name = "badclose"

    def close(self) -> None:
        raise OSError("the pool would not shut down")


class BadCompareBackend(GoodBackend):
    name = "badcompare"
    options = (Param("depth", int, 1, "an option", min=1, max=4),)
    compare = ({"depht": 2},)
