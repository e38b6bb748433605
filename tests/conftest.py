"""Shared fixtures: every backend test runs once per installed backend, as anyio's suite does."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from concbench import testing
from concbench.framework import Backend, Recorder, StepKind, Trace, Workload
from concbench.framework.ioserver import LatencyServer, ensure_open_files, open_files_needed
from concbench.framework.registry import default_registry

pytest_plugins = ["support.stores"]  # real result stores for the report tests

BACKEND_NAMES = sorted(default_registry().backends)
COROUTINE_BACKENDS = {"asyncio", "asyncio-eager", "uvloop", "trio", "anyio"}
"""Backends whose blocking steps stall every other task."""
PARALLEL_BACKENDS = {"processes", "dask"}
"""Backends that run tasks in several processes: CPU work overlaps."""
TEST_OPTIONS: dict[str, dict[str, Any]] = {"processes": {"workers": 6, "start": "forkserver"}}
"""Options that let a pool run every task of these tests at once (the tests have at most 6
tasks), so that they check the contract rather than the pool's size; forkserver starts
pool processes faster than spawn. The dask entry (one shared LocalCluster's address) is
added by the ``dask_scheduler`` fixture, the first time a dask test needs it."""


@pytest.fixture(scope="session")
def dask_scheduler() -> Iterator[str]:
    """One LocalCluster on loopback for every dask test: starting one per run would cost
    a second each. tests/backends/test_dask.py covers the backend starting its own."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=3, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        TEST_OPTIONS["dask"] = {"address": cluster.scheduler_address}
        yield cluster.scheduler_address
        del TEST_OPTIONS["dask"]


@pytest.fixture(params=BACKEND_NAMES)
def backend_cls(request: pytest.FixtureRequest) -> type[Backend]:
    """Each registered backend class; skipped with its install hint when unavailable here."""
    cls = default_registry().backend(request.param)
    reason = cls.unavailable_reason()
    if reason:
        pytest.skip(reason)
    if cls.name == "dask":
        request.getfixturevalue("dask_scheduler")
    return cls


SERVER_CONNECTIONS = 2000
"""Enough for every in-process test; the 10,000-connection case has its own test."""


@pytest.fixture(scope="session")
def io_address() -> Iterator[tuple[str, int]]:
    """A real latency server in its own process, shared by the whole session."""
    ensure_open_files(open_files_needed(SERVER_CONNECTIONS))
    with LatencyServer.start(SERVER_CONNECTIONS) as server:
        yield server.address


def execute(
    backend: Backend | type[Backend],
    workload: Workload,
    io_address: tuple[str, int] | None = None,
    *,
    check_support: bool = True,
    no_address: bool = False,
    **options: Any,
) -> Trace:
    """One run, checked against the contract like the worker checks it.

    Given a class, through :func:`concbench.testing.run` (a fresh process for a backend that
    must own one) with :data:`TEST_OPTIONS`; given an instance, in this process. A workload
    with io steps needs ``io_address``, as the worker fills it in for a job.
    """
    cls = backend if isinstance(backend, type) else type(backend)
    reason = cls.unsupported_reason(workload) if check_support else None
    if reason:
        pytest.skip(reason)  # as the runner records such a job: skipped, with the reason
    if StepKind.IO in workload.kinds and not no_address:
        assert io_address is not None, "use the io_address fixture for workloads with io steps"
        workload = dataclasses.replace(workload, io_address=io_address)
    if isinstance(backend, type):
        return testing.run(backend, workload, **(TEST_OPTIONS.get(backend.name, {}) | options))
    recorder = Recorder(workload)
    backend.execute(workload, recorder)
    trace = recorder.trace()
    trace.check(workload)
    return trace
