"""The latency server that ``io`` steps talk to: a real TCP server in its own process.

It must never run inside the backend under test (its work would be billed to that
backend), so the runner starts one in a fresh spawn-context process per job whose
workload makes ``io`` requests, on 127.0.0.1 with an ephemeral port, and stops it when the
job's runs are done.

The protocol is as small as a request can be, so that what is measured is the backend's
socket API, not parsing. The client connects and sends the delay as an unsigned 64-bit
big-endian count of nanoseconds (:func:`encode_request`); the server waits that long and
answers with one byte (:data:`REPLY`); the client reads it and closes, as any client would.
The server answers the client's close with a reset, so neither side keeps the connection
in TIME_WAIT: with a graceful close, tens of thousands of requests in a row reuse ports
whose old connection is still in TIME_WAIT, and some connects then stall for the 1 s SYN
retransmission (seen on this machine with 10,000 requests per run).

Each open connection is one file descriptor in the worker and one in the server, so a
workload's :attr:`~concbench.framework.model.workload.Workload.io_connections` decides how many of
them both processes need. :func:`ensure_open_files` raises the soft ``RLIMIT_NOFILE``
when the hard limit allows it; :func:`check_open_files` refuses the run before it starts
when it does not.
"""

from __future__ import annotations

import heapq
import itertools
import multiprocessing
import selectors
import signal
import socket
import struct
import sys
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from ..model.errors import ConcbenchError
from ..model.params import ParameterError
from ..model.wire import REPLY, REQUEST, check_reply, encode_request
from .interrupt import sigint_blocked

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None  # type: ignore[assignment]

__all__ = [
    "HOST",
    "REPLY",
    "LatencyServer",
    "OpenFileLimitError",
    "ServerError",
    "check_open_files",
    "check_reply",
    "encode_request",
    "ensure_open_files",
    "listen",
    "open_files_needed",
]

HOST = "127.0.0.1"
FILES_MARGIN = 64
"""Descriptors a process needs besides its connections: stdio, pipes, the event loop's."""
_START_TIMEOUT_S = 30.0
_ABORT = struct.pack("ii", 1, 0)
"""SO_LINGER on with a zero timeout: close() resets the connection."""


class OpenFileLimitError(ParameterError):
    """A workload needs more open connections than ``RLIMIT_NOFILE`` can ever allow here."""


class ServerError(ConcbenchError, RuntimeError):
    """The latency server did not start."""


def open_files_needed(connections: int) -> int:
    """Descriptors a process needs to hold ``connections`` sockets open at once."""
    return connections + FILES_MARGIN


def _limits() -> tuple[int, int] | None:
    if resource is None:  # pragma: no cover
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft, hard


def check_open_files(needed: int, who: str) -> None:
    """Refuse, before anything runs, a need that even the hard limit cannot meet."""
    limits = _limits()
    if limits is None:  # pragma: no cover
        return
    hard = limits[1]
    if hard != resource.RLIM_INFINITY and needed > hard:
        raise OpenFileLimitError(
            f"{who} needs {needed} open files in the worker and in the latency server (one "
            f"socket per concurrent io request, plus {FILES_MARGIN}), but the hard limit "
            f"RLIMIT_NOFILE is {hard}: raise the hard limit (as root: `ulimit -Hn {needed}` in "
            "the shell that runs concbench, or `nofile` in /etc/security/limits.conf), or "
            "make fewer concurrent requests"
        )


def ensure_open_files(needed: int) -> None:
    """Raise this process's soft ``RLIMIT_NOFILE`` to ``needed`` if it is lower."""
    limits = _limits()
    if limits is None:  # pragma: no cover
        return
    soft, hard = limits
    if soft == resource.RLIM_INFINITY or needed <= soft:
        return
    check_open_files(needed, "this run")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


_S = TypeVar("_S", bound="LatencyServer")


class LatencyServer:
    """A running server process; :meth:`start` it, use :attr:`address`, then :meth:`stop`.

    The server exits when its pipe to this object closes, so it also goes away if the
    process that started it dies. A server of another protocol (``httpserver``) reuses this
    lifecycle by naming its own entry point in ``_entry``: a function of the pipe and the
    number of connections that reports ``{"host", "port"}`` or ``{"error"}``, then serves.
    """

    _entry: Any = None
    """The server process's entry point; ``None`` is this module's ``_serve``."""
    _title = "concbench-latency-server"

    def __init__(self, process: Any, conn: Connection, address: tuple[str, int]) -> None:
        self._process = process
        self._conn = conn
        self.address = address

    @classmethod
    def start(cls: type[_S], connections: int, timeout_s: float = _START_TIMEOUT_S) -> _S:
        """Start a server able to hold ``connections`` at once; raises :class:`ServerError`."""
        context = multiprocessing.get_context("spawn")
        conn, child_conn = context.Pipe()
        process = context.Process(
            target=cls._entry or _serve, args=(child_conn, connections), name=cls._title
        )
        process.daemon = True  # it never starts processes of its own
        with sigint_blocked():  # born deaf to Ctrl-C, like a worker; _serve then ignores it
            process.start()
        child_conn.close()
        server = cls(process, conn, (HOST, 0))
        try:
            if not conn.poll(timeout_s):
                raise ServerError(f"it did not report its address within {timeout_s:g} s")
            message = conn.recv()
        except (EOFError, OSError):
            server.stop()
            raise ServerError(f"it exited with code {process.exitcode} before starting") from None
        except ServerError:
            server.stop()
            raise
        if "error" in message:
            server.stop()
            raise ServerError(message["error"])
        server.address = (message["host"], message["port"])
        return server

    def is_alive(self) -> bool:
        return bool(self._process.is_alive())

    @property
    def pid(self) -> int:
        """The server's process id: its run-queue wait counts towards the runs it serves."""
        return int(self._process.pid)

    def stop(self) -> None:
        """Close the pipe (the server's signal to exit), then make sure it has."""
        self._conn.close()
        self._process.join(5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _serve(conn: Connection, connections: int) -> None:
    """Entry point of the server process: report the address (or why not), then serve."""
    _Server(listen(conn, connections), conn).run()


def listen(conn: Connection, connections: int) -> socket.socket:
    """In a server process: open the listening socket and report its address to the parent
    (or the error, and exit).

    Ctrl-C reaches the whole process group; the parent decides what it means and closes
    the pipe, so the server ignores SIGINT instead of dying of it with a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        ensure_open_files(open_files_needed(connections))
        listener = socket.create_server((HOST, 0), backlog=max(connections, 1024))
    except Exception:
        conn.send({"error": "".join(traceback.format_exc(limit=-3)).strip()})
        sys.exit(1)
    conn.send({"host": HOST, "port": listener.getsockname()[1]})
    return listener


_ACCEPT = -1
_STOP = -2


class _Server:
    """One thread and one selector: accept, read the delay, answer when it is due, and
    reset the connection when the client closes.

    Written on ``selectors`` rather than asyncio's transports because it is about three
    times cheaper per connection (25 against 70 µs of CPU on this machine): the server's
    own cost is paid inside every backend's measured time, so it must stay far below the
    client's. Its timers come from the selector's timeout, which epoll rounds up to whole
    milliseconds, so an answer is never early and at most about 1 ms late.
    """

    def __init__(self, listener: socket.socket, control: Connection) -> None:
        listener.setblocking(False)
        self.listener = listener
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ, _ACCEPT)
        self.selector.register(control, selectors.EVENT_READ, _STOP)  # EOF: the parent is done
        self.ids = itertools.count()
        self.sockets: dict[int, socket.socket] = {}
        self.partial: dict[int, bytes] = {}
        """Connections whose request has not fully arrived, with what has."""
        self.due: list[tuple[float, int]] = []
        """(monotonic deadline, connection id): a heap of answers to send."""

    def run(self) -> None:
        while True:
            timeout = max(0.0, self.due[0][0] - time.monotonic()) if self.due else None
            for key, _ in self.selector.select(timeout):
                if key.data == _ACCEPT:
                    self._accept()
                elif key.data == _STOP:
                    return
                else:
                    self._read(key.data)
            now = time.monotonic()
            while self.due and self.due[0][0] <= now:
                self._answer(heapq.heappop(self.due)[1])

    def _answer(self, ident: int) -> None:
        sock = self.sockets.get(ident)  # None: the client left before its answer
        if sock is not None:
            try:
                sock.send(REPLY)
            except OSError:
                self._close(ident)

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except BlockingIOError:
                return
            except OSError:
                return  # e.g. out of descriptors: the client sees a refusal and fails the run
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _ABORT)
            ident = next(self.ids)  # not the descriptor: a late timer must not hit its reuse
            self.sockets[ident] = sock
            self.partial[ident] = b""
            self.selector.register(sock, selectors.EVENT_READ, ident)

    def _read(self, ident: int) -> None:
        try:
            data = self.sockets[ident].recv(64)
        except OSError:
            data = b""
        if not data:
            self._close(ident)
        elif ident in self.partial:
            received = self.partial.pop(ident) + data
            if len(received) < REQUEST.size:
                self.partial[ident] = received
            else:
                delay_s = REQUEST.unpack_from(received)[0] / 1e9
                heapq.heappush(self.due, (time.monotonic() + delay_s, ident))

    def _close(self, ident: int) -> None:
        sock = self.sockets.pop(ident)
        self.partial.pop(ident, None)
        self.selector.unregister(sock)
        sock.close()  # with SO_LINGER (on, 0): a reset, so no TIME_WAIT is left behind
