"""One run of blocking routines, mirroring model/coroutinerun.py: ``begin``, spawn every
task, main, ``main_done``, the join, ``finish``, then the first error a task raised.

A pool of a few workers would deadlock if a task waiting for its dependencies held a
worker, so such a backend asks (``spawn_when_ready``) to have each task spawned only once
its dependencies have ended, from the routine that ended the last of them.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from .blockinglanes import blocking_lanes
from .callrun import Held, open_sync, workload_needs
from .lanestate import CALL, Lanes
from .primitives import BlockingPrimitives, Event
from .recorder import Recorder
from .releaserun import release_blocking
from .taskpaths import spawned
from .workload import Workload

__all__ = ["run_blocking"]


def run_blocking(
    primitives: BlockingPrimitives[Any], workload: Workload, recorder: Recorder
) -> None:
    """One run of blocking routines, mirroring :func:`coroutine_run`; re-raises the first
    error a task raised, after the join. The resources of its ``call`` steps are entered
    before ``begin`` and exited after ``finish``."""
    if CALL not in workload.kinds:
        _run_blocking(primitives, workload, recorder, None)
        return
    with ExitStack() as stack:
        wanted = workload_needs(workload)
        held = open_sync(stack, wanted, len(workload.tasks), workload.io_address)
        _run_blocking(primitives, workload, recorder, held)


def _run_blocking(
    primitives: BlockingPrimitives[Any], workload: Workload, recorder: Recorder, held: Held | None
) -> None:
    spawn, spawn_at, clock = primitives.spawn, recorder.spawn_at, recorder.clock
    handles: list[Any] = []
    if primitives.spawn_when_ready and workload.has_dependencies:
        lanes, all_ended = _when_ready(primitives, workload, recorder, handles, held)
    else:
        lanes, all_ended = blocking_lanes(primitives, workload, recorder, resources=held), None
        routine = lanes.task
        recorder.begin()
        if workload.releases:
            release_blocking(
                lambda index, arg: handles.append(spawn(routine, index, arg)),
                lanes.args,
                workload.releases,
                primitives.sleep,
                recorder,
            )
        else:
            for index, arg in spawned(workload, lanes.args):
                spawn_at[index] = clock()
                handles.append(spawn(routine, index, arg))
    recorder.main_start()
    lanes.main()
    recorder.main_done()
    if all_ended is not None:
        all_ended.wait()
    primitives.join(handles)
    recorder.finish()
    if lanes.errors:
        raise lanes.errors[0]


def _when_ready(
    primitives: BlockingPrimitives[Any],
    workload: Workload,
    recorder: Recorder,
    handles: list[Any],
    held: Held | None = None,
) -> tuple[Lanes[None], Event]:
    """Begin the run, spawning each task once its dependencies have ended (from the
    routine that ended the last of them); the event is set once every task has ended, or
    one has failed."""
    tasks, spawn = workload.tasks, primitives.spawn
    spawn_at, clock = recorder.spawn_at, recorder.clock
    waiting = [len(set(task.after)) for task in tasks]
    dependents: dict[int, list[int]] = {}
    for index, task in enumerate(tasks):
        for dep in set(task.after):
            dependents.setdefault(dep, []).append(index)
    lock, all_ended = primitives.limiter(1), primitives.event()
    remaining = len(tasks)

    def start(index: int) -> None:
        spawn_at[index] = clock()
        handles.append(spawn(lanes.task, index, tasks[index]))

    def ended(index: int) -> None:
        nonlocal remaining
        ready = []
        lock.acquire()
        try:
            remaining -= 1
            for child in dependents.get(index, ()):
                waiting[child] -= 1
                if waiting[child] == 0:
                    ready.append(child)
            if remaining == 0 or lanes.errors:
                all_ended.set()
        finally:
            lock.release()
        if not lanes.errors:
            for child in ready:
                start(child)

    lanes = blocking_lanes(primitives, workload, recorder, on_end=ended, resources=held)
    # the free tasks are listed before the first starts: once one runs, its end may bring a
    # dependent's count to 0 (and start it) while this loop is still going, and a loop that
    # read the counts as it went would start that dependent a second time; the doubled end
    # then counted one task too many, so the run finished before its last task ended
    free = [index for index, count in enumerate(waiting) if count == 0]
    recorder.begin()
    for index in free:
        start(index)
    return lanes, all_ended
