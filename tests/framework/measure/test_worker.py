"""The worker's loop in this process, on a real asyncio loop: warm-ups at a tenth of the
durations, counted runs at full length."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path
from typing import Any

from concbench.backends.asyncio_backend import AsyncioBackend
from concbench.framework import Task, Workload, sleep
from concbench.framework.measure.protocol import receive
from concbench.framework.measure.worker import WARMUP_SCALE, WorkerRequest, _runs


def test_warmups_run_a_scaled_copy_and_counted_runs_the_workload() -> None:
    workload = Workload(tasks=(Task((sleep(0.3),)),) * 3)
    request = WorkerRequest(
        scenario="fanout", scenario_ref="", params={}, backend="asyncio", backend_ref="",
        options={}, warmup=1, repeat=1,
    )  # fmt: skip
    receiver, sender = multiprocessing.Pipe(duplex=False)
    backend = AsyncioBackend()
    try:
        assert _runs(sender, backend, workload, request, {}) is None
    finally:
        backend.close()
    messages: list[dict[str, Any]] = []
    while receiver.poll():
        message = receive(receiver)
        assert isinstance(message, dict)
        messages.append(message)
    warmup, counted = (message["measurement"] for message in messages)
    assert [message["warmup"] for message in messages] == [True, False]
    assert warmup["wall_s"] >= 0.3 * WARMUP_SCALE  # the sleeps are never early
    assert warmup["wall_s"] < 0.5 * counted["wall_s"]  # a tenth, plus a busy machine's delay
    assert counted["wall_s"] >= 0.3


def test_a_run_records_its_task_path_and_gil_and_the_report_compares_paths(
    tmp_path: Path,
) -> None:
    from concbench.framework.analysis.summary import group_records
    from concbench.framework.measure.runner import Runner, RunSettings, plan
    from concbench.framework.store.resultstore import ResultStore, read_records
    from support import plugins

    registry = plugins.registry(plugins.GoodBackend, plugins.SkeletonAsyncioBackend)
    jobs = plan(registry, "tiny", {}, [("skeleton-asyncio", {}), ("good", {})])
    store = tmp_path / "tiny.jsonl"
    Runner(ResultStore(store), RunSettings(repeat=1, warmup=0, processes=1)).run(jobs)
    records = read_records(store)  # one run each (a disturbed one is kept, uncounted)
    assert {r.backend: r.task_path for r in records} == {
        "skeleton-asyncio": "plain fan-out",  # one sleep per task: the fast path
        "good": "",  # writes its own execute
    }
    assert {r.gil_enabled for r in records} == {getattr(sys, "_is_gil_enabled", lambda: True)()}
    [group] = group_records(records, keep_disturbed=True)
    notes = {row.label: row.note for row in group.rows}
    assert "tasks took the plain fan-out fast path" in notes["skeleton-asyncio"]
    assert "tasks took the backend's own routine" in notes["good"]
