"""The rules a workload must keep, checked when it is built.

A workload that cannot exist (a cycle, a dependency on nothing, release times out of
order, a child with two parents, hand-offs that would deadlock) is refused with a
:class:`ModelError` that names the task and the rule, before anything runs: a bad workload
found by a backend halfway through a sweep would cost the runs before it, and each backend
would find it differently. Kept apart from the definition (model/workload.py) so that the
rules read as one list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .steps import ModelError

if TYPE_CHECKING:
    from .workload import Task, Workload

__all__ = ["check_channels", "check_releases", "check_tree", "topological_order"]


def check_releases(workload: Workload) -> None:
    """One finite, non-negative release per task, in task order, and nothing a release
    would make ambiguous: main is the dispatcher, so it has no steps of its own, and a
    release with ``after`` or channels has no ideal defined yet."""
    tasks, releases = workload.tasks, workload.releases
    if len(releases) != len(tasks):
        raise ModelError(
            f"`releases` must hold one time per task ({len(tasks)}), got {len(releases)}"
        )
    previous = 0.0
    for index, release in enumerate(releases):
        if not (math.isfinite(release) and release >= previous):
            raise ModelError(
                f"task {index}: release times must be finite, >= 0 and in task order, "
                f"got {release!r} after {previous!r}"
            )
        previous = release
    if workload.main or workload.channels or workload.has_dependencies:
        raise ModelError(
            "a workload with release times cannot have main steps, channels or `after` "
            "dependencies (main releases the tasks)"
        )


def check_tree(workload: Workload) -> None:
    """Each task has at most one parent, listed before it (so no cycle), and a tree
    combines with no rule a parent waiting for its children would break."""
    if (
        workload.limit is not None
        or workload.channels
        or workload.has_dependencies
        or workload.releases
    ):
        raise ModelError(
            "a workload with task trees (children) cannot also have `limit`, `channels`, "
            "`after` dependencies or `releases`: a parent waiting for its children would "
            "hold a slot or a place in the schedule the others assume"
        )
    _ = workload.parents  # refuses a child of two parents, a missing one, or an earlier one


def check_channels(workload: Workload) -> None:
    """Every channel used is declared once. Whether the hand-offs can all complete is
    found by the zero-overhead run (model/perfectrun.py), which the workload runs next."""
    names = [channel.name for channel in workload.channels]
    if len(set(names)) != len(names):
        raise ModelError(f"channel names must be unique, got {names}")
    declared = set(names)
    for lane in range(len(workload.tasks) + 1):
        for step in workload.lane_steps(lane):
            if step.channel and step.channel not in declared:
                who = "main" if lane == len(workload.tasks) else f"task {lane}"
                raise ModelError(
                    f"{who}: {step.kind.value} step uses channel {step.channel!r}, which is "
                    f"not declared in `channels` ({', '.join(map(repr, names)) or 'none'})"
                )


def topological_order(tasks: Sequence[Task]) -> tuple[int, ...]:
    """Kahn's algorithm; rejects dependencies on missing tasks, on itself, and cycles."""
    count = len(tasks)
    dependents: dict[int, list[int]] = {}
    waiting = [0] * count
    for index, task in enumerate(tasks):
        for dep in task.after:
            if not 0 <= dep < count:
                raise ModelError(
                    f"task {index} depends on task {dep}, which does not exist (0..{count - 1})"
                )
            if dep == index:
                raise ModelError(f"task {index} depends on itself")
            dependents.setdefault(dep, []).append(index)
        waiting[index] = len(set(task.after))
    ready = [index for index in range(count) if waiting[index] == 0]
    order: list[int] = []
    while ready:
        index = ready.pop()
        order.append(index)
        for child in dependents.get(index, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    if len(order) != count:
        stuck = sorted(index for index in range(count) if waiting[index] > 0)
        raise ModelError(f"tasks {stuck[:10]} form a dependency cycle")
    return tuple(order)
