"""This checkout's harness against another's, in one process, on the same backends.

``harness_cost.py --baseline-src`` compares two checkouts between fresh processes, where
the medians of a few samples still scatter by 2-3% on a busy machine. This runs both in
one interpreter instead: the other checkout's ``src/concbench`` is copied under the name
``concbench_baseline`` (its imports rewritten), and each round runs ``Backend.execute`` of
both versions in turn (alternating which goes first), with ``gc.collect()`` and
``gc.freeze()`` before each run as concbench's worker does, timing the CPU time of each
run. The workload is the same for both: a fan-out (``fanout``), empty tasks (``spawn``),
or the fan-out with its plain path hidden, so that it takes the general routine that
every other workload takes (``general``).

    git archive <commit> src | tar -x -C /tmp/baseline
    python benchmarks/versions.py --baseline-src /tmp/baseline/src
        [--backend asyncio ...] [--shape fanout|spawn|general ...] [--tasks 10000]
        [--rounds 31]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import concbench.framework
from concbench.framework.measure.registry import default_registry

BACKENDS = ("asyncio", "uvloop", "trio", "anyio", "threads")
"""gevent is left out: its monkey-patching would change the process for every other row."""
_NAME = "concbench_baseline"


def load_baseline(src: Path, into: Path) -> ModuleType:
    """The other checkout's package, imported as ``concbench_baseline``."""
    target = into / _NAME
    shutil.copytree(src / "concbench", target)
    pattern = re.compile(r"\bconcbench(?=[.\s])")
    for path in target.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(pattern.sub(_NAME, text), encoding="utf-8")
    sys.path.insert(0, str(into))
    return importlib.import_module(_NAME)


def workload(framework: Any, shape: str, tasks: int, seconds: float) -> Any:
    if shape == "spawn":
        return framework.Workload(tasks=(framework.Task(()),) * tasks)
    made = framework.Workload(tasks=(framework.Task((framework.sleep(seconds),)),) * tasks)
    if shape == "general":  # cached properties: caching "no" takes the general routine
        made.__dict__["single_sleeps"] = None
    return made


def run_once(framework: Any, backend: Any, work: Any) -> float:
    recorder = framework.Recorder(work)
    gc.collect()
    gc.freeze()
    began = time.process_time()
    try:
        backend.execute(work, recorder)
    finally:
        spent = time.process_time() - began
        gc.unfreeze()
    recorder.trace().check(work)
    return spent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline-src", required=True, type=Path)
    parser.add_argument("--backend", action="append", choices=BACKENDS, default=[])
    parser.add_argument(
        "--shape", action="append", choices=["fanout", "spawn", "general"], default=[]
    )
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=31)
    args = parser.parse_args(argv)
    if not (args.baseline_src / "concbench").is_dir():
        parser.error(f"--baseline-src: {args.baseline_src} has no concbench package")
    with tempfile.TemporaryDirectory() as scratch:
        load_baseline(args.baseline_src, Path(scratch))
        framework = concbench.framework
        old_framework = importlib.import_module(f"{_NAME}.framework")
        print(
            f"CPU time per run, {args.rounds} alternating rounds in one process, heap frozen; "
            f"python {sys.version.split()[0]}; load average "
            f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}"
        )
        print(f"{'backend':8} {'shape':8} {'tasks':>6} {'baseline':>10} {'this':>10} {'ratio':>7}")
        for name in args.backend or BACKENDS:
            cls = default_registry().backend(name)
            old_module = importlib.import_module(cls.__module__.replace("concbench", _NAME, 1))
            old_cls = getattr(old_module, cls.__qualname__)
            tasks = min(args.tasks, 2_000) if name == "threads" else args.tasks
            for shape in args.shape or ["fanout", "spawn", "general"]:
                pairs = (
                    ("this", framework, cls(), workload(framework, shape, tasks, args.seconds)),
                    (
                        "baseline",
                        old_framework,
                        old_cls(),
                        workload(old_framework, shape, tasks, args.seconds),
                    ),
                )
                spent: dict[str, list[float]] = {"this": [], "baseline": []}
                for round_ in range(args.rounds):
                    for label, module, backend, work in pairs[:: 1 if round_ % 2 else -1]:
                        spent[label].append(run_once(module, backend, work))
                this, baseline = (statistics.median(spent[k]) for k in ("this", "baseline"))
                print(
                    f"{name:8} {shape:8} {tasks:6} {baseline * 1e3:7.2f} ms {this * 1e3:7.2f} ms "
                    f"{this / baseline:7.3f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
