"""One run of a coroutine backend: ``begin``, spawn every task, main, ``main_done``, the
join, ``finish``.

What a run needs that is not part of the measurement, its ``call`` steps' resources and
the threads its ``offload`` steps hand work to, is made before ``begin`` and torn down
after ``finish``, so that neither is counted.
"""

from __future__ import annotations

import functools
from contextlib import AsyncExitStack

from .callrun import Held, open_async, workload_needs
from .coroutinelanes import coroutine_lanes
from .gathergroup import GatherGroup
from .lanestate import CALL, OFFLOAD
from .primitives import CoroutinePrimitives
from .recorder import Recorder
from .releaserun import release_coroutines
from .taskpaths import spawned
from .workload import Workload

__all__ = ["coroutine_run", "run_coroutines"]


async def coroutine_run(
    primitives: CoroutinePrimitives, workload: Workload, recorder: Recorder
) -> None:
    """One run inside a running scheduler: ``begin``, spawn every task, main,
    ``main_done``, the join, ``finish``. The resources of its ``call`` steps are entered
    before ``begin`` and exited after ``finish``: neither is measured. So are the threads
    its ``offload`` steps hand work to (:func:`_warm_offload`)."""
    if OFFLOAD in workload.kinds:
        await _warm_offload(primitives, workload)
    if CALL in workload.kinds:
        async with AsyncExitStack() as stack:
            wanted = workload_needs(workload)
            held = await open_async(stack, wanted, len(workload.tasks), workload.io_address)
            await _coroutine_run(primitives, workload, recorder, held)
    else:
        await _coroutine_run(primitives, workload, recorder, None)


_WARM_OFFLOAD_S = 0.002
"""How long each warming hand-off blocks its thread: long enough that the next hand-off
finds every thread started so far busy, so the pool starts one more."""
_WARM_OFFLOAD_MAX = 64


async def _warm_offload(primitives: CoroutinePrimitives, workload: Workload) -> None:
    """Start, before ``begin``, the threads the run's ``offload`` steps will be handed to:
    one per lane that offloads (at most ``limit`` tasks, plus main; up to
    :data:`_WARM_OFFLOAD_MAX`), so that a run measures the hand-off and not the start of
    a thread. trio's thread cache outlives a run, but asyncio's default executor and
    anyio's worker threads belong to one event loop, and each run has a fresh loop."""
    offloads: dict[int, bool] = {}
    lanes = 0
    for task in workload.tasks:
        key = id(task.steps)  # scenarios share one steps tuple between tasks
        if key not in offloads:
            offloads[key] = any(step.kind is OFFLOAD for step in task.steps)
        lanes += offloads[key]
    if workload.limit is not None:
        lanes = min(lanes, workload.limit)
    lanes += any(step.kind is OFFLOAD for step in workload.main)
    offload = primitives.offload

    async def hand_off() -> None:  # a coroutine, whatever awaitable the primitive returns
        await offload(_WARM_OFFLOAD_S)

    async with primitives.task_group() as group:
        for _ in range(min(lanes, _WARM_OFFLOAD_MAX)):
            group.start_soon(hand_off)


async def _coroutine_run(
    primitives: CoroutinePrimitives, workload: Workload, recorder: Recorder, held: Held | None
) -> None:
    lanes = coroutine_lanes(primitives, workload, recorder, held)
    routine, spawn_at, clock = lanes.task, recorder.spawn_at, recorder.clock
    group = primitives.task_group()
    async with group as nursery:
        recorder.begin()
        if workload.releases:
            spawn = (
                (lambda index, arg: group.tasks.append(group.create_task(routine(index, arg))))
                if isinstance(group, GatherGroup)
                else functools.partial(nursery.start_soon, routine)
            )
            await release_coroutines(spawn, lanes.args, workload.releases, primitives, recorder)
        elif isinstance(group, GatherGroup):
            append, create_task = group.tasks.append, group.create_task
            for index, arg in spawned(workload, lanes.args):
                spawn_at[index] = clock()
                append(create_task(routine(index, arg)))
        else:
            start_soon = nursery.start_soon
            for index, arg in spawned(workload, lanes.args):
                spawn_at[index] = clock()
                start_soon(routine, index, arg)
        recorder.main_start()  # an eager scheduler has run each task to its first wait
        await lanes.main()
        recorder.main_done()
    recorder.finish()


def run_coroutines(primitives: CoroutinePrimitives, workload: Workload, recorder: Recorder) -> None:
    """One run on a fresh scheduler: what :meth:`Backend.execute` of a coroutine backend
    calls."""
    primitives.run(lambda: coroutine_run(primitives, workload, recorder))
