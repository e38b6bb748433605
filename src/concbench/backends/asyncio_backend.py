"""asyncio tasks, created up front and gathered; uvloop is the same code on another loop.

The backend supplies asyncio's primitives; the skeleton (``concbench.framework``'s
:func:`run_coroutines`) runs the workload over them, as it does for every coroutine backend.
"""

from __future__ import annotations

import asyncio
import functools
import platform
import sys
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from concbench.framework import (
    Backend,
    CallVariant,
    CoroutinePrimitives,
    GatherGroup,
    Param,
    Recorder,
    StepKind,
    Workload,
    check_reply,
    encode_request,
    run_coroutines,
)

__all__ = ["AsyncioBackend", "EagerAsyncioBackend", "UvloopBackend", "primitives"]


async def request(address: tuple[str, int], seconds: float) -> None:
    """One request through asyncio streams: connect, ask, read the answer, close."""
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(encode_request(seconds))
        check_reply(await reader.read(1))
    finally:
        writer.close()
        await writer.wait_closed()


async def _offload(seconds: float) -> None:
    """A blocking call handed to the loop's default executor, as asyncio.to_thread does."""
    await asyncio.to_thread(time.sleep, seconds)


def _queue(capacity: int | None) -> tuple[Callable[[], Any], Callable[[], Any]]:
    queue: asyncio.Queue[None] = asyncio.Queue(capacity or 0)  # maxsize 0 is unbounded
    return functools.partial(queue.put, None), queue.get


if sys.version_info >= (3, 11):

    class TaskGroup(asyncio.TaskGroup):
        """``asyncio.TaskGroup`` as the skeleton's nursery: ``start_soon(fn, *args)`` is
        ``create_task(fn(*args))``, one call more per task than a hand-written program."""

        def start_soon(self, fn: Callable[..., Coroutine[Any, Any, None]], /, *args: Any) -> None:
            self.create_task(fn(*args))


def primitives(
    new_loop: Callable[[], asyncio.AbstractEventLoop], group: str = "gather"
) -> CoroutinePrimitives:
    """asyncio's primitives on loops made by ``new_loop``; any loop with asyncio's API
    (uvloop, rloop) takes these as they are. ``group`` is how a run, and each parent of a
    task tree, waits for its tasks: ``gather``, or ``taskgroup`` (Python >= 3.11)."""
    task_group: Callable[[], Any] = functools.partial(
        GatherGroup, asyncio.create_task, asyncio.gather
    )
    if sys.version_info >= (3, 11):  # a check mypy reads: TaskGroup exists from 3.11
        if group == "taskgroup":
            task_group = TaskGroup

    def run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
        loop = new_loop()  # made before the run begins: not measured
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
        finally:
            try:  # as asyncio.run does: offload's threads are joined, not left running
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    return CoroutinePrimitives(
        run=run,
        task_group=task_group,
        sleep=asyncio.sleep,
        checkpoint=functools.partial(asyncio.sleep, 0),
        request=request,
        channel=_queue,
        event=asyncio.Event,
        limiter=asyncio.Semaphore,
        offload=_offload,
    )


class AsyncioBackend(Backend):
    name = "asyncio"
    description = "asyncio.create_task per task, then asyncio.gather, on the default event loop"
    blocks_scheduler = frozenset({StepKind.BLOCK, StepKind.CPU})
    options = (
        Param(
            "group",
            str,
            "gather",
            "how main and each task-tree parent wait for their tasks: asyncio.gather, or "
            "asyncio.TaskGroup (Python >= 3.11)",
            choices=("gather", "taskgroup"),
        ),
    )

    @classmethod
    def unavailable_reason(cls, options: Mapping[str, Any] | None = None) -> str | None:
        if (
            options is not None
            and options.get("group") == "taskgroup"
            and sys.version_info < (3, 11)
        ):
            return f"asyncio.TaskGroup needs Python >= 3.11; this is {platform.python_version()}"
        return super().unavailable_reason(options)

    @classmethod
    def call_variants(cls, options: Mapping[str, Any]) -> tuple[CallVariant, ...]:
        return (CallVariant.ASYNCIO, CallVariant.ANYIO, CallVariant.SYNC)

    def new_loop(self) -> asyncio.AbstractEventLoop:
        """The loop to measure on; created before ``recorder.begin()``, so not timed."""
        return asyncio.new_event_loop()

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        run_coroutines(primitives(self.new_loop, self.config["group"]), workload, recorder)


class UvloopBackend(AsyncioBackend):
    name = "uvloop"
    description = "the asyncio backend on uvloop's libuv-based event loop"
    requires = ("uvloop",)
    extra = "uvloop"

    def new_loop(self) -> asyncio.AbstractEventLoop:
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        return loop


class EagerAsyncioBackend(AsyncioBackend):
    name = "asyncio-eager"
    description = (
        "the asyncio backend with asyncio.eager_task_factory: each task runs at once, "
        "up to its first suspension, inside create_task (Python >= 3.12)"
    )

    @classmethod
    def unavailable_reason(cls, options: Mapping[str, Any] | None = None) -> str | None:
        if sys.version_info < (3, 12):
            return (
                "asyncio.eager_task_factory needs Python >= 3.12; "
                f"this is {platform.python_version()}"
            )
        return super().unavailable_reason(options)

    def new_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
        return loop
