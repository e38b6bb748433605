"""Deterministic cost: the instructions a run executes, counted by valgrind's callgrind.

Wall time on a shared machine moves with whatever else runs; the number of instructions
the CPU side of a run executes does not. In instruction mode the parent starts the worker
under ``valgrind --tool=callgrind`` with instrumentation off, and the worker switches it
on only around the measured region (``Backend.execute``): interpreter start-up, imports,
warm-up bookkeeping and the pipe protocol are never counted.

The worker talks to callgrind through client requests, the documented mechanism behind
``CALLGRIND_ZERO_STATS`` and friends in ``valgrind/callgrind.h``: a special, otherwise
harmless instruction sequence that valgrind recognises while it translates the code. It is
written to an executable page once and called through ctypes, so no compiler and no
symbol of the interpreter is needed (``--toggle-collect`` would need one, and a stripped
interpreter has none). Other options were measured and dropped: ``callgrind_control``
from outside is asynchronous (it acts whenever valgrind next polls, so the count depends
on timing), and subtracting a baseline process counts imports twice and inherits their
noise. Zeroing, then dumping at the end of the run counts every thread of the worker; the
dump is read back from its file.

What cannot be counted: waiting. A sleep, an I/O wait or a blocked thread executes no
instructions, so a run's count is the CPU side of scheduling only (spawning, starting,
switching, joining, timer callbacks). Pool processes that a backend starts (processes,
dask) run outside valgrind and are not counted either. And callgrind runs Python about 200
times slower, so the wall times of these runs mean nothing and stay out of the timing
statistics.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import multiprocessing.resource_tracker
import multiprocessing.spawn
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "INSTRUCTIONS",
    "MEASURES",
    "SLOWDOWN",
    "TIME",
    "Counter",
    "counting_directory",
    "remove_counts",
    "spawned_under_callgrind",
    "unavailable_reason",
]

TIME = "time"
INSTRUCTIONS = "instructions"
MEASURES = (TIME, INSTRUCTIONS)
"""What ``--measure`` accepts: wall time (the default) or instructions under callgrind."""

SLOWDOWN = 200
"""How much slower code runs under callgrind; the time limits of a run grow by as much."""

INSTALL_FIX = "apt-get install valgrind"

_OUT_NAME = "callgrind.out"
_LAUNCHER = "python-under-callgrind"
_RUNNING_ON_VALGRIND = 0x1001
_CALLGRIND_BASE = (ord("C") << 24) | (ord("T") << 16)  # VG_USERREQ_TOOL_BASE('C', 'T')
_DUMP_STATS = _CALLGRIND_BASE + 0
_ZERO_STATS = _CALLGRIND_BASE + 1
_START_INSTRUMENTATION = _CALLGRIND_BASE + 4
_STOP_INSTRUMENTATION = _CALLGRIND_BASE + 5

# valgrind.h's VALGRIND_DO_CLIENT_REQUEST_EXPR for amd64, as a function of one argument
# (the address of the six request words) that returns the request's result, 0 natively.
_AMD64_REQUEST = bytes.fromhex(
    "4889f8"  # mov rax, rdi: the request block
    "31d2"  # xor edx, edx: the default result
    "48c1c703" "48c1c70d" "48c1c73d" "48c1c733"  # rol rdi by 3, 13, 61, 51: the preamble
    "4887db"  # xchg rbx, rbx: "do the client request"
    "4889d0"  # mov rax, rdx: the result
    "c3"  # ret
)  # fmt: skip


def unavailable_reason() -> str | None:
    """Why instructions cannot be counted here, with the fix; ``None`` when they can."""
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        return (
            "--measure instructions needs Linux on x86_64 (callgrind's client requests), "
            f"this is {sys.platform} on {platform.machine()}"
        )
    if shutil.which("valgrind") is None:
        return (
            "--measure instructions needs valgrind (its callgrind tool counts the "
            f"instructions), which is not installed: {INSTALL_FIX}"
        )
    return _launch_problem()


def _launch_problem() -> str | None:
    """Whether a launcher in the temporary directory can start valgrind (noexec mounts)."""
    directory = tempfile.mkdtemp(prefix="concbench-callgrind-")
    try:
        launcher = Path(directory, _LAUNCHER)
        launcher.write_text(f"#!/bin/sh\nexec {_shell_quote(_valgrind())} --version\n")
        launcher.chmod(0o700)
        try:
            done = subprocess.run(
                [str(launcher)], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return (
                f"--measure instructions starts workers through a script in {directory!r}, "
                f"which cannot run there ({exc}); set TMPDIR to a directory that allows it"
            )
        if done.returncode != 0 or not done.stdout.startswith("valgrind"):
            output = (done.stdout + done.stderr).strip()[:200]
            return f"--measure instructions: valgrind does not start here: {output}"
        return None
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def counting_directory() -> str:
    """A fresh directory for one worker's counts, holding the launcher that starts it.

    The worker writes its dumps and valgrind its log there; remove it with
    :func:`remove_counts` once the worker has ended.
    """
    directory = tempfile.mkdtemp(prefix="concbench-callgrind-")
    launcher = Path(directory, _LAUNCHER)
    launcher.write_text(_launcher_script(directory))
    launcher.chmod(0o700)
    return directory


@contextlib.contextmanager
def spawned_under_callgrind(directory: str) -> Iterator[None]:
    """Spawn-context processes started within run under callgrind, counting into ``directory``.

    multiprocessing keeps one interpreter path for every spawn, so it is swapped for the
    launcher only for the duration, after the resource tracker (also spawned from that
    path) is already running.
    """
    multiprocessing.resource_tracker.ensure_running()
    executable = multiprocessing.spawn.get_executable()
    multiprocessing.spawn.set_executable(str(Path(directory, _LAUNCHER)))
    try:
        yield
    finally:
        multiprocessing.spawn.set_executable(executable)


def remove_counts(directory: str) -> None:
    """Delete what a worker left in its counting directory, once it has ended."""
    shutil.rmtree(directory, ignore_errors=True)


def _valgrind() -> str:
    return shutil.which("valgrind") or "valgrind"


def _launcher_script(directory: str) -> str:
    command = [
        _valgrind(),
        "--tool=callgrind",
        "--instr-atstart=no",  # nothing counted (and start-up 20x faster) until the run
        f"--callgrind-out-file={Path(directory, _OUT_NAME)}.%p",
        f"--log-file={Path(directory, 'valgrind.log')}",
        "-q",
        sys.executable,
    ]
    quoted = " ".join(_shell_quote(word) for word in command)
    return f'#!/bin/sh\nexec {quoted} "$@"\n'


def _shell_quote(word: str) -> str:
    return "'" + word.replace("'", "'\"'\"'") + "'"


class Counter:
    """The worker's side: count the instructions between :meth:`start` and :meth:`stop`."""

    def __init__(self, directory: str) -> None:
        self._directory = Path(directory)
        self._page = mmap.mmap(-1, mmap.PAGESIZE, prot=_RWX)
        self._page.write(_AMD64_REQUEST)
        address = ctypes.addressof(ctypes.c_char.from_buffer(self._page))
        self._call = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p)(address)
        if not self._request(_RUNNING_ON_VALGRIND):
            raise RuntimeError("instruction mode, but this worker is not running under valgrind")

    def start(self) -> None:
        self._request(_START_INSTRUMENTATION)
        self._request(_ZERO_STATS)

    def stop(self) -> int:
        """The instructions executed since :meth:`start`, by every thread of the process."""
        self._request(_DUMP_STATS)
        self._request(_STOP_INSTRUMENTATION)
        return self._read_dump()

    def _request(self, code: int) -> int:
        block = (ctypes.c_uint64 * 6)(code, 0, 0, 0, 0, 0)
        return int(self._call(ctypes.addressof(block)))

    def _read_dump(self) -> int:
        """The total of the newest dump of this process, which is then deleted."""
        prefix = f"{_OUT_NAME}.{os.getpid()}."
        dumps = [path for path in self._directory.iterdir() if path.name.startswith(prefix)]
        if not dumps:
            raise RuntimeError(f"callgrind wrote no dump into {self._directory}")
        newest = max(dumps, key=lambda path: int(path.name.removeprefix(prefix)))
        try:
            return _totals(newest)
        finally:
            newest.unlink()


_RWX = mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC if hasattr(mmap, "PROT_EXEC") else 0


def _totals(path: Path) -> int:
    with path.open() as lines:
        for line in lines:
            if line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError(f"no totals line in callgrind's dump {path}")
