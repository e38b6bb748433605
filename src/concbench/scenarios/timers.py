"""One task sleeping many short times in a row: timer rounding and slack, per sleep."""

from __future__ import annotations

from concbench.framework import Param, Scenario, Task, Workload, sleep

__all__ = ["timers"]


def timers_ideal(sleeps: int, seconds: float) -> float:
    """Nothing overlaps: sleeps x seconds. The overhead per step is the lateness per sleep."""
    return sleeps * seconds


def build_timers(sleeps: int, seconds: float) -> Workload:
    return Workload(tasks=(Task(steps=(sleep(seconds),) * sleeps),))


timers = Scenario(
    name="timers",
    summary="one task sleeps `seconds` `sleeps` times in a row (ideal: sleeps x seconds; the "
    "per-step column is the mean lateness per sleep)",
    params=(
        Param("sleeps", int, 1000, "sleeps in sequence", min=1, max=1_000_000),
        Param("seconds", float, 0.001, "length of each sleep", min=0.0, max=3600.0),
    ),
    build=build_timers,
)
