"""Starting a fresh worker interpreter cheaply, and ending it for certain.

Every worker process is spawned, never forked: a backend's process-wide state (gevent's
patches, uvloop's policy, a loop left running) must not leak from one job into the next.
Spawning costs an interpreter start per process, so what it would run needlessly (the
parent's main module) is kept out of it; and a worker that hangs or ignores a polite
stop is killed, so no sweep leaves a process behind.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import instructions
from .isolation import output_tail

__all__ = ["Worker", "death_message", "main_script_hidden", "spawned_under", "stop_worker"]


@dataclass
class Worker:
    """One worker process, the parent's end of its pipe, and the file its output goes to."""

    process: Any
    receiver: Any
    log_path: str = ""

    def tail(self, label: str = "last output of the worker") -> str:
        """The end of the worker's stdout and stderr, as a paragraph for an error text."""
        tail = output_tail(self.log_path)
        return f"\n{label}:\n{tail}" if tail else ""


@contextmanager
def main_script_hidden() -> Iterator[None]:
    """Start spawned workers without running the parent's main module in them again.

    ``spawn`` runs the parent's ``__main__`` (by path for a script, by name for ``-m``) in
    every fresh process before its target, to find what the target may need there. A
    worker needs nothing from it (it loads its plugins by entry point), and for the
    ``concbench`` console script it is the whole CLI: on this machine a worker started in
    0.35 s without it and in 1.1 s with it, under load; a sweep starts one per process of
    every job (docs/performance.md).
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved: dict[str, Any] = {
        name: vars(main)[name] for name in ("__file__", "__spec__") if name in vars(main)
    }
    vars(main).pop("__file__", None)
    vars(main)["__spec__"] = None
    try:
        yield
    finally:
        vars(main).pop("__spec__", None)
        vars(main).update(saved)


def spawned_under(counts: str) -> contextlib.AbstractContextManager[None]:
    """Workers started inside it run under callgrind, counting into ``counts``; with no
    directory (timed runs) they start as plain interpreters."""
    return instructions.spawned_under_callgrind(counts) if counts else contextlib.nullcontext()


def stop_worker(worker: Any) -> None:
    """End a worker for certain: politely, then by force."""
    if worker.is_alive():
        worker.terminate()
        worker.join(2)
    if worker.is_alive():
        worker.kill()
    worker.join()


def death_message(exitcode: int | None) -> str:
    """Why a worker went silent, from its exit code: the signal that killed it, by name."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"worker process was killed by {name}"
    return f"worker process exited with code {exitcode} without reporting"
