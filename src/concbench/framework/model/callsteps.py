"""The call steps of a workload: finding them, and rewriting them.

Scenarios share one steps tuple between many tasks (a million tasks, one tuple), so every
walk over a workload's calls visits each distinct tuple once, and every rewrite keeps
tuples that were shared shared: a copy per task would cost memory and the time to build
it on every bind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from .calltypes import Call
from .steps import Step, StepKind
from .workload import Workload

__all__ = ["calls_in", "map_calls", "step_tuples"]


def calls_in(workload: Workload) -> list[Call]:
    """Every distinct call of the workload, main included, in order of first use."""
    seen: dict[Call, None] = {}
    for steps in step_tuples(workload):
        for step in steps:
            if step.target is not None:
                seen.setdefault(step.target)
    return list(seen)


def step_tuples(workload: Workload) -> Iterator[tuple[Step, ...]]:
    """Each distinct steps tuple of the workload's tasks, then main's."""
    shared: set[int] = set()
    for steps in (*(task.steps for task in workload.tasks), workload.main):
        if id(steps) not in shared:  # scenarios share one steps tuple between tasks
            shared.add(id(steps))
            yield steps


def map_calls(workload: Workload, change: Callable[[Step], Step]) -> Workload:
    """The workload with every call step replaced by ``change(step)``; tasks that shared one
    steps tuple still share one, and every other field (of tasks too) is kept."""
    copies: dict[int, tuple[Step, ...]] = {}

    def mapped(steps: tuple[Step, ...]) -> tuple[Step, ...]:
        if id(steps) not in copies:
            copies[id(steps)] = tuple(
                change(step) if step.kind is StepKind.CALL else step for step in steps
            )
        return copies[id(steps)]

    return dataclasses.replace(
        workload,
        tasks=tuple(dataclasses.replace(task, steps=mapped(task.steps)) for task in workload.tasks),
        main=mapped(workload.main),
    )
