"""Signals during a sweep are noted and wake the parent's wait, instead of raising anywhere."""

from __future__ import annotations

import os
import signal
import threading
import time
from multiprocessing import Pipe

import pytest

from concbench.framework.measure.interrupt import Interrupted, Interruptions


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
