"""A gather tree in the shape of pyperformance's ``async_tree``, CPython's benchmark of task
overhead: each node spawns ``branches`` children and waits for them, ``levels`` deep, and
the leaves do the work.

pyperformance's ``bm_async_tree`` awaits ``recurse(levels)`` from its main coroutine, and
every ``recurse(level)`` above 0 gathers ``branches`` calls of ``recurse(level - 1)``;
``recurse(0)`` is a leaf. Here main plays ``recurse(levels)``: it spawns the first level of
``branches`` tasks, and the tree has ``branches ** levels`` leaves, numbered breadth first,
so siblings are neighbours. Its leaf variants, with its constants as defaults:

- ``none``: the leaf returns at once;
- ``sleep``: ``asyncio.sleep(0.05)`` (pyperformance calls this variant ``io``);
- ``io``: one request to concbench's loopback latency server instead, a real socket;
- ``memoization``: a leaf draws ``randint(1, 100)``; at most 90 of those draws are
  "memoized" after their first time and return at once, the rest sleep;
- ``cpu_io_mixed``: half the leaves (``random() < 0.5``) compute instead
  (``math.factorial(500)``, a ``cpu`` step of ``cpu`` seconds), the others are
  ``memoization`` leaves.

The draws are made when the workload is built, with ``random.Random(seed)`` in leaf order,
so every backend runs the same leaves. pyperformance draws in the order its leaves run,
which differs between its plain and eager variants; the mix of leaves is what matters.

``nodes=all`` gives every node the leaves' work before it spawns its children, like a
handler that works and then calls sub-requests: the critical path is then ``levels``
works long (with sleep leaves, ``levels x seconds``), where with ``nodes=leaves`` it is
one.
"""

from __future__ import annotations

import random

from concbench.framework import (
    Param,
    ParameterError,
    Scenario,
    Step,
    Task,
    Workload,
    cpu,
    io,
    sleep,
)

__all__ = ["tree"]

MAX_TASKS = 2_000_000
_MEMOIZABLE = 90
"""pyperformance's MEMOIZABLE_PERCENTAGE: draws up to this are cached after their first."""
_CPU_PROBABILITY = 0.5
KINDS = ("none", "sleep", "io", "memoization", "cpu_io_mixed")


def tree_tasks(levels: int, branches: int) -> int:
    """Tasks below main: branches + branches**2 + ... + branches**levels."""
    return sum(branches**level for level in range(1, levels + 1))


def _leaves(kind: str, count: int, seconds: float, cpu_s: float, seed: int) -> list[Task]:
    """Each leaf's task; leaves of the same work share one object (and one steps tuple)."""
    empty, waiting = Task(()), Task((sleep(seconds),))
    if kind == "none":
        return [empty] * count
    if kind == "sleep":
        return [waiting] * count
    if kind == "io":
        return [Task((io(seconds),))] * count
    rng, cached, working = random.Random(seed), set(), Task((cpu(cpu_s),))
    leaves = []
    for _ in range(count):
        if kind == "cpu_io_mixed" and rng.random() < _CPU_PROBABILITY:
            leaves.append(working)
            continue
        data = rng.randint(1, 100)
        if data <= _MEMOIZABLE:
            if data in cached:
                leaves.append(empty)
                continue
            cached.add(data)
        leaves.append(waiting)
    return leaves


def build_tree(  # noqa: PLR0917 - one argument per scenario parameter
    levels: int, branches: int, kind: str, seconds: float, cpu: float, seed: int, nodes: str
) -> Workload:
    total = tree_tasks(levels, branches)
    if total > MAX_TASKS:
        raise ParameterError(
            f"scenario 'tree': levels={levels} and branches={branches} make {total:,} tasks; "
            f"at most {MAX_TASKS:,} are allowed (lower levels or branches)"
        )
    leaves = _leaves(kind, branches**levels, seconds, cpu, seed)
    own: tuple[Step, ...] = ()
    if nodes == "all":  # a memoization or mixed leaf's work varies: nodes wait its I/O time
        own = {"none": (), "io": (io(seconds),)}.get(kind, (sleep(seconds),))
    tasks: list[Task] = []
    first = 0  # index of the first task of the current level
    for level in range(1, levels):
        width = branches**level
        after_level = first + width  # the next level's first index
        tasks.extend(
            Task(
                own,
                children=tuple(range(after_level + i * branches, after_level + (i + 1) * branches)),
            )
            for i in range(width)
        )
        first = after_level
    tasks.extend(leaves)
    return Workload(tasks=tuple(tasks))


tree = Scenario(
    name="tree",
    summary="pyperformance's async_tree: each of `levels` levels spawns `branches` children "
    "and waits for them; leaves do `kind` work (ideal: one leaf's work, or `levels` works "
    "with nodes=all)",
    params=(
        Param("levels", int, 5, "depth of the tree below main", min=1, max=20),
        Param("branches", int, 5, "children per node", min=1, max=1000),
        Param("kind", str, "sleep", "what each leaf does", choices=KINDS),
        Param(
            "seconds",
            float,
            0.05,
            "a sleep or io leaf's time (pyperformance's IO_SLEEP_TIME)",
            min=0.0,
            max=3600.0,
        ),
        Param(
            "cpu",
            float,
            0.00001,
            "a cpu_io_mixed leaf's CPU work (math.factorial(500) takes 6-8 us here)",
            min=0.0,
            max=3600.0,
        ),
        Param("seed", int, 0, "seed of the memoization and cpu_io_mixed draws", min=0),
        Param(
            "nodes",
            str,
            "leaves",
            "which tasks work: `leaves` (async_tree) or `all` (each node works, then spawns)",
            choices=("leaves", "all"),
        ),
    ),
    build=build_tree,
    compare=({"levels": 3, "branches": 4, "kind": "sleep", "seconds": 0.02},),
)
