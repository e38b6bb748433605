"""An eager-start backend for tests on every Python, and the decompositions it must give.

asyncio's eager task factory (Python 3.12+) and Twisted's ``Deferred.fromCoroutine`` run
a task up to its first wait inside the call that spawns it. That shape broke the overhead
decomposition (issue 14): a blocked loop counted twice, CPU work "not explained", empty
tasks as "steps that overran". :class:`EagerTestBackend` has the same shape on Python 3.11:
asyncio's own loop and primitives, with a spawn that steps each new coroutine to its first
await before handing the rest to ``loop.create_task``.

:func:`unexplained` runs the three scenarios that showed it and is also run by a Python
3.12 interpreter against ``asyncio-eager`` (tests/framework/analysis/test_decompose_eager.py),
so this module imports neither pytest nor anything outside the standard library and
concbench.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import sys
import types
from collections.abc import Coroutine, Generator
from typing import Any

from concbench import testing
from concbench.backends.asyncio_backend import primitives
from concbench.framework import Backend, GatherGroup, Recorder, StepKind, Workload, run_coroutines
from concbench.framework.analysis.decompose import decompose
from concbench.scenarios.cpu import cpu_scenario
from concbench.scenarios.seed import seed_blocking
from concbench.scenarios.spawn import spawn

__all__ = ["EagerTestBackend", "eager_task", "unexplained", "workloads"]


def eager_task(coro: Coroutine[Any, Any, None]) -> asyncio.Future[None]:
    """Run ``coro`` here up to its first wait, then hand the rest to the running loop."""
    loop = asyncio.get_running_loop()
    try:
        waiting_on = coro.send(None)
    except StopIteration:
        done: asyncio.Future[None] = loop.create_future()
        done.set_result(None)
        return done
    return loop.create_task(_resume(coro, waiting_on))


@types.coroutine
def _resume(coro: Coroutine[Any, Any, None], waiting_on: Any) -> Generator[Any, Any, None]:
    """The rest of a coroutine already stepped once: the task waits on what it yielded."""
    while True:
        try:
            sent = yield waiting_on
        except BaseException as exc:  # a cancellation, delivered where the coroutine waits
            try:
                waiting_on = coro.throw(exc)
            except StopIteration:
                return
        else:
            try:
                waiting_on = coro.send(sent)
            except StopIteration:
                return


class EagerTestBackend(Backend):
    name = "eager-test"
    description = "asyncio with every task run to its first await inside its spawn"
    blocks_scheduler = frozenset({StepKind.BLOCK, StepKind.CPU})

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        eager = dataclasses.replace(
            primitives(asyncio.new_event_loop),
            task_group=functools.partial(GatherGroup, eager_task, asyncio.gather),
        )
        run_coroutines(eager, workload, recorder)


def workloads() -> dict[str, Workload]:
    """The three workloads of issue 14, short: the seed at a fifth, two 0.1 s CPU tasks,
    2,000 empty tasks."""
    return {
        "seed-blocking": seed_blocking.workload({"scale": 0.2}),
        "cpu": cpu_scenario.workload({"tasks": 2, "seconds": 0.1}),
        "spawn": spawn.workload({"tasks": 2000}),
    }


def unexplained(backend_cls: type[Backend]) -> dict[str, dict[str, float]]:
    """Per workload, one checked run's overhead and its parts in seconds."""
    found = {}
    for name, workload in workloads().items():
        trace = testing.run(backend_cls, workload)
        parts = decompose(trace, workload, backend_cls.blocks_scheduler)
        found[name] = {"overhead": trace.wall_s - workload.ideal_s} | {
            part.value: seconds for part, seconds in parts.items()
        }
        found[name]["started_before_next_spawn"] = float(
            all(trace.start_ns[i] <= trace.spawn_ns[i + 1] for i in range(len(trace.spawn_ns) - 1))
        )
    return found


if __name__ == "__main__":  # python -m support.eager BACKEND: the parts as JSON
    # by class, not through the registry: the interpreter running this may have concbench
    # on its path without having it installed (no entry points)
    from concbench.backends.asyncio_backend import EagerAsyncioBackend

    known: dict[str, type[Backend]] = {
        "eager-test": EagerTestBackend,
        "asyncio-eager": EagerAsyncioBackend,
    }
    chosen = known[sys.argv[1]]
    reason = chosen.unavailable_reason()
    print(json.dumps({"unavailable": reason} if reason else unexplained(chosen)))
