"""I/O and CPU work in one program: CPU work delays the completion of requests around it."""

from __future__ import annotations

from concbench.framework import Param, Scenario, Task, Workload, checkpoint, cpu, io

__all__ = ["mixed"]


def mixed_ideal(requests: int, seconds: float, cpu_tasks: int, cpu_seconds: float) -> float:
    """Everything overlaps: the longer of one request and one CPU task."""
    return max(seconds, cpu_seconds if cpu_tasks else 0.0)


def build_mixed(
    requests: int, seconds: float, cpu_tasks: int, cpu_seconds: float, slices: int
) -> Workload:
    request = Task(steps=(io(seconds),))
    # the work in `slices` pieces with a yield between: how often a handler lets others in
    pieces = (cpu(cpu_seconds / slices), checkpoint()) * (slices - 1) + (cpu(cpu_seconds / slices),)
    # requests first: they are in flight when the CPU work starts, as in a busy server
    return Workload(tasks=(request,) * requests + (Task(steps=pieces),) * cpu_tasks)


mixed = Scenario(
    name="mixed",
    summary="`requests` requests of `seconds` latency alongside `cpu_tasks` tasks of "
    "`cpu_seconds` CPU work in `slices` pieces (ideal: max(seconds, cpu_seconds); machine "
    "bound: cpu work / cores)",
    params=(
        Param("requests", int, 100, "concurrent requests", min=1, max=1_000_000),
        Param("seconds", float, 0.05, "the server's latency per request", min=0.0, max=3600.0),
        Param("cpu_tasks", int, 2, "tasks doing CPU work", min=0, max=100_000),
        Param("cpu_seconds", float, 0.05, "CPU seconds per CPU task", min=0.0, max=3600.0),
        Param(
            "slices",
            int,
            1,
            "pieces each CPU task's work is cut into, with a yield between",
            min=1,
            max=100_000,
        ),
    ),
    build=build_mixed,
)
