"""The sweep log beside a result store: what a sweep learned about the machine as it ran.

One line per sweep (``<store>.sweep.jsonl``), written when the sweep ends, interrupted or
not: its CPU calibration and the re-check after its last job, the seed of its order in
time, and the canary timings taken through it. The environment record
(``<store>.env.jsonl``) already holds the calibration the runs used; this file adds what
only the end of a sweep knows, for the report's drift line.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .resultstore import append_line, side_file
from .targets import read_regular
from .values import MAX_RUN_S

__all__ = ["append_sweep", "read_sweeps", "sweep_path"]

_SHORTEST_CANARY_S = 1e-6
"""A canary timing is fixed work (200,000 loop turns, 500 tasks): no machine does it in a
microsecond. A shorter one, against a real one, made a drift of 1e305 (300 digits)."""
_MOST_CHANGE = 1e3
"""A canary's own noise (second-fastest timing / fastest - 1) or a calibration's change
(rate after / rate before - 1) beyond 1000x is damage, not a machine: 1e308 printed as
``inf%`` and a 310-digit percentage."""
_BOUNDS: dict[str, tuple[float, float]] = {
    "at_s": (0.0, MAX_RUN_S),
    "rate": (0.0, 1e15),
    "rate_after": (0.0, 1e15),
    "change": (-1.0, _MOST_CHANGE),
}
"""What each number of a sweep line may be; canary timings (``*_s``) and noises
(``*_noise``) are bounded by their suffix."""


def sweep_path(store_path: str | os.PathLike[str]) -> Path:
    return side_file(store_path, "sweep")


def append_sweep(store_path: str | os.PathLike[str], sweep: dict[str, Any]) -> None:
    append_line(sweep_path(store_path), json.dumps(sweep))


def read_sweeps(store_path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The sweeps logged beside ``store_path``, oldest first; none if there is no log.

    Context, not results: a damaged line is dropped rather than failing a report, and so
    is an impossible number in a line (NaN, an infinity, a negative or absurd timing, a
    boolean where a number belongs), so that the drift line never prints ``inf%`` or a
    number of 300 digits. A log that cannot be read (a directory, a FIFO, a device) is
    dropped with a warning.
    """
    path = sweep_path(store_path)
    try:
        text = read_regular(path).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as exc:
        warnings.warn(f"{path}: cannot read the sweep log ({exc.strerror})", stacklevel=2)
        return []
    sweeps = []
    for line in text.splitlines():
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict):
            sweeps.append(_possible(data))
    return sweeps


def _possible(sweep: dict[str, Any]) -> dict[str, Any]:
    """``sweep`` without the numbers no sweep can have measured."""
    sweep = dict(sweep)
    canary = sweep.get("canary")
    if isinstance(canary, list):
        sweep["canary"] = [_numbers(sample) for sample in canary if isinstance(sample, Mapping)]
    elif canary is not None:
        del sweep["canary"]
    calibration = sweep.get("calibration")
    if isinstance(calibration, Mapping):
        sweep["calibration"] = _numbers(calibration)
    elif calibration is not None:
        del sweep["calibration"]
    return sweep


def _numbers(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without its impossible numbers (texts and other fields are kept)."""
    kept = {}
    for name, value in data.items():
        low, high = _bounds(str(name))
        if isinstance(value, bool):
            continue  # true is 1 to Python: a calibration "change" of true read as +100%
        figure = isinstance(value, (int, float))
        if not figure or math.isinf(high) or (math.isfinite(value) and low <= value <= high):
            kept[name] = value  # a text, a field that is not a figure, or a possible figure
    return kept


def _bounds(name: str) -> tuple[float, float]:
    if name in _BOUNDS:
        return _BOUNDS[name]
    if name.endswith("_s"):
        return (_SHORTEST_CANARY_S, MAX_RUN_S)
    if name.endswith("_noise"):
        return (0.0, _MOST_CHANGE)
    return (-math.inf, math.inf)
