"""Pure-Python CPU work of a calibrated length.

The work is a fixed number of loop iterations, never "spin until the clock says so": two
threads sharing the GIL must each take as long as their work needs, so that serialisation
shows up in the measured time instead of being absorbed by a deadline.
"""

from __future__ import annotations

import time

__all__ = ["adopt", "burn", "calibrate"]

_CALIBRATION_S = 0.1
"""Length of one calibration round; the fastest of several rounds sets the rate."""
_ROUNDS = 3
"""Rounds in a row that must fail to beat the best by 1% before the rate is trusted."""
_MAX_CALIBRATION_S = 3.0
_rate: float | None = None


def _spin(iterations: int) -> int:
    total = 0
    for i in range(iterations):
        total += i & 7
    return total


def calibrate(target_s: float = _CALIBRATION_S, rounds: int = _ROUNDS) -> float:
    """Measure iterations per second on this process, alone, once; cached for the process.

    Takes the fastest round (as pyperf takes the minimum for calibration), because other
    load only ever makes a round slower, and keeps going until the best stops improving:
    a fresh process on this machine ran its first ~0.2 s of spinning up to 30% slower than
    later (clock ramp-up, cache and interpreter warm-up), which would make ``cpu`` steps
    short if the rate were taken too early.
    """
    global _rate  # noqa: PLW0603 - one calibration per worker process, by design
    if _rate is not None:
        return _rate
    iterations = 10_000
    while True:  # grow until a round is long enough to scale from
        began = time.perf_counter()
        _spin(iterations)
        elapsed = time.perf_counter() - began
        if elapsed >= target_s / 10:
            break
        iterations *= 4
    iterations = max(iterations, round(iterations * target_s / elapsed))
    best = float("inf")
    stale = 0
    deadline = time.perf_counter() + _MAX_CALIBRATION_S
    while stale < rounds and time.perf_counter() < deadline:
        began = time.perf_counter()
        _spin(iterations)
        elapsed = time.perf_counter() - began
        stale = 0 if elapsed < best * 0.99 else stale + 1
        best = min(best, elapsed)
    _rate = iterations / best
    return _rate


def adopt(rate: float) -> None:
    """Use a rate calibrated by another process on this machine (a pool's parent), so that a
    step is the same amount of work wherever it runs and no helper process calibrates in
    the middle of a timed run."""
    global _rate  # noqa: PLW0603 - see calibrate()
    _rate = rate


def burn(seconds: float) -> None:
    """Do ``seconds`` worth of calibrated pure-Python work: threads must take turns on the GIL."""
    if seconds > 0:
        _spin(round(seconds * calibrate()))
