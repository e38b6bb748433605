"""The walkthrough's example plugin (docs/own-code.md), run as the walkthrough runs it: its
scenario's call step hashes a real file on asyncio, trio, threads and processes.

The plugin is put on the path rather than installed (tests/test_example_plugin.py shows the
installed path): workers, pool processes included, find its functions by name through
the path they inherit."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from concbench.framework.measure.registry import (
    BACKENDS_GROUP,
    SCENARIOS_GROUP,
    Registry,
    default_registry,
)
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.store.records import Status
from concbench.framework.store.resultstore import ResultStore, read_records

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "concbench-filehash" / "src"


@pytest.fixture(scope="module")
def registry() -> Registry:
    sys.path.insert(0, str(EXAMPLE))
    filehash = importlib.import_module("concbench_filehash.scenario").filehash

    installed = default_registry()
    references = {key: ref for key, ref in installed.references.items() if key[0] == BACKENDS_GROUP}
    references[(SCENARIOS_GROUP, "filehash")] = "concbench_filehash.scenario:filehash"
    return Registry(
        backends=dict(installed.backends), scenarios={"filehash": filehash}, references=references
    )


def test_the_walkthrough_runs_on_asyncio_trio_threads_and_processes(
    registry: Registry, tmp_path: Path
) -> None:
    backends = [("asyncio", {}), ("trio", {}), ("threads", {}), ("processes", {"workers": 2})]
    jobs = plan(registry, "filehash", {"tasks": 4, "mib": 1}, backends)
    assert all(job.uses_calls and job.skip_reason is None for job in jobs)
    Runner(ResultStore(tmp_path / "r.jsonl"), RunSettings(repeat=2, warmup=1)).run(jobs)
    records = read_records(tmp_path / "r.jsonl")
    assert [(r.backend, r.status) for r in records] == [
        (name, Status.OK) for name, _ in backends for _ in range(2)
    ]
    for record in records:
        solo = record.solo_s["sha256"]
        assert 0 < solo < 1.0
        assert record.ideal_s == pytest.approx(solo)  # one hash per task, tasks overlap
        assert record.serial_s == pytest.approx(4 * solo)


def test_without_its_anyio_variant_the_hash_runs_inline_on_a_loop(
    registry: Registry, tmp_path: Path
) -> None:
    jobs = plan(registry, "filehash", {"tasks": 2, "mib": 1, "offload": False}, [("trio", {})])
    assert "sync call sha256 runs inline and blocks the loop" in jobs[0].note
    Runner(ResultStore(tmp_path / "r.jsonl"), RunSettings(repeat=1, warmup=0)).run(jobs)
    [record] = read_records(tmp_path / "r.jsonl")
    assert record.status is Status.OK
    assert record.blocked_steps == 2
