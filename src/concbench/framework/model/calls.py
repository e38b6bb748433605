"""Your own code as steps: a ``call`` step's function, its variants and its per-run resource.

A ``call`` step runs a function the scenario provides instead of a modelled wait. Because
every run happens in a fresh worker process (and, on the processes and dask backends, in a
pool process), a function is never shipped as an object: it is named by its importable
reference, ``"module:qualname"``, and imported where it runs. Its argument is a JSON value
for the same reason, kept as JSON text, so that the step stays hashable and crosses every
process boundary as JSON and nothing else.

A call may come in three variants, and each backend runs the first one it can, in its own
order of preference (:meth:`Backend.call_variants`):

- ``anyio``: ``async def fn(ctx)`` written against anyio, so it runs on asyncio, uvloop,
  trio and anyio (on either loop);
- ``asyncio``: ``async def fn(ctx)`` that needs asyncio; on trio it is skipped, with the
  reason;
- ``sync``: ``def fn(ctx)``, for threads, processes, gevent and dask. On a coroutine
  backend it is called inline and blocks the loop, as a ``block`` step does, and the
  report says so.

A :class:`Resource` is what the calls share within a run (a client, a connection pool, an
open file): its factory returns a context manager (``sync``) or an async context manager
(``anyio``, ``asyncio``), which the skeleton enters before ``recorder.begin()`` and exits
after ``recorder.finish()``, so neither set-up nor tear-down is measured.

The nominal duration of a call is its **solo time**: the worker measures each call alone on
its backend before the counted runs (:func:`solo_workload`) and puts the median in the
step's ``seconds`` (:func:`with_solo`), so that serial, ideal and the decomposition are
computed as for every other step. What a run does with its calls (entering resources,
importing functions) is model/callrun.py.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import inspect
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .workload import ModelError, Step, StepKind, Task, Workload

__all__ = [
    "ASYNC_VARIANTS",
    "Call",
    "CallContext",
    "CallVariant",
    "Resource",
    "ResourceContext",
    "bind",
    "call",
    "calls_in",
    "check_calls",
    "choose",
    "inline_sync",
    "load",
    "offload",
    "reference",
    "resource",
    "skip_reason",
    "solo_workload",
    "step_tuples",
    "with_solo",
]


class CallVariant(str, enum.Enum):
    """How a call's function is written, which decides where it can run."""

    ANYIO = "anyio"
    """``async def fn(ctx)`` against anyio: asyncio, uvloop, trio, anyio."""
    ASYNCIO = "asyncio"
    """``async def fn(ctx)`` that needs asyncio: asyncio, uvloop, anyio on asyncio."""
    SYNC = "sync"
    """``def fn(ctx)``: threads, processes, gevent, dask; inline (blocking) on a loop."""


ASYNC_VARIANTS = frozenset({CallVariant.ANYIO, CallVariant.ASYNCIO})

_RESOURCE_FACTORIES: dict[CallVariant, tuple[str, ...]] = {
    CallVariant.ANYIO: ("anyio",),
    CallVariant.ASYNCIO: ("asyncio", "anyio"),  # an anyio context manager works on asyncio
    CallVariant.SYNC: ("sync",),
}
"""Which of a resource's factories serve a call of each variant, first found wins."""

_REFERENCE = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a call's function receives: where it runs, and what the run shares."""

    task: int | None
    """The task's index, or ``None`` in the main routine."""
    step: int
    """The step's index within its task (or main)."""
    resource: Any
    """What the call's resource's context manager gave on entry; ``None`` without one."""
    arg: Any
    """The call's argument, decoded from its JSON."""


@dataclass(frozen=True, slots=True)
class ResourceContext:
    """What a resource's factory receives."""

    arg: Any
    """The resource's argument, decoded from its JSON."""
    tasks: int
    """Tasks in the workload: to size a pool of connections."""
    io_address: tuple[str, int] | None
    """The latency server's address, when the workload has ``io`` steps."""
    endpoints: tuple[tuple[str, str], ...] = ()
    """How to reach the servers the workload declared (``Workload.endpoints``)."""

    def endpoint(self, service: str) -> dict[str, Any]:
        """How to reach the ``service`` server (its JSON): ``{"url": ...}`` for ``http``,
        ``{"host", "port", "user", "dbname", "dsn", ...}`` for ``postgres``."""
        for name, info in self.endpoints:
            if name == service:
                found: dict[str, Any] = json.loads(info)
                return found
        raise ModelError(
            f"no endpoint for the {service!r} server: the workload must name it "
            "in `services` (the runner starts it and fills in `endpoints`)"
        )


@dataclass(frozen=True)
class Resource:
    """A per-run object the calls share, made by a factory named by reference.

    Each factory is called with a :class:`ResourceContext` and returns a context manager
    (``sync``) or an async context manager (``anyio``, ``asyncio``). Build one with
    :func:`resource`.
    """

    name: str
    anyio: str = ""
    asyncio: str = ""
    sync: str = ""
    arg: str = "null"
    """JSON text."""
    endpoints: tuple[tuple[str, str], ...] = ()
    """The workload's ``endpoints`` (how to reach its servers), set by :func:`bind`, so
    that they travel with the resource to wherever it is made (a pool process too)."""

    def factory(self, variant: CallVariant) -> str:
        """The reference of the factory that serves a call of ``variant``, or ``""``."""
        for attribute in _RESOURCE_FACTORIES[variant]:
            ref: str = getattr(self, attribute)
            if ref:
                return ref
        return ""


@dataclass(frozen=True)
class Call:
    """A function of the scenario's, in up to three variants, named by reference.

    Build one with :func:`call`, which returns the step. ``chosen`` is set when the
    workload is bound to a backend (:func:`bind`).
    """

    name: str
    """Names the call in reports; the solo times are keyed by it."""
    anyio: str = ""
    asyncio: str = ""
    sync: str = ""
    arg: str = "null"
    """JSON text."""
    resource: Resource | None = None
    chosen: CallVariant | None = None
    inline: bool = True
    """Whether the sync function may run inline on a loop (blocking it); ``False`` makes
    the job ``skipped`` there instead: a blocking HTTP client on asyncio would take the
    serial time, which measures nothing the ``block`` step does not."""

    def variants(self) -> tuple[CallVariant, ...]:
        return tuple(v for v in CallVariant if getattr(self, v.value))

    def function(self, variant: CallVariant) -> str:
        ref: str = getattr(self, variant.value)
        return ref

    @property
    def runs_async(self) -> bool:
        return self.chosen in ASYNC_VARIANTS


Function = Callable[..., Any] | str


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


def calls_in(workload: Workload) -> list[Call]:
    """Every distinct call of the workload, main included, in order of first use."""
    seen: dict[Call, None] = {}
    for steps in step_tuples(workload):
        for step in steps:
            if step.target is not None:
                seen.setdefault(step.target)
    return list(seen)


def step_tuples(workload: Workload) -> Iterator[tuple[Step, ...]]:
    shared: set[int] = set()
    for steps in (*(task.steps for task in workload.tasks), workload.main):
        if id(steps) not in shared:  # scenarios share one steps tuple between tasks
            shared.add(id(steps))
            yield steps


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
    return _map_calls(workload, lambda step: dataclasses.replace(step, target=chosen[step.target]))  # type: ignore[index]


def inline_sync(workload: Workload) -> list[str]:
    """The names of bound calls that run their sync function (inline, on a loop)."""
    return [t.name for t in calls_in(workload) if t.chosen is CallVariant.SYNC]


def with_solo(workload: Workload, solo: Mapping[str, float]) -> Workload:
    """The workload with each call's nominal duration set to its solo time, by name."""
    if StepKind.CALL not in workload.kinds:
        return workload
    return _map_calls(
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


def _map_calls(workload: Workload, change: Callable[[Step], Step]) -> Workload:
    """The workload with every call step replaced by ``change(step)``; tasks that shared one
    steps tuple still share one, and every other field (of tasks too) is kept."""
    copies: dict[int, tuple[Step, ...]] = {}

    def mapped(steps: tuple[Step, ...]) -> tuple[Step, ...]:
        if id(steps) not in copies:
            copies[id(steps)] = tuple(
                change(step) if step.kind is StepKind.CALL else step for step in steps
            )
        return copies[id(steps)]

    return dataclasses.replace(
        workload,
        tasks=tuple(dataclasses.replace(task, steps=mapped(task.steps)) for task in workload.tasks),
        main=mapped(workload.main),
    )
