"""Many identical sleeping tasks: what spawning, scheduling and joining cost per task."""

from __future__ import annotations

from concbench.framework import Param, Scenario, Task, Workload, sleep

__all__ = ["fanout"]


def build_fanout(tasks: int, seconds: float) -> Workload:
    task = Task(steps=(sleep(seconds),))  # one shared object: a million tasks stay cheap
    return Workload(tasks=(task,) * tasks)


fanout = Scenario(
    name="fanout",
    summary="`tasks` concurrent sleeps of `seconds` each (ideal: `seconds`)",
    params=(
        Param("tasks", int, 1000, "number of concurrent tasks", min=1, max=10_000_000),
        Param("seconds", float, 0.1, "how long each task sleeps", min=0.0, max=3600.0),
    ),
    build=build_fanout,
    # a small sweep: the report's scaling plot draws overhead per task against tasks; the
    # figure is per task, so short sleeps buy processes for the statistics, not less truth
    compare=tuple({"tasks": tasks, "seconds": 0.02} for tasks in (10, 100, 1000)),
)
