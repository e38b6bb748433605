"""Twisted: a coroutine per task (``Deferred.fromCoroutine``), or a plain callback, on a
fresh reactor per run.

Twisted's global reactor cannot be restarted, and ``execute`` is called once per run
(warm-ups included), so each run instantiates a reactor of the kind the ``reactor`` option
names instead of installing the global one, runs it without signal handlers (the worker
owns SIGINT and SIGTERM), and closes its waker and poller afterwards. By default a task is
a coroutine, as Twisted code is written today; ``-o tasks=callbacks`` runs a plain fan-out
or empty tasks as ``deferLater`` callbacks instead, which shows what the coroutine layer
costs (docs/backends.md). ``Deferred.fromCoroutine`` starts a task at once, up to its first
wait, inside the spawn, as asyncio's eager task factory does.
"""

from __future__ import annotations

import select
import sys
from collections.abc import Mapping
from typing import Any

from concbench.framework import Backend, Param, Recorder, StepKind, Workload, run_coroutines

__all__ = ["REACTORS", "SELECT_CONNECTIONS", "TwistedBackend"]

REACTORS = ("epoll", "poll", "select")
"""The reactor kinds ``-o reactor=`` chooses from, each a class instantiated per run."""
SELECT_CONNECTIONS = 1000
"""The most connections a run may hold open at once on ``reactor=select``: ``select()``
takes descriptors numbered below 1024 (FD_SETSIZE), and a worker holds about 20 of its
own (``requests``' default 1,000 runs; 2,000 failed with "filedescriptor out of range")."""


class TwistedBackend(Backend):
    name = "twisted"
    description = (
        "Deferred.fromCoroutine per task (or a plain callback, -o tasks=callbacks) on a fresh "
        "reactor per run (-o reactor=epoll|poll|select); gatherResults gathers"
    )
    requires = ("twisted",)
    extra = "twisted"
    blocks_scheduler = frozenset({StepKind.BLOCK, StepKind.CPU})
    options = (
        Param("reactor", str, "epoll", "the reactor a run gets, made fresh", choices=REACTORS),
        Param(
            "tasks",
            str,
            "coroutines",
            "a task as a coroutine (Deferred.fromCoroutine) or as plain callbacks "
            "(a plain fan-out or empty tasks only)",
            choices=("coroutines", "callbacks"),
        ),
    )

    @classmethod
    def unavailable_reason(cls, options: Mapping[str, Any] | None = None) -> str | None:
        reason = super().unavailable_reason(options)
        kind = "epoll" if options is None else options.get("reactor", "epoll")
        if reason is None and not hasattr(select, kind):
            return (
                f"reactor={kind} needs select.{kind}, which {sys.platform} lacks: "
                "use -o reactor=select"
            )
        return reason

    @classmethod
    def check_resources(cls, workload: Workload, config: Mapping[str, Any]) -> str | None:
        connections = workload.io_connections
        if config.get("reactor") == "select" and connections > SELECT_CONNECTIONS:
            return (
                f"reactor=select cannot watch {connections} connections at once: select() "
                f"takes descriptors below 1024 (at most {SELECT_CONNECTIONS} connections "
                "here); use -o reactor=epoll or poll"
            )
        plain = workload.single_sleeps is not None or workload.only_empty_tasks
        if config.get("tasks") == "callbacks" and not plain:
            return (
                "tasks=callbacks runs only tasks of one sleep or of no step (a plain fan-out, "
                "empty tasks); this workload's tasks need coroutines: use tasks=coroutines"
            )
        return None

    @classmethod
    def note(cls, workload: Workload, options: Mapping[str, Any]) -> str | None:
        if options.get("tasks") == "callbacks":
            return "each task a plain deferLater callback, no coroutine"
        return None

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        from ._twisted_run import primitives  # twisted is imported only where it is known to exist

        reason = self.check_resources(workload, self.config)
        if reason:  # the runner skips such a job; a direct call is refused the same way
            raise ValueError(reason)
        callbacks = self.config["tasks"] == "callbacks"
        run_coroutines(primitives(self.config["reactor"], callbacks=callbacks), workload, recorder)
