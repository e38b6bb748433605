"""The ``timing`` marker: a wall-clock assertion fails only on a machine that was free to meet it.

A test that asserts how long real work took (sleeps overlap, a pool runs tasks at once,
a blocked loop is mostly blocked time) measures the machine as well as the code: while
another program keeps the CPU busy, the test's processes wait for a core and every
margin can be exceeded. Widening margins without end would make the tests unable to
fail, so instead the machine is asked: during a marked test's call, how long did
runnable tasks wait for a CPU? Linux keeps that figure, machine-wide, in
``/proc/pressure/cpu`` (the ``some`` line: time during which at least one task waited).
A marked test whose assertion fails while tasks waited for at least
:data:`BUSY_SHARE` of its duration is reported as skipped, with the figures and the
assertion it could not check. Where the kernel does not keep the figure, the machine is
probed right after the failure instead (:func:`support.cores.two_cores_busy`).

Only ``AssertionError`` is excused: an exception, a crash or a broken contract still fails.
And a test on a quiet machine fails as before, so a real regression is still caught.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from support.cores import two_cores_busy

__all__ = ["BUSY_SHARE", "cpu_wait_us"]

BUSY_SHARE = 0.1
"""Tasks waited for a CPU during at least this share of the test: the machine was busy."""
BUSY_MIN_S = 0.02
"""...and for at least this long: a short test is not excused by one scheduler tick."""

_PRESSURE = Path("/proc/pressure/cpu")
_START = pytest.StashKey[tuple[int | None, float]]()
_END = pytest.StashKey[tuple[int | None, float]]()


def cpu_wait_us() -> int | None:
    """Microseconds since boot during which some runnable task waited for a CPU, or None."""
    try:
        text = _PRESSURE.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("some "):
            return int(line.rsplit("total=", 1)[1])
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "timing: asserts on wall-clock time; a failed assertion while other programs kept "
        "the CPU busy is reported as a skip, with the figures",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):  # type: ignore[no-untyped-def]
    item.stash[_START] = (cpu_wait_us(), time.perf_counter())
    yield
    item.stash[_END] = (cpu_wait_us(), time.perf_counter())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if call.when != "call" or not report.failed or item.get_closest_marker("timing") is None:
        return
    if call.excinfo is None or not call.excinfo.errisinstance(AssertionError):
        return
    reason = _busy_reason(item)
    if reason:
        unchecked = _assertion(str(call.excinfo.value))
        report.outcome = "skipped"
        report.longrepr = (
            str(item.path),
            item.location[1] or 0,
            f"{reason}; unchecked: {unchecked}",
        )


def _assertion(text: str) -> str:
    """The asserted expression as pytest rewrote it, else the message's first line."""
    lines = [line.strip() for line in text.strip().splitlines()] or ["an assertion"]
    expression = next((line for line in lines if line.startswith("assert ")), lines[0])
    return expression[:200]


def _busy_reason(item: pytest.Item) -> str | None:
    (waited_before, started), (waited_after, ended) = item.stash[_START], item.stash[_END]
    if waited_before is None or waited_after is None:
        probe = two_cores_busy()
        return f"the machine was busy (probed after the failure: {probe})" if probe else None
    waited_s = (waited_after - waited_before) / 1e6
    took_s = ended - started
    if waited_s < max(BUSY_MIN_S, BUSY_SHARE * took_s):
        return None
    return (
        f"the machine was busy: tasks waited for a CPU during {waited_s:.2f} s of this "
        f"test's {took_s:.2f} s (/proc/pressure/cpu)"
    )
