"""Which variant of each call a backend runs: chosen once, when the workload is bound.

Each backend names the variants it runs in its own order of preference
(:meth:`Backend.call_variants`); binding picks, per call, the first the call has, with a
resource factory for it, and a call none fits makes the job ``skipped`` with the reason
(:func:`skip_reason`), never a failed run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from .callsteps import calls_in, map_calls
from .calltypes import ASYNC_VARIANTS, Call, CallVariant
from .steps import ModelError, StepKind
from .workload import Workload

__all__ = ["bind", "choose", "inline_sync", "skip_reason"]


def choose(target: Call, variants: Sequence[CallVariant]) -> CallVariant | None:
    """The first of a backend's ``variants`` the call has, with a resource factory for it."""
    on_loop = any(variant in ASYNC_VARIANTS for variant in variants)
    for variant in variants:
        if not target.function(variant):
            continue
        if variant is CallVariant.SYNC and on_loop and not target.inline:
            continue
        if target.resource is not None and not target.resource.factory(variant):
            continue
        return variant
    return None


def skip_reason(workload: Workload, variants: Sequence[CallVariant], backend: str) -> str | None:
    """Why ``backend``, which runs calls of ``variants``, can run some call of the workload
    in none of its variants; ``None`` when it can run them all."""
    for target in calls_in(workload):
        if choose(target, variants) is None:
            runs = " or ".join(v.value for v in variants) or "no"
            has = ", ".join(v.value for v in target.variants())
            lacking = ""
            if not target.inline and CallVariant.SYNC in variants and target.sync:
                lacking = " (its sync function is not run inline on a loop)"
            elif target.resource is not None and any(target.function(v) for v in variants):
                lacking = f" (resource {target.resource.name!r} has no factory for them)"
            return (
                f"call {target.name!r} has only {has} functions{lacking}; {backend} runs "
                f"{runs} functions"
            )
    return None


def bind(workload: Workload, variants: Sequence[CallVariant]) -> Workload:
    """The workload with each call's variant chosen for a backend that runs ``variants``.

    Raises :class:`ModelError` with :func:`skip_reason`'s text for a call none fits.
    """
    if StepKind.CALL not in workload.kinds:
        return workload
    chosen: dict[Call, Call] = {}
    for target in calls_in(workload):
        variant = choose(target, variants)
        if variant is None:
            raise ModelError(skip_reason(workload, variants, "this backend") or "no variant")
        shared = target.resource
        if shared is not None and workload.endpoints:
            shared = dataclasses.replace(shared, endpoints=workload.endpoints)
        chosen[target] = dataclasses.replace(target, chosen=variant, resource=shared)
    return map_calls(workload, lambda step: dataclasses.replace(step, target=chosen[step.target]))  # type: ignore[index]


def inline_sync(workload: Workload) -> list[str]:
    """The names of bound calls that run their sync function (inline, on a loop)."""
    return [t.name for t in calls_in(workload) if t.chosen is CallVariant.SYNC]
