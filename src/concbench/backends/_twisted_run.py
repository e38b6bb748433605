"""Twisted's primitives for :class:`TwistedBackend`, apart so that listing backends never
imports Twisted.

Every primitive is bound to the run's own reactor, made fresh by :func:`primitives`;
nothing here touches ``twisted.internet.reactor``, whose import would install the global one.
"""

from __future__ import annotations

import functools
import importlib
import time
from collections.abc import Callable, Coroutine
from typing import Any

from twisted.internet import defer, task, threads
from twisted.internet.defer import Deferred, DeferredQueue, DeferredSemaphore
from twisted.internet.interfaces import IAddress
from twisted.internet.protocol import ClientFactory, Protocol, connectionDone
from twisted.python.failure import Failure

from concbench.framework import (
    CoroutinePrimitives,
    GatherGroup,
    Recorder,
    check_reply,
    encode_request,
)

Reactor = Any
"""A reactor instance: Twisted types its capabilities as zope interfaces, which mypy cannot
check without a plugin."""


_REACTOR_CLASSES = {
    "epoll": ("twisted.internet.epollreactor", "EPollReactor"),
    "poll": ("twisted.internet.pollreactor", "PollReactor"),
    "select": ("twisted.internet.selectreactor", "SelectReactor"),
}
"""Each ``-o reactor=`` value's class; its module is imported only when chosen (epoll's
exists only on Linux)."""


def new_reactor(name: str) -> Reactor:
    """A reactor of that name, not installed as the global one."""
    module, cls = _REACTOR_CLASSES[name]
    return getattr(importlib.import_module(module), cls)()


def close(reactor: Reactor) -> None:
    """Close what a stopped reactor keeps open: its waker's pipe and, for epoll, the epoll
    descriptor. Twisted never closes them itself, since its one global reactor lives as
    long as the process; a reactor per run would leak three descriptors a run."""
    waker = reactor.waker
    if waker is not None:
        reactor.removeReader(waker)
        waker.connectionLost(None)
        reactor.waker = None
    poller = getattr(reactor, "_poller", None)  # epoll's; poll's and select's hold no fd
    closer = getattr(poller, "close", None)
    if closer is not None:
        closer()


class _Ask(Protocol):
    """One ``io`` step's connection: send the request, close once the reply is in, and
    fire ``done`` once closed (the close is part of the request)."""

    def __init__(self, payload: bytes, done: Deferred[None]) -> None:
        self.payload, self.done, self.reply = payload, done, b""

    def connectionMade(self) -> None:
        transport: Any = self.transport  # an ITransport, which mypy reads without its self
        transport.write(self.payload)

    def dataReceived(self, data: bytes) -> None:
        self.reply += data
        transport: Any = self.transport
        transport.loseConnection()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        try:
            check_reply(self.reply)
        except ConnectionError:
            self.done.errback()
        else:
            self.done.callback(None)


class _Asking(ClientFactory):
    """Builds the one :class:`_Ask` of a request; a failed connect fails the request."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.done: Deferred[None] = Deferred()

    def buildProtocol(self, addr: IAddress | None) -> _Ask:
        return _Ask(self.payload, self.done)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.done.errback(reason)


class _Event:
    """An event many tasks may wait for: a Deferred per waiter, all fired by ``set``."""

    __slots__ = ("is_set", "waiting")

    def __init__(self) -> None:
        self.is_set = False
        self.waiting: list[Deferred[None]] = []

    def set(self) -> None:
        self.is_set = True
        waiting, self.waiting = self.waiting, []
        for waiter in waiting:
            waiter.callback(None)

    def wait(self) -> Deferred[None]:
        if self.is_set:
            return defer.succeed(None)
        waiter: Deferred[None] = Deferred()
        self.waiting.append(waiter)
        return waiter


def _channel(capacity: int | None) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """A ``DeferredQueue``; its ``put`` never waits (it raises when full), so a bounded
    channel's ``put`` first takes one of ``capacity`` slots of a ``DeferredSemaphore``,
    which the ``get`` that takes the item frees."""
    queue: DeferredQueue[None] = DeferredQueue()
    if capacity is None:

        async def put_unbounded() -> None:
            queue.put(None)

        return put_unbounded, queue.get
    slots = DeferredSemaphore(capacity)

    async def put() -> None:
        await slots.acquire()
        queue.put(None)

    async def get() -> None:
        await queue.get()
        slots.release()

    return put, get


def _gather(*tasks: Deferred[Any], return_exceptions: bool = False) -> Deferred[Any]:
    """asyncio's ``gather`` for :class:`GatherGroup`: fails with the first task's own error
    (not Twisted's ``FirstError`` wrapping it), or, with ``return_exceptions``, never."""
    if return_exceptions:
        return defer.DeferredList(list(tasks), consumeErrors=True)
    gathered = defer.gatherResults(list(tasks), consumeErrors=True)

    def unwrap(failure: Failure) -> Failure:
        if isinstance(failure.value, defer.FirstError):
            sub: Failure = failure.value.subFailure
            return sub
        return failure

    return gathered.addErrback(unwrap)


def _callbacks(
    reactor: Reactor,
) -> Callable[[Recorder], tuple[Callable[[int, float], Any], Callable[[int, None], Any]]]:
    """The plain shapes' tasks as callbacks, with the stamps of the skeleton's coroutines."""

    def plain(
        recorder: Recorder,
    ) -> tuple[Callable[[int, float], Any], Callable[[int, None], Any]]:
        start_at, stamps, clock = recorder.start_at, recorder.step_end_at, recorder.clock
        later = functools.partial(task.deferLater, reactor)

        def ended(index: int) -> None:
            stamps[index] = clock()

        def sleeper(index: int, seconds: float) -> Deferred[None]:
            start_at[index] = clock()
            return later(seconds, ended, index)

        def starter(index: int, _: None) -> Deferred[None]:
            start_at[index] = clock()
            return defer.succeed(None)

        return sleeper, starter

    return plain


def primitives(name: str, *, callbacks: bool = False) -> CoroutinePrimitives:
    """Twisted's primitives on a fresh reactor of that name; ``callbacks`` runs the plain
    shapes as callbacks instead of coroutines."""
    reactor = new_reactor(name)  # made before the run begins: not measured

    def run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
        failures: list[Failure] = []

        def start() -> None:
            done = Deferred.fromCoroutine(main())
            done.addErrback(failures.append)
            done.addBoth(lambda _: reactor.stop())

        reactor.callWhenRunning(start)
        try:
            reactor.run(installSignalHandlers=False)  # the worker owns SIGINT and SIGTERM
        finally:
            close(reactor)
        if failures:
            failures[0].raiseException()

    def request(address: tuple[str, int], seconds: float) -> Deferred[None]:
        asking = _Asking(encode_request(seconds))
        reactor.connectTCP(address[0], address[1], asking)
        return asking.done

    def offload(seconds: float) -> Deferred[None]:
        """A blocking call handed to the reactor's own thread pool (deferToThread's)."""
        return threads.deferToThreadPool(reactor, reactor.getThreadPool(), time.sleep, seconds)

    create_task = defer.ensureDeferred if callbacks else Deferred.fromCoroutine
    sleep = functools.partial(task.deferLater, reactor)
    return CoroutinePrimitives(
        run=run,
        task_group=functools.partial(GatherGroup, create_task, _gather),
        sleep=sleep,
        checkpoint=functools.partial(sleep, 0),
        request=request,
        channel=_channel,
        event=_Event,
        limiter=DeferredSemaphore,
        plain=_callbacks(reactor) if callbacks else None,
        offload=offload,
    )
