"""Every record into the store the moment it exists, stamped with what the sweep knows.

Nothing measured may be lost to a later fault, so a record is appended as soon as it is
made, by one object, whatever made it: a worker's run, its fault, a skipped or unserved
job. That one place also stamps what the record's maker cannot know: the environment
record it belongs to, the CPU rate its ``cpu`` steps were calibrated with, and the
measure (time or instructions).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..store.records import RunRecord, Status
from ..store.resultstore import ResultStore
from . import instructions
from .observer import Observer

__all__ = ["Keeper"]


@dataclass
class Keeper:
    """The records of one :meth:`Runner.run <.runner.Runner.run>`, in the order made."""

    store: ResultStore
    observer: Observer
    measure: str = instructions.TIME
    env_id: str = ""
    """The environment record the sweep wrote beside the store; empty when none."""
    calibration_rate: float | None = None
    records: list[RunRecord] = field(default_factory=list)

    def keep(self, record: RunRecord, *, planned: bool = True) -> None:
        """Store ``record``; a run that was not ``planned`` (a disturbed attempt run again)
        is kept but not told to the observer, whose count is of planned runs."""
        if self.env_id:
            record = dataclasses.replace(record, env=self.env_id)
        if self.calibration_rate is not None and record.status is Status.OK:
            record = dataclasses.replace(record, calibration_rate=self.calibration_rate)
        if self.measure != instructions.TIME:
            record = dataclasses.replace(record, measure=self.measure)
        self.store.append(record)
        self.records.append(record)
        if planned:
            self.observer.recorded(record)
