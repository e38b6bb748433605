"""gevent: greenlets on a monkey-patched standard library, in a process of its own.

Patching is process-wide, so it happens in :meth:`GeventBackend.prepare_process`, which
the runner calls in every fresh worker before the backend is created. Under patching
``time.sleep`` yields to gevent's hub: the ``block`` steps that stall every other coroutine
backend become cooperative here, which is what gevent promises for blocking code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from concbench.framework import Backend, Recorder, StepKind, Workload

__all__ = ["GeventBackend"]


class GeventBackend(Backend):
    name = "gevent"
    description = (
        "gevent.spawn per task on a monkey-patched standard library, then joinall; "
        "time.sleep (a block step) yields"
    )
    requires = ("gevent",)
    extra = "gevent"
    own_process = True
    blocks_scheduler = frozenset({StepKind.CPU})  # time.sleep is patched: block steps yield

    @classmethod
    def prepare_process(cls) -> None:
        from gevent import monkey

        monkey.patch_all()

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        from gevent import monkey

        if not monkey.is_module_patched("time"):
            raise RuntimeError(
                "the gevent backend runs only in a process that GeventBackend.prepare_process() "
                "has patched; run it through concbench or concbench.testing.run"
            )

    @classmethod
    def note(cls, workload: Workload, options: Mapping[str, Any]) -> str | None:
        if StepKind.BLOCK in workload.kinds:
            return "monkey-patched: time.sleep yields to gevent's hub, so block steps overlap"
        return None

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        from ._gevent_run import run  # gevent is imported only where it is known to exist

        run(workload, recorder)
