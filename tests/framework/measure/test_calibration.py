"""One calibration per sweep: measured once, handed to every worker and pool process."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pytest

from concbench.framework.measure.calibration import Calibration, from_store
from concbench.framework.measure.environment import env_path
from concbench.framework.measure.order import interleave
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.resume import Stored, Todo
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.model.params import ParameterError
from concbench.framework.store.records import Status
from concbench.framework.store.resultstore import ResultStore, read_records
from concbench.framework.store.sweeps import read_sweeps, sweep_path

TINY_RATE = 1e5
"""Iterations per second far below any real machine's: a cpu(0.2) step becomes 20,000
iterations, a millisecond or two of work, so a run that adopted it ends far earlier."""


def cpu_jobs(*backends: tuple[str, dict[str, object]], seconds: float = 0.2) -> list:  # type: ignore[type-arg]
    return plan(default_registry(), "cpu", {"tasks": 2, "seconds": seconds}, list(backends))


def test_every_worker_and_pool_process_does_the_sweeps_work(tmp_path: Path) -> None:
    """With a rate 100x too low, cpu steps take a hundredth of their nominal time: in the
    worker (asyncio) and in the pool's processes (processes) alike."""
    store = ResultStore(tmp_path / "r.jsonl")
    jobs = cpu_jobs(("asyncio", {}), ("processes", {"workers": 2}))
    settings = RunSettings(repeat=1, warmup=0)
    Runner(store, settings, calibration=Calibration(TINY_RATE, "test")).run(jobs)
    records = read_records(store.path)
    assert sorted(r.backend for r in records) == ["asyncio", "processes"]
    for record in records:
        assert record.status is Status.OK, record.error
        assert record.calibration_rate == TINY_RATE
        assert record.wall_s is not None
        assert record.wall_s < 0.2  # 2 x 0.2 s nominal; own calibration would take >= 0.2 s
        assert record.calibration_drift is not None
        assert record.calibration_drift > 10  # the worker's own check sees the odd rate


def test_a_sweep_calibrates_once_and_checks_again_after_its_last_job(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "r.jsonl")
    jobs = cpu_jobs(("asyncio", {}), ("threads", {}), seconds=0.02)
    Runner(store, RunSettings(repeat=1, warmup=0, processes=2), environment={"x": 1}).run(jobs)
    records = read_records(store.path)
    rates = {r.calibration_rate for r in records}
    assert len(rates) == 1
    [rate] = rates
    assert rate is not None
    assert rate > 1e5
    [env] = [json.loads(line) for line in env_path(store.path).read_text().splitlines()]
    assert env["calibration"] == {"rate": rate, "source": "measured"}
    assert isinstance(env["order_seed"], int)
    assert {r.env for r in records} == {env["id"]}
    [sweep] = read_sweeps(store.path)
    assert sweep["calibration"]["rate"] == rate
    assert sweep["calibration"]["rate_after"] > 0
    assert sweep["finished"]
    assert len(sweep["canary"]) >= 2
    assert sweep["order_seed"] == env["order_seed"]


def test_a_sweep_without_cpu_work_does_not_calibrate(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "r.jsonl")
    jobs = plan(default_registry(), "fanout", {"tasks": 10}, [("asyncio", {})])
    Runner(store, RunSettings(repeat=1, warmup=0)).run(jobs)
    [record] = read_records(store.path)
    assert record.calibration_rate is None
    assert record.calibration_drift is None


def test_a_stores_calibration_can_be_reused_and_bad_stores_are_refused(tmp_path: Path) -> None:
    first = ResultStore(tmp_path / "first.jsonl")
    jobs = cpu_jobs(("asyncio", {}), seconds=0.01)
    Runner(first, RunSettings(repeat=1, warmup=0), calibration=Calibration(2e7)).run(jobs)
    reused = from_store(first.path)
    assert reused.rate == 2e7
    assert reused.source == str(first.path)

    with pytest.raises(ParameterError, match="does not exist"):
        from_store(tmp_path / "missing.jsonl")
    with pytest.raises(ParameterError, match="beside the result store"):
        from_store(sweep_path(first.path))
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(ParameterError, match="holds no CPU calibration"):
        from_store(tmp_path / "empty.jsonl")
    (tmp_path / "junk.jsonl").write_text("not json\n")
    with pytest.raises(ParameterError, match="--calibration"):
        from_store(tmp_path / "junk.jsonl")


def test_interleaving_takes_each_jobs_processes_round_robin() -> None:
    todo: list[tuple[str, Todo]] = [
        ("a", [(0, (0,)), (1, (0,)), (2, (0,))]),
        ("b", [(0, (0,)), (1, (0,))]),
        ("c", []),
    ]
    order = interleave(todo, random.Random(1))
    assert sorted(order) == sorted(
        [("a", 0, (0,)), ("a", 1, (0,)), ("a", 2, (0,)), ("b", 0, (0,)), ("b", 1, (0,))]
    )
    assert order[:2] == [("a", 0, (0,)), ("b", 0, (0,))]  # round 0, in the planned order
    assert {job for job, process, _ in order[2:4]} == {"a", "b"}  # round 1, shuffled
    assert order[4] == ("a", 2, (0,))
    assert interleave(todo, random.Random(1)) == order  # the seed decides the order
    orders = {tuple(interleave(todo, random.Random(seed))) for seed in range(20)}
    assert len(orders) > 1  # and it is shuffled


def test_the_store_shows_the_processes_interleaved_in_time(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "r.jsonl")
    jobs = plan(default_registry(), "fanout", {"tasks": 10}, [("asyncio", {}), ("threads", {})])
    Runner(store, RunSettings(repeat=1, warmup=0, processes=3, order_seed=7)).run(jobs)
    records = sorted(read_records(store.path), key=lambda r: r.seq or 0)
    assert [r.seq for r in records] == list(range(6))
    for k in range(3):  # round k: process k of both backends, in either order
        assert {(r.backend, r.process) for r in records[2 * k : 2 * k + 2]} == {
            ("asyncio", k),
            ("threads", k),
        }


def test_resuming_an_interleaved_sweep_with_re_runs_does_only_the_missing_runs(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.jsonl"
    jobs = plan(default_registry(), "fanout", {"tasks": 10}, [("asyncio", {}), ("threads", {})])
    settings = RunSettings(repeat=2, warmup=0, processes=2)
    Runner(ResultStore(path), settings).run(jobs)
    records = read_records(path)
    # as if the sweep had been stopped: the last process it ran lost its records, and one
    # run was disturbed and then run again (two attempts for one run)
    last = max(r.seq or 0 for r in records)
    kept = [r for r in records if r.seq != last]
    extra = dataclasses.replace(kept[0], attempt=1)
    cut = tmp_path / "cut.jsonl"
    for record in [*kept, extra]:
        ResultStore(cut).append(record)
    stored = Stored.of(read_records(cut))
    new = Runner(ResultStore(cut), settings).run(jobs, stored)
    lost = {(r.backend, r.process, r.run) for r in records if r.seq == last}
    assert {(r.backend, r.process, r.run) for r in new} == lost
    assert min(r.seq or 0 for r in new) > max(r.seq or 0 for r in kept)  # seq goes on
