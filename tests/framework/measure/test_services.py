"""Servers a workload asks for: started by the runner for a job, outside the measured
region, reached from the worker through ``Workload.endpoints``, stopped after the job."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from concbench.framework import Backend
from concbench.framework.measure import pgserver
from concbench.framework.measure.registry import BACKENDS_GROUP, SCENARIOS_GROUP, Registry
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.model.params import ParameterError
from concbench.framework.store.records import Status
from concbench.framework.store.resultstore import ResultStore, read_records
from support import plugins

needs_postgres = pytest.mark.skipif(
    pgserver.find_binaries() is None,
    reason="PostgreSQL is not installed here (apt-get install postgresql)",
)


@pytest.fixture
def registry() -> Registry:
    backends: dict[str, type[Backend]] = {
        "service-client": plugins.ServiceClientBackend,
        "good": plugins.GoodBackend,
    }
    references = {
        (BACKENDS_GROUP, "service-client"): "support.plugins:ServiceClientBackend",
        (BACKENDS_GROUP, "good"): "support.plugins:GoodBackend",
        (SCENARIOS_GROUP, "service-tiny"): "support.plugins:service_tiny",
    }
    return Registry(backends, {"service-tiny": plugins.service_tiny}, references=references)


def servers() -> list[str]:
    return sorted(
        child.name
        for child in multiprocessing.active_children()
        if child.name in ("concbench-http-server", "concbench-postgres")
    )


def run(registry: Registry, tmp_path: Path, services: str) -> list[tuple[Status, str]]:
    jobs = plan(
        registry, "service-tiny", {"tasks": 2, "seconds": 0.05, "services": services},
        [("service-client", {})],
    )  # fmt: skip
    Runner(ResultStore(tmp_path / "r.jsonl"), RunSettings(warmup=0, repeat=2)).run(jobs)
    records = read_records(tmp_path / "r.jsonl")
    for record in records:
        if record.status is Status.OK:
            assert record.wall_s is not None
            assert record.wall_s >= 2 * 0.05  # two real requests, one after another
    return [(record.status, record.error or "") for record in records]


def test_the_http_server_is_started_for_the_job_and_stopped_after(
    registry: Registry, tmp_path: Path
) -> None:
    before = servers()
    assert run(registry, tmp_path, "http") == [(Status.OK, ""), (Status.OK, "")]
    assert servers() == before


@needs_postgres
def test_postgresql_is_started_for_the_job_and_stopped_after(
    registry: Registry, tmp_path: Path
) -> None:
    before = set(Path("/tmp").glob("concbench-pg-*"))
    assert run(registry, tmp_path, "postgres,http") == [(Status.OK, ""), (Status.OK, "")]
    assert servers() == []
    assert set(Path("/tmp").glob("concbench-pg-*")) <= before  # its cluster is gone


def test_without_postgresql_the_job_is_skipped_with_the_package_to_install(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pgserver.BIN_VARIABLE, str(tmp_path))  # a real, empty directory
    [(status, error)] = run(registry, tmp_path, "postgres")
    assert status is Status.SKIPPED
    assert error.startswith("PostgreSQL is not installed")
    assert error.endswith("apt-get install postgresql")
    assert servers() == []


def test_an_unknown_service_is_refused_while_planning(registry: Registry) -> None:
    with pytest.raises(ParameterError, match="service 'redis'; known services: http, postgres"):
        plan(registry, "service-tiny", {"services": "redis"}, [("service-client", {})])
