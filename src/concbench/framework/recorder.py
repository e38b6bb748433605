"""Timestamps of one run, written by the backend while it runs.

Storage is preallocated (one ``array('q')`` per event kind, one flat array for every step)
so that recording an event is one clock read and one store: the harness must not become
the overhead it measures.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from time import perf_counter_ns

from .model import Workload
from .trace import Trace

__all__ = ["Recorder"]


class Recorder:
    """Handed to :meth:`Backend.execute`; see the backend contract for when to call what.

    Lanes number the routines of a run: task ``i`` is lane ``i``, and the main routine is
    lane :attr:`main_lane` (one past the last task).
    """

    __slots__ = (
        "_begin",
        "_end",
        "_figures",
        "_finish",
        "_main_done",
        "_offsets",
        "_spawn",
        "_start",
        "_step_end",
        "main_lane",
    )

    def __init__(self, workload: Workload) -> None:
        tasks = len(workload.tasks)
        self.main_lane = tasks
        self._offsets = workload.step_offsets
        self._spawn = array("q", bytes(8 * tasks))
        self._start = array("q", bytes(8 * tasks))
        self._end = array("q", bytes(8 * tasks))
        self._step_end = array("q", bytes(8 * self._offsets[-1]))
        self._begin = 0
        self._main_done = 0
        self._finish = 0
        self._figures: dict[str, float] = {}

    def begin(self) -> None:
        self._begin = perf_counter_ns()

    def spawn(self, task: int) -> None:
        self._spawn[task] = perf_counter_ns()

    def start(self, task: int) -> None:
        self._start[task] = perf_counter_ns()

    def step_done(self, lane: int, step: int) -> None:
        """Step ``step`` of ``lane`` has just returned; its start is the previous step's end."""
        self._step_end[self._offsets[lane] + step] = perf_counter_ns()

    def end(self, task: int) -> None:
        self._end[task] = perf_counter_ns()

    def task_ran(self, task: int, start_ns: int, step_ends_ns: Sequence[int], end_ns: int) -> None:
        """Task ``task`` ran elsewhere and reported its own ``perf_counter_ns`` stamps.

        For tasks run by another process on this machine (a pool, a local cluster): the
        clock is system-wide, so the stamps compare with the ones taken here. A backend
        whose tasks run on another machine converts them first.
        """
        self._start[task] = start_ns
        first = self._offsets[task]
        for number, stamp in enumerate(step_ends_ns):
            self._step_end[first + number] = stamp
        self._end[task] = end_ns

    def figure(self, name: str, seconds: float) -> None:
        """A cost paid outside ``begin()``..``finish()`` worth reporting, such as starting a
        process pool (``name`` like ``pool_startup_s``); never part of the measured time."""
        self._figures[name] = seconds

    def main_done(self) -> None:
        self._main_done = perf_counter_ns()

    def finish(self) -> None:
        self._finish = perf_counter_ns()

    def trace(self) -> Trace:
        return Trace(
            begin_ns=self._begin,
            main_done_ns=self._main_done,
            finish_ns=self._finish,
            spawn_ns=self._spawn,
            start_ns=self._start,
            end_ns=self._end,
            step_end_ns=self._step_end,
            step_offsets=self._offsets,
            figures=dict(self._figures),
        )
