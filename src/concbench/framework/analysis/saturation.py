"""Where a backend stops keeping up: latency against offered load, and the saturation point.

A sweep over the arrival rate draws the hockey stick: latency stays near the service time
while the backend keeps up, then climbs as requests queue. Found without knowing the
scenario, as the scaling plot finds its sweeps: a parameter *drives* the load when two
open-loop workloads of a scenario differ in it alone and offer different rates; the
workloads that agree on every other parameter form a family, one line per backend.

A backend is **saturated** at a rate when its p99 latency exceeds
:data:`SATURATION_FACTOR` times the nominal service time (and at least
:data:`MIN_THRESHOLD_S`), or when it completes requests more than :data:`SHORTFALL` slower
than they are offered. Its saturation point is the lowest rate of the sweep from which it
is saturated at every higher rate too: on a busy machine one disturbed rate can pass the
threshold while the next keeps up, and a backend does not recover under more load.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..store.records import RunRecord
from .latency import Arrivals
from .summary import Row, group_records
from .units import fmt_seconds

__all__ = [
    "MIN_THRESHOLD_S",
    "SATURATION_FACTOR",
    "SHORTFALL",
    "LoadPoint",
    "LoadSeries",
    "load_series",
    "saturated_because",
    "saturation_lines",
]

SATURATION_FACTOR = 10.0
"""p99 latency beyond this many service times is saturation."""
MIN_THRESHOLD_S = 0.001
"""The latency threshold is never below this, so a request of no work is not "saturated"
by a timer's own resolution."""
SHORTFALL = 0.10
"""Completing requests this much (10%) slower than they are offered is saturation."""


def saturated_because(arrivals: Arrivals) -> str | None:
    """Why a row is saturated, in words, or None when it keeps up."""
    threshold = max(SATURATION_FACTOR * arrivals.service_s, MIN_THRESHOLD_S)
    p99 = arrivals.latency.percentile_s(99.0)
    if p99 > threshold:
        return f"p99 {fmt_seconds(p99)} > {fmt_seconds(threshold)}"
    if arrivals.throughput_ratio < 1 - SHORTFALL:
        return f"achieved {arrivals.throughput_ratio:.0%} of offered"
    return None


@dataclass(frozen=True)
class LoadPoint:
    offered_rate: float
    achieved_rate: float
    p50_s: float
    p99_s: float
    p999_s: float
    saturated: str | None
    """Why this point is saturated (:func:`saturated_because`), or None."""


@dataclass(frozen=True)
class LoadSeries:
    scenario: str
    family: str
    """The parameters shared by every point, e.g. ``kind=sleep, service=0.001``."""
    label: str
    points: tuple[LoadPoint, ...]
    """In order of offered rate."""

    @property
    def title(self) -> str:
        return f"{self.scenario} ({self.family})" if self.family else self.scenario

    @property
    def saturation(self) -> LoadPoint | None:
        """The lowest offered rate from which the backend is saturated at every higher
        rate swept, or None. A backend does not recover under more load, so a rate
        flagged below one that is not was a disturbance (:attr:`isolated`), not saturation."""
        found = None
        for point in reversed(self.points):
            if not point.saturated:
                break
            found = point
        return found

    @property
    def isolated(self) -> tuple[LoadPoint, ...]:
        """Rates flagged as saturated below a rate that is not: noise, not saturation."""
        saturation = self.saturation
        return tuple(
            point
            for point in self.points
            if point.saturated
            and (saturation is None or point.offered_rate < saturation.offered_rate)
        )


def load_series(records: Iterable[RunRecord]) -> list[LoadSeries]:
    """One series per (scenario, family, backend) with at least two offered rates."""
    by_scenario: dict[str, list[tuple[Mapping[str, Any], Row]]] = {}
    for group in group_records(records):
        for row in group.rows:
            if row.arrivals is not None:
                by_scenario.setdefault(group.scenario, []).append((row.records[0].params, row))
    series: list[LoadSeries] = []
    for scenario, rows in by_scenario.items():
        driving = _driving_params(rows)
        lines: dict[tuple[str, str], list[LoadPoint]] = {}
        for params, row in rows:
            family = ", ".join(f"{k}={v}" for k, v in params.items() if k not in driving)
            lines.setdefault((family, row.label), []).append(_point(row.arrivals))
        for (family, label), points in lines.items():
            if len({point.offered_rate for point in points}) >= 2:
                ordered = tuple(sorted(points, key=lambda point: point.offered_rate))
                series.append(LoadSeries(scenario, family, label, ordered))
    return series


def _driving_params(rows: list[tuple[Mapping[str, Any], Row]]) -> set[str]:
    driving: set[str] = set()
    for (params_a, row_a), (params_b, row_b) in itertools.combinations(rows, 2):
        if params_a.keys() != params_b.keys() or _offered(row_a) == _offered(row_b):
            continue
        differing = [name for name in params_a if params_a[name] != params_b[name]]
        if len(differing) == 1:
            driving.add(differing[0])
    return driving


def _offered(row: Row) -> float:
    return row.arrivals.offered_rate if row.arrivals is not None else 0.0


def _point(arrivals: Arrivals | None) -> LoadPoint:
    assert arrivals is not None  # load_series keeps rows with arrivals only
    return LoadPoint(
        offered_rate=arrivals.offered_rate,
        achieved_rate=arrivals.achieved_rate,
        p50_s=arrivals.latency.percentile_s(50.0),
        p99_s=arrivals.latency.percentile_s(99.0),
        p999_s=arrivals.latency.percentile_s(99.9),
        saturated=saturated_because(arrivals),
    )


def saturation_lines(series: Iterable[LoadSeries]) -> list[str]:
    """One sentence per series naming its saturation point, or how far it kept up."""
    lines = []
    for line in series:
        point = line.saturation
        where = f"{line.title}, {line.label}"
        if point is None:
            top = line.points[-1].offered_rate
            text = f"{where}: keeps up to {top:,.0f}/s (the highest rate swept)"
        else:
            text = f"{where}: saturates at {point.offered_rate:,.0f}/s ({point.saturated})"
        if line.isolated:
            rates = ", ".join(f"{p.offered_rate:,.0f}/s ({p.saturated})" for p in line.isolated)
            text += f"; not counted, since a higher rate kept up: {rates}"
        lines.append(text)
    return lines
