"""The backend-neutral description of one run, and the two reference times it implies.

A scenario builds a :class:`Workload`; a backend executes it. Everything a report compares
the measurement against (``serial_s``, ``ideal_s``, ``machine_bound_s``) is computed here,
from nominal durations only, so the reference never depends on the backend being measured.
"""

from __future__ import annotations

import enum
import heapq
import itertools
import json
import math
from array import array
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .errors import UserError
from .libraries import Library

if TYPE_CHECKING:
    from .calls import Call

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


class ModelError(UserError, ValueError):
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
    IO = "io"
    """One request to the loopback latency server, which answers after ``seconds``, made
    through the backend's own socket API (a new connection per request)."""
    PUT = "put"
    """Hand one item to ``channel`` (the backend's own queue or channel); waits while it is
    full. Nominally free: only the waiting it causes is on the critical path."""
    GET = "get"
    """Take one item from ``channel``; waits while it is empty. Nominally free."""
    CALL = "call"
    """The scenario's own function (``target``, model/calls.py); its nominal duration is
    its solo time, measured alone on the backend before the counted runs."""
    OFFLOAD = "offload"
    """A blocking call of ``seconds`` handed to a thread by the backend's own primitive
    (``asyncio.to_thread``, ``trio.to_thread.run_sync``); on threads, the call itself."""


_CHANNEL_KINDS = frozenset({StepKind.PUT, StepKind.GET})


@dataclass(frozen=True, slots=True)
class Step:
    """One unit of work with a nominal duration."""

    kind: StepKind
    seconds: float = 0.0
    count: int = 1
    channel: str = ""
    """The channel a ``put`` or ``get`` step uses (declared in :attr:`Workload.channels`)."""
    target: Call | None = None
    """The function a ``call`` step runs (model/calls.py); ``None`` for every other kind."""

    def __post_init__(self) -> None:
        if not math.isfinite(self.seconds) or self.seconds < 0:
            raise ModelError(
                f"{self.kind.value} step: `seconds` must be finite and >= 0, got {self.seconds!r}"
            )
        if self.count < 1:
            raise ModelError(f"{self.kind.value} step: `count` must be >= 1, got {self.count!r}")
        if (self.kind in _CHANNEL_KINDS) != bool(self.channel):
            raise ModelError(
                f"{self.kind.value} step: `channel` is required for put and get steps and "
                f"allowed for no others, got {self.channel!r}"
            )
        if (self.kind is StepKind.CALL) != (self.target is not None):
            raise ModelError(
                f"{self.kind.value} step: `target` is required for call steps and allowed "
                "for no others (build a call step with concbench.framework.call)"
            )


def sleep(seconds: float) -> Step:
    """A cooperative wait of ``seconds``."""
    return Step(StepKind.SLEEP, float(seconds))


def block(seconds: float) -> Step:
    """A non-yielding wait of ``seconds``: blocks a coroutine scheduler, not other threads."""
    return Step(StepKind.BLOCK, float(seconds))


def cpu(seconds: float) -> Step:
    """Pure-Python work that takes ``seconds`` alone on this machine (calibrated per sweep)."""
    return Step(StepKind.CPU, float(seconds))


def checkpoint(count: int = 1) -> Step:
    """``count`` bare yields to the scheduler."""
    return Step(StepKind.CHECKPOINT, 0.0, int(count))


def io(seconds: float) -> Step:
    """One request to a loopback server that answers after ``seconds``."""
    return Step(StepKind.IO, float(seconds))


def put(channel: str) -> Step:
    """Hand one item to ``channel``, waiting while it is full."""
    return Step(StepKind.PUT, channel=channel)


def get(channel: str) -> Step:
    """Take one item from ``channel``, waiting while it is empty."""
    return Step(StepKind.GET, channel=channel)


@dataclass(frozen=True, slots=True)
class Channel:
    """A FIFO hand-off between tasks: asyncio.Queue, a trio memory channel, queue.Queue.

    ``capacity`` is how many items it holds before a ``put`` waits; ``None`` is unbounded.
    There is no rendezvous channel (capacity 0): asyncio and the standard library have none,
    so it could not be measured on every backend with the backend's own kind.
    """

    name: str
    capacity: int | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ModelError("a channel needs a name")
        if self.capacity is not None and self.capacity < 1:
            raise ModelError(
                f"channel {self.name!r}: `capacity` must be None (unbounded) or >= 1, "
                f"got {self.capacity!r}"
            )


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
        object.__setattr__(self, "_order", _topological_order(self.tasks))
        if self.releases:
            self._check_releases()
        if self.has_children:
            self._check_tree()
        if self.channels or _CHANNEL_KINDS & self.kinds:
            self._check_channels()

    def _check_releases(self) -> None:
        """One finite, non-negative release per task, in task order, and nothing a release
        would make ambiguous: main is the dispatcher, so it has no steps of its own, and a
        release with ``after`` or channels has no ideal defined yet."""
        if len(self.releases) != len(self.tasks):
            raise ModelError(
                f"`releases` must hold one time per task ({len(self.tasks)}), "
                f"got {len(self.releases)}"
            )
        previous = 0.0
        for index, release in enumerate(self.releases):
            if not (math.isfinite(release) and release >= previous):
                raise ModelError(
                    f"task {index}: release times must be finite, >= 0 and in task order, "
                    f"got {release!r} after {previous!r}"
                )
            previous = release
        if self.main or self.channels or self.has_dependencies:
            raise ModelError(
                "a workload with release times cannot have main steps, channels or `after` "
                "dependencies (main releases the tasks)"
            )

    def _check_tree(self) -> None:
        """Each task has at most one parent, listed before it (so no cycle), and a tree
        combines with no rule a parent waiting for its children would break."""
        if self.limit is not None or self.channels or self.has_dependencies or self.releases:
            raise ModelError(
                "a workload with task trees (children) cannot also have `limit`, `channels`, "
                "`after` dependencies or `releases`: a parent waiting for its children would "
                "hold a slot or a place in the schedule the others assume"
            )
        _ = self.parents  # refuses a child of two parents, a missing one, or an earlier one

    def _check_channels(self) -> None:
        """Every channel used is declared once, and the hand-offs can all complete."""
        names = [channel.name for channel in self.channels]
        if len(set(names)) != len(names):
            raise ModelError(f"channel names must be unique, got {names}")
        declared = set(names)
        for lane in range(len(self.tasks) + 1):
            for step in self.lane_steps(lane):
                if step.channel and step.channel not in declared:
                    who = "main" if lane == len(self.tasks) else f"task {lane}"
                    raise ModelError(
                        f"{who}: {step.kind.value} step uses channel {step.channel!r}, which is "
                        f"not declared in `channels` ({', '.join(map(repr, names)) or 'none'})"
                    )
        _ = self._perfect_run_s  # the simulation refuses a workload that would deadlock

    @cached_property
    def _perfect(self) -> tuple[float, dict[tuple[int, int], float]]:
        """A zero-overhead run (see :class:`_Perfect`): its makespan, and how long each
        hand-off that waited in it waited, by (lane, step index). Plain data, so that the
        simulation's per-lane state is freed at once."""
        perfect = _Perfect(self)
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
        offsets = self.step_offsets
        return {offsets[lane] + step: wait for (lane, step), wait in self._perfect[1].items()}

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
        With channels, hand-offs are dependencies too (a get waits for a put, a put into a
        full channel for a get), so the ideal is the makespan of a zero-overhead run. In a
        task tree a child starts when its parent's steps are done and the parent ends with
        its last child, so this is the longest chain from a root down through its descendants.
        """
        if self.stated_ideal_s is not None:
            return self.stated_ideal_s
        if self.channels:
            return self._perfect_run_s
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
        if self.has_children:
            return _tree_starts(self.tasks, self.parents)
        if self.limit is None or self.limit >= len(self.tasks):
            starts = _earliest_starts(self.tasks, self._order)
            for index, release in enumerate(self.releases):  # no `after` with releases
                starts[index] = release
            return starts
        return _greedy_starts(self.tasks, self.limit, self.releases)

    def starts_within(self, slots: int) -> array[float] | None:
        """:attr:`nominal_starts` if at most ``slots`` tasks could run at once (a pool of
        that size), or None when that bound changes nothing (or the workload has channels,
        whose hand-offs a pool bound would turn into a different schedule altogether).

        The overhead decomposition charges the wait this adds to "pool": it is the cost of
        the backend's configuration, not of its scheduler.
        """
        bound = min(self.limit or len(self.tasks), slots)
        if (
            self.channels
            or self.has_children
            or bound >= min(self.limit or len(self.tasks), len(self.tasks))
        ):
            return None
        return _greedy_starts(self.tasks, max(bound, 1), self.releases)

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


class _Perfect:
    """A zero-overhead run: every step takes its nominal time, hand-offs and wake-ups take
    none, and every runnable lane runs at once (cores unlimited, as for the critical path).

    Ties go first come, first served: the getter or putter that has waited longest is
    served first, and a free slot under the limit goes to the lowest-index ready task. A
    blocked task keeps its slot, as it does on every backend.
    """

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        tasks = workload.tasks
        self.lanes = [task.steps for task in tasks] + [workload.main]
        self.position = [0] * len(self.lanes)
        self.finish: list[float | None] = [None] * len(self.lanes)
        self.started = [False] * len(tasks) + [True]
        self.capacity = {channel.name: channel.capacity for channel in workload.channels}
        self.items = dict.fromkeys(self.capacity, 0)
        self.putters: dict[str, deque[int]] = {name: deque() for name in self.capacity}
        self.getters: dict[str, deque[int]] = {name: deque() for name in self.capacity}
        self.waiting = [len(set(task.after)) for task in tasks]
        self.dependents: dict[int, list[int]] = {}
        for index, task in enumerate(tasks):
            for dep in set(task.after):
                self.dependents.setdefault(dep, []).append(index)
        self.ready = [index for index, count in enumerate(self.waiting) if count == 0]
        heapq.heapify(self.ready)
        self.running = 0
        self.order = itertools.count()
        self.events: list[tuple[float, int, int]] = []  # (time, tie-break, lane)
        self.since = [0.0] * len(self.lanes)
        """When each lane began waiting in its current put or get."""
        self.waited: dict[tuple[int, int], float] = {}
        """(lane, step index) -> how long that put or get waited, when it did."""

    def run(self) -> float:
        self._schedule(len(self.workload.tasks), 0.0)  # main starts at once, without a slot
        self._start_ready(0.0)
        while self.events:
            now, _, lane = heapq.heappop(self.events)
            if self._advance(lane, now):
                self._end(lane, now)
        stuck = [lane for lane, end in enumerate(self.finish) if end is None]
        if stuck:
            raise ModelError(f"the workload deadlocks: {self._describe(stuck)}")
        return max(end for end in self.finish if end is not None)

    def _schedule(self, lane: int, at: float) -> None:
        heapq.heappush(self.events, (at, next(self.order), lane))

    def _wake(self, lane: int, now: float) -> None:
        """The put or get that ``lane`` waits in completes now."""
        self.waited[(lane, self.position[lane])] = now - self.since[lane]
        self.position[lane] += 1
        self._schedule(lane, now)

    def _start_ready(self, now: float) -> None:
        limit = self.workload.limit
        while self.ready and (limit is None or self.running < limit):
            self.running += 1
            lane = heapq.heappop(self.ready)
            self.started[lane] = True
            self._schedule(lane, now)

    def _advance(self, lane: int, now: float) -> bool:
        """Run ``lane`` until it waits; True when it has no steps left."""
        steps = self.lanes[lane]
        while self.position[lane] < len(steps):
            step = steps[self.position[lane]]
            if step.kind is StepKind.PUT:
                if not self._put(step.channel, lane, now):
                    return False
            elif step.kind is StepKind.GET:
                if not self._get(step.channel, lane, now):
                    return False
            elif step.seconds:
                self.position[lane] += 1
                self._schedule(lane, now + step.seconds)
                return False
            self.position[lane] += 1
        return True

    def _put(self, name: str, lane: int, now: float) -> bool:
        """Hand an item over; False when the channel is full and ``lane`` must wait."""
        capacity = self.capacity[name]
        if self.getters[name]:
            self._wake(self.getters[name].popleft(), now)
        elif capacity is None or self.items[name] < capacity:
            self.items[name] += 1
        else:
            self.putters[name].append(lane)
            self.since[lane] = now
            return False
        return True

    def _get(self, name: str, lane: int, now: float) -> bool:
        """Take an item; False when the channel is empty and ``lane`` must wait."""
        if not self.items[name]:
            self.getters[name].append(lane)
            self.since[lane] = now
            return False
        if self.putters[name]:  # the channel was full: the longest-waiting put goes in
            self._wake(self.putters[name].popleft(), now)
        else:
            self.items[name] -= 1
        return True

    def _end(self, lane: int, now: float) -> None:
        self.finish[lane] = now
        if lane == len(self.workload.tasks):
            return
        self.running -= 1
        for child in self.dependents.get(lane, ()):
            self.waiting[child] -= 1
            if self.waiting[child] == 0:
                heapq.heappush(self.ready, child)
        self._start_ready(now)

    def _describe(self, stuck: list[int]) -> str:
        described = []
        for lane in stuck[:3]:
            who = "main" if lane == len(self.workload.tasks) else f"task {lane}"
            if self.started[lane]:
                step = self.lanes[lane][self.position[lane]]
                verb = "put into" if step.kind is StepKind.PUT else "get from"
                described.append(f"{who} waits forever to {verb} channel {step.channel!r}")
            else:
                described.append(
                    f"{who} never starts (a task it depends on never ends, or waiting tasks "
                    "hold every slot under `limit`)"
                )
        more = f" (and {len(stuck) - 3} more)" if len(stuck) > 3 else ""
        return "; ".join(described) + more
