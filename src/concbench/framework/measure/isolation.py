"""What keeps a misbehaving plugin inside its worker process.

A worker runs code that others wrote. Whatever that code does (print garbage, segfault,
leave threads behind, hang) must neither corrupt the parent's output nor keep a process
alive that nobody waits for, and the parent should learn where it went wrong. The worker
calls :func:`contain` first thing; the parent reads :func:`output_tail` when a run ends in
a crash or a timeout.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Collection
from pathlib import Path

from ..model.trace import ContractError

__all__ = ["check_leftovers", "contain", "exit_if_stuck", "output_tail", "running"]

LEFTOVER_GRACE_S = 0.25
"""How long threads and child processes started by a run may take to finish after it."""


def contain(log_path: str) -> None:
    """Worker-side set-up, before any plugin code runs.

    - stdout and stderr (the file descriptors, so C extensions too) go to ``log_path``:
      a plugin's prints never reach the parent's terminal or its report;
    - a segfault or abort dumps every thread's Python stack there, and so does SIGTERM,
      which is how the parent stops a worker that went over the time limit;
    - SIGINT is ignored: Ctrl-C reaches the whole process group, and the parent decides
      what it means (it stops the worker itself);
    - if the parent dies without stopping the worker, the worker exits too, and deletes
      ``log_path``, which only that parent would have read.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # born blocked (see interrupt.sigint_blocked)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    faulthandler.enable(all_threads=True)
    if hasattr(faulthandler, "register"):  # not on Windows
        faulthandler.register(signal.SIGTERM, all_threads=True, chain=True)
    _exit_with_parent(log_path)


def _exit_with_parent(log_path: str) -> None:
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])  # readable once the parent has gone
        if log_path != os.devnull:
            with contextlib.suppress(OSError):
                os.unlink(log_path)  # left in the temp directory otherwise, for nobody
        os._exit(1)

    threading.Thread(target=watch, name="concbench-parent-watch", daemon=True).start()


def running() -> tuple[frozenset[threading.Thread], frozenset[multiprocessing.process.BaseProcess]]:
    """The threads and child processes alive now: call before a run, pass to the check."""
    return frozenset(threading.enumerate()), frozenset(multiprocessing.active_children())


def check_leftovers(
    before: tuple[Collection[threading.Thread], Collection[multiprocessing.process.BaseProcess]],
    grace_s: float = LEFTOVER_GRACE_S,
) -> None:
    """Raise :class:`ContractError` if the run left non-daemon threads or child processes.

    They would run on beside the next runs of this worker and skew them, and a non-daemon
    thread keeps the worker from exiting. Daemon threads are allowed: event loops and
    libraries keep idle helper threads (asyncio's executor, trio's thread cache) on
    purpose. Leftovers get ``grace_s`` to finish first, since shutting a pool down
    without waiting is common and harmless.
    """
    threads_before, children_before = before
    deadline = time.monotonic() + grace_s
    threads = [
        thread
        for thread in threading.enumerate()
        if thread not in threads_before and not thread.daemon
    ]
    children = [
        child for child in multiprocessing.active_children() if child not in children_before
    ]
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
    left = [t.name for t in threads if t.is_alive()] + [
        f"process {c.pid}" for c in children if c.is_alive()
    ]
    if left:
        raise ContractError(
            f"execute returned but left {len(left)} thread(s) or process(es) running "
            f"({', '.join(left[:5])}); a backend must join everything it starts"
        )


def exit_if_stuck() -> None:
    """End the worker now if plugin threads would keep it alive.

    Python waits for every non-daemon thread before a process exits, so one forgotten
    thread would make a finished worker hang. Everything the worker had to say is sent
    by now; the parent would stop it anyway, this just does not make it wait.
    """
    main = threading.main_thread()
    if any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def output_tail(log_path: str | os.PathLike[str], max_chars: int = 3000) -> str:
    """What a worker last wrote to stdout or stderr, for the error of a crash or a timeout.

    If the worker died with a stack dump, the dump is what matters: it comes first, with
    the thread that crashed (or was running when the worker was stopped) at its top and
    the framework's own watchdog thread left out; a few lines of output before it follow.
    Otherwise the last lines of output.
    """
    try:
        with Path(log_path).open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - 16 * max_chars))
            text = handle.read().decode("utf-8", errors="replace").strip()
    except OSError:
        return ""
    dump = _DUMP_START.search(text)
    if dump is None:
        return "\n".join(text.splitlines()[-20:])[-max_chars:]
    paragraphs = [p for p in re.split(r"\n\s*\n", text[dump.start() :]) if _WATCHDOG not in p]
    current = [p for p in paragraphs if p.startswith("Current thread")]
    ordered = [p for p in paragraphs if p.startswith("Fatal")] + current
    ordered += [p for p in paragraphs if p not in ordered]
    printed = text[: dump.start()].strip().splitlines()[-5:]
    if printed:
        ordered.append("output before it:\n" + "\n".join(printed))
    return "\n\n".join(ordered)[:max_chars]


_DUMP_START = re.compile(r"^(Fatal Python error|Current thread 0x|Thread 0x)", re.MULTILINE)
_WATCHDOG = f'{Path(__file__).name}", line'  # the parent-watch thread's frame in a dump
