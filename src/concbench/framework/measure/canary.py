"""A fixed workload timed at intervals through a sweep: how much the machine drifted.

The same small work, the same in every sweep and on every version of concbench, timed in
the parent between worker processes: a pure-Python loop of a fixed number of iterations
(the speed of the CPU for Python) and a fan-out of empty asyncio tasks (the speed of the
allocator and the scheduling paths). Each is timed a few times and the fastest kept, so
a single preemption does not count as drift; what is left is the machine getting slower
or faster for a while: clock, cache, memory and other programs' steady load. Each sample
also keeps how far its second-fastest timing was from the fastest: the canary's own
noise, which a drift must pass before the report calls it one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from ..model.cpuwork import spin

__all__ = ["Canary"]

SPIN_ITERATIONS = 200_000
"""About 6 ms on a quiet core here."""
FANOUT_TASKS = 500
"""About 5 ms of task creation, scheduling and gathering on asyncio here."""
REPEATS = 5
"""Timings per sample; the fastest is kept (about 55 ms a sample)."""
INTERVAL_S = 5.0
"""At most one sample per this many seconds of sweep, plus one at each end: ~1% of the time."""


async def _fanouts(tasks: int, repeats: int) -> list[float]:
    """Every timing in one loop: a fresh loop per timing would time its creation too."""

    async def empty() -> None:
        await asyncio.sleep(0)

    timings = []
    for _ in range(repeats):
        began = time.perf_counter()
        await asyncio.gather(*(empty() for _ in range(tasks)))
        timings.append(time.perf_counter() - began)
    return timings


def _time_spin() -> float:
    began = time.perf_counter()
    spin(SPIN_ITERATIONS)
    return time.perf_counter() - began


def _fastest(timings: list[float]) -> tuple[float, float]:
    """The fastest timing, and the second-fastest's distance from it (the own noise)."""
    first, second = sorted(timings)[:2]
    return first, second / first - 1


@dataclass
class Canary:
    """Samples taken so far; :meth:`maybe` takes one when the interval has passed."""

    interval_s: float = INTERVAL_S
    samples: list[dict[str, Any]] = field(default_factory=list)
    _began: float = field(default_factory=time.perf_counter)
    _last: float = -1e9

    def sample(self, seq: int) -> None:
        """Time the canary now; ``seq`` is the number of worker processes run before it."""
        spin_s, spin_noise = _fastest([_time_spin() for _ in range(REPEATS)])
        fanout_s: float | None = None
        fanout_noise: float | None = None
        with contextlib.suppress(RuntimeError):  # inside a running event loop: no fan-out
            fanout_s, fanout_noise = _fastest(asyncio.run(_fanouts(FANOUT_TASKS, REPEATS)))
        now = time.perf_counter()
        self._last = now
        self.samples.append(
            {
                "at_s": round(now - self._began, 3),
                "seq": seq,
                "spin_s": spin_s,
                "fanout_s": fanout_s,
                "spin_noise": spin_noise,
                "fanout_noise": fanout_noise,
            }
        )

    def maybe(self, seq: int) -> None:
        if time.perf_counter() - self._last >= self.interval_s:
            self.sample(seq)
