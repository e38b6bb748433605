"""Shared fixtures: every backend test runs once per installed backend, as anyio's suite does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from concbench.framework import Backend
from concbench.framework.measure.ioserver import LatencyServer, ensure_open_files, open_files_needed
from concbench.framework.measure.registry import default_registry
from support.backends import BACKEND_NAMES, TEST_OPTIONS

# real result stores for the report tests; the `timing` marker (wall-clock assertions that a
# busy machine excuses)
pytest_plugins = ["support.stores", "support.busy"]


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
