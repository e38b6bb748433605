"""Baseline comparison: two sets of runs, matched row by row, judged as Criterion judges.

Rows match on scenario, parameters and backend label. A row is *slower* or *faster* only
when both hold: the processes' medians differ (Mann-Whitney U on the per-process medians,
p below ``alpha``), and the whole interval of the change (hierarchical bootstrap over
processes, then runs) lies beyond the noise threshold. A significant change whose
interval reaches into the noise band is *within noise*; the rest is *no significant
change*. Rows whose numbers cannot be judged say why instead: runs that another program
disturbed, or two sides that did a ``cpu`` step with different CPU calibrations. A gate
(``--fail-above``) turns a called slowdown beyond a threshold, or a row that ran in the
base and now only fails, into a non-zero exit for CI.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..analysis.disturbance import replaced
from ..analysis.stats import (
    DEFAULT_NOISE,
    TARGET_CHANGE,
    Comparison,
    compare,
    detectable_change,
    min_processes,
)
from ..analysis.summary import Row, group_records, interpreter_label
from ..analysis.units import fmt_seconds
from ..model.parts import Part
from ..store.records import RunRecord, Status

__all__ = [
    "CALIBRATION_TOLERANCE",
    "HEADERS",
    "DiffRow",
    "Verdict",
    "diff_cells",
    "diff_records",
    "power_warnings",
]

CALIBRATION_TOLERANCE = 0.01
"""Two CPU rates further apart than this (relative) make a ``cpu`` step different work."""
INSTRUCTION_NOISE = 0.01
"""The noise threshold of instruction-count rows (``--measure instructions``): two counts
of the same work agree within 1% even beside a CPU hog (docs/reproducibility.md), so a
larger change is the code's, not the machine's."""


class Verdict(str, enum.Enum):
    SLOWER = "slower"
    FASTER = "faster"
    WITHIN_NOISE = "within noise"
    SAME = "no significant change"
    DISTURBED = "disturbed: not judged"
    CALIBRATION = "different calibration: not judged"
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
    reason: str = ""
    """Why a row was not judged, with its figures (disturbed runs, the two CPU rates)."""
    python: str = ""
    """The interpreter, when the stores hold several: each gets its own row."""

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
    base: Iterable[RunRecord],
    new: Iterable[RunRecord],
    alpha: float = 0.05,
    noise: float = DEFAULT_NOISE,
    *,
    base_envs: Mapping[str, Mapping[str, Any]] | None = None,
    new_envs: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[DiffRow]:
    """Every row of either side, in the base's order, then rows only the new side has.

    ``base_envs`` and ``new_envs`` are the environments beside each store (by id), where
    the sweep's CPU rate may be kept instead of on the records.
    """
    base, new = list(base), list(new)
    # one interpreter a side: the rows match whatever it is (3.11 against 3.12 is a fair
    # question); several: each interpreter's row matches its own
    several = (
        len({interpreter_label(r) for r in base}) > 1
        or len({interpreter_label(r) for r in new}) > 1
    )
    base_rows = _rows(base, several)
    new_rows = _rows(new, several)
    keys = list(base_rows) + [key for key in new_rows if key not in base_rows]
    sides = (base_envs or {}, new_envs or {})
    return [
        _judge(key, base_rows.get(key), new_rows.get(key), alpha=alpha, noise=noise, envs=sides)
        for key in keys
    ]


def _rows(records: Iterable[RunRecord], several: bool) -> dict[tuple[str, str, str], Row]:
    return {
        (group.title, row.label, interpreter_label(row.records[0]) if several else ""): row
        for group in group_records(records)
        for row in group.rows
    }


def _ok(row: Row) -> list[RunRecord]:
    return [r for r in row.records if r.status is Status.OK and r.wall_s is not None]


def _counted(row: Row) -> list[RunRecord]:
    """The ok runs, timed or counted under callgrind."""
    return [r for r in row.records if r.status is Status.OK]


def _judge(
    key: tuple[str, str, str],
    base: Row | None,
    new: Row | None,
    *,
    alpha: float,
    noise: float,
    envs: tuple[Mapping[str, Mapping[str, Any]], Mapping[str, Mapping[str, Any]]],
) -> DiffRow:
    workload, label, python = key

    def verdict(value: Verdict, comparison: Comparison | None = None, reason: str = "") -> DiffRow:
        return DiffRow(workload, label, base, new, comparison, value, reason, python)

    if base is None:
        return verdict(Verdict.ONLY_NEW)
    if new is None:
        return verdict(Verdict.ONLY_BASE)
    sides = _cpu_rates(_counted(base), envs[0]), _cpu_rates(_counted(new), envs[1])
    rates = sides[0][-1] if sides[0] else None, sides[1][-1] if sides[1] else None
    did_cpu_work = _did_cpu_work(_counted(base) + _counted(new))
    mixed = [name for name, found in zip(("base", "new"), sides, strict=True) if _mixed(found)]
    different_work = did_cpu_work and (_differ(*rates) or bool(mixed))
    calibration = ""
    if different_work and mixed:  # sweeps at different rates appended to one store
        calibration = "; ".join(
            f"{name} mixes CPU rates {', '.join(f'{rate:.4g}' for rate in found)}"
            for name, found in zip(("base", "new"), sides, strict=True)
            if _mixed(found)
        )
        calibration += ": its cpu steps were different work within the row"
    elif different_work:
        calibration = (
            f"CPU rate {rates[0]:.4g} in base, {rates[1]:.4g} in new: a cpu step was "
            "different work; run NEW with --calibration BASE"
        )
    counts = _instruction_samples(base), _instruction_samples(new)
    if counts[0] and counts[1]:  # counted under callgrind: the count is the figure
        comparison = compare(counts[0], counts[1], alpha, INSTRUCTION_NOISE)
        if different_work:
            return verdict(Verdict.CALIBRATION, comparison, calibration)
        return verdict(_called(comparison), comparison)
    if base.wall and not new.wall:
        faults = (Status.FAILED, Status.TIMEOUT, Status.CRASHED)
        broken = any(record.status in faults for record in new.records)
        return verdict(Verdict.BROKEN if broken else Verdict.NOT_COMPARED)
    if not base.wall or not new.wall:
        return verdict(Verdict.NOT_COMPARED)
    comparison = compare(base.wall.samples, new.wall.samples, alpha, noise)
    disturbed = _unreplaced_disturbed(_ok(base)), _unreplaced_disturbed(_ok(new))
    if any(disturbed):
        return verdict(
            Verdict.DISTURBED,
            comparison,
            f"{disturbed[0]} disturbed run(s) in base, {disturbed[1]} in new",
        )
    if different_work:
        return verdict(Verdict.CALIBRATION, comparison, calibration)
    return verdict(_called(comparison), comparison)


def _called(comparison: Comparison) -> Verdict:
    if comparison.direction > 0:
        return Verdict.SLOWER
    if comparison.direction < 0:
        return Verdict.FASTER
    if comparison.significant:
        return Verdict.WITHIN_NOISE
    return Verdict.SAME


def _instruction_samples(row: Row) -> list[list[float]]:
    """The instruction counts of a counted row's ok runs, by worker process; empty for a
    timed row. A count has no disturbance to leave out: it does not depend on the load."""
    by_process: dict[tuple[object, ...], list[float]] = {}
    gone = replaced(row.records)  # an attempt that was run again (older stores did so)
    for index, r in enumerate(row.records):
        if index in gone:
            continue
        if r.status is Status.OK and r.measure == "instructions" and r.instructions is not None:
            by_process.setdefault((r.env, r.seq, r.process), []).append(float(r.instructions))
    return list(by_process.values())


def _unreplaced_disturbed(records: Sequence[RunRecord]) -> int:
    """Disturbed runs that no later attempt replaced (``disturbance.replaced``): a disturbed
    run that was run again leaves the statistics whole; one that was not leaves them
    short, or in them with ``--keep-disturbed``."""
    gone = replaced(records)
    return sum(r.disturbed for i, r in enumerate(records) if i not in gone)


def _cpu_rates(records: Sequence[RunRecord], envs: Mapping[str, Mapping[str, Any]]) -> list[float]:
    """The CPU rates (calibrated iterations per second) the side's runs used, from the
    records or their environment, each once, in store order; none when the side kept none
    (no cpu step, or an older store). Several when sweeps at different rates were appended
    to one store."""
    rates: dict[float, None] = {}
    for record in records:
        rate: Any = record.calibration_rate
        if rate is None:  # the environment of the sweep keeps {"rate": ..., "source": ...}
            calibration = envs.get(record.env, {}).get("calibration")
            rate = calibration.get("rate") if isinstance(calibration, Mapping) else None
        if isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > 0:
            rates[float(rate)] = None
    return list(rates)


def _mixed(rates: Sequence[float]) -> bool:
    """Whether one side's rates differ beyond the tolerance among themselves."""
    return bool(rates) and _differ(min(rates), max(rates))


def _did_cpu_work(records: Sequence[RunRecord]) -> bool:
    """Whether the row ran calibrated CPU work: its critical lane spent time in a cpu step
    beyond nominal, which a run of any other workload never records."""
    return any(r.parts.get(Part.CPU) for r in records)


def _differ(base: float | None, new: float | None) -> bool:
    if base is None or new is None:
        return False
    return abs(new / base - 1) > CALIBRATION_TOLERANCE


def power_warnings(
    rows: Sequence[DiffRow], alpha: float, noise: float = DEFAULT_NOISE
) -> list[str]:
    """Rows whose process counts or spread keep the test from calling a change of
    :data:`~concbench.framework.analysis.stats.TARGET_CHANGE`: say so, with advice."""
    weak = []
    most = 0
    for row in rows:
        if row.comparison is None or row.base is None or row.new is None:
            continue
        if not (row.base.wall and row.new.wall):
            continue
        detectable = max(
            detectable_change(row.base.wall.samples, alpha, noise),
            detectable_change(row.new.wall.samples, alpha, noise),
        )
        if detectable > TARGET_CHANGE:
            most = max(most, row.base.wall.processes, row.new.wall.processes)
            counts = f"{row.base.wall.processes} vs {row.new.wall.processes} processes"
            reach = "no change" if math.isinf(detectable) else f"only {detectable:.0%} or more"
            weak.append(f"{row.label} on {row.workload} ({counts}: {reach})")
    if not weak:
        return []
    return [
        f"too few processes or too much spread for diff to call a {TARGET_CHANGE:.0%} change "
        f"at alpha={alpha:g}, noise {noise:.0%}: "
        + "; ".join(weak)
        + f". Use --processes {max(5, min_processes(alpha), most + 3)} or more on both sides "
        "(runs of one process are not independent samples), and see `concbench doctor`."
    ]


HEADERS = ("workload", "backend", "base", "new", "change", "interval", "p", "verdict")
NUMERIC = (False, False, True, True, True, True, True, False)


def diff_cells(row: DiffRow) -> list[str]:
    def median(side: Row | None) -> str:
        if side is not None and side.wall is None and side.instructions_per_task is not None:
            return f"{side.instructions_per_task:,.0f} instr/task"
        return fmt_seconds(side.wall.median if side is not None and side.wall else None)

    comparison = row.comparison
    change = "-" if comparison is None else f"{comparison.change * 100:+.1f}%"
    interval = "-"
    if comparison is not None and math.isfinite(comparison.ci_low):
        interval = f"{comparison.ci_low * 100:+.0f}% to {comparison.ci_high * 100:+.0f}%"
    p_value = "-" if comparison is None else f"{comparison.p_value:.3g}"
    verdict = row.verdict.value + (f" ({row.reason})" if row.reason else "")
    label = f"{row.label} ({row.python})" if row.python else row.label
    return [row.workload, label, median(row.base), median(row.new), change, interval,
            p_value, verdict]  # fmt: skip
