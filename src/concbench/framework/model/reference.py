"""The reference a measurement is compared against: serial, ideal, and the schedule behind
the ideal.

Every figure here is computed from nominal durations only, in the parent, before anything
runs, so the reference never depends on the backend being measured (docs/architecture.md,
"Reference times"). The workload exposes them as cached properties
(``Workload.serial_s``, ``ideal_s``, ``nominal_starts``...); they are computed here so that
the definition of a workload reads apart from the arithmetic of its reference.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .steps import StepKind

if TYPE_CHECKING:
    from .workload import Task, Workload

__all__ = [
    "cpu_work_s",
    "handoff_waits",
    "ideal_s",
    "nominal_starts",
    "serial_s",
    "starts_within",
]


def serial_s(workload: Workload) -> float:
    """Everything one after another: the sum of every nominal duration, main included."""
    return math.fsum(task.duration_s for task in workload.tasks) + workload.main_s


def cpu_work_s(workload: Workload) -> float:
    """Total nominal CPU seconds: what no number of coroutines can overlap."""
    steps = [step for task in workload.tasks for step in task.steps] + list(workload.main)
    return math.fsum(step.seconds for step in steps if step.kind is StepKind.CPU)


def ideal_s(workload: Workload, perfect_run_s: float | None) -> float:
    """The critical path: the longest chain of nominal durations, main included.

    Without a limit this is exact. With a limit and no stated ideal, it is the makespan
    of a greedy schedule that starts ready tasks in index order: exact for equal tasks
    (ceil(N/L) x d), an upper bound in general, since the optimum is NP-hard to find.
    With channels, hand-offs are dependencies too (a get waits for a put, a put into a
    full channel for a get), so the ideal is the makespan of a zero-overhead run
    (``perfect_run_s``, model/perfectrun.py; ``None`` without channels). In a task tree a
    child starts when its parent's steps are done and the parent ends with its last child,
    so this is the longest chain from a root down through its descendants.
    """
    if workload.stated_ideal_s is not None:
        return workload.stated_ideal_s
    if perfect_run_s is not None:
        return perfect_run_s
    starts = workload.nominal_starts
    tasks_end = max(
        (start + task.duration_s for start, task in zip(starts, workload.tasks, strict=True)),
        default=0.0,
    )
    return max(tasks_end, workload.main_s)


def handoff_waits(offsets: Sequence[int], waited: dict[tuple[int, int], float]) -> dict[int, float]:
    """The zero-overhead run's waits of its hand-offs (by lane and step index), by step
    slot (``Workload.step_offsets``), as the decomposition reads them."""
    return {offsets[lane] + step: wait for (lane, step), wait in waited.items()}


def nominal_starts(workload: Workload, order: Sequence[int]) -> array[float]:
    """When each task starts in the reference schedule behind :func:`ideal_s`; ``order``
    is the tasks' topological order (dependencies first).

    The overhead decomposition measures a task's start delay against this, so that
    waiting for a dependency or a slot, which the ideal already counts, is not
    mistaken for scheduler overhead.
    """
    tasks = workload.tasks
    if workload.has_children:
        return _tree_starts(tasks, workload.parents)
    if workload.limit is None or workload.limit >= len(tasks):
        starts = _earliest_starts(tasks, order)
        for index, release in enumerate(workload.releases):  # no `after` with releases
            starts[index] = release
        return starts
    return _greedy_starts(tasks, workload.limit, workload.releases)


def starts_within(workload: Workload, slots: int) -> array[float] | None:
    """:func:`nominal_starts` if at most ``slots`` tasks could run at once (a pool of
    that size), or None when that bound changes nothing (or the workload has channels,
    whose hand-offs a pool bound would turn into a different schedule altogether).

    The overhead decomposition charges the wait this adds to "pool": it is the cost of
    the backend's configuration, not of its scheduler.
    """
    tasks, limit = workload.tasks, workload.limit
    bound = min(limit or len(tasks), slots)
    if workload.channels or workload.has_children or bound >= min(limit or len(tasks), len(tasks)):
        return None
    return _greedy_starts(tasks, max(bound, 1), workload.releases)


def _earliest_starts(tasks: Sequence[Task], order: Sequence[int]) -> array[float]:
    """Each task starts the moment its last dependency ends: the critical-path schedule."""
    starts = array("d", bytes(8 * len(tasks)))
    finish = array("d", bytes(8 * len(tasks)))
    for index in order:
        task = tasks[index]
        starts[index] = max((finish[dep] for dep in task.after), default=0.0)
        finish[index] = starts[index] + task.duration_s
    return starts


def _tree_starts(tasks: Sequence[Task], parents: Sequence[int]) -> array[float]:
    """A task main spawns starts at once; a child, the moment its parent's steps are done
    (parents come before their children)."""
    starts = array("d", bytes(8 * len(tasks)))
    for index, parent in enumerate(parents):
        if parent != -1:
            starts[index] = starts[parent] + tasks[parent].duration_s
    return starts


def _greedy_starts(
    tasks: Sequence[Task], limit: int, releases: Sequence[float] = ()
) -> array[float]:
    """Simulate ``limit`` slots that always take the lowest-index ready task; with
    ``releases`` (in task order, no dependencies), a task is ready from its release on."""
    waiting = [len(set(task.after)) for task in tasks]
    dependents: dict[int, list[int]] = {}
    for index, task in enumerate(tasks):
        for dep in set(task.after):
            dependents.setdefault(dep, []).append(index)
    ready = [index for index, count in enumerate(waiting) if count == 0]
    unreleased = deque(ready if releases else ())
    if releases:
        ready = []
    heapq.heapify(ready)
    running: list[tuple[float, int]] = []  # (end time, task index)
    starts = array("d", bytes(8 * len(tasks)))
    now = 0.0
    while ready or running or unreleased:
        while unreleased and releases[unreleased[0]] <= now:
            heapq.heappush(ready, unreleased.popleft())
        while ready and len(running) < limit:
            index = heapq.heappop(ready)
            starts[index] = now
            heapq.heappush(running, (now + tasks[index].duration_s, index))
        if not running:  # every slot free, the next task not yet released
            now = releases[unreleased[0]]
            continue
        if unreleased and releases[unreleased[0]] < running[0][0]:
            now = releases[unreleased[0]]
            continue
        now, done = heapq.heappop(running)
        for child in dependents.get(done, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    return starts
