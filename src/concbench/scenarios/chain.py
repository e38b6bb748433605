"""Stages of parallel tasks with barriers between them, beside one long independent task.

A build, a CI pipeline or a task graph: each stage's tasks wait for every task of the
previous stage. The critical path runs through the stages, so it is longer than any
single task, including the long one.
"""

from __future__ import annotations

from concbench.framework import Param, Scenario, Task, Workload, sleep

__all__ = ["chain"]


def chain_ideal(stages: int, seconds: float, long: float) -> float:
    """The stages one after another, or the long task if it is longer."""
    return max(stages * seconds, long)


def build_chain(stages: int, width: int, seconds: float, long: float) -> Workload:
    tasks = [Task(steps=(sleep(long),))]  # task 0: independent of everything
    previous: tuple[int, ...] = ()
    for _ in range(stages):
        first = len(tasks)
        tasks += [Task(steps=(sleep(seconds),), after=previous) for _ in range(width)]
        previous = tuple(range(first, first + width))
    return Workload(tasks=tuple(tasks))


chain = Scenario(
    name="chain",
    summary="`stages` stages of `width` tasks of `seconds`, each stage after all of the "
    "previous one, beside one task of `long` (ideal: max(stages x seconds, long))",
    params=(
        Param("stages", int, 4, "stages in sequence", min=1, max=100),
        Param(
            "width",
            int,
            3,
            "tasks per stage, each after every task of the previous stage",
            min=1,
            max=100,
        ),
        Param("seconds", float, 0.05, "length of each stage task", min=0.0, max=3600.0),
        Param("long", float, 0.15, "length of the independent task", min=0.0, max=3600.0),
    ),
    build=build_chain,
)
