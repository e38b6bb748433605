"""Tasks that do nothing: the pure cost of spawning, scheduling and joining a task."""

from __future__ import annotations

from concbench.framework import Param, Scenario, Task, Workload

__all__ = ["spawn"]


def build_spawn(tasks: int) -> Workload:
    return Workload(tasks=(Task(steps=()),) * tasks)


spawn = Scenario(
    name="spawn",
    summary="`tasks` tasks with no steps (ideal: 0, so every nanosecond is overhead; read the "
    "per-task column)",
    params=(Param("tasks", int, 10_000, "number of empty tasks", min=1, max=10_000_000),),
    build=build_spawn,
)
