"""How the cost grows with the work: overhead per task against the number of tasks.

Finding the sweeps in a pile of records without knowing the scenarios: a parameter
*drives* the task count when two workloads of a scenario differ in that parameter alone
and have different task counts (``fanout`` with ``tasks=10`` and ``tasks=100``). The
workloads that agree on every other parameter form one family, drawn as one line per
backend. A scenario whose task count never varies has no scaling line.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..analysis.summary import Row, group_records
from ..store.records import RunRecord

__all__ = ["Point", "Series", "scaling_series"]


@dataclass(frozen=True)
class Point:
    tasks: int
    per_task_s: float
    """Median overhead divided by the task count."""
    low_s: float
    high_s: float
    """The bootstrap interval of the median, carried through the same division."""


@dataclass(frozen=True)
class Series:
    scenario: str
    family: str
    """The parameters shared by every point, e.g. ``seconds=0.1``."""
    label: str
    points: tuple[Point, ...]

    @property
    def title(self) -> str:
        return f"{self.scenario} ({self.family})" if self.family else self.scenario


def scaling_series(records: Iterable[RunRecord]) -> list[Series]:
    """One series per (scenario, family, backend) with at least two task counts."""
    by_scenario: dict[str, list[tuple[Mapping[str, Any], Row]]] = {}
    for group in group_records(records):
        for row in group.rows:
            by_scenario.setdefault(group.scenario, []).append((row.records[0].params, row))
    series: list[Series] = []
    for scenario, rows in by_scenario.items():
        driving = _driving_params(rows)
        if not driving:
            continue
        lines: dict[tuple[str, str], list[Point]] = {}
        for params, row in rows:
            point = _point(row)
            if point is None:
                continue
            family = ", ".join(f"{k}={v}" for k, v in params.items() if k not in driving)
            lines.setdefault((family, row.label), []).append(point)
        for (family, label), points in lines.items():
            if len({point.tasks for point in points}) >= 2:
                ordered = tuple(sorted(points, key=lambda point: point.tasks))
                series.append(Series(scenario, family, label, ordered))
    return series


def _driving_params(rows: list[tuple[Mapping[str, Any], Row]]) -> set[str]:
    driving: set[str] = set()
    for (params_a, row_a), (params_b, row_b) in itertools.combinations(rows, 2):
        if row_a.tasks == row_b.tasks or params_a.keys() != params_b.keys():
            continue
        differing = [name for name in params_a if params_a[name] != params_b[name]]
        if len(differing) == 1:
            driving.add(differing[0])
    return driving


def _point(row: Row) -> Point | None:
    if row.wall is None or not row.tasks:
        return None
    return Point(
        tasks=row.tasks,
        per_task_s=(row.wall.median - row.ideal_s) / row.tasks,
        low_s=(row.wall.ci_low - row.ideal_s) / row.tasks,
        high_s=(row.wall.ci_high - row.ideal_s) / row.tasks,
    )
