"""anyio on asyncio or on trio: the same structured-concurrency code, measured on both loops,
so its rows sit beside the raw ``asyncio`` and ``trio`` backends and show what the
abstraction layer costs. The loop is an option, not a class (as anyio's own pytest plugin
does it). ``compare`` runs anyio on asyncio, beside raw asyncio, which keeps the default
matrix within its time; ``-b anyio -o backend=trio`` measures it on trio.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from concbench.framework import (
    Backend,
    CallVariant,
    Param,
    Recorder,
    StepKind,
    Workload,
    run_coroutines,
)

__all__ = ["AnyioBackend"]


class AnyioBackend(Backend):
    name = "anyio"
    description = (
        "anyio task group start_soon per task, on asyncio or trio (-o backend=trio); "
        "the group's exit gathers"
    )
    requires = ("anyio",)
    blocks_scheduler = frozenset({StepKind.BLOCK, StepKind.CPU})
    extra = "anyio"
    options = (
        Param(
            "backend", str, "asyncio", "the event loop anyio runs on", choices=("asyncio", "trio")
        ),
    )
    compare = ({"backend": "asyncio"},)

    @classmethod
    def unavailable_reason(cls, options: Mapping[str, Any] | None = None) -> str | None:
        reason = super().unavailable_reason(options)
        wants_trio = options is not None and options.get("backend") == "trio"
        if reason is None and wants_trio and importlib.util.find_spec("trio") is None:
            return "trio is not installed: install concbench[trio]"
        return reason

    @classmethod
    def call_variants(cls, options: Mapping[str, Any]) -> tuple[CallVariant, ...]:
        if options.get("backend") == "trio":
            return (CallVariant.ANYIO, CallVariant.SYNC)
        return (CallVariant.ANYIO, CallVariant.ASYNCIO, CallVariant.SYNC)

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        from ._anyio_run import primitives  # anyio is imported only where it is known to exist

        run_coroutines(primitives(self.config["backend"]), workload, recorder)
