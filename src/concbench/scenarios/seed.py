"""The teaching example: two tasks of 1 s and a main routine of 0.5 s, then a gather.

Serial 2.5 s, ideal 1.0 s. ``seed-blocking`` is the same program as it is commonly
written, with blocking sleeps inside coroutines: on a coroutine backend nothing overlaps
and it takes the serial time; on threads it behaves like ``seed``.
"""

from __future__ import annotations

from collections.abc import Callable

from concbench.framework import Param, Scenario, Step, Task, Workload, block, sleep

__all__ = ["seed", "seed_blocking"]

TASK_S = 1.0
MAIN_S = 0.5

_SCALE = Param("scale", float, 1.0, "multiplies every duration", min=0.0, max=1000.0)


def _teaching_example(wait: Callable[[float], Step], scale: float) -> Workload:
    task = Task(steps=(wait(TASK_S * scale),))
    return Workload(tasks=(task, task), main=(wait(MAIN_S * scale),))


def build_seed(scale: float) -> Workload:
    return _teaching_example(sleep, scale)


def build_seed_blocking(scale: float) -> Workload:
    return _teaching_example(block, scale)


seed = Scenario(
    name="seed",
    summary="two tasks wait 1 s each while main waits 0.5 s, then gather (serial 2.5 s, ideal 1 s)",
    params=(_SCALE,),
    build=build_seed,
    # at a fifth of the scale, so that `nox -s compare` can afford five processes a row;
    # every figure of the example is a ratio to the ideal, which scales with it
    compare=({"scale": 0.2},),
)

seed_blocking = Scenario(
    name="seed-blocking",
    summary="the seed written the common wrong way: blocking sleeps inside the tasks and main",
    params=(_SCALE,),
    build=build_seed_blocking,
    compare=({"scale": 0.2},),
)
