"""Which runs the statistics use, and what the notes say about the others.

A run that another program disturbed (``disturbed``) is kept in the store and shown, but
left out of the statistics unless its sweep kept disturbed runs (``counted``); an attempt
that was run again is never counted, since a later attempt replaced it. When every run of
a row was disturbed, the row still gets figures, from the runs that stand, and says so:
an empty report on a busy machine would hide more than it protects.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model.cpuwork import CHECK_TOLERANCE
from ..store.records import RunRecord, Status

_INSTRUCTIONS = "instructions"
"""``RunRecord.measure`` of a run counted under callgrind (measure/instructions.py)."""

__all__ = ["disturbance_notes", "replaced", "used_runs"]


def replaced(records: Sequence[RunRecord]) -> set[int]:
    """Indices of the ok attempts that a later attempt of the same run replaced."""
    last: dict[tuple[object, ...], int] = {}
    for index, record in enumerate(records):
        if record.status is Status.OK and record.seq is not None:  # older stores: no retries
            key = _run_key(record)
            previous = last.get(key)
            if previous is None or records[previous].attempt <= record.attempt:
                last[key] = index
    standing = set(last.values())
    return {
        index
        for index, record in enumerate(records)
        if record.status is Status.OK and record.seq is not None and index not in standing
    }


def _run_key(record: RunRecord) -> tuple[object, ...]:
    """One run of one worker process: its attempts share it."""
    return (
        record.scenario,
        record.params_label,
        record.label,
        record.seq,
        record.process,
        record.run,
    )


def used_runs(records: Sequence[RunRecord]) -> list[RunRecord]:
    """The ok runs the statistics use: the counted ones, else (every run disturbed) the
    runs that stand, i.e. the last attempt of each."""
    ok = [r for r in records if r.status is Status.OK and r.wall_s is not None]
    counted = [r for r in ok if r.counted]
    if counted or not ok:
        return counted
    gone = replaced(records)
    return [
        r
        for i, r in enumerate(records)
        if i not in gone and r.status is Status.OK and r.wall_s is not None
    ]


def disturbance_notes(records: Sequence[RunRecord]) -> list[str]:
    """What the notes column says about disturbed runs, replacements and calibration.

    Nothing about runs counted under callgrind (``--measure instructions``): other
    programs cannot move an instruction count, and callgrind's slowness makes every run
    look disturbed and every worker's CPU check look off; saying "figures unreliable"
    there would be wrong.
    """
    records = [r for r in records if r.measure != _INSTRUCTIONS]
    notes = []
    ok = [r for r in records if r.status is Status.OK]
    gone = replaced(records)
    standing = [r for i, r in enumerate(records) if r.status is Status.OK and i not in gone]
    disturbed = [r for r in standing if r.disturbed]
    if gone:
        notes.append(f"{len(gone)} disturbed runs replaced by a re-run")
    if disturbed:
        counted = sum(r.counted for r in disturbed)
        if len(disturbed) == len(standing) and not counted:
            notes.append(
                f"all {len(standing)} runs disturbed by other programs: figures unreliable"
            )
        elif counted:
            notes.append(f"{len(disturbed)} of {len(standing)} runs disturbed (counted, as asked)")
        else:
            notes.append(f"{len(disturbed)} of {len(standing)} runs disturbed (not counted)")
    off = {
        (r.seq, r.process)
        for r in ok
        if r.calibration_drift is not None and abs(r.calibration_drift) > CHECK_TOLERANCE
    }
    if off:
        notes.append(
            f"{len(off)} worker(s) measured a CPU rate more than {CHECK_TOLERANCE:.0%} "
            "off the sweep's calibration"
        )
    return notes
