"""The body of every backend, written once over the primitives each backend supplies.

A backend differs from another in its primitives: how it sleeps, yields, makes a request,
hands an item over a channel, waits for an event, limits concurrency, spawns a routine and
waits for it. Everything else is the same on every backend and is written here once: the
dispatch of each step to its primitive, the gate (a task waits for the tasks in its
``after`` and for a slot under ``limit``), the stamps in the recorder's arrays, and the
run itself (``begin``, spawn every task, run main, ``main_done``, join, ``finish``). So
every backend pays the same bookkeeping and takes the same fast paths, and a new backend
fills in :class:`CoroutinePrimitives` or :class:`BlockingPrimitives` instead of copying a
lane (docs/plugins.md).

There are two skeletons because there are two kinds of routine: coroutines, whose waits
are awaited (asyncio, uvloop, trio, anyio), and blocking routines, whose waits block their
thread or greenlet (threads, a thread pool, gevent, a task in a pool process). They mirror
each other line for line.

Each routine is one flat function, with the hot state in closure cells and the rest in one
object, because a task costs only microseconds on a coroutine scheduler, and every extra
frame, call, argument, or name in a suspended task's frame would be charged to the
backend as overhead (docs/performance.md measures what is left). Two workload shapes
cost the least per task, so there the harness weighs most, and they run through routines
with nothing to decide: a plain fan-out (:attr:`Workload.single_sleeps`) and empty tasks
(:attr:`Workload.only_empty_tasks`). A task tree's parents run through a routine that
wraps the general one: its steps, then its children in a task group of its own.
Every routine takes the same stamps at the same points.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

from .callrun import Held, Invoker, invokers, open_async, open_sync, workload_needs
from .calls import CallContext
from .cpuwork import burn
from .recorder import Recorder
from .workload import Step, StepKind, Task, Workload

__all__ = [
    "AsyncEvent",
    "AsyncLimiter",
    "BlockingPrimitives",
    "CoroutinePrimitives",
    "Event",
    "GatherGroup",
    "Lanes",
    "Limiter",
    "Nursery",
    "blocking_lanes",
    "coroutine_lanes",
    "coroutine_run",
    "run_blocking",
    "run_coroutines",
    "task_path",
]

# module constants: an enum member lookup per step would be measurable at a million tasks
_SLEEP, _BLOCK, _CPU, _CHECKPOINT = (
    StepKind.SLEEP,
    StepKind.BLOCK,
    StepKind.CPU,
    StepKind.CHECKPOINT,
)
_IO, _PUT, _GET = StepKind.IO, StepKind.PUT, StepKind.GET
_CALL, _OFFLOAD = StepKind.CALL, StepKind.OFFLOAD
_NOWHERE = ("", 0)
"""The address of a workload without io steps: never connected to."""

Address = tuple[str, int]
R = TypeVar("R")
H = TypeVar("H")
AsyncRoutine = Callable[[int, Any], Coroutine[Any, Any, None]]
"""A task's coroutine function: ``(index, arg)``, ``arg`` being what :attr:`Lanes.args` holds."""
BlockingRoutine = Callable[[int, Any], None]


def _wall_sleep() -> Callable[[float], object]:
    # looked up when the primitives are made, not at import: gevent patches time.sleep in
    # a process that imported the framework before
    return time.sleep


async def _no_offload(seconds: float) -> None:
    raise NotImplementedError(
        "this backend's CoroutinePrimitives give no `offload`: pass the loop's own hand-off "
        "to a thread, e.g. offload=functools.partial(asyncio.to_thread, time.sleep)"
    )


class AsyncEvent(Protocol):
    """``asyncio.Event``, ``trio.Event``, ``anyio.Event``."""

    def set(self) -> object: ...

    def wait(self) -> Awaitable[object]: ...


class AsyncLimiter(Protocol):
    """``asyncio.Semaphore``, ``trio.CapacityLimiter``, ``anyio.CapacityLimiter``: acquired
    and released by the same task."""

    def acquire(self) -> Awaitable[object]: ...

    def release(self) -> object: ...


class Nursery(Protocol):
    """What a task group yields: a trio nursery, an anyio task group."""

    def start_soon(self, fn: Any, /, *args: Any) -> object: ...


@dataclass(frozen=True, kw_only=True)
class CoroutinePrimitives:
    """What a coroutine scheduler supplies; :func:`run_coroutines` writes the rest once.

    Give the library's own callables where they fit (``sleep=trio.sleep``,
    ``event=trio.Event``): the skeleton reads each one once per run, so a
    primitive that is a library function costs nothing over calling that function by hand,
    while a wrapper written in Python costs a frame per call.
    """

    run: Callable[[Callable[[], Coroutine[Any, Any, None]]], None]
    """Run the coroutine function to completion on a fresh scheduler (``trio.run``, a new
    asyncio loop's ``run_until_complete``); what it sets up first is not measured."""
    task_group: Callable[[], AbstractAsyncContextManager[Any]]
    """A fresh task group: an async context manager that yields a :class:`Nursery`, whose
    exit waits for every task started in it (``trio.open_nursery``,
    ``anyio.create_task_group``), or a :class:`GatherGroup` (asyncio and every loop with
    its API), which the skeleton spawns into without a call of its own per task."""
    sleep: Callable[[float], Awaitable[object]]
    """The cooperative wait of a ``sleep`` step (``asyncio.sleep``)."""
    checkpoint: Callable[[], Awaitable[object]]
    """One bare yield to the scheduler (``trio.lowlevel.checkpoint``,
    ``functools.partial(asyncio.sleep, 0)``)."""
    event: Callable[[], AsyncEvent]
    """A fresh event, one per task that others wait for (``after``)."""
    limiter: Callable[[int], AsyncLimiter]
    """A limiter of that many slots, for ``Workload.limit``."""
    request: Callable[[Address, float], Awaitable[object]] | None = None
    """One ``io`` step: connect to the address, send ``encode_request(seconds)``, read the
    one-byte reply and ``check_reply`` it, close. ``None``: the backend runs no ``io``
    steps, and leaves ``StepKind.IO`` out of ``Backend.supports``."""
    channel: (
        Callable[
            [int | None], tuple[Callable[[], Awaitable[object]], Callable[[], Awaitable[object]]]
        ]
        | None
    ) = None
    """A channel of that capacity (``None``: unbounded), as a ``put`` and a ``get`` that
    each take no argument: ``put`` waits while it is full, ``get`` while it is empty.
    ``None``: the backend runs no ``put`` or ``get`` steps, and leaves them out of
    ``Backend.supports``."""
    block: Callable[[float], object] = field(default_factory=_wall_sleep)
    """The wait that does not yield: ``time.sleep``, which blocks the scheduler."""
    cpu: Callable[[float], object] = burn
    """Calibrated pure-Python work."""
    plain: Callable[[Recorder], tuple[Callable[[int, float], Any], Callable[[int, None], Any]]] | (
        None
    ) = None
    """The routines of the two plainest shapes (a task of a plain fan-out, an empty task),
    for a scheduler that runs them without a coroutine (Twisted's plain callbacks): given
    the recorder, a ``sleeper(index, seconds)`` and a ``starter(index, None)`` that stamp
    as the skeleton's own do and return what :attr:`GatherGroup.create_task` takes.
    ``None``: the skeleton's coroutines."""
    offload: Callable[[float], Awaitable[object]] = _no_offload
    """An ``offload`` step: ``time.sleep(seconds)`` handed to a thread by the loop's own
    primitive and awaited (``functools.partial(asyncio.to_thread, time.sleep)``,
    ``functools.partial(trio.to_thread.run_sync, time.sleep)``)."""


@dataclass(frozen=True, kw_only=True)
class BlockingPrimitives(Generic[H]):
    """What a scheduler of blocking routines supplies (threads, a pool, greenlets);
    :func:`run_blocking` writes the rest once. As for :class:`CoroutinePrimitives`, give
    the library's own callables where they fit."""

    spawn: Callable[[BlockingRoutine, int, Any], H]
    """Start ``routine(index, arg)`` concurrently and return a handle for :attr:`join`
    (``gevent.spawn``, a pool's ``submit``, a function that starts a thread)."""
    join: Callable[[list[H]], object]
    """Wait until every routine of those handles has returned (``gevent.joinall``)."""
    sleep: Callable[[float], object]
    """The wait of a ``sleep`` step (``time.sleep`` in a thread, ``gevent.sleep``)."""
    checkpoint: Callable[[], object]
    """One bare yield (``functools.partial(time.sleep, 0)``, which releases the GIL)."""
    request: Callable[[Address, float], object]
    """One ``io`` step on a blocking socket (see :attr:`CoroutinePrimitives.request`)."""
    channel: Callable[[int | None], tuple[Callable[[], object], Callable[[], object]]]
    """A channel of that capacity (``None``: unbounded), as a blocking ``put`` and ``get``."""
    event: Callable[[], Event]
    """A fresh event (``threading.Event``)."""
    limiter: Callable[[int], Limiter]
    """A limiter of that many slots (``threading.BoundedSemaphore``); one of one slot also
    serves as the lock of :attr:`spawn_when_ready`."""
    block: Callable[[float], object] = field(default_factory=_wall_sleep)
    """The wait that does not yield to other routines of the same thread: ``time.sleep``
    (which gevent's patching makes cooperative)."""
    cpu: Callable[[float], object] = burn
    """Calibrated pure-Python work."""
    offload: Callable[[float], object] = field(default_factory=_wall_sleep)
    """An ``offload`` step: on a thread (or in a pool process) the blocking call itself;
    gevent hands an unpatched ``time.sleep`` to its hub's thread pool."""
    spawn_when_ready: bool = False
    """Spawn a task only once its dependencies have ended, instead of up front to wait
    for them: for a pool of a few workers, where a waiting task would hold a worker."""


class Event(Protocol):
    """``threading.Event``, ``gevent.event.Event``."""

    def set(self) -> object: ...

    def wait(self) -> object: ...


class Limiter(Protocol):
    """``threading.BoundedSemaphore``, ``gevent.lock.BoundedSemaphore``."""

    def acquire(self) -> object: ...

    def release(self) -> object: ...


@dataclass(frozen=True)
class Lanes(Generic[R]):
    """The routines of one run: what each task runs, its argument per task, and main.

    ``task(index, args[index])`` is task ``index``: the general routine with ``args`` the
    workload's tasks, or, for the two plainest shapes, a routine with nothing to decide
    (``args`` each task's sleep, or ``None`` per empty task).
    """

    task: Callable[[int, Any], R]
    args: Iterable[Any]
    main: Callable[[], R]
    errors: list[BaseException] = field(default_factory=list)
    """Errors raised in blocking tasks, in the order raised (a coroutine's propagate)."""


class GatherGroup:
    """The task group of a scheduler that spawns a coroutine object and gathers it (asyncio,
    and every event loop with its API): ``create_task`` per task, ``gather`` on exit.

    The skeleton spawns into it with ``tasks.append(create_task(routine(index, arg)))``
    inline, as a hand-written program does. On an error every task left is cancelled and
    awaited, so that nothing is left pending when the loop closes.
    """

    __slots__ = ("create_task", "gather", "tasks")

    def __init__(
        self,
        create_task: Callable[[Coroutine[Any, Any, None]], Any],
        gather: Callable[..., Awaitable[Any]],
    ) -> None:
        self.create_task = create_task
        self.gather = gather
        self.tasks: list[Any] = []

    def start_soon(self, fn: AsyncRoutine, /, *args: Any) -> None:
        self.tasks.append(self.create_task(fn(*args)))

    async def __aenter__(self) -> GatherGroup:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                await self.gather(*self.tasks)
                return
        except BaseException:
            await self._cancel()
            raise
        await self._cancel()

    async def _cancel(self) -> None:
        for task in self.tasks:
            task.cancel()
        await self.gather(*self.tasks, return_exceptions=True)


PLAIN_FAN_OUT, EMPTY_TASKS, GENERAL = "plain fan-out", "empty tasks", "general"
"""The task paths, as a run record's ``task_path`` names them."""


def task_path(workload: Workload) -> str:
    """The routine :func:`_pick` gives ``workload``'s tasks: one of the two fast paths, or
    the general one."""
    if workload.single_sleeps is not None:
        return PLAIN_FAN_OUT
    return EMPTY_TASKS if workload.only_empty_tasks else GENERAL


def _pick(
    workload: Workload,
    general: Callable[[int, Any], R],
    sleeper: Callable[[int, Any], R],
    starter: Callable[[int, Any], R],
) -> tuple[Callable[[int, Any], R], Iterable[Any]]:
    """The routine every task runs, and its argument per task."""
    sleeps = workload.single_sleeps
    if sleeps is not None:
        return sleeper, sleeps
    if workload.only_empty_tasks:
        return starter, itertools.repeat(None, len(workload.tasks))
    # the tasks themselves, not a list of per-task tuples: made after the worker froze the
    # heap, a million of them would be walked by every full collection inside the run
    return general, workload.tasks


class _Parts:
    """What a run's general routine uses beyond its hot path (a sleep and the stamps).

    Every name a routine uses is a slot in the frame of every task suspended in it, and
    the garbage collector walks each slot of each frame on every collection, so with ten
    thousand tasks alive a name costs measurably (docs/performance.md): the routine keeps
    the hot names in closure cells and reaches everything else through this one object.
    """

    __slots__ = (
        "address",
        "block",
        "calls",
        "checkpoint",
        "cpu",
        "ended",
        "errors",
        "gets",
        "main_lane",
        "offload",
        "on_end",
        "puts",
        "request",
        "slots",
        "task_index",
    )

    def __init__(
        self,
        primitives: CoroutinePrimitives | BlockingPrimitives[Any],
        workload: Workload,
        *,
        events: bool = True,
        limit: bool = True,
        on_end: Callable[[int], object] | None = None,
        resources: Held | None = None,
        task_index: int | None = None,
    ) -> None:
        self.block: Callable[[float], object] = primitives.block
        self.cpu: Callable[[float], object] = primitives.cpu
        self.checkpoint: Callable[[], Any] = primitives.checkpoint  # awaitable, or blocking
        request = primitives.request
        if request is None and _IO in workload.kinds:
            raise NotImplementedError(
                "io steps, but the backend gives no `request` primitive: leave StepKind.IO "
                "out of Backend.supports, and the runner records the job as skipped"
            )
        self.request: Any = request  # None only when the workload makes no request
        self.address = workload.io_target() if _IO in workload.kinds else _NOWHERE
        self.puts: dict[str, Callable[[], Any]] = {}
        self.gets: dict[str, Callable[[], Any]] = {}
        make = primitives.channel
        if workload.channels and make is None:
            raise NotImplementedError(
                "channels, but the backend gives no `channel` primitive: leave StepKind.PUT "
                "and StepKind.GET out of Backend.supports, and the runner records the job as "
                "skipped"
            )
        for channel in workload.channels:
            assert make is not None  # checked above, once
            self.puts[channel.name], self.gets[channel.name] = make(channel.capacity)
        events = events and workload.has_dependencies
        self.ended: list[Any] = [primitives.event() for _ in workload.tasks] if events else []
        self.slots: Any = primitives.limiter(workload.limit) if limit and workload.limit else None
        self.on_end = on_end
        self.errors: list[BaseException] = []
        self.offload: Callable[[float], Any] = primitives.offload  # awaitable, or blocking
        self.calls: dict[Any, Invoker] = (
            invokers(
                (*(task.steps for task in workload.tasks), workload.main),
                resources or {},
                coroutines=isinstance(primitives, CoroutinePrimitives),
            )
            if _CALL in workload.kinds
            else {}
        )
        self.main_lane = len(workload.tasks)
        self.task_index = task_index
        """The task's index in its whole workload, for a task run alone (in a pool process)."""

    def _task(self, index: int) -> int | None:
        if index == self.main_lane:
            return None
        return index if self.task_index is None else self.task_index

    def call(self, step: Step, index: int, position: int) -> None:
        """A ``call`` step in a blocking routine (its own frame: a name in the lane's frame
        would cost every task of every run, a call step's only its own)."""
        function, _, held, arg = self.calls[step.target]
        function(CallContext(self._task(index), position, held, arg))

    async def call_awaiting(self, step: Step, index: int, position: int) -> None:
        """A ``call`` step in a coroutine: awaited, or a sync function called inline, which
        blocks the scheduler like a ``block`` step."""
        function, awaited, held, arg = self.calls[step.target]
        context = CallContext(self._task(index), position, held, arg)
        if awaited:
            await function(context)
        else:
            function(context)

    @property
    def gated(self) -> bool:
        """Whether a task may have to wait before it starts (for a dependency, for a slot)."""
        return bool(self.ended) or self.slots is not None


def coroutine_lanes(  # noqa: PLR0915 - its routine is one flat function, on purpose
    primitives: CoroutinePrimitives,
    workload: Workload,
    recorder: Recorder,
    resources: Held | None = None,
) -> Lanes[Coroutine[Any, Any, None]]:
    """The coroutines of one run; channels, events and the limiter are made here, so call
    it inside the running scheduler, before ``recorder.begin()``. ``resources`` are the
    run's entered resources, for its ``call`` steps (:func:`coroutine_run` enters them)."""
    sleep, parts = primitives.sleep, _Parts(primitives, workload, resources=resources)
    gated = parts.gated
    start_at, stamps, offsets = recorder.start_at, recorder.step_end_at, recorder.step_offsets
    clock, main_lane = recorder.clock, recorder.main_lane

    async def lane(index: int, task: Task) -> None:  # noqa: PLR0912 - one flat frame per task
        """Task ``index``, or main for ``main_lane`` (which takes no slot and ends nothing)."""
        if gated:
            for dep in task.after:
                await parts.ended[dep].wait()
            if parts.slots is not None and index != main_lane:
                await parts.slots.acquire()
        try:
            slot = offsets[index]
            if index != main_lane:
                start_at[index] = clock()
            for step in task.steps:
                kind = step.kind
                if kind is _SLEEP:
                    await sleep(step.seconds)
                elif kind is _BLOCK:
                    parts.block(step.seconds)  # deliberately blocks the scheduler: the pitfall
                elif kind is _CPU:
                    parts.cpu(step.seconds)
                elif kind is _CHECKPOINT:
                    for _ in range(step.count):
                        await parts.checkpoint()
                elif kind is _IO:
                    await parts.request(parts.address, step.seconds)
                elif kind is _PUT:
                    await parts.puts[step.channel]()
                elif kind is _GET:
                    await parts.gets[step.channel]()
                elif kind is _CALL:
                    await parts.call_awaiting(step, index, slot - offsets[index])
                elif kind is _OFFLOAD:
                    await parts.offload(step.seconds)
                else:
                    raise NotImplementedError(kind)
                stamps[slot] = clock()
                slot += 1
        finally:
            if gated and index != main_lane:
                if parts.slots is not None:
                    parts.slots.release()
                if parts.ended:
                    parts.ended[index].set()

    plain: tuple[Callable[[int, Any], Any], Callable[[int, Any], Any]] = (
        _coroutine_plain(sleep, recorder)
        if primitives.plain is None
        else primitives.plain(recorder)
    )
    routine, args = _pick(workload, lane, *plain)
    if workload.has_children:
        routine = _coroutine_tree(primitives, workload, recorder, lane)
    recorder.task_path = task_path(workload)
    main = Task(workload.main)
    return Lanes(routine, args, lambda: lane(main_lane, main))


def _coroutine_tree(
    primitives: CoroutinePrimitives, workload: Workload, recorder: Recorder, lane: AsyncRoutine
) -> AsyncRoutine:
    """A node of a task tree: its steps (the general routine), then its children in a
    fresh task group of the backend's (asyncio's gather, a trio or anyio nursery), which
    it leaves once they have all ended; only then has the node ended.

    A leaf is spawned as the general routine itself, so a tree adds a frame to its parents
    only, as a program that awaits a helper per node would."""
    task_group, tasks = primitives.task_group, workload.tasks
    spawn_at, clock, end = recorder.spawn_at, recorder.clock, recorder.end

    async def node(index: int, task: Task) -> None:
        await lane(index, task)
        if not task.children:
            return
        group = task_group()
        async with group as nursery:
            if isinstance(group, GatherGroup):
                append, create_task = group.tasks.append, group.create_task
                for child in task.children:
                    spawn_at[child] = clock()
                    append(
                        create_task((node if tasks[child].children else lane)(child, tasks[child]))
                    )
            else:
                start_soon = nursery.start_soon
                for child in task.children:
                    spawn_at[child] = clock()
                    start_soon(node if tasks[child].children else lane, child, tasks[child])
        end(index)

    return node


def _spawned(workload: Workload, args: Iterable[Any]) -> Iterable[tuple[int, Any]]:
    """What main spawns: every task with its argument, or, in a task tree, the roots."""
    if not workload.has_children:
        return enumerate(args)
    tasks = workload.tasks
    return ((index, tasks[index]) for index in workload.roots)


def _coroutine_plain(
    sleep: Callable[[float], Awaitable[object]], recorder: Recorder
) -> tuple[AsyncRoutine, AsyncRoutine]:
    """The routines of the two plainest shapes: a task of a plain fan-out, and an empty task."""
    start_at, stamps, clock = recorder.start_at, recorder.step_end_at, recorder.clock

    async def sleeper(index: int, seconds: float) -> None:
        """Its one step is step slot ``index``."""
        start_at[index] = clock()
        await sleep(seconds)
        stamps[index] = clock()

    async def starter(index: int, _: None) -> None:
        """It only starts: a task without steps ends as it starts."""
        start_at[index] = clock()

    return sleeper, starter


async def coroutine_run(
    primitives: CoroutinePrimitives, workload: Workload, recorder: Recorder
) -> None:
    """One run inside a running scheduler: ``begin``, spawn every task, main,
    ``main_done``, the join, ``finish``. The resources of its ``call`` steps are entered
    before ``begin`` and exited after ``finish``: neither is measured. So are the threads
    its ``offload`` steps hand work to (:func:`_warm_offload`)."""
    if _OFFLOAD in workload.kinds:
        await _warm_offload(primitives, workload)
    if _CALL in workload.kinds:
        async with AsyncExitStack() as stack:
            wanted = workload_needs(workload)
            held = await open_async(stack, wanted, len(workload.tasks), workload.io_address)
            await _coroutine_run(primitives, workload, recorder, held)
    else:
        await _coroutine_run(primitives, workload, recorder, None)


_WARM_OFFLOAD_S = 0.002
"""How long each warming hand-off blocks its thread: long enough that the next hand-off
finds every thread started so far busy, so the pool starts one more."""
_WARM_OFFLOAD_MAX = 64


async def _warm_offload(primitives: CoroutinePrimitives, workload: Workload) -> None:
    """Start, before ``begin``, the threads the run's ``offload`` steps will be handed to:
    one per lane that offloads (at most ``limit`` tasks, plus main; up to
    :data:`_WARM_OFFLOAD_MAX`), so that a run measures the hand-off and not the start of
    a thread. trio's thread cache outlives a run, but asyncio's default executor and
    anyio's worker threads belong to one event loop, and each run has a fresh loop."""
    offloads: dict[int, bool] = {}
    lanes = 0
    for task in workload.tasks:
        key = id(task.steps)  # scenarios share one steps tuple between tasks
        if key not in offloads:
            offloads[key] = any(step.kind is _OFFLOAD for step in task.steps)
        lanes += offloads[key]
    if workload.limit is not None:
        lanes = min(lanes, workload.limit)
    lanes += any(step.kind is _OFFLOAD for step in workload.main)
    offload = primitives.offload

    async def hand_off() -> None:  # a coroutine, whatever awaitable the primitive returns
        await offload(_WARM_OFFLOAD_S)

    async with primitives.task_group() as group:
        for _ in range(min(lanes, _WARM_OFFLOAD_MAX)):
            group.start_soon(hand_off)


async def _coroutine_run(
    primitives: CoroutinePrimitives, workload: Workload, recorder: Recorder, held: Held | None
) -> None:
    lanes = coroutine_lanes(primitives, workload, recorder, held)
    routine, spawn_at, clock = lanes.task, recorder.spawn_at, recorder.clock
    group = primitives.task_group()
    async with group as nursery:
        recorder.begin()
        if workload.releases:
            spawn = (
                (lambda index, arg: group.tasks.append(group.create_task(routine(index, arg))))
                if isinstance(group, GatherGroup)
                else functools.partial(nursery.start_soon, routine)
            )
            await _release_coroutines(spawn, lanes.args, workload.releases, primitives, recorder)
        elif isinstance(group, GatherGroup):
            append, create_task = group.tasks.append, group.create_task
            for index, arg in _spawned(workload, lanes.args):
                spawn_at[index] = clock()
                append(create_task(routine(index, arg)))
        else:
            start_soon = nursery.start_soon
            for index, arg in _spawned(workload, lanes.args):
                spawn_at[index] = clock()
                start_soon(routine, index, arg)
        recorder.main_start()  # an eager scheduler has run each task to its first wait
        await lanes.main()
        recorder.main_done()
    recorder.finish()


async def _release_coroutines(
    spawn: Callable[[int, Any], object],
    args: Iterable[Any],
    releases: Sequence[float],
    primitives: CoroutinePrimitives,
    recorder: Recorder,
) -> None:
    """Main as the dispatcher of an open-loop run: each task is spawned once its release
    time has come, by the backend's own sleep (its timer), never before. A task the timer
    woke too late for is spawned at once, late: the lateness is the backend's, and latency
    counts from the intended release (no coordinated omission)."""
    sleep, spawn_at, clock = primitives.sleep, recorder.spawn_at, recorder.clock
    begin = recorder.begun_at
    for index, arg in enumerate(args):
        due = begin + releases[index]
        while (wait := due - clock()) > 0:  # a timer may fire a hair early: wait again
            await sleep(wait)
        spawn_at[index] = clock()
        spawn(index, arg)


def _release_blocking(
    spawn: Callable[[int, Any], object],
    args: Iterable[Any],
    releases: Sequence[float],
    sleep: Callable[[float], object],
    recorder: Recorder,
) -> None:
    """:func:`_release_coroutines` for blocking routines: main sleeps with the backend's
    own sleep (a thread's, a greenlet's) until each release."""
    spawn_at, clock = recorder.spawn_at, recorder.clock
    begin = recorder.begun_at
    for index, arg in enumerate(args):
        due = begin + releases[index]
        while (wait := due - clock()) > 0:
            sleep(wait)
        spawn_at[index] = clock()
        spawn(index, arg)


def run_coroutines(primitives: CoroutinePrimitives, workload: Workload, recorder: Recorder) -> None:
    """One run on a fresh scheduler: what :meth:`Backend.execute` of a coroutine backend
    calls."""
    primitives.run(lambda: coroutine_run(primitives, workload, recorder))


def blocking_lanes(  # noqa: PLR0915 - its routine is one flat function, on purpose
    primitives: BlockingPrimitives[Any],
    workload: Workload,
    recorder: Recorder,
    *,
    gate: bool = True,
    on_end: Callable[[int], object] | None = None,
    resources: Held | None = None,
    task_index: int | None = None,
) -> Lanes[None]:
    """The blocking routines of one run, mirroring :func:`coroutine_lanes`.

    A task's error is kept in :attr:`Lanes.errors` (a thread's would be lost) and ends the
    task; main's propagates. ``gate=False`` leaves ``after`` and ``limit`` to the caller
    (a dispatcher that submits a task only when it may run). ``on_end(index)``, when
    given, is called as each task ends, instead of setting an event per task.
    ``resources`` are the entered resources of the ``call`` steps (:func:`open_sync`);
    ``task_index`` is what a call's context says for task 0 of a workload made of one task
    of a larger one (a task run alone in a pool process).
    """
    sleep = primitives.sleep
    parts = _Parts(
        primitives,
        workload,
        events=gate and on_end is None,
        limit=gate,
        on_end=on_end,
        resources=resources,
        task_index=task_index,
    )
    gated, ends = parts.gated, parts.gated or on_end is not None
    start_at, stamps, offsets = recorder.start_at, recorder.step_end_at, recorder.step_offsets
    clock, main_lane = recorder.clock, recorder.main_lane

    def lane(index: int, task: Task) -> None:  # noqa: PLR0912 - one flat frame per task
        """Task ``index``, or main for ``main_lane`` (which takes no slot and ends nothing)."""
        try:
            if gated:
                for dep in task.after:
                    parts.ended[dep].wait()
                if parts.slots is not None and index != main_lane:
                    parts.slots.acquire()
            try:
                slot = offsets[index]
                if index != main_lane:
                    start_at[index] = clock()
                for step in task.steps:
                    kind = step.kind
                    if kind is _SLEEP:
                        sleep(step.seconds)
                    elif kind is _BLOCK:
                        parts.block(step.seconds)
                    elif kind is _CPU:
                        parts.cpu(step.seconds)
                    elif kind is _CHECKPOINT:
                        for _ in range(step.count):
                            parts.checkpoint()
                    elif kind is _IO:
                        parts.request(parts.address, step.seconds)
                    elif kind is _PUT:
                        parts.puts[step.channel]()
                    elif kind is _GET:
                        parts.gets[step.channel]()
                    elif kind is _CALL:
                        parts.call(step, index, slot - offsets[index])
                    elif kind is _OFFLOAD:
                        parts.offload(step.seconds)
                    else:
                        raise NotImplementedError(kind)
                    stamps[slot] = clock()
                    slot += 1
            finally:
                if gated and parts.slots is not None and index != main_lane:
                    parts.slots.release()
        except BaseException as exc:
            if index == main_lane:
                raise
            parts.errors.append(exc)  # re-raised by the spawning routine after the join
        finally:
            if ends and index != main_lane:
                if parts.ended:
                    parts.ended[index].set()
                elif parts.on_end is not None:
                    parts.on_end(index)

    routine, args = _pick(workload, lane, *_blocking_plain(sleep, recorder, parts.errors))
    if workload.has_children:
        routine = _blocking_tree(primitives, workload, recorder, lane, parts.errors)
    recorder.task_path = task_path(workload)
    main = Task(workload.main)
    return Lanes(routine, args, lambda: lane(main_lane, main), parts.errors)


def _blocking_tree(
    primitives: BlockingPrimitives[Any],
    workload: Workload,
    recorder: Recorder,
    lane: BlockingRoutine,
    errors: list[BaseException],
) -> BlockingRoutine:
    """A node of a task tree, mirroring :func:`_coroutine_tree`: its steps, then its
    children spawned and joined with the backend's own calls (threads, a pool's futures,
    ``gevent.spawn`` and ``joinall``). A routine of a pool that waits for its children
    holds its worker meanwhile, as a real program's does: a pool with no more workers
    than a tree has parents can deadlock (the threads backend refuses it)."""
    spawn, join, tasks = primitives.spawn, primitives.join, workload.tasks
    spawn_at, clock, end = recorder.spawn_at, recorder.clock, recorder.end

    def node(index: int, task: Task) -> None:
        lane(index, task)
        if not task.children:
            return
        try:
            handles = []
            for child in task.children:
                spawn_at[child] = clock()
                handles.append(spawn(node if tasks[child].children else lane, child, tasks[child]))
            join(handles)
            end(index)
        except BaseException as exc:
            errors.append(exc)

    return node


def _blocking_plain(
    sleep: Callable[[float], object], recorder: Recorder, errors: list[BaseException]
) -> tuple[BlockingRoutine, BlockingRoutine]:
    """The blocking routines of the two plainest shapes, as :func:`_coroutine_plain`."""
    start_at, stamps, clock = recorder.start_at, recorder.step_end_at, recorder.clock

    def sleeper(index: int, seconds: float) -> None:
        try:
            start_at[index] = clock()
            sleep(seconds)
            stamps[index] = clock()
        except BaseException as exc:
            errors.append(exc)

    def starter(index: int, _: None) -> None:
        start_at[index] = clock()

    return sleeper, starter


def run_blocking(
    primitives: BlockingPrimitives[Any], workload: Workload, recorder: Recorder
) -> None:
    """One run of blocking routines, mirroring :func:`coroutine_run`; re-raises the first
    error a task raised, after the join. The resources of its ``call`` steps are entered
    before ``begin`` and exited after ``finish``."""
    if _CALL not in workload.kinds:
        _run_blocking(primitives, workload, recorder, None)
        return
    with ExitStack() as stack:
        wanted = workload_needs(workload)
        held = open_sync(stack, wanted, len(workload.tasks), workload.io_address)
        _run_blocking(primitives, workload, recorder, held)


def _run_blocking(
    primitives: BlockingPrimitives[Any], workload: Workload, recorder: Recorder, held: Held | None
) -> None:
    spawn, spawn_at, clock = primitives.spawn, recorder.spawn_at, recorder.clock
    handles: list[Any] = []
    if primitives.spawn_when_ready and workload.has_dependencies:
        lanes, all_ended = _when_ready(primitives, workload, recorder, handles, held)
    else:
        lanes, all_ended = blocking_lanes(primitives, workload, recorder, resources=held), None
        routine = lanes.task
        recorder.begin()
        if workload.releases:
            _release_blocking(
                lambda index, arg: handles.append(spawn(routine, index, arg)),
                lanes.args,
                workload.releases,
                primitives.sleep,
                recorder,
            )
        else:
            for index, arg in _spawned(workload, lanes.args):
                spawn_at[index] = clock()
                handles.append(spawn(routine, index, arg))
    recorder.main_start()
    lanes.main()
    recorder.main_done()
    if all_ended is not None:
        all_ended.wait()
    primitives.join(handles)
    recorder.finish()
    if lanes.errors:
        raise lanes.errors[0]


def _when_ready(
    primitives: BlockingPrimitives[Any],
    workload: Workload,
    recorder: Recorder,
    handles: list[Any],
    held: Held | None = None,
) -> tuple[Lanes[None], Event]:
    """Begin the run, spawning each task once its dependencies have ended (from the
    routine that ended the last of them); the event is set once every task has ended, or
    one has failed."""
    tasks, spawn = workload.tasks, primitives.spawn
    spawn_at, clock = recorder.spawn_at, recorder.clock
    waiting = [len(set(task.after)) for task in tasks]
    dependents: dict[int, list[int]] = {}
    for index, task in enumerate(tasks):
        for dep in set(task.after):
            dependents.setdefault(dep, []).append(index)
    lock, all_ended = primitives.limiter(1), primitives.event()
    remaining = len(tasks)

    def start(index: int) -> None:
        spawn_at[index] = clock()
        handles.append(spawn(lanes.task, index, tasks[index]))

    def ended(index: int) -> None:
        nonlocal remaining
        ready = []
        lock.acquire()
        try:
            remaining -= 1
            for child in dependents.get(index, ()):
                waiting[child] -= 1
                if waiting[child] == 0:
                    ready.append(child)
            if remaining == 0 or lanes.errors:
                all_ended.set()
        finally:
            lock.release()
        if not lanes.errors:
            for child in ready:
                start(child)

    lanes = blocking_lanes(primitives, workload, recorder, on_end=ended, resources=held)
    # the free tasks are listed before the first starts: once one runs, its end may bring a
    # dependent's count to 0 (and start it) while this loop is still going, and a loop that
    # read the counts as it went would start that dependent a second time; the doubled end
    # then counted one task too many, so the run finished before its last task ended
    free = [index for index, count in enumerate(waiting) if count == 0]
    recorder.begin()
    for index in free:
        start(index)
    return lanes, all_ended
