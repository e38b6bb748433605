"""The anyio side of :class:`AnyioBackend`, apart so that listing backends never imports anyio."""

from __future__ import annotations

import time
from collections.abc import Sequence

import anyio
import anyio.lowlevel

from concbench.framework import Recorder, Step, StepKind, Task, Workload
from concbench.framework.cpuwork import burn


def run(workload: Workload, recorder: Recorder, backend: str) -> None:
    anyio.run(_main, workload, recorder, backend=backend)


async def _main(workload: Workload, recorder: Recorder) -> None:
    recorder.begin()
    ended = [anyio.Event() for _ in workload.tasks] if workload.has_dependencies else []
    slots = anyio.CapacityLimiter(workload.limit) if workload.limit else None
    async with anyio.create_task_group() as group:
        for index, task in enumerate(workload.tasks):
            recorder.spawn(index)
            group.start_soon(_task, index, task, recorder, ended, slots)
        await _run_steps(workload.main, recorder, recorder.main_lane)
        recorder.main_done()
    recorder.finish()


async def _task(
    index: int,
    task: Task,
    recorder: Recorder,
    ended: list[anyio.Event],
    slots: anyio.CapacityLimiter | None,
) -> None:
    for dep in task.after:
        await ended[dep].wait()
    if slots is not None:
        async with slots:
            await _body(index, task, recorder)
    else:
        await _body(index, task, recorder)
    if ended:
        ended[index].set()


async def _body(index: int, task: Task, recorder: Recorder) -> None:
    recorder.start(index)
    await _run_steps(task.steps, recorder, index)
    recorder.end(index)


async def _run_steps(steps: Sequence[Step], recorder: Recorder, lane: int) -> None:
    for number, step in enumerate(steps):
        if step.kind is StepKind.SLEEP:
            await anyio.sleep(step.seconds)
        elif step.kind is StepKind.BLOCK:
            time.sleep(step.seconds)  # deliberately blocks the event loop: the pitfall measured
        elif step.kind is StepKind.CPU:
            burn(step.seconds)
        elif step.kind is StepKind.CHECKPOINT:
            for _ in range(step.count):
                await anyio.lowlevel.checkpoint()
        else:
            raise NotImplementedError(step.kind)
        recorder.step_done(lane, number)
