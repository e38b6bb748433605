"""Extra worker processes for rows too noisy to judge: real workers, a noisy test backend."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from concbench.framework.analysis.stats import TARGET_CHANGE, detectable_change
from concbench.framework.analysis.summary import process_samples
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.measure.topup import next_process, wants_more
from concbench.framework.model.params import ParameterError
from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.resultstore import ResultStore, read_records
from support import plugins


def _processes(records: list[RunRecord], backend: str) -> set[int]:
    return {r.process for r in records if r.backend == backend and r.status is Status.OK}


@pytest.mark.slow
def test_a_noisy_row_gets_processes_up_to_the_ceiling_and_a_steady_one_none(
    tmp_path: Path,
) -> None:
    registry = plugins.registry(plugins.NoisyBackend, plugins.GoodBackend)
    jobs = plan(registry, "tiny", {"seconds": 0.01}, [("noisy", {}), ("good", {})])
    # disturbed runs kept: beside a busy program a row disturbed through its retries
    # gets no top-up (the next test), and this one is about the ceiling
    settings = RunSettings(warmup=0, repeat=1, processes=5, max_processes=8, keep_disturbed=True)
    Runner(ResultStore(tmp_path / "r.jsonl"), settings).run(jobs)
    records = read_records(tmp_path / "r.jsonl")
    noisy = [r for r in records if r.backend == "noisy"]
    # up to 50 ms of extra time a process on a 10 ms workload: no 8 processes of it can
    # show a 20% change, so it was topped up to the ceiling, one process a round
    assert _processes(records, "noisy") == set(range(8))
    assert detectable_change(process_samples(noisy, keep_disturbed=True)) > TARGET_CHANGE
    good = _processes(records, "good")
    assert set(range(5)) <= good <= set(range(8))
    seqs = [r.seq for r in records]
    assert len(set(seqs)) == len(seqs)  # every extra process has a place in the order


def test_no_ceiling_means_the_planned_processes_only(tmp_path: Path) -> None:
    registry = plugins.registry(plugins.NoisyBackend)
    jobs = plan(registry, "tiny", {"seconds": 0.01}, [("noisy", {})])
    settings = RunSettings(warmup=0, repeat=1, processes=4)
    Runner(ResultStore(tmp_path / "r.jsonl"), settings).run(jobs)
    assert _processes(read_records(tmp_path / "r.jsonl"), "noisy") == set(range(4))


def test_a_ceiling_below_the_planned_processes_is_refused_naming_both() -> None:
    with pytest.raises(ParameterError, match=r"--max-processes must be .* --processes \(5\)"):
        RunSettings(processes=5, max_processes=4)


def _ok(process: int, wall_s: float) -> RunRecord:
    return RunRecord(
        scenario="tiny",
        params={},
        backend="x",
        tasks=2,
        python="3.11",
        status=Status.OK,
        process=process,
        run=0,
        seq=process,
        wall_s=wall_s,
        serial_s=0.02,
        ideal_s=0.01,
    )


def test_a_steady_row_wants_no_more_and_a_spread_one_stops_at_the_ceiling() -> None:
    steady = [_ok(p, 1.0 + p * 1e-4) for p in range(5)]
    assert not wants_more(steady, 10, keep_disturbed=False)
    spread = [_ok(p, 1.0 + 0.3 * (p % 2)) for p in range(5)]
    assert wants_more(spread, 10, keep_disturbed=False)
    assert not wants_more(spread, 5, keep_disturbed=False)
    assert next_process(spread) == 5
    assert not wants_more([], 10, keep_disturbed=False)


def test_a_row_disturbed_through_its_retries_gets_no_more_processes() -> None:
    """A spread row would get another process; not when a run's every attempt was
    disturbed (the machine is busy), unless disturbed runs are kept on purpose."""
    spread = [_ok(p, 1.0 + 0.3 * (p % 2)) for p in range(5)]
    busy = [*spread[:4], dataclasses.replace(spread[4], disturbed=True)]
    assert wants_more(spread, 10, keep_disturbed=False)
    assert not wants_more(busy, 10, keep_disturbed=False)
    assert wants_more(busy, 10, keep_disturbed=True)
    # a disturbed attempt that a clean re-run replaced does not count
    clean_again = dataclasses.replace(spread[4], attempt=1)
    retried = [*busy, clean_again]
    assert wants_more(retried, 10, keep_disturbed=False)
