"""One run as the teaching example's sequence diagram: a lane per task, main included.

This module turns a stored trace into drawable data (seconds since ``begin``) and leaves
drawing to the terminal and plot modules. A run with more tasks than fit as lanes is
summarised as a density instead: how many tasks were running at each moment, and how
many had been spawned, started and ended by then. A hundred thousand bars would show
nothing but ink.

A task tree's lanes are grouped by parent (each parent followed by its children, depth
first), and its density is also given per tree level, since the levels run at different
times: the parents spawn while the leaves work.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..model.workload import StepKind
from ..store.tracestore import StoredTrace

__all__ = ["DENSITY_BINS", "MAX_LANES", "Density", "Lane", "Span", "Timeline", "build_timeline"]

MAX_LANES = 16
"""Runs with more tasks than this are drawn as a density, not one lane per task."""
DENSITY_BINS = 200


@dataclass(frozen=True)
class Span:
    """One step of a lane; ``kind`` is None when the backend recorded no step ends."""

    start_s: float
    end_s: float
    kind: StepKind | None


@dataclass(frozen=True)
class Lane:
    name: str
    spawn_s: float | None
    """When main handed the task to the scheduler; None for main itself."""
    start_s: float
    end_s: float
    spans: tuple[Span, ...]
    depth: int = 1
    """Its level in a task tree: 0 for main, 1 for a task main spawned, 2 for its child."""


@dataclass(frozen=True)
class Density:
    """Many tasks at once, sampled on ``edges_s`` (one more edge than bins)."""

    edges_s: tuple[float, ...]
    running: tuple[float, ...]
    """Per bin, the time-weighted mean number of tasks between their start and end."""
    spawned: tuple[int, ...]
    started: tuple[int, ...]
    ended: tuple[int, ...]
    """Per edge, how many tasks had been spawned, started and ended by then."""
    peak: int
    """The most tasks that were running at the same instant."""


@dataclass(frozen=True)
class Timeline:
    wall_s: float
    main_done_s: float
    """When main's own steps were done and the gather began."""
    tasks: int
    main: Lane
    lanes: tuple[Lane, ...]
    """One per task, or empty when the run is summarised as a :class:`Density`."""
    density: Density | None
    levels: tuple[Density, ...] = ()
    """With a density and a task tree, one density per tree level, the first level first."""


def build_timeline(
    stored: StoredTrace, *, max_lanes: int = MAX_LANES, bins: int = DENSITY_BINS
) -> Timeline:
    trace = stored.trace
    tasks = len(trace.start_ns)
    depths = _depths(stored.parents) if stored.parents is not None else None

    def seconds(ns: int) -> float:
        return (ns - trace.begin_ns) / 1e9

    def lane(index: int) -> Lane:
        first, last = trace.lane_bounds(index)
        spans: list[Span] = []
        if trace.has_steps:
            edge = first
            for slot in range(trace.step_offsets[index], trace.step_offsets[index + 1]):
                end = trace.step_end_ns[slot]
                spans.append(Span(seconds(edge), seconds(end), stored.step_kinds[slot]))
                edge = end
        else:
            spans.append(Span(seconds(first), seconds(last), None))
        is_main = index == tasks
        return Lane(
            name="main" if is_main else f"task {index}",
            spawn_s=None if is_main else seconds(trace.spawn_ns[index]),
            start_s=seconds(first),
            end_s=seconds(last),
            spans=tuple(spans),
            depth=0 if is_main else (depths[index] if depths is not None else 1),
        )

    aggregate = tasks > max_lanes
    order = _grouped(stored.parents) if stored.parents is not None else range(tasks)
    levels: tuple[Density, ...] = ()
    if aggregate and depths is not None:
        by_level: dict[int, list[int]] = {}
        for index, depth in enumerate(depths):
            by_level.setdefault(depth, []).append(index)
        levels = tuple(_density(stored, bins, by_level[depth]) for depth in sorted(by_level))
    return Timeline(
        wall_s=trace.wall_s,
        main_done_s=seconds(trace.main_done_ns),
        tasks=tasks,
        main=lane(tasks),
        lanes=() if aggregate else tuple(lane(index) for index in order),
        density=_density(stored, bins) if aggregate else None,
        levels=levels,
    )


def _depths(parents: Sequence[int]) -> list[int]:
    """Each task's tree level (parents come before their children)."""
    depths = [1] * len(parents)
    for index, parent in enumerate(parents):
        if parent != -1:
            depths[index] = depths[parent] + 1
    return depths


def _grouped(parents: Sequence[int]) -> list[int]:
    """The tasks depth first: each parent followed by its children's subtrees."""
    children: dict[int, list[int]] = {}
    for index, parent in enumerate(parents):
        children.setdefault(parent, []).append(index)
    order: list[int] = []
    stack = list(reversed(children.get(-1, [])))
    while stack:
        index = stack.pop()
        order.append(index)
        stack.extend(reversed(children.get(index, [])))
    return order


def _density(stored: StoredTrace, bins: int, only: Sequence[int] | None = None) -> Density:
    """The density of every task, or of the tasks ``only`` lists (one tree level)."""
    trace = stored.trace
    scale = 1e9

    def relative(values: Sequence[int]) -> list[float]:
        chosen = values if only is None else [values[index] for index in only]
        return sorted((value - trace.begin_ns) / scale for value in chosen)

    spawns, starts, ends = (relative(v) for v in (trace.spawn_ns, trace.start_ns, trace.end_ns))
    wall = trace.wall_s or 1e-9
    edges = [wall * index / bins for index in range(bins + 1)]
    area_started, area_ended = _area(starts), _area(ends)
    running = []
    for low, high in itertools.pairwise(edges):
        inside = area_started(high) - area_started(low) - (area_ended(high) - area_ended(low))
        running.append(max(inside / (high - low), 0.0))
    return Density(
        edges_s=tuple(edges),
        running=tuple(running),
        spawned=tuple(bisect.bisect_right(spawns, edge) for edge in edges),
        started=tuple(bisect.bisect_right(starts, edge) for edge in edges),
        ended=tuple(bisect.bisect_right(ends, edge) for edge in edges),
        peak=_peak(starts, ends),
    )


def _area(stamps: Sequence[float]) -> Callable[[float], float]:
    """``x -> integral from 0 to x of (number of stamps <= t) dt``, in O(log n) per call."""
    prefix = [0.0, *itertools.accumulate(stamps)]

    def area(x: float) -> float:
        count = bisect.bisect_right(stamps, x)
        return count * x - prefix[count]

    return area


def _peak(starts: Sequence[float], ends: Sequence[float]) -> int:
    """Most tasks between start and end at once; an end and a start at the same instant
    are a hand-over, not an overlap (as the limit check in ``Trace`` counts them)."""
    events = sorted([(stamp, 1) for stamp in starts] + [(stamp, -1) for stamp in ends])
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return peak
