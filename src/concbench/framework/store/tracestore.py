"""Full traces of selected runs, kept beside the result store for timelines.

A run record keeps only summary figures; the timestamps themselves are large (five
integers per task) and are needed only to draw a run. They travel from the worker as raw
``array('q')`` bytes and are stored base64-encoded, one JSON object per trace, in
``<store>.traces.jsonl``, keyed by the run record's ``id``.
"""

from __future__ import annotations

import base64
import json
import os
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.trace import Trace
from ..model.workload import StepKind, Workload
from .resultstore import append_line, side_file

__all__ = ["MAX_STORED_TASKS", "StoredTrace", "TraceStore", "read_traces", "trace_path"]

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

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "record_id": self.record_id,
            "begin_ns": self.trace.begin_ns,
            "main_done_ns": self.trace.main_done_ns,
            "finish_ns": self.trace.finish_ns,
            "step_kinds": bytes(_KIND_CODES[kind] for kind in self.step_kinds).hex(),
            "step_nominal_s": _encode(array("d", self.step_nominal_s)),
        }
        for name in _ARRAYS:
            data[name] = _encode(getattr(self.trace, name))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredTrace:
        kinds = list(StepKind)
        trace = Trace(
            begin_ns=data["begin_ns"],
            main_done_ns=data["main_done_ns"],
            finish_ns=data["finish_ns"],
            spawn_ns=_decode(data["spawn_ns"], "q"),
            start_ns=_decode(data["start_ns"], "q"),
            end_ns=_decode(data["end_ns"], "q"),
            step_end_ns=_decode(data["step_end_ns"], "q"),
            step_offsets=_decode(data["step_offsets"], "q"),
        )
        return cls(
            record_id=data["record_id"],
            trace=trace,
            step_kinds=tuple(kinds[code] for code in bytes.fromhex(data["step_kinds"])),
            step_nominal_s=tuple(_decode(data["step_nominal_s"], "d")),
        )

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
        )


def _encode(values: array[Any]) -> str:
    return base64.b64encode(values.tobytes()).decode("ascii")


def _decode(text: str, typecode: str) -> array[Any]:
    values = array(typecode)
    values.frombytes(base64.b64decode(text))
    return values


def trace_path(store_path: str | os.PathLike[str]) -> Path:
    return side_file(store_path, "traces")


class TraceStore:
    """Append-only writer of stored traces, one whole line per write (as the result store)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def append(self, stored: StoredTrace) -> None:
        append_line(self.path, json.dumps(stored.to_dict()))


def read_traces(path: str | os.PathLike[str]) -> dict[str, StoredTrace]:
    """Traces by record id; a missing file means no traces were kept."""
    result: dict[str, StoredTrace] = {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return result
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            stored = StoredTrace.from_dict(json.loads(line))
        except (ValueError, KeyError):
            continue  # a trace is an illustration; a damaged one is dropped, never fatal
        result[stored.record_id] = stored
    return result
