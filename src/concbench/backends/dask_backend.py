"""dask.distributed: tasks as futures on a cluster, by default a LocalCluster on loopback.

This is the path for users who outgrow one machine: the rows show what a distributed
scheduler costs per task beside the in-process backends. The cluster is started once per
worker process, before the first run, and its start-up is reported as the
``cluster_startup_s`` figure, outside the measured time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from concbench.framework import Backend, Param, ParameterError, Recorder, StepKind, Workload

if TYPE_CHECKING:
    from ._dask_run import Session

__all__ = ["DaskBackend"]

_ADDRESS = re.compile(r"(tcp|tls|ucx|inproc)://[^\s:/]+(:\d{1,5})?")


class DaskBackend(Backend):
    name = "dask"
    blocks_scheduler = frozenset[StepKind]()  # tasks run in other processes
    description = (
        "dask.distributed client.submit per task on a LocalCluster on loopback "
        "(or -o address=tcp://HOST:PORT); the client dispatches and gathers"
    )
    requires = ("distributed",)
    keeps_workers = True  # one cluster for every run of the worker, closed in close()
    releases = False  # its dispatcher blocks waiting for completions, not on a timer
    supports = frozenset(
        {StepKind.SLEEP, StepKind.BLOCK, StepKind.CPU, StepKind.CHECKPOINT, StepKind.IO}
        | {StepKind.CALL, StepKind.OFFLOAD}
    )  # io from the workers to the latency server on 127.0.0.1: a LocalCluster, not remote
    trees_unsupported = (
        "a dask task would submit its children through worker_client(), seceding from its "
        "worker's thread pool, which concbench does not build yet"
    )
    extra = "dask"
    options = (
        Param(
            "address",
            str,
            "",
            "an existing scheduler, tcp://HOST:PORT; empty starts a LocalCluster on 127.0.0.1",
        ),
        Param(
            "workers", int, 0, "LocalCluster worker processes; 0 means one per core", min=0, max=256
        ),
        Param(
            "threads",
            int,
            0,
            "threads per LocalCluster worker; 0 means enough to run every task at once",
            min=0,
            max=100_000,
        ),
    )

    compare = ()
    """Out of the default matrix: its cluster start-up and per-task latency would make it
    the slowest row of `nox -s compare`. Name it to include it: `concbench compare -b dask`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._session: Session | None = None

    @classmethod
    def resolve_options(cls, given: Mapping[str, object]) -> dict[str, Any]:
        resolved = super().resolve_options(given)
        address = resolved.get("address", "")
        if address and not _ADDRESS.fullmatch(address):
            raise ParameterError(
                f"backend {cls.name!r}: parameter 'address' must be empty (a LocalCluster) or a "
                f"scheduler address such as tcp://127.0.0.1:8786, got {address!r}"
            )
        return resolved

    @classmethod
    def concurrency(cls, options: Mapping[str, Any]) -> int | None:
        """A LocalCluster with a set number of threads runs that many tasks per worker; an
        existing cluster's size is not known here."""
        if options["address"] or not options["threads"]:
            return None
        return (int(options["workers"]) or os.cpu_count() or 1) * int(options["threads"])

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        from ._dask_run import Session  # distributed is imported only where it is known to exist

        if self._session is None:
            self._session = Session.start(self.config, workload)
        recorder.figure("cluster_startup_s", self._session.startup_s)
        self._session.run(workload, recorder)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
