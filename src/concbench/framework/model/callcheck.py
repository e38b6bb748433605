"""Every call a workload makes, imported and checked before anything runs.

A worker imports a call's function by its reference (:func:`load`); the parent imports
each one first, as the worker will, so that a typo in a reference, a module that fails on
import, or an ``async def`` given as ``sync=`` is one clear error at plan time instead of
a failed run per job.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
from typing import Any

from .callsteps import calls_in
from .calltypes import ASYNC_VARIANTS, Call, CallVariant
from .steps import ModelError
from .workload import Workload

__all__ = ["check_calls", "load"]


@functools.lru_cache(maxsize=256)
def load(ref: str) -> Any:
    """The object ``"module:qualname"`` names, imported here; :class:`ModelError` if not."""
    module_name, _, qualname = ref.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
    except Exception as exc:  # an ImportError, or whatever the module raised on import
        raise ModelError(
            f"cannot import {ref!r}: {type(exc).__name__}: {exc}".rstrip(": ")
        ) from None
    for part in qualname.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise ModelError(f"cannot import {ref!r}: {module_name} has no {qualname}") from None
    return found


def check_calls(workload: Workload) -> None:
    """Refuse, before anything runs, a call a worker could not import or would misuse:
    every function and factory is imported here (as the worker will), an async variant
    must be an ``async def``, a sync one must not, and names are unique."""
    names: dict[str, Call] = {}
    for target in calls_in(workload):
        base = dataclasses.replace(target, chosen=None)
        if names.setdefault(target.name, base) != base:
            raise ModelError(f"two different calls are named {target.name!r}; names must differ")
        for variant in target.variants():
            _check_function(f"call {target.name!r} ({variant.value})", target, variant)
        if target.resource is not None:
            for key in ("anyio", "asyncio", "sync"):
                ref = getattr(target.resource, key)
                if ref and not callable(_loaded(f"resource {target.resource.name!r}", ref)):
                    raise ModelError(
                        f"resource {target.resource.name!r} ({key}): {ref!r} is not callable"
                    )


def _loaded(what: str, ref: str) -> Any:
    try:
        return load(ref)
    except ModelError as exc:
        raise ModelError(f"{what}: {exc}") from None


def _check_function(what: str, target: Call, variant: CallVariant) -> None:
    ref = target.function(variant)
    function = _loaded(what, ref)
    if not callable(function):
        raise ModelError(f"{what}: {ref!r} is not callable")
    is_async = inspect.iscoroutinefunction(function)
    if variant in ASYNC_VARIANTS and not is_async:
        raise ModelError(f"{what}: {ref!r} must be an `async def` function")
    if variant is CallVariant.SYNC and is_async:
        raise ModelError(
            f"{what}: {ref!r} is an `async def` function; give it as anyio= or asyncio="
        )
