"""trio's primitives for :class:`TrioBackend`, apart so that listing backends never imports trio."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

import trio
import trio.lowlevel
import trio.to_thread

from concbench.framework import CoroutinePrimitives, check_reply, encode_request


async def _request(address: tuple[str, int], seconds: float) -> None:
    """One request through a trio stream: connect, ask, read the answer, close."""
    async with await trio.open_tcp_stream(*address) as stream:
        await stream.send_all(encode_request(seconds))
        check_reply(await stream.receive_some(1))


def _channel(capacity: int | None) -> tuple[Callable[[], Any], Callable[[], Any]]:
    send, receive = trio.open_memory_channel[None](math.inf if capacity is None else capacity)
    return functools.partial(send.send, None), receive.receive


async def _offload(seconds: float) -> None:
    """A blocking call handed to a thread of trio's cache."""
    await trio.to_thread.run_sync(time.sleep, seconds)


def _run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    trio.run(main)


PRIMITIVES = CoroutinePrimitives(
    run=_run,
    task_group=trio.open_nursery,
    sleep=trio.sleep,
    checkpoint=trio.lowlevel.checkpoint,
    request=_request,
    channel=_channel,
    event=trio.Event,
    limiter=trio.CapacityLimiter,
    offload=_offload,
)
