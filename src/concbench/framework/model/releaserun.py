"""Main as the dispatcher of an open-loop run: each task spawned at its release time.

With ``Workload.releases`` main spawns each task once its time has come, by the backend's
own sleep (its timer), never before; a task the timer woke too late for is spawned at once,
late. The lateness is the backend's, and latency counts from the intended release, so a
slow backend cannot hide it by falling behind (no coordinated omission).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .primitives import CoroutinePrimitives
from .recorder import Recorder

__all__ = ["release_blocking", "release_coroutines"]


async def release_coroutines(
    spawn: Callable[[int, Any], object],
    args: Iterable[Any],
    releases: Sequence[float],
    primitives: CoroutinePrimitives,
    recorder: Recorder,
) -> None:
    """Main as the dispatcher of an open-loop run: each task is spawned once its release
    time has come, by the backend's own sleep (its timer), never before. A task the timer
    woke too late for is spawned at once, late: the lateness is the backend's, and latency
    counts from the intended release (no coordinated omission)."""
    sleep, spawn_at, clock = primitives.sleep, recorder.spawn_at, recorder.clock
    begin = recorder.begun_at
    for index, arg in enumerate(args):
        due = begin + releases[index]
        while (wait := due - clock()) > 0:  # a timer may fire a hair early: wait again
            await sleep(wait)
        spawn_at[index] = clock()
        spawn(index, arg)


def release_blocking(
    spawn: Callable[[int, Any], object],
    args: Iterable[Any],
    releases: Sequence[float],
    sleep: Callable[[float], object],
    recorder: Recorder,
) -> None:
    """:func:`release_coroutines` for blocking routines: main sleeps with the backend's
    own sleep (a thread's, a greenlet's) until each release."""
    spawn_at, clock = recorder.spawn_at, recorder.clock
    begin = recorder.begun_at
    for index, arg in enumerate(args):
        due = begin + releases[index]
        while (wait := due - clock()) > 0:
            sleep(wait)
        spawn_at[index] = clock()
        spawn(index, arg)
