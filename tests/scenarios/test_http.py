"""The http scenario: real client libraries against concbench's own HTTP server, run as
concbench runs them (planned, then real worker processes, the server started by the runner)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.model.calls import calls_in, with_solo
from concbench.framework.store.records import RunRecord, Status
from concbench.framework.store.resultstore import ResultStore, read_records

SETTINGS = RunSettings(warmup=0, repeat=1, processes=1)


def run(tmp_path: Path, backends: list[str], **params: object) -> dict[str, RunRecord]:
    registry = default_registry()
    available = [name for name in backends if registry.backend(name).unavailable_reason() is None]
    jobs = plan(registry, "http", {"tasks": 20, "seconds": 0.02, **params},
                [(name, {}) for name in available])  # fmt: skip
    Runner(ResultStore(tmp_path / "r.jsonl"), SETTINGS).run(jobs)
    return {record.backend: record for record in read_records(tmp_path / "r.jsonl")}


def assert_ok(record: RunRecord, calls: int = 2) -> None:
    assert record.status is Status.OK, record.error
    assert record.wall_s is not None
    assert record.wall_s >= calls * 0.02  # each task's requests waited on the server in turn
    [solo] = record.solo_s.values()  # one request alone: the server's delay and the client
    assert 0.02 <= solo < 0.02 + 0.5


@pytest.mark.parametrize("keepalive", [True, False])
def test_httpx_runs_on_every_coroutine_backend(tmp_path: Path, keepalive: bool) -> None:
    records = run(tmp_path, ["asyncio", "uvloop", "trio", "anyio"], client="httpx",
                  keepalive=keepalive)  # fmt: skip
    assert "asyncio" in records
    for record in records.values():
        assert_ok(record)


def test_aiohttp_runs_on_asyncio_and_is_skipped_on_trio_with_the_reason(tmp_path: Path) -> None:
    records = run(tmp_path, ["asyncio", "trio"], client="aiohttp")
    assert_ok(records["asyncio"])
    if "trio" in records:
        assert records["trio"].status is Status.SKIPPED
        assert "has only asyncio functions; trio runs anyio or sync" in (
            records["trio"].error or ""
        )


@pytest.mark.parametrize("client", ["requests", "urllib3"])
def test_blocking_clients_run_on_threads_and_gevent_never_inline_on_a_loop(
    tmp_path: Path, client: str
) -> None:
    records = run(tmp_path, ["threads", "gevent", "asyncio"], client=client, keepalive=False)
    assert_ok(records["threads"])
    if "gevent" in records:
        assert_ok(records["gevent"])
    assert records["asyncio"].status is Status.SKIPPED
    assert "not run inline on a loop" in (records["asyncio"].error or "")


def test_raw_is_the_io_step_at_the_same_latency(tmp_path: Path) -> None:
    records = run(tmp_path, ["asyncio"], client="raw", calls=1)
    record = records["asyncio"]
    assert record.status is Status.OK, record.error
    assert record.io_steps == 20
    assert record.ideal_s == pytest.approx(0.02)


def test_the_default_run_sweeps_each_ecosystems_client_with_keepalive_on_and_off() -> None:
    http = default_registry().scenario("http")
    assert http.sweeps == {"client": "raw,httpx,aiohttp,requests", "keepalive": "on,off"}


def test_a_missing_client_library_skips_its_rows_with_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = default_registry()  # loaded before the import path is cut
    # an import path on which aiohttp cannot be found: planning must say so, not import it
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    for name in [m for m in sys.modules if m == "aiohttp" or m.startswith("aiohttp.")]:
        monkeypatch.delitem(sys.modules, name)
    [job] = plan(registry, "http", {"client": "aiohttp"}, [("asyncio", {})])
    assert job.skip_reason == "aiohttp is not installed: install concbench[http]"


@pytest.mark.parametrize("client", ["httpx", "aiohttp", "urllib3", "requests"])
def test_the_ideal_is_calls_times_the_solo_time(client: str) -> None:
    workload = default_registry().scenario("http").workload({"client": client, "calls": 3})
    [name] = [target.name for target in calls_in(workload)]
    assert with_solo(workload, {name: 0.0531}).ideal_s == pytest.approx(3 * 0.0531)
    assert workload.services == (("http", 51),)  # a connection per task, and one spare


def test_a_client_that_does_not_pickle_runs_on_dask(tmp_path: Path) -> None:
    # urllib3's PoolManager holds a lock: dask must make it on each worker and not send it back
    records = run(tmp_path, ["dask"], client="urllib3", tasks=4)
    if "dask" not in records:
        pytest.skip("dask is not installed here")
    assert_ok(records["dask"])


def test_a_blocking_client_is_not_run_inline_on_twisteds_reactor() -> None:
    # twisted runs only sync functions, inline on its reactor: variants alone cannot tell
    registry = default_registry()
    if "twisted" not in registry.backends:
        pytest.skip("no twisted backend in this version")
    missing = registry.backend("twisted").unavailable_reason()
    if missing:
        pytest.skip(missing)
    [job] = plan(registry, "http", {"client": "requests"}, [("twisted", {})])
    assert job.skip_reason is not None
    assert "not run inline on" in job.skip_reason
