"""The harness's own cost: concbench's reported fan-out overhead against a hand-written one.

Each sample is a fresh interpreter (as concbench's own workers are) that runs one warm-up
and one timed fan-out: either written by hand (``tasks`` tasks that each await a sleep of
``seconds``, gathered) and timed with ``perf_counter`` inside the running loop, or run
through concbench's backend and recorder exactly as a worker measures it. Samples of the
two kinds alternate, so machine noise hits both alike. The report gives the median
overhead (wall - ideal) of each and their ratio; the target (docs/performance.md) is
reported / hand-written <= 1.05.

concbench's worker runs ``gc.collect()`` then ``gc.freeze()`` before each run, so that the
collector does not walk the harness's own objects inside it. The hand-written programs do
not, as a program written by hand would not; ``--freeze-gc`` makes them do it too, which
compares like with like and leaves only the bookkeeping in the ratio.

A third kind, the floor, is the hand-written fan-out plus exactly the trace the issue asks
for and nothing else: a ``perf_counter`` stamp at each spawn, at each task's start and at
its end, stored into preallocated arrays. floor / hand-written is what recording that trace
costs in Python at all; reported / floor is what concbench adds on top.

    python benchmarks/harness_cost.py [--scenario fanout|spawn] [--tasks 10000] [--seconds 0.1]
                                      [--rounds 15] [--freeze-gc] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

_HAND_ASYNCIO = """
import asyncio, gc, time, sys
tasks, seconds, loop_name = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
freeze = sys.argv[4] == '1'
if loop_name == "uvloop":
    import uvloop
    new_loop = uvloop.new_event_loop
else:
    new_loop = asyncio.new_event_loop

async def task():
    await asyncio.sleep(seconds)

async def main():
    began = time.perf_counter()
    spawned = [asyncio.create_task(task()) for _ in range(tasks)]
    await asyncio.gather(*spawned)
    return time.perf_counter() - began

for _ in range(2):
    gc.collect()
    if freeze:
        gc.freeze()
    loop = new_loop()
    wall = loop.run_until_complete(main())
    loop.close()
print(wall)
"""

_HAND_TRIO = """
import gc, time, sys
import trio
tasks, seconds = int(sys.argv[1]), float(sys.argv[2])
freeze = sys.argv[4] == '1'

async def task():
    await trio.sleep(seconds)

async def main():
    began = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for _ in range(tasks):
            nursery.start_soon(task)
    return time.perf_counter() - began

for _ in range(2):
    gc.collect()
    if freeze:
        gc.freeze()
    wall = trio.run(main)
print(wall)
"""

_FLOOR_ASYNCIO = """
import asyncio, gc, time, sys
from array import array
from time import perf_counter as clock
tasks, seconds, loop_name = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
freeze = sys.argv[4] == '1'
if loop_name == "uvloop":
    import uvloop
    new_loop = uvloop.new_event_loop
else:
    new_loop = asyncio.new_event_loop
spawn_at, start_at, end_at = (array("d", bytes(8 * tasks)) for _ in range(3))

async def task(index):
    start_at[index] = clock()
    await asyncio.sleep(seconds)
    end_at[index] = clock()

async def main():
    began = time.perf_counter()
    spawned = []
    for index in range(tasks):
        spawn_at[index] = clock()
        spawned.append(asyncio.create_task(task(index)))
    await asyncio.gather(*spawned)
    return time.perf_counter() - began

for _ in range(2):
    gc.collect()
    if freeze:
        gc.freeze()
    loop = new_loop()
    wall = loop.run_until_complete(main())
    loop.close()
print(wall)
"""

_FLOOR_TRIO = """
import gc, time, sys
from array import array
from time import perf_counter as clock
import trio
tasks, seconds = int(sys.argv[1]), float(sys.argv[2])
freeze = sys.argv[4] == '1'
spawn_at, start_at, end_at = (array("d", bytes(8 * tasks)) for _ in range(3))

async def task(index):
    start_at[index] = clock()
    await trio.sleep(seconds)
    end_at[index] = clock()

async def main():
    began = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for index in range(tasks):
            spawn_at[index] = clock()
            nursery.start_soon(task, index)
    return time.perf_counter() - began

for _ in range(2):
    gc.collect()
    if freeze:
        gc.freeze()
    wall = trio.run(main)
print(wall)
"""

_CONCBENCH = """
import sys
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.worker import measure
tasks, seconds, name = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
registry = default_registry()
scenario = sys.argv[5]
params = {"tasks": tasks, "seconds": seconds} if scenario == "fanout" else {"tasks": tasks}
workload = registry.scenario(scenario).workload(params)
backend = registry.backend(name)()
for _ in range(2):
    figures, _ = measure(backend, workload)
print(figures["wall_s"])
"""


def for_scenario(code: str, scenario: str) -> str:
    """The program for ``spawn`` (tasks that do nothing) from the one for ``fanout``: the
    task's sleep goes, and with it the floor's end stamp (an empty task ends as it starts)."""
    if scenario == "fanout":
        return code
    for sleep in ("asyncio.sleep", "trio.sleep"):
        code = code.replace(f"    await {sleep}(seconds)\n    end_at[index] = clock()\n", "")
        code = code.replace(f"    await {sleep}(seconds)\n", "    pass\n")
    return code


def sample(code: str, *args: object) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], check=True, capture_output=True, text=True
    ).stdout
    return float(out.split()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scenario",
        choices=["fanout", "spawn"],
        default="fanout",
        help="fanout: each task sleeps --seconds; spawn: each task does nothing",
    )
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--backend", action="append", default=[])
    parser.add_argument(
        "--freeze-gc",
        action="store_true",
        help="the hand-written and floor programs also gc.freeze() before each fan-out",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    seconds = args.seconds if args.scenario == "fanout" else 0.0  # the ideal, and the sleep
    described = f" seconds={seconds}" if args.scenario == "fanout" else ""
    print(
        f"{args.scenario} tasks={args.tasks}{described}: {args.rounds} alternating samples "
        f"of each kind, one fresh process per sample; python {sys.version.split()[0]}; "
        f"hand-written and floor {'with' if args.freeze_gc else 'without'} gc.freeze()"
    )
    print(
        f"{'backend':8} {'hand-written':>13} {'floor':>10} {'concbench':>10} "
        f"{'floor/hand':>10} {'reported/hand':>13} {'reported/floor':>14}"
    )
    results: dict[str, dict[str, object]] = {}
    ratios: list[float] = []
    for name in args.backend or ["asyncio", "uvloop", "trio"]:
        trio = name == "trio"
        kinds = {
            "hand_s": for_scenario(_HAND_TRIO if trio else _HAND_ASYNCIO, args.scenario),
            "floor_s": for_scenario(_FLOOR_TRIO if trio else _FLOOR_ASYNCIO, args.scenario),
            "reported_s": _CONCBENCH,
        }
        samples: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(args.rounds):
            for kind, code in kinds.items():  # alternate, so that drift hits every kind alike
                wall = sample(code, args.tasks, seconds, name, int(args.freeze_gc), args.scenario)
                samples[kind].append(wall - seconds)
        hand, floor, reported = (statistics.median(samples[kind]) for kind in kinds)
        ratio = reported / hand
        ratios.append(ratio)
        results[name] = {**samples, "ratio": ratio, "floor_ratio": floor / hand}
        print(
            f"{name:8} {hand * 1e3:10.2f} ms {floor * 1e3:7.2f} ms {reported * 1e3:7.2f} ms "
            f"{floor / hand:10.3f} {ratio:13.3f} {reported / floor:14.3f}",
            flush=True,
        )
    worst = max(ratios)
    print(f"worst ratio {worst:.3f} (target <= 1.05)")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"argv": sys.argv, "results": results}, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
