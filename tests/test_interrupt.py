"""A real `concbench` process, interrupted by a real signal in the middle of a sweep, then
resumed: the finished runs survive, the sweep completes, and no run is stored twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from concbench.framework.analysis.disturbance import replaced
from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.resultstore import read_records

BACKENDS = ("asyncio", "threads")
PROCESSES = 2
REPEAT = 3
FULL = {(b, p, r) for b in BACKENDS for p in range(PROCESSES) for r in range(REPEAT)}


def sweep(out: Path, *extra: str) -> list[str]:
    """12 runs of 0.15 s in 4 workers: a few seconds, long enough to interrupt midway."""
    backends = [arg for name in BACKENDS for arg in ("-b", name)]
    return [
        sys.executable,
        "-m",
        "concbench",
        "run",
        "fanout",
        "-p",
        "tasks=2",
        "-p",
        "seconds=0.15",
        *backends,
        "--repeat",
        str(REPEAT),
        "--processes",
        str(PROCESSES),
        "--warmup",
        "0",
        "--out",
        str(out),
        *extra,
    ]


def stored(out: Path) -> list[RunRecord]:
    return read_records(out) if out.exists() else []


def identities(records: list[RunRecord]) -> Counter[tuple[str, int, int]]:
    """The runs that stand: a disturbed attempt that was run again is not one of them."""
    gone = replaced(records)
    return Counter((r.backend, r.process, r.run) for i, r in enumerate(records) if i not in gone)


def group_is_gone(pgid: int, within_s: float = 5.0) -> bool:
    """Whether every process of the sweep (the parent and its workers) has ended."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_sweep_keeps_its_runs_and_resumes_to_the_full_set(
    signum: signal.Signals, tmp_path: Path
) -> None:
    out = tmp_path / "sweep.jsonl"
    process = subprocess.Popen(
        sweep(out),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a job in a terminal
    )
    deadline = time.monotonic() + 30
    while len(stored(out)) < 4 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)  # Ctrl-C: the terminal signals the whole group
    else:
        process.send_signal(signum)  # `kill`: only the parent hears it
    output, errors = process.communicate(timeout=30)

    assert process.returncode == 128 + signum, errors
    assert group_is_gone(process.pid), "a worker outlived the interrupted sweep"
    assert f"interrupted by {signum.name}" in errors
    assert "--resume" in errors
    assert "Traceback" not in errors  # neither the parent nor the worker died messily
    finished = stored(out)
    assert 4 <= len(finished) < len(FULL)
    assert all(r.status is Status.OK for r in finished)
    assert max(identities(finished).values()) == 1
    assert "fanout (tasks=2, seconds=0.15)" in output  # the partial report
    assert finished[0].backend in output

    resumed = subprocess.run(
        [*sweep(out), "--resume"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(finished)} records of this sweep are stored" in resumed.stdout
    assert f"{len(FULL) - len(identities(finished))} runs to do" in resumed.stdout
    records = stored(out)
    assert records[: len(finished)] == finished  # appended after, nothing rewritten
    assert all(r.status is Status.OK for r in records)
    assert identities(records) == Counter(FULL)  # every run once: the full set, no duplicates
    assert resumed.stdout.count("fanout (") == 1  # stored and new runs report as one table

    again = subprocess.run(
        [*sweep(out), "--resume"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0, again.stderr
    assert "nothing left to do" in again.stdout
    assert stored(out) == records


def test_an_interrupt_wrapped_by_class_creation_is_still_an_interrupt() -> None:
    """Python 3.11 wraps what ``__set_name__`` raises (dataclasses use it) in a RuntimeError:
    a Ctrl-C that lands there during concbench's imports is still a Ctrl-C."""
    from concbench.__main__ import _interrupted

    class Interrupting:
        def __set_name__(self, owner: type, name: str) -> None:
            raise KeyboardInterrupt

    with pytest.raises((RuntimeError, KeyboardInterrupt)) as raised:  # 3.11, 3.12 on
        type("Made", (), {"field": Interrupting()})
    assert _interrupted(raised.value)
    assert not _interrupted(RuntimeError("not an interrupt"))
    assert not _interrupted(ValueError("x"))
