"""Timestamps of one run, written by the backend while it runs.

Storage is preallocated (one ``array('d')`` per event kind, one flat array for every step)
so that recording an event is one clock read and one store: the harness must not become
the overhead it measures. The stamps are ``time.perf_counter()`` floats while the run
goes, because a float comes from the interpreter's free list while a nanosecond integer
is a fresh allocation: at three stamps per task that difference was 3% of uvloop's cost
per task (docs/performance.md). :meth:`Recorder.trace` turns them into the integer
nanoseconds of :class:`Trace` after the run; a double holds ``perf_counter`` to well under
a nanosecond for years of uptime.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from time import perf_counter

from .trace import Trace
from .workload import Workload

__all__ = ["Recorder"]


def _zeros(length: int) -> array[float]:
    return array("d", bytes(8 * length))


class Recorder:
    """Handed to :meth:`Backend.execute`; see the backend contract for when to call what.

    Lanes number the routines of a run: task ``i`` is lane ``i``, and the main routine is
    lane :attr:`main_lane` (one past the last task).

    A task ends when its last step returns, so its end is that step's end stamp; only a
    backend that records no step ends calls :meth:`end`. A task without steps ends as it
    starts.

    The methods are the contract. A backend whose per-task path is measured in
    microseconds (a coroutine scheduler running ten thousand tasks) may instead write the
    arrays itself, which saves a method call per event: ``spawn(i)`` is
    ``spawn_at[i] = clock()``, ``start(i)`` is ``start_at[i] = clock()`` and
    ``step_done(lane, j)`` is ``step_end_at[step_offsets[lane] + j] = clock()``.
    """

    __slots__ = (
        "_begin",
        "_end_at",
        "_figures",
        "_finish",
        "_main_done",
        "_main_start",
        "_parents",
        "main_lane",
        "spawn_at",
        "start_at",
        "step_end_at",
        "step_offsets",
        "task_path",
    )

    clock = staticmethod(perf_counter)
    """The clock of every stamp: ``time.perf_counter``, system-wide on every platform."""

    def __init__(self, workload: Workload) -> None:
        tasks = len(workload.tasks)
        self.main_lane = tasks
        self.step_offsets = workload.step_offsets
        self.spawn_at = _zeros(tasks)
        self.start_at = _zeros(tasks)
        self.step_end_at = _zeros(self.step_offsets[-1])
        self._end_at = _zeros(tasks)
        self._begin = 0.0
        self._main_start = 0.0
        self._main_done = 0.0
        self._finish = 0.0
        self._figures: dict[str, float] = {}
        self._parents = (
            frozenset(index for index, task in enumerate(workload.tasks) if task.children)
            if workload.has_children
            else frozenset()
        )
        self.task_path = ""
        """Which routine the tasks ran through, as the skeleton names it ("plain fan-out",
        "empty tasks", "general"); empty for a backend that writes its own."""

    def begin(self) -> None:
        self._begin = perf_counter()

    @property
    def begun_at(self) -> float:
        """The ``begin`` stamp (``clock()`` seconds): release times count from it."""
        return self._begin

    def spawn(self, task: int) -> None:
        self.spawn_at[task] = perf_counter()

    def start(self, task: int) -> None:
        self.start_at[task] = perf_counter()

    def step_done(self, lane: int, step: int) -> None:
        """Step ``step`` of ``lane`` has just returned; its start is the previous step's end."""
        self.step_end_at[self.step_offsets[lane] + step] = perf_counter()

    def end(self, task: int) -> None:
        """For a backend that records no step ends: task ``task`` has finished its steps;
        and for a parent in a task tree, whatever it records: its children have ended."""
        self._end_at[task] = perf_counter()

    def task_ran(self, task: int, start_ns: int, step_ends_ns: Sequence[int]) -> None:
        """Task ``task`` ran elsewhere and reported its own ``perf_counter_ns`` stamps.

        For tasks run by another process on this machine (a pool, a local cluster): the
        clock is system-wide, so the stamps compare with the ones taken here. A backend
        whose tasks run on another machine converts them first.
        """
        self.start_at[task] = start_ns / 1e9
        first = self.step_offsets[task]
        for number, stamp in enumerate(step_ends_ns):
            self.step_end_at[first + number] = stamp / 1e9

    def figure(self, name: str, seconds: float) -> None:
        """A cost paid outside ``begin()``..``finish()`` worth reporting, such as starting a
        process pool (``name`` like ``pool_startup_s``); never part of the measured time."""
        self._figures[name] = seconds

    def main_start(self) -> None:
        """Every task has been handed over and main begins its own steps (optional).

        On most schedulers handing a task over only queues it, but an eager one (asyncio's
        eager task factory, Twisted's ``Deferred.fromCoroutine``) runs each task up to its
        first wait inside the spawn: without this stamp, that time would count as main's
        first step, or as nothing at all when main has no steps.
        """
        self._main_start = perf_counter()

    def main_done(self) -> None:
        self._main_done = perf_counter()

    def finish(self) -> None:
        self._finish = perf_counter()

    def trace(self) -> Trace:
        """The run in integer nanoseconds, each task's end taken from its last step."""
        step_end_ns = _nanoseconds(self.step_end_at)
        start_ns = _nanoseconds(self.start_at)
        end_ns = _nanoseconds(self._end_at)
        offsets = self.step_offsets
        for task in range(self.main_lane):
            first, last = offsets[task], offsets[task + 1]
            if task in self._parents and end_ns[task]:
                continue  # a parent in a task tree ends when its join returns: end() said so
            if last > first and step_end_ns[last - 1]:
                end_ns[task] = step_end_ns[last - 1]
            elif last == first and not end_ns[task]:
                end_ns[task] = start_ns[task]
        return Trace(
            begin_ns=_nanosecond(self._begin),
            main_start_ns=_nanosecond(self._main_start),
            main_done_ns=_nanosecond(self._main_done),
            finish_ns=_nanosecond(self._finish),
            spawn_ns=_nanoseconds(self.spawn_at),
            start_ns=start_ns,
            end_ns=end_ns,
            step_end_ns=step_end_ns,
            step_offsets=offsets,
            figures=dict(self._figures),
        )


def _nanosecond(seconds: float) -> int:
    return round(seconds * 1e9)


def _nanoseconds(stamps: array[float]) -> array[int]:
    return array("q", [round(seconds * 1e9) for seconds in stamps])
