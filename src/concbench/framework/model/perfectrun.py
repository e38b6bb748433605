"""The zero-overhead run of a workload with channels: the ideal when hand-offs are
dependencies too.

A ``get`` waits for a ``put``, and a ``put`` into a full channel for a ``get``, so with
channels the critical path is no longer a property of the task graph alone: the ideal is
the makespan of a run in which every step takes its nominal time and nothing else costs
anything. Simulating that run also finds a workload whose hand-offs could never all
complete, and says which lanes would wait forever, before a backend hangs on it. Kept
apart from the workload because it is the one figure that needs a simulation.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from typing import TYPE_CHECKING

from .steps import ModelError, StepKind

if TYPE_CHECKING:
    from .workload import Workload

__all__ = ["PerfectRun"]


class PerfectRun:
    """A zero-overhead run: every step takes its nominal time, hand-offs and wake-ups take
    none, and every runnable lane runs at once (cores unlimited, as for the critical path).

    Ties go first come, first served: the getter or putter that has waited longest is
    served first, and a free slot under the limit goes to the lowest-index ready task. A
    blocked task keeps its slot, as it does on every backend.
    """

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        tasks = workload.tasks
        self.lanes = [task.steps for task in tasks] + [workload.main]
        self.position = [0] * len(self.lanes)
        self.finish: list[float | None] = [None] * len(self.lanes)
        self.started = [False] * len(tasks) + [True]
        self.capacity = {channel.name: channel.capacity for channel in workload.channels}
        self.items = dict.fromkeys(self.capacity, 0)
        self.putters: dict[str, deque[int]] = {name: deque() for name in self.capacity}
        self.getters: dict[str, deque[int]] = {name: deque() for name in self.capacity}
        self.waiting = [len(set(task.after)) for task in tasks]
        self.dependents: dict[int, list[int]] = {}
        for index, task in enumerate(tasks):
            for dep in set(task.after):
                self.dependents.setdefault(dep, []).append(index)
        self.ready = [index for index, count in enumerate(self.waiting) if count == 0]
        heapq.heapify(self.ready)
        self.running = 0
        self.order = itertools.count()
        self.events: list[tuple[float, int, int]] = []  # (time, tie-break, lane)
        self.since = [0.0] * len(self.lanes)
        """When each lane began waiting in its current put or get."""
        self.waited: dict[tuple[int, int], float] = {}
        """(lane, step index) -> how long that put or get waited, when it did."""

    def run(self) -> float:
        self._schedule(len(self.workload.tasks), 0.0)  # main starts at once, without a slot
        self._start_ready(0.0)
        while self.events:
            now, _, lane = heapq.heappop(self.events)
            if self._advance(lane, now):
                self._end(lane, now)
        stuck = [lane for lane, end in enumerate(self.finish) if end is None]
        if stuck:
            raise ModelError(f"the workload deadlocks: {self._describe(stuck)}")
        return max(end for end in self.finish if end is not None)

    def _schedule(self, lane: int, at: float) -> None:
        heapq.heappush(self.events, (at, next(self.order), lane))

    def _wake(self, lane: int, now: float) -> None:
        """The put or get that ``lane`` waits in completes now."""
        self.waited[(lane, self.position[lane])] = now - self.since[lane]
        self.position[lane] += 1
        self._schedule(lane, now)

    def _start_ready(self, now: float) -> None:
        limit = self.workload.limit
        while self.ready and (limit is None or self.running < limit):
            self.running += 1
            lane = heapq.heappop(self.ready)
            self.started[lane] = True
            self._schedule(lane, now)

    def _advance(self, lane: int, now: float) -> bool:
        """Run ``lane`` until it waits; True when it has no steps left."""
        steps = self.lanes[lane]
        while self.position[lane] < len(steps):
            step = steps[self.position[lane]]
            if step.kind is StepKind.PUT:
                if not self._put(step.channel, lane, now):
                    return False
            elif step.kind is StepKind.GET:
                if not self._get(step.channel, lane, now):
                    return False
            elif step.seconds:
                self.position[lane] += 1
                self._schedule(lane, now + step.seconds)
                return False
            self.position[lane] += 1
        return True

    def _put(self, name: str, lane: int, now: float) -> bool:
        """Hand an item over; False when the channel is full and ``lane`` must wait."""
        capacity = self.capacity[name]
        if self.getters[name]:
            self._wake(self.getters[name].popleft(), now)
        elif capacity is None or self.items[name] < capacity:
            self.items[name] += 1
        else:
            self.putters[name].append(lane)
            self.since[lane] = now
            return False
        return True

    def _get(self, name: str, lane: int, now: float) -> bool:
        """Take an item; False when the channel is empty and ``lane`` must wait."""
        if not self.items[name]:
            self.getters[name].append(lane)
            self.since[lane] = now
            return False
        if self.putters[name]:  # the channel was full: the longest-waiting put goes in
            self._wake(self.putters[name].popleft(), now)
        else:
            self.items[name] -= 1
        return True

    def _end(self, lane: int, now: float) -> None:
        self.finish[lane] = now
        if lane == len(self.workload.tasks):
            return
        self.running -= 1
        for child in self.dependents.get(lane, ()):
            self.waiting[child] -= 1
            if self.waiting[child] == 0:
                heapq.heappush(self.ready, child)
        self._start_ready(now)

    def _describe(self, stuck: list[int]) -> str:
        described = []
        for lane in stuck[:3]:
            who = "main" if lane == len(self.workload.tasks) else f"task {lane}"
            if self.started[lane]:
                step = self.lanes[lane][self.position[lane]]
                verb = "put into" if step.kind is StepKind.PUT else "get from"
                described.append(f"{who} waits forever to {verb} channel {step.channel!r}")
            else:
                described.append(
                    f"{who} never starts (a task it depends on never ends, or waiting tasks "
                    "hold every slot under `limit`)"
                )
        more = f" (and {len(stuck) - 3} more)" if len(stuck) > 3 else ""
        return "; ".join(described) + more
