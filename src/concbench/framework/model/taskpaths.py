"""Which routine each task runs, and the two routines with nothing to decide.

Two workload shapes cost the least per task, so there the harness weighs most: a plain
fan-out (every task one sleep, :attr:`Workload.single_sleeps`) and empty tasks
(:attr:`Workload.only_empty_tasks`). Their tasks run through a routine that only stamps
and sleeps (or only stamps), instead of the general one, and a run record names the path
its tasks took (``task_path``) so that a report never compares paths unawares.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from .primitives import AsyncRoutine, BlockingRoutine
from .recorder import Recorder
from .workload import Workload

__all__ = [
    "EMPTY_TASKS",
    "GENERAL",
    "PLAIN_FAN_OUT",
    "blocking_plain",
    "coroutine_plain",
    "pick",
    "spawned",
    "task_path",
]


R = TypeVar("R")


PLAIN_FAN_OUT, EMPTY_TASKS, GENERAL = "plain fan-out", "empty tasks", "general"
"""The task paths, as a run record's ``task_path`` names them."""


def task_path(workload: Workload) -> str:
    """The routine :func:`pick` gives ``workload``'s tasks: one of the two fast paths, or
    the general one."""
    if workload.single_sleeps is not None:
        return PLAIN_FAN_OUT
    return EMPTY_TASKS if workload.only_empty_tasks else GENERAL


def pick(
    workload: Workload,
    general: Callable[[int, Any], R],
    sleeper: Callable[[int, Any], R],
    starter: Callable[[int, Any], R],
) -> tuple[Callable[[int, Any], R], Iterable[Any]]:
    """The routine every task runs, and its argument per task."""
    sleeps = workload.single_sleeps
    if sleeps is not None:
        return sleeper, sleeps
    if workload.only_empty_tasks:
        return starter, itertools.repeat(None, len(workload.tasks))
    # the tasks themselves, not a list of per-task tuples: made after the worker froze the
    # heap, a million of them would be walked by every full collection inside the run
    return general, workload.tasks


def spawned(workload: Workload, args: Iterable[Any]) -> Iterable[tuple[int, Any]]:
    """What main spawns: every task with its argument, or, in a task tree, the roots."""
    if not workload.has_children:
        return enumerate(args)
    tasks = workload.tasks
    return ((index, tasks[index]) for index in workload.roots)


def coroutine_plain(
    sleep: Callable[[float], Awaitable[object]], recorder: Recorder
) -> tuple[AsyncRoutine, AsyncRoutine]:
    """The routines of the two plainest shapes: a task of a plain fan-out, and an empty task."""
    start_at, stamps, clock = recorder.start_at, recorder.step_end_at, recorder.clock

    async def sleeper(index: int, seconds: float) -> None:
        """Its one step is step slot ``index``."""
        start_at[index] = clock()
        await sleep(seconds)
        stamps[index] = clock()

    async def starter(index: int, _: None) -> None:
        """It only starts: a task without steps ends as it starts."""
        start_at[index] = clock()

    return sleeper, starter


def blocking_plain(
    sleep: Callable[[float], object], recorder: Recorder, errors: list[BaseException]
) -> tuple[BlockingRoutine, BlockingRoutine]:
    """The blocking routines of the two plainest shapes, as :func:`coroutine_plain`."""
    start_at, stamps, clock = recorder.start_at, recorder.step_end_at, recorder.clock

    def sleeper(index: int, seconds: float) -> None:
        try:
            start_at[index] = clock()
            sleep(seconds)
            stamps[index] = clock()
        except BaseException as exc:
            errors.append(exc)

    def starter(index: int, _: None) -> None:
        start_at[index] = clock()

    return sleeper, starter
