"""Baseline comparison: two sets of runs, matched row by row, judged by a significance test.

Rows match on scenario, parameters and backend label. A row is *slower* or *faster* only
when the Mann-Whitney U test says its wall times differ (p below ``alpha``); a change in
the medians without significance is reported as noise. A gate (``--fail-above``) turns a
significant slowdown beyond a threshold, or a row that ran in the base and now only
fails, into a non-zero exit for CI.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..analysis.stats import Comparison, compare, mann_whitney_p
from ..analysis.summary import Row, group_records
from ..analysis.units import fmt_seconds
from ..store.records import RunRecord, Status

__all__ = ["HEADERS", "DiffRow", "Verdict", "diff_cells", "diff_records", "power_warnings"]


class Verdict(str, enum.Enum):
    SLOWER = "slower"
    FASTER = "faster"
    SAME = "no significant change"
    BROKEN = "no ok runs in new"
    NOT_COMPARED = "not compared"
    ONLY_BASE = "only in base"
    ONLY_NEW = "only in new"


@dataclass(frozen=True)
class DiffRow:
    workload: str
    label: str
    base: Row | None
    new: Row | None
    comparison: Comparison | None
    verdict: Verdict

    def fails(self, threshold: float) -> bool:
        """Whether this row should fail a gate of ``threshold`` (0.10 is 10% slower)."""
        if self.verdict is Verdict.BROKEN:
            return True
        return (
            self.verdict is Verdict.SLOWER
            and self.comparison is not None
            and self.comparison.change > threshold
        )


def diff_records(
    base: Iterable[RunRecord], new: Iterable[RunRecord], alpha: float = 0.05
) -> list[DiffRow]:
    """Every row of either side, in the base's order, then rows only the new side has."""
    base_rows = _rows(base)
    new_rows = _rows(new)
    keys = list(base_rows) + [key for key in new_rows if key not in base_rows]
    return [_judge(key[0], key[1], base_rows.get(key), new_rows.get(key), alpha) for key in keys]


def _rows(records: Iterable[RunRecord]) -> dict[tuple[str, str], Row]:
    return {(group.title, row.label): row for group in group_records(records) for row in group.rows}


def _ok(row: Row) -> list[float]:
    return [r.wall_s for r in row.records if r.status is Status.OK and r.wall_s is not None]


def _judge(workload: str, label: str, base: Row | None, new: Row | None, alpha: float) -> DiffRow:
    def verdict(value: Verdict, comparison: Comparison | None = None) -> DiffRow:
        return DiffRow(workload, label, base, new, comparison, value)

    if base is None:
        return verdict(Verdict.ONLY_NEW)
    if new is None:
        return verdict(Verdict.ONLY_BASE)
    base_ok, new_ok = _ok(base), _ok(new)
    if base_ok and not new_ok:
        faults = (Status.FAILED, Status.TIMEOUT, Status.CRASHED)
        broken = any(record.status in faults for record in new.records)
        return verdict(Verdict.BROKEN if broken else Verdict.NOT_COMPARED)
    if not base_ok or not new_ok:
        return verdict(Verdict.NOT_COMPARED)
    comparison = compare(base_ok, new_ok, alpha)
    if not comparison.significant:
        return verdict(Verdict.SAME, comparison)
    return verdict(Verdict.SLOWER if comparison.change > 0 else Verdict.FASTER, comparison)


def power_warnings(rows: Sequence[DiffRow], alpha: float) -> list[str]:
    """Rows with too few runs for any difference to reach significance: say so, with advice."""
    weak = []
    for row in rows:
        if row.comparison is None or row.base is None or row.new is None:
            continue
        n, m = len(_ok(row.base)), len(_ok(row.new))
        if mann_whitney_p(range(n), range(n, n + m)) >= alpha:  # fully separated samples
            weak.append(f"{row.label} on {row.workload} ({n} vs {m} runs)")
    if not weak:
        return []
    return [
        f"too few runs for any change to be significant at alpha={alpha:g}: "
        + "; ".join(weak)
        + ". Use --repeat 5 or more on both sides."
    ]


HEADERS = ("workload", "backend", "base", "new", "change", "p", "verdict")
NUMERIC = (False, False, True, True, True, True, False)


def diff_cells(row: DiffRow) -> list[str]:
    def median(side: Row | None) -> str:
        return fmt_seconds(side.wall.median if side is not None and side.wall else None)

    comparison = row.comparison
    change = "-" if comparison is None else f"{comparison.change * 100:+.1f}%"
    p_value = "-" if comparison is None else f"{comparison.p_value:.3g}"
    return [row.workload, row.label, median(row.base), median(row.new), change, p_value,
            row.verdict.value]  # fmt: skip
