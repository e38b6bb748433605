"""Shared fixtures: every backend test runs once per installed backend, as anyio's suite does."""

from __future__ import annotations

import pytest

from concbench.framework import Backend, Recorder, Trace, Workload
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


def execute(backend: Backend, workload: Workload) -> Trace:
    """One run in this process, checked against the contract like the worker checks it."""
    recorder = Recorder(workload)
    backend.execute(workload, recorder)
    trace = recorder.trace()
    trace.check(workload)
    return trace
