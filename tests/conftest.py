"""Shared fixtures: every backend test runs once per installed backend, as anyio's suite does."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from concbench.framework import Backend, Recorder, StepKind, Trace, Workload
from concbench.framework.ioserver import LatencyServer, ensure_open_files, open_files_needed
from concbench.framework.registry import default_registry

pytest_plugins = ["support.stores"]  # real result stores for the report tests

BACKEND_NAMES = sorted(default_registry().backends)
COROUTINE_BACKENDS = {"asyncio", "uvloop", "trio"}


@pytest.fixture(params=BACKEND_NAMES)
def backend_cls(request: pytest.FixtureRequest) -> type[Backend]:
    """Each registered backend class; skipped with its install hint when unavailable here."""
    cls = default_registry().backend(request.param)
    reason = cls.unavailable_reason()
    if reason:
        pytest.skip(reason)
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
    backend: Backend, workload: Workload, io_address: tuple[str, int] | None = None
) -> Trace:
    """One run in this process, checked against the contract like the worker checks it.

    A workload with io steps needs ``io_address``, as the worker fills it in for a job.
    """
    if StepKind.IO in workload.kinds:
        assert io_address is not None, "use the io_address fixture for workloads with io steps"
        workload = dataclasses.replace(workload, io_address=io_address)
    recorder = Recorder(workload)
    backend.execute(workload, recorder)
    trace = recorder.trace()
    trace.check(workload)
    return trace
