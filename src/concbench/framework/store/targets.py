"""Where concbench may write: every output path checked before anything runs, then
written so that a failure never leaves half a file or a lost one.

A report is made from result stores; the worst thing it can do is replace one. So every
path a command writes is compared with the files it must keep (the stores it reads, the
store it appends to, and their side files) by identity, which sees through ``./x`` and
``x``, symbolic links and hard links. Anything that is not a plain file the command may
overwrite (a link, a device, a FIFO, a directory, a file that holds run records) is
refused, with the path and the reason, before the first run. Files are then written to a
temporary file beside the target and renamed over it, so a full disk leaves the old file.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from ..model.errors import UserError

__all__ = [
    "Check",
    "OutputError",
    "directory_problem",
    "file_kind",
    "file_problem",
    "read_regular",
    "same_path",
    "write_atomically",
]

Check = Callable[[Path], "str | None"]
"""Why a path must not be written, or None: what ``write_atomically`` asks right before."""


class OutputError(UserError, ValueError):
    """A report file or result store that this command must not or cannot write."""


def same_path(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file: by inode when both exist, else resolved."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they would be
        return os.path.realpath(a) == os.path.realpath(b)


def file_problem(path: Path, kept: Mapping[Path, str]) -> str | None:
    """Why ``path`` must not be written as one output file, or None when it may."""
    for other, what in kept.items():
        if same_path(path, other):
            return f"is {what}; a report never overwrites it"
    try:
        info = path.lstat()
    except (FileNotFoundError, NotADirectoryError):  # not there (yet)
        return _parent_problem(path)
    except OSError as exc:
        return f"cannot be checked ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        target = os.path.realpath(path)
        return f"is a symbolic link (to {target}); links are never replaced: give {target}"
    if stat.S_ISDIR(info.st_mode):
        return "is a directory; give a file name"
    if not stat.S_ISREG(info.st_mode):
        return f"is {file_kind(info.st_mode)}, not a regular file; give a file name"
    return _parent_problem(path)


def directory_problem(path: Path, kept: Mapping[Path, str]) -> str | None:
    """Why ``path`` cannot be a directory of output files, or None when it can."""
    for other, what in kept.items():
        if same_path(path, other):
            return f"is {what}; give a directory"
    try:
        info = path.stat()  # a link to a directory is fine: files are written inside it
    except (FileNotFoundError, NotADirectoryError):  # not there (yet)
        if path.is_symlink():
            return f"is a symbolic link to {os.path.realpath(path)}, which does not exist"
        return _parent_problem(path)
    except OSError as exc:
        return f"cannot be checked ({exc.strerror})"
    if not stat.S_ISDIR(info.st_mode):
        return f"is {file_kind(info.st_mode)}; give a directory"
    return _creation_problem(path)


def write_atomically(path: Path, data: bytes, check: Check) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    ``check`` is asked again right before, since a sweep may have run for an hour since
    the first check. On any failure (a full disk, a vanished directory) the old file is
    left as it was, the temporary file is removed, and the error names ``path``.
    """
    if problem := check(path):
        raise OutputError(f"{path}: {problem}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{path.name[:120]}."  # the temporary name must fit where the target's does
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), _mode_for(path))
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # a full disk may only say so here
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({exc.strerror}); nothing was changed") from None


def _mode_for(path: Path) -> int:
    """The mode a plain ``open(path, "w")`` would give: the old file's, else by the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _parent_problem(path: Path) -> str | None:
    """The nearest existing directory above ``path`` must take new files."""
    parent = Path(os.path.abspath(path)).parent
    while not os.path.lexists(parent):
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot be created: {parent} is not a directory"
    return _creation_problem(parent)


def _creation_problem(directory: Path) -> str | None:
    """Try it: permission bits say nothing to root, nor about read-only file systems."""
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".concbench-check-")
    except OSError as exc:
        return f"cannot be written: no file can be created in {directory} ({exc.strerror})"
    os.close(fd)
    os.unlink(probe)
    return None


def read_regular(path: str | os.PathLike[str]) -> bytes:
    """The bytes of ``path``, which must be a regular file (through any links).

    A store given by mistake as ``/dev/zero`` or ``/dev/urandom`` never ends, and a FIFO
    without a writer never opens: read plainly, either hangs the command or fills memory.
    The file is opened without blocking and checked before it is read; anything but a
    regular file is an ``OSError`` whose ``strerror`` says what it is.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO's open would wait for a writer
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"{file_kind(mode)}, not a regular file", str(path))
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


def file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISREG, "a regular file"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")
