"""Whether the machine can give a test two free cores, measured rather than assumed.

A test that asserts wall-clock parallelism (two CPU-bound processes finish in about the
time of one) fails for no fault of the code when another program holds a core. Such a
test asks first: two spinning processes run side by side for a moment, and each reports
the share of that moment it actually got the CPU. A busy machine gives each far less
than all of it. ``os.cpu_count()`` cannot tell: it counts cores, not free ones.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

import pytest

__all__ = [
    "SPIN_S",
    "assert_parallel",
    "check_parallel",
    "cpu_shares",
    "require_two_free_cores",
    "two_cores_busy",
]

SPIN_S = 0.15
"""How long the two probes spin together; long enough to span several scheduler slices."""
FREE_SHARE = 0.85
"""A probe that got at least this share of its wall time on a CPU had a core to itself."""

_PROBE = """
import sys, time
start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.001)
wall, cpu = time.perf_counter(), time.process_time()
while time.perf_counter() - wall < float(sys.argv[2]):
    pass
print((time.process_time() - cpu) / (time.perf_counter() - wall))
"""


def cpu_shares(probes: int = 2, spin_s: float = SPIN_S) -> list[float]:
    """Spin ``probes`` processes together; each one's CPU time over its wall time."""
    start = time.time() + 0.2  # all started (an interpreter takes ~20 ms) before any spins
    children = [
        subprocess.Popen(
            [sys.executable, "-S", "-c", _PROBE, repr(start), repr(spin_s)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(probes)
    ]
    shares = []
    for child in children:
        out, _ = child.communicate(timeout=30)
        shares.append(float(out))
    return shares


def two_cores_busy() -> str | None:
    """Why this machine cannot give two free cores right now, or ``None`` when it can."""
    shares = cpu_shares()
    if min(shares) >= FREE_SHARE:
        return None
    got = " and ".join(f"{share:.0%}" for share in shares)
    return (
        f"needs two free cores, but two processes spinning side by side got {got} of a "
        "core each: another program is using the CPU"
    )


def require_two_free_cores() -> None:
    """Skip the calling test, with the reason, unless two cores are free now."""
    reason = two_cores_busy()
    if reason:
        pytest.skip(reason)


def check_parallel(best_s: float, below_s: float, busy_before: str | None) -> None:
    """Assert ``best_s < below_s`` unless another program may have taken a core.

    ``busy_before`` is what :func:`two_cores_busy` said before the runs. If the runs were
    too slow, the machine is asked again: the test fails only when two cores were free on
    both sides of it, and skips with the reason otherwise. (Other load can only make a run
    slower, so a fast enough run passes whatever the machine said.)
    """
    if best_s >= below_s:
        reason = busy_before or two_cores_busy()
        if reason:
            pytest.skip(reason)
    assert best_s < below_s, f"best run took {best_s:.3f} s, expected < {below_s:.3f} s"


def assert_parallel(wall_s: Callable[[], float], below_s: float, tries: int = 3) -> None:
    """The best of ``tries`` runs of ``wall_s`` took less than ``below_s``, on two free cores."""
    busy_before = two_cores_busy()
    check_parallel(min(wall_s() for _ in range(tries)), below_s, busy_before)
