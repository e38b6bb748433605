"""Pure-Python CPU work of a calibrated length.

The work is a fixed number of loop iterations, never "spin until the clock says so": two
threads sharing the GIL must each take as long as their work needs, so that serialisation
shows up in the measured time instead of being absorbed by a deadline.

A sweep measures the rate once, in its parent, and every worker :func:`adopt`\\ s it, so a
``cpu(s)`` step is the same number of iterations on every backend of the sweep (and, with
``--calibration FROM_STORE``, of another sweep). A worker only :func:`check`\\ s the rate
quickly against its own loop; :data:`CHECK_TOLERANCE` says when the two disagree.
"""

from __future__ import annotations

import time

__all__ = [
    "CHECK_TOLERANCE",
    "adopt",
    "adopted_rate",
    "burn",
    "calibrate",
    "check",
    "measure_rate",
    "spin",
]

_CALIBRATION_S = 0.01
"""Length of one calibration round; the fastest of many rounds sets the rate. Short rounds
find the machine's speed alone even while other programs run: on this 2-core VM under
load, 100 ms rounds never ran undisturbed and gave 1.2e7 iterations/s, while the fastest
10 ms rounds of the same process gave 3.4e7, the rate of a quiet machine."""
_ROUNDS = 30
"""Rounds in a row that must fail to beat the best by 1% before the rate is trusted: 0.3 s
without a better round, long enough for a brief burst of other load to pass."""
_MIN_CALIBRATION_S = 0.3
"""A fresh process runs its first ~0.2 s of spinning up to 30% slower (clock ramp-up,
cache and interpreter warm-up); the calibration always runs past that."""
_MAX_CALIBRATION_S = 3.0
_CHECK_ROUNDS = 5
"""Rounds in a row without a better one that end a worker's quick check."""
_CHECK_MAX_S = 0.25
"""The quick check stops after this long even while its best round still improves."""
CHECK_TOLERANCE = 0.10
"""A worker whose quick check differs from the sweep's rate by more than this fraction has
its runs flagged. Fresh processes on this machine differ by a few percent among themselves
(memory layout, hash seed) and a 10 ms round by a few more (a timer tick, a cache miss);
10% is beyond both, and below the 20-50% that a stolen core or a throttled clock causes."""
_rate: float | None = None


def spin(iterations: int) -> int:
    """The unit of CPU work: ``iterations`` turns of a small pure-Python loop."""
    total = 0
    for i in range(iterations):
        total += i & 7
    return total


def measure_rate(
    target_s: float = _CALIBRATION_S,
    rounds: int = _ROUNDS,
    max_s: float = _MAX_CALIBRATION_S,
    min_s: float = _MIN_CALIBRATION_S,
) -> float:
    """Iterations per second of :func:`spin` here and now; never cached.

    Each round is timed by the CPU time of this thread where its clock is fine-grained:
    a round that another program preempted ran just as many iterations per second of CPU,
    so a rate measured under load is still the machine's rate, where the wall clock made
    it up to three times too low (at a load average of 35 here). Takes the fastest round
    (as pyperf takes the minimum for calibration), because what is left (cache misses,
    a slower clock) only ever makes a round slower, and keeps going for at least ``min_s``
    and until the best stops improving for ``rounds`` rounds, or ``max_s`` has passed.
    """
    iterations = 10_000
    while True:  # grow until a round is long enough to scale from
        elapsed = _timed(iterations)
        if elapsed >= target_s / 10:
            break
        iterations *= 4
    iterations = max(iterations, round(iterations * target_s / elapsed))
    best = float("inf")
    stale = 0
    began_all = time.perf_counter()
    while time.perf_counter() - began_all < max_s:
        if stale >= rounds and time.perf_counter() - began_all >= min_s:
            break
        elapsed = _timed(iterations)
        stale = 0 if elapsed < best * 0.99 else stale + 1
        best = min(best, elapsed)
    return iterations / best


_THREAD_CLOCK = time.get_clock_info("thread_time").resolution <= 1e-6
"""Linux and macOS count a thread's CPU time in nanoseconds; a clock as coarse as
Windows' 15.6 ms tick would swamp a 10 ms round, and the wall clock serves there."""


def _timed(iterations: int) -> float:
    """Seconds one round of ``iterations`` took on the CPU (wall seconds, failing that)."""
    clock = time.thread_time if _THREAD_CLOCK else time.perf_counter
    began = clock()
    spin(iterations)
    return max(clock() - began, 1e-9)


def calibrate(target_s: float = _CALIBRATION_S, rounds: int = _ROUNDS) -> float:
    """The rate this process uses: the adopted one, else measured once and cached."""
    global _rate  # noqa: PLW0603 - one rate per process, by design
    if _rate is None:
        _rate = measure_rate(target_s, rounds)
    return _rate


def adopt(rate: float) -> None:
    """Use a rate calibrated by another process on this machine (the sweep's parent, or a
    pool's parent), so that a step is the same amount of work wherever it runs and no
    process calibrates in the middle of a timed run."""
    global _rate  # noqa: PLW0603 - see calibrate()
    _rate = rate


def adopted_rate() -> float | None:
    """The rate in use, if one was calibrated or adopted already."""
    return _rate


def check(rate: float) -> float:
    """How far this process's own quick measurement is from ``rate``: own / rate - 1.

    Short rounds, the fastest kept, stopped early once the best stops improving or after
    :data:`_CHECK_MAX_S`: a quarter of a full calibration's cost at most.
    """
    own = measure_rate(_CALIBRATION_S, _CHECK_ROUNDS, _CHECK_MAX_S, min_s=0.0)
    return own / rate - 1


def burn(seconds: float) -> None:
    """Do ``seconds`` worth of calibrated pure-Python work: threads must take turns on the GIL."""
    if seconds > 0:
        spin(round(seconds * calibrate()))
