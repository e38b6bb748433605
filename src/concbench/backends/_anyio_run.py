"""anyio's primitives for :class:`AnyioBackend`, apart so that listing backends never imports
anyio."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread

from concbench.framework import CoroutinePrimitives, check_reply, encode_request


async def _request(address: tuple[str, int], seconds: float) -> None:
    """One request through an anyio TCP stream: connect, ask, read the answer, close."""
    async with await anyio.connect_tcp(*address) as stream:
        await stream.send(encode_request(seconds))
        check_reply(await stream.receive(1))


def _channel(capacity: int | None) -> tuple[Callable[[], Any], Callable[[], Any]]:
    size = math.inf if capacity is None else capacity
    send, receive = anyio.create_memory_object_stream[None](size)
    return functools.partial(send.send, None), receive.receive


async def _offload(seconds: float) -> None:
    """A blocking call handed to one of anyio's worker threads."""
    await anyio.to_thread.run_sync(time.sleep, seconds)


def primitives(backend: str) -> CoroutinePrimitives:
    """anyio's primitives, run on ``backend`` (``asyncio`` or ``trio``)."""

    def run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
        anyio.run(main, backend=backend)

    return CoroutinePrimitives(
        run=run,
        task_group=anyio.create_task_group,
        sleep=anyio.sleep,
        checkpoint=anyio.lowlevel.checkpoint,
        request=_request,
        channel=_channel,
        event=anyio.Event,
        limiter=anyio.CapacityLimiter,
        offload=_offload,
    )
