"""One sentence per result row naming the dominant cause of its overhead, with its figure.

The sentence is chosen from the overhead decomposition (analysis/decompose.py), taking
medians over the row's runs. Each part words its own sentence (``Part.cause`` in
model/parts.py); this module fills it in, and words the figures that need a decision
(:data:`_DECIDED`). Thresholds, all documented here:

- An overhead below :data:`NEGLIGIBLE_S` or :data:`NEGLIGIBLE_FRACTION` of the ideal is
  "at the ideal": no cause is named for noise.
- The dominant cause is the largest part; a second part is named too when it holds at
  least :data:`SECOND_CAUSE_FRACTION` of the overhead.
- CPU excess is put down to the GIL when the process used less than
  :data:`GIL_CORES` cores' worth of CPU time while more cores were free; to other
  processes when it used less than :data:`ELSEWHERE_CORES` (the work ran in a pool or a
  cluster, whose CPU time this process does not see); otherwise to the work exceeding
  the machine's cores.
"""

from __future__ import annotations

import statistics
import string
from collections.abc import Callable, Sequence

from ..model.parts import Decomposition, Part
from ..store.records import RunRecord, Status
from .units import fmt_seconds

__all__ = ["diagnose", "median_of", "median_parts"]

NEGLIGIBLE_S = 0.001
NEGLIGIBLE_FRACTION = 0.02
SECOND_CAUSE_FRACTION = 0.25
GIL_CORES = 1.3
ELSEWHERE_CORES = 0.5


def median_of(records: Sequence[RunRecord], field: str) -> float | None:
    """Median of a numeric record field over the ok runs that have it."""
    values = [
        value
        for record in records
        if record.status is Status.OK and isinstance(value := getattr(record, field), (int, float))
    ]
    return statistics.median(values) if values else None


def median_parts(records: Sequence[RunRecord]) -> Decomposition:
    """Median of each part over the ok runs that have it; a part no ok run has is absent."""
    ok = [record.parts for record in records if record.status is Status.OK]
    return Decomposition(
        (part, statistics.median(values))
        for part in Part
        if (values := [parts[part] for parts in ok if part in parts])
    )


def diagnose(records: Sequence[RunRecord]) -> str:
    """The row's diagnosis, or "" when no run finished."""
    ok = [record for record in records if record.status is Status.OK]
    if not ok:
        return ""
    overhead = median_of(ok, "overhead_s") or 0.0
    ideal = ok[0].ideal_s
    if abs(overhead) < max(NEGLIGIBLE_S, NEGLIGIBLE_FRACTION * ideal):
        return f"at the ideal: overhead {fmt_seconds(overhead, signed=True)}"
    parts = median_parts(ok)
    ranked = sorted(((value, part) for part, value in parts.items() if value > 0), reverse=True)
    if not ranked:
        return f"overhead {fmt_seconds(overhead, signed=True)}; no trace to explain it"
    # a part can exceed the overhead when another is negative (a lane shorter than the
    # critical path): the sentence never claims more than the whole overhead
    sentences = [_sentence(ranked[0][1], ok, min(ranked[0][0], max(overhead, 0.0)))]
    if len(ranked) > 1 and ranked[1][0] >= SECOND_CAUSE_FRACTION * abs(overhead):
        sentences.append(_sentence(ranked[1][1], ok, ranked[1][0]))
    return "; ".join(sentences)


def _sentence(part: Part, ok: Sequence[RunRecord], seconds: float) -> str:
    """``part.cause`` filled in from the ok runs, ``seconds`` being the part's figure."""
    names = {name for _, name, _, _ in string.Formatter().parse(part.cause) if name}
    return part.cause.format_map({name: _figure(name, ok, seconds) for name in names})


def _figure(name: str, ok: Sequence[RunRecord], seconds: float) -> str:
    if name == "part":
        return fmt_seconds(seconds)
    if name == "per_task":
        return fmt_seconds(seconds / (ok[0].tasks or 1))
    if name in _DECIDED:
        return _DECIDED[name](ok, seconds)
    value = median_of(ok, name) or 0  # a field no ok run has is 0, as a count or a duration
    return fmt_seconds(value) if name.endswith("_s") else f"{value:.0f}"


def _blocked_where(ok: Sequence[RunRecord], part: float) -> str:
    """Where the non-yielding steps ran: main is named only when it held the loop."""
    in_tasks = median_of(ok, "blocked_tasks_s") or 0.0
    in_main = median_of(ok, "blocked_main_s") or 0.0
    where = f"{fmt_seconds(in_tasks)} in tasks"
    if in_main:
        where += f", {fmt_seconds(in_main)} in main"
    return where


def _cpu_verdict(ok: Sequence[RunRecord], part: float) -> str:
    """Who made CPU work late: other processes, the GIL, or more work than cores."""
    wall = median_of(ok, "wall_s") or 0.0
    cpu = median_of(ok, "cpu_s") or 0.0
    cores = ok[0].cores or 1
    busy = cpu / wall if wall else 0.0
    if busy < ELSEWHERE_CORES:
        return (
            f"took {fmt_seconds(part)} longer than calibrated, in other processes "
            f"(this one used {busy:.1f} of {cores} cores)"
        )
    if cores > 1 and busy < GIL_CORES:
        ratio = wall / ok[0].ideal_s if ok[0].ideal_s else 0.0
        return f"serialised by the GIL: {ratio:.1f}x the ideal, {busy:.1f} of {cores} cores busy"
    bound = ok[0].machine_bound_s or ok[0].ideal_s
    return f"exceeds {cores} cores: machine bound {fmt_seconds(bound)}"


_DECIDED: dict[str, Callable[[Sequence[RunRecord], float], str]] = {
    "blocked_where": _blocked_where,
    "cpu_verdict": _cpu_verdict,
}
"""Figures a part's sentence may name that are worded from several fields, given the ok
runs and the part's figure."""
