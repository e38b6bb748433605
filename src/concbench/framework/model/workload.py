"""The backend-neutral description of one run: its tasks, its main routine, and the rules
and references that come with it.

A scenario builds a :class:`Workload`; a backend executes it. This module is the
definition: the fields, the shape a backend reads (step slots, the kinds used, a tree's
parents, the two plainest shapes), and the reference times (``serial_s``, ``ideal_s``,
``machine_bound_s``) as cached properties, from nominal durations only, so the reference
never depends on the backend being measured. Every other job has a module of its own: the
steps (model/steps.py, whose names are re-exported here, where scenarios, plugins and the
docs import them), the rules a workload must keep (model/workloadchecks.py), the
arithmetic of the reference (model/reference.py), and the zero-overhead run with channels
(model/perfectrun.py).
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import reference
from .libraries import Library
from .perfectrun import PerfectRun
from .steps import (
    CHANNEL_KINDS,
    Channel,
    ModelError,
    Step,
    StepKind,
    block,
    checkpoint,
    cpu,
    get,
    io,
    put,
    sleep,
)
from .workloadchecks import check_channels, check_releases, check_tree, topological_order

__all__ = [
    "Channel",
    "ModelError",
    "Step",
    "StepKind",
    "Task",
    "Workload",
    "block",
    "checkpoint",
    "cpu",
    "get",
    "io",
    "put",
    "sleep",
]


def _duration(steps: Iterable[Step]) -> float:
    return math.fsum(step.seconds for step in steps)


@dataclass(frozen=True, slots=True)
class Task:
    """A sequence of steps run in order, after every task listed in ``after`` has ended.

    A task with ``children`` is a node of a task tree: after its steps it spawns those
    tasks itself, with the backend's structured primitive (a task group, a nursery,
    ``joinall``), and ends once they all have; main spawns only the tasks nobody spawns.
    """

    steps: tuple[Step, ...]
    after: tuple[int, ...] = ()
    children: tuple[int, ...] = ()

    @property
    def duration_s(self) -> float:
        return _duration(self.steps)


@dataclass(frozen=True)
class Workload:
    """What one run executes: tasks started concurrently, and the main routine's own steps.

    The main routine spawns every task (in a task tree, the tasks no task spawns), runs
    ``main`` concurrently with them, then gathers.
    ``limit`` caps how many tasks run at once (the main routine does not count). With a
    limit, a scenario that knows its exact ideal states it in ``stated_ideal_s``.
    ``channels`` declares the channels that ``put`` and ``get`` steps use. ``io_address``
    is where ``io`` steps connect: a scenario leaves it ``None``, and the worker fills it in
    with the address of the latency server the runner started for the job.
    """

    tasks: tuple[Task, ...]
    main: tuple[Step, ...] = ()
    limit: int | None = None
    stated_ideal_s: float | None = None
    channels: tuple[Channel, ...] = ()
    io_address: tuple[str, int] | None = None
    releases: tuple[float, ...] = ()
    """Each task's release time, seconds after ``begin``: it is not spawned before then
    (open-loop arrivals, docs/scenarios.md). Empty: every task is released at once."""
    services: tuple[tuple[str, int], ...] = ()
    """Servers the runner starts for the job outside the measured region, as (name,
    connections it must admit): ``http``, ``postgres`` (``measure/services.py``)."""
    endpoints: tuple[tuple[str, str], ...] = ()
    """How to reach each of those servers, as (name, JSON): the worker fills it in, as it
    does ``io_address``; :meth:`endpoint` reads one."""
    requires: tuple[Library, ...] = ()
    """Libraries the workload's ``call`` steps import (an HTTP client, a driver): when
    one is missing, the job is ``skipped`` with the extra that installs it."""
    _order: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise ModelError(f"`limit` must be None or >= 1, got {self.limit!r}")
        if self.stated_ideal_s is not None and not (
            math.isfinite(self.stated_ideal_s) and self.stated_ideal_s >= 0
        ):
            raise ModelError(
                f"`stated_ideal_s` must be finite and >= 0, got {self.stated_ideal_s!r}"
            )
        object.__setattr__(self, "_order", topological_order(self.tasks))
        if self.releases:
            check_releases(self)
        if self.has_children:
            check_tree(self)
        if self.channels or CHANNEL_KINDS & self.kinds:
            check_channels(self)
            _ = self._perfect_run_s  # the simulation refuses a workload that would deadlock

    @cached_property
    def _perfect(self) -> tuple[float, dict[tuple[int, int], float]]:
        """A zero-overhead run (see :class:`PerfectRun`): its makespan, and how long each
        hand-off that waited in it waited, by (lane, step index). Plain data, so that the
        simulation's per-lane state is freed at once."""
        perfect = PerfectRun(self)
        return perfect.run(), perfect.waited

    @cached_property
    def _perfect_run_s(self) -> float:
        return self._perfect[0]

    @cached_property
    def handoff_waits(self) -> dict[int, float]:
        """How long each ``put`` or ``get`` waits in the zero-overhead run, by step slot
        (:attr:`step_offsets`); steps that never wait there are left out.

        A hand-off's nominal duration is 0, but the ideal schedule still waits for the
        other side: the overhead decomposition measures a channel step against this wait,
        so that waiting the ideal also waits is not mistaken for overhead.
        """
        if not self.channels:
            return {}
        return reference.handoff_waits(self.step_offsets, self._perfect[1])

    @cached_property
    def step_offsets(self) -> array[int]:
        """Where each lane's steps begin in a run's flat step storage.

        Lane ``i < len(tasks)`` is task ``i``; lane ``len(tasks)`` is the main routine; the
        last entry is the total number of steps. One flat array keeps a million tasks'
        step timestamps cheap to store and to ship from the worker.
        """
        offsets = array("q", bytes(8 * (len(self.tasks) + 2)))
        total = 0
        for lane, task in enumerate(self.tasks):
            offsets[lane] = total
            total += len(task.steps)
        offsets[len(self.tasks)] = total
        offsets[len(self.tasks) + 1] = total + len(self.main)
        return offsets

    def lane_steps(self, lane: int) -> tuple[Step, ...]:
        """The steps of task ``lane``, or of the main routine for ``lane == len(tasks)``."""
        return self.main if lane == len(self.tasks) else self.tasks[lane].steps

    @property
    def has_dependencies(self) -> bool:
        return any(task.after for task in self.tasks)

    @cached_property
    def has_children(self) -> bool:
        """Whether any task spawns children of its own (a task tree)."""
        return any(task.children for task in self.tasks)

    @cached_property
    def parents(self) -> array[int]:
        """Each task's parent, or -1 for a task main spawns."""
        count = len(self.tasks)
        parents = array("q", [-1]) * count
        for index, task in enumerate(self.tasks):
            for child in task.children:
                if not index < child < count:
                    raise ModelError(
                        f"task {index}: child {child} must be a task listed after it "
                        f"({index + 1}..{count - 1})"
                    )
                if parents[child] != -1:
                    raise ModelError(
                        f"task {child} is a child of both task {parents[child]} and task {index}"
                    )
                parents[child] = index
        return parents

    @cached_property
    def roots(self) -> tuple[int, ...]:
        """The tasks main spawns: every task, or the tasks no task spawns in a tree."""
        if not self.has_children:
            return tuple(range(len(self.tasks)))
        return tuple(index for index, parent in enumerate(self.parents) if parent == -1)

    @cached_property
    def depths(self) -> array[int]:
        """Each task's level in its tree: 1 for a task main spawns, 2 for its children..."""
        depths = array("q", [1]) * len(self.tasks)
        if self.has_children:
            for index, parent in enumerate(self.parents):  # a parent comes before its children
                if parent != -1:
                    depths[index] = depths[parent] + 1
        return depths

    @cached_property
    def single_sleeps(self) -> list[float] | None:
        """Each task's sleep, when every task is one ``sleep`` with no dependency and there
        is no limit (a plain fan-out, as in ``seed`` and ``fanout``); else None.

        That shape carries the smallest per-task cost of any workload, so a backend's
        harness weighs most there: a backend may run it through a coroutine that has
        nothing to decide (docs/performance.md). Task ``i``'s step is then step slot ``i``.
        """
        if self.limit is not None or self.has_children:
            return None
        sleeps = []
        for task in self.tasks:
            steps = task.steps
            if task.after or len(steps) != 1 or steps[0].kind is not StepKind.SLEEP:
                return None
            sleeps.append(steps[0].seconds)
        return sleeps

    @cached_property
    def only_empty_tasks(self) -> bool:
        """Whether every task has no step and no dependency, and there is no limit (as in
        ``spawn``): the other shape a backend may run through a coroutine with nothing to
        decide (see :attr:`single_sleeps`)."""
        return (
            self.limit is None
            and not self.has_children
            and all(not task.steps and not task.after for task in self.tasks)
        )

    def prepare_run(self) -> None:
        """Compute now the figures a backend reads while it runs, which are cached on the
        workload: the skeleton's fast-path tests, the step offsets and the tree. A worker's
        warm-up runs a scaled copy, so without this its first counted run computed them
        inside the measured region (10,000 empty tasks: 1% more instructions than the
        runs after it)."""
        for figure in _RUN_FIGURES:
            getattr(self, figure)

    def scaled(self, factor: float) -> Workload:
        """The same tasks, steps, dependencies and channels with every duration multiplied
        by ``factor``: a warm-up that takes every code path of a run in a fraction of its
        time. Tasks that share one steps tuple still share one."""
        if not (math.isfinite(factor) and factor >= 0):
            raise ModelError(f"scale factor must be finite and >= 0, got {factor!r}")
        copies: dict[int, tuple[Step, ...]] = {}

        def scale(steps: tuple[Step, ...]) -> tuple[Step, ...]:
            if id(steps) not in copies:
                copies[id(steps)] = tuple(
                    Step(step.kind, step.seconds * factor, step.count, step.channel, step.target)
                    for step in steps
                )
            return copies[id(steps)]

        return Workload(
            tasks=tuple(Task(scale(task.steps), task.after, task.children) for task in self.tasks),
            main=scale(self.main),
            limit=self.limit,
            stated_ideal_s=None if self.stated_ideal_s is None else self.stated_ideal_s * factor,
            channels=self.channels,
            io_address=self.io_address,
            releases=tuple(release * factor for release in self.releases),
            services=self.services,
            endpoints=self.endpoints,
            requires=self.requires,
        )

    @cached_property
    def kinds(self) -> frozenset[StepKind]:
        """Every step kind used, main included: a backend must support all of them."""
        kinds = {step.kind for step in self.main}
        seen: set[int] = set()
        for task in self.tasks:
            if id(task.steps) not in seen:  # scenarios share one steps tuple between tasks
                seen.add(id(task.steps))
                kinds.update(step.kind for step in task.steps)
        return frozenset(kinds)

    @property
    def task_steps(self) -> int:
        """Steps in the tasks, main excluded (as ``len(tasks)`` excludes main)."""
        return self.step_offsets[len(self.tasks)]

    @cached_property
    def io_connections(self) -> int:
        """The most ``io`` requests that can be open at once: one per lane that makes any
        (a lane runs its steps one at a time), at most ``limit`` tasks, plus main."""
        has_io: dict[int, bool] = {}
        lanes = 0
        for task in self.tasks:
            key = id(task.steps)  # scenarios share one steps tuple between tasks
            if key not in has_io:
                has_io[key] = any(step.kind is StepKind.IO for step in task.steps)
            lanes += has_io[key]
        if self.limit is not None:
            lanes = min(lanes, self.limit)
        return lanes + any(step.kind is StepKind.IO for step in self.main)

    def io_target(self) -> tuple[str, int]:
        """The latency server's address, or an error saying how to provide one."""
        if self.io_address is None:
            raise ModelError(
                "the workload has io steps but no io_address: the runner starts the latency "
                "server and fills it in; to execute a workload yourself, start "
                "concbench.framework.measure.ioserver.LatencyServer and set io_address with "
                "dataclasses.replace"
            )
        return self.io_address

    def endpoint(self, service: str) -> dict[str, Any]:
        """How to reach a server the workload declared in ``services`` (its JSON), or an
        error saying how to provide it."""
        for name, info in self.endpoints:
            if name == service:
                found: dict[str, Any] = json.loads(info)
                return found
        raise ModelError(
            f"the workload has no endpoint for the {service!r} server: the runner starts it "
            "(workload.services) and the worker fills in `endpoints`; to execute the workload "
            "yourself, start it (concbench.framework.measure.services) and set `endpoints` "
            "with dataclasses.replace"
        )

    @cached_property
    def main_s(self) -> float:
        return _duration(self.main)

    @cached_property
    def serial_s(self) -> float:
        """Everything one after another: the sum of every nominal duration, main included."""
        return reference.serial_s(self)

    @cached_property
    def cpu_work_s(self) -> float:
        """Total nominal CPU seconds: what no number of coroutines can overlap."""
        return reference.cpu_work_s(self)

    @cached_property
    def ideal_s(self) -> float:
        """The critical path: the longest chain of nominal durations, main included; under a
        limit, with channels or in a tree, as :func:`reference.ideal_s` says."""
        return reference.ideal_s(self, self._perfect_run_s if self.channels else None)

    @cached_property
    def nominal_starts(self) -> array[float]:
        """When each task starts in the reference schedule behind :attr:`ideal_s`, against
        which the decomposition measures a task's start delay (:func:`reference.nominal_starts`)."""
        return reference.nominal_starts(self, self._order)

    def starts_within(self, slots: int) -> array[float] | None:
        """:attr:`nominal_starts` under a pool of ``slots`` workers, or None when that bound
        changes nothing (:func:`reference.starts_within`)."""
        return reference.starts_within(self, slots)

    def machine_bound_s(self, cores: int) -> float:
        """The best any backend could do on ``cores`` cores: CPU work cannot beat cpu/cores."""
        return max(self.ideal_s, self.cpu_work_s / max(cores, 1))


_RUN_FIGURES = (
    "step_offsets",
    "single_sleeps",
    "only_empty_tasks",
    "has_children",
    "parents",
    "roots",
    "depths",
    "kinds",
)
"""The cached figures a run reads (:meth:`Workload.prepare_run`)."""
