"""The servers a workload may ask the runner for, by name (``Workload.services``).

A scenario that talks to a real service (an HTTP server, PostgreSQL) must not start it in
the measured region, nor in the worker whose runs are timed: the runner starts it once
per job, in processes of its own, before the job's first worker, and stops it after the
last, as it does the latency server. Each worker receives how to reach it
(``Workload.endpoints``, filled in as ``io_address`` is).

A service is a name here, a way to tell whether it can run on this machine (a job that
needs one that cannot is ``skipped`` with the reason and the fix) and a way to start it
for a number of connections, giving a :class:`Running` server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..model.libraries import missing_reason
from ..model.params import ParameterError
from ..model.workload import Workload
from . import pgserver
from .httpserver import HttpServer
from .ioserver import ServerError, check_open_files, open_files_needed

__all__ = [
    "SERVICES",
    "Running",
    "Service",
    "check_services",
    "endpoints",
    "start_services",
    "stop_services",
    "unavailable_reason",
]


class Running(Protocol):
    """A started server: how to reach it, the processes whose CPU wait counts, stop."""

    @property
    def info(self) -> dict[str, Any]: ...

    @property
    def pids(self) -> tuple[int, ...]: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Service:
    name: str
    summary: str
    start: Callable[[int], Running]
    """Start one for that many concurrent connections; raises ``ServerError``."""
    unavailable: Callable[[], str | None] = lambda: None
    """Why it cannot run on this machine, with the fix; ``None`` when it can."""


class _Http:
    def __init__(self, connections: int) -> None:
        self._server = HttpServer.start(connections)

    @property
    def info(self) -> dict[str, Any]:
        return {"url": self._server.url}

    @property
    def pids(self) -> tuple[int, ...]:
        return (self._server.pid,)

    def stop(self) -> None:
        self._server.stop()


class _Postgres:
    def __init__(self, connections: int) -> None:
        self._server = pgserver.PostgresServer.start(connections)

    @property
    def info(self) -> dict[str, Any]:
        return dict(self._server.info)

    @property
    def pids(self) -> tuple[int, ...]:
        return (self._server.pid,)

    def stop(self) -> None:
        self._server.stop()


SERVICES: dict[str, Service] = {
    "http": Service("http", "a local HTTP/1.1 server that answers after a requested delay", _Http),
    "postgres": Service(
        "postgres",
        "a PostgreSQL cluster of its own, from the machine's installation",
        _Postgres,
        pgserver.unavailable_reason,
    ),
}


def check_services(workload: Workload, who: str) -> None:
    """Refuse, before anything runs, a service name that does not exist or a server that
    could not hold the workload's connections (``ServerError``'s kin: a ParameterError)."""
    for name, connections in workload.services:
        if name not in SERVICES:
            raise ParameterError(
                f"{who} asks for the service {name!r}; known services: {', '.join(SERVICES)}"
            )
        if name == "http":
            check_open_files(open_files_needed(connections), who)


def unavailable_reason(workload: Workload) -> str | None:
    """Why a library or a service the workload needs is missing here, with the fix (the
    job is then ``skipped``); else ``None``."""
    reason = missing_reason(workload.requires)
    if reason:
        return reason
    for name, _ in workload.services:
        reason = SERVICES[name].unavailable()
        if reason:
            return reason
    return None


def start_services(needs: Iterable[tuple[str, int]]) -> list[tuple[str, Running]]:
    """Start each service once, for the most connections any job asks of it; stops what
    it started and raises ``ServerError`` (naming the service) if one fails."""
    most: dict[str, int] = {}
    for name, connections in needs:
        most[name] = max(most.get(name, 0), connections)
    started: list[tuple[str, Running]] = []
    for name, connections in most.items():
        try:
            started.append((name, SERVICES[name].start(connections)))
        except ServerError as exc:
            stop_services(started)
            raise ServerError(f"{name} server: {exc}") from None
    return started


def stop_services(started: Sequence[tuple[str, Running]]) -> None:
    for _, running in reversed(started):
        running.stop()


def endpoints(started: Sequence[tuple[str, Running]]) -> tuple[tuple[str, str], ...]:
    """What the worker puts into ``Workload.endpoints``: plain text, as it crosses processes."""
    return tuple((name, json.dumps(running.info, sort_keys=True)) for name, running in started)
