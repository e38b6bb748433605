"""The coroutines of one run: each task's routine and main's, over the backend's primitives.

The general routine is one flat coroutine function with the hot state in closure cells and
the rest in one :class:`LaneState`, because a task costs only microseconds on a coroutine
scheduler, and every extra frame, call, argument or name in a suspended task's frame would
be charged to the backend as overhead (docs/performance.md measures what is left).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from .callrun import Held
from .lanestate import (
    BLOCK,
    CALL,
    CHECKPOINT,
    CPU,
    GET,
    IO,
    OFFLOAD,
    PUT,
    SLEEP,
    Lanes,
    LaneState,
)
from .primitives import CoroutinePrimitives
from .recorder import Recorder
from .taskpaths import coroutine_plain, pick, task_path
from .treelanes import coroutine_tree
from .workload import Task, Workload

__all__ = ["coroutine_lanes"]


def coroutine_lanes(  # noqa: PLR0915 - its routine is one flat function, on purpose
    primitives: CoroutinePrimitives,
    workload: Workload,
    recorder: Recorder,
    resources: Held | None = None,
) -> Lanes[Coroutine[Any, Any, None]]:
    """The coroutines of one run; channels, events and the limiter are made here, so call
    it inside the running scheduler, before ``recorder.begin()``. ``resources`` are the
    run's entered resources, for its ``call`` steps (:func:`coroutine_run` enters them)."""
    sleep, parts = primitives.sleep, LaneState(primitives, workload, resources=resources)
    gated = parts.gated
    start_at, stamps, offsets = recorder.start_at, recorder.step_end_at, recorder.step_offsets
    clock, main_lane = recorder.clock, recorder.main_lane

    async def lane(index: int, task: Task) -> None:  # noqa: PLR0912 - one flat frame per task
        """Task ``index``, or main for ``main_lane`` (which takes no slot and ends nothing)."""
        if gated:
            for dep in task.after:
                await parts.ended[dep].wait()
            if parts.slots is not None and index != main_lane:
                await parts.slots.acquire()
        try:
            slot = offsets[index]
            if index != main_lane:
                start_at[index] = clock()
            for step in task.steps:
                kind = step.kind
                if kind is SLEEP:
                    await sleep(step.seconds)
                elif kind is BLOCK:
                    parts.block(step.seconds)  # deliberately blocks the scheduler: the pitfall
                elif kind is CPU:
                    parts.cpu(step.seconds)
                elif kind is CHECKPOINT:
                    for _ in range(step.count):
                        await parts.checkpoint()
                elif kind is IO:
                    await parts.request(parts.address, step.seconds)
                elif kind is PUT:
                    await parts.puts[step.channel]()
                elif kind is GET:
                    await parts.gets[step.channel]()
                elif kind is CALL:
                    await parts.call_awaiting(step, index, slot - offsets[index])
                elif kind is OFFLOAD:
                    await parts.offload(step.seconds)
                else:
                    raise NotImplementedError(kind)
                stamps[slot] = clock()
                slot += 1
        finally:
            if gated and index != main_lane:
                if parts.slots is not None:
                    parts.slots.release()
                if parts.ended:
                    parts.ended[index].set()

    plain: tuple[Callable[[int, Any], Any], Callable[[int, Any], Any]] = (
        coroutine_plain(sleep, recorder) if primitives.plain is None else primitives.plain(recorder)
    )
    routine, args = pick(workload, lane, *plain)
    if workload.has_children:
        routine = coroutine_tree(primitives, workload, recorder, lane)
    recorder.task_path = task_path(workload)
    main = Task(workload.main)
    return Lanes(routine, args, lambda: lane(main_lane, main))
