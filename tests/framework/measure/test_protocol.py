"""The worker-to-parent protocol over a real pipe: what arrives is checked, never executed."""

from __future__ import annotations

import contextlib
import pickle
import threading
from collections.abc import Iterator
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from concbench.framework.measure.protocol import MAX_ERROR_CHARS, Closed, Garbled, receive, send


@pytest.fixture
def pipe() -> Iterator[tuple[Connection, Connection]]:
    receiver, sender = Pipe(duplex=False)
    yield receiver, sender
    receiver.close()
    sender.close()


def test_messages_arrive_as_sent(pipe: tuple[Connection, Connection]) -> None:
    receiver, sender = pipe
    message = {"event": "run", "warmup": False, "measurement": {"wall_s": 0.25}}
    send(sender, message)
    assert receive(receiver) == message


def test_a_long_error_keeps_its_end(pipe: tuple[Connection, Connection]) -> None:
    receiver, sender = pipe
    send(sender, {"event": "failed", "error": "x" * 100_000 + "ValueError: the cause"})
    message = receive(receiver)
    assert isinstance(message, dict)
    assert message["error"].endswith("ValueError: the cause")
    assert len(message["error"]) <= MAX_ERROR_CHARS + 5


def test_a_closed_pipe_is_a_dead_worker(pipe: tuple[Connection, Connection]) -> None:
    receiver, sender = pipe
    sender.close()
    assert receive(receiver) == Closed()


class _Exploit:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))


def _send_quietly(sender: Connection, payload: bytes) -> None:
    with contextlib.suppress(OSError):  # the reader may stop reading and close first
        sender.send_bytes(payload)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\x00garbage", "not a JSON message"),
        (b"[" * 100_000, "not a JSON message"),
        (b'["event", "run"]', "not a protocol message"),
        (b'{"event": "explode"}', "not a protocol message"),
        (b'{"event": "run", "warmup": false}', "a run message without a measurement"),
        (b'{"event": "failed", "error": 3}', "a failed message without an error text"),
        (b"x" * (2 << 20), "unreadable message"),
    ],
    ids=["binary", "deep", "list", "event", "no-measurement", "error-type", "too-long"],
)
def test_anything_else_is_garbled_not_an_exception(
    pipe: tuple[Connection, Connection], payload: bytes, reason: str
) -> None:
    receiver, sender = pipe
    writer = threading.Thread(target=_send_quietly, args=(sender, payload), daemon=True)
    writer.start()  # a long message fills the pipe before anyone reads it
    message = receive(receiver)
    receiver.close()  # a writer still blocked on a full pipe gets EPIPE and ends
    writer.join(5)
    assert isinstance(message, Garbled)
    assert message.reason.startswith(reason)


def test_a_pickle_on_the_pipe_is_not_unpickled(
    pipe: tuple[Connection, Connection], tmp_path: Path
) -> None:
    receiver, sender = pipe
    marker = tmp_path / "executed"
    sender.send_bytes(pickle.dumps(_Exploit(marker)))
    assert isinstance(receive(receiver), Garbled)
    assert not marker.exists()
