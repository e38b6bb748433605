"""The routine of a task tree's parents: its steps, then its children, spawned and waited
for with the backend's own structured primitive.

A parent runs its steps through the general routine, then spawns its children into a
fresh task group (asyncio's gather, a trio or anyio nursery) or with ``spawn`` and
``join`` (threads, a pool's futures, gevent), and ends once they all have, as a program
that awaits a helper per node does. A leaf is spawned as the general routine itself, so a
tree adds a frame to its parents only.
"""

from __future__ import annotations

from typing import Any

from .gathergroup import GatherGroup
from .primitives import AsyncRoutine, BlockingPrimitives, BlockingRoutine, CoroutinePrimitives
from .recorder import Recorder
from .workload import Task, Workload

__all__ = ["blocking_tree", "coroutine_tree"]


def coroutine_tree(
    primitives: CoroutinePrimitives, workload: Workload, recorder: Recorder, lane: AsyncRoutine
) -> AsyncRoutine:
    """A node of a task tree: its steps (the general routine), then its children in a
    fresh task group of the backend's (asyncio's gather, a trio or anyio nursery), which
    it leaves once they have all ended; only then has the node ended.

    A leaf is spawned as the general routine itself, so a tree adds a frame to its parents
    only, as a program that awaits a helper per node would."""
    task_group, tasks = primitives.task_group, workload.tasks
    spawn_at, clock, end = recorder.spawn_at, recorder.clock, recorder.end

    async def node(index: int, task: Task) -> None:
        await lane(index, task)
        if not task.children:
            return
        group = task_group()
        async with group as nursery:
            if isinstance(group, GatherGroup):
                append, create_task = group.tasks.append, group.create_task
                for child in task.children:
                    spawn_at[child] = clock()
                    append(
                        create_task((node if tasks[child].children else lane)(child, tasks[child]))
                    )
            else:
                start_soon = nursery.start_soon
                for child in task.children:
                    spawn_at[child] = clock()
                    start_soon(node if tasks[child].children else lane, child, tasks[child])
        end(index)

    return node


def blocking_tree(
    primitives: BlockingPrimitives[Any],
    workload: Workload,
    recorder: Recorder,
    lane: BlockingRoutine,
    errors: list[BaseException],
) -> BlockingRoutine:
    """A node of a task tree, mirroring :func:`coroutine_tree`: its steps, then its
    children spawned and joined with the backend's own calls (threads, a pool's futures,
    ``gevent.spawn`` and ``joinall``). A routine of a pool that waits for its children
    holds its worker meanwhile, as a real program's does: a pool with no more workers
    than a tree has parents can deadlock (the threads backend refuses it)."""
    spawn, join, tasks = primitives.spawn, primitives.join, workload.tasks
    spawn_at, clock, end = recorder.spawn_at, recorder.clock, recorder.end

    def node(index: int, task: Task) -> None:
        lane(index, task)
        if not task.children:
            return
        try:
            handles = []
            for child in task.children:
                spawn_at[child] = clock()
                handles.append(spawn(node if tasks[child].children else lane, child, tasks[child]))
            join(handles)
            end(index)
        except BaseException as exc:
            errors.append(exc)

    return node
