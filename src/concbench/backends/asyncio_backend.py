"""asyncio tasks, created up front and gathered; uvloop is the same code on another loop."""

from __future__ import annotations

import asyncio
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from concbench.framework import (
    Backend,
    Recorder,
    Step,
    StepKind,
    Workload,
    burn,
    check_reply,
    encode_request,
)
from concbench.framework.model.plain_tasks import empty_task, sleep_task

__all__ = ["AsyncioBackend", "EagerAsyncioBackend", "UvloopBackend"]

# module constants: an enum member lookup per step would be measurable at a million tasks
_SLEEP, _BLOCK, _CPU, _CHECKPOINT = (
    StepKind.SLEEP,
    StepKind.BLOCK,
    StepKind.CPU,
    StepKind.CHECKPOINT,
)
_IO, _PUT, _GET = StepKind.IO, StepKind.PUT, StepKind.GET
_sleep, _clock = asyncio.sleep, Recorder.clock


class Shared:
    """What every routine of one run uses: the recorder's arrays, the server, the channels,
    and the gate (dependencies and the limit) when the workload has one."""

    __slots__ = (
        "address",
        "ended",
        "gated",
        "main_lane",
        "queues",
        "slots",
        "start_at",
        "step_end_at",
        "step_offsets",
    )

    def __init__(self, workload: Workload, recorder: Recorder) -> None:
        self.main_lane = recorder.main_lane
        self.start_at = recorder.start_at
        self.step_end_at = recorder.step_end_at
        self.step_offsets = recorder.step_offsets
        self.address = workload.io_target() if StepKind.IO in workload.kinds else None
        # asyncio.Queue reads maxsize 0 as unbounded, as the model reads capacity None
        self.queues: dict[str, asyncio.Queue[None]] = {
            channel.name: asyncio.Queue(channel.capacity or 0) for channel in workload.channels
        }
        self.ended = [asyncio.Event() for _ in workload.tasks] if workload.has_dependencies else []
        self.slots = asyncio.Semaphore(workload.limit) if workload.limit else None
        self.gated = bool(self.ended) or self.slots is not None


async def request(address: tuple[str, int], seconds: float) -> None:
    """One request through asyncio streams: connect, ask, read the answer, close."""
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(encode_request(seconds))
        check_reply(await reader.read(1))
    finally:
        writer.close()
        await writer.wait_closed()


class AsyncioBackend(Backend):
    name = "asyncio"
    description = "asyncio.create_task per task, then asyncio.gather, on the default event loop"
    blocks_scheduler = frozenset({StepKind.BLOCK, StepKind.CPU})

    def new_loop(self) -> asyncio.AbstractEventLoop:
        """The loop to measure on; created before ``recorder.begin()``, so not timed."""
        return asyncio.new_event_loop()

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        loop = self.new_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(_main(workload, recorder))
        finally:
            asyncio.set_event_loop(None)
            loop.close()


async def _main(workload: Workload, recorder: Recorder) -> None:
    shared = Shared(workload, recorder)
    spawn_at, clock, create_task = recorder.spawn_at, recorder.clock, asyncio.create_task
    spawned = []
    sleeps = workload.single_sleeps
    if sleeps is not None:
        sleeper = sleep_task(recorder, _sleep)
        recorder.begin()
        for index, seconds in enumerate(sleeps):
            spawn_at[index] = clock()
            spawned.append(create_task(sleeper(index, seconds)))
    elif workload.only_empty_tasks:
        starter = empty_task(recorder)
        recorder.begin()
        for index in range(len(workload.tasks)):
            spawn_at[index] = clock()
            spawned.append(create_task(starter(index)))
    else:
        # no list of per-task tuples built here: made after the worker froze the heap, a
        # million of them would be walked by every full collection inside the run
        recorder.begin()
        for index, task in enumerate(workload.tasks):
            spawn_at[index] = clock()
            spawned.append(create_task(_lane(shared, index, task.steps, task.after)))
    await _lane(shared, shared.main_lane, workload.main, ())
    recorder.main_done()
    await asyncio.gather(*spawned)
    recorder.finish()


async def _lane(  # noqa: PLR0912 - one flat frame per task, on purpose
    shared: Shared, lane: int, steps: Sequence[Step], after: Sequence[int]
) -> None:
    """One task (or the main routine's steps) in one coroutine, stamping the recorder's
    arrays directly: every extra frame, call or argument per task is charged to the
    backend as overhead (docs/performance.md measures what is left)."""
    gated = shared.gated
    if gated:
        for dep in after:
            await shared.ended[dep].wait()
        if shared.slots is not None:
            await shared.slots.acquire()
    try:
        stamps, slot, clock = shared.step_end_at, shared.step_offsets[lane], _clock
        if lane != shared.main_lane:
            shared.start_at[lane] = clock()
        for step in steps:
            kind = step.kind
            if kind is _SLEEP:
                await _sleep(step.seconds)
            elif kind is _BLOCK:
                time.sleep(step.seconds)  # deliberately blocks the loop: the pitfall measured
            elif kind is _CPU:
                burn(step.seconds)
            elif kind is _CHECKPOINT:
                for _ in range(step.count):
                    await _sleep(0)
            elif kind is _IO:
                assert shared.address is not None
                await request(shared.address, step.seconds)
            elif kind is _PUT:
                await shared.queues[step.channel].put(None)
            elif kind is _GET:
                await shared.queues[step.channel].get()
            else:
                raise NotImplementedError(kind)
            stamps[slot] = clock()
            slot += 1
    finally:
        if gated and shared.slots is not None:
            shared.slots.release()
    if gated and shared.ended and lane != shared.main_lane:
        shared.ended[lane].set()


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
