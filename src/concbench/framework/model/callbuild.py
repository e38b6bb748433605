"""The constructors a scenario writes: :func:`call`, :func:`resource` and :func:`offload`.

A function reaches a worker process by its importable name only, so a constructor turns
each function into its reference here, where the scenario wrote it, and refuses at once
what no worker could import by name (a lambda, a nested function, ``__main__``), and an
argument that is not JSON: found later, in a worker, the same mistake would fail every run
of the sweep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .calltypes import Call, Resource
from .steps import ModelError, Step, StepKind

__all__ = ["Function", "call", "offload", "reference", "resource"]


Function = Callable[..., Any] | str
"""A function object, or its reference ``"module:qualname"``."""

_REFERENCE = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


def reference(function: Function, what: str) -> str:
    """``"module:qualname"`` for a function or a reference, refusing what a worker process
    could not import by that name (a lambda, a nested function, ``__main__``)."""
    if isinstance(function, str):
        ref = function
    else:
        module = getattr(function, "__module__", None)
        qualname = getattr(function, "__qualname__", None)
        if not module or not qualname:
            raise ModelError(f"{what}: {function!r} has no importable name; give 'module:name'")
        ref = f"{module}:{qualname}"
    if "<" in ref or ref.startswith("__main__:"):
        raise ModelError(
            f"{what}: {ref!r} cannot be imported by name in a worker process; define it at "
            "the top level of an importable module (not __main__, not a lambda or a nested "
            "function)"
        )
    if not _REFERENCE.fullmatch(ref):
        raise ModelError(f"{what}: {ref!r} is not a reference of the form 'module:qualname'")
    return ref


def _json(value: Any, what: str) -> str:
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{what}: `arg` must be a JSON value ({exc})") from None


def resource(
    name: str,
    *,
    anyio: Function | None = None,
    asyncio: Function | None = None,
    sync: Function | None = None,
    arg: Any = None,
) -> Resource:
    """A per-run resource: each factory ``(ResourceContext) -> (async) context manager``."""
    what = f"resource {name!r}"
    if not name:
        raise ModelError("a resource needs a name")
    refs = {
        key: reference(value, f"{what} ({key})")
        for key, value in (("anyio", anyio), ("asyncio", asyncio), ("sync", sync))
        if value is not None
    }
    if not refs:
        raise ModelError(f"{what}: give at least one factory: anyio=, asyncio= or sync=")
    return Resource(
        name=name,
        anyio=refs.get("anyio", ""),
        asyncio=refs.get("asyncio", ""),
        sync=refs.get("sync", ""),
        arg=_json(arg, what),
    )


def call(
    name: str,
    *,
    anyio: Function | None = None,
    asyncio: Function | None = None,
    sync: Function | None = None,
    arg: Any = None,
    resource: Resource | None = None,
    inline: bool = True,
) -> Step:
    """A step that runs the scenario's own function (see the module docstring).

    Each function is a function object defined at the top level of an importable module,
    or its reference ``"module:qualname"``; ``arg`` is any JSON value, handed to the
    function as ``ctx.arg``; ``resource`` is shared by the calls of a run.
    """
    what = f"call {name!r}"
    if not name:
        raise ModelError("a call needs a name")
    refs = {
        key: reference(value, f"{what} ({key})")
        for key, value in (("anyio", anyio), ("asyncio", asyncio), ("sync", sync))
        if value is not None
    }
    if not refs:
        raise ModelError(f"{what}: give at least one function: anyio=, asyncio= or sync=")
    target = Call(
        name=name,
        anyio=refs.get("anyio", ""),
        asyncio=refs.get("asyncio", ""),
        sync=refs.get("sync", ""),
        arg=_json(arg, what),
        resource=resource,
        inline=inline,
    )
    return Step(StepKind.CALL, 0.0, target=target)


def offload(seconds: float) -> Step:
    """A blocking call of ``seconds`` (``time.sleep``) handed to a thread by the backend's
    own primitive (``asyncio.to_thread``, ``trio.to_thread.run_sync``, ...); on thread and
    process backends, the call itself."""
    return Step(StepKind.OFFLOAD, float(seconds))
