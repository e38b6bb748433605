"""What an open-loop run (tasks with release times) keeps: latency and release lag as
histograms, their percentiles, and the throughput achieved against the one offered.

A task's **latency** runs from its *intended* release (``begin`` + its release time) to
its end, not from when the backend got round to spawning it: a backend that releases late
is charged for it, as a client that sent on schedule would see it (no coordinated
omission). The **release lag** is intended release to spawn, the backend's timer and
dispatcher alone. Both are kept as :class:`Histogram` s, a few kilobytes whatever the
number of tasks, so that a row's percentiles come from every run of every process merged
exactly.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model.histogram import Histogram
from ..model.trace import Trace
from ..model.workload import Workload
from ..store.records import RunRecord

__all__ = ["PERCENTILES", "Arrivals", "arrival_fields", "merged", "row_arrivals"]

PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p999", 99.9))
"""The percentiles a record keeps, by field-name suffix."""


def arrival_fields(trace: Trace, workload: Workload) -> dict[str, Any]:
    """The record fields of a run whose tasks have release times; empty for any other."""
    if not workload.releases:
        return {}
    begin = trace.begin_ns
    due = [begin + round(release * 1e9) for release in workload.releases]
    latency = Histogram.of(end - at for end, at in zip(trace.end_ns, due, strict=True))
    lag = Histogram.of(spawn - at for spawn, at in zip(trace.spawn_ns, due, strict=True))
    fields: dict[str, Any] = {
        f"latency_{name}_s": latency.percentile_s(percent) for name, percent in PERCENTILES
    }
    return fields | {
        "latency_max_s": latency.max_ns / 1e9,
        "release_lag_p50_s": lag.percentile_s(50.0),
        "release_lag_p99_s": lag.percentile_s(99.0),
        "release_lag_max_s": lag.max_ns / 1e9,
        "offered_rate": _rate(workload.releases[0] * 1e9, workload.releases[-1] * 1e9, due),
        "achieved_rate": _rate(min(trace.end_ns), max(trace.end_ns), due),
        "latency": latency.to_json(),
        "release_lag": lag.to_json(),
    }


def _rate(first: float, last: float, tasks: list[int]) -> float:
    """Tasks per second between the first and the last (of releases, or of ends): both
    rates are measured the same way, so an unsaturated backend's two agree."""
    span_s = (last - first) / 1e9
    return (len(tasks) - 1) / span_s if len(tasks) > 1 and span_s > 0 else 0.0


def merged(histograms: Iterable[Mapping[str, Any]]) -> Histogram | None:
    """The stored histograms of several runs as one, or None when there are none."""
    total: Histogram | None = None
    for stored in histograms:
        if stored:
            one = Histogram.from_json(stored)
            total = one if total is None else total.merge(one)
    return total


@dataclass(frozen=True)
class Arrivals:
    """A report row's open-loop figures: every used run's histograms merged, and the
    medians of the rates."""

    latency: Histogram
    release_lag: Histogram
    offered_rate: float
    achieved_rate: float
    service_s: float
    """The nominal work of one task (serial time over tasks): what latency is judged by."""

    @property
    def throughput_ratio(self) -> float:
        """Achieved over offered; 1.0 keeps up."""
        return self.achieved_rate / self.offered_rate if self.offered_rate else 0.0


def row_arrivals(runs: Sequence[RunRecord]) -> Arrivals | None:
    """The open-loop figures of a row's used runs, or None when they have none."""
    runs = [run for run in runs if run.latency]
    latency = merged(run.latency for run in runs)
    release_lag = merged(run.release_lag for run in runs)
    if latency is None or release_lag is None:
        return None
    first = runs[0]
    return Arrivals(
        latency=latency,
        release_lag=release_lag,
        offered_rate=statistics.median(run.offered_rate or 0.0 for run in runs),
        achieved_rate=statistics.median(run.achieved_rate or 0.0 for run in runs),
        service_s=first.serial_s / first.tasks if first.tasks else 0.0,
    )
