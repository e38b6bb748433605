"""Every backend releases each task on time, with its own timer, never early."""

from __future__ import annotations

import statistics

import pytest

from concbench.framework import Backend, Task, Workload, sleep
from concbench.framework.measure.registry import default_registry
from support.backends import execute


def released(tasks: int, every: float) -> Workload:
    return Workload(
        tasks=(Task((sleep(0.005),)),) * tasks, releases=tuple(i * every for i in range(tasks))
    )


def test_every_task_is_spawned_at_its_release_time(backend_cls: type[Backend]) -> None:
    workload = released(20, 0.01)
    trace = execute(backend_cls, workload)  # checked: no task spawned before its release
    lags = [
        (spawn - trace.begin_ns) / 1e9 - release
        for spawn, release in zip(trace.spawn_ns, workload.releases, strict=True)
    ]
    assert min(lags) >= -1e-6
    # released on a timer, not all at once: the last release is 0.19 s after begin
    assert (trace.spawn_ns[-1] - trace.begin_ns) / 1e9 >= 0.19 - 1e-6
    assert trace.wall_s >= workload.ideal_s * 0.999


@pytest.mark.timing
def test_releases_are_on_time(backend_cls: type[Backend]) -> None:
    workload = released(20, 0.01)
    trace = execute(backend_cls, workload)
    lags = [
        (spawn - trace.begin_ns) / 1e9 - release
        for spawn, release in zip(trace.spawn_ns, workload.releases, strict=True)
    ]
    assert statistics.median(lags) < 0.005


@pytest.mark.parametrize("name", ["processes", "dask"])
def test_backends_that_cannot_release_on_time_say_so(name: str) -> None:
    reason = default_registry().backends[name].unsupported_reason(released(2, 0.01))
    assert reason == f"backend {name!r} cannot release tasks at set times (arrivals)"
