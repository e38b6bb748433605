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
computed as for every other step.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import inspect
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from typing import Any

from .workload import ModelError, Step, StepKind, Task, Workload

__all__ = [
    "ASYNC_VARIANTS",
    "Call",
    "CallContext",
    "CallVariant",
    "Held",
    "Invoker",
    "Need",
    "Resource",
    "ResourceContext",
    "bind",
    "call",
    "calls_in",
    "check_calls",
    "choose",
    "inline_sync",
    "invokers",
    "load",
    "needs",
    "offload",
    "open_async",
    "open_sync",
    "reference",
    "resource",
    "skip_reason",
    "solo_workload",
    "with_solo",
    "workload_needs",
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
    return Resource(name=name, arg=_json(arg, what), **refs)


def call(
    name: str,
    *,
    anyio: Function | None = None,
    asyncio: Function | None = None,
    sync: Function | None = None,
    arg: Any = None,
    resource: Resource | None = None,
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
    for steps in _step_tuples(workload):
        for step in steps:
            if step.target is not None:
                seen.setdefault(step.target)
    return list(seen)


def _step_tuples(workload: Workload) -> Iterator[tuple[Step, ...]]:
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
    for variant in variants:
        if not target.function(variant):
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
            if target.resource is not None and any(target.function(v) for v in variants):
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
        chosen[target] = dataclasses.replace(target, chosen=variant)
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
    return Workload(tasks=(Task((step,) * repeats),), io_address=like.io_address)


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


# --- at run time: the resources of a run, and what each call step invokes ------------------

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
    return needs((workload.main,) if main_only else _step_tuples(workload))


def _made(need: Need, tasks: int, io_address: tuple[str, int] | None) -> Any:
    """The (async) context manager a resource's factory makes."""
    res, ref, _ = need
    return load(ref)(ResourceContext(json.loads(res.arg), tasks, io_address))


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
