"""gevent's primitives for :class:`GeventBackend`: listing backends never imports gevent."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import gevent
import gevent.event
import gevent.lock
import gevent.monkey
import gevent.queue

from concbench.framework import BlockingPrimitives, Recorder, Workload, run_blocking

from .threads_backend import request  # a blocking socket: cooperative under patching


def _queue(capacity: int | None) -> tuple[Callable[[], Any], Callable[[], Any]]:
    channel = gevent.queue.Queue(maxsize=capacity)  # None: unbounded
    return functools.partial(channel.put, None), channel.get


def _offload(seconds: float) -> object:
    """The blocking call, unpatched, on a native thread of the hub's pool; the greenlet
    waits cooperatively for it."""
    return gevent.get_hub().threadpool.apply(_BLOCKING_SLEEP, (seconds,))


_BLOCKING_SLEEP = gevent.monkey.get_original("time", "sleep")


def run(workload: Workload, recorder: Recorder) -> None:
    gevent.get_hub()  # the hub and its loop exist before the run begins
    primitives: BlockingPrimitives[Any] = BlockingPrimitives(
        spawn=gevent.spawn,
        join=gevent.joinall,
        sleep=gevent.sleep,
        checkpoint=functools.partial(gevent.sleep, 0),
        request=request,
        channel=_queue,
        event=gevent.event.Event,
        limiter=gevent.lock.BoundedSemaphore,
        offload=_offload,
    )  # block is time.sleep, the blocking call as written, which patching makes yield
    run_blocking(primitives, workload, recorder)
