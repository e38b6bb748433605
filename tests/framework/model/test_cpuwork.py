"""The CPU rate: a calibration taken while another program shares the core is still the
machine's rate, so ``cpu`` steps do not shrink under load (issue 11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from concbench.framework.model.cpuwork import measure_rate, spin

PINNED = """
import json, os, subprocess, sys, time
from concbench.framework.model.cpuwork import measure_rate
cpu = min(os.sched_getaffinity(0))
os.sched_setaffinity(0, {cpu})
alone = measure_rate(max_s=1.0)
hogs = [subprocess.Popen([sys.executable, "-c",
    f"import os, time; os.sched_setaffinity(0, {{{cpu}}}); end = time.monotonic() + 60\\n"
    "while time.monotonic() < end: pass"]) for _ in range(HOGS)]
try:
    time.sleep(0.3)  # the hogs are looping on this process's only CPU
    shared = measure_rate(max_s=1.0)
finally:
    for hog in hogs:
        hog.kill()
print(json.dumps({"alone": alone, "shared": shared}))
"""


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity here")
def test_a_rate_measured_beside_a_hog_on_the_same_core_is_the_machines_rate() -> None:
    """Four hogs on the core leave no 10 ms round whole (a slice is a few ms), so by the
    wall clock even the fastest round takes several times as long; by the thread's CPU
    time it does not, and the rate stays within a fraction of the one alone."""
    done = subprocess.run(
        [sys.executable, "-c", PINNED.replace("HOGS", "4")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rates = json.loads(done.stdout)
    assert rates["shared"] >= 0.7 * rates["alone"], rates


def test_the_rate_is_iterations_per_second_of_the_loop() -> None:
    rate = measure_rate(max_s=0.5, min_s=0.1)
    assert 1e5 < rate < 1e10  # any CPython on any machine this century
    assert spin(10) == sum(i & 7 for i in range(10))
