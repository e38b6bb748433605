"""What one step of a task is: its kind, its nominal duration, and the constructors a
scenario writes (``sleep(0.1)``, ``put("jobs")``).

A step is checked as it is built, so a negative duration or a ``put`` without a channel is
refused where the scenario wrote it, not when a run reaches it. Kept apart from the
workload because a step knows nothing of the tasks around it; model/workload.py
re-exports these names, where scenarios, plugins and the other wings import them.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import UserError

if TYPE_CHECKING:
    from .calltypes import Call

__all__ = [
    "CHANNEL_KINDS",
    "Channel",
    "ModelError",
    "Step",
    "StepKind",
    "block",
    "checkpoint",
    "cpu",
    "get",
    "io",
    "put",
    "sleep",
]


class ModelError(UserError, ValueError):
    """A workload that cannot exist: a negative duration, a cycle, a dependency on nothing."""


class StepKind(str, enum.Enum):
    """What a step does to the scheduler; each backend maps every kind to its own primitive."""

    SLEEP = "sleep"
    """A cooperative wait: the backend's own sleep (``trio.sleep``, ``time.sleep`` in a thread)."""
    BLOCK = "block"
    """A wait that does not yield (``time.sleep`` inside a coroutine): the classic pitfall."""
    CPU = "cpu"
    """Pure-Python computation calibrated to take ``seconds`` alone on this machine."""
    CHECKPOINT = "checkpoint"
    """``count`` bare yields to the scheduler; nominally free."""
    IO = "io"
    """One request to the loopback latency server, which answers after ``seconds``, made
    through the backend's own socket API (a new connection per request)."""
    PUT = "put"
    """Hand one item to ``channel`` (the backend's own queue or channel); waits while it is
    full. Nominally free: only the waiting it causes is on the critical path."""
    GET = "get"
    """Take one item from ``channel``; waits while it is empty. Nominally free."""
    CALL = "call"
    """The scenario's own function (``target``, model/calls.py); its nominal duration is
    its solo time, measured alone on the backend before the counted runs."""
    OFFLOAD = "offload"
    """A blocking call of ``seconds`` handed to a thread by the backend's own primitive
    (``asyncio.to_thread``, ``trio.to_thread.run_sync``); on threads, the call itself."""


CHANNEL_KINDS = frozenset({StepKind.PUT, StepKind.GET})
"""The kinds that use a channel, and must name one."""


@dataclass(frozen=True, slots=True)
class Step:
    """One unit of work with a nominal duration."""

    kind: StepKind
    seconds: float = 0.0
    count: int = 1
    channel: str = ""
    """The channel a ``put`` or ``get`` step uses (declared in :attr:`Workload.channels`)."""
    target: Call | None = None
    """The function a ``call`` step runs (model/calls.py); ``None`` for every other kind."""

    def __post_init__(self) -> None:
        if not math.isfinite(self.seconds) or self.seconds < 0:
            raise ModelError(
                f"{self.kind.value} step: `seconds` must be finite and >= 0, got {self.seconds!r}"
            )
        if self.count < 1:
            raise ModelError(f"{self.kind.value} step: `count` must be >= 1, got {self.count!r}")
        if (self.kind in CHANNEL_KINDS) != bool(self.channel):
            raise ModelError(
                f"{self.kind.value} step: `channel` is required for put and get steps and "
                f"allowed for no others, got {self.channel!r}"
            )
        if (self.kind is StepKind.CALL) != (self.target is not None):
            raise ModelError(
                f"{self.kind.value} step: `target` is required for call steps and allowed "
                "for no others (build a call step with concbench.framework.call)"
            )


def sleep(seconds: float) -> Step:
    """A cooperative wait of ``seconds``."""
    return Step(StepKind.SLEEP, float(seconds))


def block(seconds: float) -> Step:
    """A non-yielding wait of ``seconds``: blocks a coroutine scheduler, not other threads."""
    return Step(StepKind.BLOCK, float(seconds))


def cpu(seconds: float) -> Step:
    """Pure-Python work that takes ``seconds`` alone on this machine (calibrated per sweep)."""
    return Step(StepKind.CPU, float(seconds))


def checkpoint(count: int = 1) -> Step:
    """``count`` bare yields to the scheduler."""
    return Step(StepKind.CHECKPOINT, 0.0, int(count))


def io(seconds: float) -> Step:
    """One request to a loopback server that answers after ``seconds``."""
    return Step(StepKind.IO, float(seconds))


def put(channel: str) -> Step:
    """Hand one item to ``channel``, waiting while it is full."""
    return Step(StepKind.PUT, channel=channel)


def get(channel: str) -> Step:
    """Take one item from ``channel``, waiting while it is empty."""
    return Step(StepKind.GET, channel=channel)


@dataclass(frozen=True, slots=True)
class Channel:
    """A FIFO hand-off between tasks: asyncio.Queue, a trio memory channel, queue.Queue.

    ``capacity`` is how many items it holds before a ``put`` waits; ``None`` is unbounded.
    There is no rendezvous channel (capacity 0): asyncio and the standard library have none,
    so it could not be measured on every backend with the backend's own kind.
    """

    name: str
    capacity: int | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ModelError("a channel needs a name")
        if self.capacity is not None and self.capacity < 1:
            raise ModelError(
                f"channel {self.name!r}: `capacity` must be None (unbounded) or >= 1, "
                f"got {self.capacity!r}"
            )
