"""The ``io`` step's wire format: what a backend sends to the latency server and reads back.

A request step connects to ``Workload.io_target()``, sends :func:`encode_request` (the
delay as an unsigned 64-bit big-endian count of nanoseconds), reads one byte, passes it to
:func:`check_reply`, and closes. The step ends when the reply has been read and the socket
closed: the close is part of the request, as it is for any client. The protocol is as
small as a request can be, so what is measured is the backend's socket API, not parsing.
"""

from __future__ import annotations

import struct

__all__ = ["REPLY", "REQUEST", "check_reply", "encode_request"]

REQUEST = struct.Struct("!Q")
"""The request: how long to wait before answering, in nanoseconds."""
REPLY = b"."
"""The answer: one byte; the client closes after reading it."""


def encode_request(seconds: float) -> bytes:
    """The request for a server-side wait of ``seconds``."""
    return REQUEST.pack(round(seconds * 1e9))


def check_reply(data: bytes) -> None:
    """Raise ``ConnectionError`` if the server closed or answered something else: the
    request did not happen."""
    if data != REPLY:
        raise ConnectionError(
            f"the latency server answered {data!r} instead of {REPLY!r}"
            if data
            else "the latency server closed the connection without answering"
        )
