"""A local HTTP/1.1 server that answers after a requested delay, for real HTTP clients.

The ``http`` scenario measures what a client library costs (httpx, aiohttp, urllib3,
requests) against the raw ``io`` step at the same latency, so the server must cost the
same little and run in the same way as the latency server: in a spawn-context process of
its own, started before a job's first worker and stopped after its last, never inside the
measured region. It is the latency server's lifecycle and loop (``ioserver``) with an HTTP
reader and writer in place of the 8-byte protocol.

A request is ``GET /?seconds=S`` (any path; ``seconds`` absent means 0). The answer is
``200 OK`` with the body ``ok``, sent ``S`` seconds after the request's head arrived.
Connections are kept alive (HTTP/1.1's default) unless the request says ``Connection:
close`` (or is HTTP/1.0 without ``keep-alive``); then the answer says ``Connection:
close`` too, and the server waits for the client to close and resets the connection, so
neither side keeps it in TIME_WAIT (why: ``ioserver``). Requests that arrive pipelined are
answered in order. A malformed head gets ``400`` and the connection closes. Bodies are
not read: the clients under test send none.
"""

from __future__ import annotations

import heapq
import socket
import time
from multiprocessing.connection import Connection
from urllib.parse import parse_qs, urlsplit

from .ioserver import LatencyServer, _Server, listen

__all__ = ["HttpServer", "parse_head", "response"]

MAX_HEAD = 16 * 1024
"""A request head longer than this is refused: the clients under test send ~100 bytes."""
_BODY = b"ok"
_KEEP = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n" + _BODY
_CLOSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    b"Connection: close\r\n\r\n" + _BODY
)
_BAD = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def response(keep_alive: bool) -> bytes:
    """The bytes of a ``200`` answer, as a test compares them."""
    return _KEEP if keep_alive else _CLOSE


def parse_head(head: bytes) -> tuple[float, bool]:
    """``(seconds, keep_alive)`` of one request head (without its blank line); raises
    ``ValueError`` for a head that is not a request this server answers."""
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ")
    if not version.startswith("HTTP/1.") or not method.isalpha():
        raise ValueError(f"not an HTTP/1.x request line: {lines[0]!r}")
    values = parse_qs(urlsplit(target).query).get("seconds", ["0"])
    seconds = float(values[0])
    if not 0.0 <= seconds <= 3600.0:  # NaN fails both
        raise ValueError(f"seconds must be within 0..3600, got {values[0]!r}")
    keep_alive = version == "HTTP/1.1"
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "connection":
            tokens = {token.strip().lower() for token in value.split(",")}
            keep_alive = "close" not in tokens and (keep_alive or "keep-alive" in tokens)
    return seconds, keep_alive


def _serve_http(conn: Connection, connections: int) -> None:
    """Entry point of the server process: report the address (or why not), then serve."""
    _HttpServer(listen(conn, connections), conn).run()


class HttpServer(LatencyServer):
    """A running HTTP server process: :meth:`start` it, use :attr:`url`, then :meth:`stop`."""

    _entry = staticmethod(_serve_http)
    _title = "concbench-http-server"

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"


class _HttpServer(_Server):
    """The latency server's loop; a connection holds at most one request being waited on.

    ``partial`` holds what a connection sent and has not been answered yet; ``waiting``
    the connections whose answer is due, with whether to keep them alive; ``closing`` the
    ones told ``Connection: close``, whose further bytes are ignored until they close.
    """

    def __init__(self, listener: socket.socket, control: Connection) -> None:
        super().__init__(listener, control)
        self.waiting: dict[int, bool] = {}
        self.closing: set[int] = set()

    def _read(self, ident: int) -> None:
        try:
            data = self.sockets[ident].recv(65536)
        except OSError:
            data = b""
        if not data:
            self._close(ident)
        elif ident not in self.closing:
            self.partial[ident] = self.partial.get(ident, b"") + data
            self._next_request(ident)

    def _next_request(self, ident: int) -> None:
        """Start the wait of the connection's next complete request, if it has one."""
        if ident in self.waiting:
            return  # answered in order: the next one waits for this answer
        received = self.partial.get(ident, b"")
        end = received.find(b"\r\n\r\n")
        if end < 0:
            if len(received) > MAX_HEAD:
                self._refuse(ident)
            return
        self.partial[ident] = received[end + 4 :]
        try:
            seconds, keep_alive = parse_head(received[:end])
        except (ValueError, UnicodeDecodeError):
            self._refuse(ident)
            return
        self.waiting[ident] = keep_alive
        heapq.heappush(self.due, (time.monotonic() + seconds, ident))

    def _answer(self, ident: int) -> None:
        sock = self.sockets.get(ident)  # None: the client left before its answer
        if sock is None:
            return
        keep_alive = self.waiting.pop(ident)
        try:
            sock.send(_KEEP if keep_alive else _CLOSE)
        except OSError:
            self._close(ident)
            return
        if keep_alive:
            self._next_request(ident)
        else:
            self.closing.add(ident)  # the client closes; then the reset (see the module)

    def _refuse(self, ident: int) -> None:
        self.closing.add(ident)
        self.partial.pop(ident, None)
        try:
            self.sockets[ident].send(_BAD)
        except OSError:
            self._close(ident)

    def _close(self, ident: int) -> None:
        self.waiting.pop(ident, None)
        self.closing.discard(ident)
        super()._close(ident)
