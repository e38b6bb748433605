"""asyncio tasks, created up front and gathered; uvloop is the same code on another loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from concbench.framework import Backend, Recorder, Step, StepKind, Task, Workload
from concbench.framework.cpuwork import burn
from concbench.framework.ioserver import check_reply, encode_request

__all__ = ["AsyncioBackend", "UvloopBackend"]


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


async def run_steps(steps: Sequence[Step], shared: Shared, lane: int) -> None:
    for number, step in enumerate(steps):
        if step.kind is StepKind.SLEEP:
            await asyncio.sleep(step.seconds)
        elif step.kind is StepKind.BLOCK:
            time.sleep(step.seconds)  # deliberately blocks the loop: the pitfall being measured
        elif step.kind is StepKind.CPU:
            burn(step.seconds)
        elif step.kind is StepKind.CHECKPOINT:
            for _ in range(step.count):
                await asyncio.sleep(0)
        elif step.kind is StepKind.IO:
            assert shared.address is not None
            await request(shared.address, step.seconds)
        elif step.kind is StepKind.PUT:
            await shared.queues[step.channel].put(None)
        elif step.kind is StepKind.GET:
            await shared.queues[step.channel].get()
        else:
            raise NotImplementedError(step.kind)
        shared.recorder.step_done(lane, number)


class AsyncioBackend(Backend):
    name = "asyncio"
    description = "asyncio.create_task per task, then asyncio.gather, on the default event loop"

    def new_loop(self) -> asyncio.AbstractEventLoop:
        """The loop to measure on; created before ``recorder.begin()``, so not timed."""
        return asyncio.new_event_loop()

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        loop = self.new_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main(workload, recorder))
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    async def _main(self, workload: Workload, recorder: Recorder) -> None:
        shared = Shared.of(workload, recorder)
        recorder.begin()
        ended = [asyncio.Event() for _ in workload.tasks] if workload.has_dependencies else []
        slots = asyncio.Semaphore(workload.limit) if workload.limit else None
        spawned = []
        for index, task in enumerate(workload.tasks):
            recorder.spawn(index)
            spawned.append(asyncio.create_task(_task(index, task, shared, ended, slots)))
        await run_steps(workload.main, shared, recorder.main_lane)
        recorder.main_done()
        await asyncio.gather(*spawned)
        recorder.finish()


async def _task(
    index: int,
    task: Task,
    shared: Shared,
    ended: list[asyncio.Event],
    slots: asyncio.Semaphore | None,
) -> None:
    for dep in task.after:
        await ended[dep].wait()
    if slots is not None:
        await slots.acquire()
    try:
        shared.recorder.start(index)
        await run_steps(task.steps, shared, index)
        shared.recorder.end(index)
    finally:
        if slots is not None:
            slots.release()
    if ended:
        ended[index].set()


class UvloopBackend(AsyncioBackend):
    name = "uvloop"
    description = "the asyncio backend on uvloop's libuv-based event loop"
    requires = ("uvloop",)
    extra = "uvloop"

    def new_loop(self) -> asyncio.AbstractEventLoop:
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        return loop
