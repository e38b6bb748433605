"""One purpose-built faulty backend per kind of fault, each in a real worker process.

Every test runs the faulty backend and then a good one in the same sweep: the fault must
be recorded with its status and reason, and the next job must still run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from concbench.framework import Backend
from concbench.framework.analysis.summary import group_records
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.store.records import Status
from concbench.framework.store.resultstore import ResultStore, read_records
from support import plugins

FAULTS: list[tuple[type[Backend], Status, list[str]]] = [
    (plugins.RaisingBackend, Status.FAILED, ["ValueError: this backend always raises"]),
    (
        plugins.HangingBackend,
        Status.TIMEOUT,
        [
            "run exceeded the time limit of 1 s (raise it with --timeout)",
            "where the worker was:",  # the worker's stack when it was stopped
            "in execute",
        ],
    ),
    (
        plugins.ExitingBackend,
        Status.CRASHED,
        ["worker process exited with code 3 without reporting"],
    ),
    (
        plugins.SegfaultBackend,
        Status.CRASHED,
        [
            "worker process was killed by SIGSEGV",
            "Fatal Python error: Segmentation fault",
            "in execute",
        ],
    ),
    (
        plugins.LeakyThreadsBackend,
        Status.FAILED,
        ["ContractError: execute returned but left 1 thread(s) or process(es) running (forgotten)"],
    ),
    (plugins.ContractBreakingBackend, Status.FAILED, ["ContractError: task 0 never started"]),
    (
        plugins.EndBeforeStartBackend,
        Status.FAILED,
        ["ContractError: task 0: spawn <= start <= end must hold within the run"],
    ),
    (plugins.SysExitBackend, Status.FAILED, ["SystemExit: 4"]),
    (plugins.GarbageBackend, Status.OK, []),  # printing is allowed; it just goes nowhere
]


@pytest.mark.parametrize(
    ("faulty", "status", "reasons"), FAULTS, ids=[cls.name for cls, _, _ in FAULTS]
)
def test_a_fault_is_recorded_and_the_next_job_runs(
    faulty: type[Backend],
    status: Status,
    reasons: list[str],
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    registry = plugins.registry(faulty, plugins.GoodBackend)
    jobs = plan(registry, "tiny", {}, [(faulty.name, {}), ("good", {})])
    timeout_s = 1.0 if status is Status.TIMEOUT else 30.0  # only the hang should meet it
    settings = RunSettings(repeat=2, warmup=1, timeout_s=timeout_s)
    returned = Runner(ResultStore(tmp_path / "r.jsonl"), settings).run(jobs)

    records = read_records(tmp_path / "r.jsonl")
    assert records == returned
    first, rest = records[0], records[1:]
    if status is Status.OK:
        first, rest = records[0], records[2:]
        assert [r.status for r in records[:2]] == [Status.OK, Status.OK]
    assert (first.backend, first.status) == (faulty.name, status)
    for reason in reasons:
        assert reason in (first.error or "")
    if reasons:  # the report's note gives the line that says why
        [row, _] = group_records(records)[0].rows
        assert row.note.startswith(f"{status.value}: ")
        assert reasons[0] in row.note
    assert [(r.backend, r.status, r.run) for r in rest] == [
        ("good", Status.OK, 0),
        ("good", Status.OK, 1),
    ]
    output = capfd.readouterr()
    assert "GARBAGE" not in output.out + output.err  # a worker's output never reaches ours


def test_a_fault_during_warm_up_says_so(tmp_path: Path) -> None:
    registry = plugins.registry(plugins.RaisingBackend)
    jobs = plan(registry, "tiny", {}, [("raising", {})])
    Runner(ResultStore(tmp_path / "r.jsonl"), RunSettings(repeat=1, warmup=1)).run(jobs)
    [record] = read_records(tmp_path / "r.jsonl")
    assert record.status is Status.FAILED
    assert record.error is not None
    assert record.error.endswith("(during warm-up)")
    assert re.search(r"plugins\.py.*in execute", record.error, re.DOTALL)
