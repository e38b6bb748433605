"""The sweep log beside a result store: what a sweep learned about the machine as it ran.

One line per sweep (``<store>.sweep.jsonl``), written when the sweep ends, interrupted or
not: its CPU calibration and the re-check after its last job, the seed of its order in
time, and the canary timings taken through it. The environment record
(``<store>.env.jsonl``) already holds the calibration the runs used; this file adds what
only the end of a sweep knows, for the report's drift line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .resultstore import append_line, side_file

__all__ = ["append_sweep", "read_sweeps", "sweep_path"]


def sweep_path(store_path: str | os.PathLike[str]) -> Path:
    return side_file(store_path, "sweep")


def append_sweep(store_path: str | os.PathLike[str], sweep: dict[str, Any]) -> None:
    append_line(sweep_path(store_path), json.dumps(sweep))


def read_sweeps(store_path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The sweeps logged beside ``store_path``, oldest first; none if there is no log.

    Context, not results: a damaged line is dropped rather than failing a report.
    """
    try:
        lines = sweep_path(store_path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):  # none, a directory, unreadable, not text
        return []
    sweeps = []
    for line in lines:
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            sweeps.append(data)
    return sweeps
