"""What each of the asyncio backend's two task paths costs, in one process.

``harness_cost.py`` compares whole programs, one fresh process per sample, which is what
the target is about but leaves 2-4% of noise between batches. This one runs every variant
in the same interpreter, alternating them ``--rounds`` times on a fresh loop each, with
``gc.collect()`` and ``gc.freeze()`` before each as concbench's worker does, so that the
differences between the variants stand out:

- ``hand``: the fan-out written by hand (as in ``harness_cost.py``);
- ``floor``: the same plus exactly the three stamps per task the trace needs;
- ``plain``: concbench's backend on the fan-out, which takes the plain path
  (``Workload.single_sleeps``);
- ``general``: the same workload forced through the general coroutine, which every other
  workload takes.

    python benchmarks/fanout_paths.py [--loop asyncio|uvloop] [--tasks 10000] [--rounds 25]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from array import array
from collections.abc import Callable, Coroutine
from typing import Any

from concbench.backends import asyncio_backend
from concbench.framework import Recorder, Task, Workload, coroutine_run, sleep

Variant = Callable[[], Coroutine[Any, Any, float]]


def variants(tasks: int, seconds: float) -> dict[str, Variant]:
    async def hand_task() -> None:
        await asyncio.sleep(seconds)

    async def hand() -> float:
        began = time.perf_counter()
        await asyncio.gather(*[asyncio.create_task(hand_task()) for _ in range(tasks)])
        return time.perf_counter() - began

    clock = time.perf_counter
    spawn_at, start_at, end_at = (array("d", bytes(8 * tasks)) for _ in range(3))

    async def floor_task(index: int) -> None:
        start_at[index] = clock()
        await asyncio.sleep(seconds)
        end_at[index] = clock()

    async def floor() -> float:
        began = time.perf_counter()
        spawned = []
        for index in range(tasks):
            spawn_at[index] = clock()
            spawned.append(asyncio.create_task(floor_task(index)))
        await asyncio.gather(*spawned)
        return time.perf_counter() - began

    plain_workload = Workload(tasks=(Task((sleep(seconds),)),) * tasks)
    general_workload = Workload(tasks=plain_workload.tasks)
    # Workload.single_sleeps is a cached property: caching None sends the run down the
    # general path, as any workload that is not a plain fan-out goes
    general_workload.__dict__["single_sleeps"] = None

    primitives = asyncio_backend.primitives(asyncio.new_event_loop)  # its run() is not used

    def concbench(workload: Workload) -> Variant:
        async def run() -> float:
            recorder = Recorder(workload)
            await coroutine_run(primitives, workload, recorder)  # the unit measured
            trace = recorder.trace()
            trace.check(workload)
            return trace.wall_s

        return run

    return {
        "hand": hand,
        "floor": floor,
        "plain": concbench(plain_workload),
        "general": concbench(general_workload),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="uvloop")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args(argv)
    if args.loop == "uvloop":
        import uvloop

        new_loop: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    else:
        new_loop = asyncio.new_event_loop
    runs = variants(args.tasks, args.seconds)
    overheads: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            gc.collect()
            gc.freeze()
            loop = new_loop()
            try:
                overheads[name].append(loop.run_until_complete(run()) - args.seconds)
            finally:
                loop.close()
                gc.unfreeze()
    hand = statistics.median(overheads["hand"])
    print(
        f"{args.loop}, fanout tasks={args.tasks} seconds={args.seconds}, {args.rounds} rounds "
        f"in one process; python {sys.version.split()[0]}"
    )
    for name, samples in overheads.items():
        median = statistics.median(samples)
        per_task = (median - hand) / args.tasks * 1e6
        print(
            f"{name:8} {median * 1e3:8.2f} ms  x{median / hand:.3f} of hand  "
            f"{per_task:+.2f} us per task"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
