"""Resuming a sweep: which runs a result store already holds, and which are still to do.

A run is identified by its job (scenario, parameters, backend, options, and the
interpreter that ran it: a store may collect several Pythons' results) together with its
process index and its run index. Resuming runs exactly the ``ok`` runs that are missing,
numbered as they would have been, so an interrupted sweep that is resumed ends with the
same set of records as one that was never interrupted.

Faults are results too: a job whose store holds a ``failed``, ``timeout`` or ``crashed``
record is finished, because the fault would most likely repeat (a timeout would cost its
full limit again). ``retry_faults`` runs such jobs' missing runs once more; the old fault
record stays in the store as history. A ``skipped`` job is finished if it was skipped
before, and runs if its backend has become available since.

The store is only read, as JSON: nothing in it chooses what code runs. Jobs come from the
plan (the installed plugins and the command line); records only tick them off.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..store.records import RunRecord, Status

__all__ = ["JobKey", "Stored", "Todo", "job_key", "record_key"]

JobKey = tuple[str, str, str, str, str]
"""scenario, parameters (canonical JSON), backend, options (canonical JSON), interpreter."""

Todo = list[tuple[int, Sequence[int]]]
"""For each worker process still to start: its index and the run indices it must produce
(a ``range`` when none of its runs is stored: a plan never materialises its runs)."""

FAULTS = frozenset({Status.FAILED, Status.TIMEOUT, Status.CRASHED})


def job_key(
    scenario: str,
    params: Mapping[str, Any],
    backend: str,
    options: Mapping[str, Any],
    implementation: str,
) -> JobKey:
    return (scenario, _canonical(params), backend, _canonical(options), implementation)


def _canonical(mapping: Mapping[str, Any]) -> str:
    return json.dumps(dict(mapping), sort_keys=True)


def record_key(record: RunRecord) -> JobKey:
    return job_key(
        record.scenario, record.params, record.backend, record.options, record.implementation
    )


@dataclass(frozen=True)
class Stored:
    """What a result store already holds, indexed by job."""

    records: tuple[RunRecord, ...] = ()
    ok: Mapping[JobKey, frozenset[tuple[int, int]]] | None = None
    faulted: frozenset[JobKey] = frozenset()
    skipped: frozenset[JobKey] = frozenset()

    @classmethod
    def of(
        cls, records: Iterable[RunRecord], *, retry_faults: bool = False, measure: str = "time"
    ) -> Stored:
        """What ``records`` hold for a sweep that measures ``measure``: timed runs do not
        stand in for runs counted under callgrind, nor the other way round."""
        records = tuple(r for r in records if r.measure == measure)
        ok: dict[JobKey, set[tuple[int, int]]] = {}
        faulted: set[JobKey] = set()
        skipped: set[JobKey] = set()
        for record in records:
            key = record_key(record)
            if record.status is Status.OK:
                ok.setdefault(key, set()).add((record.process, record.run))
            elif record.status is Status.SKIPPED:
                skipped.add(key)
            elif record.status in FAULTS and not retry_faults:
                faulted.add(key)
        return cls(
            records,
            {key: frozenset(runs) for key, runs in ok.items()},
            frozenset(faulted),
            frozenset(skipped),
        )

    def todo(self, key: JobKey, *, skip: bool, processes: int, repeat: int) -> Todo:
        """The runs of job ``key`` that are not stored yet, by worker process."""
        done = (self.ok or {}).get(key, frozenset())
        if skip:
            finished = key in self.skipped or key in self.faulted or bool(done)
            return [] if finished else [(0, (0,))]
        if key in self.faulted:
            return []
        todo: Todo = []
        started = {process for process, _ in done}
        for process in range(processes):
            if process not in started:
                todo.append((process, range(repeat)))
                continue
            runs = tuple(run for run in range(repeat) if (process, run) not in done)
            if runs:
                todo.append((process, runs))
        return todo

    def records_of(self, keys: Collection[JobKey]) -> list[RunRecord]:
        """Stored records of these jobs, in store order: the report of a resumed sweep."""
        return [record for record in self.records if record_key(record) in keys]
