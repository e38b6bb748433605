"""The JSON Lines result store: one record per line, appended the moment a run ends.

Each record is written with a single ``write`` on a descriptor opened with ``O_APPEND``,
so concurrent writers never interleave and a killed sweep loses at most the run it was in.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

from .records import RunRecord, SchemaError

__all__ = ["ResultStore", "StoreError", "read_records"]


class StoreError(ValueError):
    """A result file that cannot be read, with the file and line that failed."""


class ResultStore:
    """Append-only writer of run records."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, record: RunRecord) -> None:
        line = (json.dumps(record.to_dict(), allow_nan=False) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def read_records(path: str | os.PathLike[str]) -> list[RunRecord]:
    """Every record in ``path``; a truncated last line (a killed writer) is skipped with a
    warning, any other bad line is an error naming the file and line."""
    return list(_iter_records(Path(path)))


def _iter_records(path: Path) -> Iterator[RunRecord]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoreError(f"{path}: no such result file") from None
    lines = text.split("\n")
    complete = text.endswith("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        is_last = number == len(lines)
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            if is_last and not complete:
                warnings.warn(f"{path}:{number}: skipping a truncated last line", stacklevel=3)
                return
            raise StoreError(f"{path}:{number}: not a JSON record ({exc.msg})") from None
        if not isinstance(data, dict):
            raise StoreError(f"{path}:{number}: expected a JSON object, got {type(data).__name__}")
        try:
            yield RunRecord.from_dict(data)
        except SchemaError as exc:
            raise StoreError(f"{path}:{number}: {exc}") from None
