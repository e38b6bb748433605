"""Worker containment: leftover threads, orphaned workers, and what a crash leaves to read."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from concbench.framework.measure.interrupt import sigint_blocked
from concbench.framework.measure.isolation import check_leftovers, output_tail, running
from concbench.framework.model.trace import ContractError
from support import processes
from support.signals import sigint_as_in_a_terminal

TESTS = Path(__file__).parents[2]


def test_a_forgotten_thread_is_a_contract_error_after_the_grace() -> None:
    before = running()
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="forgotten")
    thread.start()
    try:
        with pytest.raises(ContractError, match=r"left 1 thread\(s\) .*\(forgotten\)"):
            check_leftovers(before, grace_s=0.05)
    finally:
        release.set()
        thread.join()


def test_threads_that_end_within_the_grace_and_daemon_threads_are_fine() -> None:
    before = running()
    quick = threading.Thread(target=time.sleep, args=(0.05,))
    release = threading.Event()
    daemon = threading.Thread(target=release.wait, daemon=True)
    quick.start()
    daemon.start()
    try:
        check_leftovers(before, grace_s=2.0)
        assert not quick.is_alive()
    finally:
        release.set()
        daemon.join()


def test_a_worker_with_a_forgotten_thread_still_exits_by_itself() -> None:
    worker = multiprocessing.get_context("spawn").Process(
        target=processes.leave_a_thread_and_finish
    )
    worker.start()
    worker.join(20)
    alive = worker.is_alive()
    if alive:
        worker.kill()
        worker.join()
    assert not alive, "Python waited for the forgotten thread"
    assert worker.exitcode == 0


@pytest.mark.parametrize("blocked", [True, False], ids=["started-blocked", "started-plainly"])
def test_a_ctrl_c_while_a_worker_starts_cannot_kill_it(blocked: bool, tmp_path: Path) -> None:
    """The control case shows the hazard: a plainly started child dies of the signal."""
    worker = multiprocessing.get_context("spawn").Process(
        target=processes.slow_to_start, args=(str(tmp_path / "w.log"),)
    )
    with sigint_as_in_a_terminal():
        if blocked:
            with sigint_blocked():
                worker.start()
        else:
            worker.start()
    started = tmp_path / "w.log"
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # running Python code now, and not yet contained for a second
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGINT)
    worker.join(10)
    assert worker.exitcode == (0 if blocked else 1)  # 1: KeyboardInterrupt


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # exited; a zombie waits only for whoever adopted it to reap


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_a_worker_whose_parent_is_killed_exits_too(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-m", "support.processes", str(tmp_path / "worker.log")],
        cwd=TESTS,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    worker_pid = int(parent.stdout.readline())
    started = time.monotonic() + 30  # the log appears as the worker contains itself
    while not (tmp_path / "worker.log").exists() and time.monotonic() < started:
        time.sleep(0.05)
    time.sleep(0.5)  # let the worker finish starting and install its watch
    try:
        assert not _gone(worker_pid)
        assert (tmp_path / "worker.log").exists()
    finally:  # on a failed check too: the worker must not outlive the test
        os.kill(parent.pid, signal.SIGKILL)  # no chance to stop its worker
        parent.wait()
    deadline = time.monotonic() + 10
    while not _gone(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    gone = _gone(worker_pid)
    if not gone:
        os.kill(worker_pid, signal.SIGKILL)
    assert gone, "the orphaned worker kept running"
    assert not (tmp_path / "worker.log").exists(), "nobody will read the orphan's log"


DUMP = """\
chatty output line 1
chatty output line 2
Fatal Python error: Segmentation fault

Thread 0x00007f00 (most recent call first):
  File "/x/framework/isolation.py", line 62 in watch
  File "/usr/lib/python3.11/threading.py", line 982 in run

Thread 0x00007f01 (most recent call first):
  File "/x/plugin.py", line 5 in helper

Current thread 0x00007f02 (most recent call first):
  File "/x/plugin.py", line 9 in execute
  File "/x/framework/worker.py", line 108 in measure
"""


def test_a_stack_dump_is_shown_crashing_thread_first_without_the_watchdog(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    log.write_text(DUMP)
    tail = output_tail(log)
    assert tail.startswith("Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f02")
    assert tail.index("in execute") < tail.index("in helper")
    assert "in watch" not in tail
    assert tail.endswith("output before it:\nchatty output line 1\nchatty output line 2")


def test_plain_output_gives_its_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    log.write_text("".join(f"line {n}\n" for n in range(100)))
    assert output_tail(log).splitlines() == [f"line {n}" for n in range(80, 100)]
    assert output_tail(tmp_path / "absent.log") == ""
