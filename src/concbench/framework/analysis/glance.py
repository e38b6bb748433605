"""The verdict at a glance: one cell per workload and backend, the winner of each workload,
and one sentence saying what the others lost their time to.

Every format that opens or ends with a summary (the HTML heatmap, the terminal's compact
table, Markdown's first table) renders this, so they can never disagree about who won.
It adds no statistics of its own:

- the figure is the row's efficiency (ideal / measured), or its overhead per task where
  the ideal is 0 and every efficiency would be 0;
- the winner is the fastest row, the one every other row's ``vs best`` is computed
  against (analysis/summary.py);
- a row is *tied* with the winner when that comparison is not called a difference by
  the rule ``diff`` uses (:attr:`~.stats.Comparison.direction`: the processes' medians
  differ at p < 0.05 *and* the whole interval of the change lies beyond the 10% noise
  threshold). Where either side has fewer processes than the test needs to call any
  difference (:func:`~.stats.min_processes`: 4 at 0.05), the cell is *uncalled*, not
  tied: a row 2.5 times slower on 2 processes is not shown as level with the winner;
- the cause is the part of the overhead (model/parts.py) that dominates most of the rows
  behind the winner, worded by the slowest of them's diagnosis (analysis/diagnosis.py).

Rows of shapes this module does not know (no ideal, no task count, no wall time) get a
cell that says what is missing, never an empty one and never an exception.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..model.parts import Part
from ..store.records import Status
from .stats import min_processes
from .summary import Group, Row
from .units import fmt_ratio, fmt_seconds

__all__ = ["Cell", "Glance", "Mark", "WorkloadLine", "glance", "row_key"]


class Mark(str, enum.Enum):
    """What a cell says about its backend on its workload."""

    BEST = "best"
    TIED = "tied"
    """Not called different from the best (see the module's docstring)."""
    BEHIND = "behind"
    UNCALLED = "uncalled"
    """Too few processes on one side for the test to call any difference."""
    SKIPPED = "skipped"
    FAILED = "failed"
    """Failed, timed out or crashed: no run finished."""
    NO_FIGURE = "no figure"
    """Runs finished, but the row has no figure to compare (a shape with no wall time)."""
    NOT_RUN = "not run"
    """The backend has no row for this workload in these results."""


@dataclass(frozen=True)
class Cell:
    mark: Mark
    text: str
    """The figure (``0.99``, ``+12.40 µs``) or the status (``skipped``); never empty."""
    shade: float | None = None
    """0 (worst) to 1 (best) for the colour; None for a cell with no figure."""
    detail: str = ""
    """One line for a tooltip: the note of a row that did not run, or the comparison."""


@dataclass(frozen=True)
class WorkloadLine:
    """One workload: its cells in the order of :attr:`Glance.backends`, and its verdict."""

    title: str
    scenario: str
    short: str
    """A column header for narrow tables: the scenario, and on a second line the
    parameters that tell its workloads apart (``fanout\\ntasks=100``)."""
    figure: str
    """What the cells show: ``efficiency`` or ``overhead per task``."""
    cells: tuple[Cell, ...]
    sentence: str


@dataclass(frozen=True)
class Glance:
    backends: tuple[str, ...]
    """Every row name that appears in any workload, in first-seen order."""
    workloads: tuple[WorkloadLine, ...]


def row_key(row: Row) -> str:
    """How a row is named in the summary: ``asyncio``, or ``asyncio on CPython 3.13.0``."""
    return f"{row.label} on {row.python}" if row.python else row.label


def glance(groups: Sequence[Group]) -> Glance:
    backends = list(dict.fromkeys(row_key(row) for group in groups for row in group.rows))
    shorts = _short_titles(groups)
    lines = []
    for group, short in zip(groups, shorts, strict=True):
        by_key = {row_key(row): row for row in group.rows}
        per_task = not any(row.ideal_s for row in group.rows)
        best = _best(group.rows)
        best_value = _value(best, per_task) if best is not None else None
        cells = tuple(
            _cell(by_key[key], best, best_value, per_task) if key in by_key else _not_run()
            for key in backends
        )
        lines.append(
            WorkloadLine(
                title=group.title,
                scenario=group.scenario,
                short=short,
                figure="overhead per task" if per_task else "efficiency",
                cells=cells,
                sentence=_sentence(group.rows, best, per_task),
            )
        )
    return Glance(tuple(backends), tuple(lines))


def _best(rows: Sequence[Row]) -> Row | None:
    """The row the others were compared with: the measured row without ``vs_best``."""
    measured = [row for row in rows if row.wall is not None]
    if not measured:
        return None
    return min(measured, key=lambda row: row.wall.median if row.wall else math.inf)


def _mark(row: Row, best: Row | None) -> Mark:
    if row.wall is None:
        if row.statuses.get(Status.OK):
            return Mark.NO_FIGURE
        if any(row.statuses.get(s) for s in (Status.FAILED, Status.TIMEOUT, Status.CRASHED)):
            return Mark.FAILED
        return Mark.SKIPPED
    if row is best:
        return Mark.BEST
    comparison = row.vs_best
    if comparison is None:
        return Mark.TIED
    if min(comparison.base_processes, comparison.new_processes) < min_processes(comparison.alpha):
        return Mark.UNCALLED
    return Mark.TIED if comparison.direction <= 0 else Mark.BEHIND


def _value(row: Row, per_task: bool) -> float | None:
    return row.overhead_per_task_s if per_task else row.efficiency


def _cell(row: Row, best: Row | None, best_value: float | None, per_task: bool) -> Cell:
    mark = _mark(row, best)
    if row.wall is None:
        text = _status_text(row) if mark is not Mark.NO_FIGURE else "no figure"
        return Cell(mark, text, None, row.note)
    value = _value(row, per_task)
    if value is None or not math.isfinite(value):
        return Cell(mark, fmt_seconds(row.wall.median), None, "no ideal to compare with")
    comparison = row.vs_best
    detail = (
        "the fastest"
        if mark is Mark.BEST
        else f"{comparison.change:+.1%} against the fastest, p={comparison.p_value:.2g}"
        if comparison is not None
        else ""
    )
    if per_task:
        shade = 1.0 if value <= 0 or not best_value or best_value <= 0 else best_value / value
        return Cell(mark, fmt_seconds(value, signed=True), min(shade, 1.0), detail)
    return Cell(mark, fmt_ratio(value), max(0.0, min(value, 1.0)), detail)


def _status_text(row: Row) -> str:
    for status in (Status.FAILED, Status.TIMEOUT, Status.CRASHED, Status.SKIPPED):
        if row.statuses.get(status):
            return str(status.value)
    return "no runs"


def _not_run() -> Cell:
    return Cell(Mark.NOT_RUN, "not run", None, "no runs of this backend on this workload")


def _sentence(rows: Sequence[Row], best: Row | None, per_task: bool) -> str:
    """Who won, who tied, and what the rows behind lost most of their time to."""
    if best is None:
        return "no backend finished a run of this workload."
    figure = _value(best, per_task)
    shown = (
        f"overhead {fmt_seconds(figure, signed=True)} per task"
        if per_task and figure is not None
        else f"efficiency {fmt_ratio(figure)}"
        if figure is not None
        else f"measured {fmt_seconds(best.wall.median if best.wall else None)}"
    )
    text = f"{row_key(best)} is fastest ({shown})"
    tied = [row_key(row) for row in rows if _mark(row, best) is Mark.TIED]
    if tied:
        text += f", tied with {_names(tied)}"
    uncalled = [row_key(row) for row in rows if _mark(row, best) is Mark.UNCALLED]
    if uncalled:
        text += f"; too few processes to compare {_names(uncalled)} with it"
    behind = [row for row in rows if _mark(row, best) is Mark.BEHIND]
    if not behind:
        if uncalled:
            return text + "."
        if len([row for row in rows if row.wall is not None]) == 1:
            return text + "; no other backend finished a run."
        return text + "; no backend is called slower."
    return text + f"; {_cause(behind)}."


def _cause(behind: Sequence[Row]) -> str:
    """The part that dominates most rows behind, worded by the slowest such row."""
    dominant = {row_key(row): _top_part(row) for row in behind}
    counted = Counter(part for part in dominant.values() if part is not None)
    slowest = max(behind, key=lambda row: row.wall.median if row.wall else 0.0)
    if not counted:
        return f"slowest, {row_key(slowest)}: {_first(slowest.diagnosis) or 'no diagnosis'}"
    part, count = counted.most_common(1)[0]
    witness = max(
        (row for row in behind if dominant[row_key(row)] is part),
        key=lambda row: row.wall.median if row.wall else 0.0,
    )
    said = _first(witness.diagnosis) or part.label
    if len(behind) == 1:
        return f"{row_key(witness)}, behind it, loses most to {part.label}: {said}"
    share = "all" if count == len(behind) else str(count)
    return (
        f"of the {len(behind)} behind it, {share} {'loses' if count == 1 else 'lose'} most to "
        f"{part.label}; "
        f"{row_key(witness)}: {said}"
    )


def _top_part(row: Row) -> Part | None:
    positive = [(value, part) for part, value in row.parts.items() if value > 0]
    return max(positive)[1] if positive else None


def _first(diagnosis: str) -> str:
    return diagnosis.split("; ", maxsplit=1)[0]


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _short_titles(groups: Sequence[Group]) -> list[str]:
    """The scenario, plus the parameters whose values differ between its workloads."""
    values: dict[str, dict[str, set[str]]] = {}
    for group in groups:
        for name, value in _params(group).items():
            values.setdefault(group.scenario, {}).setdefault(name, set()).add(value)
    shorts = []
    for group in groups:
        params = _params(group)
        varying = [
            f"{name}={params[name]}"
            for name, seen in values.get(group.scenario, {}).items()
            if len(seen) > 1 and name in params
        ]
        shorts.append("\n".join([group.scenario, " ".join(varying)]) if varying else group.scenario)
    return shorts


def _params(group: Group) -> dict[str, str]:
    first = group.rows[0].records[0] if group.rows and group.rows[0].records else None
    return {} if first is None else {str(k): str(v) for k, v in first.params.items()}
