"""A busy-looping hog on this process's CPU: real load that marks runs ``disturbed``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

__all__ = ["hog_on_my_cpu"]

HOG = (
    "import os, sys, time\n"
    "os.sched_setaffinity(0, {int(sys.argv[1])})\n"
    "end = time.monotonic() + 120\n"  # never outlives a stuck test by long
    "while time.monotonic() < end: pass\n"
)
LAUNCH = (
    "import subprocess, sys\n"
    f"hog = subprocess.Popen([sys.executable, '-c', {HOG!r}, sys.argv[1]], "
    "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(hog.pid)\n"
)


@contextmanager
def hog_on_my_cpu() -> Iterator[int]:
    """This process (and what it starts) and a busy-looping hog pinned to one CPU."""
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no CPU affinity on this system")
    before = os.sched_getaffinity(0)
    cpu = min(before)
    # started by a launcher that exits: the hog is no descendant of this process, which
    # would make it one of the "helpers" a worker depends on
    launcher = subprocess.run(
        [sys.executable, "-c", LAUNCH, str(cpu)], capture_output=True, text=True, check=True
    )
    hog = int(launcher.stdout)
    os.sched_setaffinity(0, {cpu})
    try:
        time.sleep(0.1)  # the hog is looping
        yield cpu
    finally:
        os.sched_setaffinity(0, before)
        os.kill(hog, signal.SIGKILL)
