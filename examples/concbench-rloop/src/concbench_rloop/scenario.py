"""`relay`: every task waits for the previous one, so nothing can overlap."""

from __future__ import annotations

from concbench.framework import Param, Scenario, Task, Workload, sleep


def build_relay(length: int, seconds: float) -> Workload:
    tasks = tuple(Task(steps=(sleep(seconds),), after=(i - 1,) if i else ()) for i in range(length))
    return Workload(tasks=tasks)


relay = Scenario(
    name="relay",
    summary="`length` sleeps of `seconds`, each starting when the previous one ends "
    "(ideal = serial: what a dependency hand-off costs)",
    params=(
        Param("length", int, 5, "tasks in the relay", min=1, max=100_000),
        Param("seconds", float, 0.1, "sleep per task", min=0.0, max=3600.0),
    ),
    build=build_relay,
)
