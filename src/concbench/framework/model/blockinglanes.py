"""The blocking routines of one run (threads, a pool, greenlets, a task in a pool process),
mirroring model/coroutinelanes.py line for line.

They differ from the coroutines where a thread must: a task's error is kept (a thread's
would be lost) and re-raised by the spawning routine after the join, and a dispatcher that
submits a task only when it may run can take the gate (``after``, ``limit``) upon itself.
"""

from __future__ import annotations

from collections.abc import Callable
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
from .primitives import BlockingPrimitives
from .recorder import Recorder
from .taskpaths import blocking_plain, pick, task_path
from .treelanes import blocking_tree
from .workload import Task, Workload

__all__ = ["blocking_lanes"]


def blocking_lanes(  # noqa: PLR0915 - its routine is one flat function, on purpose
    primitives: BlockingPrimitives[Any],
    workload: Workload,
    recorder: Recorder,
    *,
    gate: bool = True,
    on_end: Callable[[int], object] | None = None,
    resources: Held | None = None,
    task_index: int | None = None,
) -> Lanes[None]:
    """The blocking routines of one run, mirroring :func:`coroutine_lanes`.

    A task's error is kept in :attr:`Lanes.errors` (a thread's would be lost) and ends the
    task; main's propagates. ``gate=False`` leaves ``after`` and ``limit`` to the caller
    (a dispatcher that submits a task only when it may run). ``on_end(index)``, when
    given, is called as each task ends, instead of setting an event per task.
    ``resources`` are the entered resources of the ``call`` steps (:func:`open_sync`);
    ``task_index`` is what a call's context says for task 0 of a workload made of one task
    of a larger one (a task run alone in a pool process).
    """
    sleep = primitives.sleep
    parts = LaneState(
        primitives,
        workload,
        events=gate and on_end is None,
        limit=gate,
        on_end=on_end,
        resources=resources,
        task_index=task_index,
    )
    gated, ends = parts.gated, parts.gated or on_end is not None
    start_at, stamps, offsets = recorder.start_at, recorder.step_end_at, recorder.step_offsets
    clock, main_lane = recorder.clock, recorder.main_lane

    def lane(index: int, task: Task) -> None:  # noqa: PLR0912 - one flat frame per task
        """Task ``index``, or main for ``main_lane`` (which takes no slot and ends nothing)."""
        try:
            if gated:
                for dep in task.after:
                    parts.ended[dep].wait()
                if parts.slots is not None and index != main_lane:
                    parts.slots.acquire()
            try:
                slot = offsets[index]
                if index != main_lane:
                    start_at[index] = clock()
                for step in task.steps:
                    kind = step.kind
                    if kind is SLEEP:
                        sleep(step.seconds)
                    elif kind is BLOCK:
                        parts.block(step.seconds)
                    elif kind is CPU:
                        parts.cpu(step.seconds)
                    elif kind is CHECKPOINT:
                        for _ in range(step.count):
                            parts.checkpoint()
                    elif kind is IO:
                        parts.request(parts.address, step.seconds)
                    elif kind is PUT:
                        parts.puts[step.channel]()
                    elif kind is GET:
                        parts.gets[step.channel]()
                    elif kind is CALL:
                        parts.call(step, index, slot - offsets[index])
                    elif kind is OFFLOAD:
                        parts.offload(step.seconds)
                    else:
                        raise NotImplementedError(kind)
                    stamps[slot] = clock()
                    slot += 1
            finally:
                if gated and parts.slots is not None and index != main_lane:
                    parts.slots.release()
        except BaseException as exc:
            if index == main_lane:
                raise
            parts.errors.append(exc)  # re-raised by the spawning routine after the join
        finally:
            if ends and index != main_lane:
                if parts.ended:
                    parts.ended[index].set()
                elif parts.on_end is not None:
                    parts.on_end(index)

    routine, args = pick(workload, lane, *blocking_plain(sleep, recorder, parts.errors))
    if workload.has_children:
        routine = blocking_tree(primitives, workload, recorder, lane, parts.errors)
    recorder.task_path = task_path(workload)
    main = Task(workload.main)
    return Lanes(routine, args, lambda: lane(main_lane, main), parts.errors)
