"""Ctrl-C and SIGTERM during a sweep: noted, then acted on at a point where nothing is half done.

Python's default turns SIGINT into a ``KeyboardInterrupt`` wherever the main thread
happens to be, which could be between writing a record and counting it, or in the middle
of stopping a worker; SIGTERM by default ends the parent at once and leaves its worker
running. While a sweep runs, both signals are instead noted by a handler that only sets a
flag, and a wake-up descriptor makes the parent's wait for its worker return at once. The
runner then stops the worker and raises :class:`Interrupted` from a known place.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection, wait
from types import FrameType, TracebackType
from typing import Any

__all__ = ["Interrupted", "Interruptions", "sigint_blocked"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A sweep stopped by a signal; ``records`` holds every record it had made."""

    def __init__(self, signum: int, records: Sequence[Any] = ()) -> None:
        super().__init__(signum)
        self.signum = signum
        self.records = list(records)

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name


class Interruptions:
    """A context in which SIGINT and SIGTERM are noted instead of raising anywhere.

    Outside the main thread (where Python allows no signal handlers) it does nothing, and
    signals keep their usual effect.
    """

    def __init__(self) -> None:
        self.signum = 0
        self._active = False
        self._reader: socket.socket | None = None
        self._writer: socket.socket | None = None
        self._previous: dict[int, Any] = {}
        self._previous_wakeup = -1

    def __enter__(self) -> Interruptions:
        self.signum = 0
        if threading.current_thread() is not threading.main_thread():
            return self
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_wakeup = signal.set_wakeup_fd(
            self._writer.fileno(), warn_on_full_buffer=False
        )
        self._previous = {signum: signal.signal(signum, self._note) for signum in SIGNALS}
        self._active = True
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._active:
            return
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_wakeup)
        for end in (self._reader, self._writer):
            if end is not None:
                end.close()
        self._active = False

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.signum = self.signum or signum

    def check(self) -> None:
        """Raise :class:`Interrupted` if a signal has arrived."""
        if self.signum:
            raise Interrupted(self.signum)

    def wait(self, conn: Connection, timeout: float) -> bool:
        """Wait for a message on ``conn``: True when one is there, False after ``timeout``.

        Raises :class:`Interrupted` as soon as a signal arrives.
        """
        deadline = time.monotonic() + timeout
        watched: list[Any] = [conn] if self._reader is None else [conn, self._reader]
        while True:
            ready = wait(watched, max(0.0, deadline - time.monotonic()))
            self.check()
            if conn in ready:
                return True
            if not ready:
                return False
            self._drain()  # another signal with a Python handler woke us: wait on

    def _drain(self) -> None:
        if self._reader is not None:
            with contextlib.suppress(OSError):
                while self._reader.recv(512):
                    pass


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread while starting a worker, which inherits the mask.

    Ctrl-C reaches the whole process group, workers included. A worker ignores SIGINT
    once it runs (see :func:`concbench.framework.measure.isolation.contain`), but it spends its
    first tenth of a second importing; a Ctrl-C then would kill it with a traceback on
    the terminal. Born with SIGINT blocked, it never sees one before it ignores them. The
    parent's own SIGINT stays pending here and is handled as soon as the block ends.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no masks, and no process groups
        yield
        return
    # A process's first spawn starts multiprocessing's resource tracker, which unblocks
    # SIGINT in this thread once it has started, undoing the block below before the worker
    # is born: start the tracker first.
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
