"""The backend-neutral description of one run, and the two reference times it implies.

A scenario builds a :class:`Workload`; a backend executes it. Everything a report compares
the measurement against (``serial_s``, ``ideal_s``, ``machine_bound_s``) is computed here,
from nominal durations only, so the reference never depends on the backend being measured.
"""

from __future__ import annotations

import enum
import heapq
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

__all__ = [
    "ModelError",
    "Step",
    "StepKind",
    "Task",
    "Workload",
    "block",
    "checkpoint",
    "cpu",
    "sleep",
]


class ModelError(ValueError):
    """A workload that cannot exist: a negative duration, a cycle, a dependency on nothing."""


class StepKind(str, enum.Enum):
    """What a step does to the scheduler; each backend maps every kind to its own primitive."""

    SLEEP = "sleep"
    """A cooperative wait: the backend's own sleep (``trio.sleep``, ``time.sleep`` in a thread)."""
    BLOCK = "block"
    """A wait that does not yield (``time.sleep`` inside a coroutine): the classic pitfall."""
    CPU = "cpu"
    """Pure-Python computation calibrated to take ``seconds`` alone on this machine."""
    CHECKPOINT = "checkpoint"
    """``count`` bare yields to the scheduler; nominally free."""


@dataclass(frozen=True, slots=True)
class Step:
    """One unit of work with a nominal duration."""

    kind: StepKind
    seconds: float = 0.0
    count: int = 1

    def __post_init__(self) -> None:
        if not math.isfinite(self.seconds) or self.seconds < 0:
            raise ModelError(
                f"{self.kind.value} step: `seconds` must be finite and >= 0, got {self.seconds!r}"
            )
        if self.count < 1:
            raise ModelError(f"{self.kind.value} step: `count` must be >= 1, got {self.count!r}")


def sleep(seconds: float) -> Step:
    """A cooperative wait of ``seconds``."""
    return Step(StepKind.SLEEP, float(seconds))


def block(seconds: float) -> Step:
    """A non-yielding wait of ``seconds``: blocks a coroutine scheduler, not other threads."""
    return Step(StepKind.BLOCK, float(seconds))


def cpu(seconds: float) -> Step:
    """Pure-Python work that takes ``seconds`` alone on this machine (calibrated per worker)."""
    return Step(StepKind.CPU, float(seconds))


def checkpoint(count: int = 1) -> Step:
    """``count`` bare yields to the scheduler."""
    return Step(StepKind.CHECKPOINT, 0.0, int(count))


def _duration(steps: Iterable[Step]) -> float:
    return math.fsum(step.seconds for step in steps)


@dataclass(frozen=True, slots=True)
class Task:
    """A sequence of steps run in order, after every task listed in ``after`` has ended."""

    steps: tuple[Step, ...]
    after: tuple[int, ...] = ()

    @property
    def duration_s(self) -> float:
        return _duration(self.steps)


@dataclass(frozen=True)
class Workload:
    """What one run executes: tasks started concurrently, and the main routine's own steps.

    The main routine spawns every task, runs ``main`` concurrently with them, then gathers.
    ``limit`` caps how many tasks run at once (the main routine does not count). With a
    limit, a scenario that knows its exact ideal states it in ``stated_ideal_s``.
    """

    tasks: tuple[Task, ...]
    main: tuple[Step, ...] = ()
    limit: int | None = None
    stated_ideal_s: float | None = None
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
        object.__setattr__(self, "_order", _topological_order(self.tasks))

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
    def kinds(self) -> frozenset[StepKind]:
        """Every step kind used, main included: a backend must support all of them."""
        kinds = {step.kind for step in self.main}
        seen: set[int] = set()
        for task in self.tasks:
            if id(task.steps) not in seen:  # scenarios share one steps tuple between tasks
                seen.add(id(task.steps))
                kinds.update(step.kind for step in task.steps)
        return frozenset(kinds)

    @cached_property
    def main_s(self) -> float:
        return _duration(self.main)

    @cached_property
    def serial_s(self) -> float:
        """Everything one after another: the sum of every nominal duration, main included."""
        return math.fsum(task.duration_s for task in self.tasks) + self.main_s

    @cached_property
    def cpu_work_s(self) -> float:
        """Total nominal CPU seconds: what no number of coroutines can overlap."""
        steps = [step for task in self.tasks for step in task.steps] + list(self.main)
        return math.fsum(step.seconds for step in steps if step.kind is StepKind.CPU)

    @cached_property
    def ideal_s(self) -> float:
        """The critical path: the longest chain of nominal durations, main included.

        Without a limit this is exact. With a limit and no stated ideal, it is the makespan
        of a greedy schedule that starts ready tasks in index order: exact for equal tasks
        (ceil(N/L) x d), an upper bound in general, since the optimum is NP-hard to find.
        """
        if self.stated_ideal_s is not None:
            return self.stated_ideal_s
        starts = self.nominal_starts
        tasks_end = max(
            (start + task.duration_s for start, task in zip(starts, self.tasks, strict=True)),
            default=0.0,
        )
        return max(tasks_end, self.main_s)

    @cached_property
    def nominal_starts(self) -> array[float]:
        """When each task starts in the reference schedule behind :attr:`ideal_s`.

        The overhead decomposition measures a task's start delay against this, so that
        waiting for a dependency or a slot, which the ideal already counts, is not
        mistaken for scheduler overhead.
        """
        if self.limit is None or self.limit >= len(self.tasks):
            return _earliest_starts(self.tasks, self._order)
        return _greedy_starts(self.tasks, self.limit)

    def machine_bound_s(self, cores: int) -> float:
        """The best any backend could do on ``cores`` cores: CPU work cannot beat cpu/cores."""
        return max(self.ideal_s, self.cpu_work_s / max(cores, 1))


def _topological_order(tasks: Sequence[Task]) -> tuple[int, ...]:
    """Kahn's algorithm; rejects dependencies on missing tasks, on itself, and cycles."""
    count = len(tasks)
    dependents: dict[int, list[int]] = {}
    waiting = [0] * count
    for index, task in enumerate(tasks):
        for dep in task.after:
            if not 0 <= dep < count:
                raise ModelError(
                    f"task {index} depends on task {dep}, which does not exist (0..{count - 1})"
                )
            if dep == index:
                raise ModelError(f"task {index} depends on itself")
            dependents.setdefault(dep, []).append(index)
        waiting[index] = len(set(task.after))
    ready = [index for index in range(count) if waiting[index] == 0]
    order: list[int] = []
    while ready:
        index = ready.pop()
        order.append(index)
        for child in dependents.get(index, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    if len(order) != count:
        stuck = sorted(index for index in range(count) if waiting[index] > 0)
        raise ModelError(f"tasks {stuck[:10]} form a dependency cycle")
    return tuple(order)


def _earliest_starts(tasks: Sequence[Task], order: Sequence[int]) -> array[float]:
    """Each task starts the moment its last dependency ends: the critical-path schedule."""
    starts = array("d", bytes(8 * len(tasks)))
    finish = array("d", bytes(8 * len(tasks)))
    for index in order:
        task = tasks[index]
        starts[index] = max((finish[dep] for dep in task.after), default=0.0)
        finish[index] = starts[index] + task.duration_s
    return starts


def _greedy_starts(tasks: Sequence[Task], limit: int) -> array[float]:
    """Simulate ``limit`` slots that always take the lowest-index ready task."""
    waiting = [len(set(task.after)) for task in tasks]
    dependents: dict[int, list[int]] = {}
    for index, task in enumerate(tasks):
        for dep in set(task.after):
            dependents.setdefault(dep, []).append(index)
    ready = [index for index, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    running: list[tuple[float, int]] = []  # (end time, task index)
    starts = array("d", bytes(8 * len(tasks)))
    now = 0.0
    while ready or running:
        while ready and len(running) < limit:
            index = heapq.heappop(ready)
            starts[index] = now
            heapq.heappush(running, (now + tasks[index].duration_s, index))
        now, done = heapq.heappop(running)
        for child in dependents.get(done, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    return starts
