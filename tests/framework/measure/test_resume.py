"""Resuming: which runs a store already holds, and a runner that does only the rest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from concbench.framework.measure.resume import Stored, Todo, job_key
from concbench.framework.measure.runner import Job, Runner, RunSettings, plan
from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.resultstore import ResultStore, read_records
from support import plugins

KEY = job_key("tiny", {"tasks": 2, "seconds": 0.01}, "good", {}, "CPython 3.11.7")


def record(
    status: Status = Status.OK, process: int = 0, run: int = 0, **fields: object
) -> RunRecord:
    base: dict[str, object] = {
        "scenario": "tiny",
        "params": {"seconds": 0.01, "tasks": 2},  # a store keeps keys sorted: order must not matter
        "backend": "good",
        "status": status,
        "tasks": 2,
        "serial_s": 0.02,
        "ideal_s": 0.01,
        "python": "3.11.7",
        "implementation": "CPython 3.11.7",
        "process": process,
        "run": run,
    }
    return RunRecord(**(base | fields))  # type: ignore[arg-type]


def listed(todo: Todo) -> list[tuple[int, tuple[int, ...]]]:
    """A plan's runs as tuples (a plan gives a ``range`` where nothing is stored)."""
    return [(process, tuple(runs)) for process, runs in todo]


def test_an_empty_store_leaves_every_run_to_do() -> None:
    assert listed(Stored().todo(KEY, skip=False, processes=2, repeat=3)) == [
        (0, (0, 1, 2)),
        (1, (0, 1, 2)),
    ]


def test_only_the_missing_runs_are_left_numbered_as_they_would_have_been() -> None:
    stored = Stored.of([record(run=0), record(run=1), record(process=1, run=1)])
    assert listed(stored.todo(KEY, skip=False, processes=2, repeat=3)) == [(0, (2,)), (1, (0, 2))]
    assert listed(stored.todo(KEY, skip=False, processes=1, repeat=2)) == []


def test_other_jobs_and_other_interpreters_do_not_count() -> None:
    stored = Stored.of(
        [
            record(backend="other"),
            record(params={"seconds": 0.02, "tasks": 2}),
            record(options={"depth": 2}),
            record(implementation="CPython 3.12.1"),
        ]
    )
    assert listed(stored.todo(KEY, skip=False, processes=1, repeat=1)) == [(0, (0,))]


def test_timed_runs_and_counted_runs_do_not_stand_in_for_each_other() -> None:
    timed = [record(run=0), record(process=1, run=0)]
    counted = [record(run=0, measure="instructions", instructions=10**6)]
    stored = timed + counted
    everything = [(0, (0,)), (1, (0,))]
    assert listed(Stored.of(stored).todo(KEY, skip=False, processes=2, repeat=1)) == []
    assert listed(
        Stored.of(stored, measure="instructions").todo(KEY, skip=False, processes=2, repeat=1)
    ) == [(1, (0,))]
    assert (
        listed(
            Stored.of(timed, measure="instructions").todo(KEY, skip=False, processes=2, repeat=1)
        )
        == everything
    )


def test_a_faulted_job_is_finished_unless_faults_are_retried() -> None:
    records = [record(run=0), record(Status.TIMEOUT, run=1, error="too slow")]
    assert listed(Stored.of(records).todo(KEY, skip=False, processes=2, repeat=2)) == []
    retried = Stored.of(records, retry_faults=True)
    assert listed(retried.todo(KEY, skip=False, processes=2, repeat=2)) == [(0, (1,)), (1, (0, 1))]


def test_a_skipped_job_is_recorded_once_and_runs_once_it_can() -> None:
    skipped = Stored.of([record(Status.SKIPPED, error="trio is not installed")])
    assert listed(skipped.todo(KEY, skip=True, processes=2, repeat=3)) == []
    assert listed(Stored().todo(KEY, skip=True, processes=2, repeat=3)) == [(0, (0,))]
    # installed since: the skip record does not count as a run
    assert listed(skipped.todo(KEY, skip=False, processes=1, repeat=1)) == [(0, (0,))]


def jobs_for(*backends: str) -> list[Job]:
    registry = plugins.registry(plugins.GoodBackend, plugins.RaisingBackend)
    return plan(registry, "tiny", {}, [(name, {}) for name in backends])


def test_the_runner_does_only_what_the_store_lacks(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    settings = RunSettings(repeat=2, processes=2, warmup=0)
    [job] = jobs_for("good")
    store = ResultStore(path)
    store.append(job.record(Status.OK, process=0, run=0, wall_s=0.01))
    store.append(job.record(Status.OK, process=1, run=1, wall_s=0.01))
    new = Runner(ResultStore(path), settings).run([job], Stored.of(read_records(path)))
    assert [(r.process, r.run, r.status) for r in new] == [(0, 1, Status.OK), (1, 0, Status.OK)]
    everything = read_records(path)
    assert sorted((r.process, r.run) for r in everything) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_faulted_jobs_are_rerun_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    settings = RunSettings(repeat=1, warmup=0)
    Runner(ResultStore(path), settings).run(jobs_for("raising", "good"))
    assert [r.status for r in read_records(path)] == [Status.FAILED, Status.OK]

    again = Runner(ResultStore(path), settings).run(
        jobs_for("raising", "good"), Stored.of(read_records(path))
    )
    assert again == []
    retried = Runner(ResultStore(path), settings).run(
        jobs_for("raising", "good"), Stored.of(read_records(path), retry_faults=True)
    )
    assert [(r.backend, r.status) for r in retried] == [("raising", Status.FAILED)]


def test_a_store_cannot_choose_what_a_worker_imports(tmp_path: Path) -> None:
    """Jobs, and with them the plugin references a worker loads, come from the plan only;
    records just tick runs off. A poisoned record changes nothing but its own row."""
    path = tmp_path / "r.jsonl"
    [job] = jobs_for("good")
    poisoned = job.record(Status.OK, process=0, run=0, wall_s=0.01).to_dict() | {
        "backend_ref": "concbench_poison:Backend",
        "scenario_ref": "concbench_poison:scenario",
        "__reduce__": "os:system",
    }
    path.write_text(json.dumps(poisoned) + "\n")
    stored = Stored.of(read_records(path))
    new = Runner(ResultStore(path), RunSettings(repeat=2, warmup=0)).run([job], stored)
    assert [(r.run, r.status) for r in new] == [(1, Status.OK)]  # the worker loaded the real one
    assert "concbench_poison" not in sys.modules
