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

import contextlib
import errno
import json
import os
import stat
import struct
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows, where O_APPEND alone must do
    fcntl = None  # type: ignore[assignment]

from ..model.errors import UserError
from .records import RunRecord, SchemaError
from .targets import file_kind, read_regular
from .values import shortened, value_problem

__all__ = [
    "ResultStore",
    "StoreError",
    "append_line",
    "check_store_target",
    "kept_files",
    "read_records",
    "read_stores",
    "records_problem",
    "sweep_lock",
]


class StoreError(UserError, ValueError):
    """A result file that cannot be read, with the file and line that failed."""


class ResultStore:
    """Append-only writer of run records.

    Opening checks that the file is new or a result store (:func:`check_store_target`)
    and can be written, so a bad ``--out`` fails before anything runs; then it cuts off a
    truncated last line that a killed writer left, so that the next record starts on a
    line of its own instead of being glued to the fragment.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        check_store_target(self.path)
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
            end = os.fstat(fd).st_size  # under the lock, where this line will start
            try:
                written = os.write(fd, line)
                while written < len(line):  # only a full disk writes short; the next says so
                    written += os.write(fd, line[written:])
            except OSError:
                with contextlib.suppress(OSError):  # a device (/dev/full) cannot be cut
                    os.ftruncate(fd, end)  # no fragment of this line: the file stays as it was
                raise
    except OSError as exc:
        raise StoreError(
            f"{path}: cannot write ({exc.strerror}); every line written before is kept"
        ) from None


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
        stored = read_records(path)
        if not stored:
            warnings.warn(f"{path}: no records: the result store is empty", stacklevel=2)
        for record in stored:
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
        data = read_regular(path)
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


def kept_files(stores: Iterable[str | os.PathLike[str]], role: str) -> dict[Path, str]:
    """Each store and its side files, with what they are: files no report may replace."""
    kept: dict[Path, str] = {}
    for store in stores:
        kept[Path(store)] = f"{role} {store}"
        if not Path(store).name:
            continue  # "/" or "": not a store, and reading it says so
        for kind in SIDE_FILES:
            kept[side_file(store, kind)] = f"the {kind} file of {role} {store}"
    return kept


_LONGEST_LINE = 64 << 20
"""How much of a file's first line is read to tell whether it holds run records."""


def records_problem(path: Path) -> str | None:
    """Whether ``path`` is a result store or a side file: a typo must not cost a sweep."""
    for kind in SIDE_FILES:
        if path.name.endswith(f".{kind}.jsonl"):
            return f"is named like the {kind} file of a result store"
    try:
        with path.open("rb") as handle:
            first = handle.readline(_LONGEST_LINE)
        data = json.loads(first)
    except (OSError, ValueError, RecursionError):
        return None
    if isinstance(data, dict) and {"schema", "id", "scenario", "backend"} <= data.keys():
        return "holds run records (a result store)"
    return None


def check_store_target(path: Path) -> None:
    """Refuse a ``path`` that cannot take records: only a new file or a result store can.

    Checked before anything runs: a FIFO would block the first write forever, a device
    or a side file would take records where no reader looks for them, and a text file
    would be cut at its last line and have JSON appended to it.
    """
    if problem := _side_file_problem(path):
        raise StoreError(problem)
    what = "--out must be a new file or an existing result store"
    try:
        info = path.stat()  # a link to a store is fine: records are appended, never replaced
    except FileNotFoundError:
        if path.is_symlink():
            target = os.path.realpath(path)
            raise StoreError(f"{path}: a symbolic link to {target}, which does not exist") from None
        info = None  # a new store; opening it says whether it can be created
    except OSError as exc:
        raise StoreError(f"{path}: cannot write results here ({exc.strerror})") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{path}: cannot write results here (Is a directory)")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise StoreError(f"{path}: {file_kind(info.st_mode)}, not a file; {what}")
    if info is not None and (problem := _first_record_problem(path)):
        raise StoreError(f"{path}:1: {problem}; {what}")
    for kind in SIDE_FILES:
        beside = side_file(path, kind)
        try:
            mode = beside.stat().st_mode
        except OSError:
            continue  # absent (made when needed) or unreadable (its writer will say so)
        # a new store's too, where a directory failed the sweep after its last run and a
        # FIFO blocked it; a device there (/dev/full) fails each write, naming the file
        hangs = stat.S_ISDIR(mode) or stat.S_ISFIFO(mode)
        if not stat.S_ISREG(mode) and (info is not None or hangs):
            raise StoreError(f"{path}: its {kind} file {beside} is {file_kind(mode)}")


def _first_record_problem(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            first = b""
            while not first.strip():
                first = handle.readline(_LONGEST_LINE)
                if not first:
                    return None  # empty, or blank lines only
    except OSError as exc:
        return f"cannot read ({exc.strerror})"
    if not first.endswith(b"\n") and first.startswith(b"{"):
        return None  # the fragment a killed writer left, cut off on opening
    try:
        data = json.loads(first)
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)[:80]
        return f"not a JSON record ({reason})"
    if not isinstance(data, dict):
        return f"expected a JSON object, got {type(data).__name__}"
    try:
        RunRecord.from_dict(data)
    except SchemaError as exc:
        return str(exc)
    return None
