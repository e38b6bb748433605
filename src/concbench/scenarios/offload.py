"""A blocking call handed to a thread, or made on the loop: what offloading costs and saves."""

from __future__ import annotations

from concbench.framework import Param, Scenario, Task, Workload, block, offload

__all__ = ["offload_scenario"]


def offload_ideal(calls: int, seconds: float) -> float:
    """Every task's calls one after another; the tasks overlap."""
    return calls * seconds


def build_offload(tasks: int, calls: int, seconds: float, how: str) -> Workload:
    # `offload` hands each time.sleep to a thread (asyncio.to_thread, trio.to_thread, ...);
    # `block` makes the same call on the loop, as code that forgot to offload does
    step = offload(seconds) if how == "offload" else block(seconds)
    return Workload(tasks=(Task(steps=(step,) * calls),) * tasks)


offload_scenario = Scenario(
    name="offload",
    summary="`tasks` tasks each making `calls` blocking calls of `seconds`, handed to a "
    "thread (how=offload) or made on the loop (how=block); ideal: calls x seconds",
    params=(
        Param("tasks", int, 4, "concurrent tasks", min=1, max=10_000),
        Param("calls", int, 5, "blocking calls per task, one after another", min=1, max=100_000),
        Param("seconds", float, 0.01, "each blocking call", min=0.0, max=3600.0),
        Param(
            "how",
            str,
            "offload",
            "offload: to a thread with the backend's own primitive; block: on the loop",
            choices=("offload", "block"),
        ),
    ),
    build=build_offload,
)
