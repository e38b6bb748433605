"""Numbers and texts read from a store, checked to be possible before anything uses them.

A record's types are checked by :func:`~concbench.framework.store.records.field_problem`;
this module checks what the types let through. A ``wall_s`` of NaN makes every
comparison false, so a significance test calls a row "faster" on no evidence; 1e308
prints as a 309-digit interval and overflows a mean; a negative CPU time is no
measurement at all. concbench never writes such values (the store is written with
``allow_nan=False``, from measurements), so a record holding one was damaged or made
elsewhere: it is refused as corrupt, naming the field, like any other corrupt line.

The checks go by field name, through nested objects too, so they hold for every schema
version: every number is finite; a duration (a name ending in ``_s``) is bounded, and
the ones that cannot be negative are not; a count is a whole number within bounds.

Texts are shortened here on the way in (:func:`shortened`), so that a 50 MB error line
costs one cut instead of slowing every report that groups, escapes and lays it out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .sanitize import shorten

__all__ = ["MAX_COUNT", "MAX_RUN_S", "MAX_STORED_TEXT", "shortened", "value_problem"]

MAX_RUN_S = 1e7
"""Longest possible measured duration: a run's limit is a week (6e5 s); this is 16 weeks."""
MAX_PLANNED_S = 1e15
"""Longest serial or ideal time: the sum of a workload's nominal steps may be large."""
MAX_COUNT = 10**15
MAX_STORED_TEXT = 65_536
"""Longer texts read from a store are cut in the middle (the store itself is untouched)."""

_PLANNED = frozenset({"serial_s", "ideal_s", "machine_bound_s", "overhead_s"})
_NON_NEGATIVE = frozenset(
    {"wall_s", "cpu_s", "serial_s", "ideal_s", "machine_bound_s", "spawn_spread_s"}
    | {"start_latency_median_s", "start_latency_max_s", "start_latency_p99_s", "main_done_s"}
    | {"join_s", "blocked_tasks_s", "blocked_main_s", "offered_rate", "achieved_rate"}
    | {"latency_p50_s", "latency_p90_s", "latency_p99_s", "latency_p999_s", "latency_max_s"}
)
_NON_NEGATIVE_GROUPS = frozenset({"solo_s"})
"""Objects of durations by a name of the user's: each must be >= 0."""
"""Durations that cannot be negative. Overhead, its parts and lateness can: a timer may
fire early, and the unexplained rest is whatever the parts leave."""
_COUNTS = frozenset(
    {"tasks", "steps", "run", "process", "cores", "voluntary_switches"}
    | {"involuntary_switches", "peak_rss_kib", "sleep_steps", "io_steps", "blocked_steps"}
    | {"offload_steps"}
)
_CHOSEN = frozenset({"params", "options"})
"""Values the user chose: only finiteness is checked, their names mean nothing here."""


def value_problem(data: Mapping[str, Any]) -> str | None:
    """Why a record's (or a worker measurement's) values are impossible, or ``None``."""
    for name, value in data.items():
        if name in {"figures", "solo_s"}:
            problem = _figures(value, name)
        elif name in _CHOSEN:
            problem = _finite_inside(name, value)
        else:
            problem = _value(str(name), value)
        if problem:
            return problem
    return None


def _figures(figures: Any, field: str = "figures") -> str | None:
    """An object of seconds by name: ``figures``, ``solo_s``."""
    if not isinstance(figures, dict):
        return f"field {field!r} must be an object of numbers, got {type(figures).__name__}"
    for name, value in figures.items():
        path = f"{field}.{name}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"field {path!r} must be a number, got {_shown(value)}"
        if field in _NON_NEGATIVE_GROUPS and value < 0:
            return f"field {path!r} must be >= 0, got {_shown(value)}"
        problem = _number(path, field if field in _NON_NEGATIVE_GROUPS else str(name), value)
        if problem:
            return problem
    return None


def _finite_inside(path: str, value: Any) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"field {path!r} must be a finite number, got {value}"
    if isinstance(value, dict):
        for key, inner in value.items():
            if problem := _finite_inside(f"{path}.{key}", inner):
                return problem
    if isinstance(value, list):
        for index, inner in enumerate(value):
            if problem := _finite_inside(f"{path}[{index}]", inner):
                return problem
    return None


def _value(path: str, value: Any) -> str | None:
    if isinstance(value, dict):  # a nested group of fields, as later schemas have
        for key, inner in value.items():
            if problem := _value(f"{path}.{key}", inner):
                return problem
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None  # types are field_problem's job
    return _number(path, path.rpartition(".")[2], value)


def _number(path: str, name: str, value: float) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"field {path!r} must be a finite number, got {value}"
    # a part shares no name's meaning with a top-level field: ``parts.steps`` is seconds
    # a step overran by (negative when a hand-off waited less than the ideal's wait), not
    # the record's count of steps
    part = path.startswith("parts.")
    if value < 0 and not part and (name in _NON_NEGATIVE or name in _COUNTS):
        return f"field {path!r} must be >= 0, got {_shown(value)}"
    if name.endswith("_s") or part:  # a part is seconds, by name
        bound = MAX_PLANNED_S if name in _PLANNED else MAX_RUN_S
        if abs(value) > bound:
            side = "at most" if value > 0 else "at least"
            limit = math.copysign(bound, value)
            return f"field {path!r} must be {side} {limit:g} seconds, got {value:g}"
    elif abs(value) > MAX_COUNT:
        return f"field {path!r} must be at most {MAX_COUNT:.0e}, got {_shown(value)}"
    return None


def _shown(value: Any, limit: int = 40) -> str:
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**limit else "a huge number"
    return shorten(text, limit)


def shortened(value: Any, limit: int = MAX_STORED_TEXT) -> Any:
    """``value`` with every text in it (names included) cut to ``limit`` characters, and
    -0.0 read as 0.0: older versions stored ``-p scale=-0`` as a workload of its own."""
    if isinstance(value, str):
        return shorten(value, limit)
    if isinstance(value, float):
        return value + 0.0
    if isinstance(value, dict):
        return {shorten(str(k), limit): shortened(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [shortened(item, limit) for item in value]
    return value
