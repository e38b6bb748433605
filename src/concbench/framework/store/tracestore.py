"""Full traces of selected runs, kept beside the result store for timelines.

A run record keeps only summary figures; the timestamps themselves are large (five
integers per task) and are needed only to draw a run. They travel from the worker as raw
``array('q')`` bytes and are stored base64-encoded, one JSON object per trace, in
``<store>.traces.jsonl``, keyed by the run record's ``id``.

A trace read back is data from elsewhere, like a record: :meth:`StoredTrace.from_dict`
checks every type, every array's length against the others and the order of the
timestamps, so a damaged line is dropped (with one warning per file) instead of
crashing the timeline that draws it. A trace is an illustration; losing one is never
fatal.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
import os
import warnings
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.errors import ConcbenchError
from ..model.trace import Trace
from ..model.workload import StepKind, Workload
from .resultstore import append_line, side_file
from .targets import read_regular

__all__ = [
    "MAX_STORED_TASKS",
    "StoredTrace",
    "TraceError",
    "TraceStore",
    "read_traces",
    "trace_path",
]

MAX_STORED_TASKS = 100_000
"""Larger runs keep no full trace: a timeline of more lanes is drawn as a density anyway."""

_KIND_CODES = {kind: index for index, kind in enumerate(StepKind)}
_ARRAYS = ("spawn_ns", "start_ns", "end_ns", "step_end_ns", "step_offsets")


@dataclass(frozen=True)
class StoredTrace:
    """A run's trace with the kind of every step, enough to draw it without the scenario."""

    record_id: str
    trace: Trace
    step_kinds: tuple[StepKind, ...]
    step_nominal_s: tuple[float, ...]
    parents: array[int] | None = None
    """Each task's parent in a task tree (-1: spawned by main); None for a flat run, and
    in traces written before trees existed."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "record_id": self.record_id,
            "begin_ns": self.trace.begin_ns,
            "main_start_ns": self.trace.main_start_ns,
            "main_done_ns": self.trace.main_done_ns,
            "finish_ns": self.trace.finish_ns,
            "step_kinds": bytes(_KIND_CODES[kind] for kind in self.step_kinds).hex(),
            "step_nominal_s": _encode(array("d", self.step_nominal_s)),
        }
        for name in _ARRAYS:
            data[name] = _encode(getattr(self.trace, name))
        if self.parents is not None:
            data["parents"] = _encode(self.parents)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> StoredTrace:
        """Rebuild a stored trace; :class:`TraceError` says what is wrong with a damaged one."""
        if not isinstance(data, dict):
            raise TraceError(f"expected a JSON object, got {type(data).__name__}")
        arrays = {name: _decode(_text(data, name), "q", name) for name in _ARRAYS}
        trace = Trace(
            begin_ns=_integer(data, "begin_ns"),
            main_start_ns=_integer(data, "main_start_ns") if "main_start_ns" in data else 0,
            main_done_ns=_integer(data, "main_done_ns"),
            finish_ns=_integer(data, "finish_ns"),
            spawn_ns=arrays["spawn_ns"],
            start_ns=arrays["start_ns"],
            end_ns=arrays["end_ns"],
            step_end_ns=arrays["step_end_ns"],
            step_offsets=arrays["step_offsets"],
        )
        codes = _text(data, "step_kinds")
        try:
            kind_codes = bytes.fromhex(codes)
        except ValueError:
            raise TraceError("'step_kinds' is not hexadecimal") from None
        kinds = list(StepKind)
        if any(code >= len(kinds) for code in kind_codes):
            raise TraceError(f"'step_kinds' holds a code beyond the {len(kinds)} step kinds")
        record_id = data.get("record_id")
        if not isinstance(record_id, str):
            raise TraceError("'record_id' must be a text")
        stored = cls(
            record_id=record_id,
            trace=trace,
            step_kinds=tuple(kinds[code] for code in kind_codes),
            step_nominal_s=tuple(_decode(_text(data, "step_nominal_s"), "d", "step_nominal_s")),
            parents=_decode(_text(data, "parents"), "q", "parents") if "parents" in data else None,
        )
        _check_lengths(stored)
        _check_order(stored.trace)
        return stored

    @classmethod
    def capture(cls, record_id: str, trace: Trace, workload: Workload) -> StoredTrace:
        steps = [
            step for lane in range(len(workload.tasks) + 1) for step in workload.lane_steps(lane)
        ]
        return cls(
            record_id=record_id,
            trace=trace,
            step_kinds=tuple(step.kind for step in steps),
            step_nominal_s=tuple(step.seconds for step in steps),
            parents=array("q", workload.parents) if workload.has_children else None,
        )


class TraceError(ConcbenchError, ValueError):
    """A stored trace that cannot describe a run: damaged, or written by something else."""


def _integer(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TraceError(f"{name!r} must be an integer, got {type(value).__name__}")
    return value


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise TraceError(f"{name!r} must be a text, got {type(value).__name__}")
    return value


def _encode(values: array[Any]) -> str:
    return base64.b64encode(values.tobytes()).decode("ascii")


def _decode(text: str, typecode: str, name: str = "array") -> array[Any]:
    values = array(typecode)
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise TraceError(f"{name!r} is not base64") from None
    if len(raw) % values.itemsize:
        raise TraceError(f"{name!r} ends inside a number")
    values.frombytes(raw)
    return values


def _check_lengths(stored: StoredTrace) -> None:
    """The arrays fit together: one entry per task, per lane boundary, per step."""
    trace = stored.trace
    tasks = len(trace.start_ns)
    if not len(trace.spawn_ns) == tasks == len(trace.end_ns):
        raise TraceError("'spawn_ns', 'start_ns' and 'end_ns' differ in length")
    offsets = trace.step_offsets
    steps = len(trace.step_end_ns)
    if len(offsets) != tasks + 2 or offsets[0] != 0 or offsets[-1] != steps:
        raise TraceError("'step_offsets' do not match the tasks and steps")
    if any(low > high for low, high in itertools.pairwise(offsets)):
        raise TraceError("'step_offsets' go backwards")
    if not len(stored.step_kinds) == steps == len(stored.step_nominal_s):
        raise TraceError("'step_kinds' and 'step_nominal_s' do not have one entry per step")
    if not all(math.isfinite(s) and s >= 0 for s in stored.step_nominal_s):
        raise TraceError("'step_nominal_s' holds a negative or non-finite duration")
    parents = stored.parents
    if parents is not None and (
        len(parents) != tasks
        or any(not -1 <= parent < index for index, parent in enumerate(parents))
    ):
        raise TraceError("'parents' must name, per task, -1 or an earlier task")


def _check_order(trace: Trace) -> None:
    """The timestamps are in the order a checked run has (as ``Trace.check`` requires)."""
    tasks = len(trace.start_ns)
    offsets = trace.step_offsets
    if not trace.begin_ns <= trace.main_done_ns <= trace.finish_ns:
        raise TraceError("begin, main done and finish are out of order")
    if trace.main_start_ns and not trace.begin_ns <= trace.main_start_ns <= trace.main_done_ns:
        raise TraceError("main start is outside begin and main done")
    for index in range(tasks):
        if not trace.begin_ns <= trace.spawn_ns[index] <= trace.start_ns[index]:
            raise TraceError(f"task {index} starts before it is spawned or the run begins")
        if not trace.start_ns[index] <= trace.end_ns[index] <= trace.finish_ns:
            raise TraceError(f"task {index} ends before it starts or after the finish")
    if trace.has_steps:
        for lane in range(tasks + 1):
            lower, upper = trace.lane_bounds(lane)
            for slot in range(offsets[lane], offsets[lane + 1]):
                if not lower <= trace.step_end_ns[slot] <= upper:
                    raise TraceError(f"a step of lane {lane} ends out of order")
                lower = trace.step_end_ns[slot]


def trace_path(store_path: str | os.PathLike[str]) -> Path:
    return side_file(store_path, "traces")


class TraceStore:
    """Append-only writer of stored traces, one whole line per write (as the result store)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def append(self, stored: StoredTrace) -> None:
        append_line(self.path, json.dumps(stored.to_dict()))


def read_traces(path: str | os.PathLike[str]) -> dict[str, StoredTrace]:
    """Traces by record id; a missing file means no traces were kept.

    A trace is an illustration: a damaged line, or a file that cannot be read, is
    dropped with a warning naming the file and the first bad line, never fatal.
    """
    result: dict[str, StoredTrace] = {}
    try:
        data = read_regular(path)
    except FileNotFoundError:
        return result
    except OSError as exc:
        warnings.warn(f"{path}: cannot read the stored traces ({exc.strerror})", stacklevel=2)
        return result
    damaged: list[tuple[int, str]] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            stored = StoredTrace.from_dict(json.loads(raw.decode("utf-8")))
        except UnicodeDecodeError:
            damaged.append((number, "not UTF-8"))
        except (ValueError, RecursionError) as exc:  # TraceError, bad JSON, absurd nesting
            damaged.append((number, str(exc)[:80]))
        else:
            result[stored.record_id] = stored
    if damaged:
        first, reason = damaged[0]
        warnings.warn(
            f"{path}: skipped {len(damaged)} damaged trace line(s); the first, line {first}: "
            f"{reason}",
            stacklevel=2,
        )
    return result
