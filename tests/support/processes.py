"""Targets for processes that tests start: importable, since spawned children import them."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from pathlib import Path

from concbench.framework.measure.isolation import contain, exit_if_stuck


def leave_a_thread_and_finish() -> None:
    """What a worker does after a plugin forgot a non-daemon thread."""
    threading.Thread(target=time.sleep, args=(3600,), name="forgotten").start()
    exit_if_stuck()


def write_blocked_signals(path: str) -> None:
    """Write the signals this process was born with blocked, one name a line."""
    import signal

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    Path(path).write_text("".join(f"{signal.Signals(s).name}\n" for s in blocked))


def contained_sleeper(log_path: str) -> None:
    contain(log_path)
    time.sleep(3600)


def slow_to_start(log_path: str) -> None:
    """A worker still busy starting up (importing, say) when Ctrl-C arrives: it says it
    has started by creating ``log_path``, then takes a while before it contains itself."""
    Path(log_path).touch()
    time.sleep(1.0)
    contain(log_path)


def parent_of_a_sleeper(log_path: str) -> None:
    """Start a contained worker, tell its pid, then wait to be killed."""
    worker = multiprocessing.get_context("spawn").Process(
        target=contained_sleeper, args=(log_path,)
    )
    worker.start()
    print(worker.pid, flush=True)
    time.sleep(3600)


if __name__ == "__main__":
    parent_of_a_sleeper(sys.argv[1])
