"""System limits that a large run would hit, checked before it starts.

A fan-out of 100,000 threads fails deep inside a worker with "can't start new thread",
and 30,000 sockets with "Too many open files"; neither says which limit was hit or how to
raise it. A backend calls :func:`threads_problem` or :func:`open_files_problem` from
:meth:`Backend.check_resources`, and planning records the job as ``skipped`` with the
limit's name, its value and the command that raises it, before anything runs.

The checks read the limits as they are now, in the parent (the worker inherits them),
and only refuse what cannot fit: usage by other processes changes, so a run that passes
can still fail, but it then fails as ``failed`` with the backend's own error.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None  # type: ignore[assignment]

__all__ = ["Cap", "open_file_caps", "open_files_problem", "thread_caps", "threads_problem"]

_MARGIN = 64
"""Threads, process ids or descriptors the worker itself needs beside the run's."""


@dataclass(frozen=True)
class Cap:
    """One limit: its name and value, how many more the run may use, and how to raise it."""

    name: str
    value: int
    available: int
    fix: Callable[[int], str]
    """Given how many more the run needs than the limit leaves room for, how to raise the
    limit (commands in backticks), to a value with a tenth to spare."""
    why: str = ""


def threads_problem(
    needed: int, what: str = "threads", hint: str = "", caps: Sequence[Cap] | None = None
) -> str | None:
    """Why ``needed`` more threads cannot start in one worker, or ``None`` if they can."""
    return _problem(needed, what, hint, thread_caps() if caps is None else caps)


def open_files_problem(
    needed: int, what: str = "open files", hint: str = "", caps: Sequence[Cap] | None = None
) -> str | None:
    """Why ``needed`` more descriptors (sockets, files) cannot be open at once in one worker."""
    return _problem(needed, what, hint, open_file_caps() if caps is None else caps)


def _problem(needed: int, what: str, hint: str, caps: Sequence[Cap]) -> str | None:
    short = [cap for cap in caps if cap.available < needed]
    if not short:
        return None
    cap = min(short, key=lambda cap: cap.available)
    why = f" ({cap.why})" if cap.why else ""
    fix = cap.fix(needed - cap.available)
    return (
        f"needs about {needed:,} {what}, but {cap.name} is {cap.value:,}{why}, leaving room "
        f"for about {max(cap.available, 0):,}: raise it with {fix}{hint}"
    )


def _raised(value: int, shortfall: int, per_unit: int = 1) -> int:
    """The limit's new value: enough for the shortfall, a tenth to spare, in round thousands."""
    return int(math.ceil((value + per_unit * shortfall) * 1.1 / 1000) * 1000)


def thread_caps() -> list[Cap]:
    """Every known limit on how many more threads one process can start, as far as it is
    readable here: the per-user process limit, the kernel's thread and process-id tables,
    the per-process count of memory mappings (each thread stack takes two), and the
    control group's pids limit (containers)."""
    caps: list[Cap] = []
    running = _threads_running()
    if resource is not None and os.geteuid() != 0:  # not enforced for root
        soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
        if soft != resource.RLIM_INFINITY:
            caps.append(
                Cap(
                    "RLIMIT_NPROC (ulimit -u)",
                    soft,
                    soft - _MARGIN,
                    _ulimit("-u", soft),
                    "per user, counting threads already running",
                )
            )
    for name, why in (
        ("kernel.threads-max", "threads on the whole system"),
        ("kernel.pid_max", "every thread takes a process id"),
    ):
        value = _read_int(Path("/proc/sys") / name.replace(".", "/"))
        if value is not None and running is not None:
            caps.append(Cap(name, value, value - running - _MARGIN, _sysctl(name, value), why))
    maps = _read_int(Path("/proc/sys/vm/max_map_count"))
    mapped = _count_lines(Path("/proc/self/maps"))
    if maps is not None and mapped is not None:
        caps.append(
            Cap(
                "vm.max_map_count",
                maps,
                (maps - 2 * mapped) // 2,  # the worker's own maps: the parent's, twice over
                _sysctl("vm.max_map_count", maps, per_unit=2),
                "each thread stack takes two memory mappings",
            )
        )
    caps += _cgroup_pids()
    return caps


def open_file_caps() -> list[Cap]:
    """The per-process limit on open descriptors, less those the parent already holds."""
    if resource is None:
        return []
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return []
    open_now = _count_entries(Path("/proc/self/fd")) or _count_entries(Path("/dev/fd")) or 0

    def fix(shortfall: int) -> str:
        n = _raised(soft, shortfall)
        if hard == resource.RLIM_INFINITY or n <= hard:
            return f"`ulimit -n {n}`"
        return f"`ulimit -n {n}` (above the hard limit of {hard:,}: raise that first, as root)"

    return [Cap("RLIMIT_NOFILE (ulimit -n)", soft, soft - open_now - _MARGIN, fix)]


def _cgroup_pids() -> list[Cap]:
    """The pids controller's limit for this process's control group (v2 or v1), if any."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, group = parts
        if controllers == "":
            base = Path("/sys/fs/cgroup") / group.lstrip("/")
        elif "pids" in controllers.split(","):
            base = Path("/sys/fs/cgroup/pids") / group.lstrip("/")
        else:
            continue
        limit = _read_int(base / "pids.max")
        current = _read_int(base / "pids.current")
        if limit is not None and current is not None:
            return [
                Cap(
                    f"the control group's pids.max ({base})",
                    limit,
                    limit - current - _MARGIN,
                    _write_into(base / "pids.max", limit),
                    "threads and processes of this container",
                )
            ]
    return []


def _ulimit(flag: str, soft: int) -> Callable[[int], str]:
    return lambda short: f"`ulimit {flag} {_raised(soft, short)}`"


def _write_into(file: Path, value: int) -> Callable[[int], str]:
    return lambda short: f"`echo {_raised(value, short)} > {file}` (or the container's pids limit)"


def _sysctl(name: str, value: int, per_unit: int = 1) -> Callable[[int], str]:
    return lambda short: f"`sysctl -w {name}={_raised(value, short, per_unit)}`"


def _threads_running() -> int | None:
    """Threads on the system now: the total in /proc/loadavg ("runnable/total")."""
    try:
        return int(Path("/proc/loadavg").read_text().split()[3].split("/")[1])
    except (OSError, IndexError, ValueError):
        return None


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())  # "max" (no limit) is not an int: no cap
    except (OSError, ValueError):
        return None


def _count_lines(path: Path) -> int | None:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except OSError:
        return None


def _count_entries(path: Path) -> int | None:
    try:
        return len(os.listdir(path))
    except OSError:
        return None
