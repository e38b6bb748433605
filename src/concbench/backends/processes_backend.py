"""A process pool: CPU work runs truly in parallel, at the price of starting processes.

The pool is created and warmed (every process started, imported and idle) before the
first ``recorder.begin()`` and kept until ``close()``; the time that took is reported as
the ``pool_startup_s`` figure of every run, instead of being hidden in, or left out of,
the report.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Union

from concbench.framework import Backend, Param, Recorder, Step, StepKind, Workload, adopt, calibrate
from concbench.framework.model.callrun import Need, workload_needs

from ._elsewhere import Stamps, dispatch, open_resources, run_task

__all__ = ["ProcessesBackend"]

_COMPARE_BUDGET_S = 2.0
"""Beyond this (and 10x the ideal), a job is left out of the default matrix (``compare``,
and ``run`` without ``-b``)."""

_barrier: Any = None


def _initialise(
    rate: float | None,
    barrier: Any,
    wanted: tuple[Need, ...] = (),
    tasks: int = 0,
    address: tuple[str, int] | None = None,
) -> None:
    global _barrier  # noqa: PLW0603 - one per pool process, set once as it starts
    _barrier = barrier
    if rate is not None:
        adopt(rate)  # the worker's calibration: the same work per step in every process
    open_resources(wanted, tasks, address)  # call steps' resources: one per pool process


def _wait_for_all() -> None:
    """Held by each process until every process holds it: all are started at once."""
    _barrier.wait(60)


class _Pool:
    """:class:`Executor` over a :class:`ProcessPoolExecutor`; completions arrive on a queue,
    so nothing is ever submitted from the pool's own management thread."""

    def __init__(self, pool: ProcessPoolExecutor, address: tuple[str, int] | None) -> None:
        self.pool = pool
        self.address = address
        self.done: queue.SimpleQueue[tuple[int, Future[Stamps]]] = queue.SimpleQueue()

    def submit(self, index: int, steps: tuple[Step, ...]) -> None:
        future = self.pool.submit(run_task, steps, False, self.address, index)
        future.add_done_callback(lambda future: self.done.put((index, future)))

    def completed(self) -> tuple[int, Union[Stamps, BaseException]]:  # noqa: UP007
        index, future = self.done.get()
        error = future.exception()
        return index, error if error is not None else future.result()


class ProcessesBackend(Backend):
    name = "processes"
    blocks_scheduler = frozenset[StepKind]()  # tasks run in other processes
    keeps_workers = True  # one warm pool for every run of the worker, shut down in close()
    releases = False  # its dispatcher blocks waiting for completions, not on a timer
    supports = frozenset(
        {StepKind.SLEEP, StepKind.BLOCK, StepKind.CPU, StepKind.CHECKPOINT, StepKind.IO}
        | {StepKind.CALL, StepKind.OFFLOAD}
    )  # no channels: a hand-off between pool processes is not what a channel step measures
    trees_unsupported = (
        "a task in a pool process has no handle on the pool to submit its children to, and "
        "a parent waiting there would hold one of a few workers"
    )
    description = (
        "concurrent.futures.ProcessPoolExecutor (spawn or forkserver), started and warmed "
        "before the run; main runs in the parent"
    )
    options = (
        Param("workers", int, 0, "pool size; 0 means one process per core", min=0, max=1024),
        Param(
            "start",
            str,
            "spawn",
            "how pool processes start (never fork: the worker has threads)",
            choices=("spawn", "forkserver"),
        ),
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._pool: ProcessPoolExecutor | None = None
        self._startup_s = 0.0

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        if self._pool is None:
            self._pool, self._startup_s = _start_pool(self.config, workload)
        recorder.figure("pool_startup_s", self._startup_s)
        address = workload.io_target() if StepKind.IO in workload.kinds else None
        dispatch(workload, recorder, _Pool(self._pool, address))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    @classmethod
    def concurrency(cls, options: Mapping[str, Any]) -> int | None:
        return _workers(options)

    @classmethod
    def note(cls, workload: Workload, options: Mapping[str, Any]) -> str | None:
        bound = _pool_bound(workload, _workers(options))
        if bound > workload.ideal_s * 1.001:
            return f"pool bound {bound:.3g} s ({_workers(options)} processes)"
        return None

    @classmethod
    def compare_skip_reason(cls, workload: Workload, options: Mapping[str, Any]) -> str | None:
        workers = _workers(options)
        bound = _pool_bound(workload, workers)
        if bound > max(_COMPARE_BUDGET_S, 10 * workload.ideal_s):
            return (
                f"left out of the default matrix: {workers} processes need at least "
                f"{bound:.3g} s for {len(workload.tasks)} tasks; `concbench run -b processes` "
                "measures it"
            )
        return None


def _start_pool(config: Mapping[str, Any], workload: Workload) -> tuple[ProcessPoolExecutor, float]:
    """A pool with every process started, imported and idle, and how long that took.

    The pool lives as long as the backend, as pools do in practice: later runs find its
    processes warm (a fresh process runs its first fraction of a second of pure-Python
    work measurably slower), and the start-up is paid, and reported, once.
    """
    workers = _workers(config)
    context = multiprocessing.get_context(config["start"])
    rate = calibrate() if StepKind.CPU in workload.kinds else None
    began = time.perf_counter()
    pool = ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_initialise,
        initargs=(
            rate,
            context.Barrier(workers),
            tuple(workload_needs(workload)),
            len(workload.tasks),
            workload.io_address,
        ),
    )
    for future in [pool.submit(_wait_for_all) for _ in range(workers)]:
        future.result()
    return pool, time.perf_counter() - began


def _workers(options: Mapping[str, Any]) -> int:
    return int(options["workers"]) or os.cpu_count() or 1


def _pool_bound(workload: Workload, workers: int) -> float:
    """The ideal if at most ``workers`` tasks can run at once (the pool's own bound)."""
    limit = min(workload.limit or len(workload.tasks), workers)
    if limit >= len(workload.tasks) or workload.has_children:  # a tree never runs here
        return workload.ideal_s
    bounded = Workload(
        tasks=workload.tasks, main=workload.main, limit=max(limit, 1), channels=workload.channels
    )
    return bounded.ideal_s
