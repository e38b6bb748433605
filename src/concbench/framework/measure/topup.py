"""More worker processes for the rows that cannot yet show the change they are there for.

A row's power depends on how far its processes' medians spread, which is only known once
they ran: five processes of a quiet row let ``diff`` call a 10% change, five of a row
with one slow process call only 40%. Running every row with enough processes for the
worst one would double a sweep; instead, after the planned processes of a workload, the
rows whose spread would hide a change of :data:`~..analysis.stats.TARGET_CHANGE` get one
more process a round, in a shuffled order, until they can show it or reach the ceiling
(``--max-processes``). docs/reproducibility.md shows what it did to the compare matrix.

A row whose runs stayed disturbed through their retries gets none: the machine is busy
with another program, whose load more processes only measure again (a sweep beside a
hog took up to six times as long topping such rows up to the ceiling).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.disturbance import replaced
from ..analysis.stats import TARGET_CHANGE, detectable_change
from ..analysis.summary import process_samples
from ..store.records import RunRecord, Status

__all__ = ["next_process", "wants_more"]


def wants_more(records: Sequence[RunRecord], ceiling: int, *, keep_disturbed: bool) -> bool:
    """Whether one job's records (every sweep's, when resuming) call for another process:
    fewer than ``ceiling`` processes stand, and their spread hides the target change."""
    samples = process_samples(records, keep_disturbed=keep_disturbed)
    if not samples or next_process(records) >= ceiling:
        return False
    if not keep_disturbed and _disturbed_through_retries(records):
        return False
    return detectable_change(samples) > TARGET_CHANGE


def _disturbed_through_retries(records: Sequence[RunRecord]) -> bool:
    """Some run's last attempt was still disturbed: other programs held the CPU for all
    of its attempts."""
    gone = replaced(records)
    return any(
        record.disturbed and record.status is Status.OK and index not in gone
        for index, record in enumerate(records)
    )


def next_process(records: Sequence[RunRecord]) -> int:
    """The process index after the highest one the job's records used."""
    return max((record.process for record in records), default=-1) + 1
