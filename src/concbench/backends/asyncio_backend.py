"""asyncio tasks, created up front and gathered; uvloop is the same code on another loop."""

from __future__ import annotations

import asyncio
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from concbench.framework import Backend, Recorder, Step, StepKind, Task, Workload
from concbench.framework.cpuwork import burn

__all__ = ["AsyncioBackend", "EagerAsyncioBackend", "UvloopBackend"]


async def run_steps(steps: Sequence[Step], recorder: Recorder, lane: int) -> None:
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
        else:
            raise NotImplementedError(step.kind)
        recorder.step_done(lane, number)


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
        recorder.begin()
        ended = [asyncio.Event() for _ in workload.tasks] if workload.has_dependencies else []
        slots = asyncio.Semaphore(workload.limit) if workload.limit else None
        spawned = []
        for index, task in enumerate(workload.tasks):
            recorder.spawn(index)
            spawned.append(asyncio.create_task(_task(index, task, recorder, ended, slots)))
        await run_steps(workload.main, recorder, recorder.main_lane)
        recorder.main_done()
        await asyncio.gather(*spawned)
        recorder.finish()


async def _task(
    index: int,
    task: Task,
    recorder: Recorder,
    ended: list[asyncio.Event],
    slots: asyncio.Semaphore | None,
) -> None:
    for dep in task.after:
        await ended[dep].wait()
    if slots is not None:
        await slots.acquire()
    try:
        recorder.start(index)
        await run_steps(task.steps, recorder, index)
        recorder.end(index)
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
