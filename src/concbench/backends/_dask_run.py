"""The dask side of :class:`DaskBackend`, kept apart so that listing backends never imports dask."""

from __future__ import annotations

import os
import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from distributed import Client, Future, LocalCluster, Semaphore

from concbench.framework import (
    Recorder,
    Step,
    StepKind,
    Workload,
    adopt,
    blocking_lanes,
    calibrate,
)
from concbench.framework.model.callrun import open_sync, workload_needs

from ._elsewhere import Stamps, close_resources, open_resources, run_task
from .threads_backend import thread_primitives


@dataclass
class Session:
    """A client, and the LocalCluster it started (``None`` for a cluster given by address)."""

    client: Client
    cluster: LocalCluster | None
    startup_s: float

    @classmethod
    def start(cls, config: dict[str, Any], workload: Workload) -> Session:
        began = time.perf_counter()
        cluster = None
        if config["address"]:
            client = Client(config["address"])
        else:
            workers = config["workers"] or os.cpu_count() or 1
            threads = config["threads"] or max(1, -(-len(workload.tasks) // workers))
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=threads,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
        wanted = workload_needs(workload)
        if wanted:  # call steps' resources: one per dask worker, made before any run
            client.run(_open_resources, wanted, len(workload.tasks), workload.io_address)
        if StepKind.CPU in workload.kinds:
            if cluster is not None:
                client.run(adopt, calibrate())  # this machine: the worker's own calibration
            else:
                client.run(calibrate)  # another machine calibrates for itself
        return cls(client, cluster, time.perf_counter() - began)

    def run(self, workload: Workload, recorder: Recorder) -> None:
        """Submit every task up front, dependencies as futures and the limit as a dask
        semaphore, so the scheduler enforces both; main runs meanwhile; then gather."""
        offset = time.time_ns() - time.perf_counter_ns()  # tasks stamp with the wall clock
        slots = Semaphore(max_leases=workload.limit) if workload.limit else None
        futures: dict[int, Future[Stamps]] = {}
        address = workload.io_target() if StepKind.IO in workload.kinds else None
        with ExitStack() as stack:  # the resources of main's calls: main runs here
            wanted = workload_needs(workload, main_only=True)
            held = open_sync(stack, wanted, len(workload.tasks), workload.io_address)
            main = blocking_lanes(
                thread_primitives(), workload, recorder, gate=False, resources=held
            )
            recorder.begin()
            for index in _submission_order(workload):
                task = workload.tasks[index]
                recorder.spawn(index)
                deps = [futures[dep] for dep in task.after]
                futures[index] = self.client.submit(
                    _task, task.steps, slots, address, index, *deps, pure=False
                )
            main.main()
            recorder.main_done()
            results: list[Stamps] = self.client.gather([futures[i] for i in range(len(futures))])
            recorder.finish()
        if slots is not None:
            slots.close()  # its leases live on the scheduler, which outlives this run
        for index, (start, ends) in enumerate(results):
            recorder.task_ran(index, start - offset, [e - offset for e in ends])

    def close(self) -> None:
        self.client.run(close_resources)  # the tear-down of call steps' resources
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _task(
    steps: tuple[Step, ...],
    slots: Semaphore | None,
    address: tuple[str, int] | None,
    index: int,
    *after: object,
) -> Stamps:
    """A task on a dask worker; ``after`` holds its dependencies' results, unused: dask
    starts it only once they exist. ``address`` is the latency server's, for io steps."""
    if slots is None:
        return run_task(steps, True, address, index)
    with slots:
        return run_task(steps, True, address, index)


def _submission_order(workload: Workload) -> list[int]:
    """Every task after its dependencies (their futures must exist first), else by index."""
    order: list[int] = []
    placed: set[int] = set()
    pending = list(range(len(workload.tasks)))
    while pending:
        left = []
        for index in pending:
            if placed.issuperset(workload.tasks[index].after):
                order.append(index)
                placed.add(index)
            else:
                left.append(index)
        pending = left
    return order


def _open_resources(wanted: Any, tasks: int, address: tuple[str, int] | None) -> None:
    """``open_resources`` on a dask worker, returning nothing: ``client.run`` sends each
    worker's result back, and a resource (a connection pool, a ``PoolManager``) need not
    pickle (psycopg's pool did not: every psycopg row on dask failed)."""
    open_resources(wanted, tasks, address)
