"""What a backend supplies to the skeleton: its primitives, and the protocols they meet.

A backend differs from another only here: how it sleeps, yields, makes a request, hands an
item over a channel, waits for an event, limits concurrency, spawns a routine and waits
for it. Everything else is written once over these (model/skeleton.py), so the contract a
plugin fills in is two frozen dataclasses of callables, each documented where it is
declared, as anyio's ``AsyncBackend`` asks its backends for primitives. This module
imports no concurrency library: the library's own functions arrive as values.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from .cpuwork import burn
from .recorder import Recorder

__all__ = [
    "Address",
    "AsyncEvent",
    "AsyncLimiter",
    "AsyncRoutine",
    "BlockingPrimitives",
    "BlockingRoutine",
    "CoroutinePrimitives",
    "Event",
    "Limiter",
    "Nursery",
]


Address = tuple[str, int]
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
