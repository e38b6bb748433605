"""Who waited for a CPU during a run, and whether another program made them wait.

Linux keeps, per thread, the time it spent runnable but waiting for a CPU (the second
field of ``/proc/<pid>/task/<tid>/schedstat``, in ns) next to its CPU time (the first).
A run's ``runqueue_wait_s`` is that wait summed over the worker's threads across the
measured region; ``helper_runqueue_wait_s`` the same over the processes the run depends
on (the latency server, a pool's processes, dask's workers: every descendant of the
worker).

Waiting alone does not prove a disturbance: a thousand threads started at once wait for
two cores whatever else runs, and that wait is the backend's own cost, which concbench
measures. So the wait is attributed in proportion to who used the CPUs meanwhile: the
share of CPU time that other programs took (all other threads on the machine, read the
same way) of all the CPU time used during the run, and capped at that CPU time: however
many of the run's threads queued behind other programs, these held a CPU from the run
for no longer than they ran. A run is **disturbed** when the wait so attributed passes
:data:`FLOOR_S` plus :data:`FRACTION` of the run's duration. docs/reproducibility.md
gives the figures behind both.

Everything is read outside the measured region, except one small read by each of the
first few threads that end inside it (a thread's figures vanish with it): see
:class:`ThreadExits`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FLOOR_S",
    "FRACTION",
    "Region",
    "ThreadExits",
    "available",
    "descendants",
    "run_helpers",
]

FLOOR_S = 0.001
"""Attributed wait below this never marks a run: one preemption by another program costs
about one scheduler slice (0.7-3 ms on this kernel), which cannot move a run by more
than the timer noise of a short run already does."""
FRACTION = 0.02
"""Attributed wait above this fraction of the run's duration (plus the floor) marks it.
By issue 11's figures a quiet run is attributed well under 0.5% (5 ms of wait per 0.5 s,
~1% of the CPU time taken by other programs) and a run beside two busy-looping hogs
25-40%; a run disturbed by less than 2% moves less than any diff's noise threshold."""
_PROC = "/proc"


def available() -> bool:
    """Whether this system keeps per-thread run-queue figures (Linux with schedstat)."""
    return os.path.exists(f"{_PROC}/self/task/{os.getpid()}/schedstat")


Figures = dict[int, tuple[int, int]]
"""Per thread id: CPU time and run-queue wait, both in ns, since the thread started."""


@dataclass(frozen=True)
class Machine:
    """One pass over every thread of every process: figures by process, and parents."""

    threads: dict[int, Figures]
    parents: dict[int, int]
    taken_at: float

    @classmethod
    def scan(cls) -> Machine:
        threads: dict[int, Figures] = {}
        parents: dict[int, int] = {}
        try:
            entries = os.listdir(_PROC)
        except OSError:
            return cls({}, {}, time.perf_counter())
        for entry in entries:
            if not entry.isdigit():
                continue
            pid = int(entry)
            parent = _parent(pid)
            if parent is None:
                continue  # gone meanwhile
            parents[pid] = parent
            threads[pid] = process_threads(pid)
        return cls(threads, parents, time.perf_counter())


def process_threads(pid: int) -> Figures:
    """CPU time and wait of each live thread of ``pid``; empty if it is gone."""
    figures: Figures = {}
    try:
        tids = os.listdir(f"{_PROC}/{pid}/task")
    except OSError:
        return figures
    for tid in tids:
        parsed = _read_schedstat(f"{_PROC}/{pid}/task/{tid}/schedstat")
        if parsed is not None:
            figures[int(tid)] = parsed
    return figures


def run_helpers(parents: dict[int, int], worker: int, helpers: Collection[int]) -> set[int]:
    """The processes a run depends on: the worker's descendants, the given helpers and
    theirs (a PostgreSQL server's backend processes), the worker itself excluded."""
    found = descendants(parents, worker) | set(helpers)
    for helper in helpers:
        found |= descendants(parents, helper)
    return found - {worker}


def descendants(parents: dict[int, int], root: int) -> set[int]:
    """Every process below ``root`` in the process tree (children, their children...)."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


class ThreadExits:
    """Samples the figures of the worker's threads that end inside a measured region.

    A thread's figures vanish with it, and a thread-per-task backend's threads all end
    inside the run. ``threading.Thread.run`` is wrapped once per worker process; while
    armed, every thread that ends is counted, and the first :data:`SAMPLED` of them
    read their own ``/proc/thread-self/schedstat``; the region scales the sample up to
    the count. Reading in every ending thread is far too dear: here it made starting
    and joining 1,000 threads 5 times slower (a read took 20 us alone, and up to 1 ms
    among a thousand threads starting), while 8 reads cost nothing measurable. The read
    goes through libc without releasing the GIL: taking it back could cost a thread a
    whole switch interval (5 ms). Threads started with ``_thread.start_new_thread`` are
    counted only if they outlive the run.
    """

    _installed = False
    _armed = False
    _ended = 0
    _seen: list[tuple[int, bytes]] = []  # noqa: RUF012 - one list per process, by design
    _read: Any = None

    @classmethod
    def install(cls) -> None:
        if cls._installed or not available():
            return
        cls._read = _gil_holding_reader()
        if cls._read is None:
            return
        cls._installed = True
        original = threading.Thread.run

        def run(self: threading.Thread) -> None:
            try:
                original(self)
            finally:
                if ThreadExits._armed:
                    ThreadExits._record()

        threading.Thread.run = run  # type: ignore[method-assign]

    @classmethod
    def _record(cls) -> None:
        cls._ended += 1
        if len(cls._seen) < SAMPLED:
            raw = cls._read()
            if raw:
                cls._seen.append((threading.get_native_id(), raw))

    @classmethod
    def arm(cls) -> None:
        cls._seen = []
        cls._ended = 0
        cls._armed = True

    @classmethod
    def disarm(cls) -> tuple[Figures, int]:
        """Stop; the sampled threads' figures by thread id, and how many threads ended."""
        cls._armed = False
        sampled: Figures = {}
        for tid, raw in cls._seen:
            parsed = _parse(raw)
            if parsed is not None:
                sampled[tid] = parsed
        cls._seen = []
        return sampled, cls._ended


SAMPLED = 8
"""Ending threads per run that read their own figures (see :class:`ThreadExits`)."""


def _gil_holding_reader() -> Any:
    """A function reading ``/proc/thread-self/schedstat`` through libc while holding the
    GIL, or None where ctypes cannot reach libc."""
    try:
        import ctypes

        libc = ctypes.PyDLL(None, use_errno=True)
        libc.open.argtypes = [ctypes.c_char_p, ctypes.c_int]
        libc.open.restype = ctypes.c_int
        libc.read.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
        libc.read.restype = ctypes.c_ssize_t
        libc.close.argtypes = [ctypes.c_int]
    except (OSError, AttributeError):
        return None
    buffer = ctypes.create_string_buffer(128)

    def read() -> bytes:
        fd = libc.open(b"/proc/thread-self/schedstat", os.O_RDONLY)
        if fd < 0:
            return b""
        try:
            size = libc.read(fd, buffer, 128)
            return buffer.raw[:size] if size > 0 else b""
        finally:
            libc.close(fd)

    return read


@dataclass
class Region:
    """The scheduler's view of one measured region of a worker.

    :meth:`begin` before the region and :meth:`end` after it, both outside the timing;
    :meth:`figures` then gives the record's fields.
    """

    worker: int = field(default_factory=os.getpid)
    helpers: Collection[int] = ()
    """Processes the run depends on that are not the worker's descendants (the servers);
    their descendants count too (the backend processes of a PostgreSQL server)."""
    _before: Machine | None = None
    _after: Machine | None = None
    _sampled: Figures = field(default_factory=dict)
    _ended: int = 0
    _began: float = 0.0
    _elapsed: float = 0.0

    def begin(self) -> None:
        if not available():
            return
        self._before = Machine.scan()
        ThreadExits.arm()
        self._began = time.perf_counter()

    def end(self) -> None:
        if self._before is None:
            return
        self._elapsed = time.perf_counter() - self._began
        self._sampled, self._ended = ThreadExits.disarm()
        self._after = Machine.scan()

    def figures(self) -> dict[str, Any]:
        """``runqueue_wait_s``, ``helper_runqueue_wait_s``, ``others_cpu_s``,
        ``others_wait_s`` and ``disturbed``; the figures are None where not measured."""
        before, after = self._before, self._after
        if before is None or after is None:
            return {
                "runqueue_wait_s": None,
                "helper_runqueue_wait_s": None,
                "others_cpu_s": None,
                "others_wait_s": None,
                "disturbed": False,
            }
        helpers = run_helpers(after.parents, self.worker, self.helpers)
        helpers &= after.threads.keys() | before.threads.keys()
        ours = helpers | {self.worker}
        worker_before = before.threads.get(self.worker, {})
        worker_after = after.threads.get(self.worker, {})
        worker_cpu, worker_wait = _delta(worker_before, worker_after)
        ended_cpu, ended_wait = self._ended_threads(worker_before, worker_after)
        worker_cpu += ended_cpu
        worker_wait += ended_wait
        helper_cpu = helper_wait = 0
        for pid in helpers:
            cpu, wait = _delta(before.threads.get(pid, {}), after.threads.get(pid, {}))
            helper_cpu += cpu
            helper_wait += wait
        others_cpu = 0
        for pid in (before.threads.keys() | after.threads.keys()) - ours:
            others_cpu += _delta(before.threads.get(pid, {}), after.threads.get(pid, {}))[0]
        wait_ns = worker_wait + helper_wait
        used = others_cpu + worker_cpu + helper_cpu
        # however many of the run's threads queued behind other programs, these held a
        # CPU from it for no longer than they ran
        others_wait_s = min(wait_ns * others_cpu / used, others_cpu) / 1e9 if used else 0.0
        return {
            "runqueue_wait_s": worker_wait / 1e9,
            "helper_runqueue_wait_s": helper_wait / 1e9 if helpers else None,
            "others_cpu_s": others_cpu / 1e9,
            "others_wait_s": others_wait_s,
            "disturbed": is_disturbed(others_wait_s, self._elapsed),
        }

    def _ended_threads(self, before: Figures, after: Figures) -> tuple[int, int]:
        """CPU and wait (ns) of the threads that ended in the region: the sampled ones
        scaled up to all of them."""
        sampled = {tid: v for tid, v in self._sampled.items() if tid not in after}
        if not sampled:
            return 0, 0
        cpu, wait = _delta(before, sampled)
        ended = max(self._ended - (len(self._sampled) - len(sampled)), len(sampled))
        scale = ended / len(sampled)
        return round(cpu * scale), round(wait * scale)


def is_disturbed(others_wait_s: float, elapsed_s: float) -> bool:
    """The documented threshold: :data:`FLOOR_S` plus :data:`FRACTION` of the duration."""
    return others_wait_s > FLOOR_S + FRACTION * elapsed_s


def _delta(before: Figures, after: Figures) -> tuple[int, int]:
    """CPU and wait (ns) over the region of the threads in ``after``; a thread that was
    not there at the start counts from zero."""
    cpu = wait = 0
    for tid, (cpu_after, wait_after) in after.items():
        cpu_before, wait_before = before.get(tid, (0, 0))
        cpu += max(cpu_after - cpu_before, 0)
        wait += max(wait_after - wait_before, 0)
    return cpu, wait


def _read_schedstat(path: str) -> tuple[int, int] | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return _parse(os.read(fd, 128))
    except OSError:
        return None
    finally:
        os.close(fd)


def _parse(raw: bytes) -> tuple[int, int] | None:
    fields = raw.split()
    if len(fields) < 2:
        return None
    try:
        return int(fields[0]), int(fields[1])
    except ValueError:
        return None


def _parent(pid: int) -> int | None:
    """The parent pid from ``/proc/<pid>/stat`` (after the command name, which may hold
    spaces and parentheses)."""
    try:
        fd = os.open(f"{_PROC}/{pid}/stat", os.O_RDONLY)
    except OSError:
        return None
    try:
        raw = os.read(fd, 512)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        return int(raw[raw.rindex(b")") + 2 :].split()[1])
    except (ValueError, IndexError):
        return None
