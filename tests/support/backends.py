"""Helpers for tests that run backends: the backend sets, test options and one checked run."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from concbench import testing
from concbench.framework import Backend, Recorder, StepKind, Trace, Workload
from concbench.framework.measure.registry import default_registry
from concbench.framework.model.calls import bind, skip_reason
from concbench.framework.model.params import resolve

__all__ = ["BACKEND_NAMES", "COROUTINE_BACKENDS", "PARALLEL_BACKENDS", "TEST_OPTIONS", "execute"]

BACKEND_NAMES = sorted(default_registry().backends)
COROUTINE_BACKENDS = frozenset(
    name
    for name, cls in default_registry().backends.items()
    if StepKind.BLOCK in cls.blocks_scheduler
)
"""Backends whose blocking steps stall every other task, as each declares in
``Backend.blocks_scheduler``: a new coroutine plugin is tested as one without a list to edit."""
PARALLEL_BACKENDS = {"processes", "dask"}
"""Backends that run tasks in several processes: CPU work overlaps."""
TEST_OPTIONS: dict[str, dict[str, Any]] = {"processes": {"workers": 6, "start": "forkserver"}}
"""Options that let a pool run every task of these tests at once (the tests have at most 6
tasks), so that they check the contract rather than the pool's size; forkserver starts
pool processes faster than spawn. The dask entry (one shared LocalCluster's address) is
added by the ``dask_scheduler`` fixture, the first time a dask test needs it."""


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
    if check_support and not reason and StepKind.CALL in workload.kinds:
        config = resolve(cls.options, TEST_OPTIONS.get(cls.name, {}) | options, owner=cls.name)
        reason = skip_reason(workload, cls.call_variants(config), cls.name)
    if reason:
        pytest.skip(reason)  # as the runner records such a job: skipped, with the reason
    if StepKind.IO in workload.kinds and not no_address:
        assert io_address is not None, "use the io_address fixture for workloads with io steps"
        workload = dataclasses.replace(workload, io_address=io_address)
    if isinstance(backend, type):
        return testing.run(backend, workload, **(TEST_OPTIONS.get(backend.name, {}) | options))
    workload = bind(workload, cls.call_variants(backend.config))
    recorder = Recorder(workload)
    backend.execute(workload, recorder)
    trace = recorder.trace()
    trace.check(workload)
    return trace
