"""The harness's own cost on every in-process backend, against the same program by hand.

Each sample is a fresh interpreter (as concbench's own workers are) that runs one warm-up
and one timed fan-out: written by hand (``tasks`` tasks that each sleep ``seconds``, spawned
and joined with the backend's own calls, timed with ``perf_counter`` around the spawn and
the join, inside the running loop), or run through concbench's backend and recorder
exactly as a worker measures it. Samples of the kinds alternate, so machine noise hits
every kind alike. The report gives the median overhead (wall - ideal) of each and their
ratio; the target (docs/performance.md) is reported / hand-written <= 1.05.

The backends: asyncio, uvloop, trio, anyio (on asyncio), threads (a thread per task) and
gevent (greenlets on a monkey-patched standard library; the hand-written program patches
too). The pools (processes, dask) pay milliseconds per task for their own reasons and are
left out.

concbench's worker runs ``gc.collect()`` then ``gc.freeze()`` before each run, so that the
collector does not walk the harness's own objects inside it. The hand-written programs do
not, as a program written by hand would not; ``--freeze-gc`` makes them do it too, which
compares like with like and leaves only the bookkeeping in the ratio.

A third kind, the floor, is the hand-written fan-out plus exactly the trace the issue asks
for and nothing else: a ``perf_counter`` stamp at each spawn, at each task's start and at
its end, stored into preallocated arrays. floor / hand-written is what recording that trace
costs in Python at all; reported / floor is what concbench adds on top.

``--clock cpu`` compares the CPU time of the timed run instead (process time around the
run, loop set-up included, as the worker's ``cpu_s``): the sleep costs none, so it is the
per-task work alone, and other processes on a loaded machine disturb it far less than
they disturb wall time. Both are stored in the JSON.

``--general`` sends concbench's run down the general routine, which every workload takes
that is not a plain fan-out or empty tasks (the step loop and its dispatch), instead of
the routine with nothing to decide that the fan-out takes.

``--baseline-src DIR`` adds a fourth kind: the concbench program again, with ``DIR`` (the
``src`` of another checkout, e.g. from ``git archive``) first on the path, to compare two
versions of the harness in one session, alternating with the others.

    python benchmarks/harness_cost.py [--scenario fanout|spawn] [--tasks 10000]
        [--thread-tasks 2000] [--seconds 0.1] [--rounds 15] [--freeze-gc]
        [--backend NAME ...] [--clock wall|cpu] [--general] [--baseline-src DIR]
        [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass

BACKENDS = ("asyncio", "uvloop", "trio", "anyio", "threads", "gevent")


@dataclass(frozen=True)
class Family:
    """How one backend spawns, sleeps, joins and runs, for the programs written by hand."""

    setup: str
    sleep: str
    spawn: str
    """The statements that spawn ``task(index)``, in a loop over ``index``."""
    join: str
    run: str
    """The expression that runs ``main`` and returns its value."""
    coroutine: bool = True
    before: str = ""
    """Statements before ``main``'s loop (the handles' list, a nursery)."""


_ASYNCIO = Family(
    setup=(
        "import asyncio\n"
        "if name == 'uvloop':\n"
        "    import uvloop\n"
        "    new_loop = uvloop.new_event_loop\n"
        "else:\n"
        "    new_loop = asyncio.new_event_loop\n"
        "def run(main):\n"
        "    loop = new_loop()\n"
        "    try:\n"
        "        return loop.run_until_complete(main())\n"
        "    finally:\n"
        "        loop.close()\n"
    ),
    sleep="asyncio.sleep",
    before="spawned = []\n",
    spawn="spawned.append(asyncio.create_task(task(index)))\n",
    join="await asyncio.gather(*spawned)\n",
    run="run(main)",
)
_TRIO = Family(
    setup="import trio\n",
    sleep="trio.sleep",
    before="async with trio.open_nursery() as nursery:\n",
    spawn="nursery.start_soon(task, index)\n",
    join="",
    run="trio.run(main)",
)
_ANYIO = Family(
    setup="import anyio\n",
    sleep="anyio.sleep",
    before="async with anyio.create_task_group() as group:\n",
    spawn="group.start_soon(task, index)\n",
    join="",
    run="anyio.run(main, backend='asyncio')",
)
_THREADS = Family(
    setup="import threading\n",
    sleep="time.sleep",
    before="threads = []\n",
    spawn=(
        "thread = threading.Thread(target=task, args=(index,), daemon=True)\n"
        "thread.start()\n"
        "threads.append(thread)\n"
    ),
    join="for thread in threads:\n    thread.join()\n",
    run="main()",
    coroutine=False,
)
_GEVENT = Family(
    setup="from gevent import monkey\nmonkey.patch_all()\nimport gevent\ngevent.get_hub()\n",
    sleep="gevent.sleep",
    before="greenlets = []\n",
    spawn="greenlets.append(gevent.spawn(task, index))\n",
    join="gevent.joinall(greenlets)\n",
    run="main()",
    coroutine=False,
)
FAMILIES = {
    "asyncio": _ASYNCIO,
    "uvloop": _ASYNCIO,
    "trio": _TRIO,
    "anyio": _ANYIO,
    "threads": _THREADS,
    "gevent": _GEVENT,
}


def _indent(code: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in code.splitlines())


def hand_written(name: str, scenario: str, floor: bool) -> str:
    """The program by hand for backend ``name``; ``floor`` adds the three stamps per task
    (two for ``spawn``: an empty task ends as it starts)."""
    family = FAMILIES[name]
    coroutine = "async " if family.coroutine else ""
    wait = "await " if family.coroutine else ""
    body = ""
    if floor:
        body += "start_at[index] = clock()\n"
    if scenario == "fanout":
        body += f"{wait}{family.sleep}(seconds)\n"
        if floor:
            body += "end_at[index] = clock()\n"
    spawn = ("spawn_at[index] = clock()\n" if floor else "") + family.spawn
    nested = family.before.rstrip().endswith(":")  # a nursery: spawn inside, join on exit
    loop = "for index in range(tasks):\n" + _indent(spawn, 4)
    main = "began = time.perf_counter()\n" + family.before
    main += _indent(loop, 4) if nested else loop
    main += family.join + "return time.perf_counter() - began\n"
    return (
        "import gc, sys, time\n"
        "from array import array\n"
        "from time import perf_counter as clock\n"
        "tasks, seconds, name = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]\n"
        "freeze = sys.argv[4] == '1'\n"
        "spawn_at, start_at, end_at = (array('d', bytes(8 * tasks)) for _ in range(3))\n"
        + family.setup
        + f"{coroutine}def task(index):\n"
        + _indent(body or "pass\n", 4)
        + f"{coroutine}def main():\n"
        + _indent(main, 4)
        + "for _ in range(2):\n"
        "    gc.collect()\n"
        "    if freeze:\n"
        "        gc.freeze()\n"
        "    cpu = time.process_time()\n"
        f"    wall = {family.run}\n"
        "    cpu = time.process_time() - cpu\n"
        "print(wall, cpu)\n"
    )


_CONCBENCH = """
import sys
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.worker import measure
tasks, seconds, name = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
registry = default_registry()
scenario = sys.argv[5]
params = {"tasks": tasks, "seconds": seconds} if scenario == "fanout" else {"tasks": tasks}
workload = registry.scenario(scenario).workload(params)
if sys.argv[6] == "1":  # cached properties: caching "no" sends the run down the general path
    workload.__dict__["single_sleeps"] = None
    workload.__dict__["only_empty_tasks"] = False
backend_cls = registry.backend(name)
backend_cls.prepare_process()  # gevent's patching, as the runner does in a fresh worker
backend = backend_cls()
for _ in range(2):
    figures, _ = measure(backend, workload)
print(figures["wall_s"], figures["cpu_s"])
"""


def sample(code: str, *args: object, path: str | None = None) -> tuple[float, float]:
    """One fresh process: the timed run's wall time and its CPU time."""
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [path, env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    wall, cpu = out.split()[-2:]
    return float(wall), float(cpu)


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
    parser.add_argument(
        "--thread-tasks", type=int, default=2_000, help="tasks for threads (a thread each)"
    )
    parser.add_argument("--seconds", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--backend", action="append", choices=BACKENDS, default=[])
    parser.add_argument(
        "--freeze-gc",
        action="store_true",
        help="the hand-written and floor programs also gc.freeze() before each fan-out",
    )
    parser.add_argument(
        "--baseline-src", help="also time the concbench program with this src first on the path"
    )
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="compare wall time minus the ideal (the default), or the run's CPU time (less "
        "disturbed by other processes on a loaded machine)",
    )
    parser.add_argument(
        "--general",
        action="store_true",
        help="run concbench's general routine, which every workload takes that is not a plain "
        "fan-out or empty tasks, instead of the plain one the fan-out takes",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    general = int(args.general)
    seconds = args.seconds if args.scenario == "fanout" else 0.0  # the ideal, and the sleep
    described = f" seconds={seconds}" if args.scenario == "fanout" else ""
    print(
        f"{args.scenario}{described}{' (general routine)' if args.general else ''}: "
        f"{args.rounds} alternating samples of each kind, one "
        f"fresh process per sample; python {sys.version.split()[0]}; hand-written and floor "
        f"{'with' if args.freeze_gc else 'without'} gc.freeze(); {args.clock} time; load average "
        f"{' '.join(f'{load:.2f}' for load in os.getloadavg())} at the start"
    )
    baseline = args.baseline_src is not None
    print(
        f"{'backend':8} {'tasks':>6} {'hand-written':>13} {'floor':>10} {'concbench':>10} "
        f"{'floor/hand':>10} {'reported/hand':>13} {'reported/floor':>14} {'us/task':>8}"
        + (f" {'baseline':>10} {'reported/baseline':>17}" if baseline else "")
    )
    results: dict[str, dict[str, object]] = {}
    for name in args.backend or BACKENDS:
        tasks = args.thread_tasks if name == "threads" else args.tasks
        kinds: dict[str, tuple[str, str | None]] = {
            "hand_s": (hand_written(name, args.scenario, floor=False), None),
            "floor_s": (hand_written(name, args.scenario, floor=True), None),
            "reported_s": (_CONCBENCH, None),
        }
        if baseline:
            kinds["baseline_s"] = (_CONCBENCH, args.baseline_src)
        samples: dict[str, list[float]] = {kind: [] for kind in kinds}
        cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(args.rounds):
            for kind, (code, path) in kinds.items():  # alternate: drift hits every kind alike
                argv_ = (tasks, seconds, name, int(args.freeze_gc), args.scenario, general)
                wall, cpu_s = sample(code, *argv_, path=path)
                samples[kind].append(wall - seconds)
                cpu[kind].append(cpu_s)
        chosen = cpu if args.clock == "cpu" else samples
        medians = {kind: statistics.median(values) for kind, values in chosen.items()}
        hand, floor, reported = medians["hand_s"], medians["floor_s"], medians["reported_s"]
        per_task_us = (reported - hand) / tasks * 1e6
        results[name] = {
            **samples,
            "cpu": cpu,
            "clock": args.clock,
            "tasks": tasks,
            "ratio": reported / hand,
            "floor_ratio": floor / hand,
            "harness_us_per_task": per_task_us,
        }
        line = (
            f"{name:8} {tasks:6} {hand * 1e3:10.2f} ms {floor * 1e3:7.2f} ms "
            f"{reported * 1e3:7.2f} ms {floor / hand:10.3f} {reported / hand:13.3f} "
            f"{reported / floor:14.3f} {per_task_us:+8.2f}"
        )
        if baseline:
            results[name]["baseline_ratio"] = reported / medians["baseline_s"]
            line += (
                f" {medians['baseline_s'] * 1e3:7.2f} ms {reported / medians['baseline_s']:17.3f}"
            )
        print(line, flush=True)
    ratios = {name: float(result["ratio"]) for name, result in results.items()}  # type: ignore[arg-type]
    print(
        f"reported/hand: worst {max(ratios.values()):.3f} ({max(ratios, key=ratios.__getitem__)}), "
        f"best {min(ratios.values()):.3f} ({min(ratios, key=ratios.__getitem__)}); target <= 1.05"
    )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"argv": sys.argv, "results": results}, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
