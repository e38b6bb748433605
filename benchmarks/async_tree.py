"""pyperformance's own async_tree and concbench's `tree` on the same loops, in one process,
alternated round by round, so that a loaded machine moves both alike.

Usage (Python >= 3.12 for the eager rows; pyperf importable, e.g. from a scratch venv that
has `pip install pyperformance`):

    python benchmarks/async_tree.py PYPERFORMANCE_BENCHMARKS/bm_async_tree [ROUNDS]

pyperformance's side is its benchmark module itself (`run_benchmark.py`: `NoneAsyncTree`,
`EagerAsyncTree`, with and without task groups), timed around `run_until_complete` on a
fresh loop, as `pyperf`'s `bench_async_func` times it. concbench's side is `tree` with
`kind=none` (the same 6 levels of 6 branches) through the asyncio backends, timed by its
own trace (begin to finish). Prints the median and the minimum of each, and the eager gain
(plain median / eager median) of each tool.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from concbench.backends.asyncio_backend import AsyncioBackend, EagerAsyncioBackend
from concbench.framework import Recorder
from concbench.scenarios.tree import tree

Runner = Callable[[bool, bool], float]


def pyperformance_runner(directory: str) -> Runner:
    sys.path.insert(0, directory)
    module: Any = importlib.import_module("run_benchmark")

    def once(eager: bool, task_groups: bool) -> float:
        cls = module.EagerAsyncTree if eager else module.NoneAsyncTree
        loop = asyncio.new_event_loop()
        try:
            began = time.perf_counter()
            loop.run_until_complete(cls(use_task_groups=task_groups).run())
            return time.perf_counter() - began
        finally:
            loop.close()

    return once


def concbench_runner() -> Runner:
    workload = tree.workload({"kind": "none"})

    def once(eager: bool, task_groups: bool) -> float:
        cls = EagerAsyncioBackend if eager else AsyncioBackend
        backend = cls(group="taskgroup" if task_groups else "gather")
        recorder = Recorder(workload)
        backend.execute(workload, recorder)
        return recorder.trace().wall_s

    return once


def main() -> None:
    directory = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    tools = {"pyperformance": pyperformance_runner(directory), "concbench": concbench_runner()}
    times: dict[tuple[str, bool, bool], list[float]] = {}
    for _ in range(rounds):
        for eager in (False, True):
            for task_groups in (False, True):
                for name, once in tools.items():
                    gc.collect()
                    times.setdefault((name, eager, task_groups), []).append(
                        once(eager, task_groups)
                    )
    print(f"Python {sys.version.split()[0]}, {rounds} rounds, tree of 6 levels x 6 branches")
    for name in tools:
        for task_groups in (False, True):
            group = "taskgroup" if task_groups else "gather"
            plain_s, eager_s = times[name, False, task_groups], times[name, True, task_groups]
            gain = statistics.median(plain_s) / statistics.median(eager_s)
            print(
                f"{name:14} {group:9} plain median {statistics.median(plain_s) * 1e3:7.1f} ms "
                f"(min {min(plain_s) * 1e3:7.1f}), eager median "
                f"{statistics.median(eager_s) * 1e3:7.1f} ms (min {min(eager_s) * 1e3:7.1f}): "
                f"eager gain {gain:.1f}x"
            )


if __name__ == "__main__":
    main()
