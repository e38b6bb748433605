"""The JSON Lines result store: one record per line, appended the moment a run ends.

Each record is written with a single ``write`` on a descriptor opened with ``O_APPEND``,
under an exclusive ``flock`` that every writer takes, so concurrent writers never
interleave, a writer that repairs a killed writer's fragment never cuts another's
records, and a killed sweep loses at most the run it was in.
A store is data from elsewhere (a colleague's file, a killed run): it is read as JSON and
nothing else, and every way it can be wrong is a :class:`StoreError` naming file and line.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows, where O_APPEND alone must do
    fcntl = None  # type: ignore[assignment]

from .records import RunRecord, SchemaError

__all__ = ["ResultStore", "StoreError", "append_line", "read_records"]


class StoreError(ValueError):
    """A result file that cannot be read, with the file and line that failed."""


class ResultStore:
    """Append-only writer of run records.

    Opening checks that the file can be written (so a bad ``--out`` fails before anything
    runs) and cuts off a truncated last line that a killed writer left, so that the next
    record starts on a line of its own instead of being glued to the fragment.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab"):
                pass
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot write results here ({exc.strerror})") from None
        with _locked(self.path, os.O_RDWR):
            _drop_truncated_tail(self.path)

    def append(self, record: RunRecord) -> None:
        append_line(self.path, json.dumps(record.to_dict(), allow_nan=False))


def append_line(path: Path, text: str) -> None:
    """Append ``text`` and a newline as one write, under the writers' lock: every JSON Lines
    file concbench keeps (records, traces, environments) is written this way."""
    line = (text + "\n").encode()
    with _locked(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT) as fd:
        written = os.write(fd, line)
        while written < len(line):  # only a full disk writes short; the next write says so
            written += os.write(fd, line[written:])


@contextmanager
def _locked(path: Path, flags: int) -> Iterator[int]:
    """The file open with ``flags``, under an exclusive advisory lock every writer takes."""
    fd = os.open(path, flags, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _drop_truncated_tail(path: Path) -> None:
    """Cut the file back to its last newline if it ends inside a line that is not a record."""
    with path.open("r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        start = size
        while start > 0:  # find where the last line begins, reading backwards in blocks
            step = min(start, 1 << 16)
            handle.seek(start - step)
            newline = handle.read(step).rfind(b"\n")
            start -= step
            if newline >= 0:
                start += newline + 1
                break
        handle.seek(start)
        tail = handle.read()
        try:
            complete = isinstance(json.loads(tail), dict)
        except (ValueError, RecursionError):
            complete = False
        if complete:  # a whole record that only lacks its newline: keep it
            handle.seek(0, os.SEEK_END)
            handle.write(b"\n")
            return
        warnings.warn(
            f"{path}: dropping a truncated last line ({size - start} bytes) left by a killed "
            "writer",
            stacklevel=3,
        )
        handle.truncate(start)


SIDE_FILES = {
    "env": "the environments its runs were measured in",
    "traces": "the full traces of its first runs",
    "sweep": "the calibration, order and canary timings of its sweeps",
}
"""The files kept beside a result store ``X.jsonl``, as ``X.<kind>.jsonl``."""


def side_file(store_path: str | os.PathLike[str], kind: str) -> Path:
    """Where the ``kind`` file (one of :data:`SIDE_FILES`) of a result store lives."""
    path = Path(store_path)
    return path.with_name(f"{path.stem}.{kind}.jsonl")


def _side_file_problem(path: Path) -> str | None:
    """Why ``path`` is not a result store when it is one of a store's side files."""
    for kind, holds in SIDE_FILES.items():
        suffix = f".{kind}.jsonl"
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            store = path.with_name(path.name[: -len(suffix)] + ".jsonl")
            return f"{path}: this file holds {holds} beside the result store {store}; pass that"
    return None


def read_records(path: str | os.PathLike[str]) -> list[RunRecord]:
    """Every record in ``path``; a truncated last line (a killed writer) is skipped with a
    warning, any other bad line is an error naming the file and line."""
    return list(_iter_records(Path(path)))


def _iter_records(path: Path) -> Iterator[RunRecord]:
    if problem := _side_file_problem(path):
        raise StoreError(problem)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StoreError(f"{path}: no such result file") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror})") from None
    lines = data.split(b"\n")
    complete = data.endswith(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        is_last = number == len(lines)
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, absurd nesting
            if is_last and not complete:
                warnings.warn(f"{path}:{number}: skipping a truncated last line", stacklevel=3)
                return
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)[:80]
            raise StoreError(f"{path}:{number}: not a JSON record ({reason})") from None
        if not isinstance(obj, dict):
            raise StoreError(f"{path}:{number}: expected a JSON object, got {type(obj).__name__}")
        try:
            yield RunRecord.from_dict(obj)
        except SchemaError as exc:
            raise StoreError(f"{path}:{number}: {exc}") from None
