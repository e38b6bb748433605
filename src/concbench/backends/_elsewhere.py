"""Tasks that run in other processes (a pool, a cluster): the parent dispatches, each task
times itself.

The parent submits a task once its dependencies have ended and a slot under the limit is
free, so neither rule needs a primitive shared between processes. The task stamps its own
start and step ends (its end is its last step's), which the parent hands to
``recorder.task_ran``. The main routine runs in the parent, concurrently with a dispatcher
thread that does every submit, so a task that becomes ready while main sleeps is not kept
waiting.
"""

from __future__ import annotations

import functools
import multiprocessing.util
import pickle
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Protocol, Union

from concbench.framework import ConcbenchError, Recorder, Step, Task, Workload, blocking_lanes
from concbench.framework.model.callrun import Held, Need, needs, open_sync, workload_needs

from .threads_backend import thread_primitives

__all__ = [
    "Executor",
    "Stamps",
    "TaskError",
    "close_resources",
    "dispatch",
    "open_resources",
    "run_task",
]

Stamps = tuple[int, list[int]]
"""A task's start and step ends, in nanoseconds of the clock the task was told to use."""


def run_task(
    steps: tuple[Step, ...],
    wall_clock: bool,
    address: tuple[str, int] | None = None,
    index: int = 0,
) -> Stamps:
    """Run one task's steps in this process, through the skeleton's blocking routine (a
    task owns its thread here: blocking is waiting); ``wall_clock`` returns the stamps in
    ``time.time_ns`` (comparable across machines, roughly) instead of ``perf_counter_ns``
    (this machine). ``address`` is the latency server's, for ``io`` steps; ``index`` the
    task's in its workload, for the context of its ``call`` steps."""
    workload = _alone(steps, address)
    held = open_resources(needs((steps,)), 1, address)  # made when the pool started, if known
    recorder = Recorder(workload)
    lanes = blocking_lanes(
        thread_primitives(), workload, recorder, gate=False, resources=held, task_index=index
    )
    for lane, arg in enumerate(lanes.args):
        lanes.task(lane, arg)
    if lanes.errors:
        raise _portable(lanes.errors[0])
    shift = time.time_ns() - time.perf_counter_ns() if wall_clock else 0
    return _ns(recorder.start_at[0], shift), [_ns(end, shift) for end in recorder.step_end_at]


@functools.lru_cache(maxsize=64)
def _alone(steps: tuple[Step, ...], address: tuple[str, int] | None) -> Workload:
    """A workload of this one task: scenarios share one steps tuple between their tasks."""
    return Workload(tasks=(Task(steps),), io_address=address)


class TaskError(ConcbenchError, RuntimeError):
    """What a task in another process raised, as text: the exception itself could not
    make the way back (a class the parent cannot rebuild from its pickle)."""


def _portable(error: BaseException) -> BaseException:
    """``error`` if it survives the way back to the parent, else a :class:`TaskError` with
    its text. A call step raises whatever the scenario's code raises, and an exception
    that pickles but cannot be unpickled would break the pool, not just fail the run."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        return TaskError(f"a task raised in its process:\n{text.strip()}")
    return error


_HELD: Held = {}
"""The resources of call steps made in this process (a pool process, a dask worker)."""
_STACK: list[ExitStack] = []


def open_resources(wanted: Sequence[Need], tasks: int, address: tuple[str, int] | None) -> Held:
    """Make the resources this process lacks, kept until it exits (or
    :func:`close_resources`): a pool process serves many runs, and set-up must happen
    outside them, so a pool makes them as it starts and a task only finds them."""
    if wanted and not _STACK:
        _STACK.append(ExitStack())
        multiprocessing.util.Finalize(None, close_resources, exitpriority=10)
    if wanted:
        open_sync(_STACK[0], wanted, tasks, address, _HELD)
    return _HELD


def close_resources() -> None:
    """Run the tear-down of every resource this process made."""
    _HELD.clear()
    while _STACK:
        _STACK.pop().close()


def _ns(seconds: float, shift: int) -> int:
    return round(seconds * 1e9) + shift


class Executor(Protocol):
    """Where tasks run. ``submit`` must not block; ``completed`` blocks for the next task
    to end and returns its index with its stamps, or the exception it raised."""

    def submit(self, index: int, steps: tuple[Step, ...]) -> None: ...

    def completed(self) -> tuple[int, Union[Stamps, BaseException]]: ...  # noqa: UP007


def dispatch(
    workload: Workload,
    recorder: Recorder,
    executor: Executor,
    to_local: Callable[[int], int] = lambda ns: ns,
) -> None:
    """One run: ``recorder.begin()`` through ``recorder.finish()``; re-raises a task's error.

    ``to_local`` converts a task's stamps to this process's ``perf_counter_ns``.
    """
    errors: list[BaseException] = []
    go = threading.Event()

    def dispatcher() -> None:
        go.wait()
        try:
            _dispatch(workload, recorder, executor, to_local, errors)
        except BaseException as exc:  # re-raised in the calling thread after the join
            errors.append(exc)

    with ExitStack() as stack:  # the resources of main's calls: main runs here
        wanted = workload_needs(workload, main_only=True)
        held = open_sync(stack, wanted, len(workload.tasks), workload.io_address)
        main = blocking_lanes(thread_primitives(), workload, recorder, gate=False, resources=held)
        thread = threading.Thread(target=dispatcher, name="concbench-dispatch", daemon=True)
        thread.start()  # before begin(): starting the thread is set-up, not the run
        recorder.begin()
        go.set()
        main.main()
        recorder.main_done()
        thread.join()
        recorder.finish()
    if errors:
        raise errors[0]


def _dispatch(
    workload: Workload,
    recorder: Recorder,
    executor: Executor,
    to_local: Callable[[int], int],
    errors: list[BaseException],
) -> None:
    tasks = workload.tasks
    waiting = [len(set(task.after)) for task in tasks]
    dependents: dict[int, list[int]] = {}
    for index, task in enumerate(tasks):
        for dep in set(task.after):
            dependents.setdefault(dep, []).append(index)
    ready = deque(index for index, count in enumerate(waiting) if count == 0)
    limit = workload.limit or len(tasks)
    running = 0
    remaining = len(tasks)
    while remaining and (running or not errors):
        while ready and running < limit and not errors:
            index = ready.popleft()
            recorder.spawn(index)
            executor.submit(index, tasks[index].steps)
            running += 1
        index, outcome = executor.completed()
        running -= 1
        remaining -= 1
        if isinstance(outcome, BaseException):
            errors.append(outcome)
            continue
        start, ends = outcome
        recorder.task_ran(index, to_local(start), [to_local(stamp) for stamp in ends])
        for child in dependents.get(index, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
