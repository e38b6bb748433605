"""One cell of a sweep, and the records it leaves.

A job is planned once (measure/planner.py) and then carried through every worker process
that measures it, so it holds what every one of its records repeats: the workload's
names and reference times, the plugins' references a worker loads them by, and a skip
reason in place of runs when the backend cannot run it here.
"""

from __future__ import annotations

import json
import platform
import sysconfig
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..store.records import RunRecord, Status
from .resume import JobKey, job_key

__all__ = ["Job", "implementation", "now"]


@dataclass(frozen=True)
class Job:
    """One (scenario, parameters, backend, options) cell of a sweep, with its references."""

    scenario: str
    params: Mapping[str, Any]
    backend: str
    options: Mapping[str, Any]
    tasks: int
    serial_s: float
    ideal_s: float
    machine_bound_s: float
    scenario_ref: str = ""
    backend_ref: str = ""
    skip_reason: str | None = None
    steps: int = 0
    note: str = ""
    io_connections: int = 0
    """Requests the workload can have open at once; > 0 means it needs a latency server."""
    uses_cpu: bool = False
    """The workload has ``cpu`` steps: the sweep must calibrate before running it."""
    services: tuple[tuple[str, int], ...] = ()
    """The servers the workload talks to (``Workload.services``), started for the job."""
    uses_calls: bool = False
    """The workload has ``call`` steps: serial and ideal come from each worker's solo
    times, so they are per row (and per process), not the plan's."""

    @property
    def workload_key(self) -> tuple[str, str]:
        """The workload this job measures: its jobs' processes are interleaved in time."""
        return (self.scenario, json.dumps(dict(self.params), sort_keys=True, default=str))

    @property
    def key(self) -> JobKey:
        """The job's identity in a result store, as resuming matches it."""
        return job_key(self.scenario, self.params, self.backend, self.options, implementation())

    def record(self, status: Status, **fields: Any) -> RunRecord:
        """A record of this job; ``fields`` may replace the planned serial, ideal and
        machine bound (a worker's, from its solo times)."""
        planned = {
            "serial_s": self.serial_s,
            "ideal_s": self.ideal_s,
            "machine_bound_s": self.machine_bound_s,
        }
        return RunRecord(
            scenario=self.scenario,
            params=dict(self.params),
            backend=self.backend,
            options=dict(self.options),
            status=status,
            tasks=self.tasks,
            python=platform.python_version(),
            implementation=implementation(),
            steps=self.steps,
            note=self.note,
            **(planned | {"started_at": now(), "id": uuid.uuid4().hex} | fields),
        )


def now() -> str:
    """The time a record or the sweep log is stamped with: UTC, to the millisecond."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def implementation() -> str:
    """``CPython 3.11.7``, with ``free-threaded`` when the build has no GIL."""
    name = f"{platform.python_implementation()} {platform.python_version()}"
    return name + (" free-threaded" if sysconfig.get_config_var("Py_GIL_DISABLED") else "")
