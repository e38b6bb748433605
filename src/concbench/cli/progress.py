"""The progress bar of a sweep, drawn while the runner works and gone when it ends.

The runner reports through an observer, so it never draws; the bar counts runs, not
jobs, because jobs differ widely in length.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..framework.measure.runner import Job, RunSettings
from ..framework.store.records import RunRecord
from ..framework.store.sanitize import for_terminal as escape

__all__ = ["progress"]


class _ProgressObserver:
    """Draws one bar over every planned run; faults and skips advance past the lost runs."""

    def __init__(self, progress: Progress, total: int, runs_per_job: int) -> None:
        self.progress = progress
        self.bar = progress.add_task("starting", total=total)
        self.total = total
        self.runs_per_job = runs_per_job
        self.left_in_job = 0

    def job_started(self, job: Job, runs: int) -> None:
        self.progress.advance(self.bar, self.left_in_job)  # runs a fault made impossible
        self.left_in_job = 1 if job.skip_reason else runs
        params = ", ".join(f"{k}={v}" for k, v in job.params.items())
        self.progress.update(
            self.bar, description=escape(f"{job.scenario}({params}) on {job.backend}")
        )

    def recorded(self, record: RunRecord) -> None:
        self.progress.advance(self.bar, 1)
        self.left_in_job -= 1

    def more_planned(self, runs: int) -> None:
        self.total += runs
        self.progress.update(self.bar, total=self.total)

    def close(self) -> None:
        self.progress.advance(self.bar, self.left_in_job)


@contextmanager
def progress(console: Console, total: int, settings: RunSettings) -> Iterator[Any]:
    runs = settings.repeat * settings.processes
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        observer = _ProgressObserver(bar, total, runs)
        yield observer
        observer.close()
