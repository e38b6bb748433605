"""A worker's measurement, admitted into a record only where a worker may speak.

A worker runs plugin code, so what it sends is checked like any outside input: it may
fill the measured fields (times, counts, the backend's figures) but never the ones the
parent knows better from the plan (which job, which run, whether it counts), and never a
value the store would refuse. Whether a run counts is the parent's call too: an attempt
that was run again does not, nor, unless the sweep keeps them, a disturbed one.
"""

from __future__ import annotations

from typing import Any

from ..store.records import RunRecord, SchemaError, Status, field_problem
from ..store.values import value_problem
from .job import Job

__all__ = ["PARENT_FIELDS", "SOLO_FIELDS", "measured_record"]

PARENT_FIELDS = frozenset(
    {"scenario", "params", "backend", "options", "status", "error", "tasks", "serial_s"}
    | {"ideal_s", "machine_bound_s", "overhead_s", "run", "process", "python"}
    | {"implementation", "schema", "steps", "env", "note", "measure"}
    | {"counted", "seq", "calibration_rate"}
)
"""Record fields the parent fills from the plan; a worker's measurement may not set them."""
SOLO_FIELDS = frozenset({"serial_s", "ideal_s", "machine_bound_s"})
"""Of those, the ones a worker sets for a job with ``call`` steps: they follow from the
solo times it measured (measure/solo.py), which the plan could not know."""


def measured_record(
    job: Job,
    process: int,
    run: int,
    measured: dict[str, Any],
    *,
    keep_disturbed: bool,
    seq: int | None = None,
    retry: bool = False,
) -> RunRecord:
    """An ``ok`` record from a worker's measurement; raises :class:`SchemaError` naming the
    field a worker may not set or the impossible value it sent."""
    for name, value in measured.items():
        owned = name in PARENT_FIELDS and not (job.uses_calls and name in SOLO_FIELDS)
        problem = f"{name!r} is not a measured field" if owned else field_problem(name, value)
        if problem:
            raise SchemaError(problem)
    if problem := value_problem(measured):  # NaN would stop the store, not just the run
        raise SchemaError(problem)
    overhead_s = measured["wall_s"] - measured.get("ideal_s", job.ideal_s)
    disturbed = bool(measured.get("disturbed"))
    counted = not retry and (keep_disturbed or not disturbed)
    return job.record(
        Status.OK,
        run=run,
        process=process,
        overhead_s=overhead_s,
        seq=seq,
        counted=counted,
        **measured,
    )
