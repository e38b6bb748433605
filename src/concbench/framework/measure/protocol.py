"""The worker's messages to the parent: JSON over a one-way pipe, checked before use.

A worker runs plugin code, so the parent treats what arrives on the pipe as input from
outside. Messages are JSON, never pickle, so no message can make the parent import or
call anything; their size is capped; and a message that is not what the protocol allows
becomes a recorded fault instead of an exception in the parent.

Messages, in order: ``{"event": "ready"}``; then per run ``{"event": "run", "warmup": bool,
"measurement": {...}}``; then ``{"event": "done"}``. At any point the worker may send
``{"event": "failed", "warmup": bool, "error": str}`` and stop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["MAX_ERROR_CHARS", "Closed", "Garbled", "receive", "send"]

MAX_MESSAGE_BYTES = 1 << 20
"""A measurement is a few hundred bytes; an error is capped below; this is a generous ceiling."""

MAX_ERROR_CHARS = 8000
"""Error texts keep their last characters (where the innermost frame and the message are)."""

_EVENTS = {"ready", "run", "failed", "done"}


@dataclass(frozen=True)
class Closed:
    """The pipe closed: the worker died, during or between messages."""


@dataclass(frozen=True)
class Garbled:
    """Something arrived that is not a message of the protocol."""

    reason: str


def send(conn: Connection, message: dict[str, Any]) -> None:
    if isinstance(message.get("error"), str):
        message = message | {"error": _clip(message["error"])}
    conn.send_bytes(json.dumps(message).encode())


def receive(conn: Connection) -> dict[str, Any] | Closed | Garbled:
    """The next message, already checked; never raises for what the worker did."""
    try:
        data = conn.recv_bytes(MAX_MESSAGE_BYTES)
    except EOFError:
        return Closed()
    except OSError as exc:
        if "end of file" in str(exc):  # the writer died in the middle of a message
            return Closed()
        return Garbled(f"unreadable message ({exc})")  # e.g. longer than MAX_MESSAGE_BYTES
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):
        return Garbled(f"not a JSON message: {data[:60]!r}")
    problem = _problem(message)
    return Garbled(problem) if problem else message


def _problem(message: Any) -> str | None:
    if not isinstance(message, dict) or message.get("event") not in _EVENTS:
        return f"not a protocol message: {str(message)[:60]!r}"
    event = message["event"]
    if event == "run" and not isinstance(message.get("measurement"), dict):
        return "a run message without a measurement"
    if event == "failed" and not isinstance(message.get("error"), str):
        return "a failed message without an error text"
    return None


def _clip(text: str) -> str:
    if len(text) <= MAX_ERROR_CHARS:
        return text
    return "[...]" + text[-MAX_ERROR_CHARS:]
