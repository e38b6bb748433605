"""The worker's loop in this process, on a real asyncio loop: warm-ups at a tenth of the
durations, counted runs at full length."""

from __future__ import annotations

import multiprocessing
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
