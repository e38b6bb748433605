"""The kept traces in the Chrome Trace Event format, for Perfetto's UI and other viewers.

The format is a JSON object whose ``traceEvents`` list holds one object per event, each
with a phase (``ph``), a name, a process (``pid``), a thread (``tid``) and a time stamp
(``ts``) in microseconds. Here:

- one *process* per report row (a backend with its options, on one workload), named by
  ``M`` (metadata) events ``process_name`` and ordered by ``process_sort_index``;
- one *thread* per lane: main first, then each task (``thread_name``,
  ``thread_sort_index``);
- a *complete* event (``ph: X``, with ``dur``) per step, named by its kind and nominal
  time (``sleep 1.000 s``); a lane whose backend recorded no step ends gets one event
  for the whole lane;
- a *flow* from main at each spawn to the task's start: ``ph: s`` on main, bound to a
  zero-length ``spawn task N`` slice there, and ``ph: f`` with ``bp: e`` on the task,
  bound to the slice that encloses its start (its first step);
- *instant* events (``ph: i``, thread scope ``s: t``) on main for ``begin``, ``main
  done`` and ``finish``.

Each row's time starts at 0 at its own ``begin``, so rows line up for comparison, as the
timelines of one workload do. Times keep the nanoseconds (``ts`` is a float in µs), and
``displayTimeUnit`` asks viewers to show them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..analysis.summary import Group, group_records
from ..analysis.units import fmt_seconds
from ..store.records import RunRecord
from ..store.sanitize import visible
from ..store.tracestore import StoredTrace
from .columns import row_name

__all__ = ["MAIN_TID", "chrome_trace", "trace_events"]

MAIN_TID = 1
"""Main's thread id; task ``i`` is thread ``i + 2`` (some viewers treat 0 as "no thread")."""

Event = dict[str, Any]


def chrome_trace(
    records: Sequence[RunRecord],
    traces: Mapping[str, StoredTrace],
    sources: Sequence[str] = (),
) -> str:
    """The whole file: every row with a kept trace, one process each."""
    events = list(trace_events(group_records(records), traces))
    data = {
        "traceEvents": events,
        "displayTimeUnit": "ns",
        "otherData": {"generator": "concbench", "sources": [visible(s) for s in sources]},
    }
    return json.dumps(data, separators=(",", ":"), allow_nan=False) + "\n"


def trace_events(groups: Sequence[Group], traces: Mapping[str, StoredTrace]) -> Iterator[Event]:
    pid = 0
    for group in groups:
        for row in group.rows:
            stored = _kept(row.records, traces)
            if stored is None:
                continue
            pid += 1
            yield from _process(pid, f"{row_name(row)} · {group.title}", stored)


def _kept(records: Sequence[RunRecord], traces: Mapping[str, StoredTrace]) -> StoredTrace | None:
    """The row's first run whose full trace was kept: the one its timeline draws."""
    for record in records:
        if record.trace_stored and record.id in traces:
            return traces[record.id]
    return None


def _process(pid: int, name: str, stored: StoredTrace) -> Iterator[Event]:
    trace = stored.trace
    tasks = len(trace.start_ns)
    yield _meta(pid, MAIN_TID, "process_name", {"name": visible(name)})
    yield _meta(pid, MAIN_TID, "process_sort_index", {"sort_index": pid})
    for lane in range(tasks + 1):
        tid = _tid(lane, tasks)
        label = "main" if lane == tasks else f"task {lane}"
        yield _meta(pid, tid, "thread_name", {"name": label})
        yield _meta(pid, tid, "thread_sort_index", {"sort_index": tid})

    def us(ns: int) -> float:
        return round((ns - trace.begin_ns) / 1e3, 3)

    for lane in range(tasks + 1):
        yield from _steps(pid, _tid(lane, tasks), lane, stored, us)
    for index in range(tasks):
        spawn, start = us(trace.spawn_ns[index]), us(trace.start_ns[index])
        slice_ = {"name": f"spawn task {index}", "cat": "spawn", "ph": "X", "dur": 0}
        yield {**slice_, "ts": spawn, "pid": pid, "tid": MAIN_TID}
        flow = {"name": "spawn", "cat": "spawn", "id": pid * 1_000_000_000 + index, "pid": pid}
        yield {**flow, "ph": "s", "ts": spawn, "tid": MAIN_TID}
        yield {**flow, "ph": "f", "bp": "e", "ts": start, "tid": index + 2}
    for moment, ns in (
        ("begin", trace.begin_ns),
        ("main done", trace.main_done_ns),
        ("finish", trace.finish_ns),
    ):
        instant = {"name": moment, "cat": "run", "ph": "i", "s": "t", "ts": us(ns)}
        yield {**instant, "pid": pid, "tid": MAIN_TID}


def _tid(lane: int, tasks: int) -> int:
    return MAIN_TID if lane == tasks else lane + 2


def _steps(
    pid: int, tid: int, lane: int, stored: StoredTrace, us: Callable[[int], float]
) -> Iterator[Event]:
    trace = stored.trace
    first, last = trace.lane_bounds(lane)
    if not trace.has_steps:
        who = "main" if tid == MAIN_TID else f"task {lane}"
        span = {"ts": us(first), "dur": round((last - first) / 1e3, 3), "pid": pid, "tid": tid}
        yield {"name": f"{who} (no step ends recorded)", "cat": "lane", "ph": "X", **span}
        return
    edge = first
    for slot in range(trace.step_offsets[lane], trace.step_offsets[lane + 1]):
        end = trace.step_end_ns[slot]
        kind = stored.step_kinds[slot].value
        nominal = stored.step_nominal_s[slot]
        yield {
            "name": f"{kind} {fmt_seconds(nominal)}",
            "cat": kind,
            "ph": "X",
            "ts": us(edge),
            "dur": round((end - edge) / 1e3, 3),
            "pid": pid,
            "tid": tid,
            "args": {"nominal_s": nominal, "measured_s": (end - edge) / 1e9},
        }
        edge = end


def _meta(pid: int, tid: int, name: str, args: dict[str, Any]) -> Event:
    return {"name": name, "ph": "M", "pid": pid, "tid": tid, "args": args}
