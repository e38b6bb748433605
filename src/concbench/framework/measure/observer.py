"""What a sweep tells whoever watches it: the hook the CLI draws its progress from.

The runner knows nothing of terminals; an observer is told each step in order and draws
what it likes. Without one, a silent observer stands in, so the runner never asks
whether anyone is listening.
"""

from __future__ import annotations

from typing import Protocol

from ..store.records import RunRecord
from .job import Job

__all__ = ["Observer", "Silent"]


class Observer(Protocol):
    """Told what happens, in order; the CLI draws progress from it. Must not raise."""

    def job_started(self, job: Job, runs: int) -> None:
        """A worker process of ``job`` with ``runs`` planned runs starts (or is passed over,
        after a fault of its job: its runs will not come)."""

    def recorded(self, record: RunRecord) -> None:
        """A planned run was stored (not told of disturbed attempts that were run again)."""

    def more_planned(self, runs: int) -> None:
        """``runs`` more runs were planned: extra processes for rows too noisy to judge."""


class Silent:
    """The observer of a sweep nobody watches (tests, plugins' own scripts)."""

    def job_started(self, job: Job, runs: int) -> None:
        pass

    def more_planned(self, runs: int) -> None:
        pass

    def recorded(self, record: RunRecord) -> None:
        pass
