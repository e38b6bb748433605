"""What one run's overhead is made of, read off its trace.

The overhead (measured - ideal) is attributed along the **critical lane**: the task (or
the main routine) that ended last, since the run could not finish before it. Its time from
``begin`` to the gather's return splits exactly into

    spawn      begin -> the lane was handed to the scheduler
    wait       spawn -> start, beyond the nominal start the ideal schedule gives it
               (waiting for dependencies or a slot is nominal, not overhead), of which
      pool     the part the same schedule would wait if only as many tasks ran at once
               as the backend's pool has workers (``Backend.concurrency``): the cost of
               the configured pool size, not of the scheduler,
      blocked  the part during which another lane ran a step that stops the scheduler
               on this backend (``Backend.blocks_scheduler``: time.sleep or CPU work
               inside a coroutine), and
      start    the rest: a busy scheduler getting round to the task;
    steps      each step's measured duration minus its nominal one: for a sleep, the
               time past its nominal end, again split into ``blocked`` and
               ``sleep_late`` (timer rounding, slack, a busy loop); for an io request
               likewise into ``blocked`` and ``io_late`` (connecting, the syscalls,
               the wake-up when the answer arrives); for an offloaded call
               likewise into ``blocked`` and ``handoff`` (handing it to a thread and
               waking up when it returns);
               for CPU work, ``cpu`` (the GIL, or more work than cores); for a call
               of the scenario's own code, ``call`` (beyond its solo time); anything else
               (a checkpoint's yields, a channel hand-off's wait beyond the wait the
               ideal schedule has in it, ``Workload.handoff_waits``) ``steps``; a step
               that itself holds the scheduler (``block`` or ``cpu`` in a coroutine)
               has the part of its excess spent while another lane held it charged
               to ``blocked`` first;
    join       the lane's end -> the gather's return;

In a task tree the critical lane is a root, and the attribution walks down from it: at
every level to the child that ended last, whose wait for its parent to spawn it is
``spawn``, whose spawn-to-start is ``start`` (or ``blocked``), whose steps are steps as
above, and whose parent's end past its own (the task group's join returning) is
``join``; ``critical_lane`` then names the leaf the walk ends in.

And ``rest`` is whatever the overhead holds beyond these (it is negative when the
critical lane is shorter than the ideal's critical path, e.g. when a timer fired early).
Parts and rest add up to the overhead by construction.

The parts themselves (their names, report headings and diagnosis sentences) are
:class:`~concbench.framework.model.parts.Part`; this module only computes them, into a
:class:`~concbench.framework.model.parts.Decomposition`.

Beside the attribution, whole-run figures describe every lane: start latencies, sleep
lateness over every sleep step, and the total time non-yielding steps held the scheduler.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from ..model.parts import Decomposition, Part
from ..model.trace import Trace
from ..model.workload import StepKind, Workload

__all__ = ["decompose", "record_fields"]

_WAITS = frozenset({StepKind.SLEEP})
"""Steps that end on a timer: their lateness is the scheduler's, not the work's."""

_DUE = dict.fromkeys(_WAITS, Part.SLEEP_LATE) | {
    StepKind.IO: Part.IO_LATE,
    StepKind.OFFLOAD: Part.HANDOFF,
}
"""Steps due at their nominal end whatever else runs (a timer, a server, a thread): past
it, first the time another lane held the scheduler, then the part each names."""
_EXCESS = {StepKind.CPU: Part.CPU, StepKind.CALL: Part.CALL}
"""Steps whose excess over their nominal time is a part of its own (else ``steps``)."""

_HANDOFFS = frozenset({StepKind.PUT, StepKind.GET})
"""Steps whose nominal duration is the wait the ideal schedule has in them
(:attr:`Workload.handoff_waits`), not ``seconds``."""


def decompose(
    trace: Trace,
    workload: Workload,
    blocks_scheduler: frozenset[StepKind],
    concurrency: int | None = None,
) -> Decomposition:
    """The run's overhead split into every :class:`Part`, adding up to it.

    ``blocks_scheduler`` and ``concurrency`` are the backend's (``Backend.blocks_scheduler``,
    ``Backend.concurrency(options)``).
    """
    blocking = _blocking_steps(trace, workload, blocks_scheduler)
    return _attribute(trace, workload, blocking, blocks_scheduler, concurrency)


def record_fields(
    trace: Trace,
    workload: Workload,
    blocks_scheduler: frozenset[StepKind],
    concurrency: int | None = None,
) -> dict[str, Any]:
    """What a run record keeps of this analysis, in its stored form: the ``parts``, the
    ``critical_lane`` they follow, and the whole-run figures."""
    blocking = _blocking_steps(trace, workload, blocks_scheduler)
    parts = _attribute(trace, workload, blocking, blocks_scheduler, concurrency)
    lane = _critical_lane(trace)
    if lane < len(workload.tasks) and workload.has_children:
        lane = _critical_path(trace, workload, lane)[-1]  # the leaf the path ends in
    return {
        "parts": parts.to_json(),
        "critical_lane": "main" if lane == len(workload.tasks) else str(lane),
        **_whole_run(trace, workload, blocking),
    }


def _attribute(
    trace: Trace,
    workload: Workload,
    blocking: Sequence[tuple[int, int, int]],
    blocks_scheduler: frozenset[StepKind],
    concurrency: int | None,
) -> Decomposition:
    overhead = trace.wall_s - workload.ideal_s
    lane = _critical_lane(trace)
    others = _Intervals((start, end) for owner, start, end in blocking if owner != lane)
    delays: list[tuple[Part, float]] = []  # the lane's, in the order they happened
    lane_start, lane_end = trace.lane_bounds(lane)
    if lane < len(workload.tasks) and workload.has_children:
        parts = dict.fromkeys(Part, 0.0)
        _attribute_tree(parts, trace, workload, lane, blocking, holding=blocks_scheduler)
        parts[Part.REST] = overhead - sum(parts.values())
        return Decomposition(parts)
    if lane < len(workload.tasks):
        pooled = workload.starts_within(concurrency) if concurrency else None
        _attribute_wait(delays, trace, workload, lane, others, pooled)
    else:
        _attribute_spawning(delays, trace, others)
    if trace.has_steps:
        _attribute_steps(delays, trace, workload, lane, others, holding=blocks_scheduler)
    else:  # a backend that records no steps: the lane's excess stays in one piece
        nominal = sum(step.seconds for step in workload.lane_steps(lane))
        delays.append((Part.STEPS, (lane_end - lane_start) / 1e9 - nominal))
    parts = dict.fromkeys(Part, 0.0)
    for part, seconds in _after_slack(delays, workload.ideal_s - _nominal_end(workload, lane)):
        parts[part] += seconds
    parts[Part.JOIN] = (trace.finish_ns - max(lane_end, trace.main_done_ns)) / 1e9
    parts[Part.REST] = overhead - sum(parts.values())
    return Decomposition(parts)


def _critical_path(trace: Trace, workload: Workload, root: int) -> list[int]:
    """From ``root`` down its task tree, the child that ended last at every level."""
    path = [root]
    children = workload.tasks[root].children
    while children:
        path.append(max(children, key=trace.end_ns.__getitem__))
        children = workload.tasks[path[-1]].children
    return path


def _attribute_tree(
    parts: dict[Part, float],
    trace: Trace,
    workload: Workload,
    root: int,
    blocking: Sequence[tuple[int, int, int]],
    *,
    holding: frozenset[StepKind],
) -> None:
    """The critical path down a task tree: at each level, the wait from the parent's last
    step (when it began spawning) to the child's spawn is ``spawn``, spawn to start is
    ``start`` (or ``blocked``), the child's steps as on a flat lane, and the wait from the
    child's end to the parent's (the structured join returning) is ``join``. The root is
    a flat lane's first part; its end to the run's finish is the last join."""
    path = _critical_path(trace, workload, root)
    delays: list[tuple[Part, float]] = []  # the flat-lane parts of each level
    for depth, lane in enumerate(path):
        others = _Intervals((start, end) for owner, start, end in blocking if owner != lane)
        if depth == 0:
            _attribute_wait(delays, trace, workload, lane, others, None)
        else:
            parent = path[depth - 1]
            first, last = workload.step_offsets[parent], workload.step_offsets[parent + 1]
            ready = trace.step_end_ns[last - 1] if last > first else trace.start_ns[parent]
            ready = ready or trace.start_ns[parent]  # a backend that records no steps
            spawn, start = trace.spawn_ns[lane], trace.start_ns[lane]
            parts[Part.SPAWN] += max(0, spawn - ready) / 1e9
            late_from = max(spawn, ready)
            if start > late_from:
                blocked = others.overlap(late_from, start)
                parts[Part.BLOCKED] += blocked / 1e9
                parts[Part.START] += (start - late_from - blocked) / 1e9
            parts[Part.JOIN] += (trace.end_ns[parent] - trace.end_ns[lane]) / 1e9
        if trace.has_steps:
            _attribute_steps(delays, trace, workload, lane, others, holding=holding)
        else:
            lane_start = trace.start_ns[lane]
            steps_end = trace.end_ns[lane] if lane == path[-1] else lane_start
            nominal = sum(step.seconds for step in workload.lane_steps(lane))
            parts[Part.STEPS] += (steps_end - lane_start) / 1e9 - nominal
    for part, seconds in delays:
        parts[part] += seconds
    parts[Part.JOIN] += (trace.finish_ns - max(trace.end_ns[root], trace.main_done_ns)) / 1e9


def _critical_lane(trace: Trace) -> int:
    """The lane that ended last; a task wins a tie with main, since main only waits."""
    tasks = len(trace.end_ns)
    if not tasks:
        return 0
    last_task = max(range(tasks), key=trace.end_ns.__getitem__)
    return last_task if trace.end_ns[last_task] >= trace.main_done_ns else tasks


def _nominal_end(workload: Workload, lane: int) -> float:
    """When the lane ends in the ideal schedule: its nominal start, its steps, and the waits
    the ideal has in its hand-offs."""
    start = workload.nominal_starts[lane] if lane < len(workload.tasks) else 0.0
    waits, slot = workload.handoff_waits, workload.step_offsets[lane]
    total = start
    for number, step in enumerate(workload.lane_steps(lane)):
        total += waits.get(slot + number, 0.0) if step.kind in _HANDOFFS else step.seconds
    return total


def _after_slack(delays: list[tuple[Part, float]], slack: float) -> list[tuple[Part, float]]:
    """The delays with the lane's slack taken off the first of them.

    A lane that ends before the ideal's critical path does in the ideal schedule (main,
    or a short task) may be that much late without making the run late: those first
    seconds of delay are not overhead. Such a lane ends the run when the others finished
    early, or when an eager scheduler ran every task inside the spawns before main's own
    steps (asyncio's eager task factory): main then ends last, having waited out work the
    ideal runs beside it. Without this, the part holding that wait (``blocked``) came out
    larger than the overhead and "unexplained" negative by main's slack.
    """
    if slack <= 0:
        return delays
    kept = []
    for part, seconds in delays:
        taken = min(max(seconds, 0.0), slack)
        slack -= taken
        kept.append((part, seconds - taken))
    return kept


def _attribute_spawning(delays: list[tuple[Part, float]], trace: Trace, others: _Intervals) -> None:
    """Main's wait before its own steps: the spawning loop, ``begin`` to ``main_start``.

    On an eager scheduler each spawn runs its task up to the first wait, so the part of the
    loop during which a task held the scheduler (a ``block`` or ``cpu`` step) is
    ``blocked``; the rest, handing tasks over (and running them to their first wait), is
    ``spawn``. A backend that does not stamp ``main_start`` gives 0 here.
    """
    main_start = trace.main_start_ns or trace.begin_ns
    blocked = others.overlap(trace.begin_ns, main_start)
    delays.append((Part.BLOCKED, blocked / 1e9))
    delays.append((Part.SPAWN, (main_start - trace.begin_ns - blocked) / 1e9))


def _attribute_wait(  # noqa: PLR0917 - one call site, each argument distinct
    delays: list[tuple[Part, float]],
    trace: Trace,
    workload: Workload,
    lane: int,
    others: _Intervals,
    pooled: Sequence[float] | None,
) -> None:
    """Spawn and start delay beyond the lane's nominal start (0 without dependencies); the
    part of it a pool of the backend's size would wait anyway, when ``pooled`` gives the
    starts under that bound. A spawn held up while another task held the scheduler (an
    eager scheduler runs each task inside its spawn) is ``blocked``, not ``spawn``."""
    spawn, start = trace.spawn_ns[lane], trace.start_ns[lane]
    nominal_start = trace.begin_ns + round(workload.nominal_starts[lane] * 1e9)
    if spawn > nominal_start:
        blocked = others.overlap(nominal_start, spawn)
        delays.append((Part.BLOCKED, blocked / 1e9))
        delays.append((Part.SPAWN, (spawn - nominal_start - blocked) / 1e9))
    late_from = max(spawn, nominal_start)  # waiting before this was in the ideal too
    if pooled is not None and start > late_from:
        pool_start = trace.begin_ns + round(pooled[lane] * 1e9)
        queued = max(0, min(start, pool_start) - late_from)
        delays.append((Part.POOL, queued / 1e9))
        late_from += queued
    if start > late_from:
        blocked = others.overlap(late_from, start)
        delays.append((Part.BLOCKED, blocked / 1e9))
        delays.append((Part.START, (start - late_from - blocked) / 1e9))


def _attribute_steps(
    delays: list[tuple[Part, float]],
    trace: Trace,
    workload: Workload,
    lane: int,
    others: _Intervals,
    *,
    holding: frozenset[StepKind],
) -> None:
    begin = trace.lane_bounds(lane)[0]
    steps = workload.lane_steps(lane)
    slot = workload.step_offsets[lane]
    waits = workload.handoff_waits
    for step, duration in zip(steps, trace.step_durations_ns(lane), strict=True):
        end = begin + duration
        nominal = waits.get(slot, 0.0) if step.kind in _HANDOFFS else step.seconds
        excess = (duration - nominal * 1e9) / 1e9
        slot += 1
        if step.kind in _DUE:
            due = begin + round(step.seconds * 1e9)
            blocked = others.overlap(due, end) / 1e9 if end > due else 0.0
            delays.append((Part.BLOCKED, blocked))
            delays.append((_DUE[step.kind], excess - blocked))
        else:
            # a step that itself holds the scheduler cannot run while another lane's does:
            # the overlap is time it waited (main's first step waits out every eager task
            # when the backend does not stamp main_start)
            held = others.overlap(begin, end) / 1e9 if step.kind in holding else 0.0
            blocked = min(max(excess, 0.0), held)
            delays.append((Part.BLOCKED, blocked))
            delays.append((_EXCESS.get(step.kind, Part.STEPS), excess - blocked))
        begin = end


def _blocking_steps(
    trace: Trace, workload: Workload, blocks_scheduler: frozenset[StepKind]
) -> list[tuple[int, int, int]]:
    """(lane, start, end) of every step that stops the scheduler on this backend."""
    found: list[tuple[int, int, int]] = []
    if not blocks_scheduler or not trace.has_steps:
        return found
    for lane in range(trace.lanes):
        steps = workload.lane_steps(lane)
        if not any(step.kind in blocks_scheduler for step in steps):
            continue
        begin = trace.lane_bounds(lane)[0]
        for step, duration in zip(steps, trace.step_durations_ns(lane), strict=True):
            if step.kind in blocks_scheduler:
                found.append((lane, begin, begin + duration))
            begin += duration
    return found


class _Intervals:
    """A union of spans, answering "how much of [a, b) do they cover" in O(log n)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _ in merged]
        self.ends = [end for _, end in merged]
        self.covered = [0]
        for start, end in merged:
            self.covered.append(self.covered[-1] + end - start)

    def overlap(self, a: int, b: int) -> int:
        return self._upto(b) - self._upto(a)

    def _upto(self, t: int) -> int:
        """Covered time before ``t``."""
        index = bisect.bisect_right(self.starts, t)
        if index == 0:
            return 0
        inside = min(t, self.ends[index - 1]) - self.starts[index - 1]
        return self.covered[index - 1] + max(inside, 0)


def _whole_run(
    trace: Trace, workload: Workload, blocking: Sequence[tuple[int, int, int]]
) -> dict[str, Any]:
    latencies = trace.start_latencies_s()
    lateness = list(_lateness(trace, workload, StepKind.SLEEP)) if trace.has_steps else []
    io_late = list(_lateness(trace, workload, StepKind.IO)) if trace.has_steps else []
    handoffs = list(_lateness(trace, workload, StepKind.OFFLOAD)) if trace.has_steps else []
    main_lane = len(workload.tasks)
    main_spans = [(start, end) for lane, start, end in blocking if lane == main_lane]
    in_tasks = _Intervals((start, end) for lane, start, end in blocking if lane != main_lane)
    # main's first step is stamped from begin: take out the time tasks held the loop then
    main_ns = sum(end - start - in_tasks.overlap(start, end) for start, end in main_spans)
    return {
        "start_latency_p99_s": _quantile(latencies, 0.99),
        "sleep_steps": len(lateness),
        "sleep_late_mean_s": statistics.fmean(lateness) if lateness else None,
        "sleep_late_median_s": statistics.median(lateness) if lateness else None,
        "sleep_late_p99_s": _quantile(lateness, 0.99),
        "sleep_late_max_s": max(lateness) if lateness else None,
        "io_steps": len(io_late),
        "io_late_mean_s": statistics.fmean(io_late) if io_late else None,
        "io_late_p99_s": _quantile(io_late, 0.99),
        **(
            {
                "offload_steps": len(handoffs),
                "handoff_mean_s": statistics.fmean(handoffs),
                "handoff_p99_s": _quantile(handoffs, 0.99),
            }
            if handoffs
            else {}
        ),
        "blocked_steps": len(blocking),
        "blocked_tasks_s": sum(end - start for lane, start, end in blocking if lane != main_lane)
        / 1e9,
        "blocked_main_s": main_ns / 1e9,
    }


def _lateness(trace: Trace, workload: Workload, kind: StepKind) -> Iterable[float]:
    """Measured minus nominal duration of every step of ``kind``, on every lane."""
    for lane in range(trace.lanes):
        steps = workload.lane_steps(lane)
        if not any(step.kind is kind for step in steps):
            continue
        for step, duration in zip(steps, trace.step_durations_ns(lane), strict=True):
            if step.kind is kind:
                yield duration / 1e9 - step.seconds


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
