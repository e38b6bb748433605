"""The dask side of :class:`DaskBackend`, kept apart so that listing backends never imports dask."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Union

from distributed import Client, LocalCluster, as_completed

from concbench.framework import Recorder, Step, StepKind, Workload
from concbench.framework.cpuwork import adopt, calibrate

from ._elsewhere import Stamps, dispatch, run_task


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
        if StepKind.CPU in workload.kinds:
            if cluster is not None:
                client.run(adopt, calibrate())  # this machine: the worker's own calibration
            else:
                client.run(calibrate)  # another machine calibrates for itself
        return cls(client, cluster, time.perf_counter() - began)

    def run(self, workload: Workload, recorder: Recorder) -> None:
        offset = time.time_ns() - time.perf_counter_ns()  # tasks stamp with the wall clock
        dispatch(workload, recorder, _Futures(self.client), lambda ns: ns - offset)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


class _Futures:
    """:class:`Executor` over ``client.submit``, collecting results as they complete."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.pending = as_completed(with_results=True, raise_errors=False)
        self.index: dict[str, int] = {}

    def submit(self, index: int, steps: tuple[Step, ...]) -> None:
        future = self.client.submit(run_task, steps, True, pure=False)
        self.index[future.key] = index
        self.pending.add(future)

    def completed(self) -> tuple[int, Union[Stamps, BaseException]]:  # noqa: UP007
        future, result = next(self.pending)
        index = self.index.pop(future.key)
        if future.status != "finished":
            error = future.exception()
            return index, error if isinstance(error, BaseException) else RuntimeError(str(result))
        stamps: Stamps = result
        return index, stamps
