"""Open-loop run records made by hand, for the saturation and latency report tests."""

from __future__ import annotations

from concbench.framework.model.histogram import Histogram
from concbench.framework.store.records import RunRecord, Status

__all__ = ["SERVICE_S", "record"]

SERVICE_S = 0.001
TASKS = 1000


def record(backend: str, rate: float, latency_s: float, achieved: float | None = None) -> RunRecord:
    """One ok open-loop run whose every request took ``latency_s``."""
    latency = Histogram.of([round(latency_s * 1e9)] * TASKS)
    return RunRecord(
        scenario="arrivals",
        params={"rate": rate, "duration": 1.0},
        backend=backend,
        status=Status.OK,
        tasks=TASKS,
        serial_s=TASKS * SERVICE_S,
        ideal_s=1.0,
        python="3.11",
        wall_s=1.0,
        latency=latency.to_json(),
        release_lag=Histogram.of([1000] * TASKS).to_json(),
        offered_rate=rate,
        achieved_rate=rate if achieved is None else achieved,
    )
