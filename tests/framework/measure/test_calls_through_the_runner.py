"""``call`` steps through the runner: real worker processes, real backends, real functions.

The scenarios are in tests/support/calls.py; workers import them (and the functions their
steps name) by reference, as they would a plugin's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from concbench.framework.analysis.summary import group_records
from concbench.framework.measure.registry import (
    BACKENDS_GROUP,
    SCENARIOS_GROUP,
    Registry,
    default_registry,
)
from concbench.framework.measure.runner import Job, Runner, RunSettings, plan
from concbench.framework.model.parts import Part
from concbench.framework.model.workload import ModelError, StepKind
from concbench.framework.reports.outputs import Outputs, load_traces
from concbench.framework.reports.plots import KIND_COLORS
from concbench.framework.reports.terminal_timeline import KIND_STYLES
from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.resultstore import ResultStore, read_records
from support import calls

SCENARIOS = {
    "call-naps": calls.call_naps,
    "call-raising": calls.call_raising,
    "call-unimportable": calls.call_unimportable,
}
NAP_S = 0.02


@pytest.fixture(scope="module")
def registry() -> Registry:
    installed = default_registry()
    references = {key: ref for key, ref in installed.references.items() if key[0] == BACKENDS_GROUP}
    references |= {
        (SCENARIOS_GROUP, name): f"support.calls:{name.replace('-', '_')}" for name in SCENARIOS
    }
    return Registry(backends=dict(installed.backends), scenarios=SCENARIOS, references=references)


def run(
    registry: Registry, tmp_path: Path, scenario: str, params: dict[str, object], *backends: str
) -> tuple[list[Job], list[RunRecord]]:
    options = {"processes": {"workers": 2, "start": "forkserver"}}
    jobs = plan(registry, scenario, params, [(name, options.get(name, {})) for name in backends])
    store = tmp_path / "r.jsonl"
    Runner(ResultStore(store), RunSettings(repeat=2, warmup=1)).run(jobs)
    return jobs, read_records(store)


@pytest.mark.parametrize("backend", ["asyncio", "trio", "threads", "processes"])
def test_a_call_step_runs_with_solo_times_and_an_ideal_from_them(
    registry: Registry, tmp_path: Path, backend: str
) -> None:
    log = str(tmp_path / "calls.log")
    params = {"tasks": 3, "seconds": NAP_S, "log": log}
    jobs, records = run(registry, tmp_path, "call-naps", params, backend)
    assert jobs[0].uses_calls
    assert [(r.status, r.error) for r in records] == [(Status.OK, None)] * 2
    for record in records:
        [solo] = record.solo_s.values()
        assert list(record.solo_s) == ["nap"]
        assert NAP_S <= solo < NAP_S + 0.015  # a nap alone: its sleep and a little more
        # two naps per task, tasks overlap; main naps NAP_S / 2 beside them
        assert record.ideal_s == pytest.approx(2 * solo)
        assert record.serial_s == pytest.approx(6 * solo + NAP_S / 2)
        assert record.wall_s is not None
        assert record.overhead_s == pytest.approx(record.wall_s - record.ideal_s)
        assert record.parts.total == pytest.approx(record.overhead_s)
    events = calls.read_log(log)
    variant = {"asyncio": "anyio", "trio": "anyio"}.get(backend, "sync")
    assert {e["variant"] for e in events if e["event"] == "call"} == {variant}
    # every task index and step position reached the function (the solo runs are one
    # task making the call several times: task 0, steps 0, 1, 2, ...)
    assert {(e["task"], e["step"]) for e in events if e["event"] == "call"} >= {
        (task, step) for task in range(3) for step in range(2)
    }


def test_the_calls_resource_is_made_before_and_closed_after_each_measured_run(
    registry: Registry, tmp_path: Path
) -> None:
    log = str(tmp_path / "calls.log")
    _, records = run(registry, tmp_path, "call-naps", {"tasks": 2, "log": log}, "trio")
    assert [r.status for r in records] == [Status.OK] * 2
    events = calls.read_log(log)
    opened = [e for e in events if e["event"] == "open"]
    closed = {e["id"]: e["ns"] for e in events if e["event"] == "close"}
    # one warm-up, the solo probe and solo repeats, two counted runs: a resource each
    assert len(opened) == len(closed) >= 5
    for event in opened:
        calls_made = [e for e in events if e["event"] == "call" and e["resource"] == event["id"]]
        assert calls_made, "every resource served the calls of its run"
        assert event["ns"] < min(e["ns"] for e in calls_made)
        assert closed[event["id"]] > max(e["ns"] for e in calls_made)
        assert event["tasks"] in {1, 2}  # a solo run has one task


def test_an_asyncio_only_call_runs_on_asyncio_and_is_skipped_on_trio_with_the_reason(
    registry: Registry, tmp_path: Path
) -> None:
    params = {"tasks": 2, "variants": "asyncio"}
    _, records = run(registry, tmp_path, "call-naps", params, "asyncio", "trio")
    by_backend = {r.backend: r for r in records}
    assert by_backend["asyncio"].status is Status.OK
    assert by_backend["trio"].status is Status.SKIPPED
    assert by_backend["trio"].error == (
        "call 'nap' has only asyncio functions; trio runs anyio or sync functions"
    )


def test_a_sync_call_on_a_loop_runs_inline_blocks_it_and_the_note_says_so(
    registry: Registry, tmp_path: Path
) -> None:
    params = {"tasks": 3, "seconds": NAP_S, "variants": "sync"}
    _, records = run(registry, tmp_path, "call-naps", params, "asyncio")
    for record in records:
        assert record.status is Status.OK
        assert "sync call nap runs inline and blocks the loop" in record.note
        # three tasks of two blocking naps: one after another, the loop held throughout
        assert record.wall_s is not None
        assert record.wall_s >= 6 * NAP_S
        assert record.blocked_steps == 6
        assert record.parts[Part.BLOCKED] > 2 * NAP_S


@pytest.mark.parametrize(
    ("backend", "where"),
    [("asyncio", "async"), ("trio", "async"), ("threads", "sync"), ("processes", "sync")],
)
def test_a_raising_call_makes_the_run_failed_with_its_text(
    registry: Registry, tmp_path: Path, backend: str, where: str
) -> None:
    _, records = run(registry, tmp_path, "call-raising", {"where": where}, backend)
    [record] = records
    assert record.status is Status.FAILED
    assert "ValueError" in (record.error or "")
    assert "boom in task" in (record.error or "")
    [group] = group_records(records)
    assert "failed: ValueError: " in group.rows[0].note  # the row says what was raised


def test_an_exception_that_cannot_come_back_from_a_pool_process_comes_back_as_text(
    registry: Registry, tmp_path: Path
) -> None:
    _, records = run(registry, tmp_path, "call-raising", {"where": "stubborn"}, "processes")
    [record] = records
    assert record.status is Status.FAILED
    assert "TaskError" in (record.error or "")
    assert "Stubborn: stubborn failure" in (record.error or "")


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("support.nowhere:ghost", "No module named 'support.nowhere'"),
        ("support.calls:ghost", "support.calls has no ghost"),
        ("support.calls:nap_anyio", "is an `async def` function; give it as anyio="),
    ],
)
def test_a_function_a_worker_cannot_use_is_refused_before_anything_runs(
    registry: Registry, tmp_path: Path, ref: str, reason: str
) -> None:
    with pytest.raises(ModelError, match="call 'ghost' \\(sync\\)") as refused:
        plan(registry, "call-unimportable", {"ref": ref}, [("threads", {})])
    assert reason in str(refused.value)
    assert not (tmp_path / "r.jsonl").exists()


def test_records_with_solo_times_round_trip_and_old_records_have_none() -> None:
    record = RunRecord(
        scenario="s",
        params={},
        backend="b",
        status=Status.OK,
        tasks=1,
        serial_s=0.1,
        ideal_s=0.1,
        python="3",
        solo_s={"nap": 0.02},
        offload_steps=2,
        handoff_mean_s=1e-4,
    )
    again = RunRecord.from_dict(record.to_dict())
    assert again == record
    old = {key: value for key, value in record.to_dict().items() if key != "solo_s"}
    assert RunRecord.from_dict(old).solo_s == {}
    assert dataclasses.replace(record, solo_s={}).to_dict()["solo_s"] == {}


def test_every_report_format_shows_a_stored_call_run_with_its_timeline(
    registry: Registry, tmp_path: Path
) -> None:
    # call steps and a sleep in main: the timeline draws a call step
    run(registry, tmp_path, "call-naps", {"tasks": 2}, "trio", "threads")
    store = tmp_path / "r.jsonl"
    outputs = {name: tmp_path / f"report.{name}" for name in ("html", "markdown", "csv", "json")}
    Outputs(dict(outputs), plots=tmp_path / "plots").write(
        read_records(store), load_traces([store])
    )
    page = outputs["html"].read_text()
    assert "Timelines" in page
    assert "solo: nap" in page
    assert "solo_s" in outputs["csv"].read_text()
    markdown = outputs["markdown"].read_text()
    assert "solo\\: nap" in markdown  # escaped: a colon may start inline markup
    assert "solo times" in markdown  # the caption says where serial and ideal come from


def test_every_step_kind_has_a_colour_and_a_terminal_style() -> None:
    # a kind without one broke every timeline with a KeyError (io, put and get did)
    assert set(StepKind) <= set(KIND_COLORS)
    assert set(StepKind) <= set(KIND_STYLES)
