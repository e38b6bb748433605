"""The JSON Lines result store: one record per line, appended the moment a run ends.

Each record is written with a single ``write`` on a descriptor opened with ``O_APPEND``,
under an exclusive ``flock`` that every writer takes, so concurrent writers never
interleave, a writer that repairs a killed writer's fragment never cuts another's
records, and a killed sweep loses at most the run it was in.
A store is data from elsewhere (a colleague's file, a killed run): it is read as JSON and
nothing else, and every way it can be wrong is a :class:`StoreError` naming file and line.

A resumed sweep reads the store to plan, then appends the runs it lacks; two resumes of
one store at once would both run the same missing runs. :func:`sweep_lock` holds the
store for the whole of one resume, with a lock of its own that appenders never take.
"""

from __future__ import annotations

import errno
import json
import os
import struct
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows, where O_APPEND alone must do
    fcntl = None  # type: ignore[assignment]

from .records import RunRecord, SchemaError
from .values import shortened, value_problem

__all__ = [
    "ResultStore",
    "StoreError",
    "append_line",
    "read_records",
    "read_stores",
    "sweep_lock",
]


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
    file concbench keeps (records, traces, environments) is written this way.

    A full disk, a read-only file system or a directory in the way is a
    :class:`StoreError` naming the file; the lines already written stay as they are.
    """
    line = (text + "\n").encode()
    try:
        with _locked(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT) as fd:
            written = os.write(fd, line)
            while written < len(line):  # only a full disk writes short; the next write says so
                written += os.write(fd, line[written:])
    except OSError as exc:
        raise StoreError(f"{path}: cannot write ({exc.strerror})") from None


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


_SWEEP_BYTE = 1 << 62
"""The byte a sweep lock covers: far past any data, so no other lock ever meets it."""


@contextmanager
def sweep_lock(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the store at ``path`` for one resumed sweep, from planning to its last record.

    A second holder is refused with a :class:`StoreError` at once (it would plan the same
    missing runs). Appenders are not held up: they lock the whole file with ``flock``,
    while this is an open-file-description lock on one byte beyond any data (Linux's
    ``F_OFD_SETLK``; it is released when the descriptor closes or the process dies, and
    closing another descriptor of the file does not release it, as it would a POSIX
    lock). Where the system has no such locks, nothing is held.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"{path}: cannot write results here ({exc.strerror})") from None
    try:
        if not _lock_sweep(fd):
            raise StoreError(
                f"{path}: another concbench is resuming this store; run --resume again "
                "once it has finished, and it will do what is still missing"
            )
        yield
    finally:
        os.close(fd)


def _lock_sweep(fd: int) -> bool:
    command = getattr(fcntl, "F_OFD_SETLK", None) if fcntl is not None else None
    layout = "@hhqqi4x"  # struct flock on 64-bit Linux: type, whence, start, len, pid
    if command is None or struct.calcsize(layout) != 32:
        return True
    request = struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, _SWEEP_BYTE, 1, 0)
    try:
        fcntl.fcntl(fd, command, request)
    except OSError as exc:  # held elsewhere; or a file system without such locks
        return exc.errno not in (errno.EAGAIN, errno.EACCES)
    return True


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


def read_stores(paths: Iterable[str | os.PathLike[str]]) -> list[RunRecord]:
    """The records of several stores, each run once.

    A file named twice (``a.jsonl ./a.jsonl``) is read once, and a record whose ``id``
    was already read (a copy of a store, or stores concatenated) is skipped: either would
    count its runs again. Both are said in a warning.
    """
    records: list[RunRecord] = []
    read: dict[tuple[int, int], Path] = {}
    ids: set[str] = set()
    for given in paths:
        path = Path(given)
        try:
            status = path.stat()
        except OSError:
            status = None  # read_records names the problem
        identity = (status.st_dev, status.st_ino) if status is not None else None
        if identity is not None and identity in read:
            warnings.warn(f"{path} is the same file as {read[identity]}; read once", stacklevel=2)
            continue
        if identity is not None:
            read[identity] = path
        again = 0
        for record in read_records(path):
            if record.id and record.id in ids:
                again += 1
                continue
            ids.add(record.id)
            records.append(record)
        if again:
            warnings.warn(
                f"{path}: skipped {again} records already read from another file (same id)",
                stacklevel=2,
            )
    return records


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
            record = RunRecord.from_dict(shortened(obj))
        except SchemaError as exc:
            raise StoreError(f"{path}:{number}: {exc}") from None
        if problem := value_problem(obj):
            raise StoreError(f"{path}:{number}: corrupt record: {problem}")
        yield record
