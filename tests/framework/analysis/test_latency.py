"""Latency from the intended release: a late release is charged, to the nanosecond."""

from __future__ import annotations

import asyncio
import math
import statistics
from array import array

import pytest

from concbench.framework import Backend, Recorder, Task, Trace, Workload, sleep
from concbench.framework.analysis.latency import arrival_fields
from concbench.framework.measure.registry import default_registry
from concbench.framework.model.histogram import PRECISION, Histogram
from concbench.scenarios.arrivals import build_arrivals
from support.backends import execute

LATE_S = 0.05
"""How late the test backend releases every task, on purpose."""
SERVICE_S = 0.01


class LateBackend(Backend):
    """asyncio that spawns every task exactly ``LATE_S`` after its release time: what a
    loop stalled by a slow dispatcher, or a timer that fires late, does to a server."""

    name = "late"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        asyncio.run(self._run(workload, recorder))

    async def _run(self, workload: Workload, recorder: Recorder) -> None:
        clock, tasks = recorder.clock, []
        recorder.begin()
        for index, task in enumerate(workload.tasks):
            due = recorder.begun_at + workload.releases[index] + LATE_S
            while (wait := due - clock()) > 0:
                await asyncio.sleep(wait)
            recorder.spawn(index)
            tasks.append(asyncio.create_task(self._task(index, task, recorder)))
        recorder.main_done()
        await asyncio.gather(*tasks)
        recorder.finish()

    @staticmethod
    async def _task(index: int, task: Task, recorder: Recorder) -> None:
        recorder.start(index)
        for number, step in enumerate(task.steps):
            await asyncio.sleep(step.seconds)
            recorder.step_done(index, number)


def arrivals_workload() -> Workload:
    return build_arrivals(
        rate=50.0, duration=0.4, arrival="even", seed=0, kind="sleep", service=SERVICE_S
    )


def at_least(value: float, bound: float) -> bool:
    return value >= bound * (1 - PRECISION)


def test_known_latencies_come_back_within_the_stated_precision() -> None:
    """A trace made by hand: task i released at i ms and ending (i + 1) x 1.5 ms later, so
    every latency is known; each percentile is within PRECISION of the exact one."""
    tasks = 200
    workload = Workload(
        tasks=(Task((sleep(0.001),)),) * tasks, releases=tuple(i / 1000 for i in range(tasks))
    )
    begin = 10**12
    latencies = [(i + 1) * 1_500_000 for i in range(tasks)]
    spawn = array("q", [begin + i * 1_000_000 + 7_000 for i in range(tasks)])  # 7 µs lag
    end = array("q", [begin + i * 1_000_000 + latencies[i] for i in range(tasks)])
    trace = Trace(
        begin_ns=begin,
        main_done_ns=int(spawn[-1]),
        finish_ns=max(end),
        spawn_ns=spawn,
        start_ns=spawn,
        end_ns=end,
        step_end_ns=end,
        step_offsets=workload.step_offsets,
    )
    trace.check(workload)
    fields = arrival_fields(trace, workload)
    for name, percent in (("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9)):
        exact = sorted(latencies)[math.ceil(percent * tasks / 100) - 1] / 1e9
        assert fields[f"latency_{name}_s"] == pytest.approx(exact, rel=PRECISION), name
    assert fields["latency_max_s"] == latencies[-1] / 1e9
    assert fields["release_lag_p50_s"] == pytest.approx(7e-6, rel=PRECISION)
    assert fields["offered_rate"] == pytest.approx(1000.0)
    assert Histogram.from_json(fields["latency"]).count == tasks


@pytest.mark.timing
def test_a_backend_that_releases_late_shows_exactly_that_lateness() -> None:
    workload = arrivals_workload()
    fields = arrival_fields(execute(LateBackend(), workload), workload)
    for name in ("p50", "p90", "p99", "p999"):
        latency = fields[f"latency_{name}_s"]
        assert at_least(latency, LATE_S + SERVICE_S), (name, latency)
        assert latency < LATE_S + SERVICE_S + 0.03, (name, latency)
    assert at_least(fields["release_lag_p50_s"], LATE_S)
    assert fields["release_lag_max_s"] < LATE_S + 0.03


def test_latency_counts_from_the_intended_release_not_from_the_spawn() -> None:
    """Timed from its spawn, as a closed-loop client would time it, the late backend's every
    request looks fine; from the intended release, each carries the lateness."""
    workload = arrivals_workload()
    trace = execute(LateBackend(), workload)
    from_spawn = statistics.median(
        (end - spawn) / 1e9 for end, spawn in zip(trace.end_ns, trace.spawn_ns, strict=True)
    )
    fields = arrival_fields(trace, workload)
    assert from_spawn < LATE_S
    assert at_least(fields["latency_p50_s"] - from_spawn, LATE_S)


@pytest.mark.timing
def test_a_backend_that_releases_on_time_shows_no_such_lateness() -> None:
    workload = arrivals_workload()
    asyncio_cls = default_registry().backends["asyncio"]
    fields = arrival_fields(execute(asyncio_cls, workload), workload)
    assert at_least(fields["latency_p50_s"], SERVICE_S)
    assert fields["latency_p50_s"] < LATE_S
    assert fields["release_lag_p50_s"] < LATE_S / 5


def test_a_workload_without_releases_keeps_no_latency_figures() -> None:
    workload = Workload(tasks=(Task((sleep(0.001),)),))
    trace = execute(default_registry().backends["asyncio"], workload)
    assert arrival_fields(trace, workload) == {}
