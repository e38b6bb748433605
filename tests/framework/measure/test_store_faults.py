"""Faults between a worker and the files a run is stored in: an impossible measurement, a
trace file on a full disk. Each is a recorded fault with a clear reason, never a crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.store.records import Status
from concbench.framework.store.resultstore import ResultStore, read_records
from concbench.framework.store.tracestore import trace_path
from support import plugins


def test_a_non_finite_measurement_is_a_failed_run_and_the_next_job_runs(tmp_path: Path) -> None:
    registry = plugins.registry(plugins.NanFigureBackend, plugins.GoodBackend)
    jobs = plan(registry, "tiny", {}, [("nan-figure", {}), ("good", {})])
    Runner(ResultStore(tmp_path / "r.jsonl"), RunSettings(repeat=1, warmup=0)).run(jobs)
    first, second = read_records(tmp_path / "r.jsonl")
    assert (first.status, second.status) == (Status.FAILED, Status.OK)
    assert first.error == (
        "the worker broke the protocol: field 'figures.startup_s' must be a finite number, got nan"
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_trace_write_on_a_full_disk_is_a_failed_run_naming_the_file(tmp_path: Path) -> None:
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    store = tmp_path / "r.jsonl"
    trace_path(store).symlink_to("/dev/full")
    registry = plugins.registry(plugins.GoodBackend)
    jobs = plan(registry, "tiny", {}, [("good", {})])
    Runner(ResultStore(store), RunSettings(repeat=2, warmup=0)).run(jobs)
    [record] = read_records(store)
    assert record.status is Status.FAILED
    assert record.error is not None
    assert record.error.startswith(
        f"cannot keep the run's trace: {trace_path(store)}: cannot write (No space left on device)"
    )
