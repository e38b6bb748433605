"""The test suite's own guards against a busy machine (tests/support/cores.py and busy.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.busy import cpu_wait_us
from support.cores import two_cores_busy

INNER = """
import os, subprocess, sys, time

import pytest

SPIN = "import time\\nend = time.perf_counter() + 0.6\\nwhile time.perf_counter() < end: pass"


def crowd():
    # more spinning processes than cores: tasks wait for a CPU whatever else runs
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(os.cpu_count() + 2)]
    for spinner in spinners:
        spinner.wait()


@pytest.mark.timing
def test_marked_assertion():
    crowd()
    assert 1.0 < 0.5, "took too long"


@pytest.mark.timing
def test_marked_exception():
    crowd()
    raise ValueError("not a timing failure")


def test_unmarked_assertion():
    crowd()
    assert 1.0 < 0.5, "took too long"
"""


def hogs(count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def test_two_spinning_hogs_leave_no_two_free_cores() -> None:
    if (os.cpu_count() or 1) > 2:
        pytest.skip("two hogs leave cores free on a machine with more than two")
    started = hogs(2)
    try:
        reason = two_cores_busy()
    finally:
        for hog in started:
            hog.kill()
            hog.wait()
    assert reason is not None
    assert "needs two free cores" in reason


@pytest.mark.skipif(cpu_wait_us() is None, reason="the kernel keeps no /proc/pressure/cpu here")
def test_only_a_timing_assertion_on_a_busy_machine_becomes_a_skip(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(INNER)
    tests_dir = Path(__file__).parent
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "-p", "support.busy", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=os.environ | {"PYTHONPATH": str(tests_dir)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = done.stdout
    assert "SKIPPED" in out, out
    assert "the machine was busy" in out, out
    assert "unchecked: assert 1.0 < 0.5" in out  # the skip names the assertion it could not check
    assert "FAILED test_inner.py::test_marked_exception" in out, out
    assert "FAILED test_inner.py::test_unmarked_assertion" in out, out
    assert "1 skipped" in out, out
    assert "2 failed" in out, out
