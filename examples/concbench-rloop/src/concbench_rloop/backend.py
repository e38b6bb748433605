"""asyncio tasks on rloop: a backend written as its primitives, over concbench's skeleton.

The backend says how rloop's world sleeps, yields, waits for an event and limits
concurrency; ``run_coroutines`` does everything else (the step dispatch, dependencies,
the limit, the timestamps), exactly as it does for the built-in backends, so the numbers
compare like with like. The framework checks every trace, so a mistake here shows up as a
failed run, not as a good number.

It declares what it runs (``supports``) and what stops its loop (``blocks_scheduler``).
``io`` requests and channel hand-offs (``put``, ``get``) are left out: a workload with
them is recorded as skipped, with the reason, instead of failing. To add them, give the
primitives a ``request`` and a ``channel`` and add their step kinds to ``supports``
(docs/plugins.md shows both, written for asyncio's API).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from concbench.framework import (
    Backend,
    CoroutinePrimitives,
    GatherGroup,
    Recorder,
    StepKind,
    Workload,
    run_coroutines,
)


class RloopBackend(Backend):
    name = "rloop"  # must equal the entry-point name
    description = "asyncio.create_task per task on rloop's event loop (Rust), then gather"
    requires = ("rloop",)  # checked without importing it, so `concbench list` always works
    # the step kinds the primitives below run; a workload with others is skipped
    supports = frozenset({StepKind.SLEEP, StepKind.BLOCK, StepKind.CPU, StepKind.CHECKPOINT})
    # one thread, one loop: time.sleep and CPU work stop every other task
    blocks_scheduler = frozenset({StepKind.BLOCK, StepKind.CPU})

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        run_coroutines(_primitives(), workload, recorder)


def _primitives() -> CoroutinePrimitives:
    return CoroutinePrimitives(
        run=_run,
        task_group=functools.partial(GatherGroup, asyncio.create_task, asyncio.gather),
        sleep=asyncio.sleep,
        checkpoint=functools.partial(asyncio.sleep, 0),
        event=asyncio.Event,
        limiter=asyncio.Semaphore,
    )  # block (time.sleep) and cpu (calibrated work) are the framework's defaults


def _run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    import rloop  # imported here, never at module level

    loop = rloop.new_event_loop()  # created before the run begins: set-up is not timed
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
