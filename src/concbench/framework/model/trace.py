"""What one run recorded, checked against the backend contract before it is believed."""

from __future__ import annotations

import statistics
from array import array
from dataclasses import dataclass, field

from .errors import PluginError
from .workload import Workload

__all__ = ["ContractError", "Trace"]


RELEASE_SLACK_NS = 1_000
"""How far before its release time a task's spawn stamp may lie: the stamps are rounded
float seconds, so a spawn on time can read a few nanoseconds early; a microsecond is far
below any timer's resolution, so a backend that releases early is still caught."""


class ContractError(PluginError, RuntimeError):
    """A backend's trace that cannot describe a correct run of its workload."""


@dataclass(frozen=True)
class Trace:
    """``perf_counter_ns`` timestamps; 0 means "never recorded"."""

    begin_ns: int
    main_done_ns: int
    finish_ns: int
    spawn_ns: array[int]
    start_ns: array[int]
    end_ns: array[int]
    step_end_ns: array[int]
    step_offsets: array[int]
    figures: dict[str, float] = field(default_factory=dict)
    """Costs the backend reported outside the measured interval (``Recorder.figure``)."""
    main_start_ns: int = 0
    """When main began its own steps, every task handed over (``Recorder.main_start``);
    0 when not recorded (a backend that writes ``execute`` itself, an older trace), and
    main's steps are then taken to begin at ``begin``."""

    @property
    def lanes(self) -> int:
        """Tasks plus the main routine."""
        return len(self.start_ns) + 1

    @property
    def has_steps(self) -> bool:
        """Whether the backend recorded step ends (optional in the contract)."""
        return any(self.step_end_ns)

    def lane_bounds(self, lane: int) -> tuple[int, int]:
        """When a lane ran its steps: (start, end) for a task, (main start, main_done) for
        main, whose start is ``begin`` when the backend did not stamp it."""
        if lane == len(self.start_ns):
            return self.main_start_ns or self.begin_ns, self.main_done_ns
        return self.start_ns[lane], self.end_ns[lane]

    def step_durations_ns(self, lane: int) -> list[int]:
        """Each step's measured duration: from the previous step's end (or the lane's start)."""
        first, last = self.step_offsets[lane], self.step_offsets[lane + 1]
        previous = self.lane_bounds(lane)[0]
        durations = []
        for slot in range(first, last):
            durations.append(self.step_end_ns[slot] - previous)
            previous = self.step_end_ns[slot]
        return durations

    @property
    def wall_s(self) -> float:
        return (self.finish_ns - self.begin_ns) / 1e9

    def check(self, workload: Workload) -> None:
        """Raise :class:`ContractError` naming the first broken promise."""
        if not self.begin_ns:
            raise ContractError("the run never called recorder.begin()")
        if not self.main_done_ns:
            raise ContractError("the run never called recorder.main_done()")
        if not self.finish_ns:
            raise ContractError("the run never called recorder.finish()")
        if not self.begin_ns <= self.main_done_ns <= self.finish_ns:
            raise ContractError("begin, main_done and finish are out of order")
        if self.main_start_ns and not self.begin_ns <= self.main_start_ns <= self.main_done_ns:
            raise ContractError("main_start must come between begin and main_done")
        for index, task in enumerate(workload.tasks):
            self._check_task(index, task.after)
        if workload.has_children:
            self._check_tree(workload)
        if workload.limit is not None:
            self._check_limit(workload.limit)
        if workload.releases:
            self._check_releases(workload.releases)
        if self.has_steps:
            for lane in range(self.lanes):
                self._check_steps(lane)

    def _check_steps(self, lane: int) -> None:
        lower, upper = self.lane_bounds(lane)
        who = "main" if lane == len(self.start_ns) else f"task {lane}"
        for slot in range(self.step_offsets[lane], self.step_offsets[lane + 1]):
            stamp = self.step_end_ns[slot]
            if not stamp:
                raise ContractError(
                    f"{who}: step {slot - self.step_offsets[lane]} never recorded its end"
                )
            if not lower <= stamp <= upper:
                raise ContractError(
                    f"{who}: step {slot - self.step_offsets[lane]} ended out of order "
                    "(before the previous step or outside the lane's start and end)"
                )
            lower = stamp

    def _check_task(self, index: int, after: tuple[int, ...]) -> None:
        spawn, start, end = self.spawn_ns[index], self.start_ns[index], self.end_ns[index]
        if not spawn:
            raise ContractError(f"task {index} was never spawned")
        if not start:
            raise ContractError(f"task {index} never started")
        if not end:
            raise ContractError(f"task {index} never ended")
        if not self.begin_ns <= spawn <= start <= end <= self.finish_ns:
            raise ContractError(
                f"task {index}: spawn <= start <= end must hold within the run, "
                f"got spawn={spawn - self.begin_ns} start={start - self.begin_ns} "
                f"end={end - self.begin_ns} ns after begin"
            )
        for dep in after:
            if self.end_ns[dep] > start:
                raise ContractError(
                    f"task {index} started before task {dep}, which it depends on, ended"
                )

    def _check_releases(self, releases: tuple[float, ...]) -> None:
        for index, release in enumerate(releases):
            early = self.begin_ns + round(release * 1e9) - self.spawn_ns[index]
            if early > RELEASE_SLACK_NS:
                raise ContractError(
                    f"task {index} was spawned {early} ns before its release time "
                    f"({release:.6f} s after begin)"
                )

    def _check_tree(self, workload: Workload) -> None:
        """A child is spawned by its parent, after the parent's steps, and the parent ends
        only once the child has (the structured join)."""
        offsets = self.step_offsets
        for child, parent in enumerate(workload.parents):
            if parent == -1:
                continue
            first, last = offsets[parent], offsets[parent + 1]
            steps_done = self.step_end_ns[last - 1] if last > first else self.start_ns[parent]
            if self.spawn_ns[child] < (steps_done or self.start_ns[parent]):
                raise ContractError(
                    f"task {child} was spawned before its parent, task {parent}, had run its steps"
                )
            if self.end_ns[child] > self.end_ns[parent]:
                raise ContractError(
                    f"task {parent} ended before its child, task {child}: the join did not wait"
                )

    def _check_limit(self, limit: int) -> None:
        events = sorted(
            [(start, 1) for start in self.start_ns] + [(end, -1) for end in self.end_ns]
        )  # at equal times ends (-1) sort first: a slot handed over is not two at once
        running = 0
        for _, delta in events:
            running += delta
            if running > limit:
                raise ContractError(
                    f"more than {limit} tasks ran at once, against the workload's limit"
                )

    def spawn_spread_s(self) -> float:
        """First to last spawn: how long handing every task to the scheduler took."""
        if not self.spawn_ns:
            return 0.0
        return (max(self.spawn_ns) - min(self.spawn_ns)) / 1e9

    def start_latencies_s(self) -> list[float]:
        """Per task, spawn to start: how long a ready task waited for the scheduler."""
        pairs = zip(self.spawn_ns, self.start_ns, strict=True)
        return [(start - spawn) / 1e9 for spawn, start in pairs]

    def join_s(self) -> float:
        """Last of (task end, main done) to the gather's return."""
        last = max(max(self.end_ns, default=0), self.main_done_ns)
        return (self.finish_ns - last) / 1e9

    def summary(self) -> dict[str, float]:
        """The trace's figures that every run record keeps."""
        latencies = self.start_latencies_s()
        return {
            "spawn_spread_s": self.spawn_spread_s(),
            "start_latency_median_s": statistics.median(latencies) if latencies else 0.0,
            "start_latency_max_s": max(latencies, default=0.0),
            "main_done_s": (self.main_done_ns - self.begin_ns) / 1e9,
            "join_s": self.join_s(),
        }
