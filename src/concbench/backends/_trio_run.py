"""The trio side of :class:`TrioBackend`, kept apart so that listing backends never imports trio."""

from __future__ import annotations

import time
from collections.abc import Sequence

import trio

from concbench.framework import Recorder, Step, StepKind, Workload
from concbench.framework.cpuwork import burn

# module constants: an enum member lookup per step would be measurable at a million tasks
_SLEEP, _BLOCK, _CPU, _CHECKPOINT = (
    StepKind.SLEEP,
    StepKind.BLOCK,
    StepKind.CPU,
    StepKind.CHECKPOINT,
)


def run(workload: Workload, recorder: Recorder) -> None:
    trio.run(_main, workload, recorder)


async def _main(workload: Workload, recorder: Recorder) -> None:
    recorder.begin()
    ended = [trio.Event() for _ in workload.tasks] if workload.has_dependencies else []
    slots = trio.CapacityLimiter(workload.limit) if workload.limit else None
    spawn = recorder.spawn
    async with trio.open_nursery() as nursery:
        start_soon = nursery.start_soon
        for index, task in enumerate(workload.tasks):
            spawn(index)
            start_soon(_lane, recorder, index, task.steps, task.after, ended, slots)
        await _lane(recorder, recorder.main_lane, workload.main, (), [], None)
        recorder.main_done()
    recorder.finish()


async def _lane(  # noqa: PLR0912, PLR0917 - one flat frame per task, on purpose
    recorder: Recorder,
    lane: int,
    steps: Sequence[Step],
    after: Sequence[int],
    ended: list[trio.Event],
    slots: trio.CapacityLimiter | None,
) -> None:
    """One task (or the main routine's steps) in one coroutine: nested frames per task
    would be charged to trio as overhead."""
    is_task = lane != recorder.main_lane
    for dep in after:
        await ended[dep].wait()
    if slots is not None:
        await slots.acquire_on_behalf_of(lane)
    try:
        if is_task:
            recorder.start(lane)
        for number, step in enumerate(steps):
            kind = step.kind
            if kind is _SLEEP:
                await trio.sleep(step.seconds)
            elif kind is _BLOCK:
                time.sleep(step.seconds)  # deliberately blocks the run loop: the pitfall measured
            elif kind is _CPU:
                burn(step.seconds)
            elif kind is _CHECKPOINT:
                for _ in range(step.count):
                    await trio.lowlevel.checkpoint()
            else:
                raise NotImplementedError(kind)
            recorder.step_done(lane, number)
        if is_task:
            recorder.end(lane)
    finally:
        if slots is not None:
            slots.release_on_behalf_of(lane)
    if ended and is_task:
        ended[lane].set()
