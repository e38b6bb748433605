"""Timestamps of one run, written by the backend while it runs.

Storage is preallocated (one ``array('q')`` per event kind) so that recording an event is
one clock read and one store: the harness must not become the overhead it measures.
"""

from __future__ import annotations

from array import array
from time import perf_counter_ns

from .trace import Trace

__all__ = ["Recorder"]


class Recorder:
    """Handed to :meth:`Backend.execute`; see the backend contract for when to call what."""

    __slots__ = ("_begin", "_end", "_finish", "_main_done", "_spawn", "_start", "tasks")

    def __init__(self, tasks: int) -> None:
        self.tasks = tasks
        self._spawn = array("q", bytes(8 * tasks))
        self._start = array("q", bytes(8 * tasks))
        self._end = array("q", bytes(8 * tasks))
        self._begin = 0
        self._main_done = 0
        self._finish = 0

    def begin(self) -> None:
        self._begin = perf_counter_ns()

    def spawn(self, task: int) -> None:
        self._spawn[task] = perf_counter_ns()

    def start(self, task: int) -> None:
        self._start[task] = perf_counter_ns()

    def end(self, task: int) -> None:
        self._end[task] = perf_counter_ns()

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
        )
