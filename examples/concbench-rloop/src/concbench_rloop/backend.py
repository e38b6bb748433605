"""asyncio tasks on rloop: a backend written as its primitives, over concbench's skeleton.

The backend says how rloop's world sleeps, yields, makes a request, hands items over and
waits; ``run_coroutines`` does everything else (the step dispatch, dependencies, the
limit, the timestamps), exactly as it does for the built-in backends, so the numbers
compare like with like. The framework checks every trace, so a mistake here shows up as a
failed run, not as a good number.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from concbench.framework import (
    Backend,
    CoroutinePrimitives,
    GatherGroup,
    Recorder,
    StepKind,
    Workload,
    check_reply,
    encode_request,
    run_coroutines,
)


class RloopBackend(Backend):
    name = "rloop"  # must equal the entry-point name
    description = "asyncio.create_task per task on rloop's event loop (Rust), then gather"
    requires = ("rloop",)  # checked without importing it, so `concbench list` always works
    blocks_scheduler = frozenset({StepKind.BLOCK, StepKind.CPU})  # one thread, one loop

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        run_coroutines(_primitives(), workload, recorder)


def _primitives() -> CoroutinePrimitives:
    return CoroutinePrimitives(
        run=_run,
        task_group=functools.partial(GatherGroup, asyncio.create_task, asyncio.gather),
        sleep=asyncio.sleep,
        checkpoint=functools.partial(asyncio.sleep, 0),
        request=_request,
        channel=_channel,
        event=asyncio.Event,
        limiter=asyncio.Semaphore,
    )  # block (time.sleep) and cpu (calibrated work) are the framework's defaults


def _run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    import rloop  # imported here, never at module level

    loop = rloop.new_event_loop()  # created before the run begins: set-up is not timed
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


async def _request(address: tuple[str, int], seconds: float) -> None:
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(encode_request(seconds))
        check_reply(await reader.read(1))
    finally:
        writer.close()
        await writer.wait_closed()


def _channel(capacity: int | None) -> tuple[Callable[[], Any], Callable[[], Any]]:
    items: asyncio.Queue[None] = asyncio.Queue(capacity or 0)  # maxsize 0 is unbounded
    return functools.partial(items.put, None), items.get
