"""The tasks of the two plainest workload shapes, for coroutine backends.

A plain fan-out (:attr:`Workload.single_sleeps`) and a workload of empty tasks
(:attr:`Workload.only_empty_tasks`) cost the least per task of any workload, so there the
harness weighs most: these coroutines take the same stamps as a backend's general task
coroutine, with the recorder's arrays in closure cells and nothing to decide
(docs/performance.md measures them against the bare minimum). The backend supplies its
own sleep, so the framework stays free of any concurrency library.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from .recorder import Recorder

__all__ = ["empty_task", "sleep_task"]


def sleep_task(
    recorder: Recorder, sleep: Callable[[float], Awaitable[Any]]
) -> Callable[[int, float], Coroutine[Any, Any, None]]:
    """Task ``i`` of a plain fan-out: stamp its start, ``await sleep(seconds)``, stamp the
    end of its one step (slot ``i``, since every task has exactly one)."""
    start_at, step_end_at, clock = recorder.start_at, recorder.step_end_at, recorder.clock

    async def sleeper(task: int, seconds: float) -> None:
        start_at[task] = clock()
        await sleep(seconds)
        step_end_at[task] = clock()

    return sleeper


def empty_task(recorder: Recorder) -> Callable[[int], Coroutine[Any, Any, None]]:
    """Task ``i`` of a workload of empty tasks: it only starts, and a task without steps
    ends as it starts."""
    start_at, clock = recorder.start_at, recorder.clock

    async def starter(task: int) -> None:
        start_at[task] = clock()

    return starter
