"""A call's nominal duration: its solo time, measured alone on the backend.

Serial, ideal and the decomposition need a nominal duration for every step; a call has
none until the worker has timed it alone (measure/solo.py). These two put that timing in
the model's terms: the workload that times one call (:func:`solo_workload`), and the
workload with each call's solo time as its ``seconds`` (:func:`with_solo`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from .callsteps import map_calls
from .steps import Step, StepKind
from .workload import Task, Workload

__all__ = ["solo_workload", "with_solo"]


def with_solo(workload: Workload, solo: Mapping[str, float]) -> Workload:
    """The workload with each call's nominal duration set to its solo time, by name."""
    if StepKind.CALL not in workload.kinds:
        return workload
    return map_calls(
        workload,
        lambda step: dataclasses.replace(step, seconds=solo[step.target.name]),  # type: ignore[union-attr]
    )


def solo_workload(step: Step, repeats: int, like: Workload) -> Workload:
    """One task that makes the call ``repeats`` times in a row: the call alone on a
    backend, one call at a time, with ``like``'s server address."""
    return Workload(
        tasks=(Task((step,) * repeats),),
        io_address=like.io_address,
        services=like.services,
        endpoints=like.endpoints,
    )
