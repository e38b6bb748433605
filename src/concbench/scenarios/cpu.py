"""Pure-Python CPU work split across tasks: where the GIL turns concurrency back into serial."""

from __future__ import annotations

from concbench.framework import Param, Scenario, Task, Workload, cpu

__all__ = ["cpu_scenario"]


def build_cpu(tasks: int, seconds: float) -> Workload:
    task = Task(steps=(cpu(seconds),))
    return Workload(tasks=(task,) * tasks)


cpu_scenario = Scenario(
    name="cpu",
    summary="`tasks` tasks of `seconds` of pure-Python work each (ideal: `seconds`; "
    "machine bound: total work / cores)",
    params=(
        Param("tasks", int, 2, "number of concurrent tasks", min=1, max=100_000),
        Param("seconds", float, 0.5, "CPU seconds of work per task", min=0.0, max=3600.0),
    ),
    build=build_cpu,
    # a tenth of a second per task: the GIL and the parallel pool show as clearly as with
    # longer work, and `nox -s compare` can afford five processes a row (docs/performance.md)
    compare=({"tasks": 2, "seconds": 0.1},),
)
