"""The postgres scenario: real drivers against a PostgreSQL server concbench started, run
as concbench runs them (planned, real worker processes, the server started by the runner)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from concbench.framework.measure import pgserver
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.model.calls import calls_in, with_solo
from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.resultstore import ResultStore, read_records

needs_postgres = pytest.mark.skipif(
    pgserver.find_binaries() is None,
    reason="PostgreSQL is not installed here (apt-get install postgresql)",
)
SETTINGS = RunSettings(warmup=0, repeat=1, processes=1)


def run(tmp_path: Path, backends: list[str], **params: object) -> dict[str, RunRecord]:
    registry = default_registry()
    available = [name for name in backends if registry.backend(name).unavailable_reason() is None]
    jobs = plan(registry, "postgres", {"tasks": 12, "seconds": 0.02, "pool": 4, **params},
                [(name, {}) for name in available])  # fmt: skip
    Runner(ResultStore(tmp_path / "r.jsonl"), SETTINGS).run(jobs)
    return {record.backend: record for record in read_records(tmp_path / "r.jsonl")}


def assert_ok(record: RunRecord, waits: int = 3) -> None:
    assert record.status is Status.OK, record.error
    assert record.wall_s is not None
    assert record.wall_s >= waits * 0.02  # 12 sleeps through 4 connections: 3 in a row
    [solo] = record.solo_s.values()
    assert 0.02 <= solo < 0.02 + 0.5
    assert record.ideal_s == pytest.approx(waits * solo)


@needs_postgres
def test_asyncpg_on_asyncio_and_uvloop(tmp_path: Path) -> None:
    records = run(tmp_path, ["asyncio", "uvloop", "threads"], driver="asyncpg")
    assert_ok(records["asyncio"])
    if "uvloop" in records:
        assert_ok(records["uvloop"])
    assert records["threads"].status is Status.SKIPPED  # asyncpg has no blocking API


@needs_postgres
def test_psycopg_async_on_asyncio_and_sync_on_threads_and_gevent(tmp_path: Path) -> None:
    records = run(tmp_path, ["asyncio", "threads", "gevent", "trio"], driver="psycopg")
    assert_ok(records["asyncio"])
    assert_ok(records["threads"])
    if "gevent" in records:
        assert_ok(records["gevent"])
    if "trio" in records:  # psycopg's async API is asyncio only; its sync one is not inlined
        assert records["trio"].status is Status.SKIPPED


@needs_postgres
def test_the_lookup_mode_reads_the_table_concbench_made(tmp_path: Path) -> None:
    records = run(tmp_path, ["asyncio", "threads"], driver="psycopg", query="lookup", calls=3)
    for record in records.values():
        assert record.status is Status.OK, record.error
        [solo] = record.solo_s.values()
        assert solo < 0.02  # a key lookup on a local socket: far below a 20 ms sleep


def test_without_postgresql_every_row_is_skipped_with_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pgserver.BIN_VARIABLE, str(tmp_path))  # a real, empty directory
    records = run(tmp_path, ["asyncio", "threads"], driver="psycopg")
    assert {r.status for r in records.values()} == {Status.SKIPPED}
    for record in records.values():
        assert (record.error or "").endswith("apt-get install postgresql")


@pytest.mark.parametrize(("tasks", "pool", "calls"), [(50, 10, 1), (7, 3, 2), (4, 10, 1)])
def test_the_ideal_is_the_pool_schedule_of_solo_times(tasks: int, pool: int, calls: int) -> None:
    params = {"tasks": tasks, "pool": pool, "calls": calls, "driver": "psycopg"}
    workload = default_registry().scenario("postgres").workload(params)
    [name] = [target.name for target in calls_in(workload)]
    ideal = with_solo(workload, {name: 0.052}).ideal_s
    assert ideal == pytest.approx(math.ceil(tasks / pool) * calls * 0.052)
