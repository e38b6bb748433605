"""The run record: one immutable, versioned JSON object per run, the unit of every store.

Field names are a public format (other tools read them); add fields freely, but rename or
remove one only with a new :data:`SCHEMA` version, and keep a reader for the old one in
:data:`_UPGRADES` (as pyperf keeps ``_json_load`` readers), so every store ever written
still opens.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model.errors import ConcbenchError
from ..model.histogram import json_problem as histogram_problem
from ..model.parts import Decomposition, json_problem

__all__ = ["SCHEMA", "RunRecord", "SchemaError", "Status", "field_problem"]

SCHEMA = 2
"""The record format this version writes. 2: the decomposition nested in ``parts``."""


class SchemaError(ConcbenchError, ValueError):
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
    start_latency_p99_s: float | None = None
    parts: Decomposition = field(default_factory=Decomposition)
    """The overhead's decomposition (model/parts.py); empty for a run that is not ok."""
    critical_lane: str | None = None
    sleep_steps: int | None = None
    sleep_late_mean_s: float | None = None
    sleep_late_median_s: float | None = None
    sleep_late_p99_s: float | None = None
    sleep_late_max_s: float | None = None
    io_steps: int | None = None
    io_late_mean_s: float | None = None
    io_late_p99_s: float | None = None
    blocked_steps: int | None = None
    blocked_tasks_s: float | None = None
    blocked_main_s: float | None = None
    cores: int | None = None
    implementation: str = ""
    started_at: str = ""
    env: str = ""
    """Id of the environment (``<store>.env.jsonl``) the run was measured in."""
    id: str = ""
    """Unique per record; keys the run's full trace in ``<store>.traces.jsonl`` if kept."""
    trace_stored: bool = False
    steps: int | None = None
    """Steps in the tasks, main excluded (as ``tasks`` excludes main); absent in old stores."""
    note: str = ""
    figures: Mapping[str, float] = field(default_factory=dict)
    # reproducibility (docs/reproducibility.md); absent in older stores, hence the defaults
    runqueue_wait_s: float | None = None
    """Time the worker's threads waited, runnable, for a CPU during the run (Linux)."""
    helper_runqueue_wait_s: float | None = None
    """The same for the processes the run depends on (latency server, pool, dask workers)."""
    others_cpu_s: float | None = None
    """CPU time other programs on the machine used during the run."""
    others_wait_s: float | None = None
    """The part of the wait attributed to other programs, by their share of the CPU time."""
    disturbed: bool = False
    """Another program made the run wait beyond the threshold; not counted by default."""
    counted: bool = True
    """Whether the run enters the statistics: not when disturbed (unless the sweep kept
    disturbed runs) or replaced by a later attempt of the same run."""
    attempt: int = 0
    """0 for a run's first attempt; n for its n-th re-run after disturbed attempts."""
    seq: int | None = None
    """Order of the run's worker process in its sweep (processes are interleaved in time)."""
    calibration_rate: float | None = None
    """The sweep's CPU rate (iterations/s) every ``cpu`` step of the run was sized by."""
    calibration_drift: float | None = None
    """The worker's own quick rate check over the sweep's rate, minus 1."""
    task_path: str = ""
    """The skeleton's routine for the tasks: "plain fan-out" or "empty tasks" (the fast
    paths) or "general"; empty when the backend writes its own (or in older stores)."""
    gil_enabled: bool | None = None
    """Whether the worker ran with the GIL (``sys._is_gil_enabled()``; always on before
    Python 3.13); ``None`` in older stores. A free-threaded build may still run with it."""
    measure: str = "time"
    """``instructions`` when the run was counted under callgrind: its wall times mean nothing
    (callgrind runs Python ~200x slower) and stay out of the timing statistics; absent in
    old stores."""
    instructions: int | None = None
    """Instructions the run executed (every thread of the worker), in instruction mode only."""
    # open-loop runs, whose tasks have release times (analysis/latency.py); absent otherwise
    latency_p50_s: float | None = None
    """Latency (intended release to end) at the 50th percentile, within 1%; also p90,
    p99, p99.9 (``p999``) and the exact max."""
    latency_p90_s: float | None = None
    latency_p99_s: float | None = None
    latency_p999_s: float | None = None
    latency_max_s: float | None = None
    release_lag_p50_s: float | None = None
    """Intended release to spawn: the backend's timer and dispatcher alone."""
    release_lag_p99_s: float | None = None
    release_lag_max_s: float | None = None
    offered_rate: float | None = None
    """Tasks per second between the first and last release."""
    achieved_rate: float | None = None
    """Tasks per second between the first and last end."""
    latency: Mapping[str, Any] = field(default_factory=dict)
    """The run's latency histogram (model/histogram.py): merges exactly across runs."""
    release_lag: Mapping[str, Any] = field(default_factory=dict)
    """The run's release-lag histogram."""
    solo_s: Mapping[str, float] = field(default_factory=dict)
    """Each ``call`` step's solo time by call name: the median of the call run alone on
    this backend before the counted runs, its nominal duration. Empty without calls and
    in old stores."""
    offload_steps: int | None = None
    """Number of ``offload`` steps in the run; absent in old stores."""
    handoff_mean_s: float | None = None
    """Mean of each offload step's measured duration minus its blocking call's."""
    handoff_p99_s: float | None = None
    schema: int = SCHEMA

    def __post_init__(self) -> None:
        parts: Any = self.parts
        if not isinstance(parts, Decomposition):  # the stored form, from a store or a worker
            object.__setattr__(self, "parts", Decomposition.from_json(parts))

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
        data["solo_s"] = dict(self.solo_s)
        data["parts"] = self.parts.to_json()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        """Rebuild a record of any schema this code knows, refusing any other."""
        data = _upgraded(data)
        fields = dataclasses.fields(cls)
        missing = [
            f.name
            for f in fields
            if f.name not in data
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise SchemaError(f"record is not a valid run record: missing {', '.join(missing)}")
        known = {f.name: data[f.name] for f in fields if f.name in data}
        problem = next(filter(None, (field_problem(k, v) for k, v in known.items())), None)
        if problem:
            raise SchemaError(f"record is not a valid run record: {problem}")
        try:
            known["status"] = Status(known["status"])
            return cls(**known)
        except (KeyError, TypeError, ValueError) as exc:
            raise SchemaError(f"record is not a valid run record: {exc}") from None


def _upgraded(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` in the current schema, through every reader from its own version on."""
    version = data.get("schema")
    while type(version) is int and version in _UPGRADES:  # not True, which equals 1
        data = _UPGRADES[version](data)
        version = data["schema"]
    if type(version) is not int or version != SCHEMA:
        raise SchemaError(
            f"record has schema version {repr(version)[:20]}; this concbench reads versions "
            f"{min(_UPGRADES, default=SCHEMA)} to {SCHEMA} (upgrade concbench to read newer "
            "stores)"
        )
    return data


_FLAT_PART = re.compile(r"part_(\w+)_s")


def _from_schema_1(data: Mapping[str, Any]) -> dict[str, Any]:
    """Schema 1 kept each part in a field of its own, ``part_<name>_s`` (``null`` when the
    run was not ok); schema 2 nests them as ``parts: {name: seconds}``."""
    upgraded = {key: value for key, value in data.items() if not _FLAT_PART.fullmatch(key)}
    upgraded["parts"] = {
        match[1]: value
        for key, value in data.items()
        if (match := _FLAT_PART.fullmatch(key)) and value is not None
    }
    upgraded["schema"] = 2
    return upgraded


_UPGRADES: dict[int, Callable[[Mapping[str, Any]], dict[str, Any]]] = {1: _from_schema_1}
"""Readers of old schemas: each turns a record of its version into one of the next."""


_ACCEPTS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "None": (type(None),),
    "Status": (str,),  # converted by from_dict, which names the allowed values
    "Mapping[str, Any]": (dict,),
}


def field_problem(name: str, value: Any) -> str | None:
    """Why ``value`` cannot be the record's field ``name``, or ``None``.

    Stores and worker messages come from outside; a field of the wrong type would
    otherwise surface later as a crash in a report, far from the file that caused it.
    """
    annotation = _ANNOTATIONS.get(name)
    if annotation is None:
        return None
    if name in _HISTOGRAMS:
        problem = histogram_problem(value)
        return f"field {name!r} {problem}" if problem else None
    if annotation == "Decomposition":
        problem = json_problem(value)
        return f"field {name!r} {problem}" if problem else None
    alternatives = [_ACCEPTS.get(part.strip()) for part in annotation.split("|")]
    if any(kinds is None for kinds in alternatives):
        return None  # a type this check does not know: trust it
    if isinstance(value, bool) and "bool" not in annotation:
        return f"field {name!r} must be {annotation}, got {value!r}"
    if not any(isinstance(value, kinds) for kinds in alternatives if kinds):
        return f"field {name!r} must be {annotation}, got {str(value)[:40]!r}"
    return None


_ANNOTATIONS = {f.name: str(f.type) for f in dataclasses.fields(RunRecord)}
_HISTOGRAMS = frozenset({"latency", "release_lag"})
