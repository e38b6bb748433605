"""What a run does with its ``call`` steps: make their resources and find their functions.

The skeleton (model/skeleton.py) enters a run's resources before ``recorder.begin()`` and
exits them after ``recorder.finish()`` (:func:`open_async`, :func:`open_sync`), and
imports each call's function once per run (:func:`invokers`). A pool process keeps its
resources from one run to the next (backends/_elsewhere.py). The calls themselves are
described in model/calls.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AsyncExitStack, ExitStack
from typing import Any

from .calls import Call, CallContext, Resource, ResourceContext, load, step_tuples
from .workload import ModelError, Step, StepKind, Workload

__all__ = [
    "Held",
    "Invoker",
    "Need",
    "invokers",
    "needs",
    "open_async",
    "open_sync",
    "workload_needs",
]

Need = tuple[Resource, str, bool]
"""A resource a run needs: the resource, the reference of the factory that makes it, and
whether that factory gives an async context manager."""
Held = dict[tuple[Resource, str], Any]
"""The entered resources of a run (or of a pool process), by resource and factory."""
Invoker = tuple[Callable[[CallContext], Any], bool, Any, Any]
"""What a call step runs: the function, whether it is awaited, its resource, its argument."""


def needs(step_tuples: Iterable[tuple[Step, ...]]) -> list[Need]:
    """The resources the bound calls among these steps use, each once, in order of use."""
    found: dict[tuple[Resource, str], bool] = {}
    for steps in step_tuples:
        for step in steps:
            target = step.target
            if target is None or target.resource is None or target.chosen is None:
                continue
            ref = target.resource.factory(target.chosen)
            found.setdefault((target.resource, ref), target.runs_async)
    return [(res, ref, is_async) for (res, ref), is_async in found.items()]


def workload_needs(workload: Workload, *, main_only: bool = False) -> list[Need]:
    """:func:`needs` of every lane of ``workload``, or of its main routine only."""
    if StepKind.CALL not in workload.kinds:
        return []
    return needs((workload.main,) if main_only else step_tuples(workload))


def _made(need: Need, tasks: int, io_address: tuple[str, int] | None) -> Any:
    """The (async) context manager a resource's factory makes."""
    res, ref, _ = need
    return load(ref)(ResourceContext(json.loads(res.arg), tasks, io_address, res.endpoints))


def open_sync(
    stack: ExitStack,
    wanted: Sequence[Need],
    tasks: int,
    io_address: tuple[str, int] | None,
    held: Held | None = None,
) -> Held:
    """Enter each wanted resource not yet in ``held`` on ``stack``; sync factories only."""
    held = {} if held is None else held
    for need in wanted:
        res, ref, is_async = need
        if (res, ref) in held:
            continue
        if is_async:
            raise ModelError(f"resource {res.name!r}: {ref!r} is async; it cannot run here")
        held[(res, ref)] = stack.enter_context(_made(need, tasks, io_address))
    return held


async def open_async(
    stack: AsyncExitStack, wanted: Sequence[Need], tasks: int, io_address: tuple[str, int] | None
) -> Held:
    """Enter each wanted resource on ``stack``, inside the running loop: async factories'
    context managers are awaited, sync ones (for calls run inline) entered as they are."""
    held: Held = {}
    for need in wanted:
        res, ref, is_async = need
        made = _made(need, tasks, io_address)
        if is_async:
            held[(res, ref)] = await stack.enter_async_context(made)
        else:
            held[(res, ref)] = stack.enter_context(made)
    return held


def _elsewhere(target: Call) -> Callable[[CallContext], Any]:
    def refuse(context: CallContext) -> None:
        name = target.resource.name if target.resource else ""
        raise ModelError(f"call {target.name!r}: its resource {name!r} was not made here")

    return refuse


def invokers(
    step_tuples: Iterable[tuple[Step, ...]], held: Held, *, coroutines: bool
) -> dict[Call, Invoker]:
    """What each bound call among these steps invokes, its function imported once.

    ``coroutines`` says whether the routine that makes the calls can await; a call bound
    to an async variant where it cannot is a backend whose ``call_variants`` lie.
    """
    found: dict[Call, Invoker] = {}
    for steps in step_tuples:
        for step in steps:
            target = step.target
            if target is None or target in found:
                continue
            if target.chosen is None:
                raise ModelError(
                    f"call {target.name!r} is not bound to a variant: run the workload through "
                    "concbench (the worker binds calls to the backend), or bind it first "
                    "with concbench.framework.model.calls.bind"
                )
            if target.runs_async and not coroutines:
                raise ModelError(
                    f"call {target.name!r} is bound to its {target.chosen.value} function, "
                    "which a blocking routine cannot await"
                )
            resource_object = None
            function = load(target.function(target.chosen))
            if target.resource is not None:
                key = (target.resource, target.resource.factory(target.chosen))
                if key not in held:  # made elsewhere: a task of another process calls it
                    function = _elsewhere(target)
                resource_object = held.get(key)
            found[target] = (function, target.runs_async, resource_object, json.loads(target.arg))
    return found
