"""The backend hooks beyond execute: figures, notes, close, compare sets, options-aware
availability; through real worker processes where the runner is involved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from concbench.framework import Backend
from concbench.framework.analysis.summary import group_records
from concbench.framework.measure.registry import (
    BACKENDS_GROUP,
    SCENARIOS_GROUP,
    Registry,
    check_backend,
)
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.resultstore import ResultStore, read_records
from support import plugins


@pytest.fixture
def registry() -> Registry:
    backends: dict[str, type[Backend]] = {
        cls.name: cls for cls in (plugins.FigureBackend, plugins.BadCloseBackend)
    }
    references = {
        (BACKENDS_GROUP, name): f"support.plugins:{cls.__name__}" for name, cls in backends.items()
    }
    references[(SCENARIOS_GROUP, "tiny")] = "support.plugins:tiny"
    return Registry(backends=backends, scenarios={"tiny": plugins.tiny}, references=references)


def run(registry: Registry, tmp_path: Path, backend: str) -> list[RunRecord]:
    jobs = plan(registry, "tiny", {}, [(backend, {})])
    store = ResultStore(tmp_path / "r.jsonl")
    Runner(store, RunSettings(warmup=0, repeat=2)).run(jobs)
    return list(read_records(tmp_path / "r.jsonl"))


def test_figures_and_notes_reach_the_record_and_the_report(
    registry: Registry, tmp_path: Path
) -> None:
    records = run(registry, tmp_path, "figure")
    assert [r.status for r in records] == [Status.OK, Status.OK]
    for record in records:
        assert record.figures["warm_up_s"] >= 0.0099
        assert record.note == "2 tasks, one after another"
    [group] = group_records(records)
    note = group.rows[0].note
    assert "2 tasks, one after another" in note
    shown = re.search(r"warm up (\d+(?:\.\d+)?) ms", note)  # the median of the two runs
    assert shown is not None, note
    assert float(shown.group(1)) >= 9.9  # a 10 ms sleep, longer on a busy machine
    assert "(not in measured)" in note


def test_a_backend_that_fails_to_close_is_recorded_after_its_runs(
    registry: Registry, tmp_path: Path
) -> None:
    records = run(registry, tmp_path, "badclose")
    assert [r.status for r in records] == [Status.OK, Status.OK, Status.FAILED]
    error = records[-1].error or ""
    assert error.startswith("while closing the backend")
    assert "OSError: the pool would not shut down" in error


def test_compare_sets_must_be_valid_options() -> None:
    problem = check_backend("badcompare", plugins.BadCompareBackend)
    assert problem is not None
    assert "compare must list valid option sets" in problem
    assert "unknown parameter 'depht' (did you mean 'depth'?)" in problem


def test_an_option_can_make_a_backend_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from concbench.backends.anyio_backend import AnyioBackend

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "trio" else real(name, *a)
    )  # no trio here, as after `pip install concbench[anyio]` alone
    assert AnyioBackend.unavailable_reason({"backend": "asyncio"}) is None
    assert (
        AnyioBackend.unavailable_reason({"backend": "trio"})
        == "trio is not installed: install concbench[trio]"
    )
