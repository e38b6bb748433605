"""Signals during a sweep are noted and wake the parent's wait, instead of raising anywhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from multiprocessing import Pipe
from pathlib import Path

import pytest

from concbench.framework.measure.interrupt import Interrupted, Interruptions

TESTS = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_wakes_the_wait_at_once_and_raises_interrupted(signum: signal.Signals) -> None:
    receiver, sender = Pipe(duplex=False)
    previous = signal.getsignal(signum)
    with Interruptions() as signals:
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signum))
        timer.start()
        started = time.monotonic()
        with pytest.raises(Interrupted) as caught:
            signals.wait(receiver, 30)
        waited = time.monotonic() - started
        timer.join()
    assert waited < 5  # not the 30 s the wait was allowed
    assert caught.value.signum == signum
    assert caught.value.signal_name == signum.name
    assert signal.getsignal(signum) is previous  # restored on leaving
    receiver.close()
    sender.close()


def test_without_a_signal_the_wait_reports_a_message_or_the_timeout() -> None:
    receiver, sender = Pipe(duplex=False)
    with Interruptions() as signals:
        assert signals.wait(receiver, 0.05) is False
        sender.send_bytes(b"{}")
        assert signals.wait(receiver, 5) is True
        signals.check()  # nothing arrived: no exception
    receiver.close()
    sender.close()


def test_outside_the_main_thread_it_changes_nothing() -> None:
    handlers: list[object] = []

    def enter() -> None:
        with Interruptions():
            handlers.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=enter)
    thread.start()
    thread.join()
    assert handlers == [before]


FIRST_WORKER = """
import multiprocessing, sys
from concbench.framework.measure.interrupt import sigint_blocked
from support.processes import write_blocked_signals
worker = multiprocessing.get_context("spawn").Process(
    target=write_blocked_signals, args=(sys.argv[1],)
)
with sigint_blocked():
    worker.start()
worker.join(30)
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="no signal masks")
def test_the_first_worker_of_a_process_is_born_with_sigint_blocked(tmp_path: Path) -> None:
    """The first spawn of a process starts multiprocessing's resource tracker, which
    unblocked SIGINT after starting itself, so the first worker of every sweep was born
    open to a Ctrl-C and died of it with a traceback on the terminal. A fresh interpreter,
    since any earlier spawn in this one would have started the tracker already."""
    out = tmp_path / "blocked.txt"
    subprocess.run(
        [sys.executable, "-c", FIRST_WORKER, str(out)], cwd=TESTS, check=True, timeout=60
    )
    assert "SIGINT" in out.read_text().split()
