"""trio: every task started in one nursery; the nursery's exit is the gather."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from concbench.framework import Backend, CallVariant, Recorder, StepKind, Workload, run_coroutines

__all__ = ["TrioBackend"]


class TrioBackend(Backend):
    name = "trio"
    description = "trio nursery.start_soon per task; the nursery's exit gathers"
    requires = ("trio",)
    extra = "trio"
    blocks_scheduler = frozenset({StepKind.BLOCK, StepKind.CPU})

    @classmethod
    def call_variants(cls, options: Mapping[str, Any]) -> tuple[CallVariant, ...]:
        return (CallVariant.ANYIO, CallVariant.SYNC)  # an asyncio-only call cannot run on trio

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        from ._trio_run import PRIMITIVES  # trio is imported only where it is known to exist

        run_coroutines(PRIMITIVES, workload, recorder)
