"""The progress bar of a sweep, drawn while the runner works and gone when it ends.

The runner reports through an observer, so it never draws; the bar counts runs, not
jobs, because jobs differ widely in length, and says about how long is left.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from ..framework.measure import progress as sweep_progress
from ..framework.measure.runner import Job, RunSettings
from ..framework.store.records import RunRecord
from ..framework.store.sanitize import for_terminal as escape

__all__ = ["progress"]


class _ProgressObserver:
    """Draws one bar over every planned run; faults and skips advance past the lost runs.

    Where nothing is drawn (a log, a pipe, CI), a line every ``LOG_EVERY_S`` says the same
    (measure/progress.py): a long sweep must show it is alive and when it should end.
    """

    def __init__(self, progress: Progress, total: int, runs_per_job: int) -> None:
        self.progress = progress
        self.bar = progress.add_task("starting", total=total)
        self.total = total
        self.runs_per_job = runs_per_job
        self.left_in_job = 0
        self.logged_at: float | None = None

    def job_started(self, job: Job, runs: int) -> None:
        self.progress.advance(self.bar, self.left_in_job)  # runs a fault made impossible
        self.left_in_job = 1 if job.skip_reason else runs
        params = ", ".join(f"{k}={v}" for k, v in job.params.items())
        description = f"{job.scenario}({params}) on {job.backend}"
        self.progress.update(self.bar, description=escape(description))
        if not self.progress.console.is_terminal:
            self._log(description)

    def _log(self, description: str) -> None:
        now = time.monotonic()
        if self.logged_at is not None and now - self.logged_at < sweep_progress.LOG_EVERY_S:
            return
        self.logged_at = now
        [bar] = [task for task in self.progress.tasks if task.id == self.bar]
        line = sweep_progress.progress_line(
            int(bar.completed), self.total, bar.elapsed or 0.0, description
        )
        self.progress.console.print(escape(line), soft_wrap=True)

    def recorded(self, record: RunRecord) -> None:
        self.progress.advance(self.bar, 1)
        self.left_in_job -= 1

    def more_planned(self, runs: int) -> None:
        self.total += runs
        self.progress.update(self.bar, total=self.total)

    def close(self) -> None:
        self.progress.advance(self.bar, self.left_in_job)


class _TimeLeftColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        total = int(task.total or 0)
        return Text(sweep_progress.left_text(task.elapsed or 0.0, int(task.completed), total))


@contextmanager
def progress(console: Console, total: int, settings: RunSettings) -> Iterator[Any]:
    runs = settings.repeat * settings.processes
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        _TimeLeftColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        observer = _ProgressObserver(bar, total, runs)
        yield observer
        observer.close()
