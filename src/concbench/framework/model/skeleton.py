"""The body of every backend, written once over the primitives each backend supplies.

A backend differs from another in its primitives: how it sleeps, yields, makes a request,
hands an item over a channel, waits for an event, limits concurrency, spawns a routine and
waits for it. Everything else is the same on every backend and is written here once: the
dispatch of each step to its primitive, the gate (a task waits for the tasks in its
``after`` and for a slot under ``limit``), the stamps in the recorder's arrays, and the
run itself (``begin``, spawn every task, run main, ``main_done``, join, ``finish``). So
every backend pays the same bookkeeping and takes the same fast paths, and a new backend
fills in :class:`CoroutinePrimitives` or :class:`BlockingPrimitives` instead of copying a
lane (docs/plugins.md).

There are two skeletons because there are two kinds of routine: coroutines, whose waits
are awaited (asyncio, uvloop, trio, anyio), and blocking routines, whose waits block their
thread or greenlet (threads, a thread pool, gevent, a task in a pool process). They mirror
each other line for line.

Each routine is one flat function, with the hot state in closure cells and the rest in one
object, because a task costs only microseconds on a coroutine scheduler, and every extra
frame, call, argument, or name in a suspended task's frame would be charged to the
backend as overhead (docs/performance.md measures what is left). Two workload shapes
cost the least per task, so there the harness weighs most, and they run through routines
with nothing to decide: a plain fan-out (:attr:`Workload.single_sleeps`) and empty tasks
(:attr:`Workload.only_empty_tasks`). A task tree's parents run through a routine that
wraps the general one: its steps, then its children in a task group of its own.
Every routine takes the same stamps at the same points.

This module is the skeleton's public face, where backends, plugins and the docs import it
from; each part is a module of its own. The contract: model/primitives.py (and
model/gathergroup.py, asyncio's task group). The routines: model/coroutinelanes.py and
model/blockinglanes.py, over the state they share (model/lanestate.py), with the fast paths
(model/taskpaths.py) and a tree's parents (model/treelanes.py). The run:
model/coroutinerun.py and model/blockingrun.py, with the release of an open-loop run
(model/releaserun.py).
"""

from __future__ import annotations

from .blockinglanes import blocking_lanes
from .blockingrun import run_blocking
from .coroutinelanes import coroutine_lanes
from .coroutinerun import coroutine_run, run_coroutines
from .gathergroup import GatherGroup
from .lanestate import Lanes
from .primitives import (
    Address,
    AsyncEvent,
    AsyncLimiter,
    AsyncRoutine,
    BlockingPrimitives,
    BlockingRoutine,
    CoroutinePrimitives,
    Event,
    Limiter,
    Nursery,
)
from .taskpaths import EMPTY_TASKS, GENERAL, PLAIN_FAN_OUT, task_path

__all__ = [
    "EMPTY_TASKS",
    "GENERAL",
    "PLAIN_FAN_OUT",
    "Address",
    "AsyncEvent",
    "AsyncLimiter",
    "AsyncRoutine",
    "BlockingPrimitives",
    "BlockingRoutine",
    "CoroutinePrimitives",
    "Event",
    "GatherGroup",
    "Lanes",
    "Limiter",
    "Nursery",
    "blocking_lanes",
    "coroutine_lanes",
    "coroutine_run",
    "run_blocking",
    "run_coroutines",
    "task_path",
]
