"""The run record: one immutable, versioned JSON object per run, the unit of every store.

Field names are a public format (other tools read them); add fields freely, but rename or
remove one only with a new :data:`SCHEMA` version.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SCHEMA", "RunRecord", "SchemaError", "Status"]

SCHEMA = 1


class SchemaError(ValueError):
    """A stored record this version of concbench cannot read."""


class Status(str, enum.Enum):
    OK = "ok"
    """Ran, and the trace met the contract."""
    FAILED = "failed"
    """The backend or scenario raised, or the trace broke the contract; ``error`` says how."""
    TIMEOUT = "timeout"
    """The run passed the time limit and its worker was killed."""
    CRASHED = "crashed"
    """The worker process died without reporting (segfault, ``os._exit``, OOM kill)."""
    SKIPPED = "skipped"
    """Not run: the backend's library is missing or it cannot express the workload."""


@dataclass(frozen=True)
class RunRecord:
    """One run of one workload on one backend in one worker process."""

    scenario: str
    params: Mapping[str, Any]
    backend: str
    status: Status
    tasks: int
    serial_s: float
    ideal_s: float
    python: str
    options: Mapping[str, Any] = field(default_factory=dict)
    machine_bound_s: float | None = None
    wall_s: float | None = None
    overhead_s: float | None = None
    error: str | None = None
    run: int = 0
    process: int = 0
    cpu_s: float | None = None
    voluntary_switches: int | None = None
    involuntary_switches: int | None = None
    peak_rss_kib: int | None = None
    spawn_spread_s: float | None = None
    start_latency_median_s: float | None = None
    start_latency_max_s: float | None = None
    main_done_s: float | None = None
    join_s: float | None = None
    implementation: str = ""
    started_at: str = ""
    note: str = ""
    figures: Mapping[str, float] = field(default_factory=dict)
    schema: int = SCHEMA

    @property
    def label(self) -> str:
        """The backend with its options, as rows are labelled: ``threads(workers=64)``."""
        if not self.options:
            return self.backend
        return f"{self.backend}({', '.join(f'{k}={v}' for k, v in sorted(self.options.items()))})"

    @property
    def params_label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.params.items())

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        data["params"] = dict(self.params)
        data["options"] = dict(self.options)
        data["figures"] = dict(self.figures)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        """Rebuild a record, refusing versions this code does not know."""
        version = data.get("schema")
        if version != SCHEMA:
            raise SchemaError(
                f"record has schema version {version!r}; this concbench reads version {SCHEMA} "
                "(upgrade concbench to read newer stores)"
            )
        names = {f.name for f in dataclasses.fields(cls)}
        known = {key: value for key, value in data.items() if key in names}
        try:
            known["status"] = Status(known["status"])
            return cls(**known)
        except (KeyError, TypeError, ValueError) as exc:
            raise SchemaError(f"record is not a valid run record: {exc}") from None
