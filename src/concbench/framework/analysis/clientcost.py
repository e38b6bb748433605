"""What a client library costs per request, read against the raw ``io`` step.

A scenario that names its client stack in a ``client`` parameter and offers
``client=raw`` (the framework's own ``io`` step, at the same latency) gets this
comparison: each client's row is set beside the raw row of the same backend, in the
workload that differs only in ``client``. Per request (a task's steps over every task):

- **wall**: the row's median wall time over the requests, and its excess over raw's: the
  time the client stack adds per request when they all run at once (on a single loop or
  under the GIL, the client's work queues up, so this is its CPU cost in the run);
- **cpu**: the worker's median CPU time over the requests (the whole ``execute``, so the
  client's set-up too), and its excess over raw's;
- **solo**: a request through the client alone, one at a time (the call's solo time,
  which is the step's nominal duration and so in the row's ideal).

Both the raw and the client rows make ``calls`` requests per task, so the comparison is
per request on both sides. Nothing here knows a client: the rule is the parameter.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from ..store.records import RunRecord
from .disturbance import used_runs
from .summary import Row, group_records

__all__ = ["BASELINE", "PARAMETER", "ClientCost", "client_costs"]

PARAMETER = "client"
BASELINE = "raw"


@dataclass(frozen=True)
class ClientCost:
    """One client row beside the raw row of the same backend and workload."""

    scenario: str
    params_label: str
    """The workload's parameters other than the client."""
    backend: str
    client: str
    requests: int
    wall_s: float
    """Median wall time per request."""
    raw_wall_s: float | None
    cpu_s: float | None
    """Median worker CPU time per request."""
    raw_cpu_s: float | None
    solo_s: float | None
    """Median solo time of one request through the client (None for raw)."""

    @property
    def extra_wall_s(self) -> float | None:
        return None if self.raw_wall_s is None else self.wall_s - self.raw_wall_s

    @property
    def extra_cpu_s(self) -> float | None:
        if self.cpu_s is None or self.raw_cpu_s is None:
            return None
        return self.cpu_s - self.raw_cpu_s


def client_costs(records: Iterable[RunRecord]) -> list[ClientCost]:
    """One entry per row of a workload with a ``client`` parameter other than raw, in
    report order; ``raw_*`` are None when no raw row of that backend is in the records."""
    per_workload: list[tuple[str, dict[str, object], Row]] = []
    for group in group_records(records):
        params = dict(group.rows[0].records[0].params)
        if PARAMETER not in params:
            continue
        per_workload += [(group.scenario, params, row) for row in group.rows]
    raws = {
        _key(scenario, params, row.label): row
        for scenario, params, row in per_workload
        if params[PARAMETER] == BASELINE
    }
    costs = []
    for scenario, params, row in per_workload:
        client = str(params[PARAMETER])
        if client == BASELINE or row.wall is None or not row.steps:
            continue
        raw = raws.get(_key(scenario, params, row.label))
        raw_ok = raw is not None and raw.wall is not None and bool(raw.steps)
        costs.append(
            ClientCost(
                scenario=scenario,
                params_label=", ".join(f"{k}={v}" for k, v in params.items() if k != PARAMETER),
                backend=row.label,
                client=client,
                requests=row.steps,
                wall_s=row.wall.median / row.steps,
                raw_wall_s=raw.wall.median / raw.steps if raw_ok else None,  # type: ignore[union-attr,operator]
                cpu_s=_cpu_per_request(row),
                raw_cpu_s=_cpu_per_request(raw) if raw_ok else None,  # type: ignore[arg-type]
                solo_s=_solo(row),
            )
        )
    return costs


def _key(scenario: str, params: dict[str, object], label: str) -> str:
    rest = {k: v for k, v in params.items() if k != PARAMETER}
    return json.dumps([scenario, rest, label], sort_keys=True, default=str)


def _cpu_per_request(row: Row) -> float | None:
    cpu = [r.cpu_s for r in used_runs(row.records) if r.cpu_s is not None]
    if not cpu or not row.steps:
        return None
    return statistics.median(cpu) / row.steps


def _solo(row: Row) -> float | None:
    solos = [min(r.solo_s.values()) for r in used_runs(row.records) if r.solo_s]
    return statistics.median(solos) if solos else None
