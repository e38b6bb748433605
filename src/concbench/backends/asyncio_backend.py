"""asyncio tasks, created up front and gathered; uvloop is the same code on another loop."""

from __future__ import annotations

import asyncio
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from concbench.framework import Backend, Recorder, Step, StepKind, Workload
from concbench.framework.cpuwork import burn
from concbench.framework.ioserver import check_reply, encode_request

__all__ = ["AsyncioBackend", "EagerAsyncioBackend", "UvloopBackend"]

# module constants: an enum member lookup per step would be measurable at a million tasks
_SLEEP, _BLOCK, _CPU, _CHECKPOINT = (
    StepKind.SLEEP,
    StepKind.BLOCK,
    StepKind.CPU,
    StepKind.CHECKPOINT,
)
_IO, _PUT, _GET = StepKind.IO, StepKind.PUT, StepKind.GET


@dataclass(frozen=True)
class Shared:
    """What every routine of one run uses: the recorder, the server, the channels."""

    recorder: Recorder
    address: tuple[str, int] | None
    queues: dict[str, asyncio.Queue[None]]

    @classmethod
    def of(cls, workload: Workload, recorder: Recorder) -> Shared:
        address = workload.io_target() if StepKind.IO in workload.kinds else None
        # asyncio.Queue reads maxsize 0 as unbounded, as the model reads capacity None
        queues: dict[str, asyncio.Queue[None]] = {
            channel.name: asyncio.Queue(channel.capacity or 0) for channel in workload.channels
        }
        return cls(recorder, address, queues)


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
    shared = Shared.of(workload, recorder)
    recorder.begin()
    ended = [asyncio.Event() for _ in workload.tasks] if workload.has_dependencies else []
    slots = asyncio.Semaphore(workload.limit) if workload.limit else None
    spawn, create_task = recorder.spawn, asyncio.create_task
    spawned = []
    for index, task in enumerate(workload.tasks):
        spawn(index)
        spawned.append(create_task(_lane(shared, index, task.steps, task.after, ended, slots)))
    await _lane(shared, recorder.main_lane, workload.main, (), [], None)
    recorder.main_done()
    await asyncio.gather(*spawned)
    recorder.finish()


async def _lane(  # noqa: PLR0912, PLR0917 - one flat frame per task, on purpose
    shared: Shared,
    lane: int,
    steps: Sequence[Step],
    after: Sequence[int],
    ended: list[asyncio.Event],
    slots: asyncio.Semaphore | None,
) -> None:
    """One task (or the main routine's steps): one coroutine, no nested layers, since every
    extra frame per task would be charged to the backend as overhead."""
    recorder = shared.recorder
    is_task = lane != recorder.main_lane
    for dep in after:
        await ended[dep].wait()
    if slots is not None:
        await slots.acquire()
    try:
        if is_task:
            recorder.start(lane)
        for number, step in enumerate(steps):
            kind = step.kind
            if kind is _SLEEP:
                await asyncio.sleep(step.seconds)
            elif kind is _BLOCK:
                time.sleep(step.seconds)  # deliberately blocks the loop: the pitfall measured
            elif kind is _CPU:
                burn(step.seconds)
            elif kind is _CHECKPOINT:
                for _ in range(step.count):
                    await asyncio.sleep(0)
            elif kind is _IO:
                assert shared.address is not None
                await request(shared.address, step.seconds)
            elif kind is _PUT:
                await shared.queues[step.channel].put(None)
            elif kind is _GET:
                await shared.queues[step.channel].get()
            else:
                raise NotImplementedError(kind)
            recorder.step_done(lane, number)
        if is_task:
            recorder.end(lane)
    finally:
        if slots is not None:
            slots.release()
    if ended and is_task:
        ended[lane].set()


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
