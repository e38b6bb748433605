"""Run-queue wait and disturbed runs, with a real busy-looping hog beside real threads."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.measure.schedstat import (
    FLOOR_S,
    FRACTION,
    Machine,
    Region,
    ThreadExits,
    available,
    descendants,
    is_disturbed,
    run_helpers,
)
from concbench.framework.model.cpuwork import spin
from concbench.framework.store.resultstore import ResultStore, read_records
from support.hog import hog_on_my_cpu

pytestmark = pytest.mark.skipif(not available(), reason="no per-thread schedstat (not Linux)")


def others_busy(seconds: float = 0.3) -> float:
    """CPU time other processes used per second, over a short look."""
    me = os.getpid()
    first = Machine.scan()
    time.sleep(seconds)
    second = Machine.scan()
    used = 0
    for pid, threads in second.threads.items():
        if pid == me:
            continue
        for tid, (cpu, _) in threads.items():
            used += cpu - first.threads.get(pid, {}).get(tid, (0, 0))[0]
    return used / 1e9 / seconds


def test_the_threshold_is_a_floor_plus_a_fraction_of_the_run() -> None:
    assert not is_disturbed(FLOOR_S * 0.9, 0.0)
    assert is_disturbed(FLOOR_S * 1.1, 0.0)
    assert not is_disturbed(FLOOR_S + FRACTION * 0.9, 1.0)
    assert is_disturbed(FLOOR_S + FRACTION * 1.1, 1.0)


def test_a_thread_that_ends_inside_the_region_still_counts_its_wait() -> None:
    """Without the exit hook, a thread-per-task backend's waiting ends with its threads."""
    ThreadExits.install()
    with hog_on_my_cpu():
        region = Region()
        region.begin()
        thread = threading.Thread(target=spin, args=(2_000_000,))
        thread.start()
        thread.join()
        region.end()
    figures = region.figures()
    # the thread shared its CPU with the hog for ~0.1 s; the main thread, blocked in
    # join(), waits a few ms at most
    assert figures["runqueue_wait_s"] > 0.03
    assert figures["others_cpu_s"] > 0.01
    assert figures["disturbed"]


def test_a_child_process_counts_as_a_helper() -> None:
    with hog_on_my_cpu():
        region = Region()
        region.begin()
        child = subprocess.Popen([sys.executable, "-c", "for i in range(3_000_000): pass"])
        time.sleep(0.05)
        region.end()  # the child is still running: a helper of this "worker"
        child.wait()
    figures = region.figures()
    assert figures["helper_runqueue_wait_s"] is not None
    assert figures["helper_runqueue_wait_s"] > 0.01  # it shared the CPU with the hog


def test_a_helpers_own_children_count_as_helpers_too() -> None:
    # worker 1 with a pool process 2; a server 7 (not ours) whose backend 8 serves the run
    parents = {2: 1, 7: 0, 8: 7, 9: 0}
    assert run_helpers(parents, 1, (7,)) == {2, 7, 8}
    assert run_helpers(parents, 1, ()) == {2}


def test_descendants_follow_the_whole_tree() -> None:
    parents = {2: 1, 3: 2, 4: 3, 5: 1, 6: 9}
    assert descendants(parents, 2) == {3, 4}
    assert descendants(parents, 1) == {2, 3, 4, 5}


def cpu_jobs(backend: str = "asyncio", seconds: float = 0.1) -> list:  # type: ignore[type-arg]
    return plan(default_registry(), "cpu", {"tasks": 1, "seconds": seconds}, [(backend, {})])


def test_a_run_beside_a_hog_on_its_cpu_is_disturbed_and_run_again(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "r.jsonl")
    settings = RunSettings(repeat=1, warmup=0, retries_disturbed=1)
    with hog_on_my_cpu():
        Runner(store, settings).run(cpu_jobs())
    records = read_records(store.path)
    assert [r.attempt for r in records] == [0, 1]  # the first attempt was disturbed
    first = records[0]
    assert first.disturbed
    assert not first.counted  # replaced
    assert first.runqueue_wait_s is not None
    assert first.wall_s is not None
    assert first.runqueue_wait_s > 0.2 * first.wall_s  # it shared its CPU with the hog
    assert first.helper_runqueue_wait_s is None  # asyncio depends on no other process
    assert {(r.process, r.run) for r in records} == {(0, 0)}


@pytest.mark.timing  # a program that starts during the run disturbs it, rightly
def test_a_quiet_short_run_on_a_free_core_is_not_disturbed(tmp_path: Path) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    busy = others_busy()
    if busy > cores - 1 - 0.2:
        pytest.skip(f"no free core: other programs use {busy:.1f} of {cores} cores")
    store = ResultStore(tmp_path / "r.jsonl")
    Runner(store, RunSettings(repeat=2, warmup=0)).run(cpu_jobs(seconds=0.02))
    records = read_records(store.path)
    assert len(records) == 2
    for record in records:
        assert record.runqueue_wait_s is not None
        assert record.others_wait_s is not None
        assert not record.disturbed, (record.others_wait_s, record.others_cpu_s, record.wall_s)
