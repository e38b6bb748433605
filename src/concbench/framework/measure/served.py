"""The servers one workload's jobs talk to, started once for all of them.

A latency server or a database started per worker process would put its start-up into
every process and make the backends of a workload meet different servers; started once
before the workload's first worker and stopped after its last, every backend meets the
same one. Its process ids go to every worker too: a run counts the CPU those helpers
waited for as its own disturbance (measure/schedstat.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .ioserver import LatencyServer, ServerError
from .job import Job
from .services import Running, endpoints, start_services, stop_services

__all__ = ["Served", "Servers"]


@dataclass(frozen=True)
class Served:
    """What every worker of a workload is told about the servers started for it."""

    io_address: tuple[str, int] | None = None
    """The latency server's address, for a workload with ``io`` steps."""
    endpoints: tuple[tuple[str, str], ...] = ()
    """How to reach each service (measure/services.py)."""
    helpers: tuple[int, ...] = ()
    """The servers' process ids."""


@dataclass
class Servers:
    """The running servers of one workload, stopped together."""

    latency: LatencyServer | None
    started: list[tuple[str, Running]]

    @classmethod
    def start(cls, runnable: Sequence[Job]) -> Servers:
        """One latency server sized for the most connections any job opens, and each
        service the jobs ask for; raises :class:`ServerError` naming the one that did not
        start, with none left running."""
        connections = max((job.io_connections for job in runnable), default=0)
        needs = [need for job in runnable for need in job.services]
        try:
            latency = LatencyServer.start(connections) if connections else None
        except ServerError as exc:
            raise ServerError(f"latency server: {exc}") from exc
        try:
            started = start_services(needs)
        except ServerError:  # it names the service
            if latency is not None:
                latency.stop()
            raise
        return cls(latency, started)

    @property
    def served(self) -> Served:
        helpers: tuple[int, ...] = (self.latency.pid,) if self.latency else ()
        helpers += tuple(pid for _, running in self.started for pid in running.pids)
        return Served(
            io_address=self.latency.address if self.latency else None,
            endpoints=endpoints(self.started),
            helpers=helpers,
        )

    def stop(self) -> None:
        stop_services(self.started)
        if self.latency is not None:
            self.latency.stop()
