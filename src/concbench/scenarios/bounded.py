"""Many tasks through a concurrency limit: a connection pool, a semaphore, a rate of work."""

from __future__ import annotations

import math

from concbench.framework import Param, Scenario, Task, Workload, io, sleep

__all__ = ["bounded"]


def bounded_ideal(tasks: int, seconds: float, limit: int) -> float:
    """``limit`` tasks at a time, in rounds: ceil(tasks / limit) x seconds."""
    return math.ceil(tasks / limit) * seconds


def build_bounded(tasks: int, seconds: float, limit: int, wait: str) -> Workload:
    step = io(seconds) if wait == "io" else sleep(seconds)
    return Workload(
        tasks=(Task(steps=(step,)),) * tasks,
        limit=limit,
        stated_ideal_s=bounded_ideal(tasks, seconds, limit),
    )


bounded = Scenario(
    name="bounded",
    summary="`tasks` tasks of `seconds` each, at most `limit` at once through the backend's "
    "own limiter (ideal: ceil(tasks / limit) x `seconds`)",
    params=(
        Param("tasks", int, 100, "number of tasks", min=1, max=1_000_000),
        Param("seconds", float, 0.05, "how long each task waits", min=0.0, max=3600.0),
        Param("limit", int, 10, "most tasks running at once", min=1, max=1_000_000),
        Param(
            "wait",
            str,
            "sleep",
            "what each task waits on: a sleep, or a request to the latency server",
            choices=("sleep", "io"),
        ),
    ),
    build=build_bounded,
)
