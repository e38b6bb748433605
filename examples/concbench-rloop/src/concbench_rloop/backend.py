"""asyncio tasks on rloop, written against concbench's backend contract from scratch.

The contract is the docstring of ``concbench.framework.Backend``; the framework checks
every trace, so a mistake here shows up as a failed run, not as a good number.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from concbench.framework import Backend, Recorder, Step, StepKind, Task, Workload, burn


class RloopBackend(Backend):
    name = "rloop"  # must equal the entry-point name
    description = "asyncio.create_task per task on rloop's event loop (Rust), then gather"
    requires = ("rloop",)  # checked without importing it, so `concbench list` always works

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        import rloop  # imported here, never at module level

        loop = rloop.new_event_loop()  # created before recorder.begin(): set-up is not timed
        try:
            loop.run_until_complete(_main(workload, recorder))
        finally:
            loop.close()


async def _main(workload: Workload, recorder: Recorder) -> None:
    recorder.begin()
    ended = [asyncio.Event() for _ in workload.tasks]
    slots = asyncio.Semaphore(workload.limit) if workload.limit else None
    spawned = []
    for index, task in enumerate(workload.tasks):
        recorder.spawn(index)
        spawned.append(asyncio.ensure_future(_task(index, task, recorder, ended, slots)))
    await _steps(workload.main, recorder, recorder.main_lane)  # main, concurrently
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
        await _steps(task.steps, recorder, index)
    finally:
        if slots is not None:
            slots.release()
    ended[index].set()


async def _steps(steps: Sequence[Step], recorder: Recorder, lane: int) -> None:
    for number, step in enumerate(steps):
        if step.kind is StepKind.SLEEP:
            await asyncio.sleep(step.seconds)
        elif step.kind is StepKind.BLOCK:
            time.sleep(step.seconds)  # blocks the loop, as the pitfall does
        elif step.kind is StepKind.CPU:
            burn(step.seconds)  # calibrated pure-Python work
        elif step.kind is StepKind.CHECKPOINT:
            for _ in range(step.count):
                await asyncio.sleep(0)
        else:
            raise NotImplementedError(step.kind)
        recorder.step_done(lane, number)
