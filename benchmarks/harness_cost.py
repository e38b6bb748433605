"""The harness's own cost: concbench's reported fan-out overhead against a hand-written one.

Each sample is a fresh interpreter (as concbench's own workers are) that runs one warm-up
and one timed fan-out: either written by hand (``tasks`` tasks that each await a sleep of
``seconds``, gathered) and timed with ``perf_counter`` inside the running loop, or run
through concbench's backend and recorder exactly as a worker measures it. Samples of the
two kinds alternate, so machine noise hits both alike. The report gives the median
overhead (wall - ideal) of each and their ratio; the target (docs/performance.md) is
reported / hand-written <= 1.05.

    python benchmarks/harness_cost.py [--tasks 10000] [--seconds 0.1] [--rounds 15]
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
    loop = new_loop()
    wall = loop.run_until_complete(main())
    loop.close()
print(wall)
"""

_HAND_TRIO = """
import gc, time, sys
import trio
tasks, seconds = int(sys.argv[1]), float(sys.argv[2])

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
    wall = trio.run(main)
print(wall)
"""

_CONCBENCH = """
import sys
from concbench.framework.registry import default_registry
from concbench.framework.worker import measure
tasks, seconds, name = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
registry = default_registry()
workload = registry.scenario("fanout").workload({"tasks": tasks, "seconds": seconds})
backend = registry.backend(name)()
for _ in range(2):
    figures, _ = measure(backend, workload)
print(figures["wall_s"])
"""


def sample(code: str, *args: object) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], check=True, capture_output=True, text=True
    ).stdout
    return float(out.split()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--backend", action="append", default=[])
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    print(
        f"fanout tasks={args.tasks} seconds={args.seconds}: {args.rounds} alternating samples "
        f"of each kind, one fresh process per sample; python {sys.version.split()[0]}"
    )
    print(f"{'backend':8} {'hand overhead':>14} {'reported overhead':>18} {'ratio':>6}")
    results = {}
    for name in args.backend or ["asyncio", "uvloop", "trio"]:
        hand_code = _HAND_TRIO if name == "trio" else _HAND_ASYNCIO
        hand: list[float] = []
        reported: list[float] = []
        for _ in range(args.rounds):
            hand.append(sample(hand_code, args.tasks, args.seconds, name) - args.seconds)
            reported.append(sample(_CONCBENCH, args.tasks, args.seconds, name) - args.seconds)
        ratio = statistics.median(reported) / statistics.median(hand)
        results[name] = {"hand_s": hand, "reported_s": reported, "ratio": ratio}
        print(
            f"{name:8} {statistics.median(hand) * 1e3:11.2f} ms "
            f"{statistics.median(reported) * 1e3:15.2f} ms {ratio:6.3f}"
        )
    worst = max(result["ratio"] for result in results.values())
    print(f"worst ratio {worst:.3f} (target <= 1.05)")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"argv": sys.argv, "results": results}, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
