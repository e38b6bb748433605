"""The parts a run's overhead is split into, each defined once, and the split itself.

A part is named here with everything the rest of concbench says about it: its key in a
stored record, its heading in every report, and the sentence a diagnosis gives when it
is the dominant cause. ``analysis/decompose.py`` computes the parts; the record, the
store format, the report tables, the CSV columns and the diagnosis all iterate over
:class:`Part`. A new part is therefore one member here, plus its share of the
computation there; the order of the members is the order reports show them.

It lives in the model wing, below the store, so that a stored record can hold a
:class:`Decomposition` without knowing how one is computed.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["SITUATIONAL", "Decomposition", "Part"]


class Part(str, enum.Enum):
    """One part of the overhead along the critical lane (analysis/decompose.py defines each).

    ``cause`` is the diagnosis sentence for a row whose overhead this part dominates, with
    placeholders that analysis/diagnosis.py fills from the row's ok runs: ``{part}`` is
    this part's median, ``{per_task}`` the same per task, a run-record field name its
    median (as a duration when the name ends in ``_s``, else a whole number), and a few
    figures that need a decision (``{blocked_where}``, ``{cpu_verdict}``) are worded
    there.
    """

    label: str
    """The heading every report gives the part."""
    cause: str
    """The diagnosis sentence, a ``str.format`` template (see the class docstring)."""

    def __new__(cls, key: str, label: str, cause: str) -> Part:
        member = str.__new__(cls, key)
        member._value_ = key
        member.label = label
        member.cause = cause
        return member

    SPAWN = "spawn", "spawn", "spawning took {part} ({per_task} per task)"
    POOL = "pool", "pool", "the last task queued {part} for a free worker of the pool"
    START = (
        "start",
        "start",
        "the last task waited {part} for a busy scheduler "
        "(median start latency {start_latency_median_s})",
    )
    BLOCKED = (
        "blocked",
        "blocked",
        "loop blocked by {blocked_steps} non-yielding steps ({blocked_where}): "
        "{part} of the overhead",
    )
    SLEEP_LATE = (
        "sleep_late",
        "sleep late",
        "each sleep woke {sleep_late_mean_s} late on average "
        "(p99 {sleep_late_p99_s}: timer rounding and slack)",
    )
    IO_LATE = (
        "io_late",
        "io late",
        "each request took {io_late_mean_s} longer than the server's latency on average "
        "(p99 {io_late_p99_s}: connecting, syscalls, waking up to the answer)",
    )
    HANDOFF = (
        "handoff",
        "hand-off",
        "each offloaded call took {handoff_mean_s} longer than the blocking call itself on "
        "average (p99 {handoff_p99_s}: handing it to a thread and back)",
    )
    CPU = "cpu", "cpu", "CPU work {cpu_verdict}"
    CALL = (
        "call",
        "call",
        "calls ran {part} longer than each ran alone (its solo time): contention for the "
        "CPU, the GIL or what the calls share",
    )
    STEPS = "steps", "steps", "steps overran their nominal time by {part}"
    JOIN = "join", "join", "gathering took {part} after the last task ended"
    REST = "rest", "unexplained", "{part} not explained by the trace"


SITUATIONAL = frozenset({Part.HANDOFF, Part.CALL})
"""Parts only some step kinds produce (``offload``, ``call``), 0 in every other run: the
terminal's narrow table leaves their column out where no row has any."""


class Decomposition(Mapping[Part, float]):
    """Seconds of one run's overhead per part: immutable, in :class:`Part` order.

    A computed decomposition has every part, and the parts add up to the overhead. One
    read from a store may lack parts: a run that was not ``ok`` has none, and a record
    written before a part existed lacks that part (reports show it as missing, not 0).
    """

    __slots__ = ("_seconds",)

    _seconds: Mapping[Part, float]

    def __init__(self, seconds: Mapping[Part, float] | Iterable[tuple[Part, float]] = ()) -> None:
        given = dict(seconds)
        stray = [key for key in given if not isinstance(key, Part)]
        if stray:
            raise TypeError(f"a Decomposition is keyed by Part, got {stray[0]!r}")
        ordered = {part: float(given[part]) for part in Part if part in given}
        object.__setattr__(self, "_seconds", MappingProxyType(ordered))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Decomposition is immutable")

    def __getitem__(self, part: Part) -> float:
        return self._seconds[part]

    def __iter__(self) -> Iterator[Part]:
        return iter(self._seconds)

    def __len__(self) -> int:
        return len(self._seconds)

    def __hash__(self) -> int:
        return hash(tuple(self._seconds.items()))

    def __repr__(self) -> str:
        inside = ", ".join(f"{part.value}={seconds!r}" for part, seconds in self.items())
        return f"Decomposition({inside})"

    def __deepcopy__(self, memo: dict[int, Any]) -> Decomposition:
        return self  # immutable: dataclasses.asdict may share it

    def __reduce__(self) -> tuple[type[Decomposition], tuple[dict[Part, float]]]:
        return (Decomposition, (dict(self._seconds),))  # pickle and copy, despite __setattr__

    @property
    def total(self) -> float:
        """The parts' sum: a computed decomposition's overhead."""
        return math.fsum(self.values())

    def to_json(self) -> dict[str, float]:
        """The stored form: ``{"spawn": 0.0012, ...}``, keyed by :attr:`Part.value`."""
        return {part.value: seconds for part, seconds in self.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Decomposition:
        """The stored form read back; names this version does not know are left out (a
        newer concbench may have added a part), as a record's unknown fields are.

        Raises ``ValueError`` for what :func:`json_problem` refuses.
        """
        problem = json_problem(data)
        if problem:
            raise ValueError(problem)
        known = {part.value: part for part in Part}
        return cls((known[name], seconds) for name, seconds in data.items() if name in known)


def json_problem(data: object) -> str | None:
    """Why ``data`` cannot be a stored decomposition, or ``None``.

    A stored decomposition is a JSON object of finite numbers of seconds; anything else
    (text, ``NaN`` smuggled in as a float, a nested object) would otherwise surface as a
    crash or a nonsense cell in a report, far from the file that caused it.
    """
    if not isinstance(data, Mapping):
        return f"must be an object of seconds per part, got {str(data)[:40]!r}"
    for name, seconds in data.items():
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            return f"part {str(name)[:40]!r} must be a number of seconds, got {str(seconds)[:40]!r}"
        if not math.isfinite(seconds):
            return f"part {str(name)[:40]!r} must be finite, got {seconds!r}"
    return None
