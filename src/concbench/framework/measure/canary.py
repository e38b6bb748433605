"""A fixed workload timed at intervals through a sweep: how much the machine drifted.

The same small work, the same in every sweep and on every version of concbench, timed in
the parent between worker processes: a pure-Python loop of a fixed number of iterations
(the speed of the CPU for Python) and a fan-out of empty asyncio tasks (the speed of the
allocator and the scheduling paths). Each is timed a few times and the fastest kept, so
a single preemption does not count as drift; what is left is the machine getting slower
or faster for a while: clock, cache, memory and other programs' steady load.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from ..model.cpuwork import spin

__all__ = ["Canary"]

SPIN_ITERATIONS = 200_000
"""About 6 ms on a quiet core here."""
FANOUT_TASKS = 500
"""About 5 ms of task creation, scheduling and gathering on asyncio here."""
REPEATS = 3
"""Timings per sample; the fastest is kept."""
INTERVAL_S = 5.0
"""At most one sample per this many seconds of sweep, plus one at each end: ~1% of the time."""


async def _fanout(tasks: int) -> float:
    async def empty() -> None:
        await asyncio.sleep(0)

    began = time.perf_counter()
    await asyncio.gather(*(empty() for _ in range(tasks)))
    return time.perf_counter() - began


def _time_spin() -> float:
    began = time.perf_counter()
    spin(SPIN_ITERATIONS)
    return time.perf_counter() - began


@dataclass
class Canary:
    """Samples taken so far; :meth:`maybe` takes one when the interval has passed."""

    interval_s: float = INTERVAL_S
    samples: list[dict[str, Any]] = field(default_factory=list)
    _began: float = field(default_factory=time.perf_counter)
    _last: float = -1e9

    def sample(self, seq: int) -> None:
        """Time the canary now; ``seq`` is the number of worker processes run before it."""
        spin_s = min(_time_spin() for _ in range(REPEATS))
        try:
            fanout_s: float | None = min(asyncio.run(_fanout(FANOUT_TASKS)) for _ in range(REPEATS))
        except RuntimeError:  # called from inside a running event loop: no fan-out sample
            fanout_s = None
        now = time.perf_counter()
        self._last = now
        self.samples.append(
            {
                "at_s": round(now - self._began, 3),
                "seq": seq,
                "spin_s": spin_s,
                "fanout_s": fanout_s,
            }
        )

    def maybe(self, seq: int) -> None:
        if time.perf_counter() - self._last >= self.interval_s:
            self.sample(seq)
